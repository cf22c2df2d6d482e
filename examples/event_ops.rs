//! Runs `OPS` operations of one `socklab compare` path in one mode, pinned as compare pins it
//! (both threads on the first CPU; `split`: the echo on the second), and nothing else: a
//! process to count from outside what an operation costs the kernel. `scripts/event_perf.sh`
//! runs it twice per path (`OPS` and `2 × OPS`) under `perf stat -e
//! raw_syscalls:sys_enter,sched:sched_switch` and divides the difference by `OPS`, so the set-up
//! falls out.
//!
//! ```sh
//! cargo run --release --example event_ops -- tokio rtt udp 20000 [same|split]
//! ```

use std::process::ExitCode;

use socklab::compare::harness::{Cpus, Slot};
use socklab::compare::paths::{PathName, Transport};
use socklab::compare::{Mode, Pin};

/// Unrecorded operations before the counted ones (rings, runtimes and epoll sets made).
const WARMUP: u64 = 1000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, mode, transport, ops, pin @ ..] = &args[..] else {
        eprintln!("usage: event_ops PATH MODE TRANSPORT OPS [same|split]");
        return ExitCode::from(2);
    };
    let parsed = (
        path.parse::<PathName>(),
        mode.parse::<Mode>(),
        transport.parse::<Transport>(),
        ops.parse::<u64>(),
        pin.first().map_or(Ok(Pin::Same), |p| p.parse::<Pin>()),
    );
    let (Ok(path), Ok(mode), Ok(transport), Ok(ops), Ok(pin)) = parsed else {
        eprintln!("event_ops: bad argument in {args:?}");
        return ExitCode::from(2);
    };
    match run(path, mode, transport, ops, pin) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("event_ops: {path} {mode} {transport}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    path: PathName,
    mode: Mode,
    transport: Transport,
    ops: u64,
    pin: Pin,
) -> Result<(), Box<dyn std::error::Error>> {
    let cpus = Cpus::for_pin(pin)?;
    Cpus::pin_here(cpus.main)?;
    let mut slot = Slot::new(mode, transport, 64, 32, path, cpus)?;
    slot.run(WARMUP, false)?;
    slot.run(ops, false)?;
    slot.finish()?;
    Ok(())
}
