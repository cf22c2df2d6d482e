//! `socklab::trace`: an in-process call log. With `SOCKLAB_TRACE=1`, every call made through
//! [`socklab::sys`](crate::sys) (safe or raw) prints one line in strace's own format.
//!
//! ```text
//! socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3
//! bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
//! accept(3, NULL, NULL) = 4
//! read(4, "hello", 1024) = 5
//! connect(5, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)
//! ```
//!
//! # Turning it on
//! - `SOCKLAB_TRACE=1`: lines go to stderr. `SOCKLAB_TRACE=/path/file`: appended to that file.
//!   Add `,time` (`SOCKLAB_TRACE=1,time`) for strace `-T`'s ` <0.000012>`: the seconds spent in
//!   the C call alone. Unset, empty or `0`: off. The variable is read once, at the first call;
//!   the file is opened then, so it takes the lowest free fd (later fds are one higher than in an
//!   untraced run).
//! - The log holds the first 32 bytes of every buffer, so its file is private: created with mode
//!   0600, opened with `O_NOFOLLOW` (a symlink at the path is refused, dangling or not) and
//!   `O_CLOEXEC`, and appended to only if it is a regular file owned by the process's effective
//!   user (an existing file keeps its mode). A path refused, or that cannot be opened, is reported in one line on stderr and the
//!   log goes to stderr instead; a value socklab does not take is reported and the log stays
//!   off. Reports are one write(2) to fd 2 whose failure is ignored (a closed stderr changes
//!   nothing).
//! - In a process running with `AT_SECURE` (set-user-ID, set-group-ID, file capabilities) the
//!   variable is ignored, as glibc's secure_getenv(3) ignores the environment there.
//! - [`enable`] / [`disable`] switch the log on and off at run time; the CLI's global
//!   `--trace` flag (`socklab --trace compare …`) calls [`enable`] before the subcommand runs.
//! - [`capture`] records the calls the *current thread* makes inside a closure, whatever the
//!   switch says, and returns them instead of printing them: the mode for tests.
//!
//! # What the lines show
//! The hook sits in [`sys::raw`](crate::sys::raw), which every safe function is built on, so a
//! line shows exactly what the kernel was asked: pointers, lengths, flags and the return value.
//! The format is strace 6.1's default (`-s 32`: buffers cut at 32 bytes with `...`; octal escapes
//! for non-ASCII bytes). Where glibc implements a call with another syscall, the line names the
//! syscall strace sees: `send(fd, buf, n, flags)` is `sendto(fd, buf, n, flags, NULL, 0)`, and
//! `recv` is `recvfrom(…, NULL, NULL)`. One exception: glibc makes `fcntl(fd, F_GETOWN)` as
//! `fcntl(fd, F_GETOWN_EX, &owner)` on a struct of its own stack, which the log cannot read, so
//! the glibc build's line shows the `F_GETOWN` asked (and its result) where strace shows
//! `F_GETOWN_EX`; the `inline-syscalls` build, which makes that call itself, logs it as strace
//! does (`fcntl(3, F_GETOWN_EX, {type=F_OWNER_PGRP, pid=2471}) = 0`). Control messages
//! (`msg_control`) are decoded as strace decodes the cmsg chain (`[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS,
//! cmsg_data=[3]}]`): the fds, credentials and the common `SOL_IP` messages.
//!
//! A buffer dump shows only bytes the kernel wrote, and the hook reads no more than each
//! [`sys::raw`](crate::sys::raw) contract guarantees readable (addresses: `min(addrlen,
//! sizeof(sockaddr_storage))`; buffers: their first 33 bytes). Where the kernel reports more than
//! it wrote — a receive with `MSG_TRUNC` — a datagram socket shows the `min(ret, len)` bytes that
//! fit, as strace does; a stream socket (TCP discards the data unwritten) shows the buffer's
//! pointer, where strace prints the buffer's stale contents. To tell them apart the hook makes
//! an untraced `getsockopt(fd, SOL_SOCKET, SO_TYPE)` per `MSG_TRUNC` receive (and `SO_DOMAIN`
//! for a socket that is not a stream), which strace run on a traced program will show.
//!
//! An option value that is a C struct with padding is read field by field, as strace prints it
//! (`{len=1, filter=0x…}` for `SO_ATTACH_FILTER`, `{gr_interface=if_nametoindex("lo"),
//! gr_group={…}}` for `MCAST_JOIN_GROUP`), or shown as its pointer (the source-filter multicast
//! structs, which strace dumps), never dumped with its padding. Naming an interface index costs
//! one if_indextoname(3), whose `socket`/`ioctl`/`close` strace will show. select(2)'s timeout is
//! shown as the timespec glibc hands the pselect6 syscall (2.5 s of `tv_usec` carried into
//! `tv_sec`); a timeval glibc refuses with `EINVAL` before any syscall is shown as given.
//!
//! # Calls socklab refuses
//! A safe call socklab refuses before the syscall — raw `SCM_RIGHTS` bytes in
//! [`sendmsg`](crate::sys::sendmsg), a truncated address passed to `connect`, `MSG_SOCK_DEVMEM`
//! in a receive, an `nfds` above `FD_SETSIZE`, a Unix path longer than `sun_path`… (the
//! "socklab, before the call" rows of every `# Errors` section) — never reaches the kernel, so
//! it has no call line. It logs one marked line instead, the error as it displays between
//! strace's markers for what is not a syscall (`--- SIGCHLD {…} ---`):
//!
//! ```text
//! --- socklab refused sendmsg(fd 3, {msg_name=NULL, msg_iovlen=1 (1 bytes), msg_controllen=24}, 0): EINVAL (Invalid argument): SCM_RIGHTS in raw control bytes: pass fds with CmsgBuffer::push_fds and sendmsg_cmsg, or use the unsafe sendmsg_unchecked [no syscall made] ---
//! ```
//!
//! It is no call line (it starts with `---`, not a call's name), strace has nothing for it,
//! and a comparison of the log with strace's skips it: [`is_refusal`] tells it apart. It is
//! built only when the log is on (with it off a refusal formats nothing beyond its error) and,
//! like a call's, never from inside the hook.
//!
//! # Cost
//! When off, each call pays one relaxed atomic load and a branch that is never taken; the log is
//! built in a `#[cold]` function only when on. Building without the `trace` feature
//! (`default-features = false`) removes even that: `benches/trace_off.rs` measures the difference.
//! Writing a line preserves `errno`, so code that reads `errno` after a raw call still sees the
//! call's value.
//!
//! # Signal handlers
//! C's async-signal-safe calls (write(2), send(2)…) stay async-signal-safe through socklab with
//! the log off, or built without the `trace` feature. With the log on, a traced call builds its
//! line on the heap and takes the sink's lock (the file's mutex, stderr's lock, the capture), so:
//! - a call made in a signal handler that interrupted a traced call *on the same thread* (the
//!   self-pipe trick: a handler writing one byte while the main loop waits in a traced `poll`)
//!   is detected and made untraced: no line, no lock, no allocation, so no deadlock and no
//!   panic, whatever the sink;
//! - a call made in a handler that interrupted anything else is traced like any call: it
//!   allocates, which is unsafe if the handler interrupted the allocator itself. Wrap a
//!   handler's calls in [`untraced`] to keep it strictly async-signal-safe wherever it lands.
//!
//! # Layers
//! The hook itself (the gate, the per-thread capture, the line's delivery, reading
//! `SOCKLAB_TRACE` at the first call) lives in `sys::trace` beside the calls it logs, so `sys`
//! needs nothing above it; this module is its public face.

use crate::sys::trace::hook;
pub use crate::sys::trace::hook::EnvError;

/// Turns the log on at run time, to the destination `SOCKLAB_TRACE` names (stderr if unset).
///
/// ```
/// use socklab::{sys, trace};
/// trace::enable();
/// let _fd = sys::socket(sys::AF_INET, sys::SOCK_DGRAM, 0)?; // stderr: socket(AF_INET, …) = 3
/// trace::disable();
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn enable() {
    hook::set_output(true);
}

/// Turns the log off (a [`capture`] in progress keeps recording).
pub fn disable() {
    hook::set_output(false);
}

/// Whether the log is printing (from `SOCKLAB_TRACE` or [`enable`]).
pub fn enabled() -> bool {
    hook::output_on()
}

/// Runs `f` and returns its value with the trace lines of every socklab call this thread made
/// meanwhile. Other threads are not recorded, so parallel tests do not mix; lines captured here
/// are not printed. Works whether or not the log is on; captures nest.
///
/// ```
/// use socklab::{sys, trace};
/// let (fd, lines) = trace::capture(|| sys::socket(sys::AF_INET, sys::SOCK_STREAM, 0));
/// let fd = fd?;
/// use std::os::fd::AsRawFd;
/// assert_eq!(lines, [format!("socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = {}", fd.as_raw_fd())]);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    // The scope restores the outer capture even if `f` panics.
    let scope = hook::Capture::start();
    let r = f();
    (r, scope.finish())
}

/// Runs `f` with the calls this thread makes untraced: no line, not even in a [`capture`], and
/// nothing allocated or locked by the log. For a signal handler's calls, so that it stays
/// async-signal-safe with the log on (see [Signal handlers](self#signal-handlers)); setting
/// and restoring the thread's flag is itself async-signal-safe.
///
/// ```
/// use socklab::{sys, trace};
/// let (a, _b) = sys::socketpair(sys::AF_UNIX, sys::SOCK_STREAM, 0)?;
/// let (n, lines) = trace::capture(|| trace::untraced(|| sys::write(&a, b"x")));
/// assert_eq!((n?, lines.len()), (1, 0));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn untraced<R>(f: impl FnOnce() -> R) -> R {
    hook::untraced(f)
}

/// Whether `line` is the log's marked line of a call socklab refused before the syscall
/// (`--- socklab refused … [no syscall made] ---`, after stderr's `[pid N] ` prefix if any):
/// the lines to skip when comparing the log with strace's (see [Calls socklab
/// refuses](self#calls-socklab-refuses)).
///
/// ```
/// use socklab::{sys, trace};
/// let (r, lines) = trace::capture(|| sys::select(2000, None, None, None, None));
/// assert_eq!(r.unwrap_err().code(), sys::Errno::EINVAL); // nfds above FD_SETSIZE: no syscall
/// assert!(trace::is_refusal(&lines[0]));
/// assert!(!trace::is_refusal("select(1, NULL, NULL, NULL, NULL) = 0 (Timeout)"));
/// ```
pub fn is_refusal(line: &str) -> bool {
    crate::sys::trace::fmt::is_refusal(line)
}

/// Checks `SOCKLAB_TRACE` without turning anything on: the CLI refuses a bad value with the
/// error's one-line message (exit 2) before it runs. A library user with a bad value gets the
/// same line on stderr at the first call, and no log. Ignored (`Ok`) under `AT_SECURE`, as the
/// hook ignores it there.
///
/// # Errors
/// [`EnvError`]: an option other than `,time`, a value that is not empty, `0`, `1` or a path
/// containing `/`, or one that is not UTF-8; its `Display` names the value and the allowed ones.
///
/// # Example
/// ```
/// use socklab::trace::{self, EnvError};
/// std::env::set_var("SOCKLAB_TRACE", "yes"); // a word, not a path: refused
/// let err = trace::check_env().unwrap_err();
/// assert_eq!(err, EnvError::UnknownValue { value: "yes".into() });
/// assert!(err.to_string().starts_with("SOCKLAB_TRACE=yes: not a value socklab takes"));
/// std::env::set_var("SOCKLAB_TRACE", "./t.log,time");
/// assert_eq!(trace::check_env(), Ok(()));
/// ```
pub fn check_env() -> Result<(), EnvError> {
    let var = hook::env_var();
    hook::parse_var(var.as_deref()).map(drop)
}
