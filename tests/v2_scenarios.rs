//! The version-2 scenarios of `scenarios/v2/` (MODEL.md section 7): each
//! one validates with `succession check`, runs small (20 communities, 2
//! replicates, a long history cut short) and writes the version-2 columns it
//! is about: `pool_<channel>` in `timeseries.csv` (filled in pool mode,
//! empty with per-vacancy supply), `policy_capacity_p10` and
//! `pipeline_tempered` in `summary.csv`. The README's scenario table lists
//! every file of the folder (tests/repository.rs checks only the top-level
//! `scenarios/` folder).

mod common;

use common::{root, stderr, succession};
use std::path::{Path, PathBuf};

/// How a scenario recruits, which decides what its `pool_<channel>` cells hold.
#[derive(PartialEq, Debug)]
enum Supply {
    /// `recruitment.supply = "pool"`: every cell a number.
    Pool,
    /// `recruitment.supply = "per_vacancy"`: every cell empty.
    PerVacancy,
}

/// A scenario of the folder: file name, `--set` arguments that make its run
/// small, and its supply mode.
struct V2 {
    file: &'static str,
    small: &'static [&'static str],
    supply: Supply,
}

const SMALL: &[&str] = &["--set", "communities=20", "--set", "replicates=2"];

/// Every file of `scenarios/v2/`. The two sweeps are small enough with 20
/// communities and 2 replicates to run whole; the full histories stop in
/// 2030 (after the rural drain has risen and both election terms have run).
const SCENARIOS: &[V2] = &[
    V2 {
        file: "pools.toml",
        small: &["--set", "end_year=2030"],
        supply: Supply::Pool,
    },
    V2 {
        file: "shocks.toml",
        small: &[],
        supply: Supply::PerVacancy,
    },
    V2 {
        file: "elections-seat.toml",
        small: &["--set", "end_year=2030"],
        supply: Supply::PerVacancy,
    },
    V2 {
        file: "elections-committee.toml",
        small: &["--set", "end_year=2030"],
        supply: Supply::PerVacancy,
    },
    V2 {
        file: "openness.toml",
        small: &[],
        supply: Supply::Pool,
    },
    V2 {
        file: "screen.toml",
        small: &["--set", "end_year=1990"],
        supply: Supply::Pool,
    },
];

fn dir() -> PathBuf {
    root().join("scenarios/v2")
}

fn scenario(file: &str) -> &'static V2 {
    SCENARIOS
        .iter()
        .find(|s| s.file == file)
        .unwrap_or_else(|| panic!("{file} is not listed in SCENARIOS"))
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The header and the rows of a CSV file without quoting (what the tool writes).
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("a header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str, file: &str) -> usize {
    header
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("{file}: no column {name} in {header:?}"))
}

/// `succession check FILE` exits 0.
fn checks(file: &str) {
    let path = dir().join(file).display().to_string();
    let scratch = tempfile::tempdir().unwrap();
    let output = succession(scratch.path(), &["check", &path]);
    assert!(
        output.status.success(),
        "check {file} exited {:?}: {}",
        output.status.code(),
        stderr(&output)
    );
}

/// Runs the scenario small and checks the version-2 columns; returns the
/// header and rows of its `summary.csv`.
fn runs_small(file: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let s = scenario(file);
    let path = dir().join(s.file).display().to_string();
    let scratch = tempfile::tempdir().unwrap();
    let mut args = vec!["run", path.as_str(), "--out", "out", "--quiet"];
    args.extend_from_slice(SMALL);
    args.extend_from_slice(s.small);
    let output = succession(scratch.path(), &args);
    assert!(
        output.status.success(),
        "run {file} exited {:?}: {}",
        output.status.code(),
        stderr(&output)
    );
    let out = scratch.path().join("out");

    let (header, rows) = table(&read(out.join("timeseries.csv")));
    assert!(!rows.is_empty(), "{file}: timeseries.csv has no rows");
    let channels: Vec<&str> = header
        .iter()
        .filter_map(|c| c.strip_prefix("entries_"))
        .collect();
    assert!(!channels.is_empty(), "{file}: no entries_<channel> columns");
    let mut any_member = false;
    for channel in &channels {
        let name = format!("pool_{channel}");
        let at = column(&header, &name, file);
        for row in &rows {
            let cell = &row[at];
            match s.supply {
                Supply::Pool => {
                    let pool: f64 = cell.parse().unwrap_or_else(|_| {
                        panic!("{file}: {name} = {cell:?}, not a number in pool mode")
                    });
                    assert!(pool >= 0.0, "{file}: {name} = {pool}");
                    any_member |= pool > 0.0;
                }
                Supply::PerVacancy => {
                    assert!(
                        cell.is_empty(),
                        "{file}: {name} = {cell:?}, not empty with per-vacancy supply"
                    );
                }
            }
        }
    }
    if s.supply == Supply::Pool {
        assert!(any_member, "{file}: every pool is empty in every year");
    }

    let summary = table(&read(out.join("summary.csv")));
    column(&summary.0, "policy_capacity_p10", file);
    column(&summary.0, "pipeline_tempered_mean", file);
    summary
}

#[test]
fn pools_checks() {
    checks("pools.toml");
}

#[test]
fn pools_runs_small_with_pool_columns() {
    runs_small("pools.toml");
}

#[test]
fn shocks_checks() {
    checks("shocks.toml");
}

#[test]
fn shocks_runs_whole_sweep_small_with_p10() {
    let (header, rows) = runs_small("shocks.toml");
    // Seven points (the mixes of scenarios/v1/channels.toml), two replicates
    // each: p10 over replicates is a number.
    assert_eq!(rows.len(), 7, "shocks.toml: points in summary.csv");
    let p10 = column(&header, "policy_capacity_p10", "shocks.toml");
    for row in &rows {
        assert!(
            row[p10].parse::<f64>().is_ok(),
            "shocks.toml: policy_capacity_p10 = {:?}",
            row[p10]
        );
    }
}

#[test]
fn elections_seat_checks() {
    checks("elections-seat.toml");
}

#[test]
fn elections_seat_runs_small() {
    runs_small("elections-seat.toml");
}

#[test]
fn elections_committee_checks() {
    checks("elections-committee.toml");
}

#[test]
fn elections_committee_runs_small() {
    runs_small("elections-committee.toml");
}

#[test]
fn openness_checks() {
    checks("openness.toml");
}

#[test]
fn openness_runs_whole_grid_small_with_pipeline() {
    let (header, rows) = runs_small("openness.toml");
    // The 6 x 3 grid of promotion openness x attraction.
    assert_eq!(rows.len(), 18, "openness.toml: points in summary.csv");
    let pipeline = column(&header, "pipeline_tempered_mean", "openness.toml");
    for row in &rows {
        assert!(
            row[pipeline].parse::<f64>().is_ok(),
            "openness.toml: pipeline_tempered_mean = {:?}",
            row[pipeline]
        );
    }
}

#[test]
fn screen_checks() {
    checks("screen.toml");
}

#[test]
fn screen_runs_its_whole_design_small() {
    let (_, rows) = runs_small("screen.toml");
    assert_eq!(rows.len(), 300, "one summary row per design point");
}

#[test]
fn every_v2_file_is_tested_and_listed_in_the_readme() {
    let readme = read(root().join("README.md"));
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(dir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // targets.toml is a targets file (with its search), not a scenario.
        if name.ends_with(".toml") && name != "targets.toml" {
            on_disk.push(name);
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = SCENARIOS.iter().map(|s| s.file.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "scenarios/v2 against this file's SCENARIOS"
    );
    for name in &on_disk {
        assert!(
            readme.contains(&format!("| `scenarios/v2/{name}` |")),
            "README's scenario table lacks scenarios/v2/{name}"
        );
        let text = read(dir().join(name));
        // After the `#:schema` line editors read (tests/json_schema.rs).
        let body = text.split_once('\n').map_or("", |(_, rest)| rest);
        assert!(
            body.starts_with("# Question"),
            "scenarios/v2/{name} does not open with its question"
        );
    }
}
