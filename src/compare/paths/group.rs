//! [`PathGroup`]: the named sets of paths `--paths` takes beside single names (`default`,
//! `event`, `all`), each expanded per mode.

use super::super::Mode;
use super::PathName;

/// A named set of paths: `--paths event` adds the event-driven paths to a run, `--paths all`
/// runs them beside every mode's default paths. Each expands per mode ([`PathGroup::paths`]);
/// `c` and the twins are added to a group's paths as to any others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathGroup {
    /// Each mode's default paths ([`Mode::default_paths`]): what a run without `--paths` runs.
    Default,
    /// The event-driven paths and the blocking ones they are read against: same-thread and
    /// rtt run `libc-send-recv` (blocking, the same `sendto`/`recvfrom` calls), `libc-epoll`,
    /// `mio`, `tokio`, `io-uring` and `libc-busy-poll`; batch runs `libc-mmsg` and
    /// `io-uring-batch`; stream none.
    Event,
    /// `default` and `event` together.
    All,
}

impl PathGroup {
    /// Every group, in `--help` order.
    pub const ALL: [PathGroup; 3] = [PathGroup::Default, PathGroup::Event, PathGroup::All];

    /// The `--paths` value.
    pub fn name(self) -> &'static str {
        match self {
            PathGroup::Default => "default",
            PathGroup::Event => "event",
            PathGroup::All => "all",
        }
    }

    /// The group's paths in `mode`, in table order (without the `c` and twins a run adds).
    pub fn paths(self, mode: Mode) -> Vec<PathName> {
        let event = || -> Vec<PathName> {
            let reference = match mode {
                Mode::SameThread | Mode::Rtt => Some(PathName::LibcSendRecv),
                Mode::Batch => Some(PathName::LibcMmsg),
                Mode::Stream | Mode::Syscall => None,
            };
            let event = PathName::ALL
                .into_iter()
                .filter(|p| p.is_event() && !p.is_c() && p.runs_in(mode));
            let mut out: Vec<PathName> = reference.into_iter().chain(event).collect();
            out.sort();
            out
        };
        let mut out = match self {
            PathGroup::Default => mode.default_paths(),
            PathGroup::Event => event(),
            PathGroup::All => mode.default_paths().into_iter().chain(event()).collect(),
        };
        out.sort();
        out.dedup();
        out
    }
}

named_enum!(PathGroup, "path group");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_expand_per_mode() {
        use PathName as P;
        assert_eq!(
            PathGroup::Event.paths(Mode::Rtt),
            [
                P::LibcSendRecv,
                P::LibcEpoll,
                P::Mio,
                P::Tokio,
                P::IoUring,
                P::LibcBusyPoll
            ]
        );
        assert_eq!(
            PathGroup::Event.paths(Mode::Batch),
            [P::LibcMmsg, P::IoUringBatch]
        );
        assert!(PathGroup::Event.paths(Mode::Stream).is_empty());
        for mode in [Mode::SameThread, Mode::Rtt, Mode::Batch, Mode::Stream] {
            let default = PathGroup::Default.paths(mode);
            assert_eq!(default, mode.default_paths(), "{mode}");
            assert!(default.iter().all(|p| !p.is_event()), "{mode}");
            let all = PathGroup::All.paths(mode);
            let event = PathGroup::Event.paths(mode);
            assert!(
                default.iter().chain(&event).all(|p| all.contains(p)),
                "{mode}"
            );
            assert!(all.iter().all(|p| p.runs_in(mode)), "{mode}");
        }
        for g in PathGroup::ALL {
            assert_eq!(g.name().parse::<PathGroup>(), Ok(g));
            assert!(g.name().parse::<PathName>().is_err(), "{g} is no path name");
        }
    }
}
