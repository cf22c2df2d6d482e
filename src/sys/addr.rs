//! [`SockAddr`]: a `sockaddr_storage` and its `socklen_t`, the pair every address-taking call
//! passes. Built from std addresses, Unix paths and abstract names; decoded back with checks.

use std::ffi::OsStr;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::{self, size_of};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::raw::c_int;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use libc::{sa_family_t, sockaddr, sockaddr_in, sockaddr_in6, sockaddr_storage, sockaddr_un};
use libc::{socklen_t, AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC};

use super::{Errno, Error, Result};

/// A socket address exactly as C passes it: a `sockaddr_storage` and the length that is valid.
///
/// `SockAddr` replaces C's `(struct sockaddr *)&addr, sizeof addr` pair and does the byte-order
/// work (`htons`, `htonl`) for you. Only the first [`len`](SockAddr::len) bytes mean anything;
/// equality and hashing look at those bytes (and the length) alone. The storage is zeroed before
/// it is filled, so padding never carries stale data to the kernel.
///
/// # Length and capacity
/// A call that writes an address (the `*_into` calls: [`accept_into`](super::accept_into),
/// [`recvfrom_into`](super::recvfrom_into), [`getsockname_into`](super::getsockname_into)…)
/// offers the kernel [`capacity`](SockAddr::capacity) bytes, C's `sizeof addr` in
/// `socklen_t len = sizeof addr;`, and leaves in [`len`](SockAddr::len) what the kernel put in
/// C's `len`: the address's full length. The capacity stays for the next call (C's
/// `len = sizeof addr;` before each call of a loop is built in;
/// [`set_capacity`](SockAddr::set_capacity) changes it). An address built from a value
/// ([`From`], [`unix`](SockAddr::unix)…) has a capacity equal to its length;
/// [`empty`](SockAddr::empty) offers the whole storage.
///
/// # Truncation
/// When the kernel's address is longer than the capacity, it writes the bytes that fit and
/// reports the full length: C's caller sees `len > sizeof addr` and must not use the address.
/// socklab keeps the same facts — `len()` is the kernel's length,
/// [`as_bytes`](SockAddr::as_bytes) the `capacity()` bytes written — and
/// [`is_truncated`](SockAddr::is_truncated) says so. A truncated address is never taken for a
/// whole one: its decoders ([`as_socket`](SockAddr::as_socket),
/// [`as_unix_path`](SockAddr::as_unix_path)…) return `None`, `Display` shows
/// `{family 1, len 43, truncated to 18}`, and every call that reads an address (`bind`,
/// `connect`, `sendto`, `sendmsg`, `MmsgBatch::set`, `getnameinfo`) refuses it with `EINVAL`
/// and a note, before any syscall. (For `AF_UNIX` the first bytes of a path are another,
/// valid-looking path: a connect to them could reach a different socket.)
///
/// ```
/// use socklab::sys::{self, AddrLen, SockAddr, AF_INET6, SOCK_DGRAM, Errno};
/// let fd = sys::socket(AF_INET6, SOCK_DGRAM, 0)?;
/// let mut a = SockAddr::with_capacity(AddrLen::INET); // 16 bytes for a 28-byte sockaddr_in6
/// sys::getsockname_into(&fd, &mut a)?;
/// assert_eq!((a.len(), a.as_bytes().len(), a.is_truncated()), (28, 16, true));
/// assert_eq!(a.as_socket(), None);
/// assert_eq!(a.to_string(), "{family 10, len 28, truncated to 16}");
/// assert_eq!(sys::connect(&fd, &a).unwrap_err().code(), Errno::EINVAL);
/// a.set_capacity(AddrLen::INET6); // C: len = sizeof(struct sockaddr_in6);
/// sys::getsockname_into(&fd, &mut a)?;
/// assert_eq!(a.to_string(), "[::]:0");
/// # Ok::<(), socklab::Error>(())
/// ```
///
/// ```
/// use socklab::sys::SockAddr;
/// let a = SockAddr::from("127.0.0.1:8080".parse::<std::net::SocketAddr>().unwrap());
/// assert_eq!(a.to_string(), "127.0.0.1:8080");
/// assert_eq!(a.len() as usize, std::mem::size_of::<libc::sockaddr_in>());
/// assert_eq!(a.as_socket().unwrap().port(), 8080);
/// ```
#[derive(Clone, Copy)]
pub struct SockAddr {
    storage: sockaddr_storage,
    /// C's `addrlen`: the address's length; after a call that writes one, the kernel's, which
    /// exceeds `cap` when the address was truncated.
    len: socklen_t,
    /// The bytes a call that writes an address offers (at most `sizeof(sockaddr_storage)`).
    /// Invariant: the storage's first `min(len, cap)` bytes are the address's, the rest zero.
    cap: socklen_t,
}

/// `sun_path`'s offset inside `sockaddr_un`: the length of a Unix address with an empty path.
const SUN_PATH_OFFSET: usize = mem::offset_of!(sockaddr_un, sun_path);
/// `sizeof(sun_path)`: 108 on Linux.
const SUN_PATH_LEN: usize = size_of::<sockaddr_un>() - SUN_PATH_OFFSET;

/// An all-zero `sockaddr_storage` (family `AF_UNSPEC`), C's `= {0}`.
fn zeroed_storage() -> sockaddr_storage {
    super::zeroed::zeroed()
}

impl SockAddr {
    /// A built address: `storage`'s first `len` bytes (at most the storage), offering as much.
    fn whole(storage: sockaddr_storage, len: usize) -> SockAddr {
        let len = len as socklen_t;
        SockAddr {
            storage,
            len,
            cap: len,
        }
    }

    /// An all-zero address of family `AF_UNSPEC` whose length is the whole storage: the buffer
    /// to hand to calls that write an address (accept, recvfrom, getsockname…).
    pub fn empty() -> SockAddr {
        SockAddr::with_capacity(AddrLen::STORAGE)
    }

    /// An address from raw parts, as C code would have them after filling a `sockaddr_storage`.
    /// Its capacity is `len`.
    ///
    /// # Errors
    /// `EINVAL` if `len` is larger than `sockaddr_storage`.
    pub fn from_parts(storage: sockaddr_storage, len: socklen_t) -> Result<SockAddr> {
        if len as usize > size_of::<sockaddr_storage>() {
            return Err(super::refuse(
                Errno::EINVAL,
                "SockAddr::from_parts",
                format!("len {len}"),
                format!(
                    "sockaddr_storage holds {} bytes",
                    size_of::<sockaddr_storage>()
                ),
            ));
        }
        Ok(SockAddr::whole(storage, len as usize))
    }

    /// Lets `init` fill an address the way the kernel does (`accept`, `getsockname`…): it gets a
    /// zeroed storage and a length set to the storage size, and must leave the length the kernel
    /// wrote. Returns `init`'s value and the address.
    ///
    /// # Errors
    /// `init`'s error, or `EINVAL` if it left a length larger than the storage (the kernel's
    /// address was truncated).
    pub fn try_init<T>(
        init: impl FnOnce(*mut sockaddr, *mut socklen_t) -> Result<T>,
    ) -> Result<(T, SockAddr)> {
        let mut addr = SockAddr::empty();
        let (ptr, len) = addr.as_mut_parts();
        let value = init(ptr, len)?;
        addr.check_len("SockAddr::try_init")?;
        Ok((value, addr))
    }

    /// A pathname Unix-domain address (`AF_UNIX`, `sun_path` = `path` plus a NUL).
    ///
    /// The length counts the terminating NUL, as std and most C code do.
    ///
    #[doc = errors_doc!(sockaddr_unix)]
    ///
    /// The `ENAMETOOLONG` error names both lengths; nothing is truncated.
    ///
    /// ```
    /// use socklab::sys::{Errno, SockAddr};
    /// let a = SockAddr::unix("/tmp/x.sock").unwrap();
    /// assert_eq!(a.to_string(), "\"/tmp/x.sock\"");
    /// let long = "/tmp/".to_string() + &"x".repeat(200);
    /// assert_eq!(SockAddr::unix(&long).unwrap_err().code(), Errno::ENAMETOOLONG);
    /// ```
    pub fn unix(path: impl AsRef<Path>) -> Result<SockAddr> {
        let bytes = path.as_ref().as_os_str().as_bytes();
        let err = |code, note: String| {
            let args = format!("{:?}", path.as_ref());
            Err(super::refuse(code, "SockAddr::unix", args, note))
        };
        if bytes.is_empty() {
            return err(
                Errno::EINVAL,
                "an empty path is an unnamed address; use SockAddr::unix_unnamed".into(),
            );
        }
        if bytes.contains(&0) {
            return err(Errno::EINVAL, "the path contains a NUL byte".into());
        }
        if bytes.len() >= SUN_PATH_LEN {
            return err(
                Errno::ENAMETOOLONG,
                format!(
                    "path is {} bytes; sun_path holds at most {} bytes plus the terminating NUL",
                    bytes.len(),
                    SUN_PATH_LEN - 1
                ),
            );
        }
        Ok(SockAddr::unix_from_sun_path(bytes, 1))
    }

    /// An abstract Unix-domain address (Linux): `sun_path[0]` is NUL and `name` follows, with no
    /// terminator; the length ends right after `name`. Displayed as `@name`.
    ///
    /// # Errors
    /// `ENAMETOOLONG` if `name` is longer than 107 bytes (sun_path minus the leading NUL).
    pub fn unix_abstract(name: &[u8]) -> Result<SockAddr> {
        if name.len() >= SUN_PATH_LEN {
            return Err(super::refuse(
                Errno::ENAMETOOLONG,
                "SockAddr::unix_abstract",
                format!("{} bytes", name.len()),
                format!(
                    "an abstract name holds at most {} bytes after the leading NUL",
                    SUN_PATH_LEN - 1
                ),
            ));
        }
        let mut path = Vec::with_capacity(name.len() + 1);
        path.push(0);
        path.extend_from_slice(name);
        Ok(SockAddr::unix_from_sun_path(&path, 0))
    }

    /// An unnamed Unix-domain address: just `sa_family = AF_UNIX` (what an unbound Unix socket's
    /// getsockname returns, and what autobind in bind(2) takes).
    pub fn unix_unnamed() -> SockAddr {
        SockAddr::unix_from_sun_path(&[], 0)
    }

    /// Fills `sun_path` with `bytes` (already checked to fit) and sets the length to cover them
    /// plus `extra` bytes (1 for a pathname's NUL, 0 otherwise).
    fn unix_from_sun_path(bytes: &[u8], extra: usize) -> SockAddr {
        let mut storage = zeroed_storage();
        // SAFETY: sockaddr_storage is at least as large and as aligned as sockaddr_un (POSIX
        // guarantees it can hold any address), and no other reference to `storage` exists.
        let un = unsafe { &mut *(&mut storage as *mut sockaddr_storage).cast::<sockaddr_un>() };
        un.sun_family = AF_UNIX as sa_family_t;
        for (dst, src) in un.sun_path.iter_mut().zip(bytes) {
            *dst = *src as libc::c_char;
        }
        SockAddr::whole(storage, SUN_PATH_OFFSET + bytes.len() + extra)
    }

    /// The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`, or `AF_UNSPEC` for an empty one).
    /// A truncated address has its family if the kernel wrote it (a capacity of 2 bytes or more).
    ///
    /// A `c_int`, as the `AF_*` constants are: C compares `ss_family` (an `unsigned short`,
    /// promoted to `int`) with them and passes it where an `int` family goes, and so does this,
    /// with no cast. The stored `sa_family_t` is [`as_storage`](SockAddr::as_storage)`().ss_family`.
    ///
    /// ```
    /// use socklab::sys::{self, SockAddr, AF_INET, AF_INET6, SOCK_DGRAM};
    /// let addr = SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap());
    /// if addr.family() == AF_INET { // C: if (addr.ss_family == AF_INET)
    ///     let fd = sys::socket(addr.family(), SOCK_DGRAM, 0)?; // socket(addr.ss_family, ...)
    ///     sys::bind(&fd, &addr)?;
    /// }
    /// assert_ne!(addr.family(), AF_INET6);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn family(&self) -> c_int {
        if self.written() < size_of::<sa_family_t>() {
            return AF_UNSPEC;
        }
        c_int::from(self.storage.ss_family)
    }

    /// The length, C's `addrlen`: of an address built from a value, its length; of a buffer
    /// before a call, the capacity it offers; after a call that writes an address, the length
    /// the kernel reported, which exceeds [`capacity`](SockAddr::capacity) when the address was
    /// truncated (C: `addrlen > sizeof addr`; see [`is_truncated`](SockAddr::is_truncated)).
    pub fn len(&self) -> socklen_t {
        self.len
    }

    /// Whether the length is zero (the kernel wrote no address).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The room the next call that writes an address offers the kernel (C's `sizeof addr` in
    /// `socklen_t len = sizeof addr;`). It stays across calls; see
    /// [`set_capacity`](SockAddr::set_capacity).
    pub fn capacity(&self) -> AddrLen {
        AddrLen(self.cap)
    }

    /// Makes this an empty buffer offering `cap` bytes, as
    /// [`with_capacity`](SockAddr::with_capacity) builds one: C's `len = sizeof addr;` (or
    /// `len = clilen;`) before a call. The storage is zeroed, so no byte of the old address
    /// survives under the new length.
    pub fn set_capacity(&mut self, cap: AddrLen) {
        *self = SockAddr::with_capacity(cap);
    }

    /// Whether the kernel's address was longer than the capacity offered: C's
    /// `addrlen > sizeof addr` after the call. Only [`as_bytes`](SockAddr::as_bytes) (the bytes
    /// that fit) and [`len`](SockAddr::len) (the kernel's length) are then known; decoders return
    /// `None` and the calls that read an address refuse it with `EINVAL`.
    pub fn is_truncated(&self) -> bool {
        self.len > self.cap
    }

    /// The bytes of the address the storage holds: `min(len, capacity)`.
    fn written(&self) -> usize {
        (self.len.min(self.cap) as usize).min(size_of::<sockaddr_storage>())
    }

    /// Refuses a truncated address before `call` passes it to the kernel as a whole one:
    /// `EINVAL` with a note, `args` formatted only then.
    pub(crate) fn check_whole(
        &self,
        call: &'static str,
        args: impl FnOnce() -> String,
    ) -> Result<()> {
        if !self.is_truncated() {
            return Ok(());
        }
        Err(super::refuse(
            Errno::EINVAL,
            call,
            args(),
            self.truncation_note(),
        ))
    }

    /// Why a truncated address is refused, for the errors of the calls that refuse it.
    pub(crate) fn truncation_note(&self) -> String {
        format!(
            "the address was truncated: the kernel reported {} bytes, {} fit the capacity (C: \
             addrlen > sizeof addr); receive it again with a larger capacity (AddrLen::STORAGE)",
            self.len, self.cap
        )
    }

    /// A pointer for calls that read an address (`bind`, `connect`, `sendto`), valid for
    /// `len()` bytes (at most the storage). Of a truncated address only the first
    /// `capacity()` bytes are the kernel's; the rest are zeros (the safe calls refuse it).
    pub fn as_ptr(&self) -> *const sockaddr {
        (&self.storage as *const sockaddr_storage).cast()
    }

    /// The storage and length as C sees them.
    pub fn as_storage(&self) -> &sockaddr_storage {
        &self.storage
    }

    /// Pointers for calls that write an address: the storage and the in-out length. Start from
    /// a zeroed buffer whose length is its capacity ([`SockAddr::with_capacity`]); the kernel
    /// writes `min(capacity, its length)` bytes and its length.
    pub(crate) fn as_mut_parts(&mut self) -> (*mut sockaddr, *mut socklen_t) {
        (
            (&mut self.storage as *mut sockaddr_storage).cast(),
            &mut self.len,
        )
    }

    /// After the kernel wrote the length: an address longer than the storage was truncated.
    pub(crate) fn check_len(&self, call: &'static str) -> Result<()> {
        if self.len as usize > size_of::<sockaddr_storage>() {
            return Err(
                Error::new(Errno::EINVAL, call, format!("addrlen {}", self.len))
                    .with_note("the kernel's address did not fit in sockaddr_storage"),
            );
        }
        Ok(())
    }

    /// The address's bytes the storage holds: all [`len`](SockAddr::len) of them, or, of a
    /// truncated address, the [`capacity`](SockAddr::capacity) bytes the kernel wrote.
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.written();
        // SAFETY: `storage` is a live, initialized (zeroed then written) sockaddr_storage, and
        // `len` is clamped to its size; u8 has no alignment or validity requirements.
        unsafe {
            std::slice::from_raw_parts((&self.storage as *const sockaddr_storage).cast(), len)
        }
    }

    /// The IPv4 address, if this is an `AF_INET` address of full length (not truncated).
    pub fn as_socket_v4(&self) -> Option<SocketAddrV4> {
        if self.is_truncated()
            || self.family() != AF_INET
            || (self.len as usize) < size_of::<sockaddr_in>()
        {
            return None;
        }
        // SAFETY: the storage is aligned for and larger than sockaddr_in, fully initialized,
        // and holds a whole AF_INET address of at least sizeof(sockaddr_in) bytes (checked
        // above).
        let sin = unsafe { &*(&self.storage as *const sockaddr_storage).cast::<sockaddr_in>() };
        let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
        Some(SocketAddrV4::new(ip, u16::from_be(sin.sin_port)))
    }

    /// The IPv6 address with its flow info and scope id, if this is an `AF_INET6` address of full
    /// length (not truncated). `sin6_flowinfo` is passed through as stored, as std does.
    pub fn as_socket_v6(&self) -> Option<SocketAddrV6> {
        if self.is_truncated()
            || self.family() != AF_INET6
            || (self.len as usize) < size_of::<sockaddr_in6>()
        {
            return None;
        }
        // SAFETY: as in as_socket_v4, for sockaddr_in6 and AF_INET6.
        let sin6 = unsafe { &*(&self.storage as *const sockaddr_storage).cast::<sockaddr_in6>() };
        Some(SocketAddrV6::new(
            Ipv6Addr::from(sin6.sin6_addr.s6_addr),
            u16::from_be(sin6.sin6_port),
            sin6.sin6_flowinfo,
            sin6.sin6_scope_id,
        ))
    }

    /// The IP address (v4 or v6), if this is a whole one.
    pub fn as_socket(&self) -> Option<SocketAddr> {
        self.as_socket_v4()
            .map(SocketAddr::V4)
            .or_else(|| self.as_socket_v6().map(SocketAddr::V6))
    }

    /// `sun_path`'s used bytes, if this is a whole `AF_UNIX` address (empty for an unnamed
    /// one). A truncated one has none: its first bytes are another, valid-looking path.
    fn sun_path(&self) -> Option<&[u8]> {
        if self.is_truncated() || self.family() != AF_UNIX {
            return None;
        }
        let bytes = self.as_bytes();
        Some(bytes.get(SUN_PATH_OFFSET..).unwrap_or(&[]))
    }

    /// The filesystem path of a pathname Unix address (up to its NUL); `None` if truncated.
    pub fn as_unix_path(&self) -> Option<&Path> {
        let path = self.sun_path()?;
        if path.first().is_none_or(|&b| b == 0) {
            return None;
        }
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        Some(Path::new(OsStr::from_bytes(&path[..end])))
    }

    /// The name of an abstract Unix address (the bytes after the leading NUL); `None` if
    /// truncated.
    pub fn as_abstract_name(&self) -> Option<&[u8]> {
        match self.sun_path()? {
            [0, name @ ..] => Some(name),
            _ => None,
        }
    }

    /// Whether this is an unnamed Unix address (family `AF_UNIX`, no path).
    pub fn is_unnamed(&self) -> bool {
        self.sun_path().is_some_and(|p| p.is_empty())
    }
}

/// An address buffer capacity, C's `socklen_t addrlen = sizeof(struct sockaddr_in);`: what the
/// `*_into` calls (`accept_into`, `recvfrom_into`, `getsockname_into`…) offer the kernel, so
/// strace shows `[16]` as for C, not `[128 => 16]`. At most `sizeof(sockaddr_storage)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddrLen(socklen_t);

impl AddrLen {
    /// `sizeof(struct sockaddr_in)`: 16.
    pub const INET: AddrLen = AddrLen(size_of::<sockaddr_in>() as socklen_t);
    /// `sizeof(struct sockaddr_in6)`: 28.
    pub const INET6: AddrLen = AddrLen(size_of::<sockaddr_in6>() as socklen_t);
    /// `sizeof(struct sockaddr_un)`: 110.
    pub const UNIX: AddrLen = AddrLen(size_of::<sockaddr_un>() as socklen_t);
    /// `sizeof(struct sockaddr_storage)`: 128 (what [`SockAddr::empty`] offers).
    pub const STORAGE: AddrLen = AddrLen(size_of::<sockaddr_storage>() as socklen_t);

    /// Any capacity up to `sizeof(sockaddr_storage)` (0 is C's non-NULL pointer with length 0).
    ///
    /// # Errors
    /// `EINVAL` above 128: the storage could not hold what the kernel would write.
    pub fn new(len: socklen_t) -> Result<AddrLen> {
        if len > AddrLen::STORAGE.0 {
            return Err(super::refuse(
                Errno::EINVAL,
                "AddrLen::new",
                format!("{len}"),
                "sockaddr_storage holds 128 bytes",
            ));
        }
        Ok(AddrLen(len))
    }

    /// The length in bytes.
    pub fn get(self) -> socklen_t {
        self.0
    }
}

impl SockAddr {
    /// A zeroed buffer offering `cap` bytes to a call that writes an address, C's
    /// `struct sockaddr_in a; socklen_t len = sizeof a;` pair:
    /// `SockAddr::with_capacity(AddrLen::INET)`. Its [`len`](SockAddr::len) is the capacity
    /// until a call rewrites it (as C's `len` is); the capacity stays.
    ///
    /// ```
    /// use socklab::sys::{AddrLen, SockAddr};
    /// let a = SockAddr::with_capacity(AddrLen::INET);
    /// assert_eq!((a.len(), a.capacity()), (16, AddrLen::INET));
    /// ```
    pub fn with_capacity(cap: AddrLen) -> SockAddr {
        SockAddr {
            storage: zeroed_storage(),
            len: cap.0,
            cap: cap.0,
        }
    }

    /// Lets `call` write an address into `self` C's way: a zeroed storage and the in-out
    /// length holding the capacity are passed; on success `len` is what the kernel reported
    /// (more than the capacity if it truncated the address: C's `addrlen > sizeof addr`), the
    /// first `min(len, capacity)` bytes are what it wrote, and the capacity stays for the next
    /// call. On failure `self` is left as it was.
    pub(crate) fn fill_into<T>(
        &mut self,
        call: impl FnOnce(*mut sockaddr, *mut socklen_t) -> Result<T>,
    ) -> Result<T> {
        let mut out = SockAddr::with_capacity(self.capacity());
        let (p, len) = out.as_mut_parts();
        let value = call(p, len)?;
        *self = out;
        Ok(value)
    }
}

impl From<SocketAddrV4> for SockAddr {
    fn from(a: SocketAddrV4) -> SockAddr {
        let mut storage = zeroed_storage();
        // SAFETY: sockaddr_storage is at least as large and as aligned as sockaddr_in, and no
        // other reference to `storage` exists.
        let sin = unsafe { &mut *(&mut storage as *mut sockaddr_storage).cast::<sockaddr_in>() };
        sin.sin_family = AF_INET as sa_family_t;
        sin.sin_port = a.port().to_be();
        sin.sin_addr.s_addr = u32::from(*a.ip()).to_be();
        SockAddr::whole(storage, size_of::<sockaddr_in>())
    }
}

impl From<SocketAddrV6> for SockAddr {
    fn from(a: SocketAddrV6) -> SockAddr {
        let mut storage = zeroed_storage();
        // SAFETY: as for SocketAddrV4, with sockaddr_in6.
        let sin6 = unsafe { &mut *(&mut storage as *mut sockaddr_storage).cast::<sockaddr_in6>() };
        sin6.sin6_family = AF_INET6 as sa_family_t;
        sin6.sin6_port = a.port().to_be();
        sin6.sin6_flowinfo = a.flowinfo();
        sin6.sin6_addr.s6_addr = a.ip().octets();
        sin6.sin6_scope_id = a.scope_id();
        SockAddr::whole(storage, size_of::<sockaddr_in6>())
    }
}

impl From<SocketAddr> for SockAddr {
    fn from(a: SocketAddr) -> SockAddr {
        match a {
            SocketAddr::V4(a) => a.into(),
            SocketAddr::V6(a) => a.into(),
        }
    }
}

/// Equal lengths and equal bytes ([`SockAddr::as_bytes`]); the capacity is not part of the
/// value. Two truncated addresses with the same length and the same first bytes compare equal
/// (all that is known of them): check [`SockAddr::is_truncated`] before keying by address.
impl PartialEq for SockAddr {
    fn eq(&self, other: &SockAddr) -> bool {
        self.len == other.len && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SockAddr {}

impl Hash for SockAddr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Display for SockAddr {
    /// Like strace's short form: `127.0.0.1:8080`, `[::1]:9090`, `"/tmp/x.sock"`, `@name`,
    /// `(unnamed)`, `(none)` for an empty address, `{family N, len L, truncated to C}` for a
    /// truncated one (never its prefix as an address), `{family N, len L}` for anything else.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return f.write_str("(none)");
        }
        if self.is_truncated() {
            let (family, len, cap) = (self.family(), self.len, self.cap);
            return write!(f, "{{family {family}, len {len}, truncated to {cap}}}");
        }
        if let Some(a) = self.as_socket() {
            return write!(f, "{a}");
        }
        if let Some(p) = self.as_unix_path() {
            return write!(f, "{p:?}");
        }
        if let Some(name) = self.as_abstract_name() {
            return write!(f, "@{}", name.escape_ascii());
        }
        if self.is_unnamed() {
            return f.write_str("(unnamed)");
        }
        write!(f, "{{family {}, len {}}}", self.family(), self.len)
    }
}

impl fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SockAddr({self})")
    }
}
