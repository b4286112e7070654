//! Charts of a calibration search's posterior (`calibrate --search`),
//! drawn from the search folder's `posterior.csv` alone:
//!
//! - `posterior_marginals`: one panel per searched path, the weighted
//!   histogram (as a density) of the last generation over the earlier
//!   generations' outlines, with the weighted median and 90% interval;
//! - `posterior_pairs` (two or more paths): a scatter-plot matrix of the
//!   last generation, each particle's opacity its weight, the diagonal each
//!   path's histogram and the upper cells the weighted correlations.
//!
//! The median and interval are [`weighted_quantile`]'s, the same numbers
//! `report.md` gives.

use super::data::short_number;
use super::series::y_range;
use super::style::{self, Drawn, Painter, Swatch, okabe_ito};
use crate::folder::read::{bad, csv_error, open_csv, parse_cell, parse_integer};
use crate::study::abc::weighted_quantile;
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The title of both charts.
const TITLE: &str = "Posterior of the calibration search";

/// Draws the posterior charts of the search folder `dir` from
/// `dir/posterior.csv` into `dir/charts/` and returns the files written:
/// `posterior_marginals.png` and `.svg`, then, with two or more searched
/// paths, `posterior_pairs.png` and `.svg`. The same file gives
/// byte-identical charts. A missing or malformed `posterior.csv` is
/// [`Error::BadInput`] naming the file and line; nothing is written then.
pub fn draw_posterior(dir: &Path) -> Result<Vec<PathBuf>> {
    let posterior = Posterior::read(&dir.join("posterior.csv"))?;
    let log_priors = log_priors(&dir.join("priors.csv"))?;
    style::register_font()?;
    let views = path_views(&posterior, &log_priors);
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|e| Error::io(&charts_dir, e))?;
    let mut written = Vec::new();
    for (stem, chart) in charts(&posterior, &views) {
        written.extend(style::write_painter(&charts_dir, stem, &chart)?);
    }
    Ok(written)
}

/// Which paths `priors.csv` (the search's priors: `path, from, to, scale`)
/// says are log-uniform (`true`) or uniform (`false`); empty when the
/// folder has no such file.
fn log_priors(path: &Path) -> Result<BTreeMap<String, bool>> {
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let shown = path.display().to_string();
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| Error::BadInput(format!("{shown}: cannot read: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| Error::csv_record(&shown, &e))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::BadInput(format!(
                "{shown}:1: no column {name:?} (path, from, to, scale)"
            ))
        })
    };
    let (path_at, scale_at) = (column("path")?, column("scale")?);
    let mut out = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::csv_record(&shown, &e))?;
        let log = match &record[scale_at] {
            "log" => true,
            "linear" => false,
            other => {
                return Err(Error::BadInput(format!(
                    "{shown}:{}: scale {other:?} is neither \"linear\" nor \"log\"",
                    i + 2
                )));
            }
        };
        out.insert(record[path_at].to_string(), log);
    }
    Ok(out)
}

/// The charts of `posterior`, with their file stems, in the order written.
fn charts<'a>(posterior: &'a Posterior, views: &'a [PathView]) -> Vec<(&'static str, Chart<'a>)> {
    let mut out = vec![(
        "posterior_marginals",
        Chart::Marginals(MarginalsChart { posterior, views }),
    )];
    if views.len() >= 2 {
        out.push((
            "posterior_pairs",
            Chart::Pairs(PairsChart { posterior, views }),
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// Reading `posterior.csv`.

/// The columns every `posterior.csv` starts with; one column per searched
/// path follows.
const FIXED_COLUMNS: [&str; 4] = ["generation", "particle", "weight", "distance"];

/// What `posterior.csv` holds.
#[derive(Clone, Debug, PartialEq)]
struct Posterior {
    /// The searched scenario paths, in file order.
    paths: Vec<String>,
    /// Every generation, by ascending number; the last is the posterior.
    generations: Vec<Generation>,
}

/// One generation's kept particles, in particle order.
#[derive(Clone, Debug, PartialEq)]
struct Generation {
    /// The generation's number (the `generation` column).
    number: u32,
    /// Weights, normalised to sum to 1.
    weights: Vec<f64>,
    /// The largest kept distance.
    tolerance: f64,
    /// `values[particle][d]` is the value of `paths[d]`.
    values: Vec<Vec<f64>>,
}

/// One row of the file.
struct Row {
    line: u64,
    weight: f64,
    distance: f64,
    values: Vec<f64>,
}

impl Posterior {
    /// Reads `posterior.csv` at `path`.
    fn read(path: &Path) -> Result<Posterior> {
        if !path.is_file() {
            let what = if path.exists() {
                "is not a file"
            } else {
                "not found"
            };
            return Err(Error::BadInput(format!(
                "{}: {what} (the posterior is written into its search folder by `succession calibrate --search`)",
                path.display()
            )));
        }
        let mut reader = open_csv(path)?;
        let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        if header.len() < FIXED_COLUMNS.len()
            || header.iter().zip(FIXED_COLUMNS).any(|(h, f)| h != f)
        {
            return Err(bad(
                path,
                1,
                "the header must start with `generation,particle,weight,distance`",
            ));
        }
        let paths: Vec<String> = header
            .iter()
            .skip(FIXED_COLUMNS.len())
            .map(str::to_string)
            .collect();
        if paths.is_empty() {
            return Err(bad(
                path,
                1,
                "no searched path: the header has no column after `distance`",
            ));
        }
        for (idx, name) in paths.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(bad(
                    path,
                    1,
                    &format!("column {}: no path name", idx + FIXED_COLUMNS.len() + 1),
                ));
            }
            if paths[..idx].contains(name) {
                return Err(bad(path, 1, &format!("column {name} is named twice")));
            }
        }

        let mut rows: BTreeMap<u32, BTreeMap<u32, Row>> = BTreeMap::new();
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            let line = record.position().map_or(0, |p| p.line());
            let number = |column: &str, cell: &str| -> Result<u32> {
                let value = parse_integer(path, line, column, cell)?;
                u32::try_from(value).map_err(|_| {
                    bad(
                        path,
                        line,
                        &format!("column {column}: {value} is not a {column} number"),
                    )
                })
            };
            let required = |column: &str, cell: &str| -> Result<f64> {
                parse_cell(path, line, column, cell)?
                    .ok_or_else(|| bad(path, line, &format!("column {column}: the value is empty")))
            };
            let generation = number("generation", &record[0])?;
            let particle = number("particle", &record[1])?;
            let weight = required("weight", &record[2])?;
            if weight < 0.0 {
                return Err(bad(
                    path,
                    line,
                    &format!("column weight: {weight} is negative"),
                ));
            }
            let distance = required("distance", &record[3])?;
            let values = paths
                .iter()
                .enumerate()
                .map(|(d, name)| required(name, &record[d + FIXED_COLUMNS.len()]))
                .collect::<Result<Vec<f64>>>()?;
            let row = Row {
                line,
                weight,
                distance,
                values,
            };
            if rows
                .entry(generation)
                .or_default()
                .insert(particle, row)
                .is_some()
            {
                return Err(bad(
                    path,
                    line,
                    &format!("generation {generation}: particle {particle} is listed twice"),
                ));
            }
        }
        if rows.is_empty() {
            return Err(bad(path, 0, "no particles listed"));
        }

        let mut generations = Vec::with_capacity(rows.len());
        for (number, particles) in rows {
            let total: f64 = particles.values().map(|r| r.weight).sum();
            if !(total > 0.0 && total.is_finite()) {
                let line = particles.values().map(|r| r.line).min().unwrap_or(0);
                return Err(bad(
                    path,
                    line,
                    &format!("generation {number}: its weights sum to {total}, not to 1"),
                ));
            }
            let tolerance = particles
                .values()
                .map(|r| r.distance)
                .fold(f64::NEG_INFINITY, f64::max);
            let (weights, values) = particles
                .into_values()
                .map(|r| (r.weight / total, r.values))
                .unzip();
            generations.push(Generation {
                number,
                weights,
                tolerance,
                values,
            });
        }
        Ok(Posterior { paths, generations })
    }

    /// The last generation: the posterior.
    fn last(&self) -> &Generation {
        self.generations
            .last()
            .expect("read refuses a file without particles")
    }
}

// ---------------------------------------------------------------------------
// What is drawn of each path.

/// How one path's values are placed along an axis.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Scale {
    /// Whether the axis is logarithmic (then axis units are log10 values).
    log: bool,
    /// The axis range, in axis units.
    lo: f64,
    hi: f64,
}

impl Scale {
    /// The scale of a path with these values (of every generation).
    ///
    /// A log-uniform prior (`log_prior`, from the folder's `priors.csv`)
    /// gets a log axis and a uniform one a linear axis. Without the file,
    /// the values decide: the axis is logarithmic when every value is > 0
    /// and the largest is more than 20 times the smallest (a spread that a
    /// linear axis would squeeze into its left edge), linear otherwise.
    fn of(values: &[f64], log_prior: Option<bool>) -> Scale {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log = min > 0.0 && log_prior.unwrap_or(max / min > 20.0);
        let at = |v: f64| if log { v.log10() } else { v };
        let (lo, hi) = y_range(values.iter().map(|&v| at(v)), (None, None));
        Scale { log, lo, hi }
    }

    /// The same kind of axis over `values` only (a part of those it was
    /// made from).
    fn zoomed(&self, values: &[f64]) -> Scale {
        let (lo, hi) = y_range(values.iter().map(|&v| self.at(v)), (None, None));
        Scale { lo, hi, ..*self }
    }

    /// `v` in axis units.
    fn at(&self, v: f64) -> f64 {
        if self.log { v.log10() } else { v }
    }

    /// At most `max` tick positions (axis units) with their labels.
    fn ticks(&self, max: usize) -> Vec<(f64, String)> {
        if self.log {
            log_ticks(self.lo, self.hi, max)
        } else {
            linear_ticks(self.lo, self.hi, max)
        }
    }

    /// `name` as an axis title, saying when the axis is logarithmic
    /// (`short`: in fewer words).
    fn title(&self, name: &str, short: bool) -> String {
        match (self.log, short) {
            (false, _) => name.to_string(),
            (true, false) => format!("{name} (log scale)"),
            (true, true) => format!("{name} (log)"),
        }
    }
}

/// A weighted histogram in axis units, as a density (the bars' areas sum
/// to the total weight, 1).
#[derive(Clone, Debug, PartialEq)]
struct Histogram {
    /// Bin edges, ascending (one more than bins).
    edges: Vec<f64>,
    /// Weight per unit of axis in each bin.
    density: Vec<f64>,
}

impl Histogram {
    /// The histogram of `(value in axis units, weight)` pairs over their own
    /// range, in about √n bins (5 to 30); all values equal give one bar of
    /// width `flat_width`.
    fn of(pairs: &[(f64, f64)], flat_width: f64) -> Histogram {
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let lo = pairs.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = pairs.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        if hi <= lo {
            let half = flat_width / 2.0;
            return Histogram {
                edges: vec![lo - half, lo + half],
                density: vec![total / flat_width],
            };
        }
        let bins = ((pairs.len() as f64).sqrt().round() as usize).clamp(5, 30);
        let width = (hi - lo) / bins as f64;
        let mut mass = vec![0.0; bins];
        for &(t, w) in pairs {
            let idx = (((t - lo) / width) as usize).min(bins - 1);
            mass[idx] += w;
        }
        Histogram {
            edges: (0..=bins).map(|b| lo + b as f64 * width).collect(),
            density: mass.into_iter().map(|m| m / width).collect(),
        }
    }

    /// The outline: a step line from the axis up and along every bar.
    fn outline(&self) -> Vec<(f64, f64)> {
        let mut points = vec![(self.edges[0], 0.0)];
        for (b, &d) in self.density.iter().enumerate() {
            points.push((self.edges[b], d));
            points.push((self.edges[b + 1], d));
        }
        points.push((self.edges[self.edges.len() - 1], 0.0));
        points
    }

    /// The bars as (from, to, density).
    fn bars(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.density
            .iter()
            .enumerate()
            .map(|(b, &d)| (self.edges[b], self.edges[b + 1], d))
    }

    fn max(&self) -> f64 {
        self.density.iter().copied().fold(0.0, f64::max)
    }
}

/// Everything drawn of one searched path.
#[derive(Clone, Debug, PartialEq)]
struct PathView {
    /// The scenario path.
    name: String,
    /// Its axis, over the values of every generation.
    scale: Scale,
    /// The same kind of axis over the last generation's values only.
    last_scale: Scale,
    /// One histogram per generation, in generation order.
    histograms: Vec<Histogram>,
    /// The last generation's weighted 5%, 50% and 95% quantiles.
    q05: f64,
    median: f64,
    q95: f64,
}

fn path_views(posterior: &Posterior, log_priors: &BTreeMap<String, bool>) -> Vec<PathView> {
    let last = posterior.last();
    (0..posterior.paths.len())
        .map(|d| {
            let all: Vec<f64> = posterior
                .generations
                .iter()
                .flat_map(|g| g.values.iter().map(move |v| v[d]))
                .collect();
            let scale = Scale::of(&all, log_priors.get(&posterior.paths[d]).copied());
            let flat_width = (scale.hi - scale.lo) / 50.0;
            let histograms = posterior
                .generations
                .iter()
                .map(|g| {
                    let pairs: Vec<(f64, f64)> = g
                        .values
                        .iter()
                        .zip(&g.weights)
                        .map(|(v, &w)| (scale.at(v[d]), w))
                        .collect();
                    Histogram::of(&pairs, flat_width)
                })
                .collect();
            let pairs: Vec<(f64, f64)> = last
                .values
                .iter()
                .zip(&last.weights)
                .map(|(v, &w)| (v[d], w))
                .collect();
            let last_values: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            PathView {
                name: posterior.paths[d].clone(),
                scale,
                last_scale: scale.zoomed(&last_values),
                histograms,
                q05: weighted_quantile(&pairs, 0.05),
                median: weighted_quantile(&pairs, 0.5),
                q95: weighted_quantile(&pairs, 0.95),
            }
        })
        .collect()
}

/// The weighted correlation of `xs` and `ys` (weights summing to 1);
/// `None` when either is constant.
fn weighted_correlation(xs: &[f64], ys: &[f64], weights: &[f64]) -> Option<f64> {
    let mean = |v: &[f64]| v.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>();
    let (mx, my) = (mean(xs), mean(ys));
    let (mut cov, mut vx, mut vy) = (0.0, 0.0, 0.0);
    for ((x, y), w) in xs.iter().zip(ys).zip(weights) {
        cov += w * (x - mx) * (y - my);
        vx += w * (x - mx).powi(2);
        vy += w * (y - my).powi(2);
    }
    (vx > 0.0 && vy > 0.0).then(|| (cov / (vx * vy).sqrt()).clamp(-1.0, 1.0))
}

// ---------------------------------------------------------------------------
// Ticks.

/// Ticks at multiples of the smallest step of 1, 2, 2.5 or 5 times a power
/// of ten that gives at most `max` of them in `[lo, hi]` (or one more, where
/// that step would leave a single tick), each labelled with the step's
/// decimals.
fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<(f64, String)> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return vec![(lo, short_number(lo))];
    }
    let max = max.max(2) as i64;
    let count = |step: f64| ((hi / step).floor() - (lo / step).ceil()) as i64 + 1;
    let mut exponent = span.log10().floor() as i32 - 2;
    let mut previous: Option<(f64, usize)> = None;
    let (step, decimals) = 'search: loop {
        for (mantissa, extra) in [(1.0, 0), (2.0, 0), (2.5, 1), (5.0, 0)] {
            let step = mantissa * 10f64.powi(exponent);
            let decimals = (extra - exponent).max(0) as usize;
            let n = count(step);
            if n <= max {
                // One tick says nothing of the scale: one more than asked
                // for is better.
                break 'search match previous {
                    Some((p, d)) if n < 2 && count(p) <= max + 1 => (p, d),
                    _ => (step, decimals),
                };
            }
            previous = Some((step, decimals));
        }
        exponent += 1;
    };
    let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            (v, fixed(v, decimals))
        })
        .collect()
}

/// `v` with `decimals` decimals, never as "-0".
fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// Ticks of a log axis from `lo` to `hi` (log10 units): 1, 2 and 5 times
/// each power of ten when the axis spans less than three decades, else the
/// powers of ten (every second, third, ... when there are more than `max`);
/// on an axis too short for three of those, round values as on a linear
/// axis (over so short a range the axis is nearly linear).
fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<(f64, String)> {
    let max = max.max(2);
    let with = |mantissas: &[u32]| -> Vec<(f64, String)> {
        let mut out = Vec::new();
        for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
            for &m in mantissas {
                let t = f64::from(m).log10() + f64::from(k);
                if t >= lo && t <= hi {
                    out.push((t, power_label(m, k)));
                }
            }
        }
        out
    };
    let decades = with(&[1]);
    if decades.len() < 3 {
        let fine = with(&[1, 2, 5]);
        if fine.len() >= 3 && fine.len() <= max {
            return fine;
        }
        if fine.len() < 3 {
            // Spacing shrinks towards the top of a log axis: ask for fewer.
            let linear: Vec<(f64, String)> =
                linear_ticks(10f64.powf(lo), 10f64.powf(hi), (max * 2 / 3).max(2))
                    .into_iter()
                    .filter(|(v, _)| *v > 0.0)
                    .map(|(v, label)| (v.log10(), label))
                    .filter(|(t, _)| *t >= lo && *t <= hi)
                    .collect();
            return if linear.len() > fine.len() {
                linear
            } else {
                fine
            };
        }
    }
    if decades.len() <= max {
        return decades;
    }
    let every = decades.len().div_ceil(max) as i32;
    decades
        .into_iter()
        .filter(|(t, _)| (t.round() as i32).rem_euclid(every) == 0)
        .collect()
}

/// `m × 10^k` written plainly, or as `me k` for very small or large powers.
fn power_label(m: u32, k: i32) -> String {
    match k {
        0..=5 => (u64::from(m) * 10u64.pow(k as u32)).to_string(),
        -4..=-1 => format!("{:.*}", (-k) as usize, f64::from(m) * 10f64.powi(k)),
        _ => format!("{m}e{k}"),
    }
}

/// The label of the tick nearest `t`.
fn label_at(ticks: &[(f64, String)], t: f64) -> String {
    ticks
        .iter()
        .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
        .map(|tick| tick.1.clone())
        .unwrap_or_default()
}

/// A linear axis over axis units whose ticks (and grid lines) are exactly
/// the ones given: plotters' own choice cannot be told about log units.
struct Axis {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// An axis over `lo..hi` with exactly these ticks.
fn axis(lo: f64, hi: f64, ticks: &[(f64, String)]) -> Axis {
    Axis {
        range: (lo..hi).into(),
        ticks: ticks.iter().map(|t| t.0).collect(),
    }
}

/// The grey of earlier generation `k` of `m`: lighter for earlier ones.
fn earlier_grey(k: usize, m: usize) -> RGBColor {
    let level = if m <= 1 {
        150
    } else {
        (205.0 - 115.0 * k as f64 / (m - 1) as f64).round() as u8
    };
    RGBColor(level, level, level)
}

/// The posterior's colour.
const POSTERIOR: RGBColor = okabe_ito::BLUE;
/// The median and interval lines.
const MARK: RGBColor = okabe_ito::VERMILLION;

// ---------------------------------------------------------------------------
// The charts.

enum Chart<'a> {
    Marginals(MarginalsChart<'a>),
    Pairs(PairsChart<'a>),
}

impl Painter for Chart<'_> {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        match self {
            Chart::Marginals(chart) => chart.paint(root),
            Chart::Pairs(chart) => chart.paint(root),
        }
    }
}

/// One panel per path: the generations' histograms.
struct MarginalsChart<'a> {
    posterior: &'a Posterior,
    views: &'a [PathView],
}

impl Painter for MarginalsChart<'_> {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let generations = &self.posterior.generations;
        let last = self.posterior.last();
        let earlier = &generations[..generations.len() - 1];
        let mut subtitles = vec![format!(
            "Generation {} (the posterior): {} particles, distances up to {}; each panel its weighted histogram as a density",
            last.number,
            last.weights.len(),
            short_number(last.tolerance)
        )];
        if let (Some(first), Some(previous)) = (earlier.first(), earlier.last()) {
            let which = if earlier.len() == 1 {
                format!("generation {}", first.number)
            } else {
                format!("generations {}–{}", first.number, previous.number)
            };
            subtitles.push(format!(
                "Behind it the outlines of {which}, lighter for earlier ones, each binned over its own range"
            ));
        }
        if self.views.iter().any(|v| v.scale.log) {
            subtitles.push(
                "Log x axis for a log-uniform prior, or values spanning over 20 times (density per unit of log10)"
                    .to_string(),
            );
        }
        let body = style::title_block(root, TITLE, &subtitles)?;

        let mut legend: Vec<(String, Swatch)> = Vec::new();
        let m = earlier.len();
        if m <= 4 {
            for (k, g) in earlier.iter().enumerate() {
                legend.push((
                    format!("generation {}", g.number),
                    Swatch::Line(earlier_grey(k, m)),
                ));
            }
        } else {
            legend.push((
                format!("generation {} (earliest)", earlier[0].number),
                Swatch::Line(earlier_grey(0, m)),
            ));
            legend.push((
                format!("… generation {}", earlier[m - 1].number),
                Swatch::Line(earlier_grey(m - 1, m)),
            ));
        }
        legend.extend([
            (
                format!("generation {}: the posterior", last.number),
                Swatch::Fill(POSTERIOR, 0.35),
            ),
            ("weighted median".to_string(), Swatch::Line(MARK)),
            (
                "90% interval (weighted 5% and 95% quantiles)".to_string(),
                Swatch::Dashed(MARK),
            ),
        ]);
        let body = style::legend_below(&body, &legend)?;

        // One y axis title for every panel, along the left edge.
        let (strip, body) = body.split_horizontally(34);
        let (_, strip_h) = strip.dim_in_pixel();
        strip.draw(&Text::new(
            style::fit(
                &strip,
                "weighted density",
                style::AXIS_SIZE,
                strip_h.saturating_sub(10),
            ),
            (6, strip_h as i32 / 2),
            style::text(style::AXIS_SIZE)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;

        let n = self.views.len();
        let n_cols = match n {
            1..=3 => n,
            4 => 2,
            _ => 3,
        };
        let n_rows = n.div_ceil(n_cols);
        let areas = body.split_evenly((n_rows, n_cols));
        for (view, area) in self.views.iter().zip(&areas) {
            marginal_panel(area, view)?;
        }
        Ok(())
    }
}

/// One path's panel of the marginals chart.
fn marginal_panel<DB>(area: &DrawingArea<DB, Shift>, view: &PathView) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let label_size = style::LABEL_SIZE - 1.0;
    let (median, q05, q95) = (
        short_number(view.median),
        short_number(view.q05),
        short_number(view.q95),
    );
    let room = w.saturating_sub(30);
    let long = format!("median {median}, 90% interval [{q05}, {q95}]");
    let fits = |text: &str| {
        area.estimate_text_size(text, &style::text(style::LABEL_SIZE))
            .is_ok_and(|(tw, _)| tw <= room)
    };
    let caption = if fits(&long) {
        long
    } else {
        style::fit(
            area,
            &format!("median {median}, 90% [{q05}, {q95}]"),
            style::LABEL_SIZE,
            room,
        )
    };
    let top = view
        .histograms
        .iter()
        .map(Histogram::max)
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let x_ticks = view
        .scale
        .ticks((w.saturating_sub(100) / 80).clamp(2, 10) as usize);
    let y_ticks = linear_ticks(0.0, top, (h.saturating_sub(130) / 40).clamp(2, 8) as usize);
    let (lo, hi) = (view.scale.lo, view.scale.hi);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(26)
        .caption(caption, style::text(style::LABEL_SIZE))
        .x_label_area_size(56)
        .y_label_area_size(64)
        .build_cartesian_2d(axis(lo, hi, &x_ticks), axis(0.0, top, &y_ticks))?;
    let x_desc = style::fit(
        area,
        &view.scale.title(&view.name, false),
        style::LABEL_SIZE,
        w.saturating_sub(110),
    );
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .axis_desc_style(style::text(style::LABEL_SIZE))
        .label_style(style::text(label_size))
        .bold_line_style(style::GRID)
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|t| label_at(&x_ticks, *t))
        .y_label_formatter(&|t| label_at(&y_ticks, *t))
        .draw()?;

    let (posterior, earlier) = view
        .histograms
        .split_last()
        .expect("one histogram per generation, at least one generation");
    for (k, hist) in earlier.iter().enumerate() {
        chart.draw_series(LineSeries::new(
            hist.outline(),
            earlier_grey(k, earlier.len()).stroke_width(2),
        ))?;
    }
    chart.draw_series(
        posterior
            .bars()
            .map(|(a, b, d)| Rectangle::new([(a, 0.0), (b, d)], POSTERIOR.mix(0.35).filled())),
    )?;
    chart.draw_series(LineSeries::new(
        posterior.outline(),
        POSTERIOR.stroke_width(2),
    ))?;
    for bound in [view.q05, view.q95] {
        let x = view.scale.at(bound);
        chart.draw_series(DashedLineSeries::new(
            vec![(x, 0.0), (x, top)],
            8,
            6,
            MARK.stroke_width(2),
        ))?;
    }
    let x = view.scale.at(view.median);
    chart.draw_series(LineSeries::new(
        vec![(x, 0.0), (x, top)],
        MARK.stroke_width(3),
    ))?;
    Ok(())
}

/// The scatter-plot matrix of the last generation.
struct PairsChart<'a> {
    posterior: &'a Posterior,
    views: &'a [PathView],
}

/// The room of the matrix's tick labels and axis titles, in pixels: left
/// of the first column and below the last row.
const PAIRS_LEFT: i32 = 100;
const PAIRS_BOTTOM: i32 = 60;
const PAIRS_RIGHT: i32 = 24;

impl Painter for PairsChart<'_> {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let last = self.posterior.last();
        let subtitles = vec![
            format!(
                "Generation {} (the posterior), {} particles, axes over its values: one dot per particle, more opaque with more weight",
                last.number,
                last.weights.len()
            ),
            "Diagonal: each path's weighted histogram; above it: the weighted correlation r (of log10 values on a log axis)"
                .to_string(),
        ];
        let body = style::title_block(root, &format!("{TITLE}: pairs of paths"), &subtitles)?;
        let legend = [
            (
                format!("particle of generation {}", last.number),
                Swatch::Dot(POSTERIOR),
            ),
            (
                "weighted median of each path".to_string(),
                Swatch::Line(MARK),
            ),
        ];
        let body = style::legend_below(&body, &legend)?;

        let n = self.views.len() as i32;
        let (w, h) = body.dim_in_pixel();
        let cell_w = (w as i32 - PAIRS_LEFT - PAIRS_RIGHT) / n;
        let cell_h = (h as i32 - PAIRS_BOTTOM - 6) / n;
        // Axis units of each path over the last generation.
        let coords: Vec<Vec<f64>> = self
            .views
            .iter()
            .enumerate()
            .map(|(d, view)| last.values.iter().map(|v| view.scale.at(v[d])).collect())
            .collect();
        for i in 0..n {
            for j in 0..n {
                let first_col = j == 0;
                let last_row = i == n - 1;
                let x0 = if first_col {
                    0
                } else {
                    PAIRS_LEFT + j * cell_w
                };
                let width = cell_w + if first_col { PAIRS_LEFT } else { 0 };
                let height = cell_h + if last_row { PAIRS_BOTTOM } else { 0 };
                let cell = body.clone().shrink((x0, i * cell_h), (width, height));
                let place = Place {
                    left: first_col.then_some(PAIRS_LEFT),
                    bottom: last_row.then_some(PAIRS_BOTTOM),
                    cell: (cell_w, cell_h),
                };
                let (iu, ju) = (i as usize, j as usize);
                if i == j {
                    self.diagonal(&cell, iu, &place)?;
                } else if i > j {
                    self.scatter(&cell, ju, iu, &coords, &place)?;
                } else {
                    let r = weighted_correlation(&coords[ju], &coords[iu], &last.weights);
                    correlation_cell(&cell, r)?;
                }
            }
        }
        Ok(())
    }
}

/// Where a cell of the matrix sits: the label room it has on the left
/// (first column) and below (last row), and the size of its plot.
struct Place {
    left: Option<i32>,
    bottom: Option<i32>,
    cell: (i32, i32),
}

impl Place {
    fn builder<'a, 'b, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
    ) -> ChartBuilder<'a, 'b, DB> {
        let mut builder = ChartBuilder::on(area);
        builder
            .margin(6)
            .y_label_area_size(self.left.unwrap_or(0))
            .x_label_area_size(self.bottom.unwrap_or(0));
        builder
    }

    fn x_ticks(&self, scale: &Scale) -> Vec<(f64, String)> {
        scale.ticks((self.cell.0 / 70).clamp(2, 8) as usize)
    }

    fn y_ticks(&self, scale: &Scale) -> Vec<(f64, String)> {
        scale.ticks((self.cell.1 / 45).clamp(2, 8) as usize)
    }
}

/// The label of path `view` fitted to `room` pixels.
fn fitted_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &PathView,
    room: i32,
) -> String {
    style::fit(
        area,
        &view.scale.title(&view.name, true),
        style::LABEL_SIZE,
        room.max(0) as u32,
    )
}

impl PairsChart<'_> {
    /// Path `d`'s histogram of the last generation, its name inside.
    fn diagonal<DB>(&self, cell: &DrawingArea<DB, Shift>, d: usize, place: &Place) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let view = &self.views[d];
        let hist = view.histograms.last().expect("at least one generation");
        // Room above the bars for the path's name.
        let top = if hist.max() > 0.0 {
            hist.max() * 1.45
        } else {
            1.0
        };
        let x_ticks = place.x_ticks(&view.last_scale);
        let mut chart = place.builder(cell).build_cartesian_2d(
            axis(view.last_scale.lo, view.last_scale.hi, &x_ticks),
            axis(0.0, top, &[]),
        )?;
        let x_desc = fitted_title(cell, view, place.cell.0 - 20);
        chart
            .configure_mesh()
            .disable_y_axis()
            .x_desc(x_desc)
            .axis_desc_style(style::text(style::LABEL_SIZE))
            .label_style(style::text(style::LABEL_SIZE - 1.0))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&|t| label_at(&x_ticks, *t))
            .draw()?;
        chart
            .draw_series(hist.bars().map(|(a, b, d)| {
                Rectangle::new([(a, 0.0), (b, d)], POSTERIOR.mix(0.35).filled())
            }))?;
        chart.draw_series(LineSeries::new(hist.outline(), POSTERIOR.stroke_width(2)))?;
        let x = view.scale.at(view.median);
        chart.draw_series(LineSeries::new(
            vec![(x, 0.0), (x, top)],
            MARK.stroke_width(2),
        ))?;
        frame(chart.plotting_area())?;
        let plot = chart.plotting_area().strip_coord_spec();
        let (plot_w, _) = plot.dim_in_pixel();
        let name = style::fit(
            &plot,
            &view.name,
            style::LABEL_SIZE,
            plot_w.saturating_sub(12),
        );
        plot.draw(&Text::new(
            name,
            (6, 5),
            style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        Ok(())
    }

    /// Path `y` against path `x`, one dot per particle of the last
    /// generation.
    fn scatter<DB>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        x: usize,
        y: usize,
        coords: &[Vec<f64>],
        place: &Place,
    ) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (vx, vy) = (&self.views[x], &self.views[y]);
        let weights = &self.posterior.last().weights;
        let x_ticks = place.x_ticks(&vx.last_scale);
        let y_ticks = place.y_ticks(&vy.last_scale);
        let mut chart = place.builder(cell).build_cartesian_2d(
            axis(vx.last_scale.lo, vx.last_scale.hi, &x_ticks),
            axis(vy.last_scale.lo, vy.last_scale.hi, &y_ticks),
        )?;
        let x_desc = fitted_title(cell, vx, place.cell.0 - 20);
        let y_desc = fitted_title(cell, vy, place.cell.1 - 10);
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .axis_desc_style(style::text(style::LABEL_SIZE))
            .label_style(style::text(style::LABEL_SIZE - 1.0))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&|t| label_at(&x_ticks, *t))
            .y_label_formatter(&|t| label_at(&y_ticks, *t))
            .draw()?;
        let heaviest = weights.iter().copied().fold(0.0, f64::max);
        // The heaviest particles last, on top; ties in particle order.
        let mut order: Vec<usize> = (0..weights.len()).collect();
        order.sort_by(|&a, &b| weights[a].total_cmp(&weights[b]).then(a.cmp(&b)));
        chart.draw_series(order.into_iter().map(|p| {
            let opacity = if heaviest > 0.0 {
                0.15 + 0.75 * weights[p] / heaviest
            } else {
                0.5
            };
            Circle::new(
                (coords[x][p], coords[y][p]),
                4,
                POSTERIOR.mix(opacity).filled(),
            )
        }))?;
        let (mx, my) = (vx.last_scale.at(vx.median), vy.last_scale.at(vy.median));
        chart.draw_series([
            PathElement::new(
                vec![(mx, vy.last_scale.lo), (mx, vy.last_scale.hi)],
                MARK.stroke_width(1),
            ),
            PathElement::new(
                vec![(vx.last_scale.lo, my), (vx.last_scale.hi, my)],
                MARK.stroke_width(1),
            ),
        ])?;
        frame(chart.plotting_area())?;
        Ok(())
    }
}

/// A thin frame around a plot (cells without axes still read as cells).
fn frame<DB, X, Y>(plot: &DrawingArea<DB, Cartesian2d<X, Y>>) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged,
    Y: Ranged,
{
    let (w, h) = plot.dim_in_pixel();
    plot.strip_coord_spec().draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        RGBColor(170, 170, 170).stroke_width(1),
    ))?;
    Ok(())
}

/// An upper cell: the weighted correlation of its two paths.
fn correlation_cell<DB>(cell: &DrawingArea<DB, Shift>, r: Option<f64>) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (w, h) = cell.dim_in_pixel();
    let (cx, cy) = (w as i32 / 2, h as i32 / 2);
    let (value, meaning) = match r {
        Some(r) => (format!("r = {}", fixed(r, 2)), "weighted correlation"),
        None => ("r: none".to_string(), "a path is constant"),
    };
    // Small cells show the number alone (the subtitle says what it is).
    let with_meaning = h >= 150 || r.is_none();
    let centre = Pos::new(HPos::Center, VPos::Center);
    let big = style::fit(cell, &value, style::TITLE_SIZE, w.saturating_sub(20));
    cell.draw(&Text::new(
        big,
        (cx, if with_meaning { cy - 12 } else { cy }),
        style::text(style::TITLE_SIZE).pos(centre),
    ))?;
    if with_meaning {
        let small = style::fit(cell, meaning, style::LABEL_SIZE, w.saturating_sub(20));
        cell.draw(&Text::new(
            small,
            (cx, cy + 20),
            style::text(style::LABEL_SIZE)
                .color(&RGBColor(90, 90, 90))
                .pos(centre),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `posterior.csv` of `generations` generations of `particles`
    /// particles over `paths`, narrowing generation by generation: path 0
    /// in [0, 1], path 1 log-spread over [0.001, 1], any further path in
    /// [-5, 5]. Deterministic (a fixed linear congruential sequence).
    fn sample_csv(paths: &[&str], generations: u32, particles: u32) -> String {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut csv = String::from("generation,particle,weight,distance");
        for path in paths {
            csv.push(',');
            csv.push_str(path);
        }
        csv.push('\n');
        for g in 0..generations {
            let width = 0.5f64.powi(g as i32);
            let raw: Vec<f64> = (0..particles).map(|_| 0.2 + uniform()).collect();
            let total: f64 = raw.iter().sum();
            for (p, w) in raw.iter().enumerate() {
                csv.push_str(&format!("{g},{p},{},{}", w / total, width * uniform()));
                for d in 0..paths.len() {
                    let u = 0.5 + width * (uniform() - 0.5);
                    let value = match d {
                        0 => u,
                        1 => 10f64.powf(-3.0 + 3.0 * u),
                        _ => 10.0 * u - 5.0,
                    };
                    csv.push_str(&format!(",{value}"));
                }
                csv.push('\n');
            }
        }
        csv
    }

    fn folder_with(csv: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("posterior.csv"), csv).expect("written");
        dir
    }

    fn names(files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn draws_marginals_and_pairs_as_png_and_svg_and_redraws_the_same_bytes() {
        let dir = folder_with(&sample_csv(
            &["learning.experience", "mentoring.rate", "capacity.beta"],
            3,
            40,
        ));
        let files = draw_posterior(dir.path()).expect("drawn");
        assert_eq!(
            names(&files),
            [
                "posterior_marginals.png",
                "posterior_marginals.svg",
                "posterior_pairs.png",
                "posterior_pairs.svg"
            ]
        );
        let first: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(f).expect("the chart exists"))
            .collect();
        for (file, bytes) in files.iter().zip(&first) {
            assert_eq!(file.parent(), Some(dir.path().join("charts").as_path()));
            if file.extension().is_some_and(|e| e == "png") {
                assert!(
                    bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                    "{}",
                    file.display()
                );
                assert!(bytes.len() > 10_000, "{}: a real image", file.display());
            } else {
                let text = std::str::from_utf8(bytes).expect("SVG is text");
                assert!(text.starts_with("<svg"), "{}", file.display());
                assert!(text.trim_end().ends_with("</svg>"), "{}", file.display());
                assert!(text.contains(TITLE), "{}: the title", file.display());
            }
        }
        let again = draw_posterior(dir.path()).expect("redrawn");
        assert_eq!(again, files);
        for (file, bytes) in files.iter().zip(&first) {
            assert_eq!(
                &std::fs::read(file).expect("the chart exists"),
                bytes,
                "{}: same input, same bytes",
                file.display()
            );
        }
    }

    #[test]
    fn one_path_gives_the_marginals_only() {
        let dir = folder_with(&sample_csv(&["learning.experience"], 3, 30));
        let files = draw_posterior(dir.path()).expect("drawn");
        assert_eq!(
            names(&files),
            ["posterior_marginals.png", "posterior_marginals.svg"]
        );
        assert!(!dir.path().join("charts/posterior_pairs.png").exists());
    }

    /// The message of `draw_posterior`'s error on a folder holding `csv`
    /// (or no `posterior.csv` at all), which must be bad input.
    fn bad_input(csv: Option<&str>) -> String {
        let dir = tempfile::tempdir().expect("a temporary folder");
        if let Some(csv) = csv {
            std::fs::write(dir.path().join("posterior.csv"), csv).expect("written");
        }
        match draw_posterior(dir.path()) {
            Err(error @ Error::BadInput(_)) => {
                assert!(!dir.path().join("charts").exists(), "nothing written");
                let message = error.to_string();
                assert!(!message.contains('\n'), "one line: {message}");
                message
            }
            other => panic!("expected a BadInput error, got {other:?}"),
        }
    }

    #[test]
    fn a_malformed_posterior_is_bad_input_naming_the_file_and_line() {
        let header = "generation,particle,weight,distance,a,b\n";
        let good = "0,0,0.5,1.0,0.1,2\n0,1,0.5,2.0,0.2,3\n";
        let cases = [
            (
                format!("{header}{good}1,0,heavy,1.0,0.1,2\n"),
                "posterior.csv:4: column weight: cannot read \"heavy\" as a number",
            ),
            (
                format!("{header}{good}1,0,1,1.0,0.1\n"),
                "posterior.csv:4: 5 fields where the header has 6",
            ),
            (
                format!("{header}0,0,0.5,1.0,,2\n"),
                "posterior.csv:2: column a: the value is empty",
            ),
            (
                format!("{header}{good}0,1,0.5,1.0,0.1,2\n"),
                "posterior.csv:4: generation 0: particle 1 is listed twice",
            ),
            (
                format!("{header}0,0,-1,1.0,0.1,2\n"),
                "posterior.csv:2: column weight: -1 is negative",
            ),
            (
                format!("{header}first,0,1,1.0,0.1,2\n"),
                "posterior.csv:2: column generation: cannot read \"first\" as a whole number",
            ),
            (
                format!("{header}0,0,0,1.0,0.1,2\n"),
                "posterior.csv:2: generation 0: its weights sum to 0",
            ),
            (
                "generation,weight,distance,a\n0,1,1,1\n".to_string(),
                "posterior.csv:1: the header must start with `generation,particle,weight,distance`",
            ),
            (
                "generation,particle,weight,distance\n0,0,1,1\n".to_string(),
                "posterior.csv:1: no searched path",
            ),
            (
                "generation,particle,weight,distance,a,a\n0,0,1,1,1,1\n".to_string(),
                "posterior.csv:1: column a is named twice",
            ),
            (header.to_string(), "posterior.csv: no particles listed"),
        ];
        for (csv, expected) in cases {
            let message = bad_input(Some(&csv));
            assert!(message.contains(expected), "{expected:?} in {message:?}");
        }
        let message = bad_input(None);
        assert!(message.contains("posterior.csv: not found"), "{message}");
    }

    #[test]
    fn rows_are_grouped_by_generation_and_weights_normalised() {
        // Generations out of order, weights summing to 2 and 4.
        let csv = "generation,particle,weight,distance,\"a,b\"\n\
                   2,1,3,0.5,30\n1,0,1,2.0,1\n2,0,1,0.25,10\n1,1,1,3.0,2\n";
        let dir = folder_with(csv);
        let posterior = Posterior::read(&dir.path().join("posterior.csv")).expect("read");
        assert_eq!(posterior.paths, ["a,b"]);
        let numbers: Vec<u32> = posterior.generations.iter().map(|g| g.number).collect();
        assert_eq!(numbers, [1, 2]);
        let last = posterior.last();
        assert_eq!(last.weights, [0.25, 0.75]);
        assert_eq!(last.values, [[10.0], [30.0]]);
        assert_eq!(last.tolerance, 0.5);
        let view = &path_views(&posterior, &BTreeMap::new())[0];
        assert_eq!((view.q05, view.median, view.q95), (10.0, 30.0, 30.0));
        assert_eq!(view.histograms.len(), 2);
        for hist in &view.histograms {
            let area: f64 = hist.bars().map(|(a, b, d)| (b - a) * d).sum();
            assert!((area - 1.0).abs() < 1e-12, "a density: {area}");
        }
    }

    #[test]
    fn a_log_axis_only_for_positive_values_spanning_more_than_20_times() {
        assert!(Scale::of(&[0.001, 0.5, 1.0], None).log);
        assert!(!Scale::of(&[0.0, 0.5, 1.0], None).log, "a zero");
        assert!(!Scale::of(&[-1.0, 50.0], None).log, "a negative value");
        assert!(!Scale::of(&[1.0, 20.0], None).log, "exactly 20 times");
        assert!(Scale::of(&[1.0, 20.5], None).log);
        // The prior's own scale wins over the values' spread.
        assert!(!Scale::of(&[0.001, 0.5, 1.0], Some(false)).log);
        assert!(Scale::of(&[1.0, 2.0], Some(true)).log);
        assert!(
            !Scale::of(&[0.0, 2.0], Some(true)).log,
            "no log axis through 0"
        );
        assert!(!Scale::of(&[3.0, 3.0], None).log, "one value");
        let log = Scale::of(&[0.001, 1.0], None);
        assert!(
            log.lo < -3.0 && log.hi > 0.0,
            "{log:?}: log10 units, padded"
        );
    }

    #[test]
    fn ticks_are_round_and_labelled_alike() {
        let labels =
            |ticks: Vec<(f64, String)>| -> Vec<String> { ticks.into_iter().map(|t| t.1).collect() };
        assert_eq!(
            labels(linear_ticks(0.0, 1.0, 6)),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        assert_eq!(labels(linear_ticks(-0.13, 0.12, 3)), ["-0.1", "0.0", "0.1"]);
        assert_eq!(labels(linear_ticks(0.0, 12.0, 4)), ["0", "5", "10"]);
        assert_eq!(
            labels(log_ticks(-3.1, 0.1, 8)),
            ["0.001", "0.01", "0.1", "1"]
        );
        assert_eq!(
            labels(log_ticks(-1.8, -0.4, 8)),
            ["0.02", "0.05", "0.1", "0.2"]
        );
        assert_eq!(labels(log_ticks(-7.5, 6.5, 4)), ["0.0001", "1", "10000"]);
        assert_eq!(power_label(5, -4), "0.0005");
        assert_eq!(power_label(2, -5), "2e-5");
    }

    /// The pairs of overlapping texts of every chart of `posterior`, and
    /// texts leaving the canvas.
    fn layout_problems(posterior: &Posterior) -> Vec<String> {
        let views = path_views(posterior, &BTreeMap::new());
        let mut found = Vec::new();
        for (stem, chart) in charts(posterior, &views) {
            let boxes = style::text_boxes(&chart).expect("laid out");
            assert!(boxes.len() > 5, "{stem}: texts were recorded");
            let (w, h) = style::SIZE;
            for (i, a) in boxes.iter().enumerate() {
                if a.x0 < 0 || a.y0 < 0 || a.x1 > w as i32 || a.y1 > h as i32 {
                    found.push(format!("{stem}: {a:?} leaves the canvas"));
                }
                for b in &boxes[i + 1..] {
                    if a.overlaps(b, 1) {
                        found.push(format!("{stem}: {a:?} overlaps {b:?}"));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn no_two_texts_overlap_for_one_to_six_paths() {
        style::register_font().expect("the font");
        let all = [
            "learning.experience",
            "mentoring.rate",
            "capacity.beta",
            "entry.knowledge.share_of_a_long_named_cohort",
            "shock.sd",
            "vacancy.rate",
        ];
        for n in 1..=all.len() {
            for generations in [1, 3, 7] {
                let dir = folder_with(&sample_csv(&all[..n], generations, 25));
                let posterior = Posterior::read(&dir.path().join("posterior.csv")).expect("read");
                let found = layout_problems(&posterior);
                assert!(
                    found.is_empty(),
                    "{n} paths, {generations} generations:\n{}",
                    found.join("\n")
                );
            }
        }
    }
}
