//! Tests: errors (being written).
