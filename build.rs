//! Build script: compiles C only for the features that need it.
//! - `compare`: the C floor (`c/pingpong.c`, its twins `c/twins.c`, the bare-syscall loops
//!   `c/bare.c`) into a static library linked into the crate (`sys::cfloor`).
//! - `cref`: the seed's C/C++ reference programs in `c/` into executables under `OUT_DIR`, their
//!   paths exported as `SOCKLAB_C_*` env vars for the tests that run them.
//!
//! With neither (a library user's `default-features = false`, or only `trace`) it prints one
//! `rerun-if-changed` line and runs no compiler; the optional `cc` build-dependency is not even
//! built then, so everything that uses it sits in the [`c`] module behind the same features.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(any(feature = "compare", feature = "cref"))]
    c::main();
}

/// Everything that compiles C, with the `cc` crate.
#[cfg(any(feature = "compare", feature = "cref"))]
mod c {
    use std::path::{Path, PathBuf};
    use std::{env, fs};

    /// A reference program in `c/`, built into `OUT_DIR` and exported as `env!(<env>)`.
    struct Program {
        /// Source file name inside `c/`.
        src: &'static str,
        /// The `cargo:rustc-env` variable holding the executable's path.
        env: &'static str,
        /// Our own sources build with `-Wall -Wextra -Werror`; the seed is built as it was written
        /// (it ignores `read()`'s result on purpose, and a warning must not fail the build).
        strict: bool,
        /// Extra compiler flags (the sanitizer build).
        extra: &'static [&'static str],
    }

    impl Program {
        /// A program built with the shared flags only.
        const fn new(src: &'static str, env: &'static str, strict: bool) -> Self {
            Program {
                src,
                env,
                strict,
                extra: &[],
            }
        }
    }

    /// The programs every build must produce: a failure here fails the build.
    const PROGRAMS: &[Program] = &[
        Program::new("tcp_server.cpp", "SOCKLAB_C_TCP_SERVER", false),
        Program::new("tcp_client.c", "SOCKLAB_C_TCP_CLIENT", true),
        Program::new("udp_server.c", "SOCKLAB_C_UDP_SERVER", true),
        Program::new("udp_client.c", "SOCKLAB_C_UDP_CLIENT", true),
    ];

    /// The seed server again, instrumented with `AddressSanitizer` to catch its 1024-byte overread.
    /// Optional: without libasan the variable is set to "" and the test that needs it skips.
    const ASAN_SERVER: Program = Program {
        src: "tcp_server.cpp",
        env: "SOCKLAB_C_TCP_SERVER_ASAN",
        strict: false,
        extra: &["-fsanitize=address", "-fno-omit-frame-pointer"],
    };

    /// Whether cargo enabled feature `name` (`CARGO_FEATURE_<NAME>`).
    fn feature(name: &str) -> bool {
        env::var_os(format!("CARGO_FEATURE_{}", name.to_uppercase())).is_some()
    }

    /// The C builds of the enabled features.
    pub fn main() {
        rerun_if_c_changed();
        if feature("compare") {
            compile_floor();
        }
        if feature("cref") {
            compile_programs();
        }
    }

    /// The seed's reference programs (`cref`) into `OUT_DIR`, each exported as its env var.
    fn compile_programs() {
        let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        for program in PROGRAMS {
            match compile_program(program, &out_dir) {
                Ok(exe) => export(program, &exe),
                Err(msg) => fail(&msg),
            }
        }
        match compile_program(&ASAN_SERVER, &out_dir.join("asan")) {
            Ok(exe) => export(&ASAN_SERVER, &exe),
            Err(msg) => {
                println!("cargo:warning=socklab build: AddressSanitizer build skipped: {msg}");
                println!("cargo:rustc-env={}=", ASAN_SERVER.env);
            }
        }
    }

    /// `cargo:rerun-if-changed` for the `c/` directory and every file in it.
    fn rerun_if_c_changed() {
        println!("cargo:rerun-if-changed=c");
        let entries = fs::read_dir("c").unwrap_or_else(|e| fail(&format!("reading c/: {e}")));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| fail(&format!("reading c/: {e}")))
                .path();
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }

    /// The shared compiler configuration: `-O2 -g`, C or C++.
    fn base_build(cpp: bool) -> cc::Build {
        let mut build = cc::Build::new();
        build.cpp(cpp).opt_level(2).debug(true);
        build
    }

    /// `c/pingpong.c` + `c/twins.c` + `c/bare.c` -> `libsocklab_cfloor.a`, linked into the
    /// crate (cc emits the link lines).
    fn compile_floor() {
        base_build(false)
            .file("c/pingpong.c")
            .file("c/twins.c")
            .file("c/bare.c")
            .warnings(true)
            .warnings_into_errors(true)
            .compile("socklab_cfloor");
    }

    /// Compiles one program with the `cc` crate's compiler command and returns the executable path.
    fn compile_program(program: &Program, out_dir: &Path) -> Result<PathBuf, String> {
        let cpp = Path::new(program.src)
            .extension()
            .is_some_and(|ext| ext == "cpp");
        let mut build = base_build(cpp);
        build
            .warnings(program.strict)
            .warnings_into_errors(program.strict);
        let tool = build
            .try_get_compiler()
            .map_err(|e| no_compiler(cpp, &e.to_string()))?;

        fs::create_dir_all(out_dir).map_err(|e| format!("creating {}: {e}", out_dir.display()))?;
        let exe = out_dir.join(program.src.split('.').next().unwrap_or(program.src));
        let src = Path::new("c").join(program.src);
        let mut cmd = tool.to_command();
        cmd.args(program.extra).arg("-o").arg(&exe).arg(&src);

        let output = cmd.output().map_err(|e| {
            let what = format!("{}: {e}", tool.path().display());
            if e.kind() == std::io::ErrorKind::NotFound {
                no_compiler(cpp, &what)
            } else {
                what
            }
        })?;
        if !output.status.success() {
            return Err(format!(
                "compiling {} failed ({}):\n{}",
                src.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(exe)
    }

    /// The message for a missing compiler, naming the package that provides it.
    fn no_compiler(cpp: bool, detail: &str) -> String {
        let (lang, pkg) = if cpp { ("C++", "g++") } else { ("C", "gcc") };
        format!("socklab build: no {lang} compiler found (install {pkg}): {detail}")
    }

    /// `cargo:rustc-env=<VAR>=<path>`, read by code and tests with `env!("<VAR>")`.
    fn export(program: &Program, exe: &Path) {
        println!("cargo:rustc-env={}={}", program.env, exe.display());
    }

    /// Fails the build with `msg` on stderr (cargo shows it).
    fn fail(msg: &str) -> ! {
        eprintln!("{msg}");
        std::process::exit(1);
    }
}
