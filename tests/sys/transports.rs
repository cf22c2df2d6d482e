//! Tests: transports (being written).
