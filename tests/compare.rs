//! `socklab compare` from the outside: bad input exits 2 with one line, and a tiny real run's
//! `--json` has the structure of `docs/compare-schema.md` (the schema, never the timings).
#![cfg(feature = "cli")] // the harness and the binary need the `cli` feature

use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

#[path = "common/mod.rs"]
mod common;
#[path = "common/schema.rs"]
mod schema;

use common::open_fds;
use schema::assert_documented;
use serde_json::Value;
use socklab::compare::harness::{Cpus, Slot};
use socklab::compare::paths::{PathGroup, PathName, Transport};
use socklab::compare::Mode;

/// fd counting is process-wide and spawning the CLI opens pipes: every test here takes this lock.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn socklab(args: &[&str]) -> Output {
    socklab_env(args, &[])
}

/// `socklab args` with extra environment variables.
fn socklab_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(args)
        .envs(vars.iter().copied())
        .output()
        .expect("the socklab binary runs")
}

/// Runs `compare --json` with `args`, expects success and returns the parsed document and
/// stderr.
#[track_caller]
fn compare_json(args: &[&str]) -> (Value, String) {
    compare_json_env(args, &[])
}

/// [`compare_json`] with extra environment variables.
#[track_caller]
fn compare_json_env(args: &[&str], vars: &[(&str, &str)]) -> (Value, String) {
    let mut all = vec!["compare", "--json"];
    all.extend_from_slice(args);
    let out = socklab_env(&all, vars);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {err}");
    let doc = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    (doc, err.into_owned())
}

/// Runs `compare` with `args`, expects exit 2, no stdout, and one stderr line containing each
/// of `needles`.
#[track_caller]
fn bad_input(args: &[&str], needles: &[&str]) {
    let _g = serial();
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    let out = socklab(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err:?} lacks {n:?}");
    }
}

#[test]
fn unknown_names_list_the_allowed_values() {
    bad_input(
        &["--paths", "c,libc-foo"],
        &["--paths", "libc-foo", "libc-read-write", "rustix"],
    );
    bad_input(
        &["--transport", "sctp"],
        &["--transport", "sctp", "unixdgram"],
    );
    bad_input(&["--mode", "pingpong"], &["--mode", "same-thread", "batch"]);
    bad_input(&["--pin", "both"], &["--pin", "split"]);
    bad_input(&["--frobnicate"], &["--frobnicate"]);
}

/// `--help` lists every allowed value of every enum flag, from the library's own tables
/// (`syscall` among the modes was missing).
#[test]
fn help_lists_every_allowed_value() {
    let _g = serial();
    let out = socklab(&["compare", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let values = |flag: &str| -> Vec<String> {
        let at = help
            .find(&format!("--{flag} <"))
            .unwrap_or_else(|| panic!("--{flag} in {help}"));
        let rest = &help[at..];
        let list = rest
            .split("[possible values: ")
            .nth(1)
            .unwrap_or_else(|| panic!("--{flag} lists no values: {rest}"));
        let list = &list[..list.find(']').unwrap()];
        list.split(", ").map(String::from).collect()
    };
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        values("mode"),
        names(&["same-thread", "rtt", "stream", "batch", "syscall"])
    );
    assert_eq!(
        values("transport"),
        names(&["tcp", "udp", "unix", "unixdgram"])
    );
    assert_eq!(values("pin"), names(&["same", "split", "none"]));
    // --paths takes the named groups first, then every path.
    let paths: Vec<String> = PathGroup::ALL
        .iter()
        .map(|g| g.name().to_string())
        .chain(PathName::ALL.iter().map(|p| p.name().to_string()))
        .collect();
    assert_eq!(values("paths"), paths);
    let out = socklab(&["serve", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("[possible values: echo, sink]"), "{help}");
    assert!(help.contains("[possible values: tcp, udp, unix]"), "{help}");
}

#[test]
fn out_of_range_numbers_name_the_flag() {
    bad_input(&["--size", "0"], &["--size", "65507"]);
    bad_input(
        &["--size", "65508", "--transport", "udp"],
        &["--size", "udp"],
    );
    bad_input(
        &["--size", "65537", "--transport", "tcp"],
        &["--size", "65536"],
    );
    bad_input(&["--size=-3"], &["--size"]);
    bad_input(&["--iters", "0"], &["--iters"]);
    bad_input(&["--batch", "0"], &["--batch", "1024"]);
    bad_input(
        &["--mode", "batch", "--transport", "tcp"],
        &["--transport", "udp"],
    );
}

/// Runs that cannot be measured honestly are refused before measuring, with exit 2: a batch
/// the socket buffers cannot queue (sendmmsg blocked forever on unixdgram; UDP lost datagrams
/// and ended in EAGAIN), and fewer iterations than interleaved rounds.
#[test]
fn unmeasurable_runs_are_refused() {
    let batch = |t: &str, size: &str, n: &str| {
        let args = ["--mode", "batch", "--transport", t, "--size", size];
        let mut all = args.to_vec();
        all.extend(["--batch", n, "--no-count"]);
        bad_input(&all, &["--batch", t, "do not fit"]);
    };
    batch("unixdgram", "4096", "32");
    batch("udp", "65507", "32");
    batch("udp", "64", "1024");
    bad_input(
        &["--iters", "10", "--rounds", "20"],
        &["--iters", "--rounds", "10", "20"],
    );
}

/// `--mode`, `--transport`, `--size` and `--paths` repeats are merged: one group, one row per
/// path.
#[test]
fn repeated_values_are_merged() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "40",
        "--warmup",
        "4",
        "--rounds",
        "2",
        "--no-count",
        "--mode",
        "same-thread,same-thread",
        "--transport",
        "unix,unix",
        "--size",
        "64,64",
        "--paths",
        "c,libc-read-write,c",
    ]);
    let rows = doc["rows"].as_array().unwrap();
    let paths: Vec<String> = rows.iter().map(check_row).collect();
    assert_eq!(paths, ["c", "libc-read-write"]);
}

/// With `SOCKLAB_TRACE=1` the run switches the log off (no line per measured call on stderr,
/// nothing counted but the paths' own calls) and says so in `env.trace`.
#[test]
fn a_traced_run_switches_the_log_off_and_says_so() {
    let _g = serial();
    let args = [
        "--iters",
        "100",
        "--warmup",
        "10",
        "--rounds",
        "2",
        "--no-nagle",
        "--mode",
        "same-thread",
        "--transport",
        "unixdgram",
        "--paths",
        "libc-read-write,libc-send-recv",
    ];
    let (doc, err) = compare_json_env(&args, &[("SOCKLAB_TRACE", "1")]);
    let trace = doc["env"]["trace"]
        .as_str()
        .expect("env.trace says what was done");
    assert!(trace.contains("switched off"), "{trace}");
    let traced = err
        .lines()
        .filter(|l| l.starts_with("write(") || l.starts_with("sendto("))
        .count();
    assert_eq!(traced, 0, "measured calls were logged: {err}");
    if err.contains("syscalls_per_op: null") {
        common::skip("the count check: strace could not trace here");
        return;
    }
    for row in doc["rows"].as_array().unwrap() {
        assert_eq!(
            row["syscalls_per_op"], 2.0,
            "the log's writes counted: {row}"
        );
    }
    let (plain, _) = compare_json(&args);
    assert!(plain["env"]["trace"].is_null(), "off: null");
}

#[test]
fn split_pinning_needs_two_cpus() {
    let _g = serial();
    let cpus = socklab::sys::sched_getaffinity(0).unwrap().count();
    if cpus >= 2 {
        // Run it on one CPU: taskset is the portable way to shrink the child's mask.
        let out = Command::new("taskset")
            .args([
                "-c",
                "0",
                env!("CARGO_BIN_EXE_socklab"),
                "compare",
                "--pin",
                "split",
            ])
            .output();
        match out {
            Ok(out) => {
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{err}");
                assert_eq!(err.lines().count(), 1, "{err:?}");
                assert!(err.contains("--pin") && err.contains("same, none"), "{err}");
            }
            Err(e) => common::skip(format_args!("taskset not runnable ({e})")),
        }
    } else {
        drop(_g);
        bad_input(&["--pin", "split"], &["--pin", "same, none"]);
    }
}

/// Checks one row's keys and types; returns its path.
#[track_caller]
fn check_row(row: &Value) -> String {
    let num = |k: &str| assert!(row[k].is_number(), "{k} not a number in {row}");
    let num_or_null = |k: &str| assert!(row[k].is_number() || row[k].is_null(), "{k} in {row}");
    for k in ["mode", "transport", "path"] {
        assert!(row[k].is_string(), "{k} in {row}");
    }
    assert!(row["size"].is_u64() && row["iters"].is_u64(), "{row}");
    for k in ["median_ns", "p99_ns", "p999_ns", "min_ns"] {
        num(k);
    }
    num_or_null("ratio_to_c");
    num_or_null("ratio_to_twin");
    num_or_null("ratio_to_floor");
    num_or_null("syscalls_per_op");
    match &row["ratio_ci95"] {
        Value::Null => {}
        Value::Array(ci) => assert!(ci.len() == 2 && ci.iter().all(Value::is_number), "{row}"),
        other => panic!("ratio_ci95 = {other}"),
    }
    let mode = row["mode"].as_str().unwrap();
    assert!(
        ["same-thread", "rtt", "stream", "batch"].contains(&mode),
        "{row}"
    );
    assert!(["tcp", "udp", "unix", "unixdgram"].contains(&row["transport"].as_str().unwrap()));
    let path = row["path"].as_str().unwrap().to_string();
    let stream_keys = ["msgs_per_s", "mbit_s", "sent", "lost"];
    if mode == "stream" {
        assert!(
            row["msgs_per_s"].is_number() && row["mbit_s"].is_number(),
            "{row}"
        );
        let (sent, lost) = (row["sent"].as_u64().unwrap(), row["lost"].as_u64().unwrap());
        assert!(lost <= sent, "{row}");
        // iters = messages delivered; the rate is the median round's.
        assert_eq!(row["iters"].as_u64().unwrap(), sent - lost, "{row}");
        let median = row["median_ns"].as_f64().unwrap();
        let rate = row["msgs_per_s"].as_f64().unwrap();
        assert!((rate * median / 1e9 - 1.0).abs() < 1e-9, "{row}");
        let size = row["size"].as_f64().unwrap();
        let mbit = row["mbit_s"].as_f64().unwrap();
        assert!(
            (mbit - rate * size * 8.0 / 1e6).abs() <= 1e-9 * mbit,
            "{row}"
        );
    } else {
        for k in stream_keys {
            assert!(row.get(k).is_none(), "{k} outside stream: {row}");
        }
    }
    let batch = row.get("batch");
    let batched = ["libc-mmsg", "c-mmsg", "io-uring-batch", "c-io-uring-batch"];
    assert_eq!(
        batch.is_some(),
        mode == "batch" && batched.contains(&path.as_str()),
        "{row}"
    );
    // A C loop is its own twin; a row with a c-inline row beside it has a floor ratio.
    if path.starts_with("c") {
        assert_eq!(row["ratio_to_twin"], 1.0, "{row}");
    }
    if path == "c-inline" {
        assert_eq!(row["ratio_to_floor"], 1.0, "{row}");
    }
    path
}

/// The twin each path's `ratio_to_twin` is taken to (docs/compare-schema.md), `None` for no twin.
fn twin_of(path: &str, transport: &str) -> Option<&'static str> {
    match path {
        "libc-read-write" => Some("c"),
        "libc-send-recv" | "nix" | "socket2" | "rustix" => Some("c-send-recv"),
        "std" if transport != "unixdgram" => Some("c-send-recv"),
        "libc-sendto-recvfrom" => Some("c-sendto-recvfrom"),
        "libc-sendmsg-recvmsg" => Some("c-sendmsg-recvmsg"),
        "libc-mmsg" => Some("c-mmsg"),
        "libc-gso" => Some("c-gso"),
        "libc-epoll" | "mio" | "tokio" => Some("c-epoll"),
        "io-uring" => Some("c-io-uring"),
        "io-uring-batch" => Some("c-io-uring-batch"),
        "libc-busy-poll" => Some("c-busy-poll"),
        _ => None,
    }
}

#[test]
fn json_follows_the_schema() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "200",
        "--warmup",
        "20",
        "--rounds",
        "4",
        "--mode",
        "same-thread,rtt",
        "--transport",
        "udp,unix",
    ]);

    assert_eq!(doc["socklab_version"], env!("CARGO_PKG_VERSION"));
    let env = &doc["env"];
    for k in [
        "kernel",
        "cpu_model",
        "virtualization",
        "clocksource",
        "pin",
        "started_at",
    ] {
        assert!(env[k].is_string(), "env.{k}: {env}");
    }
    assert!(env["cpus"].as_u64().unwrap() >= 1);
    assert_eq!(env["pin"], "same");
    assert_eq!(
        env["pin_by_mode"],
        serde_json::json!({"same-thread": "same", "rtt": "same"})
    );
    assert_eq!(
        doc["fits"],
        serde_json::json!([]),
        "one size: nothing to fit"
    );
    assert_documented(&doc);
    assert!(env["cpu_dma_latency"].is_null(), "not requested, so null");
    let started = env["started_at"].as_str().unwrap();
    assert!(started.len() == 20 && started.ends_with('Z') && &started[10..11] == "T");
    let m = &env["mitigations"];
    for k in ["spectre_v2", "spec_rstack_overflow", "retbleed", "cmdline"] {
        assert!(
            m[k].is_string() || m[k].is_null(),
            "env.mitigations.{k}: {m}"
        );
    }
    let read = |f: &str| {
        std::fs::read_to_string(f)
            .ok()
            .map(|s| s.trim().to_string())
    };
    let sysfs = read("/sys/devices/system/cpu/vulnerabilities/spectre_v2");
    assert_eq!(m["spectre_v2"].as_str().map(String::from), sysfs, "{m}");
    let cmdline = read("/proc/cmdline").unwrap_or_default();
    let word = cmdline
        .split_whitespace()
        .rfind(|w| w.starts_with("mitigations="));
    assert_eq!(m["cmdline"].as_str(), word, "{m}");
    assert!(env["trace"].is_null(), "no SOCKLAB_TRACE here");

    let rows = doc["rows"].as_array().expect("rows is an array");
    let mut seen = std::collections::BTreeSet::new();
    let median = |mode: &Value, transport: &Value, path: &str| {
        let row = rows
            .iter()
            .find(|r| r["mode"] == *mode && r["transport"] == *transport && r["path"] == path);
        row.map(|r| r["median_ns"].as_f64().unwrap())
    };
    for row in rows {
        let path = check_row(row);
        let (mode, transport) = (&row["mode"], &row["transport"]);
        let own = row["median_ns"].as_f64().unwrap();
        let ratio = |key: &str, to: Option<f64>| match to {
            Some(m) => {
                let got = row[key].as_f64().unwrap_or_else(|| panic!("{key}: {row}"));
                assert!((got - own / m).abs() < 1e-9, "{key}: {row}");
            }
            None => assert!(row[key].is_null(), "{key}: {row}"),
        };
        if !path.starts_with('c') {
            let twin = twin_of(&path, transport.as_str().unwrap());
            ratio(
                "ratio_to_twin",
                twin.and_then(|t| median(mode, transport, t)),
            );
        }
        ratio("ratio_to_floor", median(mode, transport, "c-inline"));
        let group = (row["mode"].to_string(), row["transport"].to_string());
        assert_eq!(row["size"], 64);
        assert_eq!(row["iters"], 200, "{row}");
        if path == "c" {
            assert_eq!(row["ratio_to_c"], 1.0, "{row}");
            assert_eq!(row["ratio_ci95"], serde_json::json!([1.0, 1.0]));
        } else {
            assert!(row["ratio_to_c"].as_f64().unwrap() > 0.0);
        }
        seen.insert((group, path));
    }
    for mode in ["same-thread", "rtt"] {
        for transport in ["udp", "unix"] {
            let group = (format!("{mode:?}"), format!("{transport:?}"));
            for path in [
                "c",
                "c-send-recv",
                "c-sendto-recvfrom",
                "c-sendmsg-recvmsg",
                "c-inline",
                "libc-read-write",
                "libc-send-recv",
                "libc-sendto-recvfrom",
                "libc-sendmsg-recvmsg",
                "std",
                "nix",
                "socket2",
                "rustix",
            ] {
                assert!(
                    seen.contains(&(group.clone(), path.to_string())),
                    "{mode} {transport} {path} missing"
                );
            }
        }
    }
    assert_eq!(
        rows.len(),
        seen.len(),
        "one row per mode, transport and path"
    );
}

#[test]
fn batch_rows_carry_the_batch_size() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "64",
        "--warmup",
        "8",
        "--rounds",
        "2",
        "--no-count",
        "--mode",
        "batch",
        "--batch",
        "8",
        "--transport",
        "unixdgram",
        "--paths",
        "c,libc-mmsg,rustix",
    ]);
    let rows = doc["rows"].as_array().unwrap();
    let paths: Vec<String> = rows.iter().map(check_row).collect();
    // c-send-recv and c-mmsg come with them: the twins of rustix and libc-mmsg.
    assert_eq!(paths, ["c", "c-send-recv", "c-mmsg", "libc-mmsg", "rustix"]);
    assert_eq!(rows[2]["batch"], 8);
    assert_eq!(rows[3]["batch"], 8);
    assert!(
        rows.iter().all(|r| r["syscalls_per_op"].is_null()),
        "--no-count"
    );
}

#[test]
fn counted_syscalls_are_per_op() {
    let _g = serial();
    if Command::new("strace").arg("-V").output().is_err() {
        common::skip("strace is not installed, syscalls_per_op would be null");
        return;
    }
    let (doc, err) = compare_json(&[
        "--iters",
        "100",
        "--warmup",
        "10",
        "--rounds",
        "2",
        "--no-nagle",
        "--mode",
        "same-thread,rtt",
        "--transport",
        "unixdgram",
    ]);
    if let Some(why) = err.lines().find(|l| l.contains("syscalls_per_op: null")) {
        common::skip(format_args!("strace could not trace here: {why}"));
        return;
    }
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        2 * 13,
        "every path but the mmsg pair, in two modes"
    );
    for row in rows {
        // write+read, sendto+recvfrom, sendmsg+recvmsg…: two calls per same-thread op, and
        // twice that per round trip (the echo thread's two count too; no thread start-up does).
        let want = if row["mode"] == "rtt" { 4.0 } else { 2.0 };
        assert_eq!(row["syscalls_per_op"], want, "{row}");
    }
}

/// The library under every mode, transport and path: a few ops each, then no fd left open
/// (the echo and sender threads are joined and their ends closed by `Slot::finish`). Each slot
/// runs on a thread of its own, as the io_uring paths keep a thread's rings until it ends.
#[test]
fn every_slot_runs_and_closes_its_fds() {
    let _g = serial();
    let before = open_fds();
    for mode in Mode::ALL {
        for t in Transport::ALL {
            if mode == Mode::Batch && t.is_stream() || mode == Mode::Syscall {
                continue;
            }
            for p in PathName::ALL {
                std::thread::spawn(move || one_slot(mode, t, p))
                    .join()
                    .unwrap_or_else(|_| panic!("{mode} {t} {p}: the slot's thread panicked"));
            }
        }
    }
    assert_eq!(open_fds(), before, "fds leaked");
}

/// [`every_slot_runs_and_closes_its_fds`]' check of one slot.
fn one_slot(mode: Mode, t: Transport, p: PathName) {
    let mut slot = match Slot::new(mode, t, 100, 4, p, Cpus::default()) {
        Ok(slot) => slot,
        Err(e) if p == PathName::CInline && !cfg!(target_arch = "x86_64") => {
            common::not_on_this_platform(format_args!("c-inline: {e}"));
            return;
        }
        Err(e) if p.only_in() == Some(Mode::Stream) && t != Transport::Udp => {
            assert_eq!(e.kind(), std::io::ErrorKind::Unsupported, "{t}: {e}");
            return;
        }
        Err(e) if !p.runs_in(mode) => {
            assert_eq!(e.kind(), std::io::ErrorKind::Unsupported, "{mode} {p}: {e}");
            return;
        }
        Err(e) if is_uring(p) && e.to_string().contains("io_uring_setup") => {
            common::not_on_this_platform(format_args!("{p}: {e}"));
            return;
        }
        Err(e) => panic!("{mode} {t} {p}: {e}"),
    };
    slot.run(20, true)
        .unwrap_or_else(|e| panic!("{mode} {t} {p}: {e}"));
    slot.rec.end_round();
    if mode == Mode::Stream {
        let got = slot.received;
        assert_eq!(slot.sent, 20, "{t} {p}");
        assert_eq!(slot.stream.len(), 1, "{t} {p}: one round");
        let round = slot.stream[0];
        assert_eq!((round.sent, round.received), (20, got), "{t} {p}");
        assert!(got == 20 || t == Transport::Udp, "{t} {p}: {got} of 20");
        assert!(got == 0 || round.ns_per_msg().unwrap() > 0.0, "{t} {p}");
    } else {
        let got = slot.rec.summary().count;
        assert!(got >= 20, "{mode} {t} {p}: {got}");
    }
    slot.finish()
        .unwrap_or_else(|e| panic!("{mode} {t} {p}: {e}"));
}

/// The paths that need io_uring (where `io_uring_setup` fails they are skipped, with its errno).
fn is_uring(p: PathName) -> bool {
    matches!(
        p,
        PathName::IoUring | PathName::IoUringBatch | PathName::CIoUring | PathName::CIoUringBatch
    )
}

/// Stream mode has a `c` row now (`sl_c_send_msg` / `sl_c_recv_msg`), so every row of the group
/// gets a `ratio_to_c`, on a stream and on a datagram transport.
#[test]
fn stream_mode_has_a_c_row() {
    let _g = serial();
    let (doc, err) = compare_json(&[
        "--iters",
        "100",
        "--warmup",
        "10",
        "--rounds",
        "2",
        "--no-count",
        "--no-nagle",
        "--mode",
        "stream",
        "--transport",
        "unix,unixdgram",
        "--paths",
        "c,libc-read-write",
    ]);
    let rows = doc["rows"].as_array().unwrap();
    let paths: Vec<String> = rows.iter().map(check_row).collect();
    assert_eq!(paths, ["c", "libc-read-write", "c", "libc-read-write"]);
    for row in rows {
        assert_eq!(row["mode"], "stream", "{row}");
        let ratio = row["ratio_to_c"].as_f64();
        assert!(ratio.is_some_and(|r| r > 0.0), "{row}");
        if row["path"] == "c" {
            assert_eq!(row["ratio_to_c"], 1.0, "{row}");
        }
    }
    assert!(!err.contains("no c row"), "{err}");
}

/// `--mode syscall`: rows without a transport, one per call and way, `ratio_to_floor` to the
/// inline row of the same call; socklab's sys has no getppid row.
#[test]
fn syscall_mode_rows() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "200",
        "--warmup",
        "10",
        "--rounds",
        "2",
        "--no-count",
        "--mode",
        "syscall",
    ]);
    let rows = doc["rows"].as_array().unwrap();
    let mut names = Vec::new();
    for row in rows {
        assert_eq!(row["mode"], "syscall", "{row}");
        assert!(row["transport"].is_null() && row["size"].is_null(), "{row}");
        assert!(row["median_ns"].as_f64().unwrap() > 0.0, "{row}");
        assert_eq!(row["syscalls_per_op"], 1.0, "{row}");
        let (call, path) = (row["call"].as_str().unwrap(), row["path"].as_str().unwrap());
        let floor = rows
            .iter()
            .find(|r| r["call"] == call && r["path"] == "c-inline")
            .map(|r| r["median_ns"].as_f64().unwrap());
        match floor {
            Some(f) => {
                let want = row["median_ns"].as_f64().unwrap() / f;
                assert!((row["ratio_to_floor"].as_f64().unwrap() - want).abs() < 1e-9);
            }
            None => assert!(row["ratio_to_floor"].is_null(), "{row}"),
        }
        names.push(format!("{call} {path}"));
    }
    let mut want = Vec::new();
    for call in ["getppid", "recv-eagain"] {
        for path in [
            "c-inline", "c-frame1", "c-frame2", "c-glibc", "libc", "rustix",
        ] {
            let inline = path.starts_with("c-") && path != "c-glibc";
            if (call, path) == ("getppid", "libc") || inline && !cfg!(target_arch = "x86_64") {
                continue;
            }
            want.push(format!("{call} {path}"));
        }
    }
    assert_eq!(names, want);
}

/// `libc-gso` in stream mode on UDP: a row with throughput and losses like every stream row,
/// and a note with its datagrams/s against libc-sendto-recvfrom and the GRO segment size; on
/// other transports it is skipped with a note.
#[test]
fn gso_stream_rows() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "2000",
        "--warmup",
        "100",
        "--rounds",
        "4",
        "--no-count",
        "--no-nagle",
        "--mode",
        "stream",
        "--transport",
        "udp,unix",
        "--size",
        "1400",
        "--paths",
        "libc-sendto-recvfrom,libc-gso",
    ]);
    let rows = doc["rows"].as_array().unwrap();
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r["transport"].as_str().unwrap(), check_row(r)))
        .collect();
    assert_eq!(
        names,
        [
            "udp c",
            "udp c-sendto-recvfrom",
            "udp c-gso",
            "udp libc-sendto-recvfrom",
            "udp libc-gso",
            "unix c",
            "unix c-sendto-recvfrom",
            "unix libc-sendto-recvfrom"
        ]
    );
    // Rounds hold at least 2048 send calls: 2000 asked over 4 rounds run as 4 × 2048 messages
    // of a per-message path, 4 × 2048 sends of 46 datagrams of 1400 B of a GSO path.
    assert_eq!(rows[3]["sent"], 4 * 2048, "{}", rows[3]);
    for gso in [&rows[2], &rows[4]] {
        assert!(gso["iters"].as_u64().unwrap() > 0, "{gso}");
        assert_eq!(gso["sent"], 4 * 2048 * 46, "{gso}");
    }
    let m = |i: usize| rows[i]["median_ns"].as_f64().unwrap();
    close(&rows[4]["ratio_to_twin"], m(4) / m(2), "libc-gso to c-gso");
    let out = socklab(&[
        "compare",
        "--iters",
        "2000",
        "--warmup",
        "100",
        "--rounds",
        "4",
        "--no-count",
        "--mode",
        "stream",
        "--transport",
        "udp",
        "--size",
        "64",
        "--paths",
        "libc-sendto-recvfrom,libc-gso",
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    for (gso, per_msg) in [
        ("libc-gso", "libc-sendto-recvfrom"),
        ("c-gso", "c-sendto-recvfrom"),
    ] {
        let note = table
            .lines()
            .find(|l| l.starts_with(&format!("note: {gso} udp 64 B:")))
            .unwrap_or_else(|| panic!("no {gso} note: {table}"));
        assert!(
            note.contains(&format!("datagrams/s vs {per_msg}")),
            "{note}"
        );
        assert!(
            note.contains("segment size 64 B"),
            "GRO coalesced nothing: {note}"
        );
    }
    assert!(
        table.lines().any(|l| l
            .starts_with("note: gso gain udp 64 B: libc-gso/libc-sendto-recvfrom")
            && l.contains("vs c-gso/c-sendto-recvfrom")),
        "{table}"
    );
}

/// `--paths` without `c` or the twins (the run a new user tries first) still gets both
/// ratios: `c` and each path's twin are measured beside it, and no "no c row" note.
#[test]
fn given_paths_get_c_and_their_twins() {
    let _g = serial();
    let (doc, err) = compare_json(&[
        "--iters",
        "300",
        "--warmup",
        "10",
        "--rounds",
        "3",
        "--no-count",
        "--no-nagle",
        "--mode",
        "stream,rtt",
        "--transport",
        "udp",
        "--paths",
        "libc-sendto-recvfrom,libc-gso",
    ]);
    let out = socklab(&[
        "compare",
        "--iters",
        "300",
        "--warmup",
        "10",
        "--rounds",
        "3",
        "--no-count",
        "--mode",
        "rtt",
        "--transport",
        "udp",
        "--paths",
        "libc-send-recv",
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(!table.contains("no c row"), "{table}");
    assert!(!err.contains("no c row"), "{err}");
    let rows = doc["rows"].as_array().unwrap();
    for row in rows {
        let path = check_row(row);
        assert!(row["ratio_to_c"].is_number(), "{row}");
        assert!(row["ratio_to_twin"].is_number(), "{path}: {row}");
    }
    let stream: Vec<&str> = rows
        .iter()
        .filter(|r| r["mode"] == "stream")
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        stream,
        [
            "c",
            "c-sendto-recvfrom",
            "c-gso",
            "libc-sendto-recvfrom",
            "libc-gso"
        ]
    );
}

/// Stream mode's default pinning gives the sender and the receiver a CPU each (on one CPU it
/// falls back to one, with a note); `--pin same` is still there, labelled as measuring the
/// scheduler too; the env block records the pinning of each mode.
#[test]
fn stream_pins_two_cpus_by_default() {
    let _g = serial();
    let args = [
        "--iters",
        "100",
        "--warmup",
        "10",
        "--rounds",
        "2",
        "--no-count",
        "--no-nagle",
        "--mode",
        "same-thread,stream",
        "--transport",
        "unixdgram",
        "--paths",
        "c",
    ];
    let cpus = socklab::sys::sched_getaffinity(0).unwrap().count();
    let (doc, _) = compare_json(&args);
    let env = &doc["env"];
    let stream_pin = if cpus >= 2 { "split" } else { "same" };
    assert_eq!(
        env["pin_by_mode"],
        serde_json::json!({"same-thread": "same", "stream": stream_pin})
    );
    assert_eq!(env["pin"], if cpus >= 2 { "per-mode" } else { "same" });
    let mut same = args.to_vec();
    same.extend(["--pin", "same"]);
    let (doc, _) = compare_json(&same);
    assert_eq!(
        doc["env"]["pin_by_mode"],
        serde_json::json!({"same-thread": "same", "stream": "same"})
    );
    assert_eq!(doc["env"]["pin"], "same");
    let mut all = vec!["compare"];
    all.extend(same);
    let out = socklab(&all);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("sender and receiver on one CPU: measures the scheduler too"),
        "{table}"
    );
    assert!(
        table.contains("note: stream: pin same puts the sender and the receiver on one CPU"),
        "{table}"
    );
    if cpus >= 2 {
        let mut one = vec![
            "-c",
            "0",
            env!("CARGO_BIN_EXE_socklab"),
            "compare",
            "--json",
        ];
        one.extend(args);
        match Command::new("taskset").args(&one).output() {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(doc["env"]["pin_by_mode"]["stream"], "same");
                assert_eq!(doc["env"]["cpus"], 1);
            }
            Err(e) => eprintln!("skipped the one-CPU fallback: taskset not runnable ({e})"),
        }
    }
}

/// `(intercept, slope, r²)` of the least-squares line through `points`, computed here
/// independently of `socklab::compare::fit`.
fn ols(points: &[(f64, f64)]) -> (f64, f64, f64) {
    let n = points.len() as f64;
    let (sx, sy): (f64, f64) = points
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    let sxx: f64 = points.iter().map(|p| p.0 * p.0).sum();
    let sxy: f64 = points.iter().map(|p| p.0 * p.1).sum();
    let b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    let a = (sy - b * sx) / n;
    let mean = sy / n;
    let tot: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let res: f64 = points.iter().map(|p| (p.1 - a - b * p.0).powi(2)).sum();
    (a, b, 1.0 - res / tot)
}

#[track_caller]
fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    let tol = 1e-6 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
}

/// `--size` with three sizes: one fit per mode, transport and path, `t = fixed + per_kib ×
/// size`, recomputed here from the rows it names; the table prints them with R².
#[test]
fn a_size_sweep_fits_cost_per_kib() {
    let _g = serial();
    let args = [
        "--iters",
        "300",
        "--warmup",
        "20",
        "--rounds",
        "3",
        "--no-count",
        "--no-nagle",
        "--mode",
        "same-thread,stream",
        "--transport",
        "unix",
        "--size",
        "64,1024,4096",
        "--paths",
        "libc-read-write",
    ];
    let (doc, _) = compare_json(&args);
    assert_documented(&doc);
    let rows = doc["rows"].as_array().unwrap();
    rows.iter().for_each(|r| drop(check_row(r)));
    let fits = doc["fits"].as_array().unwrap();
    let mut seen = Vec::new();
    for f in fits {
        assert_eq!(f["over"], "size", "{f}");
        assert_eq!(f["sizes"], serde_json::json!([64, 1024, 4096]), "{f}");
        let pts: Vec<(f64, f64)> = [64, 1024, 4096]
            .iter()
            .map(|&size| {
                let r = rows
                    .iter()
                    .find(|r| {
                        r["mode"] == f["mode"]
                            && r["transport"] == f["transport"]
                            && r["path"] == f["path"]
                            && r["size"] == size
                    })
                    .unwrap_or_else(|| panic!("no row of size {size} for {f}"));
                (f64::from(size) / 1024.0, r["median_ns"].as_f64().unwrap())
            })
            .collect();
        let (a, b, r2) = ols(&pts);
        close(&f["fixed_ns"], a, "fixed_ns");
        close(&f["per_kib_ns"], b, "per_kib_ns");
        close(&f["r2"], r2, "r2");
        match f["equal_at_bytes"].as_f64() {
            Some(x) => close(&f["equal_at_bytes"], 1024.0 * a / b, &format!("{x}")),
            None => assert!(a <= 0.0 || b <= 0.0, "{f}"),
        }
        seen.push(format!(
            "{} {}",
            f["mode"].as_str().unwrap(),
            f["path"].as_str().unwrap()
        ));
    }
    assert_eq!(
        seen,
        [
            "same-thread c",
            "same-thread libc-read-write",
            "stream c",
            "stream libc-read-write"
        ]
    );
    let mut all = vec!["compare"];
    all.extend(args);
    let table = String::from_utf8_lossy(&socklab(&all).stdout).into_owned();
    assert!(
        table.contains("cost per size: t(size) = fixed + per_kib × size"),
        "{table}"
    );
    assert!(table.contains("R²"), "{table}");
}

/// `--batch 1,4,16` in batch mode: one group, the batched paths once per batch size
/// (interleaved), the per-call paths once, and a fit per batched path of
/// `t = per_msg + per_call / batch`, recomputed here from its rows.
#[test]
fn a_batch_sweep_fits_cost_per_call() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "256",
        "--warmup",
        "16",
        "--rounds",
        "2",
        "--no-count",
        "--mode",
        "batch",
        "--transport",
        "udp",
        "--batch",
        "1,4,16",
        "--paths",
        "libc-mmsg,libc-sendto-recvfrom",
    ]);
    assert_documented(&doc);
    let rows = doc["rows"].as_array().unwrap();
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            let p = check_row(r);
            match r.get("batch") {
                Some(b) => format!("{p} {b}"),
                None => p,
            }
        })
        .collect();
    assert_eq!(
        names,
        [
            "c",
            "c-sendto-recvfrom",
            "c-mmsg 1",
            "c-mmsg 4",
            "c-mmsg 16",
            "libc-sendto-recvfrom",
            "libc-mmsg 1",
            "libc-mmsg 4",
            "libc-mmsg 16"
        ]
    );
    // libc-mmsg (n) is compared with c-mmsg (n).
    for i in 6..9 {
        let own = rows[i]["median_ns"].as_f64().unwrap();
        close(
            &rows[i]["ratio_to_twin"],
            own / rows[i - 4]["median_ns"].as_f64().unwrap(),
            "ratio_to_twin",
        );
    }
    let fits = doc["fits"].as_array().unwrap();
    let paths: Vec<&str> = fits.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["c-mmsg", "libc-mmsg"]);
    for f in fits {
        assert_eq!(
            (&f["over"], &f["size"]),
            (&"batch".into(), &64.into()),
            "{f}"
        );
        assert_eq!(f["batches"], serde_json::json!([1, 4, 16]), "{f}");
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r["path"] == f["path"])
            .map(|r| {
                let n = r["batch"].as_f64().unwrap();
                (1.0 / n, r["median_ns"].as_f64().unwrap())
            })
            .collect();
        let (a, b, r2) = ols(&pts);
        close(&f["per_msg_ns"], a, "per_msg_ns");
        close(&f["per_call_ns"], b, "per_call_ns");
        close(&f["r2"], r2, "r2");
        if a > 0.0 && b > 0.0 {
            close(&f["equal_at_batch"], b / a, "equal_at_batch");
        }
    }
}

/// Per-op syscall counts of every row of `cfg`, by name: `cfg`'s rows run by the `socklab`
/// binary as the count child (`SOCKLAB_COUNT_CHILD`) under `strace -f`, each row's window
/// counted as `socklab::compare::count` counts it. `None` when strace cannot trace here.
fn traced_calls(
    cfg: &socklab::compare::Config,
) -> Option<Vec<(String, std::collections::BTreeMap<String, f64>)>> {
    use socklab::compare::count;
    use std::io::{Read, Seek};
    let (mut file, path) = count::unnamed_trace_file().unwrap();
    let out = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&path)
        .arg(env!("CARGO_BIN_EXE_socklab"))
        .env(count::CHILD_ENV, count::encode(cfg))
        .output()
        .expect("strace runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        common::skip(format_args!("strace could not trace here: {err}"));
        return None;
    }
    let mut trace = String::new();
    file.rewind().unwrap();
    file.read_to_string(&mut trace).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows = stdout.lines().filter(|l| l.contains(" ops="));
    let windows = count::parse_trace(&trace);
    Some(
        rows.zip(windows)
            .map(|(line, w)| {
                let (key, ops) = line.rsplit_once(" ops=").unwrap();
                let ops: f64 = ops.parse().unwrap();
                let per_op = w.into_iter().map(|(k, n)| (k, n as f64 / ops)).collect();
                (key.to_string(), per_op)
            })
            .collect(),
    )
}

/// The event paths make the syscalls they claim, counted under strace, and each twin makes
/// the same ones: a same-thread pair is `sendto` + `recvfrom` (the data is queued before the
/// receive: no wait) or one `io_uring_enter`; a round trip is, on each side, `sendto` and a
/// `recvfrom` with one `epoll_wait` per receive that found nothing (tokio: at least one, as
/// the `EPOLLOUT` edge of its own send comes first) or one `io_uring_enter`; a batch of 32
/// pairs one `io_uring_enter`.
#[test]
fn event_paths_make_the_syscalls_they_claim() {
    let _g = serial();
    if Command::new("strace").arg("-V").output().is_err() {
        common::skip("strace is not installed (apt-get install strace)");
        return;
    }
    let cfg = socklab::compare::Config {
        modes: vec![Mode::SameThread, Mode::Rtt, Mode::Batch],
        transports: vec![Transport::Udp],
        path_groups: vec![socklab::compare::paths::PathGroup::Event],
        count_ops: 200,
        ..socklab::compare::Config::default()
    };
    let Some(rows) = traced_calls(&cfg) else {
        return;
    };
    let get = |key: &str| -> std::collections::BTreeMap<String, f64> {
        let row = rows.iter().find(|(k, _)| k == key);
        row.unwrap_or_else(|| panic!("no row {key:?} in {rows:?}"))
            .1
            .clone()
    };
    let calls = |m: &std::collections::BTreeMap<String, f64>| {
        m.iter()
            .map(|(k, v)| format!("{k}×{v:.2}"))
            .collect::<Vec<_>>()
            .join("+")
    };
    let exactly = |key: &str, want: &[(&str, f64)]| {
        let got = get(key);
        let want: std::collections::BTreeMap<String, f64> =
            want.iter().map(|&(k, v)| (k.to_string(), v)).collect();
        assert_eq!(got, want, "{key}: {}", calls(&got));
    };
    let uring = rows.iter().any(|(k, _)| k.ends_with(" io-uring"));
    for p in [
        "libc-epoll",
        "c-epoll",
        "mio",
        "tokio",
        "libc-busy-poll",
        "c-busy-poll",
    ] {
        exactly(
            &format!("same-thread udp 64 {p}"),
            &[("sendto", 1.0), ("recvfrom", 1.0)],
        );
    }
    for p in ["libc-busy-poll", "c-busy-poll"] {
        exactly(
            &format!("rtt udp 64 {p}"),
            &[("sendto", 2.0), ("recvfrom", 2.0)],
        );
    }
    for p in ["libc-epoll", "c-epoll", "mio", "tokio"] {
        let key = format!("rtt udp 64 {p}");
        let got = get(&key);
        let n = |name: &str| got.get(name).copied().unwrap_or(0.0);
        let names: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["epoll_wait", "recvfrom", "sendto"],
            "{key}: {}",
            calls(&got)
        );
        assert_eq!(n("sendto"), 2.0, "{key}: {}", calls(&got));
        // Each receive that found nothing (recvfrom beyond the two that got the data) waited
        // once (tokio: once or more).
        let empty = n("recvfrom") - 2.0;
        assert!(empty > 0.0 && empty <= 2.0, "{key}: {}", calls(&got));
        if p == "tokio" {
            assert!(n("epoll_wait") >= empty, "{key}: {}", calls(&got));
        } else {
            assert!(
                (n("epoll_wait") - empty).abs() < 1e-9,
                "{key}: {}",
                calls(&got)
            );
        }
    }
    if !uring {
        common::not_on_this_platform("io_uring_setup fails here: the io-uring rows were skipped");
        return;
    }
    for p in ["io-uring", "c-io-uring"] {
        exactly(
            &format!("same-thread udp 64 {p}"),
            &[("io_uring_enter", 1.0)],
        );
        exactly(&format!("rtt udp 64 {p}"), &[("io_uring_enter", 2.0)]);
    }
    for p in ["io-uring-batch", "c-io-uring-batch"] {
        exactly(
            &format!("batch udp 64 {p} batch=32"),
            &[("io_uring_enter", 1.0 / 32.0)],
        );
    }
}

/// `--paths event`: the event paths beside the blocking reference in same-thread and rtt,
/// io-uring-batch beside libc-mmsg in batch, each with its twin and its ratio to it, no stream
/// group; the schema's keys only; the notes say how each is set up.
#[test]
fn event_rows_follow_the_schema() {
    let _g = serial();
    let (doc, _) = compare_json(&[
        "--iters",
        "200",
        "--warmup",
        "20",
        "--rounds",
        "2",
        "--no-count",
        "--no-nagle",
        "--transport",
        "udp",
        "--paths",
        "event",
    ]);
    assert_documented(&doc);
    let rows = doc["rows"].as_array().unwrap();
    let median = |mode: &Value, path: &str| {
        let row = rows
            .iter()
            .find(|r| r["mode"] == *mode && r["path"] == path);
        row.map(|r| r["median_ns"].as_f64().unwrap())
    };
    let uring = rows.iter().any(|r| r["path"] == "io-uring");
    for row in rows {
        let path = check_row(row);
        if let Some(twin) = twin_of(&path, "udp") {
            let want = row["median_ns"].as_f64().unwrap() / median(&row["mode"], twin).unwrap();
            let got = row["ratio_to_twin"].as_f64().unwrap();
            assert!((got - want).abs() < 1e-9, "{row}");
        }
        if row["mode"] == "batch" && path.contains("io-uring") {
            assert_eq!(row["batch"], 32, "{row}");
        }
    }
    let paths = |mode: &str| -> Vec<&str> {
        let of_mode = rows.iter().filter(|r| r["mode"] == mode);
        of_mode.map(|r| r["path"].as_str().unwrap()).collect()
    };
    let mut per_call = vec![
        "c",
        "c-send-recv",
        "c-epoll",
        "c-io-uring",
        "c-busy-poll",
        "libc-send-recv",
        "libc-epoll",
        "mio",
        "tokio",
        "io-uring",
        "libc-busy-poll",
    ];
    let mut batch = vec![
        "c",
        "c-mmsg",
        "c-io-uring-batch",
        "libc-mmsg",
        "io-uring-batch",
    ];
    if !uring {
        common::not_on_this_platform("io_uring_setup fails here: the io-uring rows were skipped");
        per_call.retain(|p| !p.contains("io-uring"));
        batch.retain(|p| !p.contains("io-uring"));
    }
    assert_eq!(paths("same-thread"), per_call);
    assert_eq!(paths("rtt"), per_call);
    assert_eq!(paths("batch"), batch);
    assert!(
        paths("stream").is_empty(),
        "no event path runs in stream mode"
    );
}
