//! What a measurement needs besides the thing measured, shared by `socklab compare` and
//! `socklab::net` (neither imports the other): the environment block every result carries
//! ([`mod@env`]), the latency histogram, its percentiles and the seeded PRNG ([`stats`]).

pub mod env;
pub mod stats;

/// The largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header). The limit of
/// every datagram socklab's tools send.
pub const MAX_DATAGRAM: usize = 65_507;
