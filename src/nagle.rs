//! The write-write-read exchange behind `socklab compare`'s Nagle canary and the `nagle`
//! experiment: one function both use (built on `sys` only, so neither feature needs the other).

use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::loopback::{send_all, tcp_pair};
use crate::sys::{self, opt};

/// Reads exactly `buf.len()` bytes; `Ok(false)` on end of file before the first byte.
fn read_exact(fd: impl AsFd, buf: &mut [u8]) -> sys::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match sys::read(&fd, &mut buf[got..])? {
            0 if got == 0 => return Ok(false),
            0 => {
                return Err(sys::Error::new(
                    sys::Errno::ECONNRESET,
                    "read",
                    "end of file inside a 64-byte message",
                ))
            }
            n => got += n,
        }
    }
    Ok(true)
}

/// The write-write-read exchange, timed: on a new loopback TCP connection (`TCP_NODELAY` set to
/// `nodelay` on both ends), the client `write`s a 4-byte header and a 60-byte body, then reads
/// the 64-byte reply, which a server thread sends once it has read all 64 bytes. Runs `warmup`
/// untimed exchanges, then returns the duration of each of `iters` timed ones.
///
/// Without `TCP_NODELAY`, Nagle's algorithm holds the body until the header is acknowledged and
/// the server delays that ACK (~40 ms on Linux), so each exchange takes a delayed-ACK timeout;
/// with it, one round trip. `socklab compare`'s Nagle canary and the `nagle` experiment both
/// run this function.
///
/// # Errors
/// A socket call that failed (strace-style [`sys::Error`]).
pub fn write_write_read(nodelay: bool, warmup: usize, iters: usize) -> sys::Result<Vec<Duration>> {
    // Both ends time out a read after 5 s: a lost peer ends the exchange with EAGAIN.
    let (client, server) = tcp_pair(Duration::from_secs(5))?;
    for end in [&client, &server] {
        sys::set_opt(end, opt::TcpNoDelay, nodelay)?;
    }
    std::thread::scope(|s| {
        let echo = s.spawn(|| -> sys::Result<()> {
            let mut req = [0u8; 64];
            while read_exact(&server, &mut req)? {
                send_all(&server, &req)?;
            }
            Ok(())
        });
        let timed = exchanges(&client, warmup, iters);
        let _ = sys::shutdown(&client, Shutdown::Write);
        let served = echo.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        served.and(timed)
    })
}

/// The client side of [`write_write_read`].
fn exchanges(client: &OwnedFd, warmup: usize, iters: usize) -> sys::Result<Vec<Duration>> {
    let mut buf = [1u8; 64];
    let mut samples = Vec::with_capacity(iters);
    for n in 0..warmup + iters {
        let t0 = Instant::now();
        sys::write(client, &buf[..4])?;
        sys::write(client, &buf[4..])?;
        if !read_exact(client, &mut buf)? {
            return Err(sys::Error::new(
                sys::Errno::ECONNRESET,
                "read",
                "echo closed",
            ));
        }
        if n >= warmup {
            samples.push(t0.elapsed());
        }
    }
    Ok(samples)
}
