//! Typed control messages on top of `msg`'s [`Cmsg`]/[`CmsgBuffer`]: `cmsg_len` as C reads it
//! ([`Cmsg::len_field`]), `SCM_CREDENTIALS` as a `ucred`, `SCM_RIGHTS` fd numbers (kept apart
//! from msg.rs on purpose).

use std::os::raw::c_int;

use libc::{ucred, SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET};

use super::{cmsg_len, Cmsg, CmsgBuffer};

/// C's `struct ucred` (unix(7)): the sender's pid, uid and gid in an `SCM_CREDENTIALS` message.
pub type Ucred = ucred;

impl Cmsg<'_> {
    /// C's `cmsg->cmsg_len`: the length field of the message's header, header plus data
    /// without the trailing padding — what C checks with `cmsg->cmsg_len ==
    /// CMSG_LEN(sizeof(int))`, here `c.len_field() == sys::cmsg_len(size_of::<c_int>())`.
    ///
    /// A header in a [`CmsgBuffer`] always states the bytes it holds: the kernel writes a
    /// message it cut to fit (`MSG_CTRUNC`) with the length it kept (an `SCM_RIGHTS` cut to one
    /// fd says `CMSG_LEN(4)`, 20), and [`push`](CmsgBuffer::push) writes `CMSG_LEN` of the data.
    /// So this is `CMSG_LEN(cmsg_data.len())`, and for a cut message it is less than
    /// [`cmsg_len`](super::cmsg_len)`(n)` (C's `CMSG_LEN(n)`) of the `n` bytes sent.
    ///
    /// ```
    /// use socklab::sys::{self, CmsgBuffer, AF_UNIX, SOCK_DGRAM};
    /// use std::io::{IoSlice, IoSliceMut};
    /// use std::os::fd::AsFd;
    /// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let mut out = CmsgBuffer::new();
    /// out.push_fds(&[a.as_fd(), b.as_fd()]); // two fds: CMSG_LEN(8) = 24
    /// sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"x")], &out, 0)?;
    /// let mut cut = CmsgBuffer::with_capacity(sys::cmsg_len(4)); // room for one fd
    /// let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut [0u8; 1])], Some(&mut cut), 0)?;
    /// assert!(r.is_control_truncated());
    /// let c = cut.iter().next().unwrap();
    /// assert_eq!((c.len_field(), sys::cmsg_len(8)), (20, 24)); // what arrived, what was sent
    /// # Ok::<(), socklab::Error>(())
    /// ```
    #[doc(alias = "cmsg_len")]
    pub fn len_field(&self) -> usize {
        cmsg_len(self.cmsg_data.len())
    }

    /// C's `cmsg->cmsg_len`: the same value as [`len_field`](Cmsg::len_field).
    #[deprecated(
        note = "named like `sys::cmsg_len` (C's CMSG_LEN macro, the length for a data size), \
                which differs from this header field for a message the kernel cut \
                (MSG_CTRUNC); use `Cmsg::len_field`"
    )]
    pub fn cmsg_len(&self) -> usize {
        self.len_field()
    }

    /// The credentials of an `SCM_CREDENTIALS` message (`SOL_SOCKET`, full `ucred`), else `None`.
    pub fn ucred(&self) -> Option<Ucred> {
        if (self.cmsg_level, self.cmsg_type) != (SOL_SOCKET, SCM_CREDENTIALS) {
            return None;
        }
        let d = self.cmsg_data.get(..size_of::<Ucred>())?;
        let int = |i: usize| c_int::from_ne_bytes(d[i * 4..i * 4 + 4].try_into().expect("4"));
        Some(ucred {
            pid: int(0),
            uid: int(1) as u32,
            gid: int(2) as u32,
        })
    }

    /// The fd numbers of an `SCM_RIGHTS` message (C's `*(int *)CMSG_DATA(cmsg)`), else `None`.
    /// Numbers only: the received fds are owned by the [`CmsgBuffer`] (`take_fds`).
    pub fn rights(&self) -> Option<Vec<c_int>> {
        if (self.cmsg_level, self.cmsg_type) != (SOL_SOCKET, SCM_RIGHTS) {
            return None;
        }
        let fds = self.cmsg_data.chunks_exact(4);
        Some(
            fds.map(|b| c_int::from_ne_bytes(b.try_into().expect("4")))
                .collect(),
        )
    }
}

impl CmsgBuffer<'_> {
    /// Appends an `SCM_CREDENTIALS` message carrying `creds` (the kernel checks them: your own
    /// pid/uid/gid unless privileged). The receiver needs `SO_PASSCRED`.
    ///
    /// ```
    /// use socklab::sys::{self, CmsgBuffer, Ucred, AF_UNIX, SOCK_DGRAM};
    /// use std::io::{IoSlice, IoSliceMut};
    /// use std::os::unix::fs::MetadataExt;
    /// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// sys::set_opt(&b, sys::opt::SoPassCred, true)?; // setsockopt(b, SOL_SOCKET, SO_PASSCRED, [1], 4)
    /// let proc_self = std::fs::metadata("/proc/self").unwrap(); // owned by our uid/gid
    /// let me = Ucred { pid: std::process::id() as i32, uid: proc_self.uid(), gid: proc_self.gid() };
    /// let mut out = CmsgBuffer::new();
    /// out.push_ucred(&me);
    /// sys::sendmsg(&a, None, &[IoSlice::new(b"hi")], Some(out.as_bytes()), 0)?;
    /// let mut cbuf = CmsgBuffer::with_capacity(64);
    /// let mut data = [0u8; 8];
    /// sys::recvmsg(&b, &mut [IoSliceMut::new(&mut data)], Some(&mut cbuf), 0)?;
    /// let got = cbuf.iter().find_map(|c| c.ucred()).unwrap();
    /// assert_eq!((got.pid, got.uid), (me.pid, me.uid));
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn push_ucred(&mut self, creds: &Ucred) -> &mut Self {
        let mut data = Vec::with_capacity(size_of::<Ucred>());
        data.extend_from_slice(&creds.pid.to_ne_bytes());
        data.extend_from_slice(&creds.uid.to_ne_bytes());
        data.extend_from_slice(&creds.gid.to_ne_bytes());
        self.push(SOL_SOCKET, SCM_CREDENTIALS, &data)
    }
}
