//! `socklab serve` / `pingpong` / `stream` beyond one host, under load and faults, and a CLI that
//! never panics: one test binary, one file per topic.
#![cfg(feature = "cli")]

mod badinput;
mod clients;
mod common;
mod faults;
mod load;
mod serve;
mod twohost;
