//! Shared test helpers: fd-leak guard, loopback addresses with port 0, exact-errno asserts.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Mutex;

use socklab::{Errno, SockAddr};

/// fd counting is process-wide, so tests that count fds take this lock while they run.
static FD_LOCK: Mutex<()> = Mutex::new(());

#[path = "../common/mod.rs"]
mod shared;
#[allow(unused_imports)] // not every binary uses both
pub use shared::{
    ci_value_is_set, fd_table, fd_table_diff, free_port, not_on_this_platform, open_fds, skip,
    skip_if_not_ci, tcp_listener_pair, tcp_pair, tcp_pair_as, under_ci,
};

/// Runs `f` and asserts that it leaves as many fds open as it found. Serialized with every other
/// `no_leak` body so concurrent tests cannot mask or fake a leak.
#[track_caller]
pub fn no_leak<R>(f: impl FnOnce() -> R) -> R {
    let _g = fd_lock();
    fd_count_unchanged(f)
}

/// Takes the lock every `no_leak` body holds, for a test that must count fds around more than
/// one `fd_count_unchanged` call (the guard's own self-test).
pub fn fd_lock() -> std::sync::MutexGuard<'static, ()> {
    FD_LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The check inside `no_leak`, without the lock: the caller must hold [`fd_lock`].
#[track_caller]
pub fn fd_count_unchanged<R>(f: impl FnOnce() -> R) -> R {
    let before = fd_table();
    let r = f();
    let after = fd_table();
    assert!(
        before == after,
        "fd leak: {} fds open before, {} after (not counting the listing's own):\n{}",
        before.len(),
        after.len(),
        fd_table_diff(&before, &after)
    );
    r
}

/// 127.0.0.1 with port 0.
pub fn v4_any() -> SockAddr {
    SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// [::1] with port 0.
pub fn v6_any() -> SockAddr {
    SockAddr::from("[::1]:0".parse::<SocketAddr>().unwrap())
}

/// The port a socket got bound to.
pub fn port_of(a: &SockAddr) -> u16 {
    a.as_socket().expect("an IP address").port()
}

/// A unique path for a Unix socket under the temp dir (removed by the caller's guard).
pub fn unix_path(tag: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("socklab-{}-{tag}-{n}.sock", std::process::id()))
}

/// A unique abstract name.
pub fn abstract_name(tag: &str) -> Vec<u8> {
    unix_path(tag)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
        .into_bytes()
}

/// Asserts a result failed with exactly `code`, and that its message names the call and errno.
#[track_caller]
pub fn assert_errno<T: std::fmt::Debug>(
    r: socklab::Result<T>,
    code: Errno,
    call: &str,
) -> socklab::Error {
    let e = r.expect_err("expected an error");
    assert_eq!(e.code(), code, "wrong errno from {e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{call}(")),
        "message {msg:?} does not start with {call}("
    );
    assert!(
        msg.contains(code.name()),
        "message {msg:?} does not name {}",
        code.name()
    );
    e
}

/// A Unix socket path that is removed when the guard drops, so a failing test leaves no file.
pub struct TempPath(pub std::path::PathBuf);

impl TempPath {
    /// A fresh unique path (see [`unix_path`]); nothing is created yet.
    pub fn new(tag: &str) -> TempPath {
        TempPath(unix_path(tag))
    }

    /// The path as a `SockAddr` (pathname Unix address).
    pub fn addr(&self) -> SockAddr {
        SockAddr::unix(&self.0).expect("a short temp path")
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `fcntl(fd, cmd)` through `sys::raw`, so flag checks do not trust the crate's own wrapper.
/// Panics if the call fails.
#[track_caller]
fn raw_fcntl(fd: &impl std::os::fd::AsRawFd, cmd: std::os::raw::c_int) -> std::os::raw::c_int {
    // SAFETY: `fd` is borrowed from a live owner for the duration of the call; `cmd` is F_GETFD
    // or F_GETFL in this suite, which take no pointer argument.
    let rc = unsafe { socklab::sys::raw::fcntl(fd.as_raw_fd(), cmd, 0) };
    assert!(
        rc >= 0,
        "fcntl({}, {cmd}) failed: {:?}",
        fd.as_raw_fd(),
        Errno::last()
    );
    rc
}

/// Whether `FD_CLOEXEC` is set on `fd`, read with a raw `fcntl(F_GETFD)`.
pub fn is_cloexec(fd: &impl std::os::fd::AsRawFd) -> bool {
    raw_fcntl(fd, libc::F_GETFD) & libc::FD_CLOEXEC != 0
}

/// Whether `O_NONBLOCK` is set on `fd`, read with a raw `fcntl(F_GETFL)`.
pub fn is_nonblocking(fd: &impl std::os::fd::AsRawFd) -> bool {
    raw_fcntl(fd, libc::F_GETFL) & libc::O_NONBLOCK != 0
}

/// The fd numbers the `SOL_SOCKET`/`SCM_RIGHTS` messages of a control buffer list, as written.
pub fn listed_fds(c: &socklab::sys::CmsgBuffer<'_>) -> Vec<i32> {
    use socklab::sys::{SCM_RIGHTS, SOL_SOCKET};
    c.iter()
        .filter(|m| (m.cmsg_level, m.cmsg_type) == (SOL_SOCKET, SCM_RIGHTS))
        .flat_map(|m| m.cmsg_data.chunks_exact(size_of::<i32>()))
        .map(|b| i32::from_ne_bytes(b.try_into().unwrap()))
        .collect()
}
