//! `socklab report` over synthetic saved runs: one re-rendered, two side by side (rows matched,
//! env blocks in columns), a known change flagged and one within the noise not; the same pair
//! through the library's `baseline::Comparison`.

use serde_json::Value;

use crate::{bad_input, document, rounds, row, serial, socklab, write_doc};

/// Run A: c, libc-send-recv at 1.00, rustix at 1.00, std at 0.98; run B (another kernel):
/// rustix 10% slower relative to c, libc-send-recv 0.5% (within the ±2% noise), std missing,
/// nix new.
fn pair(dir: &std::path::Path) -> (String, String) {
    let a = document(
        "6.1.0-a",
        "2026-01-01T00:00:00Z",
        vec![
            row("rtt", "udp", "c", 10_000.0, &rounds(1.0, 50)),
            row("rtt", "udp", "libc-send-recv", 10_000.0, &rounds(1.0, 50)),
            row("rtt", "udp", "rustix", 10_000.0, &rounds(1.0, 50)),
            row("rtt", "udp", "std", 9_800.0, &rounds(0.98, 50)),
        ],
    );
    let b = document(
        "6.18.0-b",
        "2026-02-01T00:00:00Z",
        vec![
            row("rtt", "udp", "c", 13_000.0, &rounds(1.0, 50)),
            row("rtt", "udp", "libc-send-recv", 13_070.0, &rounds(1.005, 50)),
            row("rtt", "udp", "rustix", 14_300.0, &rounds(1.10, 50)),
            row("rtt", "udp", "nix", 13_000.0, &rounds(1.0, 50)),
        ],
    );
    (write_doc(dir, "a.json", &a), write_doc(dir, "b.json", &b))
}

/// The text line of `path` in the side-by-side table.
fn line_of<'a>(table: &'a str, path: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(path))
        .unwrap_or_else(|| panic!("no {path} line in {table}"))
}

#[test]
fn two_runs_side_by_side_flag_only_the_known_change() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(dir.path());
    let out = socklab(&["report", &a, &b]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let t = String::from_utf8(out.stdout).unwrap();
    // The env blocks side by side: one line per item, both runs' values on it.
    let kernel = t
        .lines()
        .find(|l| l.trim_start().starts_with("kernel"))
        .unwrap();
    assert!(
        kernel.contains("6.1.0-a") && kernel.contains("6.18.0-b"),
        "{kernel}"
    );
    let file = t
        .lines()
        .find(|l| l.trim_start().starts_with("file"))
        .unwrap();
    assert!(file.contains("a.json") && file.contains("b.json"), "{file}");
    // Rows matched: rustix's 10% rise flagged, libc-send-recv's 0.5% not, std only in A, nix
    // only in B.
    let rustix = line_of(&t, "rustix");
    assert!(rustix.contains("▲ +10.0%"), "{rustix}");
    let libc = line_of(&t, "libc-send-recv");
    assert!(
        libc.contains("+0.5%") && !libc.contains('▲') && !libc.contains('▼'),
        "{libc}"
    );
    assert!(line_of(&t, "c").contains("+0.0%"), "c against c");
    let nix = line_of(&t, "nix");
    assert!(nix.contains("new"), "{nix}");
    let std = line_of(&t, "std");
    assert!(
        std.split_whitespace().filter(|c| *c == "-").count() >= 3,
        "{std}"
    );
    // The medians moved 30% (another machine): shown, not flagged.
    assert!(libc.contains("+30.7%"), "{libc}");
    assert!(t.contains("1 of 3 ratios to c moved beyond ±2%"), "{t}");
    assert!(t.contains("1 rows of A are not in it"), "{t}");

    // Markdown of the same: valid tables.
    let out = socklab(&["report", "--format", "markdown", &a, &b]);
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.lines()
            .any(|l| l.starts_with("| kernel | 6.1.0-a | 6.18.0-b |")),
        "{md}"
    );
}

#[test]
fn the_library_flags_a_known_change_and_not_the_noise() {
    use socklab::compare::baseline::{Comparison, Flag};
    use socklab::compare::saved;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(dir.path());
    let (a, b) = (
        saved::read(a.as_ref()).unwrap(),
        saved::read(b.as_ref()).unwrap(),
    );
    let c = Comparison::new(&b, &a, "A", 0.02);
    let by_path = |p: &str| {
        let i = b.rows.iter().position(|r| r.path.name() == p).unwrap();
        c.changes[i]
    };
    let rustix = by_path("rustix").unwrap();
    assert_eq!(rustix.flag, Some(Flag::Slower));
    let (x, ci) = rustix.ratio.unwrap();
    let [lo, hi] = ci.unwrap();
    assert!(
        (x - 0.10).abs() < 1e-9 && lo > 0.02 && lo <= x && x <= hi,
        "{x} {lo} {hi}"
    );
    let libc = by_path("libc-send-recv").unwrap();
    assert_eq!(libc.flag, None, "0.5% is within ±2%: {libc:?}");
    assert!(by_path("nix").is_none(), "not in the baseline");
    assert_eq!(c.unmatched, ["rtt udp 64 B std"]);
    // The same change, run against itself reversed: faster.
    let back = Comparison::new(&a, &b, "B", 0.02);
    let i = a
        .rows
        .iter()
        .position(|r| r.path.name() == "rustix")
        .unwrap();
    assert_eq!(back.changes[i].unwrap().flag, Some(Flag::Faster));
}

#[test]
fn one_run_re_renders_in_every_format() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = pair(dir.path());
    let out = socklab(&["report", &a]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(
        t.contains("rtt udp 64 B (one op = one round trip; times in ns)"),
        "{t}"
    );
    let kernel = t
        .lines()
        .find(|l| l.trim_start().starts_with("kernel"))
        .unwrap();
    assert!(kernel.ends_with(" 6.1.0-a"), "{kernel}");
    let out = socklab(&["report", "--format", "json", &a]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 4);
    assert_eq!(doc["rows"][2]["round_ratios"].as_array().unwrap().len(), 50);
    let out = socklab(&["report", "--format", "csv", &a]);
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(rdr.records().count(), 4);

    bad_input(
        &["report", "--format", "csv", &a, &a],
        &["--format", "table, markdown"],
    );
    bad_input(
        &["report", "--format", "yaml", &a],
        &["--format", "table, markdown, csv, json"],
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"rows\": 3}").unwrap();
    bad_input(
        &["report", junk.to_str().unwrap()],
        &["junk.json", "not a socklab compare document"],
    );
    bad_input(&["report", "/nonexistent.json"], &["/nonexistent.json"]);
}
