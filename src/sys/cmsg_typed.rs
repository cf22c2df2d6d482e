//! Typed control messages on top of `msg`'s [`Cmsg`]/[`CmsgBuffer`]: `cmsg_len` as C reads it,
//! `SCM_CREDENTIALS` as a `ucred`, `SCM_RIGHTS` fd numbers (kept apart from msg.rs on purpose).

use std::os::raw::c_int;

use libc::{ucred, SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET};

use super::{cmsg_len, Cmsg, CmsgBuffer};

/// C's `struct ucred` (unix(7)): the sender's pid, uid and gid in an `SCM_CREDENTIALS` message.
pub type Ucred = ucred;

impl Cmsg<'_> {
    /// `cmsg_len`: `CMSG_LEN` of the data, what C checks (`cmsg->cmsg_len ==
    /// CMSG_LEN(sizeof(int))`). For a message the kernel truncated (`MSG_CTRUNC`) this counts
    /// the bytes that arrived, not the length the header states.
    pub fn cmsg_len(&self) -> usize {
        cmsg_len(self.cmsg_data.len())
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
