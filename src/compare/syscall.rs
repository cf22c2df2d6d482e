//! `socklab compare --mode syscall`: the bare cost of one syscall (`getppid`, a `recv` that
//! fails with `EAGAIN`) made inline, through one and two non-inlined C frames, through glibc,
//! through socklab's `sys` and through rustix — the "mitigation tax" each frame pays.
//!
//! Why frames matter: on CPUs whose Spectre/SRSO mitigations clear the return predictions on
//! kernel entry/exit (retpolines with RSB filling, SRSO "Safe RET"), a `ret` whose `call` came
//! before the syscall mispredicts; a call made after the syscall costs nothing extra. glibc's
//! wrappers are one such frame; rustix's `linux_raw` backend inlines the `syscall` instruction.
//! Read these rows beside `env.mitigations`.

use std::hint::black_box;
use std::io;
use std::os::fd::OwnedFd;
use std::time::Instant;

use super::paths::{self, Transport};
use super::schedule::{round_ops, Round};
use super::stats::{Recorder, Summary};
use super::{Config, Error};
use crate::compare::cfloor::bare::{self, How};
use crate::sys::{self, Errno};

/// Calls per timed sample: a sample of one ~150 ns call would be mostly timestamp.
pub const BLOCK: u64 = 100;

/// Calls per path in `--mode syscall`: `--iters` × this (the calls are ~100× cheaper than a
/// socket round trip).
pub const ITERS_FACTOR: u64 = 10;

/// The syscall of a row (`call` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysCall {
    /// `getppid()`.
    Getppid,
    /// `recv(fd, buf, 64, MSG_DONTWAIT)` on an empty UDP socket: `EAGAIN`.
    RecvEagain,
}

impl SysCall {
    /// Both calls, in table order.
    pub const ALL: [SysCall; 2] = [SysCall::Getppid, SysCall::RecvEagain];

    /// The schema name: `getppid`, `recv-eagain`.
    pub fn name(self) -> &'static str {
        match self {
            SysCall::Getppid => "getppid",
            SysCall::RecvEagain => "recv-eagain",
        }
    }

    fn c(self) -> bare::Call {
        match self {
            SysCall::Getppid => bare::Call::Getppid,
            SysCall::RecvEagain => bare::Call::RecvEagain,
        }
    }
}

/// The way a row makes the call (`path` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysPath {
    /// C, the `syscall` instruction inline in the loop: the floor.
    CInline,
    /// C, the same inline syscall inside one non-inlined function.
    CFrame1,
    /// C, inside a non-inlined function called by another.
    CFrame2,
    /// C through glibc's wrapper.
    CGlibc,
    /// socklab's `sys` (`sys::recv`; it has no `getppid`).
    Libc,
    /// rustix (`rustix::process::getppid`, `rustix::net::recv`).
    Rustix,
}

impl SysPath {
    /// Every way, in table order.
    pub const ALL: [SysPath; 6] = [
        SysPath::CInline,
        SysPath::CFrame1,
        SysPath::CFrame2,
        SysPath::CGlibc,
        SysPath::Libc,
        SysPath::Rustix,
    ];

    /// The schema name.
    pub fn name(self) -> &'static str {
        match self {
            SysPath::CInline => "c-inline",
            SysPath::CFrame1 => "c-frame1",
            SysPath::CFrame2 => "c-frame2",
            SysPath::CGlibc => "c-glibc",
            SysPath::Libc => "libc",
            SysPath::Rustix => "rustix",
        }
    }

    /// What the row's frames are, for the table.
    pub fn what(self) -> &'static str {
        match self {
            SysPath::CInline => "syscall instruction inline: no frame spans it",
            SysPath::CFrame1 => "one non-inlined C function spans it",
            SysPath::CFrame2 => "two nested non-inlined C functions span it",
            SysPath::CGlibc => "glibc's wrapper (one frame + cancellation/errno handling)",
            SysPath::Libc => "socklab::sys (over glibc, or inline with `inline-syscalls`)",
            SysPath::Rustix => "rustix (linux_raw: the syscall inlined into its caller)",
        }
    }
}

/// One row of `--mode syscall`.
#[derive(Clone, Debug, PartialEq)]
pub struct SyscallRow {
    /// The call.
    pub call: SysCall,
    /// The way it is made.
    pub path: SysPath,
    /// ns per call (samples are blocks of [`BLOCK`] calls).
    pub summary: Summary,
    /// `median_ns` / `c-inline`'s median for the same call.
    pub ratio_to_floor: Option<f64>,
}

/// One path's loop for one call, set up once.
struct Runner {
    call: SysCall,
    path: SysPath,
    rec: Recorder,
}

/// Checks a `recv` result is the expected `EAGAIN`.
fn eagain<T>(r: Result<T, Errno>) -> io::Result<()> {
    match r {
        Err(e) if e == Errno::EAGAIN => Ok(()),
        _ => Err(io::Error::other(
            "recv-eagain: the socket was not empty (recv did not fail with EAGAIN)",
        )),
    }
}

impl Runner {
    /// `n` calls, timed as one block; returns ns per call.
    fn block(&self, sock: &OwnedFd, buf: &mut [u8], n: u64) -> io::Result<f64> {
        let how = match self.path {
            SysPath::CInline => Some(How::Inline),
            SysPath::CFrame1 => Some(How::Frame1),
            SysPath::CFrame2 => Some(How::Frame2),
            SysPath::CGlibc => Some(How::Glibc),
            SysPath::Libc | SysPath::Rustix => None,
        };
        if let Some(how) = how {
            let t = bare::time_loop(self.call.c(), how, sock, buf, n)?;
            return Ok(t.as_nanos() as f64 / n as f64);
        }
        let start = Instant::now();
        match (self.path, self.call) {
            (SysPath::Rustix, SysCall::Getppid) => {
                for _ in 0..n {
                    black_box(rustix::process::getppid());
                }
            }
            (SysPath::Rustix, SysCall::RecvEagain) => {
                let flags = rustix::net::RecvFlags::DONTWAIT;
                for _ in 0..n {
                    let r = rustix::net::recv(sock, &mut *buf, flags);
                    eagain(black_box(r).map_err(|e| Errno::from_raw(e.raw_os_error())))?;
                }
            }
            (SysPath::Libc, SysCall::RecvEagain) => {
                for _ in 0..n {
                    let r = sys::recv(sock, &mut *buf, sys::MSG_DONTWAIT);
                    eagain(black_box(r).map_err(|e| e.code()))?;
                }
            }
            _ => return Err(io::ErrorKind::Unsupported.into()),
        }
        Ok(start.elapsed().as_nanos() as f64 / n as f64)
    }
}

/// Measures every call × path, interleaved round by round (each round starting one path
/// later), in the calling (pinned) thread. Rows that cannot run here are left out with a note.
///
/// # Errors
/// A setup error, or a call giving an unexpected result.
pub fn run(
    cfg: &Config,
    progress: &mut dyn FnMut(&str),
    notes: &mut Vec<String>,
) -> Result<Vec<SyscallRow>, Error> {
    // An empty UDP socket: nothing is ever sent to it, so every recv(MSG_DONTWAIT) is EAGAIN.
    let conn = paths::connect_pair(Transport::Udp, 64)?;
    let sock = conn.b;
    let mut buf = [0u8; 64];
    let mut rows = Vec::new();
    for call in SysCall::ALL {
        let mut runners = runners(call, &sock, &mut buf, cfg.warmup.max(1), notes)?;
        measure(call, &mut runners, &sock, &mut buf, cfg, progress)?;
        rows.extend(call_rows(call, &runners));
    }
    Ok(rows)
}

/// The ways `call` can be made here, each tried with `warmup` untimed calls; a way that is
/// absent (the inline syscall off x86_64, socklab's `getppid`) is left out with a note.
fn runners(
    call: SysCall,
    sock: &OwnedFd,
    buf: &mut [u8],
    warmup: u64,
    notes: &mut Vec<String>,
) -> io::Result<Vec<Runner>> {
    let mut runners = Vec::new();
    for path in SysPath::ALL {
        let r = Runner {
            call,
            path,
            rec: Recorder::new(),
        };
        match r.block(sock, buf, warmup) {
            Ok(_) => runners.push(r),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS)) => {
                notes.push(format!(
                    "syscall {} {}: absent: the inline syscall is built for x86_64 Linux only",
                    call.name(),
                    path.name()
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::Unsupported => notes.push(format!(
                "syscall {} {}: absent: socklab::sys has no getppid (not a socket call)",
                call.name(),
                path.name()
            )),
            Err(e) => return Err(e),
        }
    }
    Ok(runners)
}

/// `call`'s rounds: `--iters` × [`ITERS_FACTOR`] calls per way in blocks of [`BLOCK`], split
/// over `--rounds`, the ways taking turns as the scheduler orders them.
fn measure(
    call: SysCall,
    runners: &mut [Runner],
    sock: &OwnedFd,
    buf: &mut [u8],
    cfg: &Config,
    progress: &mut dyn FnMut(&str),
) -> io::Result<()> {
    let blocks = (cfg.iters * ITERS_FACTOR).div_ceil(BLOCK).max(1);
    for index in 0..cfg.rounds {
        progress(&format!(
            "syscall {} round {}/{}   ",
            call.name(),
            index + 1,
            cfg.rounds
        ));
        let round = Round {
            index,
            ops: round_ops(blocks, cfg.rounds, index),
        };
        for i in round.order(runners.len()) {
            let r = &mut runners[i];
            for _ in 0..round.ops {
                let per_call = r.block(sock, buf, BLOCK)?;
                r.rec.record(per_call.round() as u64, BLOCK);
            }
            r.rec.end_round();
        }
    }
    Ok(())
}

/// The rows of `call`, each with its ratio to the `c-inline` floor.
fn call_rows(call: SysCall, runners: &[Runner]) -> Vec<SyscallRow> {
    let floor = runners
        .iter()
        .find(|r| r.path == SysPath::CInline)
        .map(|r| r.rec.summary().median_ns)
        .filter(|&m| m > 0.0);
    runners
        .iter()
        .map(|r| {
            let summary = r.rec.summary();
            SyscallRow {
                call,
                path: r.path,
                summary,
                ratio_to_floor: floor.map(|f| summary.median_ns / f),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_runs() {
        let cfg = Config {
            iters: 100,
            warmup: 10,
            rounds: 2,
            ..Config::default()
        };
        let mut notes = Vec::new();
        let rows = run(&cfg, &mut |_| {}, &mut notes).unwrap();
        // getppid has no socklab::sys row; everything else runs on x86_64.
        let expected = if cfg!(target_arch = "x86_64") { 11 } else { 5 };
        assert_eq!(rows.len(), expected, "{notes:?}");
        assert!(rows.iter().all(|r| r.summary.count >= 100));
        assert!(notes.iter().any(|n| n.contains("getppid libc")));
    }
}
