//! `calibrate --search` recovers known parameters and resumes exactly.
//!
//! The truth is tests/scenarios/search/small.toml as written (learning
//! rates α_e = 0.08 and α_t = 0.06). Its targets are made by the engine
//! itself: the mean over 8 replicates of the mean experience and the mean
//! trust over 2000–2030, each with the sd of one replicate (a particle runs
//! once, so that is its sampling error). A search from log-uniform priors
//! on [0.01, 0.3] must put each truth inside its 90% posterior interval,
//! and the interval must be narrower than half the prior range. (Checked
//! by hand to fail when the sweep table's columns are swapped.)

mod common;

use common::{root, stderr, succession};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const TRUTH: [(&str, f64); 2] = [("learning.experience", 0.08), ("learning.trust", 0.06)];

/// Per replicate, the mean of `column` over 2000–2030 in `dir`'s timeseries.
fn per_replicate(dir: &Path, column: &str) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(dir.join("timeseries.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (replicate, year, value) = (at("replicate"), at("year"), at(column));
    let mut sums: BTreeMap<u32, (f64, u32)> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let y: i32 = record[year].parse().unwrap();
        if (2000..=2030).contains(&y) {
            let entry = sums.entry(record[replicate].parse().unwrap()).or_default();
            entry.0 += record[value].parse::<f64>().unwrap();
            entry.1 += 1;
        }
    }
    sums.values().map(|(sum, n)| sum / f64::from(*n)).collect()
}

/// The targets file of the search, from a truth run in `truth`.
fn targets(truth: &Path) -> String {
    let mut text = String::from(
        "[search]\nmethod = \"abc-smc\"\nparticles = 40\ngenerations = 4\nreplicates = 1\n\n\
         [search.parameters]\n\
         \"learning.experience\" = { from = 0.01, to = 0.3, scale = \"log\" }\n\
         \"learning.trust\" = { from = 0.01, to = 0.3, scale = \"log\" }\n",
    );
    for column in ["mean_experience", "mean_trust"] {
        let values = per_replicate(truth, column);
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        text.push_str(&format!(
            "\n[[target]]\nname = \"{column} 2000-2030\"\nmetric = \"{column}\"\nyears = [2000, 2030]\n\
             value = {mean}\nsd = {sd}\nsource = \"the engine at the truth, 8 replicates; sd of one\"\n"
        ));
    }
    text
}

/// The last generation of a search folder's posterior.csv: per searched
/// path (in column order), (value, weight) pairs.
fn last_generation(dir: &Path) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut reader = csv::Reader::from_path(dir.join("posterior.csv")).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers[..4],
        ["generation", "particle", "weight", "distance"]
    );
    let rows: Vec<Vec<f64>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(|c| c.parse().unwrap()).collect())
        .collect();
    let last = rows.iter().map(|r| r[0]).fold(0.0, f64::max);
    headers[4..]
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let pairs = rows
                .iter()
                .filter(|r| r[0] == last)
                .map(|r| (r[4 + i], r[2]))
                .collect();
            (path.clone(), pairs)
        })
        .collect()
}

/// The search's arguments into `out`.
fn search_args<'a>(scenario: &'a str, targets: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "calibrate",
        scenario,
        "--targets",
        targets,
        "--search",
        "--out",
        out,
        "--quiet",
    ]
}

#[test]
fn a_search_recovers_the_learning_rates_and_resumes_to_the_same_files() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let scenario = root()
        .join("tests/scenarios/search/small.toml")
        .display()
        .to_string();
    let truth = dir.join("truth");
    let output = succession(
        dir,
        &[
            "run",
            &scenario,
            "--set",
            "replicates=8",
            "--out",
            &truth.display().to_string(),
            "--quiet",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let targets_path = dir.join("targets.toml");
    std::fs::write(&targets_path, targets(&truth)).unwrap();
    let targets_arg = targets_path.display().to_string();

    let started = Instant::now();
    let output = succession(dir, &search_args(&scenario, &targets_arg, "whole"));
    assert!(output.status.success(), "{}", stderr(&output));
    let seconds = started.elapsed().as_secs_f64();
    for ((path, pairs), (truth_path, truth)) in
        last_generation(&dir.join("whole")).iter().zip(TRUTH)
    {
        assert_eq!(path, truth_path);
        let q = |q: f64| succession::study::abc::weighted_quantile(pairs, q);
        let (lo, median, hi) = (q(0.05), q(0.5), q(0.95));
        eprintln!(
            "{path}: truth {truth}, median {median:.4}, 90% [{lo:.4}, {hi:.4}] ({seconds:.1} s)"
        );
        assert!(
            lo <= truth && truth <= hi,
            "{path}: truth {truth} outside [{lo}, {hi}]"
        );
        assert!(
            hi - lo < (0.3 - 0.01) / 2.0,
            "{path}: [{lo}, {hi}] is not narrow"
        );
    }

    assert_eq!(
        std::fs::read_to_string(dir.join("whole/priors.csv")).unwrap(),
        "path,from,to,scale\nlearning.experience,0.01,0.3,log\nlearning.trust,0.01,0.3,log\n"
    );

    // Every run of the search has its own streams: no particle shares the
    // noise of another, of another generation, or of the truth run.
    let mut keys = std::collections::BTreeSet::new();
    let mut runs = 0;
    for manifest in [
        "truth/manifest.json",
        "whole/generations/g00/manifest.json",
        "whole/generations/g01/manifest.json",
    ] {
        let text = std::fs::read_to_string(dir.join(manifest)).unwrap();
        for key in text.split("\"stream_key\":").skip(1) {
            keys.insert(key.split('"').nth(1).unwrap().to_string());
            runs += 1;
        }
    }
    assert!(runs > 200, "{runs} runs read");
    assert_eq!(keys.len(), runs, "runs share stream keys");

    // The calibrated scenario loads, and sets the medians.
    let calibrated = dir.join("whole/calibrated.toml");
    let output = succession(dir, &["check", &calibrated.display().to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let written = std::fs::read_to_string(&calibrated).unwrap();
    for (path, pairs) in last_generation(&dir.join("whole")) {
        let median = succession::study::abc::weighted_quantile(&pairs, 0.5);
        assert!(
            written.contains(&format!("{path} = {median}")),
            "{path}: {written}"
        );
    }

    // Killed while generation 1 runs, then resumed: the same files.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_succession"))
        .args(search_args(&scenario, &targets_arg, "killed"))
        .current_dir(dir)
        .spawn()
        .unwrap();
    let started = dir.join("killed/generations/g01/manifest.json");
    while !started.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the search ended before it was killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.join("killed/posterior.csv").exists());
    let mut resume = search_args(&scenario, &targets_arg, "killed");
    resume.push("--resume");
    let output = succession(dir, &resume);
    assert!(output.status.success(), "{}", stderr(&output));
    for file in [
        "posterior.csv",
        "priors.csv",
        "calibrated.toml",
        "report.md",
        "charts/posterior_marginals.png",
        "charts/posterior_marginals.svg",
        "charts/posterior_pairs.png",
        "charts/posterior_pairs.svg",
    ] {
        assert_eq!(
            std::fs::read(dir.join("whole").join(file)).unwrap(),
            std::fs::read(dir.join("killed").join(file)).unwrap(),
            "{file} after a kill and --resume"
        );
    }
}

/// A search's bad input is one line naming the targets file, line, column
/// and key, with exit code 2, and nothing is written.
#[test]
fn bad_searches_are_one_line_with_exit_code_2_and_write_nothing() {
    let good = "[search]\nmethod = \"abc-smc\"\nparticles = 10\ngenerations = 2\n\n\
                [search.parameters]\n\"learning.experience\" = { from = 0.01, to = 0.3 }\n\n\
                [[target]]\nname = \"t\"\nmetric = \"mean_trust\"\nyears = 2000\n\
                value = 0.8\nsd = 0.01\nsource = \"test\"\n";
    let cases = [
        (
            "no [search]",
            good[good.find("[[target]]").unwrap()..].to_string(),
            "no [search] section",
        ),
        (
            "unknown path",
            good.replace("learning.experience", "learning.experiense"),
            "targets.toml:7:1: search.parameters.\"learning.experiense\"",
        ),
        (
            "prior end the scenario refuses",
            good.replace("to = 0.3", "to = 3.0"),
            "targets.toml:7:1: search.parameters.\"learning.experience\": the scenario does not take the prior's upper end",
        ),
        (
            "log prior from 0",
            good.replace(
                "from = 0.01, to = 0.3",
                "from = 0.0, to = 0.3, scale = \"log\"",
            ),
            "targets.toml:7:1: search.parameters.\"learning.experience\": a log-scale prior needs from > 0",
        ),
        (
            "value without sd",
            good.replace("sd = 0.01\n", ""),
            "targets.toml:10:8: target \"t\": a search needs the sd",
        ),
        (
            "one particle",
            good.replace("particles = 10", "particles = 1"),
            "targets.toml:3:1: search.particles",
        ),
        (
            "unknown method",
            good.replace("abc-smc", "mcmc"),
            "targets.toml:2:1: search.method: unknown method \"mcmc\"",
        ),
        (
            "a column the runs do not write",
            good.replace("metric = \"mean_trust\"", "metric = \"mean_trusst\""),
            "target \"t\": the runs write no column \"mean_trusst\"",
        ),
        (
            "set names replicates",
            good.replace(
                "generations = 2\n",
                "generations = 2\nset = { replicates = 3 }\n",
            ),
            "search.set: \"replicates\": the search sets it",
        ),
        (
            "a value that is no number",
            good.replace("value = 0.8", "value = inf"),
            "targets.toml:10:8: target \"t\": value must be a finite number",
        ),
        (
            "a log prior of no width",
            good.replace(
                "from = 0.01, to = 0.3",
                "from = 1000.0, to = 1000.0000000000001, scale = \"log\"",
            ),
            "too narrow or too wide",
        ),
    ];
    let scenario = root()
        .join("tests/scenarios/search/small.toml")
        .display()
        .to_string();
    let mut failures = Vec::new();
    for (name, text, expect) in cases {
        let scratch = tempfile::tempdir().unwrap();
        std::fs::write(scratch.path().join("targets.toml"), text).unwrap();
        let output = succession(
            scratch.path(),
            &search_args(&scenario, "targets.toml", "out"),
        );
        let message = stderr(&output);
        if output.status.code() != Some(2)
            || message.lines().count() != 1
            || !message.contains(expect)
        {
            failures.push(format!(
                "{name}: exit {:?}: {message}",
                output.status.code()
            ));
        }
        if scratch.path().join("out").exists() {
            failures.push(format!("{name}: wrote out/"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // A folder the search did not make is never written, --force or not.
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("targets.toml"), good).unwrap();
    std::fs::create_dir(scratch.path().join("out")).unwrap();
    std::fs::write(scratch.path().join("out/report.md"), "my notes").unwrap();
    for flag in ["--force", "--resume"] {
        let mut args = search_args(&scenario, "targets.toml", "out");
        args.push(flag);
        let output = succession(scratch.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{flag}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("is no search folder"),
            "{}",
            stderr(&output)
        );
        assert_eq!(common::tree(&scratch.path().join("out")), ["report.md"]);
        assert_eq!(
            std::fs::read_to_string(scratch.path().join("out/report.md")).unwrap(),
            "my notes"
        );
    }
}
