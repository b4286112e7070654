//! Reading a run folder for the charts: `points.csv`, `summary.csv` and the
//! scenario part of `manifest.json` are small and read whole;
//! `timeseries.csv` can hold millions of rows and is streamed through the
//! one reader of [`crate::folder::read`], which the calibration shares.
//!
//! Columns are always found by name, never by position, so the charts keep
//! working when columns are added. Every malformed input is a
//! [`Error::BadInput`] naming the file and, where there is one, the line.

use crate::folder::read::{Timeseries, bad, csv_error, open_csv, parse_cell, parse_point};
use crate::folder::schema;
use crate::model::schema::FieldType;
use crate::scenario::Level;
use crate::{Error, Result};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The parameter points of a run folder, as read from `points.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct PointsTable {
    /// The swept scenario paths (the columns after `point`), in file order;
    /// empty for a run without a sweep.
    pub paths: Vec<String>,
    /// The point numbers, in file order.
    pub ids: Vec<u32>,
    /// `values[i][d]` is the value of `paths[d]` at point `ids[i]`: the
    /// number, or in a categorical column the position of the point's
    /// level in `levels[d]` (0, 1, 2, …).
    pub values: Vec<Vec<f64>>,
    /// For each column, `None` when it holds numbers; for a categorical
    /// one (a string or boolean parameter, as `datapackage.json` declares
    /// it) its levels in the order they first appear, which is the order
    /// the sweep lists them: the charts place them at 0, 1, 2, … with their
    /// text as tick labels.
    pub levels: Vec<Option<Vec<String>>>,
}

impl PointsTable {
    /// Reads `points.csv` at `path`.
    pub fn read(path: &Path) -> Result<PointsTable> {
        let mut reader = open_csv(path)?;
        let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        if header.get(0) != Some("point") {
            return Err(bad(path, 1, "the first column must be `point`"));
        }
        let paths: Vec<String> = header.iter().skip(1).map(str::to_string).collect();
        let types: Vec<FieldType> = schema::points(&paths).fields[1..]
            .iter()
            .map(|f| f.field_type)
            .collect();
        let mut table = PointsTable {
            levels: types
                .iter()
                .map(|t| (*t != FieldType::Number).then(Vec::new))
                .collect(),
            paths,
            ids: Vec::new(),
            values: Vec::new(),
        };
        let mut record = csv::StringRecord::new();
        let mut seen = BTreeSet::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            let line = line_of(&record);
            let id = parse_point(path, line, &record[0])?;
            if !seen.insert(id) {
                return Err(bad(path, line, &format!("point {id} is listed twice")));
            }
            let mut values = Vec::with_capacity(table.paths.len());
            for (col_idx, name) in table.paths.iter().enumerate() {
                let cell = &record[col_idx + 1];
                let empty = || bad(path, line, &format!("column {name}: the value is empty"));
                let value = match &mut table.levels[col_idx] {
                    None => parse_cell(path, line, name, cell)?.ok_or_else(empty)?,
                    Some(_) if cell.is_empty() => return Err(empty()),
                    Some(_)
                        if types[col_idx] == FieldType::Boolean
                            && cell != "true"
                            && cell != "false" =>
                    {
                        return Err(bad(
                            path,
                            line,
                            &format!("column {name}: expected true or false, found {cell:?}"),
                        ));
                    }
                    Some(levels) => match levels.iter().position(|l| l == cell) {
                        Some(i) => i as f64,
                        None => {
                            levels.push(cell.to_string());
                            (levels.len() - 1) as f64
                        }
                    },
                };
                values.push(value);
            }
            table.ids.push(id);
            table.values.push(values);
        }
        if table.ids.is_empty() {
            return Err(bad(path, 1, "no points listed"));
        }
        Ok(table)
    }

    /// The row of point `id`, if listed.
    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.ids.iter().position(|&p| p == id)
    }

    /// The swept values of the point at row `idx` as `path=value, ...`
    /// (empty without a sweep), for legends.
    pub fn label(&self, idx: usize) -> String {
        self.paths
            .iter()
            .enumerate()
            .zip(&self.values[idx])
            .map(|((col, path), v)| format!("{path}={}", self.text(col, *v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The value `v` of column `col` as a label shows it: a number briefly
    /// ([`short_number`]), a categorical level's position as its text.
    pub fn text(&self, col: usize, v: f64) -> String {
        match &self.levels[col] {
            None => short_number(v),
            Some(levels) => category(levels, v),
        }
    }
}

/// The level of `levels` at position `v` (0, 1, 2, …), empty between
/// positions and beyond the last: an axis's tick label.
pub fn category(levels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-9 && i >= 0.0 {
        levels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// `v` written briefly: exactly as stored when that is short (`2`, `0.5`),
/// otherwise to four significant digits (`1.023` for 1.0229216331…), since
/// random designs give values with seventeen digits that no legend can hold.
/// A categorical level (a sweep's word or boolean) is its text.
pub fn short_number(v: impl Into<Level>) -> String {
    let v = match v.into() {
        Level::Number(v) => v,
        level => return level.to_string(),
    };
    let exact = format!("{v}");
    if exact.len() <= 6 || !v.is_finite() {
        return exact;
    }
    let magnitude = if v == 0.0 {
        0
    } else {
        v.abs().log10().floor() as i32
    };
    if !(-4..6).contains(&magnitude) {
        return format!("{v:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// One summary figure at one point: its mean over replicates and 95%
/// interval (empty when undefined or with one replicate).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Interval {
    /// Mean over replicates.
    pub mean: Option<f64>,
    /// Lower end of the 95% interval.
    pub lo: Option<f64>,
    /// Upper end of the 95% interval.
    pub hi: Option<f64>,
}

/// The per-point summary figures of `summary.csv`.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Point numbers, in file order.
    pub ids: Vec<u32>,
    /// Replicates per point.
    pub replicates: Vec<u32>,
    /// For each figure named in the header (`<figure>_mean`), its value at
    /// each point, in `ids` order.
    pub figures: BTreeMap<String, Vec<Interval>>,
}

impl Summary {
    /// Reads `summary.csv` at `path`.
    pub fn read(path: &Path) -> Result<Summary> {
        let mut reader = open_csv(path)?;
        let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        let find = |name: &str| header.iter().position(|h| h == name);
        let point_col = find("point").ok_or_else(|| bad(path, 1, "no `point` column"))?;
        let replicates_col =
            find("replicates").ok_or_else(|| bad(path, 1, "no `replicates` column"))?;
        // Every `<figure>_mean` with its `_lo` and `_hi` columns.
        let mut figure_cols = Vec::new();
        for (col_idx, name) in header.iter().enumerate() {
            if let Some(figure) = name.strip_suffix("_mean") {
                let lo = find(&format!("{figure}_lo"));
                let hi = find(&format!("{figure}_hi"));
                figure_cols.push((figure.to_string(), col_idx, lo, hi));
            }
        }
        let mut summary = Summary {
            ids: Vec::new(),
            replicates: Vec::new(),
            figures: figure_cols
                .iter()
                .map(|(f, ..)| (f.clone(), Vec::new()))
                .collect(),
        };
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            let line = line_of(&record);
            summary
                .ids
                .push(parse_point(path, line, &record[point_col])?);
            let replicates =
                parse_cell(path, line, "replicates", &record[replicates_col])?.unwrap_or(0.0);
            summary.replicates.push(replicates as u32);
            for (figure, mean_col, lo_col, hi_col) in &figure_cols {
                let cell = |col: Option<usize>, suffix: &str| match col {
                    Some(c) => parse_cell(path, line, &format!("{figure}_{suffix}"), &record[c]),
                    None => Ok(None),
                };
                let interval = Interval {
                    mean: cell(Some(*mean_col), "mean")?,
                    lo: cell(*lo_col, "lo")?,
                    hi: cell(*hi_col, "hi")?,
                };
                summary
                    .figures
                    .get_mut(figure)
                    .expect("figure listed")
                    .push(interval);
            }
        }
        Ok(summary)
    }

    /// The figure `name` at point `id` (all empty when not listed).
    pub fn get(&self, name: &str, id: u32) -> Interval {
        let Some(idx) = self.ids.iter().position(|&p| p == id) else {
            return Interval::default();
        };
        self.figures
            .get(name)
            .map(|values| values[idx])
            .unwrap_or_default()
    }

    /// The largest replicate count over points (for subtitles).
    pub fn max_replicates(&self) -> u32 {
        self.replicates.iter().copied().max().unwrap_or(0)
    }
}

/// What the charts need from `manifest.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioInfo {
    /// The scenario's name (the folder name when there is no manifest).
    pub name: String,
    /// The scenario's description, if any.
    pub description: Option<String>,
    /// The years averaged in `policy_capacity`, inclusive.
    pub policy_window: Option<(i32, i32)>,
    /// Communities per run, as resolved (after `--set`).
    pub communities: Option<u64>,
    /// Replicates per point, as resolved (after `--set`).
    pub replicates: Option<u64>,
    /// The run's `--set` overrides (`PATH=VALUE`), in the order given.
    pub overrides: Vec<String>,
}

impl ScenarioInfo {
    /// Reads the scenario part of `dir/manifest.json`. Without a manifest the
    /// charts can still be drawn from the CSV files alone, named after the
    /// folder and without a policy window.
    pub fn read(dir: &Path) -> Result<ScenarioInfo> {
        let path = dir.join("manifest.json");
        let folder_name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "run".to_string());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ScenarioInfo {
                    name: folder_name,
                    description: None,
                    policy_window: None,
                    communities: None,
                    replicates: None,
                    overrides: Vec::new(),
                });
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::BadInput(format!(
                "{}:{}: not valid JSON: {e}",
                path.display(),
                e.line()
            ))
        })?;
        let scenario = &json["scenario"];
        let name = scenario["name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(folder_name);
        let description = scenario["description"]
            .as_str()
            .filter(|d| !d.trim().is_empty())
            .map(str::to_string);
        let window = &scenario["policy_window"];
        let policy_window = match (window[0].as_i64(), window[1].as_i64()) {
            (Some(from), Some(to)) => Some((from as i32, to as i32)),
            _ => None,
        };
        // The counts of what ran: the manifest's resolved scenario, which
        // holds the `--set` values, never the scenario file's.
        let count = |key: &str| {
            scenario[key]
                .as_u64()
                .or_else(|| json["identity"]["scenario"][key].as_u64())
        };
        let overrides = json["overrides"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        // A roster run ignores `communities` (the roster defines them), so
        // the count is taken from what was run where the manifest's
        // estimate gives it: community-years / runs / years.
        let years = match (
            scenario["start_year"].as_i64(),
            scenario["end_year"].as_i64(),
        ) {
            (Some(a), Some(b)) if b >= a => Some((b - a + 1) as u64),
            _ => None,
        };
        let estimate = &json["estimate"];
        let ran = match (
            estimate["community_years"].as_u64(),
            estimate["runs"].as_u64(),
            years,
        ) {
            (Some(cy), Some(runs), Some(years))
                if runs > 0 && cy > 0 && cy.is_multiple_of(runs * years) =>
            {
                Some(cy / (runs * years))
            }
            _ => None,
        };
        Ok(ScenarioInfo {
            name,
            description,
            policy_window,
            communities: ran.or_else(|| count("communities")),
            replicates: count("replicates"),
            overrides,
        })
    }

    /// What ran, for every chart's subtitle: the resolved community and
    /// replicate counts and the `--set` overrides (shortened to the first
    /// few when long); `None` when the manifest says neither.
    pub fn ran_line(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(n) = self.communities {
            parts.push(format!("{} communities per run", thousands(n)));
        }
        if let Some(n) = self.replicates {
            parts.push(format!("{n} replicate(s) per point"));
        }
        let mut line = parts.join(", ");
        if !self.overrides.is_empty() {
            const ROOM: usize = 80;
            let mut shown = String::new();
            let mut count = 0;
            for set in &self.overrides {
                let next = format!("{}--set {set}", if count == 0 { "" } else { " " });
                if count > 0 && shown.chars().count() + next.chars().count() > ROOM {
                    break;
                }
                shown.push_str(&next);
                count += 1;
            }
            if count < self.overrides.len() {
                shown.push_str(&format!(" (+{} more)", self.overrides.len() - count));
            }
            if !line.is_empty() {
                line.push_str("; ");
            }
            line.push_str(&shown);
        }
        (!line.is_empty()).then(|| format!("Ran {line}"))
    }
}

/// `n` with thin groups of three digits (`100,000`).
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A quantity accumulated per (point, year) over replicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quantity {
    /// A column of `timeseries.csv`, as written.
    Column(&'static str),
    /// A cohort's share of *all* seats: its share of seated leaders (the
    /// named column) times `1 − vacancy_rate`, so that the cohorts and the
    /// vacancy stack to 1. Zero when every seat is vacant (the share is then
    /// an empty cell).
    SeatShare(&'static str),
}

impl Quantity {
    /// The column this quantity is read from.
    pub fn column(self) -> &'static str {
        match self {
            Quantity::Column(name) | Quantity::SeatShare(name) => name,
        }
    }
}

/// Running count, mean and sum of squared deviations of one quantity over
/// replicates (Welford's update: one pass, and no cancellation when the
/// spread is tiny next to the mean, as capacities near 0.9 often are).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Accumulator {
    /// Values seen.
    pub n: u32,
    /// Their mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Accumulator {
    /// Adds one value.
    pub fn push(&mut self, value: f64) {
        self.n += 1;
        let delta = value - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (value - self.mean);
    }

    /// The mean, if any value was seen.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// The 95% interval of the mean, `mean ± t(0.975, n−1)·sd/√n`
    /// (MODEL.md section 4); `None` with fewer than two values.
    pub fn interval(&self) -> Option<(f64, f64)> {
        let half = half_width(self.n, self.m2)?;
        Some((self.mean - half, self.mean + half))
    }
}

/// Half the width of the 95% t-interval of a mean of `n` values whose
/// squared deviations sum to `m2`.
fn half_width(n: u32, m2: f64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let sd = (m2.max(0.0) / (n - 1) as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.975);
    Some(t * sd / (n as f64).sqrt())
}

/// The accumulated quantities of one point: `years[year][q]` for the
/// quantities in the order asked.
#[derive(Clone, Debug, Default)]
pub struct PointSeries {
    /// Per year, one accumulator per quantity.
    pub years: BTreeMap<i32, Vec<Accumulator>>,
    /// Replicates seen for this point.
    pub replicates: BTreeSet<u32>,
}

impl PointSeries {
    /// `(year, accumulator)` of quantity number `q`, in year order.
    pub fn of(&self, q: usize) -> impl Iterator<Item = (i32, &Accumulator)> + '_ {
        self.years.iter().map(move |(&year, accs)| (year, &accs[q]))
    }
}

/// Streams `timeseries.csv` at `path` row by row, accumulating `quantities`
/// over replicates for each (point, year) of the points in `wanted`. Rows of
/// other points are checked by the CSV reader but not parsed further, and
/// nothing but the accumulators is kept, so memory does not grow with the
/// file.
pub fn stream_timeseries(
    path: &Path,
    wanted: &BTreeSet<u32>,
    quantities: &[Quantity],
) -> Result<BTreeMap<u32, PointSeries>> {
    let mut reader = Timeseries::open(path)?;
    // Selected column 0 is the vacancy every seat share needs; quantity q
    // is selected column q + 1.
    let mut columns = vec!["vacancy_rate"];
    columns.extend(quantities.iter().map(|q| q.column()));
    reader.select(&columns)?;

    let mut series: BTreeMap<u32, PointSeries> = wanted
        .iter()
        .map(|&p| (p, PointSeries::default()))
        .collect();
    while let Some(point) = reader.next_point()? {
        let Some(point_series) = series.get_mut(&point) else {
            continue;
        };
        let replicate = reader.replicate()?;
        let year = reader.year()?;
        let vacancy = reader.value(0)?;
        point_series.replicates.insert(replicate);
        let accs = point_series
            .years
            .entry(year)
            .or_insert_with(|| vec![Accumulator::default(); quantities.len()]);
        for (i, (q, acc)) in quantities.iter().zip(accs.iter_mut()).enumerate() {
            let value = reader.value(i + 1)?;
            let value = match q {
                Quantity::Column(_) => value,
                Quantity::SeatShare(_) => match vacancy {
                    Some(v) if v >= 1.0 => Some(0.0),
                    Some(v) => value.map(|share| share * (1.0 - v)),
                    None => None,
                },
            };
            if let Some(value) = value {
                acc.push(value);
            }
        }
    }
    if reader.rows() == 0 {
        return Err(bad(path, 2, "no rows after the header"));
    }
    for (point, point_series) in &series {
        if point_series.years.is_empty() {
            return Err(bad(
                path,
                0,
                &format!("no rows for point {point}, which points.csv lists"),
            ));
        }
    }
    Ok(series)
}

fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_short_values_and_round_long_ones() {
        assert_eq!(short_number(2.0), "2");
        assert_eq!(short_number(0.5), "0.5");
        assert_eq!(short_number(1.0229216331101405), "1.023");
        assert_eq!(short_number(0.005635494608463154), "0.005635");
        assert_eq!(short_number(123.456789), "123.5");
    }

    #[test]
    fn categorical_columns_are_read_as_levels_at_0_1_2_in_the_order_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(
            &path,
            "point,elections.rule,elections.enabled,mentoring.rate\n\
             0,committee,true,0.0\n1,committee,false,0.1\n2,seat,true,0.0\n3,seat,false,0.1\n",
        )
        .unwrap();
        let table = PointsTable::read(&path).unwrap();
        assert_eq!(
            table.levels,
            [
                Some(vec!["committee".to_string(), "seat".to_string()]),
                Some(vec!["true".to_string(), "false".to_string()]),
                None
            ]
        );
        assert_eq!(table.values[3], [1.0, 1.0, 0.1]);
        assert_eq!(
            table.label(2),
            "elections.rule=seat, elections.enabled=true, mentoring.rate=0"
        );
        assert_eq!(category(&table.levels[0].clone().unwrap(), 0.5), "");
        assert_eq!(short_number(Level::Text("pool")), "pool");
        assert_eq!(short_number(Level::Bool(false)), "false");
        std::fs::write(&path, "point,elections.enabled\n0,yes\n").unwrap();
        let e = PointsTable::read(&path).unwrap_err().to_string();
        assert!(
            e.contains(
                "points.csv:2: column elections.enabled: expected true or false, found \"yes\""
            ),
            "{e}"
        );
    }

    #[test]
    fn accumulator_matches_the_t_interval() {
        let mut acc = Accumulator::default();
        for v in [1.0, 2.0, 3.0] {
            acc.push(v);
        }
        let (lo, hi) = acc.interval().expect("three values");
        // sd = 1, t(0.975, 2) = 4.302653
        let half = 4.302652729911275 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-9);
        assert!((hi - (2.0 + half)).abs() < 1e-9);
        let mut one = Accumulator::default();
        one.push(5.0);
        assert_eq!(one.interval(), None);
    }
}
