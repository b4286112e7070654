//! Calibration targets and the calibration report: read a targets file
//! (`scenarios/targets.toml`), compute each target's model value from
//! finished run folders, and print the figure, the model's value with its
//! 95% interval over replicates, and the miss.
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
    /// Where the figure comes from (a CALIBRATION.md row or a criterion).
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
}

impl Targets {
    /// Reads and checks a targets file: every target has a value or a
    /// range, a range is ordered, a span is ordered and every contrast
    /// names a variant.
    pub fn read(path: &Path) -> Result<Targets> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::BadInput(format!("{}: cannot read targets: {e}", path.display()))
        })?;
        Targets::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a targets file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Targets> {
        let targets: Targets = toml::from_str(text)
            .map_err(|e| Error::BadInput(format!("{origin}: {}", e.to_string().trim())))?;
        for target in &targets.targets {
            let bad =
                |message: &str| Error::input(origin, format!("target {:?}", target.name), message);
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
        }
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
    /// Whether the model value is inside the range (or equals the figure).
    pub fn met(&self) -> bool {
        self.miss == 0.0
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

/// The calibration report of the base run in `run_dir` (its
/// `timeseries.csv`) and of the variant runs in [`variant_dir`], point 0.
pub fn report(run_dir: &Path, targets: &Targets) -> Result<Report> {
    let base = Series::read(run_dir)?;
    let mut variants = BTreeMap::new();
    for name in targets.targets.iter().filter_map(|t| t.contrast.as_ref()) {
        if !variants.contains_key(name) {
            variants.insert(name.clone(), Series::read(&variant_dir(run_dir, name))?);
        }
    }
    let mut rows = Vec::new();
    for target in &targets.targets {
        let mut values = base.per_replicate(target)?;
        if let Some(name) = &target.contrast {
            let other = variants[name].per_replicate(target)?;
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

/// Point 0 of a run folder's timeseries.csv: per replicate, per year, the
/// cells by column.
struct Series {
    path: PathBuf,
    columns: Vec<String>,
    /// `replicates[r]` = (year, cells) in year order.
    replicates: Vec<Vec<(i32, Vec<Option<f64>>)>>,
}

impl Series {
    fn read(dir: &Path) -> Result<Series> {
        let path = dir.join("timeseries.csv");
        let runtime = |message: String| Error::Runtime(format!("{}: {message}", path.display()));
        let mut reader = csv::Reader::from_path(&path).map_err(|e| runtime(e.to_string()))?;
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| runtime(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if columns.len() < 3 || columns[..3] != ["point", "replicate", "year"] {
            return Err(runtime(
                "not a timeseries.csv (point, replicate, year)".into(),
            ));
        }
        let mut replicates: Vec<Vec<(i32, Vec<Option<f64>>)>> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| runtime(e.to_string()))?;
            let int = |i: usize| {
                record[i]
                    .parse::<i64>()
                    .map_err(|e| runtime(format!("{}: {e}", columns[i])))
            };
            if int(0)? != 0 {
                continue;
            }
            let replicate = int(1)? as usize;
            let year = int(2)? as i32;
            let cells = record.iter().map(|c| c.parse().ok()).collect();
            if replicates.len() <= replicate {
                replicates.resize_with(replicate + 1, Vec::new);
            }
            replicates[replicate].push((year, cells));
        }
        if replicates.is_empty() {
            return Err(runtime("no rows of point 0".into()));
        }
        Ok(Series {
            path,
            columns,
            replicates,
        })
    }

    fn column(&self, name: &str, target: &Target) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::BadInput(format!(
                "target {:?}: {} has no column {name:?}",
                target.name,
                self.path.display()
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
                        target.name,
                        self.path.display()
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
                    target.name,
                    self.path.display()
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

/// A number for the report: 4 significant decimals, `inf` spelled out.
fn num(x: f64) -> String {
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
            "".to_string(),
            "source".to_string(),
        ]];
        for row in &self.rows {
            let t = &row.target;
            let figure = match (t.value, t.range) {
                (Some(v), Some([lo, hi])) => format!("{} in [{}, {}]", num(v), num(lo), num(hi)),
                (Some(v), None) => num(v),
                (None, Some([lo, hi])) => format!("[{}, {}]", num(lo), num(hi)),
                (None, None) => String::new(),
            };
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
                status.to_string(),
                t.source.clone(),
            ]);
        }
        let mut widths = [0usize; 6];
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
        write!(f, "{met} of {} targets met", self.rows.len())
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

    fn write_timeseries(dir: &Path, rows: &[(u32, i32, f64, f64)]) {
        std::fs::create_dir_all(dir).unwrap();
        let mut text = String::from("point,replicate,year,capacity_mean,mean_age\n");
        for (r, y, c, a) in rows {
            text.push_str(&format!("0,{r},{y},{c},{a}\n"));
        }
        std::fs::write(dir.join("timeseries.csv"), text).unwrap();
    }

    #[test]
    fn report_computes_means_minima_contrasts_and_misses() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        write_timeseries(
            base,
            &[
                (0, 2000, 0.8, 40.0),
                (0, 2001, 0.7, 40.0),
                (0, 2002, 0.9, 40.0),
                (0, 2010, 0.9, 50.0),
                (1, 2000, 0.8, 40.0),
                (1, 2001, 0.75, 40.0),
                (1, 2002, 0.9, 40.0),
                (1, 2010, 0.9, 48.0),
            ],
        );
        write_timeseries(
            &variant_dir(base, "cut"),
            &[
                (0, 2000, 0.6, 40.0),
                (0, 2001, 0.65, 40.0),
                (0, 2002, 0.7, 40.0),
                (0, 2010, 0.9, 50.0),
                (1, 2000, 0.6, 40.0),
                (1, 2001, 0.7, 40.0),
                (1, 2002, 0.7, 40.0),
                (1, 2010, 0.9, 48.0),
            ],
        );
        let targets = Targets::parse(FILE, "t").unwrap();
        let report = report(base, &targets).unwrap();
        // Age: mean of 50 and 48 = 49, above the range's 46.8.
        assert!((report.rows[0].model - 49.0).abs() < 1e-12);
        assert!((report.rows[0].miss - 2.2).abs() < 1e-12);
        assert!(!report.rows[0].met());
        // Trough contrast: (0.7 - 0.6) and (0.75 - 0.6) → mean 0.125, met.
        assert!((report.rows[1].model - 0.125).abs() < 1e-12);
        assert!(report.rows[1].met());
        let text = report.to_string();
        assert!(text.contains("MISS"), "{text}");
        assert!(text.ends_with("1 of 2 targets met"), "{text}");
    }
}
