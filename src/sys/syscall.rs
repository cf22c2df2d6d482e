//! The `inline-syscalls` backend of [`raw`](super::raw): every call `raw` makes, as the x86_64
//! `syscall` instruction inline (`core::arch::asm!`) instead of glibc's wrapper function.
//!
//! Each function has glibc's signature and glibc's result convention — `-1` with `errno` set on
//! failure — so `raw`, the safe layer above it, the trace and the errors are unchanged. `raw`
//! picks this module up by shadowing the name `libc` ([`libc`] re-exports the crate and
//! overrides its calls); nothing else changes.
//!
//! Why: on CPUs whose mitigations clear the return predictions on kernel entry/exit (retpolines
//! with RSB filling, AMD SRSO "Safe RET"), the `ret` of a function called before the syscall
//! mispredicts; glibc's wrappers are such a function (`socklab compare --mode syscall` prices
//! it). Inlined, the syscall sits in socklab's own (inlined) code, as in rustix's `linux_raw`
//! backend.
//!
//! The trade, and why the default stays glibc (C fidelity):
//! - **No cancellation points**: glibc's `read`, `recv`, `accept`, `connect`, `poll`… act on
//!   `pthread_cancel`; these do not, so a cancelled C thread blocked in socklab keeps blocking.
//! - **No `LD_PRELOAD` interposition**: tools that wrap libc's symbols (fakeroot, libfaketime,
//!   socket_wrapper, proxychains, torsocks, ltrace) no longer see socklab's calls. strace and
//!   seccomp, which watch the kernel boundary, still do.
//! - glibc's own semantics are kept where glibc adds any: `send`/`recv` are `sendto`/`recvfrom`
//!   with no address (as glibc makes them), `sched_getaffinity` zeroes the tail of the mask and
//!   returns 0, `fcntl(F_GETOWN)` is asked as `F_GETOWN_EX` (its `-pgid` would read as an error).
//!
//! A raw result in -4095..=-1 is taken as `-errno` (`ret` below): sound only for calls whose
//! success is never in that range. Audited for every call here: fds, byte and message counts,
//! ready counts and 0 are non-negative; `sched_getaffinity`'s byte count too; `fcntl`'s results
//! are flags, fds, a signal number, a pipe size or a lease type, except `F_GETOWN`'s `-pgid`,
//! handled as glibc does.

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
compile_error!(
    "the `inline-syscalls` feature issues the x86_64 `syscall` instruction and is implemented \
     for Linux x86_64 only: build without it (the default, glibc) on this target"
);

/// `libc` with its calls replaced: everything else is the `libc` crate's.
pub(crate) mod libc {
    pub use ::libc::*;

    use ::libc::{
        c_int, c_long, c_uint, c_void, cpu_set_t, mmsghdr, msghdr, nfds_t, pid_t, pollfd, size_t,
        sockaddr, socklen_t, ssize_t, timespec,
    };
    use core::arch::asm;

    /// `syscall(n, a1..a6)`: the instruction itself. rax = number and result, rdi rsi rdx r10
    /// r8 r9 = arguments; the CPU clobbers rcx (return rip) and r11 (rflags, restored by sysret).
    ///
    /// # Safety
    /// The arguments must be valid for syscall `n` (pointers the kernel reads or writes point to
    /// memory valid for it): the callers' contracts, which are `raw`'s.
    #[inline(always)]
    unsafe fn syscall6(n: c_long, a: [usize; 6]) -> c_long {
        let ret: c_long;
        // SAFETY: the `syscall` instruction with the registers the x86_64 Linux ABI names; the
        // memory it touches is what the caller's contract makes valid (no `nomem`: the kernel
        // may read and write through the pointer arguments); the stack is not used.
        unsafe {
            asm!(
                "syscall",
                inlateout("rax") n => ret,
                in("rdi") a[0],
                in("rsi") a[1],
                in("rdx") a[2],
                in("r10") a[3],
                in("r8") a[4],
                in("r9") a[5],
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack, preserves_flags),
            );
        }
        ret
    }

    /// The kernel's `-errno` in -4095..=-1 becomes glibc's `-1` + `errno`; anything else is the
    /// result.
    #[inline(always)]
    fn ret(r: c_long) -> c_long {
        if (-4095..0).contains(&r) {
            // SAFETY: __errno_location returns this thread's errno, valid for the thread's life.
            unsafe { *__errno_location() = -r as c_int };
            -1
        } else {
            r
        }
    }

    /// A syscall with up to six integer/pointer arguments, glibc's result convention.
    macro_rules! sys {
        ($n:expr $(, $a:expr)*) => {{
            let mut args = [0usize; 6];
            let given = [$($a as usize),*];
            args[..given.len()].copy_from_slice(&given);
            // SAFETY: forwarded from the enclosing fn's contract (`raw`'s for this call).
            ret(unsafe { syscall6($n, args) })
        }};
    }

    /// socket(2).
    #[inline(always)]
    pub unsafe fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int {
        sys!(SYS_socket, domain, ty, protocol) as c_int
    }

    /// socketpair(2).
    #[inline(always)]
    pub unsafe fn socketpair(domain: c_int, ty: c_int, protocol: c_int, sv: *mut c_int) -> c_int {
        sys!(SYS_socketpair, domain, ty, protocol, sv) as c_int
    }

    /// bind(2).
    #[inline(always)]
    pub unsafe fn bind(fd: c_int, addr: *const sockaddr, len: socklen_t) -> c_int {
        sys!(SYS_bind, fd, addr, len) as c_int
    }

    /// listen(2).
    #[inline(always)]
    pub unsafe fn listen(fd: c_int, backlog: c_int) -> c_int {
        sys!(SYS_listen, fd, backlog) as c_int
    }

    /// accept(2).
    #[inline(always)]
    pub unsafe fn accept(fd: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> c_int {
        sys!(SYS_accept, fd, addr, len) as c_int
    }

    /// accept4(2).
    #[inline(always)]
    pub unsafe fn accept4(
        fd: c_int,
        addr: *mut sockaddr,
        len: *mut socklen_t,
        flags: c_int,
    ) -> c_int {
        sys!(SYS_accept4, fd, addr, len, flags) as c_int
    }

    /// connect(2).
    #[inline(always)]
    pub unsafe fn connect(fd: c_int, addr: *const sockaddr, len: socklen_t) -> c_int {
        sys!(SYS_connect, fd, addr, len) as c_int
    }

    /// shutdown(2).
    #[inline(always)]
    pub unsafe fn shutdown(fd: c_int, how: c_int) -> c_int {
        sys!(SYS_shutdown, fd, how) as c_int
    }

    /// close(2).
    #[inline(always)]
    pub unsafe fn close(fd: c_int) -> c_int {
        sys!(SYS_close, fd) as c_int
    }

    /// getsockname(2).
    #[inline(always)]
    pub unsafe fn getsockname(fd: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> c_int {
        sys!(SYS_getsockname, fd, addr, len) as c_int
    }

    /// getpeername(2).
    #[inline(always)]
    pub unsafe fn getpeername(fd: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> c_int {
        sys!(SYS_getpeername, fd, addr, len) as c_int
    }

    /// read(2).
    #[inline(always)]
    pub unsafe fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t {
        sys!(SYS_read, fd, buf, count) as ssize_t
    }

    /// write(2).
    #[inline(always)]
    pub unsafe fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t {
        sys!(SYS_write, fd, buf, count) as ssize_t
    }

    /// send(2): `sendto` with no address, as glibc makes it on x86_64.
    #[inline(always)]
    pub unsafe fn send(fd: c_int, buf: *const c_void, len: size_t, flags: c_int) -> ssize_t {
        sys!(SYS_sendto, fd, buf, len, flags, 0usize, 0usize) as ssize_t
    }

    /// recv(2): `recvfrom` with NULL address pointers, as glibc makes it on x86_64.
    #[inline(always)]
    pub unsafe fn recv(fd: c_int, buf: *mut c_void, len: size_t, flags: c_int) -> ssize_t {
        sys!(SYS_recvfrom, fd, buf, len, flags, 0usize, 0usize) as ssize_t
    }

    /// sendto(2).
    #[inline(always)]
    pub unsafe fn sendto(
        fd: c_int,
        buf: *const c_void,
        len: size_t,
        flags: c_int,
        addr: *const sockaddr,
        addrlen: socklen_t,
    ) -> ssize_t {
        sys!(SYS_sendto, fd, buf, len, flags, addr, addrlen) as ssize_t
    }

    /// recvfrom(2).
    #[inline(always)]
    pub unsafe fn recvfrom(
        fd: c_int,
        buf: *mut c_void,
        len: size_t,
        flags: c_int,
        addr: *mut sockaddr,
        addrlen: *mut socklen_t,
    ) -> ssize_t {
        sys!(SYS_recvfrom, fd, buf, len, flags, addr, addrlen) as ssize_t
    }

    /// sendmsg(2).
    #[inline(always)]
    pub unsafe fn sendmsg(fd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t {
        sys!(SYS_sendmsg, fd, msg, flags) as ssize_t
    }

    /// recvmsg(2).
    #[inline(always)]
    pub unsafe fn recvmsg(fd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t {
        sys!(SYS_recvmsg, fd, msg, flags) as ssize_t
    }

    /// sendmmsg(2).
    #[inline(always)]
    pub unsafe fn sendmmsg(fd: c_int, msgs: *mut mmsghdr, vlen: c_uint, flags: c_int) -> c_int {
        sys!(SYS_sendmmsg, fd, msgs, vlen, flags) as c_int
    }

    /// recvmmsg(2) (x86_64's `timespec` is the kernel's: 64-bit `time_t`).
    #[inline(always)]
    pub unsafe fn recvmmsg(
        fd: c_int,
        msgs: *mut mmsghdr,
        vlen: c_uint,
        flags: c_int,
        timeout: *mut timespec,
    ) -> c_int {
        sys!(SYS_recvmmsg, fd, msgs, vlen, flags, timeout) as c_int
    }

    /// setsockopt(2).
    #[inline(always)]
    pub unsafe fn setsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        val: *const c_void,
        len: socklen_t,
    ) -> c_int {
        sys!(SYS_setsockopt, fd, level, name, val, len) as c_int
    }

    /// getsockopt(2).
    #[inline(always)]
    pub unsafe fn getsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        val: *mut c_void,
        len: *mut socklen_t,
    ) -> c_int {
        sys!(SYS_getsockopt, fd, level, name, val, len) as c_int
    }

    /// poll(2).
    #[inline(always)]
    pub unsafe fn poll(fds: *mut pollfd, nfds: nfds_t, timeout: c_int) -> c_int {
        sys!(SYS_poll, fds, nfds, timeout) as c_int
    }

    /// `F_GETOWN_EX` and `F_OWNER_PGRP` (<linux/fcntl.h>), which the `libc` crate leaves out
    /// for glibc targets.
    const F_GETOWN_EX: c_int = 16;
    const F_OWNER_PGRP: c_int = 2;

    /// The kernel's `struct f_owner_ex` (two ints: no padding).
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    pub struct FOwnerEx {
        /// `F_OWNER_TID`, `F_OWNER_PID` or `F_OWNER_PGRP`.
        pub kind: c_int,
        /// The thread, process or process group.
        pub pid: pid_t,
    }

    /// fcntl(2) with an `int` argument (what `raw::fcntl` takes), for every command but
    /// `F_GETOWN`.
    ///
    /// `F_GETOWN` is the one command whose success can be negative: `-pgid` for a process
    /// group, which falls in the kernel's -4095..-1 error range whenever the pgid is below 4096
    /// (any pgid in a new PID namespace). So, as glibc does (`__fcntl64_nocancel_adjusted`), it
    /// is asked as `F_GETOWN_EX` ([`fcntl_getown_ex`]), whose result is 0 or `-errno`, and
    /// [`getown`]'s value returned; an error of `F_GETOWN_EX` is the call's error (glibc does
    /// not fall back). `raw::fcntl`, this module's one caller, makes those two steps itself, so
    /// that its log line is the `F_GETOWN_EX` call strace shows: `F_GETOWN` never reaches here.
    #[inline(always)]
    pub unsafe fn fcntl(fd: c_int, cmd: c_int, arg: c_int) -> c_int {
        debug_assert_ne!(cmd, F_GETOWN, "raw::fcntl asks F_GETOWN as F_GETOWN_EX");
        sys!(SYS_fcntl, fd, cmd, arg) as c_int
    }

    /// `fcntl(fd, F_GETOWN_EX, owner)`: 0, or -1 with errno set.
    ///
    /// # Safety
    /// `owner` must be writable for one `struct f_owner_ex`.
    #[inline(always)]
    pub unsafe fn fcntl_getown_ex(fd: c_int, owner: *mut FOwnerEx) -> c_int {
        sys!(SYS_fcntl, fd, F_GETOWN_EX, owner) as c_int
    }

    /// What glibc's `F_GETOWN` returns from the owner `F_GETOWN_EX` wrote: `-pid` for a
    /// process group, `pid` otherwise.
    #[inline(always)]
    pub fn getown(owner: FOwnerEx) -> c_int {
        if owner.kind == F_OWNER_PGRP {
            -owner.pid
        } else {
            owner.pid
        }
    }

    /// sched_setaffinity(2).
    #[inline(always)]
    pub unsafe fn sched_setaffinity(pid: pid_t, size: size_t, mask: *const cpu_set_t) -> c_int {
        sys!(SYS_sched_setaffinity, pid, size, mask) as c_int
    }

    /// sched_getaffinity(3) as glibc defines it: the syscall returns the bytes it copied; the
    /// rest of `mask` is zeroed and 0 returned.
    #[inline(always)]
    pub unsafe fn sched_getaffinity(pid: pid_t, size: size_t, mask: *mut cpu_set_t) -> c_int {
        let copied = sys!(
            SYS_sched_getaffinity,
            pid,
            size.min(c_int::MAX as usize),
            mask
        );
        if copied < 0 {
            return -1;
        }
        let copied = (copied as usize).min(size);
        // SAFETY: `mask` is writable for `size` bytes (raw::sched_getaffinity's contract) and
        // `copied <= size`, so the zeroed tail lies inside it.
        unsafe { core::ptr::write_bytes(mask.cast::<u8>().add(copied), 0, size - copied) };
        0
    }
}

#[cfg(test)]
mod tests {
    use super::libc;

    /// Failure is glibc's: -1 and errno, here EAGAIN from an empty non-blocking socket.
    #[test]
    fn failure_sets_errno() {
        let mut sv = [0; 2];
        // SAFETY: `sv` is writable for the two ints socketpair writes.
        let rc = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM, 0, sv.as_mut_ptr()) };
        assert_eq!(rc, 0);
        let mut buf = [0u8; 8];
        // SAFETY: `buf` is writable for its 8 bytes; sv[0] is the socket made above.
        let n = unsafe { libc::recv(sv[0], buf.as_mut_ptr().cast(), 8, libc::MSG_DONTWAIT) };
        assert_eq!(
            (n, crate::sys::Errno::last()),
            (-1, crate::sys::Errno::EAGAIN)
        );
        for fd in sv {
            // SAFETY: each fd was made above and is closed once.
            assert_eq!(unsafe { libc::close(fd) }, 0);
        }
    }

    /// sched_getaffinity keeps glibc's contract: 0 on success and the mask's tail zeroed.
    #[test]
    fn getaffinity_zeroes_the_tail() {
        let size = std::mem::size_of::<::libc::cpu_set_t>();
        let mut set = std::mem::MaybeUninit::<::libc::cpu_set_t>::uninit();
        // SAFETY: `set` is writable for `size` bytes; 0xff stands for stale bytes.
        unsafe { std::ptr::write_bytes(set.as_mut_ptr().cast::<u8>(), 0xff, size) };
        // SAFETY: `set` is writable for `size` bytes.
        let rc = unsafe { libc::sched_getaffinity(0, size, set.as_mut_ptr()) };
        assert_eq!(rc, 0);
        // SAFETY: every byte was written above (0xff, then by the kernel or the zeroing).
        let set = unsafe { set.assume_init() };
        // SAFETY: CPU_ISSET only reads `set` at bit `c` < CPU_SETSIZE.
        let isset = |c: usize| unsafe { libc::CPU_ISSET(c, &set) };
        let cpus = (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| isset(c))
            .count();
        let online = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(
            (1..=online.max(1)).contains(&cpus),
            "{cpus} cpus: tail not zeroed"
        );
    }
}
