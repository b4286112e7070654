//! Who replaced whom: `events.csv`, `transitions.csv` and
//! `trajectories.csv` agree with `timeseries.csv`, with each other and
//! with the roster, change no metric, and survive a sample, another thread
//! count, `--resume` and `merge` byte for byte.

mod common;

use common::{root, stderr, succession};
use std::collections::BTreeMap;
use std::path::Path;

/// (point, replicate, year, community, seat).
type SeatYear = (String, String, String, String, String);

/// A table read with the csv crate: header and rows of text cells.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let header = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        Table { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }
}

/// The version-2 baseline (pools, committee elections, shocks: every route
/// of entry and exit), small.
fn baseline_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        "scenarios/baseline.toml",
        "--set",
        "communities=300",
        "--set",
        "replicates=2",
        "--set",
        "end_year=2030",
        "--out",
        out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    args
}

fn run_ok(args: &[&str]) {
    let output = succession(&root(), args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Per (point, replicate, year), the count of each `kind` (the reason of
/// exits, the channel of entries) summed over `events.csv`.
fn event_counts(
    events: &Table,
    event: &str,
    by: &str,
) -> BTreeMap<(String, String, String, String), u64> {
    let (p, r, y, e, b) = (
        events.column("point"),
        events.column("replicate"),
        events.column("year"),
        events.column("event"),
        events.column(by),
    );
    let mut counts = BTreeMap::new();
    for row in &events.rows {
        if row[e] == event {
            *counts
                .entry((
                    row[p].clone(),
                    row[r].clone(),
                    row[y].clone(),
                    row[b].clone(),
                ))
                .or_insert(0) += 1;
        }
    }
    counts
}

/// With F = 1, exits by reason and entries by channel summed over the
/// events are exactly the `exits_<reason>` and `entries_<channel>` columns
/// of every year, under the committee rule and the seat rule.
#[test]
fn every_event_is_counted_once_in_the_timeseries() {
    for rule in ["committee", "seat"] {
        let dir = temp();
        let out = dir.path().join("run");
        let out = out.to_str().unwrap();
        let set = format!("elections.rule=\"{rule}\"");
        run_ok(&baseline_args(out, &["--events", "--set", &set]));
        let events = Table::read(&Path::new(out).join("events.csv"));
        let series = Table::read(&Path::new(out).join("timeseries.csv"));
        let exits = event_counts(&events, "exit", "reason");
        let entries = event_counts(&events, "entry", "channel");
        let mut routes = BTreeMap::new();
        for row in &events.rows {
            *routes
                .entry(row[events.column("route")].clone())
                .or_insert(0) += 1;
        }
        assert!(
            routes.get("election").copied().unwrap_or(0) > 0
                && routes.get("recruitment").copied().unwrap_or(0) > 0,
            "{rule}: both routes appear: {routes:?}"
        );
        let mut compared = 0;
        for row in &series.rows {
            let key = |name: &str| {
                (
                    row[series.column("point")].clone(),
                    row[series.column("replicate")].clone(),
                    row[series.column("year")].clone(),
                    name.to_string(),
                )
            };
            for (i, name) in series.header.iter().enumerate() {
                let counted = if let Some(reason) = name.strip_prefix("exits_") {
                    exits.get(&key(reason))
                } else if let Some(channel) = name.strip_prefix("entries_") {
                    entries.get(&key(channel))
                } else {
                    continue;
                };
                let expected: u64 = row[i].parse().unwrap();
                assert_eq!(
                    counted.copied().unwrap_or(0),
                    expected,
                    "{rule}: {name} in year {}",
                    row[series.column("year")]
                );
                compared += 1;
            }
        }
        assert!(compared > 1000, "{compared} cells compared");
        let total: u64 = exits.values().chain(entries.values()).sum();
        assert_eq!(
            total as usize,
            events.rows.len(),
            "every row is an exit or an entry"
        );
    }
}

/// Each year's hand-over matrix sums to the seats; its column margins are
/// the year's end (cohort shares and vacancy of `timeseries.csv`), its row
/// margins the previous year's end; and its off-diagonal cells are exactly
/// the seats whose first event of the year was an exit of `from` (or an
/// entry into a vacant seat) and whose last was an entry of `to` (or an
/// exit).
#[test]
fn the_handover_matrix_agrees_with_the_shares_and_the_events() {
    let dir = temp();
    let out = dir.path().join("run");
    let out = out.to_str().unwrap();
    run_ok(&baseline_args(out, &["--events"]));
    let transitions = Table::read(&Path::new(out).join("transitions.csv"));
    let series = Table::read(&Path::new(out).join("timeseries.csv"));
    let events = Table::read(&Path::new(out).join("events.csv"));
    assert_eq!(
        transitions.header,
        ["point", "replicate", "year", "from", "to", "seats"]
    );
    let holders = ["revolutionary", "experience", "knowledge", "vacant"];
    assert_eq!(transitions.rows.len(), series.rows.len() * 16);
    let mut seats_total = None;
    let mut previous_end: Option<[u64; 4]> = None;
    let mut previous_run = None;
    for (year_rows, ts) in transitions.rows.chunks(16).zip(&series.rows) {
        let mut matrix = [[0u64; 4]; 4];
        for (i, row) in year_rows.iter().enumerate() {
            assert_eq!(row[..3], ts[..3], "rows in (point, replicate, year) order");
            assert_eq!(
                (row[3].as_str(), row[4].as_str()),
                (holders[i / 4], holders[i % 4])
            );
            matrix[i / 4][i % 4] = row[5].parse().unwrap();
        }
        let sum: u64 = matrix.iter().flatten().sum();
        assert_eq!(
            *seats_total.get_or_insert(sum),
            sum,
            "every year counts every seat"
        );
        let column = |to: usize| (0..4).map(|from| matrix[from][to]).sum::<u64>();
        let row_sum = |from: usize| matrix[from].iter().sum::<u64>();
        let value = |name: &str| ts[series.column(name)].parse::<f64>().unwrap();
        let seats = sum as f64;
        let seated = seats * (1.0 - value("vacancy_rate"));
        assert_eq!(column(3), (seats * value("vacancy_rate")).round() as u64);
        for (c, cohort) in holders[..3].iter().enumerate() {
            let share = ts[series.column(&format!("share_{cohort}"))]
                .parse::<f64>()
                .unwrap_or(0.0);
            assert_eq!(
                column(c),
                (share * seated).round() as u64,
                "{cohort} at year end"
            );
        }
        let run = (ts[0].clone(), ts[1].clone());
        match previous_end {
            Some(end) if previous_run.as_ref() == Some(&run) => {
                for (from, &count) in end.iter().enumerate() {
                    assert_eq!(row_sum(from), count, "a year starts as the last ended");
                }
            }
            _ => {
                assert_eq!(row_sum(3), sum, "a run starts with every seat vacant");
            }
        }
        previous_end = Some([0, 1, 2, 3].map(column));
        previous_run = Some(run);
    }

    // Off the diagonal, from the events alone.
    let index = |name: &str| holders.iter().position(|h| *h == name).unwrap();
    let mut from_events: BTreeMap<(String, String, String), [[u64; 4]; 4]> = BTreeMap::new();
    let mut seat_years: BTreeMap<SeatYear, (usize, usize)> = BTreeMap::new();
    let col = |name: &str| events.column(name);
    for row in &events.rows {
        let key = (
            row[col("point")].clone(),
            row[col("replicate")].clone(),
            row[col("year")].clone(),
            row[col("community")].clone(),
            row[col("seat")].clone(),
        );
        let cohort = index(&row[col("cohort")]);
        let exit = row[col("event")] == "exit";
        match seat_years.get_mut(&key) {
            None => {
                let pair = if exit { (cohort, 3) } else { (3, cohort) };
                seat_years.insert(key, pair);
            }
            Some(pair) => {
                assert!(
                    !exit && pair.1 == 3,
                    "one exit then one entry per seat-year: {key:?}"
                );
                pair.1 = cohort;
            }
        }
    }
    for ((p, r, y, _, _), (from, to)) in seat_years {
        if from != to {
            from_events.entry((p, r, y)).or_default()[from][to] += 1;
        }
    }
    for year_rows in transitions.rows.chunks(16) {
        let key = (
            year_rows[0][0].clone(),
            year_rows[0][1].clone(),
            year_rows[0][2].clone(),
        );
        let counted = from_events.get(&key).copied().unwrap_or_default();
        for (i, row) in year_rows.iter().enumerate() {
            if i / 4 != i % 4 {
                assert_eq!(
                    row[5].parse::<u64>().unwrap(),
                    counted[i / 4][i % 4],
                    "{key:?} {row:?}"
                );
            }
        }
    }
}

/// A sample keeps exactly the sampled communities' events of the full
/// record, the same communities in every replicate; recording changes no
/// metric; and the files do not depend on the thread count.
#[test]
fn a_sample_is_the_full_record_of_its_communities_and_changes_nothing_else() {
    let dir = temp();
    let full = dir.path().join("full");
    let sample = dir.path().join("sample");
    let plain = dir.path().join("plain");
    let full_s = full.to_str().unwrap();
    run_ok(&baseline_args(
        full_s,
        &["--events", "--trajectories", "5", "--threads", "2"],
    ));
    run_ok(&baseline_args(
        sample.to_str().unwrap(),
        &["--events", "--events-sample", "0.1", "--threads", "1"],
    ));
    run_ok(&baseline_args(plain.to_str().unwrap(), &[]));
    let read = |dir: &Path, name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in ["timeseries.csv", "runs.csv", "transitions.csv"] {
        assert!(
            read(&full, name) == read(&plain, name),
            "{name} changed by recording"
        );
    }
    let events = Table::read(&full.join("events.csv"));
    let kept = Table::read(&sample.join("events.csv"));
    let community = events.column("community");
    let sampled = |index: u64| ((index + 1) as f64 * 0.1).floor() > (index as f64 * 0.1).floor();
    let expected: Vec<&Vec<String>> = events
        .rows
        .iter()
        .filter(|row| sampled(row[community].parse().unwrap()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(kept.rows.iter().collect::<Vec<_>>(), expected);
    let communities = |table: &Table, replicate: &str| {
        let mut set: Vec<&str> = table
            .rows
            .iter()
            .filter(|row| row[1] == replicate)
            .map(|row| row[community].as_str())
            .collect();
        set.sort();
        set.dedup();
        set.into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(communities(&kept, "0"), communities(&kept, "1"));
    assert_eq!(communities(&kept, "0").len(), 30);

    // The same bytes on one thread.
    let one = dir.path().join("one");
    run_ok(&baseline_args(
        one.to_str().unwrap(),
        &["--events", "--trajectories", "5", "--threads", "1"],
    ));
    for name in ["events.csv", "trajectories.csv", "transitions.csv"] {
        assert!(
            read(&full, name) == read(&one, name),
            "{name} depends on the thread count"
        );
    }
}

/// A trajectory's seats by cohort at a snapshot year are the roster's, its
/// mean skills the roster's means; both kinds of community appear.
#[test]
fn trajectories_agree_with_the_roster() {
    let dir = temp();
    let out = dir.path().join("run");
    let out_s = out.to_str().unwrap();
    run_ok(&baseline_args(
        out_s,
        &["--trajectories", "4", "--snapshot", "2000"],
    ));
    let trajectories = Table::read(&out.join("trajectories.csv"));
    let roster = Table::read(&out.join("roster_2000.csv"));
    let t = |name: &str| trajectories.column(name);
    let kinds: std::collections::BTreeSet<&str> = trajectories
        .rows
        .iter()
        .map(|r| r[t("kind")].as_str())
        .collect();
    assert_eq!(kinds.len(), 2, "urban and rural communities: {kinds:?}");
    let mut checked = 0;
    for row in trajectories.rows.iter().filter(|r| r[t("year")] == "2000") {
        let seats: Vec<&Vec<String>> = roster
            .rows
            .iter()
            .filter(|s| s[0] == row[0] && s[1] == row[1] && s[2] == row[t("community")])
            .collect();
        assert_eq!(row[t("seats")], seats.len().to_string());
        let seated: Vec<&&Vec<String>> = seats.iter().filter(|s| !s[5].is_empty()).collect();
        assert_eq!(row[t("filled")], seated.len().to_string());
        for cohort in ["revolutionary", "experience", "knowledge"] {
            let n = seated.iter().filter(|s| s[5] == cohort).count();
            assert_eq!(
                row[t(&format!("seats_{cohort}"))],
                n.to_string(),
                "{cohort}"
            );
        }
        let mean: f64 = seated
            .iter()
            .map(|s| s[9].parse::<f64>().unwrap())
            .sum::<f64>()
            / seated.len() as f64;
        let written: f64 = row[t("mean_knowledge")].parse().unwrap();
        assert!((written - mean).abs() < 1e-12, "{written} vs {mean}");
        checked += 1;
    }
    assert_eq!(checked, 2 * 4);
}

/// Events, transitions and trajectories come back byte-identical after
/// `--resume` added replicates, and after merging shards.
#[test]
fn recorded_files_survive_resume_and_merge() {
    let dir = temp();
    let whole = dir.path().join("whole");
    let resumed = dir.path().join("resumed");
    let flags = ["--events", "--events-sample", "0.2", "--trajectories", "3"];
    let mut args = baseline_args(whole.to_str().unwrap(), &flags);
    args.extend(["--set", "replicates=3"]);
    run_ok(&args);
    run_ok(&baseline_args(resumed.to_str().unwrap(), &flags));
    let mut more = baseline_args(resumed.to_str().unwrap(), &flags);
    more.extend(["--set", "replicates=3", "--resume"]);
    run_ok(&more);
    let names = [
        "events.csv",
        "transitions.csv",
        "trajectories.csv",
        "timeseries.csv",
    ];
    let read = |dir: &Path, name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in names {
        assert!(
            read(&whole, name) == read(&resumed, name),
            "{name} after --resume"
        );
    }

    let mut shards = Vec::new();
    for i in 0..2 {
        let shard = dir.path().join(format!("shard{i}"));
        let index = format!("{i}/2");
        let mut args = baseline_args(shard.to_str().unwrap(), &flags);
        args.extend(["--set", "replicates=3", "--shard", &index]);
        run_ok(&args);
        shards.push(shard);
    }
    let merged = dir.path().join("merged");
    let output = succession(
        &root(),
        &[
            "merge",
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    for name in names {
        assert!(
            read(&whole, name) == read(&merged, name),
            "{name} after merge"
        );
    }
    // A resume must record what the folder records: other flags are another study.
    let mut other = baseline_args(resumed.to_str().unwrap(), &["--events"]);
    other.extend(["--set", "replicates=3", "--resume"]);
    let output = succession(&root(), &other);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// A run whose sampled communities have no event has no rows in
/// `events.csv`; shards holding such runs still merge into the files of the
/// whole run. (One community of 300, a year from the 2025 roster: three of
/// the four replicates see no event there.)
#[test]
fn runs_without_events_merge() {
    let dir = temp();
    let args = |out: &Path, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "run",
            "scenarios/policy-2025.toml",
            "--set",
            "communities=300",
            "--set",
            "replicates=4",
            "--set",
            "end_year=2026",
            "--set",
            "policy_window=[2026, 2026]",
            "--events",
            "--events-sample",
            "0.0034",
            "--quiet",
            "--out",
        ]
        .map(String::from)
        .to_vec();
        args.push(out.to_str().unwrap().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run = |v: Vec<String>| run_ok(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let whole = dir.path().join("whole");
    run(args(&whole, &[]));
    let events = Table::read(&whole.join("events.csv"));
    let replicates: std::collections::BTreeSet<&str> =
        events.rows.iter().map(|r| r[1].as_str()).collect();
    assert!(
        !events.rows.is_empty() && replicates.len() < 4,
        "some replicate has no event: {replicates:?}"
    );
    let shards: Vec<_> = (0..2).map(|i| dir.path().join(format!("s{i}"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        run(args(shard, &["--shard", &format!("{i}/2")]));
    }
    let merged = dir.path().join("merged");
    let output = succession(
        &root(),
        &[
            "merge",
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    for name in ["events.csv", "transitions.csv", "timeseries.csv"] {
        assert!(
            std::fs::read(whole.join(name)).unwrap() == std::fs::read(merged.join(name)).unwrap(),
            "{name} after merge"
        );
    }
}

/// A fraction outside (0, 1], one that keeps no community (0.003 of 300),
/// or a sample without `--events`, is bad input: exit 2, one line, nothing
/// written.
#[test]
fn a_bad_sample_is_refused_before_anything_is_written() {
    for flags in [
        vec!["--events", "--events-sample", "0"],
        vec!["--events", "--events-sample", "1.5"],
        vec!["--events", "--events-sample", "x"],
        vec!["--events-sample", "0.5"],
        vec!["--events", "--events-sample", "0.003"],
        vec!["--trajectories", "0"],
    ] {
        let dir = temp();
        let out = dir.path().join("run");
        let output = succession(&root(), &baseline_args(out.to_str().unwrap(), &flags));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{flags:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists(), "{flags:?} wrote {out:?}");
    }
}
