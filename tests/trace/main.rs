//! Integration tests of `socklab::trace`: the exact line `capture()` records for each call, and a
//! tour of every socket call whose log must equal a live strace's, line for line.
#![cfg(feature = "trace")]

#[path = "../sys/common.rs"]
mod common;

mod addrlen;
mod capture;
mod child;
mod logfile;
mod multiplex;
#[cfg(feature = "experiments")]
mod ns;
mod refusals;
mod robust;
mod signals;
mod strace;
mod tour;
