//! Load: 500 concurrent TCP clients each send 64 KiB of random bytes through `serve --mode
//! echo` and get every byte back, while 50 more reset mid-stream (SO_LINGER 0); the server
//! lives on and its fd count returns to the baseline.

use std::net::Shutdown;
use std::time::{Duration, Instant};

use socklab::measure::stats::Rng;
use socklab::net::client::Fnv;
use socklab::net::{client, Endpoint, Transport};
use socklab::sys::opt;
use socklab::sys::signal::{self, RLIMIT_NOFILE};

use super::common::{fd_count, Served};

const CLIENTS: usize = 500;
const RESETTERS: usize = 50;
const BYTES: usize = 64 * 1024;

/// One well-behaved client: send 64 KiB, shut the write side, read the echo to EOF.
fn echo_client(to: &Endpoint, seed: u64) -> Result<(usize, bool), String> {
    let s =
        client::connect(to, Transport::Tcp, Duration::from_secs(30)).map_err(|e| e.to_string())?;
    let mut data = vec![0u8; BYTES];
    Rng::new(seed).fill(&mut data);
    let mut sent = Fnv::default();
    sent.update(&data);
    let mut off = 0;
    while off < data.len() {
        off += s
            .send(&data[off..], libc::MSG_NOSIGNAL)
            .map_err(|e| e.to_string())?;
    }
    s.shutdown(Shutdown::Write).map_err(|e| e.to_string())?;
    let mut back = Fnv::default();
    let (mut n, mut buf) = (0, vec![0u8; 16 * 1024]);
    loop {
        let k = s.recv(&mut buf, 0).map_err(|e| e.to_string())?;
        if k == 0 {
            break;
        }
        back.update(&buf[..k]);
        n += k;
    }
    Ok((n, back == sent))
}

/// A client that sends half its bytes and resets the connection (SO_LINGER 0, close).
fn reset_client(to: &Endpoint, seed: u64) -> Result<(), String> {
    let s =
        client::connect(to, Transport::Tcp, Duration::from_secs(30)).map_err(|e| e.to_string())?;
    let mut data = vec![0u8; BYTES / 2];
    Rng::new(seed).fill(&mut data);
    s.send(&data, libc::MSG_NOSIGNAL)
        .map_err(|e| e.to_string())?;
    s.set_opt(opt::SoLinger, Some(Duration::ZERO))
        .map_err(|e| e.to_string())?;
    drop(s);
    Ok(())
}

#[test]
fn five_hundred_clients_every_byte_back_and_fds_return_to_baseline() {
    // Both sides hold ~550 fds at once: raise the soft limit to the hard one if it is lower
    // (the serve child inherits it).
    let (soft, hard) = signal::getrlimit(RLIMIT_NOFILE).unwrap();
    let need = (CLIENTS + RESETTERS) as u64 * 2 + 256;
    if soft < need {
        assert!(hard >= need, "RLIMIT_NOFILE hard limit {hard} < {need}");
        signal::setrlimit(RLIMIT_NOFILE, need, hard).unwrap();
    }
    let server = Served::start(&[], &["--addr", "127.0.0.1:0", "--mode", "echo"]);
    let pid = server.child.id();
    let base = fd_count(pid);
    let t0 = Instant::now();
    let mut threads = Vec::new();
    for i in 0..CLIENTS + RESETTERS {
        let to = server.addr.clone();
        threads.push(
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    if i < CLIENTS {
                        echo_client(&to, i as u64 + 1).map(Some)
                    } else {
                        reset_client(&to, i as u64 + 1).map(|()| None)
                    }
                })
                .unwrap(),
        );
    }
    let (mut ok, mut bytes, mut lost) = (0, 0usize, 0usize);
    for t in threads {
        match t.join().unwrap() {
            Ok(Some((n, same))) => {
                assert!(same, "checksum differs");
                ok += 1;
                bytes += n;
                lost += BYTES - n;
            }
            Ok(None) => {}
            Err(e) => panic!("client failed: {e}"),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!((ok, lost), (CLIENTS, 0));
    assert_eq!(bytes, CLIENTS * BYTES);
    assert!(server.child_alive(), "the server died");
    // The server closes the reset connections when it reads the RST: wait for it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut after = fd_count(pid);
    while after != base && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        after = fd_count(pid);
    }
    assert_eq!(after, base, "server fds: {base} before, {after} after");
    assert!(secs < 60.0, "the load run took {secs:.1} s (bound: 60 s)");
    let summary = server.stop();
    eprintln!(
        "load: {CLIENTS} clients x {BYTES} B + {RESETTERS} resetting: {bytes} B echoed, {lost} lost, \
         {secs:.2} s, server fds {base} before / {after} after; {summary}"
    );
    assert!(
        summary.starts_with(&format!("serve: {} connections", CLIENTS + RESETTERS)),
        "{summary}"
    );
}
