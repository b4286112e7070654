//! Sweep designs (MODEL.md section 6, `[sweep]`): the parameter points a
//! scenario's sweep stands for.
//!
//! - `grid`: the cartesian product of every parameter's values, the first
//!   parameter varying slowest; `{ from, to, steps }` gives `steps` evenly
//!   spaced values with both ends included.
//! - `zip`: the i-th values of every parameter together (equal lengths).
//! - `random`: `samples` points, each coordinate uniform on `[from, to]`.
//! - `lhs`: a Latin hypercube of `samples` points: along each parameter the
//!   range is cut into `samples` equal strata and each stratum holds exactly
//!   one point, at a uniform position within it.
//! - `table`: the rows of a CSV whose columns are scenario paths.
//!
//! A grid or zip also varies categorical factors: a string parameter over a
//! list of its words, a boolean one over `true` and `false` (a [`Level`]
//! each). The other methods, and every table, are numeric.
//!
//! Random designs draw from their own `ChaCha8Rng` keyed by the scenario
//! seed and a domain tag, so the design is reproducible and independent of
//! the runs' streams.

use crate::model::schema::FieldType;
pub use crate::scenario::Level;
use crate::scenario::{Sweep, SweepValues};
use crate::{Error, Result};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// The points of a sweep: one value per swept path for each point.
///
/// `Design` alone holds numbers (a table, a search's generation, a
/// sensitivity design); a study's design is a `Design<Level>`, whose
/// values may also be the levels of categorical factors (grid and zip).
#[derive(Clone, Debug, PartialEq)]
pub struct Design<V = f64> {
    /// Swept scenario paths, in the order written (table: column order).
    pub paths: Vec<String>,
    /// `points[i][d]` is the value of `paths[d]` at point `i`.
    pub points: Vec<Vec<V>>,
}

impl<V> Design<V> {
    /// The design of a scenario without a sweep: one point, nothing varied.
    pub fn single() -> Design<V> {
        Design {
            paths: Vec::new(),
            points: vec![Vec::new()],
        }
    }
}

impl From<Design> for Design<Level> {
    fn from(design: Design) -> Design<Level> {
        Design {
            paths: design.paths,
            points: design
                .points
                .into_iter()
                .map(|point| point.into_iter().map(Level::Number).collect())
                .collect(),
        }
    }
}

/// The most points a design may have (ten million): the design is held in
/// memory and every point's plan is built once at the gate, so a `steps` or
/// `samples` near 2^32 (tens of gigabytes) is refused before allocating.
pub const MAX_POINTS: u64 = 10_000_000;

/// The number of points the design of `sweep` will have, computed before
/// anything is allocated (`None` for a method that does not know it
/// beforehand, i.e. `table`, or an invalid sweep left to [`design`]).
fn planned_points(sweep: &Sweep) -> Option<u64> {
    let axis = |values: &SweepValues| match values {
        SweepValues::List(list) => Some(list.len() as u64),
        SweepValues::Range { steps, .. } => steps.map(u64::from),
    };
    match sweep.method.as_str() {
        "grid" => sweep
            .parameters
            .iter()
            .try_fold(1u64, |n, (_, v)| Some(n.saturating_mul(axis(v)?))),
        "zip" => sweep.parameters.iter().filter_map(|(_, v)| axis(v)).max(),
        "random" | "lhs" => sweep.samples.map(u64::from),
        _ => None,
    }
}

/// The design of `sweep`, drawn (for `random` and `lhs`) from `seed`.
/// `origin` names the scenario file for error messages.
pub fn design(sweep: &Sweep, seed: u64, origin: &str) -> Result<Design<Level>> {
    let error = |message: String| Error::BadInput(format!("{origin}: [sweep]: {message}"));
    let paths: Vec<String> = sweep.parameters.iter().map(|(p, _)| p.clone()).collect();
    if let Some(n) = planned_points(sweep)
        && n > MAX_POINTS
    {
        return Err(error(format!(
            "{} would have {n} points, more than the {MAX_POINTS} a study can hold",
            sweep.method
        )));
    }
    let points = match sweep.method.as_str() {
        "grid" => {
            let axes = sweep
                .parameters
                .iter()
                .map(|(path, values)| listed_values(path, values).map_err(&error))
                .collect::<Result<Vec<_>>>()?;
            cartesian(&axes)
        }
        "zip" => {
            let axes = sweep
                .parameters
                .iter()
                .map(|(path, values)| listed_values(path, values).map_err(&error))
                .collect::<Result<Vec<_>>>()?;
            let n = axes.first().map_or(0, Vec::len);
            if let Some(((path, _), axis)) = sweep
                .parameters
                .iter()
                .zip(&axes)
                .find(|(_, a)| a.len() != n)
            {
                return Err(error(format!(
                    "zip needs lists of equal length: `{}` has {n} values, `{path}` has {}",
                    paths[0],
                    axis.len()
                )));
            }
            (0..n)
                .map(|i| axes.iter().map(|a| a[i]).collect())
                .collect()
        }
        "random" | "lhs" => {
            let samples = sweep
                .samples
                .ok_or_else(|| error(format!("{} needs `samples`", sweep.method)))?;
            if samples == 0 {
                return Err(error("`samples` must be at least 1".into()));
            }
            let ranges = sweep
                .parameters
                .iter()
                .map(|(path, values)| match values {
                    SweepValues::Range { from, to, .. } => Ok((*from, *to)),
                    SweepValues::List(_) => Err(error(format!(
                        "`{path}`: {} needs a range {{ from, to }}, not a list",
                        sweep.method
                    ))),
                })
                .collect::<Result<Vec<_>>>()?;
            let mut rng = design_rng(seed);
            let points = if sweep.method == "random" {
                random_points(&ranges, samples as usize, &mut rng)
            } else {
                latin_hypercube(&ranges, samples as usize, &mut rng)
            };
            return Ok(Design { paths, points }.into());
        }
        "table" => {
            let table = sweep
                .table
                .as_ref()
                .ok_or_else(|| error("table needs `table = \"points.csv\"`".into()))?;
            return read_table(table).map(Design::<Level>::from);
        }
        other => {
            return Err(error(format!(
                "unknown method `{other}` (grid, zip, random, lhs, table)"
            )));
        }
    };
    Ok(Design { paths, points })
}

/// The stream of design draws: ChaCha8 keyed by the seed and a domain tag
/// that no run key uses.
fn design_rng(seed: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[24..].copy_from_slice(b"DESIGN01");
    ChaCha8Rng::from_seed(key)
}

/// Values of a grid or zip axis.
fn listed_values(path: &str, values: &SweepValues) -> std::result::Result<Vec<Level>, String> {
    match values {
        SweepValues::List(list) if list.is_empty() => Err(format!("`{path}` has no values")),
        SweepValues::List(list) => Ok(list.clone()),
        SweepValues::Range {
            from,
            to,
            steps: Some(steps),
        } => Ok(linspace(*from, *to, *steps)
            .into_iter()
            .map(Level::Number)
            .collect()),
        SweepValues::Range { steps: None, .. } => {
            Err(format!("`{path}`: a range on a grid or zip needs `steps`"))
        }
    }
}

/// `steps` evenly spaced values from `from` to `to`, both ends included
/// exactly.
pub fn linspace(from: f64, to: f64, steps: u32) -> Vec<f64> {
    match steps {
        0 => Vec::new(),
        1 => vec![from],
        _ => {
            let last = f64::from(steps - 1);
            (0..steps)
                .map(|i| {
                    if i == steps - 1 {
                        to
                    } else {
                        from + (to - from) * f64::from(i) / last
                    }
                })
                .collect()
        }
    }
}

/// The cartesian product, the first axis varying slowest.
fn cartesian<T: Copy>(axes: &[Vec<T>]) -> Vec<Vec<T>> {
    axes.iter().fold(vec![Vec::new()], |points, axis| {
        points
            .iter()
            .flat_map(|prefix| {
                axis.iter().map(move |&v| {
                    let mut point = prefix.clone();
                    point.push(v);
                    point
                })
            })
            .collect()
    })
}

fn random_points(ranges: &[(f64, f64)], samples: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    (0..samples)
        .map(|_| {
            ranges
                .iter()
                .map(|&(from, to)| from + (to - from) * rng.random::<f64>())
                .collect()
        })
        .collect()
}

/// A Latin hypercube: per dimension (in order) a shuffled assignment of
/// strata to points, then one uniform offset per point within its stratum.
fn latin_hypercube(ranges: &[(f64, f64)], samples: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::with_capacity(ranges.len()); samples];
    for &(from, to) in ranges {
        let mut strata: Vec<usize> = (0..samples).collect();
        strata.shuffle(rng);
        for (point, stratum) in points.iter_mut().zip(strata) {
            let u: f64 = rng.random();
            point.push(from + (to - from) * (stratum as f64 + u) / samples as f64);
        }
    }
    points
}

/// Reads a `table` design: a CSV whose header names scenario paths and
/// whose rows are points.
fn read_table(path: &Path) -> Result<Design> {
    let shown = path.display().to_string();
    let file = crate::scenario::open_input(path, crate::scenario::TABLE_LIMIT)
        .map_err(|e| Error::BadInput(format!("{shown}: cannot read sweep table: {e}")))?;
    read_table_from(file, &shown)
}

/// Reads a `table` design from `input`, naming it `shown` in errors: the
/// body of the file reader, public so a fuzzer reads through the same code.
pub fn read_table_from(input: impl std::io::Read, shown: &str) -> Result<Design> {
    let shown = shown.to_string();
    let file = input;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let paths: Vec<String> = reader
        .headers()
        .map_err(|e| Error::input(format!("{shown}:1:1"), "header", e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    if paths.is_empty() || paths.iter().any(String::is_empty) {
        return Err(Error::input(
            format!("{shown}:1:1"),
            "header",
            "every column must name a scenario path",
        ));
    }
    if let Some((col, path)) = paths
        .iter()
        .enumerate()
        .find(|(_, p)| crate::scenario::swept_type(p) != FieldType::Number)
    {
        let what = match crate::scenario::swept_type(path) {
            FieldType::Boolean => "a boolean",
            _ => "a string",
        };
        return Err(Error::input(
            format!("{shown}:1:{}", col + 1),
            path,
            format!(
                "a sweep table holds numbers; `{path}` is {what} path: vary it with method grid or zip"
            ),
        ));
    }
    if let Some((col, path)) = paths
        .iter()
        .enumerate()
        .find(|(col, p)| paths[..*col].contains(p))
    {
        // Otherwise the last column would win silently.
        return Err(Error::input(
            format!("{shown}:1:{}", col + 1),
            path,
            "this path is already a column of the table: give each path once",
        ));
    }
    let mut points = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::csv_record(&shown, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let point = record
            .iter()
            .enumerate()
            .map(|(col, text)| {
                let at = || format!("{shown}:{line}:{}", col + 1);
                let value = text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        Error::input(
                            at(),
                            &paths[col],
                            format!("expected a number, found `{text}`"),
                        )
                    })?;
                // Points are applied as text; a whole number of 2^63 or
                // more would come back as "integer too large" from the
                // scenario reader, far from this cell.
                if value.fract() == 0.0 && value.abs() >= 2f64.powi(63) {
                    return Err(Error::input(
                        at(),
                        &paths[col],
                        format!(
                            "{text} is out of range: table values must be below 2^63 in magnitude"
                        ),
                    ));
                }
                Ok(value)
            })
            .collect::<Result<Vec<f64>>>()?;
        points.push(point);
    }
    if points.is_empty() {
        return Err(Error::input(
            format!("{shown}:2:1"),
            "row",
            "the sweep table has no points",
        ));
    }
    Ok(Design { paths, points })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(method: &str, samples: Option<u32>, parameters: Vec<(&str, SweepValues)>) -> Sweep {
        Sweep {
            method: method.into(),
            samples,
            table: None,
            parameters: parameters
                .into_iter()
                .map(|(p, v)| (p.to_string(), v))
                .collect(),
        }
    }

    fn range(from: f64, to: f64, steps: Option<u32>) -> SweepValues {
        SweepValues::Range { from, to, steps }
    }

    fn list(values: &[f64]) -> SweepValues {
        SweepValues::List(values.iter().copied().map(Level::Number).collect())
    }

    /// The points of a numeric design.
    fn numbers(design: &Design<Level>) -> Vec<Vec<f64>> {
        design
            .points
            .iter()
            .map(|p| p.iter().map(|v| v.number().expect("a number")).collect())
            .collect()
    }

    #[test]
    fn grid_is_the_cartesian_product_first_parameter_slowest() {
        let s = sweep(
            "grid",
            None,
            vec![("a", list(&[1.0, 2.0])), ("b", range(0.0, 1.0, Some(3)))],
        );
        let d = design(&s, 1, "x.toml").unwrap();
        assert_eq!(d.paths, vec!["a", "b"]);
        assert_eq!(
            numbers(&d),
            vec![
                vec![1.0, 0.0],
                vec![1.0, 0.5],
                vec![1.0, 1.0],
                vec![2.0, 0.0],
                vec![2.0, 0.5],
                vec![2.0, 1.0]
            ]
        );
    }

    #[test]
    fn linspace_includes_both_ends_exactly() {
        let v = linspace(0.1, 0.7, 7);
        assert_eq!(v.len(), 7);
        assert_eq!(v[0], 0.1);
        assert_eq!(v[6], 0.7);
        assert_eq!(linspace(2.0, 5.0, 1), vec![2.0]);
    }

    #[test]
    fn zip_pairs_values_and_refuses_unequal_lengths() {
        let s = sweep(
            "zip",
            None,
            vec![("a", list(&[1.0, 2.0])), ("b", list(&[3.0, 4.0]))],
        );
        assert_eq!(
            numbers(&design(&s, 1, "x").unwrap()),
            vec![vec![1.0, 3.0], vec![2.0, 4.0]]
        );
        let s = sweep(
            "zip",
            None,
            vec![("a", list(&[1.0, 2.0])), ("b", list(&[3.0]))],
        );
        assert!(
            design(&s, 1, "x")
                .unwrap_err()
                .to_string()
                .contains("equal length")
        );
    }

    #[test]
    fn random_designs_are_reproducible_from_the_seed() {
        let s = sweep(
            "random",
            Some(20),
            vec![("a", range(0.0, 2.0, None)), ("b", range(-1.0, 1.0, None))],
        );
        let one = design(&s, 7, "x").unwrap();
        assert_eq!(one, design(&s, 7, "x").unwrap());
        assert_ne!(one, design(&s, 8, "x").unwrap());
        for p in numbers(&one) {
            assert!((0.0..=2.0).contains(&p[0]) && (-1.0..=1.0).contains(&p[1]));
        }
    }

    #[test]
    fn lhs_hits_every_stratum_once_per_dimension() {
        let n = 50;
        let s = sweep(
            "lhs",
            Some(n),
            vec![
                ("a", range(0.0, 1.0, None)),
                ("b", range(10.0, 30.0, None)),
                ("c", range(-5.0, 5.0, None)),
            ],
        );
        let d = design(&s, 3, "x").unwrap();
        assert_eq!(d, design(&s, 3, "x").unwrap());
        for (dim, (from, to)) in [(0.0, 1.0), (10.0, 30.0), (-5.0, 5.0)]
            .into_iter()
            .enumerate()
        {
            let mut hits = vec![0; n as usize];
            for p in numbers(&d) {
                let stratum = ((p[dim] - from) / (to - from) * f64::from(n)).floor() as usize;
                hits[stratum.min(n as usize - 1)] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "dimension {dim}: {hits:?}");
        }
    }

    #[test]
    fn a_grid_crosses_categorical_levels_with_numbers_in_the_order_listed() {
        let s = sweep(
            "grid",
            None,
            vec![
                (
                    "elections.rule",
                    SweepValues::List(vec![Level::Text("seat"), Level::Text("committee")]),
                ),
                (
                    "elections.enabled",
                    SweepValues::List(vec![Level::Bool(true), Level::Bool(false)]),
                ),
                ("mentoring.rate", list(&[0.0, 0.1])),
            ],
        );
        let d = design(&s, 1, "x").unwrap();
        assert_eq!(d.points.len(), 8);
        assert_eq!(
            d.points[0],
            [Level::Text("seat"), Level::Bool(true), Level::Number(0.0)]
        );
        assert_eq!(
            d.points[5],
            [
                Level::Text("committee"),
                Level::Bool(true),
                Level::Number(0.1)
            ]
        );
        assert_eq!(
            d.points[7],
            [
                Level::Text("committee"),
                Level::Bool(false),
                Level::Number(0.1)
            ]
        );
    }

    #[test]
    fn a_table_refuses_a_categorical_column() {
        let text = "mentoring.rate,elections.rule\n0.1,1\n";
        let e = read_table_from(text.as_bytes(), "t.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv:1:2: elections.rule: a sweep table holds numbers; `elections.rule` is a string path: vary it with method grid or zip"
        );
    }

    #[test]
    fn a_numeric_design_becomes_a_design_of_numbers() {
        let numeric = Design {
            paths: vec!["a".to_string()],
            points: vec![vec![0.5], vec![2.0]],
        };
        let levels: Design<Level> = numeric.into();
        assert_eq!(numbers(&levels), vec![vec![0.5], vec![2.0]]);
    }
}
