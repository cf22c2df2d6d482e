//! The services database (`/etc/services`, or whatever `nsswitch.conf` names): which port a
//! service name stands for — getservbyname(3). A libc lookup, not a system call.

use std::ffi::{c_char, c_int, CStr, CString};

use super::{Errno, Error, Result};

/// The raw twins: the C calls with their exact signatures (re-exported from [`super::raw`]).
pub(super) mod raw {
    use std::ffi::{c_char, c_int};

    use libc::{servent, size_t};

    extern "C" {
        #[link_name = "getservbyname_r"]
        fn c_getservbyname_r(
            name: *const c_char,
            proto: *const c_char,
            result_buf: *mut servent,
            buf: *mut c_char,
            buflen: size_t,
            result: *mut *mut servent,
        ) -> c_int;
    }

    /// `getservbyname(name, proto)` — getservbyname(3). Returns a pointer to a `servent` in
    /// static storage that the next call (from any thread) overwrites, or NULL when there is no
    /// such service.
    ///
    /// # Safety
    /// `name` must be a NUL-terminated string; `proto` NULL or NUL-terminated. No other thread
    /// may call a `getserv*` function until the caller is done reading the result.
    #[doc = man_links!(getservbyname(3))]
    pub unsafe fn getservbyname(name: *const c_char, proto: *const c_char) -> *mut servent {
        // SAFETY: the caller upholds getservbyname(3)'s contract (this fn's).
        unsafe { libc::getservbyname(name, proto) }
    }

    /// `getservbyname_r(name, proto, result_buf, buf, buflen, result)` — the reentrant
    /// getservbyname(3) (glibc, musl). Fills `*result_buf` with pointers into `buf` and sets
    /// `*result` to `result_buf`, or to NULL when there is no such service. Returns 0 or an
    /// error number (`ERANGE`: `buf` too small).
    ///
    /// # Safety
    /// `name` NUL-terminated, `proto` NULL or NUL-terminated, `result_buf` and `result` valid
    /// for writing, `buf` valid for writing `buflen` bytes.
    #[doc = man_links!(getservbyname_r(3))]
    pub unsafe fn getservbyname_r(
        name: *const c_char,
        proto: *const c_char,
        result_buf: *mut servent,
        buf: *mut c_char,
        buflen: size_t,
        result: *mut *mut servent,
    ) -> c_int {
        // SAFETY: the caller upholds this fn's contract, which is getservbyname_r's.
        unsafe { c_getservbyname_r(name, proto, result_buf, buf, buflen, result) }
    }
}

/// One entry of the services database: `struct servent` copied into Rust values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Servent {
    /// The official service name (`s_name`): `"http"`.
    pub name: String,
    /// Other names for it (`s_aliases`): `["www"]`.
    pub aliases: Vec<String>,
    /// The port in host byte order (`ntohs(s_port)`): 80.
    pub port: u16,
    /// The protocol (`s_proto`): `"tcp"`.
    pub proto: String,
}

/// A C string as an owned `String` (lossy), or empty for NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string.
unsafe fn owned(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: `p` is non-NULL and NUL-terminated (this fn's contract).
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// `getservbyname(name, proto)` — getservbyname(3): the port and names the services database
/// gives `name` for `proto` (`Some("tcp")`, `Some("udp")`, or `None` for the first entry of any
/// protocol).
///
/// Rust adds: thread safety (built on the reentrant `getservbyname_r`, growing its buffer on
/// `ERANGE`, so no static storage is shared), the port in host byte order, and `Ok(None)` for a
/// name the database does not have (C's NULL).
///
#[doc = errors_doc!(getservbyname)]
///
/// # Example
/// ```
/// use socklab::sys;
/// if let Some(s) = sys::getservbyname("http", Some("tcp"))? {
///     assert_eq!((s.port, s.proto.as_str()), (80, "tcp"));
/// }
/// assert_eq!(sys::getservbyname("no-such-service-x", Some("tcp"))?, None);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getservbyname(3))]
#[doc(alias = "getservbyname_r")]
pub fn getservbyname(name: &str, proto: Option<&str>) -> Result<Option<Servent>> {
    let args = || format!("{name:?}, {proto:?}");
    let nul = |_| {
        super::refuse(
            Errno::EINVAL,
            "getservbyname",
            args(),
            "a name holds a NUL byte",
        )
    };
    let c_name = CString::new(name).map_err(nul)?;
    let c_proto = proto.map(CString::new).transpose().map_err(nul)?;
    let proto_ptr = c_proto.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
    let mut buf: Vec<c_char> = vec![0; 1024];
    loop {
        let mut ent: libc::servent = super::zeroed::zeroed();
        let mut result: *mut libc::servent = std::ptr::null_mut();
        // SAFETY: `c_name` is NUL-terminated, `proto_ptr` NULL or NUL-terminated (`c_proto`
        // lives to the end of this fn); `ent` and `result` are writable locals; `buf` is
        // writable for `buf.len()` bytes.
        let rc: c_int = unsafe {
            raw::getservbyname_r(
                c_name.as_ptr(),
                proto_ptr,
                &mut ent,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 {
            return Err(Error::new(Errno::from_raw(rc), "getservbyname", args()));
        }
        if result.is_null() {
            return Ok(None);
        }
        // SAFETY: on success `ent`'s strings point into `buf` (alive here) and are
        // NUL-terminated; `s_aliases` is a NULL-terminated array of such strings.
        let (name, proto) = unsafe { (owned(ent.s_name), owned(ent.s_proto)) };
        let mut aliases = Vec::new();
        let mut p = ent.s_aliases;
        // SAFETY: as above: each element up to the NULL is a string in `buf`.
        while !p.is_null() && !unsafe { *p }.is_null() {
            // SAFETY: `*p` is a non-NULL alias string in `buf`; `p.add(1)` stays within the
            // NULL-terminated array (we stop at its NULL).
            unsafe {
                aliases.push(owned(*p));
                p = p.add(1);
            }
        }
        let port = u16::from_be(ent.s_port as u16);
        return Ok(Some(Servent {
            name,
            aliases,
            port,
            proto,
        }));
    }
}
