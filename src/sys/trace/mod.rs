//! The trace hook of [`raw`](super::raw): the `traced!` macro, its errno-keeping cold path, the
//! `unsafe` readers that turn each call's pointers into what `crate::sys::fmt` prints, and (in
//! [`hook`]) the state that decides where a line goes. `socklab::trace` is the public facade over
//! it; nothing here reaches up to it.
//!
//! Without the `trace` feature `traced!` expands to the bare C call.

#[cfg(feature = "trace")]
pub(crate) mod hook;
#[cfg(all(test, feature = "trace"))]
mod props;

/// `traced!(c_call, [pre = before_call,] |pre, ret, errno| line)`: makes `c_call`, and when the
/// log is on (one relaxed load and a branch when it is off) builds `line` in the cold path. `pre`
/// reads in-out values (an `addrlen`) before the call; it runs only when tracing.
#[cfg(feature = "trace")]
macro_rules! traced {
    ($call:expr, pre = $pre:expr, $line:expr) => {
        if $crate::sys::trace::hook::gate_open() {
            $crate::sys::trace::call(move || $pre, move || $call, $line)
        } else {
            $call
        }
    };
    ($call:expr, $line:expr) => {
        traced!($call, pre = (), $line)
    };
}

/// Without the `trace` feature: the C call alone.
#[cfg(not(feature = "trace"))]
macro_rules! traced {
    ($call:expr, $($rest:tt)*) => {
        $call
    };
}

pub(crate) use traced;

/// The name of interface `index` (if_indextoname(3)), for `sin6_scope_id` in
/// [`crate::sys::fmt`] (compiled with it, so also without the `trace` feature, where only the
/// log's sockaddr decoding, and so nothing, calls it).
#[cfg_attr(not(feature = "trace"), allow(dead_code))]
pub(crate) fn if_indextoname(index: u32) -> Option<String> {
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `name` is writable for IF_NAMESIZE bytes, the size if_indextoname requires.
    let p = unsafe { libc::if_indextoname(index, name.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success if_indextoname wrote a NUL-terminated name into `name`.
    let s = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    Some(s.to_string_lossy().into_owned())
}

#[cfg(feature = "trace")]
pub(crate) use imp::*;

#[cfg(feature = "trace")]
mod imp {
    use std::borrow::Cow;
    use std::os::raw::{c_int, c_uint, c_void};
    use std::slice;
    use std::time::Instant;

    use libc::{mmsghdr, msghdr, pollfd, sockaddr, sockaddr_storage, socklen_t, timespec};

    use super::hook;
    use crate::sys::fmt;
    use crate::sys::Errno;

    fn errno() -> c_int {
        // SAFETY: __errno_location returns this thread's errno slot, valid for the thread's life.
        unsafe { *libc::__errno_location() }
    }

    fn set_errno(v: c_int) {
        // SAFETY: as in `errno`; writing an int there is what C's `errno = v` does.
        unsafe { *libc::__errno_location() = v }
    }

    /// The cold path of `traced!`: decides where the line goes, makes the call (timed if asked),
    /// reads errno at once, formats and delivers the line, then puts errno back as the call left
    /// it (writing to stderr may change it; callers read it after the raw fn returns).
    ///
    /// A call made while this thread is already inside the hook — from a signal handler that
    /// interrupted a traced call — is made bare: no line, no lock, no allocation.
    #[cold]
    #[inline(never)]
    pub(crate) fn call<P, R: Copy>(
        pre: impl FnOnce() -> P,
        call: impl FnOnce() -> R,
        line: impl FnOnce(P, R, Errno) -> String,
    ) -> R {
        let Some(_inside) = hook::enter() else {
            return call();
        };
        let Some(sink) = hook::sink() else {
            return call();
        };
        let p = pre();
        let start = sink.timed().then(Instant::now);
        let ret = call();
        let elapsed = start.map(|s| s.elapsed());
        let saved = errno();
        let text = line(p, ret, Errno::from_raw(saved));
        hook::emit(sink, text, elapsed);
        set_errno(saved);
        ret
    }

    /// `len` bytes at `p`, or `None` for NULL.
    ///
    /// # Safety
    /// A non-NULL `p` is readable for `len` bytes for `'a`.
    unsafe fn bytes<'a>(p: *const c_void, len: usize) -> Option<&'a [u8]> {
        // SAFETY: the caller guarantees `p` is readable for `len` bytes when non-NULL.
        (!p.is_null()).then(|| unsafe { slice::from_raw_parts(p.cast::<u8>(), len) })
    }

    /// What a buffer dump reads of the `len` bytes at `p`: the first [`fmt::MAX_STR`] + 1, all
    /// strace's `-s 32` cut needs to print them and its `...`; `None` for NULL.
    ///
    /// # Safety
    /// A non-NULL `p` is readable for `len` bytes for `'a`.
    unsafe fn shown<'a>(p: *const c_void, len: usize) -> Option<&'a [u8]> {
        // SAFETY: a prefix of the `len` bytes the caller guarantees readable.
        unsafe { bytes(p, len.min(fmt::MAX_STR + 1)) }
    }

    /// The socket's type (`SO_TYPE`) or family (`SO_DOMAIN`), asked of the kernel directly so
    /// the query is not itself traced; `None` if `fd` is not a socket.
    fn sock_int(fd: c_int, name: c_int) -> Option<c_int> {
        let mut v: c_int = 0;
        let mut len = size_of::<c_int>() as socklen_t;
        let p = std::ptr::addr_of_mut!(v).cast();
        // SAFETY: `p` is a live local int and `len` its size; SO_TYPE and SO_DOMAIN (the only
        // names passed) each write at most one int.
        let rc = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, name, p, &mut len) };
        (rc == 0 && len as usize == size_of::<c_int>()).then_some(v)
    }

    /// Whether a receive with `flags` that reported bytes wrote them (up to the buffer's size).
    ///
    /// With `MSG_TRUNC` the kernel reports more than it writes: a datagram socket (UDP, Unix
    /// dgram/seqpacket, raw, netlink, packet) returns the datagram's full length and writes
    /// `min(ret, len)`; TCP discards the data without writing the buffer and returns its count.
    /// So with `MSG_TRUNC` the trace asks the socket's type and family (untraced
    /// `getsockopt(SO_TYPE)`, then `SO_DOMAIN` unless a stream) and shows no bytes where the
    /// kernel is not known to have copied them, only the pointer, as for a buffer it does not
    /// decode — the rule of `sys::written`, which the safe receives follow too (`AF_LLC`,
    /// `MSG_PEEK | MSG_TRUNC` on UDP, `MSG_SOCK_DEVMEM` and unlisted families show no bytes).
    /// strace 6.1 reads the buffer anyway and prints its stale contents (`recvfrom(6, "ZZZZZ",
    /// 16, MSG_TRUNC, NULL, NULL) = 5` over a buffer of `Z`s); for datagrams it prints the same
    /// `min(ret, len)` bytes as here.
    fn wrote_reported(fd: c_int, flags: c_int) -> bool {
        crate::sys::written::wrote_reported(flags, |name| sock_int(fd, name))
    }

    /// The first `n` `T`s at `p`, copied out with unaligned reads, or none for NULL: the kernel
    /// reads `pollfd`/`mmsghdr`/`msghdr` arrays at any address, and the raw contracts promise
    /// only that they are readable, so the hook may not form an aligned `&[T]` over them.
    ///
    /// # Safety
    /// A non-NULL `p` is readable for `n` `T`s.
    pub(crate) unsafe fn read_array<T: Copy>(p: *const T, n: usize) -> Vec<T> {
        if p.is_null() {
            return Vec::new();
        }
        // SAFETY: `i < n`, so `p.add(i)` is within the `n` readable `T`s the caller guarantees.
        (0..n)
            .map(|i| unsafe { p.add(i).read_unaligned() })
            .collect()
    }

    /// `*p`, or `None` for NULL.
    ///
    /// # Safety
    /// A non-NULL `p` is readable.
    pub(crate) unsafe fn get<T: Copy>(p: *const T) -> Option<T> {
        // SAFETY: the caller guarantees a non-NULL `p` is readable.
        (!p.is_null()).then(|| unsafe { p.read_unaligned() })
    }

    /// A sockaddr as strace prints it: decoded from at most `sizeof(sockaddr_storage)` bytes.
    ///
    /// # Safety
    /// A non-NULL `addr` is readable for `min(len, sizeof(sockaddr_storage))` bytes.
    unsafe fn addr(addr: *const sockaddr, len: socklen_t) -> String {
        let len = (len as usize).min(size_of::<sockaddr_storage>());
        // SAFETY: the caller guarantees `addr` is readable for this (clamped) `len`.
        let b = unsafe { bytes(addr.cast(), len) };
        fmt::sockaddr(addr as usize, b)
    }

    /// An address the kernel wrote and its in-out length: `{sa_family=…}, [128 => 16]` after
    /// success, `0x7ffd…, [128]` after failure, `NULL, NULL` when not asked for.
    ///
    /// # Safety
    /// `addr`/`addrlen` are as the call's contract requires (both NULL, or `addrlen` readable and
    /// `addr` readable for the length the kernel wrote).
    unsafe fn out_addr(
        addr: *const sockaddr,
        addrlen: *const socklen_t,
        before: Option<socklen_t>,
        ok: bool,
    ) -> [String; 2] {
        // SAFETY: per the caller, a non-NULL addrlen is readable.
        let after = unsafe { get(addrlen) };
        match (before, after) {
            (Some(b), Some(a)) if ok => {
                // SAFETY: the kernel wrote min(b, a) bytes of address at `addr`.
                [unsafe { self::addr(addr, a.min(b)) }, fmt::inout(b, a)]
            }
            (Some(b), _) => [fmt::ptr(addr as usize), format!("[{b}]")],
            _ => [fmt::ptr(addr as usize), fmt::ptr(addrlen as usize)],
        }
    }

    /// Reads `msg_namelen` before a receive call.
    ///
    /// # Safety
    /// A non-NULL `msg` points to a readable msghdr.
    pub(crate) unsafe fn namelen(msg: *const msghdr) -> Option<socklen_t> {
        // SAFETY: per the caller.
        unsafe { get(msg) }.map(|m| m.msg_namelen)
    }

    /// What a msghdr's iovecs hold, for [`msg_view`].
    #[derive(Clone, Copy)]
    pub(crate) enum Data {
        /// Sent: each iovec in full.
        Sent,
        /// Received: the kernel wrote this many bytes, filling the iovecs in order.
        Received(usize),
        /// Received, but the kernel wrote none of the bytes it reported ([`wrote_reported`]).
        Unwritten,
    }

    impl Data {
        /// What a receive on `fd` with `flags` that returned `ret` (>= 0) wrote.
        fn received(fd: c_int, flags: c_int, ret: usize) -> Data {
            if ret > 0 && !wrote_reported(fd, flags) {
                Data::Unwritten
            } else {
                Data::Received(ret)
            }
        }
    }

    /// The control bytes a receive wrote, copied out: each cmsg's header and its `cmsg_len`
    /// bytes, walked as CMSG_NXTHDR does. msg_controllen counts each message's CMSG_SPACE, but
    /// the kernel writes only CMSG_LEN of it, so the padding between messages is not read (it
    /// may be uninitialized caller memory) and stays 0 in the copy. `None` for NULL.
    ///
    /// # Safety
    /// A non-NULL `p` is a buffer into which a successful receive just wrote a cmsg chain
    /// reported as `len` bytes.
    unsafe fn written_control(p: *const c_void, len: usize) -> Option<Vec<u8>> {
        if p.is_null() {
            return None;
        }
        let (p, hdr) = (p.cast::<u8>(), size_of::<libc::cmsghdr>());
        let mut out = vec![0u8; len];
        let mut off = 0;
        while len - off >= hdr {
            // SAFETY: a header the kernel wrote, inside the `len` reported bytes.
            let h = unsafe { p.add(off).cast::<libc::cmsghdr>().read_unaligned() };
            #[allow(clippy::unnecessary_cast)] // size_t in glibc, socklen_t in musl
            let clen = h.cmsg_len as usize;
            if clen < hdr {
                break;
            }
            let end = off + clen.min(len - off);
            // SAFETY: `off..end` is this message's header and data, which the kernel wrote
            // (cmsg_len counts only written bytes, also when MSG_CTRUNC cut the message).
            unsafe {
                std::ptr::copy_nonoverlapping(p.add(off), out.as_mut_ptr().add(off), end - off)
            };
            // The next header is at CMSG_ALIGN(cmsg_len), if one fits.
            match clen.checked_next_multiple_of(size_of::<usize>()) {
                Some(next) if next < len - off => off += next,
                _ => break,
            }
        }
        Some(out)
    }

    /// One msghdr as [`fmt::Msg`]: `data` says which iovec bytes may be shown; `before` is the
    /// msg_namelen the caller set.
    ///
    /// # Safety
    /// `m` is valid as sendmsg/recvmsg require (its name readable for `min(msg_namelen,
    /// sizeof(sockaddr_storage))` bytes, its `msg_iovlen` iovecs readable, each base for its
    /// `iov_len` bytes), and after a receive the kernel wrote what `data` says.
    pub(crate) unsafe fn msg_view<'a>(
        m: &'a msghdr,
        before: Option<u32>,
        data: Data,
    ) -> fmt::Msg<'a> {
        let namelen = before.map_or(m.msg_namelen, |b| b.min(m.msg_namelen));
        let name_len = (namelen as usize).min(size_of::<sockaddr_storage>());
        // SAFETY: msg_name is readable for msg_namelen bytes (the kernel wrote `namelen`).
        let name = unsafe { bytes(m.msg_name, name_len) };
        let shown = m.msg_iovlen.min(33);
        // SAFETY: msg_iov points to msg_iovlen iovecs; we read the first `shown`.
        let iovs = unsafe { bytes(m.msg_iov.cast(), shown * size_of::<libc::iovec>()) };
        let mut left = match data {
            Data::Sent => usize::MAX,
            Data::Received(n) => n,
            Data::Unwritten => 0,
        };
        let mut iov = Vec::new();
        for i in 0..if iovs.is_some() { shown } else { 0 } {
            // SAFETY: `i < shown`, within the iovecs read above.
            let v = unsafe { m.msg_iov.add(i).read_unaligned() };
            let n = v.iov_len.min(left);
            left -= n;
            let bytes = match data {
                Data::Unwritten => None,
                // SAFETY: each iovec's base is readable for iov_len bytes (sent) or had the
                // first `n` written (the kernel fills the iovecs in order).
                _ => Some(unsafe { self::shown(v.iov_base, n) }.unwrap_or(&[])),
            };
            iov.push(fmt::Iov {
                base: v.iov_base as usize,
                bytes,
                len: v.iov_len,
            });
        }
        fmt::Msg {
            name: (m.msg_name as usize, name),
            namelen_before: before,
            namelen: m.msg_namelen,
            iov,
            iovlen: m.msg_iovlen,
            control: (m.msg_control as usize, m.msg_controllen),
            control_bytes: match data {
                // SAFETY: a sent msg_control is readable for msg_controllen bytes; capped at
                // 64 KiB, more than any cmsg chain.
                Data::Sent => unsafe { bytes(m.msg_control, m.msg_controllen.min(1 << 16)) }
                    .map(Cow::Borrowed),
                // SAFETY: after a receive the kernel wrote the cmsgs within msg_controllen (all
                // `written_control` reads); the buffer is writable for at least that.
                _ => unsafe { written_control(m.msg_control, m.msg_controllen.min(1 << 16)) }
                    .map(Cow::Owned),
            },
            flags: m.msg_flags,
        }
    }

    /// The trace line of each raw call, from its arguments and result. Each fn's safety contract
    /// is its raw twin's: the caller of the raw fn guarantees what these read.
    pub(crate) mod line {
        // Each takes its C call's arguments plus the before-values, result and errno.
        #![allow(clippy::too_many_arguments)]
        use super::*;

        /// The fd, as strace prints it.
        fn fd(fd: c_int) -> String {
            fd.to_string()
        }

        pub(crate) fn socket(d: c_int, t: c_int, p: c_int, ret: c_int, e: Errno) -> String {
            fmt::line("socket", &fmt::socket_args(d, t, p), ret as i64, e)
        }

        /// # Safety
        /// As for `raw::socketpair`.
        pub(crate) unsafe fn socketpair(
            d: c_int,
            t: c_int,
            p: c_int,
            sv: *const c_int,
            ret: c_int,
            e: Errno,
        ) -> String {
            let pair = if ret == 0 && !sv.is_null() {
                // SAFETY: socketpair succeeded, so it wrote two ints at `sv` (valid for both,
                // raw::socketpair's contract). Read unaligned: the kernel needs no alignment,
                // and the contract does not promise it.
                let (a, b) = unsafe { (sv.read_unaligned(), sv.add(1).read_unaligned()) };
                format!("[{a}, {b}]")
            } else {
                fmt::ptr(sv as usize)
            };
            let [d, t, p] = fmt::socket_args(d, t, p);
            fmt::line("socketpair", &[d, t, p, pair], ret as i64, e)
        }

        /// bind(2) and connect(2).
        ///
        /// # Safety
        /// `addr` is NULL or readable for `min(len, sizeof(sockaddr_storage))` bytes.
        pub(crate) unsafe fn with_addr(
            name: &str,
            s: c_int,
            addr: *const sockaddr,
            len: socklen_t,
            ret: c_int,
            e: Errno,
        ) -> String {
            // SAFETY: per the caller.
            let a = unsafe { super::addr(addr, len) };
            fmt::line(name, &[fd(s), a, len.to_string()], ret as i64, e)
        }

        /// Calls whose arguments are all plain ints: listen, close.
        pub(crate) fn ints(name: &str, args: &[c_int], ret: c_int, e: Errno) -> String {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            fmt::line(name, &args, ret as i64, e)
        }

        pub(crate) fn shutdown(s: c_int, how: c_int, ret: c_int, e: Errno) -> String {
            fmt::line("shutdown", &[fd(s), fmt::shut_how(how)], ret as i64, e)
        }

        /// accept, accept4 (with `flags`), getsockname, getpeername.
        ///
        /// # Safety
        /// As for `raw::accept`.
        pub(crate) unsafe fn accept(
            name: &str,
            s: c_int,
            addr: *const sockaddr,
            addrlen: *const socklen_t,
            flags: Option<c_int>,
            before: Option<socklen_t>,
            ret: c_int,
            e: Errno,
        ) -> String {
            // SAFETY: per the caller.
            let [a, l] = unsafe { out_addr(addr, addrlen, before, ret != -1) };
            let mut args = vec![fd(s), a, l];
            if let Some(f) = flags {
                args.push(fmt::sock_flags(f));
            }
            fmt::line(name, &args, ret as i64, e)
        }

        /// read, recv (as recvfrom with NULL addresses, as glibc calls it) and recvfrom.
        ///
        /// # Safety
        /// As for `raw::recvfrom`; `from` is `None` for read.
        pub(crate) unsafe fn recv(
            name: &str,
            s: c_int,
            buf: *const c_void,
            len: usize,
            flags: Option<c_int>,
            from: Option<(*const sockaddr, *const socklen_t)>,
            before: Option<socklen_t>,
            ret: isize,
            e: Errno,
        ) -> String {
            let written = match ret {
                r if r < 0 => None,
                r => match Data::received(s, flags.unwrap_or(0), r as usize) {
                    Data::Received(n) => Some(n.min(len)),
                    _ => None,
                },
            };
            let b = match written {
                // SAFETY: the call wrote min(ret, len) bytes at `buf` (`wrote_reported`).
                Some(n) => unsafe { shown(buf, n) }.map_or_else(|| fmt::ptr(0), fmt::buf),
                None => fmt::ptr(buf as usize),
            };
            let mut args = vec![fd(s), b, len.to_string()];
            if let Some(f) = flags {
                args.push(fmt::msg_flags(f));
            }
            if let Some((addr, addrlen)) = from {
                // SAFETY: per the caller.
                args.extend(unsafe { out_addr(addr, addrlen, before, ret >= 0) });
            }
            fmt::line(name, &args, ret as i64, e)
        }

        /// write, send (as sendto with no address, as glibc calls it) and sendto.
        ///
        /// # Safety
        /// As for `raw::sendto`; `to` is `None` for write.
        pub(crate) unsafe fn send(
            name: &str,
            s: c_int,
            buf: *const c_void,
            len: usize,
            flags: Option<c_int>,
            to: Option<(*const sockaddr, socklen_t)>,
            ret: isize,
            e: Errno,
        ) -> String {
            // SAFETY: `buf` is readable for `len` bytes.
            let b = unsafe { shown(buf, len) }.map_or_else(|| fmt::ptr(0), fmt::buf);
            let mut args = vec![fd(s), b, len.to_string()];
            if let Some(f) = flags {
                args.push(fmt::msg_flags(f));
            }
            if let Some((addr, addrlen)) = to {
                // SAFETY: `addr` is NULL or readable for min(addrlen, sizeof(sockaddr_storage))
                // bytes (raw::sendto's contract), all `addr` reads.
                args.push(unsafe { super::addr(addr, addrlen) });
                args.push(addrlen.to_string());
            }
            fmt::line(name, &args, ret as i64, e)
        }

        /// # Safety
        /// As for `raw::sendmsg`.
        pub(crate) unsafe fn sendmsg(
            s: c_int,
            msg: *const msghdr,
            flags: c_int,
            ret: isize,
            e: Errno,
        ) -> String {
            // SAFETY: `msg` points to a valid msghdr (or is NULL); read unaligned, by value.
            let m = match unsafe { get(msg) } {
                // SAFETY: its buffers are readable for the lengths it states.
                Some(m) => fmt::msghdr(&unsafe { msg_view(&m, None, Data::Sent) }),
                None => fmt::ptr(0),
            };
            fmt::line("sendmsg", &[fd(s), m, fmt::msg_flags(flags)], ret as i64, e)
        }

        /// # Safety
        /// As for `raw::recvmsg`; `before` is msg_namelen as read before the call.
        pub(crate) unsafe fn recvmsg(
            s: c_int,
            msg: *const msghdr,
            flags: c_int,
            before: Option<socklen_t>,
            ret: isize,
            e: Errno,
        ) -> String {
            // SAFETY: `msg` points to a valid msghdr (or is NULL); read unaligned, by value.
            let m = match (unsafe { get(msg) }, before) {
                (None, _) | (_, None) => fmt::ptr(msg as usize),
                (Some(_), Some(b)) if ret < 0 => format!("{{msg_namelen={b}}}"),
                (Some(m), b) => {
                    let data = Data::received(s, flags, ret as usize);
                    // SAFETY: the kernel wrote its name and, per `data`, its iovecs' bytes.
                    fmt::msghdr(&unsafe { msg_view(&m, b, data) })
                }
            };
            fmt::line("recvmsg", &[fd(s), m, fmt::msg_flags(flags)], ret as i64, e)
        }

        /// # Safety
        /// As for `raw::sendmmsg`.
        pub(crate) unsafe fn sendmmsg(
            s: c_int,
            vec: *const mmsghdr,
            vlen: c_uint,
            flags: c_int,
            ret: c_int,
            e: Errno,
        ) -> String {
            let v = if vec.is_null() {
                fmt::ptr(0)
            } else {
                let shown = (vlen as usize).min(33);
                // SAFETY: `vec` points to `vlen` valid mmsghdrs; we read the first `shown`.
                let hdrs = unsafe { read_array(vec, shown) };
                // SAFETY: each msg_hdr is valid as for sendmsg.
                let msgs: Vec<_> = hdrs
                    .iter()
                    .map(|h| unsafe { msg_view(&h.msg_hdr, None, Data::Sent) })
                    .collect();
                let sent = if ret > 0 { ret as usize } else { 0 };
                let lens: Vec<u32> = hdrs.iter().take(sent).map(|h| h.msg_len).collect();
                fmt::mmsghdrs(&msgs, &lens)
            };
            let args = [fd(s), v, vlen.to_string(), fmt::msg_flags(flags)];
            fmt::line("sendmmsg", &args, ret as i64, e)
        }

        /// What recvmmsg needs from before the call: each msg_namelen and the timeout.
        pub(crate) type MmsgPre = (Vec<socklen_t>, Option<timespec>);

        /// # Safety
        /// As for `raw::recvmmsg`.
        pub(crate) unsafe fn recvmmsg_pre(
            vec: *const mmsghdr,
            vlen: c_uint,
            timeout: *const timespec,
        ) -> MmsgPre {
            // SAFETY: `vec` is NULL or points to `vlen` valid mmsghdrs; we read at most 1024
            // (the kernel's UIO_MAXIOV cap on vlen).
            let hdrs = unsafe { read_array(vec, (vlen as usize).min(1024)) };
            // SAFETY: `timeout` is NULL or readable.
            (
                hdrs.iter().map(|h| h.msg_hdr.msg_namelen).collect(),
                unsafe { get(timeout) },
            )
        }

        /// # Safety
        /// As for `raw::recvmmsg`; `pre` from [`recvmmsg_pre`].
        pub(crate) unsafe fn recvmmsg(
            s: c_int,
            vec: *const mmsghdr,
            vlen: c_uint,
            flags: c_int,
            timeout: *const timespec,
            pre: MmsgPre,
            ret: c_int,
            e: Errno,
        ) -> String {
            let (namelens, ts_before) = pre;
            let v = if ret < 0 || vec.is_null() {
                fmt::ptr(vec as usize)
            } else {
                // The first 33 are all the line shows (32 and its `...`).
                let n = (ret as usize).min(vlen as usize).min(33);
                // SAFETY: the kernel filled the first `ret` (<= `vlen`) of the `vlen` mmsghdrs.
                let hdrs = unsafe { read_array(vec, n) };
                let wrote = wrote_reported(s, flags);
                let msgs: Vec<_> = hdrs
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        let before = namelens.get(i).copied();
                        let data = match h.msg_len as usize {
                            n if wrote || n == 0 => Data::Received(n),
                            _ => Data::Unwritten,
                        };
                        // SAFETY: the kernel wrote this message's name and, per `data`, its
                        // iovecs' bytes.
                        unsafe { msg_view(&h.msg_hdr, before, data) }
                    })
                    .collect();
                let lens: Vec<u32> = hdrs.iter().map(|h| h.msg_len).collect();
                fmt::mmsghdrs(&msgs, &lens)
            };
            let ts = |t: timespec| fmt::timespec(t.tv_sec, t.tv_nsec);
            let ts_arg = ts_before.map_or_else(|| fmt::ptr(timeout as usize), ts);
            let args = [fd(s), v, vlen.to_string(), fmt::msg_flags(flags), ts_arg];
            let ok = match ret {
                0 => Some("0 (Timeout)".to_string()),
                // SAFETY: `timeout` is NULL or readable (the kernel rewrote it).
                r => unsafe { get(timeout) }.map(|t| format!("{r} (left {})", ts(t))),
            };
            fmt::line_with("recvmmsg", &args, ret as i64, e, ok)
        }

        /// # Safety
        /// As for `raw::setsockopt`.
        pub(crate) unsafe fn setsockopt(
            s: c_int,
            level: c_int,
            name: c_int,
            val: *const c_void,
            len: socklen_t,
            ret: c_int,
            e: Errno,
        ) -> String {
            let [l, n] = fmt::sockopt_level_name(level, name);
            // SAFETY: `val` is NULL or points to `len` initialised bytes.
            let v = unsafe { setsockopt_val(level, name, val, len as usize) };
            fmt::line(
                "setsockopt",
                &[fd(s), l, n, v, len.to_string()],
                ret as i64,
                e,
            )
        }

        /// setsockopt's value. A struct with padding ([`fmt::padded_option`]) is read field by
        /// field, never as bytes: its padding is not data, whatever the caller left there.
        ///
        /// # Safety
        /// `val` is NULL or points to `len` initialised bytes.
        unsafe fn setsockopt_val(
            level: c_int,
            name: c_int,
            val: *const c_void,
            len: usize,
        ) -> String {
            use fmt::Padded;
            use libc::{group_req, sock_fprog};
            use std::mem::offset_of;
            let at = |off: usize| val.cast::<u8>().wrapping_add(off);
            match fmt::padded_option(level, name) {
                _ if val.is_null() => fmt::ptr(0),
                Some(Padded::Fprog) if len == size_of::<sock_fprog>() => {
                    // SAFETY: `len` bytes are readable, a whole sock_fprog: its two fields, read
                    // unaligned as the kernel allows any address.
                    let (n, filter) = unsafe {
                        (
                            at(offset_of!(sock_fprog, len))
                                .cast::<u16>()
                                .read_unaligned(),
                            at(offset_of!(sock_fprog, filter))
                                .cast::<usize>()
                                .read_unaligned(),
                        )
                    };
                    fmt::sock_fprog(n, filter)
                }
                Some(Padded::GroupReq) if len >= size_of::<group_req>() => {
                    let group = offset_of!(group_req, gr_group);
                    // SAFETY: as above, a whole group_req: its interface, then its group (a
                    // sockaddr_storage, which has no padding) as bytes.
                    let (interface, bytes) = unsafe {
                        (
                            at(offset_of!(group_req, gr_interface))
                                .cast::<u32>()
                                .read_unaligned(),
                            slice::from_raw_parts(at(group), size_of::<group_req>() - group),
                        )
                    };
                    fmt::group_req(interface, bytes)
                }
                Some(_) => fmt::ptr(val as usize),
                // SAFETY: `val` is readable for `len` bytes, all initialised.
                None => fmt::setsockopt_val(level, name, val as usize, unsafe { shown(val, len) }),
            }
        }

        /// # Safety
        /// As for `raw::getsockopt`; `before` is `*optlen` read before the call.
        pub(crate) unsafe fn getsockopt(
            s: c_int,
            level: c_int,
            name: c_int,
            val: *const c_void,
            optlen: *const socklen_t,
            before: Option<socklen_t>,
            ret: c_int,
            e: Errno,
        ) -> String {
            let [l, n] = fmt::sockopt_level_name(level, name);
            // SAFETY: a non-NULL optlen is readable.
            let after = unsafe { get(optlen) };
            let (v, len) = match (before, after) {
                (Some(b), Some(a)) => {
                    let v = if ret < 0 || (b as i32) <= 0 || (a as i32) <= 0 {
                        fmt::ptr(val as usize)
                    } else {
                        // SAFETY: the kernel wrote min(b, a) bytes of value at `val`.
                        let bytes = unsafe { shown(val, a.min(b) as usize) };
                        bytes.map_or_else(|| fmt::ptr(0), |v| fmt::getsockopt_val(level, name, v))
                    };
                    (v, fmt::inout(b, a))
                }
                _ => (fmt::ptr(val as usize), fmt::ptr(optlen as usize)),
            };
            fmt::line("getsockopt", &[fd(s), l, n, v, len], ret as i64, e)
        }

        /// # Safety
        /// As for `raw::poll`.
        pub(crate) unsafe fn poll(
            fds: *const pollfd,
            nfds: libc::nfds_t,
            timeout: c_int,
            ret: c_int,
            e: Errno,
        ) -> String {
            // SAFETY: `fds` is NULL or points to `nfds` pollfds; we read the first (at most 33).
            let all = unsafe { read_array(fds, (nfds as usize).min(33)) };
            let list = |f: &dyn Fn(&pollfd) -> Option<String>| {
                let items: Vec<String> = all.iter().filter_map(f).take(32).collect();
                let more = if all.iter().filter_map(f).count() > 32 {
                    ", ..."
                } else {
                    ""
                };
                format!("[{}{more}]", items.join(", "))
            };
            let arr = if fds.is_null() {
                fmt::ptr(0)
            } else {
                list(&|p| Some(fmt::pollfd_in(p.fd, p.events)))
            };
            let ok = match ret {
                0 => Some("0 (Timeout)".to_string()),
                r if r > 0 => Some(format!(
                    "{r} ({})",
                    list(&|p| (p.revents != 0).then(|| {
                        format!("{{fd={}, revents={}}}", p.fd, fmt::poll_events(p.revents))
                    }))
                )),
                _ => None,
            };
            let args = [arr, nfds.to_string(), timeout.to_string()];
            fmt::line_with("poll", &args, ret as i64, e, ok)
        }

        pub(crate) fn fcntl(f: c_int, cmd: c_int, arg: c_int, ret: c_int, e: Errno) -> String {
            let mut args = vec![fd(f), fmt::fcntl_cmd(cmd)];
            args.extend(fmt::fcntl_arg(cmd, arg));
            fmt::line_with("fcntl", &args, ret as i64, e, fmt::fcntl_ret(cmd, ret))
        }

        /// sched_setaffinity, sched_getaffinity: `pid, cpusetsize, [cpus]`, the mask decoded
        /// only when `show` (set: always; get: after success), its address otherwise.
        ///
        /// # Safety
        /// When `show`, a non-NULL `mask` is readable for `size` bytes.
        pub(crate) unsafe fn affinity(
            name: &str,
            pid: libc::pid_t,
            size: libc::size_t,
            mask: *const libc::cpu_set_t,
            show: bool,
            ret: c_int,
            e: Errno,
        ) -> String {
            // SAFETY: per the caller, when `show` a non-NULL mask is readable for `size` bytes.
            let bits = if show {
                unsafe { bytes(mask.cast(), size) }
            } else {
                None
            };
            let m = bits.map_or_else(|| fmt::ptr(mask as usize), fmt::cpu_mask);
            fmt::line(name, &[pid.to_string(), size.to_string(), m], ret as i64, e)
        }
    }
}
