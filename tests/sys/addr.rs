//! Tests: addr (being written).
