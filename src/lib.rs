//! x

/// The syscall layer. Placeholder for the `cref` branch: on merge, keep the lead's
/// `src/sys/mod.rs` and add `pub mod cfloor;` to it instead of this inline module.
pub mod sys {
    pub mod cfloor;
}
