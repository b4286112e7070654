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

fn small() -> String {
    scenario("cli/small.toml").display().to_string()
}

fn bad(file: &str) -> String {
    scenario(&format!("cli/bad/{file}")).display().to_string()
}

/// A scenario with one `[channels.*]` table more than the engine can
/// number, generated once into cargo's scratch folder for integration tests
/// (not the cases' working folders, which must stay empty). The 65,537th
/// table, `channels.c65536`, starts on line 2 + 3 * 65,536.
fn many_channels() -> String {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        use std::fmt::Write;
        let mut text = format!("extends = {:?}\n", small());
        for i in 0..=65_536 {
            write!(
                text,
                "[channels.c{i}]\ncohort = \"knowledge\"\nsupply = 1.0\n"
            )
            .expect("writing to a String cannot fail");
        }
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("many_channels.toml");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    })
    .clone()
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
            "supply x kind beyond the Poisson sampler (the broken promise)",
            &[
                "run",
                &small(),
                "--set",
                "channels.school.supply=1e200",
                "--set",
                "channels.school.kind=1e200",
            ],
            &[
                "--set channels.school.supply=1e200",
                "channels.school.supply",
            ],
        ),
        case(
            "kind multiplier beyond the Poisson sampler",
            &["run", &small(), "--set", "channels.school.kind=1e300"],
            &["--set channels.school.kind=1e300", "channels.school.kind"],
        ),
        case(
            "attraction beyond the Poisson sampler",
            &["run", &small(), "--set", "promotion.attraction=1e300"],
            &["--set promotion.attraction=1e300", "promotion.attraction"],
        ),
        case(
            "issue rate beyond the Poisson sampler",
            &["run", &small(), "--set", "issues.rate=1e300"],
            &["--set issues.rate=1e300", "issues.rate"],
        ),
        case(
            "issue rate of 1e20",
            &["run", &small(), "--set", "issues.rate=1e20"],
            &["--set issues.rate=1e20", "issues.rate"],
        ),
        case(
            "supply of 1e20 in a file",
            &["run", &bad("supply_huge.toml")],
            &["supply_huge.toml:5:10", "channels.school.supply"],
        ),
        case(
            "scale taking a value to infinity",
            &["run", &bad("scale_to_infinity.toml")],
            &["scale_to_infinity.toml:5:", "capacity.beta.scale"],
        ),
        case(
            "scale taking an issue rate to infinity",
            &["run", &bad("issue_rate_scale.toml")],
            &["issue_rate_scale.toml:5:", "issues.rate.scale"],
        ),
        case(
            "beta shape too small to sample",
            &["run", &bad("beta_tiny_shape.toml")],
            &[
                "beta_tiny_shape.toml:5:",
                "channels.school.knowledge.beta.0",
            ],
        ),
        case(
            "roster community index of u64::MAX",
            &["run", &bad("roster_overflow.toml")],
            &["roster_overflow.csv:3:3", "community", "out of order"],
        ),
        case(
            "roster that is not a regular file",
            &["run", &bad("roster_dev_zero.toml")],
            &["/dev/zero", "not a regular file"],
        ),
        case(
            "extends a file that is not a regular file",
            &["run", &bad("extends_dev_zero.toml")],
            &[
                "extends_dev_zero.toml:1:11",
                "extends",
                "not a regular file",
            ],
        ),
        case(
            "sweep table that is not a regular file",
            &["run", &bad("table_dev_zero.toml")],
            &["/dev/zero", "not a regular file"],
        ),
        case(
            "sweep table with a column twice",
            &["run", &bad("sweep_dup_column.toml")],
            &[
                "sweep_dup_column.csv:1:3",
                "mentoring.rate",
                "already a column",
            ],
        ),
        case(
            "sweep table value of 2^63",
            &["run", &bad("sweep_huge_value.toml")],
            &["sweep_huge_value.csv:3:1", "communities", "out of range"],
        ),
        case(
            "grid steps near 2^32",
            &["run", &bad("sweep_steps_huge.toml")],
            &["sweep_steps_huge.toml", "4294967295 points"],
        ),
        case(
            "lhs samples near 2^32",
            &["run", &bad("sweep_samples_huge.toml")],
            &["sweep_samples_huge.toml", "4294967295 points"],
        ),
        case(
            "more than 65,536 channels",
            &["run", &many_channels()],
            &[
                "many_channels.toml:196610:",
                "channels.c65536",
                "more than 65,536 channels",
            ],
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
        case(
            "trough window outside the run",
            &["run", &bad("trough_window.toml")],
            &[
                "trough_window.toml:5:18",
                "observe.trough_window.0",
                "1940",
                "1949..=2030",
            ],
        ),
        case(
            "trough window after the run, by --set",
            &[
                "run",
                &small(),
                "--set",
                "observe.trough_window=[2000, 2031]",
            ],
            &[
                "--set observe.trough_window=[2000, 2031]",
                "observe.trough_window.1",
                "2031",
            ],
        ),
        case(
            "more communities than the roster holds",
            &[
                "run",
                &root_scenario("policy-2025.toml"),
                "--set",
                "communities=10001",
            ],
            &["--set communities=10001", "communities", "10001", "10000"],
        ),
        case(
            "--set on a swept path",
            &[
                "run",
                &scenario("sweep/grid.toml").display().to_string(),
                "--set",
                "mentoring.rate=0.3",
            ],
            &[
                "--set mentoring.rate=0.3",
                "sweep parameter `mentoring.rate`",
                "grid.toml:9:1",
            ],
        ),
        case(
            "--set on a table holding a swept path",
            &[
                "run",
                &scenario("sweep/grid.toml").display().to_string(),
                "--set",
                "channels.enterprise.supply=2.0",
            ],
            &[
                "--set channels.enterprise.supply=2.0",
                "sweep parameter `channels.enterprise.supply.scale`",
            ],
        ),
        // Version-2 parameters (MODEL.md section 7).
        case(
            "v2: pool leave above 1",
            &["run", &bad("v2_leave_above_one.toml")],
            &[
                "v2_leave_above_one.toml:5:9",
                "channels.school.leave",
                "1.5",
            ],
        ),
        case(
            "v2: per-kind pool leave below 0",
            &["run", &bad("v2_leave_kind_negative.toml")],
            &[
                "v2_leave_kind_negative.toml:5:32",
                "channels.school.leave.rural",
                "-0.1",
            ],
        ),
        case(
            // Refused by the gate on the first year's pool mean
            // (supply / leave = inf), not by the "grows without bound" rule
            // of the next case: still file, line, column and key.
            "v2: pool leave 0 from the first year with supply > 0",
            &["run", &bad("v2_leave_zero_pool.toml")],
            &["v2_leave_zero_pool.toml:10:9", "channels.military.leave"],
        ),
        case(
            "v2: pool leave falling to 0 with supply > 0",
            &["run", &bad("v2_leave_zero_later.toml")],
            &[
                "v2_leave_zero_later.toml:9:9",
                "channels.military.leave",
                "2000",
                "grows without bound",
            ],
        ),
        case(
            "v2: negative shock sd",
            &["run", &bad("v2_shock_sd_negative.toml")],
            &["v2_shock_sd_negative.toml:5:16", "channels.school.shock.sd"],
        ),
        case(
            "v2: shock sd above 3 (exp(σ z) would overflow)",
            &["run", &bad("v2_shock_sd_huge.toml")],
            &[
                "v2_shock_sd_huge.toml:5:16",
                "channels.school.shock.sd",
                "in [0, 3]",
            ],
        ),
        case(
            "v2: shock persistence of 1",
            &["run", &bad("v2_shock_persistence_one.toml")],
            &[
                "v2_shock_persistence_one.toml:5:35",
                "channels.school.shock.persistence",
                "[0, 1)",
            ],
        ),
        case(
            "v2: negative shock persistence",
            &["run", &bad("v2_shock_persistence_negative.toml")],
            &[
                "v2_shock_persistence_negative.toml:5:35",
                "channels.school.shock.persistence",
                "[0, 1)",
            ],
        ),
        case(
            "v2: unknown key in a shock table",
            &["run", &bad("v2_shock_unknown_key.toml")],
            &[
                "v2_shock_unknown_key.toml:5:21",
                "channels.school.shock.persistance",
                "unknown key",
            ],
        ),
        case(
            "v2: cohort table naming an unknown cohort",
            &["run", &bad("v2_cohort_unknown.toml")],
            &[
                "v2_cohort_unknown.toml:5:56",
                "channels.school.cohort.stepwise.1.1",
                "experiense",
            ],
        ),
        case(
            "v2: cohort table with non-increasing years",
            &["run", &bad("v2_cohort_non_increasing.toml")],
            &[
                "v2_cohort_non_increasing.toml:5:47",
                "channels.school.cohort.stepwise.1.0",
                "strictly increasing",
            ],
        ),
        case(
            "v2: empty cohort table",
            &["run", &bad("v2_cohort_empty.toml")],
            &[
                "v2_cohort_empty.toml:5:23",
                "channels.school.cohort.stepwise",
                "empty",
            ],
        ),
        case(
            "v2: cohort table with points instead of stepwise",
            &["run", &bad("v2_cohort_points.toml")],
            &[
                "v2_cohort_points.toml:5:12",
                "channels.school.cohort.points",
                "stepwise",
            ],
        ),
        case(
            "v2: negative list_extra",
            &["run", &bad("v2_list_extra_negative.toml")],
            &["v2_list_extra_negative.toml:6:14", "elections.list_extra"],
        ),
        case(
            "v2: fractional list_extra",
            &["run", &bad("v2_list_extra_fractional.toml")],
            &[
                "v2_list_extra_fractional.toml:6:14",
                "elections.list_extra",
                "2.5",
            ],
        ),
        case(
            "v2: negative vote_noise",
            &["run", &bad("v2_vote_noise_negative.toml")],
            &["v2_vote_noise_negative.toml:6:14", "elections.vote_noise"],
        ),
        case(
            "v2: unknown election rule",
            &["run", &bad("v2_election_rule_unknown.toml")],
            &[
                "v2_election_rule_unknown.toml:5:8",
                "elections.rule",
                "\"list\"",
            ],
        ),
        case(
            "v2: unknown recruitment supply mode",
            &["run", &bad("v2_supply_mode_unknown.toml")],
            &[
                "v2_supply_mode_unknown.toml:5:10",
                "recruitment.supply",
                "\"pools\"",
            ],
        ),
        case(
            "v2: trust_performance above 1",
            &["run", &bad("v2_trust_performance_above_one.toml")],
            &[
                "v2_trust_performance_above_one.toml:5:21",
                "learning.trust_performance",
            ],
        ),
        case(
            "v2: negative trust_decay",
            &["run", &bad("v2_trust_decay_negative.toml")],
            &["v2_trust_decay_negative.toml:5:15", "learning.trust_decay"],
        ),
        case(
            "v2: mediation above 1",
            &["run", &bad("v2_mediation_above_one.toml")],
            &["v2_mediation_above_one.toml:5:13", "issues.mediation"],
        ),
        case(
            "v2: negative tempered_tenure",
            &["run", &bad("v2_tempered_tenure_negative.toml")],
            &[
                "v2_tempered_tenure_negative.toml:5:19",
                "observe.tempered_tenure",
            ],
        ),
        case(
            "v2: unknown election rule, by --set",
            &["run", &small(), "--set", "elections.rule=ballot"],
            &[
                "--set elections.rule=ballot",
                "elections.rule",
                "\"ballot\"",
            ],
        ),
        case(
            "v2: shock persistence of 1, by --set",
            &[
                "run",
                &small(),
                "--set",
                "channels.school.shock.persistence=1.0",
            ],
            &[
                "--set channels.school.shock.persistence=1.0",
                "channels.school.shock.persistence",
            ],
        ),
    ]
}

/// A scenario of the repository's `scenarios/` folder.
fn root_scenario(file: &str) -> String {
    common::root()
        .join("scenarios")
        .join(file)
        .display()
        .to_string()
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

/// `check` and `run` pass through one gate: every bad input gets the same
/// verdict and the same line from both, and `run` creates no output folder.
#[test]
fn check_and_run_give_the_same_verdict() {
    for case in cases()
        .into_iter()
        // `check` takes no --snapshot.
        .filter(|c| !c.name.starts_with("snapshot") && c.args[0] == "run")
    {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("out");
        let mut run_args = case.args.clone();
        run_args.extend(["--out".to_string(), out.display().to_string()]);
        let run_args: Vec<&str> = run_args.iter().map(String::as_str).collect();
        let run = succession(scratch.path(), &run_args);
        assert!(!out.exists(), "{}: run created {out:?}", case.name);

        let mut check_args = case.args.clone();
        check_args[0] = "check".into();
        let check_args: Vec<&str> = check_args.iter().map(String::as_str).collect();
        let check = succession(scratch.path(), &check_args);
        assert_eq!(
            check.status.code(),
            Some(2),
            "{}: check: {}",
            case.name,
            stderr(&check)
        );
        assert_eq!(
            run.status.code(),
            Some(2),
            "{}: run: {}",
            case.name,
            stderr(&run)
        );
        assert_eq!(stderr(&check), stderr(&run), "{}", case.name);
        assert!(tree(scratch.path()).is_empty(), "{}", case.name);
    }
}

/// `channels.<c>.leave` = 0 is refused only in pool mode: the same files
/// with `recruitment.supply = "per_vacancy"` (where leave is unused) are
/// valid, and `check` accepts them.
#[test]
fn leave_zero_is_accepted_per_vacancy() {
    for file in ["v2_leave_zero_pool.toml", "v2_leave_zero_later.toml"] {
        let scratch = tempfile::tempdir().unwrap();
        let output = succession(
            scratch.path(),
            &[
                "check",
                &bad(file),
                "--set",
                "recruitment.supply=\"per_vacancy\"",
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{file}: check with per_vacancy: {}",
            stderr(&output)
        );
        assert!(tree(scratch.path()).is_empty(), "{file}");
    }
}

/// Too many channels used to be refused only by the plan gate, after
/// minutes of merging channel tables: it must be refused as the file is read.
#[test]
fn too_many_channels_are_refused_quickly() {
    let path = many_channels();
    let scratch = tempfile::tempdir().unwrap();
    for command in ["check", "run"] {
        let start = std::time::Instant::now();
        let output = succession(scratch.path(), &[command, &path]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&output)
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{command} took {:?}",
            start.elapsed()
        );
    }
}

/// A panic in a worker is a bug, not bad input: exit 1 with one line, and
/// the manifest records the study as failed (it used to exit 101 and leave
/// `status: running`). The trigger is a test-only environment variable read
/// in the binary's progress callback, never in the library.
#[test]
fn a_worker_panic_exits_1_and_marks_the_manifest_failed() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_succession"))
        .current_dir(scratch.path())
        .env("SUCCESSION_TEST_PANIC_IN_RUN", "1")
        .args(["run", &small(), "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: internal error")
            && message.contains("SUCCESSION_TEST_PANIC_IN_RUN"),
        "{message}"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["status"], "failed", "{manifest}");
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
    // --force would not help (it replaces only run folders): the message
    // names what is there and asks for another folder.
    let message = stderr(&output);
    assert!(
        message.contains("precious.csv") && message.contains("another --out"),
        "{message}"
    );
    assert_eq!(tree(&out), vec!["precious.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("precious.csv")).unwrap(),
        "keep me\n"
    );
}
