//! What PORTING.md says about the calls a port takes from outside socklab: std's `open`
//! adds `O_CLOEXEC` where C's `open(path, O_RDONLY)` passes the flags as given.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use socklab::sys::{self, FcntlArg, FD_CLOEXEC};

use crate::common::no_leak;

/// `std::fs::File::open` opens with `O_RDONLY|O_CLOEXEC` (strace), `OpenOptions::custom_flags`
/// cannot take it off, and C's `open(path, O_RDONLY)` (glibc's `open`, which
/// `nix::fcntl::open` calls with the flags as given) leaves the fd open across exec.
#[test]
fn std_file_open_adds_o_cloexec_where_cs_open_does_not() {
    no_leak(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let cloexec = |fd: &dyn std::os::fd::AsFd| {
            sys::fcntl(fd.as_fd(), FcntlArg::GetFd).unwrap() & FD_CLOEXEC
        };
        let std_file = File::open(&path).unwrap();
        assert_eq!(cloexec(&std_file), FD_CLOEXEC, "File::open");
        let custom = OpenOptions::new()
            .read(true)
            .custom_flags(0)
            .open(&path)
            .unwrap();
        assert_eq!(cloexec(&custom), FD_CLOEXEC, "custom_flags(0)");

        let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c_path` is a NUL-terminated path; without O_CREAT open(2) reads no mode.
        let raw = unsafe { libc::open(c_path.as_ptr(), libc::O_RDONLY) };
        assert!(raw >= 0, "open: {:?}", sys::Errno::last());
        // SAFETY: `raw` was just opened by this thread and nothing else owns it.
        let c_fd = unsafe { OwnedFd::from_raw_fd(raw) };
        assert_eq!(cloexec(&c_fd), 0, "C's open(path, O_RDONLY)");
        let access = |fd: &dyn std::os::fd::AsFd| {
            sys::fcntl(fd.as_fd(), FcntlArg::GetFl).unwrap() & libc::O_ACCMODE
        };
        assert_eq!(
            (access(&std_file), access(&c_fd)),
            (libc::O_RDONLY, libc::O_RDONLY)
        );
    })
}
