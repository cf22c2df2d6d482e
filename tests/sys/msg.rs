//! Tests: msg (being written).
