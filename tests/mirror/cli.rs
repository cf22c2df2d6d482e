//! The examples' command lines: bad input is one line on stderr and exit 2; a failed call is the
//! strace-style error and exit 1 (where the C++ seed would go on regardless).

use std::process::Command;

use socklab::sys;

use crate::procs::{example, held_listener, held_socket, no_leak, run, text};

/// Runs example `name` with `args` and asserts: exit 2, one stderr line containing `says`.
#[track_caller]
fn assert_usage_error(name: &str, args: &[&str], says: &str) {
    let out = run(Command::new(example(name)).args(args));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{name} {args:?}: one line: {err:?}");
    assert!(err.starts_with(&format!("{name}: ")), "{err}");
    assert!(
        err.contains(says),
        "{name} {args:?}: {err:?} lacks {says:?}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn clients_reject_bad_arguments_with_exit_2() {
    no_leak(|| {
        for client in ["tcp_client", "udp_client"] {
            assert_usage_error(client, &[], "missing MESSAGE");
            assert_usage_error(client, &["--port", "http", "hi"], "invalid port 'http'");
            assert_usage_error(client, &["--port=65536", "hi"], "invalid port '65536'");
            assert_usage_error(client, &["hi", "--port"], "--port needs a value");
            assert_usage_error(client, &["--verbose", "hi"], "unknown option '--verbose'");
            assert_usage_error(client, &["hi", "there"], "one MESSAGE only");
        }
    })
}

#[test]
fn servers_reject_bad_ports_with_exit_2() {
    no_leak(|| {
        for server in [
            "cpp_tcp_server",
            "py_tcp_server",
            "py_udp_server",
            "std_tcp_server",
        ] {
            assert_usage_error(server, &["80x"], "invalid port '80x'");
            assert_usage_error(server, &["-1"], "invalid port '-1'");
            assert_usage_error(server, &["1", "2"], "usage: [PORT]");
        }
    })
}

/// The seed never checks bind(); the mirror reports the error exactly as socklab prints it
/// (call, fd, address, errno symbol and text) and exits 1 without calling listen().
#[test]
fn cpp_mirror_reports_a_taken_port_and_exits_1() {
    no_leak(|| {
        let holder = held_listener();
        let port = sys::getsockname(&holder)
            .unwrap()
            .as_socket()
            .unwrap()
            .port();
        let out = run(Command::new(example("cpp_tcp_server")).arg(port.to_string()));
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            text(&out.stderr),
            format!(
                "cpp_tcp_server: bind(fd 3, 0.0.0.0:{port}): EADDRINUSE (Address already in use)\n"
            )
        );
        assert!(out.stdout.is_empty());
        sys::close(holder).unwrap();
    })
}

#[test]
fn clients_report_a_refused_connection_and_exit_1() {
    no_leak(|| {
        // A bound, non-listening socket: connecting to its port is refused.
        let idle = held_socket();
        let port = sys::getsockname(&idle).unwrap().as_socket().unwrap().port();
        let out =
            run(Command::new(example("tcp_client")).args(["--port", &port.to_string(), "hi"]));
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            text(&out.stderr),
            format!(
                "tcp_client: connect(fd 3, 127.0.0.1:{port}): ECONNREFUSED (Connection refused)\n"
            )
        );
        sys::close(idle).unwrap();
    })
}
