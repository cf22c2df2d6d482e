//! The helpers every test binary shares (included with `#[path]`): the process's open fd count,
//! free loopback ports, connected loopback TCP pairs, and [`skip`], the one rule for a test that
//! cannot run here. `tests/sys/common.rs` re-exports them for the binaries that use it.

#![allow(dead_code)] // not every binary uses every helper

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fmt::Display;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::os::raw::c_int;
use std::sync::Mutex;

use socklab::sys::{self, opt, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_STREAM};

/// Says that a test, or a part of one, does not run here for want of `why` — a privilege, a
/// tool or a file that CI installs or grants (root, strace, g++, valgrind, tc, nft, python3,
/// /etc/services) — and lets the caller skip it. On a developer's machine it prints
/// `skipped: {why}` and returns; under CI ([`under_ci`]) it panics instead, so a CI run never
/// passes a test that did not run. Every skip in the tests goes through here (or through
/// [`not_on_this_platform`] for what no setup can provide).
#[track_caller]
pub fn skip(why: impl Display) {
    skip_if_not_ci(under_ci(), why);
}

/// [`skip`]'s rule with the CI setting given (its unit test drives both sides).
#[track_caller]
pub fn skip_if_not_ci(ci: bool, why: impl Display) {
    if ci {
        panic!("cannot skip under CI (CI is set): {why}");
    }
    eprintln!("skipped: {why}");
}

/// Whether the tests run under CI: `CI` is set to anything but empty, `0` or `false` (CI
/// services set `CI=true`; the project's CI script sets it when the machine does not).
pub fn under_ci() -> bool {
    ci_value_is_set(std::env::var_os("CI").as_deref())
}

/// [`under_ci`]'s reading of the variable's value.
pub fn ci_value_is_set(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Says that a part of a test does not run because the running kernel or CPU lacks `why` (a
/// `CONFIG_` option such as the tls ULP, a qdisc module, an x86_64-only path): no package
/// provides it, so this prints and never fails, under CI too. Anything CI can install
/// or grant goes through [`skip`] instead.
pub fn not_on_this_platform(why: impl Display) {
    eprintln!("skipped, not on this platform: {why}");
}

/// The number of open fds of this process, from /proc/self/fd.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// The open fds of this process and what each refers to (`readlink /proc/self/fd/N`: a path,
/// `socket:[INODE]`, `pipe:[INODE]`, ...), for a leak report that names the fds that differ.
/// The directory fd of the listing itself is left out (it is closed again at once).
pub fn fd_table() -> BTreeMap<i32, String> {
    prime_glibc_overcommit_check();
    let dir = std::fs::read_dir("/proc/self/fd").expect("read /proc/self/fd");
    let mut table = BTreeMap::new();
    for entry in dir {
        let entry = entry.expect("read /proc/self/fd");
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // An fd closed between the listing and the readlink (by another thread) reads as gone.
        let target = std::fs::read_link(entry.path())
            .map(|t| t.display().to_string())
            .unwrap_or_else(|e| format!("(gone: {e})"));
        table.insert(fd, target);
    }
    // The listing's own fd: the only entry that points at a /proc/<pid>/fd directory.
    table.retain(|_, t| !(t.starts_with("/proc/") && t.ends_with("/fd")));
    table
}

/// Makes glibc do, now, a one-time open it would otherwise do at a random moment in a random
/// thread: the first time a thread's malloc arena (not the main one) gives memory back
/// (`heap_trim` -> `shrink_heap`), glibc reads `/proc/sys/vm/overcommit_memory` once
/// (`check_may_shrink_heap`: open, read 1 byte, close) and caches the answer for the process.
/// In a test binary that first trim typically comes when a test thread frees its large
/// buffers (strace logs, captured output) or exits, after its `no_leak` body released the
/// fd lock (tests/sys/common.rs); a test whose "before" listing ran at that moment counted
/// the short-lived fd (`fd leak: 7 fds open before, 6 after`, one run in 5 on a busy machine).
/// A thread that fills a fresh arena with 4 MiB of small blocks and frees them takes that
/// first trim here, once, before any fd is counted.
fn prime_glibc_overcommit_check() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            let blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 1024]).collect();
            drop(std::hint::black_box(blocks));
        })
        .join()
        .expect("the priming thread does not panic");
    });
}

/// The difference between two [`fd_table`]s, one line per fd: `-N target` (closed),
/// `+N target` (opened), or both for an fd number now referring to something else.
pub fn fd_table_diff(before: &BTreeMap<i32, String>, after: &BTreeMap<i32, String>) -> String {
    let mut lines = Vec::new();
    let fds: std::collections::BTreeSet<i32> = before.keys().chain(after.keys()).copied().collect();
    for fd in fds {
        let (b, a) = (before.get(&fd), after.get(&fd));
        if b != a {
            if let Some(b) = b {
                lines.push(format!("-{fd} {b}"));
            }
            if let Some(a) = a {
                lines.push(format!("+{fd} {a}"));
            }
        }
    }
    lines.join("\n")
}

/// Ports handed out by [`free_port`] in this process, so that two tests never get the same one.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A 127.0.0.1 port of type `sock_type` (`SOCK_STREAM`, `SOCK_DGRAM`) that was free a moment
/// ago, for a program that takes its port on the command line: bind port 0, read the port
/// back, close. Never the same port twice in one process.
///
/// The probe uses `socklab::sys` (no `SO_REUSEADDR`, unlike std's `TcpListener::bind`), so the
/// kernel skips ports still held by a TIME_WAIT connection, which a server without
/// `SO_REUSEADDR` (the seed's) could not bind. Remaining race, accepted: another process may
/// take the port between this close and the server's bind; the caller's readiness wait or the
/// server's `bind(...): EADDRINUSE` then says so.
pub fn free_port(sock_type: c_int) -> u16 {
    let mut seen = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
    let seen = seen.get_or_insert_with(HashSet::new);
    loop {
        let fd = sys::socket(AF_INET, sock_type | SOCK_CLOEXEC, 0).unwrap();
        sys::bind(&fd, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
        let port = sys::getsockname(&fd).unwrap().as_socket().unwrap().port();
        sys::close(fd).unwrap();
        if seen.insert(port) {
            return port;
        }
    }
}

/// A connected TCP pair on 127.0.0.1 made with `socklab::sys`: a listener on port 0 (backlog 1,
/// `SO_REUSEADDR` set when `reuseaddr`), a client connected to it and the accepted end, each
/// handed over as `T` (`OwnedFd`, `socklab::Socket`, `std::net::TcpStream`):
/// `(listener, client, server)`. The one TCP pair of the test binaries.
pub fn tcp_listener_pair<T: From<OwnedFd>>(reuseaddr: bool) -> (T, T, T) {
    let lst = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
    if reuseaddr {
        sys::set_opt(&lst, opt::SoReuseAddr, true).unwrap();
    }
    sys::bind(&lst, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
    sys::listen(&lst, 1).unwrap();
    let cli = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
    sys::connect(&cli, &sys::getsockname(&lst).unwrap()).unwrap();
    let srv = sys::accept(&lst, None).unwrap();
    (lst.into(), cli.into(), srv.into())
}

/// A connected TCP pair on 127.0.0.1, `(client, server)`; the listener is closed before
/// returning.
pub fn tcp_pair() -> (OwnedFd, OwnedFd) {
    tcp_pair_as()
}

/// [`tcp_pair`] handed over as `T` (`socklab::Socket`, `std::net::TcpStream`).
pub fn tcp_pair_as<T: From<OwnedFd>>() -> (T, T) {
    let (_listener, cli, srv) = tcp_listener_pair::<OwnedFd>(false);
    (cli.into(), srv.into())
}
