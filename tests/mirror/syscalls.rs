//! Syscall parity: the C++ seed server and its Rust mirror traced with strace make the same
//! socket calls; a std::net port of the same server differs by an asserted list.

use std::path::Path;

use socklab::sys;

use crate::procs::{self, assert_clean, example, text, Proto, CPP_SERVER, C_TCP_CLIENT};
use crate::strace;

/// Runs `server PORT` under strace, sends `message` with the C client once it listens, and
/// returns the normalized socket calls (see [`strace::socket_calls`]) and the server's stdout.
fn traced_run(server: &Path, message: &str) -> (Vec<String>, Vec<u8>) {
    let port = procs::free_port(Proto::Tcp);
    let log = strace::LogFile::new(&server.file_name().unwrap().to_string_lossy());
    let proc = strace::spawn(&log, server, &[port.to_string()]).wait_ready(Proto::Tcp, port);
    let client =
        procs::run(std::process::Command::new(C_TCP_CLIENT).args([&port.to_string(), message]));
    assert_clean("tcp_client", &client);
    let out = proc.finish();
    assert_clean(&format!("strace {}", server.display()), &out);
    let calls = strace::socket_calls(&strace::parse(&log.read()), port);
    (calls, out.stdout)
}

/// What both the seed and the mirror do for `hello`: strace's own rendering of each call.
/// The stdout write is `받은 메시지: hello\n` in octal escapes (24 bytes).
const SEED_HELLO: &[&str] = &[
    "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = S0",
    "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
    "listen(S0, 3) = 0",
    "accept(S0, NULL, NULL) = S1",
    "read(S1, \"hello\", 1024) = 5",
    "write(1, \"\\353\\260\\233\\354\\235\\200 \\353\\251\\224\\354\\213\\234\\354\\247\\200: hello\\n\", 24) = 24",
    "close(S1) = 0",
    "close(S0) = 0",
];

#[test]
fn mirror_makes_the_seed_servers_socket_calls() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let (seed, seed_out) = traced_run(Path::new(CPP_SERVER), "hello");
        let (mirror, mirror_out) = traced_run(&example("cpp_tcp_server"), "hello");
        assert_eq!(seed, SEED_HELLO, "the C++ seed's calls");
        assert_eq!(mirror, seed, "the Rust mirror's calls");
        assert_eq!(text(&mirror_out), "받은 메시지: hello\n");
        assert_eq!(mirror_out, seed_out);
    })
}

#[test]
fn mirror_matches_the_seed_for_1023_bytes_of_korean() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        // 341 three-byte syllables = 1023 bytes: the most the seed handles without overreading.
        let message = "가".repeat(341);
        let (seed, _) = traced_run(Path::new(CPP_SERVER), &message);
        let (mirror, _) = traced_run(&example("cpp_tcp_server"), &message);
        assert_eq!(seed.len(), SEED_HELLO.len(), "{seed:#?}");
        assert!(
            seed[4].starts_with("read(S1, \"\\352\\260\\200")
                && seed[4].ends_with("..., 1024) = 1023"),
            "{}",
            seed[4]
        );
        assert_eq!(mirror, seed);
    })
}

/// How the std::net port (`examples/std_tcp_server.rs`) differs from the mirror, as a line
/// diff (`-` mirror only, `+` std only; each changed run lists its `-` lines first):
/// - `socket`: std ORs `SOCK_CLOEXEC` into every new socket, and `TcpListener::bind` sets
///   `SO_REUSEADDR` before bind;
/// - `listen`: the backlog is fixed at 128;
/// - `accept` is `accept4(SOCK_CLOEXEC)`, always asking for the peer's address;
/// - `TcpStream::read` is recv(2), which strace shows as recvfrom on x86-64.
const STD_DIFFERENCES: &[&str] = &[
    "- socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = S0",
    "+ socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = S0",
    "+ setsockopt(S0, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "- listen(S0, 3) = 0",
    "- accept(S0, NULL, NULL) = S1",
    "- read(S1, \"hello\", 1024) = 5",
    "+ listen(S0, 128) = 0",
    "+ accept4(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16], SOCK_CLOEXEC) = S1",
    "+ recvfrom(S1, \"hello\", 1024, 0, NULL, NULL) = 5",
];

#[test]
fn std_net_port_differs_by_the_listed_calls() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let (mirror, mirror_out) = traced_run(&example("cpp_tcp_server"), "hello");
        let (std, std_out) = traced_run(&example("std_tcp_server"), "hello");
        assert_eq!(mirror, SEED_HELLO);
        assert_eq!(
            strace::diff(&mirror, &std),
            STD_DIFFERENCES,
            "std calls: {std:#?}"
        );
        assert_eq!(std_out, mirror_out, "same output, different calls");
    })
}

/// The seed ignores a failed bind(): it calls listen() anyway, which binds the socket to a
/// random port, and waits in accept() there forever. The mirror stops at the error (exit 1);
/// its calls up to that point are the seed's.
#[test]
fn seed_goes_on_after_a_failed_bind_where_the_mirror_stops() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let holder = procs::held_listener();
        let port = sys::getsockname(&holder)
            .unwrap()
            .as_socket()
            .unwrap()
            .port();
        let args = [port.to_string()];

        let log = strace::LogFile::new("seed-eaddrinuse");
        let seed = strace::spawn(&log, Path::new(CPP_SERVER), &args);
        // The seed never exits: read the log once listen() is in it, then kill it (drop).
        let upto_listen = log.wait_for("listen(");
        drop(seed);
        let seed = strace::socket_calls(&strace::parse(&upto_listen), port);

        let log = strace::LogFile::new("mirror-eaddrinuse");
        let out = strace::spawn(&log, &example("cpp_tcp_server"), &args).finish();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let mirror = strace::socket_calls(&strace::parse(&log.read()), port);

        let failed_bind = "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), \
             sin_addr=inet_addr(\"0.0.0.0\")}, 16) = -1 EADDRINUSE (Address already in use)";
        assert_eq!(
            seed,
            [SEED_HELLO[0], failed_bind, "listen(S0, 3) = 0"],
            "the seed goes on"
        );
        assert_eq!(mirror, seed[..2], "the mirror stops after bind");
        sys::close(holder).unwrap();
    })
}
