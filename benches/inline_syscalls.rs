//! socklab's send/recv against rustix's, from a downstream crate's point of view (public API
//! only): same-thread UDP send+recv pairs of 64 B on loopback, the case where a glibc wrapper's
//! frame around each syscall costs most (see `socklab compare --mode syscall`).
//!
//! Build it both ways; the bench id names the build so both keep their criterion results:
//! ```text
//! cargo bench --bench inline_syscalls                               # socklab over glibc
//! cargo bench --bench inline_syscalls --features inline-syscalls    # syscall instruction inline
//! ```
//! Within one run the benches alternate (socklab, rustix, socklab, rustix: `ROUNDS` rounds of
//! `PAIRS` pairs each, same pinned CPU) and the bench prints the ratio of the medians of the
//! rounds; criterion's own estimates follow. Target: with `inline-syscalls`,
//! socklab ≤ rustix + 2%.

use std::hint::black_box;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use socklab::sys::{self, SockAddr, AF_INET, SOCK_DGRAM};

/// The build variant, as the bench id shows it.
const VARIANT: &str = if cfg!(feature = "inline-syscalls") {
    "socklab_inline_syscalls"
} else {
    "socklab_glibc"
};

/// Interleaved rounds of the printed ratio, and send+recv pairs per round.
const ROUNDS: usize = 30;
const PAIRS: u32 = 20_000;

/// Two UDP sockets on 127.0.0.1, port 0, connected to each other.
fn udp_pair() -> (OwnedFd, OwnedFd) {
    let lo = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)));
    let a = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let b = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    sys::bind(&a, &lo).unwrap();
    sys::bind(&b, &lo).unwrap();
    sys::connect(&a, &sys::getsockname(&b).unwrap()).unwrap();
    sys::connect(&b, &sys::getsockname(&a).unwrap()).unwrap();
    (a, b)
}

fn socklab_pair(a: &OwnedFd, b: &OwnedFd, payload: &[u8], buf: &mut [u8]) {
    sys::send(a, black_box(payload), 0).unwrap();
    black_box(sys::recv(b, &mut *buf, 0).unwrap());
}

fn rustix_pair(a: &OwnedFd, b: &OwnedFd, payload: &[u8], buf: &mut [u8]) {
    use rustix::net::{recv, send, RecvFlags, SendFlags};
    send(a, black_box(payload), SendFlags::empty()).unwrap();
    black_box(recv(b, &mut *buf, RecvFlags::empty()).unwrap());
}

type PairFn = fn(&OwnedFd, &OwnedFd, &[u8], &mut [u8]);

/// The median over `ROUNDS` alternating rounds of ns per pair, for each of `fns`.
fn interleaved(fns: &[PairFn]) -> Vec<f64> {
    let pairs: Vec<_> = fns.iter().map(|_| udp_pair()).collect();
    let payload = [7u8; 64];
    let mut buf = [0u8; 64];
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); fns.len()];
    for round in 0..ROUNDS {
        for i in 0..fns.len() {
            let j = (round + i) % fns.len();
            let (a, b) = &pairs[j];
            let t = Instant::now();
            for _ in 0..PAIRS {
                fns[j](a, b, &payload, &mut buf);
            }
            per[j].push(t.elapsed().as_nanos() as f64 / f64::from(PAIRS));
        }
    }
    per.into_iter()
        .map(|mut v| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        })
        .collect()
}

fn send_recv(c: &mut Criterion) {
    // One CPU: no cross-core wakeups, as `socklab compare --pin same`.
    if let Some(cpu) = sys::sched_getaffinity(0).ok().and_then(|s| s.iter().next()) {
        sys::sched_setaffinity(0, &sys::CpuSet::single(cpu).unwrap()).unwrap();
    }
    let m = interleaved(&[socklab_pair, rustix_pair]);
    eprintln!(
        "interleaved, {ROUNDS} rounds × {PAIRS} pairs: {VARIANT} {:.0} ns, rustix {:.0} ns per \
         UDP send+recv pair: {VARIANT}/rustix = {:.3}",
        m[0],
        m[1],
        m[0] / m[1]
    );

    let (a, b) = udp_pair();
    let payload = [7u8; 64];
    let mut buf = [0u8; 64];
    let mut group = c.benchmark_group("udp_send_recv_pair");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function(VARIANT, |bench| {
        bench.iter(|| socklab_pair(&a, &b, &payload, &mut buf))
    });
    group.bench_function("rustix", |bench| {
        bench.iter(|| rustix_pair(&a, &b, &payload, &mut buf))
    });
    group.finish();
}

criterion_group!(benches, send_recv);
criterion_main!(benches);
