//! [`Error`]: what can stop a `socklab compare` run, one variant per layer it comes from.

use std::{fmt, io};

use super::ConfigError;
use crate::sys;

/// What stopped a run ([`run`](super::run)), or kept it from starting.
///
/// Each variant prints exactly as the error it holds (no prefix is added), and `source()` is that
/// error's own source, so an error chain does not repeat the message.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The run cannot be measured honestly: a flag out of range, a batch that does not fit the
    /// socket buffers, `--pin split` on one CPU.
    Config(ConfigError),
    /// A call of the harness itself: reading or setting the CPU affinity, the Nagle canary's
    /// exchange, the `--mode syscall` socket. The strace-style [`sys::Error`] is kept.
    Sys(sys::Error),
    /// A path's set-up or one of its measured operations, or its echo or sender thread. The
    /// path layer speaks [`io::Error`], as the crates it compares (std, nix, socket2, rustix)
    /// and the C floor do; a `socklab::sys` call's error is inside it (`get_ref()`).
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Sys(e) => e.fmt(f),
            Error::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(e) => e.source(),
            Error::Sys(e) => e.source(),
            Error::Io(e) => e.source(),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Config(e)
    }
}

impl From<sys::Error> for Error {
    fn from(e: sys::Error) -> Error {
        Error::Sys(e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}
