//! What a successful receive wrote into its buffer: the one rule the safe receives
//! (`io::bytes_written`) and the trace hook (which dumps only written bytes) share. Pure: the
//! socket's facts (`SO_TYPE`, `SO_DOMAIN`) come from the caller, which asks the kernel only when
//! the rule needs them — the safe calls with a traced `getsockopt`, the hook with an untraced one.

use std::os::raw::c_int;

use libc::AF_UNIX;
use libc::{MSG_PEEK, MSG_TRUNC, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SO_DOMAIN, SO_TYPE};

/// Whether a successful receive passed `flags` that returned `n > 0` wrote `min(n, capacity)`
/// bytes of its buffer (`true`), or may have written fewer, so none may be read as data
/// (`false`). `socket(SO_TYPE)` / `socket(SO_DOMAIN)` read the socket's type and family
/// (`None`: unknown); they are asked only with `MSG_TRUNC` in `flags`.
pub(crate) fn wrote_reported(flags: c_int, mut socket: impl FnMut(c_int) -> Option<c_int>) -> bool {
    if flags & MSG_TRUNC == 0 {
        return true;
    }
    match socket(SO_TYPE) {
        Some(SOCK_DGRAM) if flags & MSG_PEEK != 0 => socket(SO_DOMAIN) == Some(AF_UNIX),
        Some(SOCK_DGRAM | SOCK_SEQPACKET | SOCK_RAW) => true,
        _ => false,
    }
}
