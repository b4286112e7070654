//! Categorical factors in a sweep, through the real binary: a grid over
//! string parameters and a zip over a boolean one write their levels as
//! text in `points.csv` and `summary.csv` (declared `string` and `boolean`
//! in `datapackage.json`), each point runs exactly the scenario its values
//! give it, shards and resume read the design back, the charts label the
//! levels, and a level of the wrong type is refused alike by `check` and
//! `run` before anything is written.

mod common;

use common::{scenario, stderr, succession};
use serde_json::Value;
use std::path::Path;

fn sweep_file(name: &str) -> String {
    scenario(&format!("sweep/{name}")).display().to_string()
}

fn run(cwd: &Path, args: &[&str]) {
    let output = succession(cwd, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn bytes(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The rows of `timeseries.csv` in `dir` of `point` (all rows when
/// `None`), without their point column.
fn rows_of(dir: &Path, point: Option<u32>) -> Vec<String> {
    read(dir.join("timeseries.csv"))
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .filter(|(p, _)| point.is_none_or(|point| *p == point.to_string()))
        .map(|(_, rest)| rest.to_string())
        .collect()
}

/// The declared (name, type) of every field of `file` in `dir`'s
/// `datapackage.json`.
fn declared(dir: &Path, file: &str) -> Vec<(String, String)> {
    let package: Value = serde_json::from_str(&read(dir.join("datapackage.json"))).unwrap();
    let resource = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == file)
        .unwrap_or_else(|| panic!("{file} is not in datapackage.json"));
    resource["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn field(name: &str, kind: &str) -> (String, String) {
    (name.to_string(), kind.to_string())
}

/// The grid's points, in order: the first parameter varies slowest.
const GRID: [(&str, &str); 4] = [
    ("seat", "per_vacancy"),
    ("seat", "pool"),
    ("committee", "per_vacancy"),
    ("committee", "pool"),
];

#[test]
fn a_grid_of_rules_and_supply_modes_writes_its_levels_as_text() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("categorical.toml"),
            "--out",
            "g",
            "--quiet",
        ],
    );
    let dir = scratch.path().join("g");
    assert_eq!(
        read(dir.join("points.csv")),
        "point,elections.rule,recruitment.supply\n\
         0,seat,per_vacancy\n1,seat,pool\n2,committee,per_vacancy\n3,committee,pool\n"
    );
    let summary = read(dir.join("summary.csv"));
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..4],
        [
            "point",
            "elections.rule",
            "recruitment.supply",
            "replicates"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4);
    for (point, (row, (rule, supply))) in rows.iter().zip(GRID).enumerate() {
        assert_eq!(
            row[..4],
            [point.to_string().as_str(), rule, supply, "2"],
            "{row:?}"
        );
        assert!(row[4].parse::<f64>().is_ok(), "{row:?}");
    }
    let swept = [
        field("point", "integer"),
        field("elections.rule", "string"),
        field("recruitment.supply", "string"),
    ];
    assert_eq!(declared(&dir, "points.csv"), swept);
    assert_eq!(declared(&dir, "summary.csv")[..3], swept);
    assert_eq!(
        declared(&dir, "summary.csv")[3],
        field("replicates", "integer")
    );
    // The manifest's design holds the words themselves.
    let manifest: Value = serde_json::from_str(&read(dir.join("manifest.json"))).unwrap();
    assert_eq!(
        manifest["identity"]["design"]["points"][2],
        serde_json::json!(["committee", "per_vacancy"])
    );
}

/// Each point's runs are exactly the scenario run alone with the point's
/// values as `--set`: the levels reach the model. The four points also
/// differ from each other, so no level is dropped on the way.
#[test]
fn each_point_of_a_categorical_grid_equals_its_scenario_run_alone() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("categorical.toml"),
            "--out",
            "g",
            "--quiet",
        ],
    );
    let sweep = scratch.path().join("g");
    let mut seen: Vec<Vec<String>> = Vec::new();
    for (point, (rule, supply)) in GRID.iter().enumerate() {
        let alone = format!("alone{point}");
        run(
            scratch.path(),
            &[
                "run",
                &sweep_file("base.toml"),
                "--out",
                &alone,
                "--quiet",
                "--set",
                "replicates=2",
                "--set",
                &format!("elections.rule={rule}"),
                "--set",
                &format!("recruitment.supply={supply}"),
            ],
        );
        let rows = rows_of(&sweep, Some(point as u32));
        assert_eq!(rows.len(), 2 * 42, "point {point}");
        assert!(
            rows == rows_of(&scratch.path().join(&alone), None),
            "point {point} ({rule}, {supply}) differs from its scenario run alone"
        );
        assert!(
            !seen.contains(&rows),
            "point {point} ({rule}, {supply}) repeats an earlier point"
        );
        seen.push(rows);
    }
}

#[test]
fn a_zip_over_a_boolean_path_writes_true_and_false() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("boolean_zip.toml"),
            "--out",
            "z",
            "--quiet",
        ],
    );
    let dir = scratch.path().join("z");
    assert_eq!(
        read(dir.join("points.csv")),
        "point,elections.enabled,mentoring.rate\n0,true,0.1\n1,false,0.0\n"
    );
    let summary = read(dir.join("summary.csv"));
    let cells: Vec<Vec<&str>> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(4).collect())
        .collect();
    assert_eq!(
        cells,
        [["0", "true", "0.1", "2"], ["1", "false", "0.0", "2"]]
    );
    let swept = [
        field("point", "integer"),
        field("elections.enabled", "boolean"),
        field("mentoring.rate", "number"),
    ];
    assert_eq!(declared(&dir, "points.csv"), swept);
    assert_eq!(declared(&dir, "summary.csv")[..3], swept);
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("base.toml"),
            "--out",
            "alone",
            "--quiet",
            "--set",
            "replicates=2",
            "--set",
            "elections.enabled=false",
            "--set",
            "mentoring.rate=0",
        ],
    );
    let rows = rows_of(&dir, Some(1));
    assert_eq!(rows.len(), 2 * 42);
    assert!(rows == rows_of(&scratch.path().join("alone"), None));
    assert!(rows != rows_of(&dir, Some(0)));
}

#[test]
fn shards_merge_and_resume_read_the_categorical_design_back() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("categorical.toml");
    run(scratch.path(), &["run", &file, "--out", "whole", "--quiet"]);
    for i in 0..2 {
        run(
            scratch.path(),
            &[
                "run",
                &file,
                "--out",
                &format!("shard{i}"),
                "--quiet",
                "--shard",
                &format!("{i}/2"),
            ],
        );
    }
    run(
        scratch.path(),
        &["merge", "shard0", "shard1", "--out", "merged", "--quiet"],
    );
    for name in [
        "points.csv",
        "runs.csv",
        "summary.csv",
        "timeseries.csv",
        "datapackage.json",
    ] {
        assert!(
            bytes(scratch.path().join("whole").join(name))
                == bytes(scratch.path().join("merged").join(name)),
            "{name} of the merged shards differs from the whole run's"
        );
    }
    // A complete folder resumes (its identity reads back equal) to the same files.
    let before = bytes(scratch.path().join("whole/summary.csv"));
    run(
        scratch.path(),
        &["run", &file, "--out", "whole", "--quiet", "--resume"],
    );
    assert!(before == bytes(scratch.path().join("whole/summary.csv")));
}

#[test]
fn charts_label_the_levels_and_plot_redraws_them_byte_identically() {
    let scratch = tempfile::tempdir().unwrap();
    for (file, out) in [("categorical.toml", "g"), ("boolean_zip.toml", "z")] {
        run(
            scratch.path(),
            &["run", &sweep_file(file), "--out", out, "--quiet"],
        );
    }
    let charts = |dir: &str| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> =
            std::fs::read_dir(scratch.path().join(dir).join("charts"))
                .unwrap()
                .map(|e| {
                    let path = e.unwrap().path();
                    (
                        path.file_name().unwrap().to_string_lossy().into_owned(),
                        bytes(&path),
                    )
                })
                .collect();
        files.sort();
        files
    };
    let svg = |dir: &str, name: &str| read(scratch.path().join(dir).join("charts").join(name));
    // The heatmap of the 2 x 2 grid: each level a tick label.
    let heatmap = svg("g", "sweep_policy_capacity.svg");
    for level in ["seat", "committee", "per_vacancy", "pool"] {
        assert!(heatmap.contains(&format!("\n{level}\n</text>")), "{level}");
    }
    assert!(svg("g", "capacity.svg").contains("elections.rule=committee, recruitment.supply=pool"));
    // The panels of the zip: true and false along the boolean's axis.
    let panels = svg("z", "sweep_policy_capacity.svg");
    for level in ["true", "false"] {
        assert!(panels.contains(&format!("\n{level}\n</text>")), "{level}");
    }
    for dir in ["g", "z"] {
        let drawn = charts(dir);
        assert_eq!(drawn.len(), 12, "{dir}");
        run(scratch.path(), &["plot", dir]);
        assert!(
            drawn == charts(dir),
            "{dir}: plot redrew other bytes than the run drew"
        );
    }
}

/// A bad categorical sweep: `check` and `run` both exit 2 with the same one
/// line naming the file, line, column and key, and nothing is written.
fn assert_refused(cwd: &Path, file: &str, sets: &[&str], needle: &str) {
    let mut check = vec!["check", file];
    let mut run = vec!["run", file, "--out", "never", "--quiet"];
    for set in sets {
        check.extend(["--set", set]);
        run.extend(["--set", set]);
    }
    let mut messages = Vec::new();
    for args in [check, run] {
        let output = succession(cwd, &args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert_eq!(message.trim_end().lines().count(), 1, "{args:?}: {message}");
        assert!(
            message.contains(needle),
            "{args:?}: `{needle}` missing from {message}"
        );
        messages.push(message);
    }
    assert_eq!(messages[0], messages[1], "check and run disagree on {file}");
    assert!(!cwd.join("never").exists(), "{file}: run wrote its folder");
}

#[test]
fn categorical_levels_of_the_wrong_type_are_refused_by_check_and_run() {
    let scratch = tempfile::tempdir().unwrap();
    let bad = |name: &str| scenario(&format!("bad/{name}")).display().to_string();
    for (file, needle) in [
        (
            "sweep_unknown_level.toml",
            "sweep_unknown_level.toml:4:29: sweep.parameters.\"elections.rule\".1: unknown value \"comittee\": expected one of \"seat\", \"committee\"",
        ),
        (
            "sweep_word_type.toml",
            "sweep_word_type.toml:4:29: sweep.parameters.\"elections.rule\".1: expected one of \"seat\", \"committee\", found",
        ),
        (
            "sweep_level_type.toml",
            "sweep_level_type.toml:4:26: sweep.parameters.\"mentoring.rate\".1: expected a finite number, found",
        ),
        (
            "sweep_boolean_level.toml",
            "sweep_boolean_level.toml:7:30: sweep.parameters.\"elections.enabled\".1: expected true or false, found",
        ),
        (
            "sweep_categorical_lhs.toml",
            "sweep_categorical_lhs.toml:9:1: sweep.parameters.\"elections.rule\": method \"lhs\" samples a range of numbers; `elections.rule` is a string path: use grid or zip",
        ),
    ] {
        assert_refused(scratch.path(), &bad(file), &[], needle);
    }
    // The same message a wrong value gets from --set.
    let output = succession(
        scratch.path(),
        &[
            "check",
            &sweep_file("base.toml"),
            "--set",
            "elections.rule=comittee",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(
        "elections.rule: unknown value \"comittee\": expected one of \"seat\", \"committee\""
    ));
}

#[test]
fn random_designs_tables_and_unsweepable_paths_refuse_categorical_factors() {
    let scratch = tempfile::tempdir().unwrap();
    let base = sweep_file("base.toml");
    let write = |name: &str, text: &str| {
        let path = scratch.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let extends = format!("extends = {base:?}\n");
    let random = write(
        "random.toml",
        &format!(
            "{extends}[sweep]\nmethod = \"random\"\nsamples = 3\n[sweep.parameters]\n\"elections.enabled\" = [true, false]\n"
        ),
    );
    assert_refused(
        scratch.path(),
        &random,
        &[],
        "random.toml:6:1: sweep.parameters.\"elections.enabled\": method \"random\" samples a range of numbers; `elections.enabled` is a boolean path: use grid or zip",
    );
    write("t.csv", "mentoring.rate,elections.rule\n0.1,1\n");
    let table = write(
        "table.toml",
        &format!("{extends}[sweep]\nmethod = \"table\"\ntable = \"t.csv\"\n"),
    );
    assert_refused(
        scratch.path(),
        &table,
        &[],
        "t.csv:1:2: elections.rule: a sweep table holds numbers; `elections.rule` is a string path: vary it with method grid or zip",
    );
    let range = write(
        "range.toml",
        &format!(
            "{extends}[sweep.parameters]\n\"elections.rule\" = {{ from = 0, to = 1, steps = 2 }}\n"
        ),
    );
    assert_refused(
        scratch.path(),
        &range,
        &[],
        "range.toml:3:20: sweep.parameters.\"elections.rule\": `elections.rule` is a string path: expected a list of its values (\"seat\", \"committee\"), found",
    );
    for (path, why) in [
        (
            "channels.school.enabled",
            "is not a value a sweep can set: every point of a sweep has the same channels",
        ),
        ("name", "is not a value a sweep can set"),
        ("init.roster", "is not a value a sweep can set"),
    ] {
        let file = write(
            "unsweepable.toml",
            &format!("{extends}[sweep.parameters]\n{path:?} = [true, false]\n"),
        );
        assert_refused(
            scratch.path(),
            &file,
            &[],
            &format!("unsweepable.toml:3:1: sweep.parameters.{path:?}: `{path}` {why}"),
        );
    }
    // A --set of a swept categorical path would be overridden at every point.
    assert_refused(
        scratch.path(),
        &sweep_file("categorical.toml"),
        &["elections.rule=seat"],
        "--set elections.rule=seat: elections.rule: the sweep parameter `elections.rule`",
    );
}
