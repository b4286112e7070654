//! Scenario files end to end: the reference case loads unchanged, `extends`
//! merges as MODEL.md section 6 says, every class of bad input is refused
//! with the file, line, column and key, overrides reach every numeric leaf,
//! and `to_toml` round-trips.

use std::path::{Path, PathBuf};

use succession::scenario::{
    self, Cohort, CohortRule, Distribution, Level, Override, PerKind, Scenario, Schedule, SeedMode,
    Shape, Source, SweepValues,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

fn load(name: &str) -> Scenario {
    scenario::load(&fixture(name), &[]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn set(arg: &str) -> Override {
    Override::parse_set(arg).unwrap()
}

fn load_with(name: &str, sets: &[&str]) -> succession::Result<Scenario> {
    let overrides: Vec<Override> = sets.iter().map(|s| set(s)).collect();
    scenario::load(&fixture(name), &overrides)
}

fn linear(points: &[(f64, f64)]) -> Schedule {
    Schedule {
        shape: Shape::Linear(points.to_vec()),
        scale: 1.0,
    }
}

#[test]
fn reference_start_loads_unchanged() {
    let s = load("parse/reference-start.toml");
    assert_eq!(s.name, "reference");
    assert_eq!((s.start_year, s.end_year), (1949, 2060));
    assert_eq!(s.team.seats, PerKind { urban: 7, rural: 7 });
    assert_eq!(s.issues.rate.urban.at(2020), 36.0);
    assert_eq!(s.issues.rate.rural.at(1949), 16.0);
    assert_eq!(
        s.elections.term.shape,
        Shape::Stepwise(vec![(1949.0, 3.0), (2018.0, 5.0)])
    );
    assert_eq!(s.exits.death.a, Schedule::constant(5e-5));
    assert_eq!(s.exits.retirement.age.rural, Schedule::constant(65.0));
    // Not in the file: built-in defaults.
    assert_eq!(s.observe.educated_threshold, 0.6);
    assert_eq!(s.observe.burn_in, 10);
    assert_eq!(s.seeds, SeedMode::Common);
    assert_eq!(s.policy_window, (2025, 2060));
    assert_eq!(s.init.roster, None);
    assert_eq!(s.sweep, None);
    let names: Vec<&str> = s.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "agency",
            "enterprise",
            "military",
            "revolution",
            "school",
            "society"
        ]
    );
    let agency = &s.channels[0];
    assert_eq!(agency.cohort, CohortRule::Fixed(Cohort::Knowledge));
    assert_eq!(agency.secondment_years, 3);
    assert_eq!(agency.kind.rural, Schedule::constant(1.5));
    assert_eq!(
        agency.age,
        Distribution::Normal {
            mean: 32.0,
            sd: 5.0,
            min: 24.0,
            max: 45.0
        }
    );
    assert_eq!(agency.trust, Distribution::Beta { a: 2.0, b: 6.0 });
}

#[test]
fn project_scenarios_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for name in [
        "baseline.toml",
        "policy-2025.toml",
        "national.toml",
        "v1/baseline.toml",
        "v1/policy-2025.toml",
        "v1/national.toml",
    ] {
        let s = scenario::load(&root.join(name), &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.channels.len(), 6, "{name}");
    }
}

#[test]
fn extends_merges_key_by_key_and_replaces_whole_values() {
    let base = load("parse/base.toml");
    let child = load("parse/child.toml");
    // `name` is not inherited: the child's default is its file stem.
    assert_eq!(base.name, "base");
    assert_eq!(child.name, "child");
    assert_eq!(child.description, "child of base");
    assert_eq!(child.communities, 50);
    // A schedule given in the child replaces the parent's whole, scale included.
    assert_eq!(
        base.promotion.openness,
        Schedule {
            shape: Shape::Linear(vec![(1949.0, 0.0), (2000.0, 0.1)]),
            scale: 2.0
        }
    );
    assert_eq!(child.promotion.openness, Schedule::constant(0.05));
    // `enabled = false` drops an inherited channel; channels sorted by name.
    let names: Vec<&str> = child.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["agency", "local"]);
    // A redefined channel takes missing fields from the parent's channel.
    let local = &child.channels[1];
    assert_eq!(local.turnover, Schedule::constant(0.1));
    assert_eq!(local.localness, Schedule::constant(0.9));
    assert_eq!(local.supply, linear(&[(1949.0, 1.0), (2000.0, 2.0)]));
    assert_eq!(local.knowledge, Distribution::Beta { a: 2.0, b: 5.0 });
    // A new channel gets the new-channel defaults.
    let agency = &child.channels[0];
    assert_eq!(agency.cohort, CohortRule::Fixed(Cohort::Knowledge));
    assert_eq!(agency.responds_to_openness, Some(true));
    assert_eq!(local.responds_to_openness, Some(false));
    assert_eq!(agency.kind.urban, Schedule::constant(1.0));
    assert_eq!(agency.localness, Schedule::constant(1.0));
    assert_eq!(agency.turnover, Schedule::constant(0.0));
    assert_eq!(agency.promotion, Schedule::constant(0.0));
    assert_eq!(agency.secondment_years, 0);
    assert_eq!(agency.age, Distribution::Constant(30.0));
    assert_eq!(agency.trust, Distribution::Constant(0.5));
    // The roster path resolves against base.toml, which names it.
    let roster = child.init.roster.clone().unwrap();
    assert!(roster.is_absolute(), "{}", roster.display());
    assert!(
        roster.ends_with("tests/scenarios/parse/rosters/base.csv"),
        "{}",
        roster.display()
    );
}

#[test]
fn extends_across_folders() {
    let grand = load("parse/sub/grandchild.toml");
    assert_eq!(grand.name, "grand");
    assert_eq!(grand.description, "child of base");
    let roster = grand.init.roster.clone().unwrap();
    assert!(
        roster.ends_with("tests/scenarios/parse/sub/own.csv"),
        "{}",
        roster.display()
    );
    // Re-enabling a dropped channel brings back what the base defined.
    let names: Vec<&str> = grand.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["agency", "local", "school"]);
    assert_eq!(grand.channels[2].localness, Schedule::constant(0.3));
}

#[test]
fn sweep_keeps_written_order() {
    let s = load("parse/sweep.toml");
    let sweep = s.sweep.unwrap();
    assert_eq!(sweep.method, "grid");
    let paths: Vec<&str> = sweep.parameters.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "promotion.openness.scale",
            "channels.school.supply.scale",
            "channels.local.age.normal.0"
        ]
    );
    assert_eq!(
        sweep.parameters[0].1,
        SweepValues::Range {
            from: 0.0,
            to: 3.0,
            steps: Some(7)
        }
    );
    assert_eq!(
        sweep.parameters[2].1,
        SweepValues::List(vec![Level::Number(35.0), Level::Number(45.0)])
    );
}

#[test]
fn a_grid_takes_the_words_and_booleans_of_categorical_paths() {
    let sweep = load("parse/sweep_categorical.toml").sweep.unwrap();
    let list = |values: &[Level]| SweepValues::List(values.to_vec());
    assert_eq!(
        sweep.parameters,
        [
            (
                "elections.rule".to_string(),
                list(&[Level::Text("seat"), Level::Text("committee")])
            ),
            (
                "channels.school.cohort".to_string(),
                list(&[Level::Text("knowledge"), Level::Text("experience")])
            ),
            (
                "elections.enabled".to_string(),
                list(&[Level::Bool(true), Level::Bool(false)])
            ),
            (
                "mentoring.rate".to_string(),
                list(&[Level::Number(0.0), Level::Number(0.1)])
            ),
        ]
    );
}

/// Each bad file and what its one-line error must contain.
const BAD: &[(&str, &[&str])] = &[
    (
        "unknown_key.toml",
        &[
            "unknown_key.toml:4:1: capacity.betta: unknown key",
            "did you mean `beta`",
        ],
    ),
    (
        "unknown_section.toml",
        &["unknown_section.toml:3:2: capacityy: unknown key (did you mean `capacity`?)"],
    ),
    (
        "wrong_type.toml",
        &["wrong_type.toml:2:15: communities: expected a whole number, found string \"many\""],
    ),
    (
        "bad_beta.toml",
        &[
            "bad_beta.toml:7:8: capacity.beta: expected",
            "found string \"x\"",
        ],
    ),
    (
        "spread_zero.toml",
        &[
            "spread_zero.toml:4:25: exits.retirement.spread: 0 is out of range",
            "> 0",
        ],
    ),
    (
        "term_below_one.toml",
        &[
            "term_below_one.toml:4:40: elections.term.stepwise.1.1: 0.5 is out of range",
            ">= 1",
        ],
    ),
    (
        "beta_shape.toml",
        &[
            "beta_shape.toml:4:23: channels.local.knowledge.beta.0: 0 is out of range",
            ">= 0.001",
        ],
    ),
    (
        "sd_zero.toml",
        &["sd_zero.toml:4:23: channels.local.age.normal.1: 0 is out of range"],
    ),
    (
        "no_mass.toml",
        &[
            "no_mass.toml:4:9: channels.local.trust:",
            "probability mass",
            "inside [0, 1]",
        ],
    ),
    (
        "empty_window.toml",
        &[
            "empty_window.toml:4:43: channels.local.age:",
            "[40, 30] is empty",
        ],
    ),
    (
        "skill_window.toml",
        &[
            "skill_window.toml:4:43: channels.local.experience.min: -0.5 is out of range",
            "in [0, 1]",
        ],
    ),
    (
        "age_beta.toml",
        &["age_beta.toml:4:7: channels.local.age: an age cannot follow a beta"],
    ),
    (
        "negative_rate.toml",
        &[
            "negative_rate.toml:4:18: issues.rate.urban: -1 is out of range",
            ">= 0",
        ],
    ),
    (
        "negative_supply.toml",
        &["negative_supply.toml:4:31: channels.school.supply.1.1: -0.5 is out of range"],
    ),
    (
        "negative_weight.toml",
        &["negative_weight.toml:4:9: selection.trust: -0.1 is out of range"],
    ),
    (
        "negative_scale.toml",
        &["negative_scale.toml:4:38: learning.experience.scale: scale -1 takes"],
    ),
    (
        "probability.toml",
        &[
            "probability.toml:4:14: issues.escalation: 1.5 is out of range",
            "in [0, 1]",
        ],
    ),
    (
        "share.toml",
        &["share.toml:2:15: urban_share: -0.2 is out of range"],
    ),
    (
        "threshold.toml",
        &["threshold.toml:4:22: observe.educated_threshold: 1.2 is out of range"],
    ),
    (
        "end_before_start.toml",
        &["end_before_start.toml:2:12: end_year: 1900 is before start_year 1949"],
    ),
    (
        "empty_schedule.toml",
        &["empty_schedule.toml:4:12: promotion.openness: the schedule is empty"],
    ),
    (
        "non_increasing.toml",
        &["non_increasing.toml:4:27: promotion.openness.1.0: year 2000 does not come after 2000"],
    ),
    (
        "mix_all_zero.toml",
        &["mix_all_zero.toml:4:25: issues.mix: the issue mix weights are all 0 in 2000"],
    ),
    (
        "zero_communities.toml",
        &[
            "zero_communities.toml:2:15: communities: 0 is out of range: expected a whole number at least 1",
        ],
    ),
    (
        "zero_replicates.toml",
        &["zero_replicates.toml:2:14: replicates: 0 is out of range"],
    ),
    (
        "zero_seats.toml",
        &["zero_seats.toml:4:30: team.seats.rural: 0 is out of range"],
    ),
    (
        "fractional_window.toml",
        &["fractional_window.toml:4:10: mentoring.window: expected a whole number, found 2.5"],
    ),
    (
        "policy_window.toml",
        &[
            "policy_window.toml:2:18: policy_window.0: the window [2040, 2050] lies outside the run 1949..=2030",
        ],
    ),
    (
        "policy_window_order.toml",
        &["policy_window_order.toml:2:24: policy_window.1: 2010 is before 2020"],
    ),
    (
        "schedule_key.toml",
        &["schedule_key.toml:4:10: capacity.beta.pionts: unknown key in a schedule"],
    ),
    (
        "bad_cohort.toml",
        &[
            "bad_cohort.toml:4:10: channels.local.cohort: unknown value \"elder\"",
            "\"knowledge\"",
        ],
    ),
    (
        "bad_seeds.toml",
        &["bad_seeds.toml:2:9: seeds: unknown value \"shared\""],
    ),
    (
        "new_channel_no_supply.toml",
        &["new_channel_no_supply.toml:3:11: channels.society: a new channel must give `supply`"],
    ),
    (
        "no_channels.toml",
        &["no_channels.toml:1:1: channels: a scenario needs at least one enabled channel"],
    ),
    (
        "channel_name.toml",
        &["channel_name.toml:3:11: channels.first secretary: channel name"],
    ),
    (
        "missing_parent.toml",
        &[
            "missing_parent.toml:1:11: extends:",
            "no_such_parent.toml: cannot read scenario",
        ],
    ),
    ("syntax.toml", &["syntax.toml:2:", ": syntax: "]),
    ("date.toml", &["date.toml:2:14:", "date/time"]),
    (
        "sweep_unknown_path.toml",
        &[
            "sweep_unknown_path.toml:7:1: sweep.parameters.\"capacity.betta\":",
            "did you mean `capacity.beta`",
        ],
    ),
    (
        "sweep_not_numeric.toml",
        &[
            "sweep_not_numeric.toml:4:1: sweep.parameters.\"seeds\": `seeds` is not a value a sweep can set: it says how all the points share random numbers",
        ],
    ),
    (
        "sweep_unknown_level.toml",
        &[
            "sweep_unknown_level.toml:4:29: sweep.parameters.\"elections.rule\".1: unknown value \"comittee\": expected one of \"seat\", \"committee\"",
        ],
    ),
    (
        "sweep_level_type.toml",
        &[
            "sweep_level_type.toml:4:26: sweep.parameters.\"mentoring.rate\".1: expected a finite number, found",
        ],
    ),
    (
        "sweep_word_type.toml",
        &[
            "sweep_word_type.toml:4:29: sweep.parameters.\"elections.rule\".1: expected one of \"seat\", \"committee\", found",
        ],
    ),
    (
        "sweep_boolean_level.toml",
        &[
            "sweep_boolean_level.toml:7:30: sweep.parameters.\"elections.enabled\".1: expected true or false, found",
        ],
    ),
    (
        "sweep_categorical_lhs.toml",
        &[
            "sweep_categorical_lhs.toml:9:1: sweep.parameters.\"elections.rule\": method \"lhs\" samples a range of numbers; `elections.rule` is a string path: use grid or zip",
        ],
    ),
    (
        "sweep_method.toml",
        &["sweep_method.toml:4:10: sweep.method: unknown value \"sobol\""],
    ),
    (
        "sweep_zip.toml",
        &[
            "sweep_zip.toml:8:20: sweep.parameters.\"capacity.gamma\": zip needs lists of equal length",
        ],
    ),
    (
        "sweep_samples.toml",
        &["sweep_samples.toml:4:1: sweep.samples: method \"lhs\" needs `samples`"],
    ),
    (
        "sweep_steps.toml",
        &["sweep_steps.toml:4:52: sweep.parameters.\"capacity.beta\".steps: 0 is out of range"],
    ),
    (
        "sweep_empty_list.toml",
        &[
            "sweep_empty_list.toml:4:19: sweep.parameters.\"capacity.beta\": the list of values is empty",
        ],
    ),
    (
        "sweep_table.toml",
        &["sweep_table.toml:4:1: sweep.method: method \"table\" needs `table"],
    ),
    (
        "sweep_no_parameters.toml",
        &[
            "sweep_no_parameters.toml:3:1: sweep.parameters: method \"grid\" needs at least one parameter",
        ],
    ),
];

#[test]
fn every_bad_input_names_file_line_column_and_key() {
    let mut failures = Vec::new();
    for (file, needles) in BAD {
        match scenario::load(&fixture(&format!("bad/{file}")), &[]) {
            Ok(_) => failures.push(format!("{file}: loaded without error")),
            Err(e) => {
                let message = e.to_string();
                assert!(e.is_bad_input(), "{file}: {message}");
                if message.lines().count() != 1 {
                    failures.push(format!("{file}: not one line: {message}"));
                }
                for needle in *needles {
                    if !message.contains(needle) {
                        failures.push(format!("{file}: `{needle}` missing from: {message}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_bad_fixture_is_listed() {
    let dir = fixture("bad");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") {
            assert!(
                BAD.iter().any(|(f, _)| *f == name),
                "{name} has no expectation"
            );
        }
    }
}

#[test]
fn extends_cycle_names_the_file() {
    let message = scenario::load(&fixture("parse/cycle_a.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(message.contains("cycle_b.toml:1:11: extends:"), "{message}");
    assert!(message.contains("cycle_a.toml extends itself"), "{message}");
}

#[test]
fn missing_file_is_bad_input() {
    let e = scenario::load(&fixture("parse/no_such.toml"), &[]).unwrap_err();
    assert!(e.is_bad_input());
    assert!(
        e.to_string().contains("no_such.toml: cannot read scenario"),
        "{e}"
    );
}

#[test]
fn parse_set_splits_at_the_first_equals_sign() {
    let o = set("name=\"a=b\"");
    assert_eq!(o.path, "name");
    assert_eq!(o.value, "\"a=b\"");
    assert_eq!(o.origin, "--set name=\"a=b\"");
    let e = Override::parse_set("capacity.beta")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("--set capacity.beta: "), "{e}");
    assert!(Override::parse_set("=3").is_err());
}

#[test]
fn overrides_reach_every_numeric_leaf() {
    let s = load_with(
        "parse/base.toml",
        &[
            "capacity.beta.scale=2",
            "issues.rate.urban=50",
            "channels.school.age.normal.0=25",
            "policy_window.0=2020",
            "promotion.openness.points.1.1=0.2",
            "learning.knowledge.scale=3",
            "team.seats.rural=4",
            "exits.retirement.age.scale=1.1",
            "elections.enabled=false",
            "seeds=independent",
            "name=\"renamed\"",
        ],
    )
    .unwrap();
    assert_eq!(
        s.capacity.beta,
        Schedule {
            shape: Shape::Constant(8.0),
            scale: 2.0
        }
    );
    assert_eq!(s.issues.rate.urban, Schedule::constant(50.0));
    assert_eq!(s.issues.rate.rural, Schedule::constant(25.0));
    let school = s.channels.iter().find(|c| c.name == "school").unwrap();
    assert!(matches!(school.age, Distribution::Normal { mean, .. } if mean == 25.0));
    assert_eq!(s.policy_window, (2020, 2060.min(s.end_year)));
    assert_eq!(
        s.promotion.openness,
        Schedule {
            shape: Shape::Linear(vec![(1949.0, 0.0), (2000.0, 0.2)]),
            scale: 2.0
        }
    );
    assert_eq!(s.learning.knowledge.scale, 3.0);
    assert_eq!(s.team.seats, PerKind { urban: 6, rural: 4 });
    assert_eq!(s.exits.retirement.age.urban.scale, 1.1);
    assert_eq!(s.exits.retirement.age.rural.at(2000), 65.0 * 1.1);
    assert!(!s.elections.enabled);
    assert_eq!(s.seeds, SeedMode::Independent);
    assert_eq!(s.name, "renamed");
}

#[test]
fn overrides_replace_whole_schedules_in_order() {
    let s = load_with(
        "parse/base.toml",
        &[
            "promotion.openness=[[2000,0.1],[2030,0.3]]",
            "channels.local.supply=0.7",
            "capacity.beta.scale=2",
            "capacity.beta.scale=3",
        ],
    )
    .unwrap();
    assert_eq!(
        s.promotion.openness,
        linear(&[(2000.0, 0.1), (2030.0, 0.3)])
    );
    assert_eq!(s.channels[0].supply, Schedule::constant(0.7));
    assert_eq!(s.capacity.beta.scale, 3.0);
}

#[test]
fn override_errors_name_the_override() {
    let cases: &[(&str, &[&str])] = &[
        (
            "capacity.betta=3",
            &[
                "--set capacity.betta=3: capacity.betta: no such parameter",
                "`capacity.beta`",
            ],
        ),
        (
            "capacity.beta=\"steep\"",
            &["--set capacity.beta=\"steep\": capacity.beta: expected"],
        ),
        (
            "capacity.omega=2",
            &["--set capacity.omega=2: capacity.omega: 2 is out of range"],
        ),
        (
            "channels.school.supply.scale=-1",
            &[
                "--set channels.school.supply.scale=-1: channels.school.supply.scale: scale -1 takes",
            ],
        ),
        (
            "channels.nope.supply=1",
            &[
                "channels.nope.supply: no such parameter: there is no channel `nope`",
                "local, school",
            ],
        ),
        (
            "capacity.beta.normal.0=1",
            &["capacity.beta.normal.0: no such parameter"],
        ),
        (
            "channels.local.age.beta.0=1",
            &[
                "channels.local.age.beta.0: no such parameter",
                "truncated normal",
            ],
        ),
        (
            "policy_window.2=2000",
            &["policy_window.2: no such parameter", "no element 2"],
        ),
        (
            "capacity.beta=[1,",
            &["--set capacity.beta=[1,: capacity.beta: cannot read value"],
        ),
    ];
    for (arg, needles) in cases {
        let message = load_with("parse/base.toml", &[arg])
            .unwrap_err()
            .to_string();
        assert_eq!(message.lines().count(), 1, "{message}");
        for needle in *needles {
            assert!(
                message.contains(needle),
                "`{needle}` missing from: {message}"
            );
        }
    }
}

#[test]
fn numeric_paths() {
    let source = Source::read(&fixture("parse/base.toml")).unwrap();
    for path in [
        "capacity.beta",
        "capacity.beta.scale",
        "issues.rate.urban",
        "issues.rate.urban.scale",
        "issues.rate.scale",
        "channels.school.supply.scale",
        "channels.local.supply.1.1",
        "channels.local.age.normal.0",
        "channels.local.age.max",
        "channels.local.knowledge.beta.1",
        "channels.school.turnover.scale",
        "policy_window.0",
        "team.seats.urban",
        "communities",
        "urban_share",
    ] {
        assert!(source.has_numeric_path(path), "{path}");
    }
    for path in [
        "capacity",
        "capacity.betta",
        "name",
        "seeds",
        "elections.enabled",
        "policy_window",
        "channels.nope.supply",
        "channels.local.supply.1",
        "channels.school.age.beta.0",
        "sweep.samples",
        "extends",
    ] {
        assert!(!source.has_numeric_path(path), "{path}");
    }
}

fn round_trip(scenario: &Scenario) {
    let text = scenario::to_toml(scenario);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("written.toml");
    std::fs::write(&path, &text).unwrap();
    let again = scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(&again, scenario, "\n{text}");
    assert_eq!(scenario::to_toml(&again), text);
}

#[test]
fn to_toml_round_trips() {
    round_trip(&load("parse/reference-start.toml"));
    round_trip(&load("parse/child.toml"));
    round_trip(&load("parse/sweep.toml"));
    round_trip(&load("parse/sweep_categorical.toml"));
    round_trip(
        &load_with(
            "parse/base.toml",
            &[
                "capacity.beta.scale=2",
                "issues.rate.urban=50",
                "urban_share=0.1",
                "description=\"quote \\\" and backslash \\\\\"",
            ],
        )
        .unwrap(),
    );
}

#[test]
fn params_cover_the_registry_and_every_default_resolves() {
    let params = scenario::params();
    let mut paths: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
    paths.sort_unstable();
    let n = paths.len();
    paths.dedup();
    assert_eq!(paths.len(), n, "duplicate paths");
    for expected in [
        "capacity.beta",
        "issues.mix.technical",
        "channels.<name>.supply",
        "channels.<name>.age",
        "observe.burn_in",
        "sweep.method",
        "init.roster",
    ] {
        assert!(paths.contains(&expected), "{expected}");
    }
    for p in &params {
        assert!(!p.meaning.is_empty() && !p.range.is_empty(), "{}", p.path);
        // A design's keys need the rest of their table (tests/registry.rs
        // sets each within one).
        if p.default.starts_with('(')
            || p.path.starts_with("sweep.")
            || p.path.starts_with("sensitivity.")
        {
            continue;
        }
        let path = p.path.replace("<name>", "school");
        let arg = format!("{path}={}", p.default);
        load_with("parse/reference-start.toml", &[&arg]).unwrap_or_else(|e| panic!("{arg}: {e}"));
    }
    // The built-in defaults are the example's values in MODEL.md section 6.
    let s = load("parse/base.toml");
    assert_eq!(s.team.seats, PerKind { urban: 6, rural: 5 });
    assert_eq!(s.urban_share, 0.18);
    assert_eq!(s.mentoring.window, 5);
    assert_eq!(
        s.promotion.max_age,
        Schedule::constant(45.0),
        "promotion.max_age"
    );
    assert_eq!(s.exits.embeddedness, Schedule::constant(2.0));
}

#[test]
fn policy_window_is_fitted_to_a_shorter_run() {
    // base.toml runs to 2030: a window is clamped to the run; one that misses
    // the run is the whole run when inherited, an error when written in the
    // file itself (see bad/policy_window.toml).
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("parent.toml");
    std::fs::write(
        &parent,
        format!(
            "extends = {:?}\npolicy_window = [2025, 2060]\n",
            fixture("parse/base.toml").display().to_string()
        ),
    )
    .unwrap();
    let child = dir.path().join("child.toml");
    std::fs::write(&child, "extends = \"parent.toml\"\nend_year = 2040\n").unwrap();
    assert_eq!(
        scenario::load(&child, &[]).unwrap().policy_window,
        (2025, 2040)
    );
    std::fs::write(&child, "extends = \"parent.toml\"\nend_year = 2000\n").unwrap();
    assert_eq!(
        scenario::load(&child, &[]).unwrap().policy_window,
        (1949, 2000)
    );
    assert_eq!(
        scenario::load(&parent, &[]).unwrap().policy_window,
        (2025, 2030)
    );
}
