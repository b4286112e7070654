//! Global sensitivity analysis (MODEL.md section 6, `[sensitivity]`): the
//! design a method stands for, and its indices from one value per design
//! point (the mean over replicates of a summary figure).
//!
//! - **Sobol'** (Saltelli 2010): two N × k matrices A and B from the first
//!   and last k dimensions of a scrambled Sobol' sequence (Owen scrambling,
//!   seeded from the scenario seed), and for each parameter i the matrix
//!   AB_i, A with column i from B. Points run base sample by base sample:
//!   point j (k + 2) is A_j, the next k are AB_j^(1..k), then B_j (SALib's
//!   order without second-order terms). With V the variance of the values
//!   at A and B together, the first-order index is Saltelli's
//!   `S1_i = mean(f(B) (f(AB_i) − f(A))) / V` and the total index Jansen's
//!   `ST_i = mean((f(A) − f(AB_i))²) / (2 V)`.
//! - **Morris** (Morris 1991, with Campolongo's μ*): r trajectories on a
//!   grid of p levels of the unit cube, each of k + 1 points moving one
//!   parameter at a time by Δ = p / (2 (p − 1)) in a random order and
//!   direction. The elementary effect of a step is Δy / (±Δ), per unit of
//!   the parameter's range; μ* is the mean of their absolute values, μ their
//!   mean and σ their standard deviation (n − 1) over trajectories.
//!
//! Intervals are percentile bootstraps (2.5% and 97.5%, linear
//! interpolation): resampling base samples (Sobol) or trajectories (Morris)
//! with replacement. The design, the scrambling and the resamples draw from
//! streams keyed by the scenario seed and their own domain tags, so the
//! whole analysis is reproducible and independent of the runs' streams.

use crate::Result;
use crate::model::metrics::percentile;
use crate::model::schema::{Column, FieldType};
use crate::scenario::{Sensitivity, SweepValues};
use crate::study::sweep::{Design, MAX_POINTS};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The two methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Sobol' indices by Saltelli's scheme.
    Sobol,
    /// Morris' elementary effects.
    Morris,
}

impl Method {
    /// The method `[sensitivity]` names (validated when the scenario is read).
    pub fn of(sensitivity: &Sensitivity) -> Method {
        if sensitivity.method == "morris" {
            Method::Morris
        } else {
            Method::Sobol
        }
    }

    /// The indices each parameter gets, in `sensitivity.csv` order.
    pub fn indices(self) -> &'static [&'static str] {
        match self {
            Method::Sobol => &["S1", "ST"],
            Method::Morris => &["mu_star", "mu", "sigma"],
        }
    }
}

/// The number of design points of `sensitivity` (before replicates):
/// N (k + 2) for Sobol, r (k + 1) for Morris.
pub fn n_points(sensitivity: &Sensitivity) -> u64 {
    let k = sensitivity.parameters.len() as u64;
    let n = u64::from(sensitivity.samples);
    match Method::of(sensitivity) {
        Method::Sobol => n.saturating_mul(k + 2),
        Method::Morris => n.saturating_mul(k + 1),
    }
}

/// One line on what the analysis runs, for `succession check`.
pub fn describe(sensitivity: &Sensitivity) -> String {
    let k = sensitivity.parameters.len();
    let (budget, indices) = match Method::of(sensitivity) {
        Method::Sobol => (
            format!("N = {} base samples x (k + 2)", sensitivity.samples),
            "S1 and ST",
        ),
        Method::Morris => (
            format!(
                "r = {} trajectories x (k + 1) on a {}-level grid",
                sensitivity.samples, sensitivity.levels
            ),
            "mu_star, mu and sigma",
        ),
    };
    format!(
        "{}: {budget} = {} points (k = {k} parameter(s)); {indices} of {} figure(s) with {}-resample bootstrap intervals",
        sensitivity.method,
        n_points(sensitivity),
        sensitivity.figures.len(),
        sensitivity.bootstrap
    )
}

/// The design of `sensitivity`: its points in the parameters' own units.
/// `origin` names the scenario file for error messages.
pub fn design(sensitivity: &Sensitivity, seed: u64, origin: &str) -> Result<Design> {
    let n = n_points(sensitivity);
    if n > MAX_POINTS {
        return Err(crate::Error::BadInput(format!(
            "{origin}: [sensitivity]: {} would have {n} points, more than the {MAX_POINTS} a study can hold",
            sensitivity.method
        )));
    }
    let ranges = ranges(sensitivity);
    let points = unit_design(sensitivity, seed)
        .into_iter()
        .map(|unit| {
            unit.iter()
                .zip(&ranges)
                .map(|(u, (from, to))| from + u * (to - from))
                .collect()
        })
        .collect();
    Ok(Design {
        paths: sensitivity
            .parameters
            .iter()
            .map(|(p, _)| p.clone())
            .collect(),
        points,
    })
}

/// Each parameter's `(from, to)`.
fn ranges(sensitivity: &Sensitivity) -> Vec<(f64, f64)> {
    sensitivity
        .parameters
        .iter()
        .map(|(_, values)| match values {
            SweepValues::Range { from, to, .. } => (*from, *to),
            SweepValues::List(_) => unreachable!("a sensitivity parameter is read as a range"),
        })
        .collect()
}

/// The design in the unit cube, point by point.
fn unit_design(sensitivity: &Sensitivity, seed: u64) -> Vec<Vec<f64>> {
    let k = sensitivity.parameters.len();
    let n = sensitivity.samples as usize;
    match Method::of(sensitivity) {
        Method::Sobol => saltelli(n, k, stream(seed, b"SOBOL001").random()),
        Method::Morris => morris(n, k, sensitivity.levels, &mut stream(seed, b"MORRIS01")),
    }
}

/// A stream keyed by the scenario seed and a domain tag no run key uses.
fn stream(seed: u64, tag: &[u8; 8]) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[24..].copy_from_slice(tag);
    ChaCha8Rng::from_seed(key)
}

/// Saltelli's points for N base samples of k parameters: per base sample
/// A_j, AB_j^(1..k), B_j.
fn saltelli(n: usize, k: usize, scramble: u32) -> Vec<Vec<f64>> {
    let mut points = Vec::with_capacity(n * (k + 2));
    for j in 0..n {
        // The sequence's length (2^16) and dimensions (2k <= 256) are
        // validated when the scenario is read.
        let x = |d: usize| f64::from(sobol_burley::sample(j as u32, d as u32, scramble));
        let a: Vec<f64> = (0..k).map(x).collect();
        let b: Vec<f64> = (k..2 * k).map(x).collect();
        points.push(a.clone());
        for i in 0..k {
            let mut ab = a.clone();
            ab[i] = b[i];
            points.push(ab);
        }
        points.push(b);
    }
    points
}

/// Morris' r trajectories of k + 1 points on a grid of p levels.
fn morris(r: usize, k: usize, levels: u32, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let p = f64::from(levels);
    let delta = morris_delta(levels);
    // A start on the lower half of the grid can move up by Δ; a start on
    // the upper half moves down, so every point stays on the grid.
    let half = levels / 2;
    let mut points = Vec::with_capacity(r * (k + 1));
    for _ in 0..r {
        let base: Vec<f64> = (0..k)
            .map(|_| f64::from(rng.random_range(0..half)) / (p - 1.0))
            .collect();
        let up: Vec<bool> = (0..k).map(|_| rng.random_bool(0.5)).collect();
        let mut order: Vec<usize> = (0..k).collect();
        order.shuffle(rng);
        let mut x: Vec<f64> = base
            .iter()
            .zip(&up)
            .map(|(b, &up)| if up { *b } else { b + delta })
            .collect();
        points.push(x.clone());
        for &i in &order {
            x[i] = if up[i] { base[i] + delta } else { base[i] };
            points.push(x.clone());
        }
    }
    points
}

/// Morris' step on a grid of p levels: p / (2 (p − 1)) of the unit range.
pub fn morris_delta(levels: u32) -> f64 {
    let p = f64::from(levels);
    p / (2.0 * (p - 1.0))
}

/// The columns of `sensitivity.csv`, one row per figure, parameter and
/// index ([`IndexRow`]).
pub const COLUMNS: [Column; 6] = [
    Column::new(
        "figure",
        FieldType::String,
        "",
        "the summary figure (its mean over replicates at each design point)",
    ),
    Column::new(
        "parameter",
        FieldType::String,
        "",
        "the varied scenario path",
    ),
    Column::new(
        "index",
        FieldType::String,
        "",
        "S1 (first-order, Saltelli 2010) or ST (total, Jansen) for Sobol; mu_star, mu or sigma of the elementary effects for Morris",
    ),
    Column::new(
        "value",
        FieldType::Number,
        "share of variance (Sobol); figure per parameter range (Morris)",
        "the estimate; empty where undefined (the figure is constant over the design, or undefined at a point)",
    ),
    Column::new(
        "lo",
        FieldType::Number,
        "as value",
        "lower end of the 95% bootstrap interval",
    ),
    Column::new(
        "hi",
        FieldType::Number,
        "as value",
        "upper end of the 95% bootstrap interval",
    ),
];

/// One index of one parameter for one figure: a row of `sensitivity.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    /// The summary figure.
    pub figure: String,
    /// The varied path.
    pub parameter: String,
    /// `S1`, `ST`, `mu_star`, `mu` or `sigma`.
    pub index: &'static str,
    /// The estimate; `None` where undefined (the figure is constant over
    /// the design, or undefined at some point).
    pub value: Option<f64>,
    /// The 95% bootstrap interval.
    pub lo: Option<f64>,
    /// See `lo`.
    pub hi: Option<f64>,
}

/// The indices of every figure of `sensitivity`, from `values[point][f]`,
/// the value of its f-th figure (in `sensitivity.figures` order) at each
/// design point, `None` where undefined.
pub fn analyse(sensitivity: &Sensitivity, seed: u64, values: &[Vec<Option<f64>>]) -> Vec<IndexRow> {
    let method = Method::of(sensitivity);
    let k = sensitivity.parameters.len();
    let unit = match method {
        Method::Morris => unit_design(sensitivity, seed),
        Method::Sobol => Vec::new(),
    };
    let mut rows = Vec::new();
    for (f, figure) in sensitivity.figures.iter().enumerate() {
        let y: Option<Vec<f64>> = values.iter().map(|v| v.get(f).copied().flatten()).collect();
        // Each figure resamples the same base samples or trajectories.
        let mut rng = stream(seed, b"BOOTSTR1");
        let estimates: Option<Vec<Vec<Estimate>>> = y.map(|y| match method {
            Method::Sobol => sobol_indices(&y, k, sensitivity.bootstrap, &mut rng)
                .iter()
                .map(|e| e.to_vec())
                .collect(),
            Method::Morris => morris_measures(&y, &unit, k, sensitivity.bootstrap, &mut rng)
                .iter()
                .map(|e| e.to_vec())
                .collect(),
        });
        for (i, (path, _)) in sensitivity.parameters.iter().enumerate() {
            for (m, &index) in method.indices().iter().enumerate() {
                let e = estimates.as_ref().map(|e| e[i][m]);
                rows.push(IndexRow {
                    figure: figure.clone(),
                    parameter: path.clone(),
                    index,
                    value: e.and_then(|e| e.value),
                    lo: e.and_then(|e| e.lo),
                    hi: e.and_then(|e| e.hi),
                });
            }
        }
    }
    rows
}

/// An estimate with its bootstrap interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub value: Option<f64>,
    /// 2.5% bootstrap quantile.
    pub lo: Option<f64>,
    /// 97.5% bootstrap quantile.
    pub hi: Option<f64>,
}

/// The estimate on all groups and its bootstrap interval: `statistic`
/// computes every index from the groups it is given (base samples or
/// trajectories, by number), `None` where undefined.
fn bootstrapped(
    n_groups: usize,
    n_indices: usize,
    resamples: u32,
    rng: &mut ChaCha8Rng,
    statistic: impl Fn(&[usize]) -> Vec<Option<f64>>,
) -> Vec<Estimate> {
    let all: Vec<usize> = (0..n_groups).collect();
    let point = statistic(&all);
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples as usize); n_indices];
    let mut sample = vec![0usize; n_groups];
    for _ in 0..resamples {
        for s in sample.iter_mut() {
            *s = rng.random_range(0..n_groups);
        }
        for (d, v) in draws.iter_mut().zip(statistic(&sample)) {
            // A resample where an index is undefined (all its values equal)
            // is left out of that index's interval.
            if let Some(v) = v {
                d.push(v);
            }
        }
    }
    point
        .into_iter()
        .zip(draws.iter_mut())
        .map(|(value, d)| Estimate {
            value,
            lo: value.and_then(|_| percentile(d, 0.025)),
            hi: value.and_then(|_| percentile(d, 0.975)),
        })
        .collect()
}

/// S1 and ST of each of k parameters from values `y` in Saltelli's point
/// order; `result[i]` is `[S1, ST]`.
pub fn sobol_indices(
    y: &[f64],
    k: usize,
    resamples: u32,
    rng: &mut ChaCha8Rng,
) -> Vec<[Estimate; 2]> {
    let stride = k + 2;
    let n = y.len() / stride;
    // Centred on the design's mean (as SALib does): the estimators'
    // expectations do not change (f(AB_i) − f(A) has mean 0), but S1's
    // product f(B) (f(AB_i) − f(A)) no longer carries the figure's level,
    // which for a capacity near 0.8 with differences of 0.01 would make
    // its variance a hundred times larger.
    let level = y.iter().sum::<f64>() / y.len() as f64;
    let y: Vec<f64> = y.iter().map(|v| v - level).collect();
    let a = |j: usize| y[j * stride];
    let ab = |j: usize, i: usize| y[j * stride + 1 + i];
    let b = |j: usize| y[j * stride + k + 1];
    let statistic = |groups: &[usize]| -> Vec<Option<f64>> {
        let m = groups.len() as f64;
        let mean = groups.iter().map(|&j| a(j) + b(j)).sum::<f64>() / (2.0 * m);
        let variance = groups
            .iter()
            .map(|&j| (a(j) - mean).powi(2) + (b(j) - mean).powi(2))
            .sum::<f64>()
            / (2.0 * m);
        let mut out = Vec::with_capacity(2 * k);
        for i in 0..k {
            if variance <= 0.0 {
                out.extend([None, None]);
                continue;
            }
            let first = groups
                .iter()
                .map(|&j| b(j) * (ab(j, i) - a(j)))
                .sum::<f64>()
                / m;
            let total = groups
                .iter()
                .map(|&j| (a(j) - ab(j, i)).powi(2))
                .sum::<f64>()
                / (2.0 * m);
            out.extend([Some(first / variance), Some(total / variance)]);
        }
        out
    };
    let estimates = bootstrapped(n, 2 * k, resamples, rng, statistic);
    estimates.chunks(2).map(|c| [c[0], c[1]]).collect()
}

/// μ*, μ and σ of each of k parameters from values `y` at the Morris
/// design `unit` (in the unit cube); `result[i]` is `[mu_star, mu, sigma]`.
pub fn morris_measures(
    y: &[f64],
    unit: &[Vec<f64>],
    k: usize,
    resamples: u32,
    rng: &mut ChaCha8Rng,
) -> Vec<[Estimate; 3]> {
    let stride = k + 1;
    let r = y.len() / stride;
    // effects[t][i]: the elementary effect of parameter i in trajectory t.
    let effects: Vec<Vec<f64>> = (0..r)
        .map(|t| {
            let mut e = vec![0.0; k];
            for step in 1..stride {
                let (before, after) = (&unit[t * stride + step - 1], &unit[t * stride + step]);
                let i = (0..k)
                    .find(|&i| before[i] != after[i])
                    .expect("each step of a trajectory moves one parameter");
                e[i] = (y[t * stride + step] - y[t * stride + step - 1]) / (after[i] - before[i]);
            }
            e
        })
        .collect();
    // by_parameter[i][t]: the same effects, parameter by parameter.
    let by_parameter: Vec<Vec<f64>> = (0..k)
        .map(|i| effects.iter().map(|e| e[i]).collect())
        .collect();
    let statistic = |groups: &[usize]| -> Vec<Option<f64>> {
        let m = groups.len() as f64;
        let mut out = Vec::with_capacity(3 * k);
        for effects in &by_parameter {
            let mean = groups.iter().map(|&t| effects[t]).sum::<f64>() / m;
            let star = groups.iter().map(|&t| effects[t].abs()).sum::<f64>() / m;
            let sd = (groups
                .iter()
                .map(|&t| (effects[t] - mean).powi(2))
                .sum::<f64>()
                / (m - 1.0))
                .sqrt();
            out.extend([Some(star), Some(mean), (m > 1.0).then_some(sd)]);
        }
        out
    };
    let estimates = bootstrapped(r, 3 * k, resamples, rng, statistic);
    estimates.chunks(3).map(|c| [c[0], c[1], c[2]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn sensitivity(method: &str, samples: u32, ranges: &[(f64, f64)]) -> Sensitivity {
        Sensitivity {
            method: method.into(),
            samples,
            levels: 4,
            bootstrap: 1000,
            figures: vec!["y".into()],
            parameters: ranges
                .iter()
                .enumerate()
                .map(|(i, &(from, to))| {
                    (
                        format!("x{i}"),
                        SweepValues::Range {
                            from,
                            to,
                            steps: None,
                        },
                    )
                })
                .collect(),
        }
    }

    fn evaluate(design: &Design, f: impl Fn(&[f64]) -> f64) -> Vec<Vec<Option<f64>>> {
        design.points.iter().map(|x| vec![Some(f(x))]).collect()
    }

    fn ishigami(x: &[f64]) -> f64 {
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// The Ishigami function (a = 7, b = 0.1) on [−π, π]³ has closed-form
    /// indices: V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2,
    /// V2 = a²/8, V3 = 0, VT1 = V1 + 8b²π⁸/225, VT3 = 8b²π⁸/225. Each
    /// estimate's 95% bootstrap interval must hold its value, and the
    /// estimate be within 0.03 of it (N = 4096: the intervals are about
    /// ±0.02 wide).
    #[test]
    fn sobol_indices_reproduce_the_ishigami_function() {
        let (a, b) = (7.0, 0.1);
        let pi4 = PI.powi(4);
        let pi8 = PI.powi(8);
        let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi8 / 18.0 + 0.5;
        let v1 = (1.0 + b * pi4 / 5.0).powi(2) / 2.0;
        let v2 = a * a / 8.0;
        let vt3 = 8.0 * b * b * pi8 / 225.0;
        let exact = [[v1 / v, (v1 + vt3) / v], [v2 / v, v2 / v], [0.0, vt3 / v]];
        let s = sensitivity("sobol", 4096, &[(-PI, PI); 3]);
        let design = design(&s, 7, "test").unwrap();
        assert_eq!(design.points.len(), 4096 * 5);
        let rows = analyse(&s, 7, &evaluate(&design, ishigami));
        for (i, exact) in exact.iter().enumerate() {
            for (m, &truth) in exact.iter().enumerate() {
                let row = &rows[i * 2 + m];
                let (value, lo, hi) = (row.value.unwrap(), row.lo.unwrap(), row.hi.unwrap());
                println!(
                    "{} {}: {value:.4} [{lo:.4}, {hi:.4}], exact {truth:.4}",
                    row.parameter, row.index
                );
                assert!(
                    lo <= truth && truth <= hi && (value - truth).abs() < 0.03,
                    "{} {}: {value} [{lo}, {hi}] against {truth}",
                    row.parameter,
                    row.index
                );
            }
        }
    }

    /// A parameter the function ignores has S1 = ST = 0 exactly: its AB
    /// points give the same values as A.
    #[test]
    fn an_inert_parameter_has_zero_indices() {
        let s = sensitivity("sobol", 256, &[(0.0, 1.0), (0.0, 1.0)]);
        let design = design(&s, 1, "test").unwrap();
        let rows = analyse(&s, 1, &evaluate(&design, |x| x[0] * x[0]));
        let inert: Vec<_> = rows.iter().filter(|r| r.parameter == "x1").collect();
        for row in inert {
            assert_eq!(
                (row.value, row.lo, row.hi),
                (Some(0.0), Some(0.0), Some(0.0)),
                "{row:?}"
            );
        }
        // x0 carries all the variance: its ST is 1, up to the estimator's
        // sampling error, which the bootstrap interval covers.
        let strong = rows
            .iter()
            .find(|r| r.parameter == "x0" && r.index == "ST")
            .unwrap();
        assert!(
            strong.lo.unwrap() <= 1.0 && 1.0 <= strong.hi.unwrap(),
            "{strong:?}"
        );
        assert!(strong.lo.unwrap() > 0.5, "{strong:?}");
    }

    /// For a linear function every elementary effect of x_i is its slope
    /// times its range: μ* = |a_i| (to − from), μ = a_i (to − from), σ = 0.
    #[test]
    fn morris_measures_of_a_linear_function_are_its_slopes() {
        let ranges = [(0.0, 2.0), (10.0, 11.0), (-1.0, 1.0)];
        let slopes = [3.0, -5.0, 0.0];
        let s = sensitivity("morris", 20, &ranges);
        let design = design(&s, 3, "test").unwrap();
        assert_eq!(design.points.len(), 20 * 4);
        let rows = analyse(
            &s,
            3,
            &evaluate(&design, |x| x.iter().zip(&slopes).map(|(x, a)| a * x).sum()),
        );
        for (i, (&(from, to), &a)) in ranges.iter().zip(&slopes).enumerate() {
            let get = |index: &str| {
                rows.iter()
                    .find(|r| r.parameter == format!("x{i}") && r.index == index)
                    .unwrap()
                    .value
                    .unwrap()
            };
            let scale = to - from;
            assert!((get("mu_star") - a.abs() * scale).abs() < 1e-9, "x{i}");
            assert!((get("mu") - a * scale).abs() < 1e-9, "x{i}");
            assert!(get("sigma").abs() < 1e-9, "x{i}");
        }
    }

    /// Every Morris point lies on the p-level grid, and each step moves one
    /// parameter by exactly Δ.
    #[test]
    fn morris_trajectories_stay_on_the_grid() {
        let s = sensitivity("morris", 50, &[(0.0, 1.0); 4]);
        let unit = unit_design(&s, 9);
        let delta = morris_delta(4);
        for point in &unit {
            for &x in point {
                let level = x * 3.0;
                assert!(
                    (level - level.round()).abs() < 1e-12 && (0.0..=1.0).contains(&x),
                    "{x}"
                );
            }
        }
        for t in 0..50 {
            for step in 1..5 {
                let (a, b) = (&unit[t * 5 + step - 1], &unit[t * 5 + step]);
                let moved: Vec<f64> = a
                    .iter()
                    .zip(b)
                    .map(|(a, b)| b - a)
                    .filter(|d| *d != 0.0)
                    .collect();
                assert_eq!(moved.len(), 1, "{a:?} -> {b:?}");
                assert!((moved[0].abs() - delta).abs() < 1e-12);
            }
        }
    }

    /// The design and the indices do not depend on anything but the seed.
    #[test]
    fn designs_are_reproducible_from_the_seed() {
        let s = sensitivity("sobol", 64, &[(0.0, 1.0); 3]);
        assert_eq!(design(&s, 5, "t").unwrap(), design(&s, 5, "t").unwrap());
        assert_ne!(design(&s, 5, "t").unwrap(), design(&s, 6, "t").unwrap());
    }
}
