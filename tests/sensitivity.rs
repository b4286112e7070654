//! `[sensitivity]` scenarios run with `succession run`: the design runs
//! like a sweep, `sensitivity.csv` holds the indices with their intervals,
//! a parameter that provably does nothing comes out at zero and one that
//! drives the figure comes out large, shards merge to the same bytes, and
//! bad input is refused at its position with nothing written. The
//! estimators themselves are checked against closed forms (Ishigami, a
//! linear function) in `study::sensitivity`'s unit tests.

mod common;

use common::{scenario, stderr, stdout, succession, tree};
use std::path::Path;

/// A row of sensitivity.csv: figure, parameter, index, value, lo, hi.
#[derive(Debug)]
struct Row {
    figure: String,
    parameter: String,
    index: String,
    value: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

fn read(dir: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(dir.join("sensitivity.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["figure", "parameter", "index", "value", "lo", "hi"]
    );
    let number = |cell: &str| (!cell.is_empty()).then(|| cell.parse::<f64>().unwrap());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Row {
                figure: r[0].to_string(),
                parameter: r[1].to_string(),
                index: r[2].to_string(),
                value: number(&r[3]),
                lo: number(&r[4]),
                hi: number(&r[5]),
            }
        })
        .collect()
}

fn find<'a>(rows: &'a [Row], figure: &str, parameter: &str, index: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.figure == figure && r.parameter == parameter && r.index == index)
        .unwrap_or_else(|| panic!("no row {figure} {parameter} {index}: {rows:?}"))
}

fn run(dir: &Path, file: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join("out");
    let path = scenario(&format!("sensitivity/{file}"));
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(extra);
    let output = succession(dir, &args);
    assert!(output.status.success(), "{file}: {}", stderr(&output));
    out
}

const INERT: &str = "promotion.attraction";
const STRONG: &str = "channels.enterprise.supply.scale";

/// With openness 0 throughout, attraction multiplies arrivals by 1: its
/// total index is 0 (the interval too: under common random numbers its
/// points reproduce the base points exactly). The enterprise channel's
/// supply decides who holds the seats of the 1990s: its total index on the
/// policy-window capacity is large.
#[test]
fn sobol_finds_the_inert_parameter_inert_and_the_strong_one_strong() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "sobol.toml", &[]);
    let rows = read(&out);
    // 2 figures x 2 parameters x (S1, ST).
    assert_eq!(rows.len(), 8, "{rows:?}");
    for figure in ["policy_capacity", "trough_capacity"] {
        let inert = find(&rows, figure, INERT, "ST");
        assert!(
            inert.value.unwrap() < 0.02 || inert.lo.unwrap() <= 0.0,
            "{inert:?}"
        );
        let strong = find(&rows, figure, STRONG, "ST");
        assert!(strong.lo.unwrap() > 0.3, "{strong:?}");
        assert!(strong.lo.unwrap() <= strong.value.unwrap());
        assert!(strong.value.unwrap() <= strong.hi.unwrap());
    }
    // The design is Saltelli's: N (k + 2) points.
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 32 * 4);
    let package = std::fs::read_to_string(out.join("datapackage.json")).unwrap();
    assert!(package.contains("\"sensitivity.csv\""), "{package}");
    for stem in ["sensitivity_policy_capacity", "sensitivity_trough_capacity"] {
        assert!(out.join(format!("charts/{stem}.png")).is_file(), "{stem}");
        assert!(out.join(format!("charts/{stem}.svg")).is_file(), "{stem}");
    }
    // The design's charts are the indices, not a sweep read point by point.
    assert!(!out.join("charts/sweep_policy_capacity.png").exists());
}

#[test]
fn morris_finds_the_inert_parameter_inert_and_the_strong_one_strong() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "morris.toml", &[]);
    let rows = read(&out);
    // 2 figures x 2 parameters x (mu_star, mu, sigma).
    assert_eq!(rows.len(), 12, "{rows:?}");
    for figure in ["policy_capacity", "trough_capacity"] {
        let inert = find(&rows, figure, INERT, "mu_star");
        assert_eq!(inert.value, Some(0.0), "{inert:?}");
        let strong = find(&rows, figure, STRONG, "mu_star");
        assert!(strong.lo.unwrap() > 0.01, "{strong:?}");
    }
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 20 * 3);
}

/// The indices do not depend on the thread count, and two shards merged
/// give the single run's bytes.
#[test]
fn shards_and_threads_give_the_same_indices() {
    let dir = tempfile::tempdir().unwrap();
    let single = run(dir.path(), "morris.toml", &["--threads", "1"]);
    let expected = std::fs::read(single.join("sensitivity.csv")).unwrap();
    let path = scenario("sensitivity/morris.toml");
    let mut shards = Vec::new();
    for i in 0..2 {
        let shard = dir.path().join(format!("shard-{i}"));
        let spec = format!("{i}/2");
        let output = succession(
            dir.path(),
            &[
                "run",
                path.to_str().unwrap(),
                "--shard",
                &spec,
                "--out",
                shard.to_str().unwrap(),
                "--quiet",
                "--threads",
                "2",
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            !shard.join("sensitivity.csv").exists(),
            "a shard holds part of the design"
        );
        shards.push(shard);
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|s| s.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    let output = succession(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read(merged.join("sensitivity.csv")).unwrap(),
        expected
    );
}

#[test]
fn check_prints_the_design_and_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario("sensitivity/sobol.toml");
    let output = succession(dir.path(), &["check", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("# runs: 128 (128 point(s) x 1 replicate(s))"),
        "{text}"
    );
    assert!(
        text.contains(
            "# sensitivity: sobol: N = 32 base samples x (k + 2) = 128 points (k = 2 parameter(s))"
        ),
        "{text}"
    );
    // What check writes back reads back as the same scenario.
    assert!(text.contains("[sensitivity.parameters]"), "{text}");
}

/// Each bad `[sensitivity]` is refused by `check` and by `run` with the
/// same one-line message naming the file, line and column, exit code 2,
/// and nothing written.
#[test]
fn bad_sensitivity_tables_are_refused_at_their_position() {
    let base = scenario("sensitivity/sobol.toml");
    let base = base.to_str().unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "[sensitivity]\nmethod = \"sobol\"\nsamples = 8\n[sensitivity.parameters]\n\"elections.rule\" = { from = 0.0, to = 1.0 }\n",
            "sensitivity.parameters.\"elections.rule\"",
        ),
        (
            "[sensitivity]\nsamples = 8\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0.3, to = 0.1 }\n",
            "sensitivity.parameters.\"mentoring.rate\".to",
        ),
        (
            "[sensitivity]\nmethod = \"morris\"\nsamples = 8\nlevels = 3\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0.0, to = 0.3 }\n",
            "sensitivity.levels",
        ),
        (
            "[sensitivity]\nsamples = 8\nlevels = 4\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0.0, to = 0.3 }\n",
            "sensitivity.levels",
        ),
        (
            "[sensitivity]\nsamples = 8\nfigures = [\"policy_capacity\", \"no_such_figure\"]\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0.0, to = 0.3 }\n",
            "sensitivity.figures.1",
        ),
        (
            "[sensitivity]\nmethod = \"sobol\"\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0.0, to = 0.3 }\n",
            "sensitivity.samples",
        ),
        (
            "[sensitivity]\nsamples = 8\n[sensitivity.parameters]\n\"mentoring.rate\" = [0.0, 0.3]\n",
            "sensitivity.parameters.\"mentoring.rate\"",
        ),
        (
            "[sweep]\nmethod = \"zip\"\n[sweep.parameters]\n\"mentoring.rate\" = [0.1]\n[sensitivity]\nsamples = 8\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0.0, to = 0.3 }\n",
            "sensitivity",
        ),
    ];
    for (body, key) in cases {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(
            &file,
            format!("extends = {base:?}\n[promotion]\nopenness = 0.0\n{}", body),
        )
        .unwrap();
        let file = file.to_str().unwrap();
        let check = succession(dir.path(), &["check", file]);
        let ran = succession(dir.path(), &["run", file, "--out", "out", "--quiet"]);
        for output in [&check, &ran] {
            assert_eq!(output.status.code(), Some(2), "{body}: {}", stderr(output));
            let message = stderr(output);
            assert_eq!(message.lines().count(), 1, "{message}");
            assert!(message.contains("bad.toml:"), "{body}: {message}");
            assert!(
                message.contains(&format!(": {key}:")),
                "{body}: wanted key {key}: {message}"
            );
        }
        assert_eq!(stderr(&check), stderr(&ran), "{body}");
        assert_eq!(tree(dir.path()), vec!["bad.toml".to_string()], "{body}");
    }
}
