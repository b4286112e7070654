//! The one list of scenario parameters: path, value kind, default, range and
//! meaning. It drives the built-in defaults, unknown-key detection, range
//! checks, the paths `--set` and sweeps may name, and `succession params`.
//! A parameter is added here and nowhere else.

use super::ParamDoc;
use crate::model::params::Cohort;

/// The allowed interval of a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bounds {
    /// Smallest allowed value.
    pub min: f64,
    /// Whether `min` itself is excluded.
    pub min_open: bool,
    /// Largest allowed value.
    pub max: f64,
    /// Whether `max` itself is excluded.
    pub max_open: bool,
}

impl Bounds {
    /// Whether `v` lies in the interval.
    pub(crate) fn contains(&self, v: f64) -> bool {
        let above = if self.min_open {
            v > self.min
        } else {
            v >= self.min
        };
        let below = if self.max_open {
            v < self.max
        } else {
            v <= self.max
        };
        above && below
    }

    /// The interval as a message or `params` shows it.
    pub(crate) fn describe(&self) -> String {
        let op = if self.min_open { ">" } else { ">=" };
        match (self.min.is_finite(), self.max.is_finite()) {
            (true, true) => {
                let open = if self.max_open { ")" } else { "]" };
                format!("in [{}, {}{open}", self.min, self.max)
            }
            (true, false) => format!("{op} {}", self.min),
            (false, true) => format!("<= {}", self.max),
            (false, false) => "any number".to_string(),
        }
    }
}

/// Any finite number.
pub(crate) const ANY: Bounds = Bounds {
    min: f64::NEG_INFINITY,
    min_open: false,
    max: f64::INFINITY,
    max_open: false,
};
/// Rates, supplies, weights and hazard parameters.
pub(crate) const NONNEG: Bounds = Bounds {
    min: 0.0,
    min_open: false,
    max: f64::INFINITY,
    max_open: false,
};
/// Strictly positive (s_R, shapes, standard deviations).
pub(crate) const POSITIVE: Bounds = Bounds {
    min: 0.0,
    min_open: true,
    max: f64::INFINITY,
    max_open: false,
};
/// Probabilities and shares.
pub(crate) const UNIT: Bounds = Bounds {
    min: 0.0,
    min_open: false,
    max: 1.0,
    max_open: false,
};
/// Persistence of an AR(1): [0, 1).
pub(crate) const UNIT_BELOW_ONE: Bounds = Bounds {
    min: 0.0,
    min_open: false,
    max: 1.0,
    max_open: true,
};
/// The σ of a supply shock: at most 3 (M = exp(σ z − σ²/2) then has a
/// standard deviation of about 90, far beyond any supply series; above it
/// exp(σ z) overflows for ordinary z).
pub(crate) const SHOCK_SD: Bounds = Bounds {
    min: 0.0,
    min_open: false,
    max: 3.0,
    max_open: false,
};
/// Election terms.
pub(crate) const AT_LEAST_ONE: Bounds = Bounds {
    min: 1.0,
    min_open: false,
    max: f64::INFINITY,
    max_open: false,
};

/// Whether a distribution describes an age or a skill (which lies in [0, 1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DistKind {
    /// An entry age in years.
    Age,
    /// An entry skill in [0, 1].
    Skill,
}

/// The shape of a parameter's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ParamKind {
    /// A plain integer (never a schedule) within `[min, max]`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A plain number (never a schedule).
    Float(Bounds),
    /// A schedule whose scaled values lie within the bounds.
    Schedule(Bounds),
    /// A schedule, or one per community kind.
    PerKindSchedule(Bounds),
    /// A plain integer, or one per community kind.
    PerKindInt {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// An entry distribution.
    Distribution(DistKind),
    /// A cohort name, or `{ stepwise = [[year, "name"], ...] }`.
    CohortRule,
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// Free text.
    Text,
    /// A file path, relative to the file that names it.
    Path,
    /// `[first_year, last_year]`.
    YearPair,
    /// The table of swept paths and their values.
    SweepParameters,
    /// A list of names (strings).
    Names,
}

impl ParamKind {
    /// Whether a number is a valid value for the whole parameter, i.e. `--set`
    /// and sweeps may name it.
    pub(crate) fn takes_number(&self) -> bool {
        matches!(
            self,
            ParamKind::Int { .. }
                | ParamKind::Float(_)
                | ParamKind::Schedule(_)
                | ParamKind::PerKindSchedule(_)
                | ParamKind::PerKindInt { .. }
                | ParamKind::Distribution(_)
        )
    }

    fn describe(&self) -> String {
        let ints = |min: i64, max: i64| {
            if min == YEAR_MIN {
                "whole year".to_string()
            } else if max >= i64::from(u32::MAX) {
                format!("integer >= {min}")
            } else {
                format!("integer in [{min}, {max}]")
            }
        };
        match self {
            ParamKind::Int { min, max } => ints(*min, *max),
            ParamKind::Float(b) => format!("number, {}", b.describe()),
            ParamKind::Schedule(b) => format!("schedule, {}", b.describe()),
            ParamKind::PerKindSchedule(b) => format!("schedule per kind, {}", b.describe()),
            ParamKind::PerKindInt { min, max } => format!("{} per kind", ints(*min, *max)),
            ParamKind::Distribution(DistKind::Age) => "number or truncated normal".into(),
            ParamKind::Distribution(DistKind::Skill) => {
                "number, truncated normal or beta, in [0, 1]".into()
            }
            ParamKind::CohortRule => format!(
                "{} or {{ stepwise = [[year, name], ...] }}",
                COHORTS.join(" | ")
            ),
            ParamKind::Bool => "true or false".into(),
            ParamKind::Enum(values) => values.join(" | "),
            ParamKind::Text => "string".into(),
            ParamKind::Path => "path, relative to the file".into(),
            ParamKind::YearPair => "[first_year, last_year]".into(),
            ParamKind::SweepParameters => "path = [values] or { from, to, steps }".into(),
            ParamKind::Names => "list of names".into(),
        }
    }
}

/// A parameter's default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum DefaultValue {
    /// A TOML value, filled in when a scenario does not give one.
    Toml(&'static str),
    /// No value is filled in; the text says what happens instead.
    Note(&'static str),
    /// A new channel must give it; the text says so for `params`.
    Required(&'static str),
}

/// One scenario parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param {
    /// Dotted path; `*` stands for a channel name.
    pub path: &'static str,
    /// Value shape and range.
    pub kind: ParamKind,
    /// The built-in default.
    pub default: DefaultValue,
    /// Unit, or empty.
    pub unit: &'static str,
    /// One-line meaning.
    pub meaning: &'static str,
}

/// Tables whose keys are parameters; `extends` merges them key by key
/// (`sweep` aside, which a child replaces whole).
pub(crate) const SECTIONS: &[&str] = &[
    "team",
    "issues",
    "issues.mix",
    "issues.difficulty",
    "capacity",
    "learning",
    "mentoring",
    "exits",
    "exits.death",
    "exits.retirement",
    "promotion",
    "elections",
    "observe",
    "selection",
    "recruitment",
    "channels",
    "channels.*",
    "channels.*.shock",
    "init",
    "sweep",
    "sensitivity",
];

/// The cohort names of `channels.<name>.cohort`.
pub(crate) const COHORTS: &[&str] = &Cohort::NAMES;
/// The values of `recruitment.supply`.
pub(crate) const SUPPLY_MODES: &[&str] = &["per_vacancy", "pool"];
/// The values of `elections.rule`.
pub(crate) const ELECTION_RULES: &[&str] = &["seat", "committee"];
/// The sweep methods.
pub(crate) const SWEEP_METHODS: &[&str] = &["grid", "zip", "random", "lhs", "table"];
/// The sensitivity methods.
pub(crate) const SENSITIVITY_METHODS: &[&str] = &["sobol", "morris"];

/// Years are bounded only to keep arithmetic on them far from overflow.
const YEAR_MIN: i64 = -100_000;
/// A year (of the run, a schedule point or a window).
pub(crate) const YEAR: ParamKind = ParamKind::Int {
    min: YEAR_MIN,
    max: 100_000,
};
const COUNT: ParamKind = ParamKind::Int {
    min: 1,
    max: u32::MAX as i64,
};
const NONNEG_INT: ParamKind = ParamKind::Int {
    min: 0,
    max: u32::MAX as i64,
};

const fn p(
    path: &'static str,
    kind: ParamKind,
    default: &'static str,
    unit: &'static str,
    meaning: &'static str,
) -> Param {
    Param {
        path,
        kind,
        default: DefaultValue::Toml(default),
        unit,
        meaning,
    }
}

const fn note(
    path: &'static str,
    kind: ParamKind,
    default: &'static str,
    unit: &'static str,
    meaning: &'static str,
) -> Param {
    Param {
        path,
        kind,
        default: DefaultValue::Note(default),
        unit,
        meaning,
    }
}

const fn required(
    path: &'static str,
    kind: ParamKind,
    default: &'static str,
    unit: &'static str,
    meaning: &'static str,
) -> Param {
    Param {
        path,
        kind,
        default: DefaultValue::Required(default),
        unit,
        meaning,
    }
}

use ParamKind::{Bool, Distribution, Enum, Float, PerKindSchedule, Schedule};

/// Every parameter, in the order `succession params` lists them: one line
/// each (path, kind, default, unit, meaning), hence no rustfmt.
#[rustfmt::skip]
pub(crate) static PARAMS: &[Param] = &[
    note("extends", ParamKind::Path, "(none)", "", "scenario file this one builds on (relative to this file)"),
    note("name", ParamKind::Text, "(the file's stem)", "", "output folder name; not inherited through extends"),
    p("description", ParamKind::Text, "\"\"", "", "one line for humans"),
    p("start_year", YEAR, "1949", "", "first simulated year"),
    p("end_year", YEAR, "2060", "", "last simulated year (inclusive)"),
    p("communities", COUNT, "10000", "communities", "communities per run (with a roster: its first N; default the roster's size)"),
    p("urban_share", Float(UNIT), "0.18", "share", "share of urban communities (ignored with a roster)"),
    p("replicates", COUNT, "10", "runs", "replicates per sweep point"),
    p("seed", ParamKind::Int { min: 0, max: i64::MAX }, "1", "", "scenario seed of every random stream"),
    p("seeds", Enum(&["common", "independent"]), "\"common\"", "", "whether sweep points share random numbers"),
    p("policy_window", ParamKind::YearPair, "[2025, 2060]", "years", "years averaged in the summary (clamped to the run)"),
    p("team.seats", ParamKind::PerKindInt { min: 1, max: 1000 }, "{ urban = 6, rural = 5 }", "seats", "team size per community kind"),
    p("issues.rate", PerKindSchedule(NONNEG), "{ urban = 40.0, rural = 25.0 }", "issues per community-year", "λ_kind: rate of arising issues"),
    p("issues.escalation", Schedule(UNIT), "0.1", "probability", "q: share of unresolved issues that escalate"),
    p("issues.mix.interpersonal", Schedule(NONNEG), "[[1949, 0.6], [2060, 0.4]]", "weight", "m: weight of interpersonal issues (mix normalised each year)"),
    p("issues.mix.managerial", Schedule(NONNEG), "0.3", "weight", "m: weight of managerial issues"),
    p("issues.mix.technical", Schedule(NONNEG), "[[1949, 0.1], [2060, 0.3]]", "weight", "m: weight of technical issues"),
    p("issues.difficulty.interpersonal", Schedule(ANY), "0.4", "aptitude", "d: difficulty of interpersonal issues"),
    p("issues.difficulty.managerial", Schedule(ANY), "0.45", "aptitude", "d: difficulty of managerial issues"),
    p("issues.difficulty.technical", Schedule(ANY), "[[1949, 0.3], [2060, 0.6]]", "aptitude", "d: difficulty of technical issues"),
    p("issues.mediation", Schedule(UNIT), "0.0", "share", "η: escalation becomes q (1 − η T̄), T̄ the team's mean trust (local mediation)"),
    p("capacity.gamma", Schedule(NONNEG), "1.0", "", "γ: exponent of the filled share of seats"),
    p("capacity.omega", Schedule(UNIT), "0.5", "", "ω: weight of the best leader against the team mean"),
    p("capacity.beta", Schedule(NONNEG), "8.0", "", "β: steepness of the resolution curve"),
    p("learning.experience", Schedule(UNIT), "0.08", "per year", "α_e: experience learning rate"),
    p("learning.trust", Schedule(UNIT), "0.06", "per year", "α_t: trust learning rate (times the channel's localness)"),
    p("learning.knowledge", Schedule(UNIT), "[[1949, 0.0], [2060, 0.02]]", "per year", "α_k: training rate"),
    p("learning.trust_performance", Schedule(UNIT), "0.0", "share", "φ: trust learning times (1 − φ + φ p_interpersonal): trust earned by resolving residents' issues"),
    p("learning.trust_decay", Schedule(NONNEG), "0.0", "per year", "δ: trust lost, δ (1 − p_interpersonal) t a year"),
    p("mentoring.rate", Schedule(UNIT), "0.1", "per year", "μ: share of the mentor's lead learned (0 switches mentoring off)"),
    p("mentoring.window", NONNEG_INT, "5", "years", "tenure below which a leader is mentored"),
    p("mentoring.threshold", Schedule(UNIT), "0.6", "experience", "minimum experience of a mentor"),
    p("exits.death.a", Schedule(NONNEG), "5e-5", "per year", "Gompertz death hazard a · exp(b · age): a"),
    p("exits.death.b", Schedule(NONNEG), "0.085", "per year of age", "Gompertz death hazard: b"),
    p("exits.retirement.age", PerKindSchedule(NONNEG), "{ urban = 60, rural = 65 }", "years", "R: age at which the retirement hazard is one half"),
    p("exits.retirement.spread", Schedule(POSITIVE), "1.5", "years", "s_R: spread of the logistic retirement hazard"),
    p("exits.embeddedness", Schedule(NONNEG), "2.0", "per unit of trust", "τ: trust keeps leaders (turnover base_c · exp(−τ t))"),
    p("promotion.openness", Schedule(NONNEG), "[[1949, 0.0], [2000, 0.02], [2060, 0.05]]", "per year", "openness of upward promotion"),
    p("promotion.max_age", Schedule(NONNEG), "45", "years", "promotion only strictly below this age"),
    p("promotion.attraction", Schedule(NONNEG), "2.0", "", "θ: how strongly openness attracts knowledge candidates"),
    p("elections.enabled", Bool, "true", "", "whether elections happen"),
    p("elections.first_year", YEAR, "1954", "", "the first election year"),
    p("elections.term", Schedule(AT_LEAST_ONE), "{ stepwise = [[1949, 3], [2018, 5]] }", "years", "term after an election in a year (rounded down)"),
    p("elections.age_cap", NONNEG_INT, "65", "years", "incumbents strictly older leave at an election"),
    p("elections.incumbency", Schedule(ANY), "0.05", "score", "advantage a challenger must beat"),
    p("elections.rule", Enum(ELECTION_RULES), "\"seat\"", "", "seat: each incumbent against the best challenger; committee: one list and vote for the contested seats"),
    p("elections.list_extra", NONNEG_INT, "2", "nominees", "committee rule: nominees listed beyond the contested seats (差额)"),
    p("elections.vote_noise", Schedule(NONNEG), "0.0", "score", "committee rule: scale of the Gumbel noise of each listed nominee's vote (0: the best standings win)"),
    p("observe.educated_threshold", Float(UNIT), "0.6", "knowledge", "k at or above counts as \"college or above\""),
    p("observe.burn_in", NONNEG_INT, "10", "years", "years left out of the default trough search (none with a roster)"),
    p("observe.tempered_tenure", Float(NONNEG), "5.0", "years", "tenure at or above which a promoted leader counts as tempered (promoted_tempered, pipeline_tempered)"),
    note("observe.trough_window", ParamKind::YearPair, "(after burn_in; every year with a roster)", "years", "years searched for the succession trough, within the run"),
    p("selection.knowledge", Schedule(NONNEG), "0.3", "weight", "w_k in the selection score"),
    p("selection.experience", Schedule(NONNEG), "0.3", "weight", "w_e in the selection score"),
    p("selection.trust", Schedule(NONNEG), "0.4", "weight", "w_t in the selection score"),
    p("recruitment.supply", Enum(SUPPLY_MODES), "\"per_vacancy\"", "", "per_vacancy: fresh candidates for every vacant seat; pool: finite pools per community and channel"),
    p("channels.*.enabled", Bool, "true", "", "false drops a channel inherited through extends"),
    p("channels.*.new", Bool, "false", "", "true: a channel new on purpose (no did-you-mean warning for a name near an inherited one)"),
    required("channels.*.cohort", ParamKind::CohortRule, "(required for a new channel)", "", "cohort of the channel's recruits, or a stepwise table of cohorts by year of entry"),
    required("channels.*.supply", Schedule(NONNEG), "(required for a new channel)", "candidates per vacant seat-year (pool: arrivals per community-year)", "expected candidates offered per vacant seat, or arrivals into the pool"),
    p("channels.*.kind", PerKindSchedule(NONNEG), "1.0", "multiplier", "kindmult_c: supply multiplier per community kind"),
    note("channels.*.responds_to_openness", Bool, "(true for the knowledge cohort, else false; with a cohort table, by the cohort of the year)", "", "whether supply grows with 1 + θ · openness"),
    p("channels.*.localness", Schedule(UNIT), "1.0", "", "scales trust learning (1 locals, < 1 outsiders)"),
    p("channels.*.turnover", Schedule(NONNEG), "0.0", "per year", "base_c: base turnover hazard"),
    p("channels.*.promotion", Schedule(NONNEG), "0.0", "", "promo_c: promotion propensity"),
    p("channels.*.secondment_years", NONNEG_INT, "0", "years", "tenure at which rotation out is certain (0 never)"),
    p("channels.*.age", Distribution(DistKind::Age), "30", "years", "entry age distribution"),
    p("channels.*.knowledge", Distribution(DistKind::Skill), "0.5", "skill", "entry knowledge distribution"),
    p("channels.*.experience", Distribution(DistKind::Skill), "0.5", "skill", "entry experience distribution"),
    p("channels.*.trust", Distribution(DistKind::Skill), "0.5", "skill", "entry trust distribution"),
    p("channels.*.leave", PerKindSchedule(UNIT), "0.5", "probability", "pool mode: share of the pool leaving each year (per kind: out-migration)"),
    p("channels.*.shock.sd", Float(SHOCK_SD), "0.0", "", "σ of the national supply shock M = exp(σ z − σ²/2) (0: none)"),
    p("channels.*.shock.persistence", Float(UNIT_BELOW_ONE), "0.0", "", "ρ: lag-1 autocorrelation of the shock's z"),
    p("channels.*.stands_in_elections", Bool, "true", "", "committee rule: false for appointed cadres, whose seats are not contested"),
    note("init.roster", ParamKind::Path, "(none: all seats vacant)", "", "roster CSV of the starting communities and leaders"),
    p("sweep.method", Enum(SWEEP_METHODS), "\"grid\"", "", "how sweep points are generated"),
    note("sweep.samples", COUNT, "(none)", "points", "number of points for random and lhs"),
    note("sweep.table", ParamKind::Path, "(none)", "", "CSV of points for the table method"),
    note("sweep.parameters", ParamKind::SweepParameters, "(none)", "", "swept paths and their values, in order"),
    p("sensitivity.method", Enum(SENSITIVITY_METHODS), "\"sobol\"", "", "global sensitivity analysis: Sobol' indices (Saltelli) or Morris elementary effects"),
    note("sensitivity.samples", ParamKind::Int { min: 2, max: u32::MAX as i64 }, "(none)", "", "sobol: base samples N (N (k + 2) points); morris: trajectories r (r (k + 1) points)"),
    p("sensitivity.levels", ParamKind::Int { min: 2, max: 1000 }, "4", "levels", "morris: levels p of the grid (even)"),
    p("sensitivity.bootstrap", ParamKind::Int { min: 1, max: 100_000 }, "1000", "resamples", "bootstrap resamples for the 95% intervals of the indices"),
    note("sensitivity.figures", ParamKind::Names, "(every summary figure)", "", "the summary figures analysed"),
    note("sensitivity.parameters", ParamKind::SweepParameters, "(none)", "", "varied paths and their ranges { from, to }, in order"),
];

/// Whether the dotted `pattern` (with `*` for any one key) matches `segs`.
pub(crate) fn matches<S: AsRef<str>>(pattern: &str, segs: &[S]) -> bool {
    let mut pattern_segs = pattern.split('.');
    let mut n = 0;
    for seg in segs {
        match pattern_segs.next() {
            Some(p) if p == "*" || p == seg.as_ref() => n += 1,
            _ => return false,
        }
    }
    n == segs.len() && pattern_segs.next().is_none()
}

/// The parameter that the first segments of `segs` name, and how many
/// segments it takes.
pub(crate) fn find_param<S: AsRef<str>>(segs: &[S]) -> Option<(&'static Param, usize)> {
    PARAMS.iter().find_map(|param| {
        let n = param.path.split('.').count();
        (n <= segs.len() && matches(param.path, &segs[..n])).then_some((param, n))
    })
}

/// Whether `segs` names a section table.
pub(crate) fn is_section<S: AsRef<str>>(segs: &[S]) -> bool {
    SECTIONS.iter().any(|s| matches(s, segs))
}

/// Whether a table at `segs` is merged key by key under `extends`.
pub(crate) fn merges<S: AsRef<str>>(segs: &[S]) -> bool {
    segs.is_empty()
        || (is_section(segs) && !matches("sweep", segs) && !matches("sensitivity", segs))
}

/// The keys allowed directly under the table at `prefix`, for suggestions.
pub(crate) fn children<S: AsRef<str>>(prefix: &[S]) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    let paths = PARAMS
        .iter()
        .map(|p| p.path)
        .chain(SECTIONS.iter().copied());
    for path in paths {
        let segs: Vec<&'static str> = path.split('.').collect();
        let under_prefix = segs.len() == prefix.len() + 1
            && segs
                .iter()
                .zip(prefix)
                .all(|(p, s)| *p == "*" || *p == s.as_ref());
        let key = segs[segs.len() - 1];
        if under_prefix && key != "*" && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The documentation of every parameter.
pub(crate) fn docs() -> Vec<ParamDoc> {
    PARAMS
        .iter()
        .map(|param| {
            let range = if param.unit.is_empty() {
                param.kind.describe()
            } else {
                format!("{}; {}", param.kind.describe(), param.unit)
            };
            ParamDoc {
                path: param.path.replace('*', "<name>"),
                default: match param.default {
                    DefaultValue::Toml(t) | DefaultValue::Note(t) | DefaultValue::Required(t) => {
                        t.to_string()
                    }
                },
                range,
                meaning: param.meaning.to_string(),
            }
        })
        .collect()
}

/// The edit distance between two strings, for "did you mean" suggestions.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_channel_names() {
        assert!(matches(
            "channels.*.supply",
            &["channels", "school", "supply"]
        ));
        assert!(!matches("channels.*.supply", &["channels", "school"]));
        let (param, n) = find_param(&["channels", "x", "age", "normal", "0"]).unwrap();
        assert_eq!((param.path, n), ("channels.*.age", 3));
        assert!(find_param(&["capacity", "betta"]).is_none());
    }

    #[test]
    fn paths_are_unique_and_sections_are_not_params() {
        let mut paths: Vec<_> = PARAMS.iter().map(|p| p.path).collect();
        paths.sort_unstable();
        let n = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), n);
        for section in SECTIONS {
            assert!(!paths.contains(section), "{section}");
        }
    }

    #[test]
    fn children_and_suggestions() {
        assert_eq!(children(&["capacity"]), ["gamma", "omega", "beta"]);
        assert!(children::<&str>(&[]).contains(&"capacity"));
        assert!(children(&["channels", "school"]).contains(&"supply"));
        assert_eq!(suggest("betta", children(&["capacity"])), Some("beta"));
        assert_eq!(suggest("zzzzzz", children(&["capacity"])), None);
        assert!(merges(&["channels", "school"]));
        assert!(!merges(&["sweep"]));
        assert!(!merges(&["issues", "rate"]));
    }
}
