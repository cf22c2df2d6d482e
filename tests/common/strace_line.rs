//! The strace-line grammar, for the test code that `#[path]`-includes it (tests/mirror, the
//! trace's property tests in `src/sys/trace/props.rs`): one copy, the library's
//! `socklab::parity::line` (`src/parity/line.rs`), included here by path so the tests of every
//! feature set read lines with the same grammar as `socklab parity`.
#![allow(dead_code)]

// The library builds it as `socklab::parity::line` too: in its own unit tests (the trace's
// property tests include this file) the same file is then a module twice, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../../src/parity/line.rs"]
mod line;

pub use line::*;
