//! Name resolution (netdb.h): getaddrinfo(3) into an owning [`AddrInfoList`] freed by
//! freeaddrinfo(3) on drop, getnameinfo(3), gai_strerror(3), and the `EAI_*` codes as [`Eai`]
//! (defined beside [`Errno`] in `sys::errno`, since an [`Error`] carries one).

use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int};
use std::ptr;

use libc::socklen_t;

use super::{raw, Eai, Errno, Error, Result, SockAddr};

/// `gai_strerror(errcode)` — gai_strerror(3): the message for an `EAI_*` code.
///
/// # Example
/// ```
/// use socklab::sys::{gai_strerror, EAI_NONAME};
/// assert_eq!(gai_strerror(EAI_NONAME), "Name or service not known");
/// ```
#[doc = man_links!(gai_strerror(3))]
pub fn gai_strerror(errcode: c_int) -> String {
    Eai::from_raw(errcode).description()
}

/// C's `struct addrinfo hints`: the four fields a caller sets (after `memset(&hints, 0, …)`,
/// which `Default` is). The pointer fields are always NULL, as getaddrinfo(3) requires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddrInfoHints {
    /// `ai_flags`: `AI_PASSIVE`, `AI_CANONNAME`, `AI_NUMERICHOST`, `AI_NUMERICSERV`…
    pub ai_flags: c_int,
    /// `ai_family`: `AF_UNSPEC`, `AF_INET`, `AF_INET6`.
    pub ai_family: c_int,
    /// `ai_socktype`: `SOCK_STREAM`, `SOCK_DGRAM`, or 0 for any.
    pub ai_socktype: c_int,
    /// `ai_protocol`: 0 for any.
    pub ai_protocol: c_int,
}

/// The list getaddrinfo(3) returned: owns it and calls freeaddrinfo(3) on drop (or in
/// [`freeaddrinfo`]). Iterate it as C walks `p = p->ai_next`.
pub struct AddrInfoList {
    head: *mut libc::addrinfo,
}

impl AddrInfoList {
    /// The entries in the resolver's order (C's `for (p = res; p != NULL; p = p->ai_next)`).
    pub fn iter(&self) -> AddrInfoIter<'_> {
        AddrInfoIter {
            next: self.head,
            _list: PhantomData,
        }
    }
}

impl Drop for AddrInfoList {
    fn drop(&mut self) {
        if !self.head.is_null() {
            // SAFETY: `head` came from a successful getaddrinfo and is freed only here (the list
            // is not Clone; `freeaddrinfo` consumes it and lands here too).
            unsafe { raw::freeaddrinfo(self.head) }
        }
    }
}

impl fmt::Debug for AddrInfoList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a AddrInfoList {
    type Item = AddrInfo<'a>;
    type IntoIter = AddrInfoIter<'a>;
    fn into_iter(self) -> AddrInfoIter<'a> {
        self.iter()
    }
}

/// The iterator of [`AddrInfoList::iter`]: follows `ai_next`.
pub struct AddrInfoIter<'a> {
    next: *const libc::addrinfo,
    _list: PhantomData<&'a AddrInfoList>,
}

impl<'a> Iterator for AddrInfoIter<'a> {
    type Item = AddrInfo<'a>;
    fn next(&mut self) -> Option<AddrInfo<'a>> {
        // SAFETY: `next` is NULL or a node of the list getaddrinfo built, which lives as long as
        // the borrowed AddrInfoList ('a) and is never written after getaddrinfo returned.
        let ai = unsafe { self.next.as_ref() }?;
        self.next = ai.ai_next;
        Some(AddrInfo { ai })
    }
}

/// One `struct addrinfo` of the list, read through accessors named like its fields.
#[derive(Clone, Copy)]
pub struct AddrInfo<'a> {
    ai: &'a libc::addrinfo,
}

impl<'a> AddrInfo<'a> {
    /// `ai_flags`.
    pub fn ai_flags(&self) -> c_int {
        self.ai.ai_flags
    }

    /// `ai_family`: pass to socket(2) as its domain.
    pub fn ai_family(&self) -> c_int {
        self.ai.ai_family
    }

    /// `ai_socktype`: pass to socket(2) as its type.
    pub fn ai_socktype(&self) -> c_int {
        self.ai.ai_socktype
    }

    /// `ai_protocol`: pass to socket(2) as its protocol (`IPPROTO_TCP` for a stream, where a
    /// hand-written `0` gives strace's `IPPROTO_IP`).
    pub fn ai_protocol(&self) -> c_int {
        self.ai.ai_protocol
    }

    /// `ai_addrlen`: the address's exact length (16 for IPv4, 28 for IPv6).
    pub fn ai_addrlen(&self) -> socklen_t {
        self.ai.ai_addrlen
    }

    /// `ai_addr`, `ai_addrlen` bytes of it, as a [`SockAddr`] whose `len()` is `ai_addrlen`: so
    /// `bind(fd, &p.ai_addr())` passes what C's `bind(fd, p->ai_addr, p->ai_addrlen)` passes.
    /// An unnamed address if `ai_addr` is NULL or `ai_addrlen` exceeds `sockaddr_storage`.
    pub fn ai_addr(&self) -> SockAddr {
        let len = self.ai.ai_addrlen as usize;
        let mut storage = SockAddr::empty().as_storage().to_owned();
        if self.ai.ai_addr.is_null() || len > size_of::<libc::sockaddr_storage>() {
            return SockAddr::from_parts(storage, 0).expect("0 fits");
        }
        // SAFETY: getaddrinfo's `ai_addr` is readable for `ai_addrlen` bytes, which fit in
        // `storage` (checked above); the two do not overlap.
        unsafe {
            ptr::copy_nonoverlapping(
                self.ai.ai_addr.cast::<u8>(),
                (&mut storage as *mut libc::sockaddr_storage).cast::<u8>(),
                len,
            )
        };
        SockAddr::from_parts(storage, self.ai.ai_addrlen).expect("checked length")
    }

    /// `ai_canonname`: set on the first entry when `AI_CANONNAME` was asked for.
    pub fn ai_canonname(&self) -> Option<&'a CStr> {
        let p = self.ai.ai_canonname;
        // SAFETY: a non-NULL ai_canonname is a NUL-terminated string owned by the list ('a).
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
    }
}

impl fmt::Debug for AddrInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddrInfo")
            .field("ai_flags", &self.ai_flags())
            .field("ai_family", &self.ai_family())
            .field("ai_socktype", &self.ai_socktype())
            .field("ai_protocol", &self.ai_protocol())
            .field("ai_addr", &self.ai_addr())
            .field("ai_canonname", &self.ai_canonname())
            .finish()
    }
}

/// The resolver's convention, as `cvt` is the syscalls': 0 is success, anything else an `EAI_*`
/// code (errno read at once, for `EAI_SYSTEM`), with the arguments formatted only on failure.
fn gai_cvt(rc: c_int, call: &'static str, args: impl FnOnce() -> String) -> Result<()> {
    if rc == 0 {
        return Ok(());
    }
    let errno = Errno::last();
    Err(Error::gai(Eai::from_raw(rc), errno, call, args()))
}

/// A `&str` argument as the C string getaddrinfo/getnameinfo take.
fn c_arg(call: &'static str, what: &str, s: Option<&str>) -> Result<Option<CString>> {
    s.map(|s| {
        CString::new(s).map_err(|_| {
            super::refuse(
                Errno::EINVAL,
                call,
                format!("{what} {s:?}"),
                "contains a NUL byte",
            )
        })
    })
    .transpose()
}

/// A C string argument as strace-like text: `"http"` or `NULL`.
fn shown(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_string(), |s| format!("{s:?}"))
}

/// `getaddrinfo(node, service, hints, res)` — getaddrinfo(3).
///
/// Rust adds: `node`/`service` `None` are C's NULL; the list comes back owned
/// ([`AddrInfoList`], freed on drop) instead of through `res`; each entry carries family,
/// socktype, protocol and an address of exactly `ai_addrlen` bytes, so the C loop
/// `socket(p->ai_family, p->ai_socktype, p->ai_protocol)` + `bind(fd, p->ai_addr,
/// p->ai_addrlen)` ports to the same syscalls.
///
#[doc = errors_doc!(getaddrinfo)]
///
/// An `EAI_*` code is kept as [`Error::eai`] and prints as
/// `getaddrinfo("nowhere.invalid", "http"): EAI_NONAME (Name or service not known)`;
/// with `EAI_SYSTEM` the [`Error`] carries the errno too.
///
/// # Example
/// ```
/// use socklab::sys::{self, AddrInfoHints, AF_INET, AI_NUMERICHOST, IPPROTO_TCP, SOCK_STREAM};
/// let hints = AddrInfoHints { ai_family: AF_INET, ai_socktype: SOCK_STREAM,
///                             ai_flags: AI_NUMERICHOST, ..Default::default() };
/// let res = sys::getaddrinfo(Some("127.0.0.1"), Some("80"), Some(&hints))?;
/// let p = res.iter().next().unwrap();
/// assert_eq!((p.ai_family(), p.ai_socktype(), p.ai_protocol()), (AF_INET, SOCK_STREAM, IPPROTO_TCP));
/// assert_eq!((p.ai_addr().to_string(), p.ai_addrlen()), ("127.0.0.1:80".to_string(), 16));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getaddrinfo(3))]
pub fn getaddrinfo(
    node: Option<&str>,
    service: Option<&str>,
    hints: Option<&AddrInfoHints>,
) -> Result<AddrInfoList> {
    let c_node = c_arg("getaddrinfo", "node", node)?;
    let c_service = c_arg("getaddrinfo", "service", service)?;
    // What C's `memset(&hints, 0, sizeof hints)` makes.
    let mut c_hints: libc::addrinfo = super::zeroed::zeroed();
    if let Some(h) = hints {
        c_hints.ai_flags = h.ai_flags;
        c_hints.ai_family = h.ai_family;
        c_hints.ai_socktype = h.ai_socktype;
        c_hints.ai_protocol = h.ai_protocol;
    }
    let hints_ptr = hints.map_or(ptr::null(), |_| &c_hints as *const libc::addrinfo);
    let as_ptr = |s: &Option<CString>| s.as_ref().map_or(ptr::null(), |s| s.as_ptr());
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: node/service are NULL or NUL-terminated CStrings alive for the call; hints is NULL
    // or a zeroed addrinfo with only the int fields set; `res` is writable. The list written to
    // `res` is owned by the AddrInfoList built below, which frees it once.
    let rc = unsafe { raw::getaddrinfo(as_ptr(&c_node), as_ptr(&c_service), hints_ptr, &mut res) };
    gai_cvt(rc, "getaddrinfo", || {
        format!("{}, {}", shown(node), shown(service))
    })?;
    Ok(AddrInfoList { head: res })
}

/// `freeaddrinfo(res)` — freeaddrinfo(3): frees the list now (dropping it does the same).
#[doc = man_links!(freeaddrinfo(3))]
pub fn freeaddrinfo(res: AddrInfoList) {
    drop(res)
}

/// `getnameinfo(addr, addrlen, host, hostlen, serv, servlen, flags)` — getnameinfo(3).
///
/// Rust adds: `NI_MAXHOST`/`NI_MAXSERV` buffers are provided and the two strings returned.
/// `flags`: `NI_NUMERICHOST`, `NI_NUMERICSERV`, `NI_NAMEREQD`, `NI_DGRAM`…
///
#[doc = errors_doc!(getnameinfo)]
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, NI_NUMERICHOST, NI_NUMERICSERV};
/// let a = SockAddr::from("127.0.0.1:8080".parse::<std::net::SocketAddr>().unwrap());
/// let (host, serv) = sys::getnameinfo(&a, NI_NUMERICHOST | NI_NUMERICSERV)?;
/// assert_eq!((host.as_str(), serv.as_str()), ("127.0.0.1", "8080"));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getnameinfo(3))]
pub fn getnameinfo(addr: &SockAddr, flags: c_int) -> Result<(String, String)> {
    addr.check_whole("getnameinfo", || format!("{addr}, {flags:#x}"))?;
    let mut host = [0 as c_char; libc::NI_MAXHOST as usize];
    let mut serv = [0 as c_char; 32];
    // SAFETY: `addr` is readable for `addr.len()` bytes; `host` and `serv` are writable for their
    // stated lengths, and getnameinfo NUL-terminates what it writes there on success.
    let rc = unsafe {
        raw::getnameinfo(
            addr.as_ptr(),
            addr.len(),
            host.as_mut_ptr(),
            host.len() as socklen_t,
            serv.as_mut_ptr(),
            serv.len() as socklen_t,
            flags,
        )
    };
    gai_cvt(rc, "getnameinfo", || format!("{addr}, {flags:#x}"))?;
    let s = |b: &[c_char]| {
        // SAFETY: on success both buffers hold NUL-terminated strings (zero-initialized besides).
        unsafe { CStr::from_ptr(b.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    Ok((s(&host), s(&serv)))
}
