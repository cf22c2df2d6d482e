//! socklab: the POSIX socket API from Rust, one function per C call, nothing done behind your
//! back — plus a safe [`Socket`], errors that read like strace, and a harness that measures every
//! syscall path against a C floor.
//!
//! # Layers
//! - [`sys`]: `socket`, `bind`, `listen`, `accept`, `recvfrom`, `sendmmsg`… with C's names and
//!   argument order, `impl AsFd` in, `OwnedFd` out, flags exactly as given, `EINTR` returned.
//! - [`sys::raw`]: the same calls as `unsafe` functions with C's exact signatures, for everything C
//!   permits (a bad `addrlen`, `shutdown(fd, -1)`, `sa_family = 47`).
//! - `socklab::trace` (feature `trace`, on by default): `SOCKLAB_TRACE=1` (or `socklab --trace`)
//!   logs every `sys` call in strace's format, from inside the process.
//! - [`explain`] and [`inspect`]: learning tools — what an errno means for each socket call
//!   ([`Errno::explain`]), and a socket struct's bytes as C lays them out.
//! - `net` (feature `net`): `socklab serve` / `pingpong` / `stream` as a library — a poll-loop
//!   server and two clients that run socklab's calls across a link.
//! - `measure` (features `compare` or `net`): what both measurements share — the environment
//!   block, the latency histogram and its percentiles, the seeded PRNG.
//! - `parity` (feature `parity`): `socklab parity` as a library — a C program and its port run
//!   under strace with the same traffic, their socket calls normalised and compared.
//! - [`Socket`]: an owning RAII type with the same-named methods, `Read`/`Write`, and conversions
//!   to and from std's socket types. Its conveniences (EINTR retry) are named in its docs.
//!
//! # Features
//! | feature | adds | compiles C |
//! |---|---|---|
//! | (none) | `sys`, `sys::raw`, `Socket`: needs `libc` alone | no |
//! | `trace` (default) | `socklab::trace`, the strace-format call log | no |
//! | `net` | `socklab::net` (serve, pingpong, stream) and `socklab::measure` | no |
//! | `compare` | `socklab::compare` (the harness), `socklab::measure` and `compare::cfloor` (the C floor's FFI) | C only: `c/pingpong.c`, `c/twins.c`, `c/bare.c` |
//! | `plot` | `compare::plot`: a run's ratios as SVG (plotters' SVG backend only); turns on `compare` | as `compare` |
//! | `event` | the event-driven paths of `compare` that need a crate (mio, tokio, io-uring); turns on `compare` | as `compare` |
//! | `experiments` | `socklab::experiments` and `sys::ns` (unshare, capabilities, interface ioctls) | no |
//! | `parity` | `socklab::parity`: two programs under strace with the same traffic, their socket calls compared (needs strace at run time) | no |
//! | `cli` (default) | the `socklab` binary; enables `compare`, `plot`, `event`, `experiments`, `net` and `parity` | as those |
//! | `inline-syscalls` | `sys::raw` issues the syscall instruction inline (Linux x86_64) instead of calling glibc | no |
//!
//! A library user who writes `socklab = { version = "0.1", default-features = false }` (add
//! `features = ["trace"]` for the call log, `"net"` for the clients) builds `libc` and this
//! crate's Rust, and no C compiler runs. No feature needs a C++ compiler. See ARCHITECTURE.md
//! for the layers.
//!
//! # Example
//! ```
//! use socklab::sys::{self, SockAddr, AF_INET, SOCK_STREAM};
//! let server = sys::socket(AF_INET, SOCK_STREAM, 0)?;            // socket(AF_INET, SOCK_STREAM, 0)
//! sys::bind(&server, &SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 0))))?;
//! sys::listen(&server, 3)?;                                      // listen(fd, 3)
//! let client = sys::socket(AF_INET, SOCK_STREAM, 0)?;
//! sys::connect(&client, &sys::getsockname(&server)?)?;
//! let conn = sys::accept(&server, None)?;                        // accept(fd, NULL, NULL)
//! sys::write(&client, b"hello")?;
//! let mut buf = [0u8; 1024];
//! let n = sys::read(&conn, &mut buf[..])?;                       // read(fd, buf, 1024)
//! assert_eq!(&buf[..n], b"hello");
//! # Ok::<(), socklab::Error>(())
//! ```
//!
//! # Hidden defaults
//! What each library does that the C call it wraps does not. socklab's `sys` layer does none of
//! them; the column says where to ask for each explicitly.
//!
//! | behaviour | C | std | socket2 | nix | rustix | socklab `sys` |
//! |---|---|---|---|---|---|---|
//! | `SOCK_CLOEXEC` on new sockets | no | always | `Socket::new` yes, `new_raw` no | only if you pass `SockFlag::SOCK_CLOEXEC` | only if you pass `SocketFlags::CLOEXEC` | no — OR `SOCK_CLOEXEC` into `type` |
//! | accepted fds | `accept` | `accept4(SOCK_CLOEXEC)` | `accept4(SOCK_CLOEXEC)` | `accept(fd, NULL, NULL)` / `accept4(flags)` | `accept(fd, NULL, NULL)` / `accept_with(flags)` | `accept` as called; [`sys::accept4`] for flags |
//! | `SO_REUSEADDR` before bind | no | `TcpListener::bind` sets it | no | no | no | no — [`sys::set_opt`]`(&fd, SoReuseAddr, true)` |
//! | listen backlog | yours | 128 fixed | yours | yours (`Backlog`) | yours | yours |
//! | `SIGPIPE` on send to a closed stream | yes | no: `MSG_NOSIGNAL` on every send | yes on Linux (`SO_NOSIGPIPE` on Apple only) | yes | yes | yes — pass `MSG_NOSIGNAL` |
//! | `EINTR` | returned | retried in `accept` (and `read_exact`/`write_all`) | returned | returned | returned | returned ([`Socket`] retries, documented) |
//! | fd type in the API | `int` | owned types | `Socket` | `RawFd` in some calls (`accept`), `AsFd` in others | `AsFd` | `impl AsFd` in, `OwnedFd` out |
//! | Unix listener backlog | yours | -1 (`SOMAXCONN`) | yours | yours | yours | yours |
//!
//! (Rust programs ignore `SIGPIPE` by default at start-up, so there `write` to a closed peer gives
//! `EPIPE` either way; a C program is killed by it.)
//!
//! # Errors
//! Every call returns [`Error`]: `err.errno()` is the raw value, `err.code()` an [`Errno`] to
//! compare with `Errno::EADDRINUSE`, and `Display` prints the call, its arguments and the errno
//! as strace does: `bind(fd 3, 0.0.0.0:8080): EADDRINUSE (Address already in use)`.
#![deny(missing_docs)]
// `unsafe` only in the modules that opt in (CONVENTIONS.md): `sys`, `compare::cfloor` and
// `compare::paths::uring`. There, every unsafe operation is in its own `unsafe {}` (also inside
// an `unsafe fn`) with a `// SAFETY:` comment: the compiler and clippy check both.
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "compare")]
#[cfg_attr(docsrs, doc(cfg(feature = "compare")))]
pub mod compare;
pub mod endpoint;
#[cfg(feature = "experiments")]
#[cfg_attr(docsrs, doc(cfg(feature = "experiments")))]
pub mod experiments;
pub mod explain;
pub mod inspect;
mod loopback;
#[cfg(any(feature = "compare", feature = "net"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "compare", feature = "net"))))]
pub mod measure;
pub mod nagle;
#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub mod net;
#[cfg(feature = "parity")]
#[cfg_attr(docsrs, doc(cfg(feature = "parity")))]
pub mod parity;
pub mod socket;
#[allow(unsafe_code)]
pub mod sys;
#[cfg(feature = "trace")]
#[cfg_attr(docsrs, doc(cfg(feature = "trace")))]
pub mod trace;

pub use socket::Socket;
pub use sys::{Errno, Error, Result, SockAddr};

/// The README's example, compiled and run as a doctest so it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The imports ARCHITECTURE.md says run one way only ("Who may import whom"): each file (or
/// every file under a folder) names none of the modules it must not import, outside comments
/// and its tests. A circle between modules starts as one of these names.
#[cfg(test)]
mod one_way {
    /// `(file or folder under src/, names it must not use)`.
    const RULES: &[(&str, &[&str])] = &[
        // The formatter is pure: no other part of the tracer, no host lookup.
        (
            "sys/trace/fmt.rs",
            &["trace::", "hook::", "read::", "line::", "if_indextoname("],
        ),
        // `Plain` lives beside `Zeroable`; `opt` re-exports it.
        ("sys/zeroed.rs", &["opt"]),
        // `errno` uses libc, and `fmt`/`names` to display arguments: the resolver's codes
        // (`Eai`) live beside `Errno`, and `netdb` and `refuse` import `errno`.
        ("sys/errno.rs", &["netdb::", "refuse::"]),
        // The scheduler and the executor know nothing of the strace count or the run; the
        // run assembles the phases after the groups and hands the scheduler their seconds.
        ("compare/harness", &["count::", "run::"]),
        ("compare/paths", &["count::", "run::"]),
        (
            "compare/schedule.rs",
            &["count::", "run::", "syscall::", "canary::"],
        ),
        // A saved document writes a comparison but knows nothing of where baselines live.
        ("compare/saved.rs", &["baseline::"]),
        ("compare/comparison.rs", &["baseline::", "saved::"]),
    ];

    /// Whether `code` uses `name` as a word of a path (`super::count::x`, `count::x`), not as
    /// the end of a longer name (`account::`).
    fn names(code: &str, name: &str) -> bool {
        code.match_indices(name).any(|(i, _)| {
            let before = code[..i].chars().next_back();
            let after = code[i + name.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            let ends = name.ends_with(':') || name.ends_with('(') || !ident(after);
            !ident(before) && ends
        })
    }

    fn files(path: &std::path::Path) -> Vec<std::path::PathBuf> {
        if path.is_file() {
            return vec![path.to_owned()];
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path).unwrap() {
            out.extend(files(&entry.unwrap().path()));
        }
        out
    }

    #[test]
    fn imports_run_one_way() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        for (place, banned) in RULES {
            let place = src.join(place);
            if !place.exists() {
                found.push(format!("{} is gone: update the rule", place.display()));
                continue;
            }
            for file in files(&place) {
                let text = std::fs::read_to_string(&file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for (n, line) in code.lines().enumerate() {
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    for name in banned.iter().filter(|b| names(line, b)) {
                        found.push(format!("{}:{}: {name}: {line}", file.display(), n + 1));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "imports that run back:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn a_name_is_a_whole_word() {
        assert!(names("use super::count::estimate_secs;", "count::"));
        assert!(names("count::x", "count::"));
        assert!(!names("let account::x", "count::"));
        assert!(names("use super::{opt, x};", "opt"));
        assert!(!names("let options = 1;", "opt"));
    }
}
