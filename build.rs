//! Build script: compiles C only for the feature that needs it.
//! - `compare`: the C floor (`c/pingpong.c`, its twins `c/twins.c`, the bare-syscall loops
//!   `c/bare.c`) into a static library linked into the crate (`compare::cfloor`). C only: no C++
//!   compiler is ever needed to build the crate.
//!
//! Without it (a library user's `default-features = false`, or `trace`, `net`, `experiments`) it
//! prints one `rerun-if-changed` line and runs no compiler; the optional `cc` build-dependency
//! is not even built then, so everything that uses it sits in the [`c`] module behind the
//! feature. The seed's C/C++ programs that the tests run are compiled by those tests
//! (`tests/common/cbuild.rs`), never here.
//!
//! Warnings are shown, never errors: a newer compiler's new warning must not fail a user's
//! build. `SOCKLAB_WERROR=1` turns them into errors (CI sets it).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "compare")]
    c::compile_floor();
}

/// Everything that compiles C, with the `cc` crate.
#[cfg(feature = "compare")]
mod c {
    /// `c/pingpong.c` + `c/twins.c` + `c/bare.c` -> `libsocklab_cfloor.a`, linked into the
    /// crate (cc emits the link lines).
    pub fn compile_floor() {
        const SOURCES: [&str; 3] = ["c/pingpong.c", "c/twins.c", "c/bare.c"];
        const HEADERS: [&str; 4] = ["c/pingpong.h", "c/twins.h", "c/bare.h", "c/common.h"];
        for f in SOURCES.iter().chain(&HEADERS) {
            println!("cargo:rerun-if-changed={f}");
        }
        println!("cargo:rerun-if-env-changed=SOCKLAB_WERROR");
        let werror = std::env::var_os("SOCKLAB_WERROR").is_some_and(|v| v == "1");
        cc::Build::new()
            .files(SOURCES)
            .opt_level(2)
            .debug(true)
            .warnings(true)
            .extra_warnings(true)
            .warnings_into_errors(werror)
            .compile("socklab_cfloor");
    }
}
