//! Summary figures (MODEL.md section 4): computed per run (`runs.csv`), then
//! per point as the mean over replicates with a 95% interval
//! `mean ± t(0.975, n−1) · sd / √n` (`summary.csv`; empty when n = 1).

use crate::model::YearMetrics;
use crate::model::schema::{Column, FieldType::Integer, FieldType::Number};
use crate::scenario::Scenario;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The summary figures of one run, in output order (`runs.csv`; each gives
/// `<figure>_mean`, `_lo` and `_hi` in `summary.csv`).
pub const FIGURES: [Column; 9] = [
    Column::new(
        "final_capacity",
        Number,
        "share of issues",
        "`capacity_mean` in the last year",
    ),
    Column::new(
        "trough_capacity",
        Number,
        "share of issues",
        "the lowest `capacity_mean` after the first `observe.burn_in` years (default 10): the succession trough",
    ),
    Column::new(
        "trough_year",
        Integer,
        "calendar year",
        "the year of `trough_capacity` (the earliest on ties)",
    ),
    Column::new(
        "policy_capacity",
        Number,
        "share of issues",
        "mean `capacity_mean` over the years of `policy_window`",
    ),
    Column::new(
        "final_share_revolutionary",
        Number,
        "share of seated leaders",
        "`share_revolutionary` in the last year",
    ),
    Column::new(
        "final_share_experience",
        Number,
        "share of seated leaders",
        "`share_experience` in the last year",
    ),
    Column::new(
        "final_share_knowledge",
        Number,
        "share of seated leaders",
        "`share_knowledge` in the last year",
    ),
    Column::new(
        "final_vacancy_rate",
        Number,
        "share of seats",
        "`vacancy_rate` in the last year",
    ),
    Column::new(
        "escalations_per_1000",
        Number,
        "per 1000 issues",
        "escalations per 1000 issues pooled over the whole run",
    ),
];

/// One run's figures, in [`FIGURES`] order (`None` where undefined, e.g. a
/// final cohort share when no seat is filled).
pub fn run_figures(
    scenario: &Scenario,
    columns: &[String],
    rows: &[YearMetrics],
) -> Vec<Option<f64>> {
    let col = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .expect("metric column exists")
    };
    let capacity = col("capacity_mean");
    let last = rows.last();
    let final_of = |name: &str| last.and_then(|r| r.values[col(name)]);

    // The trough: the lowest mean capacity after the burn-in, earliest on ties.
    let first_counted = scenario.start_year + scenario.observe.burn_in as i32;
    let mut trough: Option<(f64, i32)> = None;
    for row in rows.iter().filter(|r| r.year >= first_counted) {
        if let Some(v) = row.values[capacity]
            && trough.is_none_or(|(best, _)| v < best)
        {
            trough = Some((v, row.year));
        }
    }

    let (from, to) = scenario.policy_window;
    let window: Vec<f64> = rows
        .iter()
        .filter(|r| r.year >= from && r.year <= to)
        .filter_map(|r| r.values[capacity])
        .collect();
    let policy = (!window.is_empty()).then(|| window.iter().sum::<f64>() / window.len() as f64);

    let issues: u64 = rows.iter().map(|r| r.issues).sum();
    let escalations: u64 = rows.iter().map(|r| r.escalations).sum();
    let escalations_per_1000 = (issues > 0).then(|| 1000.0 * escalations as f64 / issues as f64);

    // In FIGURES order; a test holds the two lists to the same length.
    vec![
        final_of("capacity_mean"),
        trough.map(|t| t.0),
        trough.map(|t| f64::from(t.1)),
        policy,
        final_of("share_revolutionary"),
        final_of("share_experience"),
        final_of("share_knowledge"),
        final_of("vacancy_rate"),
        escalations_per_1000,
    ]
}

/// Mean and 95% t-interval of the defined values: `(mean, lo, hi)`, the
/// bounds `None` when fewer than two values are defined.
pub fn interval(values: &[f64]) -> Option<(f64, Option<f64>, Option<f64>)> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some((mean, None, None));
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n - 1 ≥ 1 degrees of freedom")
        .inverse_cdf(0.975);
    let half = t * var.sqrt() / (n as f64).sqrt();
    Some((mean, Some(mean - half), Some(mean + half)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_uses_the_t_quantile() {
        // n = 2: t(0.975, 1) = 12.706; sd of {0, 2} is sqrt(2).
        let (mean, lo, hi) = interval(&[0.0, 2.0]).unwrap();
        assert_eq!(mean, 1.0);
        let half = 12.706_204_736 * 2f64.sqrt() / 2f64.sqrt();
        assert!((hi.unwrap() - (1.0 + half)).abs() < 1e-6, "{hi:?}");
        assert!((lo.unwrap() - (1.0 - half)).abs() < 1e-6, "{lo:?}");
        assert_eq!(interval(&[3.0]), Some((3.0, None, None)));
        assert_eq!(interval(&[]), None);
    }

    #[test]
    fn every_declared_figure_is_computed() {
        let scenario = crate::model::testing::scenario();
        let columns = crate::model::metric_columns(&scenario.parameters());
        assert_eq!(run_figures(&scenario, &columns, &[]).len(), FIGURES.len());
    }
}
