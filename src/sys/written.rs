//! What a successful receive wrote into its buffer: the one rule the safe receives
//! (`io::bytes_written`) and the trace hook (which dumps only written bytes) share. Pure: the
//! socket's facts (`SO_TYPE`, `SO_DOMAIN`) come from the caller, which asks the kernel only when
//! the rule needs them — the safe calls with a traced `getsockopt`, the hook with an untraced one.

use std::os::raw::c_int;

use libc::{AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, MSG_PEEK, MSG_TRUNC, SO_DOMAIN};
use libc::{SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SO_TYPE};

use super::consts::MSG_SOCK_DEVMEM;

/// Whether a successful receive passed `flags` that returned `n > 0` wrote `min(n, capacity)`
/// bytes of its buffer (`true`), or may have written fewer, so that none may be read as data
/// (`false`). `socket(SO_TYPE)` / `socket(SO_DOMAIN)` read the socket's type and family
/// (`None`: unknown); they are asked only with `MSG_TRUNC` in `flags`, `SO_DOMAIN` only for a
/// type that is not `SOCK_STREAM`.
///
/// Without `MSG_TRUNC` every receive path returns at most what it copied: `true`, with no
/// question asked. `MSG_SOCK_DEVMEM` (TCP device memory, Linux 6.12+) is `false` whatever else:
/// `tcp_recvmsg_dmabuf` counts dmabuf fragments it hands out as control messages and skips
/// their place in the buffer, leaving holes.
///
/// With `MSG_TRUNC` C's return value is not a write count, and only the receive paths read in
/// the kernel to copy `min(n, len)` bytes count as written:
///
/// | family | types | kernel path | with `MSG_TRUNC` |
/// |---|---|---|---|
/// | `AF_UNIX` | `DGRAM`, `SEQPACKET` | `unix_dgram_recvmsg` | copies `min(len, size - off)`, returns `size - off` (peek offset included) |
/// | `AF_INET`, `AF_INET6` | `DGRAM` without `MSG_PEEK` | `udp_recvmsg`, `udpv6_recvmsg` (also ping, L2TP/IP) | copies `min(len, size)`, returns `size` (ping: the bytes copied) |
/// | `AF_INET`, `AF_INET6` | `RAW` | `raw_recvmsg`, `rawv6_recvmsg` | copies `min(len, size)`, returns `size` |
/// | `AF_INET`, `AF_INET6` | `SEQPACKET` | `sctp_recvmsg` | ignores the flag: returns the bytes copied |
/// | `AF_NETLINK` | `DGRAM`, `RAW` | `netlink_recvmsg` | copies `min(len, size)`, returns `size` |
/// | `AF_PACKET` | `DGRAM`, `RAW` | `packet_recvmsg` | the vnet header, then `min` of the rest; returns header + `size` |
///
/// Everything else is `false`: TCP (`SOCK_STREAM`) discards the bytes without copying them
/// (an `AF_UNIX` stream ignores the flag and copies, but socklab does not ask a stream's family,
/// which keeps a TCP receive at one question: cautious, never wrong); `MSG_PEEK` on UDP copies
/// from the peek offset (`SO_PEEK_OFF`, which cannot be read race-free) yet returns the full
/// size; `AF_LLC` `SOCK_DGRAM` (`llc_ui_recvmsg`) returns a length without copying it; other
/// families (CAN, VSOCK, Bluetooth, TIPC, RDS, ALG…) and unknown types or families are not
/// vouched for.
pub(crate) fn wrote_reported(flags: c_int, mut socket: impl FnMut(c_int) -> Option<c_int>) -> bool {
    if flags & MSG_SOCK_DEVMEM != 0 {
        return false;
    }
    if flags & MSG_TRUNC == 0 {
        return true;
    }
    let ty = match socket(SO_TYPE) {
        Some(ty @ (SOCK_DGRAM | SOCK_SEQPACKET | SOCK_RAW)) => ty,
        _ => return false, // SOCK_STREAM (TCP discards), unknown types, unreadable
    };
    let peek = flags & MSG_PEEK != 0;
    match (socket(SO_DOMAIN), ty) {
        (Some(AF_UNIX), SOCK_DGRAM | SOCK_SEQPACKET) => true,
        (Some(AF_INET | AF_INET6), SOCK_DGRAM) => !peek,
        (Some(AF_INET | AF_INET6), SOCK_RAW | SOCK_SEQPACKET) => true,
        (Some(AF_NETLINK | AF_PACKET), SOCK_DGRAM | SOCK_RAW) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::wrote_reported;
    use crate::sys::MSG_SOCK_DEVMEM;
    use libc::{c_int, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, SO_DOMAIN, SO_TYPE};
    use libc::{AF_ALG, AF_BLUETOOTH, AF_CAN, AF_INET, AF_INET6, AF_LLC, AF_NETLINK, AF_PACKET};
    use libc::{AF_RDS, AF_TIPC, AF_UNIX, AF_VSOCK};
    use libc::{SOCK_DCCP, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_STREAM};

    /// The rule's answer for a socket of type `ty` and family `family` (`None`: unreadable),
    /// and the facts it asked for, in order.
    fn ask(flags: c_int, ty: Option<c_int>, family: Option<c_int>) -> (bool, Vec<c_int>) {
        let mut asked = Vec::new();
        let wrote = wrote_reported(flags, |name| {
            asked.push(name);
            match name {
                SO_TYPE => ty,
                SO_DOMAIN => family,
                _ => panic!("asked for {name}"),
            }
        });
        (wrote, asked)
    }

    /// Byte counts the kernel did not copy: with `MSG_TRUNC` only the families and types whose
    /// receive paths are known to copy `min(n, len)` count as written; `MSG_SOCK_DEVMEM` never;
    /// without `MSG_TRUNC` nothing is asked (no extra syscall).
    #[test]
    fn byte_counts_the_kernel_did_not_copy_are_not_data() {
        let t = MSG_TRUNC;
        // Known to copy min(n, len) and return n (or the bytes copied).
        for (ty, family, flags) in [
            (SOCK_DGRAM, AF_UNIX, t),
            (SOCK_DGRAM, AF_UNIX, t | MSG_PEEK),
            (SOCK_SEQPACKET, AF_UNIX, t),
            (SOCK_SEQPACKET, AF_UNIX, t | MSG_PEEK),
            (SOCK_DGRAM, AF_INET, t),
            (SOCK_DGRAM, AF_INET6, t | MSG_DONTWAIT),
            (SOCK_RAW, AF_INET, t),
            (SOCK_RAW, AF_INET6, t | MSG_PEEK),
            (SOCK_SEQPACKET, AF_INET, t),
            (SOCK_SEQPACKET, AF_INET6, t),
            (SOCK_DGRAM, AF_NETLINK, t),
            (SOCK_RAW, AF_NETLINK, t | MSG_PEEK),
            (SOCK_DGRAM, AF_PACKET, t),
            (SOCK_RAW, AF_PACKET, t),
        ] {
            let (wrote, asked) = ask(flags, Some(ty), Some(family));
            assert!(wrote, "type {ty}, family {family}, flags {flags:#x}");
            assert_eq!(asked, [SO_TYPE, SO_DOMAIN]);
        }
        // Not known to copy: AF_LLC returns a datagram's length without copying it; a UDP peek
        // offset makes MSG_PEEK | MSG_TRUNC over-count; the rest are not vouched for.
        for (ty, family, flags) in [
            (SOCK_DGRAM, AF_LLC, t),
            (SOCK_DGRAM, AF_INET, t | MSG_PEEK),
            (SOCK_DGRAM, AF_INET6, t | MSG_PEEK),
            (SOCK_DGRAM, AF_CAN, t),
            (SOCK_RAW, AF_CAN, t),
            (SOCK_DGRAM, AF_VSOCK, t),
            (SOCK_SEQPACKET, AF_BLUETOOTH, t),
            (SOCK_DGRAM, AF_TIPC, t),
            (SOCK_SEQPACKET, AF_ALG, t),
            (SOCK_SEQPACKET, AF_RDS, t),
            (SOCK_DGRAM, 0x7fff, t),
        ] {
            let (wrote, _) = ask(flags, Some(ty), Some(family));
            assert!(!wrote, "type {ty}, family {family}, flags {flags:#x}");
        }
        for (ty, family) in [
            (Some(SOCK_DGRAM), None),
            (Some(SOCK_RDM), Some(AF_TIPC)),
            (Some(SOCK_DCCP), Some(AF_INET)),
            (None, Some(AF_INET)),
        ] {
            assert!(!ask(t, ty, family).0, "type {ty:?}, family {family:?}");
        }
        // A stream socket: TCP discards the bytes unwritten. One question, not two.
        for family in [AF_INET, AF_INET6, AF_UNIX] {
            assert_eq!(
                ask(t, Some(SOCK_STREAM), Some(family)),
                (false, vec![SO_TYPE])
            );
        }
        // MSG_SOCK_DEVMEM: dmabuf fragments are counted, never copied (holes in the buffer).
        for flags in [
            MSG_SOCK_DEVMEM,
            MSG_SOCK_DEVMEM | t,
            MSG_SOCK_DEVMEM | MSG_PEEK,
        ] {
            let (wrote, asked) = ask(flags, Some(SOCK_STREAM), Some(AF_INET));
            assert_eq!((wrote, asked), (false, vec![]), "flags {flags:#x}");
        }
        // Without MSG_TRUNC the count is written as far as it fits, and nothing is asked.
        for flags in [0, MSG_PEEK, MSG_DONTWAIT, !(MSG_TRUNC | MSG_SOCK_DEVMEM)] {
            assert_eq!(ask(flags, Some(SOCK_STREAM), None), (true, vec![]));
        }
    }
}
