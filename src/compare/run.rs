//! [`run`]: one `socklab compare` run — its set-up, every group measured by the executor
//! ([`super::harness`]) in the order the scheduler ([`super::schedule`]) gives, the rows, then
//! what runs unpinned after the groups: the Nagle canary, the harness overhead, the strace count.

use std::io;

use super::config::{Config, Mode, Pin};
use super::env::{self, DmaLatency, Env};
use super::harness::{self, ModePin, Pinned, TraceOff};
use super::paths::Transport;
use super::schedule::Schedule;
use super::syscall::{self, SyscallRow};
use super::{canary, count, fit, note_once, rows, Error, Nagle, Report, Row};

/// What the groups of a run produced so far: their rows and the notes for the table.
#[derive(Default)]
struct Collected {
    rows: Vec<Row>,
    notes: Vec<String>,
}

/// Runs `cfg`: every group's paths interleaved round by round, then the Nagle canary, the
/// harness overhead and (unless disabled) the strace count. `progress` gets one status line at
/// a time (with an ETA).
///
/// # Errors
/// A setup or measurement error: [`Error::Io`] from a path, [`Error::Sys`] from pinning or the
/// canary, [`Error::Config`] for `--pin split` on one CPU.
pub fn run(cfg: &Config, progress: &mut dyn FnMut(&str)) -> Result<Report, Error> {
    run_until(cfg, progress, &mut || false)
}

/// [`run`], ended early when `stop` says so. `stop` is asked before each round of a group,
/// between the timed loops (never inside one), and before each phase after the groups; when it
/// answers `true` the group under way is dropped (its threads stopped, its fds closed), nothing
/// more is measured, and the report holds every group finished so far with
/// [`Report::incomplete`] saying where the run stopped. The CLI answers it from a blocked
/// SIGINT read through a signalfd: Ctrl-C prints what was measured.
///
/// # Errors
/// As [`run`].
pub fn run_until(
    cfg: &Config,
    progress: &mut dyn FnMut(&str),
    stop: &mut dyn FnMut() -> bool,
) -> Result<Report, Error> {
    let dma = hold_dma_latency(cfg, progress);
    let (pins, pin_notes) = harness::mode_pins(cfg)?;
    let mut environment = capture_env(cfg, &pins, dma.is_some());
    let mut pinned = Pinned::main_thread(Pin::None)?;
    let steal0 = env::steal_ticks();
    let tail = tail_phases(cfg).iter().map(|(_, secs)| secs).sum();
    let plan = Schedule::new(cfg, tail);
    let mut out = Collected {
        notes: pin_notes,
        ..Collected::default()
    };
    let mut incomplete = None;
    for gi in 0..plan.groups().len() {
        let mode = plan.groups()[gi].mode;
        let here = pins.iter().find(|p| p.mode == mode).map(|p| p.cpus);
        pinned.switch(here.unwrap_or_default())?;
        if let Some(at) = measure_group(&plan, gi, cfg, &pinned, progress, stop, &mut out)? {
            incomplete = Some(interrupted(&plan, gi, &at));
            break;
        }
    }
    let mut syscall_rows = Vec::new();
    if incomplete.is_none() {
        if let Some(p) = pins.iter().find(|p| p.mode == Mode::Syscall) {
            pinned.switch(p.cpus)?;
        }
        syscall_rows = syscall_mode(cfg, progress, &mut out.notes)?;
    }
    progress("\n");
    // The canary and the strace child need no pinning: give the thread its CPUs back.
    pinned.release()?;
    environment.cpu_steal_pct = env::steal_pct(steal0, env::steal_ticks());
    drop(dma);
    let mut nagle = None;
    if incomplete.is_none() && !stop() {
        nagle = nagle_canary(cfg, &plan, progress)?;
    }
    let overhead_ns = harness::harness_overhead_ns();
    if incomplete.is_none() && !stop() {
        count_syscalls(cfg, &mut out, progress);
    }
    if incomplete.is_none() && stop() {
        incomplete = Some(
            "interrupted after the groups: the Nagle canary or the strace count did not run"
                .to_string(),
        );
    }
    let fits = fit::fits(&out.rows);
    Ok(Report {
        socklab_version: env!("CARGO_PKG_VERSION").to_string(),
        env: environment,
        rows: out.rows,
        nagle,
        overhead_ns,
        notes: out.notes,
        syscall_rows,
        pins,
        fits,
        incomplete,
    })
}

/// The phases of a run after its groups, and about how long each takes (seconds), as the
/// ETA counts them: `--mode syscall`'s rounds, the Nagle canary (when TCP is measured) and the
/// strace count, each estimated from its own size ([`count::estimate_secs`],
/// [`canary::estimate_secs`]). The run owns these phases, so it estimates them and gives the
/// scheduler the sum.
fn tail_phases(cfg: &Config) -> Vec<(&'static str, f64)> {
    let mut out = Vec::new();
    if cfg.modes().contains(&Mode::Syscall) {
        // Six ways, two calls, ~250 ns a call.
        let calls = cfg.iters * syscall::ITERS_FACTOR * 6 * 2;
        out.push(("syscall", calls as f64 * 250e-9));
    }
    if cfg.nagle && cfg.groups().iter().any(|g| g.transport == Transport::Tcp) {
        out.push(("nagle canary", canary::estimate_secs(canary::NAGLE_ITERS)));
    }
    if cfg.count_syscalls {
        out.push(("strace count", count::estimate_secs(cfg)));
    }
    out
}

/// [`Report::incomplete`] for a run stopped in group `gi` at `at` ([`Schedule::position`]).
fn interrupted(plan: &Schedule<'_>, gi: usize, at: &str) -> String {
    let total = plan.groups().len();
    format!(
        "interrupted in {at}: {gi} of {total} groups measured; that group, the ones after it, \
         the Nagle canary and the strace count did not run"
    )
}

/// `env.pin`: the modes' common pinning, or `per-mode` when they differ (the default run: one
/// CPU for same-thread, rtt and batch, two for stream; `env.pin_by_mode` has each).
pub fn pin_label(pins: &[ModePin]) -> String {
    match pins {
        [first, rest @ ..] if rest.iter().any(|p| p.pin != first.pin) => "per-mode".into(),
        [first, ..] => first.pin.name().into(),
        [] => Pin::None.name().into(),
    }
}

/// `--dma-latency`: holds `/dev/cpu_dma_latency` at 0 for the run, or says why not and goes on.
fn hold_dma_latency(cfg: &Config, progress: &mut dyn FnMut(&str)) -> Option<DmaLatency> {
    if !cfg.dma_latency {
        return None;
    }
    match DmaLatency::hold_zero() {
        Ok(h) => Some(h),
        Err(e) => {
            progress(&format!(
                "--dma-latency: /dev/cpu_dma_latency not set: {e}\n"
            ));
            None
        }
    }
}

/// The environment block, with a word on the call log when it is on.
fn capture_env(cfg: &Config, pins: &[ModePin], dma_held: bool) -> Env {
    let label = if pins.is_empty() {
        cfg.pin.name().to_string()
    } else {
        pin_label(pins)
    };
    let mut environment = Env::capture(&label, dma_held.then_some(0));
    if TraceOff::tracing() {
        environment.trace = Some(
            "on (SOCKLAB_TRACE or --trace): the setup calls are logged; switched off for the \
             measured loops (warm-up and rounds) and the strace count child, whose timings and \
             counts it would inflate"
                .into(),
        );
    }
    environment
}

/// Group number `gi` of the plan: its slots made (paths that cannot run it skipped with a
/// note), measured, turned into rows, finished. `Ok(Some(status))` when `stop` ended it before
/// its last round (its rows dropped; `status` names the round).
fn measure_group(
    plan: &Schedule<'_>,
    gi: usize,
    cfg: &Config,
    pinned: &Pinned,
    progress: &mut dyn FnMut(&str),
    stop: &mut dyn FnMut() -> bool,
    out: &mut Collected,
) -> Result<Option<String>, Error> {
    let group = &plan.groups()[gi];
    for note in super::paths::notes(&group.paths) {
        note_once(&mut out.notes, note);
    }
    let mut slots = harness::slots(group, cfg.batch, pinned.cpus, &mut out.notes)?;
    let stopped = measure_rounds(plan, gi, &mut slots, cfg.warmup, progress, stop)?;
    if stopped.is_none() {
        if let Some(note) = rows::no_c_note(group, &slots) {
            note_once(&mut out.notes, note);
        }
        let rows = rows::group_rows(group, &slots);
        out.notes.extend(rows::gro_notes(group, &slots, &rows));
        out.rows.extend(rows);
    }
    harness::finish(slots)?;
    Ok(stopped)
}

/// The measured loops of group `gi`, with the call log off: the warm-up, then each round in
/// the scheduler's order, its status line first. `Some(status)` when `stop` answered `true`
/// before a round (asked between rounds, outside the timed loops).
fn measure_rounds(
    plan: &Schedule<'_>,
    gi: usize,
    slots: &mut [harness::Slot],
    warmup: u64,
    progress: &mut dyn FnMut(&str),
    stop: &mut dyn FnMut() -> bool,
) -> io::Result<Option<String>> {
    let _trace_off = TraceOff::new();
    harness::warm_up(slots, warmup)?;
    for round in plan.rounds(&plan.groups()[gi]) {
        if stop() {
            return Ok(Some(plan.position(gi, round)));
        }
        progress(&plan.status(gi, round));
        harness::run_round(slots, round)?;
    }
    Ok(None)
}

/// `--mode syscall`'s rows, measured with the call log off (none without that mode).
fn syscall_mode(
    cfg: &Config,
    progress: &mut dyn FnMut(&str),
    notes: &mut Vec<String>,
) -> Result<Vec<SyscallRow>, Error> {
    if !cfg.modes().contains(&Mode::Syscall) {
        return Ok(Vec::new());
    }
    let _trace_off = TraceOff::new();
    syscall::run(cfg, progress, notes)
}

/// The Nagle canary, when enabled and TCP was measured.
fn nagle_canary(
    cfg: &Config,
    plan: &Schedule<'_>,
    progress: &mut dyn FnMut(&str),
) -> Result<Option<Nagle>, Error> {
    let tcp = plan.groups().iter().any(|g| g.transport == Transport::Tcp);
    if !(cfg.nagle && tcp) {
        return Ok(None);
    }
    progress(&format!(
        "nagle canary (write-write-read on TCP, with and without TCP_NODELAY; ~{:.1} s)…\n",
        canary::estimate_secs(canary::NAGLE_ITERS)
    ));
    canary::nagle_canary(canary::NAGLE_ITERS).map(Some)
}

/// `syscalls_per_op` and `calls` of every row, counted under strace unless disabled; a count
/// that could not be made leaves them null and says why in a note.
fn count_syscalls(cfg: &Config, out: &mut Collected, progress: &mut dyn FnMut(&str)) {
    if !cfg.count_syscalls {
        return;
    }
    progress(&format!(
        "counting syscalls per op under strace (~{:.0} s; --no-count skips it)…\n",
        count::estimate_secs(cfg)
    ));
    match count::count(cfg) {
        Ok(counts) => count::apply(&mut out.rows, &counts),
        Err(why) => {
            progress(&format!("syscalls_per_op: null: {why}\n"));
            out.notes
                .push(format!("syscalls_per_op not counted: {why}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_counts_the_phases_after_the_groups() {
        let d = Config::default();
        let phases = tail_phases(&d);
        let names: Vec<&str> = phases.iter().map(|p| p.0).collect();
        assert_eq!(names, ["nagle canary", "strace count"]);
        assert!(phases.iter().all(|p| p.1 > 0.0));
        let syscall = Config {
            modes: vec![Mode::Syscall],
            ..d.clone()
        };
        assert_eq!(tail_phases(&syscall)[0].0, "syscall");
        let none = Config {
            count_syscalls: false,
            nagle: false,
            ..d
        };
        assert!(tail_phases(&none).is_empty());
    }
}
