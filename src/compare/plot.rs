//! A run's ratios drawn as SVG (feature `plot`): `socklab compare --plot FILE.svg` and
//! `socklab report --plot FILE.svg`.
//!
//! One panel per group (mode, transport, size): each path's `ratio_to_c` as a dot with its
//! ci95 as whiskers, `c` as the solid line at 1, the floor (`c-inline`) as a dashed red line,
//! and each path's C twin marked `×` on the path's own line (where the twin's ratio is): a dot
//! right of its `×` pays more than the C loop making the same syscalls. A mode and transport
//! measured at several sizes is one panel of lines instead: each path's ratio over the sizes
//! (log scale) with its whiskers, the C loops dashed, the floor red. Several runs
//! ([`svg`] with more than one) share each group's panel, one colour per run, a size sweep one
//! panel per run.
//!
//! Drawn with plotters' SVG backend alone (no font-kit: plotters estimates text sizes), so
//! nothing here needs a C library.

use std::fmt;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::paths::{PathName, Transport};
use super::{Mode, Report, Row};

/// Why a plot could not be drawn (plotters' drawing error, as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotError(String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "drawing the plot: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

fn err<E: fmt::Debug>(e: E) -> PlotError {
    PlotError(format!("{e:?}"))
}

/// Panel width in pixels; two panels per line.
const PANEL_W: u32 = 620;
/// Height of one path's line in a group panel, per run.
const LINE_H: u32 = 16;
/// A group panel's height beyond its lines (caption, axis).
const PANEL_EXTRA: u32 = 90;
/// A size-sweep panel's height.
const SWEEP_H: u32 = 420;
/// The figure's heading.
const HEAD_H: u32 = 60;

/// What one panel draws.
enum Panel<'a> {
    /// One group of every run: (run index, its rows of the group).
    Group {
        title: String,
        runs: Vec<(usize, Vec<&'a Row>)>,
    },
    /// One mode and transport over several sizes, of one run.
    Sweep { title: String, rows: Vec<&'a Row> },
}

impl Panel<'_> {
    fn height(&self) -> u32 {
        match self {
            Panel::Group { runs, .. } => {
                let paths = paths_of(runs.iter().flat_map(|(_, r)| r.iter().copied())).len();
                PANEL_EXTRA + LINE_H * paths as u32 * runs.len().max(1) as u32
            }
            Panel::Sweep { .. } => SWEEP_H,
        }
    }
}

/// The paths (and batch) of `rows`, in first-seen order.
fn paths_of<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<(PathName, Option<usize>)> {
    let mut out = Vec::new();
    for r in rows {
        if !out.contains(&(r.path, r.batch)) {
            out.push((r.path, r.batch));
        }
    }
    out
}

/// The panels of `runs`: for each mode and transport, a sweep per run when a run measured it
/// at several sizes, else one panel per group holding every run's rows.
fn panels<'a>(runs: &[(&str, &'a Report)]) -> Vec<Panel<'a>> {
    let mut keys: Vec<(Mode, Transport)> = Vec::new();
    for (_, r) in runs {
        for row in &r.rows {
            if !keys.contains(&(row.mode, row.transport)) {
                keys.push((row.mode, row.transport));
            }
        }
    }
    let mut out = Vec::new();
    for (mode, transport) in keys {
        let of = |r: &'a Report| -> Vec<&'a Row> {
            r.rows
                .iter()
                .filter(|x| x.mode == mode && x.transport == transport && x.ratio_to_c.is_some())
                .collect()
        };
        let mut sizes: Vec<usize> = runs
            .iter()
            .flat_map(|(_, r)| of(r).into_iter().map(|x| x.size))
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        if sizes.len() > 1 {
            for (i, (label, r)) in runs.iter().enumerate() {
                let rows = of(r);
                if rows.is_empty() {
                    continue;
                }
                let who = if runs.len() > 1 {
                    format!("{}: {label}: ", letter(i))
                } else {
                    String::new()
                };
                out.push(Panel::Sweep {
                    title: format!("{who}{mode} {transport}: ratio to c over the message size"),
                    rows,
                });
            }
            continue;
        }
        for size in sizes {
            let runs_rows = runs
                .iter()
                .enumerate()
                .map(|(i, (_, r))| (i, of(r).into_iter().filter(|x| x.size == size).collect()))
                .collect();
            out.push(Panel::Group {
                title: format!("{mode} {transport} {size} B: ratio to c, ci95"),
                runs: runs_rows,
            });
        }
    }
    out
}

/// `A`, `B`, …: a run's short name.
fn letter(i: usize) -> String {
    char::from(b'A' + (i % 26) as u8).to_string()
}

/// The colour of run `i` in a shared panel (one run: blue).
fn run_colour(i: usize) -> RGBColor {
    const C: [RGBColor; 4] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
    ];
    C[i % C.len()]
}

/// The red of the floor.
const FLOOR: RGBColor = RGBColor(214, 39, 40);

/// The SVG of `runs` (each `(label, run)`; one run for `compare --plot`).
///
/// # Errors
/// [`PlotError`] when plotters fails to draw (it does not for well-formed reports), or when
/// there is no row with a ratio to draw.
pub fn svg(runs: &[(&str, &Report)]) -> Result<String, PlotError> {
    let panels = panels(runs);
    if panels.is_empty() {
        return Err(PlotError("no row with a ratio to c to draw".into()));
    }
    let mut heights = Vec::new();
    for pair in panels.chunks(2) {
        heights.push(pair.iter().map(Panel::height).max().unwrap_or(0));
    }
    let height = HEAD_H + heights.iter().sum::<u32>();
    let width = PANEL_W * 2;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        heading(&root, runs)?;
        let mut y = HEAD_H;
        for (pair, h) in panels.chunks(2).zip(&heights) {
            for (k, p) in pair.iter().enumerate() {
                let area = root
                    .clone()
                    .shrink(((k as u32 * PANEL_W) as i32, y as i32), (PANEL_W, *h));
                match p {
                    Panel::Group { title, runs: rr } => group_panel(&area, title, rr, runs.len())?,
                    Panel::Sweep { title, rows } => sweep_panel(&area, title, rows)?,
                }
            }
            y += h;
        }
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The figure's heading: what the marks mean, and the runs.
fn heading(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    runs: &[(&str, &Report)],
) -> Result<(), PlotError> {
    let title = if runs.len() == 1 {
        let e = &runs[0].1.env;
        format!(
            "socklab {} compare — {} · {} cpus · kernel {} · {}",
            runs[0].1.socklab_version, e.cpu_model, e.cpus, e.kernel, e.started_at
        )
    } else {
        let names: Vec<String> = runs
            .iter()
            .enumerate()
            .map(|(i, (l, r))| {
                format!(
                    "{}: {l} ({}, {})",
                    letter(i),
                    r.env.kernel,
                    r.env.started_at
                )
            })
            .collect();
        format!("socklab report — {}", names.join(" · "))
    };
    let keys = if runs.len() == 1 {
        "dot: the path's median / c's median, measured interleaved (grey: the C loops); whiskers: \
         its bootstrap 95% interval; ×: the path's C twin (same syscalls); solid line: c = 1; \
         dashed red: the floor (c-inline)"
    } else {
        "dot: the path's median / c's median in each run (one colour per run, A on top); \
         whiskers: its bootstrap 95% interval; ×: the path's C twin in that run; solid line: c = 1; \
         dashed red: each run's floor (c-inline)"
    };
    root.draw_text(
        &title,
        &("sans-serif", 16).into_font().color(&BLACK),
        (10, 10),
    )
    .map_err(err)?;
    root.draw_text(
        keys,
        &("sans-serif", 12).into_font().color(&BLACK),
        (10, 34),
    )
    .map_err(err)?;
    Ok(())
}

/// A group panel: per path (top to bottom in table order), each run's dot and whiskers, its
/// twin's `×`; `c` at 1 and the floor dashed.
fn group_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    runs: &[(usize, Vec<&Row>)],
    n_runs: usize,
) -> Result<(), PlotError> {
    let paths = paths_of(runs.iter().flat_map(|(_, r)| r.iter().copied()));
    let n = paths.len();
    if n == 0 {
        return Ok(());
    }
    let per = n_runs.max(1);
    // The segment of path `p` of run `k`: paths top to bottom in table order, one segment per
    // run within each path, run A on top.
    let seg = |p: usize, k: usize| SegmentValue::CenterOf((n - 1 - p) * per + (per - 1 - k));
    let mut lo = 1.0f64;
    let mut hi = 1.0f64;
    for (_, rows) in runs {
        for r in rows {
            let ratio = r.ratio_to_c.unwrap_or(1.0);
            let [a, b] = r.ratio_ci95.unwrap_or([ratio, ratio]);
            lo = lo.min(a).min(ratio);
            hi = hi.max(b).max(ratio);
            if let Some(f) = r.ratio_to_floor.filter(|f| *f > 0.0) {
                lo = lo.min(ratio / f);
            }
        }
    }
    let pad = ((hi - lo) * 0.08).max(0.01);
    let (lo, hi) = (lo - pad, hi + pad);
    let names: Vec<String> = paths
        .iter()
        .map(|(p, b)| match b {
            Some(b) => format!("{p} ({b})"),
            None => p.to_string(),
        })
        .collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 14))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(150)
        .build_cartesian_2d(lo..hi, (0..n * per).into_segmented())
        .map_err(err)?;
    // A path's name on its first run's segment (the top one).
    let label = |y: &SegmentValue<usize>| match y {
        SegmentValue::CenterOf(i) if i % per == per - 1 && i / per < n => {
            names[n - 1 - i / per].clone()
        }
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .y_labels(n * per)
        .y_label_formatter(&label)
        .x_desc("ratio to c")
        .label_style(("sans-serif", 11))
        .draw()
        .map_err(err)?;
    let (bottom, top) = (SegmentValue::Exact(0), SegmentValue::Last);
    chart
        .draw_series(LineSeries::new(
            vec![(1.0, bottom.clone()), (1.0, top.clone())],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
    for (k, rows) in runs {
        let colour = run_colour(*k);
        // The floor: c-inline's ratio to c in this run.
        if let Some(f) = rows
            .iter()
            .find(|r| r.path == PathName::CInline)
            .and_then(|r| r.ratio_to_c)
        {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(f, bottom.clone()), (f, top.clone())],
                    5,
                    4,
                    FLOOR.stroke_width(1),
                ))
                .map_err(err)?;
        }
        let at = |r: &Row| paths.iter().position(|p| *p == (r.path, r.batch));
        let idx = if per > 1 { *k } else { 0 };
        // One run: the C loops grey, the Rust paths in the run's colour; several: one colour each.
        let style_of = |r: &Row| {
            if per == 1 && r.path.is_c() {
                RGBColor(90, 90, 90).filled()
            } else {
                colour.filled()
            }
        };
        chart
            .draw_series(rows.iter().filter_map(|r| {
                let style = style_of(r);
                let y = seg(at(r)?, idx);
                let x = r.ratio_to_c?;
                let [a, b] = r.ratio_ci95.unwrap_or([x, x]);
                Some(ErrorBar::new_horizontal(y, a, x, b, style, 6))
            }))
            .map_err(err)?;
        chart
            .draw_series(rows.iter().filter_map(|r| {
                let y = seg(at(r)?, idx);
                Some(Circle::new((r.ratio_to_c?, y), 3, style_of(r)))
            }))
            .map_err(err)?;
        // Each Rust path's twin: where the C loop making its syscalls sits, on the path's line.
        chart
            .draw_series(rows.iter().filter(|r| !r.path.is_c()).filter_map(|r| {
                let t = r.path.twin(r.transport)?;
                let twin = rows.iter().find(|x| x.path == t && x.batch == r.batch)?;
                let y = seg(at(r)?, idx);
                Some(Cross::new((twin.ratio_to_c?, y), 4, BLACK.stroke_width(1)))
            }))
            .map_err(err)?;
    }
    Ok(())
}

/// A size sweep of one run: each path's ratio to c over the sizes (log x), whiskers, the C
/// loops dashed, the floor red.
fn sweep_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    rows: &[&Row],
) -> Result<(), PlotError> {
    let paths = paths_of(rows.iter().copied());
    let sizes: Vec<usize> = {
        let mut s: Vec<usize> = rows.iter().map(|r| r.size).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let (x0, x1) = (
        sizes[0] as f64 / 1.3,
        *sizes.last().unwrap_or(&1) as f64 * 1.3,
    );
    let mut lo = 1.0f64;
    let mut hi = 1.0f64;
    for r in rows {
        let x = r.ratio_to_c.unwrap_or(1.0);
        let [a, b] = r.ratio_ci95.unwrap_or([x, x]);
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let pad = ((hi - lo) * 0.08).max(0.01);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 14))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d((x0..x1).log_scale(), (lo - pad)..(hi + pad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_desc("message size, bytes (log)")
        .y_desc("ratio to c")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", 11))
        .draw()
        .map_err(err)?;
    for (i, (path, batch)) in paths.iter().enumerate() {
        let mut pts: Vec<(f64, f64, [f64; 2])> = rows
            .iter()
            .filter(|r| r.path == *path && r.batch == *batch)
            .filter_map(|r| {
                let y = r.ratio_to_c?;
                Some((r.size as f64, y, r.ratio_ci95.unwrap_or([y, y])))
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let colour: RGBAColor = if *path == PathName::CInline {
            FLOOR.to_rgba()
        } else {
            Palette99::pick(i).to_rgba()
        };
        let name = match batch {
            Some(b) => format!("{path} ({b})"),
            None => path.to_string(),
        };
        let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
        let series = if path.is_c() {
            chart.draw_series(DashedLineSeries::new(line, 6, 4, colour.stroke_width(2)))
        } else {
            chart.draw_series(LineSeries::new(line, colour.stroke_width(2)))
        }
        .map_err(err)?;
        series.label(name).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
        });
        chart
            .draw_series(
                pts.iter()
                    .map(|p| ErrorBar::new_vertical(p.0, p.2[0], p.1, p.2[1], colour.filled(), 6)),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 10))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}
