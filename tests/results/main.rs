//! What `socklab compare` keeps: the exports (JSON, CSV, Markdown, each parsed), baselines
//! saved and compared (a synthetic pair with a known change), `socklab report` over saved runs,
//! the SVG plot (parsed as XML), Ctrl-C ending a run with its finished groups, and every key
//! of the saved document in `docs/compare-schema.md`. No timing is asserted: the real runs are
//! tiny, the comparisons run on synthetic documents.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/schema.rs"]
mod schema;

mod docs;
mod exports;
mod interrupt;
mod plot;
mod report;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};

/// fd counting is process-wide and spawning the CLI opens pipes: every test here takes this lock.
static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// `socklab args`, run to its end.
pub fn socklab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(args)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("the socklab binary runs")
}

/// The arguments of a tiny real run: two groups of one mode, no strace count, no canary.
pub const TINY: [&str; 12] = [
    "compare",
    "--iters",
    "200",
    "--warmup",
    "20",
    "--rounds",
    "4",
    "--mode",
    "same-thread",
    "--transport",
    "udp,unix",
    "--no-count",
];

/// Expects exit 2, no stdout, and one stderr line holding each of `needles`.
#[track_caller]
pub fn bad_input(args: &[&str], needles: &[&str]) {
    let out = socklab(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err:?} lacks {n:?}");
    }
}

/// A row of a synthetic saved document: `path`'s median and its per-round ratios to `c`
/// (`ratio_to_c` their median, `ratio_ci95` their range).
pub fn row(mode: &str, transport: &str, path: &str, median_ns: f64, rounds: &[f64]) -> Value {
    let mut sorted = rounds.to_vec();
    sorted.sort_by(f64::total_cmp);
    let ratio = sorted[sorted.len() / 2];
    let twin = if path.starts_with('c') {
        Some(1.0)
    } else {
        None
    };
    json!({
        "mode": mode, "transport": transport, "path": path, "size": 64, "iters": 20000,
        "median_ns": median_ns, "p99_ns": median_ns * 1.5, "p999_ns": median_ns * 3.0,
        "min_ns": median_ns * 0.9, "ratio_to_c": ratio,
        "ratio_ci95": [sorted[0], sorted[sorted.len() - 1]], "ratio_to_twin": twin,
        "ratio_to_floor": null, "syscalls_per_op": 4.0, "round_ratios": rounds,
        "calls": "sendto+recvfrom"
    })
}

/// A synthetic saved document measured on `kernel` with `rows`.
pub fn document(kernel: &str, started_at: &str, rows: Vec<Value>) -> Value {
    json!({
        "socklab_version": "0.1.0",
        "env": {
            "kernel": kernel, "cpu_model": "Test CPU", "cpus": 2, "virtualization": "none",
            "clocksource": "tsc", "pin": "same", "pin_by_mode": {"rtt": "same"},
            "cpu_dma_latency": null, "started_at": started_at, "cpu_steal_pct": 0.0,
            "trace": null,
            "mitigations": {"spectre_v2": "Mitigation: Retpolines", "spec_rstack_overflow": null,
                            "retbleed": null, "cmdline": null}
        },
        "rows": rows,
        "fits": [],
        "harness_overhead_ns": 30.0,
        "notes": []
    })
}

/// `n` per-round ratios scattered ±1% around `centre` (a fixed pattern, no randomness).
pub fn rounds(centre: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| centre * (1.0 + 0.01 * ((i % 5) as f64 - 2.0) / 2.0))
        .collect()
}

/// Writes `doc` to `dir/name` and returns the path as text.
pub fn write_doc(dir: &Path, name: &str, doc: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    p.to_str().unwrap().to_string()
}
