//! getservbyname(3): the services database, read through the reentrant call and checked
//! against the raw (static-storage) twin and against /etc/services itself.

use std::ffi::{CStr, CString};

use socklab::sys::{self, raw};
use socklab::Errno;

use super::common::no_leak;

/// The entries of /etc/services as (name, port, proto), if the file exists.
fn etc_services() -> Option<Vec<(String, u16, String)>> {
    let text = std::fs::read_to_string("/etc/services").ok()?;
    Some(
        text.lines()
            .filter_map(|l| {
                let mut w = l.split('#').next()?.split_whitespace();
                let name = w.next()?.to_owned();
                let (port, proto) = w.next()?.split_once('/')?;
                Some((name, port.parse().ok()?, proto.to_owned()))
            })
            .collect(),
    )
}

fn getservbyname_agrees_with_etc_services_and_the_raw_call_body() {
    let Some(entries) = etc_services() else {
        crate::common::skip("no /etc/services here (CI installs netbase)");
        return;
    };
    let http = entries
        .iter()
        .find(|(n, _, p)| n == "http" && p == "tcp")
        .expect("/etc/services lists http/tcp");
    let s = sys::getservbyname("http", Some("tcp")).unwrap().unwrap();
    assert_eq!(
        (s.name.as_str(), s.port, s.proto.as_str()),
        ("http", http.1, "tcp")
    );
    // The raw twin returns the same entry, port in network byte order.
    let (name, proto) = (CString::new("http").unwrap(), CString::new("tcp").unwrap());
    // SAFETY: both strings are NUL-terminated; this test is the only caller of getservbyname
    // in this binary, and it reads the result before any other call.
    let ent = unsafe { raw::getservbyname(name.as_ptr(), proto.as_ptr()) };
    assert!(!ent.is_null());
    // SAFETY: non-NULL result of getservbyname: a valid servent with NUL-terminated strings.
    let (port, s_name) = unsafe { ((*ent).s_port, CStr::from_ptr((*ent).s_name)) };
    assert_eq!(u16::from_be(port as u16), s.port);
    assert_eq!(s_name.to_str().unwrap(), s.name);
    // An alias finds the entry too (Debian's netbase: "imap2 143/tcp imap").
    if let Some(imap) = sys::getservbyname("imap", Some("tcp")).unwrap() {
        assert_eq!(imap.port, 143);
        assert!(imap.name == "imap" || imap.aliases.iter().any(|a| a == "imap"));
    }
}

fn getservbyname_without_an_entry_or_with_a_nul_body() {
    assert_eq!(
        sys::getservbyname("no-such-service-socklab", Some("tcp")).unwrap(),
        None
    );
    if let Some(s) = sys::getservbyname("domain", None).unwrap() {
        assert_eq!(s.port, 53); // no protocol given: the first entry, tcp or udp
    }
    let err = sys::getservbyname("ht\0tp", Some("tcp")).unwrap_err();
    assert_eq!(err.code(), Errno::EINVAL);
    assert!(err.to_string().starts_with("getservbyname("), "{err}");
}

/// The reentrant call from many threads at once: each gets its own answer (the static-storage
/// getservbyname would race).
fn getservbyname_is_thread_safe_body() {
    let handles: Vec<_> = ["ssh", "smtp", "http", "https"]
        .into_iter()
        .cycle()
        .take(16)
        .map(|n| {
            std::thread::spawn(move || {
                (0..50)
                    .map(|_| sys::getservbyname(n, Some("tcp")).unwrap().map(|s| s.port))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let want = [Some(22), Some(25), Some(80), Some(443)];
    for (i, h) in handles.into_iter().enumerate() {
        let got = h.join().unwrap();
        if got[0].is_some() {
            assert!(got.iter().all(|p| *p == want[i % 4]), "{got:?}");
        }
    }
}

// Under the fd-count lock: the services database is a file, open while a lookup runs, and the
// other tests of this binary count fds.
#[test]
fn getservbyname_agrees_with_etc_services_and_the_raw_call() {
    no_leak(getservbyname_agrees_with_etc_services_and_the_raw_call_body);
}

#[test]
fn getservbyname_without_an_entry_or_with_a_nul() {
    no_leak(getservbyname_without_an_entry_or_with_a_nul_body);
}

#[test]
fn getservbyname_is_thread_safe() {
    no_leak(getservbyname_is_thread_safe_body);
}
