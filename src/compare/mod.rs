//! `socklab compare`: every syscall path measured against the C floor in the same run, paths
//! interleaved in rounds, each result a ratio to `c` (see `../shared/compare-schema.md`).
//!
//! [`paths`] holds the measured paths and the pair they run on (also used by `benches/`).

pub mod paths;
