//! Calls socklab refuses before making them: no call's line (the kernel was never asked), but
//! one marked line, `--- socklab refused <the error as it prints> [no syscall made] ---`, so a
//! log explains the error the program got. strace marks what is not a syscall the same way
//! (`--- SIGCHLD {…} ---`), and the strace-line grammar rejects the line as a call.

use std::io::IoSlice;
use std::os::fd::AsRawFd;
use std::time::Duration;

use socklab::sys::{self, CmsgBuffer, Errno, Error, MmsgBatch, SockAddr};
use socklab::sys::{AF_INET, AF_UNIX, MSG_SOCK_DEVMEM, SCM_RIGHTS, SOCK_DGRAM, SOL_SOCKET};
use socklab::trace::capture;

use super::common::no_leak;

#[path = "../common/strace_line.rs"]
mod strace_line;

/// The marked line of `e`, as the log writes it.
pub(super) fn marked(e: &Error) -> String {
    format!("--- socklab refused {e} [no syscall made] ---")
}

/// Runs the refused call `f` under capture: it fails with `code`, and its one line is the
/// marked line of its error, which no strace-line reader takes for a call.
#[track_caller]
fn refused<T: std::fmt::Debug>(code: Errno, f: impl FnOnce() -> sys::Result<T>) -> String {
    let (r, lines) = capture(f);
    let e = r.unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(lines, [marked(&e)]);
    let line = &lines[0];
    assert!(socklab::trace::is_refusal(line), "{line}");
    assert!(strace_line::parse(line).is_err(), "read as a call: {line}");
    line.clone()
}

/// Raw `SCM_RIGHTS` bytes in the safe `sendmsg` (the port: its EINVAL had no line), and
/// the same message pushed into a `CmsgBuffer` as bytes, which vouches for no fd.
#[test]
fn scm_rights_in_raw_bytes() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let fd = a.as_raw_fd();
        let mut cmsg = vec![0u8; sys::cmsg_space(4)];
        cmsg[..8].copy_from_slice(&sys::cmsg_len(4).to_ne_bytes());
        cmsg[8..12].copy_from_slice(&SOL_SOCKET.to_ne_bytes());
        cmsg[12..16].copy_from_slice(&SCM_RIGHTS.to_ne_bytes());
        cmsg[16..20].copy_from_slice(&fd.to_ne_bytes());
        let iov = [IoSlice::new(b"x")];
        let line = refused(Errno::EINVAL, || {
            sys::sendmsg(&a, None, &iov, Some(&cmsg), 0)
        });
        assert_eq!(
            line,
            format!(
                "--- socklab refused sendmsg(fd {fd}, {{msg_name=NULL, msg_iovlen=1 (1 bytes), \
                 msg_controllen=24}}, 0): EINVAL (Invalid argument): SCM_RIGHTS in raw control \
                 bytes: pass fds with CmsgBuffer::push_fds and sendmsg_cmsg, or use the unsafe \
                 sendmsg_unchecked [no syscall made] ---"
            )
        );
        let mut out = CmsgBuffer::new();
        out.push(SOL_SOCKET, SCM_RIGHTS, &fd.to_ne_bytes());
        let line = refused(Errno::EINVAL, || sys::sendmsg_cmsg(&a, None, &iov, &out, 0));
        assert!(line.starts_with(&format!("--- socklab refused sendmsg(fd {fd}, ")));
    })
}

/// One refusal of each kind socklab makes before a call: the flags, counts, sets, lengths and
/// strings it will not pass on. Each logs its marked line and nothing else.
#[test]
fn every_kind_of_refusal_logs_its_marked_line() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let line = refused(Errno::EINVAL, || {
            sys::recv(&b, &mut [0u8; 8][..], MSG_SOCK_DEVMEM)
        });
        assert!(line.contains("MSG_SOCK_DEVMEM"), "{line}");
        refused(Errno::EINVAL, || sys::select(2000, None, None, None, None));
        let mut batch = MmsgBatch::new(2, 8);
        refused(Errno::EINVAL, || sys::sendmmsg(&a, &mut batch, 3, 0));
        refused(Errno::EMSGSIZE, || batch.set(0, &[0; 9], None));
        refused(Errno::EINVAL, || {
            sys::set_opt(&a, sys::opt::SoRcvTimeo, Some(Duration::ZERO))
        });
        let long = "/tmp/".to_string() + &"x".repeat(200);
        refused(Errno::ENAMETOOLONG, || SockAddr::unix(&long));
        refused(Errno::EINVAL, || sys::inet_ntop(AF_INET, &[127, 0, 0]));
        refused(Errno::EAFNOSUPPORT, || sys::inet_pton(12345, "1.2.3.4"));
        refused(Errno::EINVAL, || sys::getaddrinfo(Some("a\0b"), None, None));
        // A successful call still logs its own line, and only it.
        let (r, lines) = capture(|| sys::send(&a, b"ok", 0));
        assert_eq!(r.unwrap(), 2);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("sendto("), "{lines:?}");
    })
}

/// A refusal made while this thread is inside the hook (a signal handler's, or under
/// `trace::untraced`) logs nothing, as a nested call does: no lock, no line.
#[test]
fn a_refusal_inside_the_hook_logs_nothing() {
    no_leak(|| {
        let (r, lines) =
            capture(|| socklab::trace::untraced(|| sys::select(2000, None, None, None, None)));
        assert_eq!(r.unwrap_err().code(), Errno::EINVAL);
        assert_eq!(lines, Vec::<String>::new());
    })
}

/// `is_refusal` tells the marked lines from strace's and socklab's call lines and from
/// strace's own `--- SIGNAL … ---` and `+++ … +++` lines, with or without strace -f's prefix.
#[test]
fn marked_lines_are_told_apart() {
    use socklab::trace::is_refusal;
    let e = sys::select(2000, None, None, None, None).unwrap_err();
    let line = marked(&e);
    assert!(is_refusal(&line));
    assert!(is_refusal(&format!("[pid  4242] {line}")));
    for other in [
        "select(2000, NULL, NULL, NULL, NULL) = -1 EINVAL (Invalid argument)",
        "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=11, si_uid=0} ---",
        "+++ exited with 0 +++",
        "[pid  4242] close(3) = 0",
        "--- socklab refused",
    ] {
        assert!(!is_refusal(other), "{other}");
    }
}
