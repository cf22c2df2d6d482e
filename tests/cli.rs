//! The `socklab` binary beyond `compare`: the global `--trace` flag (before or after the
//! subcommand) prints the strace-format call log on stderr, and `experiments` prints its verdicts.
#![cfg(all(feature = "cli", feature = "trace"))] // the binary, and a log to turn on

use std::process::Output;

/// A tiny compare run (two paths, UDP, same-thread, no strace count, no Nagle canary) with
/// `global` placed before the subcommand and `local` after it.
fn compare(global: &[&str], local: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_socklab"));
    cmd.env_remove("SOCKLAB_TRACE")
        .args(global)
        .arg("compare")
        .args(local)
        .args(["--paths", "c,libc-send-recv", "--transport", "udp"])
        .args(["--mode", "same-thread", "--iters", "50", "--warmup", "5"])
        .args(["--rounds", "1", "--no-count", "--no-nagle"]);
    let out = cmd.output().expect("the socklab binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The stderr lines that are strace-format socket() calls.
fn socket_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = "))
        .map(str::to_string)
        .collect()
}

#[test]
fn trace_flag_prints_the_call_log_on_stderr() {
    for out in [compare(&["--trace"], &[]), compare(&[], &["--trace"])] {
        // Two UDP sockets per path (c, libc-send-recv and its twin c-send-recv, which compare
        // adds): one line each, with the fd the call returned.
        let lines = socket_lines(&out);
        assert_eq!(lines.len(), 6, "{lines:?}");
        for l in &lines {
            let fd = l.rsplit(" = ").next().unwrap();
            assert!(fd.parse::<u32>().is_ok_and(|fd| fd > 2), "{l}");
        }
        let err = String::from_utf8_lossy(&out.stderr);
        // The measured loops run with the log off: libc-send-recv's sends, which
        // strace shows as sendto(…, NULL, 0), are not logged, and the env block says why.
        assert!(!err.contains(", 64, 0, NULL, 0) = 64"), "{err}");
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(table.contains("switched off for the"), "{table}");
    }
}

#[test]
fn without_the_flag_there_is_no_log() {
    let out = compare(&[], &[]);
    assert_eq!(socket_lines(&out), Vec::<String>::new());
}

/// `socklab experiments --brief` runs every experiment and prints one verdict line per claim.
#[test]
fn experiments_subcommand_prints_every_verdict() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(["experiments", "--brief"])
        .output()
        .expect("the socklab binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts = stdout
        .lines()
        .filter(|l| {
            ["HELD", "REFUTED", "NUANCED", "CANNOT RUN", "FAILED"]
                .iter()
                .any(|v| l.starts_with(v))
        })
        .count();
    assert_eq!(verdicts, socklab::experiments::run_all().len(), "{stdout}");
    assert!(stdout.contains("stream_vs_datagram"), "{stdout}");
}

/// Runs `socklab experiments ARGS…` and returns (exit code, stdout, stderr).
fn experiments_cmd(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .arg("experiments")
        .args(args)
        .output()
        .expect("the socklab binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--list` names every experiment with its claim and runs none.
#[test]
fn experiments_list_names_each_with_its_claim() {
    let (code, stdout, _) = experiments_cmd(&["--list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), socklab::experiments::ALL.len(), "{stdout}");
    for (line, e) in lines.iter().zip(socklab::experiments::ALL) {
        assert!(
            line.starts_with(e.name) && line.ends_with(e.claim),
            "{line}"
        );
    }
}

/// An unknown name: one line naming the valid ones, exit 2, nothing run.
#[test]
fn experiments_unknown_name_is_a_usage_error() {
    let (code, stdout, stderr) = experiments_cmd(&["udp_truncation", "no_such_thing"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("\"no_such_thing\"") && stderr.contains("udp_truncation, "),
        "{stderr}"
    );
}

/// `NAME… --json`: one document with only the named experiments, in the order given.
#[test]
fn experiments_by_name_as_json() {
    let (code, stdout, stderr) = experiments_cmd(&["--json", "well_known_ports", "udp_truncation"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let names: Vec<&str> = doc["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["well_known_ports", "udp_truncation"]);
    assert_eq!(doc["experiments"][1]["evidence"]["kept_bytes"], 1024);
    assert_eq!(doc["experiments"][1]["verdict"], "held");
}
