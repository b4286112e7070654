//! Calibration targets and the calibration report: read a targets file
//! (`scenarios/targets.toml`), compute each target's model value from the
//! timeseries of finished runs, and print the figure, the model's value with
//! its 95% interval over replicates, and the miss. The run folders are read
//! by the folder layer ([`crate::folder::read::calibration_report`]); this
//! module only compares the values it returns.
//!
//! A target names a `timeseries.csv` column, a year or a span of years and a
//! statistic over the span (mean, min or max), computed per replicate of
//! point 0; the model value is the mean over replicates with the t interval
//! of [`crate::study::summary::interval`]. A target may instead be the lead of one
//! column over the largest of others (`over`), or a contrast: the base run's
//! value minus a variant run's (the same scenario with extra overrides,
//! paired by replicate under common random numbers).
//!
//! Layout of a calibration folder: the base run's files in the folder
//! itself, each variant's run folder in [`variant_dir`].

use crate::error::{Error, Result};
use crate::study::summary::interval;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The statistic of a metric over a target's years, per replicate.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    /// The mean over the years (the value itself for one year).
    #[default]
    Mean,
    /// The lowest value over the years (e.g. a capacity trough).
    Min,
    /// The highest value over the years.
    Max,
}

/// A year or an inclusive span of years.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Years {
    /// One year.
    One(i32),
    /// `[from, to]`, both included.
    Span([i32; 2]),
}

impl Years {
    /// The first and last year.
    pub fn bounds(&self) -> (i32, i32) {
        match *self {
            Years::One(y) => (y, y),
            Years::Span([from, to]) => (from, to),
        }
    }
}

/// One calibration target.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Short name, printed in the report.
    pub name: String,
    /// The `timeseries.csv` column.
    pub metric: String,
    /// Optional other columns: the value is `metric` minus the largest of
    /// them in each year (a lead; positive when `metric` leads).
    #[serde(default)]
    pub over: Vec<String>,
    /// The year or `[from, to]` span.
    pub years: Years,
    /// The statistic over the years, per replicate (default mean).
    #[serde(default)]
    pub stat: Stat,
    /// Optional variant name (a key of `[variants]`): the value is the base
    /// run's minus the variant run's, paired by replicate.
    pub contrast: Option<String>,
    /// The published figure, if it is a number.
    pub value: Option<f64>,
    /// The acceptance range `[lo, hi]` (either may be `inf` / `-inf`).
    pub range: Option<[f64; 2]>,
    /// The uncertainty of `value` in its unit (survey error, the gap
    /// between a sample and the nation, model discrepancy: `source` says
    /// which): a search's distance counts the miss in these units.
    pub sd: Option<f64>,
    /// Where the figure comes from (a docs/published-figures.md row or a criterion).
    pub source: String,
    /// Set when the calibration knowingly misses this target: why (the
    /// report marks the row `MISS (documented)`, and docs/calibration.md
    /// says more).
    pub documented_miss: Option<String>,
}

/// A variant of the scenario that contrasts refer to: extra `--set`
/// overrides, run into [`variant_dir`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// What the variant asks, for humans.
    #[serde(default)]
    pub description: String,
    /// Scenario path → value, as `--set PATH=VALUE` takes them.
    pub set: BTreeMap<String, toml::Value>,
}

/// A targets file: the targets in order and the named variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// The variants contrasts refer to, by name.
    #[serde(default)]
    pub variants: BTreeMap<String, Variant>,
    /// The targets, in report order.
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
    /// How `calibrate --search` searches, if it may.
    pub search: Option<SearchSpec>,
    /// Where each searched path is written (`file:line:column`), for
    /// errors found when the scenario is loaded with its values.
    #[serde(skip)]
    pub origins: BTreeMap<String, String>,
}

/// The `[search]` section of a targets file: what `calibrate --search`
/// fits and how (ABC-SMC, [`crate::study::abc`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// The method: `"abc-smc"`, the only one.
    pub method: String,
    /// Particles kept per generation (N).
    pub particles: usize,
    /// Generations, the draw from the prior included.
    pub generations: usize,
    /// Runs per particle, pooled into its model values.
    #[serde(default = "one_replicate")]
    pub replicates: u32,
    /// Overrides of the search's runs (e.g. fewer communities, for speed),
    /// scenario path → value as `--set` takes them.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// The searched scenario paths and their priors.
    pub parameters: BTreeMap<String, PriorSpec>,
}

fn one_replicate() -> u32 {
    1
}

/// The prior of one searched path: uniform on `[from, to]`, or uniform in
/// the logarithm with `scale = "log"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorSpec {
    /// The lower end.
    pub from: f64,
    /// The upper end.
    pub to: f64,
    /// `"linear"` (default) or `"log"`.
    #[serde(default)]
    pub scale: PriorScale,
}

/// How a prior spreads over its range.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum PriorScale {
    /// Uniform.
    #[default]
    Linear,
    /// Uniform in the logarithm.
    Log,
}

/// The most particles a search may keep per generation: its weights cost
/// N² kernel evaluations per generation.
pub const MAX_PARTICLES: usize = 20_000;

impl Targets {
    /// Reads and checks a targets file: every target has a value or a
    /// range, a range is ordered, a span is ordered and every contrast
    /// names a variant.
    pub fn read(path: &Path) -> Result<Targets> {
        use std::io::Read;
        // A regular file of bounded size, as for a scenario: `/dev/zero` or a
        // FIFO is refused instead of read until memory runs out.
        let limit = crate::scenario::SCENARIO_LIMIT;
        let mut text = String::new();
        crate::scenario::open_input(path, limit)
            .and_then(|file| {
                file.take(limit)
                    .read_to_string(&mut text)
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| {
                Error::BadInput(format!("{}: cannot read targets: {e}", path.display()))
            })?;
        Targets::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a targets file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Targets> {
        let targets: Targets = toml::from_str(text).map_err(|e| {
            // One line: `file:line:column: message` (toml's own rendering
            // quotes the source over several lines).
            let before = text.get(..e.span().map_or(0, |s| s.start)).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let message: Vec<&str> = e.message().lines().map(str::trim).collect();
            Error::BadInput(format!("{origin}:{line}:{column}: {}", message.join("; ")))
        })?;
        for name in targets.variants.keys() {
            // Each variant runs into DIR/variants/<name>/: the name must be
            // one plain folder name, never a way out of the folder.
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
                return Err(Error::input(
                    origin,
                    format!("variants.{name:?}"),
                    "a variant name is the name of its folder (DIR/variants/<name>/): \
                     not empty, `.` or `..`, and without `/` or `\\`",
                ));
            }
        }
        for target in &targets.targets {
            let bad = |message: &str| {
                let at = locate(text, origin, "", &format!("{:?}", target.name));
                Error::input(at, format!("target {:?}", target.name), message)
            };
            if target.value.is_none() && target.range.is_none() {
                return Err(bad("needs a value or a range"));
            }
            if let Some([lo, hi]) = target.range
                && (lo.is_nan() || hi.is_nan() || lo > hi)
            {
                return Err(bad("range must be [lo, hi] with lo <= hi"));
            }
            let (from, to) = target.years.bounds();
            if from > to {
                return Err(bad("years must be [from, to] with from <= to"));
            }
            if let Some(name) = &target.contrast
                && !targets.variants.contains_key(name)
            {
                return Err(bad(&format!("contrast names no variant {name:?}")));
            }
            if target.value.is_some_and(|v| !v.is_finite()) {
                return Err(bad("value must be a finite number"));
            }
            if let Some(sd) = target.sd {
                if !(sd.is_finite() && sd > 0.0) {
                    return Err(bad("sd must be a positive number"));
                }
                if target.value.is_none() {
                    return Err(bad("sd is the uncertainty of a value: give the value too"));
                }
            }
        }
        if let Some(search) = &targets.search {
            search.check(&targets, text, origin)?;
        }
        let mut targets = targets;
        targets.origins = targets
            .search
            .iter()
            .flat_map(|search| search.parameters.keys())
            .map(|path| {
                (
                    path.clone(),
                    locate(text, origin, "[search", &format!("{path:?}")),
                )
            })
            .collect();
        Ok(targets)
    }

    /// The variants to run, each as (name, `PATH=VALUE` overrides in the
    /// form `--set` takes).
    pub fn variant_overrides(&self) -> Vec<(String, Vec<String>)> {
        self.variants
            .iter()
            .map(|(name, variant)| {
                let sets = variant
                    .set
                    .iter()
                    .map(|(path, value)| format!("{path}={value}"))
                    .collect();
                (name.clone(), sets)
            })
            .collect()
    }
}

/// `origin:line:column` of the first `needle` in `text` at or after the
/// first `after` (the whole text when `after` is absent), or `origin` alone
/// when it is not found: semantic errors point where the key is written.
fn locate(text: &str, origin: &str, after: &str, needle: &str) -> String {
    let from = text.find(after).unwrap_or(0);
    match text[from..].find(needle) {
        Some(at) => {
            let before = &text[..from + at];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("{origin}:{line}:{column}")
        }
        None => origin.to_string(),
    }
}

impl SearchSpec {
    /// Checks the section against the targets it fits; `text` is the
    /// targets file's, for the positions of errors.
    fn check(&self, targets: &Targets, text: &str, origin: &str) -> Result<()> {
        let bad = |key: &str, message: String| {
            let at = locate(
                text,
                origin,
                "[search",
                key.split('.').next().unwrap_or(key),
            );
            Error::input(at, format!("search.{key}"), message)
        };
        if self.method != "abc-smc" {
            return Err(bad(
                "method",
                format!("unknown method {:?} (abc-smc)", self.method),
            ));
        }
        if !(2..=MAX_PARTICLES).contains(&self.particles) {
            return Err(bad(
                "particles",
                format!(
                    "{} particles: a search keeps 2 to {MAX_PARTICLES}",
                    self.particles
                ),
            ));
        }
        if self.generations == 0 {
            return Err(bad(
                "generations",
                "at least 1 (the draw from the prior)".into(),
            ));
        }
        if self.replicates == 0 {
            return Err(bad("replicates", "at least 1 run per particle".into()));
        }
        if self.parameters.is_empty() {
            return Err(bad(
                "parameters",
                "name at least one scenario path to search".into(),
            ));
        }
        for path in self.set.keys() {
            let fixed = path == "replicates"
                || path == "seed"
                || path == "seeds"
                || path == "sweep"
                || path.starts_with("sweep.");
            if fixed {
                return Err(bad(
                    "set",
                    format!(
                        "{path:?}: the search sets it (replicates by search.replicates; seeds, seed and the sweep per generation)"
                    ),
                ));
            }
        }
        for (path, prior) in &self.parameters {
            let key = format!("parameters.{path:?}");
            let bad = |_: &str, message: String| {
                let at = locate(text, origin, "[search", &format!("{path:?}"));
                Error::input(at, format!("search.{key}"), message)
            };
            if !(prior.from.is_finite() && prior.to.is_finite() && prior.from < prior.to) {
                return Err(bad(&key, "needs from < to, both finite".into()));
            }
            if prior.scale == PriorScale::Log && prior.from <= 0.0 {
                return Err(bad(&key, "a log-scale prior needs from > 0".into()));
            }
            // The kernel is scaled by the prior's width in the search
            // coordinate (ln of the value for a log prior): it must be
            // a positive number there too.
            let width = match prior.scale {
                PriorScale::Linear => prior.to - prior.from,
                PriorScale::Log => prior.to.ln() - prior.from.ln(),
            };
            if !(width.is_finite()
                && width > 1e-12 * prior.to.abs().max(prior.from.abs()).max(1e-300))
            {
                return Err(bad(
                    &key,
                    format!(
                        "the prior's range [{}, {}] is too narrow or too wide to search",
                        prior.from, prior.to
                    ),
                ));
            }
            if self.set.contains_key(path) {
                return Err(bad(
                    &key,
                    "is also in search.set: the search sets it at every particle".into(),
                ));
            }
        }
        let mut fitted = 0;
        for target in &targets.targets {
            let refuse = |message: &str| {
                let at = locate(text, origin, "", &format!("{:?}", target.name));
                Error::input(at, format!("target {:?}", target.name), message)
            };
            if target.contrast.is_some() {
                return Err(refuse(
                    "a search cannot fit a contrast yet (each particle would need its variant runs): \
                     remove the target or the [search] section",
                ));
            }
            match (target.value, target.sd, target.range) {
                (Some(_), Some(_), _) => fitted += 1,
                (Some(_), None, _) => {
                    return Err(refuse(
                        "a search needs the sd of every value (the distance counts misses in sd units)",
                    ));
                }
                (None, _, _) => {}
            }
        }
        if fitted == 0 {
            return Err(Error::input(
                origin,
                "search",
                "no target has a value and an sd: a search has nothing to fit",
            ));
        }
        Ok(())
    }

    /// The priors in path order.
    pub fn priors(&self) -> Vec<crate::study::abc::Prior> {
        use crate::study::abc::{Prior, Scale};
        self.parameters
            .iter()
            .map(|(path, spec)| Prior {
                path: path.clone(),
                from: spec.from,
                to: spec.to,
                scale: match spec.scale {
                    PriorScale::Linear => Scale::Linear,
                    PriorScale::Log => Scale::Log,
                },
            })
            .collect()
    }

    /// The search runs' overrides in the form `--set` takes.
    pub fn overrides(&self) -> Vec<String> {
        self.set
            .iter()
            .map(|(path, value)| format!("{path}={value}"))
            .chain(std::iter::once(format!("replicates={}", self.replicates)))
            .collect()
    }
}

impl Report {
    /// The search's distance of this report: √Σ ((model − value)/sd)² over
    /// the targets with a value and an sd, infinite when a range-only
    /// target's model value is outside its range (a constraint).
    pub fn distance(&self) -> f64 {
        let mut terms = Vec::new();
        for row in &self.rows {
            let t = &row.target;
            match (t.value, t.sd, t.range) {
                (Some(value), Some(sd), _) => terms.push((row.model, value, sd)),
                // The particle's own value, not its interval: a constraint
                // must not loosen with the replicates' noise.
                (None, _, Some(_)) if row.miss != 0.0 => return f64::INFINITY,
                _ => {}
            }
        }
        crate::study::abc::distance(&terms)
    }
}

/// The run folder of variant `name` inside the calibration folder `run_dir`.
pub fn variant_dir(run_dir: &Path, name: &str) -> PathBuf {
    run_dir.join("variants").join(name)
}

/// One target's result.
#[derive(Clone, Debug)]
pub struct Row {
    /// The target.
    pub target: Target,
    /// Replicates the value pools.
    pub replicates: usize,
    /// The model's value: mean over replicates.
    pub model: f64,
    /// The 95% t interval of that mean (`None` with one replicate).
    pub interval: Option<(f64, f64)>,
    /// Model minus the nearest end of the range (0 inside it), or model
    /// minus the figure when there is no range.
    pub miss: f64,
}

impl Row {
    /// Whether the model's 95% interval (its value alone with one
    /// replicate) overlaps the range, or holds the figure when there is no
    /// range: the model cannot be told apart from an acceptable value.
    pub fn met(&self) -> bool {
        let (lo, hi) = self.interval.unwrap_or((self.model, self.model));
        match (self.target.range, self.target.value) {
            (Some([a, b]), _) => hi >= a && lo <= b,
            (None, Some(value)) => lo <= value && value <= hi,
            (None, None) => false,
        }
    }

    /// The model's miss of the figure in units of its sd, (model − value) /
    /// sd, when the target gives both.
    pub fn miss_in_sd(&self) -> Option<f64> {
        let (value, sd) = (self.target.value?, self.target.sd?);
        Some((self.model - value) / sd)
    }
}

/// The calibration report: one row per target, in the file's order.
#[derive(Clone, Debug)]
pub struct Report {
    /// The rows.
    pub rows: Vec<Row>,
}

impl Report {
    /// Whether every target is met.
    pub fn all_met(&self) -> bool {
        self.rows.iter().all(Row::met)
    }

    /// The rows whose outcome differs from what the targets file says:
    /// missed without a `documented_miss`, or met although documented as
    /// missed (so the documentation has gone stale).
    pub fn surprises(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.met() == r.target.documented_miss.is_some())
            .collect()
    }
}

/// Point 0 of one run folder's `timeseries.csv`, as the folder layer reads
/// it ([`crate::folder::read::calibration_series`]): per replicate, per
/// year, the values of the columns the targets name.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Where the values were read from, for messages.
    pub origin: String,
    /// The columns, in the order of each year's values.
    pub columns: Vec<String>,
    /// `replicates[r]` = (year, values) in file order.
    pub replicates: Vec<Vec<(i32, Vec<Option<f64>>)>>,
}

impl Targets {
    /// Every column a target names (metric and `over`), each once, in
    /// order of first mention: what the folder layer reads.
    pub fn columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = Vec::new();
        for target in &self.targets {
            for name in std::iter::once(&target.metric).chain(&target.over) {
                if !columns.contains(name) {
                    columns.push(name.clone());
                }
            }
        }
        columns
    }
}

/// The calibration report: each target's statistic per replicate of
/// `base` (minus the variant's, paired by replicate, for a contrast),
/// pooled into a mean with its t interval and compared with the figure.
/// `variants` holds every variant a contrast names.
pub fn compare(
    targets: &Targets,
    base: &Series,
    variants: &BTreeMap<String, Series>,
) -> Result<Report> {
    let mut rows = Vec::new();
    for target in &targets.targets {
        let mut values = base.per_replicate(target)?;
        if let Some(name) = &target.contrast {
            let variant = variants.get(name).ok_or_else(|| {
                Error::Runtime(format!(
                    "target {:?}: variant {name:?} was not read",
                    target.name
                ))
            })?;
            let other = variant.per_replicate(target)?;
            if other.len() != values.len() {
                return Err(Error::Runtime(format!(
                    "target {:?}: the base run has {} replicates, variant {name:?} {}",
                    target.name,
                    values.len(),
                    other.len()
                )));
            }
            values = values.iter().zip(&other).map(|(a, b)| a - b).collect();
        }
        let (model, lo, hi) = interval(&values)
            .ok_or_else(|| Error::Runtime(format!("target {:?}: no replicate", target.name)))?;
        let miss = match (target.range, target.value) {
            (Some([lo, hi]), _) => {
                if model < lo {
                    model - lo
                } else if model > hi {
                    model - hi
                } else {
                    0.0
                }
            }
            (None, Some(value)) => model - value,
            (None, None) => unreachable!("checked by Targets::parse"),
        };
        rows.push(Row {
            target: target.clone(),
            replicates: values.len(),
            model,
            interval: lo.zip(hi),
            miss,
        });
    }
    Ok(Report { rows })
}

impl Series {
    fn column(&self, name: &str, target: &Target) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::BadInput(format!(
                "target {:?}: {} has no column {name:?}",
                target.name, self.origin
            ))
        })
    }

    /// The target's statistic for each replicate.
    fn per_replicate(&self, target: &Target) -> Result<Vec<f64>> {
        let metric = self.column(&target.metric, target)?;
        let over = target
            .over
            .iter()
            .map(|name| self.column(name, target))
            .collect::<Result<Vec<_>>>()?;
        let (from, to) = target.years.bounds();
        let mut out = Vec::new();
        for (replicate, rows) in self.replicates.iter().enumerate() {
            let mut values = Vec::new();
            for (year, cells) in rows.iter().filter(|(y, _)| (from..=to).contains(y)) {
                let missing = || {
                    Error::Runtime(format!(
                        "target {:?}: {} has an empty cell in replicate {replicate}, year {year}",
                        target.name, self.origin
                    ))
                };
                let mut value = cells[metric].ok_or_else(missing)?;
                if !over.is_empty() {
                    let mut largest = f64::NEG_INFINITY;
                    for &idx in &over {
                        largest = largest.max(cells[idx].ok_or_else(missing)?);
                    }
                    value -= largest;
                }
                values.push(value);
            }
            if values.len() != (to - from + 1) as usize {
                return Err(Error::Runtime(format!(
                    "target {:?}: {} lacks some of the years {from}-{to} in replicate {replicate}",
                    target.name, self.origin
                )));
            }
            out.push(match target.stat {
                Stat::Mean => values.iter().sum::<f64>() / values.len() as f64,
                Stat::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
                Stat::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            });
        }
        Ok(out)
    }
}

impl Target {
    /// The figure as the reports print it: the value, the range, or both.
    pub fn figure(&self) -> String {
        match (self.value, self.range) {
            (Some(v), Some([lo, hi])) => format!("{} in [{}, {}]", num(v), num(lo), num(hi)),
            (Some(v), None) => num(v),
            (None, Some([lo, hi])) => format!("[{}, {}]", num(lo), num(hi)),
            (None, None) => String::new(),
        }
    }
}

/// A number for the reports: 4 decimals, `inf` spelled out.
pub fn num(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:.4}")
    }
}

impl fmt::Display for Report {
    /// A plain-text table: target, figure (value and/or range), model value
    /// with its 95% interval and replicates, miss, met or MISS, source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = vec![[
            "target".to_string(),
            "figure".to_string(),
            "model [95% interval] (n)".to_string(),
            "miss".to_string(),
            "miss/sd".to_string(),
            "".to_string(),
            "source".to_string(),
        ]];
        for row in &self.rows {
            let t = &row.target;
            let figure = t.figure();
            let model = match row.interval {
                Some((lo, hi)) => format!(
                    "{} [{}, {}] ({})",
                    num(row.model),
                    num(lo),
                    num(hi),
                    row.replicates
                ),
                None => format!("{} ({})", num(row.model), row.replicates),
            };
            let status = match (row.met(), &t.documented_miss) {
                (true, _) => "ok",
                (false, None) => "MISS",
                (false, Some(_)) => "MISS (documented)",
            };
            lines.push([
                t.name.clone(),
                figure,
                model,
                num(row.miss),
                row.miss_in_sd()
                    .map_or(String::new(), |z| format!("{z:+.2}")),
                status.to_string(),
                t.source.clone(),
            ]);
        }
        let mut widths = [0usize; 7];
        for line in &lines {
            for (w, cell) in widths.iter_mut().zip(line) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for line in &lines {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate() {
                if i + 1 == line.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                }
            }
            writeln!(f, "{}", text.trim_end())?;
        }
        let met = self.rows.iter().filter(|r| r.met()).count();
        let surprises = self.surprises().len();
        let tail = match surprises {
            0 => String::new(),
            n => format!(
                "; {n} differ from the targets file (MISS without a documented_miss, or met although documented as missed)"
            ),
        };
        writeln!(f, "{met} of {} targets met{tail}", self.rows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[variants.cut]
description = "no school"
set = { "channels.school.supply.scale" = 0.0 }

[[target]]
name = "age"
metric = "mean_age"
years = 2010
value = 43.8
range = [40.8, 46.8]
source = "row"

[[target]]
name = "trough"
metric = "capacity_mean"
years = [2000, 2002]
stat = "min"
contrast = "cut"
range = [0.01, inf]
source = "criterion"
"#;

    #[test]
    fn parses_targets_and_variants() {
        let targets = Targets::parse(FILE, "t.toml").unwrap();
        assert_eq!(targets.targets.len(), 2);
        assert_eq!(targets.targets[1].stat, Stat::Min);
        assert_eq!(targets.targets[1].years.bounds(), (2000, 2002));
        assert_eq!(targets.targets[1].range, Some([0.01, f64::INFINITY]));
        assert_eq!(
            targets.variant_overrides(),
            vec![(
                "cut".to_string(),
                vec!["channels.school.supply.scale=0.0".to_string()]
            )]
        );
    }

    #[test]
    fn refuses_targets_without_figure_or_variant() {
        let no_figure = "[[target]]\nname = \"a\"\nmetric = \"m\"\nyears = 1\nsource = \"s\"\n";
        assert!(Targets::parse(no_figure, "t").is_err());
        let no_variant = "[[target]]\nname = \"a\"\nmetric = \"m\"\nyears = 1\nvalue = 1.0\ncontrast = \"x\"\nsource = \"s\"\n";
        assert!(Targets::parse(no_variant, "t").is_err());
        let unknown = "[[target]]\nname = \"a\"\nmetric = \"m\"\nyears = 1\nvalue = 1.0\nsource = \"s\"\nfoo = 1\n";
        assert!(Targets::parse(unknown, "t").is_err());
    }

    /// Point 0 with columns capacity_mean and mean_age.
    fn series(rows: &[(usize, i32, f64, f64)]) -> Series {
        let mut replicates: Vec<Vec<(i32, Vec<Option<f64>>)>> = Vec::new();
        for &(r, y, c, a) in rows {
            if replicates.len() <= r {
                replicates.resize_with(r + 1, Vec::new);
            }
            replicates[r].push((y, vec![Some(c), Some(a)]));
        }
        Series {
            origin: "t/timeseries.csv".into(),
            columns: vec!["capacity_mean".into(), "mean_age".into()],
            replicates,
        }
    }

    #[test]
    fn report_computes_means_minima_contrasts_and_misses() {
        let base = series(&[
            (0, 2000, 0.8, 40.0),
            (0, 2001, 0.7, 40.0),
            (0, 2002, 0.9, 40.0),
            (0, 2010, 0.9, 50.0),
            (1, 2000, 0.8, 40.0),
            (1, 2001, 0.75, 40.0),
            (1, 2002, 0.9, 40.0),
            (1, 2010, 0.9, 50.2),
        ]);
        let cut = series(&[
            (0, 2000, 0.6, 40.0),
            (0, 2001, 0.65, 40.0),
            (0, 2002, 0.7, 40.0),
            (0, 2010, 0.9, 50.0),
            (1, 2000, 0.6, 40.0),
            (1, 2001, 0.7, 40.0),
            (1, 2002, 0.7, 40.0),
            (1, 2010, 0.9, 48.0),
        ]);
        let variants = BTreeMap::from([("cut".to_string(), cut)]);
        let targets = Targets::parse(FILE, "t").unwrap();
        assert_eq!(targets.columns(), ["mean_age", "capacity_mean"]);
        let report = compare(&targets, &base, &variants).unwrap();
        // Age: mean of 50 and 50.2 = 50.1, above the range's 46.8, and so
        // is its whole 95% interval (50.1 ± 12.71 · 0.1 = [48.83, 51.37]).
        assert!((report.rows[0].model - 50.1).abs() < 1e-12);
        assert!((report.rows[0].miss - 3.3).abs() < 1e-12);
        assert!(!report.rows[0].met());
        // An interval that reaches into the range is met, whatever the
        // point estimate; a figure without a range must lie in it.
        let mut overlapping = report.rows[0].clone();
        overlapping.interval = Some((46.5, 53.7));
        assert!(overlapping.met());
        overlapping.interval = Some((46.9, 53.7));
        assert!(!overlapping.met());
        let mut figure = report.rows[0].clone();
        figure.target.range = None;
        figure.target.value = Some(50.0);
        assert!(figure.met(), "50 lies in [48.83, 51.37]");
        figure.target.value = Some(47.0);
        assert!(!figure.met());
        assert_eq!(figure.miss_in_sd(), None);
        figure.target.sd = Some(2.0);
        assert!((figure.miss_in_sd().unwrap() - 1.55).abs() < 1e-12);
        // Trough contrast: (0.7 - 0.6) and (0.75 - 0.6) → mean 0.125, met.
        assert!((report.rows[1].model - 0.125).abs() < 1e-12);
        assert!(report.rows[1].met());
        let text = report.to_string();
        assert!(text.contains("MISS"), "{text}");
        assert!(text.ends_with('\n'), "{text}");
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with("1 of 2 targets met; 1 differ from the targets file"),
            "{text}"
        );
    }
}
