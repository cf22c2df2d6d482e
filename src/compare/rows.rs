//! The results of one measured group as [`Row`]s: each path's summary with its ratios to `c`,
//! to its C twin and to the `c-inline` floor, and stream mode's rates and losses; plus the notes a
//! group adds to the report.

use super::config::{Config, Group, Mode};
use super::harness::Slot;
use super::paths::PathName;
use super::stats;
use super::Row;

/// The note of a group without a `c` row (its `ratio_to_c` is null), once per mode.
pub fn no_c_note(group: &Group, slots: &[Slot]) -> Option<String> {
    let has_c = slots.iter().any(|s| s.path == PathName::C);
    (!has_c).then(|| format!("{}: no c row, ratio_to_c is null", group.mode))
}

/// The rows of one measured group, ratios taken to its `c` slot.
pub fn group_rows(group: &Group, cfg: &Config, slots: &[Slot]) -> Vec<Row> {
    let c = slots.iter().find(|s| s.path == PathName::C);
    let c_median = c.map(|c| c.rec.summary().median_ns);
    let median_of = |p: PathName| {
        let m = slots.iter().find(|s| s.path == p)?.rec.summary().median_ns;
        (m > 0.0).then_some(m)
    };
    let floor = median_of(PathName::CInline);
    slots
        .iter()
        .map(|s| {
            let summary = s.rec.summary();
            let stream = group.mode == Mode::Stream;
            let mbit = |s: &Slot| {
                let bits = (s.received * group.size as u64 * 8) as f64;
                bits / s.busy.as_secs_f64().max(1e-9) / 1e6
            };
            Row {
                mode: group.mode,
                transport: group.transport,
                path: s.path,
                size: group.size,
                batch: (group.mode == Mode::Batch && s.path == PathName::LibcMmsg)
                    .then_some(cfg.batch),
                summary,
                ratio_to_c: c_median.filter(|&m| m > 0.0).map(|m| summary.median_ns / m),
                ratio_ci95: c.and_then(|c| stats::ratio_ci95(s.rec.rounds(), c.rec.rounds())),
                ratio_to_twin: s
                    .path
                    .twin(group.transport)
                    .and_then(median_of)
                    .map(|m| summary.median_ns / m),
                ratio_to_floor: floor.map(|m| summary.median_ns / m),
                syscalls_per_op: None,
                calls: String::new(),
                mbit_s: stream.then(|| mbit(s)),
                lost: stream.then(|| s.sent.saturating_sub(s.received)),
            }
        })
        .collect()
}

/// `libc-gso`'s line: datagrams/s against `libc-sendto-recvfrom` in the same group, the
/// datagrams per `recvmsg` and the segment size GRO reported.
pub fn gro_notes(group: &Group, slots: &[Slot]) -> Vec<String> {
    let rate = |s: &Slot| s.received as f64 / s.busy.as_secs_f64().max(1e-9);
    let Some(gso) = slots.iter().find(|s| s.path == PathName::LibcGso) else {
        return Vec::new();
    };
    let stats = gso.gro_stats();
    let per_recv = stats.map_or(String::new(), |(recvs, n, seg)| {
        format!(
            ", {:.1} datagrams per recvmsg (segment size {seg} B, {recvs} recvmsg)",
            n as f64 / recvs.max(1) as f64
        )
    });
    let vs = slots
        .iter()
        .find(|s| s.path == PathName::LibcSendtoRecvfrom)
        .map_or(String::new(), |s| {
            format!(
                " vs libc-sendto-recvfrom {:.0} ({:.2}×)",
                rate(s),
                rate(gso) / rate(s).max(1e-9)
            )
        });
    vec![format!(
        "libc-gso {} {} B: {:.0} datagrams/s{vs}, {} lost of {}{per_recv}",
        group.transport,
        group.size,
        rate(gso),
        gso.sent.saturating_sub(gso.received),
        gso.sent
    )]
}
