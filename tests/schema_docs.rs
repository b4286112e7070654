//! README.md's column tables are generated from the typed output schema
//! (`succession::folder::schema`): this test holds them equal, and
//! `SCHEMA_DOCS_WRITE=1 cargo test --test schema_docs` rewrites them after
//! a declaration changes.

mod common;

use common::root;
use succession::folder::schema;

/// The sections whose first table is generated, with its generator.
fn sections() -> Vec<(&'static str, String)> {
    vec![
        (
            "### Summary figures (`runs.csv`, `summary.csv`)",
            schema::figures_table(),
        ),
        ("### `summary.csv` columns", schema::summary_table()),
        ("### `timeseries.csv` columns", schema::timeseries_table()),
        ("### `roster_<year>.csv` columns", schema::roster_table()),
        ("### `transitions.csv` columns", schema::transitions_table()),
        ("### `events.csv` columns", schema::events_table()),
        (
            "### `trajectories.csv` columns",
            schema::trajectories_table(),
        ),
    ]
}

/// The byte range of the first table after `heading` in `text`.
fn table_range(text: &str, heading: &str) -> std::ops::Range<usize> {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no heading {heading:?}"));
    let table = start
        + text[start..]
            .find("\n|")
            .unwrap_or_else(|| panic!("no table under {heading:?}"))
        + 1;
    let mut end = table;
    for line in text[table..].split_inclusive('\n') {
        if !line.starts_with('|') {
            break;
        }
        end += line.len();
    }
    table..end
}

#[test]
fn readme_column_tables_are_the_schema() {
    let path = root().join("README.md");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let write = std::env::var_os("SCHEMA_DOCS_WRITE").is_some();
    let mut stale = Vec::new();
    for (heading, expected) in sections() {
        let range = table_range(&text, heading);
        if text[range.clone()] != expected {
            stale.push(format!("{heading}\n\n{expected}"));
            text.replace_range(range, &expected);
        }
    }
    if write {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "README.md's tables differ from the schema; run with SCHEMA_DOCS_WRITE=1, or make them:\n\n{}",
        stale.join("\n")
    );
}
