//! The difference B − A of two arms (two points of one run folder, or two
//! run folders), per summary figure and per year of `capacity_mean`:
//! paired by replicate when the two share their random numbers (common
//! random numbers: replicate r of A and of B drew the same streams), with
//! the t interval of the mean of the per-replicate differences; or
//! unpaired, with Welch's interval (Welch–Satterthwaite degrees of
//! freedom). No I/O: the lifecycle reads the folders, decides whether they
//! pair and hands the values here by replicate.

use crate::model::schema::{Cell, Column, FieldType};
use crate::study::summary::{self, FIGURES};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::{BTreeMap, BTreeSet};

/// The statistics columns `compare.csv` and `compare_timeseries.csv` share,
/// after their first column. The units are the figure's.
const STATISTICS: [Column; 7] = [
    Column::new(
        "a_mean",
        FieldType::Number,
        "as the figure",
        "mean of A over its replicates in which the value is defined (paired: over the `n` pairs)",
    ),
    Column::new(
        "b_mean",
        FieldType::Number,
        "as the figure",
        "mean of B over its replicates in which the value is defined (paired: over the `n` pairs)",
    ),
    Column::new(
        "diff_mean",
        FieldType::Number,
        "as the figure",
        "the difference B − A: paired, the mean of the per-replicate differences (`b_mean` − `a_mean` up to rounding); `--unpaired`, `b_mean` − `a_mean`",
    ),
    Column::new(
        "diff_lo",
        FieldType::Number,
        "as the figure",
        "lower end of the 95% interval of `diff_mean`: paired, `diff_mean` ± t(0.975, n − 1) · `diff_sd` / √n; `--unpaired`, Welch's (Welch–Satterthwaite degrees of freedom); empty when n < 2",
    ),
    Column::new(
        "diff_hi",
        FieldType::Number,
        "as the figure",
        "upper end of that interval (empty when n < 2)",
    ),
    Column::new(
        "diff_sd",
        FieldType::Number,
        "as the figure",
        "standard deviation of B − A for one run of each: paired, the sd of the per-replicate differences (n − 1 denominator); `--unpaired`, √(sd_A² + sd_B²), each sd over its own replicates; empty when n < 2",
    ),
    Column::new(
        "n",
        FieldType::Integer,
        "replicates",
        "paired: the replicates in which A and B are both defined (the pairs); `--unpaired`: the smaller of A's and B's numbers of replicates in which the value is defined",
    ),
];

/// The columns of `compare.csv`, in order: one row per summary figure.
pub const COLUMNS: [Column; 8] = [
    Column::new(
        "figure",
        FieldType::String,
        "",
        "the summary figure of `runs.csv`, in its order (README: Summary figures)",
    ),
    STATISTICS[0],
    STATISTICS[1],
    STATISTICS[2],
    STATISTICS[3],
    STATISTICS[4],
    STATISTICS[5],
    STATISTICS[6],
];

/// The columns of `compare_timeseries.csv`, in order: one row per year,
/// the statistics of `capacity_mean` (share of issues).
pub const TIMESERIES_COLUMNS: [Column; 8] = [
    Column::new("year", FieldType::Integer, "calendar year", "calendar year"),
    in_capacity(STATISTICS[0]),
    in_capacity(STATISTICS[1]),
    in_capacity(STATISTICS[2]),
    in_capacity(STATISTICS[3]),
    in_capacity(STATISTICS[4]),
    in_capacity(STATISTICS[5]),
    STATISTICS[6],
];

/// A statistic of `capacity_mean`, in its unit.
const fn in_capacity(column: Column) -> Column {
    Column::new(
        column.name,
        column.field_type,
        "share of issues",
        column.meaning,
    )
}

/// How the replicates of A and B are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pairing {
    /// Replicate r of A with replicate r of B (they drew the same random
    /// numbers): the t interval of the mean difference.
    Paired,
    /// The two samples as independent: Welch's interval.
    Unpaired,
}

impl Pairing {
    /// How the comparison was made, for descriptions and subtitles.
    pub fn phrase(self) -> &'static str {
        match self {
            Pairing::Paired => {
                "paired by replicate (the same random numbers), 95% t interval of the mean difference"
            }
            Pairing::Unpaired => {
                "unpaired, 95% Welch interval (Welch–Satterthwaite degrees of freedom)"
            }
        }
    }
}

/// The difference B − A of one quantity (see [`COLUMNS`] for each field);
/// `None` where undefined.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Difference {
    /// Mean of A (paired: over the pairs).
    pub a_mean: Option<f64>,
    /// Mean of B (paired: over the pairs).
    pub b_mean: Option<f64>,
    /// The difference B − A.
    pub mean: Option<f64>,
    /// Lower end of its 95% interval.
    pub lo: Option<f64>,
    /// Upper end of its 95% interval.
    pub hi: Option<f64>,
    /// The sd of B − A for one run of each.
    pub sd: Option<f64>,
    /// Pairs (paired) or the smaller sample (unpaired).
    pub n: usize,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

impl Difference {
    /// The paired difference of `(a, b)` pairs, one per replicate: the mean
    /// of `b − a` with its t interval and sd (the formula of `summary.csv`,
    /// [`summary::interval`], applied to the differences).
    pub fn paired(pairs: &[(f64, f64)]) -> Difference {
        let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        let diffs: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
        let interval = summary::interval(&diffs);
        Difference {
            a_mean: mean(&a),
            b_mean: mean(&b),
            mean: interval.map(|i| i.0),
            lo: interval.and_then(|i| i.1),
            hi: interval.and_then(|i| i.2),
            sd: summary::sd(&diffs),
            n: pairs.len(),
        }
    }

    /// The unpaired difference of two independent samples: `mean(b) −
    /// mean(a)` with Welch's 95% interval, `± t(0.975, ν) · se`, `se =
    /// √(s_a²/n_a + s_b²/n_b)`, ν the Welch–Satterthwaite degrees of
    /// freedom; the sd of one B run minus one A run, `√(s_a² + s_b²)`; and
    /// `n = min(n_a, n_b)`. Two samples without spread give a zero-width
    /// interval.
    pub fn welch(a: &[f64], b: &[f64]) -> Difference {
        let (a_mean, b_mean) = (mean(a), mean(b));
        let mut difference = Difference {
            a_mean,
            b_mean,
            mean: a_mean.zip(b_mean).map(|(a, b)| b - a),
            n: a.len().min(b.len()),
            ..Difference::default()
        };
        let (Some(sa), Some(sb), Some(mean)) = (summary::sd(a), summary::sd(b), difference.mean)
        else {
            return difference;
        };
        let (na, nb) = (a.len() as f64, b.len() as f64);
        // On the sds relative to the larger (the formulas are scale-free),
        // so that ν is never 0 / 0.
        let scale = sa.max(sb);
        let (ra, rb) = if scale > 0.0 {
            (sa / scale, sb / scale)
        } else {
            (0.0, 0.0)
        };
        let (va, vb) = (ra * ra / na, rb * rb / nb);
        let half = if scale > 0.0 {
            // ν = (va + vb)² / (va²/(na − 1) + vb²/(nb − 1)).
            let df = (va + vb).powi(2) / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
            let t = StudentsT::new(0.0, 1.0, df)
                .expect("a positive spread gives positive degrees of freedom")
                .inverse_cdf(0.975);
            t * scale * (va + vb).sqrt()
        } else {
            0.0
        };
        difference.lo = Some(mean - half);
        difference.hi = Some(mean + half);
        difference.sd = Some(scale * (ra * ra + rb * rb).sqrt());
        difference
    }
}

/// One quantity's values by replicate (`None`: undefined in that run).
pub type ByReplicate = BTreeMap<u32, Option<f64>>;

/// The difference B − A of one quantity: paired, over the replicates in
/// which both are defined, each replicate r of A with replicate r of B;
/// unpaired, over each side's defined values.
pub fn difference(pairing: Pairing, a: &ByReplicate, b: &ByReplicate) -> Difference {
    match pairing {
        Pairing::Paired => {
            let pairs: Vec<(f64, f64)> = a
                .iter()
                .filter_map(|(replicate, x)| Some(((*x)?, (*b.get(replicate)?)?)))
                .collect();
            Difference::paired(&pairs)
        }
        Pairing::Unpaired => {
            let defined = |side: &ByReplicate| side.values().flatten().copied().collect::<Vec<_>>();
            Difference::welch(&defined(a), &defined(b))
        }
    }
}

/// One row of `compare.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The figure's name (of [`FIGURES`]).
    pub figure: &'static str,
    /// Its difference.
    pub difference: Difference,
}

/// One row of `compare_timeseries.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct YearRow {
    /// The calendar year.
    pub year: i32,
    /// The difference of `capacity_mean` in that year.
    pub difference: Difference,
}

/// Each run's figures in [`FIGURES`] order, by replicate.
pub type Figures = BTreeMap<u32, Vec<Option<f64>>>;

/// The rows of `compare.csv`: every figure of [`FIGURES`], in order.
pub fn figure_rows(pairing: Pairing, a: &Figures, b: &Figures) -> Vec<Row> {
    let column = |side: &Figures, i: usize| -> ByReplicate {
        side.iter()
            .map(|(&replicate, figures)| (replicate, figures.get(i).copied().flatten()))
            .collect()
    };
    FIGURES
        .iter()
        .enumerate()
        .map(|(i, figure)| Row {
            figure: figure.name,
            difference: difference(pairing, &column(a, i), &column(b, i)),
        })
        .collect()
}

/// One run's series of one quantity: year → value, by replicate.
pub type Series = BTreeMap<u32, BTreeMap<i32, Option<f64>>>;

/// The years that both sides' runs have, in order.
pub fn common_years(a: &Series, b: &Series) -> Vec<i32> {
    let years = |side: &Series| -> BTreeSet<i32> {
        side.values().flat_map(|run| run.keys().copied()).collect()
    };
    years(a).intersection(&years(b)).copied().collect()
}

/// The rows of `compare_timeseries.csv`: per year of [`common_years`], the
/// difference over the replicates of that year.
pub fn year_rows(pairing: Pairing, a: &Series, b: &Series) -> Vec<YearRow> {
    let in_year = |side: &Series, year: i32| -> ByReplicate {
        side.iter()
            .filter_map(|(&replicate, run)| Some((replicate, *run.get(&year)?)))
            .collect()
    };
    common_years(a, b)
        .into_iter()
        .map(|year| YearRow {
            year,
            difference: difference(pairing, &in_year(a, year), &in_year(b, year)),
        })
        .collect()
}

/// The cells of a difference, after the row's first column.
fn cells(d: &Difference) -> String {
    let number =
        |x: Option<f64>| x.map_or_else(String::new, |x| Cell(FieldType::Number, x).to_string());
    [d.a_mean, d.b_mean, d.mean, d.lo, d.hi, d.sd]
        .map(number)
        .into_iter()
        .chain(std::iter::once(d.n.to_string()))
        .collect::<Vec<_>>()
        .join(",")
}

fn header(columns: &[Column]) -> String {
    let mut text = columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",");
    text.push('\n');
    text
}

/// `compare.csv`: a header of [`COLUMNS`], then one line per figure.
pub fn csv(rows: &[Row]) -> String {
    let mut text = header(&COLUMNS);
    for row in rows {
        text.push_str(&format!("{},{}\n", row.figure, cells(&row.difference)));
    }
    text
}

/// `compare_timeseries.csv`: a header of [`TIMESERIES_COLUMNS`], then one
/// line per year.
pub fn timeseries_csv(rows: &[YearRow]) -> String {
    let mut text = header(&TIMESERIES_COLUMNS);
    for row in rows {
        text.push_str(&format!("{},{}\n", row.year, cells(&row.difference)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_replicate(values: &[(u32, Option<f64>)]) -> ByReplicate {
        values.iter().copied().collect()
    }

    #[test]
    fn paired_differences_are_taken_replicate_by_replicate() {
        // Differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653.
        let a = by_replicate(&[(0, Some(10.0)), (1, Some(20.0)), (2, Some(30.0))]);
        let b = by_replicate(&[(0, Some(11.0)), (1, Some(22.0)), (2, Some(33.0))]);
        let d = difference(Pairing::Paired, &a, &b);
        assert_eq!(
            (d.a_mean, d.b_mean, d.mean),
            (Some(20.0), Some(22.0), Some(2.0))
        );
        assert_eq!(d.sd, Some(1.0));
        let half = 4.302652729911275 / 3f64.sqrt();
        assert!((d.lo.unwrap() - (2.0 - half)).abs() < 1e-9, "{d:?}");
        assert!((d.hi.unwrap() - (2.0 + half)).abs() < 1e-9, "{d:?}");
        assert_eq!(d.n, 3);
        // Listed in another order, the same pairs.
        let b_shuffled: ByReplicate = [(2, Some(33.0)), (0, Some(11.0)), (1, Some(22.0))]
            .into_iter()
            .collect();
        assert_eq!(difference(Pairing::Paired, &a, &b_shuffled), d);
    }

    #[test]
    fn an_undefined_value_drops_its_replicate_from_the_pairs_only() {
        let a = by_replicate(&[(0, Some(1.0)), (1, None), (2, Some(3.0)), (3, Some(5.0))]);
        let b = by_replicate(&[(0, Some(2.0)), (1, Some(9.0)), (2, None), (3, Some(7.0))]);
        let d = difference(Pairing::Paired, &a, &b);
        // Replicates 0 and 3 pair: differences 1 and 2.
        assert_eq!(d.n, 2);
        assert_eq!(
            (d.a_mean, d.b_mean, d.mean),
            (Some(3.0), Some(4.5), Some(1.5))
        );
        // A replicate B lacks is no pair either.
        let only = by_replicate(&[(0, Some(2.0))]);
        let one = difference(Pairing::Paired, &a, &only);
        assert_eq!(
            (one.n, one.mean, one.lo, one.sd),
            (1, Some(1.0), None, None)
        );
        let none = difference(Pairing::Paired, &a, &ByReplicate::new());
        assert_eq!(
            none,
            Difference {
                n: 0,
                ..Difference::default()
            }
        );
    }

    #[test]
    fn a_point_against_itself_differs_by_exactly_zero() {
        let a = by_replicate(&[(0, Some(0.81)), (1, Some(0.79)), (2, Some(0.8))]);
        let d = difference(Pairing::Paired, &a, &a);
        assert_eq!(
            (d.mean, d.lo, d.hi, d.sd),
            (Some(0.0), Some(0.0), Some(0.0), Some(0.0))
        );
    }

    #[test]
    fn welch_uses_each_sides_spread_and_the_satterthwaite_degrees_of_freedom() {
        let a = [1.0, 2.0, 3.0];
        let b = [2.0, 4.0, 6.0, 8.0, 10.0];
        let d = Difference::welch(&a, &b);
        // s_a² = 1, s_b² = 10: se² = 1/3 + 2, ν = se⁴ / ((1/3)²/2 + 2²/4).
        let (va, vb) = (1.0 / 3.0, 2.0);
        let df: f64 = (va + vb) * (va + vb) / (va * va / 2.0 + vb * vb / 4.0);
        let t = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975);
        let half = t * (va + vb).sqrt();
        assert_eq!(d.mean, Some(4.0));
        assert!((d.lo.unwrap() - (4.0 - half)).abs() < 1e-12, "{d:?}");
        assert!((d.hi.unwrap() - (4.0 + half)).abs() < 1e-12, "{d:?}");
        assert!((d.sd.unwrap() - 11f64.sqrt()).abs() < 1e-12);
        assert_eq!(d.n, 3);
        // Degrees of freedom between the smaller sample's and the pooled.
        assert!(df > 2.0 && df < 6.0, "{df}");
        // One side without spread: ν is the other side's n − 1.
        let one_sided = Difference::welch(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]);
        let t2 = StudentsT::new(0.0, 1.0, 2.0).unwrap().inverse_cdf(0.975);
        let half = t2 * (1.0f64 / 3.0).sqrt();
        assert!(
            (one_sided.hi.unwrap() - (1.0 + half)).abs() < 1e-12,
            "{one_sided:?}"
        );
        // No spread on either side: a zero-width interval, no NaN.
        let flat = Difference::welch(&[1.0, 1.0], &[2.0, 2.0, 2.0]);
        assert_eq!(
            (flat.lo, flat.hi, flat.sd),
            (Some(1.0), Some(1.0), Some(0.0))
        );
        // One value: the means and no interval.
        let one = Difference::welch(&[1.0], &[2.0, 3.0]);
        assert_eq!(
            (one.mean, one.lo, one.sd, one.n),
            (Some(1.5), None, None, 1)
        );
    }

    #[test]
    fn unpaired_replicates_need_not_match() {
        let a = by_replicate(&[(0, Some(1.0)), (1, Some(3.0)), (2, None)]);
        let b = by_replicate(&[(7, Some(4.0)), (8, Some(6.0))]);
        let d = difference(Pairing::Unpaired, &a, &b);
        assert_eq!(
            (d.a_mean, d.b_mean, d.mean, d.n),
            (Some(2.0), Some(5.0), Some(3.0), 2)
        );
        assert_eq!(difference(Pairing::Paired, &a, &b).n, 0);
    }

    #[test]
    fn rows_cover_every_figure_and_the_common_years() {
        let run = |v: f64| -> Vec<Option<f64>> { (0..FIGURES.len()).map(|_| Some(v)).collect() };
        let a: Figures = [(0, run(1.0)), (1, run(2.0))].into_iter().collect();
        let b: Figures = [(0, run(2.0)), (1, run(4.0))].into_iter().collect();
        let rows = figure_rows(Pairing::Paired, &a, &b);
        assert_eq!(
            rows.iter().map(|r| r.figure).collect::<Vec<_>>(),
            FIGURES.iter().map(|f| f.name).collect::<Vec<_>>()
        );
        assert!(rows.iter().all(|r| r.difference.mean == Some(1.5)));
        let text = csv(&rows);
        assert!(text.starts_with(
            "figure,a_mean,b_mean,diff_mean,diff_lo,diff_hi,diff_sd,n\nfinal_capacity,1.5,3.0,1.5,"
        ));
        assert!(text.lines().nth(1).unwrap().ends_with(",2"));

        let series = |years: &[i32]| -> Series {
            (0..2)
                .map(|r| (r, years.iter().map(|&y| (y, Some(f64::from(r)))).collect()))
                .collect()
        };
        let (a, b) = (series(&[2000, 2001, 2002]), series(&[2001, 2002, 2003]));
        assert_eq!(common_years(&a, &b), [2001, 2002]);
        let years = year_rows(Pairing::Paired, &a, &b);
        assert_eq!(years.len(), 2);
        assert_eq!(years[0].difference.mean, Some(0.0));
        let text = timeseries_csv(&years);
        assert_eq!(
            text.lines().next(),
            Some("year,a_mean,b_mean,diff_mean,diff_lo,diff_hi,diff_sd,n")
        );
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with("2001,0.5,0.5,0.0,0.0,0.0,0.0,2")
        );
        // An undefined difference is empty cells.
        let empty = timeseries_csv(&[YearRow {
            year: 1990,
            difference: Difference::default(),
        }]);
        assert_eq!(empty.lines().nth(1), Some("1990,,,,,,,0"));
    }
}
