//! The `socklab parity` command line: a port with one deliberate difference (no
//! `SO_REUSEADDR`) exits 1 naming the missing call, a C program against itself and against its
//! port exits 0, bad input and a run that cannot finish exit 2 with one line saying why.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::cbuild;
use crate::procs::{example, no_leak, run, text};
use crate::strace;

/// `socklab parity ARGS` (through [`run`]: its own process group, at most the tests' deadline).
fn parity(args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_socklab"))
        .arg("parity")
        .args(args)
        .env("COLUMNS", "200"))
}

/// `--drive` for a chat server: the seed's C client says `hello` and half-closes; the server
/// reads it, then end-of-file, and closes the connection.
fn drive() -> String {
    format!("'{}' {{port}} hello", cbuild::tcp_client().display())
}

fn stdbuf(exe: &std::path::Path) -> [String; 3] {
    ["stdbuf".into(), "-oL".into(), exe.display().to_string()]
}

/// `--drive CMD -- LEFT {port} -- RIGHT {port}` with `names`.
fn servers(left: &[String], right: &[String], names: [&str; 2]) -> Output {
    let drive = drive();
    let mut args: Vec<&str> = vec!["-n", names[0], "-n", names[1], "--drive", &drive, "--"];
    args.extend(left.iter().map(String::as_str));
    args.extend(["{port}", "--"]);
    args.extend(right.iter().map(String::as_str));
    args.push("{port}");
    parity(&args)
}

/// The verdict: the last line of stdout.
fn verdict(out: &Output) -> String {
    text(&out.stdout).lines().last().unwrap_or("").to_owned()
}

#[test]
fn a_port_without_so_reuseaddr_differs_by_that_call() {
    no_leak(|| {
        if !strace::available() {
            return;
        }
        let without = cbuild::port_without(
            "pollserver",
            "setsockopt(listener, SOL_SOCKET, SO_REUSEADDR",
        );
        let rust = [example("beej_pollserver").display().to_string()];
        let out = servers(&stdbuf(&without), &rust, ["C-no-reuse", "Rust"]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
        // The one difference, in full, only on the right; everything else matched.
        let full: Vec<&str> = stdout
            .lines()
            .skip_while(|l| *l != "differences in full:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(full.len(), 1, "{stdout}");
        assert!(
            full[0].starts_with(">   setsockopt(S")
                && full[0].ends_with(", SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"),
            "{stdout}"
        );
        let v = verdict(&out);
        assert!(v.starts_with("parity: different: 1 of "), "{v}");
        assert!(
            v.ends_with("lines differ (0 only in C-no-reuse, 1 only in Rust, 0 changed)"),
            "{v}"
        );
    })
}

#[test]
fn a_c_program_against_itself_and_against_its_port_is_identical() {
    no_leak(|| {
        if !strace::available() {
            return;
        }
        for name in ["pollserver", "selectserver"] {
            let c = stdbuf(&cbuild::port(name));
            let out = servers(&c, &c, ["C", "C again"]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
            assert!(
                verdict(&out).starts_with("parity: identical: "),
                "{}",
                verdict(&out)
            );

            let rust = [example(&format!("beej_{name}")).display().to_string()];
            let out = servers(&c, &rust, ["C", "Rust"]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
            let stdout = text(&out.stdout);
            // Side by side: the listener's setsockopt on both, marked the same.
            assert!(
                stdout.lines().any(|l| l.starts_with("setsockopt(S")
                    && l.matches("SO_REUSEADDR, [1], 4) = 0").count() == 2),
                "{stdout}"
            );
            assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
        }
    })
}

#[test]
fn help_has_an_example() {
    // Under the fd-leak guard like every test here: it also serializes the bodies, so this
    // test's pipes are never counted in another's fd count.
    no_leak(|| {
        let out = parity(&["--help"]);
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        for needle in [
            "--drive", "--serve", "--pipe", "--keep", "Example", "{port}",
        ] {
            assert!(help.contains(needle), "{needle}: {help}");
        }
    })
}

/// Runs `socklab parity ARGS` and asserts: exit 2, nothing on stdout, one stderr line saying
/// `says`.
#[track_caller]
fn assert_fails(args: &[&str], says: &str) -> String {
    let out = parity(args);
    let err = text(&out.stderr).to_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err:?}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(says), "{args:?}: {err:?} lacks {says:?}");
    err
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    no_leak(|| {
        assert_fails(&["--", "true"], "give two commands");
        assert_fails(&["--", "true", "--"], "the right command is empty");
        assert_fails(&["--", "--", "true"], "the left command is empty");
        assert_fails(
            &["--filter", "net,sockets", "--", "true", "--", "true"],
            "--filter: unknown class 'sockets'",
        );
        assert_fails(
            &["--ready", "soon", "--", "true", "--", "true"],
            "--ready: 'soon' is not a readiness",
        );
        assert_fails(
            &["--drive", "true", "--", "true", "--", "true"],
            "neither command has {port} in it",
        );
        assert_fails(&["--pipe", "--", "true", "--", "true"], "--pipe needs");
        assert_fails(
            &["--timeout", "0", "--", "true", "--", "true"],
            "--timeout 0: seconds above 0",
        );
        assert_fails(&["--bogus", "--", "true", "--", "true"], "--bogus");
    })
}

#[test]
fn a_run_that_cannot_finish_says_what_it_waited_for() {
    no_leak(|| {
        if !strace::available() {
            return;
        }
        // `sleep 30 PORT` never listens: the readiness wait ends after --timeout, and the
        // sleeping command is killed with its process group.
        let start = Instant::now();
        let err = assert_fails(
            &[
                "-t", "1", "--drive", "true", "--", "sleep", "30", "{port}", "--", "true",
            ],
            "parity: timed out after 1s waiting for `sleep 30 ",
        );
        assert!(err.contains("to listen on port "), "{err}");
        assert!(err.contains("--ready"), "the hint: {err}");
        assert!(start.elapsed() < Duration::from_secs(15));
        let port = err
            .split("to listen on port ")
            .nth(1)
            .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
            .expect("the port");
        assert!(!sleeping(port), "the timed-out command was left running");

        // A driver that fails: its status, exit 2.
        let args = [
            "--ready", "started", "--drive", "exit 3", "--", "sleep", "30", "--", "true",
        ];
        assert_fails(
            &args,
            "parity: driver: --drive `exit 3` failed (exit status: 3)",
        );
        let err = assert_fails(
            &["--serve", "exit 3", "--", "true", "--", "true"],
            "parity: driver: --serve `exit 3` ended (exit status: 3) before listening on port",
        );
        assert!(!err.is_empty());
        // A command that is not there: strace's own failure, exit 2 as well.
        assert_fails(
            &["--", "/nonexistent/socklab-prog", "--", "true"],
            "running `/nonexistent/socklab-prog` under strace, but it ended first",
        );
    })
}

/// Whether a `sleep 30 PORT` process is running.
fn sleeping(port: &str) -> bool {
    let want = format!("sleep\0{}\0{port}\0", 30);
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .any(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == want.as_bytes()))
}
