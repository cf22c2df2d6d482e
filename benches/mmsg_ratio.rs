//! The `sendmmsg`/`recvmmsg` speedup per datagram, measured interleaved: `libc-sendto-recvfrom`
//! (32 calls) and `libc-mmsg` (one call for 32) alternate round by round on the same pinned CPU,
//! one side timed at a time as in `benches/paths.rs`' `batch-send`/`batch-recv` groups.
//!
//! Why a separate bench: criterion runs `batch-recv/udp/libc-sendto-recvfrom/32` and
//! `batch-recv/udp/libc-mmsg/32` seconds apart, so the ratio of the two estimates carries the
//! machine's drift between them (1.47×–1.65× over three runs on a shared 2-vCPU VM); here both
//! sides see the same drift and the ratio is the median of per-round ratios.
//!
//! ```text
//! cargo bench --bench mmsg_ratio                 # udp and unixdgram, 64 B, n = 32
//! ```

use std::time::{Duration, Instant};

use socklab::compare::harness::Cpus;
use socklab::compare::paths::{self, Path, PathName, Transport};
use socklab::compare::Pin;

/// Rounds, batches per round and path, messages per batch, message size.
const ROUNDS: usize = 40;
const BATCHES: usize = 200;
const N: usize = 32;
const SIZE: usize = 64;

/// Which side is timed.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Send,
    Recv,
}

/// `BATCHES` batches of `N` on `(a, b)`, only `side` timed; ns per datagram.
fn round(a: &mut dyn Path, b: &mut dyn Path, side: Side) -> f64 {
    let mut buf = vec![0x5a; SIZE];
    let mut timed = Duration::ZERO;
    for _ in 0..BATCHES {
        if side == Side::Send {
            let t = Instant::now();
            a.send_batch(&buf, N).expect("send_batch");
            timed += t.elapsed();
            b.recv_batch(&mut buf, N).expect("recv_batch");
        } else {
            a.send_batch(&buf, N).expect("send_batch");
            let t = Instant::now();
            b.recv_batch(&mut buf, N).expect("recv_batch");
            timed += t.elapsed();
        }
    }
    timed.as_nanos() as f64 / (BATCHES * N) as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let cpus = Cpus::for_pin(Pin::Same).expect("affinity");
    Cpus::pin_here(cpus.main).expect("pin");
    for t in [Transport::Udp, Transport::UnixDgram] {
        for (side, name) in [(Side::Recv, "recv"), (Side::Send, "send")] {
            let per_call = PathName::LibcSendtoRecvfrom;
            let (mut pa, mut pb) = paths::make(per_call, t, SIZE).expect("pair");
            let (mut ma, mut mb) = paths::make(PathName::LibcMmsg, t, SIZE).expect("pair");
            // Warm-up: both paths once, untimed.
            round(&mut *pa, &mut *pb, side);
            round(&mut *ma, &mut *mb, side);
            let (mut pc, mut mm, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for r in 0..ROUNDS {
                let (p, m) = if r % 2 == 0 {
                    let p = round(&mut *pa, &mut *pb, side);
                    (p, round(&mut *ma, &mut *mb, side))
                } else {
                    let m = round(&mut *ma, &mut *mb, side);
                    (round(&mut *pa, &mut *pb, side), m)
                };
                pc.push(p);
                mm.push(m);
                ratios.push(p / m);
            }
            println!(
                "{t} {name}: {per_call}×{N} {:.0} ns, mmsg({N}) {:.0} ns per datagram: {}mmsg \
                 {:.3}× faster (median of {ROUNDS} per-round ratios; per-round range {:.3}–{:.3})",
                median(&mut pc),
                median(&mut mm),
                name,
                median(&mut ratios.clone()),
                ratios.iter().copied().fold(f64::INFINITY, f64::min),
                ratios.iter().copied().fold(0.0, f64::max),
            );
        }
    }
}
