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

/// A file a run writes its results to beside stdout (`--export-json FILE`), opened before the
/// run so a path that cannot be written is bad input (exit 2) and not a lost run, and removed
/// again when the run fails, so no empty or partial file is left behind. Any subcommand's
/// exports (JSON, Markdown, CSV) go through it.
pub struct Export {
    flag: &'static str,
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl Export {
    /// Creates (truncates) `path` for `flag`; a failure is a usage error naming both.
    pub fn create(flag: &'static str, path: &std::path::Path) -> Result<Export, ExitCode> {
        match std::fs::File::create(path) {
            Ok(file) => Ok(Export {
                flag,
                path: path.to_owned(),
                file,
            }),
            Err(e) => Err(usage_error(&format!(
                "{flag}: cannot create {}: {e}",
                path.display()
            ))),
        }
    }

    /// Writes `text` and closes the file; a failed write prints one line and gives exit 1.
    pub fn write(mut self, text: &str) -> Result<(), ExitCode> {
        match self.file.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!(
                    "socklab: {}: writing {}: {e}",
                    self.flag,
                    self.path.display()
                );
                Err(ExitCode::FAILURE)
            }
        }
    }

    /// The run failed: remove the file it would have held.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
