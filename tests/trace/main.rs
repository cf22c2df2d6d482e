//! Integration tests of `socklab::trace`: the exact line `capture()` records for each call, and a
//! tour of every socket call whose log must equal a live strace's, line for line.
#![cfg(feature = "trace")]

#[path = "../sys/common.rs"]
mod common;

mod capture;
mod child;
#[path = "multiplex.rs"]
mod issue10;
mod logfile;
#[cfg(feature = "experiments")]
mod ns;
mod robust;
mod signals;
mod strace;
mod tour;
