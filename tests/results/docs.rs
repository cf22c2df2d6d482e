//! The CSV columns are in `docs/compare-schema.md` (the saved document's keys are checked by
//! `common/schema.rs`'s `assert_documented` where each document is made).

/// The CSV columns are documented too.
#[test]
fn csv_columns_are_documented() {
    let schema = crate::schema::schema_text();
    for c in socklab::compare::report::CSV_HEADER {
        assert!(
            schema.contains(&format!("`{c}`")),
            "CSV column {c} is not in the schema"
        );
    }
}
