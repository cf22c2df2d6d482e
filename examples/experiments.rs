//! Runs every experiment of `socklab::experiments` — the primer's claims about TCP and UDP, each
//! measured on loopback — and prints one block per claim, then a table of verdicts.
//!
//! `cargo run --example experiments` (as root, the experiments also use private network
//! namespaces, raw sockets and `tc`; without, those parts say why they could not run).

fn main() {
    let started = std::time::Instant::now();
    let outcomes = socklab::experiments::run_all();
    for o in &outcomes {
        println!("{o}");
    }
    print!("{}", socklab::experiments::summary_table(&outcomes));
    println!(
        "({} experiments in {:.1} s)",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
}
