//! What the trace hook costs when it is off: same-thread UDP send/recv pairs through
//! `socklab::sys`, in a build with the `trace` feature (hook compiled in, off) or without it.
//!
//! The bench id names the build, so both variants keep their own criterion results:
//! `udp_send_recv/trace_compiled_in_off` and `udp_send_recv/trace_compiled_out`.
//! `benches/trace_off.sh` builds both and runs them alternately (5 rounds) to print the ratio;
//! by hand:
//! ```text
//! cargo bench --bench trace_off                                        # hook in, off
//! cargo bench --bench trace_off --no-default-features --features cli  # hook out
//! ```
//! `SOCKLAB_TRACE` must be unset (the bench refuses to run otherwise: it would measure the log).

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{criterion_group, criterion_main, Criterion};
use socklab::sys::{self, SockAddr, AF_INET, SOCK_DGRAM};

/// The build variant, as the bench id shows it.
const VARIANT: &str = if cfg!(feature = "trace") {
    "trace_compiled_in_off"
} else {
    "trace_compiled_out"
};

fn udp_send_recv(c: &mut Criterion) {
    assert!(
        std::env::var_os("SOCKLAB_TRACE").is_none_or(|v| v.is_empty() || v == "0"),
        "unset SOCKLAB_TRACE: this bench measures the hook while the log is off"
    );
    let lo = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)));
    let a = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let b = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    sys::bind(&a, &lo).unwrap();
    sys::bind(&b, &lo).unwrap();
    sys::connect(&a, &sys::getsockname(&b).unwrap()).unwrap();
    let payload = [7u8; 64];
    let mut buf = [0u8; 64];
    let mut group = c.benchmark_group("udp_send_recv");
    group.bench_function(VARIANT, |bench| {
        bench.iter(|| {
            let n = sys::send(&a, black_box(&payload[..]), 0).unwrap();
            let m = sys::recv(&b, &mut buf[..], 0).unwrap();
            black_box((n, m))
        })
    });
    group.finish();
}

criterion_group!(benches, udp_send_recv);
criterion_main!(benches);
