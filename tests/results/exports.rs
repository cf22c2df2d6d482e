//! `--export-json`, `--export-csv`, `--export-markdown` and `--plot` together with the table on
//! stdout, each file parsed; the baseline saved by one run and compared by the next.

use serde_json::Value;

use crate::common::open_fds;
use crate::{bad_input, serial, socklab, TINY};

/// The cells of a GFM table line (`| a | b |`), `None` for a line that is not one.
fn cells(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    let inner = t.strip_prefix('|')?.strip_suffix('|')?;
    // Split on pipes not escaped as `\|`.
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    Some(out.into_iter().map(|c| c.trim().to_string()).collect())
}

/// Every table of a Markdown document is a valid GFM table: a head, a delimiter row with as
/// many cells (`---` or `---:`), rows with as many cells; returns the tables' heads.
#[track_caller]
fn markdown_tables(md: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = md.lines().collect();
    let mut heads = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(head) = cells(lines[i]) else {
            i += 1;
            continue;
        };
        let rule = cells(lines[i + 1]).expect("a table's head is followed by its delimiter row");
        assert_eq!(rule.len(), head.len(), "delimiter row of {head:?}");
        assert!(rule.iter().all(|c| c == "---" || c == "---:"), "{rule:?}");
        i += 2;
        while i < lines.len() {
            match cells(lines[i]) {
                Some(row) => assert_eq!(row.len(), head.len(), "row {:?} of {head:?}", lines[i]),
                None => break,
            }
            i += 1;
        }
        heads.push(head);
    }
    heads
}

#[test]
fn every_export_at_once_parses() {
    let _g = serial();
    let fds = open_fds();
    let dir = tempfile::tempdir().unwrap();
    let f = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (json, csv, md, svg) = (f("run.json"), f("run.csv"), f("run.md"), f("run.svg"));
    let mut args = TINY.to_vec();
    args.extend([
        "--export-json",
        &json,
        "--export-csv",
        &csv,
        "--export-markdown",
        &md,
        "--plot",
        &svg,
    ]);
    let out = socklab(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("same-thread udp 64 B") && table.contains("what same-thread says:"));

    // JSON: the --json keys plus the saved ones.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        2 * 13,
        "13 paths in each of two groups: {rows:?}"
    );
    for r in rows {
        let rounds = r["round_ratios"].as_array().expect("round_ratios kept");
        assert_eq!(rounds.len(), 4, "one ratio per round: {r}");
        if r["path"] == "c" {
            assert!(rounds.iter().all(|x| x == 1.0), "{r}");
        }
        assert!(r["calls"].is_string(), "{r}");
    }
    assert!(doc["notes"].is_array());
    assert!(doc.get("incomplete").is_none(), "a whole run is not marked");
    crate::schema::assert_documented(&doc);

    // CSV: the header, one record per row, numbers where the row has them.
    let mut rdr = csv::Reader::from_path(&csv).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, socklab::compare::report::CSV_HEADER);
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    drop(rdr);
    assert_eq!(records.len(), rows.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (rec, row) in records.iter().zip(rows) {
        assert_eq!(rec.len(), header.len());
        assert_eq!(rec[col("path")], *row["path"].as_str().unwrap());
        let median: f64 = rec[col("median_ns")].parse().unwrap();
        assert_eq!(median, row["median_ns"].as_f64().unwrap());
        let ratio: f64 = rec[col("ratio_to_c")].parse().unwrap();
        assert_eq!(ratio, row["ratio_to_c"].as_f64().unwrap());
        assert!(rec[col("ratio_change")].is_empty(), "no baseline: empty");
    }

    // Markdown: valid tables, one per group with the table's columns, the env block.
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.starts_with("# socklab "), "{md}");
    let heads = markdown_tables(&md);
    let groups: Vec<&Vec<String>> = heads.iter().filter(|h| h[0] == "path").collect();
    assert_eq!(groups.len(), 2, "{heads:?}");
    for h in groups {
        for c in [
            "median ns",
            "ratio",
            "ci95",
            "twin",
            "floor",
            "sys/op",
            "calls",
        ] {
            assert!(h.iter().any(|x| x == c || x.starts_with(c)), "{c} in {h:?}");
        }
    }
    assert!(md.contains("**what same-thread says:**") && md.contains("**columns:**"));

    // The plot: an SVG document (parsed in plot.rs's tests).
    let svg = std::fs::read_to_string(&svg).unwrap();
    roxmltree::Document::parse(&svg).expect("the plot is well-formed XML");
    assert_eq!(open_fds(), fds);
}

/// One unit per time column: every cell under a `median µs` head is a bare number.
#[test]
fn the_table_has_one_unit_per_column_and_a_legend() {
    let _g = serial();
    let out = socklab(&TINY);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for unit in ["ns", "µs", "ms"] {
        for line in table
            .lines()
            .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_lowercase()))
        {
            // A row's cells carry no unit of their own (the head names it).
            let cells: Vec<&str> = line.split_whitespace().collect();
            assert!(
                !cells.iter().skip(1).any(|c| c.len() > unit.len()
                    && c.ends_with(unit)
                    && c[..c.len() - unit.len()].parse::<f64>().is_ok()),
                "a unit inside a cell: {line}"
            );
        }
    }
    for head in [
        "median, p99, p99.9, min:",
        "ratio:",
        "ci95:",
        "twin:",
        "floor:",
        "sys/op:",
        "calls:",
    ] {
        assert!(table.contains(head), "legend lacks {head}");
    }
    assert!(table.contains("wider than 10% of the ratio"));
}

#[test]
fn a_baseline_is_saved_then_compared() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let mut save = TINY.to_vec();
    save.extend(["--baseline-dir", d, "--save-baseline", "before"]);
    let out = socklab(&save);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("saved baseline before:"), "{err}");
    let saved = dir.path().join("before.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(
        doc["rows"][0]["round_ratios"].is_array(),
        "a baseline keeps the rounds"
    );

    let export = dir.path().join("after.json");
    let mut cmp = TINY.to_vec();
    cmp.extend(["--baseline-dir", d, "--baseline", "before"]);
    cmp.extend(["--export-json", export.to_str().unwrap()]);
    let out = socklab(&cmp);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("compared with baseline before:"), "{table}");
    assert!(
        table.contains("Δratio") && table.contains("Δmedian"),
        "{table}"
    );
    assert!(table.contains("vs baseline before:"), "{table}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(doc["baseline"]["name"], "before");
    for r in doc["rows"].as_array().unwrap() {
        let vs = &r["vs_baseline"];
        assert!(
            vs["ratio_change"].is_number() && vs["median_change"].is_number(),
            "{r}"
        );
        assert_eq!(
            vs["ratio_change_ci95"].as_array().map(Vec::len),
            Some(2),
            "{r}"
        );
        if r["path"] == "c" {
            assert_eq!(vs["ratio_change"], 0.0, "c against c: {r}");
            assert!(vs["flag"].is_null(), "{r}");
        }
    }
    crate::schema::assert_documented(&doc);

    // A name that is no file name, a baseline that does not exist: exit 2, one line.
    bad_input(
        &["compare", "--save-baseline", "../up"],
        &["--save-baseline", "not a baseline name"],
    );
    bad_input(
        &["compare", "--baseline-dir", d, "--baseline", "nosuch"],
        &["--baseline", "nosuch", "--save-baseline nosuch"],
    );
}

#[test]
fn an_unwritable_export_is_refused_before_the_run() {
    let _g = serial();
    bad_input(
        &["compare", "--export-csv", "/nonexistent-dir/x.csv"],
        &["--export-csv", "/nonexistent-dir/x.csv"],
    );
}
