//! `socklab::compare::count` from a program that is not `socklab`: this test binary calls
//! [`child_entry`] first thing in `main`, so the count re-executes it as the traced child (no
//! CLI flags, no binary name involved). Also: the trace file has no name, so a count leaves
//! nothing in the temp directory, neither when it finishes nor when SIGINT ends it mid-way.
//!
//! `harness = false` (see Cargo.toml): libtest's `main` would not call `child_entry`.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use socklab::compare::count::{self, child_entry};
use socklab::compare::paths::{PathName, Transport};
use socklab::compare::{Config, Mode};

#[path = "common/mod.rs"]
mod common;
use common::skip;
use socklab::sys::signal::{sigaction, SigAction, SIGINT};

/// Set in the re-executed copy of this binary that plays the program being interrupted.
const PARENT_ROLE: &str = "SOCKLAB_COUNT_TEST_PARENT";

/// Set to play a program that forgot to call `child_entry`.
const NO_ENTRY: &str = "SOCKLAB_COUNT_TEST_NO_ENTRY";

fn main() {
    if std::env::var_os(NO_ENTRY).is_none() {
        child_entry(); // the traced child of a count runs its rows here and exits
    }
    if let Some(ops) = std::env::var_os(PARENT_ROLE) {
        let ops = ops.to_str().and_then(|s| s.parse().ok()).expect("a count");
        let r = count::count(&small(ops));
        println!("{r:?}");
        return;
    }
    if Command::new("strace").arg("-V").output().is_err() {
        skip("strace is not installed (apt-get install strace)");
        return;
    }
    let tests: [(&str, fn()); 3] = [
        (
            "a_program_without_child_entry_is_told",
            a_program_without_child_entry_is_told,
        ),
        (
            "counts_from_a_binary_not_named_socklab",
            counts_from_a_program_not_named_socklab,
        ),
        (
            "sigint_mid_count_leaves_nothing_behind",
            sigint_mid_count_leaves_nothing_behind,
        ),
    ];
    for (name, test) in tests {
        eprintln!("test {name} ...");
        test();
        eprintln!("test {name} ... ok");
    }
}

/// Same-thread UDP, the C floor and libc send/recv, `ops` ops per row.
fn small(ops: u64) -> Config {
    Config {
        modes: vec![Mode::SameThread],
        transports: vec![Transport::Udp],
        paths: vec![PathName::C, PathName::LibcSendRecv],
        count_ops: ops,
        ..Config::default()
    }
}

/// A fresh, empty directory for `TMPDIR`.
fn fresh_tmpdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("socklab-count-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    dir
}

/// The names in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// The test binary's file name does not start with `socklab`, which the count used to refuse.
fn counts_from_a_program_not_named_socklab() {
    let exe = std::env::current_exe().unwrap();
    assert!(!exe
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("socklab"));
    let tmp = fresh_tmpdir("ok");
    // The count itself runs in a copy of this binary so its TMPDIR can be a fresh directory.
    let out = Command::new(&exe)
        .env(PARENT_ROLE, "200")
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if stdout.contains("strace run failed") {
        skip(format_args!("strace could not trace here: {stdout}"));
        return;
    }
    // write+read and send+recv (glibc: sendto+recvfrom): two calls per same-thread op.
    assert!(stdout.starts_with("Ok(["), "{stdout}");
    for (key, calls) in [
        ("same-thread udp 64 c", "read+write"),
        ("same-thread udp 64 libc-send-recv", "recvfrom+sendto"),
    ] {
        let row = format!("key: {key:?}, per_op: 2.0, calls: {calls:?}");
        assert!(stdout.contains(&row), "{row} not in {stdout}");
    }
    assert_eq!(entries(&tmp), Vec::<String>::new(), "the count left files");
    std::fs::remove_dir(&tmp).unwrap();
}

/// The pids of the processes in process group `pgid`, with their command names.
fn group(pgid: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp …: comm may hold spaces, so split after the last ')'.
        let (head, rest) = stat.rsplit_once(')').unwrap();
        let comm = head.split_once('(').unwrap().1.to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid) && fields[0] != "Z" {
            out.push((pid, comm));
        }
    }
    out
}

/// SIGINT to the whole process group (as Ctrl-C sends it) while strace writes the trace: the
/// program dies of it, strace and the traced child go too, and the temp directory stays empty
/// before, during and after (the old `/tmp/socklab-count-<pid>.trace` stayed behind).
///
/// The child is given SIGINT's default action first, as a terminal's foreground job has it: a
/// shell without job control starts a background job with SIGINT ignored, the child inherits
/// that through exec, and the SIGINT would then end nothing (the run waited forever for it).
fn sigint_mid_count_leaves_nothing_behind() {
    sigaction(SIGINT, SigAction::Default).unwrap();
    let tmp = fresh_tmpdir("sigint");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(PARENT_ROLE, "100000000") // far more ops than the test waits for
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Wait until strace and its tracee both run, and the tracee has had time to trace.
    while group(pgid).len() < 3 {
        if let Some(st) = child.try_wait().unwrap() {
            skip(format_args!(
                "the count ended before it could be interrupted ({st})"
            ));
            return;
        }
        assert!(
            Instant::now() < deadline,
            "strace never started: {:?}",
            group(pgid)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let running = group(pgid);
    assert!(running.iter().any(|(_, c)| c == "strace"), "{running:?}");
    assert_eq!(
        entries(&tmp),
        Vec::<String>::new(),
        "a named file while counting"
    );

    let kill = Command::new("kill")
        .args(["-INT", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(kill.success());
    let st = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() >= deadline {
            let left = group(pgid);
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
            let _ = child.wait();
            panic!("the count did not end after SIGINT: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(st.signal(), Some(libc::SIGINT), "{st}");
    while !group(pgid).is_empty() {
        assert!(Instant::now() < deadline, "left running: {:?}", group(pgid));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        entries(&tmp),
        Vec::<String>::new(),
        "SIGINT left files behind"
    );
    std::fs::remove_dir(&tmp).unwrap();
}

/// A program that does not call `child_entry`: its re-executed copy runs its usual `main` under
/// strace, whose `count` refuses to recurse; the parent says what is missing.
fn a_program_without_child_entry_is_told() {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(PARENT_ROLE, "10")
        .env(NO_ENTRY, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    if stdout.contains("strace run failed") {
        skip(format_args!("strace could not trace here: {stdout}"));
        return;
    }
    let want = "the child did not count: this program does not call \
                socklab::compare::count::child_entry() first thing in main";
    assert_eq!(stdout.trim(), format!("Err({want:?})"));
}
