//! The C and C++ programs of `c/` that tests run (the seed's server and its C mirrors, the
//! public C programs in `c/ports/`, small C references such as `gai_system.c` that print what
//! C prints), compiled here at test time with gcc/g++ into a cache under
//! the target directory — not by build.rs, so neither a library user's build nor
//! `cargo install` compiles them. Included with `#[path]` by the binaries that run them.
//!
//! Each program is built once per source, flags and compiler: the executable's name carries a
//! hash of them, so an edited source gets a new build and an unchanged one is reused across
//! test runs. A build is written under a temporary name and renamed into place, so two test
//! processes building the same program never see half an executable.
#![allow(dead_code)] // not every binary uses every program

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// How a program is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flags {
    /// Our own C: `-Wall -Wextra`, and `-Werror` when `SOCKLAB_WERROR=1` (CI opts in; a newer
    /// compiler's new warning must not fail a developer's test run).
    Strict,
    /// Built as it was written (the seed ignores `read()`'s result on purpose): no warnings.
    AsWritten,
    /// As written, instrumented with AddressSanitizer.
    Asan,
}

/// The seed's C++ server, built unchanged (plus a port argument).
pub fn tcp_server() -> PathBuf {
    program("tcp_server.cpp", Flags::AsWritten).unwrap_or_else(|e| panic!("{e}"))
}

/// `c/tcp_client.c`: `tcp_client PORT MESSAGE`.
pub fn tcp_client() -> PathBuf {
    program("tcp_client.c", Flags::Strict).unwrap_or_else(|e| panic!("{e}"))
}

/// `c/udp_server.c`: `udp_server [PORT]`.
pub fn udp_server() -> PathBuf {
    program("udp_server.c", Flags::Strict).unwrap_or_else(|e| panic!("{e}"))
}

/// `c/udp_client.c`: `udp_client PORT MESSAGE`.
pub fn udp_client() -> PathBuf {
    program("udp_client.c", Flags::Strict).unwrap_or_else(|e| panic!("{e}"))
}

/// The seed server built with `-fsanitize=address`, or why it could not be (no libasan): the
/// tests that need it skip with that reason.
pub fn tcp_server_asan() -> Result<PathBuf, String> {
    program("tcp_server.cpp", Flags::Asan)
}

/// `c/ports/<name>.c`, one of the public C programs the examples port.
pub fn port(name: &str) -> PathBuf {
    program(&format!("ports/{name}.c"), Flags::AsWritten).unwrap_or_else(|e| panic!("{e}"))
}

/// `c/ports/<name>.c` with the one line containing `line` left out, compiled as written: a port
/// with one deliberate difference, for the test that `socklab parity` finds it. The copy is
/// written under the target directory (`c-variants/`) and cached like every other build.
pub fn port_without(name: &str, line: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("c/ports").join(format!("{name}.c"));
    let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let hits = text.lines().filter(|l| l.contains(line)).count();
    assert_eq!(
        hits,
        1,
        "{line:?} is not exactly one line of {}",
        src.display()
    );
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains(line)).collect();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-variants");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut key = DefaultHasher::new();
    line.hash(&mut key);
    let copy = dir.join(format!("{name}-without-{:016x}.c", key.finish()));
    let tmp = copy.with_extension(format!("c.{}", std::process::id()));
    std::fs::write(&tmp, kept.join("\n") + "\n").unwrap();
    std::fs::rename(&tmp, &copy).unwrap();
    compile_path(&copy, Flags::AsWritten).unwrap_or_else(|e| panic!("{e}"))
}

/// `c/<src>` compiled with `flags`, built at most once per process (and reused from the cache
/// when an earlier run built the same source with the same flags and compiler).
pub fn program(src: &str, flags: Flags) -> Result<PathBuf, String> {
    /// Each build of this process: the executable, or why it could not be built.
    type Built = HashMap<(String, Flags), Result<PathBuf, String>>;
    static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    built
        .entry((src.to_owned(), flags))
        .or_insert_with(|| compile(src, flags))
        .clone()
}

/// The compiler for `src`: `$CXX` or `g++` for C++, `$CC` or `gcc` for C (as the `cc` crate).
fn compiler(cpp: bool) -> String {
    let (var, default) = if cpp { ("CXX", "g++") } else { ("CC", "gcc") };
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.into())
}

/// The compiler arguments for `flags` (before `-o OUT SRC`).
fn args(flags: Flags) -> Vec<&'static str> {
    let mut args = vec!["-O2", "-g"];
    match flags {
        Flags::Strict => {
            args.extend(["-Wall", "-Wextra"]);
            if std::env::var_os("SOCKLAB_WERROR").is_some_and(|v| v == "1") {
                args.push("-Werror");
            }
        }
        Flags::AsWritten => {}
        Flags::Asan => args.extend(["-fsanitize=address", "-fno-omit-frame-pointer"]),
    }
    args
}

/// Compiles `c/<src>` into the cache, or finds it there.
fn compile(src: &str, flags: Flags) -> Result<PathBuf, String> {
    // Relative to the crate root, as the compiler is run from there: ASan and gdb then name the
    // source `c/tcp_server.cpp`, which the tests match.
    compile_path(&Path::new("c").join(src), flags)
}

/// Compiles `rel` (relative to the crate root, or absolute) into the cache, or finds it there.
fn compile_path(rel: &Path, flags: Flags) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = rel.to_string_lossy().into_owned();
    let src = src.strip_prefix("c/").unwrap_or(&src);
    let cpp = src.ends_with(".cpp");
    let cc = compiler(cpp);
    let args = args(flags);

    let mut key = DefaultHasher::new();
    (&cc, &args).hash(&mut key);
    for input in inputs(root, rel)? {
        std::fs::read(&input)
            .map_err(|e| format!("reading {}: {e}", input.display()))?
            .hash(&mut key);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-programs");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let stem = Path::new(src)
        .file_name()
        .map_or(src.to_owned(), |f| f.to_string_lossy().into_owned());
    let parent = Path::new(src)
        .parent()
        .and_then(Path::file_name)
        .map(|p| format!("{}-", p.to_string_lossy()))
        .unwrap_or_default();
    let stem = format!("{parent}{stem}")
        .trim_end_matches(".cpp")
        .trim_end_matches(".c")
        .to_owned();
    let exe = dir.join(format!("{stem}-{flags:?}-{:016x}", key.finish()).to_lowercase());
    if exe.exists() {
        return Ok(exe);
    }

    let tmp = dir.join(format!(
        ".{}.{}",
        exe.file_name().unwrap().to_string_lossy(),
        std::process::id()
    ));
    let out = Command::new(&cc)
        .current_dir(root)
        .args(&args)
        .arg("-o")
        .arg(&tmp)
        .arg(rel)
        .output()
        .map_err(|e| {
            let pkg = if cpp { "g++" } else { "gcc" };
            format!(
                "running {cc} for {}: {e} (install {pkg}: apt-get install {pkg})",
                rel.display()
            )
        })?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "{cc} {} {} failed ({}):\n{}",
            args.join(" "),
            rel.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::rename(&tmp, &exe).map_err(|e| format!("renaming {}: {e}", tmp.display()))?;
    Ok(exe)
}

/// The files a build of `rel` reads: the source and every header in its directory.
fn inputs(root: &Path, rel: &Path) -> Result<Vec<PathBuf>, String> {
    let src = root.join(rel);
    let dir = src.parent().unwrap_or(root);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "h"))
        .collect();
    files.sort();
    files.insert(0, src);
    Ok(files)
}
