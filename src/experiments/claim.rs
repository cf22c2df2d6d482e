//! How an experiment runs: its [`Claim`] (id, the primer's sentence, the method), probes that
//! return typed evidence ([`Record`]), the one verdict it reaches from them ([`Finding`]), and how
//! it stops early ([`Stop`]: a missing privilege or kernel feature is `CannotRun`, anything else
//! `Failed`).
//!
//! Every experiment has the same shape:
//!
//! ```text
//! pub fn udp_truncation() -> Outcome {
//!     CLAIM.run(|e| {
//!         let udp = kept(e, probe_udp()?);   // typed evidence, its keys recorded
//!         let tcp = kept(e, probe_tcp()?);
//!         Ok(verdict(&udp, &tcp))            // one verdict, from the typed fields only
//!     })
//! }
//! ```

use std::time::{Duration, Instant};

use crate::sys::{self, Errno};

pub(crate) use super::Evidence;
use super::{Outcome, Verdict};

/// Typed evidence from one probe: the fields its experiment's verdict reads, and the
/// `snake_case` keys it records for the report.
pub(crate) trait Record {
    /// Records the figures under their keys, in the order they were measured.
    fn record(&self, e: &mut Evidence);
}

/// A probe that may not have run (no namespace, no privilege) records nothing.
impl<R: Record> Record for Option<R> {
    fn record(&self, e: &mut Evidence) {
        if let Some(r) = self {
            r.record(e);
        }
    }
}

/// Records `probe`'s figures in `e` and hands it back for the verdict.
pub(crate) fn kept<P: Record>(e: &mut Evidence, probe: P) -> P {
    probe.record(e);
    probe
}

/// What an experiment concludes: its verdict and the one or two sentences that say why.
pub(crate) type Finding = (Verdict, String);

/// `Held` when `held`, else `Refuted`.
pub(crate) fn held_if(held: bool) -> Verdict {
    if held {
        Verdict::Held
    } else {
        Verdict::Refuted
    }
}

/// Why an experiment stopped before its verdict.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A named privilege or kernel feature is missing: the errno that says so, and what is
    /// missing. Only [`need`] makes one.
    Missing(String),
    /// Any other failure: a bug or a broken host, reported as [`Verdict::Failed`].
    Failed(String),
}

impl From<sys::Error> for Stop {
    fn from(e: sys::Error) -> Stop {
        Stop::Failed(e.to_string())
    }
}

/// What an experiment's body returns.
pub(crate) type Res<T> = Result<T, Stop>;

/// `r`, where an error with one of `errnos` means "this host lacks `what`" (a privilege, a
/// kernel feature, a module) and ends the experiment as `CannotRun`; any other error is a
/// failure.
pub(crate) fn need<T>(r: sys::Result<T>, errnos: &[Errno], what: &str) -> Res<T> {
    r.map_err(|e| {
        if errnos.contains(&e.code()) {
            Stop::Missing(format!("{what} ({e})"))
        } else {
            Stop::from(e)
        }
    })
}

/// The fixed parts of an experiment: its id, the primer's sentence and the method.
pub(crate) struct Claim {
    pub id: &'static str,
    pub claim: &'static str,
    pub method: &'static str,
}

impl Claim {
    /// The outcome of a measurement that ran.
    fn outcome(&self, (verdict, summary): Finding, evidence: Evidence) -> Outcome {
        Outcome {
            id: self.id,
            claim: self.claim,
            verdict,
            summary,
            evidence,
            method: self.method,
            elapsed: Duration::ZERO,
        }
    }

    /// The outcome of an experiment that stopped, with what was measured before it did.
    pub(crate) fn stopped(&self, stop: Stop, evidence: Evidence) -> Outcome {
        match stop {
            Stop::Missing(why) => {
                let summary = format!("not measured: {why}");
                self.outcome((Verdict::CannotRun(why), summary), evidence)
            }
            Stop::Failed(err) => {
                let summary = format!("broke off: {err}");
                self.outcome((Verdict::Failed(err), summary), evidence)
            }
        }
    }

    /// Runs `body`, which records its probes' evidence and returns the verdict, and records how
    /// long it took in [`Outcome::elapsed`]. A missing privilege or feature ([`need`]) becomes
    /// `CannotRun`; any other error `Failed`, with the evidence recorded before it.
    pub fn run(&self, body: impl FnOnce(&mut Evidence) -> Res<Finding>) -> Outcome {
        let t = Instant::now();
        let mut e = Evidence::new();
        let mut out = match body(&mut e) {
            Ok(finding) => self.outcome(finding, e),
            Err(stop) => self.stopped(stop, e),
        };
        out.elapsed = t.elapsed();
        out
    }
}
