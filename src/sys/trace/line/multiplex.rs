//! The lines of the multiplexing calls: poll, select and pselect (both as the pselect6 syscall
//! glibc makes), epoll. `unsafe` readers of their arguments handing bytes to [`fmt`].
//!
//! Each fn's safety contract is its raw twin's: the raw fn's caller guarantees what is read.

use std::os::raw::c_int;
use std::slice;

use libc::{epoll_event, fd_set, pollfd, sigset_t, timespec, timeval};

use crate::sys::trace::fmt;
use crate::sys::trace::read::{get, read_array};
use crate::sys::Errno;

/// # Safety
/// As for `raw::poll`.
pub(crate) unsafe fn poll(
    fds: *const pollfd,
    nfds: libc::nfds_t,
    timeout: c_int,
    ret: c_int,
    e: Errno,
) -> String {
    // SAFETY: `fds` is NULL or points to `nfds` pollfds; we read the first (at most 33).
    let all = unsafe { read_array(fds, (nfds as usize).min(33)) };
    let list = |f: &dyn Fn(&pollfd) -> Option<String>| {
        let items: Vec<String> = all.iter().filter_map(f).take(32).collect();
        let more = if all.iter().filter_map(f).count() > 32 {
            ", ..."
        } else {
            ""
        };
        format!("[{}{more}]", items.join(", "))
    };
    let arr = if fds.is_null() {
        fmt::ptr(0)
    } else {
        list(&|p| Some(fmt::pollfd_in(p.fd, p.events)))
    };
    let ok = match ret {
        0 => Some("0 (Timeout)".to_string()),
        r if r > 0 => Some(format!(
            "{r} ({})",
            list(&|p| (p.revents != 0)
                .then(|| { format!("{{fd={}, revents={}}}", p.fd, fmt::poll_events(p.revents)) }))
        )),
        _ => None,
    };
    let args = [arr, nfds.to_string(), timeout.to_string()];
    fmt::line_with("poll", &args, ret as i64, e, ok)
}

/// The first `(nfds + 7) / 8` bytes of a set (at most an `fd_set`), or `None` for NULL.
///
/// # Safety
/// A non-NULL `set` is readable for `nfds` bits.
unsafe fn set_bytes(set: *const fd_set, nfds: c_int) -> Option<Vec<u8>> {
    if set.is_null() {
        return None;
    }
    let n = ((nfds.max(0) as usize).div_ceil(8)).min(size_of::<fd_set>());
    // SAFETY: per the caller, `set` is readable for `n` bytes.
    Some(unsafe { slice::from_raw_parts(set.cast::<u8>(), n) }.to_vec())
}

/// The three sets as read before (or after) the call.
pub(crate) type Sets = [Option<Vec<u8>>; 3];

/// A set argument: `[3 4]` or `NULL`.
fn set_arg(b: &Option<Vec<u8>>, nfds: c_int) -> String {
    b.as_ref()
        .map_or_else(|| fmt::ptr(0), |b| fmt::fd_set(b, nfds))
}

/// Before select(2): the sets and the timeout (as the timespec glibc passes pselect6).
///
/// # Safety
/// As for `raw::select`.
pub(crate) unsafe fn select_pre(
    nfds: c_int,
    sets: [*mut fd_set; 3],
    timeout: *const timeval,
) -> (Sets, Option<String>) {
    // SAFETY: the raw contract (ours) makes each set NULL or readable for `nfds` bits (in
    // whole words, more than `set_bytes` reads).
    let s = sets.map(|p| unsafe { set_bytes(p, nfds) });
    // SAFETY: the raw contract (ours) makes `timeout` NULL or readable.
    let t = unsafe { get(timeout) }.map(|t| fmt::select_timeval(t.tv_sec, t.tv_usec));
    (s, t)
}

/// Before pselect(2).
///
/// # Safety
/// As for `raw::pselect`.
pub(crate) unsafe fn pselect_pre(
    nfds: c_int,
    sets: [*mut fd_set; 3],
    timeout: *const timespec,
) -> (Sets, Option<String>) {
    // SAFETY: the raw contract (ours) makes each set NULL or readable for `nfds` bits (in
    // whole words, more than `set_bytes` reads).
    let s = sets.map(|p| unsafe { set_bytes(p, nfds) });
    // SAFETY: the raw contract (ours) makes `timeout` NULL or readable.
    let t = unsafe { get(timeout) }.map(|t| fmt::timespec(t.tv_sec, t.tv_nsec));
    (s, t)
}

/// select(2) and pselect(2), both printed as the pselect6 syscall glibc makes:
/// `pselect6(5, [3 4], NULL, NULL, NULL, NULL) = 1 (in [4])`. `sigmask` is `None` for select
/// (glibc passes NULL) and `Some(pointer)` for pselect (`{sigmask=[], sigsetsize=8}`).
/// `left` is read from select's rewritten `timeval` (so in whole microseconds; pselect's
/// caller's timespec is not rewritten and no `left` is shown).
///
/// # Safety
/// As for `raw::select` / `raw::pselect`; `timeout` is select's timeval or NULL.
pub(crate) unsafe fn select(
    nfds: c_int,
    sets: [*mut fd_set; 3],
    pre: (Sets, Option<String>),
    timeout: *const timeval,
    sigmask: Option<usize>,
    ret: c_int,
    e: Errno,
) -> String {
    let (before, t) = pre;
    let mut args = vec![nfds.to_string()];
    args.extend(before.iter().map(|b| set_arg(b, nfds)));
    args.push(t.clone().unwrap_or_else(|| fmt::ptr(0)));
    args.push(match sigmask {
        None => fmt::ptr(0),
        Some(0) => "{sigmask=NULL, sigsetsize=8}".to_string(),
        Some(p) => {
            // SAFETY: per the caller, a non-NULL sigmask is a readable sigset_t; strace reads
            // the kernel's 8 bytes of it.
            let b = unsafe { slice::from_raw_parts(p as *const u8, 8) };
            format!("{{sigmask={}, sigsetsize=8}}", fmt::sigset(b))
        }
    });
    let ok = (ret >= 0).then(|| {
        // SAFETY: per the caller; the kernel rewrote the sets.
        let after = sets.map(|p| unsafe { set_bytes(p, nfds) });
        // SAFETY: `timeout` is NULL or readable.
        let left = unsafe { get(timeout) }.map(|t| fmt::select_left(t.tv_sec, t.tv_usec));
        fmt::select_ret(ret, nfds, &after, left)
    });
    fmt::line_with("pselect6", &args, ret as i64, e, ok)
}

pub(crate) fn epoll_create1(flags: c_int, ret: c_int, e: Errno) -> String {
    fmt::line("epoll_create1", &[fmt::epoll_flags(flags)], ret as i64, e)
}

/// # Safety
/// As for `raw::epoll_ctl`.
pub(crate) unsafe fn epoll_ctl(
    ep: c_int,
    op: c_int,
    fd: c_int,
    event: *const epoll_event,
    ret: c_int,
    e: Errno,
) -> String {
    // SAFETY: `event` is NULL or readable.
    let ev = unsafe { get(event) }.map_or_else(
        || fmt::ptr(event as usize),
        |ev| fmt::epoll_event(ev.events, ev.u64),
    );
    let args = [ep.to_string(), fmt::epoll_ctl_op(op), fd.to_string(), ev];
    fmt::line("epoll_ctl", &args, ret as i64, e)
}

/// epoll_wait, and epoll_pwait when `sigmask` is `Some` (strace adds the sigsetsize, 8).
///
/// # Safety
/// As for `raw::epoll_wait`; the kernel wrote the first `ret` events.
pub(crate) unsafe fn epoll_wait(
    ep: c_int,
    events: *const epoll_event,
    max: c_int,
    timeout: c_int,
    sigmask: Option<usize>,
    ret: c_int,
    e: Errno,
) -> String {
    let evs = if ret < 0 || events.is_null() {
        fmt::ptr(events as usize)
    } else {
        // The kernel writes at most `max` events; the line shows 32 and `...` (strace's -s 32).
        let n = (ret as usize).min(max.max(0) as usize);
        // SAFETY: the kernel wrote the first `n` (<= ret) events; read unaligned, by value.
        let got = unsafe { read_array(events, n.min(33)) };
        let mut items: Vec<String> = got
            .iter()
            .take(32)
            .map(|ev| fmt::epoll_event(ev.events, ev.u64))
            .collect();
        if n > 32 {
            items.push("...".to_string());
        }
        format!("[{}]", items.join(", "))
    };
    let mut args = vec![ep.to_string(), evs, max.to_string(), timeout.to_string()];
    if let Some(m) = sigmask {
        args.push(if m == 0 {
            fmt::ptr(0)
        } else {
            // SAFETY: per the caller, a non-NULL sigmask is a readable sigset_t.
            fmt::sigset(unsafe { slice::from_raw_parts(m as *const u8, 8) })
        });
        args.push(8.to_string());
    }
    let name = if sigmask.is_some() {
        "epoll_pwait"
    } else {
        "epoll_wait"
    };
    fmt::line(name, &args, ret as i64, e)
}

/// Keeps `sigset_t` named for the readers above (a sigset is read as its first 8 bytes, the
/// kernel's `sigsetsize`).
const _: () = assert!(size_of::<sigset_t>() >= 8);
