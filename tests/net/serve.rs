//! `socklab serve` on loopback: `listening on` with the real address for every kind, the
//! SIGINT/SIGTERM summary, `--max-conns`, and `pingpong`/`stream` against both modes (library
//! and `--json`).

use std::os::fd::AsFd;
use std::time::Duration;

use serde_json::Value;
use socklab::net::client::{self, PingpongConfig, StreamConfig};
use socklab::net::{Endpoint, Transport};
use socklab::sys::signal::{self, SIGINT};
use socklab::sys::{self, PollFd};

use super::common::{bin, Served};

#[test]
fn listening_on_prints_the_bound_address_in_the_input_syntax() {
    let dir = std::env::temp_dir().join(format!("socklab-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sock");
    let path_s = path.to_str().unwrap().to_string();
    let abs = format!("@socklab-test-{}", std::process::id());
    for (args, check) in [
        (vec!["--addr", "127.0.0.1:0"], "127.0.0.1:"),
        (
            vec!["--transport", "udp", "--addr", "127.0.0.1:0"],
            "127.0.0.1:",
        ),
        (vec!["--addr", "[::1]:0"], "[::1]:"),
        (vec!["--addr", &path_s], path_s.as_str()),
        (vec!["--addr", &format!("unix:{abs}")], abs.as_str()),
    ] {
        let s = Served::start(&[], &args);
        let shown = s.addr.to_string();
        assert!(shown.starts_with(check), "{args:?}: listening on {shown}");
        if let Endpoint::Inet(a) = s.addr {
            assert_ne!(a.port(), 0, "the real port, not the 0 asked for");
        }
        // What it printed is an address a client can use as is.
        let t = if s.addr.is_unix() {
            Transport::Unix
        } else if args.contains(&"udp") {
            Transport::Udp
        } else {
            Transport::Tcp
        };
        let row = client::pingpong(&PingpongConfig {
            size: 32,
            iters: Some(10),
            warmup: 1,
            ..PingpongConfig::new(s.addr.clone(), t)
        })
        .unwrap();
        assert_eq!(row.received, 10);
        let summary = s.stop();
        assert!(
            summary.starts_with("serve: 1 connections, 352 bytes in, 352 bytes out, 0 errors"),
            "{args:?}: {summary}"
        );
    }
    assert!(!path.exists(), "serve removes its socket file on exit");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigint_ends_serve_with_a_one_line_summary() {
    let s = Served::start(&[], &["--addr", "127.0.0.1:0", "--mode", "sink"]);
    let row = client::stream(&StreamConfig {
        size: 1000,
        seconds: 0.2,
        rate_mbit: Some(8.0), // 1 MB/s: ~200 messages
        ..StreamConfig::new(s.addr.clone(), Transport::Tcp)
    })
    .unwrap();
    assert_eq!(row.echoed_bytes, None, "a sink sends nothing back");
    assert_eq!(row.received_bytes, row.sent_bytes);
    let pid = s.child.id();
    signal::kill(pid as i32, SIGINT).unwrap();
    let summary = s.stop(); // the SIGTERM that follows finds it gone or exiting
    assert_eq!(
        summary,
        format!(
            "serve: 1 connections, {} bytes in, 0 bytes out, 0 errors",
            row.sent_bytes
        )
    );
}

#[test]
fn stream_counts_at_the_receiver_against_either_mode() {
    for mode in ["echo", "sink"] {
        for t in ["tcp", "udp", "unix"] {
            let addr = if t == "unix" {
                format!("@socklab-st-{}-{mode}", std::process::id())
            } else {
                "127.0.0.1:0".into()
            };
            let s = Served::start(&[], &["--transport", t, "--addr", &addr, "--mode", mode]);
            let out = std::process::Command::new(bin())
                .args(["stream", "--to", &s.addr.to_string(), "--transport", t])
                .args([
                    "--seconds",
                    "0.3",
                    "--rate",
                    "20",
                    "--size",
                    "1000",
                    "--json",
                ])
                .args(if t == "udp" { None } else { Some("--verify") })
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let row = &doc["rows"][0];
            for k in [
                "mode",
                "transport",
                "size",
                "mbit_s",
                "lost",
                "to",
                "sent_bytes",
                "received_bytes",
            ] {
                assert!(!row[k].is_null(), "{k} missing: {row}");
            }
            assert_eq!(row["to"], Value::String(s.addr.to_string()));
            assert_eq!(row["mode"], "stream");
            // Loopback at 20 Mbit/s: nothing lost, everything counted by the receiver.
            assert_eq!(row["lost"], 0, "{row}");
            assert_eq!(row["received_bytes"], row["sent_bytes"], "{row}");
            if t != "udp" && mode == "echo" {
                assert_eq!(row["checksum_ok"], true, "{row}");
            }
            s.stop();
        }
    }
}

#[test]
fn pingpong_json_uses_the_compare_schema_names() {
    let s = Served::start(&[], &["--addr", "127.0.0.1:0"]);
    let out = std::process::Command::new(bin())
        .args([
            "pingpong",
            "--to",
            &s.addr.to_string(),
            "--iters",
            "200",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["socklab_version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["env"]["kernel"].is_string());
    let row = &doc["rows"][0];
    assert_eq!(row["mode"], "rtt");
    assert_eq!(row["iters"], 200);
    assert_eq!(row["received"], 200);
    let (min, med, p99) = (
        row["min_ns"].as_f64().unwrap(),
        row["median_ns"].as_f64().unwrap(),
        row["p99_ns"].as_f64().unwrap(),
    );
    assert!(0.0 < min && min <= med && med <= p99, "{row}");
    s.stop();
}

/// `--max-conns 1`: a second client is accepted only when the first one leaves.
#[test]
fn max_conns_holds_further_clients_in_the_backlog() {
    let s = Served::start(&[], &["--addr", "127.0.0.1:0", "--max-conns", "1"]);
    let first = client::connect(&s.addr, Transport::Tcp, Duration::from_secs(5)).unwrap();
    first.send(b"one", 0).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(first.recv(&mut buf, 0).unwrap(), 3);
    let second = client::connect(&s.addr, Transport::Tcp, Duration::from_secs(5)).unwrap();
    second.send(b"two", 0).unwrap();
    let readable = |sock: &socklab::Socket, ms| {
        let mut fds = [PollFd::new(sock.as_fd(), libc::POLLIN)];
        sys::poll(&mut fds, ms).unwrap() == 1
    };
    // The kernel completed the handshake (backlog), but serve does not accept it yet.
    assert!(
        !readable(&second, 300),
        "the second client was served while the first was open"
    );
    drop(first);
    assert!(
        readable(&second, 10_000),
        "the second client is served once the first leaves"
    );
    assert_eq!(second.recv(&mut buf, 0).unwrap(), 3);
    assert_eq!(&buf[..3], b"two");
    drop(second);
    let summary = s.stop();
    assert!(
        summary.starts_with("serve: 2 connections, 6 bytes in, 6 bytes out"),
        "{summary}"
    );
}
