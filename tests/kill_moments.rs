//! Kills the real binary at every file-system moment of a run, a forced
//! replacement and a merge, and fills the disk at every write, through the
//! LD_PRELOAD shim tests/shim/fs_faults.c (its header explains the moments
//! and the variables). After each fault the folder must be completed by the
//! documented way on (`--resume`, `--force`, or merging again with `--force`)
//! to files identical to an uninterrupted run's.
//!
//! The study is tests/scenarios/kill/small.toml (2 points x 2 replicates,
//! 20 communities, 1949-1960) with a roster snapshot in 1955, so every kind
//! of file (part files, CSV, roster, datapackage, manifest, charts) is
//! covered. Every invocation runs with `--threads 1`, so the order of
//! moments is the same in every run; independent cases run in parallel.
//! Every failure names the moment N, the log line of the call the process
//! was killed before (or the write refused) and what differs.

mod common;

use common::{scenario, tree};
use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The roster snapshot year of every run here.
const SNAPSHOT: &str = "1955";
/// What makes scenario B of the force tests differ from A.
const B_OVERRIDE: &str = "seed=7";
/// After the removal and creation phase, (b) kills every this-many-th moment.
const REPLACEMENT_STEP: usize = 2;
/// Failures printed in full in an assertion message.
const SHOWN: usize = 40;

// ---- the shim ----------------------------------------------------------

/// The shim, compiled once per test binary; a compiler failure fails the
/// test with the compiler's output (it never skips).
fn shim() -> &'static Path {
    static SHIM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = SHIM.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let source = common::root().join("tests/shim/fs_faults.c");
        let temp = dir.join(format!("fs_faults.{}.so", std::process::id()));
        let so = dir.join("fs_faults.so");
        let output = Command::new("cc")
            .args(["-shared", "-fPIC", "-O1", "-o"])
            .arg(&temp)
            .arg(&source)
            .arg("-ldl")
            .output()
            .map_err(|e| format!("cannot run `cc`: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`cc -shared -fPIC -O1 -o {} {} -ldl` failed ({}):\n{}{}",
                temp.display(),
                source.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        std::fs::rename(&temp, &so).map_err(|e| format!("{}: {e}", so.display()))?;
        Ok(so)
    });
    match built {
        Ok(so) => so,
        Err(e) => panic!("the fs_faults shim does not build: {e}"),
    }
}

/// What the shim does to one invocation.
#[derive(Clone, Debug, Default)]
struct Faults {
    log: Option<PathBuf>,
    kill_at: Option<usize>,
    enospc_after: Option<usize>,
}

impl Faults {
    fn log(log: &Path) -> Faults {
        Faults {
            log: Some(log.to_path_buf()),
            ..Faults::default()
        }
    }

    fn kill(log: &Path, at: usize) -> Faults {
        Faults {
            kill_at: Some(at),
            ..Faults::log(log)
        }
    }
}

/// Runs `succession args` in `cwd`, under the shim if `faults` is given.
fn invoke(cwd: &Path, args: &[String], faults: Option<&Faults>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_succession"));
    command.args(args).current_dir(cwd).stdin(Stdio::null());
    for var in [
        "LD_PRELOAD",
        "FS_FAULTS_LOG",
        "FS_FAULTS_KILL_AT",
        "FS_FAULTS_ENOSPC_AFTER",
    ] {
        command.env_remove(var);
    }
    if let Some(faults) = faults {
        command.env("LD_PRELOAD", shim());
        if let Some(log) = &faults.log {
            command.env("FS_FAULTS_LOG", log);
        }
        if let Some(n) = faults.kill_at {
            command.env("FS_FAULTS_KILL_AT", n.to_string());
        }
        if let Some(n) = faults.enospc_after {
            command.env("FS_FAULTS_ENOSPC_AFTER", n.to_string());
        }
    }
    command.output().expect("the succession binary runs")
}

fn err_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_string()
}

/// SIGKILL's number (9 on every Linux architecture).
const SIGKILL: i32 = 9;

fn was_killed(output: &Output) -> bool {
    output.status.signal() == Some(SIGKILL)
}

/// Runs `args` and panics (naming `what`) unless it exits 0.
fn must_succeed(cwd: &Path, args: &[String], faults: Option<&Faults>, what: &str) {
    let output = invoke(cwd, args, faults);
    assert!(
        output.status.success(),
        "{what} ({args:?}) failed: {}: {}",
        output.status,
        err_text(&output)
    );
}

/// The moment lines of a shim log (`N call args`), in order.
fn moments(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// The last moment line of a log: the call a killed process died before.
fn last_moment(log: &Path) -> String {
    moments(log)
        .pop()
        .unwrap_or_else(|| format!("(no moment in {})", log.display()))
}

/// The number of successful writes to regular files a log records.
fn writes(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with('w') && !l.starts_with("w-"))
        .count()
}

/// The first write the shim refused (`w- call path ENOSPC`), as its path.
fn first_refused(log: &Path) -> Option<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        // The lock file's text only explains the lock to a second process,
        // so a refused write there is ignored by design: the first write
        // that matters comes after it.
        .find(|l| l.starts_with("w- ") && !l.contains(".succession.lock"))
        .and_then(|l| l.split(' ').nth(2).map(str::to_string))
}

// ---- invocations -------------------------------------------------------

fn scenario_file() -> String {
    scenario("kill/small.toml").display().to_string()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// `run` of the study into `out` with `extra` flags.
fn run_args(out: &str, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&[
        "run",
        &scenario_file(),
        "--out",
        out,
        "--threads",
        "1",
        "--snapshot",
        SNAPSHOT,
        "--quiet",
    ]);
    args.extend(strings(extra));
    args
}

/// `run` of scenario B (A with [`B_OVERRIDE`]) into `out`.
fn run_b_args(out: &str, extra: &[&str]) -> Vec<String> {
    let mut args = run_args(out, &["--set", B_OVERRIDE]);
    args.extend(strings(extra));
    args
}

fn merge_args(out: &str, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["merge", "s0", "s1", "--out", out]);
    args.extend(strings(extra));
    args
}

// ---- folders -----------------------------------------------------------

/// A scratch folder, in memory when /dev/shm is there (the tool syncs every
/// file it writes, and the harness runs it some hundreds of times).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::Builder::new()
            .prefix("kill_moments.")
            .tempdir_in(shm)
    {
        return dir;
    }
    tempfile::Builder::new()
        .prefix("kill_moments.")
        .tempdir()
        .expect("a scratch folder")
}

/// Whether `rel` is (inside) the tool's hidden lock file, which the
/// comparisons ignore.
fn is_lock(rel: &str) -> bool {
    Path::new(rel)
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with(".succession"))
}

/// The paths under `dir`, relative and sorted, without a lock file.
fn listing(dir: &Path) -> Vec<String> {
    tree(dir).into_iter().filter(|p| !is_lock(p)).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The manifest without what differs between two runs of one study: times,
/// thread counts, each run's seconds.
fn stable_manifest(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut value: Value =
        serde_json::from_str(&text).map_err(|e| format!("manifest.json does not parse: {e}"))?;
    if let Some(map) = value.as_object_mut() {
        for key in ["started", "finished", "seconds", "threads"] {
            map.remove(key);
        }
        if let Some(runs) = map.get_mut("runs").and_then(Value::as_array_mut) {
            for run in runs {
                if let Some(run) = run.as_object_mut() {
                    run.remove("seconds");
                }
            }
        }
    }
    Ok(value)
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 160 {
        format!("{}...", text.chars().take(160).collect::<String>())
    } else {
        text.to_string()
    }
}

/// How `got` differs from `reference`: missing and extra paths, files whose
/// bytes differ, and for `manifest.json` the keys whose stable values
/// differ (with `manifest` false, `manifest.json` is only required to
/// exist). Empty if they are the same.
fn differences(reference: &Path, got: &Path, manifest: bool) -> Vec<String> {
    let want = listing(reference);
    let have = listing(got);
    let mut out = Vec::new();
    for path in want.iter().filter(|p| !have.contains(p)) {
        out.push(format!("{path} missing"));
    }
    for path in have.iter().filter(|p| !want.contains(p)) {
        out.push(format!("{path} extra"));
    }
    for path in want.iter().filter(|p| have.contains(p)) {
        let (a, b) = (reference.join(path), got.join(path));
        if a.is_dir() {
            continue;
        }
        if path == "manifest.json" {
            if !manifest {
                continue;
            }
            match (stable_manifest(&a), stable_manifest(&b)) {
                (Ok(Value::Object(x)), Ok(Value::Object(y))) => {
                    for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                        if x.get(key) != y.get(key) {
                            out.push(format!(
                                "manifest.json differs in `{key}`: want {}, got {}",
                                shorten(&x.get(key).map_or("(absent)".into(), Value::to_string)),
                                shorten(&y.get(key).map_or("(absent)".into(), Value::to_string))
                            ));
                        }
                    }
                }
                (Ok(_), Err(e)) | (Err(e), _) => out.push(e),
                (Ok(_), Ok(_)) => out.push("manifest.json is not an object".into()),
            }
            continue;
        }
        let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        if x != y {
            let at = x
                .iter()
                .zip(&y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            out.push(format!(
                "{path} differs ({} bytes, want {}; first difference at byte {at})",
                y.len(),
                x.len()
            ));
        }
    }
    out
}

/// The paths under `dir` ending `.tmp`.
fn temporaries(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|p| p.ends_with(".tmp"))
        .collect()
}

// ---- running cases -----------------------------------------------------

/// `f` over `items` on as many threads as there are cores, results in
/// order (each item's runs use their own folders).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items.len() {
                        break;
                    }
                    let result = f(&items[i]);
                    results.lock().unwrap()[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every case ran"))
        .collect()
}

/// Panics listing `failures` (the first [`SHOWN`] in full) if there are any.
fn assert_none(test: &str, cases: usize, failures: &[String]) {
    if failures.is_empty() {
        return;
    }
    let shown: Vec<&str> = failures.iter().take(SHOWN).map(String::as_str).collect();
    panic!(
        "{test}: {} of {cases} cases failed{}:\n  {}",
        failures.len(),
        if failures.len() > SHOWN {
            format!(" (first {SHOWN} shown)")
        } else {
            String::new()
        },
        shown.join("\n  ")
    );
}

// ---- (a) a run killed at every moment ----------------------------------

/// What one kill-and-resume case found.
struct Resumed {
    identical: bool,
    double: Option<bool>,
    failures: Vec<String>,
}

/// Kills a fresh run at moment `n`, resumes it and compares with `ref`;
/// every 5th `n` also kills a copy's resume and resumes again.
fn kill_and_resume(dir: &Path, n: usize, m: usize, counted: &[String]) -> Resumed {
    let out = format!("k{n}");
    let log = dir.join(format!("k{n}.log"));
    let mut result = Resumed {
        identical: false,
        double: None,
        failures: Vec::new(),
    };
    let killed = invoke(dir, &run_args(&out, &[]), Some(&Faults::kill(&log, n)));
    let at = last_moment(&log);
    if !was_killed(&killed) {
        result.failures.push(format!(
            "N={n}/{m}: the run was not killed at moment {n} (counting run's moment: `{}`): {}: {}",
            counted.get(n - 1).map_or("none", String::as_str),
            killed.status,
            err_text(&killed)
        ));
        return result;
    }
    let double = n.is_multiple_of(5);
    if double {
        copy_dir_if_exists(&dir.join(&out), &dir.join(format!("{out}.double")));
        copy_dir_if_exists(&dir.join(&out), &dir.join(format!("{out}.probe")));
    }
    let resumed = invoke(dir, &run_args(&out, &["--resume"]), None);
    if !resumed.status.success() {
        result.failures.push(format!(
            "N={n}/{m} (killed before `{at}`): --resume failed: {}: {}",
            resumed.status,
            err_text(&resumed)
        ));
    } else {
        let diffs = differences(&dir.join("ref"), &dir.join(&out), true);
        if diffs.is_empty() {
            result.identical = true;
        } else {
            result.failures.push(format!(
                "N={n}/{m} (killed before `{at}`): the resumed folder differs from ref: {}",
                diffs.join("; ")
            ));
        }
    }
    if double {
        result.double = Some(false);
        // Count the resume's own moments on a copy, then kill another copy's
        // resume at one of them.
        let probe = format!("{out}.probe");
        let probe_log = dir.join(format!("{probe}.log"));
        let _ = invoke(
            dir,
            &run_args(&probe, &["--resume"]),
            Some(&Faults::log(&probe_log)),
        );
        let r = moments(&probe_log).len();
        if r == 0 {
            result.failures.push(format!(
                "N={n}/{m} (killed before `{at}`): the resume makes no file-system moment to kill"
            ));
            return result;
        }
        let k = 1 + (n / 5 * 7) % r;
        let twice = format!("{out}.double");
        let twice_log = dir.join(format!("{twice}.log"));
        let killed = invoke(
            dir,
            &run_args(&twice, &["--resume"]),
            Some(&Faults::kill(&twice_log, k)),
        );
        let at2 = last_moment(&twice_log);
        let what = format!(
            "N={n}/{m} (killed before `{at}`), then its resume killed at K={k}/{r} (before `{at2}`)"
        );
        if !was_killed(&killed) {
            result.failures.push(format!(
                "{what}: the resume was not killed: {}: {}",
                killed.status,
                err_text(&killed)
            ));
            return result;
        }
        let again = invoke(dir, &run_args(&twice, &["--resume"]), None);
        if !again.status.success() {
            result.failures.push(format!(
                "{what}: the second --resume failed: {}: {}",
                again.status,
                err_text(&again)
            ));
            return result;
        }
        let diffs = differences(&dir.join("ref"), &dir.join(&twice), true);
        if diffs.is_empty() {
            result.double = Some(true);
        } else {
            result.failures.push(format!(
                "{what}: the twice-resumed folder differs from ref: {}",
                diffs.join("; ")
            ));
        }
    }
    result
}

fn copy_dir_if_exists(from: &Path, to: &Path) {
    if from.is_dir() {
        copy_dir(from, to);
    }
}

#[test]
fn a_run_killed_at_every_moment_resumes_to_identical_files() {
    let started = Instant::now();
    let scratch = scratch();
    let dir = scratch.path();
    must_succeed(dir, &run_args("ref", &[]), None, "the reference run");
    let log = dir.join("count.log");
    must_succeed(
        dir,
        &run_args("count", &[]),
        Some(&Faults::log(&log)),
        "the counting run",
    );
    let diffs = differences(&dir.join("ref"), &dir.join("count"), true);
    assert!(
        diffs.is_empty(),
        "the shim alone changes the run: {diffs:?}"
    );
    let counted = moments(&log);
    let m = counted.len();
    assert!(m >= 20, "a run makes only {m} moments: {counted:?}");

    let ns: Vec<usize> = (1..=m).collect();
    let cases = par_map(&ns, |&n| kill_and_resume(dir, n, m, &counted));
    let identical = cases.iter().filter(|c| c.identical).count();
    let doubles: Vec<bool> = cases.iter().filter_map(|c| c.double).collect();
    let failures: Vec<String> = cases.into_iter().flat_map(|c| c.failures).collect();
    eprintln!(
        "kill_moments (a): {m} moments killed, {identical} resumed identically; \
         {} double kills, {} resumed identically; {:.1} s",
        doubles.len(),
        doubles.iter().filter(|d| **d).count(),
        started.elapsed().as_secs_f64()
    );
    assert_none(
        "a run killed at a moment, then resumed",
        m + doubles.len(),
        &failures,
    );
}

// ---- (b) a forced replacement killed at every moment -------------------

#[derive(Clone, Copy, Debug)]
enum Replacement {
    /// `run B --force` over A's folder, completed by `run B --force`.
    Other,
    /// `run A --force` over A's folder, completed by `run A --resume`.
    Same,
}

fn replacement_case(
    dir: &Path,
    which: Replacement,
    n: usize,
    m: usize,
    counted: &[String],
) -> Result<(), String> {
    let (out, reference, force, finish, finishing) = match which {
        Replacement::Other => {
            let out = format!("b{n}");
            (
                out.clone(),
                "bref",
                run_b_args(&out, &["--force"]),
                run_b_args(&out, &["--force"]),
                "run B --force",
            )
        }
        Replacement::Same => {
            let out = format!("a{n}");
            (
                out.clone(),
                "a",
                run_args(&out, &["--force"]),
                run_args(&out, &["--resume"]),
                "run A --resume",
            )
        }
    };
    let label = match which {
        Replacement::Other => "B --force over A",
        Replacement::Same => "A --force over A",
    };
    copy_dir(&dir.join("a"), &dir.join(&out));
    let log = dir.join(format!("{out}.log"));
    let killed = invoke(dir, &force, Some(&Faults::kill(&log, n)));
    let at = last_moment(&log);
    if !was_killed(&killed) {
        return Err(format!(
            "{label} N={n}/{m}: not killed at moment {n} (counting run's moment: `{}`): {}: {}",
            counted.get(n - 1).map_or("none", String::as_str),
            killed.status,
            err_text(&killed)
        ));
    }
    let done = invoke(dir, &finish, None);
    if !done.status.success() {
        return Err(format!(
            "{label} N={n}/{m} (killed before `{at}`): {finishing} failed: {}: {}",
            done.status,
            err_text(&done)
        ));
    }
    let diffs = differences(&dir.join(reference), &dir.join(&out), true);
    if !diffs.is_empty() {
        return Err(format!(
            "{label} N={n}/{m} (killed before `{at}`): after {finishing} the folder differs from {reference}: {}",
            diffs.join("; ")
        ));
    }
    Ok(())
}

/// The moments of a forced replacement killed in (b): every moment of the
/// removal of the old folder and of the new folder's creation (up to the
/// first manifest written after the first `mkdir`), then every
/// [`REPLACEMENT_STEP`]-th and the last. What follows the creation is a
/// fresh run, which (a) kills at every moment; sampling it keeps the file
/// within its time budget.
fn replacement_moments(counted: &[String]) -> Vec<usize> {
    let call = |line: &String| line.split(' ').nth(1).unwrap_or("").to_string();
    let created = counted
        .iter()
        .position(|l| call(l).starts_with("mkdir"))
        .unwrap_or(counted.len());
    let settled = counted
        .iter()
        .enumerate()
        .skip(created)
        .find(|(_, l)| call(l).starts_with("rename") && l.contains("manifest.json"))
        .map_or(counted.len(), |(i, _)| i + 1);
    let m = counted.len();
    (1..=m)
        .filter(|&n| n <= settled || (n - settled).is_multiple_of(REPLACEMENT_STEP) || n == m)
        .collect()
}

#[test]
fn a_force_replacement_killed_at_every_moment_leaves_a_folder_that_force_or_resume_completes() {
    let started = Instant::now();
    let scratch = scratch();
    let dir = scratch.path();
    must_succeed(dir, &run_args("a", &[]), None, "the run of A");
    must_succeed(dir, &run_b_args("bref", &[]), None, "the run of B");
    assert!(
        !differences(&dir.join("a"), &dir.join("bref"), true).is_empty(),
        "--set {B_OVERRIDE} must change the folder"
    );
    let mut counts = Vec::new();
    for (which, out, args, reference) in [
        (
            Replacement::Other,
            "bcount",
            run_b_args("bcount", &["--force"]),
            "bref",
        ),
        (
            Replacement::Same,
            "acount",
            run_args("acount", &["--force"]),
            "a",
        ),
    ] {
        copy_dir(&dir.join("a"), &dir.join(out));
        let log = dir.join(format!("{out}.log"));
        must_succeed(dir, &args, Some(&Faults::log(&log)), "the counting --force");
        let diffs = differences(&dir.join(reference), &dir.join(out), true);
        assert!(diffs.is_empty(), "{which:?}: {diffs:?}");
        counts.push((which, moments(&log)));
    }
    let cases: Vec<(Replacement, usize, usize, &[String])> = counts
        .iter()
        .flat_map(|(which, counted)| {
            replacement_moments(counted)
                .into_iter()
                .map(move |n| (*which, n, counted.len(), counted.as_slice()))
        })
        .collect();
    let results = par_map(&cases, |&(which, n, m, counted)| {
        replacement_case(dir, which, n, m, counted)
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    let sampled = |which: usize| replacement_moments(&counts[which].1).len();
    eprintln!(
        "kill_moments (b): {} of {} moments of B --force over A and {} of {} of A --force over A killed, \
         {ok} of {} completed identically; {:.1} s",
        sampled(0),
        counts[0].1.len(),
        sampled(1),
        counts[1].1.len(),
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    assert_none(
        "a forced replacement killed at a moment, then completed",
        cases.len(),
        &failures,
    );
}

// ---- (c) a merge killed at every moment --------------------------------

fn merge_case(dir: &Path, n: usize, m: usize, counted: &[String]) -> Result<(), String> {
    let parent = format!("m{n}");
    std::fs::create_dir(dir.join(&parent)).unwrap();
    let out = format!("{parent}/m");
    let log = dir.join(format!("{parent}.log"));
    let killed = invoke(dir, &merge_args(&out, &[]), Some(&Faults::kill(&log, n)));
    let at = last_moment(&log);
    if !was_killed(&killed) {
        return Err(format!(
            "merge N={n}/{m}: not killed at moment {n} (counting merge's moment: `{}`): {}: {}",
            counted.get(n - 1).map_or("none", String::as_str),
            killed.status,
            err_text(&killed)
        ));
    }
    let what = format!("merge N={n}/{m} (killed before `{at}`)");
    let again = invoke(dir, &merge_args(&out, &["--force"]), None);
    let mut problems = Vec::new();
    if !again.status.success() {
        problems.push(format!(
            "merge --force failed: {}: {}",
            again.status,
            err_text(&again)
        ));
    } else {
        let diffs = differences(&dir.join("whole"), &dir.join(&out), false);
        if !diffs.is_empty() {
            problems.push(format!(
                "the merged folder differs from the whole run's: {}",
                diffs.join("; ")
            ));
        }
    }
    let beside: Vec<String> = std::fs::read_dir(dir.join(&parent))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "m" && !is_lock(name))
        .collect();
    if !beside.is_empty() {
        problems.push(format!("left beside {out}: {beside:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: {}", problems.join("; ")))
    }
}

#[test]
fn a_merge_killed_at_every_moment_is_completed_by_merging_again_with_force() {
    let started = Instant::now();
    let scratch = scratch();
    let dir = scratch.path();
    must_succeed(dir, &run_args("whole", &[]), None, "the whole run");
    for i in 0..2 {
        let shard = format!("{i}/2");
        must_succeed(
            dir,
            &run_args(&format!("s{i}"), &["--shard", &shard]),
            None,
            "a shard",
        );
    }
    std::fs::create_dir(dir.join("count")).unwrap();
    let log = dir.join("count.log");
    must_succeed(
        dir,
        &merge_args("count/m", &[]),
        Some(&Faults::log(&log)),
        "the counting merge",
    );
    let diffs = differences(&dir.join("whole"), &dir.join("count/m"), false);
    assert!(
        diffs.is_empty(),
        "a merge differs from the whole run: {diffs:?}"
    );
    let counted = moments(&log);
    let m = counted.len();
    assert!(m >= 10, "a merge makes only {m} moments: {counted:?}");
    let ns: Vec<usize> = (1..=m).collect();
    let results = par_map(&ns, |&n| merge_case(dir, n, m, &counted));
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    eprintln!(
        "kill_moments (c): {m} moments of a merge killed, {ok} completed identically and cleanly; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_none(
        "a merge killed at a moment, then merged again with --force",
        m,
        &failures,
    );
}

// ---- (d) disk full at every write --------------------------------------

fn disk_full_case(dir: &Path, n: usize, w: usize) -> Result<(), String> {
    let out = format!("d{n}");
    let log = dir.join(format!("{out}.log"));
    let faults = Faults {
        log: Some(log.clone()),
        enospc_after: Some(n),
        ..Faults::default()
    };
    let failed = invoke(dir, &run_args(&out, &[]), Some(&faults));
    let refused = first_refused(&log);
    let what = format!(
        "disk full after {n}/{w} writes (first refused write: {})",
        refused.as_deref().unwrap_or("none")
    );
    let text = err_text(&failed);
    let mut problems = Vec::new();
    if failed.status.code() != Some(1) {
        problems.push(format!("exit {} (want exit code 1)", failed.status));
    }
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 1 || !lines[0].starts_with("error: ") {
        problems.push(format!("stderr is not one `error: ` line: {text:?}"));
    }
    if let Some(refused) = &refused {
        // The file the refused write went to, as given (relative to the
        // scratch folder) or absolute, under its temporary or final name.
        let absolute = refused.clone();
        let relative = Path::new(refused)
            .strip_prefix(dir.canonicalize().unwrap())
            .map_or(refused.clone(), |p| p.display().to_string());
        let mut names = vec![absolute.clone(), relative.clone()];
        for name in [absolute, relative] {
            if let Some(stem) = name.strip_suffix(".tmp") {
                names.push(stem.to_string());
            }
        }
        if !names.iter().any(|name| text.contains(name.as_str())) {
            problems.push(format!(
                "the error does not name the file being written ({refused}, or its final name): {text:?}"
            ));
        }
    }
    let temps = temporaries(&dir.join(&out));
    if !temps.is_empty() {
        problems.push(format!("temporary files left in {out}: {temps:?}"));
    }
    let manifest = dir.join(&out).join("manifest.json");
    let complete = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .is_some_and(|v| v.get("status").and_then(Value::as_str) == Some("complete"));
    if complete {
        let diffs: Vec<String> = differences(&dir.join("ref"), &dir.join(&out), false)
            .into_iter()
            .filter(|d| !d.ends_with(" extra"))
            .collect();
        if !diffs.is_empty() {
            problems.push(format!(
                "manifest.json says complete but the folder is not: {}",
                diffs.join("; ")
            ));
        }
    }
    let resumed = invoke(dir, &run_args(&out, &["--resume"]), None);
    if !resumed.status.success() {
        problems.push(format!(
            "--resume failed: {}: {}",
            resumed.status,
            err_text(&resumed)
        ));
    } else {
        let diffs = differences(&dir.join("ref"), &dir.join(&out), true);
        if !diffs.is_empty() {
            problems.push(format!(
                "after --resume the folder differs from ref: {}",
                diffs.join("; ")
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: {}", problems.join("; ")))
    }
}

#[test]
fn disk_full_at_every_write_fails_cleanly_and_resume_completes() {
    let started = Instant::now();
    let scratch = scratch();
    let dir = scratch.path();
    must_succeed(dir, &run_args("ref", &[]), None, "the reference run");
    let log = dir.join("count.log");
    let counting = Faults {
        log: Some(log.clone()),
        enospc_after: Some(usize::MAX >> 2),
        ..Faults::default()
    };
    must_succeed(
        dir,
        &run_args("count", &[]),
        Some(&counting),
        "the counting run",
    );
    let diffs = differences(&dir.join("ref"), &dir.join("count"), true);
    assert!(
        diffs.is_empty(),
        "the shim alone changes the run: {diffs:?}"
    );
    let w = writes(&log);
    assert!(w >= 10, "a run makes only {w} writes");
    // Full from the first write on, and after every write but the last.
    let ns: Vec<usize> = (0..w).collect();
    let results = par_map(&ns, |&n| disk_full_case(dir, n, w));
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    eprintln!(
        "kill_moments (d): disk full after each of 0..{w} writes, {ok} of {w} failed cleanly and resumed identically; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_none("a run on a full disk, then resumed", ns.len(), &failures);
}
