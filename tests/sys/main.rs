//! Integration tests of `socklab::sys` and `Socket`, one file per topic (one binary keeps link
//! time down). Every test binds port 0 and checks it leaks no fds.

#[path = "../common/cbuild.rs"]
mod cbuild;
mod common;

mod addr;
mod addrlen;
mod canary_calls;
mod canary_opt;
mod canary_recv;
mod errors;
mod filter;
mod ioctl;
mod msg;
mod multiplex;
mod netdb;
mod opt;
mod porting;
mod raw;
mod services;
mod skip;
mod transports;
