//! What the ports need from C's stdio beyond `println!`: `fprintf(stderr, …)` as ONE write(2).
//!
//! Rust's stderr is unbuffered, so `eprintln!("{}: {}", a, b)` is one write per formatted piece
//! (the trace shows several `write(2, …)` lines where C's unbuffered-but-formatted stderr shows
//! one). Formatting into a `String` first and writing it whole makes the same single call.
#![allow(dead_code)] // each port uses part of it

use std::io::Write;

/// `fprintf(stderr, "%s", line)`: `line` (already formatted, newline included) in one write(2).
pub fn fprintf_stderr(line: String) {
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// C's `printf("%s", s)` for a `char` buffer: the bytes up to the first NUL (what `%s` reads),
/// written to stdout without requiring UTF-8. Stdout is line-buffered, as C's is on a terminal
/// (the tests run the C originals with `stdbuf -oL`, so both make one write per line).
pub fn printf_bytes(parts: &[&[u8]]) {
    let line: Vec<u8> = parts.concat();
    let _ = std::io::stdout().write_all(&line);
}

/// `buf` cut at its first NUL, as `printf("%s", buf)` sees it.
pub fn c_str(buf: &[u8]) -> &[u8] {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    &buf[..end]
}
