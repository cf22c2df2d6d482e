//! `errno` as a value: the [`Errno`] newtype with one constant per Linux error, the resolver's
//! `EAI_*` codes as [`Eai`] (not errnos, but what a failed getaddrinfo/getnameinfo [`Error`]
//! carries), and the [`Error`] every `socklab::sys` call returns, which remembers the call and
//! its arguments like strace does.

use std::borrow::Cow;
use std::ffi::CStr;
use std::fmt;
use std::io;
use std::os::raw::{c_char, c_int};

use super::args::{Args, Lazy};

/// A raw `errno` value from errno(3), with its symbolic name (`Errno::EADDRINUSE.name()`).
///
/// `Errno` is `Copy` and compares by value, so tests can assert the exact error a call gave:
/// `assert_eq!(err.code(), Errno::ECONNREFUSED)`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(c_int);

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "` from errno(3).")]
                pub const $name: Errno = Errno(libc::$name);
            )*

            /// The symbolic name of this errno as C headers spell it (`"EADDRINUSE"`), or
            /// `"E?"` for a value Linux does not define.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $(libc::$name => stringify!($name),)*
                    _ => "E?",
                }
            }
        }
    };
}

errnos!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    ENOTBLK,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    EDOM,
    ERANGE,
    EDEADLK,
    ENAMETOOLONG,
    ENOLCK,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    ENOMSG,
    EIDRM,
    ECHRNG,
    EL2NSYNC,
    EL3HLT,
    EL3RST,
    ELNRNG,
    EUNATCH,
    ENOCSI,
    EL2HLT,
    EBADE,
    EBADR,
    EXFULL,
    ENOANO,
    EBADRQC,
    EBADSLT,
    EBFONT,
    ENOSTR,
    ENODATA,
    ETIME,
    ENOSR,
    ENONET,
    ENOPKG,
    EREMOTE,
    ENOLINK,
    EADV,
    ESRMNT,
    ECOMM,
    EPROTO,
    EMULTIHOP,
    EDOTDOT,
    EBADMSG,
    EOVERFLOW,
    ENOTUNIQ,
    EBADFD,
    EREMCHG,
    ELIBACC,
    ELIBBAD,
    ELIBSCN,
    ELIBMAX,
    ELIBEXEC,
    EILSEQ,
    ERESTART,
    ESTRPIPE,
    EUSERS,
    ENOTSOCK,
    EDESTADDRREQ,
    EMSGSIZE,
    EPROTOTYPE,
    ENOPROTOOPT,
    EPROTONOSUPPORT,
    ESOCKTNOSUPPORT,
    EOPNOTSUPP,
    EPFNOSUPPORT,
    EAFNOSUPPORT,
    EADDRINUSE,
    EADDRNOTAVAIL,
    ENETDOWN,
    ENETUNREACH,
    ENETRESET,
    ECONNABORTED,
    ECONNRESET,
    ENOBUFS,
    EISCONN,
    ENOTCONN,
    ESHUTDOWN,
    ETOOMANYREFS,
    ETIMEDOUT,
    ECONNREFUSED,
    EHOSTDOWN,
    EHOSTUNREACH,
    EALREADY,
    EINPROGRESS,
    ESTALE,
    EUCLEAN,
    ENOTNAM,
    ENAVAIL,
    EISNAM,
    EREMOTEIO,
    EDQUOT,
    ENOMEDIUM,
    EMEDIUMTYPE,
    ECANCELED,
    ENOKEY,
    EKEYEXPIRED,
    EKEYREVOKED,
    EKEYREJECTED,
    EOWNERDEAD,
    ENOTRECOVERABLE,
    ERFKILL,
    EHWPOISON,
);

impl Errno {
    /// `EWOULDBLOCK`, the same value as [`Errno::EAGAIN`] on Linux.
    pub const EWOULDBLOCK: Errno = Errno(libc::EWOULDBLOCK);
    /// `ENOTSUP`, the same value as [`Errno::EOPNOTSUPP`] on Linux.
    pub const ENOTSUP: Errno = Errno(libc::ENOTSUP);

    /// Wraps a raw errno value as C code would see it in `errno`.
    pub const fn from_raw(raw: c_int) -> Errno {
        Errno(raw)
    }

    /// The raw value, as C's `errno` holds it.
    pub const fn raw(self) -> c_int {
        self.0
    }

    /// Reads the calling thread's `errno` — what C code reads right after a call returned -1.
    #[inline]
    pub fn last() -> Errno {
        // SAFETY: __errno_location(3) returns the address of the calling thread's errno, valid
        // and aligned for the thread's life.
        Errno(unsafe { *libc::__errno_location() })
    }

    /// The C library's message for this errno, from strerror_r(3) (`"Address already in use"`).
    pub fn description(self) -> String {
        let mut buf = [0 as c_char; 128];
        // SAFETY: `buf` is writable for `buf.len()` bytes; the XSI strerror_r (which libc binds on
        // Linux) writes a NUL-terminated string of at most that many bytes or returns non-zero.
        let rc = unsafe { libc::strerror_r(self.0, buf.as_mut_ptr(), buf.len()) };
        if rc != 0 {
            return format!("Unknown error {}", self.0);
        }
        // SAFETY: strerror_r returned 0, so `buf` holds a NUL-terminated string within its length.
        let msg = unsafe { CStr::from_ptr(buf.as_ptr()) };
        msg.to_string_lossy().into_owned()
    }

    /// The [`io::ErrorKind`] std gives this errno.
    pub fn kind(self) -> io::ErrorKind {
        io::Error::from_raw_os_error(self.0).kind()
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())
    }
}

impl fmt::Display for Errno {
    /// `EADDRINUSE (Address already in use)`, as strace prints a failed call's result.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.description())
    }
}

impl From<Errno> for io::Error {
    fn from(e: Errno) -> io::Error {
        io::Error::from_raw_os_error(e.0)
    }
}

/// The result of every `socklab::sys` call.
pub type Result<T> = std::result::Result<T, Error>;

/// An `EAI_*` code from getaddrinfo(3)/getnameinfo(3). These are not errnos (they are negative
/// on glibc); only `EAI_SYSTEM` means "see errno", and the [`Error`] then carries that errno.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Eai(c_int);

macro_rules! eais {
    ($($name:ident),* $(,)?) => {
        impl Eai {
            $(
                #[doc = concat!("`", stringify!($name), "` from getaddrinfo(3).")]
                pub const $name: Eai = Eai(libc::$name);
            )*

            /// The symbol as netdb.h spells it (`"EAI_NONAME"`), or `"EAI_???"`.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $(libc::$name => stringify!($name),)*
                    _ => "EAI_???",
                }
            }
        }
    };
}

eais!(
    EAI_BADFLAGS,
    EAI_NONAME,
    EAI_AGAIN,
    EAI_FAIL,
    EAI_NODATA,
    EAI_FAMILY,
    EAI_SOCKTYPE,
    EAI_SERVICE,
    EAI_MEMORY,
    EAI_SYSTEM,
    EAI_OVERFLOW,
);

impl Eai {
    /// Wraps the value getaddrinfo returned.
    pub const fn from_raw(raw: c_int) -> Eai {
        Eai(raw)
    }

    /// The raw value (what C's `rv` holds).
    pub const fn raw(self) -> c_int {
        self.0
    }

    /// gai_strerror(3)'s message: `"Name or service not known"` ([`super::gai_strerror`] is
    /// this, for a raw code).
    pub fn description(self) -> String {
        // SAFETY: gai_strerror takes no pointers and returns a static NUL-terminated string
        // (glibc returns "Unknown error" for codes it does not know, never NULL; checked anyway).
        let p = unsafe { libc::gai_strerror(self.0) };
        if p.is_null() {
            return format!("Unknown error {}", self.0);
        }
        // SAFETY: `p` is non-NULL and points to a static NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

impl fmt::Display for Eai {
    /// `EAI_NONAME (Name or service not known)`, as socklab prints an errno.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.description())
    }
}

impl fmt::Debug for Eai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed call: the errno the kernel gave, plus the call and arguments that got it.
///
/// Displays the way strace prints a failed call, so a log line says what was asked and what the
/// kernel answered: `bind(fd 3, 0.0.0.0:8080): EADDRINUSE (Address already in use)`.
///
/// It costs nothing until read: a call whose arguments are integers, flags and buffers
/// (`read`/`write`, `send`/`recv`, `recvfrom`, `recvmsg`, the `*mmsg` calls, `accept*`, `poll`,
/// `epoll_wait`, socket options…) keeps the errno and the raw values, and formats them only when
/// the error is displayed (or [`args`](Error::args) is asked for), so a non-blocking loop's
/// `EAGAIN` allocates nothing. Calls that pass an address or a name to the kernel, resolver
/// errors and errors with a note keep their text in one allocation. A `Result<usize, Error>` is
/// four words.
///
/// Converting to [`io::Error`] keeps the [`io::ErrorKind`] std would give the errno and keeps this
/// `Error` as the payload (`io_err.get_ref()` downcasts back to it; std boxes the payload); use
/// [`Error::into_os_error`] for an `io::Error` whose `raw_os_error()` is set instead.
#[derive(Clone)]
pub struct Error(Repr);

#[derive(Clone)]
enum Repr {
    /// The errno and the raw arguments, formatted on display.
    Lazy(Lazy),
    /// The rest: arguments as text, a note, a resolver code.
    Owned(Box<Owned>),
}

#[derive(Clone, PartialEq, Eq)]
struct Owned {
    code: Errno,
    call: &'static str,
    args: String,
    note: Option<String>,
    /// For getaddrinfo(3)/getnameinfo(3): the `EAI_*` code they returned (not an errno; only
    /// `EAI_SYSTEM` comes with one, in `code`).
    eai: Option<Eai>,
}

impl Error {
    /// An error for `call(args)` that failed with `code`. The sys layer builds these; tests and
    /// higher layers may too (for example to report a check of their own in the same form).
    pub fn new(code: Errno, call: &'static str, args: impl Into<String>) -> Error {
        Error(Repr::Owned(Box::new(Owned {
            code,
            call,
            args: args.into(),
            note: None,
            eai: None,
        })))
    }

    /// The error of a call whose arguments are integers ([`Args`]): kept as they are, formatted
    /// on display.
    #[inline]
    pub(crate) fn from_args(code: Errno, args: Args) -> Error {
        match Lazy::pack(code, args) {
            Some(lazy) => Error(Repr::Lazy(lazy)),
            None => Error::wide(code, args),
        }
    }

    /// [`from_args`](Error::from_args) with a value too wide to pack: kept as text.
    #[cold]
    #[inline(never)]
    fn wide(code: Errno, args: Args) -> Error {
        Error::new(code, args.call().name(), args.to_string())
    }

    /// An error for a resolver call (`getaddrinfo`, `getnameinfo`) that returned `eai`. Those
    /// codes are not errnos: [`errno`](Error::errno) is 0 unless `eai` is `EAI_SYSTEM`, whose
    /// errno is `errno` (read by the caller right after the call).
    pub fn gai(eai: Eai, errno: Errno, call: &'static str, args: impl Into<String>) -> Error {
        let code = if eai == Eai::EAI_SYSTEM {
            errno
        } else {
            Errno(0)
        };
        let mut e = Error::new(code, call, args);
        e.owned().eai = Some(eai);
        e
    }

    /// The owned form, formatting kept arguments into text first.
    fn owned(&mut self) -> &mut Owned {
        if let Repr::Lazy(lazy) = self.0 {
            let args = lazy.args();
            *self = Error::new(lazy.code(), args.call().name(), args.to_string());
        }
        match &mut self.0 {
            Repr::Owned(o) => o,
            Repr::Lazy(_) => unreachable!("made owned just above"),
        }
    }

    /// The `EAI_*` code, for an error of getaddrinfo(3) or getnameinfo(3).
    pub fn eai(&self) -> Option<Eai> {
        match &self.0 {
            Repr::Owned(o) => o.eai,
            Repr::Lazy(_) => None,
        }
    }

    /// The note added by [`with_note`](Error::with_note), if any.
    fn note(&self) -> Option<&str> {
        match &self.0 {
            Repr::Owned(o) => o.note.as_deref(),
            Repr::Lazy(_) => None,
        }
    }

    /// The message C's `perror(s)` prints for this error, newline included:
    /// `recv: Connection reset by peer\n`. For a resolver error it is what C code prints with
    /// `fprintf(stderr, "%s: %s\n", s, gai_strerror(rv))`: `gai_strerror`'s text for every
    /// code, `EAI_SYSTEM` included (`"System error"`; its errno is [`errno`](Error::errno), as
    /// C reads `errno` apart).
    ///
    /// ```
    /// use socklab::sys::{Eai, Errno, Error};
    /// let e = Error::new(Errno::ECONNRESET, "recv", "fd 4, buf, 256, 0");
    /// assert_eq!(e.perror_line("recv"), "recv: Connection reset by peer\n");
    /// let e = Error::gai(Eai::EAI_SYSTEM, Errno::EMFILE, "getnameinfo", "127.0.0.1:80, 0x8");
    /// assert_eq!(e.perror_line("getnameinfo"), "getnameinfo: System error\n");
    /// assert_eq!(e.code(), Errno::EMFILE);
    /// ```
    pub fn perror_line(&self, s: &str) -> String {
        let what = match self.eai() {
            Some(e) => e.description(),
            None => self.code().description(),
        };
        if s.is_empty() {
            format!("{what}\n")
        } else {
            format!("{s}: {what}\n")
        }
    }

    /// C's `perror(s)`: writes [`perror_line`](Error::perror_line) to stderr in one write(2),
    /// as glibc's perror does (so a trace shows one `write(2, "recv: ...", N)` like C's, not
    /// the several writes `eprintln!` makes on Rust's unbuffered stderr). Errors writing are
    /// ignored, as C's perror ignores them.
    pub fn perror(&self, s: &str) {
        let line = self.perror_line(s);
        let _ = super::write(std::io::stderr(), line.as_bytes());
    }

    /// Adds a sentence printed after the errno: why socklab, not the kernel, reports this error
    /// (a Unix path longer than `sun_path`, a length the kernel wrote past the storage). The
    /// calls `sys` refuses before the syscall get their note where they are made, which also
    /// logs them (`--- socklab refused … ---`, see `socklab::trace`); this method only
    /// adds the text.
    pub fn with_note(mut self, note: impl Into<String>) -> Error {
        self.owned().note = Some(note.into());
        self
    }

    /// The raw errno value, as C's `errno` would hold it after the call.
    pub fn errno(&self) -> c_int {
        self.code().0
    }

    /// The errno as an [`Errno`], for comparing against `Errno::EADDRINUSE` and friends.
    pub fn code(&self) -> Errno {
        match &self.0 {
            Repr::Lazy(l) => l.code(),
            Repr::Owned(o) => o.code,
        }
    }

    /// The errno's symbol, e.g. `"EADDRINUSE"`.
    pub fn symbol(&self) -> &'static str {
        self.code().name()
    }

    /// The name of the C call that failed (`"bind"`).
    pub fn call(&self) -> &'static str {
        match &self.0 {
            Repr::Lazy(l) => l.args().call().name(),
            Repr::Owned(o) => o.call,
        }
    }

    /// The call's arguments as displayed (`"fd 3, 0.0.0.0:8080"`): formatted now for an error
    /// that kept them as integers, borrowed for one that kept them as text.
    pub fn args(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Lazy(l) => Cow::Owned(l.args().to_string()),
            Repr::Owned(o) => Cow::Borrowed(&o.args),
        }
    }

    /// The [`io::ErrorKind`] std assigns to this errno.
    pub fn kind(&self) -> io::ErrorKind {
        match self.eai() {
            Some(e) if e != Eai::EAI_SYSTEM => io::ErrorKind::Other,
            _ => self.code().kind(),
        }
    }

    /// An `io::Error` built from the raw errno alone (`raw_os_error()` is `Some`), dropping the
    /// call and its arguments.
    pub fn into_os_error(self) -> io::Error {
        self.code().into()
    }
}

impl PartialEq for Error {
    /// Equal when they display the same: errno, call, arguments, note and resolver code, however
    /// each keeps its arguments.
    fn eq(&self, other: &Error) -> bool {
        self.code() == other.code()
            && self.call() == other.call()
            && self.eai() == other.eai()
            && self.note() == other.note()
            && self.args() == other.args()
    }
}

impl Eq for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = match &self.0 {
            Repr::Lazy(l) => {
                let args = l.args();
                return write!(f, "{}({args}): {}", args.call().name(), l.code());
            }
            Repr::Owned(o) => o,
        };
        write!(f, "{}({}): ", o.call, o.args)?;
        match o.eai {
            Some(e) if e == Eai::EAI_SYSTEM => write!(f, "{e}: {}", o.code)?,
            Some(e) => write!(f, "{e}")?,
            None => write!(f, "{}", o.code)?,
        }
        if let Some(note) = &o.note {
            write!(f, ": {note}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({self})")
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}

/// The C convention "-1 means failure, errno says why", for every integer width a call returns.
pub(crate) trait MinusOne: Copy {
    fn is_minus_one(self) -> bool;
}

macro_rules! minus_one {
    ($($t:ty),*) => { $(impl MinusOne for $t { #[inline] fn is_minus_one(self) -> bool { self == -1 } })* };
}
minus_one!(i32, i64, isize);

/// What a failed call keeps of its arguments: [`Args`] (integers, formatted on display) or a
/// `String` (an address, a name: formatted at once).
pub(crate) trait CallArgs {
    /// The error for `call`, which failed with `code`, with these arguments.
    fn into_error(self, code: Errno, call: &'static str) -> Error;
}

impl CallArgs for String {
    fn into_error(self, code: Errno, call: &'static str) -> Error {
        Error::new(code, call, self)
    }
}

impl CallArgs for Args {
    #[inline]
    fn into_error(self, code: Errno, call: &'static str) -> Error {
        debug_assert_eq!(self.call().name(), call, "Args built for another call");
        Error::from_args(code, self)
    }
}

/// The one place a C return value becomes a `Result`: `-1` reads `errno` at once and builds an
/// [`Error`] for `call` from `args`, which runs only on failure: `cvt(ret, "recv", ||
/// Args::recv(fd, len, flags))` keeps integers (no allocation), `cvt(ret, "bind", ||
/// format!(..))` text.
///
/// Inlined, with the failure out of line: the success path of every sys fn stays a compare and
/// a move, small enough to inline into its caller, so no extra function frame spans the syscall
/// (the frame whose `ret` the kernel entry/exit makes mispredict: `socklab compare --mode
/// syscall`).
#[inline]
pub(crate) fn cvt<T: MinusOne, A: CallArgs>(
    ret: T,
    call: &'static str,
    args: impl FnOnce() -> A,
) -> Result<T> {
    if ret.is_minus_one() {
        Err(cvt_failed(call, args))
    } else {
        Ok(ret)
    }
}

/// [`cvt`]'s failure: reads `errno` first (nothing may run between the call and this read but
/// the compare), then builds the error.
#[cold]
#[inline(never)]
fn cvt_failed<A: CallArgs>(call: &'static str, args: impl FnOnce() -> A) -> Error {
    let code = Errno::last();
    args().into_error(code, call)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// An error rides in registers and return slots like rustix's `Errno` and std's `io::Error`
    /// do: four words at most for the commonest result, so returning one costs no more than
    /// returning the count.
    #[test]
    fn a_result_with_an_error_is_four_words_at_most() {
        assert!(
            size_of::<std::result::Result<usize, Error>>() <= 32,
            "Result<usize, Error> is {} bytes",
            size_of::<std::result::Result<usize, Error>>()
        );
        assert!(size_of::<Result<()>>() <= 32);
    }

    const EAGAIN_RECV: &str =
        "recv(fd 4, buf, 64, MSG_DONTWAIT): EAGAIN (Resource temporarily unavailable)";

    #[test]
    fn an_error_that_kept_integers_reads_like_one_that_kept_text() {
        let kept = Error::from_args(Errno::EAGAIN, Args::recv(4, 64, libc::MSG_DONTWAIT));
        assert!(matches!(kept.0, Repr::Lazy(_)));
        let text = Error::new(Errno::EAGAIN, "recv", "fd 4, buf, 64, MSG_DONTWAIT");
        assert_eq!(kept.to_string(), EAGAIN_RECV);
        assert_eq!(text.to_string(), EAGAIN_RECV);
        assert_eq!(kept, text);
        assert_eq!(format!("{kept:?}"), format!("Error({EAGAIN_RECV})"));
        assert_eq!(kept.call(), "recv");
        assert_eq!(kept.args(), "fd 4, buf, 64, MSG_DONTWAIT");
        assert_eq!(
            (kept.code(), kept.errno(), kept.symbol()),
            (Errno::EAGAIN, 11, "EAGAIN")
        );
        assert_eq!((kept.eai(), kept.kind()), (None, io::ErrorKind::WouldBlock));
        assert_eq!(
            kept.perror_line("recv"),
            "recv: Resource temporarily unavailable\n"
        );
        // Another value is another error, even for the same call and errno.
        let other = Error::from_args(Errno::EAGAIN, Args::recv(5, 64, libc::MSG_DONTWAIT));
        assert_ne!(kept, other);
    }

    #[test]
    fn a_note_and_the_io_error_keep_the_message() {
        let kept = Error::from_args(Errno::EAGAIN, Args::recv(4, 64, libc::MSG_DONTWAIT));
        let noted = kept.clone().with_note("socklab's reason");
        assert_eq!(
            noted.to_string(),
            format!("{EAGAIN_RECV}: socklab's reason")
        );
        assert_eq!((noted.code(), noted.call()), (Errno::EAGAIN, "recv"));
        assert_ne!(noted, kept);
        let io: io::Error = kept.clone().into();
        assert_eq!(io.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(
            io.get_ref().and_then(|e| e.downcast_ref::<Error>()),
            Some(&kept)
        );
        assert_eq!(io.to_string(), EAGAIN_RECV);
        assert_eq!(kept.into_os_error().raw_os_error(), Some(libc::EAGAIN));
    }

    #[test]
    fn values_too_wide_to_keep_are_kept_as_the_same_text() {
        let big = 5_000_000_000;
        let e = Error::from_args(Errno::EMSGSIZE, Args::recvmsg(3, 1, big, big, 0));
        assert!(matches!(e.0, Repr::Owned(_)));
        assert_eq!(
            e.to_string(),
            "recvmsg(fd 3, {msg_iovlen=1 (5000000000 bytes), msg_controllen=5000000000}, 0): \
             EMSGSIZE (Message too long)"
        );
    }

    #[test]
    fn resolver_errors_keep_their_code() {
        let e = Error::gai(Eai::EAI_NONAME, Errno::EAGAIN, "getaddrinfo", "\"x\", NULL");
        assert_eq!(
            (e.eai(), e.errno(), e.kind()),
            (Some(Eai::EAI_NONAME), 0, io::ErrorKind::Other)
        );
        let noted = e.clone().with_note("n");
        assert_eq!(noted.eai(), Some(Eai::EAI_NONAME));
        assert_eq!(noted.to_string(), format!("{e}: n"));
    }
}
