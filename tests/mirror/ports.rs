//! Public C programs and their line-for-line Rust ports (originals in `c/ports/`, ports in
//! `examples/ports/`), checked with `socklab::parity`:
//! - **parity**: C and Rust run under strace with the same traffic (a driver closure of the test
//!   for each program), and their normalised traces must be identical ([`Report::is_identical`]);
//!   the program's own calls must also equal the list written here, so two equally wrong traces
//!   still fail;
//! - **the log**: a third run, of the Rust port with `SOCKLAB_TRACE=<file>`; every line socklab
//!   logged must equal strace's line for the same call, and strace must show no socket call of
//!   the program's that socklab did not log ([`assert_log_is_strace`]).
//!
//! Beej's four (selectserver.c, pollserver.c, client.c, listener.c) and four written for socklab
//! in the same style (selectclient.c: select over stdin and a socket; connecttimeout.c: a
//! non-blocking connect with a poll timeout and SO_ERROR; epollserver.c: an edge-triggered epoll
//! echo server; passfd.c: an fd passed to a forked worker with SCM_RIGHTS).
//!
//! The C originals are compiled at test time by `tests/common/cbuild.rs` (not by build.rs).
//! C's stdout is fully buffered in a pipe and line-buffered on a terminal; Rust's `println!` is
//! always line-buffered. The C programs run under `stdbuf -oL` (the terminal behaviour), so both
//! make one `write(1, …)` per line.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::thread;

use socklab::parity::{self, Command, Error, Options, Ready, Report, Run, Trace};

use crate::cbuild;
use crate::procs::{self, example, DEADLINE};
use crate::strace::{self, LogFile};

/// The C original `c/ports/<name>.c`, line-buffered, with `args`.
fn c_port(name: &str, args: &[&str]) -> Command {
    let exe = cbuild::port(name).display().to_string();
    let argv = ["stdbuf".to_owned(), "-oL".to_owned(), exe];
    Command::new(argv.into_iter().chain(args.iter().map(|a| a.to_string())))
        .named(format!("{name}.c"))
}

/// The Rust port, example `name`, with `args`.
fn rust_port(name: &str, args: &[&str]) -> Command {
    let exe = example(name).display().to_string();
    Command::new(std::iter::once(exe).chain(args.iter().map(|a| a.to_string()))).named(name)
}

/// The options of these tests: ready as given, every wait bounded by [`DEADLINE`].
fn opts(ready: Ready) -> Options {
    Options {
        ready,
        timeout: DEADLINE,
        ..Options::default()
    }
}

/// C (left) against Rust (right) with `driver`'s traffic: identical, or the report as the
/// failure.
fn check(c: &Command, rust: &Command, opts: &Options, driver: &mut dyn parity::Driver) -> Report {
    let report = parity::parity(c, rust, opts, driver).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_identical(), "{report}");
    assert_eq!(
        procs::text(&report.left.stdout),
        procs::text(&report.right.stdout),
        "stdout: C (left), Rust (right)"
    );
    report
}

/// The log check: the Rust port run once more with `SOCKLAB_TRACE=<file>`, then
/// [`assert_log_is_strace`].
fn check_log(rust: &Command, opts: &Options, driver: &mut dyn parity::Driver) {
    let file = LogFile::new(&format!("{}-socklab", rust.name));
    let traced = rust
        .clone()
        .env("SOCKLAB_TRACE", file.path().display().to_string());
    let trace = parity::trace(&traced, opts, driver).unwrap_or_else(|e| panic!("{e}"));
    assert_log_is_strace(&trace, file.path());
}

/// The log check on one run: `file` holds socklab's lines, `trace` strace's. From the first line
/// socklab logged to its last, strace's compared calls (socket calls, waits, I/O on the program's
/// fds, reads of stdin) must be socklab's lines exactly. Writes to stdout and stderr are left out
/// on both sides: the ports print with std (`println!`, one `write_all`) as well as with socklab
/// (`perror`). With several processes (a fork) their lines interleave as the scheduler ran
/// them, in strace's log and in the shared file alike, so they are compared as sorted lists.
fn assert_log_is_strace(trace: &Trace, file: &Path) {
    let log = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let ours = logged_calls(&log);
    assert!(!ours.is_empty(), "socklab logged nothing");
    let all: Vec<String> = trace
        .raw_calls()
        .into_iter()
        .filter(|l| !stdio(l))
        .collect();
    let start = all.iter().position(|l| *l == ours[0]);
    let start = start.unwrap_or_else(|| panic!("{:?} not in strace's log: {all:#?}", ours[0]));
    let end = all
        .iter()
        .rposition(|l| *l == ours[ours.len() - 1])
        .expect("last line");
    let mut theirs = all[start..=end].to_vec();
    let mut ours = ours;
    let pids: std::collections::HashSet<u32> = trace.entries.iter().map(|e| e.pid).collect();
    if pids.len() > 1 {
        theirs.sort();
        ours.sort();
    }
    assert_eq!(
        theirs, ours,
        "strace (left) and SOCKLAB_TRACE (right) differ"
    );
}

/// The call lines of socklab's log `text` that strace shows too: without the writes to stdout
/// and stderr (see [`assert_log_is_strace`]) and without the marked lines of calls socklab
/// refused before the syscall (`--- socklab refused … ---`), which strace has nothing for.
fn logged_calls(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !stdio(l) && !socklab::trace::is_refusal(l))
        .map(str::to_owned)
        .collect()
}

/// A write to stdout or stderr, left out of the log check on both sides.
fn stdio(l: &str) -> bool {
    l.starts_with("write(1, ") || l.starts_with("write(2, ")
}

/// The log check reads a refusal's marked line as no call: a port whose safe call socklab
/// refused (raw `SCM_RIGHTS` bytes) still compares equal with strace, the refusal explained in
/// its own log. The marked line is the real one a refused call logs.
#[test]
fn the_log_check_skips_marked_lines() {
    use socklab::sys::{self, AF_UNIX, SCM_RIGHTS, SOCK_DGRAM, SOL_SOCKET};
    use std::io::IoSlice;
    use std::os::fd::AsRawFd;
    let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let mut cmsg = vec![0u8; sys::cmsg_space(4)];
    cmsg[..8].copy_from_slice(&sys::cmsg_len(4).to_ne_bytes());
    cmsg[8..12].copy_from_slice(&SOL_SOCKET.to_ne_bytes());
    cmsg[12..16].copy_from_slice(&SCM_RIGHTS.to_ne_bytes());
    cmsg[16..20].copy_from_slice(&a.as_raw_fd().to_ne_bytes());
    let (r, lines) =
        socklab::trace::capture(|| sys::sendmsg(&a, None, &[IoSlice::new(b"x")], Some(&cmsg), 0));
    assert!(r.is_err());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let log = format!(
        "socket(AF_UNIX, SOCK_DGRAM, 0) = 3\n{}\nwrite(2, \"sendmsg: Invalid argument\\n\", 25) = 25\n\
         close(3) = 0\n",
        lines[0]
    );
    assert_eq!(
        logged_calls(&log),
        ["socket(AF_UNIX, SOCK_DGRAM, 0) = 3", "close(3) = 0"]
    );
}

/// The lines from the program's own first call starting with `first` on (glibc's getaddrinfo
/// makes calls of its own before, the same for C and Rust but machine-dependent: a netlink
/// socket, nscd's, a UDP probe), with the socket names renumbered so that the program's first
/// socket is `S0`.
fn own_calls(lines: &[String], first: &str) -> Vec<String> {
    let at = lines.iter().position(|c| c.starts_with(first));
    let own = &lines[at.unwrap_or_else(|| panic!("no {first:?} in {lines:#?}"))..];
    let base = own
        .iter()
        .find_map(|l| l.rsplit(" = S").next()?.parse::<usize>().ok())
        .expect("a socket");
    own.iter().map(|l| rebase(l, base)).collect()
}

/// `S<n>` names in `line` as `S<n - base>`.
fn rebase(line: &str, base: usize) -> String {
    let mut out = String::new();
    let mut rest = line;
    let mut prev = ' ';
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let word = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
        let ends = after[digits..].chars().next().is_none_or(|n| !word(n));
        if c == 'S' && !word(prev) && digits > 0 && ends {
            let n: usize = after[..digits].parse().unwrap();
            out.push_str(&format!("S{}", n - base));
            rest = &after[digits..];
            prev = '0';
        } else {
            out.push(c);
            rest = after;
            prev = c;
        }
    }
    out
}

/// A driver error from an I/O error of the test's own sockets.
fn io(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Driver(format!("{what}: {e}"))
}

/// A listener of the test on 127.0.0.1 and `port`, and an accept bounded by [`DEADLINE`].
fn listen_on(port: u16) -> Result<TcpListener, Error> {
    TcpListener::bind(("127.0.0.1", port)).map_err(io("bind 127.0.0.1:PORT"))
}

fn accept(listener: &TcpListener) -> Result<TcpStream, Error> {
    listener.set_nonblocking(true).map_err(io("nonblocking"))?;
    let start = std::time::Instant::now();
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).map_err(io("blocking"))?;
                s.set_read_timeout(Some(DEADLINE)).map_err(io("timeout"))?;
                return Ok(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(io("accept")(e)),
        }
        if start.elapsed() > DEADLINE {
            return Err(Error::Driver(format!("no connection after {DEADLINE:?}")));
        }
        thread::sleep(procs::STEP);
    }
}

fn connect(run: &Run<'_>) -> Result<TcpStream, Error> {
    let s = TcpStream::connect(("127.0.0.1", run.port())).map_err(io("connect"))?;
    s.set_read_timeout(Some(DEADLINE)).map_err(io("timeout"))?;
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// selectserver.c and pollserver.c: getaddrinfo(AI_PASSIVE) + SO_REUSEADDR + a select()/poll()
// loop over a set that grows on accept and shrinks on close.
// ---------------------------------------------------------------------------------------------

/// Two clients: A and B connect (one at a time), A says `hello\n`, B gets it, A hangs up, then
/// B; the driver returns once the server is back waiting (in `wait`: pselect6 or poll) after
/// the last hang-up, where parity stops it.
fn chat_driver(wait: &'static str) -> impl FnMut(&mut Run<'_>) -> Result<(), Error> {
    move |run| {
        run.start()?;
        let mut a = connect(run)?;
        run.wait_stdout("new connection", 1)?;
        let mut b = connect(run)?;
        run.wait_stdout("new connection", 2)?;
        a.write_all(b"hello\n").map_err(io("A sends"))?;
        let mut got = [0u8; 6];
        b.read_exact(&mut got).map_err(io("B receives"))?;
        assert_eq!(&got, b"hello\n", "B got A's line");
        drop(a);
        run.wait_stdout("hung up", 1)?;
        drop(b);
        run.wait_stdout("hung up", 2)?;
        // The last hang-up handled: its close, then the next wait has begun.
        run.wait_log("close and wait after the last hang-up", |t| {
            t.rsplit("hung up").next().is_some_and(|tail| {
                tail.find("close(")
                    .is_some_and(|c| tail[c..].contains(&format!("{wait}(")))
            })
        })
    }
}

/// The parity and log checks of a chat server; `want` is its own calls.
fn chat_server(name: &str, wait: &'static str, want: &[&str]) {
    let opts = opts(Ready::Port);
    let c = c_port(name, &["{port}"]);
    let rust = rust_port(&format!("beej_{name}"), &["{port}"]);
    let report = check(&c, &rust, &opts, &mut chat_driver(wait));
    let own = own_calls(
        &report.left.texts(),
        "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)",
    );
    assert_eq!(own, want, "{report}");
    check_log(&rust, &opts, &mut chat_driver(wait));
}

/// What selectserver does for that traffic, from its own listening socket on (`S0`), until
/// parity's SIGTERM ends its wait.
const SELECTSERVER: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "setsockopt(S0, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "listen(S0, 10) = 0",
    "pselect6(4, [S0], NULL, NULL, NULL, NULL) = 1 (in [S0])",
    "accept(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S1",
    "write(1, \"selectserver: new connection from 127.0.0.1 on socket 4\\n\", 56) = 56",
    "pselect6(5, [S0 S1], NULL, NULL, NULL, NULL) = 1 (in [S0])",
    "accept(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S2",
    "write(1, \"selectserver: new connection from 127.0.0.1 on socket 5\\n\", 56) = 56",
    "pselect6(6, [S0 S1 S2], NULL, NULL, NULL, NULL) = 1 (in [S1])",
    "recvfrom(S1, \"hello\\n\", 256, 0, NULL, NULL) = 6",
    "sendto(S2, \"hello\\n\", 6, 0, NULL, 0) = 6",
    "pselect6(6, [S0 S1 S2], NULL, NULL, NULL, NULL) = 1 (in [S1])",
    "recvfrom(S1, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"selectserver: socket 4 hung up\\n\", 31) = 31",
    "close(S1) = 0",
    "pselect6(6, [S0 S2], NULL, NULL, NULL, NULL) = 1 (in [S2])",
    "recvfrom(S2, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"selectserver: socket 5 hung up\\n\", 31) = 31",
    "close(S2) = 0",
    // fdmax is never lowered: nfds stays 6.
    "pselect6(6, [S0], NULL, NULL, NULL, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)",
    "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=PID, si_uid=0} ---",
    "+++ killed by SIGTERM +++",
];

#[test]
fn port_selectserver() {
    procs::no_leak(|| {
        if strace::available() {
            chat_server("selectserver", "pselect6", SELECTSERVER);
        }
    })
}

/// What pollserver does for the same traffic: the poll array grows (accept) and shrinks (the
/// last entry copied over the closed one: `[S0 S1 S2]` -> `[S0 S2]`).
const POLLSERVER: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "setsockopt(S0, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "listen(S0, 10) = 0",
    "poll([{fd=S0, events=POLLIN}], 1, -1) = 1 ([{fd=S0, revents=POLLIN}])",
    "accept(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S1",
    "write(1, \"pollserver: new connection from 127.0.0.1 on socket 4\\n\", 54) = 54",
    "poll([{fd=S0, events=POLLIN}, {fd=S1, events=POLLIN}], 2, -1) = 1 ([{fd=S0, revents=POLLIN}])",
    "accept(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S2",
    "write(1, \"pollserver: new connection from 127.0.0.1 on socket 5\\n\", 54) = 54",
    "poll([{fd=S0, events=POLLIN}, {fd=S1, events=POLLIN}, {fd=S2, events=POLLIN}], 3, -1) = 1 ([{fd=S1, revents=POLLIN}])",
    "recvfrom(S1, \"hello\\n\", 256, 0, NULL, NULL) = 6",
    "sendto(S2, \"hello\\n\", 6, 0, NULL, 0) = 6",
    "poll([{fd=S0, events=POLLIN}, {fd=S1, events=POLLIN}, {fd=S2, events=POLLIN}], 3, -1) = 1 ([{fd=S1, revents=POLLIN}])",
    "recvfrom(S1, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"pollserver: socket 4 hung up\\n\", 29) = 29",
    "close(S1) = 0",
    "poll([{fd=S0, events=POLLIN}, {fd=S2, events=POLLIN}], 2, -1) = 1 ([{fd=S2, revents=POLLIN}])",
    "recvfrom(S2, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"pollserver: socket 5 hung up\\n\", 29) = 29",
    "close(S2) = 0",
    "poll([{fd=S0, events=POLLIN}], 1, -1) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)",
    "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=PID, si_uid=0} ---",
    "+++ killed by SIGTERM +++",
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

/// A one-shot server of the test on 127.0.0.1 and the run's port: accepts once, sends
/// `Hello, world!` (what Beej's server.c sends), closes; the client runs to its end.
fn hello_driver(run: &mut Run<'_>) -> Result<(), Error> {
    let listener = listen_on(run.port())?;
    run.start()?;
    let mut conn = accept(&listener)?;
    conn.write_all(b"Hello, world!").map_err(io("send"))?;
    drop(conn);
    run.wait_exit().map(drop)
}

const CLIENT: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "write(1, \"client: attempting connection to 127.0.0.1\\n\", 43) = 43",
    "connect(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
    "write(1, \"client: connected to 127.0.0.1\\n\", 31) = 31",
    "recvfrom(S0, \"Hello, world!\", 99, 0, NULL, NULL) = 13",
    "write(1, \"client: received 'Hello, world!'\\n\", 33) = 33",
    "close(S0) = 0",
    "+++ exited with 0 +++",
];

#[test]
fn port_client() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let opts = opts(Ready::Started);
        let c = c_port("client", &["127.0.0.1", "{port}"]);
        let rust = rust_port("beej_client", &["127.0.0.1", "{port}"]);
        let report = check(&c, &rust, &opts, &mut hello_driver);
        assert_eq!(report.left.texts(), CLIENT, "{report}");
        assert!(procs::text(&report.left.stdout).ends_with("client: received 'Hello, world!'\n"));
        check_log(&rust, &opts, &mut hello_driver);
    })
}

// ---------------------------------------------------------------------------------------------
// listener.c: getaddrinfo(AF_INET6, SOCK_DGRAM, AI_PASSIVE) + bind + recvfrom(sockaddr_storage).
// ---------------------------------------------------------------------------------------------

/// Once the listener waits, one datagram `hello` from [::1]; it exits by itself.
fn datagram_driver(run: &mut Run<'_>) -> Result<(), Error> {
    run.start()?;
    run.wait_stdout("waiting to recvfrom", 1)?;
    let talker = UdpSocket::bind("[::1]:0").map_err(io("bind [::1]:0"))?;
    talker
        .send_to(b"hello", ("::1", run.port()))
        .map_err(io("send_to"))?;
    run.wait_exit().map(drop)
}

const LISTENER: &[&str] = &[
    "socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) = S0",
    "bind(S0, {sa_family=AF_INET6, sin6_port=htons(PORT), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::\", &sin6_addr), sin6_scope_id=0}, 28) = 0",
    "write(1, \"listener: waiting to recvfrom...\\n\", 33) = 33",
    "recvfrom(S0, \"hello\", 99, 0, {sa_family=AF_INET6, sin6_port=htons(PEER), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, [128 => 28]) = 5",
    "write(1, \"listener: got packet from ::1\\n\", 30) = 30",
    "write(1, \"listener: packet is 5 bytes long\\n\", 33) = 33",
    "write(1, \"listener: packet contains \\\"hello\\\"\\n\", 34) = 34",
    "close(S0) = 0",
    "+++ exited with 0 +++",
];

#[test]
fn port_listener() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let opts = opts(Ready::Port);
        let c = c_port("listener", &["{port}"]);
        let rust = rust_port("beej_listener", &["{port}"]);
        let report = check(&c, &rust, &opts, &mut datagram_driver);
        assert_eq!(report.left.texts(), LISTENER, "{report}");
        check_log(&rust, &opts, &mut datagram_driver);
    })
}

// ---------------------------------------------------------------------------------------------
// selectclient.c: select() over stdin and a socket.
// ---------------------------------------------------------------------------------------------

/// The test is the server and types on the client's stdin: `hello\n` typed goes out on the
/// socket (the test waits for it), the server answers `world\n` and closes, and the client
/// exits. Each step waits for the one before, so every select sees one fd ready.
fn typing_driver(run: &mut Run<'_>) -> Result<(), Error> {
    let listener = listen_on(run.port())?;
    run.start()?;
    let mut conn = accept(&listener)?;
    let stdin = run.stdin().expect("Options::pipe");
    stdin.write_all(b"hello\n").map_err(io("stdin"))?;
    let mut got = [0u8; 6];
    conn.read_exact(&mut got).map_err(io("recv"))?;
    assert_eq!(&got, b"hello\n", "what was typed came out on the socket");
    conn.write_all(b"world\n").map_err(io("send"))?;
    conn.shutdown(Shutdown::Both).map_err(io("shutdown"))?;
    drop(conn);
    run.wait_exit().map(drop)
}

const SELECTCLIENT: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "connect(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
    "write(1, \"selectclient: connected\\n\", 24) = 24",
    "pselect6(4, [0 S0], NULL, NULL, NULL, NULL) = 1 (in [0])",
    "read(0, \"hello\\n\", 256) = 6",
    "sendto(S0, \"hello\\n\", 6, 0, NULL, 0) = 6",
    "pselect6(4, [0 S0], NULL, NULL, NULL, NULL) = 1 (in [S0])",
    "recvfrom(S0, \"world\\n\", 256, 0, NULL, NULL) = 6",
    "write(1, \"world\\n\", 6) = 6",
    "pselect6(4, [0 S0], NULL, NULL, NULL, NULL) = 1 (in [S0])",
    "recvfrom(S0, \"\", 256, 0, NULL, NULL) = 0",
    "write(1, \"selectclient: server closed the connection\\n\", 43) = 43",
    "close(S0) = 0",
    "+++ exited with 0 +++",
];

#[test]
fn port_selectclient() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let opts = Options {
            pipe: true,
            ..opts(Ready::Started)
        };
        let c = c_port("selectclient", &["127.0.0.1", "{port}"]);
        let rust = rust_port("selectclient", &["127.0.0.1", "{port}"]);
        let report = check(&c, &rust, &opts, &mut typing_driver);
        assert_eq!(report.left.texts(), SELECTCLIENT, "{report}");
        check_log(&rust, &opts, &mut typing_driver);
    })
}

// ---------------------------------------------------------------------------------------------
// connecttimeout.c: a non-blocking connect, poll for writability, SO_ERROR.
// ---------------------------------------------------------------------------------------------

/// How the test's side of the port answers the connect.
#[derive(Clone, Copy, Debug)]
enum Peer {
    /// A listener (never accepting: the connection waits in its backlog).
    Listening,
    /// Nothing: the connect is refused.
    Nobody,
    /// A listener whose backlog (0) is full with one connection of the test: the kernel drops
    /// the SYN, and the 200 ms poll times out.
    Full,
}

fn connect_driver(peer: Peer) -> impl FnMut(&mut Run<'_>) -> Result<(), Error> {
    move |run| {
        let port = run.port();
        let listener = match peer {
            Peer::Nobody => None,
            Peer::Listening => Some(listen_on(port)?),
            Peer::Full => {
                use socklab::sys::{self, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_STREAM};
                let fd = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
                let at = std::net::SocketAddr::from(([127, 0, 0, 1], port));
                sys::bind(&fd, &SockAddr::from(at))?;
                sys::listen(&fd, 0)?;
                Some(TcpListener::from(fd))
            }
        };
        let filler = match peer {
            Peer::Full => Some(TcpStream::connect(("127.0.0.1", port)).map_err(io("filler"))?),
            _ => None,
        };
        run.start()?;
        run.wait_exit()?;
        if let (Peer::Listening, Some(l)) = (peer, &listener) {
            let mut conn = accept(l)?;
            let mut got = Vec::new();
            conn.read_to_end(&mut got).map_err(io("read"))?;
            assert_eq!(got, b"hello\n", "the port's line arrived");
        }
        drop(filler);
        Ok(())
    }
}

/// The calls up to the connect's outcome, the same for every peer.
const CONNECT_START: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "fcntl(S0, F_GETFL) = 0x2 (flags O_RDWR)",
    "fcntl(S0, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
    "connect(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 EINPROGRESS (Operation now in progress)",
];

#[test]
fn port_connecttimeout() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let opts = opts(Ready::Started);
        let args = ["127.0.0.1", "{port}", "200"];
        let c = c_port("connecttimeout", &args);
        let rust = rust_port("connecttimeout", &args);
        let ends: [(Peer, &[&str]); 3] = [
            (
                Peer::Listening,
                &[
                    "poll([{fd=S0, events=POLLOUT}], 1, 200) = 1 ([{fd=S0, revents=POLLOUT}])",
                    "getsockopt(S0, SOL_SOCKET, SO_ERROR, [0], [4]) = 0",
                    "fcntl(S0, F_SETFL, O_RDWR) = 0",
                    "write(1, \"connecttimeout: connected\\n\", 26) = 26",
                    "sendto(S0, \"hello\\n\", 6, 0, NULL, 0) = 6",
                    "close(S0) = 0",
                    "+++ exited with 0 +++",
                ],
            ),
            (
                Peer::Nobody,
                &[
                    "poll([{fd=S0, events=POLLOUT}], 1, 200) = 1 ([{fd=S0, revents=POLLOUT|POLLERR|POLLHUP}])",
                    "getsockopt(S0, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0",
                    "write(2, \"connecttimeout: connect: Connection refused\\n\", 44) = 44",
                    "close(S0) = 0",
                    "write(2, \"connecttimeout: failed to connect\\n\", 34) = 34",
                    "+++ exited with 2 +++",
                ],
            ),
            (
                Peer::Full,
                &[
                    "poll([{fd=S0, events=POLLOUT}], 1, 200) = 0 (Timeout)",
                    "write(2, \"connecttimeout: connect: Connection timed out\\n\", 46) = 46",
                    "close(S0) = 0",
                    "write(2, \"connecttimeout: failed to connect\\n\", 34) = 34",
                    "+++ exited with 2 +++",
                ],
            ),
        ];
        for (peer, end) in ends {
            let report = check(&c, &rust, &opts, &mut connect_driver(peer));
            let want: Vec<&str> = CONNECT_START.iter().chain(end).copied().collect();
            assert_eq!(report.left.texts(), want, "{peer:?}: {report}");
            check_log(&rust, &opts, &mut connect_driver(peer));
        }
    })
}

// ---------------------------------------------------------------------------------------------
// epollserver.c: epoll, non-blocking edge-triggered connections read until EAGAIN.
// ---------------------------------------------------------------------------------------------

/// One client: says `hello\n`, gets it back, and hangs up once the server has read to
/// `EAGAIN`; the driver returns when the server waits again after closing the connection.
fn echo_driver(run: &mut Run<'_>) -> Result<(), Error> {
    run.start()?;
    let mut a = connect(run)?;
    run.wait_stdout("new connection", 1)?;
    a.write_all(b"hello\n").map_err(io("send"))?;
    let mut got = [0u8; 6];
    a.read_exact(&mut got).map_err(io("recv"))?;
    assert_eq!(&got, b"hello\n", "the echo");
    run.wait_log("the read to EAGAIN", |t| t.contains(" = -1 EAGAIN"))?;
    drop(a);
    run.wait_stdout("hung up", 1)?;
    run.wait_log("close and wait after the hang-up", |t| {
        t.rsplit("hung up").next().is_some_and(|tail| {
            tail.find("close(")
                .is_some_and(|c| tail[c..].contains("epoll_wait("))
        })
    })
}

const EPOLLSERVER: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
    "setsockopt(S0, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "listen(S0, 10) = 0",
    "epoll_create1(0) = E0",
    "epoll_ctl(E0, EPOLL_CTL_ADD, S0, {events=EPOLLIN, data={u32=S0, u64=S0}}) = 0",
    "epoll_wait(E0, [{events=EPOLLIN, data={u32=S0, u64=S0}}], 10, -1) = 1",
    "accept(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = S1",
    "fcntl(S1, F_GETFL) = 0x2 (flags O_RDWR)",
    "fcntl(S1, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
    "epoll_ctl(E0, EPOLL_CTL_ADD, S1, {events=EPOLLIN|EPOLLET, data={u32=S1, u64=S1}}) = 0",
    "write(1, \"epollserver: new connection on socket 5\\n\", 40) = 40",
    "epoll_wait(E0, [{events=EPOLLIN, data={u32=S1, u64=S1}}], 10, -1) = 1",
    "read(S1, \"hello\\n\", 256) = 6",
    "write(S1, \"hello\\n\", 6) = 6",
    "read(S1, 0x…, 256) = -1 EAGAIN (Resource temporarily unavailable)",
    "epoll_wait(E0, [{events=EPOLLIN, data={u32=S1, u64=S1}}], 10, -1) = 1",
    "read(S1, \"\", 256) = 0",
    "write(1, \"epollserver: socket 5 hung up\\n\", 30) = 30",
    "close(S1) = 0",
    "epoll_wait(E0, 0x…, 10, -1) = -1 EINTR (Interrupted system call)",
    "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=PID, si_uid=0} ---",
    "+++ killed by SIGTERM +++",
];

#[test]
fn port_epollserver() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let opts = opts(Ready::Port);
        let c = c_port("epollserver", &["{port}"]);
        let rust = rust_port("epollserver", &["{port}"]);
        let report = check(&c, &rust, &opts, &mut echo_driver);
        let own = own_calls(
            &report.left.texts(),
            "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)",
        );
        assert_eq!(own, EPOLLSERVER, "{report}");
        check_log(&rust, &opts, &mut echo_driver);
    })
}

// ---------------------------------------------------------------------------------------------
// passfd.c: socketpair + fork; the parent accepts and passes the connection with SCM_RIGHTS.
// ---------------------------------------------------------------------------------------------

/// One client: says `hello\n`, reads the worker's echo to the end; the server exits by itself.
fn passfd_driver(run: &mut Run<'_>) -> Result<(), Error> {
    run.start()?;
    let mut a = connect(run)?;
    a.write_all(b"hello\n").map_err(io("send"))?;
    let mut got = Vec::new();
    a.read_to_end(&mut got).map_err(io("recv"))?;
    assert_eq!(got, b"hello\n", "the worker's echo");
    run.wait_exit().map(drop)
}

/// The parent's calls (`P0`), then the worker's (`P1`): each process's own order (their
/// interleaving is the scheduler's). The worker's received fd is `F0`; the `msg_flags` C leaves
/// uninitialised in `send_fd` is `<ignored>`.
const PASSFD: &[&str] = &[
    "P0 socketpair(AF_UNIX, SOCK_STREAM, 0, [S0, S1]) = 0",
    "P0 close(S1) = 0",
    "P0 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = S2",
    "P0 setsockopt(S2, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "P0 bind(S2, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "P0 listen(S2, 10) = 0",
    "P0 write(1, \"passfd: waiting for a connection\\n\", 33) = 33",
    "P0 accept(S2, NULL, NULL) = S3",
    "P0 sendmsg(S0, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"F\", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[S3]}], msg_controllen=24, msg_flags=<ignored>}, 0) = 1",
    "P0 close(S3) = 0",
    "P0 close(S0) = 0",
    "P0 write(1, \"passfd: worker exited with 0\\n\", 29) = 29",
    "P0 close(S2) = 0",
    "P0 +++ exited with 0 +++",
    "P1 close(S0) = 0",
    "P1 recvmsg(S1, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"F\", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[F0]}], msg_controllen=24, msg_flags=0}, 0) = 1",
    "P1 close(S1) = 0",
    "P1 recvfrom(F0, \"hello\\n\", 256, 0, NULL, NULL) = 6",
    "P1 write(1, \"passfd: worker got hello\\n\", 25) = 25",
    "P1 sendto(F0, \"hello\\n\", 6, 0, NULL, 0) = 6",
    "P1 close(F0) = 0",
    "P1 +++ exited with 0 +++",
];

#[test]
fn port_passfd() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let opts = opts(Ready::Port);
        let c = c_port("passfd", &["{port}"]);
        let rust = rust_port("passfd", &["{port}"]);
        let report = check(&c, &rust, &opts, &mut passfd_driver);
        assert_eq!(report.left.texts(), PASSFD, "{report}");
        // socklab's msghdr is zeroed: its msg_flags is 0; C's is whatever was on the stack,
        // which the report notes (and does not count) when it is not 0.
        let sendmsg = |t: &Trace| {
            let line = t
                .lines
                .iter()
                .find(|l| l.text.contains("sendmsg("))
                .unwrap();
            line.ignored.clone()
        };
        assert_eq!(sendmsg(&report.right), [("msg_flags".into(), "0".into())]);
        let c_flags = sendmsg(&report.left);
        let noted = report.ignored().iter().any(|n| n.contains("msg_flags"));
        assert_eq!(noted, c_flags[0].1 != "0", "{report}");
        check_log(&rust, &opts, &mut passfd_driver);
    })
}
