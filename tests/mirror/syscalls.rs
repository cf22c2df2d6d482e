//! Syscall parity under strace: the C++ seed server and its Rust mirror make the same socket
//! calls, a std::net port differs by an asserted list, the Python mirrors make CPython's calls.

use std::path::Path;

use socklab::sys;

use crate::procs::{self, assert_clean, cpp_server, example, text, Client, Proto};
use crate::strace;

/// Runs `server PORT` under strace, sends `message` with the C client of `proto` once the
/// server is ready, and returns the normalized socket calls (see [`strace::socket_calls`]) and
/// the server's stdout.
fn traced(server: &Path, proto: Proto, message: &str) -> (Vec<String>, Vec<u8>) {
    let port = procs::free_port(proto);
    let log = strace::LogFile::new(&server.file_name().unwrap().to_string_lossy());
    let proc = strace::spawn(&log, server, &[port.to_string()]).wait_ready(proto, port);
    let client = procs::run(&mut Client::C.command(proto, port, message));
    assert_clean("C client", &client);
    let out = proc.finish();
    assert_clean(&format!("strace {}", server.display()), &out);
    let calls = strace::socket_calls(&log.read(), port);
    (calls, out.stdout)
}

/// [`traced`] for the TCP servers.
fn traced_run(server: &Path, message: &str) -> (Vec<String>, Vec<u8>) {
    traced(server, Proto::Tcp, message)
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
        let (seed, seed_out) = traced_run(&cpp_server(), "hello");
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
        let (seed, _) = traced_run(&cpp_server(), &message);
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
        let seed = strace::spawn(&log, &cpp_server(), &args);
        // The seed never exits: read the log once listen() is in it, then kill it (drop).
        let upto_listen = log.wait_for("listen(");
        drop(seed);
        let seed = strace::socket_calls(&upto_listen, port);

        let log = strace::LogFile::new("mirror-eaddrinuse");
        let out = strace::spawn(&log, &example("cpp_tcp_server"), &args).finish();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let mirror = strace::socket_calls(&log.read(), port);

        let failed_bind = "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), \
             sin_addr=inet_addr(\"0.0.0.0\")}, 16) = -1 EADDRINUSE (Address already in use)";
        assert_eq!(
            seed,
            [SEED_HELLO[0], failed_bind, "listen(S0, 3) = 0"],
            "the seed goes on"
        );
        // The mirror stops after bind, saying why on stderr (one write, as PORTING.md shows).
        assert_eq!(mirror.len(), 3, "{mirror:#?}");
        assert_eq!(mirror[..2], seed[..2], "the mirror stops after bind");
        assert!(
            mirror[2].starts_with("write(2, \"cpp_tcp_server: bind(fd 3, 0.0.0"),
            "{}",
            mirror[2]
        );
        sys::close(holder).unwrap();
    })
}

/// The Python mirrors make the calls CPython makes for the seed's lines (PORTING.md shows
/// CPython's trace): `SOCK_CLOEXEC` sockets, `accept4(SOCK_CLOEXEC)` with the peer's address,
/// recv/send (recvfrom/sendto in strace), and one stdout write per `print`. Not mirrored, so not
/// here: CPython's getaddrinfo('localhost') and its getsockname after accept.
#[test]
fn py_mirrors_make_cpythons_socket_calls() {
    procs::no_leak(|| {
        if !strace::available() {
            return;
        }
        let (tcp, out) = traced(&example("py_tcp_server"), Proto::Tcp, "hello");
        // The peer tuple's length depends on the client port's digits: take it from stdout.
        let n = line_len(&out, 1);
        let peer_line = format!(
            "write(1, \"\\355\\201\\264\\353\\235\\274\\354\\235\\264\\354\\226\\270\\355\\212\\270 \\354\\227\\260\\352\\262\\260: ('127.0.\"..., {n}) = {n}"
        );
        assert_eq!(
            tcp,
            [
                "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = S0",
                "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
                "listen(S0, 5) = 0",
                // "서버 대기 중...\n" (its dots are the message's own)
                "write(1, \"\\354\\204\\234\\353\\262\\204 \\353\\214\\200\\352\\270\\260 \\354\\244\\221...\\n\", 21) = 21",
                "accept4(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16], SOCK_CLOEXEC) = S1",
                // "클라이언트 연결: ('127.0.0.1', <peer>)\n", cut at strace's 32 bytes
                &peer_line,
                "recvfrom(S1, \"hello\", 1024, 0, NULL, NULL) = 5",
                "write(1, \"\\353\\260\\233\\354\\235\\200 \\353\\215\\260\\354\\235\\264\\355\\204\\260: hello\\n\", 24) = 24",
                "sendto(S1, \"\\354\\225\\210\\353\\205\\225\\355\\225\\230\\354\\204\\270\\354\\232\\224!\", 16, 0, NULL, 0) = 16",
                "close(S1) = 0",
                "close(S0) = 0",
            ]
        );
        let (udp, out) = traced(&example("py_udp_server"), Proto::Udp, "hello");
        let n = line_len(&out, 1);
        let peer = "{sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}";
        assert_eq!(
            udp,
            [
                "socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = S0".to_owned(),
                "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0".to_owned(),
                // "UDP 서버 대기 중...\n"
                "write(1, \"UDP \\354\\204\\234\\353\\262\\204 \\353\\214\\200\\352\\270\\260 \\354\\244\\221...\\n\", 25) = 25".to_owned(),
                format!("recvfrom(S0, \"hello\", 1024, 0, {peer}, [128 => 16]) = 5"),
                // "받은 데이터: hello, 보낸 주소: ('127.0.0.1', <peer>)\n", cut at 32 bytes
                format!("write(1, \"\\353\\260\\233\\354\\235\\200 \\353\\215\\260\\354\\235\\264\\355\\204\\260: hello, \\353\\263\\264\\353\\202\\270 \"..., {n}) = {n}"),
                format!("sendto(S0, \"\\354\\235\\221\\353\\213\\265 \\353\\251\\224\\354\\213\\234\\354\\247\\200\", 16, 0, {peer}, 16) = 16"),
                "close(S0) = 0".to_owned(),
            ]
        );
    })
}

/// The byte length of line `i` of `stdout`, newline included.
fn line_len(stdout: &[u8], i: usize) -> usize {
    stdout
        .split_inclusive(|&b| b == b'\n')
        .nth(i)
        .expect("a line")
        .len()
}
