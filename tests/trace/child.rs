//! Runs one `#[ignore]`d test of this binary in a child process, for what a test cannot do in
//! the shared test process: read `SOCKLAB_TRACE` at a first call (the hook reads it once per
//! process), lower a resource limit, install a signal handler, or close stderr.
//!
//! A watchdog kills the child if it has not finished within [`DEADLINE`], so a deadlock fails
//! the test instead of hanging it.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a child may run before it is taken as hung (each normally takes well under 1 s).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Names the scenario a child runs; without it the child tests return at once.
pub const SCENARIO: &str = "SOCKLAB_TRACE_TEST_SCENARIO";

/// A command running `test` (a module path such as `signals::child`) of this binary alone, in
/// scenario `scenario`, with `SOCKLAB_TRACE` removed (the caller sets it as needed) and stdout
/// piped. The test runs with `--nocapture`, so what it prints reaches the real stdout/stderr.
pub fn command(test: &str, scenario: &str) -> Command {
    command_of(&std::env::current_exe().unwrap(), test, scenario)
}

/// As [`command`], running `exe` (a copy of this binary).
pub fn command_of(exe: &std::path::Path, test: &str, scenario: &str) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(SCENARIO, scenario)
    .env_remove("SOCKLAB_TRACE")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` to its end and returns its output, or panics naming `what` if it is still
/// running after [`DEADLINE`] (then it is killed first). The caller holds the fd-count lock
/// (`common::fd_lock`) for its whole test: the child's pipes and the scratch files are fds of
/// this process, which `no_leak` in other tests would count.
#[track_caller]
pub fn run(what: &str, mut cmd: Command) -> Output {
    let mut child = cmd.spawn().expect("spawn the test binary");
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel();
    // Read both pipes off this thread, so a child that fills one cannot stall the watchdog.
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let t = std::thread::spawn(move || {
            if let Some(e) = err.as_mut() {
                let _ = e.read_to_end(&mut stderr);
            }
            stderr
        });
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut stdout);
        }
        let stderr = t.join().unwrap();
        let status = child.wait().expect("wait for the child");
        let _ = tx.send(Output {
            status,
            stdout,
            stderr,
        });
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(out) => {
            reader.join().unwrap();
            out
        }
        Err(_) => {
            // SAFETY: kill(2) with the pid of the child this test spawned and has not reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let out = rx.recv().expect("the killed child's output");
            reader.join().unwrap();
            panic!(
                "{what}: the child was still running after {DEADLINE:?} (hung; killed):\n\
                 stdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Asserts that the child exited 0, showing its output otherwise.
#[track_caller]
pub fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what}: the child failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The scenario this process runs as a child, if any.
pub fn scenario() -> Option<String> {
    std::env::var(SCENARIO).ok()
}

/// A scratch directory under the temp dir, removed on drop.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    /// A fresh directory tagged with `tag` (unique per process and call).
    pub fn new(tag: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("socklab-trace-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// `name` inside the directory.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
