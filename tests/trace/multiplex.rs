//! The log lines of issue 10's calls, in strace 6.1's notation (each format checked against a
//! live strace on a C program making the same call): exact address capacities (`[16]`),
//! `msg_name=NULL`, select as pselect6 with fd_sets, epoll events, int ioctls, poll's `{fd=-1}`.

use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::os::fd::AsFd;

use socklab::sys::signal::{SigSet, SIGUSR2};
use socklab::sys::{self, AddrLen, EpollEvent, FdSet, PollSet, RawPollFd, SockAddr};
use socklab::sys::{AF_INET, AF_UNIX, EPOLLET, EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD};
use socklab::sys::{EPOLL_CTL_DEL, FIONREAD, POLLIN, SIOCOUTQ, SOCK_DGRAM, SOCK_STREAM};

use super::capture::{n, one};
use super::common::no_leak;

#[test]
fn chosen_capacities_show_as_c_shows_them() {
    no_leak(|| {
        let lo = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)));
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &lo).unwrap();
        let me = sys::getsockname(&fd).unwrap();
        let port = me.as_socket().unwrap().port();
        let decoded = format!(
            "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"127.0.0.1\")}}"
        );
        let mut a = SockAddr::with_capacity(AddrLen::INET);
        let ((), line) = one(|| sys::getsockname_into(&fd, &mut a).unwrap());
        assert_eq!(
            line,
            format!("getsockname({}, {decoded}, [16]) = 0", n(&fd))
        );
        let (_, line) = one(|| sys::getsockname(&fd).unwrap());
        assert_eq!(
            line,
            format!("getsockname({}, {decoded}, [128 => 16]) = 0", n(&fd))
        );
        sys::sendto(&fd, b"hi", 0, &me).unwrap();
        let mut from = SockAddr::with_capacity(AddrLen::INET);
        let (_, line) = one(|| sys::recvfrom_into(&fd, &mut [0u8; 8], 0, &mut from).unwrap());
        assert_eq!(
            line,
            format!("recvfrom({}, \"hi\", 8, 0, {decoded}, [16]) = 2", n(&fd))
        );
        sys::sendto(&fd, b"yo", 0, &me).unwrap();
        let mut d = [0u8; 4];
        let (_, line) =
            one(|| sys::recvmsg_into(&fd, None, &mut [IoSliceMut::new(&mut d)], None, 0).unwrap());
        assert_eq!(
            line,
            format!(
                "recvmsg({}, {{msg_name=NULL, msg_namelen=0, msg_iov=[{{iov_base=\"yo\", iov_len=4}}], msg_iovlen=1, msg_controllen=0, msg_flags=0}}, 0) = 2",
                n(&fd)
            )
        );
    })
}

#[test]
fn select_is_logged_as_pselect6() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::write(&a, b"x").unwrap();
        let mut r = FdSet::new();
        r.insert(a.as_fd()).unwrap();
        r.insert(b.as_fd()).unwrap();
        let nfds = n(&b) + 1;
        let (_, line) = one(|| sys::select(nfds, Some(&mut r), None, None, None).unwrap());
        assert_eq!(
            line,
            format!(
                "pselect6({nfds}, [{} {}], NULL, NULL, NULL, NULL) = 1 (in [{}])",
                n(&a),
                n(&b),
                n(&b)
            )
        );
        let mut r = FdSet::new();
        r.insert(a.as_fd()).unwrap();
        let ts = sys::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let (_, line) = one(|| sys::pselect(n(&a) + 1, Some(&mut r), None, None, Some(&ts), None));
        assert_eq!(
            line,
            format!(
                "pselect6({}, [{}], NULL, NULL, {{tv_sec=0, tv_nsec=0}}, {{sigmask=NULL, sigsetsize=8}}) = 0 (Timeout)",
                n(&a) + 1,
                n(&a)
            )
        );
        // A mask built in safe code, decoded as strace does.
        let mask = SigSet::of(&[SIGUSR2]).unwrap();
        let mut r = FdSet::new();
        r.insert(a.as_fd()).unwrap();
        let ts = &ts;
        let (_, line) =
            one(|| sys::pselect(n(&a) + 1, Some(&mut r), None, None, Some(ts), Some(&mask)));
        assert_eq!(
            line,
            format!(
                "pselect6({}, [{}], NULL, NULL, {{tv_sec=0, tv_nsec=0}}, {{sigmask=[USR2], sigsetsize=8}}) = 0 (Timeout)",
                n(&a) + 1,
                n(&a)
            )
        );
    })
}

#[test]
fn epoll_ioctl_and_poll_skip_slots() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let (ep, line) = one(|| sys::epoll_create1(EPOLL_CLOEXEC).unwrap());
        assert_eq!(line, format!("epoll_create1(EPOLL_CLOEXEC) = {}", n(&ep)));
        let (e, fb) = (n(&ep), n(&b));
        let mut ev = EpollEvent::new((EPOLLIN | EPOLLET) as u32, fb as u64);
        let (_, line) = one(|| sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &b, Some(&mut ev)).unwrap());
        let data = format!("data={{u32={fb}, u64={fb}}}");
        assert_eq!(
            line,
            format!("epoll_ctl({e}, EPOLL_CTL_ADD, {fb}, {{events=EPOLLIN|EPOLLET, {data}}}) = 0")
        );
        sys::write(&a, b"x").unwrap();
        let mut evs = [EpollEvent::empty(); 4];
        let (_, line) = one(|| sys::epoll_wait(&ep, &mut evs, -1).unwrap());
        assert_eq!(
            line,
            format!("epoll_wait({e}, [{{events=EPOLLIN, {data}}}], 4, -1) = 1")
        );
        let (_, line) = one(|| sys::epoll_pwait(&ep, &mut evs, 0, None).unwrap());
        assert_eq!(line, format!("epoll_pwait({e}, [], 4, 0, NULL, 8) = 0"));
        let (_, line) = one(|| sys::epoll_ctl(&ep, EPOLL_CTL_DEL, &b, None).unwrap());
        assert_eq!(
            line,
            format!("epoll_ctl({e}, EPOLL_CTL_DEL, {fb}, NULL) = 0")
        );
        let (_, line) = one(|| sys::ioctl(&b, FIONREAD).unwrap());
        assert_eq!(line, format!("ioctl({fb}, FIONREAD, [1]) = 0"));
        let (_, line) = one(|| sys::ioctl(&b, SIOCOUTQ).unwrap());
        assert_eq!(line, format!("ioctl({fb}, TIOCOUTQ, [0]) = 0"));
        let (_, line) = one(|| sys::sockatmark(&b).unwrap());
        assert_eq!(line, format!("ioctl({fb}, SIOCATMARK, [0]) = 0"));
        // SAFETY: `b` outlives `p` and the poll.
        let mut p = [
            unsafe { RawPollFd::new(fb, POLLIN) },
            RawPollFd::empty(POLLIN),
        ];
        let (_, line) = one(|| sys::poll(&mut p, 0).unwrap());
        let want = format!(
            "poll([{{fd={fb}, events=POLLIN}}, {{fd=-1}}], 2, 0) = 1 ([{{fd={fb}, revents=POLLIN}}])"
        );
        assert_eq!(line, want);
        // The set that holds its fds passes the same array.
        let mut set = PollSet::new();
        set.push(b.as_fd(), POLLIN);
        set.push_empty(POLLIN);
        let (_, line) = one(|| sys::poll(&mut set, 0).unwrap());
        assert_eq!(line, want);
    })
}

// ---------------------------------------------------------------------------------------------
// The same calls against a live strace: control messages, select, epoll, poll, ioctl.
// ---------------------------------------------------------------------------------------------

/// Set (to a scratch dir) in the child process run under strace.
const LIVE_ENV: &str = "SOCKLAB_ISSUE10_LIVE_DIR";

/// What strace records for [`live_child`], plus openat to find the trace file's fd.
const LIVE_SET: &str = "trace=%network,read,write,close,pselect6,poll,epoll_create1,epoll_ctl,\
     epoll_wait,epoll_pwait,ioctl,openat";

/// The calls whose log lines the live test compares with strace: SCM_RIGHTS and
/// SCM_CREDENTIALS received on a Unix socket, IP_PKTINFO/IP_TTL/IP_TOS on UDP, select (as
/// pselect6), epoll, poll with a -1 slot, the int ioctls, and `[16]` address capacities.
#[test]
#[ignore = "run in a child process by issue10::live_lines_match_strace"]
fn live_child() {
    if std::env::var_os(LIVE_ENV).is_none() {
        return;
    }
    use socklab::sys::{CmsgBuffer, IPPROTO_IP, IP_PKTINFO, IP_RECVTOS, IP_RECVTTL, IP_TOS};
    use std::io::IoSlice;
    use std::os::fd::AsFd;

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
    use std::process::Command;
    if !super::strace::strace_available("live_lines_match_strace") {
        return;
    }
    // The whole test holds the fd-count lock: spawning opens pipes, and reading the logs and
    // removing the scratch directory open files, which the other tests would count as leaks.
    let _fds = super::common::fd_lock();
    let dir = std::env::temp_dir().join(format!("socklab-issue10-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (slog, tlog) = (dir.join("strace.log"), dir.join("socklab.log"));
    let out = super::common::fd_count_unchanged(|| {
        Command::new("strace")
            .args(["-f", "-qq", "-e", LIVE_SET, "-e", "signal=none", "-o"])
            .arg(&slog)
            .arg(std::env::current_exe().unwrap())
            .args([
                "issue10::live_child",
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
    let ours: Vec<String> = std::fs::read_to_string(&tlog)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
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

/// Set in the child process of [`threads_get_strace_f_prefixes`].
const PID_ENV: &str = "SOCKLAB_ISSUE10_PID_CHILD";

#[test]
#[ignore = "run in a child process by issue10::threads_get_strace_f_prefixes"]
fn pid_child() {
    if std::env::var_os(PID_ENV).is_none() {
        return;
    }
    // A socket from a second thread, which prints its tid on stdout for the parent to check.
    let t = std::thread::spawn(|| {
        // SAFETY: gettid(2) takes no arguments and cannot fail.
        println!("tid {}", unsafe { libc::gettid() });
        drop(sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap());
    });
    t.join().unwrap();
}

/// With `SOCKLAB_TRACE=1` the log goes to stderr; a thread other than the main one gets
/// strace -f's `[pid N] ` prefix (N = its tid, `%5u`).
#[test]
fn threads_get_strace_f_prefixes() {
    let out = no_leak(|| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "issue10::pid_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--quiet",
            ])
            .env(PID_ENV, "1")
            .env("SOCKLAB_TRACE", "1")
            .output()
    })
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tid: u32 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tid ")?.trim().parse().ok())
        .expect("the child's tid");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!("[pid {tid:>5}] socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = ");
    assert!(
        stderr.lines().any(|l| l.starts_with(&want)),
        "no {want:?} in {stderr}"
    );
}

/// A capacity shorter than the kernel's address: the line shows C's `[18 => 43]` (the kernel's
/// length after the room offered), and a call refusing the cut address makes no syscall, so it
/// logs no line.
#[test]
fn a_truncated_address_logs_the_kernels_length_and_its_refusal_no_call() {
    no_leak(|| {
        let mut name = super::common::abstract_name("cut-trace");
        name.resize(40, b'z');
        let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &SockAddr::unix_abstract(&name).unwrap()).unwrap();
        let mut a = SockAddr::with_capacity(AddrLen::new(18).unwrap());
        let ((), line) = one(|| sys::getsockname_into(&fd, &mut a).unwrap());
        let shown = String::from_utf8(name[..15].to_vec()).unwrap();
        assert_eq!(
            line,
            format!(
                "getsockname({}, {{sa_family=AF_UNIX, sun_path=@\"{shown}\"}}, [18 => 43]) = 0",
                n(&fd)
            )
        );
        let (r, lines) = socklab::trace::capture(|| sys::connect(&fd, &a));
        assert_eq!(r.unwrap_err().code(), sys::Errno::EINVAL);
        assert_eq!(lines, Vec::<String>::new());
    })
}
