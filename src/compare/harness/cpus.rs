//! Where the executor's threads run: the CPUs of a [`Pin`] setting, pinning a thread to one,
//! and the measuring thread pinned for a run and given its CPUs back after it.

use super::super::{ConfigError, Error, Pin};
use crate::sys::{self, CpuSet};

/// The CPUs the run pins to: `(measuring thread, peer thread)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpus {
    /// The CPU of the measuring (main) thread, `None` unpinned.
    pub main: Option<usize>,
    /// The CPU of the echo / sender thread, `None` unpinned.
    pub peer: Option<usize>,
}

impl Cpus {
    /// The CPUs for `pin` among the CPUs this process may use.
    ///
    /// # Errors
    /// `sched_getaffinity`'s error ([`Error::Sys`]); [`ConfigError::SplitNeedsTwoCpus`] for
    /// `split` with fewer than two CPUs.
    pub fn for_pin(pin: Pin) -> Result<Cpus, Error> {
        if pin == Pin::None {
            return Ok(Cpus::default());
        }
        let allowed: Vec<usize> = sys::sched_getaffinity(0)?.iter().collect();
        let first = allowed.first().copied();
        let peer = match pin {
            Pin::Split => Some(*allowed.get(1).ok_or(ConfigError::SplitNeedsTwoCpus {
                cpus: allowed.len(),
            })?),
            _ => first,
        };
        Ok(Cpus { main: first, peer })
    }

    /// Pins the calling thread to `cpu` (nothing for `None`).
    ///
    /// # Errors
    /// `sched_setaffinity`'s error.
    pub fn pin_here(cpu: Option<usize>) -> sys::Result<()> {
        if let Some(cpu) = cpu {
            sys::sched_setaffinity(0, &CpuSet::single(cpu)?)?;
        }
        Ok(())
    }
}

/// The measuring thread pinned to [`Cpus::main`] for a run; [`Pinned::release`] (or dropping
/// it) gives the thread the CPUs it had before.
pub struct Pinned {
    /// The CPUs of the run.
    pub cpus: Cpus,
    before: Option<CpuSet>,
}

impl Pinned {
    /// Works out the CPUs for `pin`, notes the calling thread's current CPUs and pins it to
    /// the measuring CPU.
    ///
    /// # Errors
    /// [`Cpus::for_pin`]'s; `sched_getaffinity`'s or `sched_setaffinity`'s.
    pub fn main_thread(pin: Pin) -> Result<Pinned, Error> {
        let cpus = Cpus::for_pin(pin)?;
        let before = sys::sched_getaffinity(0)?;
        Cpus::pin_here(cpus.main)?;
        Ok(Pinned {
            cpus,
            before: Some(before),
        })
    }

    /// Gives the thread its CPUs back (what comes after the measured loops needs no pinning).
    ///
    /// # Errors
    /// `sched_setaffinity`'s error.
    pub fn release(mut self) -> sys::Result<()> {
        match self.before.take() {
            Some(before) => sys::sched_setaffinity(0, &before),
            None => Ok(()),
        }
    }
}

impl Drop for Pinned {
    /// A run that ended early still gives the thread its CPUs back.
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            let _ = sys::sched_setaffinity(0, &before);
        }
    }
}
