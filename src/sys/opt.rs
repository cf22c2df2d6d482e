//! Socket options: setsockopt(2)/getsockopt(2) on bytes and on plain C values, and typed options
//! ([`SoReuseAddr`], [`SoRcvBuf`], [`TcpInfo`]…) whose values are natural Rust types.
//!
//! Three levels, each built on the one below:
//! - **bytes** (`unsafe`): [`setsockopt`]/[`getsockopt`] take `&[u8]`/`&mut [u8]`, exactly C's
//!   `optval`/`optlen`; `getsockopt` returns the `optlen` the kernel wrote back.
//! - **plain C values** (`unsafe`): [`setsockopt_plain`]/[`getsockopt_plain`] pass a `c_int`,
//!   `linger`, `timeval`, `tcp_info`… by pointer with `sizeof` as the length, like C code does.
//!   Only [`Plain`] types are allowed (an `unsafe trait`): C types for which every byte pattern
//!   the kernel may write is a valid value. The returned `optlen` must be the type's size.
//! - **typed options** (safe): a unit struct per option implementing [`SockOpt`] (level, name,
//!   C type, Rust type) and [`GetOpt`]/[`SetOpt`] (the conversions); [`set_opt`]/[`get_opt`] run
//!   them: `set_opt(&fd, SoReuseAddr, true)`, `get_opt(&fd, SoRcvTimeo)? == Some(duration)`.
//!
//! Why the lower two are `unsafe`: `level` and `optname` are runtime values, and what the kernel
//! does with `optval` depends on them. `SO_GET_FILTER` reads `optlen` as a count of 8-byte BPF
//! instructions (a 4-byte buffer gets 32 bytes written into it), `TCP_ZEROCOPY_RECEIVE` writes
//! through pointers it finds in the value, `SO_ATTACH_FILTER` reads from one. A [`SockOpt`]
//! is an `unsafe trait`: its implementation promises, once per option, that none of that
//! happens, which is what makes [`get_opt`]/[`set_opt`] safe. Add your own options that way.
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
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::{c_int, c_void};
use std::time::Duration;

use libc::{linger, socklen_t, tcp_info, timeval, ucred};

use super::{cvt, raw, Args, Errno, Error, Result};

// ---- names: the crate's one table (`sys/names.rs`) serves these errors and the trace ----

pub use super::names::{level_name, optname};

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
        return Err(super::refuse(
            Errno::EINVAL,
            "setsockopt",
            Args::setsockopt(fd, level, name, len),
            "optlen does not fit in a socklen_t",
        ));
    };
    // SAFETY: the caller guarantees `optval` is readable for `len` (= `optlen`) bytes.
    let rc = unsafe { raw::setsockopt(fd, level, name, optval, optlen) };
    cvt(rc, "setsockopt", || Args::setsockopt(fd, level, name, len)).map(drop)
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
    cvt(rc, "getsockopt", || Args::getsockopt(fd, level, name, cap))?;
    Ok(optlen as usize)
}

// ---- level 1: bytes (unsafe: the kernel decides what optlen means) ----

/// `setsockopt(sockfd, level, optname, optval, optlen)` — setsockopt(2), on bytes.
///
/// `optval` and `optlen` travel as one `&[u8]`, so the length always matches the buffer. The
/// bytes go to the kernel as given: for an `int` option pass `1i32.to_ne_bytes()`. Prefer the
/// safe typed [`set_opt`] where socklab (or your own [`SockOpt`]) has the option.
///
/// # Safety
/// `level` and `optname` are runtime values, so socklab cannot know what the kernel does with
/// the bytes. The caller guarantees that, for this option on this socket:
/// - the value is plain bytes of exactly the layout the option expects, and `optlen`
///   (`optval.len()`) is a byte count: the kernel reads at most `optval.len()` bytes;
/// - the value holds no pointer the kernel follows: `SO_ATTACH_FILTER`'s `struct sock_fprog`
///   makes the kernel read the program from any address, `IPT_SO_SET_REPLACE` makes it write
///   counters through one (use [`filter::attach_filter`](super::filter::attach_filter) for
///   filters).
///
#[doc = errors_doc!(setsockopt)]
///
/// The message names the level and option:
/// `setsockopt(fd 3, SOL_SOCKET, SO_REUSEADDR, 1 bytes): EINVAL (Invalid argument)`.
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, Errno};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// // SAFETY: SO_REUSEADDR's value is an int read as 4 bytes, with no pointer in it.
/// unsafe { sys::setsockopt(&fd, SOL_SOCKET, SO_REUSEADDR, &1i32.to_ne_bytes())? };
/// // One byte is too short for an int option (the kernel reads nothing):
/// // SAFETY: as above; the kernel checks optlen before reading.
/// let err = unsafe { sys::setsockopt(&fd, SOL_SOCKET, SO_REUSEADDR, &[1]) }.unwrap_err();
/// assert_eq!(err.code(), Errno::EINVAL);
/// assert!(err.to_string().contains("SOL_SOCKET, SO_REUSEADDR, 1 bytes): EINVAL"));
/// # Ok::<(), socklab::Error>(())
/// ```
///
/// Without `unsafe` it does not compile:
/// ```compile_fail,E0133
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::setsockopt(&fd, SOL_SOCKET, SO_REUSEADDR, &1i32.to_ne_bytes())?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(setsockopt(2))]
pub unsafe fn setsockopt(
    sockfd: impl AsFd,
    level: c_int,
    optname: c_int,
    optval: &[u8],
) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: `optval` is a live slice, readable for `optval.len()` bytes; the caller
    // guarantees the kernel reads no more than that and follows no pointer in them.
    unsafe { set_raw(fd, level, optname, optval.as_ptr().cast(), optval.len()) }
}

/// `getsockopt(sockfd, level, optname, optval, optlen)` — getsockopt(2), into bytes.
///
/// `optval` and `*optlen` are one `&mut [u8]`; the return value is the `optlen` the kernel wrote
/// back, which for most options is how many bytes of `optval` it filled. A buffer shorter than
/// the option is usually filled as far as it goes without an error, as in C (for `SOL_SOCKET`
/// ints, for example). Prefer the safe typed [`get_opt`].
///
/// # Safety
/// `level` and `optname` are runtime values, so socklab cannot know how the kernel reads
/// `optlen` or the buffer. The caller guarantees that, for this option on this socket:
/// - `optlen` is a byte count, so the kernel writes at most `optval.len()` bytes. Not so for
///   `SO_GET_FILTER`, whose `optlen` counts 8-byte BPF instructions: a 4-byte buffer in front of
///   a 4-instruction filter gets 32 bytes written into it (the kernel then returns 4, the
///   instruction count);
/// - the buffer holds no pointer the kernel follows (`TCP_ZEROCOPY_RECEIVE` writes through the
///   addresses it finds in the value);
/// - every byte pattern the kernel may write is fine for the caller (true of a `[u8]`).
///
#[doc = errors_doc!(getsockopt)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_TYPE};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let mut val = [0u8; 4];
/// // SAFETY: SO_TYPE is an int; its optlen is a byte count and the kernel writes at most 4.
/// let n = unsafe { sys::getsockopt(&fd, SOL_SOCKET, SO_TYPE, &mut val)? };
/// assert_eq!(n, 4);
/// assert_eq!(i32::from_ne_bytes(val), SOCK_DGRAM);
/// # Ok::<(), socklab::Error>(())
/// ```
///
/// Without `unsafe` it does not compile:
/// ```compile_fail,E0133
/// use socklab::sys::{self, AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_TYPE};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let mut val = [0u8; 4];
/// sys::getsockopt(&fd, SOL_SOCKET, SO_TYPE, &mut val)?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getsockopt(2))]
pub unsafe fn getsockopt(
    sockfd: impl AsFd,
    level: c_int,
    optname: c_int,
    optval: &mut [u8],
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: `optval` is a live, exclusively borrowed slice, writable for its length; the
    // caller guarantees the kernel writes no more than that and follows no pointer in it.
    unsafe { get_raw(fd, level, optname, optval.as_mut_ptr().cast(), optval.len()) }
}

// ---- level 2: plain C values ----

// `Plain` lives beside `Zeroable` (sys/zeroed.rs): both say which bytes make a valid C value.
pub use super::zeroed::Plain;

/// The length check of the plain getters: `EINVAL` with a note unless the kernel wrote all of a
/// `T` (or, for a [`Plain::PARTIAL`] type, no more than a `T`).
fn check_len<T: Plain>(n: usize, fd: c_int, level: c_int, name: c_int) -> Result<()> {
    let size = size_of::<T>();
    if n == size || (T::PARTIAL && n <= size) {
        return Ok(());
    }
    Err(
        Error::from_args(Errno::EINVAL, Args::getsockopt(fd, level, name, size)).with_note(
            format!("the kernel wrote {n} bytes; {} has {size}", T::C_NAME),
        ),
    )
}

/// `setsockopt(sockfd, level, optname, &optval, sizeof optval)` — setsockopt(2), for a plain C
/// value passed by pointer as C code does.
///
/// The length is `size_of::<T>()`. `T` is a [`Plain`] C type: `c_int` for most options,
/// `linger` for `SO_LINGER`, `timeval` for `SO_RCVTIMEO`…
///
/// # Safety
/// As for [`setsockopt`] with `size_of::<T>()` bytes: `T` is exactly the layout the option
/// `(level, optname)` expects, the kernel reads at most `size_of::<T>()` bytes, and the value
/// holds no pointer the kernel follows. `T` has no padding bytes (the trace reads all
/// `size_of::<T>()` of them). A typed [`SockOpt`] makes that promise once, and [`set_opt`] is
/// safe.
///
#[doc = errors_doc!(setsockopt)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_LINGER};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// let lin = libc::linger { l_onoff: 1, l_linger: 0 }; // close() sends RST
/// // SAFETY: SO_LINGER's value is a struct linger (two ints, no pointer) in both directions.
/// let back: libc::linger = unsafe {
///     sys::setsockopt_plain(&fd, SOL_SOCKET, SO_LINGER, &lin)?;
///     sys::getsockopt_plain(&fd, SOL_SOCKET, SO_LINGER)?
/// };
/// assert_eq!((back.l_onoff, back.l_linger), (1, 0));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(setsockopt(2))]
#[doc(alias = "setsockopt")]
pub unsafe fn setsockopt_plain<T: Plain>(
    sockfd: impl AsFd,
    level: c_int,
    optname: c_int,
    optval: &T,
) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let p: *const T = optval;
    // SAFETY: `p` comes from a live reference, readable for size_of::<T>() bytes; the caller
    // guarantees the kernel reads no more and follows no pointer in them.
    unsafe { set_raw(fd, level, optname, p.cast(), size_of::<T>()) }
}

/// `getsockopt(sockfd, level, optname, &optval, &optlen)` — getsockopt(2), into a plain C value
/// that Rust returns instead of filling an out-parameter.
///
/// The buffer starts all-zero and is `size_of::<T>()` bytes long. Rust adds one check C code
/// usually skips: the `optlen` the kernel wrote back must be `size_of::<T>()`, else the value
/// would be partly made up. The exception is a [`Plain::PARTIAL`] type such as `tcp_info`,
/// which grows with kernel versions: an older kernel's shorter answer is accepted, the fields it
/// does not know staying zero.
///
/// # Safety
/// As for [`getsockopt`] with a `size_of::<T>()`-byte buffer: for the option
/// `(level, optname)`, `optlen` is a byte count (the kernel writes at most `size_of::<T>()`
/// bytes; not so for `SO_GET_FILTER`) and the value holds no pointer the kernel follows
/// (`TCP_ZEROCOPY_RECEIVE`). A typed [`SockOpt`] makes that promise once, and [`get_opt`] is
/// safe.
///
#[doc = errors_doc!(getsockopt)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_TYPE, Errno};
/// use std::ffi::c_int;
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// // SAFETY: SO_TYPE is an int with a byte-count optlen: the kernel writes at most 4 bytes.
/// let ty: c_int = unsafe { sys::getsockopt_plain(&fd, SOL_SOCKET, SO_TYPE)? };
/// assert_eq!(ty, SOCK_STREAM);
/// // SO_TYPE is an int: the kernel writes 4 bytes, not a linger's 8.
/// // SAFETY: as above; it writes at most 4 of the 8 bytes.
/// let err = unsafe { sys::getsockopt_plain::<libc::linger>(&fd, SOL_SOCKET, SO_TYPE) };
/// assert_eq!(err.unwrap_err().code(), Errno::EINVAL);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getsockopt(2))]
#[doc(alias = "getsockopt")]
pub unsafe fn getsockopt_plain<T: Plain>(
    sockfd: impl AsFd,
    level: c_int,
    optname: c_int,
) -> Result<T> {
    let fd = sockfd.as_fd().as_raw_fd();
    let mut val = zeroed_plain::<T>();
    let p: *mut T = &mut val;
    // SAFETY: `p` points to a live local T, writable for size_of::<T>() bytes; the caller
    // guarantees the kernel writes no more and follows no pointer in it, and T is Plain, so
    // whatever bytes it writes leave a valid T.
    let n = unsafe { get_raw(fd, level, optname, p.cast(), size_of::<T>())? };
    check_len::<T>(n, fd, level, optname)?;
    Ok(val)
}

// ---- level 3: typed options ----

/// A socket option: its level, its name, the C type it travels as and the Rust type it reads as.
///
/// socklab implements it on one unit struct per option ([`SoReuseAddr`], [`TcpInfo`]…).
/// [`GetOpt`] and [`SetOpt`] add the conversions; a read-only option (`SO_ERROR`, `SO_TYPE`,
/// `TCP_INFO`) has no `SetOpt`. With it [`set_opt`]/[`get_opt`] are safe, because the
/// implementation promises what the byte-level calls leave to their caller.
///
/// Your own option is an `unsafe impl`:
/// ```
/// use socklab::sys::{self, GetOpt, SockOpt, AF_INET, SOCK_STREAM, SOL_SOCKET};
/// use std::ffi::c_int;
/// /// `SO_COOKIE` (`SOL_SOCKET`, `__u64`, read-only): the socket's unique cookie.
/// #[derive(Copy, Clone, Debug)]
/// struct SoCookie;
/// // SAFETY: sk_getsockopt copies min(optlen, 8) bytes of a u64 for SO_COOKIE and writes that
/// // length back; setsockopt refuses it (ENOPROTOOPT); no pointer is involved either way.
/// unsafe impl SockOpt for SoCookie {
///     const LEVEL: c_int = SOL_SOCKET;
///     const NAME: c_int = libc::SO_COOKIE; // not among socklab::sys's constants
///     type C = u64;
///     type Value = u64;
/// }
/// impl GetOpt for SoCookie {
///     fn decode(c: u64) -> u64 {
///         c
///     }
/// }
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// assert_ne!(sys::get_opt(&fd, SoCookie)?, 0);
/// # Ok::<(), socklab::Error>(())
/// ```
///
/// A plain `impl` does not compile:
/// ```compile_fail,E0200
/// use socklab::sys::{SockOpt, SOL_SOCKET};
/// use std::ffi::c_int;
/// #[derive(Copy, Clone)]
/// struct SoGetFilter;
/// impl SockOpt for SoGetFilter {
///     const LEVEL: c_int = SOL_SOCKET;
///     const NAME: c_int = libc::SO_GET_FILTER; // optlen counts 8-byte instructions
///     type C = c_int;
///     type Value = c_int;
/// }
/// ```
///
/// # Safety
/// Implementing `SockOpt` promises, for the option `(LEVEL, NAME)` on any socket:
/// - `getsockopt` with a buffer of `size_of::<C>()` bytes treats `optlen` as a byte count:
///   it writes at most `size_of::<C>()` bytes and writes back how many (so `SO_GET_FILTER`,
///   whose `optlen` counts instructions, cannot be a `SockOpt`);
/// - `setsockopt` with `size_of::<C>()` bytes reads at most those bytes;
/// - the value holds no pointer the kernel follows in either direction (`SO_ATTACH_FILTER`'s
///   `sock_fprog`, `TCP_ZEROCOPY_RECEIVE`), and the call creates or closes no fd the value
///   would then own or name;
/// - `C` is the type the kernel reads and writes (its [`Plain`] promise covers the Rust side),
///   and, if the option implements [`SetOpt`], `C` has no padding: [`set_opt`] hands all its
///   bytes to the kernel and the trace reads them, so each must be initialized.
///
/// This holds in both directions even if you implement only [`GetOpt`] or [`SetOpt`]: the
/// kernel may give the other direction a different meaning (`SO_ATTACH_FILTER` and
/// `SO_GET_FILTER` are the same number).
pub unsafe trait SockOpt: Copy {
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
#[doc = errors_doc!(setsockopt)]
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
#[doc = man_links!(setsockopt(2))]
#[doc(alias = "setsockopt")]
pub fn set_opt<O: SetOpt>(sockfd: impl AsFd, _opt: O, value: O::Value) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let c = O::encode(value).map_err(|note| {
        let a = Args::setsockopt(fd, O::LEVEL, O::NAME, size_of::<O::C>());
        super::refuse(Errno::EINVAL, "setsockopt", a, note)
    })?;
    let p: *const O::C = &c;
    // SAFETY: `p` points to a live O::C, readable for size_of::<O::C>() bytes; `O: SockOpt`
    // promises the kernel reads no more for (O::LEVEL, O::NAME) and follows no pointer in it.
    unsafe { set_raw(fd, O::LEVEL, O::NAME, p.cast(), size_of::<O::C>()) }
}

/// `getsockopt(sockfd, O::LEVEL, O::NAME, optval, &optlen)` with `optlen = sizeof *optval` —
/// getsockopt(2) into the caller's C value, typed; returns the `optlen` the kernel wrote back.
///
/// The building block of [`get_opt`], for a caller who keeps the C value (to reuse it, or to
/// see which bytes the kernel wrote: the bytes of `optval` past the returned length are left as
/// they were). No length check: compare the result with `size_of::<O::C>()` yourself.
///
#[doc = errors_doc!(getsockopt)]
///
/// # Example
/// ```
/// use socklab::sys::{self, opt::TcpCongestion, AF_INET, SOCK_STREAM};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// let mut name = [0xffu8; 16];
/// let n = sys::get_opt_into(&fd, TcpCongestion, &mut name)?;
/// assert_eq!(n, 16); // the kernel copies its whole char[TCP_CA_NAME_MAX]
/// assert!(name.contains(&0)); // NUL-terminated inside
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getsockopt(2))]
#[doc(alias = "getsockopt")]
pub fn get_opt_into<O: GetOpt>(sockfd: impl AsFd, _opt: O, optval: &mut O::C) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    let p: *mut O::C = optval;
    // SAFETY: `p` comes from a live exclusive reference, writable for size_of::<O::C>() bytes;
    // `O: SockOpt` promises the kernel writes no more for (O::LEVEL, O::NAME) and follows no
    // pointer in it, and `O::C: Plain` makes any bytes it writes a valid O::C.
    unsafe { get_raw(fd, O::LEVEL, O::NAME, p.cast(), size_of::<O::C>()) }
}

/// `getsockopt(sockfd, O::LEVEL, O::NAME, &c_value, &optlen)` — getsockopt(2), typed.
///
/// Reads the option's C value with [`get_opt_into`] into an all-zero value, checks the length
/// as [`getsockopt_plain`] does, and converts it to the Rust type. The value is what the kernel
/// reports, which may differ from what was set (see each option's docs: `SO_RCVBUF` is doubled,
/// timeouts are kept in jiffies).
///
#[doc = errors_doc!(getsockopt)]
///
/// # Example
/// ```
/// use socklab::sys::{self, opt::SoType, AF_UNIX, SOCK_SEQPACKET};
/// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0)?;
/// assert_eq!(sys::get_opt(&a, SoType)?, SOCK_SEQPACKET);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getsockopt(2))]
#[doc(alias = "getsockopt")]
pub fn get_opt<O: GetOpt>(sockfd: impl AsFd, opt: O) -> Result<O::Value> {
    let fd = sockfd.as_fd();
    let mut c = zeroed_plain::<O::C>();
    let n = get_opt_into(fd, opt, &mut c)?;
    check_len::<O::C>(n, fd.as_raw_fd(), O::LEVEL, O::NAME)?;
    Ok(O::decode(c))
}

use super::zeroed::zeroed_plain;

/// Declares one typed option: a unit struct, its [`SockOpt`] facts and its conversions. Each use
/// is preceded by a `// SAFETY:` comment saying why the kernel keeps [`SockOpt`]'s promise for
/// that option (how its get and set paths treat `optlen` and the value).
macro_rules! sockopt {
    ($(#[$doc:meta])* $name:ident: $level:ident, $opt:ident, $c:ty => $v:ty,
     get $dec:expr $(, set $enc:expr)?) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;
        // SAFETY: see the `// SAFETY:` comment at this macro's use for the option.
        unsafe impl SockOpt for $name {
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
fn int_to_u32(c: c_int) -> u32 {
    // The TTL and the MSS are reported as non-negative ints.
    u32::try_from(c).unwrap_or(0)
}
fn u32_to_int(v: u32) -> std::result::Result<c_int, String> {
    c_int::try_from(v).map_err(|_| format!("{v} does not fit in an int (INT_MAX)"))
}
/// The same 32 bits: the kernel stores `SO_PRIORITY`'s int as the `u32` `sk_priority`.
fn int_bits_to_u32(c: c_int) -> u32 {
    u32::from_ne_bytes(c.to_ne_bytes())
}
fn u32_to_int_bits(v: u32) -> std::result::Result<c_int, String> {
    Ok(c_int::from_ne_bytes(v.to_ne_bytes()))
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

/// The kernel's name buffers: `TCP_ULP_NAME_MAX` and `TCP_CA_NAME_MAX` are both 16 (a name of
/// at most 15 bytes and its NUL).
const NAME_MAX: usize = 16;

/// The name up to its NUL (the kernel sends its whole `char[16]`, zero-padded, or nothing).
fn name_to_string(c: [u8; NAME_MAX]) -> String {
    let end = c.iter().position(|&b| b == 0).unwrap_or(NAME_MAX);
    String::from_utf8_lossy(&c[..end]).into_owned()
}
/// `name` zero-padded to 16 bytes: the kernel reads at most 15 and stops at the first NUL, so
/// a longer name (which it would cut) or one with a NUL inside is refused.
fn string_to_name(name: String) -> std::result::Result<[u8; NAME_MAX], String> {
    if name.len() >= NAME_MAX {
        return Err(format!(
            "{name:?} has {} bytes; the kernel keeps at most 15 (char[16] with its NUL)",
            name.len()
        ));
    }
    if name.contains('\0') {
        return Err(format!(
            "{name:?} has a NUL inside; C would end the name there"
        ));
    }
    let mut c = [0; NAME_MAX];
    c[..name.len()].copy_from_slice(name.as_bytes());
    Ok(c)
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

// SAFETY: SO_REUSEADDR: sk_getsockopt copies min(optlen, sizeof(int)) bytes of its int and
// writes that length back; sk_setsockopt refuses optlen < 4 and reads one int; no pointer.
sockopt! {
    /// `SO_REUSEADDR` (`SOL_SOCKET`, `int` as `bool`) — socket(7).
    ///
    /// For TCP on Linux: lets `bind` reuse a port held by connections in `TIME_WAIT`, and lets
    /// several sockets that all set it bind the same address while none of them listens. It does
    /// **not** let two sockets listen on one port (that is [`SoReusePort`]).
    SoReuseAddr: SOL_SOCKET, SO_REUSEADDR, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: SO_REUSEPORT is an int on sk_getsockopt's/sk_setsockopt's common path (at most
// optlen bytes written, one int read), with no pointer.
sockopt! {
    /// `SO_REUSEPORT` (`SOL_SOCKET`, `int` as `bool`) — socket(7).
    ///
    /// Sockets of one user that all set it before `bind` may bind (and listen on) the same
    /// address and port; the kernel spreads incoming connections or datagrams across them.
    SoReusePort: SOL_SOCKET, SO_REUSEPORT, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: SO_KEEPALIVE: an int, written as min(optlen, 4) bytes and read as 4; no pointer.
sockopt! {
    /// `SO_KEEPALIVE` (`SOL_SOCKET`, `int` as `bool`) — socket(7): TCP keep-alive probes.
    SoKeepAlive: SOL_SOCKET, SO_KEEPALIVE, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: SO_PASSCRED: an int, written as min(optlen, 4) bytes and read as 4; no pointer.
sockopt! {
    /// `SO_PASSCRED` (`SOL_SOCKET`, `int` as `bool`) — unix(7): receive the sender's
    /// `SCM_CREDENTIALS` (pid, uid, gid) with each message on a Unix socket.
    SoPassCred: SOL_SOCKET, SO_PASSCRED, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: UDP_GRO: udp_lib_setsockopt reads one int (optlen >= sizeof(int)) and follows no
// pointer; udp_lib_getsockopt writes min(optlen, 4) bytes of an int.
sockopt! {
    /// `UDP_GRO` (`SOL_UDP`, `int` as `bool`) — udp(7): coalesce received datagrams of one flow
    /// into one `recvmsg`, with a `UDP_GRO` control message giving the segment size.
    UdpGro: SOL_UDP, UDP_GRO, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: SO_BROADCAST: an int, written as min(optlen, 4) bytes and read as 4; no pointer.
sockopt! {
    /// `SO_BROADCAST` (`SOL_SOCKET`, `int` as `bool`) — socket(7): permits sending to a
    /// broadcast address on a datagram socket.
    SoBroadcast: SOL_SOCKET, SO_BROADCAST, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: SO_ACCEPTCONN: getsockopt writes min(optlen, 4) bytes of an int; setsockopt refuses
// it (ENOPROTOOPT) without reading; no pointer.
sockopt! {
    /// `SO_ACCEPTCONN` (`SOL_SOCKET`, `int` as `bool`, read-only) — socket(7): whether the
    /// socket is listening.
    SoAcceptConn: SOL_SOCKET, SO_ACCEPTCONN, c_int => bool, get int_to_bool
}
// SAFETY: SO_RCVBUF: an int both ways (at most optlen bytes written, 4 read); no pointer.
sockopt! {
    /// `SO_RCVBUF` (`SOL_SOCKET`, `int` as `usize`) — socket(7): the receive buffer size.
    ///
    /// **The kernel doubles the value you set** (the extra half pays for its bookkeeping), caps
    /// the request at `net.core.rmem_max` first and raises it to a small minimum; the getter
    /// returns what the kernel reports, so setting 8192 reads back 16384. socklab sends your
    /// number unchanged and does not halve the answer.
    SoRcvBuf: SOL_SOCKET, SO_RCVBUF, c_int => usize, get int_to_size, set size_to_int
}
// SAFETY: SO_RCVBUFFORCE: an int, read as 4 bytes by setsockopt (getsockopt refuses it with
// ENOPROTOOPT, so nothing is written); no pointer.
sockopt! {
    /// `SO_RCVBUFFORCE` (`SOL_SOCKET`, `int` as `usize`) — socket(7): as `SO_RCVBUF`, but a
    /// process with `CAP_NET_ADMIN` may exceed `net.core.rmem_max`. Set-only: read the size back
    /// with [`SoRcvBuf`].
    SoRcvBufForce: SOL_SOCKET, SO_RCVBUFFORCE, c_int => usize, get int_to_size, set size_to_int
}
// SAFETY: SO_SNDBUF: an int both ways (at most optlen bytes written, 4 read); no pointer.
sockopt! {
    /// `SO_SNDBUF` (`SOL_SOCKET`, `int` as `usize`) — socket(7): the send buffer size.
    ///
    /// Doubled by the kernel like [`SoRcvBuf`] (capped at `net.core.wmem_max` first); the getter
    /// returns the kernel's number.
    SoSndBuf: SOL_SOCKET, SO_SNDBUF, c_int => usize, get int_to_size, set size_to_int
}
// SAFETY: SO_RCVTIMEO (the old-timeval number): sock_get_timeout fills a timeval and
// sk_getsockopt copies min(optlen, its size); sock_set_timeout reads one timeval. No pointer.
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
// SAFETY: SO_SNDTIMEO: the same timeval paths as SO_RCVTIMEO (at most sizeof(timeval) bytes
// either way); no pointer.
sockopt! {
    /// `SO_SNDTIMEO` (`SOL_SOCKET`, `timeval` as `Option<Duration>`) — socket(7): how long a
    /// blocking send waits. Same rules as [`SoRcvTimeo`].
    SoSndTimeo: SOL_SOCKET, SO_SNDTIMEO, timeval => Option<Duration>,
    get timeval_to_timeout, set timeout_to_timeval
}
// SAFETY: SO_LINGER: getsockopt copies min(optlen, sizeof(struct linger)) bytes; setsockopt
// refuses a shorter optlen and reads one struct linger (two ints). No pointer.
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
// SAFETY: SO_ERROR: getsockopt writes min(optlen, 4) bytes of an int; setsockopt refuses it.
sockopt! {
    /// `SO_ERROR` (`SOL_SOCKET`, `int` as `Option<Errno>`, read-only) — socket(7).
    ///
    /// The pending socket error, `None` when there is none; reading it clears it. This is how a
    /// non-blocking `connect` reports its outcome once poll says the socket is writable.
    SoError: SOL_SOCKET, SO_ERROR, c_int => Option<Errno>, get int_to_errno
}
// SAFETY: SO_TYPE: getsockopt writes min(optlen, 4) bytes of an int; setsockopt refuses it.
sockopt! {
    /// `SO_TYPE` (`SOL_SOCKET`, `int`, read-only) — socket(7): `SOCK_STREAM`, `SOCK_DGRAM`,
    /// `SOCK_SEQPACKET`… (without the `SOCK_NONBLOCK`/`SOCK_CLOEXEC` flags).
    SoType: SOL_SOCKET, SO_TYPE, c_int => c_int, get int_to_int
}
// SAFETY: SO_PEERCRED: getsockopt clamps optlen to sizeof(struct ucred) and copies that
// many bytes of three integers; setsockopt refuses it. No pointer.
sockopt! {
    /// `SO_PEERCRED` (`SOL_SOCKET`, `ucred`, read-only) — unix(7): pid, uid and gid of the peer
    /// of a Unix-domain socket, as of `connect`/`socketpair`.
    SoPeerCred: SOL_SOCKET, SO_PEERCRED, ucred => ucred, get ucred_to_ucred
}
// SAFETY: TCP_NODELAY: do_tcp_getsockopt writes min(optlen, 4) bytes of an int;
// do_tcp_setsockopt refuses optlen < 4 and reads one int. No pointer.
sockopt! {
    /// `TCP_NODELAY` (`IPPROTO_TCP`, `int` as `bool`) — tcp(7): turns Nagle's algorithm off, so
    /// small writes are sent at once instead of waiting for outstanding data to be acknowledged.
    TcpNoDelay: IPPROTO_TCP, TCP_NODELAY, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: TCP_QUICKACK: an int on do_tcp_getsockopt's/do_tcp_setsockopt's int paths (at most
// optlen bytes written, 4 read); no pointer.
sockopt! {
    /// `TCP_QUICKACK` (`IPPROTO_TCP`, `int` as `bool`) — tcp(7): acknowledge at once instead of
    /// delaying ACKs.
    ///
    /// Not permanent: the kernel may go back to delayed ACKs later, and the getter reports the
    /// current mode, not the last value set.
    TcpQuickAck: IPPROTO_TCP, TCP_QUICKACK, c_int => bool, get int_to_bool, set bool_to_int
}
// SAFETY: TCP_DEFER_ACCEPT: do_tcp_getsockopt converts the retransmission count to seconds and
// copies min(optlen, 4) bytes of that int, writing the length back; do_tcp_setsockopt refuses
// optlen < 4 and reads one int. No pointer.
sockopt! {
    /// `TCP_DEFER_ACCEPT` (`IPPROTO_TCP`, `int` seconds as `usize`) — tcp(7): on a listener,
    /// the handshake's final ACK is ignored (the connection stays in the SYN queue) until data
    /// arrives or about this many seconds pass, so `accept` only returns connections with
    /// something to read. The kernel rounds to its SYN-ACK retransmission steps; the getter
    /// returns the rounded value.
    TcpDeferAccept: IPPROTO_TCP, TCP_DEFER_ACCEPT, c_int => usize, get int_to_size, set size_to_int
}
// SAFETY: TCP_INFO: do_tcp_getsockopt fills its own tcp_info and copies min(optlen, its size)
// bytes, writing that length back (a newer kernel's longer struct is cut to ours); setsockopt
// refuses it (ENOPROTOOPT) without reading. Integers only.
sockopt! {
    /// `TCP_INFO` (`IPPROTO_TCP`, `tcp_info`, read-only) — tcp(7): the connection's state and
    /// the kernel's congestion-control figures, as `ss -ti` shows them. See [`TcpInfoValue`].
    TcpInfo: IPPROTO_TCP, TCP_INFO, tcp_info => TcpInfoValue, get TcpInfoValue::from
}
// SAFETY: IPV6_V6ONLY: do_ipv6_getsockopt writes min(4, optlen) bytes of an int;
// do_ipv6_setsockopt reads one int. No pointer.
sockopt! {
    /// `IPV6_V6ONLY` (`IPPROTO_IPV6`, `int` as `bool`) — ipv6(7).
    ///
    /// When set, an `AF_INET6` socket bound to `[::]` takes IPv6 traffic only, so an `AF_INET`
    /// socket can bind `0.0.0.0` on the same port. When clear (the default unless
    /// `net.ipv6.bindv6only` is 1) it also takes IPv4 as v4-mapped addresses and holds the
    /// IPv4 port too. Set it before `bind`.
    Ipv6V6Only: IPPROTO_IPV6, IPV6_V6ONLY, c_int => bool, get int_to_bool, set bool_to_int
}

// SAFETY: SO_PROTOCOL: getsockopt writes min(optlen, 4) bytes of an int; setsockopt refuses it.
sockopt! {
    /// `SO_PROTOCOL` (`SOL_SOCKET`, `int`, read-only) — socket(7): the protocol the socket was
    /// created with (`IPPROTO_TCP` for `SOCK_STREAM` over IP when `socket` was given 0).
    SoProtocol: SOL_SOCKET, SO_PROTOCOL, c_int => c_int, get int_to_int
}
// SAFETY: SO_DOMAIN: getsockopt writes min(optlen, 4) bytes of an int; setsockopt refuses it.
sockopt! {
    /// `SO_DOMAIN` (`SOL_SOCKET`, `int`, read-only) — socket(7): the socket's address family
    /// (`AF_INET`, `AF_UNIX`…).
    SoDomain: SOL_SOCKET, SO_DOMAIN, c_int => c_int, get int_to_int
}
// SAFETY: SO_BUSY_POLL: sk_getsockopt writes min(optlen, 4) bytes of the int sk_ll_usec;
// sk_setsockopt refuses optlen < 4 and reads one int (a negative one is EINVAL). No pointer.
sockopt! {
    /// `SO_BUSY_POLL` (`SOL_SOCKET`, `int` as `u32` µs) — socket(7): how long a blocking receive
    /// busy-polls the device queue before it sleeps.
    ///
    /// The kernel polls the queue of the NAPI instance the socket's packets last came through
    /// (`sk_napi_id`): a NIC's, or veth's with GRO or XDP on. Loopback and Unix sockets have
    /// none, so there it changes nothing. Needs a kernel built with `CONFIG_NET_RX_BUSY_POLL`
    /// (`ENOPROTOOPT` without); some kernels refuse a raise without `CAP_NET_ADMIN` (`EPERM`).
    SoBusyPoll: SOL_SOCKET, SO_BUSY_POLL, c_int => u32, get int_to_u32, set u32_to_int
}
// SAFETY: SO_PRIORITY: an int on sk_getsockopt's/sk_setsockopt's common path (at most optlen
// bytes written, 4 read); no pointer.
sockopt! {
    /// `SO_PRIORITY` (`SOL_SOCKET`, `int` as `u32`) — socket(7): the priority of the socket's
    /// packets (`skb->priority`), which picks the queue or traffic-control class they take.
    ///
    /// 0 to 6 need no privilege; other values need `CAP_NET_ADMIN` (`EPERM` without). The
    /// kernel keeps the int's 32 bits as an unsigned `sk_priority`, and so does this type.
    SoPriority: SOL_SOCKET, SO_PRIORITY, c_int => u32, get int_bits_to_u32, set u32_to_int_bits
}
// SAFETY: IP_TTL: do_ip_getsockopt writes min(4, optlen) bytes of an int (one byte only when
// optlen is 1 to 3); do_ip_setsockopt reads at most 4 bytes. No pointer.
sockopt! {
    /// `IP_TTL` (`IPPROTO_IP`, `int` as `u32`) — ip(7): the time-to-live of the unicast IPv4
    /// packets the socket sends.
    ///
    /// 1 to 255; the kernel refuses anything else with `EINVAL`, and the getter reports the
    /// TTL in use (`net.ipv4.ip_default_ttl` until one is set). C's `-1`, "back to the default",
    /// has no `u32` form: set the default's value instead.
    IpTtl: IPPROTO_IP, IP_TTL, c_int => u32, get int_to_u32, set u32_to_int
}
// SAFETY: TCP_MAXSEG: an int on do_tcp_getsockopt's/do_tcp_setsockopt's int paths (at most optlen
// bytes written, 4 read); no pointer.
sockopt! {
    /// `TCP_MAXSEG` (`IPPROTO_TCP`, `int` as `u32`) — tcp(7): the maximum segment size.
    ///
    /// Set before `connect` (or `listen`) it caps the MSS the connection announces and uses;
    /// 0 clears it, and values outside 88..=32767 are refused with `EINVAL`. The getter reports
    /// the MSS in use (`mss_cache`: 536 on an unconnected socket), or the value set while not
    /// connected.
    TcpMaxSeg: IPPROTO_TCP, TCP_MAXSEG, c_int => u32, get int_to_u32, set u32_to_int
}
// SAFETY: TCP_ULP: do_tcp_getsockopt clamps optlen to TCP_ULP_NAME_MAX (16) and copies that many
// bytes of the ULP's name (or writes optlen 0 when there is none); do_tcp_setsockopt reads at
// most min(15, optlen) bytes of a string. No pointer.
sockopt! {
    /// `TCP_ULP` (`IPPROTO_TCP`, `char[16]` as `String`) — tcp(7): the upper layer protocol
    /// running inside the TCP socket, such as `"tls"` (kernel TLS, tls(7)).
    ///
    /// The name travels as C's zero-padded `char[TCP_ULP_NAME_MAX]`: `set_opt(&fd, TcpUlp,
    /// "tls".into())` sends 16 bytes where C often sends `sizeof("tls")`, which the kernel reads
    /// the same way (up to the NUL). Names of 16 bytes or more, or with a NUL inside, are refused
    /// with `EINVAL` (the kernel would cut them). The getter returns `""` when no ULP is set
    /// (the kernel writes no byte then). Errors from the kernel: `ENOENT` (no such ULP in this
    /// kernel, as when `tls` is not built), `ENOTCONN` (`tls` needs an established connection),
    /// `EEXIST` (one is set already), `EOPNOTSUPP` (`mptcp`, which only the kernel attaches).
    TcpUlp: IPPROTO_TCP, TCP_ULP, [u8; NAME_MAX] => String, get name_to_string, set string_to_name
}
// SAFETY: TCP_CONGESTION: do_tcp_getsockopt clamps optlen to TCP_CA_NAME_MAX (16) and copies that
// many bytes of the algorithm's name; do_tcp_setsockopt reads at most min(15, optlen) bytes of a
// string. No pointer.
sockopt! {
    /// `TCP_CONGESTION` (`IPPROTO_TCP`, `char[16]` as `String`) — tcp(7): the congestion
    /// control algorithm (`"cubic"`, `"reno"`, `"bbr"`…).
    ///
    /// Travels as `char[TCP_CA_NAME_MAX]` like [`TcpUlp`], with the same refusals. The kernel
    /// answers `ENOENT` for an algorithm it does not have and `EPERM` for one outside
    /// `net.ipv4.tcp_allowed_congestion_control` without `CAP_NET_ADMIN`.
    TcpCongestion: IPPROTO_TCP, TCP_CONGESTION, [u8; NAME_MAX] => String,
    get name_to_string, set string_to_name
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
