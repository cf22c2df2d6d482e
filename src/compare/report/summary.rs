//! What a mode's groups say, in a few lines under them: the floor's tax (`c` over `c-inline`),
//! the fastest path, the paths that differ from their C twin beyond the noise, the rows whose
//! interval is too wide to quote, and against a baseline the ratios that moved.

use super::super::comparison::Comparison;
use super::super::paths::PathName;
use super::super::stats;
use super::super::Row;
use super::{is_wide, pct, WIDE_CI};

/// A path "differs from its twin" when the 95% interval of its per-round ratio to the twin
/// lies wholly outside 1 ± this: 1%, past the run-to-run noise of a ratio.
pub const TWIN_NOISE: f64 = 0.01;

/// At most this many rows are named in one line; the rest are counted.
const LIST_MAX: usize = 5;

/// The rows of one mode (`(index in the report, row)`, in table order) summed up.
pub(crate) fn mode(rows: &[(usize, &Row)], vs: Option<&Comparison>) -> Vec<String> {
    let mut groups: Vec<Vec<&Row>> = Vec::new();
    for (_, r) in rows {
        match groups.last_mut() {
            Some(g) if (g[0].transport, g[0].size) == (r.transport, r.size) => g.push(r),
            _ => groups.push(vec![r]),
        }
    }
    let one_size = groups.iter().all(|g| g[0].size == groups[0][0].size);
    let label = |r: &Row| {
        if one_size {
            r.transport.to_string()
        } else {
            format!("{} {} B", r.transport, r.size)
        }
    };
    let mut out = Vec::new();
    out.extend(floor_tax(&groups, &label));
    out.extend(fastest(&groups, &label));
    out.extend(twins(&groups, &label));
    out.extend(wide(rows, &label));
    if let Some(c) = vs {
        out.extend(moved(rows, c, &label));
    }
    out
}

/// `floor's tax (c over c-inline: glibc's wrapper frame): udp +7.8%, tcp +1.4%`.
fn floor_tax(groups: &[Vec<&Row>], label: &dyn Fn(&Row) -> String) -> Option<String> {
    let taxes: Vec<String> = groups
        .iter()
        .filter_map(|g| {
            let c = g.iter().find(|r| r.path == PathName::C)?;
            Some(format!("{} {}", label(c), pct(c.ratio_to_floor? - 1.0)))
        })
        .collect();
    (!taxes.is_empty()).then(|| {
        format!(
            "the floor's tax (c's median over c-inline's: glibc's wrapper frame around each \
             syscall): {}",
            taxes.join(", ")
        )
    })
}

/// The fastest path (lowest median, the floor `c-inline` aside) per group, or once when it is
/// the same everywhere.
fn fastest(groups: &[Vec<&Row>], label: &dyn Fn(&Row) -> String) -> Option<String> {
    let best: Vec<&Row> = groups
        .iter()
        .filter_map(|g| {
            g.iter()
                .filter(|r| r.path != PathName::CInline && r.summary.median_ns.is_finite())
                .min_by(|a, b| a.summary.median_ns.total_cmp(&b.summary.median_ns))
                .copied()
        })
        .collect();
    let first = best.first()?;
    let ratio = |r: &Row| r.ratio_to_c.map_or("-".into(), |x| format!("{x:.3}×"));
    if best.len() > 1
        && best
            .iter()
            .all(|r| (r.path, r.batch) == (first.path, first.batch))
    {
        let ratios: Vec<f64> = best.iter().filter_map(|r| r.ratio_to_c).collect();
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        return Some(format!(
            "fastest (the floor aside): {} in every group, {lo:.3}–{hi:.3}× c",
            super::path_cell(first)
        ));
    }
    let each: Vec<String> = best
        .iter()
        .map(|r| format!("{} {} {}", label(r), super::path_cell(r), ratio(r)))
        .collect();
    Some(format!(
        "fastest (the floor aside, × c): {}",
        each.join(", ")
    ))
}

/// How far each non-C path is from its twin: the per-round ratios' quotient (path / twin,
/// paired round by round) with its bootstrap interval, or the point `ratio_to_twin` when the
/// rows kept no rounds.
fn twins(groups: &[Vec<&Row>], label: &dyn Fn(&Row) -> String) -> Option<String> {
    let mut within = 0;
    let mut unresolved = 0;
    let mut differ: Vec<(f64, String)> = Vec::new();
    for g in groups {
        for r in g.iter().filter(|r| !r.path.is_c()) {
            let Some(tname) = r.path.twin(r.transport) else {
                continue;
            };
            let Some(t) = g.iter().find(|t| t.path == tname && t.batch == r.batch) else {
                continue;
            };
            let (x, ci) = match paired(r, t) {
                Some((x, ci)) => (x, Some(ci)),
                None => match r.ratio_to_twin {
                    Some(x) => (x, None),
                    None => continue,
                },
            };
            let (inside, outside) = match ci {
                Some([lo, hi]) => (
                    lo >= 1.0 - TWIN_NOISE && hi <= 1.0 + TWIN_NOISE,
                    lo > 1.0 + TWIN_NOISE || hi < 1.0 - TWIN_NOISE,
                ),
                None => ((x - 1.0).abs() <= TWIN_NOISE, (x - 1.0).abs() > TWIN_NOISE),
            };
            if inside {
                within += 1;
                continue;
            }
            if !outside {
                unresolved += 1;
                continue;
            }
            let ci = ci.map_or(" (no rounds saved: the point ratio)".into(), |[lo, hi]| {
                format!(" [{lo:.3},{hi:.3}]")
            });
            differ.push((
                (x - 1.0).abs(),
                format!(
                    "{} {} {x:.3}× {}{ci}",
                    label(r),
                    super::path_cell(r),
                    t.path
                ),
            ));
        }
    }
    let total = within + unresolved + differ.len();
    if total == 0 {
        return None;
    }
    let band = format!("±{:.0}%", TWIN_NOISE * 100.0);
    let open = if unresolved > 0 {
        format!("; {unresolved} not resolved (their interval straddles {band})")
    } else {
        String::new()
    };
    if differ.is_empty() {
        return Some(format!(
            "twins: {within} of {total} paths with a C twin within {band} of it (the C loop \
             making the same syscalls; 95% interval inside){open}"
        ));
    }
    differ.sort_by(|a, b| b.0.total_cmp(&a.0));
    Some(format!(
        "twins: {within} of {total} paths within {band} of their C twin (95% interval inside){open}; \
         beyond it (interval wholly outside): {}",
        listed(differ.into_iter().map(|(_, s)| s).collect())
    ))
}

/// The median and 95% interval of `r`'s per-round ratio to `t` (both ratios to `c` of the
/// same rounds, so their quotient is path / twin round by round).
fn paired(r: &Row, t: &Row) -> Option<(f64, [f64; 2])> {
    if r.round_ratios.is_empty() || r.round_ratios.len() != t.round_ratios.len() {
        return None;
    }
    let q: Vec<f64> = r
        .round_ratios
        .iter()
        .zip(&t.round_ratios)
        .map(|(a, b)| a / b)
        .collect();
    stats::median_ci95(&q)
}

/// The rows marked `!`.
fn wide(rows: &[(usize, &Row)], label: &dyn Fn(&Row) -> String) -> Option<String> {
    let marked: Vec<String> = rows
        .iter()
        .filter(|(_, r)| is_wide(r.ratio_ci95, r.ratio_to_c))
        .map(|(_, r)| format!("{} {}", label(r), super::path_cell(r)))
        .collect();
    (!marked.is_empty()).then(|| {
        format!(
            "{} row(s) with a ci95 wider than {:.0}% of the ratio (marked !), not figures to \
             quote: {}",
            marked.len(),
            WIDE_CI * 100.0,
            listed(marked)
        )
    })
}

/// Against a baseline: the ratios that moved beyond the noise, and how far the medians drifted.
pub(crate) fn moved(
    rows: &[(usize, &Row)],
    c: &Comparison,
    label: &dyn Fn(&Row) -> String,
) -> Option<String> {
    let changes: Vec<(&Row, &super::super::comparison::Change)> = rows
        .iter()
        .filter_map(|(i, r)| Some((*r, c.changes.get(*i)?.as_ref()?)))
        .collect();
    if changes.is_empty() {
        return Some(format!("vs baseline {}: no row of this mode in it", c.name));
    }
    let medians: Vec<f64> = changes
        .iter()
        .map(|(_, ch)| ch.median)
        .filter(|m| m.is_finite())
        .collect();
    let lo = medians.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let drift = if medians.is_empty() {
        String::new()
    } else {
        format!(
            "; medians moved {} to {} (not judged: absolute times drift between runs)",
            pct(lo),
            pct(hi)
        )
    };
    let noise = format!("±{:.0}%", c.noise * 100.0);
    let unjudged = changes.iter().filter(|(_, ch)| !ch.judged).count();
    let drift = if unjudged > 0 {
        format!(
            "{drift}; {unjudged} rows not judged (a run's ci95 of the row wider than {:.0}%)",
            WIDE_CI * 100.0
        )
    } else {
        drift
    };
    let flagged: Vec<String> = changes
        .iter()
        .filter_map(|(r, ch)| {
            let f = ch.flag?;
            let (x, ci) = ch.ratio?;
            let ci = ci.map_or(String::new(), |[a, b]| {
                format!(" [{:+.1},{:+.1}]%", a * 100.0, b * 100.0)
            });
            Some(format!(
                "{} {} {} {}{ci}",
                label(r),
                super::path_cell(r),
                f.mark(),
                pct(x)
            ))
        })
        .collect();
    Some(if flagged.is_empty() {
        format!(
            "vs baseline {}: no ratio to c moved beyond {noise} ({} rows compared){drift}",
            c.name,
            changes.len()
        )
    } else {
        format!(
            "vs baseline {}: {} of {} ratios to c moved beyond {noise}: {}{drift}",
            c.name,
            flagged.len(),
            changes.len(),
            listed(flagged)
        )
    })
}

/// Up to [`LIST_MAX`] items joined, then `and N more`.
fn listed(items: Vec<String>) -> String {
    let n = items.len();
    let mut s: Vec<String> = items.into_iter().take(LIST_MAX).collect();
    if n > LIST_MAX {
        s.push(format!("and {} more", n - LIST_MAX));
    }
    s.join("; ")
}
