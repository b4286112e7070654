//! `succession patterns`: input handling and data safety (the verdicts
//! themselves are tested in tests/patterns.rs and src/study/patterns.rs).
//!
//! Every scenario is the baseline at 50 communities and 2 replicates
//! (tests/scenarios/patterns_cli/tiny.toml), so one evaluation takes a
//! fraction of a second. Every run goes through [`run`], which fails on a
//! panic (exit 101, or the binary's `internal error` line).

mod common;

use common::{root, scenario, stderr, succession, tree};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

const HEADER: &str = "pattern,claim,effect,lo,hi,smallest_effect,verdict";
const POSTERIOR_HEADER: &str =
    "pattern,claim,draws,holds,no_effect,opposite,inconclusive,not_applicable,share_holds";
const VERDICTS: [&str; 5] = [
    "holds",
    "no_effect",
    "opposite",
    "inconclusive",
    "not_applicable",
];

fn tiny() -> String {
    fixture("tiny.toml")
}

fn fixture(name: &str) -> String {
    scenario(&format!("patterns_cli/{name}"))
        .display()
        .to_string()
}

/// Runs `succession patterns ARGS` in `cwd`; fails on a panic.
fn run(cwd: &Path, args: &[&str]) -> Output {
    let mut all = vec!["patterns"];
    all.extend_from_slice(args);
    let output = succession(cwd, &all);
    let err = stderr(&output);
    assert_ne!(output.status.code(), Some(101), "{all:?} panicked: {err}");
    assert!(
        !err.contains("internal error"),
        "{all:?} hit an internal error: {err}"
    );
    output
}

/// Runs and expects success.
fn ok(cwd: &Path, args: &[&str]) {
    let output = run(cwd, args);
    assert!(
        output.status.success(),
        "{args:?}: exit {:?}: {}",
        output.status.code(),
        stderr(&output)
    );
}

/// Runs and expects exit 2 with exactly one line on stderr, which it returns.
fn refused(cwd: &Path, args: &[&str]) -> String {
    let output = run(cwd, args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    err.trim_end().to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A CSV file's header and records.
fn table(p: &Path) -> (String, Vec<Vec<String>>) {
    let text = String::from_utf8(read(p)).expect("UTF-8");
    let header = text.lines().next().unwrap_or_default().to_string();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Whether `line` holds `FILE:LINE:COLUMN:` for a file name ending in `file`.
fn has_position(line: &str, file: &str) -> bool {
    line.match_indices(file).any(|(at, _)| {
        let rest = &line[at + file.len()..];
        let mut parts = rest.splitn(4, ':');
        parts.next() == Some("")
            && parts
                .next()
                .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
            && parts
                .next()
                .is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_some()
    })
}

/// A posterior.csv of two generations of three particles; only the last
/// generation's particle 1 has the baseline's `learning.experience`.
fn write_posterior(dir: &Path) -> PathBuf {
    let file = dir.join("posterior.csv");
    std::fs::write(
        &file,
        "generation,particle,weight,distance,learning.experience\n\
         0,0,0.1,2.0,0.05\n\
         0,1,0.8,2.0,0.03\n\
         0,2,0.1,2.0,0.04\n\
         1,0,1.0,1.0,0.03\n\
         1,1,1.0,1.0,0.04\n\
         1,2,1.0,1.0,0.05\n",
    )
    .unwrap();
    file
}

/// The files a plain evaluation writes into an empty folder (patterns.csv
/// and the tool's other files), made under `tmp`.
fn own_files(tmp: &Path) -> Vec<String> {
    let out = tmp.join("plain");
    ok(tmp, &[&tiny(), "--out", path(&out), "--quiet"]);
    let files = tree(&out);
    assert!(files.iter().any(|f| f == "patterns.csv"), "{files:?}");
    std::fs::remove_dir_all(&out).unwrap();
    files
}

/// `files` and `more`, sorted (as [`tree`] lists them).
fn with(files: &[String], more: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = files.to_vec();
    all.extend(more.iter().map(|m| m.to_string()));
    all.sort();
    all
}

#[test]
fn a_scenario_with_a_sweep_is_refused_at_the_sweeps_position() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let line = refused(
        tmp.path(),
        &[&fixture("sweep.toml"), "--out", path(&out), "--quiet"],
    );
    assert!(
        line.contains("patterns_cli/sweep.toml:6:10: sweep"),
        "{line}"
    );
    assert!(!out.exists(), "{line}");

    // Inherited through `extends`: the position is the file that wrote it.
    let line = refused(
        tmp.path(),
        &[&fixture("inherits_sweep.toml"), "--out", path(&out)],
    );
    assert!(
        line.contains("patterns_cli/sweep.toml:6:10: sweep"),
        "{line}"
    );
    assert!(!out.exists(), "{line}");

    // A shipped sweep, with the flags that would make it tiny.
    let openness = root().join("scenarios/v1/openness.toml");
    let line = refused(
        tmp.path(),
        &[
            path(&openness),
            "--communities",
            "50",
            "--replicates",
            "2",
            "--out",
            path(&out),
        ],
    );
    assert!(has_position(&line, "openness.toml"), "{line}");
    assert!(line.contains(": sweep:"), "{line}");
    assert!(!out.exists(), "{line}");
    assert!(tree(tmp.path()).is_empty(), "{:?}", tree(tmp.path()));
}

#[test]
fn bad_flags_are_refused_in_one_line_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny();
    let line = refused(
        tmp.path(),
        &[&scenario, "--set", "nope.path=1", "--out", path(&out)],
    );
    assert!(line.contains("nope.path"), "{line}");
    let line = refused(
        tmp.path(),
        &[
            &scenario,
            "--set",
            "learning.experience=7",
            "--out",
            path(&out),
        ],
    );
    assert!(line.contains("learning.experience"), "{line}");
    let line = refused(
        tmp.path(),
        &[&scenario, "--set", "foo", "--out", path(&out)],
    );
    assert!(line.contains("foo"), "{line}");

    // clap's range checks.
    let line = refused(
        tmp.path(),
        &[&scenario, "--replicates", "1", "--out", path(&out)],
    );
    assert!(
        line.contains("invalid value '1' for '--replicates"),
        "{line}"
    );
    let line = refused(
        tmp.path(),
        &[&scenario, "--communities", "0", "--out", path(&out)],
    );
    assert!(line.contains("--communities"), "{line}");
    let line = refused(
        tmp.path(),
        &[&scenario, "--threads", "0", "--out", path(&out)],
    );
    assert!(line.contains("--threads"), "{line}");

    // One replicate by other means: refused at the key's position.
    let line = refused(
        tmp.path(),
        &[&scenario, "--set", "replicates=1", "--out", path(&out)],
    );
    assert!(line.contains("--set replicates=1: replicates"), "{line}");
    let line = refused(
        tmp.path(),
        &[&fixture("one_replicate.toml"), "--out", path(&out)],
    );
    assert!(
        line.contains("patterns_cli/one_replicate.toml:4:14: replicates"),
        "{line}"
    );

    // A missing scenario; an --out that is a file (kept as it was).
    let line = refused(tmp.path(), &["missing.toml", "--out", path(&out)]);
    assert!(line.contains("missing.toml"), "{line}");
    assert!(!out.exists());
    assert!(tree(tmp.path()).is_empty(), "{:?}", tree(tmp.path()));
    let file = tmp.path().join("file");
    std::fs::write(&file, "mine\n").unwrap();
    refused(tmp.path(), &[&scenario, "--out", path(&file), "--quiet"]);
    assert_eq!(read(&file), b"mine\n");
}

#[test]
fn an_earlier_evaluation_is_kept_without_force_and_replaced_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny();
    ok(tmp.path(), &[&scenario, "--out", path(&out), "--quiet"]);
    let first = read(&out.join("patterns.csv"));
    let files = tree(&out);

    // Another parameter value would write other bytes: refused, untouched.
    let other = [
        scenario.as_str(),
        "--set",
        "learning.experience=0.05",
        "--out",
        path(&out),
        "--quiet",
    ];
    let line = refused(tmp.path(), &other);
    assert!(line.contains("--force"), "{line}");
    assert!(line.contains("patterns.csv"), "{line}");
    assert_eq!(read(&out.join("patterns.csv")), first);

    // A --force run that fails its input check leaves it untouched too.
    let missing = tmp.path().join("missing.csv");
    let mut bad = other.to_vec();
    bad.extend(["--force", "--posterior", path(&missing)]);
    refused(tmp.path(), &bad);
    assert_eq!(read(&out.join("patterns.csv")), first);

    let mut forced = other.to_vec();
    forced.push("--force");
    ok(tmp.path(), &forced);
    assert_ne!(read(&out.join("patterns.csv")), first, "not replaced");
    assert_eq!(tree(&out), files);
}

#[test]
fn a_foreign_file_in_the_folder_survives_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let own = own_files(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("notes")).unwrap();
    std::fs::write(out.join("mine.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(out.join("notes/today.md"), "# notes\n").unwrap();
    let scenario = tiny();
    ok(tmp.path(), &[&scenario, "--out", path(&out), "--quiet"]);
    ok(
        tmp.path(),
        &[&scenario, "--out", path(&out), "--force", "--quiet"],
    );
    let posterior = write_posterior(tmp.path());
    ok(
        tmp.path(),
        &[
            &scenario,
            "--out",
            path(&out),
            "--force",
            "--posterior",
            path(&posterior),
            "--draws",
            "1",
            "--quiet",
        ],
    );
    ok(
        tmp.path(),
        &[&scenario, "--out", path(&out), "--force", "--quiet"],
    );
    assert_eq!(read(&out.join("mine.csv")), b"a,b\n1,2\n");
    assert_eq!(read(&out.join("notes/today.md")), b"# notes\n");
    assert_eq!(
        tree(&out),
        with(&own, &["mine.csv", "notes", "notes/today.md"])
    );
}

/// `--force` replaces the tool's own files only: a file of the user's under
/// one of their names is refused, kept byte for byte, and nothing is added.
#[test]
fn force_does_not_replace_a_foreign_file_under_the_tools_names() {
    let tmp = tempfile::tempdir().unwrap();
    let posterior = write_posterior(tmp.path());
    for name in [
        "patterns.csv",
        "patterns_posterior.csv",
        "patterns_draws.csv",
    ] {
        let out = tmp.path().join(name.replace('.', "_"));
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(name), "my,own\n1,2\n").unwrap();
        for posterior in [None, Some(&posterior)] {
            let mut args = vec![tiny(), "--out".into(), path(&out).into(), "--force".into()];
            if let Some(file) = posterior {
                args.extend([
                    "--posterior".into(),
                    path(file).into(),
                    "--draws".into(),
                    "1".into(),
                ]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let line = refused(tmp.path(), &args);
            assert!(line.contains(name), "{line}");
            assert_eq!(read(&out.join(name)), b"my,own\n1,2\n", "{args:?}");
            assert_eq!(tree(&out), [name], "{args:?}");
        }
    }
}

#[test]
fn patterns_csv_does_not_depend_on_the_thread_count() {
    // Eight replicates, so that two threads finish them out of order.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny();
    let csv = |threads: &str, name: &str| {
        let out = tmp.path().join(name);
        ok(
            tmp.path(),
            &[
                &scenario,
                "--replicates",
                "8",
                "--threads",
                threads,
                "--out",
                path(&out),
                "--quiet",
            ],
        );
        read(&out.join("patterns.csv"))
    };
    let one = csv("1", "one");
    assert!(one.len() > HEADER.len() + 1, "no rows");
    assert_eq!(one, csv("2", "two"));
    assert_eq!(one, csv("2", "two_again"));
}

#[test]
fn patterns_csv_has_its_header_every_pattern_and_known_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(tmp.path(), &[&tiny(), "--out", path(&out), "--quiet"]);
    let (header, rows) = table(&out.join("patterns.csv"));
    assert_eq!(header, HEADER);
    let mut patterns = BTreeSet::new();
    for row in &rows {
        assert_eq!(row.len(), 7, "{row:?}");
        assert!(VERDICTS.contains(&row[6].as_str()), "verdict: {row:?}");
        assert!(!row[1].is_empty(), "no claim: {row:?}");
        let numbers: Vec<Option<f64>> = row[2..5]
            .iter()
            .map(|cell| (!cell.is_empty()).then(|| cell.parse().expect("a number")))
            .collect();
        match numbers[..] {
            [Some(effect), Some(lo), Some(hi)] => {
                assert!(effect.is_finite() && lo <= hi, "{row:?}");
                assert_ne!(row[6], "not_applicable", "{row:?}");
            }
            [None, None, None] => {}
            _ => panic!("effect, lo and hi are given together: {row:?}"),
        }
        patterns.insert(row[0].clone());
    }
    let all: BTreeSet<String> = (1..=6).map(|i| format!("P{i}")).collect();
    assert_eq!(patterns, all);
}

#[test]
fn posterior_draws_are_counted_and_name_the_last_generations_particles() {
    let tmp = tempfile::tempdir().unwrap();
    let own = own_files(tmp.path());
    let out = tmp.path().join("out");
    let posterior = write_posterior(tmp.path());
    ok(
        tmp.path(),
        &[
            &tiny(),
            "--out",
            path(&out),
            "--posterior",
            path(&posterior),
            "--draws",
            "2",
            "--quiet",
        ],
    );
    assert_eq!(
        tree(&out),
        with(&own, &["patterns_draws.csv", "patterns_posterior.csv"])
    );
    let (_, base) = table(&out.join("patterns.csv"));

    let (header, rows) = table(&out.join("patterns_posterior.csv"));
    assert_eq!(header, POSTERIOR_HEADER);
    assert_eq!(rows.len(), base.len());
    for (row, base) in rows.iter().zip(&base) {
        assert_eq!(row.len(), 9, "{row:?}");
        assert_eq!(row[0], base[0], "{row:?}");
        assert_eq!(row[2], "2", "draws: {row:?}");
        let counts: Vec<usize> = row[3..8].iter().map(|c| c.parse().unwrap()).collect();
        assert_eq!(counts.iter().sum::<usize>(), 2, "{row:?}");
        let share: f64 = row[8].parse().unwrap();
        assert_eq!(share, counts[0] as f64 / 2.0, "{row:?}");
    }

    let (header, rows) = table(&out.join("patterns_draws.csv"));
    assert_eq!(header, format!("draw,particle,{HEADER}"));
    assert_eq!(rows.len(), 2 * base.len());
    let mut draws = BTreeSet::new();
    for (draw, chunk) in rows.chunks(base.len()).enumerate() {
        let particle: usize = chunk[0][1].parse().unwrap();
        assert!(particle < 3, "particle {particle}: {chunk:?}");
        for row in chunk {
            assert_eq!(row[0], draw.to_string(), "{row:?}");
            assert_eq!(row[1], particle.to_string(), "{row:?}");
        }
        // The last generation's particle 1 is the scenario itself, and the
        // others differ from it.
        let same = chunk
            .iter()
            .zip(&base)
            .all(|(row, base)| row[2..] == base[..]);
        assert_eq!(same, particle == 1, "draw {draw} of particle {particle}");
        draws.insert(particle);
    }
    assert_eq!(draws.len(), 2, "two draws of one particle: {draws:?}");
}

#[test]
fn a_bad_or_missing_posterior_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny();
    let posterior = write_posterior(tmp.path());
    let text = std::fs::read_to_string(&posterior).unwrap();
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, text.replace("1,1,1.0,1.0,0.04", "1,1,1.0,1.0,abc")).unwrap();
    let line = refused(
        tmp.path(),
        &[
            &scenario,
            "--out",
            path(&out),
            "--posterior",
            path(&bad),
            "--draws",
            "2",
        ],
    );
    assert!(line.contains("bad.csv:6:5:"), "{line}");
    assert!(line.contains("learning.experience"), "{line}");
    assert!(line.contains("abc"), "{line}");

    let header_only = tmp.path().join("header.csv");
    std::fs::write(&header_only, text.lines().next().unwrap()).unwrap();
    let line = refused(
        tmp.path(),
        &[
            &scenario,
            "--out",
            path(&out),
            "--posterior",
            path(&header_only),
        ],
    );
    assert!(line.contains("header.csv"), "{line}");

    let missing = tmp.path().join("missing.csv");
    let line = refused(
        tmp.path(),
        &[
            &scenario,
            "--out",
            path(&out),
            "--posterior",
            path(&missing),
        ],
    );
    assert!(line.contains("missing.csv"), "{line}");

    let line = refused(
        tmp.path(),
        &[&scenario, "--out", path(&out), "--draws", "2"],
    );
    assert!(line.contains("--posterior"), "{line}");
    let line = refused(
        tmp.path(),
        &[
            &scenario,
            "--out",
            path(&out),
            "--posterior",
            path(&posterior),
            "--draws",
            "0",
        ],
    );
    assert!(line.contains("--draws"), "{line}");
    assert!(!out.exists());
}

#[test]
fn a_rerun_without_posterior_removes_only_the_posterior_files() {
    let tmp = tempfile::tempdir().unwrap();
    let own = own_files(tmp.path());
    let out = tmp.path().join("out");
    let scenario = tiny();
    let posterior = write_posterior(tmp.path());
    let with_posterior = [
        scenario.as_str(),
        "--out",
        path(&out),
        "--posterior",
        path(&posterior),
        "--draws",
        "2",
        "--quiet",
    ];
    ok(tmp.path(), &with_posterior);
    std::fs::write(out.join("mine.txt"), "keep\n").unwrap();

    // The posterior files alone count as an earlier evaluation.
    for file in &own {
        std::fs::remove_file(out.join(file)).unwrap();
    }
    let plain = [scenario.as_str(), "--out", path(&out), "--quiet"];
    let line = refused(tmp.path(), &plain);
    assert!(line.contains("patterns_"), "{line}");
    assert!(out.join("patterns_posterior.csv").exists());
    assert!(out.join("patterns_draws.csv").exists());

    let mut forced = plain.to_vec();
    forced.push("--force");
    ok(tmp.path(), &forced);
    assert_eq!(tree(&out), with(&own, &["mine.txt"]));
    assert_eq!(read(&out.join("mine.txt")), b"keep\n");
    let (header, rows) = table(&out.join("patterns.csv"));
    assert_eq!(header, HEADER);
    assert!(!rows.is_empty());
}

/// A posterior.csv whose header names a path twice or a path the scenario
/// does not have, or whose generation is not a whole number from 0, is
/// refused at the cell; weights too large to
/// sum still draw every particle in proportion.
#[test]
fn a_malformed_posterior_is_refused_at_its_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (name, text, position) in [
        (
            "dup.csv",
            "generation,particle,weight,distance,mentoring.rate,mentoring.rate\n0,0,1,1,0.1,0.1\n",
            "dup.csv:1:6: mentoring.rate",
        ),
        (
            "gen.csv",
            "generation,particle,weight,distance,mentoring.rate\n0.5,0,1,1,0.1\n",
            "gen.csv:2:1: generation",
        ),
        (
            "neg.csv",
            "generation,particle,weight,distance,mentoring.rate\n-1,0,1,1,0.1\n",
            "neg.csv:2:1: generation",
        ),
        (
            "unknown.csv",
            "generation,particle,weight,distance,mentoring.rate,nope.x\n0,0,1,1,0.1,0.5\n",
            "unknown.csv:1:6: nope.x",
        ),
    ] {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        let err = refused(
            tmp.path(),
            &[&tiny(), "--out", path(&out), "--posterior", path(&file)],
        );
        assert!(err.contains(position), "{err}");
        assert!(!out.exists());
    }
    let file = tmp.path().join("big.csv");
    std::fs::write(
        &file,
        "generation,particle,weight,distance,mentoring.rate\n0,0,1e308,1,0.1\n0,1,1e308,1,0.05\n",
    )
    .unwrap();
    ok(
        tmp.path(),
        &[
            &tiny(),
            "--out",
            path(&out),
            "--posterior",
            path(&file),
            "--draws",
            "6",
            "--quiet",
        ],
    );
    let (_, rows) = table(&out.join("patterns_draws.csv"));
    let particles: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(particles.len(), 2, "both particles drawn: {particles:?}");
}
