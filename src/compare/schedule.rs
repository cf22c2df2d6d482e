//! The scheduler of a run: which group is measured when, how each path's operations are split
//! into interleaved rounds, the order the paths take their turns in, and the progress line with
//! its ETA. It decides and the executor ([`super::harness`]) runs, as hyperfine's scheduler
//! drives its executor; nothing here touches a socket.

use std::time::Instant;

use super::{Config, Group, Mode};

/// Batches of `n` messages that cover `k` messages.
pub fn batches(k: u64, n: usize) -> u64 {
    k.div_ceil(n as u64)
}

/// Operations of round `r` of `rounds` when `total` are split evenly (the first rounds take the
/// rest).
pub fn round_ops(total: u64, rounds: usize, r: usize) -> u64 {
    let rounds = rounds as u64;
    total / rounds + u64::from((r as u64) < total % rounds)
}

/// The fewest send calls a stream round holds. Stream mode counts send calls, not messages: a
/// round is 2048 messages of a per-message path and 2048 GSO sends of up to
/// [`GSO_SEGMENTS`](super::paths::GSO_SEGMENTS) datagrams each of `libc-gso` and `c-gso`
/// ([`Slot::scaled`](super::harness::Slot::scaled)), so every path's round lasts milliseconds and
/// a GSO rate is not a handful of 4 µs calls (a 2048-message GSO round is ~130 µs at 64 B, and
/// one wake-up of the receiver moves it by a third).
pub const STREAM_ROUND_MIN: u64 = 2048;

/// The fewest rounds a stream group runs (when `--rounds` allows): enough for the bootstrap.
pub const STREAM_MIN_ROUNDS: usize = 10;

/// The rounds of a `mode` group: `--rounds`, except stream, whose rounds hold at least
/// [`STREAM_ROUND_MIN`] send calls each: `--iters / STREAM_ROUND_MIN` rounds, at least
/// [`STREAM_MIN_ROUNDS`] and at most `--rounds`. (The default run's 20 000 messages per path
/// make ten stream rounds of 2048: rounds long enough for a GSO rate, a stream group as long as
/// before.)
pub fn rounds_in(cfg: &Config, mode: Mode) -> usize {
    match mode {
        Mode::Stream => {
            let fit = usize::try_from(cfg.iters / STREAM_ROUND_MIN).unwrap_or(usize::MAX);
            fit.max(STREAM_MIN_ROUNDS).min(cfg.rounds)
        }
        _ => cfg.rounds,
    }
}

/// Operations every path of a `mode` group runs in round `r` of [`rounds_in`]: `--iters` split
/// evenly over the rounds. Batch mode splits whole batches of the largest batch
/// ([`Config::max_batch`]), so the total stays `--iters` rounded up to one batch. A stream round
/// holds at least [`STREAM_ROUND_MIN`] send calls (more than `--iters` in all when they would be
/// shorter).
pub fn ops_in_round(cfg: &Config, mode: Mode, r: usize) -> u64 {
    let rounds = rounds_in(cfg, mode);
    match mode {
        Mode::Batch => {
            let n = cfg.max_batch();
            round_ops(batches(cfg.iters, n), rounds, r) * n as u64
        }
        Mode::Stream => round_ops(cfg.iters, rounds, r).max(STREAM_ROUND_MIN),
        _ => round_ops(cfg.iters, rounds, r),
    }
}

/// One interleaved round of a group: every path runs `ops` operations, in [`Round::order`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Round {
    /// The round's index, from 0.
    pub index: usize,
    /// Operations each path runs in it.
    pub ops: u64,
}

impl Round {
    /// The turns of `n` paths in this round: every path once (ABCD), each round starting one
    /// path later (BCDA…), so neither drift nor going first after a switch favours a path.
    pub fn order(self, n: usize) -> impl Iterator<Item = usize> {
        (0..n).map(move |i| (self.index + i) % n)
    }
}

/// The plan of a run: its groups in order, each measured in `cfg.rounds` rounds, the clock its
/// ETA counts from (started when the plan is made, just before the first group), and the
/// seconds the run's caller expects the phases after the groups to take.
pub struct Schedule<'a> {
    cfg: &'a Config,
    groups: Vec<Group>,
    started: Instant,
    tail: f64,
}

impl<'a> Schedule<'a> {
    /// The plan of `cfg`: [`Config::groups`], in order; the ETA clock starts now. `tail_secs`
    /// is what the ETA adds for the phases after the groups (the `--mode syscall` rounds, the
    /// Nagle canary, the strace count), which the run that owns them estimates: the scheduler
    /// knows only the groups.
    pub fn new(cfg: &'a Config, tail_secs: f64) -> Schedule<'a> {
        Schedule {
            cfg,
            groups: cfg.groups(),
            started: Instant::now(),
            tail: tail_secs,
        }
    }

    /// The estimated seconds of the phases after the groups, as given to [`Schedule::new`].
    pub fn tail_secs(&self) -> f64 {
        self.tail
    }

    /// The groups, in the order they run.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The rounds of `group`, in order ([`rounds_in`] of them).
    pub fn rounds(&self, group: &Group) -> impl Iterator<Item = Round> + '_ {
        let (cfg, mode) = (self.cfg, group.mode);
        (0..rounds_in(cfg, mode)).map(move |index| Round {
            index,
            ops: ops_in_round(cfg, mode, index),
        })
    }

    /// The progress line before round `round` of group number `gi`:
    /// `[2/7] rtt udp 64B round 3/50 ETA 12s`, padded to overwrite a longer line.
    pub fn status(&self, gi: usize, round: Round) -> String {
        let group = &self.groups[gi];
        let before: usize = self.groups[..gi]
            .iter()
            .map(|g| rounds_in(self.cfg, g.mode))
            .sum();
        format!(
            "[{}/{}] {} {} {}B round {}/{} ETA {}   ",
            gi + 1,
            self.groups.len(),
            group.mode,
            group.transport,
            group.size,
            round.index + 1,
            rounds_in(self.cfg, group.mode),
            self.eta(before + round.index)
        )
    }

    /// Where round `round` of group number `gi` is, for a report the run did not finish:
    /// `rtt udp 64 B round 3/50 (group 2 of 7)`.
    pub fn position(&self, gi: usize, round: Round) -> String {
        let group = &self.groups[gi];
        format!(
            "{} {} {} B round {}/{} (group {} of {})",
            group.mode,
            group.transport,
            group.size,
            round.index + 1,
            rounds_in(self.cfg, group.mode),
            gi + 1,
            self.groups.len()
        )
    }

    /// The time left after `done` of all group rounds: the rounds left at the pace so far,
    /// plus the phases after the groups ([`Schedule::tail_secs`]); `?` before the first round.
    fn eta(&self, done: usize) -> String {
        if done == 0 {
            return String::from("?");
        }
        let total: usize = self
            .groups
            .iter()
            .map(|g| rounds_in(self.cfg, g.mode))
            .sum();
        let per = self.started.elapsed().as_secs_f64() / done as f64;
        format!(
            "{:.0}s",
            per * total.saturating_sub(done) as f64 + self.tail
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_split_all_ops() {
        for (total, rounds) in [(10, 3), (200, 20), (5, 20), (1, 1)] {
            let sum: u64 = (0..rounds).map(|r| round_ops(total, rounds, r)).sum();
            assert_eq!(sum, total);
        }
    }

    #[test]
    fn batch_rounds_are_whole_batches() {
        let cfg = Config {
            iters: 100,
            rounds: 3,
            batch: 32,
            ..Config::default()
        };
        let ops: Vec<u64> = (0..3).map(|r| ops_in_round(&cfg, Mode::Batch, r)).collect();
        assert_eq!(ops, [64, 32, 32], "4 batches of 32 cover 100 messages");
        let ops: Vec<u64> = (0..3).map(|r| ops_in_round(&cfg, Mode::Rtt, r)).collect();
        assert_eq!(ops, [34, 33, 33]);
        // A sweep: whole batches of its largest batch.
        let sweep = Config {
            batches: vec![1, 4, 64],
            ..cfg.clone()
        };
        let ops: Vec<u64> = (0..3)
            .map(|r| ops_in_round(&sweep, Mode::Batch, r))
            .collect();
        assert_eq!(ops, [64, 64, 0], "2 batches of 64 cover 100 messages");
    }

    #[test]
    fn stream_rounds_hold_many_gso_sends() {
        let cfg = Config {
            iters: 1000,
            rounds: 4,
            ..Config::default()
        };
        assert_eq!(rounds_in(&cfg, Mode::Stream), 4);
        assert_eq!(ops_in_round(&cfg, Mode::Stream, 0), STREAM_ROUND_MIN);
        // The default: 20 000 messages in ten rounds of 2048 (the rest of the modes: 50).
        let d = Config::default();
        assert_eq!(rounds_in(&d, Mode::Stream), STREAM_MIN_ROUNDS);
        assert_eq!(rounds_in(&d, Mode::Rtt), 50);
        assert_eq!(ops_in_round(&d, Mode::Stream, 9), STREAM_ROUND_MIN);
        // Many messages: --rounds rounds of more than the minimum.
        let long = Config {
            iters: 200_000,
            ..d
        };
        assert_eq!(rounds_in(&long, Mode::Stream), 50);
        assert_eq!(ops_in_round(&long, Mode::Stream, 3), 4000);
    }

    #[test]
    fn every_path_takes_one_turn_per_round_each_round_starting_later() {
        let order = |index| Round { index, ops: 1 }.order(4).collect::<Vec<_>>();
        assert_eq!(order(0), [0, 1, 2, 3]);
        assert_eq!(order(1), [1, 2, 3, 0]);
        assert_eq!(order(5), [1, 2, 3, 0]);
    }

    #[test]
    fn the_eta_adds_the_seconds_after_the_groups() {
        let cfg = Config::default();
        assert_eq!(Schedule::new(&cfg, 0.0).tail_secs(), 0.0);
        let plan = Schedule::new(&cfg, 12.0);
        assert_eq!(plan.tail_secs(), 12.0);
        assert_eq!(plan.groups(), cfg.groups());
        // With every group round done, what is left is the tail.
        let all: usize = plan.groups().iter().map(|g| rounds_in(&cfg, g.mode)).sum();
        assert_eq!(plan.eta(all), "12s");
    }

    #[test]
    fn the_status_line_names_the_group_and_round() {
        let cfg = Config {
            rounds: 4,
            ..Config::default()
        };
        let plan = Schedule::new(&cfg, 0.0);
        let first = plan.rounds(&plan.groups()[0]).next().unwrap();
        let g = &plan.groups()[0];
        assert_eq!(
            plan.status(0, first),
            format!(
                "[1/{}] {} {} {}B round 1/4 ETA ?   ",
                plan.groups().len(),
                g.mode,
                g.transport,
                g.size
            )
        );
    }
}
