//! Saved runs side by side (`socklab report A.json B.json …`): their env blocks in columns,
//! then every group with each run's median, ratio and interval per path, rows matched by mode,
//! transport, size, path (and batch: [`RowKey`]); each run after the first compared with the
//! first as with a baseline ([`Comparison`]): its change of ratio flagged beyond the noise, its
//! change of median shown. Runs from different machines or kernels read so: the ratios, each
//! measured interleaved within its own run, are what compares; the medians are each machine's.

use super::super::comparison::{Comparison, RowKey};
use super::super::{Mode, Report, Row};
use super::grid::{Grid, Unit};
use super::{change_cells, ci_cell, op_words, path_cell, ratio3, summary, Out, Style};

/// One run to show: its label (the file it was read from) and the run.
pub struct Run<'a> {
    /// How the run is named in the heads (`a.json`).
    pub label: String,
    /// The run.
    pub report: &'a Report,
}

/// `A`, `B`, … `Z`, then `R27`…: the short names of the columns.
fn letter(i: usize) -> String {
    match u8::try_from(i).ok().filter(|&i| i < 26) {
        Some(i) => char::from(b'A' + i).to_string(),
        None => format!("R{}", i + 1),
    }
}

/// The runs side by side, each after the first compared with the first, flagged beyond
/// `noise` (a fraction).
pub fn runs(runs: &[Run<'_>], noise: f64, style: Style) -> String {
    let mut o = Out::new(style);
    o.title(&format!(
        "socklab report: {} runs side by side, rows matched by mode, transport, size and path",
        runs.len()
    ));
    env_table(runs, &mut o);
    let first = runs[0].report;
    let vs: Vec<Comparison> = runs[1..]
        .iter()
        .map(|r| Comparison::new(r.report, first, &letter(0), noise))
        .collect();
    let mut keys: Vec<RowKey> = Vec::new();
    for r in runs {
        for row in &r.report.rows {
            let k = RowKey::of(row);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut groups: Vec<Vec<RowKey>> = Vec::new();
    for k in keys {
        let same = |g: &Vec<RowKey>| {
            (g[0].mode, g[0].transport, g[0].size) == (k.mode, k.transport, k.size)
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(g) => g.push(k),
            None => groups.push(vec![k]),
        }
    }
    for g in &groups {
        group(runs, &vs, g, &mut o);
    }
    let mut lines = Vec::new();
    for (k, c) in vs.iter().enumerate() {
        let rows: Vec<(usize, &Row)> = runs[k + 1].report.rows.iter().enumerate().collect();
        let label = |r: &Row| format!("{} {} {} B", r.mode, r.transport, r.size);
        if let Some(l) = summary::moved(&rows, c, &label) {
            lines.push(format!("{}: {l}", letter(k + 1)));
        }
        if !c.unmatched.is_empty() {
            lines.push(format!(
                "{}: {} rows of {} are not in it",
                letter(k + 1),
                c.unmatched.len(),
                letter(0)
            ));
        }
    }
    o.list("what the runs say", &lines);
    o.list(
        "columns",
        &[
            "X median: run X's median per op, in the unit of the section's title; X ratio: its \
             median / c's in the same run (measured interleaved); X ci95: its bootstrap 95% \
             interval; ! = wider than 10% of the ratio"
                .to_string(),
            format!(
                "X Δratio: run X's change of ratio against run A (median of the per-round ratios \
                 X / A − 1), ▲ slower / ▼ faster relative to c when its ci95 (X Δci95) lies wholly \
                 beyond ±{:.0}%; X Δmedian: median X / A − 1, never flagged (different machines, \
                 different clocks)",
                noise * 100.0
            ),
            "- = the run has no such row (or no ratio); new = a row run A does not have".into(),
        ],
    );
    o.into_string()
}

/// One run's env items, in the side-by-side order.
fn env_cells(r: &Run<'_>) -> Vec<(&'static str, String)> {
    let e = &r.report.env;
    let m = &e.mitigations;
    vec![
        ("file", r.label.clone()),
        ("socklab", r.report.socklab_version.clone()),
        ("kernel", e.kernel.clone()),
        ("cpu", format!("{} ({} cpus)", e.cpu_model, e.cpus)),
        ("virtualization", e.virtualization.clone()),
        ("clocksource", e.clocksource.clone()),
        ("pin", super::pin_line(r.report)),
        ("started_at", e.started_at.clone()),
        (
            "cpu steal",
            e.cpu_steal_pct
                .map_or("unknown".into(), |s| format!("{s:.2}%")),
        ),
        ("spectre_v2", or_unknown(&m.spectre_v2)),
        ("spec_rstack_overflow", or_unknown(&m.spec_rstack_overflow)),
        ("retbleed", or_unknown(&m.retbleed)),
        (
            "mitigations=",
            m.cmdline.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "harness",
            format!("{:.1} ns per sample", r.report.overhead_ns),
        ),
        (
            "complete",
            r.report.incomplete.clone().unwrap_or_else(|| "yes".into()),
        ),
    ]
}

/// The env blocks in columns, one row per item.
fn env_table(runs: &[Run<'_>], o: &mut Out) {
    let mut g = Grid::new(&[("", false)]);
    for (i, _) in runs.iter().enumerate() {
        g.col(&letter(i), false);
    }
    let cells: Vec<Vec<(&str, String)>> = runs.iter().map(env_cells).collect();
    for (k, (name, _)) in cells[0].iter().enumerate() {
        let mut row = vec![name.to_string()];
        row.extend(cells.iter().map(|c| c[k].1.clone()));
        g.row(row);
    }
    o.grid(&g);
}

fn or_unknown(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "unknown".into())
}

/// One group: per path, each run's median, ratio and interval, then each later run's change
/// against the first.
fn group(runs: &[Run<'_>], vs: &[Comparison], keys: &[RowKey], o: &mut Out) {
    let k0 = keys[0];
    fn find<'r>(r: &Run<'r>, k: RowKey) -> Option<(usize, &'r Row)> {
        r.report
            .rows
            .iter()
            .enumerate()
            .find(|(_, row)| RowKey::of(row) == k)
    }
    let smallest = runs
        .iter()
        .flat_map(|r| keys.iter().filter_map(move |k| find(r, *k)))
        .map(|(_, row)| row.summary.median_ns)
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min);
    let unit = Unit::for_smallest(smallest);
    let pin = runs[0]
        .report
        .pins
        .iter()
        .find(|p| p.mode == k0.mode)
        .map(|p| p.pin);
    let op = if k0.mode == Mode::Stream {
        op_words(k0.mode, None)
    } else {
        op_words(k0.mode, pin)
    };
    o.heading(&format!(
        "{} {} {} B ({op}; times in {})",
        k0.mode,
        k0.transport,
        k0.size,
        unit.name()
    ));
    let mut g = Grid::new(&[("path", false)]);
    for i in 0..runs.len() {
        let x = letter(i);
        g.col(&format!("{x} median {}", unit.name()), true);
        g.col(&format!("{x} ratio"), true);
        g.col(&format!("{x} ci95"), false);
    }
    for i in 1..runs.len() {
        let x = letter(i);
        g.col(&format!("{x} Δratio"), true);
        g.col(&format!("{x} Δci95"), false);
        g.col(&format!("{x} Δmedian"), true);
    }
    for &k in keys {
        let name = runs
            .iter()
            .find_map(|r| find(r, k))
            .map_or_else(|| k.path.to_string(), |(_, row)| path_cell(row));
        let mut cells = vec![name];
        for r in runs {
            match find(r, k) {
                Some((_, row)) => cells.extend([
                    unit.fmt(row.summary.median_ns),
                    ratio3(row.ratio_to_c),
                    ci_cell(row.ratio_ci95, row.ratio_to_c),
                ]),
                None => cells.extend(["-".to_string(), "-".into(), "-".into()]),
            }
        }
        for (j, r) in runs[1..].iter().enumerate() {
            match find(r, k) {
                Some((i, _)) => cells.extend(change_cells(vs[j].changes[i].as_ref())),
                None => cells.extend(["-".to_string(), "-".into(), "-".into()]),
            }
        }
        g.row(cells);
    }
    o.grid(&g);
}
