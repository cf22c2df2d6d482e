//! `pingpong` and `stream` as a user runs them: a peer that does not echo ends the run with one
//! line within `--timeout`; lost UDP round trips are counted, late answers not mistaken for the
//! current one; `--seconds` bounds a run; `-i` reports intervals that add up to the total;
//! Ctrl-C prints what was measured so far (exit 130); `stream` does no per-byte work unless
//! `--verify` asks for it; `--export-json` writes the document beside the text.
//!
//! Every child runs under a watchdog (`run_bounded`): a hang fails the test instead of hanging
//! the suite. No timing thresholds: only counts, flags and the lines printed.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use socklab::net::client::{self, PingpongConfig};
use socklab::net::{Endpoint, Transport};
use socklab::sys::signal::{self, SIGINT};
use socklab::sys::{self, AF_INET, SOCK_DGRAM};
use socklab::{SockAddr, Socket};

use super::common::{bin, Served};

/// Far longer than any run here takes; only a hang reaches it.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Waits for `child` at most [`WATCHDOG`]; kills it and fails the test if it is still running.
fn wait_bounded(mut child: Child, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what}: still running after {WATCHDOG:?} (hung); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `socklab args…` with stdout and stderr captured, under the watchdog.
fn run_bounded(args: &[&str]) -> Output {
    let child = Command::new(bin())
        .args(args)
        .env_remove("SOCKLAB_TRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child, &args.join(" "))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The first row of a `--json` document.
fn row_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        text(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["rows"][0].clone()
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} is not a number: {v}"))
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64()
        .unwrap_or_else(|| panic!("{k} is not a count: {v}"))
}

/// Against `serve --mode sink` nothing comes back: the run ends with one line naming the likely
/// cause and exit code 1, within its `--timeout` (the watchdog only catches a hang).
#[test]
fn pingpong_against_a_sink_ends_with_the_no_echo_line() {
    for t in ["tcp", "udp"] {
        let s = Served::start(
            &[],
            &["--transport", t, "--addr", "127.0.0.1:0", "--mode", "sink"],
        );
        let to = s.addr.to_string();
        let out = run_bounded(&[
            "pingpong",
            "--to",
            &to,
            "--transport",
            t,
            "--timeout",
            "0.5",
            "--iters",
            "10",
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{t}: {err}");
        assert_eq!(
            err, "error: no echo within 500 ms: is the server in --mode echo?\n",
            "{t}"
        );
        assert!(out.stdout.is_empty(), "{t}: {}", text(&out.stdout));
        eprintln!("{t} against a sink -> {}", err.trim());
        s.stop();
    }
}

/// A UDP echo server on a thread that holds back every 4th datagram and sends it after the
/// next one: the held round trips are lost (their answer comes after the client gave up on
/// them), and their late answers are counted as late, never taken for the current round trip.
#[test]
fn udp_pingpong_counts_lost_round_trips_and_late_answers() {
    let srv = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    srv.bind(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))
        .unwrap();
    let to = Endpoint::from_sockaddr(&srv.getsockname().unwrap()).unwrap();
    const ITERS: u64 = 40;
    let server = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut held: Option<(Vec<u8>, SockAddr)> = None;
        for _ in 0..ITERS {
            let (n, from) = sys::recvfrom(&srv, &mut buf[..], 0).unwrap();
            let from = from.unwrap();
            let seq = u64::from_le_bytes(buf[..8].try_into().unwrap());
            if seq % 4 == 3 {
                held = Some((buf[..n].to_vec(), from));
                continue;
            }
            sys::sendto(&srv, &buf[..n], 0, &from).unwrap();
            if let Some((late, to)) = held.take() {
                sys::sendto(&srv, &late, 0, &to).unwrap();
            }
        }
    });
    let row = client::pingpong(&PingpongConfig {
        size: 64,
        iters: Some(ITERS),
        warmup: 0,
        timeout: Duration::from_secs(5),
        ..PingpongConfig::new(to, Transport::Udp)
    })
    .unwrap();
    server.join().unwrap();
    eprintln!("{row}");
    // Every round trip is either received or lost; the 10 held ones can never be received in
    // time (their answer only leaves after the next request), so at most 30 are.
    assert_eq!(row.key.iters, ITERS, "{row:?}");
    assert_eq!(row.received + row.lost, ITERS, "{row:?}");
    assert!(
        row.received <= 30,
        "a late answer taken as current: {row:?}"
    );
    assert!(row.lost >= 10, "{row:?}");
    // The answers to 3, 7, …, 35 arrive while the client waits for later round trips (39's
    // never leaves the server): counted late.
    assert!(row.late >= 9, "{row:?}");
    assert!(!row.interrupted);
}

/// `--seconds` alone bounds a pingpong run (no `--iters`): it ends, and the row says how long it
/// ran and how many round trips it made.
#[test]
fn pingpong_seconds_bounds_the_run() {
    let s = Served::start(&[], &["--addr", "127.0.0.1:0"]);
    let to = s.addr.to_string();
    let row = row_of(&run_bounded(&[
        "pingpong",
        "--to",
        &to,
        "--seconds",
        "0.3",
        "--warmup",
        "5",
        "--json",
    ]));
    assert_eq!(f(&row, "seconds"), 0.3, "{row}");
    assert!(f(&row, "elapsed_s") >= 0.3, "{row}");
    assert!(u(&row, "received") > 0, "{row}");
    assert_eq!(u(&row, "received"), u(&row, "iters"), "{row}");
    assert_eq!((u(&row, "lost"), u(&row, "late")), (0, 0), "{row}");
    assert_eq!(row["interrupted"], false, "{row}");
    s.stop();
}

/// `-i`: interval reports, printed as lines in text mode and kept in the JSON; they tile the run
/// and add up to its totals.
#[test]
fn interval_reports_add_up_to_the_totals() {
    let echo = Served::start(&[], &["--addr", "127.0.0.1:0"]);
    let sink = Served::start(&[], &["--addr", "127.0.0.1:0", "--mode", "sink"]);
    let (e, k) = (echo.addr.to_string(), sink.addr.to_string());

    let out = run_bounded(&["pingpong", "--to", &e, "--seconds", "0.5", "-i", "0.1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, intervals) = lines.split_last().unwrap();
    assert!(summary.starts_with("pingpong tcp "), "{stdout}");
    assert!(!intervals.is_empty(), "no interval line: {stdout}");
    for l in intervals {
        assert!(
            l.starts_with('[') && l.contains(" s]") && l.contains("round trips"),
            "{l}"
        );
    }
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    for (args, total, part) in [
        (
            vec!["pingpong", "--to", &e, "--seconds", "0.5", "-i", "0.1"],
            "received",
            "round_trips",
        ),
        (
            vec!["stream", "--to", &k, "--seconds", "0.5", "-i", "0.1"],
            "sent_bytes",
            "sent_bytes",
        ),
    ] {
        let mut args = args.clone();
        args.push("--json");
        let row = row_of(&run_bounded(&args));
        let iv = row["intervals"].as_array().unwrap();
        assert!(!iv.is_empty(), "{row}");
        let sum: u64 = iv.iter().map(|i| u(i, part)).sum();
        assert_eq!(sum, u(&row, total), "{args:?}: {row}");
        assert_eq!(f(&iv[0], "start_s"), 0.0);
        for w in iv.windows(2) {
            assert_eq!(f(&w[0], "end_s"), f(&w[1], "start_s"), "{row}");
        }
        for i in iv {
            assert!(f(i, "end_s") > f(i, "start_s"), "{i}");
        }
    }
    echo.stop();
    sink.stop();
}

/// Ctrl-C (SIGINT to the child) once it has printed its first interval: it prints the summary of
/// what it measured so far, marked interrupted, writes `--export-json`, and exits 130.
#[test]
fn ctrl_c_prints_what_was_measured_so_far() {
    let echo = Served::start(&[], &["--addr", "127.0.0.1:0"]);
    let sink = Served::start(&[], &["--addr", "127.0.0.1:0", "--mode", "sink"]);
    let dir = tempfile::tempdir().unwrap();
    for (cmd, to) in [
        ("pingpong", echo.addr.to_string()),
        ("stream", sink.addr.to_string()),
    ] {
        let json = dir.path().join(format!("{cmd}.json"));
        let mut child = Command::new(bin())
            .args([cmd, "--to", &to, "--seconds", "60", "-i", "0.1"])
            .arg("--export-json")
            .arg(&json)
            .env_remove("SOCKLAB_TRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert!(first.starts_with('['), "{cmd}: first line {first:?}");
        signal::kill(child.id() as i32, SIGINT).unwrap();
        // Wait first (a few lines fit the pipe), so a hang meets the watchdog, not a read.
        let done = wait_bounded(child, cmd);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        let summary = rest.lines().last().unwrap_or("");
        assert_eq!(
            done.status.code(),
            Some(130),
            "{cmd}: {rest}{}",
            text(&done.stderr)
        );
        assert!(summary.starts_with(&format!("{cmd} tcp ")), "{cmd}: {rest}");
        assert!(summary.contains("interrupted after"), "{cmd}: {summary}");
        let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let row = &doc["rows"][0];
        assert_eq!(row["interrupted"], true, "{row}");
        assert!(f(row, "elapsed_s") < 60.0, "{row}");
        let measured = if cmd == "pingpong" {
            u(row, "received")
        } else {
            u(row, "sent_bytes")
        };
        assert!(measured > 0, "{row}");
        eprintln!("{cmd} after SIGINT: {summary}");
    }
    dir.close().unwrap();
    echo.stop();
    sink.stop();
}

/// By default `stream` sends one fixed message and checks nothing per byte (`verify: false`,
/// no checksum); `--verify` sends fresh random bytes, checksums both ways and reports the cost.
#[test]
fn stream_verifies_only_when_asked() {
    let echo = Served::start(&[], &["--addr", "127.0.0.1:0"]);
    let sink = Served::start(&[], &["--addr", "127.0.0.1:0", "--mode", "sink"]);
    let (e, k) = (echo.addr.to_string(), sink.addr.to_string());
    let base = ["--seconds", "0.3", "--size", "16384", "--json"];
    let run = |to: &str, verify: bool| {
        let mut args = vec!["stream", "--to", to];
        args.extend(base);
        if verify {
            args.push("--verify");
        }
        row_of(&run_bounded(&args))
    };

    let plain = run(&e, false);
    assert_eq!(plain["verify"], false, "{plain}");
    assert!(plain["checksum_ok"].is_null(), "{plain}");
    assert!(plain["verify_s"].is_null(), "{plain}");
    assert_eq!(plain["echoed_bytes"], plain["sent_bytes"], "{plain}");
    // The per-message time is a mean, named so.
    assert!(plain.get("median_ns").is_none(), "{plain}");
    let mean = f(&plain, "mean_ns");
    let want = f(&plain, "elapsed_s") * 1e9 / u(&plain, "iters") as f64;
    assert!((mean - want).abs() <= want * 1e-9, "{mean} vs {want}");

    let checked = run(&e, true);
    assert_eq!(checked["verify"], true, "{checked}");
    assert_eq!(checked["checksum_ok"], true, "{checked}");
    assert!(f(&checked, "verify_s") > 0.0, "{checked}");
    assert_eq!(checked["echoed_bytes"], checked["sent_bytes"], "{checked}");

    // Against a sink nothing comes back to compare.
    let sunk = run(&k, true);
    assert_eq!(sunk["verify"], true, "{sunk}");
    assert!(sunk["checksum_ok"].is_null(), "{sunk}");
    assert!(sunk["echoed_bytes"].is_null(), "{sunk}");
    echo.stop();
    sink.stop();
}

/// `--export-json FILE` writes the `--json` document while stdout gets the text line.
#[test]
fn export_json_writes_the_document_beside_the_text() {
    let echo = Served::start(&[], &["--addr", "127.0.0.1:0"]);
    let to = echo.addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pp.json");
    let out = run_bounded(&[
        "pingpong",
        "--to",
        &to,
        "--iters",
        "50",
        "--export-json",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("pingpong tcp "));
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["socklab_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["rows"][0]["received"], 50);
    // A failed run leaves no (empty, invalid) file behind.
    let gone = dir.path().join("refused.json");
    let out = run_bounded(&[
        "pingpong",
        "--to",
        "127.0.0.1:9",
        "--export-json",
        gone.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!gone.exists());
    dir.close().unwrap();
    echo.stop();
}
