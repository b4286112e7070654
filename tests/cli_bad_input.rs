//! Every kind of bad input gets exit code 2, one readable line naming the
//! file, line, column and key, and leaves nothing on disk.

mod common;

use common::{scenario, stderr, succession, tree};

/// One bad input: the arguments after `succession`, and what the error line
/// must contain.
struct Case {
    name: &'static str,
    args: Vec<String>,
    expect: Vec<&'static str>,
}

fn case(name: &'static str, args: &[&str], expect: &[&'static str]) -> Case {
    Case {
        name,
        args: args.iter().map(|a| a.to_string()).collect(),
        expect: expect.to_vec(),
    }
}

fn bad(file: &str) -> String {
    scenario(&format!("cli/bad/{file}")).display().to_string()
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "unknown key",
            &["run", &bad("unknown_key.toml")],
            &["unknown_key.toml:4:1", "capacity.betta"],
        ),
        case(
            "wrong type",
            &["run", &bad("wrong_type.toml")],
            &["wrong_type.toml:2:15", "communities"],
        ),
        case(
            "negative rate",
            &["run", &bad("negative_rate.toml")],
            &["negative_rate.toml:4:", "channels.school.supply"],
        ),
        case(
            "share outside [0, 1]",
            &["run", &bad("share_out_of_range.toml")],
            &["share_out_of_range.toml:2:15", "urban_share"],
        ),
        case(
            "end before start",
            &["run", &bad("end_before_start.toml")],
            &["end_before_start.toml:2:", "end_year"],
        ),
        case(
            "empty schedule",
            &["run", &bad("empty_schedule.toml")],
            &["empty_schedule.toml:4:", "promotion.openness"],
        ),
        case(
            "non-increasing schedule years",
            &["run", &bad("non_increasing_years.toml")],
            &["non_increasing_years.toml:4:", "promotion.openness"],
        ),
        case(
            "sweep path that does not exist",
            &["run", &bad("sweep_unknown_path.toml")],
            &["sweep_unknown_path.toml:7:", "capacity.betta"],
        ),
        case(
            "sweep value out of range",
            &["run", &bad("sweep_bad_value.toml")],
            &["sweep_bad_value.toml:7:1", "sweep point 1", "capacity.beta"],
        ),
        case(
            "sweep table value out of range",
            &["run", &bad("sweep_bad_table.toml")],
            &["sweep_bad_table.csv:3:1", "mentoring.rate"],
        ),
        case(
            "--set path that does not exist",
            &[
                "run",
                &scenario("cli/small.toml").display().to_string(),
                "--set",
                "capacity.betta=3",
            ],
            &["--set capacity.betta=3", "capacity.betta"],
        ),
        case(
            "--set value of the wrong type",
            &[
                "run",
                &scenario("cli/small.toml").display().to_string(),
                "--set",
                "capacity.beta=\"steep\"",
            ],
            &["--set capacity.beta=\"steep\"", "capacity.beta"],
        ),
        case(
            "roster with wrong columns",
            &["run", &bad("roster_columns.toml")],
            &["roster_columns.csv:1:", "header"],
        ),
        case(
            "roster with impossible values",
            &["run", &bad("roster_values.toml")],
            &["roster_values.csv:3:10", "knowledge"],
        ),
        case(
            "missing roster",
            &["run", &bad("roster_missing.toml")],
            &["no_such_roster.csv"],
        ),
        case(
            "missing scenario file",
            &["run", &bad("no_such_scenario.toml")],
            &["no_such_scenario.toml"],
        ),
        case(
            "scenario larger than the machine",
            &["run", &bad("too_big.toml")],
            &["exceeds this machine"],
        ),
        case(
            "snapshot year outside the run",
            &[
                "run",
                &scenario("cli/small.toml").display().to_string(),
                "--snapshot",
                "2100",
            ],
            &["--snapshot 2100"],
        ),
    ]
}

#[test]
fn every_bad_input_exits_2_with_one_line_and_writes_nothing() {
    for case in cases() {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("out");
        let mut args = case.args.clone();
        args.extend(["--out".to_string(), out.display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = succession(scratch.path(), &args);
        let message = stderr(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: exit code; stderr: {message}",
            case.name
        );
        assert_eq!(
            message.lines().count(),
            1,
            "{}: one line expected, got: {message}",
            case.name
        );
        assert!(message.starts_with("error: "), "{}: {message}", case.name);
        for needle in &case.expect {
            assert!(
                message.contains(needle),
                "{}: `{needle}` missing from: {message}",
                case.name
            );
        }
        assert!(
            tree(scratch.path()).is_empty(),
            "{}: wrote {:?}",
            case.name,
            tree(scratch.path())
        );
    }
}

#[test]
fn check_refuses_the_same_inputs() {
    for case in cases()
        .into_iter()
        .filter(|c| !c.name.starts_with("snapshot") && c.args[0] == "run")
    {
        let scratch = tempfile::tempdir().unwrap();
        let mut args = case.args.clone();
        args[0] = "check".into();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = succession(scratch.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {}",
            case.name,
            stderr(&output)
        );
        assert!(tree(scratch.path()).is_empty(), "{}", case.name);
    }
}

#[test]
fn existing_output_folder_is_kept_without_force() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("precious.csv"), "keep me\n").unwrap();
    let small = scenario("cli/small.toml").display().to_string();
    let output = succession(
        scratch.path(),
        &[
            "run",
            &small,
            "--out",
            &out.display().to_string(),
            "--quiet",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(tree(&out), vec!["precious.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("precious.csv")).unwrap(),
        "keep me\n"
    );
}
