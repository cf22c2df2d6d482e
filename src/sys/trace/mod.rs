//! The tracer of [`raw`](super::raw), all in this folder:
//! - here, the `traced!` macro every raw call goes through and its cold path [`call`], which
//!   makes the call, keeps its errno and hands the line to the hook;
//! - [`hook`]: the state that decides where a line goes (the gate, this thread's capture,
//!   stderr or the file `SOCKLAB_TRACE` names) and its delivery;
//! - [`read`]: the `unsafe` readers that turn a call's pointers into bytes and values, reading
//!   no more than the raw contract guarantees;
//! - [`line`]: one line builder per raw call (`line/multiplex.rs`: poll, select, epoll);
//! - [`fmt`]: strace's notation as pure functions, which the errors of `sys` print with too;
//! - `props.rs`: property tests of every builder and decoder.
//!
//! A call socklab refuses before making it (`sys::refuse`) reaches the hook too, through
//! [`refused`]: not as a call's line (the kernel was never asked) but as a marked one,
//! `--- socklab refused <the error> [no syscall made] ---` ([`fmt::refusal`]), under the same
//! gate, re-entry flag and sink as a call's.
//!
//! The constant names both the notation and the public `opt::optname` read are the sys-wide
//! table `sys::names`. `socklab::trace` is the public facade over the hook; nothing here
//! reaches up to it. Without the `trace` feature `traced!` expands to the bare C call and only
//! [`fmt`] is compiled.

pub(crate) mod fmt;
#[cfg(feature = "trace")]
pub(crate) mod hook;
#[cfg(feature = "trace")]
pub(crate) mod line;
#[cfg(all(test, feature = "trace"))]
mod props;
#[cfg(feature = "trace")]
pub(crate) mod read;

#[cfg(feature = "trace")]
use std::os::raw::c_int;
#[cfg(feature = "trace")]
use std::time::Instant;

#[cfg(feature = "trace")]
use crate::sys::{Errno, Error};

/// `traced!(c_call, [pre = before_call,] |pre, ret, errno| line)`: makes `c_call`, and when the
/// log is on (one relaxed load and a branch when it is off) builds `line` in the cold path. `pre`
/// reads in-out values (an `addrlen`) before the call; it runs only when tracing.
#[cfg(feature = "trace")]
macro_rules! traced {
    ($call:expr, pre = $pre:expr, $line:expr) => {
        if $crate::sys::trace::hook::gate_open() {
            $crate::sys::trace::call(move || $pre, move || $call, $line)
        } else {
            $call
        }
    };
    ($call:expr, $line:expr) => {
        traced!($call, pre = (), $line)
    };
}

/// Without the `trace` feature: the C call alone.
#[cfg(not(feature = "trace"))]
macro_rules! traced {
    ($call:expr, $($rest:tt)*) => {
        $call
    };
}

pub(crate) use traced;

#[cfg(feature = "trace")]
fn errno() -> c_int {
    // SAFETY: __errno_location returns this thread's errno slot, valid for the thread's life.
    unsafe { *libc::__errno_location() }
}

#[cfg(feature = "trace")]
fn set_errno(v: c_int) {
    // SAFETY: as in `errno`; writing an int there is what C's `errno = v` does.
    unsafe { *libc::__errno_location() = v }
}

/// The cold path of `traced!`: decides where the line goes, makes the call (timed if asked),
/// reads errno at once, formats and delivers the line, then puts errno back as the call left
/// it (writing to stderr may change it; callers read it after the raw fn returns).
///
/// A call made while this thread is already inside the hook — from a signal handler that
/// interrupted a traced call — is made bare: no line, no lock, no allocation.
#[cfg(feature = "trace")]
#[cold]
#[inline(never)]
pub(crate) fn call<P, R: Copy>(
    pre: impl FnOnce() -> P,
    call: impl FnOnce() -> R,
    line: impl FnOnce(P, R, Errno) -> String,
) -> R {
    let Some(_inside) = hook::enter() else {
        return call();
    };
    let Some(sink) = hook::sink() else {
        return call();
    };
    let p = pre();
    let start = sink.timed().then(Instant::now);
    let ret = call();
    let elapsed = start.map(|s| s.elapsed());
    let saved = errno();
    let text = line(p, ret, Errno::from_raw(saved));
    hook::emit(sink, text, elapsed);
    set_errno(saved);
    ret
}

/// Logs a call socklab refused before making it ([`refuse`](super::refuse)): its marked line
/// ([`fmt::refusal`]), built only when the log is on (one relaxed load and a branch when it is
/// off: nothing formatted) and never for a refusal made while this thread is inside the hook (a
/// signal handler's: no lock, no allocation). errno is kept, as for a traced call.
#[cfg(feature = "trace")]
#[inline]
pub(crate) fn refused(e: &Error) {
    if hook::gate_open() {
        refused_line(e);
    }
}

/// [`refused`]'s cold path, as [`call`]'s: the thread marked, the sink asked, the line delivered.
#[cfg(feature = "trace")]
#[cold]
#[inline(never)]
fn refused_line(e: &Error) {
    let Some(_inside) = hook::enter() else {
        return;
    };
    let Some(sink) = hook::sink() else {
        return;
    };
    let saved = errno();
    #[cfg(test)]
    REFUSAL_LINES.with(|n| n.set(n.get() + 1));
    hook::emit(sink, fmt::refusal(e), None);
    set_errno(saved);
}

#[cfg(all(test, feature = "trace"))]
thread_local! {
    /// How many marked lines this thread built: the unit tests' proof that a refusal with the
    /// log off formats nothing.
    pub(crate) static REFUSAL_LINES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
