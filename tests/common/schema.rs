//! `docs/compare-schema.md` against the documents socklab writes, for the test binaries that
//! `#[path]`-include it (tests/compare.rs, tests/results): every key a document holds is
//! documented there.
#![allow(dead_code)] // not every binary uses every helper

use serde_json::Value;

/// The text of `docs/compare-schema.md`.
pub fn schema_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/compare-schema.md"
    ))
    .unwrap()
}

/// Every key of `v`'s objects, recursively, with the path of objects it sits in (`env.pin`,
/// `rows[].median_ns`); the keys of `env.pin_by_mode` are mode names.
fn keys_of(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                out.push(here.clone());
                if k != "pin_by_mode" {
                    keys_of(x, &here, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|x| keys_of(x, &format!("{at}[]"), out)),
        _ => {}
    }
}

/// Every key of `doc` is documented in `docs/compare-schema.md` (as `"key"` in its examples or
/// `` `key` `` in its text).
#[track_caller]
pub fn assert_documented(doc: &Value) {
    let schema = schema_text();
    let mut keys = Vec::new();
    keys_of(doc, "", &mut keys);
    for path in keys {
        let key = path.rsplit('.').next().unwrap().trim_end_matches("[]");
        let quoted = format!("\"{key}\"");
        let ticked = format!("`{key}`");
        assert!(
            schema.contains(&quoted) || schema.contains(&ticked),
            "{path} is not in docs/compare-schema.md"
        );
    }
}
