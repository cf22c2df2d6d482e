//! Bad input over every subcommand, table-driven: one line naming the flag, exit code 2, no
//! panic, no backtrace. Plus the CLI's other promises: a closed stdout ends quietly (exit 141),
//! plain `socklab` prints usage, `SOCKLAB_TRACE` values are checked.

use std::process::{Command, Output, Stdio};

use super::common::bin;

fn socklab(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env_remove("SOCKLAB_TRACE")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn bad_input_is_one_line_naming_the_flag_and_exit_2() {
    let long_path = format!("unix:/tmp/{}", "x".repeat(120));
    let to = "127.0.0.1:9";
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // serve
        (vec!["serve", "--addr", "1.2.3"], "--addr"),
        (vec!["serve", "--addr", "[::1"], "--addr"),
        (vec!["serve", "--addr", "host:99999"], "--addr"),
        (vec!["serve", "--addr", "[::1]:99999"], "--addr"),
        (vec!["serve", "--addr", &long_path], "--addr"),
        (vec!["serve", "--addr", "127.0.0.1:0", "--transport", "quic"], "--transport"),
        (vec!["serve", "--addr", "127.0.0.1:0", "--transport", "unix"], "--addr"),
        (vec!["serve", "--addr", "127.0.0.1:0", "--mode", "loud"], "--mode"),
        (vec!["serve", "--addr", "127.0.0.1:0", "--max-conns", "-1"], "--max-conns"),
        (vec!["serve", "--addr", "127.0.0.1:0", "--max-conns", "many"], "--max-conns"),
        // pingpong
        (vec!["pingpong", "--to", "1.2.3"], "--to"),
        (vec!["pingpong", "--to", "[::1"], "--to"),
        (vec!["pingpong", "--to", "host:99999"], "--to"),
        (vec!["pingpong", "--to", &long_path], "--to"),
        (vec!["pingpong", "--to", to, "--transport", "quic"], "--transport"),
        (vec!["pingpong", "--to", to, "--size", "0"], "--size"),
        (vec!["pingpong", "--to", to, "--size", "99999999"], "--size"),
        (vec!["pingpong", "--to", to, "--transport", "udp", "--size", "70000"], "--size"),
        (vec!["pingpong", "--to", to, "--transport", "udp", "--size", "4"], "--size"),
        (vec!["pingpong", "--to", to, "--iters", "-5"], "--iters"),
        (vec!["pingpong", "--to", to, "--iters", "five"], "--iters"),
        (vec!["pingpong", "--to", to, "--iters", "0"], "--iters"),
        (vec!["pingpong", "--to", to, "--iters", "100000000"], "--iters"),
        (vec!["pingpong", "--to", to, "--warmup", "-1"], "--warmup"),
        (vec!["pingpong", "--to", to, "--timeout", "0"], "--timeout"),
        (vec!["pingpong", "--to", to, "--timeout", "soon"], "--timeout"),
        (vec!["pingpong", "--to", to, "--seconds", "-1"], "--seconds"),
        (vec!["pingpong", "--to", to, "--seconds", "0"], "--seconds"),
        (vec!["pingpong", "--to", to, "-i", "0.01"], "--interval"),
        (vec!["pingpong", "--to", to, "-i", "61"], "--interval"),
        (vec!["pingpong", "--to", to, "--export-json", "/nonexistent-dir/x.json"], "--export-json"),
        // stream
        (vec!["stream", "--to", "1.2.3"], "--to"),
        (vec!["stream", "--to", "[::1"], "--to"),
        (vec!["stream", "--to", "host:99999"], "--to"),
        (vec!["stream", "--to", &long_path], "--to"),
        (vec!["stream", "--to", to, "--transport", "quic"], "--transport"),
        (vec!["stream", "--to", to, "--size", "0"], "--size"),
        (vec!["stream", "--to", to, "--transport", "udp", "--size", "65508"], "--size"),
        (vec!["stream", "--to", to, "--seconds", "-1"], "--seconds"),
        (vec!["stream", "--to", to, "--seconds", "soon"], "--seconds"),
        (vec!["stream", "--to", to, "--rate", "-3"], "--rate"),
        (vec!["stream", "--to", "/tmp/x.sock", "--transport", "tcp"], "--to"),
        (vec!["stream", "--to", to, "--transport", "udp", "--verify"], "--verify"),
        (vec!["stream", "--to", to, "--timeout", "-2"], "--timeout"),
        (vec!["stream", "--to", to, "--interval", "0"], "--interval"),
        (vec!["stream", "--to", to, "--export-json", "/nonexistent-dir/x.json"], "--export-json"),
        // compare
        (vec!["compare", "--size", "-1"], "--size"),
        (vec!["compare", "--size", "0"], "--size"),
        (vec!["compare", "--size", "65537", "--transport", "tcp"], "--size"),
        (vec!["compare", "--batch", "-1"], "--batch"),
        (vec!["compare", "--size", "big"], "--size"),
        (vec!["compare", "--iters", "-5"], "--iters"),
        (vec!["compare", "--iters", "abc"], "--iters"),
        (vec!["compare", "--iters", "100000000"], "--iters"),
        (vec!["compare", "--rounds", "-2"], "--rounds"),
        (vec!["compare", "--transport", "quic"], "--transport"),
        // experiments
        (vec!["experiments", "--brief", "--size", "1"], "--size"),
    ];
    for (args, flag) in &cases {
        let out = socklab(args);
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(lines.len(), 1, "{args:?}: not one line: {err}");
        assert!(lines[0].starts_with("error: "), "{args:?}: {err}");
        assert!(
            lines[0].contains(flag),
            "{args:?}: does not name {flag}: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        eprintln!("{:<60} -> {}", args.join(" "), lines[0]);
    }
}

#[test]
fn plain_socklab_prints_usage() {
    let out = socklab(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("Usage: socklab [OPTIONS] <COMMAND>"), "{err}");
    assert!(
        err.contains("serve") && err.contains("pingpong") && err.contains("stream"),
        "{err}"
    );
}

#[test]
fn socklab_trace_values_are_checked() {
    for bad in ["true", "yes", "on", "2", "trace.log", "1,fast"] {
        let out = Command::new(bin())
            .args(["pingpong", "--to", "127.0.0.1:9"])
            .env("SOCKLAB_TRACE", bad)
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(
            err.starts_with(&format!("error: SOCKLAB_TRACE={bad}: ")),
            "{err}"
        );
        assert!(
            !std::env::temp_dir().join(bad).exists(),
            "a file named {bad} was created"
        );
        eprintln!("SOCKLAB_TRACE={bad:<10} -> {}", err.trim());
    }
    // The allowed values get past the check (to the connect, which finds nothing on port 9).
    for good in ["", "0", "1", "1,time"] {
        let out = Command::new(bin())
            .args(["pingpong", "--to", "127.0.0.1:9"])
            .env("SOCKLAB_TRACE", good)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{good}: {err}");
        assert!(err.contains("ECONNREFUSED"), "{good}: {err}");
    }
}

/// `socklab … | true`, `… | head -1`, `… >/dev/full`: no panic. A closed pipe exits 141
/// quietly; a full disk prints one line and exits 1.
#[test]
fn closed_or_full_stdout_never_panics() {
    let tiny = "compare --paths c --transport udp --mode same-thread --iters 50 --warmup 5 --rounds 1 --no-count --no-nagle";
    for (shell, want) in [
        (
            format!("{} {tiny} | true; echo \"rc=${{PIPESTATUS[0]}}\"", bin()),
            "rc=141",
        ),
        (
            format!("{} --help | true; echo \"rc=${{PIPESTATUS[0]}}\"", bin()),
            "rc=",
        ),
        (
            format!(
                "{} {tiny} --json | head -c 1 >/dev/null; echo \"rc=${{PIPESTATUS[0]}}\"",
                bin()
            ),
            "rc=",
        ),
        (
            format!("{} {tiny} >/dev/full; echo \"rc=$?\"", bin()),
            "rc=1",
        ),
    ] {
        let out = Command::new("bash")
            .args(["-c", &shell])
            .env_remove("SOCKLAB_TRACE")
            .output()
            .unwrap();
        let so = String::from_utf8_lossy(&out.stdout);
        let se = String::from_utf8_lossy(&out.stderr);
        assert!(
            so.trim_end().ends_with(want) || (want == "rc=" && so.contains("rc=")),
            "{shell}: {so}"
        );
        let rc: i32 = so.trim().rsplit("rc=").next().unwrap().parse().unwrap();
        assert!(rc == 0 || rc == 1 || rc == 141, "{shell}: rc {rc}: {se}");
        assert!(!se.contains("panicked"), "{shell}: {se}");
        if want == "rc=1" {
            assert!(
                se.contains("socklab: writing stdout: No space left on device"),
                "{se}"
            );
        }
        eprintln!(
            "{shell} -> {} {}",
            so.trim(),
            se.lines().last().unwrap_or("")
        );
    }
}
