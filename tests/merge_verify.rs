//! `merge` and `--resume` verify the data files they read against the
//! per-run checksums (rows and CRC-32) recorded in `manifest.json` when the
//! files were written: a damaged shard is refused, naming the file and the
//! run, before anything is written at `--out`; a resumed folder runs its
//! damaged runs again.

mod common;

use common::{scenario, stderr, succession};
use std::path::{Path, PathBuf};

fn grid() -> String {
    scenario("sweep/grid.toml").display().to_string()
}

fn run(cwd: &Path, args: &[&str]) -> String {
    let output = succession(cwd, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stderr(&output)
}

fn bytes(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn text(path: impl AsRef<Path>) -> String {
    String::from_utf8(bytes(path)).unwrap()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&text(dir.join("manifest.json"))).unwrap()
}

/// Runs shard `i` of 2 of the grid sweep (27 runs) into `out`, with a
/// roster snapshot.
fn shard(cwd: &Path, i: u32, out: &str) {
    run(
        cwd,
        &[
            "run",
            &grid(),
            "--out",
            out,
            "--quiet",
            "--snapshot",
            "1980",
            "--shard",
            &format!("{i}/2"),
        ],
    );
}

/// A scratch folder holding the two shards `s0` and `s1` and a copy of `s1`,
/// `bad`, for the test to damage.
fn shards() -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    shard(scratch.path(), 0, "s0");
    shard(scratch.path(), 1, "s1");
    let bad = scratch.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    for entry in std::fs::read_dir(scratch.path().join("s1")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), bad.join(entry.file_name())).unwrap();
        }
    }
    (scratch, bad)
}

/// The "point, replicate" a data row starts with, as the errors name it.
fn run_named(row: &str) -> String {
    let mut cells = row.split(',');
    let point = cells.next().unwrap();
    let replicate = cells.next().unwrap();
    format!("point {point}, replicate {replicate}")
}

/// `row` with its last digit after the run's two cells changed to another
/// digit: a value altered, the length kept.
fn altered(row: &str) -> String {
    let start = row.match_indices(',').nth(1).unwrap().0;
    let at = row
        .char_indices()
        .rev()
        .find(|&(i, c)| i > start && c.is_ascii_digit())
        .map(|(i, _)| i)
        .expect("a row with a digit in its values");
    let digit = row.as_bytes()[at] - b'0';
    let mut row = row.to_string();
    row.replace_range(at..=at, &((digit + 1) % 10).to_string());
    row
}

/// Rewrites the data file `name` of `dir` through `edit` of its lines
/// (header first), each written back with its `\n`.
fn edit_lines(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join(name);
    let mut lines: Vec<String> = text(&path).lines().map(String::from).collect();
    edit(&mut lines);
    let mut out = lines.join("\n");
    out.push('\n');
    std::fs::write(&path, out).unwrap();
}

/// Merging `s0` and the damaged `bad` fails with exit 2 and one line that
/// contains every one of `needles`, and writes nothing at all.
fn assert_refused(scratch: &Path, needles: &[&str]) {
    let before = common::tree(scratch);
    let output = succession(scratch, &["merge", "s0", "bad", "--out", "merged"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert_eq!(message.trim_end().lines().count(), 1, "one line: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{needle:?} not in: {message}");
    }
    assert!(!scratch.join("merged").exists());
    assert_eq!(before, common::tree(scratch), "nothing written");
}

#[test]
fn merge_refuses_a_shard_whose_timeseries_lost_its_last_row() {
    let (scratch, bad) = shards();
    let mut lost = String::new();
    edit_lines(&bad, "timeseries.csv", |lines| {
        lost = lines.pop().unwrap();
    });
    let file = format!("bad{}timeseries.csv", std::path::MAIN_SEPARATOR);
    assert_refused(
        scratch.path(),
        &[&file, &run_named(&lost), "the manifest recorded", "rows"],
    );
}

#[test]
fn merge_refuses_a_shard_with_a_duplicated_row() {
    let (scratch, bad) = shards();
    let mut repeated = String::new();
    edit_lines(&bad, "timeseries.csv", |lines| {
        repeated = lines[5].clone();
        lines.insert(5, repeated.clone());
    });
    assert_refused(
        scratch.path(),
        &["timeseries.csv", &run_named(&repeated), "rows"],
    );
}

#[test]
fn merge_refuses_a_shard_with_an_altered_runs_value() {
    let (scratch, bad) = shards();
    let before = bytes(bad.join("runs.csv")).len();
    let mut row = String::new();
    edit_lines(&bad, "runs.csv", |lines| {
        lines[3] = altered(&lines[3]);
        row = lines[3].clone();
    });
    assert_eq!(before, bytes(bad.join("runs.csv")).len(), "same length");
    assert_refused(scratch.path(), &["runs.csv", &run_named(&row), "crc32"]);
}

#[test]
fn merge_refuses_a_shard_with_an_altered_roster_value() {
    let (scratch, bad) = shards();
    let mut row = String::new();
    edit_lines(&bad, "roster_1980.csv", |lines| {
        let middle = lines.len() / 2;
        lines[middle] = altered(&lines[middle]);
        row = lines[middle].clone();
    });
    assert_refused(
        scratch.path(),
        &["roster_1980.csv", &run_named(&row), "crc32"],
    );
}

#[test]
fn merge_refuses_a_shard_without_checksums_until_resume_adds_them() {
    let (scratch, bad) = shards();
    // As an earlier version wrote it: no `checksums`.
    let mut old = manifest(&bad);
    assert!(old["checksums"]["timeseries.csv"].is_array());
    old.as_object_mut().unwrap().remove("checksums");
    std::fs::write(
        bad.join("manifest.json"),
        serde_json::to_string_pretty(&old).unwrap(),
    )
    .unwrap();
    assert_refused(scratch.path(), &["bad", "no checksums", "--resume"]);

    // What the message says to do adds them, without running anything.
    let notes = run(
        scratch.path(),
        &[
            "run",
            &grid(),
            "--out",
            "bad",
            "--snapshot",
            "1980",
            "--shard",
            "1/2",
            "--resume",
        ],
    );
    assert!(notes.contains("13 of 13 runs already complete"), "{notes}");
    assert_eq!(
        manifest(&bad)["checksums"],
        manifest(&scratch.path().join("s1"))["checksums"]
    );
    run(
        scratch.path(),
        &["merge", "s0", "bad", "--out", "merged", "--quiet"],
    );
}

#[test]
fn the_merged_manifest_records_the_checksums_of_a_whole_run() {
    let (scratch, _) = shards();
    run(
        scratch.path(),
        &[
            "run",
            &grid(),
            "--out",
            "whole",
            "--quiet",
            "--snapshot",
            "1980",
        ],
    );
    run(
        scratch.path(),
        &["merge", "s1", "s0", "--out", "merged", "--quiet"],
    );
    let merged = manifest(&scratch.path().join("merged"));
    let whole = manifest(&scratch.path().join("whole"));
    assert_eq!(
        merged["checksums"]["timeseries.csv"]
            .as_array()
            .unwrap()
            .len(),
        27
    );
    assert_eq!(merged["checksums"], whole["checksums"]);
}

#[test]
fn resume_runs_again_exactly_the_run_whose_timeseries_rows_were_altered() {
    let scratch = tempfile::tempdir().unwrap();
    let grid = grid();
    let args = |out: &'static str| ["run", &grid, "--out", out, "--snapshot", "1980"];
    run(scratch.path(), &args("clean"));
    run(scratch.path(), &args("damaged"));
    let damaged = scratch.path().join("damaged");
    edit_lines(&damaged, "timeseries.csv", |lines| {
        let middle = lines.len() / 2;
        lines[middle] = altered(&lines[middle]);
    });
    let notes = run(
        scratch.path(),
        &[&args("damaged")[..], &["--resume"]].concat(),
    );
    assert!(notes.contains("26 of 27 runs already complete"), "{notes}");
    assert!(notes.contains("1 run(s)"), "{notes}");
    assert!(notes.contains("(1 runs,"), "{notes}");
    let clean = scratch.path().join("clean");
    for file in [
        "timeseries.csv",
        "runs.csv",
        "roster_1980.csv",
        "summary.csv",
        "points.csv",
    ] {
        assert!(
            bytes(clean.join(file)) == bytes(damaged.join(file)),
            "{file} differs from a clean run's"
        );
    }
    assert_eq!(
        manifest(&clean)["checksums"],
        manifest(&damaged)["checksums"]
    );
    assert!(!damaged.join(".runs").exists());
}
