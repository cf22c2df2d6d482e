//! Criterion benches of every syscall path of `socklab::compare::paths`, the C floor (`c`) first
//! in each group: `same-thread/<transport>`, `rtt/<transport>`, `batch*/udp`.
//!
//! # Groups
//! | group | timed operation | throughput | ids |
//! |---|---|---|---|
//! | `same-thread/{tcp,udp,unix,unixdgram}` | `a.pair_once(b)`: send on `a`, receive on `b`, one thread | bytes (one message) | `<path>/<size>` |
//! | `rtt/{tcp,udp,unix,unixdgram}` | `a.rtt_once()` against an echo thread (started and stopped outside the timed loop, `iter_custom`) | bytes (one message each way) | `<path>/<size>` |
//! | `batch/udp` | `a.batch_once(b, n)`: `n` datagrams sent and received, one thread | elements (datagrams) | `<path>/<n>` |
//! | `batch-send/udp` | `a.send_batch(n)` only; the receiver drains outside the timed region | elements | `<path>/<n>` |
//! | `batch-recv/udp` | `b.recv_batch(n)` only, the `n` datagrams already queued | elements | `<path>/<n>` |
//!
//! Paths: every [`PathName`]; a path this build lacks (`make` answers `Unsupported`) is skipped
//! with a note on stderr. Sizes: 64 B on every transport, plus 1 KiB and 64 KiB on the stream
//! transports. Within a group the benches run size by size, `c` first, so each path is measured
//! right after its floor and criterion's summary plots show `c` beside every path. `libc-mmsg`
//! runs in the batch groups at `n` = 1, 8, 32, 64; the per-call paths at `n` = 32. `c` has no
//! one-sided call, so `batch-send`/`batch-recv` start with `libc-sendto-recvfrom`, the per-call
//! path `recvmmsg`/`sendmmsg` is compared to (per-datagram speedup = ratio of the two
//! `elements/s`). The batch groups are UDP only: a one-thread batch of more than
//! `net.unix.max_dgram_qlen` (10 by default) datagrams blocks on a unixdgram socketpair.
//!
//! # Pinning
//! `SOCKLAB_BENCH_PIN=same` (default): the measuring thread and the echo thread on one CPU (the
//! first allowed), as `socklab compare --pin same`; `split`: the echo thread on the second
//! allowed CPU; `none`: no pinning.
//!
//! # Time budget
//! About 180 benches; each gets 0.3 s warm-up, 1 s measurement, 30 samples and 20 000 bootstrap
//! resamples (criterion's defaults: 3 s, 5 s, 100, 100 000, which would take ~30 min), so the
//! whole `cargo bench` takes about 8 minutes on 2 cores. The criterion flags override these
//! (`-- --measurement-time 5 --sample-size 100`). The HTML report lands in
//! `$CARGO_TARGET_DIR/criterion/report/index.html`.
//!
//! # Filters
//! Criterion filters are regexes over `group/path/size`:
//! ```text
//! cargo bench --bench paths -- rtt/udp                  # one group
//! cargo bench --bench paths -- 'rtt/.*/(c|std)/64$'     # c vs std, 64 B, every transport
//! cargo bench --bench paths -- 'batch-(send|recv)'      # the mmsg speedup groups
//! ```
//! (`--bench paths` keeps criterion-only flags away from the lib's libtest harness.)
//!
//! The Nagle canary (write-write-read on TCP with and without `TCP_NODELAY`) is not here: it
//! is `socklab compare`'s `nagle` row (`compare::harness::nagle_canary`), ~40 ms per exchange.

use std::hint::black_box;
use std::io;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use socklab::compare::paths::{self, Path, PathName, Transport};
use socklab::sys::{self, CpuSet};

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
/// The per-call paths of `batch-send`/`batch-recv`, first the one `*mmsg` is compared to.
const ONE_SIDED_PER_CALL: [PathName; 3] = [
    PathName::LibcSendtoRecvfrom,
    PathName::LibcSendRecv,
    PathName::LibcSendmsgRecvmsg,
];

/// Where the threads run: the CPU of the measuring thread and of the `rtt` echo thread.
#[derive(Clone, Copy)]
struct Pin {
    main: Option<usize>,
    echo: Option<usize>,
}

impl Pin {
    /// Reads `SOCKLAB_BENCH_PIN` (`same`, `split`, `none`) and pins the calling thread.
    fn from_env() -> Pin {
        let mode = std::env::var("SOCKLAB_BENCH_PIN").unwrap_or_else(|_| "same".into());
        let cpus: Vec<usize> = sys::sched_getaffinity(0)
            .expect("sched_getaffinity")
            .iter()
            .collect();
        let pin = match mode.as_str() {
            "same" => Pin {
                main: Some(cpus[0]),
                echo: Some(cpus[0]),
            },
            "split" if cpus.len() >= 2 => Pin {
                main: Some(cpus[0]),
                echo: Some(cpus[1]),
            },
            "none" => Pin {
                main: None,
                echo: None,
            },
            _ => {
                eprintln!(
                    "SOCKLAB_BENCH_PIN={mode:?}: expected same, split (needs 2 CPUs; {} allowed) \
                     or none",
                    cpus.len()
                );
                std::process::exit(2);
            }
        };
        if let Some(cpu) = pin.main {
            sys::sched_setaffinity(0, &CpuSet::single(cpu).expect("cpu in range"))
                .expect("sched_setaffinity");
        }
        eprintln!(
            "pinning: {mode} (measuring thread on {:?}, echo thread on {:?})",
            pin.main, pin.echo
        );
        pin
    }
}

/// Paths already reported as unsupported (one note each).
static SKIPPED: Mutex<Vec<PathName>> = Mutex::new(Vec::new());

/// A connected pair for `path`, or `None` (with a note, once per path) if this build lacks it.
fn pair(path: PathName, t: Transport, size: usize) -> Option<(Box<dyn Path>, Box<dyn Path>)> {
    match paths::make(path, t, size) {
        Ok(p) => Some(p),
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {
            let mut skipped = SKIPPED.lock().unwrap();
            if !skipped.contains(&path) {
                eprintln!("note: skipped, unsupported in this build: {e}");
                skipped.push(path);
            }
            None
        }
        Err(e) => panic!("{path} over {t}, {size} B: setup failed: {e}"),
    }
}

/// Panics with the path, transport and operation named; a bench cannot return errors.
fn check<T>(r: io::Result<T>, what: &str, path: PathName, t: Transport) -> T {
    r.unwrap_or_else(|e| panic!("{path} over {t}: {what}: {e}"))
}

/// The message sizes measured on `t`.
fn sizes(t: Transport) -> &'static [usize] {
    if t.is_stream() {
        &STREAM_SIZES
    } else {
        &DGRAM_SIZES
    }
}

/// Runs `bench(group, path, size)` for every size of `t` and every path, `c` first.
fn each_path_size(
    group: &mut BenchmarkGroup<'_, WallTime>,
    t: Transport,
    mut bench: impl FnMut(&mut BenchmarkGroup<'_, WallTime>, PathName, usize),
) {
    for &size in sizes(t) {
        group.throughput(Throughput::Bytes(size as u64));
        for path in PathName::ALL {
            bench(group, path, size);
        }
    }
}

/// `same-thread/<t>`: send on one end and receive on the other, in the measuring thread.
fn same_thread(c: &mut Criterion, t: Transport) {
    let mut group = c.benchmark_group(format!("same-thread/{t}"));
    each_path_size(&mut group, t, |group, path, size| {
        let Some((mut a, mut b)) = pair(path, t, size) else {
            return;
        };
        let mut buf = vec![0x5a; size];
        group.bench_function(BenchmarkId::new(path.name(), size), |bench| {
            bench.iter(|| check(a.pair_once(&mut *b, black_box(&mut buf)), "pair", path, t))
        });
    });
    group.finish();
}

/// Stops an echo thread and checks that it ended cleanly.
fn join_echo(a: &dyn Path, echo: JoinHandle<io::Result<u64>>, t: Transport) {
    let path = a.name();
    check(paths::stop_echo(a), "stop echo", path, t);
    let joined = echo.join().expect("echo thread panicked");
    check(joined, "echo", path, t);
}

/// `rtt/<t>`: a blocking ping-pong against an echo thread; only the client's loop is timed.
fn rtt(c: &mut Criterion, t: Transport, pin: Pin) {
    let mut group = c.benchmark_group(format!("rtt/{t}"));
    each_path_size(&mut group, t, |group, path, size| {
        let Some((mut a, b)) = pair(path, t, size) else {
            return;
        };
        let echo = paths::spawn_echo(b, size, pin.echo);
        let mut buf = vec![0x5a; size];
        group.bench_function(BenchmarkId::new(path.name(), size), |bench| {
            bench.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    check(a.rtt_once(black_box(&mut buf)), "rtt", path, t);
                }
                start.elapsed()
            })
        });
        join_echo(&*a, echo, t);
    });
    group.finish();
}

/// Which part of a batch is timed.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    /// `a.batch_once(b, n)`: both sides, one thread.
    Both,
    /// `a.send_batch(n)`; `b.recv_batch(n)` drains untimed.
    Send,
    /// `b.recv_batch(n)`; `a.send_batch(n)` fills untimed.
    Recv,
}

/// One batch bench on UDP: `path` moving `n` datagrams per iteration, `side` timed.
fn batch_one(group: &mut BenchmarkGroup<'_, WallTime>, side: Side, path: PathName, n: usize) {
    let t = Transport::Udp;
    let Some((mut a, mut b)) = pair(path, t, BATCH_SIZE) else {
        return;
    };
    let mut buf = vec![0x5a; BATCH_SIZE];
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new(path.name(), n), |bench| {
        bench.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                match side {
                    Side::Both => {
                        let start = Instant::now();
                        check(
                            (0..n).try_for_each(|_| a.pair_once(&mut *b, &mut buf)),
                            "batch",
                            path,
                            t,
                        ); // INTERIM until compare lands batch_once
                        timed += start.elapsed();
                    }
                    Side::Send => {
                        let start = Instant::now();
                        check(a.send_batch(black_box(&buf), n), "send batch", path, t);
                        timed += start.elapsed();
                        check(b.recv_batch(&mut buf, n), "drain", path, t);
                    }
                    Side::Recv => {
                        check(a.send_batch(&buf, n), "fill", path, t);
                        let start = Instant::now();
                        check(b.recv_batch(black_box(&mut buf), n), "recv batch", path, t);
                        timed += start.elapsed();
                    }
                }
            }
            timed
        })
    });
}

/// `batch/udp`, `batch-send/udp`, `batch-recv/udp`: per-call paths at `n` = 32, then
/// `libc-mmsg` at every batch size.
fn batch(c: &mut Criterion) {
    for (name, side) in [
        ("batch", Side::Both),
        ("batch-send", Side::Send),
        ("batch-recv", Side::Recv),
    ] {
        let mut group = c.benchmark_group(format!("{name}/udp"));
        let per_call: &[PathName] = if side == Side::Both {
            &[PathName::C, PathName::LibcSendtoRecvfrom]
        } else {
            &ONE_SIDED_PER_CALL
        };
        for &path in per_call {
            batch_one(&mut group, side, path, PER_CALL_BATCH);
        }
        for n in MMSG_BATCHES {
            batch_one(&mut group, side, PathName::LibcMmsg, n);
        }
        group.finish();
    }
}

fn main() {
    let pin = Pin::from_env();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .nresamples(20_000)
        .configure_from_args();
    for t in Transport::ALL {
        same_thread(&mut c, t);
    }
    for t in Transport::ALL {
        rtt(&mut c, t, pin);
    }
    batch(&mut c);
    c.final_summary();
}
