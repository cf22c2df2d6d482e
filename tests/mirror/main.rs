//! Integration tests of the seed mirrors: syscall parity under strace, output parity, the
//! client × server interop matrix (Rust, C/C++, Python), and the NUL-overread difference; the
//! ports of public C programs checked with `socklab::parity` (`ports.rs`), and the
//! `socklab parity` command line (`parity.rs`, with the `cli` feature).
//!
//! The servers run as separate processes on a free port each ([`procs::free_port`]); readiness
//! is read from /proc/net (a probe connection would use up the seed server's only accept()).
//! Needs the examples built (`cargo test` builds them), strace (`apt-get install strace`;
//! `SOCKLAB_SKIP_STRACE=1` skips those tests) and python3 (tests needing it skip without it).

#[path = "../common/cbuild.rs"]
mod cbuild;
#[path = "../sys/common.rs"]
mod common;
mod procs;
mod strace;

mod cli;
mod interop;
mod output;
#[cfg(feature = "cli")] // the `socklab parity` binary
mod parity;
mod ports;
mod syscalls;
