//! Backlog: what `listen(fd, 3)` — the C++ server's backlog — lets happen before anyone calls
//! `accept`: how many connects complete, what the next one sees, and the kernel's counters.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::sys::{self, opt, Errno, PollFd, AF_INET, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res, Stop};
use super::host::{self, in_netns, Netns};
use super::sockets;
use super::{Outcome, Verdict};

pub(crate) const CLAIM: Claim = Claim {
    id: "backlog",
    claim: "listen(server_fd, 3) (the C++ server's backlog: how many connections wait for \
            accept(), and what happens to the next one?)",
    method: "for backlogs 0, 3 and 128, each in a fresh network namespace (in parallel): a \
             listener that never accepts, non-blocking connect()s polled 200 ms each until one \
             does not complete; that one polled to 1.5 s in all, then its TCP_INFO (state, SYN \
             retransmissions); TcpExt.ListenOverflows/ListenDrops/SyncookiesSent of the \
             namespace. Then, with net.ipv4.tcp_abort_on_overflow=1 and TCP_DEFER_ACCEPT on a \
             listen(3) listener: a client connects without data, 4 others connect and send a \
             byte (the accept queue is full), then the first sends: its recv()",
};

/// How long the connect that does not complete is watched: past the first SYN retransmission
/// (1 s), far short of the kernel's own give-up (`tcp_syn_retries`, about 2 minutes).
const CONNECT_BOUND: Duration = Duration::from_millis(1500);

/// The evidence keys of one backlog.
struct Keys {
    completed: &'static str,
    next: &'static str,
    next_state: &'static str,
    next_syn_retrans: &'static str,
    overflows: &'static str,
    drops: &'static str,
    cookies: &'static str,
}

/// The backlogs measured, each with its keys.
const RUNS: [(i32, Keys); 3] = [
    (
        0,
        Keys {
            completed: "backlog_0_completed",
            next: "backlog_0_next_connect",
            next_state: "backlog_0_next_state",
            next_syn_retrans: "backlog_0_next_syn_retrans",
            overflows: "backlog_0_listen_overflows",
            drops: "backlog_0_listen_drops",
            cookies: "backlog_0_syncookies_sent",
        },
    ),
    (
        3,
        Keys {
            completed: "backlog_3_completed",
            next: "backlog_3_next_connect",
            next_state: "backlog_3_next_state",
            next_syn_retrans: "backlog_3_next_syn_retrans",
            overflows: "backlog_3_listen_overflows",
            drops: "backlog_3_listen_drops",
            cookies: "backlog_3_syncookies_sent",
        },
    ),
    (
        128,
        Keys {
            completed: "backlog_128_completed",
            next: "backlog_128_next_connect",
            next_state: "backlog_128_next_state",
            next_syn_retrans: "backlog_128_next_syn_retrans",
            overflows: "backlog_128_listen_overflows",
            drops: "backlog_128_listen_drops",
            cookies: "backlog_128_syncookies_sent",
        },
    ),
];

/// What filling one listener gave.
struct Filled {
    completed: usize,
    /// `"timed out"` (still connecting at [`CONNECT_BOUND`]) or the errno the next connect got.
    next: String,
    next_state: &'static str,
    next_syn_retrans: u32,
    overflows: i64,
    drops: i64,
    cookies: i64,
}

/// Whether `fd` becomes writable (a non-blocking connect finished, either way) within `ms`.
fn writable(fd: impl AsFd, ms: i32) -> sys::Result<bool> {
    let mut fds = [PollFd::new(fd.as_fd(), libc::POLLOUT)];
    Ok(sys::poll(&mut fds, ms)? == 1)
}

/// Starts a non-blocking connect to `at`: `Ok(None)` when it is under way, `Ok(Some(e))` when
/// it failed at once with `e` (a refusal is a finding, not a failure).
fn start_connect(c: &OwnedFd, at: &sys::SockAddr) -> sys::Result<Option<Errno>> {
    match sys::connect(c, at) {
        Ok(()) => Ok(None),
        Err(e) if e.code() == Errno::EINPROGRESS => Ok(None),
        Err(e) if e.code() == Errno::ECONNREFUSED || e.code() == Errno::ECONNRESET => {
            Ok(Some(e.code()))
        }
        Err(e) => Err(e),
    }
}

/// A listener with `backlog` that never accepts, and connects until one does not complete.
fn fill(ns: &Netns, backlog: i32) -> Res<Filled> {
    let c0 = ns.counters();
    let lst = sockets::socket(SOCK_STREAM)?;
    sys::bind(&lst, &sockets::lo(0))?;
    sys::listen(&lst, backlog)?;
    let at = sys::getsockname(&lst)?;
    let mut done = Vec::new();
    // At most backlog + 2 tries: the queue holds backlog + 1 on Linux.
    let limit = backlog as usize + 3;
    let (next, c) = loop {
        let c = sys::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)?;
        let t = Instant::now();
        if let Some(err) = start_connect(&c, &at)? {
            break (err.name().to_owned(), c);
        }
        if !writable(&c, 200)? {
            // Not completed in 200 ms: watch it up to CONNECT_BOUND (the SYN's retry at 1 s).
            let rest = CONNECT_BOUND.saturating_sub(t.elapsed());
            if !writable(&c, rest.as_millis() as i32)? {
                break ("timed out".to_owned(), c);
            }
        }
        match sys::get_opt(&c, opt::SoError)? {
            None => done.push(c),
            Some(err) => break (err.name().to_owned(), c),
        }
        if done.len() >= limit {
            return Err(Stop::Failed(format!(
                "listen({backlog}): {limit} connects completed without accept"
            )));
        }
    };
    let info = sys::get_opt(&c, opt::TcpInfo)?;
    let c1 = ns.counters();
    Ok(Filled {
        completed: done.len(),
        next,
        next_state: info.state.name(),
        next_syn_retrans: info.total_retrans,
        overflows: c0.delta(&c1, "TcpExt.ListenOverflows"),
        drops: c0.delta(&c1, "TcpExt.ListenDrops"),
        cookies: c0.delta(&c1, "TcpExt.SyncookiesSent"),
    })
}

/// What the client whose final ACK met a full queue saw, with `tcp_abort_on_overflow=1`:
/// its `recv` result and the namespace's `ListenOverflows` growth while it sent.
fn abort_on_overflow(ns: &Netns) -> Res<AbortOnOverflow> {
    host::set_sysctl("net/ipv4/tcp_abort_on_overflow", "1")?;
    let lst = sockets::socket(SOCK_STREAM)?;
    sys::bind(&lst, &sockets::lo(0))?;
    sys::listen(&lst, 3)?;
    // The final ACK of a connection without data is ignored: it stays half-open on our side.
    sys::set_opt(&lst, opt::TcpDeferAccept, 10)?;
    let at = sys::getsockname(&lst)?;
    let late = sockets::socket(SOCK_STREAM)?;
    sys::connect(&late, &at)?;
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let f = sockets::socket(SOCK_STREAM)?;
        sys::connect(&f, &at)?;
        sockets::send_all(&f, b"f")?;
        fillers.push(f);
    }
    // Wait until all four sit in the accept queue (a listener's tcpi_unacked is its length).
    let t = Instant::now();
    while sys::get_opt(&lst, opt::TcpInfo)?.raw.tcpi_unacked < 4 {
        if t.elapsed() > Duration::from_secs(1) {
            return Err(Stop::Failed(
                "the 4 fillers did not reach the accept queue".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let c0 = ns.counters();
    sockets::send_all(&late, b"x")?;
    let got = sys::recv(&late, &mut [0u8; 16][..], 0);
    let c1 = ns.counters();
    let seen = match got {
        Ok(n) => format!("ok ({n} bytes)"),
        Err(e) => e.symbol().to_owned(),
    };
    Ok(AbortOnOverflow {
        recv: seen,
        overflows: c0.delta(&c1, "TcpExt.ListenOverflows"),
    })
}

/// What `tcp_abort_on_overflow=1` did to the client whose final ACK met a full queue.
struct AbortOnOverflow {
    /// Its `recv`: `ok (n bytes)` or the errno.
    recv: String,
    /// `ListenOverflows` growth while it sent.
    overflows: i64,
}

impl Record for AbortOnOverflow {
    fn record(&self, e: &mut Evidence) {
        e.push("abort_on_overflow_recv", self.recv.as_str());
        e.push("abort_on_overflow_listen_overflows", self.overflows);
    }
}

/// One backlog's [`Filled`] under its keys.
struct Backlog {
    backlog: i32,
    keys: &'static Keys,
    filled: Filled,
}

impl Record for Backlog {
    fn record(&self, e: &mut Evidence) {
        let (k, f) = (self.keys, &self.filled);
        e.push(k.completed, f.completed);
        e.push(k.next, f.next.as_str());
        e.push(k.next_state, f.next_state);
        e.push(k.next_syn_retrans, f.next_syn_retrans);
        e.push(k.overflows, f.overflows);
        e.push(k.drops, f.drops);
        e.push(k.cookies, f.cookies);
    }
}

/// The result of a scoped thread, its panic passed on.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Every backlog of [`RUNS`] filled, and the abort-on-overflow client, each in a namespace of
/// its own, all at once: what each thread gave, in [`RUNS`]' order.
fn probe_in_parallel() -> (Vec<Res<Res<Filled>>>, Res<Res<AbortOnOverflow>>) {
    std::thread::scope(|s| {
        let runs: Vec<_> = RUNS
            .iter()
            .map(|(b, _)| s.spawn(move || in_netns(|ns| fill(ns, *b))))
            .collect();
        let abort = s.spawn(|| in_netns(abort_on_overflow));
        let filled = runs.into_iter().map(join).collect();
        (filled, join(abort))
    })
}

/// `listen(fd, backlog)`: for 0, 3 and 128, how many connects complete before anyone calls
/// `accept`, and what the next one sees.
///
/// Linux lets `backlog + 1` connections complete (the accept queue is full only when longer
/// than `backlog`); the next SYN is dropped (`ListenOverflows`, `ListenDrops`) and retried by the
/// client, so its `connect` neither succeeds nor is refused: it waits until `tcp_syn_retries`
/// runs out (here cut at 1.5 s). With `tcp_abort_on_overflow=1`, a client whose final ACK meets
/// a full queue gets a reset — `ECONNRESET`, never `ECONNREFUSED`. Needs root (namespaces).
pub fn backlog() -> Outcome {
    CLAIM.run(|e| {
        // A namespace of our own first: without one, the experiment cannot run at all.
        in_netns(|_| ())?;
        let (filled, abort) = probe_in_parallel();
        let mut all = Vec::new();
        for ((backlog, keys), f) in RUNS.iter().zip(filled) {
            let filled = f??;
            all.push(kept(
                e,
                Backlog {
                    backlog: *backlog,
                    keys,
                    filled,
                },
            ));
        }
        let abort = kept(e, abort??);
        Ok(verdict(&all, &abort))
    })
}

/// Held when exactly the backlog completed, nuanced for backlog + 1 (Linux), both only when
/// the next SYNs were dropped rather than refused and the abort-on-overflow client got a reset;
/// refuted otherwise.
fn verdict(all: &[Backlog], abort: &AbortOnOverflow) -> Finding {
    let reset = &abort.recv;
    let refused = all.iter().any(|b| b.filled.next == "ECONNREFUSED") || reset == "ECONNREFUSED";
    let dropped = all.iter().all(|b| {
        let f = &b.filled;
        f.next == "timed out" && f.drops >= 1 && f.next_syn_retrans >= 1
    });
    let exact = all.iter().all(|b| b.filled.completed == b.backlog as usize);
    let plus_one = all
        .iter()
        .all(|b| b.filled.completed == b.backlog as usize + 1);
    let counts: Vec<String> = all
        .iter()
        .map(|b| format!("listen({}): {}", b.backlog, b.filled.completed))
        .collect();
    let drops: Vec<String> = all.iter().map(|b| b.filled.drops.to_string()).collect();
    if refused {
        (
            Verdict::Refuted,
            format!("a connect to a full queue was refused: {reset}"),
        )
    } else if dropped && reset == "ECONNRESET" {
        let how_many = if exact {
            "exactly the backlog".to_owned()
        } else if plus_one {
            "backlog + 1".to_owned()
        } else {
            "not the backlog".to_owned()
        };
        let v = if exact {
            Verdict::Held
        } else {
            Verdict::Nuanced
        };
        (
            v,
            format!(
                "connects completed before any accept: {} ({how_many}); the next one's SYNs were \
                 dropped (ListenDrops {}) and retried, so connect neither failed nor succeeded \
                 in {} s (still SYN_SENT); with tcp_abort_on_overflow=1 the client whose final \
                 ACK met a full queue got ECONNRESET, not ECONNREFUSED",
                counts.join(", "),
                drops.join(" / "),
                CONNECT_BOUND.as_secs_f64()
            ),
        )
    } else {
        (
            Verdict::Refuted,
            format!(
                "connects completed: {}; next connects: {}; abort_on_overflow client: {reset}",
                counts.join(", "),
                all.iter()
                    .map(|b| b.filled.next.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
        )
    }
}
