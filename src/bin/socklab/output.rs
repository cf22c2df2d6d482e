//! The binary's one way to end a run: stdout written by [`emit`] (which never panics), then the
//! exit code: 0, 1 for a failed run, 2 for bad input ([`usage_error`]), 141 for a closed stdout.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// Exit code when stdout is closed under us (`| head -1`, `| true`): 141 = 128 + SIGPIPE, what
/// a shell reports for a C tool killed by SIGPIPE. Nothing is printed.
pub const EXIT_STDOUT_CLOSED: u8 = 141;

/// Writes `text` to stdout and flushes. A closed pipe (`EPIPE`) ends the run quietly with
/// [`EXIT_STDOUT_CLOSED`]; any other write error (`>/dev/full`: `ENOSPC`) prints one line on
/// stderr and gives exit code 1, as C tools do (`echo hi >/dev/full`).
pub fn emit(text: &str) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(ExitCode::from(EXIT_STDOUT_CLOSED)),
        Err(e) => {
            eprintln!("socklab: writing stdout: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// The exit code of a run whose last step was [`emit`]: success, or emit's code.
pub fn or_exit(r: Result<(), ExitCode>) -> ExitCode {
    r.err().unwrap_or(ExitCode::SUCCESS)
}

/// Bad input: one line on stderr, exit code 2.
pub fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}
