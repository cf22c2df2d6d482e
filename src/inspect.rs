//! The bytes C puts in the socket API's structs, field by field: what `socklab inspect
//! sockaddr_in 127.0.0.1:8080` or `socklab inspect msghdr` prints.
//!
//! Every offset and size comes from the real libc struct on this target (`offset_of!`,
//! `size_of`), never typed by hand; a test compares them with a C program's `offsetof`/`sizeof`.
//! The bytes of a socket address are the ones socklab's [`SockAddr`] builds and passes to the
//! kernel; the bytes of the sample `msghdr`/`mmsghdr` are assembled at those offsets from real
//! buffers of this process (so the pointers are real addresses). Nothing here is `unsafe`.

use std::fmt;
use std::mem::{offset_of, size_of};

use libc::{
    cmsghdr, iovec, mmsghdr, msghdr, sa_family_t, sockaddr_in, sockaddr_in6, sockaddr_un, socklen_t,
};

use std::net::SocketAddr;

use crate::endpoint::Endpoint;
use crate::sys::{self, SockAddr};

/// One field of a C struct as laid out on this target.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The C field name (`sin_port`), or `(padding)` for bytes no field owns.
    pub name: String,
    /// `offsetof(struct, field)`.
    pub offset: usize,
    /// `sizeof(field)`.
    pub size: usize,
    /// The value, decoded (`8080`, `AF_INET (2)`, `0x7ffd…`).
    pub value: String,
    /// What the field means, and its byte order when that matters.
    pub meaning: String,
}

/// A C struct: its fields in offset order (padding made explicit) and its bytes.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The C type (`struct sockaddr_in`).
    pub c_type: &'static str,
    /// `sizeof` the type.
    pub size: usize,
    /// The fields, padding included, in offset order.
    pub fields: Vec<Field>,
    /// The bytes as they sit in memory; for a socket address, the `addrlen` bytes passed to the
    /// kernel (which may be fewer than `size`).
    pub bytes: Vec<u8>,
    /// Remarks printed under the table (byte order, what `addrlen` covers).
    pub notes: Vec<String>,
}

/// What `inspect` can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `struct sockaddr_in` from `IP:PORT`.
    SockaddrIn,
    /// `struct sockaddr_in6` from `[IPV6%zone]:PORT`.
    SockaddrIn6,
    /// `struct sockaddr_un` from `/path` or `@abstract`.
    SockaddrUn,
    /// A sample `struct msghdr`: two iovecs and an `SCM_RIGHTS` control message.
    Msghdr,
    /// A sample `struct mmsghdr` wrapping that `msghdr`.
    Mmsghdr,
}

impl Kind {
    /// The names `socklab inspect` accepts, in the order of this enum.
    pub const NAMES: &'static [&'static str] = &[
        "sockaddr_in",
        "sockaddr_in6",
        "sockaddr_un",
        "msghdr",
        "mmsghdr",
    ];

    /// Parses a kind name (`sockaddr_in`, with or without `struct `).
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.strip_prefix("struct ").unwrap_or(s);
        let kinds = [
            Kind::SockaddrIn,
            Kind::SockaddrIn6,
            Kind::SockaddrUn,
            Kind::Msghdr,
            Kind::Mmsghdr,
        ];
        Kind::NAMES.iter().position(|n| *n == s).map(|i| kinds[i])
    }

    /// Whether the kind takes an address argument.
    pub fn takes_address(self) -> bool {
        matches!(
            self,
            Kind::SockaddrIn | Kind::SockaddrIn6 | Kind::SockaddrUn
        )
    }
}

/// Why an `inspect` request cannot be shown; each prints as the one line the CLI shows
/// (`inspect sockaddr_in: missing the address (e.g. 127.0.0.1:8080)`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A socket address kind given no address.
    MissingAddress(Kind),
    /// A kind that takes no argument (`msghdr`, `mmsghdr`) given one.
    UnexpectedArgument {
        /// The kind.
        kind: Kind,
        /// The argument given.
        arg: String,
    },
    /// An address not in socklab's one syntax ([`Endpoint`]), with the parser's reason.
    BadAddress {
        /// The kind.
        kind: Kind,
        /// Why the address does not parse (`'1.2.3:80': …`).
        reason: String,
    },
    /// An address of another family than the kind's (an IPv6 address for `sockaddr_in`).
    WrongFamily {
        /// The kind.
        kind: Kind,
        /// The address given.
        addr: String,
    },
    /// The address does not fit the `sockaddr` (a path longer than `sun_path`): the
    /// [`sys::Error`] that said so.
    Sockaddr {
        /// The kind.
        kind: Kind,
        /// The error building the address.
        source: sys::Error,
    },
}

impl Kind {
    /// The C struct's name, as `socklab inspect` takes it (`sockaddr_in`).
    pub fn name(self) -> &'static str {
        Kind::NAMES[self as usize]
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingAddress(kind) => write!(
                f,
                "inspect {}: missing the address (e.g. {})",
                kind.name(),
                example(*kind)
            ),
            Error::UnexpectedArgument { kind, arg } => {
                write!(
                    f,
                    "inspect {}: takes no argument (got '{arg}')",
                    kind.name()
                )
            }
            Error::BadAddress { kind, reason } => write!(f, "inspect {}: {reason}", kind.name()),
            Error::WrongFamily { kind, addr } => write!(
                f,
                "inspect {name}: '{addr}' is not a {name} address (e.g. {})",
                example(*kind),
                name = kind.name()
            ),
            Error::Sockaddr { kind, source } => write!(f, "inspect {}: {source}", kind.name()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Sockaddr { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The layouts for `kind` (one for an address; the `msghdr` sample also shows the `iovec`
/// array and the `cmsghdr` it points at).
///
/// # Errors
/// A missing, extra or malformed address (`1.2.3:80`, an IPv6 address for `sockaddr_in`, a Unix
/// path longer than `sun_path`).
///
/// # Example
/// ```
/// use socklab::inspect::{inspect, Kind};
/// let l = &inspect(Kind::SockaddrIn, Some("127.0.0.1:8080")).unwrap()[0];
/// assert_eq!(&l.bytes[..8], &[0x02, 0x00, 0x1f, 0x90, 0x7f, 0x00, 0x00, 0x01]);
/// ```
pub fn inspect(kind: Kind, arg: Option<&str>) -> Result<Vec<Layout>, Error> {
    match (kind.takes_address(), arg) {
        (true, None) => return Err(Error::MissingAddress(kind)),
        (false, Some(a)) => {
            return Err(Error::UnexpectedArgument {
                kind,
                arg: a.to_owned(),
            })
        }
        _ => {}
    }
    Ok(match kind {
        Kind::SockaddrIn => vec![sockaddr_in_layout(&parse_addr(
            kind,
            arg.unwrap_or_default(),
        )?)],
        Kind::SockaddrIn6 => vec![sockaddr_in6_layout(&parse_addr(
            kind,
            arg.unwrap_or_default(),
        )?)],
        Kind::SockaddrUn => vec![sockaddr_un_layout(&parse_addr(
            kind,
            arg.unwrap_or_default(),
        )?)],
        Kind::Msghdr => {
            let s = Sample::new();
            vec![s.msghdr_layout(), s.iovec_layout(), s.cmsghdr_layout()]
        }
        Kind::Mmsghdr => vec![Sample::new().mmsghdr_layout()],
    })
}

fn example(kind: Kind) -> &'static str {
    match kind {
        Kind::SockaddrIn => "127.0.0.1:8080",
        Kind::SockaddrIn6 => "[::1%lo]:9090",
        _ => "/tmp/x.sock or @abstract",
    }
}

/// The address in socklab's one syntax ([`Endpoint`]), checked to be of `kind`'s family.
fn parse_addr(kind: Kind, s: &str) -> Result<SockAddr, Error> {
    let ep: Endpoint = s
        .parse()
        .map_err(|reason| Error::BadAddress { kind, reason })?;
    let fits = matches!(
        (&ep, kind),
        (Endpoint::Inet(SocketAddr::V4(_)), Kind::SockaddrIn)
            | (Endpoint::Inet(SocketAddr::V6(_)), Kind::SockaddrIn6)
            | (
                Endpoint::UnixPath(_) | Endpoint::UnixAbstract(_),
                Kind::SockaddrUn
            )
    );
    if !fits {
        return Err(Error::WrongFamily {
            kind,
            addr: s.to_owned(),
        });
    }
    ep.to_sockaddr()
        .map_err(|source| Error::Sockaddr { kind, source })
}

/// Fields are collected here, then sorted and the gaps filled with padding rows.
struct Builder {
    c_type: &'static str,
    size: usize,
    fields: Vec<Field>,
    notes: Vec<String>,
}

impl Builder {
    fn new(c_type: &'static str, size: usize) -> Builder {
        Builder {
            c_type,
            size,
            fields: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn field(&mut self, name: &str, offset: usize, size: usize, value: String, meaning: &str) {
        self.fields.push(Field {
            name: name.to_owned(),
            offset,
            size,
            value,
            meaning: meaning.to_owned(),
        });
    }

    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn finish(mut self, bytes: Vec<u8>) -> Layout {
        self.fields.sort_by_key(|f| f.offset);
        let mut fields = Vec::new();
        let mut at = 0;
        for f in self.fields {
            if f.offset > at {
                fields.push(padding(at, f.offset - at));
            }
            at = f.offset + f.size;
            fields.push(f);
        }
        if self.size > at {
            fields.push(padding(at, self.size - at));
        }
        Layout {
            c_type: self.c_type,
            size: self.size,
            fields,
            bytes,
            notes: self.notes,
        }
    }
}

fn padding(offset: usize, size: usize) -> Field {
    Field {
        name: "(padding)".into(),
        offset,
        size,
        value: String::new(),
        meaning: "alignment: no field owns these bytes".into(),
    }
}

/// `N` bytes of `bytes` at `off` (zeros past the end: bytes not passed are shown as absent).
fn take<const N: usize>(bytes: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = bytes.get(off + i).copied().unwrap_or(0);
    }
    out
}

fn family_field(b: &mut Builder, bytes: &[u8], off: usize, name: &str) {
    let fam = sa_family_t::from_ne_bytes(take(bytes, off));
    let sym = match i32::from(fam) {
        libc::AF_INET => "AF_INET",
        libc::AF_INET6 => "AF_INET6",
        libc::AF_UNIX => "AF_UNIX",
        _ => "AF_???",
    };
    b.field(
        name,
        off,
        size_of::<sa_family_t>(),
        format!("{sym} ({fam})"),
        "address family, host byte order",
    );
}

fn port_field(b: &mut Builder, bytes: &[u8], off: usize, name: &str) {
    let raw: [u8; 2] = take(bytes, off);
    let port = u16::from_be_bytes(raw);
    b.field(
        name,
        off,
        2,
        port.to_string(),
        &format!(
            "port, NETWORK byte order (big-endian): htons({port}) = bytes {:02x} {:02x}",
            raw[0], raw[1]
        ),
    );
}

/// `struct sockaddr_in` for an IPv4 address.
pub fn sockaddr_in_layout(addr: &SockAddr) -> Layout {
    let bytes = addr.as_bytes().to_vec();
    let mut b = Builder::new("struct sockaddr_in", size_of::<sockaddr_in>());
    family_field(
        &mut b,
        &bytes,
        offset_of!(sockaddr_in, sin_family),
        "sin_family",
    );
    port_field(
        &mut b,
        &bytes,
        offset_of!(sockaddr_in, sin_port),
        "sin_port",
    );
    let off = offset_of!(sockaddr_in, sin_addr);
    let ip = std::net::Ipv4Addr::from(take::<4>(&bytes, off));
    b.field(
        "sin_addr.s_addr",
        off,
        size_of::<libc::in_addr>(),
        ip.to_string(),
        "IPv4 address, NETWORK byte order: the dotted quad's bytes in reading order",
    );
    let off = offset_of!(sockaddr_in, sin_zero);
    let zero = take::<8>(&bytes, off);
    b.field(
        "sin_zero",
        off,
        zero.len(),
        if zero == [0; 8] {
            "all 0".into()
        } else {
            format!("{zero:02x?}")
        },
        "unused; must be zero (socklab builds from zeroed storage)",
    );
    b.note(format!(
        "addrlen = {} (sizeof(struct sockaddr_in)); the kernel copies exactly these bytes",
        addr.len()
    ));
    b.finish(bytes)
}

/// `struct sockaddr_in6` for an IPv6 address.
pub fn sockaddr_in6_layout(addr: &SockAddr) -> Layout {
    let bytes = addr.as_bytes().to_vec();
    let mut b = Builder::new("struct sockaddr_in6", size_of::<sockaddr_in6>());
    family_field(
        &mut b,
        &bytes,
        offset_of!(sockaddr_in6, sin6_family),
        "sin6_family",
    );
    port_field(
        &mut b,
        &bytes,
        offset_of!(sockaddr_in6, sin6_port),
        "sin6_port",
    );
    let off = offset_of!(sockaddr_in6, sin6_flowinfo);
    let flow = u32::from_be_bytes(take(&bytes, off));
    b.field(
        "sin6_flowinfo",
        off,
        4,
        flow.to_string(),
        "traffic class and flow label, NETWORK byte order",
    );
    let off = offset_of!(sockaddr_in6, sin6_addr);
    let ip = std::net::Ipv6Addr::from(take::<16>(&bytes, off));
    b.field(
        "sin6_addr",
        off,
        16,
        ip.to_string(),
        "IPv6 address, NETWORK byte order (16 bytes as written)",
    );
    let off = offset_of!(sockaddr_in6, sin6_scope_id);
    let scope = u32::from_ne_bytes(take(&bytes, off));
    b.field(
        "sin6_scope_id",
        off,
        4,
        scope.to_string(),
        "interface index for link-local/loopback zones (%lo = if_nametoindex(\"lo\")), HOST byte order",
    );
    b.note(format!(
        "addrlen = {} (sizeof(struct sockaddr_in6))",
        addr.len()
    ));
    b.finish(bytes)
}

/// `struct sockaddr_un` for a path or an abstract name.
pub fn sockaddr_un_layout(addr: &SockAddr) -> Layout {
    let bytes = addr.as_bytes().to_vec();
    let mut b = Builder::new("struct sockaddr_un", size_of::<sockaddr_un>());
    family_field(
        &mut b,
        &bytes,
        offset_of!(sockaddr_un, sun_family),
        "sun_family",
    );
    let off = offset_of!(sockaddr_un, sun_path);
    let used = bytes.len().saturating_sub(off);
    let (value, meaning) = if let Some(name) = addr.as_abstract_name() {
        (
            format!("\\0{}", String::from_utf8_lossy(name)),
            format!(
                "abstract name: a leading NUL, then {} name bytes, no terminator; only the first {used} of {} bytes are passed",
                name.len(),
                size_of::<[libc::c_char; 108]>()
            ),
        )
    } else {
        let path = addr
            .as_unix_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        (
            path,
            format!(
                "filesystem path with its NUL; only the first {used} of {} bytes are passed",
                sun_path_len()
            ),
        )
    };
    b.field("sun_path", off, sun_path_len(), value, &meaning);
    b.note(format!(
        "addrlen = {} = offsetof(struct sockaddr_un, sun_path) + {used}, not sizeof (= {}): the kernel reads only addrlen bytes",
        addr.len(),
        size_of::<sockaddr_un>()
    ));
    b.finish(bytes)
}

fn sun_path_len() -> usize {
    size_of::<sockaddr_un>() - offset_of!(sockaddr_un, sun_path)
}

/// A sample message: `sendmsg(fd, &msg, 0)` sending "hello " + "world" with fd 0 (stdin) in an
/// `SCM_RIGHTS` control message, as C would build it. Buffers live as long as the sample, so the
/// pointers in its structs are real addresses.
struct Sample {
    iov0: Vec<u8>,
    iov1: Vec<u8>,
    iovecs: Vec<u8>,
    control: Vec<u8>,
}

const FD_PASSED: i32 = 0;

impl Sample {
    fn new() -> Sample {
        let iov0 = b"hello ".to_vec();
        let iov1 = b"world".to_vec();
        let mut control = vec![0u8; sys::cmsg_space(size_of::<i32>())];
        put(
            &mut control,
            offset_of!(cmsghdr, cmsg_len),
            &cmsg_len_bytes(),
        );
        put(
            &mut control,
            offset_of!(cmsghdr, cmsg_level),
            &libc::SOL_SOCKET.to_ne_bytes(),
        );
        put(
            &mut control,
            offset_of!(cmsghdr, cmsg_type),
            &libc::SCM_RIGHTS.to_ne_bytes(),
        );
        put(&mut control, cmsg_data_offset(), &FD_PASSED.to_ne_bytes());
        let mut s = Sample {
            iov0,
            iov1,
            iovecs: vec![0u8; 2 * size_of::<iovec>()],
            control,
        };
        let parts = [
            (s.iov0.as_ptr() as usize, s.iov0.len()),
            (s.iov1.as_ptr() as usize, s.iov1.len()),
        ];
        for (i, (base, len)) in parts.into_iter().enumerate() {
            let at = i * size_of::<iovec>();
            put(
                &mut s.iovecs,
                at + offset_of!(iovec, iov_base),
                &base.to_ne_bytes(),
            );
            put(
                &mut s.iovecs,
                at + offset_of!(iovec, iov_len),
                &len.to_ne_bytes(),
            );
        }
        s
    }

    /// The `msghdr` image at `base` inside `bytes`, with its fields added to `b` under `prefix`.
    fn put_msghdr(&self, b: &mut Builder, bytes: &mut [u8], base: usize, prefix: &str) {
        let mut f = |name: &str, off: usize, val: &[u8], shown: String, meaning: &str| {
            put(bytes, base + off, val);
            b.field(
                &format!("{prefix}{name}"),
                base + off,
                val.len(),
                shown,
                meaning,
            );
        };
        f(
            "msg_name",
            offset_of!(msghdr, msg_name),
            &0usize.to_ne_bytes(),
            "NULL".into(),
            "destination address; NULL on a connected socket",
        );
        f(
            "msg_namelen",
            offset_of!(msghdr, msg_namelen),
            &(0 as socklen_t).to_ne_bytes(),
            "0".into(),
            "bytes at msg_name (in-out on recvmsg: reset it before every call)",
        );
        let iov = self.iovecs.as_ptr() as usize;
        f(
            "msg_iov",
            offset_of!(msghdr, msg_iov),
            &iov.to_ne_bytes(),
            format!("{iov:#x}"),
            "pointer to the iovec array (struct iovec[2])",
        );
        f(
            "msg_iovlen",
            offset_of!(msghdr, msg_iovlen),
            &2usize.to_ne_bytes(),
            "2".into(),
            "number of iovecs (size_t in glibc, int in POSIX)",
        );
        let ctl = self.control.as_ptr() as usize;
        f(
            "msg_control",
            offset_of!(msghdr, msg_control),
            &ctl.to_ne_bytes(),
            format!("{ctl:#x}"),
            "pointer to the control buffer (struct cmsghdr + data)",
        );
        f(
            "msg_controllen",
            offset_of!(msghdr, msg_controllen),
            &self.control.len().to_ne_bytes(),
            self.control.len().to_string(),
            "bytes of control data = CMSG_SPACE(sizeof(int)) (in-out on recvmsg)",
        );
        f(
            "msg_flags",
            offset_of!(msghdr, msg_flags),
            &0i32.to_ne_bytes(),
            "0".into(),
            "ignored by sendmsg; recvmsg sets MSG_TRUNC/MSG_CTRUNC here",
        );
    }

    fn msghdr_layout(&self) -> Layout {
        let mut bytes = vec![0u8; size_of::<msghdr>()];
        let mut b = Builder::new("struct msghdr", size_of::<msghdr>());
        self.put_msghdr(&mut b, &mut bytes, 0, "");
        b.note("pointers are this process's real addresses, in host byte order (little-endian on x86_64)");
        b.note("C: struct iovec iov[2] = { {\"hello \", 6}, {\"world\", 5} }; struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = buf, .msg_controllen = sizeof buf };");
        b.finish(bytes)
    }

    fn iovec_layout(&self) -> Layout {
        let mut b = Builder::new("struct iovec[2]", 2 * size_of::<iovec>());
        for (i, data) in [&self.iov0, &self.iov1].into_iter().enumerate() {
            let at = i * size_of::<iovec>();
            b.field(
                &format!("[{i}].iov_base"),
                at + offset_of!(iovec, iov_base),
                size_of::<usize>(),
                format!("{:#x}", data.as_ptr() as usize),
                &format!("points at {:?}", String::from_utf8_lossy(data)),
            );
            b.field(
                &format!("[{i}].iov_len"),
                at + offset_of!(iovec, iov_len),
                size_of::<usize>(),
                data.len().to_string(),
                "bytes at iov_base",
            );
        }
        b.note("the kernel gathers the iovecs in order: the peer receives \"hello world\" as one message");
        b.finish(self.iovecs.clone())
    }

    fn cmsghdr_layout(&self) -> Layout {
        let mut b = Builder::new("struct cmsghdr + data", self.control.len());
        let len = sys::cmsg_len(size_of::<i32>());
        b.field(
            "cmsg_len",
            offset_of!(cmsghdr, cmsg_len),
            size_of::<usize>(),
            len.to_string(),
            "CMSG_LEN(sizeof(int)): header + data, WITHOUT the trailing padding",
        );
        b.field(
            "cmsg_level",
            offset_of!(cmsghdr, cmsg_level),
            size_of::<i32>(),
            format!("SOL_SOCKET ({})", libc::SOL_SOCKET),
            "protocol level of the message",
        );
        b.field(
            "cmsg_type",
            offset_of!(cmsghdr, cmsg_type),
            size_of::<i32>(),
            format!("SCM_RIGHTS ({})", libc::SCM_RIGHTS),
            "pass file descriptors",
        );
        b.field(
            "CMSG_DATA[0]",
            cmsg_data_offset(),
            size_of::<i32>(),
            FD_PASSED.to_string(),
            "the fd to pass (here 0, stdin); the receiver gets a new fd for the same file",
        );
        b.note(format!(
            "CMSG_SPACE(sizeof(int)) = {} bytes: the padding after the data aligns the next header; the kernel never writes it on receive",
            self.control.len()
        ));
        b.finish(self.control.clone())
    }

    fn mmsghdr_layout(&self) -> Layout {
        let mut bytes = vec![0u8; size_of::<mmsghdr>()];
        let mut b = Builder::new("struct mmsghdr", size_of::<mmsghdr>());
        self.put_msghdr(&mut b, &mut bytes, offset_of!(mmsghdr, msg_hdr), "msg_hdr.");
        let off = offset_of!(mmsghdr, msg_len);
        let sent = (self.iov0.len() + self.iov1.len()) as u32;
        put(&mut bytes, off, &sent.to_ne_bytes());
        b.field(
            "msg_len",
            off,
            size_of::<u32>(),
            sent.to_string(),
            "written by the kernel: bytes sent/received for this message (after sendmmsg here)",
        );
        b.note("sendmmsg/recvmmsg take an array of these: one syscall for many messages");
        b.finish(bytes)
    }
}

fn put(bytes: &mut [u8], at: usize, val: &[u8]) {
    bytes[at..at + val.len()].copy_from_slice(val);
}

fn cmsg_len_bytes() -> [u8; size_of::<usize>()] {
    sys::cmsg_len(size_of::<i32>()).to_ne_bytes()
}

/// `CMSG_DATA(cmsg) - (unsigned char *)cmsg`: the header rounded up to the alignment.
fn cmsg_data_offset() -> usize {
    sys::cmsg_len(0)
}

/// Classic hexdump: offset, 16 bytes per line.
pub fn hexdump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("  {:04x}  {}\n", i * 16, hex.join(" ")));
    }
    out
}

impl fmt::Display for Layout {
    /// The table (offset, size, field, value, meaning), the notes, then the hexdump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} (sizeof = {})", self.c_type, self.size)?;
        let nw = self.fields.iter().map(|x| x.name.len()).max().unwrap_or(0);
        let vw = self.fields.iter().map(|x| x.value.len()).max().unwrap_or(0);
        writeln!(
            f,
            "  {:>6} {:>4}  {:<nw$}  {:<vw$}  meaning",
            "offset", "size", "field", "value"
        )?;
        for x in &self.fields {
            writeln!(
                f,
                "  {:>6} {:>4}  {:<nw$}  {:<vw$}  {}",
                x.offset, x.size, x.name, x.value, x.meaning
            )?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        writeln!(f, "  bytes ({}):", self.bytes.len())?;
        f.write_str(&hexdump(&self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each refusal is its own variant (the CLI prints its one line), not a bare string.
    #[test]
    fn refusals_are_typed_and_print_one_line() {
        let cases = [
            (
                inspect(Kind::SockaddrIn, None),
                Error::MissingAddress(Kind::SockaddrIn),
                "inspect sockaddr_in: missing the address (e.g. 127.0.0.1:8080)",
            ),
            (
                inspect(Kind::Msghdr, Some("x")),
                Error::UnexpectedArgument {
                    kind: Kind::Msghdr,
                    arg: "x".into(),
                },
                "inspect msghdr: takes no argument (got 'x')",
            ),
            (
                inspect(Kind::SockaddrIn, Some("[::1]:80")),
                Error::WrongFamily {
                    kind: Kind::SockaddrIn,
                    addr: "[::1]:80".into(),
                },
                "inspect sockaddr_in: '[::1]:80' is not a sockaddr_in address (e.g. 127.0.0.1:8080)",
            ),
        ];
        for (got, want, line) in cases {
            let e = got.unwrap_err();
            assert_eq!(e, want);
            assert_eq!(e.to_string(), line);
        }
        let bad = inspect(Kind::SockaddrIn, Some("1.2.3:80")).unwrap_err();
        assert!(
            matches!(
                &bad,
                Error::BadAddress {
                    kind: Kind::SockaddrIn,
                    ..
                }
            ),
            "{bad:?}"
        );
        assert!(
            bad.to_string()
                .starts_with("inspect sockaddr_in: '1.2.3:80'"),
            "{bad}"
        );
    }

    #[test]
    fn sockaddr_in_bytes_are_network_order() {
        let l = &inspect(Kind::SockaddrIn, Some("127.0.0.1:8080")).unwrap()[0];
        assert_eq!(l.bytes.len(), 16);
        assert_eq!(&l.bytes[..8], &[2, 0, 0x1f, 0x90, 0x7f, 0, 0, 1]);
        let port = l.fields.iter().find(|f| f.name == "sin_port").unwrap();
        assert_eq!(
            (port.offset, port.size, port.value.as_str()),
            (2, 2, "8080")
        );
    }

    #[test]
    fn padding_is_explicit_and_fields_tile_the_struct() {
        for kind in [Kind::Msghdr, Kind::Mmsghdr] {
            for l in inspect(kind, None).unwrap() {
                let mut at = 0;
                for f in &l.fields {
                    assert_eq!(f.offset, at, "{} {}", l.c_type, f.name);
                    at += f.size;
                }
                assert_eq!(at, l.size, "{}", l.c_type);
                assert_eq!(l.bytes.len(), l.size, "{}", l.c_type);
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(inspect(Kind::SockaddrIn, Some("1.2.3:80")).is_err());
        assert!(inspect(Kind::SockaddrIn, Some("[::1]:80")).is_err());
        assert!(inspect(Kind::SockaddrIn6, Some("[::1")).is_err());
        assert!(inspect(Kind::SockaddrIn6, Some("[::1%nosuchif0]:1")).is_err());
        assert!(inspect(Kind::SockaddrUn, Some(&"x".repeat(200))).is_err());
        assert!(inspect(Kind::SockaddrIn, None).is_err());
        assert!(inspect(Kind::Msghdr, Some("x")).is_err());
    }
}
