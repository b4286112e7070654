//! Every cell of every CSV a run writes has the form of its column's type
//! in `datapackage.json`: a `number` always has a decimal point (`0.0`,
//! `1.0`; never an exponent), an `integer` never has one, so readers that
//! infer types from the first rows (pandas, polars, R) infer the declared
//! ones. The runs are every shipped scenario (targets.toml aside) made
//! small (the baseline with events and trajectories), and edge cases: a disabled channel, a start in 2026, a sweep
//! where a share is 0 in every early row, and a sweep of categorical
//! factors (a `string` and a `boolean` column, `true` or `false`).
//!
//! With `CSV_TYPES_OUT=DIR` the run folders are kept in `DIR/<name>/`:
//! `.ci/run` then reads them with pandas and polars
//! (`scripts/check_csv_types.py`), which this test does not need.

mod common;

use common::{root, stderr, succession};
use serde_json::Value;
use std::path::Path;

/// The runs: folder name, scenario (from the repository root), arguments.
const RUNS: &[(&str, &str, &[&str])] = &[
    (
        "baseline",
        "scenarios/baseline.toml",
        &[
            "--set",
            "communities=200",
            "--set",
            "replicates=2",
            "--snapshot",
            "1949",
            "--snapshot",
            "2060",
            "--events",
            "--trajectories",
            "4",
        ],
    ),
    (
        "reference-start",
        "scenarios/reference-start.toml",
        &["--set", "communities=200", "--set", "replicates=2"],
    ),
    (
        "national",
        "scenarios/national.toml",
        &["--set", "communities=300"],
    ),
    // Version 2: pools (numbers in `pool_<channel>`), committee elections.
    (
        "v2-pools",
        "scenarios/v2/pools.toml",
        &["--set", "communities=200", "--set", "replicates=2"],
    ),
    (
        "v2-elections-committee",
        "scenarios/v2/elections-committee.toml",
        &["--set", "communities=200", "--set", "replicates=2"],
    ),
    (
        "mentoring",
        "scenarios/v1/mentoring.toml",
        &[
            "--set",
            "communities=60",
            "--set",
            "replicates=1",
            "--set",
            "end_year=1990",
            "--set",
            "policy_window=[1980, 1990]",
        ],
    ),
    // The roster-seeded scenarios keep the roster's 10000 communities.
    (
        "policy-2025",
        "scenarios/policy-2025.toml",
        &[
            "--set",
            "replicates=2",
            "--set",
            "end_year=2032",
            "--set",
            "policy_window=[2026, 2032]",
            "--snapshot",
            "2030",
        ],
    ),
    (
        "channels",
        "scenarios/v1/channels.toml",
        &[
            "--set",
            "replicates=1",
            "--set",
            "end_year=2028",
            "--set",
            "policy_window=[2026, 2028]",
        ],
    ),
    (
        "openness",
        "scenarios/v1/openness.toml",
        &[
            "--set",
            "replicates=1",
            "--set",
            "end_year=2027",
            "--set",
            "policy_window=[2026, 2027]",
        ],
    ),
    // A sensitivity analysis: sensitivity.csv beside the usual files.
    (
        "sensitivity",
        "tests/scenarios/sensitivity/morris.toml",
        &[],
    ),
    (
        "school-disabled",
        "scenarios/baseline.toml",
        &[
            "--set",
            "communities=200",
            "--set",
            "replicates=2",
            "--set",
            "end_year=2030",
            "--set",
            "policy_window=[2020, 2030]",
            "--set",
            "channels.school.supply.scale=0",
            "--snapshot",
            "2030",
        ],
    ),
    (
        "start-2026",
        "tests/scenarios/csv/start_2026.toml",
        &["--snapshot", "2026"],
    ),
    (
        "society-sweep",
        "tests/scenarios/csv/society_sweep.toml",
        &[
            "--set",
            "channels.school.supply.scale=0",
            "--set",
            "channels.agency.supply.scale=0",
        ],
    ),
    // Categorical factors: text and true/false cells in points.csv and summary.csv.
    (
        "categorical-sweep",
        "tests/scenarios/csv/categorical_sweep.toml",
        &[],
    ),
];

/// The problems of one run folder: every CSV listed in its
/// `datapackage.json`, every non-empty cell of the form of its type.
fn problems(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("datapackage.json")).unwrap();
    let package: Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    let mut listed = Vec::new();
    for resource in package["resources"].as_array().unwrap() {
        let path = resource["path"].as_str().unwrap();
        listed.push(path.to_string());
        let fields = resource["schema"]["fields"].as_array().unwrap();
        let types: Vec<&str> = fields.iter().map(|f| f["type"].as_str().unwrap()).collect();
        let csv = std::fs::read_to_string(dir.join(path)).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), fields.len(), "{path}: header and fields");
        for (row, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), types.len(), "{path} row {}: cells", row + 2);
            for ((cell, kind), name) in cells.iter().zip(&types).zip(&header) {
                let ok = cell.is_empty()
                    || match *kind {
                        "integer" => cell.parse::<i64>().is_ok(),
                        "number" => {
                            cell.contains('.')
                                && !cell.contains(['e', 'E'])
                                && cell.parse::<f64>().is_ok_and(f64::is_finite)
                        }
                        "string" => true,
                        "boolean" => *cell == "true" || *cell == "false",
                        other => panic!("{path}: type {other}"),
                    };
                if !ok && found.len() < 20 {
                    found.push(format!("{path} row {}: {name} ({kind}) {cell:?}", row + 2));
                }
            }
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    on_disk.sort();
    listed.sort();
    assert_eq!(listed, on_disk, "{}: every CSV listed", dir.display());
    found
}

#[test]
fn every_cell_has_the_form_of_its_declared_type() {
    let scratch = tempfile::tempdir().unwrap();
    let base = match std::env::var_os("CSV_TYPES_OUT") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => scratch.path().to_path_buf(),
    };
    std::fs::create_dir_all(&base).unwrap();
    let mut failures = Vec::new();
    for (name, scenario, extra) in RUNS {
        let scenario = root().join(scenario).display().to_string();
        let out = base.join(name).display().to_string();
        let mut args = vec!["run", &scenario, "--out", &out, "--quiet", "--force"];
        args.extend_from_slice(extra);
        let output = succession(&base, &args);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        for problem in problems(&base.join(name)) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `succession patterns` writes its CSV files with a `datapackage.json` of
/// their own (kept for `.ci/run`'s pandas and polars check like the run
/// folders): every file it lists is there with the declared header, every
/// number has the form of its type.
#[test]
fn the_patterns_folder_describes_its_files() {
    let scratch = tempfile::tempdir().unwrap();
    let base = match std::env::var_os("CSV_TYPES_OUT") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => scratch.path().to_path_buf(),
    };
    std::fs::create_dir_all(&base).unwrap();
    let posterior = scratch.path().join("posterior.csv");
    std::fs::write(
        &posterior,
        "generation,particle,weight,distance,mentoring.rate\n0,0,0.5,1.0,0.1\n0,1,0.5,1.2,0.05\n",
    )
    .unwrap();
    let out = base.join("patterns");
    let scenario = root().join("tests/scenarios/patterns/v2.toml");
    let output = succession(
        &base,
        &[
            "patterns",
            scenario.to_str().unwrap(),
            "--communities",
            "60",
            "--replicates",
            "3",
            "--posterior",
            posterior.to_str().unwrap(),
            "--draws",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--force",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let package: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("datapackage.json")).unwrap())
            .unwrap();
    let mut listed = Vec::new();
    for resource in package["resources"].as_array().unwrap() {
        let path = resource["path"].as_str().unwrap();
        listed.push(path.to_string());
        let fields = resource["schema"]["fields"].as_array().unwrap();
        let mut reader = csv::Reader::from_path(out.join(path)).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(header, names, "{path}");
        for record in reader.records() {
            let record = record.unwrap();
            for (cell, field) in record.iter().zip(fields) {
                let ok = cell.is_empty()
                    || match field["type"].as_str().unwrap() {
                        "integer" => cell.parse::<i64>().is_ok(),
                        "number" => cell.contains('.') && cell.parse::<f64>().is_ok(),
                        _ => true,
                    };
                assert!(ok, "{path}: {} {cell:?}", field["name"]);
            }
        }
    }
    listed.sort();
    assert_eq!(
        listed,
        [
            "patterns.csv",
            "patterns_draws.csv",
            "patterns_posterior.csv"
        ]
    );
}
