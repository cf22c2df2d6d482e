//! A run as a JSON document (`docs/compare-schema.md`), written with serde_json and read back.
//!
//! Two forms of one document: [`Form::Json`] is what `socklab compare --json` prints, the keys
//! of the schema and no more; [`Form::Saved`] is what `--export-json` and `--save-baseline`
//! write: the same keys in the same order, plus what a later reader needs to re-render the run
//! and compare another with it — each row's per-round ratios to `c` (`round_ratios`) and the
//! syscalls it made (`calls`), the run's `notes` — and, when the run was compared with a
//! baseline, that comparison (`baseline`, each row's `vs_baseline`). [`parse`] and [`read`] take
//! either form back into a [`Report`] (the fits are recomputed from the rows: they are a pure
//! function of them); `socklab report` and `--baseline` read them so.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

use super::comparison::{Change, Comparison};
use super::env::{Env, Mitigations};
use super::fit::{self, Fit, Over};
use super::harness::{Cpus, ModePin};
use super::paths::{PathName, Transport};
use super::stats::Summary;
use super::syscall::{SysCall, SysPath, SyscallRow};
use super::{Mode, Nagle, NameError, Pin, Report, Row};

/// Which keys a document holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The `--json` document: the schema's keys (and `incomplete` for an interrupted run).
    Json,
    /// The saved document (`--export-json`, `--save-baseline`): [`Form::Json`]'s keys plus each
    /// row's `round_ratios` and `calls`, the run's `notes`, and the baseline comparison if any.
    Saved,
}

/// The document of `r` in `form`; `vs`, a comparison of `r` with a baseline, is written in the
/// saved form only (the top-level `baseline` and each compared row's `vs_baseline`).
pub fn to_json(r: &Report, form: Form, vs: Option<&Comparison>) -> String {
    let saved = form == Form::Saved;
    let vs = vs.filter(|_| saved);
    let rows = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let change = vs.and_then(|c| c.changes.get(i)).and_then(Option::as_ref);
            row_doc(row, saved, change)
        })
        .chain(r.syscall_rows.iter().map(syscall_row_doc))
        .collect();
    let doc = Document {
        socklab_version: r.socklab_version.clone(),
        env: env_doc(&r.env, &r.pins),
        rows,
        fits: r.fits.iter().map(fit_doc).collect(),
        harness_overhead_ns: r.overhead_ns,
        nagle: r.nagle.as_ref().map(|n| NagleDoc {
            iters: n.iters,
            nodelay_median_ns: n.nodelay_median_ns,
            nagle_median_ns: n.nagle_median_ns,
        }),
        incomplete: r.incomplete.clone(),
        notes: saved.then(|| r.notes.clone()),
        baseline: vs.map(|c| BaselineDoc {
            name: c.name.clone(),
            socklab_version: c.then_version.clone(),
            started_at: c.then_env.started_at.clone(),
            kernel: c.then_env.kernel.clone(),
            cpu_model: c.then_env.cpu_model.clone(),
            noise_threshold: c.noise,
            unmatched: c.unmatched.clone(),
        }),
    };
    // Serializing these types cannot fail: every map key is a string, every value plain data.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Why a document could not be read back.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The failing read.
        source: std::io::Error,
    },
    /// Not JSON, or not the schema's shape (serde_json's line and column).
    Json(serde_json::Error),
    /// A row names a mode, transport or path this socklab does not know (a newer version's).
    Name {
        /// The row's index in `rows`.
        row: usize,
        /// The unknown name.
        source: NameError,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            LoadError::Json(e) => write!(f, "not a socklab compare document: {e}"),
            LoadError::Name { row, source } => write!(f, "rows[{row}]: {source}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            LoadError::Json(e) => Some(e),
            LoadError::Name { source, .. } => Some(source),
        }
    }
}

/// Reads a document (either [`Form`]) from `path`.
///
/// # Errors
/// [`LoadError::Io`] naming the file, or [`parse`]'s.
pub fn read(path: &Path) -> Result<Report, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&text)
}

/// A document (either [`Form`]) back as a [`Report`]: its rows (`round_ratios`, `calls` and
/// `notes` when saved; empty when not), the fits recomputed from them, `pin_by_mode` without
/// the CPUs (not recorded), each summary's `max_ns` NaN (not recorded).
///
/// # Errors
/// [`LoadError::Json`] for text that is not such a document, [`LoadError::Name`] for a name
/// this version does not know.
pub fn parse(text: &str) -> Result<Report, LoadError> {
    let doc: Document = serde_json::from_str(text).map_err(LoadError::Json)?;
    let mut rows = Vec::new();
    let mut syscall_rows = Vec::new();
    for (i, r) in doc.rows.into_iter().enumerate() {
        let name = |source| LoadError::Name { row: i, source };
        let mode: Mode = r.mode.parse().map_err(name)?;
        let summary = Summary {
            count: r.iters,
            median_ns: r.median_ns,
            p99_ns: r.p99_ns,
            p999_ns: r.p999_ns,
            min_ns: r.min_ns,
            max_ns: f64::NAN,
        };
        if mode == Mode::Syscall {
            let unknown = |kind, s: &str| NameError {
                kind,
                name: s.to_owned(),
            };
            let call_name = r.call.as_deref().unwrap_or("");
            let call = SysCall::ALL
                .into_iter()
                .find(|c| c.name() == call_name)
                .ok_or_else(|| name(unknown("call", call_name)))?;
            let path = SysPath::ALL
                .into_iter()
                .find(|p| p.name() == r.path)
                .ok_or_else(|| name(unknown("syscall path", &r.path)))?;
            syscall_rows.push(SyscallRow {
                call,
                path,
                summary,
                ratio_to_floor: r.ratio_to_floor,
            });
            continue;
        }
        let transport: Transport = r.transport.as_deref().unwrap_or("").parse().map_err(name)?;
        rows.push(Row {
            mode,
            transport,
            path: r.path.parse::<PathName>().map_err(name)?,
            size: r.size.unwrap_or(0) as usize,
            batch: r.batch.map(|b| b as usize),
            summary,
            ratio_to_c: r.ratio_to_c,
            ratio_ci95: r.ratio_ci95,
            round_ratios: r.round_ratios.unwrap_or_default(),
            ratio_to_twin: r.ratio_to_twin,
            ratio_to_floor: r.ratio_to_floor,
            syscalls_per_op: r.syscalls_per_op,
            calls: r.calls.unwrap_or_default(),
            msgs_per_s: r.msgs_per_s.flatten(),
            mbit_s: r.mbit_s.flatten(),
            sent: r.sent.flatten(),
            lost: r.lost.flatten(),
        });
    }
    let (env, pins) = doc.env.into_env();
    let fits = fit::fits(&rows);
    Ok(Report {
        socklab_version: doc.socklab_version,
        env,
        rows,
        nagle: doc.nagle.map(|n| Nagle {
            iters: n.iters,
            nodelay_median_ns: n.nodelay_median_ns,
            nagle_median_ns: n.nagle_median_ns,
        }),
        overhead_ns: doc.harness_overhead_ns,
        notes: doc.notes.unwrap_or_default(),
        syscall_rows,
        pins,
        fits,
        incomplete: doc.incomplete,
    })
}

/// A number that may be written as `null` (serde_json writes NaN so): NaN when it is.
fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// The document; field order is key order.
#[derive(Serialize, Deserialize)]
struct Document {
    socklab_version: String,
    env: EnvDoc,
    rows: Vec<RowDoc>,
    #[serde(default)]
    fits: Vec<FitDoc>,
    #[serde(deserialize_with = "nan_if_null")]
    harness_overhead_ns: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nagle: Option<NagleDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    incomplete: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineDoc>,
}

/// `env`: [`Env`]'s keys with `pin_by_mode` after `pin`, in the order `--json` always had.
#[derive(Serialize, Deserialize)]
struct EnvDoc {
    kernel: String,
    cpu_model: String,
    cpus: usize,
    virtualization: String,
    clocksource: String,
    pin: String,
    #[serde(default)]
    pin_by_mode: PinsByMode,
    cpu_dma_latency: Option<u32>,
    started_at: String,
    cpu_steal_pct: Option<f64>,
    trace: Option<String>,
    mitigations: Mitigations,
}

fn env_doc(e: &Env, pins: &[ModePin]) -> EnvDoc {
    EnvDoc {
        kernel: e.kernel.clone(),
        cpu_model: e.cpu_model.clone(),
        cpus: e.cpus,
        virtualization: e.virtualization.clone(),
        clocksource: e.clocksource.clone(),
        pin: e.pin.clone(),
        pin_by_mode: PinsByMode(
            pins.iter()
                .map(|p| (p.mode.name().to_string(), p.pin.name().to_string()))
                .collect(),
        ),
        cpu_dma_latency: e.cpu_dma_latency,
        started_at: e.started_at.clone(),
        cpu_steal_pct: e.cpu_steal_pct,
        trace: e.trace.clone(),
        mitigations: e.mitigations.clone(),
    }
}

impl EnvDoc {
    /// The env and each mode's pinning (CPUs unknown: not recorded), in mode order.
    fn into_env(self) -> (Env, Vec<ModePin>) {
        let mut pins: Vec<ModePin> = self
            .pin_by_mode
            .0
            .iter()
            .filter_map(|(m, p)| {
                Some(ModePin {
                    mode: m.parse().ok()?,
                    pin: p.parse::<Pin>().ok()?,
                    cpus: Cpus::default(),
                })
            })
            .collect();
        pins.sort_by_key(|p| Mode::ALL.iter().position(|m| *m == p.mode));
        let env = Env {
            kernel: self.kernel,
            cpu_model: self.cpu_model,
            cpus: self.cpus,
            virtualization: self.virtualization,
            clocksource: self.clocksource,
            pin: self.pin,
            cpu_dma_latency: self.cpu_dma_latency,
            cpu_steal_pct: self.cpu_steal_pct,
            started_at: self.started_at,
            mitigations: self.mitigations,
            trace: self.trace,
        };
        (env, pins)
    }
}

/// `pin_by_mode`: a JSON object whose keys keep the run's mode order.
#[derive(Default)]
struct PinsByMode(Vec<(String, String)>);

impl Serialize for PinsByMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PinsByMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(PinsByMode(map.into_iter().collect()))
    }
}

/// One row, as the schema lists its keys: `batch` on batched rows, the stream keys on stream
/// rows, `call` on syscall rows, the saved form's keys last.
#[derive(Serialize, Deserialize)]
struct RowDoc {
    mode: String,
    transport: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    call: Option<String>,
    path: String,
    size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch: Option<u64>,
    iters: u64,
    #[serde(deserialize_with = "nan_if_null")]
    median_ns: f64,
    #[serde(deserialize_with = "nan_if_null")]
    p99_ns: f64,
    #[serde(deserialize_with = "nan_if_null")]
    p999_ns: f64,
    #[serde(deserialize_with = "nan_if_null")]
    min_ns: f64,
    ratio_to_c: Option<f64>,
    ratio_ci95: Option<[f64; 2]>,
    ratio_to_twin: Option<f64>,
    ratio_to_floor: Option<f64>,
    syscalls_per_op: Option<f64>,
    // Stream rows: present, possibly null; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    msgs_per_s: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mbit_s: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sent: Option<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lost: Option<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    round_ratios: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calls: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vs_baseline: Option<ChangeDoc>,
}

fn row_doc(r: &Row, saved: bool, change: Option<&Change>) -> RowDoc {
    let s = &r.summary;
    let stream = r.mode == Mode::Stream;
    RowDoc {
        mode: r.mode.name().into(),
        transport: Some(r.transport.name().into()),
        call: None,
        path: r.path.name().into(),
        size: Some(r.size as u64),
        batch: r.batch.map(|b| b as u64),
        iters: s.count,
        median_ns: s.median_ns,
        p99_ns: s.p99_ns,
        p999_ns: s.p999_ns,
        min_ns: s.min_ns,
        ratio_to_c: r.ratio_to_c,
        ratio_ci95: r.ratio_ci95,
        ratio_to_twin: r.ratio_to_twin,
        ratio_to_floor: r.ratio_to_floor,
        syscalls_per_op: r.syscalls_per_op,
        msgs_per_s: stream.then_some(r.msgs_per_s),
        mbit_s: stream.then_some(r.mbit_s),
        sent: stream.then_some(r.sent),
        lost: stream.then_some(r.lost),
        round_ratios: saved.then(|| r.round_ratios.clone()),
        calls: saved.then(|| r.calls.clone()),
        vs_baseline: change.map(|c| ChangeDoc {
            ratio_change: c.ratio.map(|(x, _)| x),
            ratio_change_ci95: c.ratio.and_then(|(_, ci)| ci),
            median_change: c.median,
            flag: c.flag.map(|f| f.name().to_string()),
        }),
    }
}

/// A `--mode syscall` row: `transport` and `size` null, the call in `call`, one op = one call.
fn syscall_row_doc(r: &SyscallRow) -> RowDoc {
    let s = &r.summary;
    RowDoc {
        mode: Mode::Syscall.name().into(),
        transport: None,
        call: Some(r.call.name().into()),
        path: r.path.name().into(),
        size: None,
        batch: None,
        iters: s.count,
        median_ns: s.median_ns,
        p99_ns: s.p99_ns,
        p999_ns: s.p999_ns,
        min_ns: s.min_ns,
        ratio_to_c: None,
        ratio_ci95: None,
        ratio_to_twin: None,
        ratio_to_floor: r.ratio_to_floor,
        syscalls_per_op: Some(1.0),
        msgs_per_s: None,
        mbit_s: None,
        sent: None,
        lost: None,
        round_ratios: None,
        calls: None,
        vs_baseline: None,
    }
}

/// A row's `vs_baseline`: the change of its ratio to `c` (with its interval) and of its median
/// against the baseline's row, and the flag when the ratio moved beyond the noise.
#[derive(Serialize, Deserialize)]
struct ChangeDoc {
    ratio_change: Option<f64>,
    ratio_change_ci95: Option<[f64; 2]>,
    median_change: f64,
    flag: Option<String>,
}

/// The top-level `baseline`: which run the rows were compared with.
#[derive(Serialize, Deserialize)]
struct BaselineDoc {
    name: String,
    socklab_version: String,
    started_at: String,
    kernel: String,
    cpu_model: String,
    noise_threshold: f64,
    unmatched: Vec<String>,
}

/// `nagle`.
#[derive(Serialize, Deserialize)]
struct NagleDoc {
    iters: u64,
    #[serde(deserialize_with = "nan_if_null")]
    nodelay_median_ns: f64,
    #[serde(deserialize_with = "nan_if_null")]
    nagle_median_ns: f64,
}

/// One fit: its rows' keys, `over`, the points' x (`sizes` or `batches`), the two terms under
/// their names, `r2` and where the terms are equal. Read back only to be skipped: fits are
/// recomputed from the rows.
#[derive(Serialize, Deserialize)]
struct FitDoc {
    mode: String,
    transport: String,
    path: String,
    over: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sizes: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batches: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed_ns: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    per_kib_ns: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    per_msg_ns: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    per_call_ns: Option<f64>,
    r2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    equal_at_bytes: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    equal_at_batch: Option<Option<f64>>,
}

fn fit_doc(x: &Fit) -> FitDoc {
    let xs: Vec<u64> = x.xs.iter().map(|&v| v as u64).collect();
    let size = x.over == Over::Size;
    FitDoc {
        mode: x.mode.name().into(),
        transport: x.transport.name().into(),
        path: x.path.name().into(),
        over: x.over.name().into(),
        batch: if size {
            x.batch.map(|b| b as u64)
        } else {
            None
        },
        size: (!size).then(|| x.size.unwrap_or(0) as u64),
        sizes: size.then(|| xs.clone()),
        batches: (!size).then_some(xs),
        fixed_ns: size.then_some(x.intercept_ns),
        per_kib_ns: size.then_some(x.slope_ns),
        per_msg_ns: (!size).then_some(x.intercept_ns),
        per_call_ns: (!size).then_some(x.slope_ns),
        r2: x.r2,
        equal_at_bytes: size.then(|| x.crossover()),
        equal_at_batch: (!size).then(|| x.crossover()),
    }
}
