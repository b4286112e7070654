//! The summary's trough window and statistics over replicates (MODEL.md
//! sections 7.2 and 7.7), `communities` with a roster (section 6), and the
//! did-you-mean warning for a new channel named like an inherited one.

mod common;

use common::{root, scenario, stderr, stdout, succession};
use std::collections::BTreeMap;
use std::path::Path;

fn policy() -> String {
    root()
        .join("scenarios/policy-2025.toml")
        .display()
        .to_string()
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The rows of a CSV text as maps from column to cell.
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .zip(line.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

fn run(dir: &Path, args: &[&str]) {
    let out = dir.join("out");
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap(), "--quiet"]);
    let output = succession(dir, &all);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Per replicate, the earliest lowest `capacity_mean` within `[from, to]`.
fn troughs(timeseries: &str, from: i32, to: i32) -> Vec<(f64, i32)> {
    let mut best: BTreeMap<u32, (f64, i32)> = BTreeMap::new();
    for row in rows(timeseries) {
        let year: i32 = row["year"].parse().unwrap();
        if year < from || year > to {
            continue;
        }
        let r: u32 = row["replicate"].parse().unwrap();
        let v: f64 = row["capacity_mean"].parse().unwrap();
        let entry = best.entry(r).or_insert((v, year));
        if v < entry.0 {
            *entry = (v, year);
        }
    }
    best.into_values().collect()
}

#[test]
fn a_roster_run_searches_its_trough_over_every_year() {
    // Seeded from 2025, the run needs no burn-in: the trough is the lowest
    // year of the whole run, so never above the policy window's mean
    // (the window is the whole run). Searched only after the burn-in, it
    // came out late (2060) and above that mean.
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            &policy(),
            "--set",
            "communities=100",
            "--set",
            "replicates=3",
        ],
    );
    let out = scratch.path().join("out");
    let expected = troughs(&read(out.join("timeseries.csv")), 2026, 2060);
    let runs = rows(&read(out.join("runs.csv")));
    assert_eq!(runs.len(), 3);
    for (run, (capacity, year)) in runs.iter().zip(&expected) {
        assert_eq!(run["trough_capacity"].parse::<f64>().unwrap(), *capacity);
        assert_eq!(run["trough_year"].parse::<i32>().unwrap(), *year);
        let policy: f64 = run["policy_capacity"].parse().unwrap();
        assert!(*capacity <= policy, "{run:?}");
    }
    assert!(
        expected.iter().any(|&(_, year)| year < 2036),
        "the test needs a trough inside the old burn-in: {expected:?}"
    );
}

#[test]
fn a_given_trough_window_is_searched() {
    let scratch = tempfile::tempdir().unwrap();
    let small = scenario("cli/small.toml").display().to_string();
    run(
        scratch.path(),
        &[
            &small,
            "--set",
            "communities=100",
            "--set",
            "observe.trough_window=[1990, 2000]",
        ],
    );
    let out = scratch.path().join("out");
    let expected = troughs(&read(out.join("timeseries.csv")), 1990, 2000);
    for (run, (capacity, year)) in rows(&read(out.join("runs.csv"))).iter().zip(&expected) {
        assert_eq!(run["trough_capacity"].parse::<f64>().unwrap(), *capacity);
        assert_eq!(run["trough_year"].parse::<i32>().unwrap(), *year);
    }
}

#[test]
fn summary_reports_sd_p10_and_the_trough_years_order_statistics() {
    let scratch = tempfile::tempdir().unwrap();
    let small = scenario("cli/small.toml").display().to_string();
    run(
        scratch.path(),
        &[&small, "--set", "communities=60", "--set", "replicates=4"],
    );
    let out = scratch.path().join("out");
    let summary = read(out.join("summary.csv"));
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    assert_eq!(at("trough_year_mean"), None);
    assert_eq!(at("trough_year_lo"), None);
    assert_eq!(at("trough_year_sd"), None);
    let trough = at("trough_year_median").unwrap();
    assert_eq!(
        &header[trough..trough + 3],
        ["trough_year_median", "trough_year_min", "trough_year_max"]
    );
    let policy = at("policy_capacity_mean").unwrap();
    assert_eq!(
        &header[policy..policy + 5],
        [
            "policy_capacity_mean",
            "policy_capacity_lo",
            "policy_capacity_hi",
            "policy_capacity_sd",
            "policy_capacity_p10"
        ]
    );
    assert!(at("final_capacity_sd").is_some() && at("final_capacity_p10").is_none());

    let runs = rows(&read(out.join("runs.csv")));
    let row = &rows(&summary)[0];
    let mut years: Vec<i32> = runs
        .iter()
        .map(|r| r["trough_year"].parse().unwrap())
        .collect();
    years.sort_unstable();
    // The lower median of four values is the second.
    assert_eq!(row["trough_year_median"], years[1].to_string());
    assert_eq!(row["trough_year_min"], years[0].to_string());
    assert_eq!(row["trough_year_max"], years[3].to_string());

    let mut policy: Vec<f64> = runs
        .iter()
        .map(|r| r["policy_capacity"].parse().unwrap())
        .collect();
    let mean = policy.iter().sum::<f64>() / 4.0;
    let sd = (policy.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    let close = |cell: &str, want: f64| {
        let got: f64 = row[cell].parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{cell}: {got} vs {want}"
        );
    };
    close("policy_capacity_sd", sd);
    policy.sort_by(f64::total_cmp);
    // numpy's linear percentile: h = 3 * 0.1 = 0.3.
    close(
        "policy_capacity_p10",
        policy[0] + 0.3 * (policy[1] - policy[0]),
    );
}

#[test]
fn one_replicate_leaves_sd_and_p10_empty() {
    let scratch = tempfile::tempdir().unwrap();
    let small = scenario("cli/small.toml").display().to_string();
    run(
        scratch.path(),
        &[&small, "--set", "communities=60", "--set", "replicates=1"],
    );
    let out = scratch.path().join("out");
    let row = &rows(&read(out.join("summary.csv")))[0];
    let run = &rows(&read(out.join("runs.csv")))[0];
    for cell in [
        "final_capacity_sd",
        "policy_capacity_sd",
        "policy_capacity_p10",
        "final_capacity_lo",
    ] {
        assert_eq!(row[cell], "", "{cell}");
    }
    assert_eq!(row["trough_year_median"], run["trough_year"]);
    assert_eq!(row["trough_year_min"], run["trough_year"]);
    assert_eq!(row["trough_year_max"], run["trough_year"]);
}

#[test]
fn communities_takes_the_first_n_of_the_roster_and_the_manifest_says_so() {
    let scratch = tempfile::tempdir().unwrap();
    let check = succession(
        scratch.path(),
        &["check", &policy(), "--set", "communities=100"],
    );
    assert!(check.status.success(), "{}", stderr(&check));
    let text = stdout(&check);
    assert!(text.lines().any(|l| l == "communities = 100"), "{text}");
    assert!(text.contains("each run takes its first 100"), "{text}");
    assert!(text.contains("100 communities per run"), "{text}");
    assert!(
        !text.contains("`communities` and `urban_share` are ignored"),
        "{text}"
    );

    run(
        scratch.path(),
        &[
            &policy(),
            "--set",
            "communities=100",
            "--set",
            "replicates=1",
            "--snapshot",
            "2026",
        ],
    );
    let out = scratch.path().join("out");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["scenario"]["communities"], 100);
    // The first 100 communities of the roster, in its order.
    let roster = rows(&read(out.join("roster_2026.csv")));
    let communities: std::collections::BTreeSet<u32> = roster
        .iter()
        .map(|r| r["community"].parse().unwrap())
        .collect();
    assert_eq!(communities, (0..100).collect());
    let seed = rows(&read(root().join("seeds/baseline-2025.csv")));
    let seats = seed
        .iter()
        .filter(|r| r["community"].parse::<u32>().unwrap() < 100)
        .count();
    assert_eq!(roster.len(), seats);
}

#[test]
fn without_communities_a_roster_run_is_the_roster_size() {
    // policy-2025 inherits `communities = 10000` from the baseline, written
    // for runs from vacant seats; a survey roster of another size replaces
    // the seed file without restating it.
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let text = read(root().join("seeds/baseline-2025.csv"));
    let mut small = String::new();
    for (i, line) in text.lines().enumerate() {
        let community = line.split(',').nth(2).unwrap();
        if i == 0 || community.parse::<u32>().unwrap() < 40 {
            small.push_str(line);
            small.push('\n');
        }
    }
    std::fs::write(dir.join("survey.csv"), small).unwrap();
    std::fs::write(
        dir.join("survey.toml"),
        format!(
            "extends = {:?}\n[init]\nroster = \"survey.csv\"\n",
            policy()
        ),
    )
    .unwrap();
    let check = succession(dir, &["check", "survey.toml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let text = stdout(&check);
    assert!(text.lines().any(|l| l == "communities = 40"), "{text}");
    assert!(text.contains("40 communities per run"), "{text}");
}

#[test]
fn a_new_channel_named_like_an_inherited_one_is_warned_about() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let small = scenario("cli/small.toml").display().to_string();
    let table = "[channels.schol]\ncohort = \"knowledge\"\nsupply = 0.5\n";
    std::fs::write(
        dir.join("typo.toml"),
        format!("extends = {small:?}\n{table}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("meant.toml"),
        format!("extends = {small:?}\n{table}new = true\n"),
    )
    .unwrap();
    let warning = "warning: channels.schol: a new channel; did you mean channels.school? add new = true to the table to silence this\n";
    let check = succession(dir, &["check", "typo.toml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(stderr(&check), warning);
    // It is a seventh channel all the same.
    assert!(stdout(&check).contains("[channels.schol]"));
    let out = dir.join("out");
    let args = [
        "run",
        "typo.toml",
        "--set",
        "communities=20",
        "--set",
        "replicates=1",
        "--set",
        "end_year=1960",
        "--quiet",
        "--out",
    ];
    let mut args: Vec<&str> = args.to_vec();
    args.push(out.to_str().unwrap());
    let run = succession(dir, &args);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(stderr(&run), warning);

    let check = succession(dir, &["check", "meant.toml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(stderr(&check), "");
    // A name far from every inherited one is no typo.
    std::fs::write(
        dir.join("far.toml"),
        format!(
            "extends = {small:?}\n[channels.university]\ncohort = \"knowledge\"\nsupply = 0.5\n"
        ),
    )
    .unwrap();
    let check = succession(dir, &["check", "far.toml"]);
    assert_eq!(stderr(&check), "");
}
