//! CPU affinity: sched_setaffinity(2)/sched_getaffinity(2) over a [`CpuSet`], the pinning the
//! `compare` harness uses to put a ping-pong on one core or split it across two.

use std::fmt;
use std::mem::size_of;

use libc::pid_t;

use super::{cvt, raw, Errno, Result};

/// Words in a [`CpuSet`]: 16 × 64 bits = 1024 CPUs, glibc's `CPU_SETSIZE`.
const WORDS: usize = 16;
/// Bits per word of a [`CpuSet`].
const WORD_BITS: usize = 64;

/// A CPU mask laid out like C's `cpu_set_t` (1024 bits), built without the `CPU_SET` macros.
///
/// ```
/// use socklab::sys::CpuSet;
/// let mut set = CpuSet::new();
/// set.set(0)?;
/// set.set(3)?;
/// assert_eq!(set.iter().collect::<Vec<_>>(), [0, 3]);
/// assert_eq!(set.count(), 2);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(CPU_SET(3))]
#[doc(alias = "cpu_set_t")]
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CpuSet {
    bits: [u64; WORDS],
}

impl CpuSet {
    /// The largest CPU number plus one that a `CpuSet` can hold (`CPU_SETSIZE`, 1024).
    pub const CAPACITY: usize = WORDS * WORD_BITS;

    /// An empty set, C's `CPU_ZERO(&set)`.
    #[doc(alias = "CPU_ZERO")]
    pub fn new() -> CpuSet {
        CpuSet { bits: [0; WORDS] }
    }

    /// Adds `cpu`, C's `CPU_SET(cpu, &set)`.
    ///
    /// # Errors
    /// `EINVAL` if `cpu >= CpuSet::CAPACITY` (C's macro would silently do nothing).
    #[doc(alias = "CPU_SET")]
    pub fn set(&mut self, cpu: usize) -> Result<()> {
        if cpu >= Self::CAPACITY {
            return Err(super::refuse(
                Errno::EINVAL,
                "CPU_SET",
                format!("{cpu}, &set"),
                format!("a cpu_set_t holds CPUs 0..{}", Self::CAPACITY),
            ));
        }
        self.bits[cpu / WORD_BITS] |= 1 << (cpu % WORD_BITS);
        Ok(())
    }

    /// Whether `cpu` is in the set, C's `CPU_ISSET(cpu, &set)` (false beyond the capacity).
    #[doc(alias = "CPU_ISSET")]
    pub fn is_set(&self, cpu: usize) -> bool {
        cpu < Self::CAPACITY && self.bits[cpu / WORD_BITS] & (1 << (cpu % WORD_BITS)) != 0
    }

    /// How many CPUs are in the set, C's `CPU_COUNT(&set)`.
    #[doc(alias = "CPU_COUNT")]
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The CPU numbers in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..Self::CAPACITY).filter(|&cpu| self.is_set(cpu))
    }

    /// A set holding just `cpu`.
    ///
    /// # Errors
    /// As [`CpuSet::set`].
    pub fn single(cpu: usize) -> Result<CpuSet> {
        let mut set = CpuSet::new();
        set.set(cpu)?;
        Ok(set)
    }
}

impl Default for CpuSet {
    fn default() -> CpuSet {
        CpuSet::new()
    }
}

impl fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// `sched_setaffinity(pid, cpusetsize, mask)` — sched_setaffinity(2).
///
/// `cpusetsize` is `size_of::<CpuSet>()` (128 bytes, like `sizeof(cpu_set_t)`). `pid` 0 is the
/// calling **thread** (Linux affinity is per thread; a thread spawned afterwards inherits it).
///
#[doc = errors_doc!(sched_setaffinity)]
///
/// # Example
/// ```
/// use socklab::sys;
/// let allowed = sys::sched_getaffinity(0)?;
/// let first = allowed.iter().next().unwrap();
/// std::thread::spawn(move || {
///     sys::sched_setaffinity(0, &sys::CpuSet::single(first)?)?; // pin this thread
///     assert_eq!(sys::sched_getaffinity(0)?.count(), 1);
///     Ok::<(), socklab::Error>(())
/// }).join().unwrap()?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(sched_setaffinity(2))]
pub fn sched_setaffinity(pid: pid_t, mask: &CpuSet) -> Result<()> {
    let ptr = (mask as *const CpuSet).cast::<libc::cpu_set_t>();
    // SAFETY: `ptr` points to a live CpuSet, readable for size_of::<CpuSet>() bytes, the size
    // passed; the kernel only reads that many bytes and keeps no pointer.
    let rc = unsafe { raw::sched_setaffinity(pid, size_of::<CpuSet>(), ptr) };
    cvt(rc, "sched_setaffinity", || {
        format!("{pid}, {}, {mask:?}", size_of::<CpuSet>())
    })
    .map(drop)
}

/// `sched_getaffinity(pid, cpusetsize, mask)` — sched_getaffinity(2).
///
/// Returns the mask instead of filling C's out-parameter. `pid` 0 is the calling thread.
///
#[doc = errors_doc!(sched_getaffinity)]
///
/// # Example
/// ```
/// let cpus = socklab::sys::sched_getaffinity(0)?;
/// assert!(cpus.count() >= 1);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(sched_getaffinity(2))]
pub fn sched_getaffinity(pid: pid_t) -> Result<CpuSet> {
    let mut mask = CpuSet::new();
    let ptr = (&mut mask as *mut CpuSet).cast::<libc::cpu_set_t>();
    // SAFETY: `ptr` points to a live, exclusively borrowed CpuSet writable for
    // size_of::<CpuSet>() bytes, the size passed; the kernel writes at most that many.
    let rc = unsafe { raw::sched_getaffinity(pid, size_of::<CpuSet>(), ptr) };
    cvt(rc, "sched_getaffinity", || {
        format!("{pid}, {}", size_of::<CpuSet>())
    })?;
    Ok(mask)
}
