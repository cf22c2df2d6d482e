//! What a measurement needs besides the thing measured, shared by `socklab compare` and
//! `socklab::net`: the environment block every result carries.

pub mod env;
