//! The model's vocabulary: the domain types (kinds, cohorts, issue types,
//! schedules, entry distributions, channels) and the parameter sections a
//! [`Plan`](super::Plan) is built from, gathered in [`Parameters`].
//!
//! These live in the model, below the scenario file format: the scenario
//! layer parses and validates a file into them (and re-exports them under
//! its own names), so a new parameter needs its registry entry, its typed
//! field here and the model code that reads it, and no conversion code.
//! The serde derives are the manifest's: a resolved scenario serialises
//! these types as they are.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A name that is none of a domain type's names (from its `FromStr`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The text that was parsed.
    pub found: String,
    /// The type's names, in its `ALL` order.
    pub expected: &'static [&'static str],
}

impl UnknownName {
    /// The valid names as prose, `a, b or c`, each in backticks if `quoted`.
    pub fn expected_list(&self, quoted: bool) -> String {
        let q = |n: &str| {
            if quoted {
                format!("`{n}`")
            } else {
                n.to_string()
            }
        };
        match self.expected.split_last() {
            Some((last, [])) => q(last),
            Some((last, rest)) => {
                let head: Vec<String> = rest.iter().map(|n| q(n)).collect();
                format!("{} or {}", head.join(", "), q(last))
            }
            None => String::new(),
        }
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {}, found `{}`",
            self.expected_list(false),
            self.found
        )
    }
}

impl std::error::Error for UnknownName {}

/// The one name table of a domain enum: `ALL` and `NAMES` in output order,
/// `name()` and `FromStr` all come from the same `Variant => "name"` list,
/// so a name cannot be spelled two ways.
macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in output order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];
            /// The lowercase names used in scenario files and CSV, in
            /// [`Self::ALL`] order.
            pub const NAMES: [&'static str; [$($name),+].len()] = [$($name),+];
            /// The lowercase name used in scenario files and CSV.
            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::model::params::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    other => Err($crate::model::params::UnknownName {
                        found: other.to_string(),
                        expected: &$ty::NAMES,
                    }),
                }
            }
        }
    };
}
pub(crate) use named_enum;

/// Community kind: urban residents' committee or rural village committee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Urban residents' committee.
    Urban,
    /// Rural village committee.
    Rural,
}

named_enum!(Kind {
    Urban => "urban",
    Rural => "rural",
});

/// A value given per community kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerKind<T> {
    /// The value for urban communities.
    pub urban: T,
    /// The value for rural communities.
    pub rural: T,
}

impl<T> PerKind<T> {
    /// The value for `kind`.
    pub fn get(&self, kind: Kind) -> &T {
        match kind {
            Kind::Urban => &self.urban,
            Kind::Rural => &self.rural,
        }
    }
}

/// How a schedule interpolates between its points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// The same value every year.
    Constant(f64),
    /// Piecewise linear through `(year, value)` points (years strictly
    /// increasing), constant before the first and after the last point.
    Linear(Vec<(f64, f64)>),
    /// The value of the last point at or before the year; the first value
    /// before the first point (a policy that switches on).
    Stepwise(Vec<(f64, f64)>),
}

/// A numeric parameter that may change over the years, times a scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The unscaled shape.
    pub shape: Shape,
    /// Multiplies every value; what sweeps vary as `<path>.scale`.
    pub scale: f64,
}

impl Schedule {
    /// A constant schedule with scale 1.
    pub fn constant(value: f64) -> Self {
        Schedule {
            shape: Shape::Constant(value),
            scale: 1.0,
        }
    }

    /// The scaled value in `year`.
    pub fn at(&self, year: i32) -> f64 {
        let y = f64::from(year);
        let raw = match &self.shape {
            Shape::Constant(v) => *v,
            Shape::Linear(points) => {
                let first = points[0];
                let last = points[points.len() - 1];
                if y <= first.0 {
                    first.1
                } else if y >= last.0 {
                    last.1
                } else {
                    let i = points.partition_point(|p| p.0 <= y);
                    let (x0, v0) = points[i - 1];
                    let (x1, v1) = points[i];
                    v0 + (v1 - v0) * (y - x0) / (x1 - x0)
                }
            }
            Shape::Stepwise(points) => {
                let i = points.partition_point(|p| p.0 <= y);
                if i == 0 { points[0].1 } else { points[i - 1].1 }
            }
        };
        raw * self.scale
    }
}

/// An entry distribution for a candidate's age or one skill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// Always this value.
    Constant(f64),
    /// A normal truncated to `[min, max]` (sampled by rejection).
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation before truncation (> 0).
        sd: f64,
        /// Lower truncation bound.
        min: f64,
        /// Upper truncation bound.
        max: f64,
    },
    /// A beta distribution on [0, 1] with shapes `a`, `b` (> 0).
    Beta {
        /// First shape.
        a: f64,
        /// Second shape.
        b: f64,
    },
}

/// The three generations of community elites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cohort {
    /// Founding-era activists (from 1949).
    Revolutionary,
    /// Reform-era managers and "capable people".
    Experience,
    /// Young, educated leaders.
    Knowledge,
}

named_enum!(Cohort {
    Revolutionary => "revolutionary",
    Experience => "experience",
    Knowledge => "knowledge",
});

impl Cohort {
    /// Position in [`Cohort::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A channel's cohort: one name (version 1), or a stepwise table of names
/// by year of entry (MODEL.md section 7.4): a leader's cohort is fixed when
/// they take a seat, by the year they take it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CohortRule {
    /// Every recruit belongs to this cohort.
    Fixed(Cohort),
    /// The cohort of the last point at or before the year of entry; the
    /// first point's before it.
    Stepwise {
        /// `(year, cohort)`, years strictly increasing.
        stepwise: Vec<(f64, Cohort)>,
    },
}

impl CohortRule {
    /// The cohort of a leader entering in `year`.
    pub fn at(&self, year: i32) -> Cohort {
        match self {
            CohortRule::Fixed(cohort) => *cohort,
            CohortRule::Stepwise { stepwise } => {
                let i = stepwise.partition_point(|p| p.0 <= f64::from(year));
                stepwise[i.saturating_sub(1)].1
            }
        }
    }
}

/// A channel's national supply shock (MODEL.md section 7.2):
/// `M(y) = exp(σ z_y − σ²/2)` with z an AR(1) of persistence ρ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shock {
    /// σ ≥ 0 (0: no shock, M = 1).
    pub sd: f64,
    /// ρ ∈ [0, 1).
    pub persistence: f64,
}

/// A source of candidates (MODEL.md section 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// The channel's name (the key under `[channels]`).
    pub name: String,
    /// The cohort its recruits belong to, by year of entry.
    pub cohort: CohortRule,
    /// Expected candidates per vacant seat-year (`per_vacancy`), or
    /// expected arrivals into the pool per community-year (`pool`).
    pub supply: Schedule,
    /// Multiplier of the supply per community kind (`kindmult_c`).
    pub kind: PerKind<Schedule>,
    /// Whether supply is multiplied by `1 + θ · openness(year)`; `None`:
    /// when the cohort of the year of entry is the knowledge cohort.
    pub responds_to_openness: Option<bool>,
    /// Scales trust learning (1 for locals, < 1 for outsiders).
    pub localness: Schedule,
    /// Base turnover hazard `base_c`.
    pub turnover: Schedule,
    /// Promotion propensity `promo_c`.
    pub promotion: Schedule,
    /// Tenure at which rotation out is certain (0 = never).
    pub secondment_years: u32,
    /// Entry age distribution.
    pub age: Distribution,
    /// Entry knowledge distribution.
    pub knowledge: Distribution,
    /// Entry experience distribution.
    pub experience: Distribution,
    /// Entry trust distribution.
    pub trust: Distribution,
    /// Share of the pool leaving each year, per kind (`pool` mode only).
    pub leave: PerKind<Schedule>,
    /// The national supply shock.
    pub shock: Shock,
    /// Whether its leaders stand (and its people challenge) under the
    /// committee rule; false for appointed cadres.
    pub stands_in_elections: bool,
}

/// Issue types, each drawing on one skill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueType {
    /// Draws on trust.
    Interpersonal,
    /// Draws on experience.
    Managerial,
    /// Draws on knowledge.
    Technical,
}

named_enum!(IssueType {
    Interpersonal => "interpersonal",
    Managerial => "managerial",
    Technical => "technical",
});

impl IssueType {
    /// The skill a team resolves issues of this type with.
    pub fn skill(self) -> Skill {
        match self {
            IssueType::Interpersonal => Skill::Trust,
            IssueType::Managerial => Skill::Experience,
            IssueType::Technical => Skill::Knowledge,
        }
    }
}

/// A value per issue type, in [`IssueType::ALL`] order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerIssue<T> {
    /// Interpersonal issues (trust).
    pub interpersonal: T,
    /// Managerial issues (experience).
    pub managerial: T,
    /// Technical issues (knowledge).
    pub technical: T,
}

impl<T> PerIssue<T> {
    /// The values in [`IssueType::ALL`] order.
    pub fn as_array(&self) -> [&T; 3] {
        [&self.interpersonal, &self.managerial, &self.technical]
    }
}

/// `[team]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Seats per community kind.
    pub seats: PerKind<u32>,
}

/// `[issues]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issues {
    /// λ_kind: issues per community-year.
    pub rate: PerKind<Schedule>,
    /// q: share of unresolved issues that escalate.
    pub escalation: Schedule,
    /// m_j: issue mix weights (normalised each year).
    pub mix: PerIssue<Schedule>,
    /// d_j: difficulty per issue type.
    pub difficulty: PerIssue<Schedule>,
    /// η: trusted leaders settle disputes, `q (1 − η T̄)`.
    pub mediation: Schedule,
}

/// `[capacity]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// γ: exponent of the filled share of seats.
    pub gamma: Schedule,
    /// ω: weight of the best leader against the team mean.
    pub omega: Schedule,
    /// β: steepness of the resolution curve.
    pub beta: Schedule,
}

/// `[learning]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Learning {
    /// α_e.
    pub experience: Schedule,
    /// α_t.
    pub trust: Schedule,
    /// α_k(year): training.
    pub knowledge: Schedule,
    /// φ: share of trust learning earned by resolving interpersonal issues.
    pub trust_performance: Schedule,
    /// δ: trust lost with unresolved interpersonal issues.
    pub trust_decay: Schedule,
}

/// `[mentoring]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mentoring {
    /// μ (0 switches mentoring off).
    pub rate: Schedule,
    /// Tenure (at the start of the step) below which a leader is mentored.
    pub window: u32,
    /// Minimum experience of a mentor.
    pub threshold: Schedule,
}

/// Gompertz death hazard `a · exp(b · age)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Death {
    /// a.
    pub a: Schedule,
    /// b.
    pub b: Schedule,
}

/// Logistic retirement hazard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retirement {
    /// R(year) per kind: the age where the annual hazard is one half.
    pub age: PerKind<Schedule>,
    /// s_R (> 0).
    pub spread: Schedule,
}

/// `[exits]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exits {
    /// Death hazard.
    pub death: Death,
    /// Retirement hazard.
    pub retirement: Retirement,
    /// τ in the turnover hazard `base_c · exp(−τ · t)`.
    pub embeddedness: Schedule,
}

/// `[promotion]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// openness(year).
    pub openness: Schedule,
    /// Promotion only strictly below this age.
    pub max_age: Schedule,
    /// θ: how strongly openness attracts candidates.
    pub attraction: Schedule,
}

/// `[elections]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Elections {
    /// Whether elections happen at all.
    pub enabled: bool,
    /// The first election year.
    pub first_year: i32,
    /// Term length after an election in a year (rounded down, ≥ 1).
    pub term: Schedule,
    /// Incumbents strictly older than this leave at an election.
    pub age_cap: u32,
    /// Score advantage a challenger must beat.
    pub incumbency: Schedule,
    /// One duel per seat, or one list per committee.
    pub rule: ElectionRule,
    /// Nominees listed beyond the contested seats (差额).
    pub list_extra: u32,
    /// Scale of the Gumbel noise of the vote.
    pub vote_noise: Schedule,
}

/// `elections.rule` (MODEL.md section 7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionRule {
    /// Each incumbent against the best challenger for their seat.
    Seat,
    /// One list and one vote for the contested seats of a committee.
    Committee,
}

/// `[recruitment]` (MODEL.md section 7.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recruitment {
    /// Where candidates come from.
    pub supply: SupplyMode,
}

/// `recruitment.supply`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplyMode {
    /// Fresh candidates for every vacant seat (version 1).
    PerVacancy,
    /// Finite pools per community and channel that drain and refill.
    Pool,
}

/// `[observe]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    /// k at or above counts as "college or above".
    pub educated_threshold: f64,
    /// Years left out of the trough search.
    pub burn_in: u32,
    /// Tenure at or above which a promoted leader counts as tempered.
    pub tempered_tenure: f64,
}

/// `[selection]`: weights of the selection score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// w_k.
    pub knowledge: Schedule,
    /// w_e.
    pub experience: Schedule,
    /// w_t.
    pub trust: Schedule,
}

/// Everything a [`Plan`](super::Plan) and the initial communities are
/// built from: the simulated years, the population, the sections and the
/// channels. The scenario layer builds it from a resolved scenario
/// (`Scenario::parameters`); a library user may build it directly.
///
/// The plan relies on what scenario validation checks (ordered schedule
/// years, probabilities in range, at least one channel); values it cannot
/// sample are refused by [`Plan::try_new`](super::Plan::try_new).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    /// First simulated year.
    pub start_year: i32,
    /// Last simulated year (inclusive).
    pub end_year: i32,
    /// Number of communities, when they start vacant.
    pub communities: u32,
    /// Share of urban communities, when they start vacant.
    pub urban_share: f64,
    /// `[team]`.
    pub team: Team,
    /// `[issues]`.
    pub issues: Issues,
    /// `[capacity]`.
    pub capacity: Capacity,
    /// `[learning]`.
    pub learning: Learning,
    /// `[mentoring]`.
    pub mentoring: Mentoring,
    /// `[exits]`.
    pub exits: Exits,
    /// `[promotion]`.
    pub promotion: Promotion,
    /// `[elections]`.
    pub elections: Elections,
    /// `[observe]`.
    pub observe: Observe,
    /// `[selection]`.
    pub selection: Selection,
    /// `[recruitment]`.
    pub recruitment: Recruitment,
    /// The channels; a leader's `channel` is an index into this list.
    pub channels: Vec<Channel>,
}

impl Parameters {
    /// Years simulated, in order.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.start_year..=self.end_year
    }
    /// Number of simulated years.
    pub fn n_years(&self) -> usize {
        (self.end_year - self.start_year + 1) as usize
    }
}

/// One of a leader's three skills (MODEL.md section 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skill {
    /// k: formal education, policy and digital literacy.
    Knowledge,
    /// e: management experience.
    Experience,
    /// t: interpersonal trust and standing among residents.
    Trust,
}

// The order is the order of the `mean_<skill>` columns (and of ties in the
// candidate draw order).
named_enum!(Skill {
    Knowledge => "knowledge",
    Experience => "experience",
    Trust => "trust",
});

/// A value per skill: a leader's or candidate's skills, or the selection
/// weights. Named fields, so that no code depends on which position holds
/// which skill.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Skills {
    /// k.
    pub knowledge: f64,
    /// e.
    pub experience: f64,
    /// t.
    pub trust: f64,
}

impl Skills {
    /// The value of `skill`.
    #[inline]
    pub fn get(&self, skill: Skill) -> f64 {
        match skill {
            Skill::Knowledge => self.knowledge,
            Skill::Experience => self.experience,
            Skill::Trust => self.trust,
        }
    }

    /// Sets the value of `skill`.
    #[inline]
    pub fn set(&mut self, skill: Skill, value: f64) {
        match skill {
            Skill::Knowledge => self.knowledge = value,
            Skill::Experience => self.experience = value,
            Skill::Trust => self.trust = value,
        }
    }

    /// w_k k + w_e e + w_t t with `weights` as (w_k, w_e, w_t), added in
    /// that order (the selection score; the order fixes its rounding).
    #[inline]
    pub fn weighted_sum(&self, weights: &Skills) -> f64 {
        weights.knowledge * self.knowledge
            + weights.experience * self.experience
            + weights.trust * self.trust
    }

    /// (k + e + t) / 3.
    #[inline]
    pub fn mean(&self) -> f64 {
        (self.knowledge + self.experience + self.trust) / 3.0
    }

    /// Each skill the larger of the two.
    #[inline]
    pub fn max_each(&self, other: &Skills) -> Skills {
        Skills {
            knowledge: self.knowledge.max(other.knowledge),
            experience: self.experience.max(other.experience),
            trust: self.trust.max(other.trust),
        }
    }

    /// Each skill the sum of the two.
    #[inline]
    pub fn plus(&self, other: &Skills) -> Skills {
        Skills {
            knowledge: self.knowledge + other.knowledge,
            experience: self.experience + other.experience,
            trust: self.trust + other.trust,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_issue_type_draws_on_its_own_skill() {
        let skills = Skills {
            knowledge: 0.1,
            experience: 0.2,
            trust: 0.3,
        };
        let by_issue = IssueType::ALL.map(|issue| skills.get(issue.skill()));
        assert_eq!(by_issue, [0.3, 0.2, 0.1]);
        let mut set = Skills::default();
        for skill in Skill::ALL {
            set.set(skill, skills.get(skill));
        }
        assert_eq!(set, skills);
        let weights = Skills {
            knowledge: 1.0,
            experience: 10.0,
            trust: 100.0,
        };
        assert!((skills.weighted_sum(&weights) - 32.1).abs() < 1e-12);
    }

    #[test]
    fn every_name_parses_back_and_serde_spells_it_the_same() {
        for kind in Kind::ALL {
            assert_eq!(kind.name().parse::<Kind>(), Ok(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.name())
            );
        }
        for cohort in Cohort::ALL {
            assert_eq!(cohort.name().parse::<Cohort>(), Ok(cohort));
            assert_eq!(
                serde_json::to_string(&cohort).unwrap(),
                format!("\"{}\"", cohort.name())
            );
        }
        for issue in IssueType::ALL {
            assert_eq!(issue.name().parse::<IssueType>(), Ok(issue));
            assert_eq!(
                serde_json::to_string(&issue).unwrap(),
                format!("\"{}\"", issue.name())
            );
        }
        for skill in Skill::ALL {
            assert_eq!(skill.name().parse::<Skill>(), Ok(skill));
        }
        for reason in super::super::state::ExitReason::ALL {
            assert_eq!(reason.name().parse(), Ok(reason));
        }
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let e = "Urban".parse::<Kind>().unwrap_err();
        assert_eq!(e.expected_list(true), "`urban` or `rural`");
        let e = "x".parse::<Cohort>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected revolutionary, experience or knowledge, found `x`"
        );
    }
}
