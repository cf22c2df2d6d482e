//! The strace-equality test: the tour runs in a child process under `strace -f`, with
//! `SOCKLAB_TRACE=<file>`; every line socklab logged must equal strace's line for the same call.
//!
//! Both logs come from the same process run, so fds and pointers are the same numbers: lines are
//! compared as text, with no renumbering. The strace log is filtered in two documented ways only:
//! - it is cut to the tour: from the `write(-1, "socklab-trace-tour-begin", …)` marker to the
//!   `…-end` marker (both made through socklab, so both logs hold them), which drops the loader,
//!   the Rust runtime and libtest;
//! - inside the tour, the `write(N, …)` calls to the trace file itself are dropped (N is the fd of
//!   that file, read from strace's `openat` line for its path).
//!
//! and normalized in one: strace pads the call to a column before ` = `; that padding is removed.
//! socklab's log is filtered in one way: its marked lines (`--- socklab refused … ---`, a call
//! refused before the syscall, `trace::is_refusal`) are set aside, since strace has nothing for
//! them; the live test makes one and checks it is there.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::common::no_leak;
use super::tour::{BEGIN, CHILD_ENV, END};

/// The calls strace records: the tour's plus `openat` (to find the trace file's fd).
const TRACE_SET: &str = "trace=%network,read,write,close,poll,fcntl,openat";

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// strace's line with its `PID ` prefix and its alignment padding before ` = ` removed.
fn normalize(line: &str) -> String {
    let line = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    // The result follows the rightmost ")<spaces>= " whose tail starts like a return value.
    let bytes = line.as_bytes();
    for (i, _) in line
        .match_indices("= ")
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let mut j = i;
        while j > 0 && bytes[j - 1] == b' ' {
            j -= 1;
        }
        let tail = &line[i + 2..];
        let looks_like_ret = tail.starts_with(|c: char| c.is_ascii_digit() || c == '-');
        if j < i && j > 0 && bytes[j - 1] == b')' && looks_like_ret {
            return format!("{} = {tail}", &line[..j]);
        }
    }
    line.to_string()
}

/// The tour's lines from strace's log (see the module doc for the filter).
fn tour_lines(strace_log: &str, trace_file: &Path) -> Vec<String> {
    let lines: Vec<String> = strace_log.lines().map(normalize).collect();
    let open = format!("\"{}\"", trace_file.display());
    let trace_fd = lines
        .iter()
        .find(|l| l.starts_with("openat(") && l.contains(&open))
        .and_then(|l| l.rsplit(" = ").next()?.parse::<i32>().ok())
        .unwrap_or_else(|| panic!("no openat of {open} in the strace log"));
    let begin = format!("write(-1, \"{BEGIN}\"");
    let end = format!("write(-1, \"{END}\"");
    let start = lines
        .iter()
        .position(|l| l.starts_with(&begin))
        .expect("begin marker in the strace log");
    let stop = lines
        .iter()
        .position(|l| l.starts_with(&end))
        .expect("end marker in the strace log");
    let own_write = format!("write({trace_fd}, ");
    lines[start..=stop]
        .iter()
        .filter(|l| !l.starts_with(&own_write))
        .cloned()
        .collect()
}

/// Whether strace runs here. Without it the test `name` fails with the fix, unless
/// `SOCKLAB_SKIP_STRACE=1`, which skips it (saying so): then this returns false.
#[track_caller]
pub fn strace_available(name: &str) -> bool {
    if no_leak(|| Command::new("strace").arg("-V").output()).is_ok_and(|o| o.status.success()) {
        return true;
    }
    if std::env::var_os("SOCKLAB_SKIP_STRACE").is_some_and(|v| v == "1") {
        super::common::skip(format_args!(
            "{name}: strace is not installed (SOCKLAB_SKIP_STRACE=1)"
        ));
        return false;
    }
    panic!(
        "strace is not installed: install it (apt-get install strace), or set \
         SOCKLAB_SKIP_STRACE=1 to skip this test"
    );
}

#[test]
fn normalize_strips_pid_and_padding() {
    assert_eq!(
        normalize("1234  close(3)                = 0"),
        "close(3) = 0"
    );
    assert_eq!(
        normalize("77 read(3, \"a = 1\", 9) = -1 EAGAIN (Resource temporarily unavailable)"),
        "read(3, \"a = 1\", 9) = -1 EAGAIN (Resource temporarily unavailable)"
    );
}

#[test]
fn tour_matches_strace() {
    if !strace_available("tour_matches_strace") {
        return;
    }
    // The whole test holds the fd-count lock: spawning opens pipes, and reading the logs and
    // removing the scratch directory open files, which the other tests would count as leaks.
    let _fds = super::common::fd_lock();
    let dir = std::env::temp_dir().join(format!("socklab-trace-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scratch = Scratch(dir);
    let (strace_out, trace_out) = (scratch.0.join("strace.log"), scratch.0.join("socklab.log"));

    let exe = std::env::current_exe().unwrap();
    let out = super::common::fd_count_unchanged(|| {
        Command::new("strace")
            .args(["-f", "-qq", "-e", TRACE_SET, "-e", "signal=none", "-o"])
            .arg(&strace_out)
            .arg(&exe)
            .args([
                "tour::child",
                "--exact",
                "--ignored",
                "--test-threads=1",
                "--quiet",
            ])
            .env(CHILD_ENV, &scratch.0)
            .env("SOCKLAB_TRACE", &trace_out)
            .output()
    })
    .expect("run strace");
    assert!(
        out.status.success(),
        "the tour failed under strace ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let ours: Vec<String> = std::fs::read_to_string(&trace_out)
        .expect("socklab's trace file")
        .lines()
        .filter(|l| !socklab::trace::is_refusal(l))
        .map(str::to_string)
        .collect();
    let theirs = tour_lines(&std::fs::read_to_string(&strace_out).unwrap(), &trace_out);
    assert!(ours.len() > 100, "only {} socklab lines", ours.len());
    for (i, (s, o)) in theirs.iter().zip(&ours).enumerate() {
        assert_eq!(o, s, "line {i} differs (left: socklab, right: strace)");
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "socklab logged {} lines, strace {} (extra: {:?})",
        ours.len(),
        theirs.len(),
        if ours.len() > theirs.len() {
            &ours[theirs.len()..]
        } else {
            &theirs[ours.len()..]
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Calls the tour does not make, against a live strace: control messages, select, epoll, poll,
// the int ioctls and chosen address capacities.
// ---------------------------------------------------------------------------------------------

/// Set (to a scratch dir) in the child process run under strace.
const LIVE_ENV: &str = "SOCKLAB_TEST_LIVE_DIR";

/// What strace records for [`live_child`], plus openat to find the trace file's fd.
const LIVE_SET: &str = "trace=%network,read,write,close,pselect6,poll,epoll_create1,epoll_ctl,\
     epoll_wait,epoll_pwait,ioctl,openat";

/// The calls whose log lines the live test compares with strace: SCM_RIGHTS and
/// SCM_CREDENTIALS received on a Unix socket, IP_PKTINFO/IP_TTL/IP_TOS on UDP, select (as
/// pselect6), epoll, poll with a -1 slot, the int ioctls, and `[16]` address capacities.
#[test]
#[ignore = "run in a child process by strace::live_lines_match_strace"]
fn live_child() {
    if std::env::var_os(LIVE_ENV).is_none() {
        return;
    }
    use socklab::sys::{self, AddrLen, CmsgBuffer, EpollEvent, FdSet, PollSet, SockAddr};
    use socklab::sys::{AF_INET, AF_UNIX, EPOLLET, EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD};
    use socklab::sys::{EPOLL_CTL_DEL, FIONREAD, POLLIN, SIOCOUTQ, SOCK_DGRAM};
    use socklab::sys::{IPPROTO_IP, IP_PKTINFO, IP_RECVTOS, IP_RECVTTL, IP_TOS};
    use std::io::{IoSlice, IoSliceMut};
    use std::net::SocketAddr;
    use std::os::fd::AsFd;

    use super::capture::n;

    // SCM_RIGHTS + SCM_CREDENTIALS.
    let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    sys::set_opt(&b, sys::opt::SoPassCred, true).unwrap();
    let (x, _y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let mut out = CmsgBuffer::new();
    out.push_fds(&[x.as_fd()]);
    sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"fd")], &out, 0).unwrap();
    let mut cbuf = CmsgBuffer::with_capacity(128);
    let mut data = [0u8; 8];
    sys::recvmsg(&b, &mut [IoSliceMut::new(&mut data)], Some(&mut cbuf), 0).unwrap();
    for fd in cbuf.take_fds() {
        sys::close(fd).unwrap(); // through sys, so logged (a drop closes without a log line)
    }
    // Refused before the call (raw SCM_RIGHTS bytes): a marked line in socklab's log, nothing in
    // strace's, and the comparison skips it.
    let mut raw_rights = vec![0u8; sys::cmsg_space(4)];
    raw_rights[..8].copy_from_slice(&sys::cmsg_len(4).to_ne_bytes());
    raw_rights[8..12].copy_from_slice(&sys::SOL_SOCKET.to_ne_bytes());
    raw_rights[12..16].copy_from_slice(&sys::SCM_RIGHTS.to_ne_bytes());
    raw_rights[16..20].copy_from_slice(&n(&x).to_ne_bytes());
    let e = sys::sendmsg(&a, None, &[IoSlice::new(b"fd")], Some(&raw_rights), 0).unwrap_err();
    assert_eq!(e.code(), sys::Errno::EINVAL);

    // IP_PKTINFO, IP_TTL, IP_TOS on UDP over loopback, into an IPv4-sized name.
    let u = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    sys::bind(&u, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
    for (opt, v) in [
        (IP_PKTINFO, 1),
        (IP_RECVTTL, 1),
        (IP_RECVTOS, 1),
        (IP_TOS, 0x10),
    ] {
        // SAFETY: each of these IPPROTO_IP options takes an int: the kernel reads 4 bytes and
        // follows no pointer.
        unsafe { sys::setsockopt_plain(&u, IPPROTO_IP, opt, &v) }.unwrap();
    }
    let me = sys::getsockname(&u).unwrap();
    sys::sendto(&u, b"udp", 0, &me).unwrap();
    let mut name = SockAddr::with_capacity(AddrLen::INET);
    let mut cbuf = CmsgBuffer::with_capacity(128);
    let mut iov = [IoSliceMut::new(&mut data)];
    sys::recvmsg_into(&u, Some(&mut name), &mut iov, Some(&mut cbuf), 0).unwrap();

    // select, epoll, poll, ioctl.
    sys::write(&a, b"s").unwrap();
    let mut r = FdSet::new();
    r.insert(b.as_fd()).unwrap();
    sys::select(n(&b) + 1, Some(&mut r), None, None, None).unwrap();
    let ep = sys::epoll_create1(EPOLL_CLOEXEC).unwrap();
    let mut ev = EpollEvent::new((EPOLLIN | EPOLLET) as u32, n(&b) as u64);
    sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &b, Some(&mut ev)).unwrap();
    let mut evs = [EpollEvent::empty(); 4];
    sys::epoll_wait(&ep, &mut evs, -1).unwrap();
    sys::epoll_pwait(&ep, &mut evs, 0, None).unwrap();
    sys::epoll_ctl(&ep, EPOLL_CTL_DEL, &b, None).unwrap();
    let mut p = PollSet::new();
    p.push(b.as_fd(), POLLIN);
    p.push_empty(POLLIN);
    sys::poll(&mut p, 0).unwrap();
    sys::ioctl(&b, FIONREAD).unwrap();
    sys::ioctl(&a, SIOCOUTQ).unwrap();
    sys::recvfrom_into(&u, &mut [0u8; 4], sys::MSG_DONTWAIT, &mut name).unwrap_err();
}

/// One strace line: the tid, and the call with strace's padding before ` = ` removed.
fn tid_and_call(line: &str) -> Option<(String, String)> {
    let (tid, rest) = line.split_once(' ')?;
    let rest = rest.trim_start();
    let at = rest.rfind(" = ")?;
    let head = rest[..at].trim_end();
    Some((tid.to_string(), format!("{head}{}", &rest[at..])))
}

#[test]
fn live_lines_match_strace() {
    if !strace_available("live_lines_match_strace") {
        return;
    }
    // The whole test holds the fd-count lock: spawning opens pipes, and reading the logs and
    // removing the scratch directory open files, which the other tests would count as leaks.
    let _fds = super::common::fd_lock();
    let dir = std::env::temp_dir().join(format!("socklab-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (slog, tlog) = (dir.join("strace.log"), dir.join("socklab.log"));
    let out = super::common::fd_count_unchanged(|| {
        Command::new("strace")
            .args(["-f", "-qq", "-e", LIVE_SET, "-e", "signal=none", "-o"])
            .arg(&slog)
            .arg(std::env::current_exe().unwrap())
            .args([
                "strace::live_child",
                "--exact",
                "--ignored",
                "--test-threads=1",
                "--quiet",
            ])
            .env(LIVE_ENV, &dir)
            .env("SOCKLAB_TRACE", &tlog)
            .output()
    })
    .expect("run strace");
    let strace_text = std::fs::read_to_string(&slog).unwrap();
    // socklab's marked lines (a call refused before the syscall) have no strace line: set
    // aside, and checked to be there.
    let (refusals, ours): (Vec<String>, Vec<String>) = std::fs::read_to_string(&tlog)
        .unwrap()
        .lines()
        .map(String::from)
        .partition(|l| socklab::trace::is_refusal(l));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // strace's lines of the thread that made socklab's first call, from it to socklab's last,
    // without the writes to the trace file: must be socklab's lines, one for one.
    let lines: Vec<(String, String)> = strace_text.lines().filter_map(tid_and_call).collect();
    let trace_fd = lines
        .iter()
        .find(|(_, l)| l.starts_with("openat(") && l.contains("socklab.log"))
        .and_then(|(_, l)| l.rsplit(" = ").next()?.parse::<i32>().ok())
        .expect("the trace file's openat");
    let start = lines
        .iter()
        .position(|(_, l)| *l == ours[0])
        .expect("first line in strace");
    let tid = lines[start].0.clone();
    // Set aside too: the log's own if_indextoname(3) (decoding `ipi_ifindex`), which glibc makes
    // as socket(AF_UNIX)/ioctl(SIOCGIFNAME)/close on a scratch socket.
    let mut theirs: Vec<&String> = Vec::new();
    let mut scratch = None;
    for (t, l) in &lines[start..] {
        if *t != tid || l.starts_with(&format!("write({trace_fd}, ")) {
            continue;
        }
        if l.starts_with("socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0) = ") && !ours.contains(l) {
            scratch = l.rsplit(" = ").next().map(str::to_owned);
            continue;
        }
        if let Some(fd) = &scratch {
            if l.starts_with(&format!("ioctl({fd}, SIOCGIFNAME, ")) {
                continue;
            }
            if *l == format!("close({fd}) = 0") {
                scratch = None;
                continue;
            }
        }
        theirs.push(l);
        if theirs.len() == ours.len() {
            break;
        }
    }
    let ours: Vec<&String> = ours.iter().collect();
    assert_eq!(theirs, ours, "strace (left) vs SOCKLAB_TRACE (right)");
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(
        refusals[0].starts_with("--- socklab refused sendmsg(fd ")
            && refusals[0].contains("SCM_RIGHTS in raw control bytes"),
        "{refusals:?}"
    );
    let joined: String = ours
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "cmsg_type=SCM_RIGHTS, cmsg_data=[",
        "cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=",
        "cmsg_type=IP_PKTINFO, cmsg_data={ipi_ifindex=if_nametoindex(\"lo\")",
        "cmsg_data=[0x10]",
        "pselect6(",
        "epoll_wait(",
        "{fd=-1}",
        "FIONREAD",
        ", [16]",
    ] {
        assert!(joined.contains(needle), "no {needle:?} in {joined}");
    }
}
