//! The six patterns of MODEL.md 7.8, each against a control built from the
//! scenario: which variant runs a pattern needs (the [`Plan`] of arms, each
//! a list of overrides of the scenario) and, from their runs, each claim's
//! effect with its 95% interval and its verdict. No runs here: the
//! lifecycle runs the arms and hands their series back to [`evaluate`].
//!
//! Every arm is a single-point study of the same scenario file with the
//! scenario's seed, so replicate r of two arms shares its random numbers
//! (common random numbers): effects are paired differences by replicate.

use crate::model::YearMetrics;
use crate::model::params::{Cohort, Kind, Parameters, Schedule, SupplyMode};
use crate::model::schema::{Cell, Column, FieldType};
use crate::scenario::Scenario;
use crate::study::ensemble::format_value;
use crate::study::summary::{FIGURES, Statistic};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;

/// The smallest effect that matters for capacity and its depth.
pub const SMALLEST_CAPACITY: f64 = 0.005;
/// The smallest effect that matters for a resolution rate or a mean skill.
pub const SMALLEST_SKILL: f64 = 0.02;
/// The smallest effect that matters for the pipeline, promotions of
/// tempered leaders per 1000 seats per year.
pub const SMALLEST_PIPELINE: f64 = 1.0;
/// Bootstrap resamples of P3's interval (p10 is a statistic across
/// replicates, so it has no paired difference per replicate).
pub const BOOTSTRAP_RESAMPLES: usize = 1000;
/// P2: candidates per vacant seat-year of each team's channels together,
/// split evenly between them, so that every seat fills in the first year
/// and both teams pick the best of equally many.
pub const P2_SUPPLY: f64 = 9.0;
/// P2: the years after the first that the knowledge team's rise is read
/// over.
pub const P2_YEARS: i32 = 10;
/// P4: the factors the scenario's openness schedule is scaled by.
pub const P4_OPENNESS_SCALES: [f64; 5] = [0.0, 0.5, 1.0, 2.0, 4.0];
/// P6: the windows of the first year from which a cohort leads for good.
pub const P6_EXPERIENCE_WINDOW: (i32, i32) = (1980, 1992);
/// See [`P6_EXPERIENCE_WINDOW`].
pub const P6_KNOWLEDGE_WINDOW: (i32, i32) = (2015, 2027);
/// P6: the year in which the experience cohort leads.
pub const P6_EXPERIENCE_YEAR: i32 = 2000;
/// The knowledge channels of MODEL.md section 1, cut by P1's deepening and
/// mixed by P3.
pub const KNOWLEDGE_CHANNELS: [&str; 3] = ["school", "society", "agency"];

/// The columns of `patterns.csv`, in order.
pub const COLUMNS: [Column; 7] = [
    Column::new("pattern", FieldType::String, "", "P1 to P6 (MODEL.md 7.8)"),
    Column::new(
        "claim",
        FieldType::String,
        "",
        "what is tested, against which control",
    ),
    Column::new(
        "effect",
        FieldType::Number,
        "as the claim says",
        "the effect: a mean paired difference (P3: a difference of p10s; P6: a mean year)",
    ),
    Column::new(
        "lo",
        FieldType::Number,
        "as effect",
        "lower end of its 95% interval",
    ),
    Column::new(
        "hi",
        FieldType::Number,
        "as effect",
        "upper end of its 95% interval",
    ),
    Column::new(
        "smallest_effect",
        FieldType::Number,
        "as effect",
        "the smallest effect that matters, fixed in advance (empty for P6's windows, which the claim names)",
    ),
    Column::new(
        "verdict",
        FieldType::String,
        "",
        "holds, no_effect, opposite, inconclusive or not_applicable (MODEL.md 7.8)",
    ),
];

/// The columns of `patterns_posterior.csv`, in order.
pub const POSTERIOR_COLUMNS: [Column; 9] = [
    COLUMNS[0],
    COLUMNS[1],
    Column::new(
        "draws",
        FieldType::Integer,
        "particles",
        "draws of the posterior evaluated",
    ),
    Column::new(
        "holds",
        FieldType::Integer,
        "draws",
        "draws in which the claim holds",
    ),
    Column::new(
        "no_effect",
        FieldType::Integer,
        "draws",
        "draws with verdict no_effect",
    ),
    Column::new(
        "opposite",
        FieldType::Integer,
        "draws",
        "draws with verdict opposite",
    ),
    Column::new(
        "inconclusive",
        FieldType::Integer,
        "draws",
        "draws with verdict inconclusive",
    ),
    Column::new(
        "not_applicable",
        FieldType::Integer,
        "draws",
        "draws with verdict not_applicable",
    ),
    Column::new(
        "share_holds",
        FieldType::Number,
        "share of draws",
        "holds / draws: the posterior predictive probability that the claim holds",
    ),
];

/// The columns `patterns_draws.csv` puts before those of [`COLUMNS`].
pub const DRAW_COLUMNS: [Column; 2] = [
    Column::new("draw", FieldType::Integer, "", "the draw, from 0"),
    Column::new(
        "particle",
        FieldType::Integer,
        "",
        "the particle drawn: its row among the last generation's in posterior.csv, from 0",
    ),
];

/// A pattern's verdict (MODEL.md 7.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// The lower bound exceeds 0 and the mean reaches the smallest effect.
    Holds,
    /// Two one-sided tests at 5% put the effect within ± the smallest effect.
    NoEffect,
    /// As `Holds`, in the other direction.
    Opposite,
    /// None of the above: too little power to tell.
    Inconclusive,
    /// The scenario lacks what the pattern needs.
    NotApplicable,
}

impl Verdict {
    /// Every verdict, in the order the posterior's counts are written.
    pub const ALL: [Verdict; 5] = [
        Verdict::Holds,
        Verdict::NoEffect,
        Verdict::Opposite,
        Verdict::Inconclusive,
        Verdict::NotApplicable,
    ];

    /// As written in `patterns.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::NoEffect => "no_effect",
            Verdict::Opposite => "opposite",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotApplicable => "not_applicable",
        }
    }
}

/// An effect with its 95% interval and the 90% interval of the two
/// one-sided tests at 5%.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effect {
    /// The estimate.
    pub mean: f64,
    /// 95% interval.
    pub lo: f64,
    /// See `lo`.
    pub hi: f64,
    /// 90% interval: both ends within ± δ is equivalence at 5%.
    pub lo90: f64,
    /// See `lo90`.
    pub hi90: f64,
}

impl Effect {
    /// The mean of paired differences with its t intervals over the n
    /// replicates (None with fewer than 2, or a non-finite difference).
    pub fn paired(diffs: &[f64]) -> Option<Effect> {
        let n = diffs.len();
        if n < 2 || diffs.iter().any(|d| !d.is_finite()) {
            return None;
        }
        let mean = diffs.iter().sum::<f64>() / n as f64;
        let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("n ≥ 2 degrees of freedom");
        let (t95, t90) = (t.inverse_cdf(0.975), t.inverse_cdf(0.95));
        Some(Effect {
            mean,
            lo: mean - t95 * se,
            hi: mean + t95 * se,
            lo90: mean - t90 * se,
            hi90: mean + t90 * se,
        })
    }

    /// The verdict of MODEL.md 7.8 against the smallest effect `smallest`.
    pub fn verdict(&self, smallest: f64) -> Verdict {
        if self.lo > 0.0 && self.mean >= smallest {
            Verdict::Holds
        } else if self.hi < 0.0 && self.mean <= -smallest {
            Verdict::Opposite
        } else if self.lo90 > -smallest && self.hi90 < smallest {
            Verdict::NoEffect
        } else if smallest == 0.0 && self.lo90 == 0.0 && self.hi90 == 0.0 {
            // Against a smallest effect of 0 only an exact 0 is no effect.
            Verdict::NoEffect
        } else {
            Verdict::Inconclusive
        }
    }
}

/// The largest drawdown of a series: `max over i < j of (x_i − x_j)`, 0 for
/// a series that never falls (MODEL.md 7.8, depth).
pub fn depth(series: &[f64]) -> f64 {
    let mut peak = f64::NEG_INFINITY;
    let mut deepest = 0.0_f64;
    for &x in series {
        peak = peak.max(x);
        deepest = deepest.max(peak - x);
    }
    deepest
}

/// The first year from which `lead[i]` holds in every later year of the
/// run: the start of the trailing run of `true`, None if the last year is
/// `false` (or the series is empty).
pub fn first_year_for_good(years: &[i32], lead: &[bool]) -> Option<i32> {
    let mut first = None;
    for (&year, &leads) in years.iter().zip(lead).rev() {
        if !leads {
            break;
        }
        first = Some(year);
    }
    first
}

/// The difference of the 10th percentiles over replicates, `p10(a) −
/// p10(b)`, with percentile intervals from `resamples` paired bootstrap
/// resamples of the replicates (both arms resampled with the same
/// indices), drawn from a ChaCha8 stream of `seed`.
pub fn bootstrap_p10_difference(
    a: &[f64],
    b: &[f64],
    resamples: usize,
    seed: u64,
) -> Option<Effect> {
    let n = a.len();
    if n < 2 || b.len() != n {
        return None;
    }
    let p10 = |values: &[f64]| Statistic::P10.of(values);
    let mean = p10(a)? - p10(b)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from_le_bytes(*b"patternP"));
    let mut diffs = Vec::with_capacity(resamples);
    let (mut ra, mut rb) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..resamples {
        for i in 0..n {
            let j = rng.random_range(0..n);
            ra[i] = a[j];
            rb[i] = b[j];
        }
        diffs.push(p10(&ra)? - p10(&rb)?);
    }
    let mut q = |p: f64| crate::model::metrics::percentile(&mut diffs, p);
    Some(Effect {
        mean,
        lo: q(0.025)?,
        hi: q(0.975)?,
        lo90: q(0.05)?,
        hi90: q(0.95)?,
    })
}

/// One row of `patterns.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `P1` … `P6`.
    pub pattern: &'static str,
    /// A stable name of the claim within its pattern (what the posterior's
    /// shares are counted by).
    pub key: &'static str,
    /// What is tested, against which control (and, when not applicable,
    /// why).
    pub claim: String,
    /// The effect and its 95% interval (None where not computable).
    pub effect: Option<Effect>,
    /// The smallest effect that matters (None for P6's windows).
    pub smallest: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

impl Row {
    fn tested(
        pattern: &'static str,
        key: &'static str,
        claim: String,
        effect: Option<Effect>,
        smallest: f64,
    ) -> Row {
        let verdict = effect.map_or(Verdict::Inconclusive, |e| e.verdict(smallest));
        Row {
            pattern,
            key,
            claim,
            effect,
            smallest: Some(smallest),
            verdict,
        }
    }

    fn not_applicable(pattern: &'static str, key: &'static str, claim: String, why: &str) -> Row {
        Row {
            pattern,
            key,
            claim: format!("{claim} (not applicable: {why})"),
            effect: None,
            smallest: None,
            verdict: Verdict::NotApplicable,
        }
    }
}

/// A variant run of the scenario: its overrides, applied after the
/// caller's, and whether it starts from vacant seats whatever the scenario's
/// roster.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// The arm's name, e.g. `demand_only`.
    pub name: String,
    /// `PATH=VALUE` overrides.
    pub sets: Vec<String>,
    /// Start from vacant seats (drop the roster).
    pub vacant: bool,
    /// The claims (keys) that read its runs.
    pub claims: Vec<&'static str>,
}

/// The arms the patterns need for one scenario, with the reason each
/// pattern that cannot be evaluated is not applicable.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The arms to run; the first is the scenario itself.
    pub arms: Vec<Arm>,
    /// Arms that are another arm's runs (a control identical to what it
    /// controls): name → the arm whose runs it reuses.
    pub same_as: BTreeMap<String, String>,
    /// Why a pattern (by claim key) cannot be evaluated.
    not_applicable: BTreeMap<&'static str, String>,
    /// The scenario's trough window, policy window and years.
    trough_window: (i32, i32),
    years: (i32, i32),
    seed: u64,
    /// P2's first year (recruitment).
    p2_year: i32,
}

/// The arm of the scenario itself.
pub const SCENARIO: &str = "scenario";

fn set(path: impl AsRef<str>, value: impl AsRef<str>) -> String {
    format!("{}={}", path.as_ref(), value.as_ref())
}

fn num(x: f64) -> String {
    // TOML reads it as a float only with a decimal point, as the CSV cells have.
    Cell(FieldType::Number, x).to_string()
}

/// A schedule of one value per simulated year (piecewise linear through
/// every year, so exact at each), as TOML.
fn yearly(years: (i32, i32), value: impl Fn(i32) -> f64) -> String {
    let points: Vec<String> = (years.0..=years.1)
        .map(|y| format!("[{y}, {}]", num(value(y))))
        .collect();
    format!("[{}]", points.join(", "))
}

/// `channels.<c>.supply · kind[k]` in `year`: the expected candidates (or
/// arrivals) per vacant seat-year (or community-year) before openness and
/// shocks, the product every step uses.
fn effective_supply(p: &Parameters, channel: usize, kind: Kind, year: i32) -> f64 {
    let c = &p.channels[channel];
    c.supply.at(year) * c.kind.get(kind).at(year)
}

fn mean_over(years: (i32, i32), value: impl Fn(i32) -> f64) -> f64 {
    let n = f64::from(years.1 - years.0 + 1);
    (years.0..=years.1).map(value).sum::<f64>() / n
}

fn constant_over(years: (i32, i32), value: impl Fn(i32) -> f64) -> Option<f64> {
    let first = value(years.0);
    (years.0..=years.1)
        .all(|y| value(y) == first)
        .then_some(first)
}

fn schedule_mean(years: (i32, i32), schedule: &Schedule) -> f64 {
    constant_over(years, |y| schedule.at(y)).unwrap_or_else(|| mean_over(years, |y| schedule.at(y)))
}

/// The overrides of the demand-only control (MODEL.md 7.8): every channel
/// whose effective supply varies over the run gets, per kind, the constant
/// of its mean over the run's years (as `supply = 1` and the means as its
/// kind multipliers: only their product enters the model). Empty when every
/// supply is already constant: the scenario is its own control.
pub fn demand_only_sets(p: &Parameters) -> Vec<String> {
    let years = (p.start_year, p.end_year);
    let mut sets = Vec::new();
    for i in 0..p.channels.len() {
        let varies = Kind::ALL
            .iter()
            .any(|&k| constant_over(years, |y| effective_supply(p, i, k, y)).is_none());
        if !varies {
            continue;
        }
        sets.extend(held_at_mean(p, i));
    }
    sets
}

/// The overrides that hold channel `i`'s effective supply, per kind, at its
/// mean over the run's years: `supply = 1` and the means as its kind
/// multipliers (only their product enters the model).
fn held_at_mean(p: &Parameters, i: usize) -> [String; 2] {
    let years = (p.start_year, p.end_year);
    let name = &p.channels[i].name;
    let urban = mean_over(years, |y| effective_supply(p, i, Kind::Urban, y));
    let rural = mean_over(years, |y| effective_supply(p, i, Kind::Rural, y));
    [
        set(format!("channels.{name}.supply"), "1.0"),
        set(
            format!("channels.{name}.kind"),
            format!("{{ urban = {}, rural = {} }}", num(urban), num(rural)),
        ),
    ]
}

/// P1's negative control: constant demand (issue rates, mix and
/// difficulty at their means over the run) and one channel (the one with
/// the largest mean supply, made constant), so no generation can hand over.
fn flat_sets(p: &Parameters) -> Vec<String> {
    let years = (p.start_year, p.end_year);
    let mut sets = vec![set(
        "issues.rate",
        format!(
            "{{ urban = {}, rural = {} }}",
            num(schedule_mean(years, p.issues.rate.get(Kind::Urban))),
            num(schedule_mean(years, p.issues.rate.get(Kind::Rural)))
        ),
    )];
    for (name, mix, difficulty) in [
        (
            "interpersonal",
            &p.issues.mix.interpersonal,
            &p.issues.difficulty.interpersonal,
        ),
        (
            "managerial",
            &p.issues.mix.managerial,
            &p.issues.difficulty.managerial,
        ),
        (
            "technical",
            &p.issues.mix.technical,
            &p.issues.difficulty.technical,
        ),
    ] {
        sets.push(set(
            format!("issues.mix.{name}"),
            num(schedule_mean(years, mix)),
        ));
        sets.push(set(
            format!("issues.difficulty.{name}"),
            num(schedule_mean(years, difficulty)),
        ));
    }
    let supply = |i: usize| {
        mean_over(years, |y| effective_supply(p, i, Kind::Urban, y))
            + mean_over(years, |y| effective_supply(p, i, Kind::Rural, y))
    };
    let kept = (0..p.channels.len())
        .max_by(|&a, &b| supply(a).total_cmp(&supply(b)).then(b.cmp(&a)))
        .expect("a scenario has a channel");
    for (i, channel) in p.channels.iter().enumerate() {
        if i == kept {
            sets.extend(held_at_mean(p, i));
        } else {
            sets.push(set(format!("channels.{}.supply", channel.name), "0.0"));
        }
    }
    sets
}

fn channel_index(p: &Parameters, name: &str) -> Option<usize> {
    p.channels.iter().position(|c| c.name == name)
}

/// P2's arm: seats vacant in `year`, filled from `team` (channel indices)
/// with [`P2_SUPPLY`] candidates per vacant seat-year between them, then
/// kept for [`P2_YEARS`] + 1 years: no exits, elections, shocks or pools.
fn p2_sets(p: &Parameters, year: i32, team: &[usize]) -> Vec<String> {
    let end = year + P2_YEARS + 1;
    let mut sets = vec![
        set("start_year", year.to_string()),
        set("end_year", end.to_string()),
        set("policy_window", format!("[{year}, {end}]")),
        set("observe.trough_window", format!("[{year}, {end}]")),
        set("exits.death.a", "0.0"),
        set("exits.death.b", "0.0"),
        set("exits.retirement.age", "200.0"),
        set("promotion.openness", "0.0"),
        set("elections.enabled", "false"),
        set("recruitment.supply", "\"per_vacancy\""),
    ];
    let share = P2_SUPPLY / team.len() as f64;
    for (i, channel) in p.channels.iter().enumerate() {
        let c = &channel.name;
        sets.push(set(format!("channels.{c}.turnover"), "0.0"));
        sets.push(set(format!("channels.{c}.secondment_years"), "0"));
        sets.push(set(format!("channels.{c}.shock.sd"), "0.0"));
        if team.contains(&i) {
            sets.push(set(format!("channels.{c}.supply"), num(share)));
            sets.push(set(format!("channels.{c}.kind"), "1.0"));
        } else {
            sets.push(set(format!("channels.{c}.supply"), "0.0"));
        }
    }
    sets
}

/// P3's arm: from the policy window's first year `from`, the knowledge
/// channels' total effective supply per kind and year shared by `shares`
/// (before `from`, the scenario's own), as `supply = 1` and yearly kind
/// multipliers.
fn p3_sets(p: &Parameters, channels: &[usize; 3], from: i32, shares: [f64; 3]) -> Vec<String> {
    let years = (p.start_year, p.end_year);
    let total = |k: Kind, y: i32| {
        channels
            .iter()
            .map(|&i| effective_supply(p, i, k, y))
            .sum::<f64>()
    };
    let mut sets = Vec::new();
    for (slot, &i) in channels.iter().enumerate() {
        let value = |k: Kind| {
            yearly(years, move |y| {
                if y < from {
                    effective_supply(p, i, k, y)
                } else {
                    shares[slot] * total(k, y)
                }
            })
        };
        let name = &p.channels[i].name;
        sets.push(set(format!("channels.{name}.supply"), "1.0"));
        sets.push(set(
            format!("channels.{name}.kind"),
            format!(
                "{{ urban = {}, rural = {} }}",
                value(Kind::Urban),
                value(Kind::Rural)
            ),
        ));
    }
    sets
}

fn p4_arm(scale: f64) -> String {
    format!("p4_openness_{}", format_value(scale))
}

const P3_ALONE: [&str; 3] = ["p3_school", "p3_society", "p3_agency"];

impl Plan {
    /// The arms for `scenario` (resolved with the caller's overrides).
    pub fn new(scenario: &Scenario) -> Plan {
        let p = scenario.parameters();
        let years = (p.start_year, p.end_year);
        let mut arms = vec![Arm {
            name: SCENARIO.into(),
            sets: Vec::new(),
            vacant: false,
            claims: Vec::new(),
        }];
        let mut same_as = BTreeMap::new();
        let mut not_applicable = BTreeMap::new();
        let mut arm = |name: &str, sets: Vec<String>, vacant: bool, claims: &[&'static str]| {
            arms.push(Arm {
                name: name.into(),
                sets,
                vacant,
                claims: claims.to_vec(),
            });
        };
        let trough_window = scenario.trough_window();
        let window_years = (trough_window.0.max(years.0), trough_window.1.min(years.1));
        if window_years.0 >= window_years.1 {
            let why = "the trough window holds fewer than two simulated years";
            for key in ["trough", "flat", "cut", "p5_depth"] {
                not_applicable.insert(key, why.to_string());
            }
        }

        // P1: the demand-only control, the flat negative control (its own
        // demand-only control: its supplies are constant), the cut.
        let demand_only = demand_only_sets(&p);
        if demand_only.is_empty() {
            same_as.insert("demand_only".to_string(), SCENARIO.to_string());
        } else {
            arm(
                "demand_only",
                demand_only.clone(),
                false,
                &["trough", "p5_depth"],
            );
        }
        arm("flat", flat_sets(&p), false, &["flat"]);
        let knowledge: Option<[usize; 3]> = (|| {
            Some([
                channel_index(&p, KNOWLEDGE_CHANNELS[0])?,
                channel_index(&p, KNOWLEDGE_CHANNELS[1])?,
                channel_index(&p, KNOWLEDGE_CHANNELS[2])?,
            ])
        })();
        let supplies_nothing = |i: usize| {
            (years.0..=years.1).all(|y| {
                Kind::ALL
                    .iter()
                    .all(|&k| effective_supply(&p, i, k, y) == 0.0)
            })
        };
        match knowledge {
            Some(k) if k.iter().all(|&i| supplies_nothing(i)) => {
                not_applicable.insert(
                    "cut",
                    "school, society and agency supply nothing in the run".into(),
                );
            }
            Some(k) => arm(
                "cut_knowledge",
                vec![
                    set("channels.school.supply", "0.0"),
                    set("channels.agency.supply", "0.0"),
                    // Times the scenario's own scale: `.scale` replaces it.
                    set(
                        "channels.society.supply.scale",
                        num(p.channels[k[1]].supply.scale * 0.3),
                    ),
                ],
                false,
                &["cut"],
            ),
            None => {
                not_applicable.insert(
                    "cut",
                    "the scenario lacks a school, society or agency channel".into(),
                );
            }
        }

        // P2: fresh teams from the knowledge or the experience channels.
        let p2_year = scenario.policy_window.0.clamp(years.0, years.1);
        let team = |cohort: Cohort| -> Vec<usize> {
            (0..p.channels.len())
                .filter(|&i| p.channels[i].cohort.at(p2_year) == cohort)
                .collect()
        };
        let (knowledge_team, experience_team) = (team(Cohort::Knowledge), team(Cohort::Experience));
        if knowledge_team.is_empty() || experience_team.is_empty() {
            let why =
                format!("no channel recruits the knowledge or the experience cohort in {p2_year}");
            not_applicable.insert("p2_first", why.clone());
            not_applicable.insert("p2_rise", why);
        } else {
            arm(
                "p2_knowledge",
                p2_sets(&p, p2_year, &knowledge_team),
                true,
                &["p2_first", "p2_rise"],
            );
            arm(
                "p2_experience",
                p2_sets(&p, p2_year, &experience_team),
                true,
                &["p2_first"],
            );
        }

        // P3: the even mix against each knowledge channel alone, with shocks.
        let shocked = knowledge.is_some_and(|k| k.iter().any(|&i| p.channels[i].shock.sd > 0.0));
        let policy_from = scenario.policy_window.0.max(years.0);
        match knowledge {
            Some(k) if shocked && policy_from <= years.1 => {
                let third = 1.0 / 3.0;
                arm(
                    "p3_mix",
                    p3_sets(&p, &k, policy_from, [third; 3]),
                    false,
                    &P3_ALONE,
                );
                for (slot, name) in P3_ALONE.iter().enumerate() {
                    let mut shares = [0.0; 3];
                    shares[slot] = 1.0;
                    arm(name, p3_sets(&p, &k, policy_from, shares), false, &[name]);
                }
            }
            _ => {
                let why = if knowledge.is_none() {
                    "the scenario lacks a school, society or agency channel"
                } else if !shocked {
                    "no knowledge channel has a supply shock (channels.<c>.shock)"
                } else {
                    "the policy window is outside the run"
                };
                for key in P3_ALONE {
                    not_applicable.insert(key, why.into());
                }
            }
        }

        // P4: the openness grid, with pools.
        let closed = constant_over(years, |y| p.promotion.openness.at(y)) == Some(0.0);
        if p.recruitment.supply == SupplyMode::Pool && closed {
            let why = "promotion.openness is 0 in every year: every grid point is the same run";
            not_applicable.insert("p4_pipeline", why.into());
            not_applicable.insert("p4_interior", why.into());
        } else if p.recruitment.supply == SupplyMode::Pool {
            let own = p.promotion.openness.scale;
            for scale in P4_OPENNESS_SCALES {
                let name = p4_arm(scale);
                if scale == 1.0 {
                    same_as.insert(name, SCENARIO.to_string());
                } else {
                    arm(
                        &name,
                        // Times the scenario's own scale: `.scale` replaces it.
                        vec![set("promotion.openness.scale", num(own * scale))],
                        false,
                        &["p4_pipeline", "p4_interior"],
                    );
                }
            }
        } else {
            let why = "needs talent pools (recruitment.supply = \"pool\")";
            not_applicable.insert("p4_pipeline", why.into());
            not_applicable.insert("p4_interior", why.into());
        }

        // P5: mentoring off.
        if constant_over(years, |y| p.mentoring.rate.at(y)) == Some(0.0) {
            let why = "mentoring is off in the scenario (mentoring.rate = 0)";
            for key in ["p5_trust", "p5_experience", "p5_depth"] {
                not_applicable.insert(key, why.into());
            }
        } else {
            arm(
                "p5_no_mentoring",
                vec![set("mentoring.rate", "0.0")],
                false,
                &["p5_trust", "p5_experience", "p5_depth"],
            );
            // P1's effect without mentoring needs its own demand-only control.
            if demand_only.is_empty() {
                same_as.insert(
                    "p5_no_mentoring_demand_only".into(),
                    "p5_no_mentoring".into(),
                );
            } else {
                let mut sets = demand_only.clone();
                sets.push(set("mentoring.rate", "0.0"));
                arm("p5_no_mentoring_demand_only", sets, false, &["p5_depth"]);
            }
        }

        Plan {
            arms,
            same_as,
            not_applicable,
            trough_window: window_years,
            years,
            seed: scenario.seed,
            p2_year,
        }
    }
}

impl Plan {
    /// Drops the arm `name`, which is not a valid scenario (`why`): the
    /// claims that read it are not applicable.
    pub fn drop_arm(&mut self, name: &str, why: &str) {
        if let Some(i) = self.arms.iter().position(|a| a.name == name) {
            let arm = self.arms.remove(i);
            for key in arm.claims {
                self.not_applicable.entry(key).or_insert_with(|| {
                    format!("its control `{name}` is not a valid scenario: {why}")
                });
            }
        }
    }
}

/// The columns of `timeseries.csv` the patterns read.
pub const SERIES_COLUMNS: [&str; 7] = [
    "capacity_mean",
    "resolution_interpersonal",
    "share_revolutionary",
    "share_experience",
    "share_knowledge",
    "mean_trust_knowledge",
    "mean_experience_knowledge",
];

/// The summary figures the patterns read.
const SERIES_FIGURES: [&str; 3] = ["trough_capacity", "policy_capacity", "pipeline_tempered"];

/// What the patterns keep of one run: a few yearly columns and figures.
#[derive(Clone, Debug, Default)]
pub struct Series {
    years: Vec<i32>,
    columns: BTreeMap<&'static str, Vec<Option<f64>>>,
    figures: BTreeMap<&'static str, Option<f64>>,
}

impl Series {
    /// From one run's metrics (`columns` their names, `metric_columns`) and
    /// figures ([`FIGURES`] order).
    pub fn new(columns: &[String], metrics: &[YearMetrics], figures: &[Option<f64>]) -> Series {
        let mut series = Series {
            years: metrics.iter().map(|m| m.year).collect(),
            ..Series::default()
        };
        for name in SERIES_COLUMNS {
            if let Some(i) = columns.iter().position(|c| c == name) {
                series
                    .columns
                    .insert(name, metrics.iter().map(|m| m.values[i]).collect());
            }
        }
        for name in SERIES_FIGURES {
            let i = FIGURES
                .iter()
                .position(|f| f.name == name)
                .expect("a declared figure");
            series
                .figures
                .insert(name, figures.get(i).copied().flatten());
        }
        series
    }

    fn at(&self, column: &str, year: i32) -> Option<f64> {
        let i = self.years.iter().position(|&y| y == year)?;
        self.columns.get(column)?[i]
    }

    fn window(&self, column: &str, window: (i32, i32)) -> Vec<(i32, Option<f64>)> {
        let Some(values) = self.columns.get(column) else {
            return Vec::new();
        };
        self.years
            .iter()
            .zip(values)
            .filter(|(y, _)| (window.0..=window.1).contains(*y))
            .map(|(&y, &v)| (y, v))
            .collect()
    }

    fn depth(&self, window: (i32, i32)) -> Option<f64> {
        let values: Option<Vec<f64>> = self
            .window("capacity_mean", window)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        values.map(|v| depth(&v))
    }

    fn figure(&self, name: &str) -> Option<f64> {
        self.figures.get(name).copied().flatten()
    }
}

/// The runs of each arm, by replicate (every arm has the same replicates).
pub type Results = BTreeMap<String, Vec<Series>>;

/// Per replicate, `f(a, b)` of the arms `a` and `b` (None if any replicate
/// gives None).
fn per_replicate(
    results: &Results,
    plan: &Plan,
    a: &str,
    b: &str,
    f: impl Fn(&Series, &Series) -> Option<f64>,
) -> Option<Vec<f64>> {
    let get = |name: &str| {
        let name = plan.same_as.get(name).map_or(name, String::as_str);
        results.get(name)
    };
    let (ra, rb) = (get(a)?, get(b)?);
    if ra.len() != rb.len() {
        return None;
    }
    ra.iter().zip(rb).map(|(x, y)| f(x, y)).collect()
}

/// The mean of `column` over the years of `window` where it is defined in
/// both runs, for each; None if no such year.
fn paired_window_means(
    a: &Series,
    b: &Series,
    column: &str,
    window: (i32, i32),
) -> Option<(f64, f64)> {
    let (wa, wb) = (a.window(column, window), b.window(column, window));
    let pairs: Vec<(f64, f64)> = wa
        .iter()
        .zip(&wb)
        .filter_map(|((ya, va), (yb, vb))| (ya == yb).then_some((*va)?).zip(*vb))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    Some((
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    ))
}

/// Evaluates every pattern from the arms' runs.
pub fn evaluate(plan: &Plan, results: &Results) -> Vec<Row> {
    let mut rows = Vec::new();
    let window = plan.trough_window;
    let (from, to) = window;
    let mut claim = |pattern: &'static str,
                     key: &'static str,
                     text: String,
                     smallest: f64,
                     effect: &dyn Fn() -> Option<Effect>| {
        rows.push(match plan.not_applicable.get(key) {
            Some(why) => Row::not_applicable(pattern, key, text, why),
            None => Row::tested(pattern, key, text, effect(), smallest),
        });
    };
    let paired = |a: &str, b: &str, f: &dyn Fn(&Series, &Series) -> Option<f64>| {
        per_replicate(results, plan, a, b, f).and_then(|d| Effect::paired(&d))
    };

    claim(
        "P1",
        "trough",
        format!(
            "depth of capacity_mean in {from}-{to} exceeds the demand-only control's (constant supplies)"
        ),
        SMALLEST_CAPACITY,
        &|| {
            paired(SCENARIO, "demand_only", &|s, c| {
                Some(s.depth(window)? - c.depth(window)?)
            })
        },
    );
    claim(
        "P1",
        "flat",
        format!(
            "negative control: a flat history (constant demand, one channel) shows a trough in {from}-{to} beyond its demand-only control (itself)"
        ),
        SMALLEST_CAPACITY,
        &|| {
            paired("flat", "flat", &|s, c| {
                Some(s.depth(window)? - c.depth(window)?)
            })
        },
    );
    claim(
        "P1",
        "cut",
        format!(
            "the trough (lowest capacity_mean in {from}-{to}) deepens when school and agency supply are cut to 0 and society's to 0.3"
        ),
        SMALLEST_CAPACITY,
        &|| {
            paired(SCENARIO, "cut_knowledge", &|s, c| {
                Some(s.figure("trough_capacity")? - c.figure("trough_capacity")?)
            })
        },
    );

    let (y1, y_last) = (plan.p2_year + 1, plan.p2_year + 1 + P2_YEARS);
    claim(
        "P2",
        "p2_first",
        format!(
            "teams recruited into vacant seats in {} from the experience channels resolve more interpersonal issues in {y1} than teams from the knowledge channels",
            plan.p2_year
        ),
        SMALLEST_SKILL,
        &|| {
            paired("p2_experience", "p2_knowledge", &|e, k| {
                Some(e.at("resolution_interpersonal", y1)? - k.at("resolution_interpersonal", y1)?)
            })
        },
    );
    claim(
        "P2",
        "p2_rise",
        format!(
            "the knowledge team's interpersonal resolution rises from {y1} to {y_last} (kept together: no exits, no elections)"
        ),
        SMALLEST_SKILL,
        &|| {
            paired("p2_knowledge", "p2_knowledge", &|k, _| {
                Some(
                    k.at("resolution_interpersonal", y_last)?
                        - k.at("resolution_interpersonal", y1)?,
                )
            })
        },
    );

    for (slot, key) in P3_ALONE.iter().enumerate() {
        claim(
            "P3",
            key,
            format!(
                "with supply shocks, policy_capacity_p10 of the even mix of school, society and agency exceeds that of {} alone (equal total supply; bootstrap interval)",
                KNOWLEDGE_CHANNELS[slot]
            ),
            SMALLEST_CAPACITY,
            &|| {
                let figure = |name: &str| -> Option<Vec<f64>> {
                    results
                        .get(name)?
                        .iter()
                        .map(|s| s.figure("policy_capacity"))
                        .collect()
                };
                bootstrap_p10_difference(
                    &figure("p3_mix")?,
                    &figure(key)?,
                    BOOTSTRAP_RESAMPLES,
                    plan.seed,
                )
            },
        );
    }

    let (lowest, highest) = (
        P4_OPENNESS_SCALES[0],
        P4_OPENNESS_SCALES[P4_OPENNESS_SCALES.len() - 1],
    );
    claim(
        "P4",
        "p4_pipeline",
        format!(
            "with pools, pipeline_tempered at openness x{} exceeds that at x{}",
            format_value(highest),
            format_value(lowest)
        ),
        SMALLEST_PIPELINE,
        &|| {
            paired(&p4_arm(highest), &p4_arm(lowest), &|h, l| {
                Some(h.figure("pipeline_tempered")? - l.figure("pipeline_tempered")?)
            })
        },
    );
    claim(
        "P4",
        "p4_interior",
        format!(
            "with pools, policy_capacity at the scenario's own openness (x1) exceeds that at both ends, x{} and x{} (the contrast with the end it beats least)",
            format_value(lowest),
            format_value(highest)
        ),
        SMALLEST_CAPACITY,
        &|| {
            let contrast = |end: f64| {
                paired(&p4_arm(1.0), &p4_arm(end), &|i, e| {
                    Some(i.figure("policy_capacity")? - e.figure("policy_capacity")?)
                })
            };
            let (a, b) = (contrast(lowest)?, contrast(highest)?);
            // Interior only if it beats both ends: the smaller contrast binds.
            Some(if a.mean <= b.mean { a } else { b })
        },
    );

    for (key, column, what) in [
        ("p5_trust", "mean_trust_knowledge", "trust"),
        ("p5_experience", "mean_experience_knowledge", "experience"),
    ] {
        claim(
            "P5",
            key,
            format!(
                "knowledge elites' mean {what} over {from}-{to} is higher with mentoring than with mentoring.rate = 0"
            ),
            SMALLEST_SKILL,
            &|| {
                paired(SCENARIO, "p5_no_mentoring", &|on, off| {
                    let (a, b) = paired_window_means(on, off, column, window)?;
                    Some(a - b)
                })
            },
        );
    }
    claim(
        "P5",
        "p5_depth",
        format!(
            "P1's effect (depth in {from}-{to} beyond the demand-only control's) is larger with mentoring.rate = 0"
        ),
        SMALLEST_CAPACITY,
        &|| {
            let off = per_replicate(
                results,
                plan,
                "p5_no_mentoring",
                "p5_no_mentoring_demand_only",
                |s: &Series, c: &Series| Some(s.depth(window)? - c.depth(window)?),
            )?;
            let on = per_replicate(
                results,
                plan,
                SCENARIO,
                "demand_only",
                |s: &Series, c: &Series| Some(s.depth(window)? - c.depth(window)?),
            )?;
            let diffs: Vec<f64> = off.iter().zip(&on).map(|(a, b)| a - b).collect();
            Effect::paired(&diffs)
        },
    );

    rows.extend(p6_rows(
        plan,
        results.get(SCENARIO).map_or(&[][..], Vec::as_slice),
    ));
    rows
}

/// P6 from the scenario's own runs: the first year from which the
/// experience and the knowledge cohorts lead for good against their
/// windows, and the experience cohort's lead in 2000.
fn p6_rows(plan: &Plan, runs: &[Series]) -> Vec<Row> {
    let mut rows = Vec::new();
    let shares = ["share_revolutionary", "share_experience", "share_knowledge"];
    // A tie for the largest share counts as a lead of both: at a few
    // hundred communities exact ties happen, and one in the year of the
    // hand-over would otherwise end one era without starting the next.
    let leads = |s: &Series, cohort: usize, i: usize| -> bool {
        let value = |c: usize| s.columns.get(shares[c]).and_then(|v| v[i]);
        match value(cohort) {
            Some(x) => (0..3).all(|c| c == cohort || value(c).is_none_or(|o| x >= o)),
            None => false,
        }
    };
    // The knowledge cohort's lead for good ends the run; the experience
    // cohort's ends where the knowledge cohort's begins (its era), else at
    // the end of the run.
    let for_good = |s: &Series, cohort: usize| -> Option<i32> {
        let end = match cohort {
            2 => s.years.len(),
            _ => {
                let lead: Vec<bool> = (0..s.years.len()).map(|i| leads(s, 2, i)).collect();
                first_year_for_good(&s.years, &lead)
                    .and_then(|year| s.years.iter().position(|&y| y == year))
                    .unwrap_or(s.years.len())
            }
        };
        let lead: Vec<bool> = (0..end).map(|i| leads(s, cohort, i)).collect();
        first_year_for_good(&s.years[..end], &lead)
    };
    for (key, cohort, name, window) in [
        ("p6_experience", 1, "experience", P6_EXPERIENCE_WINDOW),
        ("p6_knowledge", 2, "knowledge", P6_KNOWLEDGE_WINDOW),
    ] {
        let until = if cohort == 2 {
            "to the end of the run"
        } else {
            "until the knowledge cohort's lead for good"
        };
        let claim = format!(
            "the {name} cohort leads the seated shares {until} from a year in {}-{} (mean first year, t interval)",
            window.0, window.1
        );
        if plan.years.0 > window.0 || plan.years.1 < window.1 {
            rows.push(Row::not_applicable(
                "P6",
                key,
                claim,
                "the run does not span the window",
            ));
            continue;
        }
        let firsts: Vec<Option<i32>> = runs.iter().map(|s| for_good(s, cohort)).collect();
        let found: Vec<f64> = firsts.iter().flatten().map(|&y| f64::from(y)).collect();
        let effect = if found.len() == firsts.len() {
            Effect::paired(&found)
        } else {
            None
        };
        let verdict = match effect {
            _ if found.is_empty() && !firsts.is_empty() => Verdict::Opposite,
            None => Verdict::Inconclusive,
            Some(e) if e.hi < f64::from(window.0) || e.lo > f64::from(window.1) => {
                Verdict::Opposite
            }
            // An interval wider than the window overlaps it whatever the
            // year: too little power to place it.
            Some(e) if e.hi - e.lo > f64::from(window.1 - window.0) => Verdict::Inconclusive,
            Some(_) => Verdict::Holds,
        };
        rows.push(Row {
            pattern: "P6",
            key,
            claim,
            effect,
            smallest: None,
            verdict,
        });
    }
    let year = P6_EXPERIENCE_YEAR;
    let claim =
        format!("the experience cohort leads in {year}: its share minus the largest other share");
    if !(plan.years.0..=plan.years.1).contains(&year) {
        rows.push(Row::not_applicable(
            "P6",
            "p6_lead",
            claim,
            "the run does not include the year",
        ));
    } else {
        let margins: Option<Vec<f64>> = runs
            .iter()
            .map(|s| {
                let v = |c: &str| s.at(c, year);
                Some(v("share_experience")? - v("share_revolutionary")?.max(v("share_knowledge")?))
            })
            .collect();
        rows.push(Row::tested(
            "P6",
            "p6_lead",
            claim,
            margins.and_then(|m| Effect::paired(&m)),
            0.0,
        ));
    }
    rows
}

/// `patterns.csv`: a header of [`COLUMNS`], then one line per row.
pub fn csv(rows: &[Row]) -> String {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    let mut text = names.join(",");
    text.push('\n');
    let number =
        |x: Option<f64>| x.map_or_else(String::new, |x| Cell(FieldType::Number, x).to_string());
    for row in rows {
        let fields = [
            row.pattern.to_string(),
            crate::model::schema::text_cell(&row.claim),
            number(row.effect.map(|e| e.mean)),
            number(row.effect.map(|e| e.lo)),
            number(row.effect.map(|e| e.hi)),
            number(row.smallest),
            row.verdict.name().to_string(),
        ];
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        crate::scenario::from_defaults(text, "patterns-unit").expect("resolves")
    }

    const CHANNELS: &str = r#"
name = "patterns-unit"
[channels.enterprise]
cohort = "experience"
supply = [[1949, 2.0], [2000, 1.0]]
kind = { urban = 1.5, rural = 1.0 }
[channels.school]
cohort = "knowledge"
supply = 1.0
[channels.society]
cohort = "knowledge"
supply = [[1990, 0.0], [2010, 1.0]]
shock = { sd = 0.3 }
[channels.agency]
cohort = "knowledge"
supply = 0.5
"#;

    #[test]
    fn the_demand_only_control_holds_each_supply_at_its_mean() {
        let s = scenario(CHANNELS);
        let p = s.parameters();
        let sets = demand_only_sets(&p);
        // Only the two varying channels change; school and agency are constant.
        assert_eq!(sets.len(), 4, "{sets:?}");
        let years = (p.start_year, p.end_year);
        let e = channel_index(&p, "enterprise").unwrap();
        let enterprise = |k: Kind| mean_over(years, |y| effective_supply(&p, e, k, y));
        assert_eq!(sets[0], "channels.enterprise.supply=1.0");
        assert_eq!(
            sets[1],
            format!(
                "channels.enterprise.kind={{ urban = {}, rural = {} }}",
                num(enterprise(Kind::Urban)),
                num(enterprise(Kind::Rural))
            )
        );
        assert!(sets[2].starts_with("channels.society.supply="));
        // A scenario of constant supplies is its own control.
        let plan = Plan::new(&scenario(
            "name = \"constant\"\n[channels.school]\ncohort = \"knowledge\"\nsupply = 1.0\n",
        ));
        assert_eq!(
            plan.same_as.get("demand_only").map(String::as_str),
            Some(SCENARIO)
        );
        assert!(plan.arms.iter().all(|a| a.name != "demand_only"));
    }

    #[test]
    fn p3_arms_keep_the_total_supply_and_the_history() {
        let s = scenario(CHANNELS);
        let p = s.parameters();
        let k = KNOWLEDGE_CHANNELS.map(|name| channel_index(&p, name).unwrap());
        let from = s.policy_window.0;
        let parse = |sets: &[String]| -> Vec<f64> {
            // The urban yearly values of each channel, in channel order.
            sets.iter()
                .filter(|s| s.contains(".kind="))
                .map(|s| {
                    let urban = s.split("urban = ").nth(1).unwrap();
                    let first_year = format!("[{from}, ");
                    let v = urban.split(&first_year).nth(1).unwrap();
                    v.split(']').next().unwrap().parse().unwrap()
                })
                .collect()
        };
        let total: f64 = k
            .iter()
            .map(|&i| effective_supply(&p, i, Kind::Urban, from))
            .sum();
        let mix = parse(&p3_sets(&p, &k, from, [1.0 / 3.0; 3]));
        assert_eq!(mix.len(), 3);
        assert!((mix.iter().sum::<f64>() - total).abs() < 1e-12);
        let alone = parse(&p3_sets(&p, &k, from, [0.0, 1.0, 0.0]));
        assert_eq!(alone, vec![0.0, total, 0.0]);
        // Before the policy window, each channel's own supply.
        let sets = p3_sets(&p, &k, from, [1.0, 0.0, 0.0]);
        let society = sets
            .iter()
            .find(|s| s.starts_with("channels.society.kind="))
            .unwrap();
        let before = effective_supply(&p, k[1], Kind::Urban, 2000);
        assert!(before > 0.0 && society.contains(&format!("[2000, {}]", num(before))));
        // Shocked, with the three channels: P3 applies; P4 needs pools.
        let plan = Plan::new(&s);
        assert!(plan.arms.iter().any(|a| a.name == "p3_mix"));
        assert!(plan.not_applicable.contains_key("p4_pipeline"));
    }

    #[test]
    fn scaled_controls_multiply_the_scenario_s_own_scale() {
        let channels = CHANNELS.replace(
            "supply = [[1990, 0.0], [2010, 1.0]]",
            "supply = { points = [[1990, 0.0], [2010, 1.0]], scale = 0.5 }",
        );
        let text = format!(
            "{channels}[recruitment]\nsupply = \"pool\"\n[promotion]\nopenness = {{ points = [[1949, 0.05], [2015, 0.1]], scale = 2.0 }}\n"
        );
        let plan = Plan::new(&scenario(&text));
        let arm = |name: &str| {
            plan.arms
                .iter()
                .find(|a| a.name == name)
                .unwrap()
                .sets
                .clone()
        };
        assert!(arm("cut_knowledge").contains(&"channels.society.supply.scale=0.15".to_string()));
        assert_eq!(
            arm("p4_openness_4"),
            vec!["promotion.openness.scale=8.0".to_string()]
        );
        assert_eq!(
            arm("p4_openness_0.5"),
            vec!["promotion.openness.scale=1.0".to_string()]
        );
    }

    #[test]
    fn a_tie_in_the_year_of_the_hand_over_keeps_both_eras() {
        let years: Vec<i32> = (2020..=2025).collect();
        let col = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        let mut series = Series {
            years: years.clone(),
            ..Series::default()
        };
        series.columns.insert("share_revolutionary", col(&[0.0; 6]));
        series
            .columns
            .insert("share_experience", col(&[0.7, 0.6, 0.5, 0.4, 0.3, 0.2]));
        series
            .columns
            .insert("share_knowledge", col(&[0.3, 0.4, 0.5, 0.6, 0.7, 0.8]));
        let plan = Plan {
            arms: Vec::new(),
            same_as: BTreeMap::new(),
            not_applicable: BTreeMap::new(),
            trough_window: (2020, 2025),
            years: (1949, 2060),
            seed: 1,
            p2_year: 2020,
        };
        let rows = p6_rows(&plan, &[series.clone(), series]);
        // Both replicates: experience leads from 2020, knowledge from 2022
        // (the tie), so both are found; their interval is a point.
        let experience = rows[0].effect.expect("found in every replicate");
        assert_eq!(experience.mean, 2020.0);
        assert_eq!(rows[1].effect.expect("found").mean, 2022.0);
    }

    #[test]
    fn depth_is_the_largest_drawdown() {
        assert_eq!(depth(&[]), 0.0);
        assert_eq!(depth(&[0.5, 0.6, 0.7]), 0.0);
        assert!((depth(&[0.8, 0.7, 0.9, 0.6, 0.75]) - 0.3).abs() < 1e-12);
        // Insensitive to the level.
        assert!((depth(&[1.8, 1.7, 1.9, 1.6]) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn verdicts_follow_the_rule() {
        let e = |mean: f64, half: f64| Effect {
            mean,
            lo: mean - half,
            hi: mean + half,
            lo90: mean - 0.8 * half,
            hi90: mean + 0.8 * half,
        };
        assert_eq!(e(0.01, 0.004).verdict(0.005), Verdict::Holds);
        // Significant but smaller than what matters: equivalent to none.
        assert_eq!(e(0.002, 0.001).verdict(0.005), Verdict::NoEffect);
        assert_eq!(e(-0.01, 0.004).verdict(0.005), Verdict::Opposite);
        // No power: a wide interval around 0 is neither.
        assert_eq!(e(0.0, 0.1).verdict(0.005), Verdict::Inconclusive);
        // Reaches the smallest effect but the interval includes 0.
        assert_eq!(e(0.01, 0.02).verdict(0.005), Verdict::Inconclusive);
        assert_eq!(e(0.0, 0.0).verdict(0.005), Verdict::NoEffect);
        assert_eq!(e(0.0, 0.0).verdict(0.0), Verdict::NoEffect);
    }

    #[test]
    fn paired_effects_have_t_intervals() {
        let d = [0.01, 0.012, 0.008, 0.011, 0.009];
        let e = Effect::paired(&d).unwrap();
        // mean 0.01, sd 0.0015811, se 0.000707, t(0.975, 4) = 2.776.
        assert!((e.mean - 0.01).abs() < 1e-12);
        assert!((e.hi - e.mean - 2.776_445 * 0.000_707_107).abs() < 1e-7);
        assert!((e.hi90 - e.mean - 2.131_847 * 0.000_707_107).abs() < 1e-7);
        assert!(Effect::paired(&[0.1]).is_none());
    }

    #[test]
    fn the_first_year_for_good_starts_the_trailing_run() {
        let years = [2000, 2001, 2002, 2003, 2004];
        assert_eq!(
            first_year_for_good(&years, &[true, false, true, true, true]),
            Some(2002)
        );
        assert_eq!(
            first_year_for_good(&years, &[true, true, true, true, false]),
            None
        );
        assert_eq!(first_year_for_good(&years, &[true; 5]), Some(2000));
    }

    #[test]
    fn bootstrap_intervals_cover_the_p10_difference() {
        let a: Vec<f64> = (0..20).map(|i| 0.80 + 0.001 * f64::from(i)).collect();
        let b: Vec<f64> = a.iter().map(|x| x - 0.01).collect();
        let e = bootstrap_p10_difference(&a, &b, 200, 1).unwrap();
        // Shifted by a constant: every resample differs by exactly 0.01.
        assert!(
            (e.mean - 0.01).abs() < 1e-12
                && (e.lo - 0.01).abs() < 1e-12
                && (e.hi - 0.01).abs() < 1e-12
        );
        let c: Vec<f64> = a.iter().rev().copied().collect();
        let e = bootstrap_p10_difference(&a, &c, 200, 1).unwrap();
        assert!(e.lo < 0.0 && e.hi > 0.0, "{e:?}");
        assert_eq!(bootstrap_p10_difference(&a, &c, 200, 1), Some(e), "seeded");
    }
}
