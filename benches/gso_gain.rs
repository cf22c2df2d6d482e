//! Stream mode's GSO targets, checked in runs of `socklab compare`'s own stream groups (udp,
//! 64 B and 1400 B, sender and receiver on two CPUs as compare's stream default pins them):
//!
//! - `libc-gso` within ±5% of its C twin `c-gso` (the delivered rate, `ratio_to_twin`);
//! - libc-gso's gain over `libc-sendto-recvfrom` within 10% of c-gso's gain over
//!   `c-sendto-recvfrom`, in the same run.
//!
//! ```text
//! cargo bench --bench gso_gain            # 3 runs
//! cargo bench --bench gso_gain -- 5       # 5 runs
//! ```
//!
//! Each run prints both figures per size with `ok` or `MISS`, and the load average beside them
//! (two pinned threads share this machine's CPUs with whatever else runs); the exit status is 1
//! when a target was missed in the majority of runs. Thresholds live here and in the README's
//! runs, never in a unit test.

use socklab::compare::paths::{PathName, Transport};
use socklab::compare::{self, Config, Mode, Row};

/// `libc-gso / c-gso` must be within this of 1.
const TWIN_TOLERANCE: f64 = 0.05;
/// `(libc gain) / (c gain)` must be within this of 1.
const GAIN_TOLERANCE: f64 = 0.10;
const SIZES: [usize; 2] = [64, 1400];

fn rate(rows: &[Row], path: PathName, size: usize) -> f64 {
    rows.iter()
        .find(|r| r.path == path && r.size == size)
        .and_then(|r| r.msgs_per_s)
        .unwrap_or(f64::NAN)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let cfg = Config {
        modes: vec![Mode::Stream],
        transports: vec![Transport::Udp],
        sizes: SIZES.to_vec(),
        paths: vec![PathName::LibcSendtoRecvfrom, PathName::LibcGso],
        count_syscalls: false,
        nagle: false,
        ..Config::default()
    };
    if let Err(e) = cfg.validate() {
        eprintln!("gso_gain: {e}");
        std::process::exit(2);
    }
    let mut misses = [0usize; 2];
    for run in 1..=runs {
        let load = loadavg();
        let report = match compare::run(&cfg, &mut |_| {}) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("gso_gain: run {run}: {e}");
                std::process::exit(1);
            }
        };
        let pin = report.env.pin.clone();
        let mut missed = false;
        for size in SIZES {
            let r = |p| rate(&report.rows, p, size);
            let twin = r(PathName::LibcGso) / r(PathName::CGso);
            let libc_gain = r(PathName::LibcGso) / r(PathName::LibcSendtoRecvfrom);
            let c_gain = r(PathName::CGso) / r(PathName::CSendtoRecvfrom);
            let gains = libc_gain / c_gain;
            let mark = |ok: bool| if ok { "ok" } else { "MISS" };
            let twin_ok = (twin - 1.0).abs() <= TWIN_TOLERANCE;
            let gain_ok = (gains - 1.0).abs() <= GAIN_TOLERANCE;
            missed |= !(twin_ok && gain_ok);
            println!(
                "run {run} {size:>4} B (pin {pin}, load {load}): libc-gso/c-gso {twin:.3} {} · \
                 gain libc {libc_gain:.1}× vs c {c_gain:.1}× = {gains:.3} {}",
                mark(twin_ok),
                mark(gain_ok)
            );
        }
        misses[usize::from(missed)] += 1;
    }
    let [met, missed] = misses;
    println!("targets met in {met} of {runs} runs");
    if missed * 2 > runs {
        std::process::exit(1);
    }
}
