//! Faults a network program meets, each with the error the user sees: a reset peer, a
//! half-close, writing to a closed peer (EPIPE vs SIGPIPE), EINTR, SO_RCVTIMEO, a blackhole.

use std::net::{Shutdown, SocketAddr};
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use socklab::net::{client, Endpoint, NetError, Transport};
use socklab::sys::signal::{self, SigAction, SIGPIPE, SIGUSR1};
use socklab::sys::{self, opt, Errno, AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
use socklab::{SockAddr, Socket};

use super::common::{is_root, skip, tcp_pair_as};

fn loopback() -> SockAddr {
    SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))
}

#[track_caller]
fn assert_errno(r: socklab::Result<usize>, code: Errno, call: &str) -> String {
    let e = r.expect_err("the call must fail");
    assert_eq!(e.code(), code, "{e}");
    let line = e.to_string();
    assert!(line.starts_with(&format!("{call}(fd ")), "{line}");
    assert!(line.contains(code.name()), "{line}");
    eprintln!("user sees: {line}");
    line
}

/// The peer resets mid-stream (SO_LINGER 0 then close): the next recv says ECONNRESET.
#[test]
fn peer_reset_mid_stream_is_econnreset() {
    let (c, a) = tcp_pair_as::<Socket>();
    c.send(&[7u8; 4096], 0).unwrap();
    a.set_opt(opt::SoLinger, Some(Duration::ZERO)).unwrap();
    drop(a); // unread data + linger 0: RST
    let mut buf = [0u8; 64];
    assert_errno(c.recv(&mut buf, 0), Errno::ECONNRESET, "recv");
}

/// The client shuts its write side: the reader sees EOF (0) and can still send back.
#[test]
fn half_close_gives_eof_and_the_other_way_still_works() {
    let (c, a) = tcp_pair_as::<Socket>();
    c.send(b"request", 0).unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(a.recv(&mut buf, 0).unwrap(), 7);
    assert_eq!(
        a.recv(&mut buf, 0).unwrap(),
        0,
        "EOF after shutdown(SHUT_WR)"
    );
    assert_eq!(a.send(b"reply", 0).unwrap(), 5);
    assert_eq!(c.recv(&mut buf, 0).unwrap(), 5);
    assert_eq!(&buf[..5], b"reply");
    // The shut side cannot send any more: EPIPE.
    assert_errno(c.send(b"x", libc::MSG_NOSIGNAL), Errno::EPIPE, "send");
}

/// Writing to a closed peer with MSG_NOSIGNAL: EPIPE, and the process lives.
#[test]
fn send_to_closed_peer_with_msg_nosignal_is_epipe() {
    let (c, a) = tcp_pair_as::<Socket>();
    drop(a);
    // The first send may still be accepted (the peer answers it with RST); then EPIPE.
    let mut last = Ok(0);
    for _ in 0..50 {
        last = c.send(b"data", libc::MSG_NOSIGNAL);
        if last.is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_errno(last, Errno::EPIPE, "send");
    let (u1, u2) = Socket::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    drop(u2);
    assert_errno(u1.send(b"x", libc::MSG_NOSIGNAL), Errno::EPIPE, "send");
}

const SIGPIPE_CHILD: &str = "SOCKLAB_TEST_SIGPIPE_CHILD";

/// The child of the SIGPIPE test: restores SIGPIPE's default (as a C program has it) and sends
/// without MSG_NOSIGNAL to a closed peer. Does nothing unless run by the parent test.
#[test]
fn sigpipe_child() {
    if std::env::var_os(SIGPIPE_CHILD).is_none() {
        return;
    }
    signal::sigaction(SIGPIPE, SigAction::Default).unwrap();
    let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    drop(b);
    let r = sys::send(&a, b"x", 0);
    // Not reached: the kernel kills the process with SIGPIPE before send returns.
    eprintln!("send returned {r:?} instead of SIGPIPE");
    std::process::exit(3);
}

/// Without MSG_NOSIGNAL (and with SIGPIPE at its default, as in C) the process is killed by
/// SIGPIPE: the shell shows exit 141.
#[test]
fn send_to_closed_peer_without_msg_nosignal_kills_with_sigpipe() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "faults::sigpipe_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(SIGPIPE_CHILD, "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.signal(),
        Some(SIGPIPE),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("user sees: the child killed by signal {SIGPIPE} (SIGPIPE), exit 141 in a shell");
}

/// Sends SIGUSR1 to `t` every 10 ms until it has finished.
fn interrupt_until_done<T>(t: &std::thread::JoinHandle<T>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.is_finished() {
        assert!(Instant::now() < deadline, "the thread never returned");
        signal::pthread_kill(t, SIGUSR1).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A signal with a handler installed without SA_RESTART interrupts a blocking recv: sys::recv
/// returns EINTR; Socket::recv retries (as its docs say) and returns the data sent later.
#[test]
fn eintr_in_blocking_recv_sys_returns_socket_retries() {
    signal::sigaction(SIGUSR1, SigAction::Interrupt).unwrap();
    let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 16];
        sys::recv(&b, &mut buf[..], 0).map(|n| (n, b))
    });
    interrupt_until_done(&t);
    let e = t.join().unwrap().expect_err("sys::recv must return EINTR");
    assert_eq!(e.code(), Errno::EINTR, "{e}");
    eprintln!("user sees: {e}");

    let (a2, b2) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let before = signal::interrupts();
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 16];
        b2.recv(&mut buf, 0).map(|n| buf[..n].to_vec())
    });
    // Interrupt it several times while it blocks, then send.
    let deadline = Instant::now() + Duration::from_secs(10);
    while signal::interrupts() < before + 5 {
        assert!(Instant::now() < deadline);
        signal::pthread_kill(&t, SIGUSR1).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!t.is_finished(), "Socket::recv must not return on EINTR");
    a2.send(b"after", 0).unwrap();
    assert_eq!(t.join().unwrap().unwrap(), b"after");
    drop(a);
}

/// SO_RCVTIMEO expires: recv fails with EAGAIN after (at least) the timeout.
#[test]
fn so_rcvtimeo_expiry_is_eagain() {
    let s = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    s.bind(&loopback()).unwrap();
    s.set_opt(opt::SoRcvTimeo, Some(Duration::from_millis(200)))
        .unwrap();
    let t0 = Instant::now();
    let mut buf = [0u8; 16];
    assert_errno(s.recv(&mut buf, 0), Errno::EAGAIN, "recv");
    assert!(
        t0.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t0.elapsed()
    );
}

/// Connect to an address whose SYNs are dropped (nft, in a private namespace): the client's
/// deadline gives ETIMEDOUT with a note, instead of hanging for the kernel's ~2 minutes.
#[test]
fn connect_to_a_blackhole_times_out() {
    if !is_root() {
        skip("needs root (a private network namespace and an nft rule)");
        return;
    }
    if std::process::Command::new("nft")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("nft is not installed (apt-get install nftables)");
        return;
    }
    let r = std::thread::spawn(|| {
        sys::ns::unshare(libc::CLONE_NEWNET).unwrap();
        // Children inherit this thread's namespace: the rules land in the private one.
        let sh = |script: &str| {
            let st = std::process::Command::new("sh")
                .args(["-c", script])
                .status()
                .unwrap();
            assert!(st.success(), "{script}");
        };
        sh("ip link set lo up");
        sh("nft add table inet bh && nft add chain inet bh in '{ type filter hook input priority 0; }' && nft add rule inet bh in tcp dport 9 drop");
        let to: Endpoint = "127.0.0.1:9".parse().unwrap();
        client::connect(&to, Transport::Tcp, Duration::from_millis(300))
    })
    .join()
    .unwrap();
    match r {
        Err(NetError::Sys(e)) => {
            assert_eq!(e.code(), Errno::ETIMEDOUT, "{e}");
            let line = e.to_string();
            assert!(line.starts_with("connect(fd "), "{line}");
            assert!(line.contains("127.0.0.1:9): ETIMEDOUT"), "{line}");
            assert!(line.ends_with("no answer within 300 ms"), "{line}");
            eprintln!("user sees: {line}");
        }
        other => panic!("expected ETIMEDOUT, got {other:?}"),
    }
}

/// The safe sigaction refuses a returning handler for a fault signal (it would fault forever).
#[test]
fn interrupt_handler_is_refused_for_fault_signals() {
    let e = signal::sigaction(libc::SIGSEGV, SigAction::Interrupt).unwrap_err();
    assert_eq!(e.code(), Errno::EINVAL);
    assert!(
        e.to_string()
            .starts_with("sigaction(11, count_interrupt, NULL): EINVAL"),
        "{e}"
    );
}
