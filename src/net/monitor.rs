//! What a running client tells its caller while it runs, and how the caller ends it early: the
//! [`Monitor`] a CLI (or any program) passes to [`pingpong_with`](super::client::pingpong_with)
//! and [`stream_with`](super::client::stream_with).
//!
//! The clients call the monitor only between two calls on the socket and at most every
//! [`TICK`] (interval reports land on their boundary), so a monitor costs the timed loop one
//! clock comparison per message. A call a signal interrupted (`EINTR`) asks [`Monitor::stop`] at
//! once: the CLI installs a SIGINT handler without `SA_RESTART`
//! ([`SigAction::Interrupt`](crate::sys::signal::SigAction::Interrupt)) and answers `stop` from
//! its count, so Ctrl-C ends the run within a tick and the row says `interrupted`.

use std::time::{Duration, Instant};

/// How often, at most, a client calls [`Monitor::progress`] and [`Monitor::stop`] between calls.
pub const TICK: Duration = Duration::from_millis(100);

/// The shortest `-i` interval (as iperf3's).
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// The longest `-i` interval (as iperf3's).
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// A running client's observer. Every method has a default that does nothing, so a caller
/// implements only what it shows; `I` is the client's interval report
/// ([`PingInterval`](super::client::PingInterval), [`StreamInterval`](super::client::StreamInterval)).
pub trait Monitor<I> {
    /// Whether to end the run now (Ctrl-C). Asked every [`TICK`] and after any call that failed
    /// with `EINTR`; `true` ends the run with what was measured so far, marked `interrupted`.
    fn stop(&self) -> bool {
        false
    }

    /// One interval's figures, as each interval ends (and the last, shorter one at the end).
    fn interval(&mut self, _report: &I) {}

    /// How far the run is: `elapsed` since the timed part began and `done` in `0.0..=1.0` (by
    /// count or by time, whichever is further). At most every [`TICK`].
    fn progress(&mut self, _elapsed: Duration, _done: f64) {}
}

/// A monitor that shows nothing and never stops a run: what [`pingpong`](super::client::pingpong)
/// and [`stream`](super::client::stream) use.
#[derive(Copy, Clone, Debug, Default)]
pub struct Quiet;

impl<I> Monitor<I> for Quiet {}

/// The clients' clock of ticks and interval boundaries: one `Instant` comparison per message
/// decides whether anything is due.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Start of the timed part.
    pub t0: Instant,
    /// `-i`, if asked.
    interval: Option<Duration>,
    /// Start of the current interval, seconds since `t0`.
    pub interval_start: f64,
    /// The next interval boundary (index `k`: `t0 + k·interval`).
    next_interval: Option<Instant>,
    k: u32,
    next_tick: Instant,
    /// The earlier of the two: the one comparison made per message.
    pub next: Instant,
}

/// What [`Clock::due`] found due.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Due {
    /// An interval ended: report it.
    pub interval: bool,
    /// A tick: ask `stop`, show progress.
    pub tick: bool,
}

impl Clock {
    pub fn new(t0: Instant, interval: Option<Duration>) -> Clock {
        let next_interval = interval.map(|i| t0 + i);
        let next_tick = t0 + TICK;
        Clock {
            t0,
            interval,
            interval_start: 0.0,
            next_interval,
            k: 1,
            next_tick,
            next: next_interval.map_or(next_tick, |i| i.min(next_tick)),
        }
    }

    /// Call when `now >= self.next`: which of interval / tick are due, and the next deadline.
    /// Interval boundaries stay on multiples of the interval; a stall that spans several ends
    /// one (longer) interval.
    pub fn due(&mut self, now: Instant) -> Due {
        let mut d = Due::default();
        if now >= self.next_tick {
            d.tick = true;
            self.next_tick = now + TICK;
        }
        if let (Some(i), Some(at)) = (self.interval, self.next_interval) {
            if now >= at {
                d.interval = true;
                while self.t0 + i * self.k <= now {
                    self.k += 1;
                }
                self.next_interval = Some(self.t0 + i * self.k);
            }
        }
        self.next = self
            .next_interval
            .map_or(self.next_tick, |i| i.min(self.next_tick));
        d
    }

    /// Seconds from `t0` to `now`.
    pub fn secs(&self, now: Instant) -> f64 {
        now.duration_since(self.t0).as_secs_f64()
    }

    /// Whether `-i` was asked.
    pub fn has_intervals(&self) -> bool {
        self.interval.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_ticks_and_keeps_interval_boundaries_on_multiples() {
        let t0 = Instant::now();
        let mut c = Clock::new(t0, Some(Duration::from_millis(250)));
        assert_eq!(c.next, t0 + TICK);
        let d = c.due(t0 + Duration::from_millis(100));
        assert_eq!(
            d,
            Due {
                interval: false,
                tick: true
            }
        );
        // A stall past two boundaries: one interval due, the next boundary at 750 ms.
        let d = c.due(t0 + Duration::from_millis(600));
        assert!(d.interval && d.tick);
        assert_eq!(c.next_interval, Some(t0 + Duration::from_millis(750)));
        assert_eq!(c.next, t0 + Duration::from_millis(700));
        let mut q = Clock::new(t0, None);
        assert!(!q.due(t0 + TICK).interval && !q.has_intervals());
    }
}
