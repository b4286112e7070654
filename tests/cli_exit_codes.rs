//! Exit codes and the one error line: a bad output location, a bad command
//! line (clap's errors) and other input that used to exit 1 or print more
//! than one line now exit 2 with one `error: ...` line and write nothing;
//! `merge --quiet` prints nothing; help and the version still work.

mod common;

use common::{scenario, stderr, stdout, succession, tree};
use std::process::Output;

fn small() -> String {
    scenario("cli/small.toml").display().to_string()
}

/// A folder holding `file` (a regular file), `dangling` (a symbolic link to
/// nothing), `empty/` and the two complete shards of the small scenario
/// (`s0/`, `s1/`), so that merge gets as far as its output folder.
fn scratch() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("file"), "not a folder\n").unwrap();
    std::os::unix::fs::symlink("nowhere", dir.join("dangling")).unwrap();
    std::fs::create_dir(dir.join("empty")).unwrap();
    for (i, shard) in ["s0", "s1"].iter().enumerate() {
        let output = succession(
            dir,
            &[
                "run",
                &small(),
                "--quiet",
                "--shard",
                &format!("{i}/2"),
                "--out",
                shard,
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    std::fs::write(dir.join("targets.toml"), targets("v")).unwrap();
    std::fs::write(
        dir.join("broken_targets.toml"),
        "[[target]]\nname = \"t\"\nmetric = \"capacity_mean\"\nyears = 1960\n",
    )
    .unwrap();
    scratch
}

/// A targets file with one target and the variant `variant`.
fn targets(variant: &str) -> String {
    format!(
        "[variants.{variant:?}]\nset = {{ \"capacity.beta\" = 2.0 }}\n\n\
         [[target]]\nname = \"t\"\nmetric = \"capacity_mean\"\nyears = 1960\n\
         range = [0.0, 1.0]\nsource = \"test\"\ncontrast = {variant:?}\n"
    )
}

/// One bad input: where it runs (relative to the scratch folder), its
/// arguments, and what its one error line must contain.
struct Case {
    name: String,
    cwd: &'static str,
    args: Vec<String>,
    expect: Vec<String>,
}

fn case(name: &str, args: &[&str], expect: &[&str]) -> Case {
    Case {
        name: name.to_string(),
        cwd: ".",
        args: args.iter().map(|a| a.to_string()).collect(),
        expect: expect.iter().map(|e| e.to_string()).collect(),
    }
}

/// What is wrong with `output` as a bad input's (exit code 2, one line
/// starting `error: `, holding every `expect`), if anything.
fn verdict(output: &Output, expect: &[String]) -> Option<String> {
    let message = stderr(output);
    if output.status.code() != Some(2) {
        return Some(format!("exit code {:?}: {message}", output.status.code()));
    }
    if message.lines().count() != 1 || !message.starts_with("error: ") {
        return Some(format!("not one `error: ` line: {message:?}"));
    }
    for needle in expect {
        if !message.contains(needle.as_str()) {
            return Some(format!("`{needle}` missing from: {message}"));
        }
    }
    None
}

/// Runs every case in a fresh scratch folder and fails listing every case
/// that is not one line with exit code 2 or that changed the folder.
fn check_cases(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for case in cases {
        let scratch = scratch();
        let before = tree(scratch.path());
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let output = succession(&scratch.path().join(case.cwd), &args);
        if let Some(problem) = verdict(&output, &case.expect) {
            failures.push(format!("{}: {problem}", case.name));
        }
        let after = tree(scratch.path());
        if after != before {
            let new: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
            failures.push(format!("{}: wrote {new:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn long_name() -> String {
    format!("out/{}", "x".repeat(300))
}

fn long_path() -> String {
    format!("out/{}", ["abcd"; 1000].join("/"))
}

#[test]
fn bad_output_locations_exit_2_and_write_nothing() {
    let long_name = long_name();
    let long_path = long_path();
    let run = |name: &str, flags: &[&str], out: &str, expect: &[&str]| {
        let small = small();
        let mut args = vec!["run", small.as_str(), "--quiet", "--out", out];
        args.extend(flags);
        case(name, &args, expect)
    };
    let merge = |name: &str, flags: &[&str], out: &str, expect: &[&str]| {
        let mut args = vec!["merge", "s0", "s1", "--out", out];
        args.extend(flags);
        case(name, &args, expect)
    };
    let calibrate = |name: &str, out: &str, expect: &[&str]| {
        let small = small();
        let args = [
            "calibrate",
            small.as_str(),
            "--targets",
            "targets.toml",
            "--quiet",
            "--out",
            out,
        ];
        case(name, &args, expect)
    };
    let too_long = "a folder name is 300 bytes; at most 255 are allowed";
    let not_a_folder = "file: exists and is not a folder";
    let inside_file = "file/sub: file exists and is not a folder";
    let cases = vec![
        run("run: name over 255 bytes", &[], &long_name, &[too_long]),
        run(
            "run: path over 4095 bytes",
            &[],
            &long_path,
            &["the path is 5003 bytes"],
        ),
        run("run: inside a file", &[], "file/sub", &[inside_file]),
        run("run: a file", &[], "file", &[not_a_folder]),
        run(
            "run --resume: a file",
            &["--resume"],
            "file",
            &[not_a_folder],
        ),
        run(
            "run --resume: inside a file",
            &["--resume"],
            "file/sub",
            &[inside_file],
        ),
        run("run --force: a file", &["--force"], "file", &[not_a_folder]),
        run(
            "run --force: name over 255 bytes",
            &["--force"],
            &long_name,
            &[too_long],
        ),
        run(
            "run: a dangling link",
            &[],
            "dangling",
            &["symbolic link to nothing"],
        ),
        merge("merge: name over 255 bytes", &[], &long_name, &[too_long]),
        merge(
            "merge: path over 4095 bytes",
            &[],
            &long_path,
            &["the path is"],
        ),
        merge("merge: inside a file", &[], "file/sub", &[inside_file]),
        merge("merge: a file", &[], "file", &[not_a_folder]),
        merge(
            "merge --force: a file",
            &["--force"],
            "file",
            &[not_a_folder],
        ),
        merge(
            "merge --force: inside a file",
            &["--force"],
            "file/sub",
            &[inside_file],
        ),
        calibrate("calibrate: a file", "file", &[not_a_folder]),
        calibrate("calibrate: inside a file", "file/sub", &[inside_file]),
        calibrate("calibrate: name over 255 bytes", &long_name, &[too_long]),
    ];
    // `--out .` is a folder like any other (tests/data_safety.rs).
    check_cases(cases);
}

/// A variant runs into DIR/variants/<name>/: a name the folder cannot hold
/// is refused before the base run writes anything (it used to fail after
/// it, with exit 1), and a name that leads out of the folder is refused.
#[test]
fn calibrate_refuses_variant_names_that_are_no_folder_name() {
    let mut failures = Vec::new();
    for (variant, expect) in [
        ("y".repeat(256), "a folder name is 256 bytes"),
        (
            "../../escaped".to_string(),
            "a variant name is the name of its folder",
        ),
        (
            "a/b".to_string(),
            "a variant name is the name of its folder",
        ),
    ] {
        let scratch = scratch();
        std::fs::write(scratch.path().join("bad_targets.toml"), targets(&variant)).unwrap();
        let before = tree(scratch.path());
        let output = succession(
            scratch.path(),
            &[
                "calibrate",
                &small(),
                "--targets",
                "bad_targets.toml",
                "--quiet",
                "--out",
                "cal",
            ],
        );
        if let Some(problem) = verdict(&output, &[expect.to_string()]) {
            failures.push(format!("{variant}: {problem}"));
        }
        if tree(scratch.path()) != before {
            failures.push(format!("{variant}: wrote {:?}", tree(scratch.path())));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn merge_quiet_prints_nothing() {
    let scratch = scratch();
    let quiet = succession(
        scratch.path(),
        &["merge", "s0", "s1", "--out", "m", "--quiet"],
    );
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "");
    assert_eq!(stdout(&quiet), "");
    assert!(scratch.path().join("m/timeseries.csv").is_file());

    let loud = succession(scratch.path(), &["merge", "s0", "s1", "--out", "m2"]);
    assert!(loud.status.success(), "{}", stderr(&loud));
    assert_eq!(stderr(&loud), "merged 2 shards into m2\n");
}

/// clap's errors in the tool's format: one line, clap's message and its
/// tip, the help to see; exit code 2.
#[test]
fn command_line_errors_are_one_line_with_exit_code_2() {
    let small = small();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", &small, "--resum"],
            "error: unexpected argument '--resum' found; a similar argument exists: '--resume' \
             (see `succession run --help`)",
        ),
        (
            vec!["run"],
            "error: the following required arguments were not provided: <SCENARIO> \
             (see `succession run --help`)",
        ),
        (
            vec!["run", &small, "--threads", "0"],
            "error: invalid value '0' for '--threads <N>': 0 is not in 1..=65535 \
             (see `succession run --help`)",
        ),
        (
            vec!["run", &small, "--resume", "--force"],
            "error: the argument '--resume' cannot be used with '--force' \
             (see `succession run --help`)",
        ),
        (
            vec!["frob"],
            "error: unrecognized subcommand 'frob' (see `succession --help`)",
        ),
        (
            vec!["merg", "s0"],
            "error: unrecognized subcommand 'merg'; a similar subcommand exists: 'merge' \
             (see `succession --help`)",
        ),
        (
            vec!["merge", "--out", "m"],
            "error: the following required arguments were not provided: <SHARDS>... \
             (see `succession merge --help`)",
        ),
        (
            vec!["run", &small, "--out", ""],
            "error: a value is required for '--out <DIR>' but none was supplied \
             (see `succession run --help`)",
        ),
        (
            vec!["run", &small, "--snapshot", "abc"],
            "error: invalid value 'abc' for '--snapshot <YEAR>': invalid digit found in string \
             (see `succession run --help`)",
        ),
        (
            vec!["plot", "dir", "--point", "-1"],
            "error: unexpected argument '-1' found; to pass '-1' as a value, use '-- -1' \
             (see `succession plot --help`)",
        ),
    ];
    let scratch = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (args, expected) in cases {
        let output = succession(scratch.path(), &args);
        let message = stderr(&output);
        if output.status.code() != Some(2) || message != format!("{expected}\n") {
            failures.push(format!(
                "{args:?}: exit {:?}\n  got:      {message:?}\n  expected: {expected:?}",
                output.status.code()
            ));
        }
        if !stdout(&output).is_empty() {
            failures.push(format!("{args:?}: printed to stdout"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        tree(scratch.path()).is_empty(),
        "{:?}",
        tree(scratch.path())
    );
}

#[test]
fn help_and_version_keep_working() {
    let scratch = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["-h"],
        &["run", "--help"],
        &["help", "merge"],
        &["--version"],
    ] {
        let output = succession(scratch.path(), args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stdout(&output).is_empty(), "{args:?}");
        assert_eq!(stderr(&output), "", "{args:?}");
    }
    let version = succession(scratch.path(), &["--version"]);
    assert!(
        stdout(&version).starts_with("succession "),
        "{}",
        stdout(&version)
    );
    // No arguments: the whole help, on stderr, with exit code 2.
    let bare = succession(scratch.path(), &[]);
    assert_eq!(bare.status.code(), Some(2));
    assert!(
        stderr(&bare).contains("Usage: succession <COMMAND>"),
        "{}",
        stderr(&bare)
    );
    assert!(stderr(&bare).contains("Commands:"), "{}", stderr(&bare));
}

/// Other input that used to exit 1 or print several lines, and input that
/// already got one line with exit code 2 (kept that way).
#[test]
fn other_bad_input_is_one_line_with_exit_code_2() {
    let small = small();
    let cases = vec![
        // A line break in a file name used to split the error line.
        case(
            "scenario name with a line break",
            &["run", "no\nsuch.toml", "--out", "out"],
            &["no\\nsuch.toml: cannot read scenario"],
        ),
        case(
            "--out with a line break inside a file",
            &["run", &small, "--out", "file/a\nb"],
            &["file/a\\nb: file exists and is not a folder"],
        ),
        // toml's own message quotes the source over several lines.
        case(
            "targets file missing a field",
            &[
                "calibrate",
                &small,
                "--targets",
                "broken_targets.toml",
                "--out",
                "cal",
            ],
            &["broken_targets.toml:1:1: missing field `source`"],
        ),
        // It used to be read until memory ran out.
        case(
            "targets that are not a regular file",
            &[
                "calibrate",
                &small,
                "--targets",
                "/dev/zero",
                "--out",
                "cal",
            ],
            &["/dev/zero: cannot read targets: not a regular file"],
        ),
        case(
            "plot a regular file",
            &["plot", "file"],
            &["file: is not a folder"],
        ),
        case(
            "plot a missing folder",
            &["plot", "missing"],
            &["missing: no such folder"],
        ),
        case(
            "plot a point the folder does not hold",
            &["plot", "s0", "--point", "99"],
            &["--point 99"],
        ),
        case(
            "--shard beyond its count",
            &["run", &small, "--shard", "3/2", "--out", "out"],
            &["--shard 3/2"],
        ),
        case(
            "--shard 0/0",
            &["run", &small, "--shard", "0/0", "--out", "out"],
            &["--shard 0/0"],
        ),
        case(
            "--snapshot before the run",
            &["run", &small, "--snapshot", "1700", "--out", "out"],
            &["--snapshot 1700"],
        ),
        case(
            "merge of a file",
            &["merge", "s0", "file", "--out", "m"],
            &["file: not a run folder"],
        ),
    ];
    check_cases(cases);
}

/// The messages about overlong names stay short.
#[test]
fn overlong_names_are_shortened_in_the_message() {
    let scratch = tempfile::tempdir().unwrap();
    for out in [long_name(), long_path()] {
        let output = succession(scratch.path(), &["run", &small(), "--out", &out]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).len() < 300, "{}", stderr(&output));
        assert!(stderr(&output).contains('…'), "{}", stderr(&output));
    }
    assert!(tree(scratch.path()).is_empty());
}
