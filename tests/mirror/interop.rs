//! The interop matrix: every client (Rust example, C, Python's socket module) against every TCP
//! server (Rust mirror, C++ seed, and the Python pair), and the UDP clients against the UDP
//! servers both ways. One test per pair, so a failure names the pair.

use crate::procs::{
    assert_clean, exchange, have_python, mask_peer_port, no_leak, run, text, Client, Proto,
    TcpServer, UdpServer,
};

/// Exercises UTF-8 on every path (argv, socket, stdout) in every language.
const MESSAGE: &str = "hello 소켓";

/// `client` sends [`MESSAGE`] to `server`; both must exit cleanly, the server print the
/// message, the client print the reply (none from the C++-style servers).
fn tcp_interop(client: Client, server: TcpServer) {
    if (server.is_python() || matches!(client, Client::Python)) && !have_python() {
        return;
    }
    let (out, client_out) = exchange(
        Proto::Tcp,
        |p| server.command(p),
        |p| run(&mut client.command(Proto::Tcp, p, MESSAGE)),
    );
    assert_clean(&format!("{client:?} client"), &client_out);
    assert_clean(&format!("{server:?} server"), &out);
    let (server_says, reply) = match server {
        TcpServer::CppMirror | TcpServer::CppSeed => (format!("받은 메시지: {MESSAGE}\n"), ""),
        TcpServer::PyMirror | TcpServer::PySeed => (
            format!(
                "서버 대기 중...\n클라이언트 연결: ('127.0.0.1', PORT)\n받은 데이터: {MESSAGE}\n"
            ),
            "안녕하세요!",
        ),
    };
    assert_eq!(mask_peer_port(text(&out.stdout)), server_says);
    assert_eq!(text(&client_out.stdout), reply);
}

/// `client` sends [`MESSAGE`] in a datagram to `server`, which prints it and the sender and
/// replies `응답 메시지`; the client prints the reply and a newline.
fn udp_interop(client: Client, server: UdpServer) {
    if server.is_python() && !have_python() {
        return;
    }
    let (out, client_out) = exchange(
        Proto::Udp,
        |p| server.command(p),
        |p| run(&mut client.command(Proto::Udp, p, MESSAGE)),
    );
    assert_clean(&format!("{client:?} client"), &client_out);
    assert_clean(&format!("{server:?} server"), &out);
    assert_eq!(
        mask_peer_port(text(&out.stdout)),
        format!("UDP 서버 대기 중...\n받은 데이터: {MESSAGE}, 보낸 주소: ('127.0.0.1', PORT)\n")
    );
    assert_eq!(text(&client_out.stdout), "응답 메시지\n");
}

macro_rules! pairs {
    ($check:ident: $($name:ident: $client:ident -> $server:expr;)*) => {
        $(#[test]
        fn $name() {
            no_leak(|| $check(Client::$client, $server));
        })*
    };
}

pairs! { tcp_interop:
    rust_client_to_cpp_mirror: Rust -> TcpServer::CppMirror;
    c_client_to_cpp_mirror: C -> TcpServer::CppMirror;
    python_client_to_cpp_mirror: Python -> TcpServer::CppMirror;
    rust_client_to_cpp_seed: Rust -> TcpServer::CppSeed;
    c_client_to_cpp_seed: C -> TcpServer::CppSeed;
    python_client_to_cpp_seed: Python -> TcpServer::CppSeed;
    rust_client_to_py_mirror: Rust -> TcpServer::PyMirror;
    c_client_to_py_mirror: C -> TcpServer::PyMirror;
    python_client_to_py_mirror: Python -> TcpServer::PyMirror;
    rust_client_to_py_seed: Rust -> TcpServer::PySeed;
    c_client_to_py_seed: C -> TcpServer::PySeed;
    python_client_to_py_seed: Python -> TcpServer::PySeed;
}

pairs! { udp_interop:
    c_udp_client_to_rust_udp_mirror: C -> UdpServer::PyMirror;
    rust_udp_client_to_c_udp_server: Rust -> UdpServer::C;
    rust_udp_client_to_rust_udp_mirror: Rust -> UdpServer::PyMirror;
    c_udp_client_to_c_udp_server: C -> UdpServer::C;
    rust_udp_client_to_py_udp_seed: Rust -> UdpServer::PySeed;
    c_udp_client_to_py_udp_seed: C -> UdpServer::PySeed;
}
