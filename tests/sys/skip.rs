//! The suite's own rule for a test that cannot run here (`skip` in tests/common/mod.rs): a
//! message on a developer's machine, a failure under CI.

use std::ffi::OsStr;

use crate::common::{ci_value_is_set, fd_lock, skip_if_not_ci};

#[test]
fn skip_fails_under_ci_and_only_prints_elsewhere() {
    // Outside CI: the message, and the caller goes on to skip.
    skip_if_not_ci(false, "strace is not installed");
    // Under CI: a failure that names what was missing. The panic's backtrace (RUST_BACKTRACE)
    // opens /proc/self/maps and the binary: hold the fd lock so no other test's fd count sees
    // those short-lived fds as a leak.
    let _fds = fd_lock();
    let err = std::panic::catch_unwind(|| skip_if_not_ci(true, "strace is not installed"))
        .expect_err("under CI a skip fails the test");
    let msg = err
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert_eq!(
        msg,
        "cannot skip under CI (CI is set): strace is not installed"
    );
}

#[test]
fn ci_is_any_value_but_empty_zero_or_false() {
    for on in ["true", "TRUE", "1", "yes", "github"] {
        assert!(ci_value_is_set(Some(OsStr::new(on))), "{on}");
    }
    for off in ["", "0", "false", "False"] {
        assert!(!ci_value_is_set(Some(OsStr::new(off))), "{off:?}");
    }
    assert!(!ci_value_is_set(None));
}
