//! Shared process plumbing for the mirror tests: where each program is, free ports, readiness
//! from /proc/net, and [`Proc`], a spawned process group killed and reaped on drop.
#![allow(dead_code)] // not every topic file uses every helper

use std::io::Read;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use socklab::sys::{self, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

use crate::common;

/// The seed's C++ server, built unchanged (plus a port argument), and the C clients and UDP
/// server (`tcp_client PORT MESSAGE`, `udp_client PORT MESSAGE`, `udp_server [PORT]`):
/// compiled at test time by `tests/common/cbuild.rs`.
pub use crate::cbuild::{
    tcp_client as c_tcp_client, tcp_server as cpp_server, udp_client as c_udp_client,
    udp_server as c_udp_server,
};

/// The seed's Python listings, verbatim (copied from the article); run with their fixed port
/// replaced by the test's, see [`python_seed`].
pub const PY_TCP_SEED: &str = include_str!("seed/tcp_server.py");
/// See [`PY_TCP_SEED`].
pub const PY_UDP_SEED: &str = include_str!("seed/udp_server.py");

/// A client in Python's standard socket module, same protocol as the C and Rust clients
/// (`-c CODE PORT MESSAGE`: send, shut down the write side, print the reply until EOF).
pub const PY_TCP_CLIENT: &str = "\
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(sys.argv[2].encode())
s.shutdown(socket.SHUT_WR)
reply = b''
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
sys.stdout.buffer.write(reply)
s.close()
";

/// The fd-leak guard of tests/sys, shared: it serializes the test bodies too, so fd counts are
/// exact and the tests' own free ports never race each other.
pub use crate::common::no_leak;

/// Polling step of every bounded wait.
pub const STEP: Duration = Duration::from_millis(10);
/// Upper bound of every wait (readiness, exit). Generous: strace and a loaded machine are slow.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The path of example `name`, built by cargo next to this test binary.
///
/// Plain `cargo test` builds every example before running tests; `cargo test --test mirror`
/// does not, hence the message. A binary older than its source is refused too (stale build).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/mirror-<hash> -> target/<profile>/examples/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = dir.join("examples").join(name);
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| {
            panic!(
                "example {name} not built ({}: {e}): run `cargo test` (it builds the examples) \
                 or `cargo build --examples` before `cargo test --test mirror`",
                path.display()
            )
        });
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let port = root
        .join("ports")
        .join(format!("{}.rs", name.trim_start_matches("beej_")));
    let sources = [
        root.join(format!("{name}.rs")),
        root.join("common/mod.rs"),
        port,
    ];
    // An example lives in examples/<name>.rs or, for the C ports, in examples/ports/.
    for src in sources.iter().filter(|s| s.exists()) {
        let edited = std::fs::metadata(src).and_then(|m| m.modified()).unwrap();
        assert!(
            edited <= built,
            "example {name} is older than {}: run `cargo build --examples`",
            src.display()
        );
    }
    path
}

/// Whether python3 runs here; tests that need it print why they skip.
pub fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        crate::common::skip("python3 not found (apt-get install python3)");
    }
    ok
}

/// `python3 -c <seed>` with the seed's fixed port replaced by `port`.
pub fn python_seed(seed: &str, fixed_port: u16, port: u16) -> Command {
    let needle = format!(", {fixed_port})");
    assert!(seed.contains(&needle), "the seed binds port {fixed_port}");
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(seed.replace(&needle, &format!(", {port})")));
    cmd
}

/// Transport of a port: which /proc/net tables to look in and which socket type probes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// TCP: ready = a `LISTEN` entry.
    Tcp,
    /// UDP: ready = any entry bound to the port.
    Udp,
}

/// A port of `proto` on 127.0.0.1 that was free a moment ago: [`common::free_port`]. If
/// another process takes it before the server binds, the Rust servers exit with
/// `bind(...): EADDRINUSE`, the C++ one (which checks nothing) never listens on it, and the
/// readiness wait fails saying so.
pub fn free_port(proto: Proto) -> u16 {
    common::free_port(match proto {
        Proto::Tcp => SOCK_STREAM,
        Proto::Udp => SOCK_DGRAM,
    })
}

/// A listening TCP socket of the test on 127.0.0.1 and a free port, to make a server's bind()
/// fail. `SOCK_CLOEXEC`: without it the server would inherit it as fd 3 (socklab adds no
/// CLOEXEC), and its own socket would be fd 4.
pub fn held_listener() -> std::os::fd::OwnedFd {
    let fd = held_socket();
    sys::listen(&fd, 1).unwrap();
    fd
}

/// A TCP socket of the test bound to 127.0.0.1 and a free port, not listening: connecting to
/// it is refused. `SOCK_CLOEXEC` as for [`held_listener`].
pub fn held_socket() -> std::os::fd::OwnedFd {
    let fd = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap();
    sys::bind(&fd, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
    fd
}

/// Whether some socket of `proto` is bound to `port` (TCP: listening), from /proc/net
/// (`socklab::parity`'s reading of the tables).
pub fn port_ready(proto: Proto, port: u16) -> bool {
    match proto {
        Proto::Tcp => socklab::parity::tcp_listening(port),
        Proto::Udp => socklab::parity::udp_bound(port),
    }
}

/// A spawned process in a process group of its own, so that drop can kill it together with
/// whatever it started (strace's tracee): a failing test leaves nothing running.
pub struct Proc {
    child: Child,
    what: String,
}

impl Proc {
    /// Spawns `cmd` with stdin empty and stdout/stderr piped.
    pub fn spawn(cmd: &mut Command) -> Proc {
        let what = format!("{cmd:?}");
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {what}: {e}"));
        Proc { child, what }
    }

    /// Waits (polling, at most [`DEADLINE`]) until a socket of `proto` is ready on `port`.
    /// Fails at once, with the server's stderr, if it exits first.
    pub fn wait_ready(mut self, proto: Proto, port: u16) -> Proc {
        let start = Instant::now();
        while !port_ready(proto, port) {
            if let Ok(Some(status)) = self.child.try_wait() {
                let out = self.collect(status);
                panic!(
                    "{} exited ({status}) before {proto:?} port {port} was ready; stderr: {}",
                    self.what,
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{}: {proto:?} port {port} not ready after {DEADLINE:?} (port taken by \
                 another process meanwhile? see free_port)",
                self.what
            );
            thread::sleep(STEP);
        }
        self
    }

    /// Waits (at most [`DEADLINE`]) for the process to exit and returns its output.
    pub fn finish(mut self) -> Output {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return self.collect(status);
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{} still running after {DEADLINE:?}",
                self.what
            );
            thread::sleep(STEP);
        }
    }

    fn collect(&mut self, status: std::process::ExitStatus) -> Output {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_end(&mut stdout).unwrap();
        }
        if let Some(mut err) = self.child.stderr.take() {
            err.read_to_end(&mut stderr).unwrap();
        }
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // The group id is the child's pid (process_group(0)); `kill -- -PGID` reaches the
            // tracee of a strace too.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs a client to completion (at most [`DEADLINE`]).
pub fn run(cmd: &mut Command) -> Output {
    Proc::spawn(cmd).finish()
}

/// Output as text (the programs print UTF-8).
pub fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8 output")
}

/// Asserts `out` is a clean exit: status 0 and nothing on stderr.
#[track_caller]
pub fn assert_clean(what: &str, out: &Output) {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{what}: {}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Replaces the client port in Python's `('127.0.0.1', 41592)` with `PORT` (it differs per run).
pub fn mask_peer_port(line: &str) -> String {
    const TUPLE: &str = "('127.0.0.1', ";
    match line.find(TUPLE) {
        Some(i) => {
            let rest = &line[i + TUPLE.len()..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            assert!(digits > 0, "a port after {TUPLE}: {line:?}");
            format!("{}PORT{}", &line[..i + TUPLE.len()], &rest[digits..])
        }
        None => line.to_owned(),
    }
}

/// The TCP servers under test, each taking its port as the last argument.
#[derive(Clone, Copy, Debug)]
pub enum TcpServer {
    /// `examples/cpp_tcp_server.rs`, the Rust mirror of the C++ seed.
    CppMirror,
    /// The C++ seed itself (`c/tcp_server.cpp`).
    CppSeed,
    /// `examples/py_tcp_server.rs`, the Rust mirror of `tcp_server.py`.
    PyMirror,
    /// `tcp_server.py` itself.
    PySeed,
}

impl TcpServer {
    /// The command that starts this server on `port`.
    pub fn command(self, port: u16) -> Command {
        let mut cmd = match self {
            TcpServer::CppMirror => Command::new(example("cpp_tcp_server")),
            TcpServer::CppSeed => Command::new(cpp_server()),
            TcpServer::PyMirror => Command::new(example("py_tcp_server")),
            TcpServer::PySeed => return python_seed(PY_TCP_SEED, 8080, port),
        };
        cmd.arg(port.to_string());
        cmd
    }

    /// Whether this server is Python (the test skips without python3).
    pub fn is_python(self) -> bool {
        matches!(self, TcpServer::PySeed)
    }
}

/// The UDP servers under test.
#[derive(Clone, Copy, Debug)]
pub enum UdpServer {
    /// `examples/py_udp_server.rs`, the Rust mirror of `udp_server.py`.
    PyMirror,
    /// `c/udp_server.c`, the C mirror of the same.
    C,
    /// `udp_server.py` itself.
    PySeed,
}

impl UdpServer {
    /// The command that starts this server on `port`.
    pub fn command(self, port: u16) -> Command {
        let mut cmd = match self {
            UdpServer::PyMirror => Command::new(example("py_udp_server")),
            UdpServer::C => Command::new(c_udp_server()),
            UdpServer::PySeed => return python_seed(PY_UDP_SEED, 9090, port),
        };
        cmd.arg(port.to_string());
        cmd
    }

    /// Whether this server is Python (the test skips without python3).
    pub fn is_python(self) -> bool {
        matches!(self, UdpServer::PySeed)
    }
}

/// The clients: all send MESSAGE to 127.0.0.1:PORT and print the reply (UDP: plus a newline).
#[derive(Clone, Copy, Debug)]
pub enum Client {
    /// `examples/tcp_client.rs` / `examples/udp_client.rs`.
    Rust,
    /// `c/tcp_client.c` / `c/udp_client.c`.
    C,
    /// `python3 -c` with the standard socket module (TCP only).
    Python,
}

impl Client {
    /// The command that sends `message` to `port` over `proto`.
    pub fn command(self, proto: Proto, port: u16, message: &str) -> Command {
        let port = port.to_string();
        match (self, proto) {
            (Client::Rust, _) => {
                let name = if proto == Proto::Tcp {
                    "tcp_client"
                } else {
                    "udp_client"
                };
                let mut cmd = Command::new(example(name));
                cmd.args(["--port", &port, message]);
                cmd
            }
            (Client::C, _) => {
                let exe = if proto == Proto::Tcp {
                    c_tcp_client()
                } else {
                    c_udp_client()
                };
                let mut cmd = Command::new(exe);
                cmd.args([&port, message]);
                cmd
            }
            (Client::Python, Proto::Tcp) => {
                let mut cmd = Command::new("python3");
                cmd.args(["-c", PY_TCP_CLIENT, &port, message]);
                cmd
            }
            (Client::Python, Proto::Udp) => unimplemented!("no Python UDP client in the matrix"),
        }
    }
}

/// Starts `server` on a free port of `proto`, waits until it is ready, runs `client(port)`
/// (a client program via [`run`], or code of the test), then waits for the server to exit.
/// Returns (server output, what the client returned).
pub fn exchange<T>(
    proto: Proto,
    server: impl FnOnce(u16) -> Command,
    client: impl FnOnce(u16) -> T,
) -> (Output, T) {
    let port = free_port(proto);
    let proc = Proc::spawn(&mut server(port)).wait_ready(proto, port);
    let client_out = client(port);
    (proc.finish(), client_out)
}
