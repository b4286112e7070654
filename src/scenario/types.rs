//! The resolved scenario: every default filled in, every value validated.
//!
//! It is produced only by [`crate::scenario::load`] (or the `resolve` step
//! behind it), so code holding a `Scenario` may rely on every invariant that
//! validation checks (ranges, ordered schedule years, at least one channel).
//! The model never sees it: it receives the [`Parameters`] that
//! [`Scenario::parameters`] takes out of it.

use serde::{Deserialize, Serialize};

// The model's domain types and parameter sections, under the names the
// scenario format has always used for them.
pub use crate::model::params::{
    Capacity, Channel, Cohort, CohortRule, Death, Distribution, ElectionRule, Elections, Exits,
    IssueType, Issues, Kind, Learning, Mentoring, PerIssue, PerKind, Promotion, Recruitment,
    Retirement, Schedule, Selection, Shape, Shock, SupplyMode, Team,
};

use crate::model::Parameters;

/// Whether sweep points share random numbers (MODEL.md section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedMode {
    /// All points share their random numbers (common random numbers).
    Common,
    /// The point is part of the key: each point has its own streams.
    Independent,
}

/// `[observe]`: the model's observation settings and the study's trough
/// window (MODEL.md section 7.7).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    /// k at or above counts as "college or above".
    pub educated_threshold: f64,
    /// Years left out of the trough search by default.
    pub burn_in: u32,
    /// Tenure at or above which a promoted leader counts as tempered.
    pub tempered_tenure: f64,
    /// The years searched for the succession trough, inclusive, when the
    /// scenario gives them (validated to lie within the run); `None` for
    /// the default of [`Scenario::trough_window`].
    #[serde(default)]
    pub trough_window: Option<(i32, i32)>,
}

/// `[init]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Init {
    /// Roster CSV, resolved against the file that names it.
    pub roster: Option<std::path::PathBuf>,
}

/// One value of a swept parameter: a number, or a level of a categorical
/// factor (a string parameter's word, e.g. `elections.rule = "committee"`,
/// or a boolean parameter's `true` or `false`). Serialised as the bare
/// JSON number, string or boolean, so a numeric design reads and writes
/// exactly as a list of numbers does.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Level {
    /// A number, for a numeric path.
    Number(f64),
    /// One of the words a string parameter allows (the registry's own, so
    /// a design holds no text of its own).
    Text(&'static str),
    /// `true` or `false`, for a boolean path.
    Bool(bool),
}

impl Level {
    /// The value as a `--set` override writes it (TOML): a number as Rust
    /// writes it, a word quoted, `true` or `false`.
    pub fn toml(self) -> String {
        match self {
            Level::Text(word) => format!("\"{word}\""),
            other => other.to_string(),
        }
    }

    /// The number, for a numeric path's value.
    pub fn number(self) -> Option<f64> {
        match self {
            Level::Number(v) => Some(v),
            _ => None,
        }
    }
}

impl From<f64> for Level {
    fn from(v: f64) -> Level {
        Level::Number(v)
    }
}

/// As a message or a label shows it: a number as Rust writes it (`0.5`,
/// `2`), a word bare, `true` or `false`.
impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Level::Number(v) => write!(f, "{v}"),
            Level::Text(word) => f.write_str(word),
            Level::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Level, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(f64),
            Text(String),
            Bool(bool),
        }
        Ok(match Written::deserialize(deserializer)? {
            Written::Number(v) => Level::Number(v),
            Written::Bool(b) => Level::Bool(b),
            Written::Text(text) => Level::Text(super::paths::word(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{text:?} is no value of a string parameter a sweep can set"
                ))
            })?),
        })
    }
}

/// A range of values for a swept parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SweepValues {
    /// Explicit values: numbers, or (grid and zip) the words or booleans
    /// of a categorical parameter.
    List(Vec<Level>),
    /// `{ from, to, steps }` (grid: `steps` values, both ends included;
    /// random and lhs: the interval `[from, to]`).
    Range {
        /// Lower end.
        from: f64,
        /// Upper end.
        to: f64,
        /// Number of values on a grid (absent for random/lhs).
        steps: Option<u32>,
    },
}

/// `[sweep]` as written (points are generated by the sweep module).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// grid | zip | random | lhs | table.
    pub method: String,
    /// Number of points for random and lhs.
    pub samples: Option<u32>,
    /// CSV of points for `table`.
    pub table: Option<std::path::PathBuf>,
    /// Swept paths, in the order given, with their values.
    pub parameters: Vec<(String, SweepValues)>,
}

/// `[sensitivity]` as written (the design and the indices are the
/// sensitivity module's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sensitivity {
    /// sobol | morris.
    pub method: String,
    /// Sobol: the base samples N (N (k + 2) points); Morris: the
    /// trajectories r (r (k + 1) points).
    pub samples: u32,
    /// Morris: the levels p of the grid (even, at least 2).
    pub levels: u32,
    /// Bootstrap resamples for the intervals.
    pub bootstrap: u32,
    /// The summary figures analysed (every one when the file gives none).
    pub figures: Vec<String>,
    /// The varied paths, in the order given, with their ranges
    /// ([`SweepValues::Range`] without `steps`).
    pub parameters: Vec<(String, SweepValues)>,
}

/// A fully resolved, validated scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Output folder name (default: the file's stem).
    pub name: String,
    /// One line for humans.
    pub description: String,
    /// First simulated year.
    pub start_year: i32,
    /// Last simulated year (inclusive).
    pub end_year: i32,
    /// Number of communities; with a roster, the first `communities` of
    /// the roster (the roster's size when the scenario does not give it,
    /// filled in by [`crate::study::Study::load`]).
    pub communities: u32,
    /// Share of urban communities (ignored with a roster).
    pub urban_share: f64,
    /// Replicates per point.
    pub replicates: u32,
    /// Scenario seed.
    pub seed: u64,
    /// Common or independent random numbers across sweep points.
    pub seeds: SeedMode,
    /// Years averaged in the summary, inclusive.
    pub policy_window: (i32, i32),
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
    /// Channels, sorted by name (code point order).
    pub channels: Vec<Channel>,
    /// `[init]`.
    pub init: Init,
    /// `[sweep]`, if any.
    pub sweep: Option<Sweep>,
    /// `[sensitivity]`, if any (never with `[sweep]`). Left out of the
    /// serialised scenario when absent, so the identity of a folder written
    /// before the field existed still equals a fresh one (`--resume`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
}

impl Scenario {
    /// Years simulated, in order.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.start_year..=self.end_year
    }
    /// The years searched for the succession trough, inclusive
    /// (MODEL.md section 7.7): `observe.trough_window` when given; else
    /// every year when the run starts from a roster, and the years after
    /// the first `observe.burn_in` otherwise (empty, `from > to`, when the
    /// burn-in covers the run).
    pub fn trough_window(&self) -> (i32, i32) {
        match (self.observe.trough_window, &self.init.roster) {
            (Some(window), _) => window,
            (None, Some(_)) => (self.start_year, self.end_year),
            (None, None) => {
                let burn_in = i32::try_from(self.observe.burn_in).unwrap_or(i32::MAX);
                (self.start_year.saturating_add(burn_in), self.end_year)
            }
        }
    }

    /// Number of simulated years.
    pub fn n_years(&self) -> usize {
        (self.end_year - self.start_year + 1) as usize
    }

    /// What the model is built from: the years, the population, the
    /// sections and the channels (the rest is the study's: name, seeds,
    /// replicates, policy window, roster, sweep).
    pub fn parameters(&self) -> Parameters {
        Parameters {
            start_year: self.start_year,
            end_year: self.end_year,
            communities: self.communities,
            urban_share: self.urban_share,
            team: self.team.clone(),
            issues: self.issues.clone(),
            capacity: self.capacity.clone(),
            learning: self.learning.clone(),
            mentoring: self.mentoring.clone(),
            exits: self.exits.clone(),
            promotion: self.promotion.clone(),
            elections: self.elections.clone(),
            observe: crate::model::params::Observe {
                educated_threshold: self.observe.educated_threshold,
                burn_in: self.observe.burn_in,
                tempered_tenure: self.observe.tempered_tenure,
            },
            selection: self.selection.clone(),
            recruitment: self.recruitment.clone(),
            channels: self.channels.clone(),
        }
    }
}
