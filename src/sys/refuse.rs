//! Errors socklab finds itself, before — instead of — the call they name: raw `SCM_RIGHTS`
//! bytes in a safe send, a truncated address, `MSG_SOCK_DEVMEM` in a safe receive, a count or a
//! length C would overrun with, a string C would cut at a NUL… ([`refuse`]).
//!
//! [`refuse`] is the one place such an error is made, and so the one place it reaches the
//! trace: as a marked line, `--- socklab refused <the error> [no syscall made] ---`, never as a
//! call's line, since the kernel was never asked. Checks made after a call (the kernel wrote a
//! length larger than the storage) are that call's errors, logged with its line; they keep
//! [`Error::with_note`].

use super::errno::{CallArgs, Errno, Error};

/// The error for `call(args)`, refused before the call: `code` is the errno C would give (or the
/// kernel would), `note` says why socklab refused. `args` as [`cvt`](super::cvt) takes them:
/// [`Args`](super::Args) (integers, formatted on display) or text. With the log on, the trace
/// gets the error's marked line; with it off nothing is formatted beyond the error itself.
#[cold]
#[inline(never)]
pub(crate) fn refuse<A: CallArgs>(
    code: Errno,
    call: &'static str,
    args: A,
    note: impl Into<String>,
) -> Error {
    let e = args.into_error(code, call).with_note(note);
    #[cfg(feature = "trace")]
    super::trace::refused(&e);
    e
}

#[cfg(test)]
mod tests {

    /// Every safe fn of `sys` that refuses a call before making it goes through [`refuse`]: the
    /// notes added elsewhere (`with_note`) are the checks made after a call, listed here.
    #[test]
    fn refusals_are_made_in_one_place() {
        const AFTER_THE_CALL: &[(&str, usize)] = &[
            // SockAddr::check_len: the kernel's length past sockaddr_storage.
            ("addr.rs", 1),
            // opt::check_len: getsockopt wrote another length than the type's.
            ("opt.rs", 1),
        ];
        let mut found = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/sys"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                // errno.rs defines `with_note`, this file uses it; props.rs is a test module.
                if ["errno.rs", "refuse.rs", "props.rs"].contains(&name.as_str()) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let n = code
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .map(|l| l.matches(".with_note(").count())
                    .sum::<usize>();
                if n > 0 {
                    found.push((name, n));
                }
            }
        }
        found.sort();
        let want: Vec<(String, usize)> = AFTER_THE_CALL
            .iter()
            .map(|&(f, n)| (f.to_owned(), n))
            .collect();
        assert_eq!(found, want, "a check before a call must use sys::refuse");
    }

    /// With the log off (and no capture on this thread) a refusal builds no marked line; in a
    /// capture it builds one, and the capture holds it.
    #[cfg(feature = "trace")]
    #[test]
    fn a_refusal_formats_its_line_only_when_the_log_is_on() {
        use super::refuse;
        use crate::sys::trace::{hook, REFUSAL_LINES};
        use crate::sys::{Args, Errno};
        if hook::output_on() {
            return; // SOCKLAB_TRACE is set for this run: the log is on, by the user's choice.
        }
        let built = || REFUSAL_LINES.with(|n| n.get());
        let refused = || refuse(Errno::EINVAL, "recv", Args::recv(3, 8, 0), "why");
        let before = built();
        let e = refused();
        assert_eq!(built(), before, "a marked line built with the log off");
        let capture = hook::Capture::start();
        let e2 = refused();
        let lines = capture.finish();
        assert_eq!(built(), before + 1);
        assert_eq!(e, e2);
        assert_eq!(
            lines,
            [
                "--- socklab refused recv(fd 3, buf, 8, 0): EINVAL (Invalid argument): why \
              [no syscall made] ---"
            ]
        );
    }
}
