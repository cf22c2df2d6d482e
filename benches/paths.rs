//! Criterion benches of every syscall path of `socklab::compare::paths`, the C floor (`c`) first
//! in each group: `same-thread/*`, `rtt/*`, `stream/*`, `batch/*`, `batch-send/*`, `batch-recv/*`.
//!
//! # Groups
//! Each bench times `socklab::compare::harness::Slot::run` (the loop `socklab compare` runs)
//! or, for the one-sided batch groups, `Path::send_batch`/`recv_batch`, with `iter_custom`: the
//! pair and any echo/sender thread are set up before the bench and stopped after it.
//!
//! | group | timed operation | throughput | ids |
//! |---|---|---|---|
//! | `same-thread/{tcp,udp,unix,unixdgram}` | `a.pair_once(b)`: send on `a`, receive on `b`, one thread | bytes (one message) | `<path>/<size>` |
//! | `rtt/{tcp,udp,unix,unixdgram}` | `a.rtt_once()`: a blocking round trip to the echo thread | bytes (one message each way) | `<path>/<size>` |
//! | `stream/{tcp,unix,unixdgram}` | receiving messages a sender thread sends | bytes | `<path>/<size>` |
//! | `batch/{udp,unixdgram}` | `a.batch_once(b, n)`: `n` datagrams sent and received, one thread | elements (datagrams) | `<path>/<n>` |
//! | `batch-send/{udp,unixdgram}` | `a.send_batch(n)` only; the receiver drains untimed | elements | `<path>/<n>` |
//! | `batch-recv/{udp,unixdgram}` | `b.recv_batch(n)` only, the `n` datagrams already queued | elements | `<path>/<n>` |
//!
//! Paths: every [`PathName`] (`libc-mmsg` only in the batch groups, as in `socklab compare`); a
//! path this build lacks (`Unsupported`) is skipped with a note on stderr. Sizes: 64 B
//! everywhere, plus 1 KiB and 64 KiB on the stream transports. Within a group the benches run
//! size by size, `c` first, so each path runs right after its floor and criterion's summary
//! plots show `c` beside every path. `batch-send`/`batch-recv` start with
//! `libc-sendto-recvfrom`, the per-call path
//! `sendmmsg`/`recvmmsg` is compared to (speedup per datagram = ratio of the two times per
//! element; `scripts/bench_ratios.py` prints it). In the batch groups the per-call paths move
//! `n` = 32 datagrams per iteration, `libc-mmsg` `n` = 1, 8, 32, 64.
//!
//! # Pinning
//! `SOCKLAB_BENCH_PIN=same` (default): the measuring thread and the echo/sender thread on the
//! first allowed CPU, as `socklab compare --pin same`; `split`: the peer on the second allowed
//! CPU; `none`: no pinning.
//!
//! # Time budget
//! 240 benches; each gets 0.3 s warm-up, 1 s measurement, 30 samples and 20 000 bootstrap
//! resamples (criterion's defaults of 3 s, 5 s, 100 and 100 000 would take ~40 min), about
//! 2.1 s per bench with the analysis and plots: the whole `cargo bench` took 8 min 22 s and
//! 8 min 26 s (2 vCPU VM, other builds running). Since then the mode groups gained the C twins,
//! `c-inline` and (stream, udp) `libc-gso`: about 1.5× the benches, not re-timed. Criterion's flags override these (`-- --measurement-time 5 --sample-size 100`).
//! The HTML report lands in `$CARGO_TARGET_DIR/criterion/report/index.html`
//! (`target/criterion/report/index.html` by default).
//!
//! # Filters
//! Criterion filters are regexes over `group/path/size`:
//! ```text
//! cargo bench --bench paths -- rtt/udp                   # one group
//! cargo bench --bench paths -- 'rtt/.*/(c|std)/64$'      # c vs std, 64 B, every transport
//! cargo bench --bench paths -- 'batch-(send|recv)/udp'   # the mmsg speedup groups
//! ```
//! (`--bench paths` keeps criterion's own flags away from the lib's libtest harness.)
//!
//! The Nagle canary (write-write-read on TCP with and without `TCP_NODELAY`, ~40 ms per
//! exchange) is not a bench: `socklab compare` prints it (`compare::canary::nagle_canary`).

use std::hint::black_box;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use socklab::compare::harness::{Cpus, Slot};
use socklab::compare::paths::{self, PathName, Transport};
use socklab::compare::{Mode, Pin};

/// Message sizes on datagram transports.
const DGRAM_SIZES: [usize; 1] = [64];
/// Message sizes on stream transports.
const STREAM_SIZES: [usize; 3] = [64, 1024, 64 * 1024];
/// Batch sizes `libc-mmsg` runs at in the batch groups.
const MMSG_BATCHES: [usize; 4] = [1, 8, 32, 64];
/// Batch size of the per-call paths in the batch groups (the size the speedup is quoted at).
const PER_CALL_BATCH: usize = 32;
/// Datagram size in the batch groups.
const BATCH_SIZE: usize = 64;
/// The transports of the `stream` groups: UDP loses datagrams when the sender outruns the
/// receiver, which criterion's bytes/s cannot show (`socklab compare --mode stream` counts them).
const STREAM_TRANSPORTS: [Transport; 3] = [Transport::Tcp, Transport::Unix, Transport::UnixDgram];
/// The datagram transports the batch groups run on.
const BATCH_TRANSPORTS: [Transport; 2] = [Transport::Udp, Transport::UnixDgram];
/// The per-call paths of `batch-send`/`batch-recv`, first the one `*mmsg` is compared to.
const ONE_SIDED_PER_CALL: [PathName; 3] = [
    PathName::LibcSendtoRecvfrom,
    PathName::LibcSendRecv,
    PathName::LibcSendmsgRecvmsg,
];

/// Reads `SOCKLAB_BENCH_PIN` (`same` by default, `split`, `none`) and pins the calling
/// (measuring) thread; returns the CPUs for the peer threads too.
fn pin_from_env() -> Cpus {
    let name = std::env::var("SOCKLAB_BENCH_PIN").unwrap_or_else(|_| "same".into());
    let cpus = name
        .parse::<Pin>()
        .map_err(|e| e.to_string())
        .and_then(|pin| Cpus::for_pin(pin).map_err(|e| e.to_string()))
        .and_then(|cpus| {
            Cpus::pin_here(cpus.main).map_err(|e| e.to_string())?;
            Ok(cpus)
        })
        .unwrap_or_else(|e| {
            eprintln!("SOCKLAB_BENCH_PIN={name:?}: {e} (expected same, split or none)");
            std::process::exit(2);
        });
    let cpu = |c: Option<usize>| c.map_or("any CPU".to_string(), |c| format!("CPU {c}"));
    eprintln!(
        "pinning: {name} (measuring thread on {}, echo/sender thread on {})",
        cpu(cpus.main),
        cpu(cpus.peer)
    );
    cpus
}

/// Paths already reported as unsupported (one note each).
static SKIPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// `Some(value)`, or `None` with a note (once per message) if this build lacks the path;
/// panics on any other setup error.
fn supported<T>(r: io::Result<T>, what: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {
            let note = e.to_string();
            let mut skipped = SKIPPED.lock().unwrap();
            if !skipped.contains(&note) {
                eprintln!("note: skipped, unsupported in this build: {note}");
                skipped.push(note);
            }
            None
        }
        Err(e) => panic!("{what}: setup failed: {e}"),
    }
}

/// Panics with the bench named; a bench cannot return errors.
fn check<T>(r: io::Result<T>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The message sizes measured on `t`.
fn sizes(t: Transport) -> &'static [usize] {
    if t.is_stream() {
        &STREAM_SIZES
    } else {
        &DGRAM_SIZES
    }
}

/// The paths of a `same-thread`/`rtt`/`stream` group, `c` first: the ones `socklab compare`
/// runs for the mode (`libc-mmsg` only in the batch groups).
fn mode_paths(mode: Mode) -> impl Iterator<Item = PathName> {
    mode.default_paths().into_iter()
}

/// Times `iters` ops of `slot` (one op = `per_iter` of the slot's messages in batch mode);
/// `what` names the bench in a panic.
fn bench_slot(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    mut slot: Slot,
    per_iter: u64,
    what: &str,
) {
    group.bench_function(id, |bench| {
        bench.iter_custom(|iters| {
            let start = Instant::now();
            check(slot.run(iters * per_iter, false), what);
            start.elapsed()
        })
    });
    check(slot.finish(), what);
}

/// `<mode>/<t>` for same-thread, rtt and stream: every path at every size of `t`, size by
/// size, `c` first. The echo (rtt) or sender (stream) thread starts before the bench and stops
/// after it: only the measuring thread's loop is timed.
fn mode_group(c: &mut Criterion, mode: Mode, t: Transport, cpus: Cpus) {
    let mut group = c.benchmark_group(format!("{mode}/{t}"));
    for &size in sizes(t) {
        group.throughput(Throughput::Bytes(size as u64));
        for path in mode_paths(mode) {
            let what = format!("{mode}/{t}/{path}/{size}");
            if let Some(slot) = supported(Slot::new(mode, t, size, 1, path, cpus), &what) {
                let id = BenchmarkId::new(path.name(), size);
                bench_slot(&mut group, id, slot, 1, &what);
            }
        }
    }
    group.finish();
}

/// `batch/<t>`: `c` and `libc-sendto-recvfrom` at `n` = 32 (n × send+receive), then
/// `libc-mmsg` at every `n` (one `sendmmsg` + `recvmmsg`), in one thread.
fn batch_group(c: &mut Criterion, t: Transport, cpus: Cpus) {
    let mut group = c.benchmark_group(format!("batch/{t}"));
    let runs = [PathName::C, PathName::LibcSendtoRecvfrom]
        .map(|p| (p, PER_CALL_BATCH))
        .into_iter()
        .chain(MMSG_BATCHES.map(|n| (PathName::LibcMmsg, n)));
    for (path, n) in runs {
        let what = format!("batch/{t}/{path}/{n}");
        let slot = Slot::new(Mode::Batch, t, BATCH_SIZE, n, path, cpus);
        if let Some(slot) = supported(slot, &what) {
            group.throughput(Throughput::Elements(n as u64));
            let id = BenchmarkId::new(path.name(), n);
            bench_slot(&mut group, id, slot, n as u64, &what);
        }
    }
    group.finish();
}

/// Which side of a one-sided batch is timed.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    /// `a.send_batch(n)`; `b.recv_batch(n)` drains untimed.
    Send,
    /// `b.recv_batch(n)`; `a.send_batch(n)` fills untimed.
    Recv,
}

/// One `batch-send`/`batch-recv` bench: `path` moving `n` datagrams per iteration on `t`,
/// only `side` timed.
fn one_sided(
    group: &mut BenchmarkGroup<'_, WallTime>,
    t: Transport,
    side: Side,
    path: PathName,
    n: usize,
) {
    let what = format!("{t}/{path}/{n}");
    let Some((mut a, mut b)) = supported(paths::make(path, t, BATCH_SIZE), &what) else {
        return;
    };
    let mut buf = vec![0x5a; BATCH_SIZE];
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new(path.name(), n), |bench| {
        bench.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                if side == Side::Send {
                    let start = Instant::now();
                    check(a.send_batch(black_box(&buf), n), &what);
                    timed += start.elapsed();
                    check(b.recv_batch(&mut buf, n), &what);
                } else {
                    check(a.send_batch(&buf, n), &what);
                    let start = Instant::now();
                    check(b.recv_batch(black_box(&mut buf), n), &what);
                    timed += start.elapsed();
                }
            }
            timed
        })
    });
}

/// `batch-send/<t>` and `batch-recv/<t>`: the per-call paths at `n` = 32, then `libc-mmsg`
/// at every `n`, one side timed.
fn one_sided_groups(c: &mut Criterion, t: Transport) {
    for (name, side) in [("batch-send", Side::Send), ("batch-recv", Side::Recv)] {
        let mut group = c.benchmark_group(format!("{name}/{t}"));
        for path in ONE_SIDED_PER_CALL {
            one_sided(&mut group, t, side, path, PER_CALL_BATCH);
        }
        for n in MMSG_BATCHES {
            one_sided(&mut group, t, side, PathName::LibcMmsg, n);
        }
        group.finish();
    }
}

fn main() {
    let cpus = pin_from_env();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .nresamples(20_000)
        .configure_from_args();
    for mode in [Mode::SameThread, Mode::Rtt] {
        for t in Transport::ALL {
            mode_group(&mut c, mode, t, cpus);
        }
    }
    for t in STREAM_TRANSPORTS {
        mode_group(&mut c, Mode::Stream, t, cpus);
    }
    for t in BATCH_TRANSPORTS {
        batch_group(&mut c, t, cpus);
        one_sided_groups(&mut c, t);
    }
    c.final_summary();
}
