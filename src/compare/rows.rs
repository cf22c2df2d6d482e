//! The results of one measured group as [`Row`]s: each path's summary with its ratios to `c`,
//! to its C twin and to the `c-inline` floor, and stream mode's delivered rate and losses; plus
//! the notes a group adds to the report.
//!
//! Stream rows are per round: a round's figure is its nanoseconds per delivered message
//! ([`StreamRound::ns_per_msg`](super::harness::StreamRound::ns_per_msg)), and the row's
//! `median_ns`, `p99_ns`, `p999_ns` and `min_ns` are taken over the rounds, as its `ratio_ci95`
//! resamples them. `msgs_per_s` is the median round's rate (`1e9 / median_ns`).

use super::config::{Group, Mode};
use super::harness::Slot;
use super::paths::PathName;
use super::stats::{self, Summary};
use super::Row;

/// The note of a group without a `c` row (its `ratio_to_c` is null), once per mode.
pub fn no_c_note(group: &Group, slots: &[Slot]) -> Option<String> {
    let has_c = slots.iter().any(|s| s.path == PathName::C);
    (!has_c).then(|| format!("{}: no c row, ratio_to_c is null", group.mode))
}

/// What one slot measured, in the unit of its mode: the summary and the rounds the bootstrap
/// resamples (stream: one value per round, in picoseconds per message so that a 15 ns GSO
/// figure keeps three digits).
struct Measured {
    summary: Summary,
    rounds: Vec<Vec<u64>>,
}

fn measured(group: &Group, s: &Slot) -> Measured {
    if group.mode != Mode::Stream {
        return Measured {
            summary: s.rec.summary(),
            rounds: s.rec.rounds().to_vec(),
        };
    }
    let per_round: Vec<f64> = s.stream.iter().filter_map(|r| r.ns_per_msg()).collect();
    Measured {
        summary: stats::round_summary(&per_round, s.received),
        rounds: per_round
            .iter()
            .map(|ns| vec![(ns * 1000.0).round() as u64])
            .collect(),
    }
}

/// The rows of one measured group, ratios taken to its `c` slot, each path's twin (the slot of
/// the same batch size for a batched path) and `c-inline`.
pub fn group_rows(group: &Group, slots: &[Slot]) -> Vec<Row> {
    let all: Vec<Measured> = slots.iter().map(|s| measured(group, s)).collect();
    let find = |p: PathName, batch: Option<usize>| {
        let i = slots
            .iter()
            .position(|s| s.path == p && s.batch_label() == batch)?;
        (all[i].summary.median_ns > 0.0).then_some(&all[i])
    };
    let c = find(PathName::C, None);
    let floor = find(PathName::CInline, None);
    let stream = group.mode == Mode::Stream;
    slots
        .iter()
        .zip(&all)
        .map(|(s, m)| {
            let median = m.summary.median_ns;
            let batch = s.batch_label();
            let twin = s.path.twin(group.transport).and_then(|t| find(t, batch));
            let msgs_per_s = (median > 0.0).then(|| 1e9 / median);
            Row {
                mode: group.mode,
                transport: group.transport,
                path: s.path,
                size: group.size,
                batch,
                summary: m.summary,
                ratio_to_c: c.map(|c| median / c.summary.median_ns),
                ratio_ci95: c.and_then(|c| stats::ratio_ci95(&m.rounds, &c.rounds)),
                round_ratios: c
                    .map_or_else(Vec::new, |c| stats::round_ratios(&m.rounds, &c.rounds)),
                ratio_to_twin: twin.map(|t| median / t.summary.median_ns),
                ratio_to_floor: floor.map(|f| median / f.summary.median_ns),
                syscalls_per_op: None,
                calls: String::new(),
                msgs_per_s: if stream { msgs_per_s } else { None },
                mbit_s: if stream {
                    msgs_per_s.map(|r| r * group.size as f64 * 8.0 / 1e6)
                } else {
                    None
                },
                sent: stream.then_some(s.sent),
                lost: stream.then(|| s.sent.saturating_sub(s.received)),
            }
        })
        .collect()
}

/// The GSO lines of a stream group: for `libc-gso` and `c-gso`, the delivered rate against the
/// per-message path of the same language (`libc-sendto-recvfrom`, `c-sendto-recvfrom`), the
/// loss, the datagrams per `recvmsg` and the segment size GRO reported; then the two gains side
/// by side (the issue a twin answers: does socklab's GSO gain what C's does?).
pub fn gro_notes(group: &Group, slots: &[Slot], rows: &[Row]) -> Vec<String> {
    let rate = |p: PathName| {
        rows.iter()
            .find(|r| r.path == p && r.mode == group.mode)
            .and_then(|r| r.msgs_per_s)
    };
    let mut out = Vec::new();
    let mut gains = Vec::new();
    for (gso, per_msg) in [
        (PathName::LibcGso, PathName::LibcSendtoRecvfrom),
        (PathName::CGso, PathName::CSendtoRecvfrom),
    ] {
        let Some(s) = slots.iter().find(|s| s.path == gso) else {
            continue;
        };
        let Some(r) = rate(gso) else { continue };
        let per_recv = s.gro_stats().map_or(String::new(), |(recvs, n, seg)| {
            format!(
                ", {:.1} datagrams per recvmsg (segment size {seg} B, {recvs} recvmsg)",
                n as f64 / recvs.max(1) as f64
            )
        });
        let vs = rate(per_msg).map_or(String::new(), |base| {
            gains.push((gso, per_msg, r / base));
            format!(" vs {per_msg} {base:.0} ({:.2}×)", r / base)
        });
        out.push(format!(
            "{gso} {} {} B: {r:.0} datagrams/s{vs}, {} lost of {}{per_recv}",
            group.transport,
            group.size,
            s.sent.saturating_sub(s.received),
            s.sent
        ));
    }
    if let [(lg, lb, l), (cg, cb, c)] = gains[..] {
        out.push(format!(
            "gso gain {} {} B: {lg}/{lb} {l:.2}× vs {cg}/{cb} {c:.2}× ({:+.1}%)",
            group.transport,
            group.size,
            (l / c - 1.0) * 100.0
        ));
    }
    out
}
