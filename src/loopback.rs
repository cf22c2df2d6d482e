//! Connected loopback TCP pairs and the write-all they need, made with `sys` alone: the one
//! `tcp_pair` of the crate, shared by the Nagle exchange ([`crate::nagle`], which compare's
//! canary runs) and the experiments. Library core: no feature needed.

use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use crate::sys::{self, opt, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_STREAM};

/// A connected TCP pair on 127.0.0.1, `(client, server)`: a listener on port 0 (backlog 1,
/// closed again once the server end is accepted), every socket `SOCK_CLOEXEC`, and
/// `SO_RCVTIMEO` = `timeout` on both ends, so a lost peer ends a read with `EAGAIN` instead of a
/// hang. `tune` runs on the client before `connect` (to set `TCP_MAXSEG`, say).
pub(crate) fn tcp_pair_with(
    timeout: Duration,
    tune: impl FnOnce(&OwnedFd) -> sys::Result<()>,
) -> sys::Result<(OwnedFd, OwnedFd)> {
    let lst = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
    sys::bind(&lst, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))?;
    sys::listen(&lst, 1)?;
    let client = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
    sys::set_opt(&client, opt::SoRcvTimeo, Some(timeout))?;
    tune(&client)?;
    sys::connect(&client, &sys::getsockname(&lst)?)?;
    let server = sys::accept4(&lst, None, SOCK_CLOEXEC)?;
    sys::set_opt(&server, opt::SoRcvTimeo, Some(timeout))?;
    Ok((client, server))
}

/// [`tcp_pair_with`] without tuning.
pub(crate) fn tcp_pair(timeout: Duration) -> sys::Result<(OwnedFd, OwnedFd)> {
    tcp_pair_with(timeout, |_| Ok(()))
}

/// Sends all of `buf` with `MSG_NOSIGNAL` (retrying short sends and `EINTR`).
pub(crate) fn send_all(fd: impl AsFd, mut buf: &[u8]) -> sys::Result<()> {
    while !buf.is_empty() {
        match sys::send(&fd, buf, sys::MSG_NOSIGNAL) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.code() == sys::Errno::EINTR => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ends connected to each other, with the timeout and `FD_CLOEXEC`; the listener gone
    /// (no third socket left open).
    #[test]
    fn tcp_pair_connects_two_ends_with_the_timeout() {
        let t = Duration::from_millis(1500);
        let (client, server) = tcp_pair(t).unwrap();
        assert_eq!(
            sys::getpeername(&client).unwrap(),
            sys::getsockname(&server).unwrap()
        );
        assert_eq!(
            sys::getpeername(&server).unwrap(),
            sys::getsockname(&client).unwrap()
        );
        for end in [&client, &server] {
            assert_eq!(sys::get_opt(end, opt::SoRcvTimeo).unwrap(), Some(t));
            let flags = sys::fcntl(end, sys::FcntlArg::GetFd).unwrap();
            assert_ne!(flags & libc::FD_CLOEXEC, 0);
        }
        send_all(&client, b"ping").unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(sys::recv(&server, &mut buf[..], 0).unwrap(), 4);
        assert_eq!(&buf, b"ping");
    }

    #[test]
    fn tune_runs_on_the_client_before_connect() {
        let (client, _server) = tcp_pair_with(Duration::from_secs(1), |c| {
            sys::set_opt(c, opt::TcpMaxSeg, 1000)
        })
        .unwrap();
        assert!(sys::get_opt(&client, opt::TcpMaxSeg).unwrap() <= 1000);
    }
}
