//! Where the executor's threads run: the CPUs of a [`Pin`] setting, each mode's pinning for a
//! run ([`mode_pins`]), pinning a thread to one CPU, and the measuring thread pinned mode by mode
//! and given its CPUs back after the run.

use super::super::{Config, ConfigError, Error, Mode, Pin};
use crate::sys::{self, CpuSet};

/// The CPUs the run pins to: `(measuring thread, peer thread)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// How one mode's threads run: the pinning used (after the one-CPU fallback) and its CPUs;
/// the env block's `pin_by_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModePin {
    /// The mode.
    pub mode: Mode,
    /// The pinning its groups ran with.
    pub pin: Pin,
    /// Its CPUs: the measuring thread's and the peer's (echo, sender).
    pub cpus: Cpus,
}

/// Each mode of `cfg` with its pinning ([`Config::pin_for`]) and CPUs, plus the notes a reader
/// needs: stream mode on one CPU (the default `split` where this process may use one CPU, or
/// `--pin same`) measures the scheduler's turns between sender and receiver too.
///
/// # Errors
/// [`Cpus::for_pin`]'s: `sched_getaffinity`'s error, or `split` asked for every mode with one
/// CPU ([`Config::validate`] refuses that first).
pub fn mode_pins(cfg: &Config) -> Result<(Vec<ModePin>, Vec<String>), Error> {
    let cpus_allowed = sys::sched_getaffinity(0)?.count();
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for mode in cfg.modes() {
        let mut pin = cfg.pin_for(mode);
        if mode == Mode::Stream && pin == Pin::Split && cpus_allowed < 2 {
            pin = Pin::Same;
            notes.push(format!(
                "stream: this process may use {cpus_allowed} CPU, so its sender and receiver \
                 share it (pin same instead of split): the figures measure the scheduler's turns \
                 between them too"
            ));
        } else if mode == Mode::Stream && pin == Pin::Same {
            notes.push(
                "stream: pin same puts the sender and the receiver on one CPU, so every message \
                 waits for the scheduler to switch between them: the figures measure the \
                 scheduler too (the default, split, gives each its own CPU)"
                    .into(),
            );
        }
        out.push(ModePin {
            mode,
            pin,
            cpus: Cpus::for_pin(pin)?,
        });
    }
    Ok((out, notes))
}

/// The measuring thread pinned for a run, mode by mode ([`Pinned::switch`]); [`Pinned::release`]
/// (or dropping it) gives the thread the CPUs it had before.
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

    /// Re-pins the thread for another mode's CPUs: to `cpus.main`, or back to the CPUs it had
    /// before for `None` (`--pin none`).
    ///
    /// # Errors
    /// `sched_setaffinity`'s error.
    pub fn switch(&mut self, cpus: Cpus) -> sys::Result<()> {
        if cpus == self.cpus {
            return Ok(());
        }
        self.cpus = cpus;
        match (cpus.main, &self.before) {
            (Some(_), _) => Cpus::pin_here(cpus.main),
            (None, Some(before)) => sys::sched_setaffinity(0, before),
            (None, None) => Ok(()),
        }
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
