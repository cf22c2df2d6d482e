//! Four public C programs nobody here wrote (Beej's selectserver.c, pollserver.c, client.c,
//! listener.c;
//! originals in `c/ports/`, ports in `examples/ports/`) against their line-for-line Rust ports:
//! - **parity**: the same traffic, both under `strace -f`, normalized as the mirror's tests do
//!   ([`strace::socket_calls`]), must give identical call sequences, and the program's own calls
//!   must equal the list written here (so two equally wrong traces still fail);
//! - **the log**: a second run of the Rust port with `SOCKLAB_TRACE=<file>` under strace; every
//!   line socklab logged must equal strace's line for the same call, and strace must show no
//!   socket call of the program's that socklab did not log (see [`assert_log_is_strace`]).
//!
//! The C originals are compiled at test time by `tests/common/cbuild.rs` (not by build.rs).
//! C's stdout is fully buffered in a pipe and line-buffered on a terminal; Rust's `println!` is
//! always line-buffered. The C programs run under `stdbuf -oL` (the terminal behaviour), so both
//! make one `write(1, …)` per line.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Instant;

use socklab::sys::{self, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_STREAM};

use crate::cbuild;
use crate::procs::{self, assert_clean, example, Proc, Proto, DEADLINE, STEP};
use crate::strace::{self, LogFile};

/// What strace records: the network calls, read/write/close, select (pselect6), and openat (to
/// find the fd of the SOCKLAB_TRACE file).
const TRACE_SET: &str = "trace=%network,read,write,close,pselect6,poll,openat";

/// Which side runs.
#[derive(Clone, Copy, Debug)]
enum Side {
    C,
    Rust,
}

/// `strace -f -qq -s 32 -e TRACE_SET -o LOG -- [stdbuf -oL] PROGRAM ARGS`, with `trace_file` as
/// `SOCKLAB_TRACE` for a Rust port when given.
fn spawn(
    log: &LogFile,
    side: Side,
    name: &str,
    args: &[String],
    trace_file: Option<&Path>,
) -> Proc {
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-s", "32", "-e", TRACE_SET, "-o"])
        .arg(log.path())
        .arg("--");
    match side {
        Side::C => cmd.args(["stdbuf", "-oL"]).arg(cbuild::port(name)),
        Side::Rust => cmd.arg(example(&format!("beej_{name}"))),
    };
    cmd.args(args).env_remove("SOCKLAB_TRACE");
    if let Some(f) = trace_file {
        cmd.env("SOCKLAB_TRACE", f);
    }
    Proc::spawn(&mut cmd)
}

/// Polls `log` until `done(text)` (at most [`DEADLINE`]).
fn wait_until(log: &LogFile, what: &str, done: impl Fn(&str) -> bool) {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        if done(&text) {
            return;
        }
        assert!(start.elapsed() < DEADLINE, "{what} not in the log: {text}");
        thread::sleep(STEP);
    }
}

/// Polls `log` until `needle` occurs `n` times.
fn wait_count(log: &LogFile, needle: &str, n: usize) {
    wait_until(log, &format!("{n} x {needle:?}"), |t| {
        t.matches(needle).count() >= n
    });
}

/// The log's complete lines: a killed tracee leaves its last call unfinished, without a newline.
fn complete(log: &str) -> &str {
    &log[..log.rfind('\n').map_or(0, |i| i + 1)]
}

/// The normalized socket calls of a log, cut after its last `close` (a server is killed while
/// blocked in its next select, a line the two runs may or may not have written).
fn calls(log: &str, port: u16) -> Vec<String> {
    let mut calls = strace::socket_calls(&strace::parse(complete(log)), port);
    let last_close = calls
        .iter()
        .rposition(|c| c.starts_with("close("))
        .unwrap_or(0);
    calls.truncate(last_close + 1);
    calls
}

/// The calls from the program's own first `socket(` matching `first` on (glibc's getaddrinfo
/// makes calls of its own before, the same for C and Rust but machine-dependent).
fn own_calls<'a>(calls: &'a [String], first: &str) -> &'a [String] {
    let at = calls.iter().position(|c| c.starts_with(first));
    &calls[at.unwrap_or_else(|| panic!("no {first:?} in {calls:#?}"))..]
}

/// Rust port `r` and C original `c` made the same calls. Before the program's own `first`
/// socket, the calls are glibc's getaddrinfo (netlink address dump, nscd probe, RFC 3484 sort
/// probes): the same calls from the same library, but carrying the pid and a time-based
/// sequence number, so they are compared with every number masked. From `first` on: equal.
#[track_caller]
fn assert_same(r: &[String], c: &[String], first: &str) {
    let at = |v: &[String]| v.iter().position(|l| l.starts_with(first)).expect(first);
    let (rg, ro) = r.split_at(at(r));
    let (cg, co) = c.split_at(at(c));
    let mask = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| {
                l.split(|ch: char| ch.is_ascii_digit())
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("#")
            })
            .collect()
    };
    assert_eq!(
        mask(rg),
        mask(cg),
        "glibc's calls inside getaddrinfo: Rust (left), C (right)"
    );
    assert_eq!(ro, co, "Rust port (left) vs C original (right)");
}

/// strace's line with its `PID ` prefix and its alignment padding before ` = ` removed.
fn plain(c: &strace::Call) -> String {
    format!("{}({}) = {}", c.name, c.args, c.ret)
}

/// The log check: `trace_file` holds socklab's lines, `log` strace's, of one run. From the first
/// line socklab logged to its last, strace's lines must be socklab's lines exactly, once the
/// calls socklab does not make through `sys` are set aside: the trace file's own `openat` and
/// writes, and `write(1, …)` (the port prints with `println!`).
fn assert_log_is_strace(log: &str, trace_file: &Path) {
    let ours: Vec<String> = std::fs::read_to_string(trace_file)
        .unwrap_or_else(|e| panic!("{}: {e}", trace_file.display()))
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(!ours.is_empty(), "socklab logged nothing");
    let all: Vec<String> = strace::parse(complete(log)).iter().map(plain).collect();
    let quoted = format!("\"{}\"", trace_file.display());
    let trace_fd = all
        .iter()
        .find(|l| l.starts_with("openat(") && l.contains(&quoted))
        .and_then(|l| l.rsplit(" = ").next()?.parse::<i32>().ok())
        .expect("strace saw the trace file opened");
    let start = all.iter().position(|l| *l == ours[0]);
    let start = start.unwrap_or_else(|| panic!("{:?} not in strace's log: {all:#?}", ours[0]));
    let end = all
        .iter()
        .rposition(|l| *l == ours[ours.len() - 1])
        .expect("last line");
    let theirs: Vec<&String> = all[start..=end]
        .iter()
        .filter(|l| !l.starts_with(&format!("write({trace_fd}, ")) && !l.starts_with("write(1, "))
        .collect();
    let ours: Vec<&String> = ours.iter().collect();
    assert_eq!(
        theirs, ours,
        "strace (left) and SOCKLAB_TRACE (right) differ"
    );
}

// ---------------------------------------------------------------------------------------------
// selectserver.c and pollserver.c: getaddrinfo(AI_PASSIVE) + SO_REUSEADDR + a select()/poll()
// loop over a set that grows on accept and shrinks on close.
// ---------------------------------------------------------------------------------------------

/// Two clients: A and B connect (one at a time), A says `hello\n`, B gets it, A hangs up, then
/// B. Returns the log, once the server is back waiting (in `wait`: pselect6 or poll) after the
/// last hang-up, and the port. (Its stdout lines are in the log: the `write(1, …)` calls.)
fn chat_run(name: &str, wait: &str, side: Side, trace_file: Option<&Path>) -> (String, u16) {
    let port = procs::free_port(Proto::Tcp);
    let log = LogFile::new(&format!("{name}-{side:?}"));
    let server =
        spawn(&log, side, name, &[port.to_string()], trace_file).wait_ready(Proto::Tcp, port);
    let connect = || TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut a = connect();
    wait_count(&log, "new connection", 1);
    let mut b = connect();
    wait_count(&log, "new connection", 2);
    a.write_all(b"hello\n").unwrap();
    let mut got = [0u8; 6];
    b.set_read_timeout(Some(DEADLINE)).unwrap();
    b.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"hello\n", "{side:?}: B got A's line");
    drop(a);
    wait_count(&log, "hung up", 1);
    drop(b);
    wait_count(&log, "hung up", 2);
    // The last hang-up handled: its close, then the next wait has begun.
    wait_until(&log, "close and wait after the last hang-up", |t| {
        t.rsplit("hung up").next().is_some_and(|tail| {
            tail.find("close(")
                .is_some_and(|c| tail[c..].contains(&format!("{wait}(")))
        })
    });
    drop(server); // killed in its wait
    (log.read(), port)
}

/// The parity and log checks of a chat server; `want` is its own calls (see [`renumber`]).
fn chat_server(name: &str, wait: &str, want: &[&str]) {
    let (c_log, c_port) = chat_run(name, wait, Side::C, None);
    let (r_log, r_port) = chat_run(name, wait, Side::Rust, None);
    let first = "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)";
    let c = calls(&c_log, c_port);
    let r = calls(&r_log, r_port);
    assert_same(&r, &c, first);
    let own = own_calls(&c, first);
    assert_eq!(own, renumber(want, &own[0]), "{c:#?}");

    // The SOCKLAB_TRACE file: a scratch path like strace's log, removed on drop.
    let trace = LogFile::new(&format!("{name}-socklab"));
    let (log, _) = chat_run(name, wait, Side::Rust, Some(trace.path()));
    assert_log_is_strace(&log, trace.path());
}

/// What selectserver does for that traffic, from its own listening socket on.
const SELECTSERVER: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S2",
    "setsockopt(S2, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "bind(S2, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "listen(S2, 10) = 0",
    "pselect6(4, [3], NULL, NULL, NULL, NULL) = 1 (in [3])",
    "accept(S2, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S3",
    "write(1, \"selectserver: new connection fro\"..., 56) = 56",
    "pselect6(5, [3 4], NULL, NULL, NULL, NULL) = 1 (in [3])",
    "accept(S2, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S4",
    "write(1, \"selectserver: new connection fro\"..., 56) = 56",
    "pselect6(6, [3 4 5], NULL, NULL, NULL, NULL) = 1 (in [4])",
    "recvfrom(S3, \"hello\\n\", 256, 0, NULL, NULL) = 6",
    "sendto(S4, \"hello\\n\", 6, 0, NULL, 0) = 6",
    "pselect6(6, [3 4 5], NULL, NULL, NULL, NULL) = 1 (in [4])",
    "recvfrom(S3, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"selectserver: socket 4 hung up\\n\", 31) = 31",
    "close(S3) = 0",
    "pselect6(6, [3 5], NULL, NULL, NULL, NULL) = 1 (in [5])",
    "recvfrom(S4, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"selectserver: socket 5 hung up\\n\", 31) = 31",
    "close(S4) = 0",
];

/// The expected list with the S numbers this run's glibc gave (its getaddrinfo may open a
/// netlink and a UDP probe socket first, or not): `S2` is the program's first socket.
fn renumber(want: &[&str], first_socket: &str) -> Vec<String> {
    let base: usize = first_socket
        .rsplit(" = S")
        .next()
        .and_then(|n| n.parse().ok())
        .expect("= S<n>");
    want.iter()
        .map(|l| {
            let mut l = l.to_string();
            for i in 2..5 {
                l = l.replace(&format!("S{i}"), &format!("#{}", i - 2 + base));
            }
            l.replace('#', "S")
        })
        .collect()
}

#[test]
fn port_selectserver() {
    procs::no_leak(|| {
        if strace::available() {
            chat_server("selectserver", "pselect6", SELECTSERVER);
        }
    })
}

/// What pollserver does for the same traffic: the poll array grows (accept) and shrinks (the
/// last entry copied over the closed one: `[3 4 5]` -> `[3 5]`).
const POLLSERVER: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S2",
    "setsockopt(S2, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "bind(S2, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "listen(S2, 10) = 0",
    "poll([{fd=3, events=POLLIN}], 1, -1) = 1 ([{fd=3, revents=POLLIN}])",
    "accept(S2, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S3",
    "write(1, \"pollserver: new connection from \"..., 54) = 54",
    "poll([{fd=3, events=POLLIN}, {fd=4, events=POLLIN}], 2, -1) = 1 ([{fd=3, revents=POLLIN}])",
    "accept(S2, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S4",
    "write(1, \"pollserver: new connection from \"..., 54) = 54",
    "poll([{fd=3, events=POLLIN}, {fd=4, events=POLLIN}, {fd=5, events=POLLIN}], 3, -1) = 1 ([{fd=4, revents=POLLIN}])",
    "recvfrom(S3, \"hello\\n\", 256, 0, NULL, NULL) = 6",
    "sendto(S4, \"hello\\n\", 6, 0, NULL, 0) = 6",
    "poll([{fd=3, events=POLLIN}, {fd=4, events=POLLIN}, {fd=5, events=POLLIN}], 3, -1) = 1 ([{fd=4, revents=POLLIN}])",
    "recvfrom(S3, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"pollserver: socket 4 hung up\\n\", 29) = 29",
    "close(S3) = 0",
    "poll([{fd=3, events=POLLIN}, {fd=5, events=POLLIN}], 2, -1) = 1 ([{fd=5, revents=POLLIN}])",
    "recvfrom(S4, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"pollserver: socket 5 hung up\\n\", 29) = 29",
    "close(S4) = 0",
];

#[test]
fn port_pollserver() {
    procs::no_leak(|| {
        if strace::available() {
            chat_server("pollserver", "poll", POLLSERVER);
        }
    })
}

// ---------------------------------------------------------------------------------------------
// client.c: getaddrinfo(host, port) + connect loop + recv.
// ---------------------------------------------------------------------------------------------

/// A one-shot server of the test on 127.0.0.1: accepts once, sends `Hello, world!` (what Beej's
/// server.c sends), closes. Returns its port and the thread.
fn hello_server() -> (u16, thread::JoinHandle<()>) {
    let lst = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap();
    sys::bind(
        &lst,
        &SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
    )
    .unwrap();
    sys::listen(&lst, 1).unwrap();
    let port = sys::getsockname(&lst).unwrap().as_socket().unwrap().port();
    let t = thread::spawn(move || {
        let conn = sys::accept4(&lst, None, SOCK_CLOEXEC).unwrap();
        sys::send(&conn, b"Hello, world!", 0).unwrap();
    });
    (port, t)
}

fn client_run(side: Side, trace_file: Option<&Path>) -> (Vec<String>, Vec<u8>, String) {
    let (port, server) = hello_server();
    let log = LogFile::new(&format!("client-{side:?}"));
    let args = ["127.0.0.1".to_string(), port.to_string()];
    let out = spawn(&log, side, "client", &args, trace_file).finish();
    server.join().unwrap();
    assert_clean(&format!("{side:?} client"), &out);
    (calls(&log.read(), port), out.stdout, log.read())
}

const CLIENT: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "write(1, \"client: attempting connection to\"..., 43) = 43",
    "connect(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
    "write(1, \"client: connected to 127.0.0.1\\n\", 31) = 31",
    "recvfrom(S0, \"Hello, world!\", 99, 0, NULL, NULL) = 13",
    "write(1, \"client: received 'Hello, world!'\"..., 33) = 33",
    "close(S0) = 0",
];

#[test]
fn port_client() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let (c, c_out, _) = client_run(Side::C, None);
        let (r, r_out, _) = client_run(Side::Rust, None);
        assert_eq!(r, c, "Rust port (left) vs C original (right)");
        assert_eq!(c, CLIENT);
        assert_eq!(procs::text(&r_out), procs::text(&c_out));
        assert!(procs::text(&c_out).ends_with("client: received 'Hello, world!'\n"));

        let trace = LogFile::new("client-socklab");
        let (_, _, log) = client_run(Side::Rust, Some(trace.path()));
        assert_log_is_strace(&log, trace.path());
    })
}

// ---------------------------------------------------------------------------------------------
// listener.c: getaddrinfo(AF_INET6, SOCK_DGRAM, AI_PASSIVE) + bind + recvfrom(sockaddr_storage).
// ---------------------------------------------------------------------------------------------

fn listener_run(side: Side, trace_file: Option<&Path>) -> (Vec<String>, Vec<u8>, String) {
    let port = procs::free_port(Proto::Udp);
    let log = LogFile::new(&format!("listener-{side:?}"));
    let server =
        spawn(&log, side, "listener", &[port.to_string()], trace_file).wait_ready(Proto::Udp, port);
    wait_count(&log, "waiting to recvfrom", 1);
    let talker = UdpSocket::bind("[::1]:0").unwrap();
    talker.send_to(b"hello", ("::1", port)).unwrap();
    let out = server.finish();
    assert_clean(&format!("{side:?} listener"), &out);
    (calls(&log.read(), port), out.stdout, log.read())
}

const LISTENER: &[&str] = &[
    "socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) = S0",
    "bind(S0, {sa_family=AF_INET6, sin6_port=htons(PORT), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::\", &sin6_addr), sin6_scope_id=0}, 28) = 0",
    "write(1, \"listener: waiting to recvfrom...\"..., 33) = 33",
    "recvfrom(S0, \"hello\", 99, 0, {sa_family=AF_INET6, sin6_port=htons(PEER), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, [128 => 28]) = 5",
    "write(1, \"listener: got packet from ::1\\n\", 30) = 30",
    "write(1, \"listener: packet is 5 bytes long\"..., 33) = 33",
    "write(1, \"listener: packet contains \\\"hello\"..., 34) = 34",
    "close(S0) = 0",
];

#[test]
fn port_listener() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let (c, c_out, _) = listener_run(Side::C, None);
        let (r, r_out, _) = listener_run(Side::Rust, None);
        assert_eq!(r, c, "Rust port (left) vs C original (right)");
        assert_eq!(c, LISTENER);
        assert_eq!(procs::text(&r_out), procs::text(&c_out));

        let trace = LogFile::new("listener-socklab");
        let (_, _, log) = listener_run(Side::Rust, Some(trace.path()));
        assert_log_is_strace(&log, trace.path());
    })
}
