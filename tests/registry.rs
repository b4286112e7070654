//! Every registry path reaches the resolved scenario: for each path
//! `succession params` lists, an override sets a valid value that differs
//! from the default, and the resolved scenario (as serde_json) must change
//! at that path and nowhere else. A registry entry that maps to no field, or
//! to the wrong one, fails here.

use serde_json::{Value, json};
use succession::scenario::{Override, Source, params};

const BASE: &str = r#"
[channels.other]
cohort = "knowledge"
supply = 1.0

[channels.probe]
cohort = "experience"
supply = 1.0

[sweep]
method = "random"
samples = 5

[sweep.parameters]
"capacity.beta" = { from = 1, to = 2 }
"#;

/// A sweep that takes its points from a table, for `sweep.table`.
const TABLE_BASE: &str = r#"
[channels.probe]
cohort = "experience"
supply = 1.0

[sweep]
method = "table"
table = "points.csv"
"#;

/// A Morris analysis, for the `sensitivity.*` paths (a scenario holds it
/// or a `[sweep]`, not both).
const SENSITIVITY_BASE: &str = r#"
[channels.probe]
cohort = "experience"
supply = 1.0

[sensitivity]
method = "morris"
samples = 4

[sensitivity.parameters]
"capacity.beta" = { from = 1, to = 2 }
"#;

fn schedule(v: f64) -> Value {
    json!({ "shape": { "constant": v }, "scale": 1.0 })
}

/// A valid value for a parameter of this range that no default takes, and
/// the value the resolved scenario should then hold, where it is simple to
/// state (otherwise only the change is checked).
fn probe(path: &str, range: &str, default: &str) -> (String, Option<Value>) {
    if path == "sensitivity.levels" {
        // Morris' levels are even.
        return ("6".into(), Some(json!(6)));
    }
    if path == "sensitivity.method" {
        // The base is a Morris analysis.
        return ("\"sobol\"".into(), Some(json!("sobol")));
    }
    let per_kind = range.contains("per kind");
    let both = |v: Value| {
        if per_kind {
            json!({ "urban": v, "rural": v })
        } else {
            v
        }
    };
    if range.starts_with("whole year") || range.starts_with("integer") {
        let n: i64 = if per_kind {
            7
        } else {
            default.parse::<i64>().map_or(3, |d| d + 1)
        };
        return (n.to_string(), Some(both(json!(n))));
    }
    if range.starts_with("schedule") {
        let v = if range.contains(">= 1") { 2.5 } else { 0.37 };
        return (format!("{v:?}"), Some(both(schedule(v))));
    }
    if range.starts_with("number, truncated normal") {
        return ("0.37".into(), Some(json!({ "constant": 0.37 })));
    }
    if range.starts_with("number or truncated normal") {
        return ("33".into(), Some(json!({ "constant": 33.0 })));
    }
    if range.starts_with("number") {
        return ("0.37".into(), Some(json!(0.37)));
    }
    if range.starts_with("true or false") {
        // Every boolean default here is true except responds_to_openness of
        // the probe channel (an experience channel).
        let v = path.ends_with("responds_to_openness");
        return (v.to_string(), Some(json!(v)));
    }
    if range.starts_with("string") {
        return ("probe-value".into(), Some(json!("probe-value")));
    }
    if range.starts_with("list of names") {
        return (
            r#"["final_capacity"]"#.into(),
            Some(json!(["final_capacity"])),
        );
    }
    if range.starts_with("path = [values]") {
        return (
            r#"{ "capacity.gamma" = { from = 0, to = 1 } }"#.into(),
            None,
        );
    }
    if range.starts_with("path") {
        return ("/probe/points.csv".into(), Some(json!("/probe/points.csv")));
    }
    if range.starts_with("[first_year, last_year]") {
        return ("[2030, 2040]".into(), Some(json!([2030, 2040])));
    }
    if range.contains(" | ") {
        // The first choice that the base scenario does not already make.
        let current = default.trim_matches('"');
        if path == "sweep.method" {
            // The base samples ranges, so only the other sampler fits.
            return ("lhs".into(), Some(json!("lhs")));
        }
        let current = if path.ends_with("cohort") {
            "experience"
        } else {
            current
        };
        let choice = range
            .split(';')
            .next()
            .unwrap()
            .split(" | ")
            .find(|c| *c != current)
            .unwrap();
        return (choice.to_string(), Some(json!(choice)));
    }
    panic!("{path}: no probe for range {range:?}: extend this test");
}

/// The JSON pointer of a scenario path in the serialised scenario.
fn pointer(path: &str, channel_index: usize) -> String {
    match path.strip_prefix("channels.probe.") {
        Some(field) => format!("/channels/{channel_index}/{}", field.replace('.', "/")),
        None => format!("/{}", path.replace('.', "/")),
    }
}

#[test]
fn every_registry_path_reaches_the_resolved_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Source::read(&path).unwrap()
    };
    let base = write("probe.toml", BASE);
    let table_base = write("table.toml", TABLE_BASE);
    let sensitivity_base = write("sensitivity.toml", SENSITIVITY_BASE);
    let mut probed = 0;
    for doc in params() {
        let path = doc.path.replace("<name>", "probe");
        if path == "extends" {
            // Read with the file, never overridden.
            let o = Override::parse_set("extends=x.toml").unwrap();
            let e = base.resolve(&[o]).unwrap_err().to_string();
            assert!(e.contains("cannot be overridden"), "{e}");
            continue;
        }
        let (source, channel_index) = if path == "sweep.table" {
            (&table_base, 0)
        } else if path.starts_with("sensitivity.") {
            (&sensitivity_base, 0)
        } else {
            (&base, 1)
        };
        let before = serde_json::to_value(source.resolve(&[]).unwrap()).unwrap();
        let (value, expected) = probe(&path, &doc.range, &doc.default);
        let set = Override::parse_set(&format!("{path}={value}")).unwrap();
        let resolved = source
            .resolve(&[set])
            .unwrap_or_else(|e| panic!("{path}={value}: {e}"));
        let mut after = serde_json::to_value(&resolved).unwrap();
        if path == "channels.probe.enabled" {
            let names: Vec<_> = resolved.channels.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, ["other"], "{path}=false drops the channel");
            probed += 1;
            continue;
        }
        if path == "channels.probe.new" {
            // `new = true` only silences the did-you-mean warning when the
            // file is read: the resolved scenario is the same.
            assert_eq!(after, before, "{path}={value} changed the scenario");
            probed += 1;
            continue;
        }
        let at = pointer(&path, channel_index);
        let got = after
            .pointer(&at)
            .unwrap_or_else(|| panic!("{path} reaches no field ({at})"))
            .clone();
        assert_ne!(
            Some(&got),
            before.pointer(&at),
            "{path}={value} changed nothing at {at}"
        );
        if let Some(expected) = expected {
            assert_eq!(got, expected, "{path}={value}");
        }
        // Nothing but that path changed.
        *after.pointer_mut(&at).unwrap() = before.pointer(&at).unwrap().clone();
        assert_eq!(after, before, "{path}={value} changed more than {at}");
        probed += 1;
    }
    assert_eq!(probed, params().len() - 1);
}
