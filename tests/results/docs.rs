//! Every key a saved document holds is in `docs/compare-schema.md`.

use serde_json::Value;

/// Every key of `v`'s objects, recursively (the keys of `env.pin_by_mode` are mode names).
fn keys_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                if k != "pin_by_mode" {
                    keys_of(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| keys_of(x, out)),
        _ => {}
    }
}

/// Every key of `doc` is documented (as `"key"` in the schema's examples or `` `key` `` in its
/// text).
#[track_caller]
pub fn assert_documented(doc: &Value) {
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/compare-schema.md"
    ))
    .unwrap();
    let mut keys = Vec::new();
    keys_of(doc, &mut keys);
    for key in keys {
        assert!(
            schema.contains(&format!("\"{key}\"")) || schema.contains(&format!("`{key}`")),
            "{key} is not in docs/compare-schema.md"
        );
    }
}

/// The CSV columns are documented too.
#[test]
fn csv_columns_are_documented() {
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/compare-schema.md"
    ))
    .unwrap();
    for c in socklab::compare::report::CSV_HEADER {
        assert!(
            schema.contains(&format!("`{c}`")),
            "CSV column {c} is not in the schema"
        );
    }
}
