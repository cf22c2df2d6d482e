//! Shared by the seed-mirroring examples: argument parsing (bad input = one line, exit 2),
//! "print the Error and exit 1", and Python's formatting of addresses and decoded bytes.
#![allow(dead_code)] // each example uses its own subset

use std::fmt::Display;
use std::io::Write;
use std::process::exit;

use socklab::SockAddr;

/// The program name for messages (`cpp_tcp_server`, not the full path).
fn prog() -> String {
    let arg0 = std::env::args().next().unwrap_or_default();
    arg0.rsplit('/').next().unwrap_or("example").to_owned()
}

/// `prog: msg` and a newline on stderr in one write(2) (`eprintln!` makes one write per
/// formatted piece, which clutters an strace), then exit with `code`.
pub fn die(code: i32, msg: impl Display) -> ! {
    let line = format!("{}: {msg}\n", prog());
    let _ = std::io::stderr().write_all(line.as_bytes());
    exit(code)
}

/// Bad command-line input: one line on stderr, exit code 2.
pub fn usage_error(msg: impl Display) -> ! {
    die(2, msg)
}

/// A decimal port 0..=65535, or a usage error.
fn parse_port(text: &str) -> u16 {
    text.parse()
        .unwrap_or_else(|_| usage_error(format!("invalid port '{text}' (expected 0..65535)")))
}

/// The servers' arguments: `[PORT]`, `default` when absent.
pub fn server_port(default: u16) -> u16 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => default,
        [port] => parse_port(port),
        _ => usage_error("usage: [PORT]"),
    }
}

/// The clients' arguments: `[--port N] MESSAGE` (`--port=N` too), port `default` when absent.
pub fn client_args(default: u16) -> (u16, String) {
    let mut port = None;
    let mut message = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--port" {
            let value = args
                .next()
                .unwrap_or_else(|| usage_error("--port needs a value"));
            port = Some(parse_port(&value));
        } else if let Some(value) = arg.strip_prefix("--port=") {
            port = Some(parse_port(value));
        } else if arg.starts_with("--") {
            usage_error(format!(
                "unknown option '{arg}' (usage: [--port N] MESSAGE)"
            ));
        } else if message.replace(arg).is_some() {
            usage_error("one MESSAGE only (usage: [--port N] MESSAGE)");
        }
    }
    let message =
        message.unwrap_or_else(|| usage_error("missing MESSAGE (usage: [--port N] MESSAGE)"));
    (port.unwrap_or(default), message)
}

/// The value of a call that worked, or: print its error (strace-style) and exit 1. The C/Python
/// originals check nothing (C goes on with -1, Python dies with a traceback); printing adds no
/// socket call, only a write to stderr.
pub fn or_exit<T>(r: socklab::Result<T>) -> T {
    r.unwrap_or_else(|e| die(1, e))
}

/// Writes `bytes` to stdout in one `write_all` on the locked handle, or exits 1. The line is
/// built first so a short line leaves the process in one write(2), like C++'s `endl` flush.
pub fn print_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        die(1, format_args!("writing stdout: {e}"))
    }
}

/// The line `cout << "받은 메시지: " << buffer << endl;` prints, from the `read` bytes of a
/// zeroed buffer: the bytes up to the first NUL among those read (`<< buffer` stops at a NUL).
/// Only the bytes read are looked at, so 1024 bytes without a NUL print as 1024 bytes, where the
/// C++ reads past the end of its array.
pub fn cpp_message_line(read: &[u8]) -> Vec<u8> {
    let text = read.split(|&b| b == 0).next().unwrap_or_default();
    ["받은 메시지: ".as_bytes(), text, b"\n"].concat()
}

/// Python's `f"{addr}"` for an `AF_INET` address tuple: `('127.0.0.1', 41592)`.
pub fn py_addr(addr: &SockAddr) -> String {
    match addr.as_socket() {
        Some(a) => format!("('{}', {})", a.ip(), a.port()),
        None => format!("{addr}"),
    }
}

/// Python's `data.decode()` (UTF-8, strict): on invalid bytes Python raises
/// `UnicodeDecodeError` and exits 1 with a traceback; here one line on stderr and exit 1.
pub fn py_decode(data: &[u8]) -> &str {
    let decode_error = |e| {
        die(
            1,
            format_args!("UnicodeDecodeError: 'utf-8' codec can't decode: {e}"),
        )
    };
    std::str::from_utf8(data).unwrap_or_else(decode_error)
}
