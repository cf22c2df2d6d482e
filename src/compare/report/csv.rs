//! `--export-csv`: one record per row (the syscall rows too), the schema's row keys as columns
//! with `ratio_ci95` split in two, the raw numbers (ns, no unit chosen), an empty field for
//! null; then `wide_ci`, `calls` and, against a baseline, the change columns (empty without
//! one, so the header is the same for every run). Written with the csv crate.

use serde::Serialize;

use super::super::comparison::Comparison;
use super::super::{Mode, Report};
use super::is_wide;

/// The columns, in the order of each record's fields (`docs/compare-schema.md`, "CSV").
pub const HEADER: [&str; 28] = [
    "mode",
    "transport",
    "call",
    "path",
    "size",
    "batch",
    "iters",
    "median_ns",
    "p99_ns",
    "p999_ns",
    "min_ns",
    "ratio_to_c",
    "ratio_ci95_lo",
    "ratio_ci95_hi",
    "ratio_to_twin",
    "ratio_to_floor",
    "syscalls_per_op",
    "msgs_per_s",
    "mbit_s",
    "sent",
    "lost",
    "wide_ci",
    "calls",
    "ratio_change",
    "ratio_change_ci95_lo",
    "ratio_change_ci95_hi",
    "median_change",
    "flag",
];

/// One CSV record; field order is column order ([`HEADER`]).
#[derive(Serialize)]
struct Record<'a> {
    mode: &'a str,
    transport: &'a str,
    call: &'a str,
    path: &'a str,
    size: Option<usize>,
    batch: Option<usize>,
    iters: u64,
    median_ns: Option<f64>,
    p99_ns: Option<f64>,
    p999_ns: Option<f64>,
    min_ns: Option<f64>,
    ratio_to_c: Option<f64>,
    ratio_ci95_lo: Option<f64>,
    ratio_ci95_hi: Option<f64>,
    ratio_to_twin: Option<f64>,
    ratio_to_floor: Option<f64>,
    syscalls_per_op: Option<f64>,
    msgs_per_s: Option<f64>,
    mbit_s: Option<f64>,
    sent: Option<u64>,
    lost: Option<u64>,
    wide_ci: bool,
    calls: &'a str,
    ratio_change: Option<f64>,
    ratio_change_ci95_lo: Option<f64>,
    ratio_change_ci95_hi: Option<f64>,
    median_change: Option<f64>,
    flag: &'a str,
}

/// The CSV of `r` (compared with a baseline when `vs` is given).
pub fn csv(r: &Report, vs: Option<&Comparison>) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    // The header is written even for a run with no row (Ctrl-C before the first group ended).
    let _ = w.write_record(HEADER);
    let nan_none = |x: f64| x.is_finite().then_some(x);
    for (i, row) in r.rows.iter().enumerate() {
        let s = &row.summary;
        let ch = vs.and_then(|c| c.changes.get(i)).and_then(Option::as_ref);
        let ratio = ch.and_then(|c| c.ratio);
        let ci = ratio.and_then(|(_, ci)| ci);
        let _ = w.serialize(Record {
            mode: row.mode.name(),
            transport: row.transport.name(),
            call: "",
            path: row.path.name(),
            size: Some(row.size),
            batch: row.batch,
            iters: s.count,
            median_ns: nan_none(s.median_ns),
            p99_ns: nan_none(s.p99_ns),
            p999_ns: nan_none(s.p999_ns),
            min_ns: nan_none(s.min_ns),
            ratio_to_c: row.ratio_to_c,
            ratio_ci95_lo: row.ratio_ci95.map(|c| c[0]),
            ratio_ci95_hi: row.ratio_ci95.map(|c| c[1]),
            ratio_to_twin: row.ratio_to_twin,
            ratio_to_floor: row.ratio_to_floor,
            syscalls_per_op: row.syscalls_per_op,
            msgs_per_s: row.msgs_per_s,
            mbit_s: row.mbit_s,
            sent: row.sent,
            lost: row.lost,
            wide_ci: is_wide(row.ratio_ci95, row.ratio_to_c),
            calls: &row.calls,
            ratio_change: ratio.map(|(x, _)| x),
            ratio_change_ci95_lo: ci.map(|c| c[0]),
            ratio_change_ci95_hi: ci.map(|c| c[1]),
            median_change: ch.and_then(|c| nan_none(c.median)),
            flag: ch.and_then(|c| c.flag).map_or("", |f| f.name()),
        });
    }
    for row in &r.syscall_rows {
        let s = &row.summary;
        let _ = w.serialize(Record {
            mode: Mode::Syscall.name(),
            transport: "",
            call: row.call.name(),
            path: row.path.name(),
            size: None,
            batch: None,
            iters: s.count,
            median_ns: nan_none(s.median_ns),
            p99_ns: nan_none(s.p99_ns),
            p999_ns: nan_none(s.p999_ns),
            min_ns: nan_none(s.min_ns),
            ratio_to_c: None,
            ratio_ci95_lo: None,
            ratio_ci95_hi: None,
            ratio_to_twin: None,
            ratio_to_floor: row.ratio_to_floor,
            syscalls_per_op: Some(1.0),
            msgs_per_s: None,
            mbit_s: None,
            sent: None,
            lost: None,
            wide_ci: false,
            calls: "",
            ratio_change: None,
            ratio_change_ci95_lo: None,
            ratio_change_ci95_hi: None,
            median_change: None,
            flag: "",
        });
    }
    // Writing into a Vec cannot fail, and every field is text or a number.
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
