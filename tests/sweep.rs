//! Sweeps through the real binary: designs, output files, common random
//! numbers, interval coverage, resume after SIGKILL, shards and merge.

mod common;

use common::{data_tree, scenario, stderr, succession};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// The CSV files a finished sweep folder holds.
const CSV_FILES: [&str; 5] = [
    "points.csv",
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "transitions.csv",
];

fn assert_same_csv(a: &Path, b: &Path) {
    for file in CSV_FILES {
        assert!(
            bytes(a.join(file)) == bytes(b.join(file)),
            "{file} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn grid_sweep_writes_points_timeseries_runs_and_summary() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &["run", &sweep_file("grid.toml"), "--out", "g", "--quiet"],
    );
    let dir = scratch.path().join("g");
    assert_eq!(
        data_tree(&dir),
        vec![
            "datapackage.json",
            "manifest.json",
            "points.csv",
            "runs.csv",
            "summary.csv",
            "timeseries.csv",
            "transitions.csv"
        ]
    );
    assert_eq!(
        read(dir.join("points.csv")),
        "point,channels.enterprise.supply.scale,mentoring.rate\n\
         0,0.5,0.0\n1,0.5,0.1\n2,0.5,0.2\n3,1.0,0.0\n4,1.0,0.1\n5,1.0,0.2\n6,2.0,0.0\n7,2.0,0.1\n8,2.0,0.2\n"
    );
    let timeseries = read(dir.join("timeseries.csv"));
    assert_eq!(timeseries.lines().count(), 1 + 9 * 3 * 42);
    let runs = read(dir.join("runs.csv"));
    assert_eq!(runs.lines().count(), 1 + 9 * 3);
    let summary = read(dir.join("summary.csv"));
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..4],
        &[
            "point",
            "channels.enterprise.supply.scale",
            "mentoring.rate",
            "replicates"
        ]
    );
    for stat in ["median", "min", "max"] {
        assert!(header.contains(&format!("trough_year_{stat}").as_str()));
    }
    for figure in [
        "final_capacity",
        "trough_capacity",
        "policy_capacity",
        "final_vacancy_rate",
    ] {
        for stat in ["mean", "lo", "hi", "sd"] {
            assert!(
                header.contains(&format!("{figure}_{stat}").as_str()),
                "{figure}_{stat}"
            );
        }
    }
    assert_eq!(summary.lines().count(), 1 + 9);
    // Every interval contains its mean.
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    for line in summary.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[col("replicates")], "3");
        let mean: f64 = cells[col("final_capacity_mean")].parse().unwrap();
        let lo: f64 = cells[col("final_capacity_lo")].parse().unwrap();
        let hi: f64 = cells[col("final_capacity_hi")].parse().unwrap();
        assert!(lo <= mean && mean <= hi, "{line}");
    }
}

#[test]
fn zip_lhs_and_table_designs_give_their_points() {
    let scratch = tempfile::tempdir().unwrap();
    for (file, n_points) in [("zip.toml", 3), ("lhs.toml", 6), ("table.toml", 3)] {
        run(
            scratch.path(),
            &["run", &sweep_file(file), "--out", file, "--quiet"],
        );
        let points = read(scratch.path().join(file).join("points.csv"));
        assert_eq!(points.lines().count(), 1 + n_points, "{file}: {points}");
    }
    assert_eq!(
        read(scratch.path().join("table.toml/points.csv")),
        "point,mentoring.rate,mentoring.window\n0,0.0,5.0\n1,0.1,3.0\n2,0.3,8.0\n"
    );
    // The LHS design is drawn from the scenario seed: the same again.
    run(
        scratch.path(),
        &["run", &sweep_file("lhs.toml"), "--out", "lhs2", "--quiet"],
    );
    assert_eq!(
        bytes(scratch.path().join("lhs.toml/points.csv")),
        bytes(scratch.path().join("lhs2/points.csv"))
    );
}

#[test]
fn a_point_of_a_common_seed_sweep_equals_that_point_run_alone() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("grid.toml"),
            "--out",
            "g",
            "--quiet",
            "--threads",
            "2",
        ],
    );
    // Point 5 is enterprise scale 1, mentoring 0.2.
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("base.toml"),
            "--out",
            "alone",
            "--quiet",
            "--threads",
            "1",
            "--set",
            "channels.enterprise.supply.scale=1",
            "--set",
            "mentoring.rate=0.2",
        ],
    );
    let sweep_rows: Vec<String> = read(scratch.path().join("g/timeseries.csv"))
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("5,"))
        .map(|l| l.split_once(',').unwrap().1.to_string())
        .collect();
    let alone_rows: Vec<String> = read(scratch.path().join("alone/timeseries.csv"))
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1.to_string())
        .collect();
    assert_eq!(sweep_rows.len(), 3 * 42);
    assert_eq!(sweep_rows, alone_rows);
}

#[test]
fn independent_seeds_give_each_point_its_own_streams() {
    let scratch = tempfile::tempdir().unwrap();
    let zip = sweep_file("zip.toml");
    let rows_of = |dir: &str, point: &str| -> Vec<String> {
        read(scratch.path().join(dir).join("timeseries.csv"))
            .lines()
            .filter(|l| l.starts_with(&format!("{point},")))
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect()
    };
    run(
        scratch.path(),
        &[
            "run",
            &zip,
            "--out",
            "independent",
            "--quiet",
            "--set",
            "seeds=\"independent\"",
        ],
    );
    run(scratch.path(), &["run", &zip, "--out", "common", "--quiet"]);
    // Point 0 has different keys under independent seeds: its rows differ.
    assert_ne!(rows_of("independent", "0"), rows_of("common", "0"));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(scratch.path().join("independent/manifest.json"))).unwrap();
    let keys: Vec<&str> = manifest["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stream_key"].as_str().unwrap())
        .collect();
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        keys.len(),
        "every run of an independent sweep has its own key"
    );
}

#[test]
fn sweep_output_does_not_depend_on_the_thread_count() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("grid.toml"),
            "--out",
            "t1",
            "--quiet",
            "--threads",
            "1",
        ],
    );
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("grid.toml"),
            "--out",
            "t2",
            "--quiet",
            "--threads",
            "2",
        ],
    );
    assert_same_csv(&scratch.path().join("t1"), &scratch.path().join("t2"));
}

/// Coverage of the 95% interval on a case with a known answer (see
/// tests/scenarios/sweep/coverage.toml): 40 independent points, each an
/// independent trial of whether the interval of `final_vacancy_rate` covers
/// the stationary vacancy rate. With true coverage 0.95 the number covering
/// is Binomial(40, 0.95); P(X <= 32) = 0.0007, so requiring at least 33
/// fails by chance less than once in a thousand runs, while an interval
/// that ignored the t quantile (z with n = 5 covers about 88%) or the
/// sampling error would fail far more often.
#[test]
fn intervals_cover_the_known_stationary_vacancy_rate() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &["run", &sweep_file("coverage.toml"), "--out", "c", "--quiet"],
    );
    let (h, f) = (0.2_f64, 1.0 - (-1.5_f64).exp());
    let truth = h * (1.0 - f) / (h * (1.0 - f) + f);
    let summary = read(scratch.path().join("c/summary.csv"));
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let mut covered = 0;
    let mut n = 0;
    for line in summary.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let lo: f64 = cells[col("final_vacancy_rate_lo")].parse().unwrap();
        let hi: f64 = cells[col("final_vacancy_rate_hi")].parse().unwrap();
        covered += usize::from(lo <= truth && truth <= hi);
        n += 1;
    }
    assert_eq!(n, 40);
    assert!(covered >= 33, "{covered} of 40 intervals cover {truth}");
}

fn spawn_and_kill(cwd: &Path, args: &[&str], after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_succession"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    // SIGKILL: no chance to clean up.
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_sweep_killed_at_any_moment_resumes_to_identical_files() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("resume.toml");
    run(
        scratch.path(),
        &[
            "run",
            &file,
            "--out",
            "whole",
            "--quiet",
            "--snapshot",
            "2000",
        ],
    );
    for (i, millis) in [50u64, 300, 800, 1500].into_iter().enumerate() {
        let out = format!("killed{i}");
        spawn_and_kill(
            scratch.path(),
            &[
                "run",
                &file,
                "--out",
                &out,
                "--quiet",
                "--snapshot",
                "2000",
                "--threads",
                "1",
            ],
            Duration::from_millis(millis),
        );
        run(
            scratch.path(),
            &[
                "run",
                &file,
                "--out",
                &out,
                "--quiet",
                "--snapshot",
                "2000",
                "--resume",
            ],
        );
        assert_same_csv(&scratch.path().join("whole"), &scratch.path().join(&out));
        assert_eq!(
            bytes(scratch.path().join("whole/roster_2000.csv")),
            bytes(scratch.path().join(&out).join("roster_2000.csv"))
        );
        assert_eq!(
            data_tree(&scratch.path().join(&out)),
            vec![
                "datapackage.json",
                "manifest.json",
                "points.csv",
                "roster_2000.csv",
                "runs.csv",
                "summary.csv",
                "timeseries.csv",
                "transitions.csv"
            ]
        );
    }
}

#[test]
fn raising_replicates_and_resuming_equals_running_them_all() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("grid.toml");
    run(
        scratch.path(),
        &[
            "run",
            &file,
            "--out",
            "grown",
            "--quiet",
            "--set",
            "replicates=2",
        ],
    );
    run(
        scratch.path(),
        &[
            "run",
            &file,
            "--out",
            "grown",
            "--quiet",
            "--set",
            "replicates=4",
            "--resume",
        ],
    );
    run(
        scratch.path(),
        &[
            "run",
            &file,
            "--out",
            "full",
            "--quiet",
            "--set",
            "replicates=4",
        ],
    );
    assert_same_csv(&scratch.path().join("grown"), &scratch.path().join("full"));
}

#[test]
fn resume_refuses_a_folder_from_another_scenario() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &["run", &sweep_file("grid.toml"), "--out", "g", "--quiet"],
    );
    let before = bytes(scratch.path().join("g/timeseries.csv"));
    let output = succession(
        scratch.path(),
        &[
            "run",
            &sweep_file("zip.toml"),
            "--out",
            "g",
            "--quiet",
            "--resume",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("different scenario"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, bytes(scratch.path().join("g/timeseries.csv")));
}

#[test]
fn shards_merge_into_exactly_the_whole_sweep() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("grid.toml");
    run(
        scratch.path(),
        &[
            "run",
            &file,
            "--out",
            "whole",
            "--quiet",
            "--snapshot",
            "1980",
        ],
    );
    let mut shards = Vec::new();
    for i in 0..4 {
        let out = format!("shard{i}");
        run(
            scratch.path(),
            &[
                "run",
                &file,
                "--out",
                &out,
                "--quiet",
                "--snapshot",
                "1980",
                "--shard",
                &format!("{i}/4"),
            ],
        );
        shards.push(out);
    }
    // Shards are balanced: 27 runs split 7, 7, 7, 6.
    let n_runs: Vec<usize> = shards
        .iter()
        .map(|s| {
            read(scratch.path().join(s).join("runs.csv"))
                .lines()
                .count()
                - 1
        })
        .collect();
    assert_eq!(n_runs, vec![7, 7, 7, 6]);
    let mut args = vec!["merge"];
    // Any order of shard folders.
    args.extend(shards.iter().rev().map(String::as_str));
    args.extend(["--out", "merged"]);
    run(scratch.path(), &args);
    assert_same_csv(
        &scratch.path().join("whole"),
        &scratch.path().join("merged"),
    );
    assert_eq!(
        bytes(scratch.path().join("whole/roster_1980.csv")),
        bytes(scratch.path().join("merged/roster_1980.csv"))
    );
}

#[test]
fn slurm_array_variables_select_the_shard() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("grid.toml");
    let output = Command::new(env!("CARGO_BIN_EXE_succession"))
        .args(["run", &file, "--out", "s1", "--quiet"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(scratch.path().join("s1/manifest.json"))).unwrap();
    assert_eq!(manifest["shard"]["index"], 1);
    assert_eq!(manifest["shard"]["count"], 3);
    assert_eq!(
        read(scratch.path().join("s1/runs.csv")).lines().count() - 1,
        9
    );
}

#[test]
fn merge_refuses_missing_duplicated_foreign_and_incomplete_shards() {
    let scratch = tempfile::tempdir().unwrap();
    let grid = sweep_file("grid.toml");
    for i in 0..3 {
        run(
            scratch.path(),
            &[
                "run",
                &grid,
                "--out",
                &format!("g{i}"),
                "--quiet",
                "--shard",
                &format!("{i}/3"),
            ],
        );
    }
    run(
        scratch.path(),
        &[
            "run",
            &sweep_file("zip.toml"),
            "--out",
            "z1",
            "--quiet",
            "--shard",
            "1/3",
        ],
    );
    run(
        scratch.path(),
        &["run", &grid, "--out", "g1copy", "--quiet", "--shard", "1/3"],
    );
    run(scratch.path(), &["run", &grid, "--out", "plain", "--quiet"]);
    // An interrupted shard: its manifest still says running.
    std::fs::create_dir(scratch.path().join("g2run")).unwrap();
    let manifest = read(scratch.path().join("g2/manifest.json"))
        .replace("\"status\": \"complete\"", "\"status\": \"running\"");
    std::fs::write(scratch.path().join("g2run/manifest.json"), manifest).unwrap();

    let cases: [(&[&str], &str); 6] = [
        (&["g0", "g1"], "missing shard(s) 2 of 3"),
        (&["g0", "g1", "g1copy", "g2"], "given twice"),
        (&["g0", "z1", "g2"], "different study"),
        (&["g0", "g1", "g2run"], "not complete"),
        (&["g0", "g1", "plain"], "not a shard"),
        (&["g0", "g1", "nowhere"], "nowhere"),
    ];
    for (dirs, needle) in cases {
        let mut args = vec!["merge"];
        args.extend_from_slice(dirs);
        args.extend(["--out", "merged"]);
        let output = succession(scratch.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{dirs:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(needle),
            "{dirs:?}: {}",
            stderr(&output)
        );
        assert!(
            !scratch.path().join("merged").exists(),
            "{dirs:?} wrote output"
        );
    }
}

#[test]
fn a_sweep_killed_after_some_runs_or_before_its_manifest_resumes_to_identical_files() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("resume.toml");
    run(scratch.path(), &["run", &file, "--out", "whole", "--quiet"]);

    // Killed once a few runs have landed as part files.
    let mut child = Command::new(env!("CARGO_BIN_EXE_succession"))
        .args([
            "run",
            &file,
            "--out",
            "partway",
            "--quiet",
            "--threads",
            "1",
        ])
        .current_dir(scratch.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let parts = scratch.path().join("partway/.runs");
    let landed = |n: usize| {
        std::fs::read_dir(&parts)
            .map(|d| d.count() >= n)
            .unwrap_or(false)
    };
    while !landed(6) && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    run(
        scratch.path(),
        &["run", &file, "--out", "partway", "--quiet", "--resume"],
    );
    assert_same_csv(
        &scratch.path().join("whole"),
        &scratch.path().join("partway"),
    );

    // Killed between creating the folder and writing its manifest.
    let unstarted = scratch.path().join("unstarted");
    std::fs::create_dir_all(unstarted.join(".runs")).unwrap();
    std::fs::write(unstarted.join("points.csv.tmp"), "point\n").unwrap();
    run(
        scratch.path(),
        &["run", &file, "--out", "unstarted", "--quiet", "--resume"],
    );
    assert_same_csv(&scratch.path().join("whole"), &unstarted);
}

#[test]
fn resume_never_drops_finished_replicates() {
    let scratch = tempfile::tempdir().unwrap();
    let file = sweep_file("grid.toml");
    run(scratch.path(), &["run", &file, "--out", "g", "--quiet"]);
    let before = bytes(scratch.path().join("g/runs.csv"));
    let output = succession(
        scratch.path(),
        &[
            "run",
            &file,
            "--out",
            "g",
            "--quiet",
            "--resume",
            "--set",
            "replicates=2",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("never drops finished runs"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, bytes(scratch.path().join("g/runs.csv")));
}

#[test]
fn merge_refuses_an_output_inside_a_shard_and_shards_with_other_replicate_counts() {
    let scratch = tempfile::tempdir().unwrap();
    let grid = sweep_file("grid.toml");
    for i in 0..2 {
        run(
            scratch.path(),
            &[
                "run",
                &grid,
                "--out",
                &format!("g{i}"),
                "--quiet",
                "--shard",
                &format!("{i}/2"),
            ],
        );
    }
    run(
        scratch.path(),
        &[
            "run",
            &grid,
            "--out",
            "g1r4",
            "--quiet",
            "--shard",
            "1/2",
            "--set",
            "replicates=4",
        ],
    );
    let before = data_tree(&scratch.path().join("g0"));
    for (args, needle) in [
        (
            vec!["merge", "g0", "g1", "--out", "g0", "--force"],
            "overlaps",
        ),
        (vec!["merge", "g0", "g1", "--out", "g0/merged"], "overlaps"),
        (vec!["merge", "g0", "g1r4", "--out", "m"], "different study"),
    ] {
        let output = succession(scratch.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(needle),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(
        before,
        data_tree(&scratch.path().join("g0")),
        "the shard is untouched"
    );
    assert!(!scratch.path().join("m").exists());
}
