//! Printing a [`Report`]: the human table (env block, one section per group) and the JSON
//! document of `docs/compare-schema.md`, written by hand: the `compare` feature has serde
//! (for [`Env`]) but not serde_json.

use std::fmt::Write;

use super::env::Env;
use super::fit::{Fit, Over};
use super::harness::ModePin;
use super::paths::PathName;
use super::syscall::{SysCall, SyscallRow};
use super::{Mode, Nagle, Pin, Report, Row};

/// A JSON value, enough for the report.
enum J {
    Null,
    Num(f64),
    Int(u64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn opt_num(v: Option<f64>) -> J {
        v.map_or(J::Null, J::Num)
    }

    fn opt_str(v: &Option<String>) -> J {
        v.clone().map_or(J::Null, J::Str)
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = |n| "  ".repeat(n);
        match self {
            J::Null => out.push_str("null"),
            J::Num(x) if x.is_finite() => {
                let _ = write!(out, "{x:?}");
            }
            J::Num(_) => out.push_str("null"),
            J::Int(i) => {
                let _ = write!(out, "{i}");
            }
            J::Str(s) => write_str(out, s),
            J::Arr(items) if items.iter().all(|i| matches!(i, J::Num(_) | J::Int(_))) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent);
                }
                out.push(']');
            }
            J::Arr(items) => {
                out.push_str("[\n");
                for (n, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(out, indent + 1);
                    out.push_str(if n + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            J::Obj(fields) => {
                out.push_str("{\n");
                for (n, (k, v)) in fields.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    write_str(out, k);
                    out.push_str(": ");
                    v.write(out, indent + 1);
                    out.push_str(if n + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

/// A JSON string literal with the escapes JSON requires.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One row as the schema's object; `batch` only on the batched paths' batch rows,
/// `msgs_per_s`, `mbit_s`, `sent` and `lost` only on stream rows.
fn row_json(r: &Row) -> J {
    let s = &r.summary;
    let mut f = vec![
        ("mode", J::Str(r.mode.name().into())),
        ("transport", J::Str(r.transport.name().into())),
        ("path", J::Str(r.path.name().into())),
        ("size", J::Int(r.size as u64)),
    ];
    if let Some(b) = r.batch {
        f.push(("batch", J::Int(b as u64)));
    }
    f.extend([
        ("iters", J::Int(s.count)),
        ("median_ns", J::Num(s.median_ns)),
        ("p99_ns", J::Num(s.p99_ns)),
        ("p999_ns", J::Num(s.p999_ns)),
        ("min_ns", J::Num(s.min_ns)),
        ("ratio_to_c", J::opt_num(r.ratio_to_c)),
        (
            "ratio_ci95",
            r.ratio_ci95
                .map_or(J::Null, |[lo, hi]| J::Arr(vec![J::Num(lo), J::Num(hi)])),
        ),
        ("ratio_to_twin", J::opt_num(r.ratio_to_twin)),
        ("ratio_to_floor", J::opt_num(r.ratio_to_floor)),
        ("syscalls_per_op", J::opt_num(r.syscalls_per_op)),
    ]);
    if r.mode == Mode::Stream {
        f.push(("msgs_per_s", J::opt_num(r.msgs_per_s)));
        f.push(("mbit_s", J::opt_num(r.mbit_s)));
        f.push(("sent", r.sent.map_or(J::Null, J::Int)));
        f.push(("lost", r.lost.map_or(J::Null, J::Int)));
    }
    J::Obj(f)
}

/// One fit as the schema's object: its rows' keys, `over`, the points' x (`sizes` or
/// `batches`), the two terms under their names, `r2` and where the terms are equal.
fn fit_json(x: &Fit) -> J {
    let mut f = vec![
        ("mode", J::Str(x.mode.name().into())),
        ("transport", J::Str(x.transport.name().into())),
        ("path", J::Str(x.path.name().into())),
        ("over", J::Str(x.over.name().into())),
    ];
    let xs = J::Arr(x.xs.iter().map(|&v| J::Int(v as u64)).collect());
    match x.over {
        Over::Size => {
            if let Some(b) = x.batch {
                f.push(("batch", J::Int(b as u64)));
            }
            f.extend([
                ("sizes", xs),
                ("fixed_ns", J::Num(x.intercept_ns)),
                ("per_kib_ns", J::Num(x.slope_ns)),
                ("r2", J::opt_num(x.r2)),
                ("equal_at_bytes", J::opt_num(x.crossover())),
            ]);
        }
        Over::Batch => f.extend([
            ("size", J::Int(x.size.unwrap_or(0) as u64)),
            ("batches", xs),
            ("per_msg_ns", J::Num(x.intercept_ns)),
            ("per_call_ns", J::Num(x.slope_ns)),
            ("r2", J::opt_num(x.r2)),
            ("equal_at_batch", J::opt_num(x.crossover())),
        ]),
    }
    J::Obj(f)
}

/// `env.pin_by_mode`: each mode of the run and the pinning its threads ran with.
fn pins_json(pins: &[ModePin]) -> J {
    J::Obj(
        pins.iter()
            .map(|p| (p.mode.name(), J::Str(p.pin.name().into())))
            .collect(),
    )
}

/// A `--mode syscall` row: `transport` and `size` null, the call in `call`, one op = one call.
fn syscall_row_json(r: &SyscallRow) -> J {
    let s = &r.summary;
    J::Obj(vec![
        ("mode", J::Str(Mode::Syscall.name().into())),
        ("transport", J::Null),
        ("call", J::Str(r.call.name().into())),
        ("path", J::Str(r.path.name().into())),
        ("size", J::Null),
        ("iters", J::Int(s.count)),
        ("median_ns", J::Num(s.median_ns)),
        ("p99_ns", J::Num(s.p99_ns)),
        ("p999_ns", J::Num(s.p999_ns)),
        ("min_ns", J::Num(s.min_ns)),
        ("ratio_to_c", J::Null),
        ("ratio_ci95", J::Null),
        ("ratio_to_twin", J::Null),
        ("ratio_to_floor", J::opt_num(r.ratio_to_floor)),
        ("syscalls_per_op", J::Num(1.0)),
    ])
}

/// The `env` block of the JSON document: [`Env`]'s fields, as `socklab::net`'s `--json` gets
/// them from serde (a unit test holds the two to the same keys and values).
fn env_json(e: &Env) -> J {
    J::Obj(vec![
        ("kernel", J::Str(e.kernel.clone())),
        ("cpu_model", J::Str(e.cpu_model.clone())),
        ("cpus", J::Int(e.cpus as u64)),
        ("virtualization", J::Str(e.virtualization.clone())),
        ("clocksource", J::Str(e.clocksource.clone())),
        ("pin", J::Str(e.pin.clone())),
        (
            "cpu_dma_latency",
            e.cpu_dma_latency.map_or(J::Null, |v| J::Int(v.into())),
        ),
        ("started_at", J::Str(e.started_at.clone())),
        ("cpu_steal_pct", J::opt_num(e.cpu_steal_pct)),
        ("trace", J::opt_str(&e.trace)),
        (
            "mitigations",
            J::Obj(vec![
                ("spectre_v2", J::opt_str(&e.mitigations.spectre_v2)),
                (
                    "spec_rstack_overflow",
                    J::opt_str(&e.mitigations.spec_rstack_overflow),
                ),
                ("retbleed", J::opt_str(&e.mitigations.retbleed)),
                ("cmdline", J::opt_str(&e.mitigations.cmdline)),
            ]),
        ),
    ])
}

/// The JSON document (`socklab compare --json`, `docs/compare-schema.md`): the env block (with
/// `pin_by_mode`), the rows, the fits, `harness_overhead_ns` and `nagle` (the canary, kept out
/// of `rows` because its pattern is not one of the schema's paths).
pub fn json(r: &Report) -> String {
    let mut env = env_json(&r.env);
    if let J::Obj(fields) = &mut env {
        let at = fields
            .iter()
            .position(|(k, _)| *k == "pin")
            .map_or(0, |i| i + 1);
        fields.insert(at, ("pin_by_mode", pins_json(&r.pins)));
    }
    let mut top = vec![
        ("socklab_version", J::Str(env!("CARGO_PKG_VERSION").into())),
        ("env", env),
        (
            "rows",
            J::Arr(
                r.rows
                    .iter()
                    .map(row_json)
                    .chain(r.syscall_rows.iter().map(syscall_row_json))
                    .collect(),
            ),
        ),
        ("fits", J::Arr(r.fits.iter().map(fit_json).collect())),
        ("harness_overhead_ns", J::Num(r.overhead_ns)),
    ];
    if let Some(n) = &r.nagle {
        top.push((
            "nagle",
            J::Obj(vec![
                ("iters", J::Int(n.iters)),
                ("nodelay_median_ns", J::Num(n.nodelay_median_ns)),
                ("nagle_median_ns", J::Num(n.nagle_median_ns)),
            ]),
        ));
    }
    let mut out = String::new();
    J::Obj(top).write(&mut out, 0);
    out.push('\n');
    out
}

/// A latency for the table: `850ns`, `10.55µs`, `44.1ms`.
pub fn fmt_ns(ns: f64) -> String {
    if !ns.is_finite() {
        "-".into()
    } else if ns < 1_000.0 {
        format!("{ns:.0}ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2}µs", ns / 1e3)
    } else {
        format!("{:.1}ms", ns / 1e6)
    }
}

/// The UDP `rtt` median of `c` (the reference the overhead is a share of), else the first `rtt`
/// `c` row, else the first `c` row.
fn overhead_reference(r: &Report) -> Option<&Row> {
    let c = || {
        r.rows
            .iter()
            .filter(|x| x.path == super::paths::PathName::C)
    };
    c().find(|x| x.mode == Mode::Rtt && x.transport == super::paths::Transport::Udp)
        .or_else(|| c().find(|x| x.mode == Mode::Rtt))
        .or_else(|| c().next())
}

/// The environment block, one line per item.
fn env_block(r: &Report, out: &mut String) {
    let e = &r.env;
    let dma = match e.cpu_dma_latency {
        Some(v) => format!("held at {v} µs"),
        None => "not set".into(),
    };
    let steal = e
        .cpu_steal_pct
        .map_or("unknown".into(), |s| format!("{s:.2}%"));
    let _ = writeln!(out, "socklab {} compare", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "  kernel          {}", e.kernel);
    let _ = writeln!(out, "  cpu             {} ({} cpus)", e.cpu_model, e.cpus);
    let _ = writeln!(out, "  virtualization  {}", e.virtualization);
    let _ = writeln!(out, "  clocksource     {}", e.clocksource);
    let _ = writeln!(out, "  pin             {}", pin_line(r));
    let _ = writeln!(out, "  cpu_dma_latency {dma}");
    let _ = writeln!(out, "  cpu steal       {steal} during the run");
    let _ = writeln!(out, "  started_at      {}", e.started_at);
    if let Some(t) = &e.trace {
        let _ = writeln!(out, "  trace           {t}");
    }
    let m = &e.mitigations;
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
    let _ = writeln!(
        out,
        "  mitigations     spectre_v2: {}; spec_rstack_overflow: {}; retbleed: {}; cmdline: {}",
        or_unknown(&m.spectre_v2),
        or_unknown(&m.spec_rstack_overflow),
        or_unknown(&m.retbleed),
        m.cmdline.as_deref().unwrap_or("no mitigations=")
    );
    let share = overhead_reference(r).map_or(String::new(), |x| {
        format!(
            " = {:.2}% of the {} {} c median ({})",
            r.overhead_ns * 100.0 / x.summary.median_ns,
            x.mode,
            x.transport,
            fmt_ns(x.summary.median_ns)
        )
    });
    let _ = writeln!(
        out,
        "  harness         {:.1} ns per sample (timestamp + histogram){share}",
        r.overhead_ns
    );
}

/// The env block's pin line: each mode's pinning and CPUs (`same-thread, rtt, batch: same
/// (cpu 0); stream: split (receiver cpu 0, sender cpu 1)`), or the env's word without modes.
fn pin_line(r: &Report) -> String {
    if r.pins.is_empty() {
        return r.env.pin.clone();
    }
    let cpus = |p: &ModePin| match (p.pin, p.cpus.main, p.cpus.peer) {
        (Pin::None, ..) => "unpinned".to_string(),
        (_, Some(m), Some(q)) if m == q => format!("cpu {m}"),
        (_, Some(m), Some(q)) => format!("cpu {m}, its peer thread cpu {q}"),
        _ => "unpinned".to_string(),
    };
    let mut parts: Vec<(Vec<&str>, String)> = Vec::new();
    for p in &r.pins {
        let what = format!("{} ({})", p.pin, cpus(p));
        match parts.iter_mut().find(|(_, w)| *w == what) {
            Some((modes, _)) => modes.push(p.mode.name()),
            None => parts.push((vec![p.mode.name()], what)),
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|(modes, what)| format!("{}: {what}", modes.join(", ")))
        .collect();
    parts.join("; ")
}

/// The human table: env block, then one section per group; ratios are to `c` in the same
/// section, measured interleaved; then the fits, when the run had three sizes or batch sizes.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    env_block(r, &mut out);
    let mut last = None;
    for row in &r.rows {
        let group = (row.mode, row.transport, row.size);
        if last != Some(group) {
            last = Some(group);
            let pin = r.pins.iter().find(|p| p.mode == row.mode).map(|p| p.pin);
            group_header(row, pin, &mut out);
        }
        row_line(row, &mut out);
    }
    fit_tables(&r.fits, &mut out);
    syscall_table(r, &mut out);
    if let Some(n) = &r.nagle {
        nagle_line(n, &mut out);
    }
    notes(r, &mut out);
    out
}

/// A group's title (mode, transport, size, what one op is; stream: where its threads ran) and
/// its column heads.
fn group_header(row: &Row, pin: Option<Pin>, out: &mut String) {
    let op = match row.mode {
        Mode::Rtt => " (one op = one round trip)".to_string(),
        Mode::Batch => " (one op = one message)".to_string(),
        Mode::Stream => {
            let threads = match pin {
                Some(Pin::Split) => "sender and receiver on two CPUs",
                Some(Pin::Same) => "sender and receiver on one CPU: measures the scheduler too",
                _ => "threads unpinned",
            };
            format!(
                " (one op = one message delivered; times are ns per delivered message over the \
                 rounds; {threads})"
            )
        }
        Mode::SameThread => " (one op = send + receive)".to_string(),
        Mode::Syscall => String::new(),
    };
    let _ = writeln!(out, "\n{} {} {} B{op}", row.mode, row.transport, row.size);
    let _ = write!(
        out,
        "  {:<22} {:>9} {:>9} {:>9} {:>9} {:>6} {:>15} {:>6} {:>6} {:>6}",
        "path", "median", "p99", "p99.9", "min", "ratio", "ci95", "twin", "floor", "sys/op"
    );
    if row.mode == Mode::Stream {
        let _ = write!(out, " {:>10} {:>9} {:>13}", "msgs/s", "Mbit/s", "lost");
    }
    let _ = writeln!(out, "  calls");
}

/// `12.3M`, `456k`, `789`: a rate for the table.
fn fmt_rate(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The fits of the run: one section over the sizes, one over the batch sizes.
fn fit_tables(fits: &[Fit], out: &mut String) {
    let by = |o: Over| fits.iter().filter(move |f| f.over == o);
    let list = |xs: &[usize]| {
        let v: Vec<String> = xs.iter().map(usize::to_string).collect();
        v.join(", ")
    };
    let r2 = |f: &Fit| f.r2.map_or("-".into(), |v| format!("{v:.3}"));
    if let Some(first) = by(Over::Size).next() {
        let _ = writeln!(
            out,
            "\ncost per size: t(size) = fixed + per_kib × size, least squares over the medians at \
             {} B",
            list(&first.xs)
        );
        let _ = writeln!(
            out,
            "  {:<11} {:<9} {:<22} {:>9} {:>9} {:>6}  per-byte work = fixed at",
            "mode", "transport", "path", "fixed", "per KiB", "R²"
        );
        for f in by(Over::Size) {
            let name = match f.batch {
                Some(b) => format!("{} ({b})", f.path),
                None => f.path.to_string(),
            };
            let eq = f
                .crossover()
                .map_or("-".into(), |b| format!("{:.1} KiB", b / 1024.0));
            let _ = writeln!(
                out,
                "  {:<11} {:<9} {:<22} {:>9} {:>9} {:>6}  {eq}",
                f.mode.name(),
                f.transport.name(),
                name,
                fmt_ns(f.intercept_ns),
                fmt_ns(f.slope_ns),
                r2(f)
            );
        }
    }
    if let Some(first) = by(Over::Batch).next() {
        let _ = writeln!(
            out,
            "\ncost per batch: t(batch) = per_msg + per_call / batch (per message), least squares \
             over the medians at batch {}",
            list(&first.xs)
        );
        let _ = writeln!(
            out,
            "  {:<9} {:>6} {:<22} {:>9} {:>9} {:>6} {:>10} {:>10}",
            "transport", "size", "path", "per msg", "per call", "R²", "equal at", "<5% past"
        );
        for f in by(Over::Batch) {
            let eq = f.crossover().map_or("-".into(), |b| format!("{b:.1}"));
            let stop = f
                .doubling_gains_less_than(0.05)
                .map_or("-".into(), |b| format!("{b:.1}"));
            let _ = writeln!(
                out,
                "  {:<9} {:>6} {:<22} {:>9} {:>9} {:>6} {eq:>10} {stop:>10}",
                f.transport.name(),
                format!("{} B", f.size.unwrap_or(0)),
                f.path.name(),
                fmt_ns(f.intercept_ns),
                fmt_ns(f.slope_ns),
                r2(f)
            );
        }
        let _ = writeln!(
            out,
            "  equal at: the batch at which the per-call share equals each message's own work \
             (per_call / per_msg); <5% past: the batch past which doubling it saves less than 5% \
             per message, where batching stops paying"
        );
    }
}

/// One row: the latencies, the ratios (`-` where there is none), stream's rate and loss, the
/// calls counted.
fn row_line(row: &Row, out: &mut String) {
    let s = &row.summary;
    let name = match row.batch {
        Some(b) => format!("{} ({b})", row.path),
        None => row.path.to_string(),
    };
    let ratio3 = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.3}"));
    let ci = row
        .ratio_ci95
        .map_or("-".into(), |[lo, hi]| format!("[{lo:.3},{hi:.3}]"));
    let sys = row
        .syscalls_per_op
        .map_or("-".into(), |x| format!("{x:.2}"));
    let _ = write!(
        out,
        "  {:<22} {:>9} {:>9} {:>9} {:>9} {:>6} {:>15} {:>6} {:>6} {:>6}",
        name,
        fmt_ns(s.median_ns),
        fmt_ns(s.p99_ns),
        fmt_ns(s.p999_ns),
        fmt_ns(s.min_ns),
        ratio3(row.ratio_to_c),
        ci,
        ratio3(row.ratio_to_twin),
        ratio3(row.ratio_to_floor),
        sys
    );
    if row.mode == Mode::Stream {
        let rate = row.msgs_per_s.map_or("-".into(), fmt_rate);
        let mbit = row.mbit_s.map_or("-".into(), |m| format!("{m:.1}"));
        let lost = match (row.lost, row.sent) {
            (Some(l), Some(s)) if s > 0 => format!("{l} ({:.1}%)", l as f64 * 100.0 / s as f64),
            (Some(l), _) => l.to_string(),
            _ => "-".into(),
        };
        let _ = write!(out, " {rate:>10} {mbit:>9} {lost:>13}");
    }
    let _ = writeln!(out, "  {}", row.calls);
}

/// The Nagle canary's line.
fn nagle_line(n: &Nagle, out: &mut String) {
    let _ = writeln!(
        out,
        "\nnagle canary: tcp write(4)+write(60)+read(64), {} exchanges each: \
         TCP_NODELAY {} vs Nagle {} ({:.0}×)",
        n.iters,
        fmt_ns(n.nodelay_median_ns),
        fmt_ns(n.nagle_median_ns),
        n.nagle_median_ns / n.nodelay_median_ns
    );
}

/// The run's notes, then what each path measured shows (for the paths in the table).
fn notes(r: &Report, out: &mut String) {
    for note in &r.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for (path, why) in PATH_NOTES {
        if r.rows.iter().any(|row| row.path == *path) {
            let _ = writeln!(out, "note: {path}: {why}");
        }
    }
}

/// The `--mode syscall` sections: one per call, each way's ns per call, its ratio to the inline
/// floor and the "tax" it pays over it, then what the frames are.
fn syscall_table(r: &Report, out: &mut String) {
    for call in SysCall::ALL {
        let rows: Vec<&SyscallRow> = r.syscall_rows.iter().filter(|x| x.call == call).collect();
        if rows.is_empty() {
            continue;
        }
        let floor = rows
            .iter()
            .find(|x| x.path == super::syscall::SysPath::CInline)
            .map(|x| x.summary.median_ns);
        let _ = writeln!(
            out,
            "\nsyscall {} (one op = one call, timed in blocks of {})",
            call.name(),
            super::syscall::BLOCK
        );
        let _ = writeln!(
            out,
            "  {:<10} {:>9} {:>9} {:>9} {:>6} {:>7}  frames",
            "path", "median", "p99", "min", "floor", "tax"
        );
        for x in rows {
            let s = &x.summary;
            let floor_ratio = x.ratio_to_floor.map_or("-".into(), |v| format!("{v:.3}"));
            let tax = floor.map_or("-".into(), |f| format!("{:+.0}ns", s.median_ns - f));
            let _ = writeln!(
                out,
                "  {:<10} {:>9} {:>9} {:>9} {:>6} {:>7}  {}",
                x.path.name(),
                fmt_ns(s.median_ns),
                fmt_ns(s.p99_ns),
                fmt_ns(s.min_ns),
                floor_ratio,
                tax,
                x.path.what()
            );
        }
    }
    if !r.syscall_rows.is_empty() {
        let _ = writeln!(
            out,
            "  tax = median - c-inline's: what each frame spanning the syscall costs. A ret whose \
             call came before the kernel entry mispredicts when the entry/exit clears the return \
             predictions (retpolines + RSB filling, SRSO Safe RET: see mitigations above); a call \
             made after the syscall costs nothing extra."
        );
    }
}

/// What each path does that explains its ratio, printed under the table when it ran.
const PATH_NOTES: &[(PathName, &str)] = &[
    (
        PathName::CSendRecv,
        "c-send-recv, c-sendto-recvfrom, c-sendmsg-recvmsg and c-mmsg are c's loops making the \
         syscalls of libc-send-recv, libc-sendto-recvfrom, libc-sendmsg-recvmsg and libc-mmsg; \
         twin = median / the twin's median (std, nix, socket2 and rustix: c-send-recv, the \
         syscalls they make)",
    ),
    (
        PathName::CInline,
        "the physical floor: c's read/write loop with the syscall instruction inline and the \
         samples timed in C, so no function frame spans a syscall (glibc's wrappers are such a \
         frame: a ret whose call came before the kernel entry loses its return prediction on \
         CPUs whose mitigations flush it); floor = median / c-inline's median",
    ),
    (
        PathName::LibcSendtoRecvfrom,
        "on udp sendto passes the peer address, as an unconnected C server does, so the kernel \
         looks up the route for every datagram instead of using the connected socket's cached \
         one; elsewhere the address is zero-length",
    ),
    (
        PathName::LibcSendRecv,
        "x86-64 has no send/recv syscalls: glibc's send()/recv() are sendto/recvfrom with NULL \
         addresses (see calls); those enter the socket layer directly, while read/write (the c \
         floor) pass through the VFS first (vfs_read/vfs_write, then sock_read_iter/\
         sock_write_iter), so the sendto/recvfrom paths (this one, std, nix, socket2) can run a \
         few % under c with the same number of syscalls",
    ),
    (
        PathName::LibcSendmsgRecvmsg,
        "the kernel copies in the msghdr and its iovec array per call, and recvmsg copies the \
         source address out (socklab passes a zeroed sockaddr_storage each time): more work \
         per call than send/recv",
    ),
    (
        PathName::LibcMmsg,
        "one sendmmsg and one recvmmsg per batch; its row is per message (sys/op = 2 / batch)",
    ),
    (
        PathName::LibcGso,
        "libc-gso and its twin c-gso send up to 64 datagrams per sendmsg (UDP_SEGMENT) and \
         receive them coalesced (UDP_GRO); on loopback the kernel never segments, so their gain \
         is the per-datagram syscall and stack work saved, not a NIC's offload",
    ),
    (
        PathName::Rustix,
        "rustix's linux_raw backend issues the syscall instruction itself: no glibc wrapper \
         (cancellation point, errno) around it",
    ),
    (
        PathName::Std,
        "std writes with send(MSG_NOSIGNAL) (the sendto syscall) except UnixDatagram::send, \
         which is write(2); it reads with recv (recvfrom) — see calls",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_and_numbers() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
        let mut s = String::new();
        J::Arr(vec![J::Num(1.0), J::Num(f64::NAN), J::Int(3)]).write(&mut s, 0);
        assert_eq!(s, "[1.0, null, 3]");
    }

    /// The hand-written `env` block and serde's (what `pingpong --json` prints) agree.
    #[test]
    fn env_block_matches_serde() {
        let mut env = Env::capture("none", Some(0));
        env.cpu_steal_pct = Some(1.25);
        env.trace = Some("off for the measured loops".into());
        let mut ours = String::new();
        env_json(&env).write(&mut ours, 0);
        let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
        assert_eq!(ours, serde_json::to_value(&env).unwrap());
    }

    #[test]
    fn latency_units() {
        assert_eq!(fmt_ns(850.0), "850ns");
        assert_eq!(fmt_ns(10_550.0), "10.55µs");
        assert_eq!(fmt_ns(44_100_000.0), "44.1ms");
    }
}
