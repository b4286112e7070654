//! What the tool may delete, and what it must never touch: each test
//! reproduces a way an earlier version destroyed or corrupted a
//! researcher's files (foreign files taken for a run, nested shard folders
//! removed by `--force`, `--out .`, two processes on one folder, a
//! Ctrl-C that recorded nothing) and asserts the fixed behaviour.
//! Kills at every file-system moment are in `tests/kill_moments.rs`.

mod common;

use common::{LOCK, data_tree, scenario, stderr, succession, tree};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn file(rel: &str) -> String {
    scenario(rel).display().to_string()
}

fn ok(cwd: &Path, args: &[&str]) {
    let output = succession(cwd, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
}

fn bytes(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// Every file of `a` (charts included, the manifest and lock file aside)
/// equals the same file of `b`, and they hold the same files.
fn assert_same_files(a: &Path, b: &Path) {
    let files = |dir: &Path| -> Vec<String> {
        tree(dir)
            .into_iter()
            .filter(|p| p != "manifest.json" && p != LOCK && dir.join(p).is_file())
            .collect()
    };
    assert_eq!(files(a), files(b), "{} and {}", a.display(), b.display());
    for f in files(a) {
        assert!(
            bytes(a.join(&f)) == bytes(b.join(&f)),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn write(path: impl AsRef<Path>, text: &str) {
    let path = path.as_ref();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&bytes(dir.join("manifest.json"))).unwrap()
}

#[test]
fn resume_refuses_a_folder_of_foreign_files_and_deletes_none() {
    let scratch = tempfile::tempdir().unwrap();
    let o = scratch.path().join("o");
    write(o.join(".runs/mydata.txt"), "x\n");
    write(o.join("notes.tmp"), "x\n");
    for mode in ["--resume", "--force"] {
        let output = succession(
            scratch.path(),
            &[
                "run",
                &file("cli/small.toml"),
                "--out",
                "o",
                "--quiet",
                mode,
            ],
        );
        assert_eq!(output.status.code(), Some(2), "{mode}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("not a run folder") && message.contains(".runs/mydata.txt"),
            "{mode}: {message}"
        );
        assert_eq!(tree(&o), vec![".runs", ".runs/mydata.txt", "notes.tmp"]);
    }
}

#[test]
fn shards_go_outside_the_whole_runs_folder_and_force_never_deletes_a_shard_folder() {
    let scratch = tempfile::tempdir().unwrap();
    let small = file("cli/small.toml");
    // The default places: the whole run and its shards side by side.
    for i in 0..2 {
        ok(
            scratch.path(),
            &["run", &small, "--shard", &format!("{i}/2"), "--quiet"],
        );
    }
    ok(scratch.path(), &["run", &small, "--quiet"]);
    let out = scratch.path().join("out");
    assert_eq!(
        std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect::<std::collections::BTreeSet<_>>(),
        ["small", "small-shards"].map(String::from).into()
    );
    ok(
        scratch.path(),
        &[
            "merge",
            "out/small-shards/shard-0-of-2",
            "out/small-shards/shard-1-of-2",
            "--out",
            "merged",
            "--quiet",
        ],
    );
    assert_same_files(&out.join("small"), &scratch.path().join("merged"));

    // Shards nested in a whole run's folder by --out: the whole run starts
    // beside them, --force replaces only its own files, the shards stay
    // byte for byte and still merge.
    let nested = scratch.path().join("nested");
    for i in 0..2 {
        ok(
            scratch.path(),
            &[
                "run",
                &small,
                "--shard",
                &format!("{i}/2"),
                "--out",
                &format!("nested/shard-{i}-of-2"),
                "--quiet",
            ],
        );
    }
    let before: Vec<(String, Vec<u8>)> = tree(&nested)
        .into_iter()
        .filter(|p| nested.join(p).is_file())
        .map(|p| (p.clone(), bytes(nested.join(&p))))
        .collect();
    ok(
        scratch.path(),
        &["run", &small, "--out", "nested", "--quiet"],
    );
    ok(
        scratch.path(),
        &["run", &small, "--out", "nested", "--quiet", "--force"],
    );
    for (path, contents) in &before {
        assert!(
            bytes(nested.join(path)) == *contents,
            "{path} changed or was deleted by --force of the whole run"
        );
    }
    // The whole run's own files equal the default whole run's.
    let whole = out.join("small");
    for f in tree(&whole) {
        if f != "manifest.json" && f != LOCK && whole.join(&f).is_file() {
            assert!(bytes(whole.join(&f)) == bytes(nested.join(&f)), "{f}");
        }
    }
    ok(
        scratch.path(),
        &[
            "merge",
            "nested/shard-0-of-2",
            "nested/shard-1-of-2",
            "--out",
            "merged-nested",
            "--quiet",
        ],
    );
    assert_same_files(&out.join("small"), &scratch.path().join("merged-nested"));
}

#[test]
fn force_with_out_dot_in_a_run_folder_replaces_only_the_runs_files() {
    let scratch = tempfile::tempdir().unwrap();
    let small = file("cli/small.toml");
    ok(
        scratch.path(),
        &["run", &small, "--out", "reference", "--quiet"],
    );
    ok(scratch.path(), &["run", &small, "--out", "here", "--quiet"]);
    let here = scratch.path().join("here");
    std::fs::copy(scenario("cli/small.toml"), here.join("my.toml")).unwrap();
    write(here.join("notes.txt"), "precious\n");
    write(here.join("charts/my_figure.png"), "mine\n");
    // The copied scenario extends a path relative to its own folder.
    std::fs::write(
        here.join("my.toml"),
        std::fs::read_to_string(scenario("cli/small.toml"))
            .unwrap()
            .replace(
                "../../../scenarios/v1/baseline.toml",
                &common::root()
                    .join("scenarios/v1/baseline.toml")
                    .display()
                    .to_string(),
            ),
    )
    .unwrap();
    let output = succession(
        &here,
        &["run", "my.toml", "--out", ".", "--force", "--quiet"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(bytes(here.join("notes.txt")), b"precious\n");
    assert_eq!(bytes(here.join("charts/my_figure.png")), b"mine\n");
    assert!(here.join("my.toml").is_file());
    for f in data_tree(&scratch.path().join("reference")) {
        if f != "manifest.json" {
            assert!(
                bytes(here.join(&f)) == bytes(scratch.path().join("reference").join(&f)),
                "{f}"
            );
        }
    }
}

/// Starts the 32-run resume sweep on one thread into `out` (a few seconds).
fn start_long_run(cwd: &Path, out: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_succession"))
        .args([
            "run",
            &file("sweep/resume.toml"),
            "--out",
            out,
            "--threads",
            "1",
        ])
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `n` runs of `dir` have finished (their time-series part).
fn wait_for_parts(dir: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = std::fs::read_dir(dir.join(".runs")).map_or(0, |d| {
            d.flatten()
                .filter(|e| {
                    let name = e.file_name().into_string().unwrap();
                    name.starts_with("timeseries.") && name.ends_with(".csv")
                })
                .count()
        });
        if done >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{} runs never finished", n);
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_second_process_on_a_folder_in_use_refuses_at_once_naming_the_holder() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("busy");
    let mut first = start_long_run(scratch.path(), "busy");
    wait_for_parts(&dir, 1);
    for mode in ["--resume", "--force"] {
        let started = Instant::now();
        let output = succession(
            scratch.path(),
            &[
                "run",
                &file("sweep/resume.toml"),
                "--out",
                "busy",
                "--quiet",
                mode,
            ],
        );
        assert_eq!(output.status.code(), Some(2), "{mode}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("in use by")
                && message.contains(&format!("process {}", first.id()))
                && message.lines().count() == 1,
            "{mode}: {message}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "it waited");
    }
    let merge = succession(
        scratch.path(),
        &["merge", "busy", "--out", "merged", "--quiet"],
    );
    assert_eq!(merge.status.code(), Some(2), "{}", stderr(&merge));
    assert!(stderr(&merge).contains("in use by"), "{}", stderr(&merge));
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(manifest(&dir)["status"], "complete");
    ok(
        scratch.path(),
        &[
            "run",
            &file("sweep/resume.toml"),
            "--out",
            "clean",
            "--quiet",
        ],
    );
    assert_same_files(&scratch.path().join("clean"), &dir);
}

#[test]
fn a_signal_stops_between_runs_records_the_finished_ones_and_resume_completes() {
    let scratch = tempfile::tempdir().unwrap();
    ok(
        scratch.path(),
        &[
            "run",
            &file("sweep/resume.toml"),
            "--out",
            "clean",
            "--quiet",
        ],
    );
    for signal in ["INT", "TERM"] {
        let out = format!("stopped-{signal}");
        let dir = scratch.path().join(&out);
        let child = start_long_run(scratch.path(), &out);
        wait_for_parts(&dir, 2);
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = child.wait_with_output().unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(130), "{signal}: {message}");
        assert!(
            message.contains("interrupted") && message.contains("--resume"),
            "{signal}: {message}"
        );
        let recorded = manifest(&dir);
        assert_eq!(recorded["status"], "interrupted", "{signal}");
        let complete = recorded["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "complete")
            .count();
        let parts = std::fs::read_dir(dir.join(".runs"))
            .unwrap()
            .flatten()
            .filter(|e| {
                let name = e.file_name().into_string().unwrap();
                name.starts_with("timeseries.") && name.ends_with(".csv")
            })
            .count();
        assert!((2..32).contains(&complete), "{signal}: {complete} complete");
        assert_eq!(
            complete, parts,
            "{signal}: the manifest records every finished run"
        );
        ok(
            scratch.path(),
            &[
                "run",
                &file("sweep/resume.toml"),
                "--out",
                &out,
                "--quiet",
                "--resume",
            ],
        );
        assert_same_files(&scratch.path().join("clean"), &dir);
    }
}
