//! Socket options: setsockopt(2)/getsockopt(2) on bytes and on plain C values, and typed options
//! ([`SoReuseAddr`], [`SoRcvBuf`], [`TcpInfo`]…) whose values are natural Rust types.
//!
//! Three levels, each built on the one below:
//! - **bytes**: [`setsockopt`]/[`getsockopt`] take `&[u8]`/`&mut [u8]`, exactly C's
//!   `optval`/`optlen`; `getsockopt` returns the `optlen` the kernel wrote back.
//! - **plain C values**: [`setsockopt_plain`]/[`getsockopt_plain`] pass a `c_int`, `linger`,
//!   `timeval`, `tcp_info`… by pointer with `sizeof` as the length, like C code does. Only the
//!   [`Plain`] types are allowed (sealed): C structs of integers, for which every byte pattern
//!   the kernel may write is a valid value. The returned `optlen` must be the type's size.
//! - **typed options**: a unit struct per option implementing [`SockOpt`] (level, name, C type,
//!   Rust type) and [`GetOpt`]/[`SetOpt`] (the conversions); [`set_opt`]/[`get_opt`] run them:
//!   `set_opt(&fd, SoReuseAddr, true)`, `get_opt(&fd, SoRcvTimeo)? == Some(duration)`.
//!
//! Conversions are exact: a value C cannot represent (a timeout of 1.5 µs, a linger of 1.5 s, a
//! buffer size above `INT_MAX`) is refused with `EINVAL` and a note, never rounded. Getters return
//! what the kernel reports, which is not always what was set (`SO_RCVBUF` comes back doubled,
//! timeouts come back in whole jiffies); each option's docs say so.
//!
//! Errors print like strace, with the level and option named when socklab knows them
//! ([`level_name`], [`optname`]):
//! `setsockopt(fd 3, SOL_SOCKET, SO_REUSEADDR, 4 bytes): EBADF (Bad file descriptor)`.

use std::fmt;
use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::{c_int, c_void};
use std::time::Duration;

use libc::{linger, socklen_t, tcp_info, timeval, ucred};

use super::{cvt, raw, Errno, Error, Result};

// ---- names: one table serves error messages for both directions ----

/// Builds [`level_name`] and [`optname`] from one list of `level => [options]`.
macro_rules! name_table {
    ($($level:ident => [$($opt:ident),* $(,)?]),* $(,)?) => {
        /// The C name of a socket option level (`SOL_SOCKET`, `IPPROTO_TCP`…), or `None` for a
        /// level socklab does not name.
        ///
        /// ```
        /// use socklab::sys::opt::level_name;
        /// assert_eq!(level_name(libc::IPPROTO_TCP), Some("IPPROTO_TCP"));
        /// assert_eq!(level_name(-7), None);
        /// ```
        pub fn level_name(level: c_int) -> Option<&'static str> {
            match level {
                $(libc::$level => Some(stringify!($level)),)*
                _ => None,
            }
        }

        /// The C name of option `optname` at `level` (`SO_REUSEADDR`, `TCP_NODELAY`…), or
        /// `None` when socklab does not name it. Option numbers repeat across levels (`SO_DEBUG`
        /// and `TCP_NODELAY` are both 1), hence the level.
        ///
        /// ```
        /// use socklab::sys::opt::optname;
        /// assert_eq!(optname(libc::SOL_SOCKET, 1), Some("SO_DEBUG"));
        /// assert_eq!(optname(libc::IPPROTO_TCP, 1), Some("TCP_NODELAY"));
        /// ```
        pub fn optname(level: c_int, optname: c_int) -> Option<&'static str> {
            match level {
                $(libc::$level => match optname {
                    $(libc::$opt => Some(stringify!($opt)),)*
                    _ => None,
                },)*
                _ => None,
            }
        }
    };
}

name_table! {
    SOL_SOCKET => [
        SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST, SO_SNDBUF,
        SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK,
        SO_PRIORITY, SO_LINGER, SO_BSDCOMPAT, SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED,
        SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO, SO_SNDTIMEO, SO_BINDTODEVICE, SO_TIMESTAMP,
        SO_ACCEPTCONN, SO_PEERSEC, SO_PASSSEC, SO_TIMESTAMPNS, SO_MARK, SO_TIMESTAMPING,
        SO_PROTOCOL, SO_DOMAIN, SO_RXQ_OVFL, SO_PEEK_OFF, SO_BUSY_POLL, SO_INCOMING_CPU,
        SO_ZEROCOPY, SO_TXTIME,
    ],
    IPPROTO_IP => [
        IP_TOS, IP_TTL, IP_HDRINCL, IP_OPTIONS, IP_RECVERR, IP_PKTINFO, IP_MTU_DISCOVER, IP_MTU,
        IP_FREEBIND, IP_TRANSPARENT, IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP,
        IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IP_BIND_ADDRESS_NO_PORT, IP_RECVTOS,
    ],
    IPPROTO_IPV6 => [
        IPV6_V6ONLY, IPV6_UNICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS,
        IPV6_MULTICAST_LOOP, IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP, IPV6_RECVPKTINFO,
        IPV6_TCLASS, IPV6_MTU, IPV6_RECVERR,
    ],
    IPPROTO_TCP => [
        TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT,
        TCP_SYNCNT, TCP_LINGER2, TCP_DEFER_ACCEPT, TCP_WINDOW_CLAMP, TCP_INFO, TCP_QUICKACK,
        TCP_CONGESTION, TCP_USER_TIMEOUT, TCP_FASTOPEN, TCP_NOTSENT_LOWAT,
    ],
    IPPROTO_UDP => [UDP_CORK, UDP_SEGMENT, UDP_GRO],
}

/// `name` when known, else the number: how levels and options appear in error messages.
struct Sym(Option<&'static str>, c_int);

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.1),
        }
    }
}

/// The arguments of a failed call as strace shows them: `fd 3, SOL_SOCKET, SO_RCVBUF, 4 bytes`.
fn args(fd: c_int, level: c_int, name: c_int, len: usize) -> String {
    let (l, n) = (
        Sym(level_name(level), level),
        Sym(optname(level, name), name),
    );
    format!("fd {fd}, {l}, {n}, {len} bytes")
}

// ---- the two calls, on a pointer and a length (every public fn goes through these) ----

/// Runs setsockopt(2) on `len` bytes at `optval`.
///
/// # Safety
/// `optval` must be readable for `len` bytes.
unsafe fn set_raw(
    fd: c_int,
    level: c_int,
    name: c_int,
    optval: *const c_void,
    len: usize,
) -> Result<()> {
    let Ok(optlen) = socklen_t::try_from(len) else {
        return Err(
            Error::new(Errno::EINVAL, "setsockopt", args(fd, level, name, len))
                .with_note("optlen does not fit in a socklen_t"),
        );
    };
    // SAFETY: the caller guarantees `optval` is readable for `len` (= `optlen`) bytes.
    let rc = unsafe { raw::setsockopt(fd, level, name, optval, optlen) };
    cvt(rc, "setsockopt", || args(fd, level, name, len)).map(drop)
}

/// Runs getsockopt(2) into `cap` bytes at `optval`; returns the `optlen` the kernel wrote back.
///
/// # Safety
/// `optval` must be writable for `cap` bytes.
unsafe fn get_raw(
    fd: c_int,
    level: c_int,
    name: c_int,
    optval: *mut c_void,
    cap: usize,
) -> Result<usize> {
    // Offering fewer bytes than the buffer holds is always safe: the kernel writes at most optlen.
    let mut optlen = socklen_t::try_from(cap).unwrap_or(socklen_t::MAX);
    // SAFETY: `optval` is writable for `cap` >= `optlen` bytes (caller's guarantee), and
    // `optlen` is a live local the kernel may rewrite.
    let rc = unsafe { raw::getsockopt(fd, level, name, optval, &mut optlen) };
    cvt(rc, "getsockopt", || args(fd, level, name, cap))?;
    Ok(optlen as usize)
}

// ---- level 1: bytes ----

/// `setsockopt(sockfd, level, optname, optval, optlen)` — setsockopt(2), on bytes.
///
/// `optval` and `optlen` travel as one `&[u8]`, so the length always matches the buffer. The
/// bytes go to the kernel as given: for an `int` option pass `1i32.to_ne_bytes()` (or use
/// [`setsockopt_plain`] / the typed [`set_opt`]).
///
/// # Errors
/// `ENOPROTOOPT` (an option the level does not know), `EINVAL` (a wrong `optlen` or value),
/// `ENOTSOCK`, `EBADF`, `EPERM`/`EACCES` (privileged options)… The message names the level and
/// option: `setsockopt(fd 3, SOL_SOCKET, SO_REUSEADDR, 1 bytes): EINVAL (Invalid argument)`.
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET, Errno};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::setsockopt(&fd, SOL_SOCKET, libc::SO_REUSEADDR, &1i32.to_ne_bytes())?;
/// // One byte is too short for an int option:
/// let err = sys::setsockopt(&fd, SOL_SOCKET, libc::SO_REUSEADDR, &[1]).unwrap_err();
/// assert_eq!(err.code(), Errno::EINVAL);
/// assert!(err.to_string().contains("SOL_SOCKET, SO_REUSEADDR, 1 bytes): EINVAL"));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn setsockopt(sockfd: impl AsFd, level: c_int, optname: c_int, optval: &[u8]) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: `optval` is a live slice, readable for `optval.len()` bytes.
    unsafe { set_raw(fd, level, optname, optval.as_ptr().cast(), optval.len()) }
}

/// `getsockopt(sockfd, level, optname, optval, optlen)` — getsockopt(2), into bytes.
///
/// `optval` and `*optlen` are one `&mut [u8]`; the return value is the `optlen` the kernel wrote
/// back (how many bytes of `optval` it filled). A buffer shorter than the option is usually
/// filled as far as it goes without an error, as in C (for `SOL_SOCKET` ints, for example).
///
/// # Errors
/// `ENOPROTOOPT` (an option the level does not know), `EINVAL` (a length the option refuses),
/// `ENOTSOCK`, `EBADF`…
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_DGRAM, SOL_SOCKET};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let mut val = [0u8; 4];
/// assert_eq!(sys::getsockopt(&fd, SOL_SOCKET, libc::SO_TYPE, &mut val)?, 4);
/// assert_eq!(i32::from_ne_bytes(val), SOCK_DGRAM);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn getsockopt(
    sockfd: impl AsFd,
    level: c_int,
    optname: c_int,
    optval: &mut [u8],
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: `optval` is a live, exclusively borrowed slice, writable for its length.
    unsafe { get_raw(fd, level, optname, optval.as_mut_ptr().cast(), optval.len()) }
}

// ---- level 2: plain C values ----

mod private {
    /// Seals [`Plain`](super::Plain). `C_NAME` is the type as C spells it, for messages;
    /// `GROWS` marks a struct the kernel extends over versions, whose shorter answer from an
    /// older kernel is accepted and zero-filled.
    pub trait Sealed {
        const C_NAME: &'static str;
        const GROWS: bool = false;
    }
}

/// A C type socket options travel as: an integer or a C struct of integers (`c_int`, `c_uint`,
/// `linger`, `timeval`, `ucred`, `tcp_info`).
///
/// For these types every byte pattern, all-zero included, is a valid value, which is what makes
/// reading one from bytes the kernel wrote sound. The trait is sealed so that no other type
/// (a `bool`, an enum, a reference) can be filled that way.
pub trait Plain: private::Sealed + Copy {}

macro_rules! plain {
    ($($t:ty = $c:literal $(, grows $g:literal)?;)*) => {$(
        impl private::Sealed for $t {
            const C_NAME: &'static str = $c;
            $(const GROWS: bool = $g;)?
        }
        impl Plain for $t {}
    )*};
}
plain! {
    c_int = "int";
    u32 = "unsigned int";
    linger = "struct linger";
    timeval = "struct timeval";
    ucred = "struct ucred";
    // tcp_info grows with new kernels; an older kernel writes a prefix of it.
    tcp_info = "struct tcp_info", grows true;
}

/// `setsockopt(sockfd, level, optname, &optval, sizeof optval)` — setsockopt(2), for a plain C
/// value passed by pointer as C code does.
///
/// The length is `size_of::<T>()`. `T` is a [`Plain`] C type: `c_int` for most options,
/// `linger` for `SO_LINGER`, `timeval` for `SO_RCVTIMEO`…
///
/// # Errors
/// As [`setsockopt`].
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// let lin = libc::linger { l_onoff: 1, l_linger: 0 }; // close() sends RST
/// sys::setsockopt_plain(&fd, SOL_SOCKET, libc::SO_LINGER, &lin)?;
/// let back: libc::linger = sys::getsockopt_plain(&fd, SOL_SOCKET, libc::SO_LINGER)?;
/// assert_eq!((back.l_onoff, back.l_linger), (1, 0));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn setsockopt_plain<T: Plain>(
    sockfd: impl AsFd,
    level: c_int,
    optname: c_int,
    optval: &T,
) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let p: *const T = optval;
    // SAFETY: `p` comes from a live reference, readable for size_of::<T>() bytes; the kernel
    // copies them without caring about padding.
    unsafe { set_raw(fd, level, optname, p.cast(), size_of::<T>()) }
}

/// `getsockopt(sockfd, level, optname, &optval, &optlen)` — getsockopt(2), into a plain C value
/// that Rust returns instead of filling an out-parameter.
///
/// The buffer starts all-zero and is `size_of::<T>()` bytes long. Rust adds one check C code
/// usually skips: the `optlen` the kernel wrote back must be `size_of::<T>()`, else the value
/// would be partly made up. The exception is `tcp_info`, which grows with kernel versions: an
/// older kernel's shorter answer is accepted, the fields it does not know staying zero.
///
/// # Errors
/// As [`getsockopt`], plus `EINVAL` with a note when the kernel wrote a different length than
/// `T`'s size (asking `SO_LINGER`'s `linger` of an `int` option, say).
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET, Errno};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// let ty: libc::c_int = sys::getsockopt_plain(&fd, SOL_SOCKET, libc::SO_TYPE)?;
/// assert_eq!(ty, SOCK_STREAM);
/// // SO_TYPE is an int: the kernel writes 4 bytes, not a linger's 8.
/// let err = sys::getsockopt_plain::<libc::linger>(&fd, SOL_SOCKET, libc::SO_TYPE).unwrap_err();
/// assert_eq!(err.code(), Errno::EINVAL);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn getsockopt_plain<T: Plain>(sockfd: impl AsFd, level: c_int, optname: c_int) -> Result<T> {
    let fd = sockfd.as_fd().as_raw_fd();
    let size = size_of::<T>();
    let mut val = MaybeUninit::<T>::zeroed();
    // SAFETY: `val` is a live local, writable for size_of::<T>() bytes.
    let n = unsafe { get_raw(fd, level, optname, val.as_mut_ptr().cast(), size)? };
    if n != size && !(T::GROWS && n <= size) {
        return Err(
            Error::new(Errno::EINVAL, "getsockopt", args(fd, level, optname, size)).with_note(
                format!("the kernel wrote {n} bytes; {} has {size}", T::C_NAME),
            ),
        );
    }
    // SAFETY: `val` started all-zero and the kernel overwrote at most `size` of its bytes; T is
    // Plain, so every byte pattern (all-zero included) is a valid T.
    Ok(unsafe { val.assume_init() })
}

// ---- level 3: typed options ----

/// A socket option: its level, its name, the C type it travels as and the Rust type it reads as.
///
/// socklab implements it on one unit struct per option ([`SoReuseAddr`], [`TcpInfo`]…); you may
/// implement it for others (the [`Plain`] bound keeps that safe). [`GetOpt`] and [`SetOpt`] add
/// the conversions; a read-only option (`SO_ERROR`, `SO_TYPE`, `TCP_INFO`) has no `SetOpt`.
pub trait SockOpt: Copy {
    /// The `level` argument (`SOL_SOCKET`, `IPPROTO_TCP`, `IPPROTO_IPV6`…).
    const LEVEL: c_int;
    /// The `optname` argument (`SO_REUSEADDR`…).
    const NAME: c_int;
    /// The C type behind `optval` (`c_int`, `linger`, `timeval`…).
    type C: Plain;
    /// The Rust type of the value (`bool`, `usize`, `Option<Duration>`…).
    type Value;
}

/// An option [`get_opt`] can read: how the kernel's C value becomes the Rust value.
pub trait GetOpt: SockOpt {
    /// Converts the C value the kernel wrote.
    fn decode(c: Self::C) -> Self::Value;
}

/// An option [`set_opt`] can write: how the Rust value becomes the C value, exactly.
pub trait SetOpt: SockOpt {
    /// Converts `value` to its C form, or explains why C cannot represent it exactly (the
    /// explanation becomes the note of an `EINVAL` error).
    fn encode(value: Self::Value) -> std::result::Result<Self::C, String>;
}

/// `setsockopt(sockfd, O::LEVEL, O::NAME, &c_value, sizeof c_value)` — setsockopt(2), typed.
///
/// Rust adds the conversion from `value` to the option's C type, which is exact: a value C
/// cannot hold is refused before the call, never rounded.
///
/// # Errors
/// As [`setsockopt`]; `EINVAL` with a note when `value` has no exact C form (for example
/// `Some(Duration::ZERO)` as a timeout, which C would read as "no timeout").
///
/// # Example
/// ```
/// use socklab::sys::{self, opt::{SoReuseAddr, SoRcvTimeo}, AF_INET, SOCK_DGRAM};
/// use std::time::Duration;
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// sys::set_opt(&fd, SoReuseAddr, true)?;
/// sys::set_opt(&fd, SoRcvTimeo, Some(Duration::from_secs(2)))?;
/// assert!(sys::get_opt(&fd, SoReuseAddr)?);
/// assert_eq!(sys::get_opt(&fd, SoRcvTimeo)?, Some(Duration::from_secs(2)));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn set_opt<O: SetOpt>(sockfd: impl AsFd, _opt: O, value: O::Value) -> Result<()> {
    match O::encode(value) {
        Ok(c) => setsockopt_plain(sockfd, O::LEVEL, O::NAME, &c),
        Err(note) => {
            let fd = sockfd.as_fd().as_raw_fd();
            let a = args(fd, O::LEVEL, O::NAME, size_of::<O::C>());
            Err(Error::new(Errno::EINVAL, "setsockopt", a).with_note(note))
        }
    }
}

/// `getsockopt(sockfd, O::LEVEL, O::NAME, &c_value, &optlen)` — getsockopt(2), typed.
///
/// Reads the option's C value with [`getsockopt_plain`] (length checked) and converts it to the
/// Rust type. The value is what the kernel reports, which may differ from what was set (see each
/// option's docs: `SO_RCVBUF` is doubled, timeouts are kept in jiffies).
///
/// # Errors
/// As [`getsockopt_plain`].
///
/// # Example
/// ```
/// use socklab::sys::{self, opt::SoType, AF_UNIX, SOCK_SEQPACKET};
/// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0)?;
/// assert_eq!(sys::get_opt(&a, SoType)?, SOCK_SEQPACKET);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn get_opt<O: GetOpt>(sockfd: impl AsFd, _opt: O) -> Result<O::Value> {
    getsockopt_plain(sockfd, O::LEVEL, O::NAME).map(O::decode)
}

/// Declares one typed option: a unit struct, its [`SockOpt`] facts and its conversions.
macro_rules! sockopt {
    ($(#[$doc:meta])* $name:ident: $level:ident, $opt:ident, $c:ty => $v:ty,
     get $dec:expr $(, set $enc:expr)?) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;
        impl SockOpt for $name {
            const LEVEL: c_int = libc::$level;
            const NAME: c_int = libc::$opt;
            type C = $c;
            type Value = $v;
        }
        impl GetOpt for $name {
            fn decode(c: $c) -> $v {
                $dec(c)
            }
        }
        $(impl SetOpt for $name {
            fn encode(value: $v) -> std::result::Result<$c, String> {
                $enc(value)
            }
        })?
    };
}

// The conversions, one per (C type, Rust type) pair.

fn int_to_bool(c: c_int) -> bool {
    c != 0
}
fn bool_to_int(on: bool) -> std::result::Result<c_int, String> {
    Ok(c_int::from(on))
}
fn int_to_size(c: c_int) -> usize {
    // The kernel keeps buffer sizes as positive ints (at least SOCK_MIN_RCVBUF/SNDBUF).
    usize::try_from(c).unwrap_or(0)
}
fn size_to_int(size: usize) -> std::result::Result<c_int, String> {
    c_int::try_from(size).map_err(|_| format!("{size} does not fit in an int (INT_MAX)"))
}
fn int_to_errno(c: c_int) -> Option<Errno> {
    (c != 0).then_some(Errno::from_raw(c))
}
fn int_to_int(c: c_int) -> c_int {
    c
}
fn ucred_to_ucred(c: ucred) -> ucred {
    c
}

/// `{0, 0}` means "no timeout" to the kernel: that is `None`.
fn timeval_to_timeout(tv: timeval) -> Option<Duration> {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    let d = Duration::from_secs(secs) + Duration::from_micros(micros.into());
    (!d.is_zero()).then_some(d)
}
fn timeout_to_timeval(d: Option<Duration>) -> std::result::Result<timeval, String> {
    let Some(d) = d else {
        return Ok(timeval {
            tv_sec: 0,
            tv_usec: 0,
        });
    };
    if d.is_zero() {
        return Err("a zero timeval means no timeout to the kernel; pass None for that".into());
    }
    if d.subsec_nanos() % 1000 != 0 {
        return Err(format!(
            "{d:?} is not a whole number of microseconds (timeval)"
        ));
    }
    let tv_sec = d
        .as_secs()
        .try_into()
        .map_err(|_| format!("{d:?} does not fit in a timeval"))?;
    // Below 1_000_000, so it fits every suseconds_t.
    let tv_usec = d.subsec_micros() as _;
    Ok(timeval { tv_sec, tv_usec })
}

/// `l_onoff == 0` is `None`; otherwise `l_linger` seconds.
fn linger_to_duration(l: linger) -> Option<Duration> {
    (l.l_onoff != 0).then(|| Duration::from_secs(u64::try_from(l.l_linger).unwrap_or(0)))
}
fn duration_to_linger(d: Option<Duration>) -> std::result::Result<linger, String> {
    let Some(d) = d else {
        return Ok(linger {
            l_onoff: 0,
            l_linger: 0,
        });
    };
    if d.subsec_nanos() != 0 {
        return Err(format!("{d:?} is not a whole number of seconds (l_linger)"));
    }
    let l_linger = c_int::try_from(d.as_secs())
        .map_err(|_| format!("{d:?} does not fit in l_linger (an int)"))?;
    Ok(linger {
        l_onoff: 1,
        l_linger,
    })
}

sockopt! {
    /// `SO_REUSEADDR` (`SOL_SOCKET`, `int` as `bool`) — socket(7).
    ///
    /// For TCP on Linux: lets `bind` reuse a port held by connections in `TIME_WAIT`, and lets
    /// several sockets that all set it bind the same address while none of them listens. It does
    /// **not** let two sockets listen on one port (that is [`SoReusePort`]).
    SoReuseAddr: SOL_SOCKET, SO_REUSEADDR, c_int => bool, get int_to_bool, set bool_to_int
}
sockopt! {
    /// `SO_REUSEPORT` (`SOL_SOCKET`, `int` as `bool`) — socket(7).
    ///
    /// Sockets of one user that all set it before `bind` may bind (and listen on) the same
    /// address and port; the kernel spreads incoming connections or datagrams across them.
    SoReusePort: SOL_SOCKET, SO_REUSEPORT, c_int => bool, get int_to_bool, set bool_to_int
}
sockopt! {
    /// `SO_KEEPALIVE` (`SOL_SOCKET`, `int` as `bool`) — socket(7): TCP keep-alive probes.
    SoKeepAlive: SOL_SOCKET, SO_KEEPALIVE, c_int => bool, get int_to_bool, set bool_to_int
}
sockopt! {
    /// `SO_BROADCAST` (`SOL_SOCKET`, `int` as `bool`) — socket(7): permits sending to a
    /// broadcast address on a datagram socket.
    SoBroadcast: SOL_SOCKET, SO_BROADCAST, c_int => bool, get int_to_bool, set bool_to_int
}
sockopt! {
    /// `SO_ACCEPTCONN` (`SOL_SOCKET`, `int` as `bool`, read-only) — socket(7): whether the
    /// socket is listening.
    SoAcceptConn: SOL_SOCKET, SO_ACCEPTCONN, c_int => bool, get int_to_bool
}
sockopt! {
    /// `SO_RCVBUF` (`SOL_SOCKET`, `int` as `usize`) — socket(7): the receive buffer size.
    ///
    /// **The kernel doubles the value you set** (the extra half pays for its bookkeeping), caps
    /// the request at `net.core.rmem_max` first and raises it to a small minimum; the getter
    /// returns what the kernel reports, so setting 8192 reads back 16384. socklab sends your
    /// number unchanged and does not halve the answer.
    SoRcvBuf: SOL_SOCKET, SO_RCVBUF, c_int => usize, get int_to_size, set size_to_int
}
sockopt! {
    /// `SO_SNDBUF` (`SOL_SOCKET`, `int` as `usize`) — socket(7): the send buffer size.
    ///
    /// Doubled by the kernel like [`SoRcvBuf`] (capped at `net.core.wmem_max` first); the getter
    /// returns the kernel's number.
    SoSndBuf: SOL_SOCKET, SO_SNDBUF, c_int => usize, get int_to_size, set size_to_int
}
sockopt! {
    /// `SO_RCVTIMEO` (`SOL_SOCKET`, `timeval` as `Option<Duration>`) — socket(7): how long a
    /// blocking receive waits before failing with `EAGAIN`.
    ///
    /// `None` is C's `{0, 0}` (wait forever). `Some(Duration::ZERO)` and durations that are not
    /// whole microseconds are refused with `EINVAL` (C cannot say them). The kernel stores the
    /// timeout in jiffies, so the getter may return it rounded up to a tick.
    SoRcvTimeo: SOL_SOCKET, SO_RCVTIMEO, timeval => Option<Duration>,
    get timeval_to_timeout, set timeout_to_timeval
}
sockopt! {
    /// `SO_SNDTIMEO` (`SOL_SOCKET`, `timeval` as `Option<Duration>`) — socket(7): how long a
    /// blocking send waits. Same rules as [`SoRcvTimeo`].
    SoSndTimeo: SOL_SOCKET, SO_SNDTIMEO, timeval => Option<Duration>,
    get timeval_to_timeout, set timeout_to_timeval
}
sockopt! {
    /// `SO_LINGER` (`SOL_SOCKET`, `linger` as `Option<Duration>`) — socket(7).
    ///
    /// `None` is `l_onoff = 0` (close returns at once, unsent data is sent in the background).
    /// `Some(d)` is `l_onoff = 1, l_linger = d` in whole seconds (anything else is refused with
    /// `EINVAL`): close blocks up to `d` for unsent data; `Some(Duration::ZERO)` makes close
    /// reset the connection (RST) instead of the FIN handshake.
    SoLinger: SOL_SOCKET, SO_LINGER, linger => Option<Duration>,
    get linger_to_duration, set duration_to_linger
}
sockopt! {
    /// `SO_ERROR` (`SOL_SOCKET`, `int` as `Option<Errno>`, read-only) — socket(7).
    ///
    /// The pending socket error, `None` when there is none; reading it clears it. This is how a
    /// non-blocking `connect` reports its outcome once poll says the socket is writable.
    SoError: SOL_SOCKET, SO_ERROR, c_int => Option<Errno>, get int_to_errno
}
sockopt! {
    /// `SO_TYPE` (`SOL_SOCKET`, `int`, read-only) — socket(7): `SOCK_STREAM`, `SOCK_DGRAM`,
    /// `SOCK_SEQPACKET`… (without the `SOCK_NONBLOCK`/`SOCK_CLOEXEC` flags).
    SoType: SOL_SOCKET, SO_TYPE, c_int => c_int, get int_to_int
}
sockopt! {
    /// `SO_PEERCRED` (`SOL_SOCKET`, `ucred`, read-only) — unix(7): pid, uid and gid of the peer
    /// of a Unix-domain socket, as of `connect`/`socketpair`.
    SoPeerCred: SOL_SOCKET, SO_PEERCRED, ucred => ucred, get ucred_to_ucred
}
sockopt! {
    /// `TCP_NODELAY` (`IPPROTO_TCP`, `int` as `bool`) — tcp(7): turns Nagle's algorithm off, so
    /// small writes are sent at once instead of waiting for outstanding data to be acknowledged.
    TcpNoDelay: IPPROTO_TCP, TCP_NODELAY, c_int => bool, get int_to_bool, set bool_to_int
}
sockopt! {
    /// `TCP_QUICKACK` (`IPPROTO_TCP`, `int` as `bool`) — tcp(7): acknowledge at once instead of
    /// delaying ACKs.
    ///
    /// Not permanent: the kernel may go back to delayed ACKs later, and the getter reports the
    /// current mode, not the last value set.
    TcpQuickAck: IPPROTO_TCP, TCP_QUICKACK, c_int => bool, get int_to_bool, set bool_to_int
}
sockopt! {
    /// `TCP_DEFER_ACCEPT` (`IPPROTO_TCP`, `int` seconds as `usize`) — tcp(7): on a listener,
    /// the handshake's final ACK is ignored (the connection stays in the SYN queue) until data
    /// arrives or about this many seconds pass, so `accept` only returns connections with
    /// something to read. The kernel rounds to its SYN-ACK retransmission steps; the getter
    /// returns the rounded value.
    TcpDeferAccept: IPPROTO_TCP, TCP_DEFER_ACCEPT, c_int => usize, get int_to_size, set size_to_int
}
sockopt! {
    /// `TCP_INFO` (`IPPROTO_TCP`, `tcp_info`, read-only) — tcp(7): the connection's state and
    /// the kernel's congestion-control figures, as `ss -ti` shows them. See [`TcpInfoValue`].
    TcpInfo: IPPROTO_TCP, TCP_INFO, tcp_info => TcpInfoValue, get TcpInfoValue::from
}
sockopt! {
    /// `IPV6_V6ONLY` (`IPPROTO_IPV6`, `int` as `bool`) — ipv6(7).
    ///
    /// When set, an `AF_INET6` socket bound to `[::]` takes IPv6 traffic only, so an `AF_INET`
    /// socket can bind `0.0.0.0` on the same port. When clear (the default unless
    /// `net.ipv6.bindv6only` is 1) it also takes IPv4 as v4-mapped addresses and holds the
    /// IPv4 port too. Set it before `bind`.
    Ipv6V6Only: IPPROTO_IPV6, IPV6_V6ONLY, c_int => bool, get int_to_bool, set bool_to_int
}

/// A TCP state as `tcp_info.tcpi_state` and `/proc/net/tcp` report it (`TcpState::ESTABLISHED`).
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct TcpState(u8);

macro_rules! tcp_states {
    ($($name:ident = $v:literal),* $(,)?) => {
        impl TcpState {
            $(
                #[doc = concat!("`TCP_", stringify!($name), "` (", stringify!($v), ").")]
                pub const $name: TcpState = TcpState($v);
            )*

            /// The state's name without the `TCP_` prefix (`"ESTABLISHED"`), as `ss` prints
            /// it, or `"?"` for a value Linux does not define.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($v => stringify!($name),)*
                    _ => "?",
                }
            }
        }
    };
}

// From include/net/tcp_states.h.
tcp_states!(
    ESTABLISHED = 1,
    SYN_SENT = 2,
    SYN_RECV = 3,
    FIN_WAIT1 = 4,
    FIN_WAIT2 = 5,
    TIME_WAIT = 6,
    CLOSE = 7,
    CLOSE_WAIT = 8,
    LAST_ACK = 9,
    LISTEN = 10,
    CLOSING = 11,
    NEW_SYN_RECV = 12,
);

impl TcpState {
    /// The raw `tcpi_state` value.
    pub const fn raw(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `getsockopt(fd, IPPROTO_TCP, TCP_INFO, …)` reports, with the most used fields in Rust
/// types and the whole C struct in [`raw`](TcpInfoValue::raw).
///
/// On a kernel older than libc's `tcp_info`, the fields it does not know are zero.
///
/// ```
/// use socklab::sys::{self, opt::{TcpInfo, TcpState}, SockAddr, AF_INET, SOCK_STREAM};
/// let lst = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&lst, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&lst, 1)?;
/// assert_eq!(sys::get_opt(&lst, TcpInfo)?.state, TcpState::LISTEN);
/// # Ok::<(), socklab::Error>(())
/// ```
#[derive(Copy, Clone, Debug)]
pub struct TcpInfoValue {
    /// `tcpi_state`: where the connection is in the TCP state machine.
    pub state: TcpState,
    /// `tcpi_rtt`: the smoothed round-trip time (the kernel counts microseconds).
    pub rtt: Duration,
    /// `tcpi_rttvar`: the round-trip time's mean deviation.
    pub rttvar: Duration,
    /// `tcpi_snd_cwnd`: the congestion window, in segments.
    pub snd_cwnd: u32,
    /// `tcpi_total_retrans`: segments retransmitted over the connection's life.
    pub total_retrans: u32,
    /// The whole C struct as the kernel filled it.
    pub raw: tcp_info,
}

impl From<tcp_info> for TcpInfoValue {
    fn from(raw: tcp_info) -> TcpInfoValue {
        TcpInfoValue {
            state: TcpState(raw.tcpi_state),
            rtt: Duration::from_micros(raw.tcpi_rtt.into()),
            rttvar: Duration::from_micros(raw.tcpi_rttvar.into()),
            snd_cwnd: raw.tcpi_snd_cwnd,
            total_retrans: raw.tcpi_total_retrans,
            raw,
        }
    }
}
