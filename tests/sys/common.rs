//! Shared test helpers: fd-leak guard, loopback addresses with port 0, exact-errno asserts.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Mutex;

use socklab::{Errno, SockAddr};

/// fd counting is process-wide, so tests that count fds take this lock while they run.
static FD_LOCK: Mutex<()> = Mutex::new(());

/// The number of open fds of this process, from /proc/self/fd.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// Runs `f` and asserts that it leaves as many fds open as it found. Serialized with every other
/// `no_leak` body so concurrent tests cannot mask or fake a leak.
#[track_caller]
pub fn no_leak<R>(f: impl FnOnce() -> R) -> R {
    let _g = FD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let before = open_fds();
    let r = f();
    let after = open_fds();
    assert_eq!(
        before, after,
        "fd leak: {before} fds open before, {after} after"
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
