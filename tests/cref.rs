//! Integration tests of the C/C++ reference programs (compiled at test time by
//! `common/cbuild.rs`): the seed's C++ TCP server with the C client, the C mirror of the Python
//! UDP server, and the seed's NUL bug.
//!
//! Ports: the seed server takes its port on the command line, so these tests ask the OS for a
//! free one (bind port 0, read it back, close) and pass it on. Small race, accepted: another
//! process may take that port between our close and the server's bind. The seed never checks
//! bind(), so a lost race shows up as the client's retries running out ("connect: Connection
//! refused"), not as a wrong result.

#[path = "common/cbuild.rs"]
mod cbuild;
#[path = "common/mod.rs"]
mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use cbuild::{tcp_client, tcp_server, udp_client, udp_server};

/// Polling step of every bounded wait below.
const STEP: Duration = Duration::from_millis(10);
/// Upper bound of every wait: server readiness, client retries, server exit.
const DEADLINE: Duration = Duration::from_secs(10);

/// The seed's reply-less server prints this prefix before the received text.
const TCP_PREFIX: &str = "받은 메시지: ";

/// A TCP port that was free a moment ago (see the module doc for the race).
fn free_tcp_port() -> u16 {
    common::free_port(libc::SOCK_STREAM)
}

/// A UDP port that was free a moment ago (see the module doc for the race).
fn free_udp_port() -> u16 {
    common::free_port(libc::SOCK_DGRAM)
}

/// A spawned server with piped stdout/stderr, killed and reaped on drop so that a failing test
/// leaves no process behind.
struct Server {
    child: Child,
}

impl Server {
    fn spawn(cmd: &mut Command) -> Self {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
        Server { child }
    }

    /// The exit status if the server has already exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits (at most [`DEADLINE`]) for the server to exit and collects its output.
    fn finish(mut self) -> Output {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.exited() {
                break status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "server still running after {DEADLINE:?}"
            );
            thread::sleep(STEP);
        };
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_end(&mut stderr)
            .unwrap();
        Output {
            status,
            stdout,
            stderr,
        }
    }

    /// Reads one line of the server's stdout (blocks until it is printed or stdout closes).
    fn read_line(&mut self) -> String {
        let stdout: &mut ChildStdout = self.child.stdout.as_mut().unwrap();
        let mut line = Vec::new();
        // Byte by byte, so nothing past the line is buffered away from `finish`.
        let mut byte = [0];
        while stdout.read(&mut byte).unwrap() == 1 {
            line.push(byte[0]);
            if byte[0] == b'\n' {
                break;
            }
        }
        String::from_utf8(line).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()))
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

/// Runs the C TCP client against `server` once it listens. The seed prints nothing before
/// accept(), and a probe connection would use up its single accept(), so the readiness check
/// is the client itself: a refused connect (exit 1) is retried every [`STEP`] until
/// [`DEADLINE`]; a server that has already exited fails at once.
fn tcp_client_when_ready(server: &mut Server, port: u16, message: &str) -> Output {
    let port = port.to_string();
    let start = Instant::now();
    loop {
        let out = run(&tcp_client(), &[&port, message]);
        if text(&out.stderr) != "connect: Connection refused\n" {
            return out;
        }
        if let Some(status) = server.exited() {
            panic!("server exited ({status}) before accepting a connection");
        }
        assert!(
            start.elapsed() < DEADLINE,
            "port {port} still refused after {DEADLINE:?}"
        );
        thread::sleep(STEP);
    }
}

/// Starts `server` (a TCP server taking the port as its last argument) and sends `message`
/// with the C client. Returns (server output, client output).
fn tcp_exchange(server: &mut Command, message: &str) -> (Output, Output) {
    let port = free_tcp_port();
    let mut server = Server::spawn(server.arg(port.to_string()));
    let client = tcp_client_when_ready(&mut server, port, message);
    (server.finish(), client)
}

#[track_caller]
fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what}: {}, stderr: {}",
        out.status,
        text(&out.stderr)
    );
    assert_eq!(text(&out.stderr), "", "{what} stderr");
}

#[test]
fn cpp_server_prints_the_c_clients_message() {
    let (server, client) = tcp_exchange(&mut Command::new(tcp_server()), "hello");
    assert_success("tcp_server", &server);
    assert_success("tcp_client", &client);
    assert_eq!(text(&server.stdout), "받은 메시지: hello\n");
    assert_eq!(text(&client.stdout), "", "the seed server replies nothing");
}

#[test]
fn c_tcp_client_prints_the_servers_reply() {
    // A Rust stand-in for the Python seed server (which replies "안녕하세요!"), on port 0.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap(); // ends at the client's shutdown(SHUT_WR)
        std::io::Write::write_all(&mut conn, "안녕하세요!".as_bytes()).unwrap();
        got
    });
    let client = run(&tcp_client(), &[&port.to_string(), "hello"]);
    assert_eq!(server.join().unwrap(), b"hello");
    assert_success("tcp_client", &client);
    assert_eq!(text(&client.stdout), "안녕하세요!");
}

#[test]
fn c_tcp_client_reports_a_refused_connect() {
    let client = run(&tcp_client(), &[&free_tcp_port().to_string(), "hello"]);
    assert_eq!(client.status.code(), Some(1));
    assert_eq!(text(&client.stderr), "connect: Connection refused\n");
}

#[test]
fn c_programs_reject_bad_ports_with_exit_2() {
    for (program, args) in [
        (tcp_client(), &["http", "hi"][..]),
        (tcp_client(), &["65536", "hi"][..]),
        (udp_client(), &["-1", "hi"][..]),
        (udp_server(), &["80x"][..]),
    ] {
        let out = run(&program, args);
        assert_eq!(out.status.code(), Some(2), "{} {args:?}", program.display());
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("invalid port '{}'", args[0])),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "one-line error: {err}");
    }
    assert_eq!(
        run(&tcp_client(), &["1"]).status.code(),
        Some(2),
        "missing MESSAGE"
    );
}

/// Starts a UDP server (listening on the port given as its last argument, printing one
/// "waiting" line once bound), sends `message` with the C client and returns
/// (server output, client output).
fn udp_exchange(server: &mut Command, message: &str) -> (Output, Output) {
    let port = free_udp_port().to_string();
    let mut server = Server::spawn(server.arg(&port));
    // The waiting line is printed after bind(): a datagram sent earlier would be dropped.
    assert_eq!(server.read_line(), "UDP 서버 대기 중...\n");
    let client = run(&udp_client(), &[&port, message]);
    (server.finish(), client)
}

/// Splits the server's "보낸 주소: ('127.0.0.1', PORT)" line into the text without PORT and the
/// port, which differs from run to run.
fn split_client_port(server_stdout: &str) -> (String, u16) {
    let (head, tail) = server_stdout
        .rsplit_once(", ")
        .expect("a (host, port) tuple");
    let port = tail.strip_suffix(")\n").expect("tuple closes the line");
    (
        format!("{head}, PORT)\n"),
        port.parse().expect("a port number"),
    )
}

#[test]
fn c_udp_server_and_client_round_trip() {
    let (server, client) = udp_exchange(&mut Command::new(udp_server()), "hello");
    assert_success("udp_server", &server);
    assert_success("udp_client", &client);
    let (line, port) = split_client_port(text(&server.stdout));
    assert_eq!(line, "받은 데이터: hello, 보낸 주소: ('127.0.0.1', PORT)\n");
    assert_ne!(port, 0);
    assert_eq!(text(&client.stdout), "응답 메시지\n");
}

/// The seed's udp_server.py, with its fixed port 9090 taken from argv instead.
const PY_UDP_SERVER: &str = r#"
import socket, sys

# UDP 소켓 생성
udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp_socket.bind(('localhost', int(sys.argv[1])))

print("UDP 서버 대기 중...")
data, addr = udp_socket.recvfrom(1024)
print(f"받은 데이터: {data.decode()}, 보낸 주소: {addr}")

# 응답 전송
udp_socket.sendto("응답 메시지".encode(), addr)

udp_socket.close()
"#;

#[test]
fn c_udp_server_prints_exactly_like_the_python_seed() {
    if Command::new("python3").arg("-V").output().is_err() {
        common::skip("python3 not found, cannot run the Python seed server");
        return;
    }
    let message = "같은 출력, tuple (1, 2)";
    // -u: unbuffered, so the waiting line arrives right after bind() as with the C server.
    let (py, py_client) = udp_exchange(
        Command::new("python3").args(["-u", "-c", PY_UDP_SERVER]),
        message,
    );
    let (c, c_client) = udp_exchange(&mut Command::new(udp_server()), message);
    assert_success("udp_server.py", &py);
    assert_success("udp_server", &c);
    assert_eq!(
        split_client_port(text(&c.stdout)).0,
        split_client_port(text(&py.stdout)).0
    );
    assert_eq!(c_client.stdout, py_client.stdout);
}

/// The line of `c/tcp_server.cpp` holding `cout << ... << buffer`, for matching ASan's report.
fn cout_line() -> usize {
    let source = include_str!("../c/tcp_server.cpp");
    1 + source
        .lines()
        .position(|l| l.contains("<< buffer"))
        .expect("the seed's cout line")
}

/// Runs the ASan build of the seed server on `message`; `None` (with the reason printed) when
/// it could not be built (no libasan).
fn asan_exchange(message: &str) -> Option<(Output, Output)> {
    let exe = match cbuild::tcp_server_asan() {
        Ok(exe) => exe,
        Err(why) => {
            common::skip(format_args!(
                "no AddressSanitizer build of the seed server: {why}"
            ));
            return None;
        }
    };
    // Leak checking is off: it is not what this test is about, and it needs ptrace-like
    // privileges that some sandboxes deny.
    let mut server = Command::new(exe);
    server.env("ASAN_OPTIONS", "detect_leaks=0");
    Some(tcp_exchange(&mut server, message))
}

/// The seed's NUL bug. `char buffer[1024] = {0}; read(client_fd, buffer, 1024);` leaves no room
/// for a terminator: with exactly 1024 bytes, `cout << buffer` runs strlen() past the array.
///
/// Observed: valgrind does not flag it (`valgrind --error-exitcode=99 -q` exits 0) because
/// memcheck has no bounds for stack arrays and the bytes after `buffer` are defined stack data;
/// the plain build instead prints a few bytes of stack garbage after the 1024 'A's. So the test
/// uses the same source built with `-fsanitize=address`, which reports it deterministically.
#[test]
fn seed_nul_bug_overreads_buffer_at_1024_bytes() {
    let Some((server, client)) = asan_exchange(&"A".repeat(1024)) else {
        return;
    };
    assert_success("tcp_client", &client);
    let report = text(&server.stderr);
    assert!(
        !server.status.success(),
        "ASan aborts the server: {}",
        server.status
    );
    assert!(
        report.contains("ERROR: AddressSanitizer: stack-buffer-overflow"),
        "{report}"
    );
    assert!(report.contains("READ of size"), "{report}");
    assert!(
        report.contains("'buffer'"),
        "names the overflowed array: {report}"
    );
    let at = format!("in main c/tcp_server.cpp:{}", cout_line());
    assert!(
        report.contains(&at),
        "points at the cout line ({at}): {report}"
    );
    assert_eq!(text(&server.stdout), "", "ASan aborts before cout prints");
}

/// The control for the test above: one byte less leaves the last byte of `buffer` as the
/// terminator, and the same ASan build runs clean.
#[test]
fn seed_server_is_clean_under_asan_at_1023_bytes() {
    let message = "A".repeat(1023);
    let Some((server, client)) = asan_exchange(&message) else {
        return;
    };
    assert_success("tcp_client", &client);
    assert_success("tcp_server (ASan)", &server);
    assert_eq!(text(&server.stdout), format!("{TCP_PREFIX}{message}\n"));
}
