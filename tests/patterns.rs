//! The six patterns of MODEL.md section 5, each checked on a scaled-down run
//! of the calibrated baseline (scenarios under tests/scenarios/patterns/).
//!
//! Every comparison is paired by replicate: the points of a sweep share
//! their random numbers (`seeds = "common"`), so replicate r of two points
//! differ by their parameters, not by luck, and the replicates are
//! independent pairs. A claimed difference must exceed `K · se`, where `se`
//! is the standard error of the mean paired difference over the n
//! replicates and `K = t(0.995, n − 1)`: a one-sided test at the 0.5% level
//! (a 99% two-sided interval that excludes zero), strict enough that a
//! difference passing it is not sampling noise, even across the few dozen
//! comparisons of this file. The runs are seeded, so the tests are
//! deterministic; the margin guards the conclusion, not against flakiness.
//!
//! Where a pattern does not hold under the calibrated parameters, the test
//! asserts what the model does show and says so (docs/validation.md gives
//! the numbers): P3 against the society channel alone and P4.

mod common;

use common::{root, scenario, stderr, succession};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::HashMap;
use std::path::Path;

fn pattern(name: &str) -> String {
    scenario(&format!("patterns/{name}")).display().to_string()
}

fn run(cwd: &Path, args: &[&str]) {
    let output = succession(cwd, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
}

/// A run folder's timeseries.csv: values by (point, replicate, year) and column.
struct Timeseries {
    columns: HashMap<String, usize>,
    rows: HashMap<(u32, u32, i32), Vec<Option<f64>>>,
    replicates: u32,
}

impl Timeseries {
    fn read(dir: &Path) -> Timeseries {
        let path = dir.join("timeseries.csv");
        let mut reader =
            csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let columns: HashMap<String, usize> = reader
            .headers()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_string(), i))
            .collect();
        let mut rows = HashMap::new();
        let mut replicates = 0;
        for record in reader.records() {
            let record = record.unwrap();
            let point: u32 = record[0].parse().unwrap();
            let replicate: u32 = record[1].parse().unwrap();
            let year: i32 = record[2].parse().unwrap();
            replicates = replicates.max(replicate + 1);
            let values = record.iter().map(|cell| cell.parse().ok()).collect();
            rows.insert((point, replicate, year), values);
        }
        Timeseries {
            columns,
            rows,
            replicates,
        }
    }

    /// `column` of (point, replicate, year); panics if absent or empty.
    fn value(&self, point: u32, replicate: u32, year: i32, column: &str) -> f64 {
        let idx = self.columns[column];
        self.rows[&(point, replicate, year)][idx]
            .unwrap_or_else(|| panic!("{column} empty at point {point} year {year}"))
    }

    /// Per replicate: the mean of `column` over `years` at `point`.
    fn mean_over(
        &self,
        point: u32,
        column: &str,
        years: std::ops::RangeInclusive<i32>,
    ) -> Vec<f64> {
        (0..self.replicates)
            .map(|r| {
                let values: Vec<f64> = years
                    .clone()
                    .map(|y| self.value(point, r, y, column))
                    .collect();
                values.iter().sum::<f64>() / values.len() as f64
            })
            .collect()
    }

    /// Per replicate: `column` in `year` at `point`.
    fn at(&self, point: u32, column: &str, year: i32) -> Vec<f64> {
        self.mean_over(point, column, year..=year)
    }

    /// Per replicate: the lowest `capacity_mean` over `years` at `point`.
    fn trough(&self, point: u32, years: std::ops::RangeInclusive<i32>) -> Vec<f64> {
        (0..self.replicates)
            .map(|r| {
                years
                    .clone()
                    .map(|y| self.value(point, r, y, "capacity_mean"))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }
}

/// Mean and standard error of the mean of the paired differences `a − b`.
fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    assert_eq!(a.len(), b.len());
    let n = a.len() as f64;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The margin multiplier K = t(0.995, n − 1) for n replicates.
fn k(n: usize) -> f64 {
    StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .unwrap()
        .inverse_cdf(0.995)
}

/// Asserts that `a` exceeds `b` (paired by replicate) by more than K · se.
fn assert_above(a: &[f64], b: &[f64], what: &str) {
    let (d, se) = paired(a, b);
    let margin = k(a.len()) * se;
    assert!(
        d > margin,
        "{what}: difference {d:.5} not above K·se = {margin:.5} (se {se:.5})"
    );
}

/// Asserts that `a` does not exceed `b` by more than K · se (a documented
/// failure of a pattern: no detectable advantage).
fn assert_not_above(a: &[f64], b: &[f64], what: &str) {
    let (d, se) = paired(a, b);
    let margin = k(a.len()) * se;
    assert!(
        d <= margin,
        "{what}: difference {d:.5} above K·se = {margin:.5} (se {se:.5}): the documented finding changed"
    );
}

/// Runs a policy pattern (P3, P4) from a small seed roster: the baseline to
/// 2025 (patterns/seed.toml, snapshot 2025), then `file` through a wrapper
/// scenario that names the roster.
fn run_from_seed(scratch: &Path, file: &str) -> Timeseries {
    run(
        scratch,
        &[
            "run",
            &pattern("seed.toml"),
            "--out",
            "seed",
            "--snapshot",
            "2025",
            "--quiet",
        ],
    );
    let wrapper = scratch.join("policy.toml");
    let text = format!(
        "extends = {:?}\n[init]\nroster = {:?}\n",
        pattern(file),
        scratch.join("seed/roster_2025.csv").display().to_string()
    );
    std::fs::write(&wrapper, text).unwrap();
    run(
        scratch,
        &[
            "run",
            &wrapper.display().to_string(),
            "--out",
            "policy",
            "--quiet",
        ],
    );
    Timeseries::read(&scratch.join("policy"))
}

/// P1 succession trough: capacity dips between the experience era and the
/// knowledge era and recovers, and cutting the school and agency supplies
/// (and society to 0.3) deepens the 2015–2045 trough by at least 0.01 (the
/// calibration criterion) beyond sampling error.
#[test]
fn p1_succession_trough_deepens_when_knowledge_channels_are_cut() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &["run", &pattern("p1_trough.toml"), "--out", "p1", "--quiet"],
    );
    let ts = Timeseries::read(&scratch.path().join("p1"));
    let (base, cut) = (0, 1);

    // The dip: the 2005–2025 low lies below both the experience era
    // (1990–2000) and the knowledge era (2035–2045).
    let low = ts.trough(base, 2005..=2025);
    assert_above(
        &ts.mean_over(base, "capacity_mean", 1990..=2000),
        &low,
        "capacity 1990-2000 above the 2005-2025 low",
    );
    assert_above(
        &ts.mean_over(base, "capacity_mean", 2035..=2045),
        &low,
        "capacity 2035-2045 above the 2005-2025 low (recovery)",
    );

    // The cut deepens the 2015–2045 trough by at least 0.01: the lower end
    // of the one-sided margin must clear 0.01.
    let (base_trough, cut_trough) = (ts.trough(base, 2015..=2045), ts.trough(cut, 2015..=2045));
    let (d, se) = paired(&base_trough, &cut_trough);
    let margin = k(base_trough.len()) * se;
    assert!(
        d - margin >= 0.01,
        "trough deepening {d:.5} - K·se {margin:.5} below 0.01"
    );
}

/// P2 knowledge is not enough: a fresh team of knowledge elites resolves a
/// smaller share of interpersonal issues than a fresh team of experience
/// elites, and its share rises with tenure (with its trust).
#[test]
fn p2_fresh_knowledge_teams_resolve_fewer_interpersonal_issues_and_learn() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &pattern("p2_fresh_team.toml"),
            "--out",
            "p2",
            "--quiet",
        ],
    );
    let ts = Timeseries::read(&scratch.path().join("p2"));
    let (knowledge, experience) = (0, 1);
    // Every seat is filled by the end of 2020 (the supplies leave almost no
    // vacancy), so 2021 is the first year of full fresh teams.
    for point in [knowledge, experience] {
        for v in ts.at(point, "vacancy_rate", 2020) {
            assert!(v < 0.01, "point {point}: vacancy {v} after the first year");
        }
    }
    let interpersonal = "resolution_interpersonal";
    assert_above(
        &ts.at(experience, interpersonal, 2021),
        &ts.at(knowledge, interpersonal, 2021),
        "interpersonal resolution: experience team above fresh knowledge team",
    );
    assert_above(
        &ts.at(knowledge, interpersonal, 2026),
        &ts.at(knowledge, interpersonal, 2021),
        "knowledge team: interpersonal resolution after 5 years above the first year",
    );
    assert_above(
        &ts.at(knowledge, interpersonal, 2032),
        &ts.at(knowledge, interpersonal, 2026),
        "knowledge team: interpersonal resolution after 11 years above 5 years",
    );
    assert_above(
        &ts.at(knowledge, "mean_trust", 2032),
        &ts.at(knowledge, "mean_trust", 2021),
        "knowledge team: trust rises with tenure",
    );
}

/// P3 many channels beat one, at equal total supply (2026–2060): the even
/// mix gives higher and less variable capacity than the school or the
/// agency channel alone. Documented finding: it does not beat the society
/// channel alone (local recruits with balanced skills and low turnover),
/// in level or in spread.
#[test]
fn p3_channel_mix_beats_school_or_agency_alone_but_not_society() {
    let scratch = tempfile::tempdir().unwrap();
    let ts = run_from_seed(scratch.path(), "p3_channels.toml");
    // Points of scenarios/channels.toml: 0 school, 1 society, 2 agency alone,
    // 3–5 pairs, 6 the even mix.
    let (school, society, agency, mix): (u32, u32, u32, u32) = (0, 1, 2, 6);
    let points = std::fs::read_to_string(scratch.path().join("policy/points.csv")).unwrap();
    let rows: Vec<&str> = points.lines().collect();
    assert_eq!(
        [school, society, agency, mix].map(|p| rows[1 + p as usize]),
        [
            "0,1.0,0.0,0.0",
            "1,0.0,1.0,0.0",
            "2,0.0,0.0,1.0",
            "6,0.333333333333,0.333333333333,0.333333333334"
        ],
        "the channel mixes changed"
    );
    let window = 2026..=2060;
    let level = |p| ts.mean_over(p, "capacity_mean", window.clone());
    // Spread between communities: p90 − p10 of capacity, averaged over the window.
    let spread = |p| {
        let hi = ts.mean_over(p, "capacity_p90", window.clone());
        let lo = ts.mean_over(p, "capacity_p10", window.clone());
        hi.iter().zip(&lo).map(|(h, l)| h - l).collect::<Vec<f64>>()
    };
    for (alone, name) in [(school, "school"), (agency, "agency")] {
        assert_above(
            &level(mix),
            &level(alone),
            &format!("capacity: mix above {name} alone"),
        );
        assert_above(
            &spread(alone),
            &spread(mix),
            &format!("spread: {name} alone above mix"),
        );
    }
    // Documented finding (docs/validation.md, P3): society alone is as good.
    assert_not_above(
        &level(mix),
        &level(society),
        "capacity: mix above society alone",
    );
    assert_not_above(
        &spread(society),
        &spread(mix),
        "spread: society alone above mix",
    );
}

/// P4 openness, documented finding: no interior optimum under the
/// calibrated parameters. Capacity (2026–2060) falls with openness at every
/// attraction (the drain of promoted leaders), attraction softens the fall
/// (more knowledge candidates), and no open point beats the closed one.
#[test]
fn p4_openness_drains_more_than_it_attracts() {
    let scratch = tempfile::tempdir().unwrap();
    let ts = run_from_seed(scratch.path(), "p4_openness.toml");
    // Grid of scenarios/openness.toml: scale (slowest) × attraction.
    let scales = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0];
    let attractions = [0.0, 2.0, 5.0];
    let mut expected = String::from("point,promotion.openness.scale,promotion.attraction\n");
    for (s, scale) in scales.iter().enumerate() {
        for (a, attraction) in attractions.iter().enumerate() {
            let p = s * attractions.len() + a;
            expected.push_str(&format!("{p},{scale:?},{attraction:?}\n"));
        }
    }
    let points = std::fs::read_to_string(scratch.path().join("policy/points.csv")).unwrap();
    assert_eq!(points, expected, "the openness grid changed");
    let point = |s: usize, a: usize| (s * attractions.len() + a) as u32;
    let level = |p| ts.mean_over(p, "capacity_mean", 2026..=2060);
    let widest = scales.len() - 1;
    for (a, attraction) in attractions.iter().enumerate() {
        let closed = level(point(0, a));
        assert_above(
            &closed,
            &level(point(widest, a)),
            &format!("attraction {attraction}: closed above 4x openness (drain)"),
        );
        for (s, scale) in scales.iter().enumerate().skip(1) {
            assert_not_above(
                &level(point(s, a)),
                &closed,
                &format!(
                    "attraction {attraction}: openness x{scale} above closed (an interior optimum)"
                ),
            );
        }
    }
    assert_above(
        &level(point(widest, 2)),
        &level(point(widest, 0)),
        "at 4x openness: attraction 5 above attraction 0",
    );
}

/// P5 transmission matters: without mentoring, the knowledge elites' trust
/// and experience grow more slowly and the 2005–2045 trough is deeper.
#[test]
fn p5_without_mentoring_knowledge_elites_learn_slower_and_the_trough_deepens() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &pattern("p5_mentoring.toml"),
            "--out",
            "p5",
            "--quiet",
        ],
    );
    let ts = Timeseries::read(&scratch.path().join("p5"));
    let (on, off) = (0, 1);
    for column in ["mean_trust_knowledge", "mean_experience_knowledge"] {
        assert_above(
            &ts.mean_over(on, column, 2020..=2040),
            &ts.mean_over(off, column, 2020..=2040),
            &format!("{column} 2020-2040: mentoring on above off"),
        );
    }
    assert_above(
        &ts.trough(on, 2005..=2045),
        &ts.trough(off, 2005..=2045),
        "2005-2045 trough: mentoring on above off",
    );
}

/// P6 the historical sequence: revolutionary elites lead the seated shares
/// until 1980, experience elites around 2000 (1995–2005) and knowledge
/// elites from 2035. Documented deviation from "after about 2020": the
/// knowledge elites overtake the experience elites around 2030, and
/// experience elites still lead in 2025.
#[test]
fn p6_cohorts_lead_in_the_historical_sequence() {
    let scratch = tempfile::tempdir().unwrap();
    run(
        scratch.path(),
        &[
            "run",
            &pattern("p6_sequence.toml"),
            "--out",
            "p6",
            "--quiet",
        ],
    );
    let ts = Timeseries::read(&scratch.path().join("p6"));
    let leads = |leader: &str, others: [&str; 2], years: std::ops::RangeInclusive<i32>| {
        for year in years {
            for other in others {
                assert_above(
                    &ts.at(0, &format!("share_{leader}"), year),
                    &ts.at(0, &format!("share_{other}"), year),
                    &format!("{year}: {leader} share above {other}"),
                );
            }
        }
    };
    leads("revolutionary", ["experience", "knowledge"], 1955..=1980);
    leads("experience", ["revolutionary", "knowledge"], 1995..=2005);
    leads("experience", ["revolutionary", "knowledge"], 2025..=2025);
    leads("knowledge", ["revolutionary", "experience"], 2035..=2060);
}

/// The pattern scenarios extend the shipped baseline (so the patterns are
/// checked on the calibrated parameters, not on test-only ones).
#[test]
fn pattern_scenarios_extend_the_shipped_scenarios() {
    let dir = root().join("tests/scenarios/patterns");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("extends = \"../../../scenarios/"),
            "{} does not extend a shipped scenario",
            path.display()
        );
    }
}
