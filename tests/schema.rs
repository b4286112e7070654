//! Every run folder's `datapackage.json` against the Frictionless Data
//! Package / Tabular Data Resource / Table Schema required structure, and
//! against the CSV files it describes: every CSV listed once, its fields
//! the header in order, every non-empty cell of the declared type.

mod common;

use common::{scenario, stderr, succession};
use serde_json::Value;
use std::path::Path;

fn check_package(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("datapackage.json")).unwrap();
    let package: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(package["profile"], "tabular-data-package");
    let resources = package["resources"].as_array().expect("resources array");
    assert!(!resources.is_empty());
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    };
    let mut listed = Vec::new();
    for resource in resources {
        let name = resource["name"].as_str().expect("resource name");
        assert!(name_ok(name), "resource name {name:?}");
        assert_eq!(resource["profile"], "tabular-data-resource");
        assert_eq!(resource["format"], "csv");
        let path = resource["path"].as_str().expect("path is a string");
        assert!(!path.contains('/') && !path.starts_with('.'), "{path}");
        let schema = &resource["schema"];
        assert_eq!(schema["missingValues"], serde_json::json!([""]));
        let fields = schema["fields"].as_array().expect("fields array");
        let names: Vec<&str> = fields
            .iter()
            .map(|f| f["name"].as_str().expect("field name"))
            .collect();
        for field in fields {
            let kind = field["type"].as_str().expect("field type");
            assert!(["integer", "number", "string"].contains(&kind), "{kind}");
            assert!(
                !field["description"].as_str().unwrap_or("").is_empty(),
                "{path}: {field}"
            );
        }
        for key in schema["primaryKey"].as_array().expect("primaryKey") {
            assert!(names.contains(&key.as_str().unwrap()), "{path}: key {key}");
        }
        let csv = std::fs::read_to_string(dir.join(path)).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header, names, "{path}: fields are the header");
        let mut defined = vec![false; names.len()];
        for line in lines {
            for (i, cell) in line.split(',').enumerate() {
                if cell.is_empty() {
                    continue;
                }
                defined[i] = true;
                let ok = match fields[i]["type"].as_str().unwrap() {
                    "integer" => cell.parse::<i64>().is_ok(),
                    "number" => cell.parse::<f64>().is_ok_and(f64::is_finite),
                    _ => true,
                };
                assert!(ok, "{path}: {} cell {cell:?}", names[i]);
            }
        }
        listed.push(path.to_string());
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk, "every CSV listed once");
    listed
}

#[test]
fn run_and_merge_folders_describe_every_csv_with_its_types() {
    let scratch = tempfile::tempdir().unwrap();
    let small = scenario("cli/small.toml").display().to_string();
    let args = [
        "run",
        &small,
        "--out",
        "whole",
        "--quiet",
        "--snapshot",
        "2000",
    ];
    let output = succession(scratch.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let whole = scratch.path().join("whole");
    assert_eq!(
        check_package(&whole),
        [
            "timeseries.csv",
            "runs.csv",
            "summary.csv",
            "points.csv",
            "transitions.csv",
            "roster_2000.csv"
        ]
    );
    let text = std::fs::read_to_string(whole.join("datapackage.json")).unwrap();
    let package: Value = serde_json::from_str(&text).unwrap();
    let timeseries = &package["resources"][0]["schema"]["fields"];
    let field = |name: &str| {
        timeseries
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no field {name}"))
            .clone()
    };
    assert_eq!(field("year")["type"], "integer");
    assert_eq!(field("exits_death")["type"], "integer");
    assert_eq!(field("mean_trust_knowledge")["type"], "number");
    assert_eq!(field("mean_age")["unit"], "years");

    // Shards have no summary.csv; the merged folder's descriptor is the
    // whole run's, byte for byte.
    for i in 0..2 {
        let out = format!("shard{i}");
        let shard = format!("{i}/2");
        let args = [
            "run",
            &small,
            "--out",
            &out,
            "--quiet",
            "--shard",
            &shard,
            "--snapshot",
            "2000",
        ];
        let output = succession(scratch.path(), &args);
        assert!(output.status.success(), "{}", stderr(&output));
        let listed = check_package(&scratch.path().join(&out));
        assert!(!listed.contains(&"summary.csv".to_string()));
    }
    let output = succession(
        scratch.path(),
        &["merge", "shard0", "shard1", "--out", "merged"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let merged = std::fs::read(scratch.path().join("merged/datapackage.json")).unwrap();
    assert!(merged == std::fs::read(whole.join("datapackage.json")).unwrap());
}
