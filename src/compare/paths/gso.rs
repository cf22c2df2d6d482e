//! `libc-gso`: UDP generic segmentation offload on send and receive offload on receive, through
//! `socklab::sys::{sendmsg, recvmsg}` with `UDP_SEGMENT` / `UDP_GRO` control messages (stream mode,
//! udp only).

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName, Transport, MAX_DATAGRAM, MAX_STREAM};
use crate::sys;

/// Wraps `end` in `libc-gso`.
///
/// # Errors
/// `Unsupported` on a transport other than udp; `setsockopt(UDP_GRO)`'s error.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    udp_only(PathName::LibcGso, end.transport)?;
    Ok(Box::new(Gso::new(end.fd, end.size)?))
}

/// Datagrams per GSO `sendmsg` at most: the kernel's `UDP_MAX_SEGMENTS` was 64 before Linux
/// 5.x raised it to 128; 64 works everywhere. Fewer when 64 × size exceeds a UDP payload.
pub const GSO_SEGMENTS: usize = 64;

/// Segments per GSO `sendmsg` for `size`-byte datagrams: [`GSO_SEGMENTS`], fewer when they
/// would exceed one UDP payload (`libc-gso` and its twin `c-gso` send the same).
pub(super) fn segments(size: usize) -> usize {
    GSO_SEGMENTS.min(MAX_DATAGRAM / size.max(1)).max(1)
}

/// `Unsupported` unless `transport` is udp: GSO/GRO exist for UDP only.
pub(super) fn udp_only(path: PathName, transport: Transport) -> io::Result<()> {
    if transport != Transport::Udp {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{path}: UDP GSO/GRO exists on udp only"),
        ));
    }
    Ok(())
}

/// `libc-gso`: UDP GSO on send, GRO on receive, through `socklab::sys::{sendmsg, recvmsg}`.
struct Gso {
    fd: OwnedFd,
    /// The datagram size (the GSO segment size).
    size: usize,
    /// Segments per `sendmsg`.
    segs: usize,
    /// `segs` copies of the payload.
    tx: Vec<u8>,
    /// The `UDP_SEGMENT` cmsg (a `u16` segment size), built once.
    cmsg: sys::CmsgBuffer<'static>,
    /// A 64 KiB receive buffer (GRO coalesces up to one UDP payload) and its control buffer.
    rx: Vec<u8>,
    rx_cmsg: sys::CmsgBuffer<'static>,
    recvs: u64,
    datagrams: u64,
    gso_size: usize,
}

impl Gso {
    fn new(fd: OwnedFd, size: usize) -> io::Result<Gso> {
        let seg = u16::try_from(size).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        sys::set_opt(&fd, sys::opt::UdpGro, true)?;
        let segs = segments(size);
        let mut cmsg = sys::CmsgBuffer::new();
        cmsg.push(libc::SOL_UDP, sys::UDP_SEGMENT, &seg.to_ne_bytes());
        Ok(Gso {
            fd,
            size,
            segs,
            tx: vec![0xA5; segs * size],
            cmsg,
            rx: vec![0; MAX_STREAM],
            rx_cmsg: sys::CmsgBuffer::with_capacity(sys::cmsg_space(4)),
            recvs: 0,
            datagrams: 0,
            gso_size: 0,
        })
    }
}

impl AsFd for Gso {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for Gso {
    fn name(&self) -> PathName {
        PathName::LibcGso
    }
    fn is_stream(&self) -> bool {
        false
    }
    /// One datagram, no segmentation (the single-call modes).
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(sys::sendmsg(&self.fd, None, &[IoSlice::new(buf)], None, 0)?)
    }
    /// One `recvmsg`; a GRO batch is cut to `buf` (the single-call modes never queue one).
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(sys::recvmsg(&self.fd, &mut [IoSliceMut::new(buf)], None, 0)?.bytes)
    }
    /// `k` datagrams in `sendmsg`s of up to `segs` segments of `buf.len()` bytes each.
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        if buf.len() != self.size {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let mut left = k;
        while left > 0 {
            let n = left.min(self.segs as u64) as usize;
            let iov = [IoSlice::new(&self.tx[..n * self.size])];
            sys::sendmsg(&self.fd, None, &iov, Some(self.cmsg.as_bytes()), 0)?;
            left -= n as u64;
        }
        Ok(())
    }
    /// One `recvmsg` of a GRO batch: its length over the `UDP_GRO` cmsg's segment size (one
    /// datagram when the kernel did not coalesce and sent no cmsg).
    fn recv_count(&mut self, _buf: &mut [u8]) -> io::Result<u64> {
        let mut iov = [IoSliceMut::new(&mut self.rx)];
        let got = sys::recvmsg(&self.fd, &mut iov, Some(&mut self.rx_cmsg), 0)?;
        let seg = self.rx_cmsg.iter().find_map(|c| {
            let is_gro = c.cmsg_level == libc::SOL_UDP && c.cmsg_type == sys::UDP_GRO;
            let v: [u8; 4] = c.cmsg_data.get(..4)?.try_into().ok()?;
            is_gro.then(|| i32::from_ne_bytes(v) as usize)
        });
        let n = match seg {
            Some(g) if g > 0 => {
                self.gso_size = g;
                got.bytes.div_ceil(g) as u64
            }
            _ => 1,
        };
        self.recvs += 1;
        self.datagrams += n;
        Ok(n)
    }
    fn gro_stats(&self) -> Option<(u64, u64, usize)> {
        Some((self.recvs, self.datagrams, self.gso_size))
    }
}
