//! The in-process call log on a small TCP and Unix exchange, through the safe `socklab::sys` API:
//! run it and compare its stderr with strace's view of the same run.
//!
//! ```text
//! SOCKLAB_TRACE=1 cargo run --example trace_tour
//! strace -f -e trace=%network,read,write,close target/debug/examples/trace_tour
//! ```
//! Without `SOCKLAB_TRACE` the example turns the log on itself. Every fd is closed with
//! `sys::close`, so each close shows in the log (dropping an `OwnedFd` closes it through std, not
//! through socklab). The full tour — with sendmsg/recvmmsg and socket options through `sys::raw`
//! — is `tests/trace/tour.rs`, checked line by line against strace.

use std::net::{Shutdown, SocketAddr};

use socklab::sys::{self, SockAddr, AF_INET, AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM};

fn main() -> socklab::Result<()> {
    #[cfg(feature = "trace")]
    if !socklab::trace::enabled() {
        socklab::trace::enable();
    }
    #[cfg(not(feature = "trace"))]
    eprintln!("# built without the `trace` feature: no call log");
    let l = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
    sys::bind(&l, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))?;
    let at = sys::getsockname(&l)?;
    sys::listen(&l, 8)?;
    let c = sys::socket(AF_INET, SOCK_STREAM, 0)?;
    sys::connect(&c, &at)?;
    let s = sys::accept(&l, None)?;
    sys::write(&c, "hello, 안녕\n".as_bytes())?;
    let mut buf = [0u8; 1024];
    sys::read(&s, &mut buf[..])?;
    sys::shutdown(&c, Shutdown::Write)?;
    sys::read(&s, &mut buf[..])?;
    sys::close(s)?;
    sys::close(c)?;
    sys::close(l)?;

    // connect to a bound port nobody listens on: ECONNREFUSED, and the error says so too.
    let idle = sys::socket(AF_INET, SOCK_STREAM, 0)?;
    sys::bind(
        &idle,
        &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))),
    )?;
    let c = sys::socket(AF_INET, SOCK_STREAM, 0)?;
    let err = sys::connect(&c, &sys::getsockname(&idle)?).unwrap_err();
    eprintln!("# the Error value: {err}");
    sys::close(c)?;
    sys::close(idle)?;

    let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
    sys::send(&a, b"ping", sys::MSG_NOSIGNAL)?;
    sys::recv(&b, &mut buf[..], 0)?;
    sys::close(a)?;
    sys::close(b)
}
