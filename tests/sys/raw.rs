//! Tests: raw (being written).
