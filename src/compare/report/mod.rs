//! Printing a [`Report`]: the human table (env block, one section per group, what each mode
//! says, the legend), the same as Markdown, CSV, and the JSON document of
//! `docs/compare-schema.md` ([`super::saved`]); several saved runs side by side ([`runs()`]).
//!
//! Every time column has one unit, named in its head and chosen per section from the smallest
//! time it shows (ns, µs or ms: never `891ns` above `1.2ms`). A row whose `ratio_ci95` is wider
//! than [`WIDE_CI`] of its ratio is marked `!`. With a baseline ([`super::baseline`]) each row
//! shows its change of ratio (flagged `▲`/`▼` beyond the noise), that change's interval, and its
//! change of median (never flagged).

use std::fmt::Write;

mod csv;
mod grid;
pub mod runs;
mod summary;

pub use self::csv::{csv, HEADER as CSV_HEADER};
pub use runs::{runs, Run};

use grid::{Grid, Unit};

use super::comparison::{Change, Comparison};
use super::fit::{Fit, Over};
use super::harness::ModePin;
use super::paths::PathName;
use super::saved::{self, Form};
use super::syscall::{SysCall, SyscallRow};
use super::{Mode, Nagle, Pin, Report, Row};

pub use super::stats::WIDE_CI;

/// How a report is written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Aligned text for a terminal.
    Text,
    /// Markdown (GFM tables): `--export-markdown`, `socklab report --format markdown`.
    Markdown,
}

/// The JSON document of `socklab compare --json` (`docs/compare-schema.md`), written with
/// serde_json: the env block (with `pin_by_mode`), the rows, the fits, `harness_overhead_ns`,
/// `nagle` (the canary, kept out of `rows` because its pattern is not one of the schema's
/// paths) and, for a run Ctrl-C ended, `incomplete`. The saved form (`--export-json`,
/// baselines) is [`saved::to_json`] with [`Form::Saved`].
pub fn json(r: &Report) -> String {
    saved::to_json(r, Form::Json, None)
}

/// The human table: env block, then one section per group (ratios are to `c` in the same
/// section, measured interleaved) and under each mode what it says; then the fits, the syscall
/// mode, the Nagle canary, the legend and the notes.
pub fn table(r: &Report) -> String {
    render(r, None, Style::Text)
}

/// [`table`] (or its Markdown) with each row's change against a baseline when `vs` is given.
pub fn render(r: &Report, vs: Option<&Comparison>, style: Style) -> String {
    let mut o = Out::new(style);
    o.title(&format!("socklab {} compare", r.socklab_version));
    o.pairs(&env_items(r));
    if let Some(c) = vs {
        o.para(&baseline_line(c));
    }
    if let Some(why) = &r.incomplete {
        o.para(&format!("INCOMPLETE: {why}"));
    }
    let mut start = 0;
    while start < r.rows.len() {
        let g = &r.rows[start];
        let len = r.rows[start..]
            .iter()
            .take_while(|x| (x.mode, x.transport, x.size) == (g.mode, g.transport, g.size))
            .count();
        let pin = r.pins.iter().find(|p| p.mode == g.mode).map(|p| p.pin);
        let changes = vs.map(|c| &c.changes[start..start + len]);
        group(&r.rows[start..start + len], pin, changes, &mut o);
        start += len;
        if r.rows.get(start).is_none_or(|next| next.mode != g.mode) {
            let of_mode: Vec<(usize, &Row)> = (0..start)
                .filter(|&i| r.rows[i].mode == g.mode)
                .map(|i| (i, &r.rows[i]))
                .collect();
            let lines = summary::mode(&of_mode, vs);
            o.list(&format!("what {} says", g.mode), &lines);
        }
    }
    fit_tables(&r.fits, &mut o);
    syscall_table(r, &mut o);
    if let Some(n) = &r.nagle {
        o.para(&nagle_line(n));
    }
    legend(r, vs.is_some(), &mut o);
    notes(r, &mut o);
    if let Some(why) = &r.incomplete {
        o.para(&format!("INCOMPLETE: {why}"));
    }
    o.s
}

/// [`render`] as Markdown.
pub fn markdown(r: &Report, vs: Option<&Comparison>) -> String {
    render(r, vs, Style::Markdown)
}

/// Where a report is written: headings, paragraphs, key-value blocks, tables and lists, in
/// text or Markdown.
pub(crate) struct Out {
    style: Style,
    s: String,
}

impl Out {
    pub(crate) fn new(style: Style) -> Out {
        Out {
            style,
            s: String::new(),
        }
    }

    pub(crate) fn into_string(self) -> String {
        self.s
    }

    /// The document's title.
    fn title(&mut self, t: &str) {
        match self.style {
            Style::Text => {
                let _ = writeln!(self.s, "{t}");
            }
            Style::Markdown => {
                let _ = writeln!(self.s, "# {t}\n");
            }
        }
    }

    /// A section heading.
    fn heading(&mut self, t: &str) {
        match self.style {
            Style::Text => {
                let _ = writeln!(self.s, "\n{t}");
            }
            Style::Markdown => {
                let _ = writeln!(self.s, "\n### {t}\n");
            }
        }
    }

    /// A paragraph.
    fn para(&mut self, t: &str) {
        match self.style {
            Style::Text => {
                let _ = writeln!(self.s, "\n{t}");
            }
            Style::Markdown => {
                let _ = writeln!(self.s, "\n{t}");
            }
        }
    }

    /// Name–value lines (the env block): aligned in text, a two-column table in Markdown.
    fn pairs(&mut self, items: &[(&str, String)]) {
        let mut g = Grid::new(&[("", false), ("", false)]);
        match self.style {
            Style::Text => {
                let w = items
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                for (k, v) in items {
                    let _ = writeln!(self.s, "  {k:<w$} {v}");
                }
            }
            Style::Markdown => {
                for (k, v) in items {
                    g.row(vec![k.to_string(), v.clone()]);
                }
                g.markdown(&mut self.s);
            }
        }
    }

    /// A table.
    pub(crate) fn grid(&mut self, g: &Grid) {
        match self.style {
            Style::Text => g.text(2, &mut self.s),
            Style::Markdown => g.markdown(&mut self.s),
        }
    }

    /// A titled list.
    fn list(&mut self, title: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        match self.style {
            Style::Text => {
                let _ = writeln!(self.s, "\n{title}:");
                for i in items {
                    let _ = writeln!(self.s, "  - {i}");
                }
            }
            Style::Markdown => {
                let _ = writeln!(self.s, "\n**{title}:**\n");
                for i in items {
                    let _ = writeln!(self.s, "- {i}");
                }
            }
        }
    }
}

/// The line naming the baseline a run is compared with.
fn baseline_line(c: &Comparison) -> String {
    let e = &c.then_env;
    let mut line = format!(
        "compared with baseline {}: socklab {}, started {}, kernel {}, {}; a ratio change is \
         flagged (▲ slower, ▼ faster, relative to c) when its ci95 lies wholly beyond ±{:.0}%",
        c.name,
        c.then_version,
        e.started_at,
        e.kernel,
        e.cpu_model,
        c.noise * 100.0
    );
    if !c.unmatched.is_empty() {
        let _ = write!(
            line,
            "; {} baseline rows not in this run",
            c.unmatched.len()
        );
    }
    line
}

/// The UDP `rtt` median of `c` (the reference the overhead is a share of), else the first `rtt`
/// `c` row, else the first `c` row.
fn overhead_reference(r: &Report) -> Option<&Row> {
    let c = || r.rows.iter().filter(|x| x.path == PathName::C);
    c().find(|x| x.mode == Mode::Rtt && x.transport == super::paths::Transport::Udp)
        .or_else(|| c().find(|x| x.mode == Mode::Rtt))
        .or_else(|| c().next())
}

/// The environment block, one item per line.
pub(crate) fn env_items(r: &Report) -> Vec<(&'static str, String)> {
    let e = &r.env;
    let dma = match e.cpu_dma_latency {
        Some(v) => format!("held at {v} µs"),
        None => "not set".into(),
    };
    let steal = e
        .cpu_steal_pct
        .map_or("unknown".into(), |s| format!("{s:.2}% during the run"));
    let m = &e.mitigations;
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
    let share = overhead_reference(r).map_or(String::new(), |x| {
        format!(
            " = {:.2}% of the {} {} c median ({:.0} ns)",
            r.overhead_ns * 100.0 / x.summary.median_ns,
            x.mode,
            x.transport,
            x.summary.median_ns
        )
    });
    let mut items = vec![
        ("kernel", e.kernel.clone()),
        ("cpu", format!("{} ({} cpus)", e.cpu_model, e.cpus)),
        ("virtualization", e.virtualization.clone()),
        ("clocksource", e.clocksource.clone()),
        ("pin", pin_line(r)),
        ("cpu_dma_latency", dma),
        ("cpu steal", steal),
        ("started_at", e.started_at.clone()),
    ];
    if let Some(t) = &e.trace {
        items.push(("trace", t.clone()));
    }
    items.push((
        "mitigations",
        format!(
            "spectre_v2: {}; spec_rstack_overflow: {}; retbleed: {}; cmdline: {}",
            or_unknown(&m.spectre_v2),
            or_unknown(&m.spec_rstack_overflow),
            or_unknown(&m.retbleed),
            m.cmdline.as_deref().unwrap_or("no mitigations=")
        ),
    ));
    items.push((
        "harness",
        format!(
            "{:.1} ns per sample (timestamp + histogram){share}",
            r.overhead_ns
        ),
    ));
    items
}

/// The env block's pin line: each mode's pinning and CPUs (`same-thread, rtt, batch: same
/// (cpu 0); stream: split (receiver cpu 0, sender cpu 1)`), or the env's word without modes.
/// A saved run records no CPUs: its modes show the pinning alone.
fn pin_line(r: &Report) -> String {
    if r.pins.is_empty() {
        return r.env.pin.clone();
    }
    let cpus = |p: &ModePin| match (p.pin, p.cpus.main, p.cpus.peer) {
        (Pin::None, ..) => " (unpinned)".to_string(),
        (_, Some(m), Some(q)) if m == q => format!(" (cpu {m})"),
        (_, Some(m), Some(q)) => format!(" (cpu {m}, its peer thread cpu {q})"),
        _ => String::new(),
    };
    let mut parts: Vec<(Vec<&str>, String)> = Vec::new();
    for p in &r.pins {
        let what = format!("{}{}", p.pin, cpus(p));
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

/// What one op is in `mode` (stream: where its threads ran).
pub(crate) fn op_words(mode: Mode, pin: Option<Pin>) -> String {
    match mode {
        Mode::Rtt => "one op = one round trip".to_string(),
        Mode::Batch => "one op = one message".to_string(),
        Mode::Stream => {
            let threads = match pin {
                Some(Pin::Split) => "sender and receiver on two CPUs",
                Some(Pin::Same) => "sender and receiver on one CPU: measures the scheduler too",
                _ => "threads unpinned",
            };
            format!(
                "one op = one message delivered; times per delivered message over the rounds; \
                 {threads}"
            )
        }
        Mode::SameThread => "one op = send + receive".to_string(),
        Mode::Syscall => "one op = one call".to_string(),
    }
}

/// A ratio with three decimals, `-` for none.
pub(crate) fn ratio3(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.3}"))
}

/// A ratio's interval, `[0.990,1.010]`, with ` !` when wider than [`WIDE_CI`] of `ratio`.
pub(crate) fn ci_cell(ci: Option<[f64; 2]>, ratio: Option<f64>) -> String {
    match ci {
        None => "-".into(),
        Some([lo, hi]) => {
            let wide = if is_wide(Some([lo, hi]), ratio) {
                " !"
            } else {
                ""
            };
            format!("[{lo:.3},{hi:.3}]{wide}")
        }
    }
}

pub(crate) use super::stats::is_wide;

/// A change as a signed percentage: `+1.2%`.
pub(crate) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1}%", x * 100.0)
    } else {
        "-".into()
    }
}

/// The change cells of a row: Δratio (with its flag), its interval, Δmedian.
pub(crate) fn change_cells(c: Option<&Change>) -> [String; 3] {
    let Some(c) = c else {
        return ["new".into(), "-".into(), "-".into()];
    };
    let (ratio, ci) = match c.ratio {
        Some((x, ci)) => {
            let mark = c.flag.map_or(String::new(), |f| format!("{} ", f.mark()));
            let ci = ci.map_or("-".into(), |[lo, hi]| {
                format!("[{:+.1},{:+.1}]%", lo * 100.0, hi * 100.0)
            });
            (format!("{mark}{}", pct(x)), ci)
        }
        None => ("-".into(), "-".into()),
    };
    [ratio, ci, pct(c.median)]
}

/// The name of a row's path in the tables: `libc-mmsg (32)` for a batched row.
pub(crate) fn path_cell(row: &Row) -> String {
    match row.batch {
        Some(b) => format!("{} ({b})", row.path),
        None => row.path.to_string(),
    }
}

/// One group: its title (mode, transport, size, what one op is, the unit) and its rows.
fn group(rows: &[Row], pin: Option<Pin>, changes: Option<&[Option<Change>]>, o: &mut Out) {
    let first = &rows[0];
    let smallest = rows
        .iter()
        .map(|r| r.summary.min_ns.min(r.summary.median_ns))
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min);
    let unit = Unit::for_smallest(smallest);
    o.heading(&format!(
        "{} {} {} B ({}; times in {})",
        first.mode,
        first.transport,
        first.size,
        op_words(first.mode, pin),
        unit.name()
    ));
    let u = unit.name();
    let mut g = Grid::new(&[
        ("path", false),
        (&format!("median {u}"), true),
        (&format!("p99 {u}"), true),
        (&format!("p99.9 {u}"), true),
        (&format!("min {u}"), true),
        ("ratio", true),
        ("ci95", false),
        ("twin", true),
        ("floor", true),
        ("sys/op", true),
    ]);
    let stream = first.mode == Mode::Stream;
    if stream {
        g.col("kmsg/s", true);
        g.col("Mbit/s", true);
        g.col("lost", true);
    }
    if changes.is_some() {
        g.col("Δratio", true);
        g.col("Δratio ci95", false);
        g.col("Δmedian", true);
    }
    g.col("calls", false);
    for (i, row) in rows.iter().enumerate() {
        let s = &row.summary;
        let mut cells = vec![
            path_cell(row),
            unit.fmt(s.median_ns),
            unit.fmt(s.p99_ns),
            unit.fmt(s.p999_ns),
            unit.fmt(s.min_ns),
            ratio3(row.ratio_to_c),
            ci_cell(row.ratio_ci95, row.ratio_to_c),
            ratio3(row.ratio_to_twin),
            ratio3(row.ratio_to_floor),
            row.syscalls_per_op
                .map_or("-".into(), |x| format!("{x:.2}")),
        ];
        if stream {
            cells.push(
                row.msgs_per_s
                    .map_or("-".into(), |r| format!("{:.1}", r / 1e3)),
            );
            cells.push(row.mbit_s.map_or("-".into(), |m| format!("{m:.1}")));
            cells.push(match (row.lost, row.sent) {
                (Some(l), Some(s)) if s > 0 => {
                    format!("{l} ({:.1}%)", l as f64 * 100.0 / s as f64)
                }
                (Some(l), _) => l.to_string(),
                _ => "-".into(),
            });
        }
        if let Some(ch) = changes {
            cells.extend(change_cells(ch[i].as_ref()));
        }
        cells.push(if row.calls.is_empty() {
            "-".into()
        } else {
            row.calls.clone()
        });
        g.row(cells);
    }
    o.grid(&g);
}

/// The legend: one line per column the report showed.
fn legend(r: &Report, vs: bool, o: &mut Out) {
    let stream = r.rows.iter().any(|x| x.mode == Mode::Stream);
    let mut items = vec![
        "median, p99, p99.9, min: time per op (what one op is: the section's title), in the \
         unit the head names (one per section); over every sample, stream: over the rounds"
            .to_string(),
        "ratio: median / c's median in the same section (c = 1.000), measured interleaved: the \
         figure to compare across runs and machines"
            .to_string(),
        format!(
            "ci95: bootstrap 95% interval of ratio over the interleaved rounds; ! = wider than \
             {:.0}% of the ratio: the rounds disagree, read the ratio as unknown (rerun, raise \
             --iters)",
            WIDE_CI * 100.0
        ),
        "twin: median / the median of the C loop making the same syscalls (a C loop is its own \
         twin: 1.000)"
            .to_string(),
        "floor: median / c-inline's median (the read/write loop with the syscall instruction \
         inline: no function frame spans a syscall)"
            .to_string(),
        "sys/op: syscalls per op, counted under strace after the timed run (- = not counted)"
            .to_string(),
    ];
    if stream {
        items.push(
            "kmsg/s: stream: thousands of messages delivered per second (the median round's); \
             Mbit/s: the same in payload megabits per second; lost: messages sent and never \
             received (share of sent)"
                .to_string(),
        );
    }
    if vs {
        items.push(
            "Δratio: the change of ratio against the baseline's row (median of the per-round \
             ratios now / then − 1), ▲ slower / ▼ faster when its ci95 lies wholly beyond the \
             noise threshold; new = no such row in the baseline"
                .to_string(),
        );
        items.push(
            "Δratio ci95: bootstrap 95% interval of Δratio (each run's rounds resampled)".into(),
        );
        items.push(
            "Δmedian: median now / then − 1; never flagged: absolute times drift 20–30% between \
             runs on a shared machine"
                .to_string(),
        );
    }
    items.push("calls: the syscalls one op made, as counted (×n: n per op)".to_string());
    if !r.fits.is_empty() || !r.syscall_rows.is_empty() {
        items.push(
            "fits and the syscall table: times in ns (per KiB, per message, per call as the \
             head says)"
                .to_string(),
        );
    }
    o.list("columns", &items);
}

/// The fits of the run: one section over the sizes, one over the batch sizes; times in ns.
fn fit_tables(fits: &[Fit], o: &mut Out) {
    let by = |over: Over| fits.iter().filter(move |f| f.over == over);
    let list = |xs: &[usize]| {
        let v: Vec<String> = xs.iter().map(usize::to_string).collect();
        v.join(", ")
    };
    let r2 = |f: &Fit| f.r2.map_or("-".into(), |v| format!("{v:.3}"));
    let ns = |x: f64| Unit::Ns.fmt(x);
    if let Some(first) = by(Over::Size).next() {
        o.heading(&format!(
            "cost per size: t(size) = fixed + per_kib × size, least squares over the medians at \
             {} B",
            list(&first.xs)
        ));
        let mut g = Grid::new(&[
            ("mode", false),
            ("transport", false),
            ("path", false),
            ("fixed ns", true),
            ("per KiB ns", true),
            ("R²", true),
            ("per-byte work = fixed at", true),
        ]);
        for f in by(Over::Size) {
            let name = match f.batch {
                Some(b) => format!("{} ({b})", f.path),
                None => f.path.to_string(),
            };
            let eq = f
                .crossover()
                .map_or("-".into(), |b| format!("{:.1} KiB", b / 1024.0));
            g.row(vec![
                f.mode.name().into(),
                f.transport.name().into(),
                name,
                ns(f.intercept_ns),
                ns(f.slope_ns),
                r2(f),
                eq,
            ]);
        }
        o.grid(&g);
    }
    if let Some(first) = by(Over::Batch).next() {
        o.heading(&format!(
            "cost per batch: t(batch) = per_msg + per_call / batch (per message), least squares \
             over the medians at batch {}",
            list(&first.xs)
        ));
        let mut g = Grid::new(&[
            ("transport", false),
            ("size", true),
            ("path", false),
            ("per msg ns", true),
            ("per call ns", true),
            ("R²", true),
            ("equal at", true),
            ("<5% past", true),
        ]);
        for f in by(Over::Batch) {
            let eq = f.crossover().map_or("-".into(), |b| format!("{b:.1}"));
            let stop = f
                .doubling_gains_less_than(0.05)
                .map_or("-".into(), |b| format!("{b:.1}"));
            g.row(vec![
                f.transport.name().into(),
                format!("{} B", f.size.unwrap_or(0)),
                f.path.name().into(),
                ns(f.intercept_ns),
                ns(f.slope_ns),
                r2(f),
                eq,
                stop,
            ]);
        }
        o.grid(&g);
        o.para(
            "equal at: the batch at which the per-call share equals each message's own work \
             (per_call / per_msg); <5% past: the batch past which doubling it saves less than 5% \
             per message, where batching stops paying",
        );
    }
}

/// The Nagle canary's line.
fn nagle_line(n: &Nagle) -> String {
    format!(
        "nagle canary: tcp write(4)+write(60)+read(64), {} exchanges each: TCP_NODELAY {:.0} µs \
         vs Nagle {:.0} µs ({:.0}×)",
        n.iters,
        n.nodelay_median_ns / 1e3,
        n.nagle_median_ns / 1e3,
        n.nagle_median_ns / n.nodelay_median_ns
    )
}

/// The run's notes, then what each path measured shows (for the paths in the table).
fn notes(r: &Report, o: &mut Out) {
    let mut items: Vec<String> = r.notes.clone();
    for (path, why) in PATH_NOTES {
        if r.rows.iter().any(|row| row.path == *path) {
            items.push(format!("{path}: {why}"));
        }
    }
    if items.is_empty() {
        return;
    }
    match o.style {
        Style::Text => {
            o.s.push('\n');
            for n in items {
                let _ = writeln!(o.s, "note: {n}");
            }
        }
        Style::Markdown => o.list("notes", &items),
    }
}

/// The `--mode syscall` sections: one per call, each way's ns per call, its ratio to the inline
/// floor and the "tax" it pays over it, then what the frames are.
fn syscall_table(r: &Report, o: &mut Out) {
    for call in SysCall::ALL {
        let rows: Vec<&SyscallRow> = r.syscall_rows.iter().filter(|x| x.call == call).collect();
        if rows.is_empty() {
            continue;
        }
        let floor = rows
            .iter()
            .find(|x| x.path == super::syscall::SysPath::CInline)
            .map(|x| x.summary.median_ns);
        o.heading(&format!(
            "syscall {} (one op = one call, timed in blocks of {}; times in ns)",
            call.name(),
            super::syscall::BLOCK
        ));
        let mut g = Grid::new(&[
            ("path", false),
            ("median ns", true),
            ("p99 ns", true),
            ("min ns", true),
            ("floor", true),
            ("tax ns", true),
            ("frames", false),
        ]);
        for x in rows {
            let s = &x.summary;
            g.row(vec![
                x.path.name().into(),
                Unit::Ns.fmt(s.median_ns),
                Unit::Ns.fmt(s.p99_ns),
                Unit::Ns.fmt(s.min_ns),
                ratio3(x.ratio_to_floor),
                floor.map_or("-".into(), |f| format!("{:+.0}", s.median_ns - f)),
                x.path.what().into(),
            ]);
        }
        o.grid(&g);
    }
    if !r.syscall_rows.is_empty() {
        o.para(
            "tax = median - c-inline's: what each frame spanning the syscall costs. A ret whose \
             call came before the kernel entry mispredicts when the entry/exit clears the return \
             predictions (retpolines + RSB filling, SRSO Safe RET: see mitigations above); a call \
             made after the syscall costs nothing extra.",
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
    fn wide_intervals_are_marked() {
        assert_eq!(ci_cell(Some([0.99, 1.01]), Some(1.0)), "[0.990,1.010]");
        assert_eq!(ci_cell(Some([1.468, 8.933]), Some(2.0)), "[1.468,8.933] !");
        assert_eq!(ci_cell(None, Some(1.0)), "-");
        assert_eq!(pct(0.0123), "+1.2%");
    }
}
