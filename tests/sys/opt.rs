//! Tests: opt (being written).
