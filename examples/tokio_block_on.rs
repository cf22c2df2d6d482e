//! What compare's `tokio` row pays for being timed op by op: the harness calls each operation
//! from its own loop, so every same-thread op is one `block_on` of the current_thread runtime;
//! a program that stays inside its task enters the runtime once. This times a UDP send+receive
//! pair (64 B, loopback) both ways, alternating in rounds on the CPU it is started on:
//!
//! ```sh
//! taskset -c 0 cargo run --release --example tokio_block_on
//! ```

use std::time::Instant;

use tokio::net::UdpSocket;

const OPS: u32 = 200_000;

fn main() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let (a, b) = rt.block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await?;
        let b = UdpSocket::bind("127.0.0.1:0").await?;
        a.connect(b.local_addr()?).await?;
        b.connect(a.local_addr()?).await?;
        Ok::<_, std::io::Error>((a, b))
    })?;
    let mut buf = [7u8; 64];
    println!("round  block_on per op  one block_on  difference (ns per op)");
    for round in 1..=7 {
        let t = Instant::now();
        for _ in 0..OPS {
            rt.block_on(async {
                a.send(&buf).await?;
                b.recv(&mut buf).await
            })?;
        }
        let per_op = t.elapsed().as_nanos() as f64 / f64::from(OPS);
        let t = Instant::now();
        rt.block_on(async {
            for _ in 0..OPS {
                a.send(&buf).await?;
                b.recv(&mut buf).await?;
            }
            Ok::<_, std::io::Error>(())
        })?;
        let inside = t.elapsed().as_nanos() as f64 / f64::from(OPS);
        println!(
            "{round:>5}  {per_op:>15.0}  {inside:>12.0}  {:>10.0}",
            per_op - inside
        );
    }
    Ok(())
}
