//! The io_uring set-up every ring of a run shares (`io-uring`, `io-uring-batch` and their C
//! twins): which `IORING_SETUP_*` flags, probed once per process, and whether io_uring is there
//! at all.
//!
//! The default is `IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN` (kernel 6.1+): each
//! ring is used by one thread (the measuring thread, or the echo thread of rtt), which is the
//! contract of both, and with `DEFER_TASKRUN` a completion that arrives while the thread sleeps
//! in `io_uring_enter` is run by that thread when it wakes, instead of as task work signalled
//! to it. A kernel that does not know them (`EINVAL`) gets rings without flags, and so does a
//! run with `SOCKLAB_IO_URING_SETUP=plain` (to measure the difference). Where
//! `io_uring_setup` fails otherwise (`EPERM`: `kernel.io_uring_disabled`, a seccomp filter;
//! `ENOSYS`), the paths are skipped with a note naming the errno.
//!
//! A thread's rings live as long as the thread ([`Pool`], one per thread and kind: the crate's
//! and the C twin's), shared by the ends it drives, and the probe's ring is made and closed on
//! a thread of its own: closing a ring makes the kernel's exit work signal every thread that
//! made or used it (task work queued with `TWA_SIGNAL`), and a blocking receive with
//! `SO_RCVTIMEO` that this meets on the measuring thread fails with `EINTR` (seen here: a later
//! `libc-*` row failing for what an io_uring row left behind). So the measuring thread holds
//! its rings (a few fds, one per size asked for) until it ends; an echo thread's go with it.

use std::io;
use std::sync::OnceLock;

use super::PathName;
use crate::compare::cfloor::twins::Uring;

/// `IORING_SETUP_SINGLE_ISSUER` (linux/io_uring.h).
pub const SINGLE_ISSUER: u32 = 1 << 12;
/// `IORING_SETUP_DEFER_TASKRUN` (linux/io_uring.h).
pub const DEFER_TASKRUN: u32 = 1 << 13;

/// The environment variable that sets the rings up without flags: `plain`.
pub const SETUP_ENV: &str = "SOCKLAB_IO_URING_SETUP";

/// SQEs of a ring that runs one op at a time (two linked SQEs; room for their cancels).
pub const OP_ENTRIES: usize = 8;

/// A thread's rings of one kind, each with the SQEs it was asked for, kept until the thread
/// ends (see the module docs for why none is closed before).
pub struct Pool<R>(Vec<(usize, R)>);

impl<R> Pool<R> {
    /// No ring yet.
    pub const fn new() -> Pool<R> {
        Pool(Vec::new())
    }

    /// The smallest ring of at least `entries` SQEs, made by `make` (and kept) when none fits.
    ///
    /// # Errors
    /// `make`'s.
    pub fn get(
        &mut self,
        entries: usize,
        make: impl FnOnce(usize) -> io::Result<R>,
    ) -> io::Result<&mut R> {
        let fits = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n >= entries);
        let i = match fits.min_by_key(|(_, (n, _))| *n) {
            Some((i, _)) => i,
            None => {
                self.0.push((entries, make(entries)?));
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[i].1)
    }
}

impl<R> Default for Pool<R> {
    fn default() -> Pool<R> {
        Pool::new()
    }
}

/// The set-up of this run's rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingSetup {
    /// The `IORING_SETUP_*` flags.
    pub flags: u32,
}

impl RingSetup {
    /// The flags as the notes print them.
    pub fn label(self) -> &'static str {
        if self.flags == SINGLE_ISSUER | DEFER_TASKRUN {
            "SINGLE_ISSUER|DEFER_TASKRUN"
        } else {
            "no flags"
        }
    }
}

/// SQEs for a ring that runs `batch` linked pairs at once: a power of two of at least 2 ×
/// `batch` (and [`OP_ENTRIES`]).
pub fn entries_for(batch: usize) -> usize {
    (2 * batch).max(OP_ENTRIES).next_power_of_two()
}

/// The run's ring set-up, probed on first use with a ring of [`OP_ENTRIES`]: the default
/// flags, or none where the kernel refuses them with `EINVAL` or [`SETUP_ENV`] is `plain`.
///
/// # Errors
/// `Unsupported`, naming `path` and the errno, where no ring can be set up.
pub fn setup(path: PathName) -> io::Result<RingSetup> {
    static SETUP: OnceLock<Result<RingSetup, i32>> = OnceLock::new();
    let probed = SETUP.get_or_init(|| {
        // On a thread of its own: the ring it closes signals the thread that made it (see the
        // module docs), and this one ends right after.
        std::thread::spawn(probe)
            .join()
            .unwrap_or(Err(libc::ENOSYS))
    });
    probed.map_err(|errno| {
        let e = crate::sys::Errno::from_raw(errno);
        let why = match errno {
            libc::EPERM => " (kernel.io_uring_disabled, or a seccomp filter)",
            libc::ENOSYS => " (no io_uring in this kernel or build)",
            _ => "",
        };
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{path}: io_uring_setup: {e}{why}"),
        )
    })
}

/// Sets a ring up with the default flags, or none where the kernel refuses them or
/// [`SETUP_ENV`] says `plain`, and closes it: the flags, or `io_uring_setup`'s errno.
fn probe() -> Result<RingSetup, i32> {
    let plain = std::env::var_os(SETUP_ENV).is_some_and(|v| v == "plain");
    let mut flags = if plain {
        0
    } else {
        SINGLE_ISSUER | DEFER_TASKRUN
    };
    loop {
        match Uring::new(OP_ENTRIES, flags) {
            Ok(_) => return Ok(RingSetup { flags }),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) && flags != 0 => flags = 0,
            Err(e) => return Err(e.raw_os_error().unwrap_or(libc::ENOSYS)),
        }
    }
}

/// The note of a run with io_uring rows: the flags and why.
pub fn note() -> Option<String> {
    let s = setup(PathName::IoUring).ok()?;
    let why = if s.flags == 0 {
        format!("without SINGLE_ISSUER|DEFER_TASKRUN ({SETUP_ENV}=plain, or a kernel before 6.1)")
    } else {
        format!(
            "with SINGLE_ISSUER|DEFER_TASKRUN (the default: one thread per ring, and a \
             completion that comes while the thread waits in io_uring_enter runs in that \
             thread, not as task work signalled to it; {SETUP_ENV}=plain for none)"
        )
    };
    Some(format!(
        "io-uring, c-io-uring: one io_uring_enter per op, SEND linked to RECV (rtt's echo: \
         each SEND linked to the next RECV); rings set up {why}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::paths::{self, Transport};
    use crate::sys::{self, opt::SoRcvTimeo};
    use std::time::Duration;

    /// The io_uring paths leave no `EINTR` behind on the thread that drove them: a blocking
    /// receive with `SO_RCVTIMEO` (what the `libc-*` rows make next) waits out its data. A ring
    /// this thread made and then closed would have its exit work signal the thread mid-wait.
    #[test]
    fn rings_leave_no_eintr_behind() {
        for p in [
            PathName::IoUring,
            PathName::CIoUring,
            PathName::CIoUringBatch,
        ] {
            for _ in 0..5 {
                let (mut a, mut b) = match paths::make(p, Transport::Udp, 64) {
                    Err(e) if e.kind() == io::ErrorKind::Unsupported => return,
                    r => r.unwrap(),
                };
                a.pair_once(&mut *b, &mut [1u8; 64]).unwrap();
                a.batch_once(&mut *b, &mut [1u8; 64], 4).unwrap();
                let echo = paths::spawn_echo(b, 64, None);
                a.rtt_once(&mut [2u8; 64]).unwrap();
                paths::stop_echo(&*a).unwrap();
                echo.join().unwrap().unwrap();
                drop(a);
                let (x, y) = sys::socketpair(sys::AF_UNIX, sys::SOCK_DGRAM, 0).unwrap();
                sys::set_opt(&y, SoRcvTimeo, Some(Duration::from_secs(5))).unwrap();
                let late = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    sys::send(&x, b"late", 0).map(drop)
                });
                let got = sys::recv(&y, &mut [0u8; 8][..], 0);
                late.join().unwrap().unwrap();
                assert_eq!(got.map_err(|e| e.to_string()), Ok(4), "{p}");
            }
        }
    }
}
