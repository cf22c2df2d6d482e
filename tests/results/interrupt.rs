//! Ctrl-C in `socklab compare`: SIGINT sent to a running child once its first group has ended
//! (it announces each group on stderr); it prints and exports the groups it finished, marked
//! incomplete, and exits 130. The test waits on the child's own output, never on a clock.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::Value;
use socklab::sys::signal::{kill, SIGINT};

use crate::serial;

#[test]
fn ctrl_c_prints_the_finished_groups_marked_incomplete() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("cut.json");
    // Many groups of many rounds: the run is far from its end when the second group starts.
    let mut child = Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args([
            "compare",
            "--mode",
            "same-thread,rtt",
            "--iters",
            "200000",
            "--rounds",
            "200",
        ])
        .args(["--no-count", "--export-json", json.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("compare ended before its second group: {seen}");
        }
        seen.push_str(&line);
        // `[2/8] ...`: the first group is measured and its rows kept.
        if line.starts_with("[2/") {
            break;
        }
    }
    kill(child.id() as i32, SIGINT).unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "stderr: {seen}{rest}");
    // The table: the groups it finished (the first at least), then the mark.
    assert!(out.contains("same-thread tcp 64 B"), "{out}");
    assert!(out.contains("INCOMPLETE: interrupted in "), "{out}");
    // The export: the same rows, marked; as many groups as the mark says were measured.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let why = doc["incomplete"].as_str().unwrap();
    assert!(why.starts_with("interrupted in "), "{doc}");
    let rows = doc["rows"].as_array().unwrap();
    let mut groups: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r["mode"].to_string(), r["transport"].to_string()))
        .collect();
    groups.dedup();
    assert!(!groups.is_empty());
    assert!(
        why.contains(&format!(": {} of 8 groups measured", groups.len())),
        "{why} {groups:?}"
    );
    for (mode, transport) in &groups {
        let title = format!(
            "{} {} 64 B",
            mode.trim_matches('"'),
            transport.trim_matches('"')
        );
        assert!(out.contains(&title), "{title} not in the table: {out}");
    }
    assert_eq!(out.matches(" 64 B (one op").count(), groups.len(), "{out}");
    crate::schema::assert_documented(&doc);
}
