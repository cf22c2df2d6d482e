//! `SOCKLAB_TRACE` read at the first call, in a child process each (the hook reads the variable
//! once per process): a refused or unopenable value is reported on stderr without panicking
//! when stderr is closed, and the log file is private (it holds the first 32 bytes of every
//! buffer): created 0600, never through a symlink, appended only when it is a regular file
//! of this user. On stderr, a thread other than the main one gets strace -f's `[pid N] `.

use std::ffi::OsStr;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use socklab::sys::{self, AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};

use super::child::{self, Scratch};
use super::common::fd_lock;

/// The line the child's first call logs (the fd number varies).
const SOCKET_LINE: &str = "socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = ";

/// The child: two socket calls (the first reads `SOCKLAB_TRACE`), then a line on stdout.
#[test]
#[ignore = "run in a child process by the tests of logfile.rs"]
fn child() {
    if child::scenario().as_deref() != Some("first-call") {
        return;
    }
    let a = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let b = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    println!("child ok {} {}", a.as_raw_fd(), b.as_raw_fd());
}

/// The child with `SOCKLAB_TRACE=value`.
fn first_call(value: impl AsRef<OsStr>) -> Command {
    let mut cmd = child::command("logfile::child", "first-call");
    cmd.env("SOCKLAB_TRACE", value);
    cmd
}

/// Runs `cmd`, asserts it succeeded, and returns its stderr.
#[track_caller]
fn stderr_of(what: &str, cmd: Command) -> String {
    let out = child::run(what, cmd);
    child::assert_success(what, &out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("child ok"),
        "{what}: {out:?}"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether the test runs as root (it chowns a file to another user); otherwise it says why it
/// skips, and fails where CI runs it (`CI=true`, as root).
fn root(name: &str) -> bool {
    // SAFETY: geteuid(2) takes no arguments and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    crate::common::skip(format_args!(
        "{name}: needs root to give a file to another user"
    ));
    false
}

/// A refused value (`yes`) and an unopenable file used to be reported with `eprintln!`, which
/// panics when stderr is closed: the first socklab call of the program panicked ("failed
/// printing to stderr"), and so did every later one. The report is one write(2) to fd 2 whose
/// failure is ignored.
#[test]
fn trace_env_errors_are_reported_without_panicking_when_stderr_is_closed() {
    let _fds = fd_lock();
    let dir = Scratch::new("env-errors");
    let missing = dir.path("no-such-dir/t.log");
    let cases = [
        (
            OsStr::new("yes"),
            "socklab: SOCKLAB_TRACE=yes: not a value socklab takes",
        ),
        (missing.as_os_str(), "socklab: SOCKLAB_TRACE="),
    ];
    for (value, report) in cases {
        // stderr open: the one-line report, then (for the file) the log on stderr.
        let err = stderr_of("open stderr", first_call(value));
        assert!(err.starts_with(report), "{value:?}: {err}");
        if value == missing.as_os_str() {
            assert!(
                err.lines().next().unwrap().ends_with("; tracing to stderr"),
                "{err}"
            );
            assert!(err.contains(SOCKET_LINE), "{err}");
        }
        // stderr a socket whose peer is gone: every write fails with EPIPE.
        let (gone, closed) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        drop(gone);
        let mut cmd = first_call(value);
        cmd.stderr(Stdio::from(closed));
        let out = child::run("closed stderr", cmd);
        child::assert_success(&format!("SOCKLAB_TRACE={value:?}, stderr closed"), &out);
    }
}

/// The file is opened with O_NOFOLLOW: a symlink at the path (to a file of ours, or dangling,
/// where O_CREAT would create its target) is refused and the log goes to stderr.
#[test]
fn trace_file_that_is_a_symlink_is_refused() {
    let _fds = fd_lock();
    let dir = Scratch::new("symlink");
    let target = dir.path("target.log");
    std::fs::write(&target, b"").unwrap();
    let link = dir.path("t.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let planted = dir.path("planted.log");
    let dangling = dir.path("dangling.log");
    std::os::unix::fs::symlink(&planted, &dangling).unwrap();
    for path in [&link, &dangling] {
        let err = stderr_of("symlink", first_call(path));
        let report = format!("socklab: SOCKLAB_TRACE={}: ", path.display());
        assert!(err.starts_with(&report), "{err}");
        assert!(
            err.lines().next().unwrap().ends_with("; tracing to stderr"),
            "{err}"
        );
        assert!(err.contains(SOCKET_LINE), "{err}");
    }
    let written = std::fs::read(&target).unwrap();
    assert!(
        written.is_empty(),
        "the log went through the symlink: {:?}",
        String::from_utf8_lossy(&written)
    );
    assert!(
        !planted.exists(),
        "O_CREAT created the dangling link's target"
    );
}

/// A new log file is created 0600 whatever the umask (here 0, under which it was 0666); an
/// existing one of ours is appended to, not truncated.
#[test]
fn trace_file_is_created_0600_and_appended() {
    let _fds = fd_lock();
    let dir = Scratch::new("mode");
    let path = dir.path("t.log");
    for run in 1..=2 {
        let mut cmd = first_call(&path);
        // SAFETY: umask(2) is async-signal-safe and changes only the child's own mask.
        unsafe {
            cmd.pre_exec(|| {
                libc::umask(0);
                Ok(())
            })
        };
        let err = stderr_of("mode", cmd);
        assert!(!err.contains("socklab:"), "{err}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600, "the log file's mode is {mode:o}");
        let log = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            log.lines().filter(|l| l.starts_with(SOCKET_LINE)).count(),
            2 * run,
            "{log}"
        );
    }
}

/// An existing file that is not this user's (euid) is refused, not appended to.
#[test]
fn trace_file_of_another_user_is_refused() {
    if !root("trace_file_of_another_user_is_refused") {
        return;
    }
    let _fds = fd_lock();
    let dir = Scratch::new("owner");
    let path = dir.path("theirs.log");
    std::fs::write(&path, b"theirs\n").unwrap();
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    let err = stderr_of("foreign owner", first_call(&path));
    let report = format!("socklab: SOCKLAB_TRACE={}: ", path.display());
    assert!(err.starts_with(&report), "{err}");
    assert!(err.lines().next().unwrap().contains("65534"), "{err}");
    assert!(err.contains(SOCKET_LINE), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"theirs\n");
    assert_eq!(std::fs::metadata(&path).unwrap().uid(), 65534);
}

/// A FIFO at the path is not a regular file: refused, and the open does not wait for a reader
/// (it used to block the first socklab call forever).
#[test]
fn trace_file_that_is_a_fifo_is_refused_without_blocking() {
    let _fds = fd_lock();
    let dir = Scratch::new("fifo");
    let path = dir.path("fifo");
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c` is a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let err = stderr_of("fifo", first_call(&path));
    let report = format!("socklab: SOCKLAB_TRACE={}: ", path.display());
    assert!(err.starts_with(&report), "{err}");
    assert!(err.contains(SOCKET_LINE), "{err}");
}

/// In a set-group-ID program (`AT_SECURE`), `SOCKLAB_TRACE` is ignored as glibc's
/// secure_getenv(3) ignores the environment: no log on stderr, and no report of a bad value.
/// As root, a copy of this test binary made set-group-ID 65534 runs with `AT_SECURE` set.
#[test]
fn trace_env_is_ignored_in_a_set_group_id_program() {
    if !root("trace_env_is_ignored_in_a_set_group_id_program") {
        return;
    }
    let _fds = fd_lock();
    let dir = Scratch::new("setgid");
    let copy = dir.path("trace-setgid");
    std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
    std::os::unix::fs::chown(&copy, None, Some(65534)).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o2755)).unwrap();
    for value in ["1", "yes"] {
        let mut cmd = child::command_of(&copy, "logfile::child", "first-call");
        cmd.env("SOCKLAB_TRACE", value);
        let err = stderr_of("set-group-ID", cmd);
        assert!(
            !err.contains("socklab") && !err.contains("socket("),
            "{value}: {err}"
        );
    }
    // The same copy without the bit logs, so what the check above saw is the bit's doing.
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = child::command_of(&copy, "logfile::child", "first-call");
    cmd.env("SOCKLAB_TRACE", "1");
    assert!(stderr_of("plain copy", cmd).contains(SOCKET_LINE));
}

/// Set in the child process of [`threads_get_strace_f_prefixes`].
const PID_ENV: &str = "SOCKLAB_TEST_PID_CHILD";

#[test]
#[ignore = "run in a child process by logfile::threads_get_strace_f_prefixes"]
fn pid_child() {
    if std::env::var_os(PID_ENV).is_none() {
        return;
    }
    // A socket from a second thread, which prints its tid on stdout for the parent to check.
    let t = std::thread::spawn(|| {
        // SAFETY: gettid(2) takes no arguments and cannot fail.
        println!("tid {}", unsafe { libc::gettid() });
        drop(sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap());
    });
    t.join().unwrap();
}

/// With `SOCKLAB_TRACE=1` the log goes to stderr; a thread other than the main one gets
/// strace -f's `[pid N] ` prefix (N = its tid, `%5u`).
#[test]
fn threads_get_strace_f_prefixes() {
    let out = super::common::no_leak(|| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "logfile::pid_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--quiet",
            ])
            .env(PID_ENV, "1")
            .env("SOCKLAB_TRACE", "1")
            .output()
    })
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tid: u32 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tid ")?.trim().parse().ok())
        .expect("the child's tid");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!("[pid {tid:>5}] socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = ");
    assert!(
        stderr.lines().any(|l| l.starts_with(&want)),
        "no {want:?} in {stderr}"
    );
}
