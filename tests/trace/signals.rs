//! A traced call made from a signal handler: the self-pipe trick (a handler that writes one byte
//! with `sys::write`) while the same thread is inside a traced call, for each sink (a file,
//! stderr, a capture). The nested call must not deadlock, panic or allocate.
//!
//! The signal is SIGXFSZ, raised by the kernel in the thread whose write(2) to a regular file
//! passes `RLIMIT_FSIZE`: with the limit set to the log's current size, the hook's own write of
//! the next line raises it, so the handler runs inside the hook's critical section (holding the
//! file's mutex, or stderr's lock) every time, with no timing involved. For a capture, the
//! traced call itself writes a file past the limit. Each case runs in a child process (the
//! limit and the handler are process-wide), under a watchdog: the deadlock this guards against
//! fails the test instead of hanging it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicIsize, AtomicUsize, Ordering::SeqCst};

use socklab::sys::{self, AF_UNIX, SOCK_STREAM};
use socklab::trace::capture;

use super::child::{self, Scratch};
use super::common::fd_lock;

/// This binary's allocator: the system's, counting allocations made while a handler runs.
struct Counting;

static IN_HANDLER: AtomicBool = AtomicBool::new(false);
static HANDLER_ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the count is a side note.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if IN_HANDLER.load(SeqCst) {
            HANDLER_ALLOCS.fetch_add(1, SeqCst);
        }
        // SAFETY: the caller's layout, as GlobalAlloc::alloc requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if IN_HANDLER.load(SeqCst) {
            HANDLER_ALLOCS.fetch_add(1, SeqCst);
        }
        // SAFETY: as for `dealloc`; `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The self-pipe's write end, for the handler.
static PIPE: AtomicI32 = AtomicI32::new(-1);
/// How many times the handler ran, and what its last write returned (-errno on failure).
static HANDLED: AtomicUsize = AtomicUsize::new(0);
static HANDLER_WROTE: AtomicIsize = AtomicIsize::new(0);

/// The self-pipe trick, ported with socklab: one byte to the pipe, async-signal-safe in C.
extern "C" fn on_signal(_: libc::c_int) {
    IN_HANDLER.store(true, SeqCst);
    // SAFETY: PIPE holds the write end of a socketpair the scenario keeps open while the
    // handler is installed.
    let fd = unsafe { BorrowedFd::borrow_raw(PIPE.load(SeqCst)) };
    let wrote = match sys::write(fd, b"x") {
        Ok(n) => n as isize,
        Err(e) => -(e.code().raw() as isize),
    };
    HANDLER_WROTE.store(wrote, SeqCst);
    HANDLED.fetch_add(1, SeqCst);
    IN_HANDLER.store(false, SeqCst);
}

/// Installs [`on_signal`] for SIGXFSZ and sets `RLIMIT_FSIZE` to `limit` bytes.
fn arm(pipe: &OwnedFd, limit: u64) {
    PIPE.store(pipe.as_raw_fd(), SeqCst);
    // SAFETY: a zeroed sigaction is a valid value (no flags, empty mask).
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    act.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
    // SAFETY: `act` is a valid sigaction; on_signal only does the write above and atomics.
    let rc = unsafe { sys::signal::raw::sigaction(libc::SIGXFSZ, &act, std::ptr::null_mut()) };
    assert_eq!(rc, 0);
    set_fsize(limit);
}

/// `setrlimit(RLIMIT_FSIZE, {cur, infinity})`.
fn set_fsize(cur: u64) {
    let lim = libc::rlimit {
        rlim_cur: cur,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: `lim` is a valid rlimit.
    let rc = unsafe { sys::signal::raw::setrlimit(libc::RLIMIT_FSIZE, &lim) };
    assert_eq!(rc, 0, "setrlimit");
}

/// After the traced call: the handler ran once, its write went through, it allocated nothing,
/// and the pipe holds the call's byte and the handler's.
fn check(reader: &OwnedFd, expect: &[u8]) {
    set_fsize(libc::RLIM_INFINITY);
    assert_eq!(HANDLED.load(SeqCst), 1, "the handler ran once");
    assert_eq!(HANDLER_WROTE.load(SeqCst), 1, "the handler's write");
    assert_eq!(
        HANDLER_ALLOCS.load(SeqCst),
        0,
        "the traced call in the handler allocated"
    );
    let mut got = [0u8; 8];
    let n = sys::recv(reader, &mut got[..], libc::MSG_DONTWAIT).unwrap();
    assert_eq!(&got[..n], expect);
}

/// The scenarios, run in a child process by the tests below.
#[test]
#[ignore = "run in a child process by the tests of signals.rs"]
fn child() {
    let Some(scenario) = child::scenario() else {
        return;
    };
    let (pipe, reader) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap(); // traced: opens the log
    match scenario.as_str() {
        "file" => {
            let log = std::env::var_os("SOCKLAB_TRACE").unwrap();
            arm(&pipe, std::fs::metadata(log).unwrap().len());
            sys::write(&pipe, b"a").unwrap(); // its line's write raises SIGXFSZ
            check(&reader, b"ax");
        }
        "stderr" => {
            use std::os::fd::AsFd;
            let fd2 = std::io::stderr().as_fd().try_clone_to_owned().unwrap();
            arm(&pipe, File::from(fd2).metadata().unwrap().len());
            sys::write(&pipe, b"a").unwrap(); // its line's write to stderr raises SIGXFSZ
            check(&reader, b"ax");
        }
        "capture" => {
            let dir = std::env::var_os("SOCKLAB_TRACE_TEST_DIR").unwrap();
            let file = File::create(std::path::Path::new(&dir).join("big")).unwrap();
            arm(&pipe, 0);
            let (r, lines) = capture(|| sys::write(&file, b"a"));
            assert_eq!(r.unwrap_err().code(), sys::Errno::EFBIG);
            let want = format!(
                "write({}, \"a\", 1) = -1 EFBIG (File too large)",
                file.as_raw_fd()
            );
            assert_eq!(lines, [want], "the handler's call is not logged");
            check(&reader, b"x");
        }
        other => panic!("unknown scenario {other}"),
    }
    println!("child ok");
}

#[track_caller]
fn run_scenario(scenario: &str, configure: impl FnOnce(&mut std::process::Command, &Scratch)) {
    let _fds = fd_lock();
    let dir = Scratch::new(&format!("signal-{scenario}"));
    let mut cmd = child::command("signals::child", scenario);
    cmd.env("SOCKLAB_TRACE_TEST_DIR", &dir.0);
    configure(&mut cmd, &dir);
    let what = format!("the self-pipe trick with the {scenario} sink");
    let out = child::run(&what, cmd);
    child::assert_success(&what, &out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("child ok"),
        "{out:?}"
    );
}

/// The log in a file: the handler's traced write used to block on the file's mutex, held by
/// the same thread's interrupted traced call: a deadlock.
#[test]
fn signal_handler_call_inside_traced_call_does_not_deadlock_on_the_file_sink() {
    run_scenario("file", |cmd, dir| {
        cmd.env("SOCKLAB_TRACE", dir.path("t.log"));
    });
}

/// The log on stderr (a regular file here): the handler's traced write re-entered stderr's
/// lock, allocated its line, and its own write past the limit raised the signal again.
#[test]
fn signal_handler_call_inside_traced_call_does_not_allocate_on_the_stderr_sink() {
    run_scenario("stderr", |cmd, dir| {
        let err = File::create(dir.path("stderr")).unwrap();
        cmd.env("SOCKLAB_TRACE", "1").stderr(Stdio::from(err));
    });
}

/// A capture: the handler's traced write was logged into the capture, allocating its line.
#[test]
fn signal_handler_call_inside_traced_call_is_not_captured() {
    run_scenario("capture", |_, _| {});
}
