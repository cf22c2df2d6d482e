//! Baselines: a run saved under a name and compared with later ones ([`Comparison`], from
//! [`super::comparison`], whose types this module re-exports at their former paths).
//!
//! Where baselines live: `--baseline-dir`, else [`default_dir`]: `$CARGO_TARGET_DIR/socklab`
//! when that variable is set, else `target/socklab` under the current directory, as criterion
//! keeps `target/criterion` — for an installed `socklab` too, so a baseline belongs to the
//! directory it was measured from. A baseline named `NAME` is the file `NAME.json` there, the
//! saved form of the run's document ([`super::saved::Form::Saved`]).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use super::comparison::{Change, Comparison, Flag, RowKey, DEFAULT_NOISE};
use super::saved::{self, LoadError};
use super::Report;

/// Why a baseline could not be saved or loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum BaselineError {
    /// A name that is not a plain file name (letters, digits, `.`, `_`, `-`; not starting with
    /// `.`).
    BadName(String),
    /// No baseline of that name in the directory.
    Missing {
        /// The name asked for.
        name: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// Creating the directory or writing the file failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failing call.
        source: std::io::Error,
    },
    /// The file is there but is not a document socklab can read.
    Load {
        /// The file.
        path: PathBuf,
        /// Why.
        source: LoadError,
    },
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaselineError::BadName(n) => write!(
                f,
                "{n:?} is not a baseline name (allowed: letters, digits, '.', '_', '-'; not \
                 starting with '.')"
            ),
            BaselineError::Missing { name, path } => write!(
                f,
                "no baseline {name:?}: {} does not exist (save one with --save-baseline {name})",
                path.display()
            ),
            BaselineError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            BaselineError::Load { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for BaselineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BaselineError::Io { source, .. } => Some(source),
            BaselineError::Load { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Where baselines live without `--baseline-dir`: `$CARGO_TARGET_DIR/socklab` when that is set
/// (and not empty), else `target/socklab` under the current directory.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) if !t.is_empty() => PathBuf::from(t).join("socklab"),
        _ => PathBuf::from("target").join("socklab"),
    }
}

/// The file of baseline `name` in `dir`: `dir/NAME.json`.
///
/// # Errors
/// [`BaselineError::BadName`] for a name that is not a plain file name.
pub fn file(dir: &Path, name: &str) -> Result<PathBuf, BaselineError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(plain) {
        return Err(BaselineError::BadName(name.to_string()));
    }
    Ok(dir.join(format!("{name}.json")))
}

/// Saves `document` (a run's saved form) as baseline `name` in `dir`, creating the directory;
/// the file is written beside its final name and renamed over it, so a reader never sees half
/// a baseline. Returns the file.
///
/// # Errors
/// [`BaselineError::BadName`], or [`BaselineError::Io`] naming the directory or file.
pub fn save(dir: &Path, name: &str, document: &str) -> Result<PathBuf, BaselineError> {
    let path = file(dir, name)?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BaselineError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    tmp.write_all(document.as_bytes()).map_err(io(&path))?;
    tmp.persist(&path).map_err(|e| BaselineError::Io {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(path)
}

/// Reads baseline `name` from `dir`.
///
/// # Errors
/// [`BaselineError::BadName`], [`BaselineError::Missing`], or [`BaselineError::Load`].
pub fn load(dir: &Path, name: &str) -> Result<Report, BaselineError> {
    let path = file(dir, name)?;
    if !path.exists() {
        return Err(BaselineError::Missing {
            name: name.to_string(),
            path,
        });
    }
    saved::read(&path).map_err(|source| BaselineError::Load { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_file_names() {
        let d = Path::new("d");
        assert_eq!(file(d, "main-1.2_x").unwrap(), d.join("main-1.2_x.json"));
        for bad in ["", ".hidden", "a/b", "../x", "a b"] {
            assert!(
                matches!(file(d, bad), Err(BaselineError::BadName(_))),
                "{bad}"
            );
        }
    }
}
