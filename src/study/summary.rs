//! Summary figures (MODEL.md section 4): computed per run (`runs.csv`), then
//! per point over replicates (`summary.csv`): the mean with a 95% interval
//! `mean ± t(0.975, n−1) · sd / √n` and the sd (empty when n = 1), the 10th
//! percentile of `policy_capacity`, and for `trough_year` the lower median,
//! minimum and maximum instead (MODEL.md sections 7.2 and 7.7). Which
//! statistics each figure has is declared in `folder::schema`; how each is
//! computed is [`Statistic::of`].

use crate::model::YearMetrics;
use crate::model::schema::{Column, FieldType::Integer, FieldType::Number};
use crate::scenario::Scenario;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The summary figures of one run, in output order (`runs.csv`; in
/// `summary.csv` each gives the columns of its statistics,
/// `crate::folder::schema::summary_statistics`).
pub const FIGURES: [Column; 10] = [
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
        "the lowest `capacity_mean` within `observe.trough_window` (default: after the first `observe.burn_in` years, 10 by default; every year with a roster): the succession trough",
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
    Column::new(
        "pipeline_tempered",
        Number,
        "promotions per 1000 seats per year",
        "promotions of leaders with tenure ≥ `observe.tempered_tenure` over the years of `policy_window`, per 1000 seats (filled or not) per year: cadres tempered in the community and sent upward",
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

    // The trough: the lowest mean capacity within the trough window,
    // earliest on ties (MODEL.md section 7.7).
    let (trough_from, trough_to) = scenario.trough_window();
    let mut trough: Option<(f64, i32)> = None;
    for row in rows
        .iter()
        .filter(|r| r.year >= trough_from && r.year <= trough_to)
    {
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

    // The pipeline (MODEL.md section 7.6): Σ promoted_tempered over the
    // window per 1000 seat-years of the window.
    let tempered = col("promoted_tempered");
    let (promoted, seat_years) = rows.iter().filter(|r| r.year >= from && r.year <= to).fold(
        (0.0, 0_u64),
        |(promoted, seat_years), r| {
            (
                promoted + r.values[tempered].unwrap_or(0.0),
                seat_years + r.seats,
            )
        },
    );
    let pipeline = (seat_years > 0).then(|| 1000.0 * promoted / seat_years as f64);

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
        pipeline,
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
    let sd = sd(values).expect("n ≥ 2");
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n - 1 ≥ 1 degrees of freedom")
        .inverse_cdf(0.975);
    let half = t * sd / (n as f64).sqrt();
    Some((mean, Some(mean - half), Some(mean + half)))
}

/// A statistic over the replicates of one point, one `summary.csv` column
/// per figure that has it (`<figure>_<suffix>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// The mean.
    Mean,
    /// The lower end of the 95% t interval of the mean (empty when n = 1).
    Lo,
    /// The upper end of that interval (empty when n = 1).
    Hi,
    /// The standard deviation, n − 1 denominator (empty when n = 1).
    Sd,
    /// The 10th percentile, linear interpolation between order statistics
    /// as MODEL.md section 4 defines percentiles (empty when n = 1).
    P10,
    /// The lower median: the value of rank ⌈n/2⌉ (from 1) in increasing
    /// order, an order statistic, so always one of the values.
    Median,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

impl Statistic {
    /// The column suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::Lo => "lo",
            Statistic::Hi => "hi",
            Statistic::Sd => "sd",
            Statistic::P10 => "p10",
            Statistic::Median => "median",
            Statistic::Min => "min",
            Statistic::Max => "max",
        }
    }

    /// The statistic of the defined `values` over replicates (`None` when
    /// there are none, or too few for it).
    pub fn of(self, values: &[f64]) -> Option<f64> {
        let n = values.len();
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        match self {
            Statistic::Mean => interval(values).map(|i| i.0),
            Statistic::Lo => interval(values).and_then(|i| i.1),
            Statistic::Hi => interval(values).and_then(|i| i.2),
            Statistic::Sd => sd(values),
            Statistic::P10 if n < 2 => None,
            Statistic::P10 => crate::model::metrics::percentile(&mut sorted, 0.1),
            Statistic::Median => sorted.get(n.div_ceil(2).checked_sub(1)?).copied(),
            Statistic::Min => sorted.first().copied(),
            Statistic::Max => sorted.last().copied(),
        }
    }
}

/// The sample standard deviation (n − 1 denominator), `None` when fewer
/// than two values.
pub fn sd(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some(var.sqrt())
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
    fn statistics_over_replicates() {
        let years = [2030.0, 2018.0, 2040.0, 2019.0];
        // The lower median is a value, never the mean of the middle two.
        assert_eq!(Statistic::Median.of(&years), Some(2019.0));
        assert_eq!(
            Statistic::Median.of(&[2030.0, 2018.0, 2040.0]),
            Some(2030.0)
        );
        assert_eq!(Statistic::Median.of(&[2030.0]), Some(2030.0));
        assert_eq!(Statistic::Median.of(&[]), None);
        assert_eq!(Statistic::Min.of(&years), Some(2018.0));
        assert_eq!(Statistic::Max.of(&years), Some(2040.0));
        // sd with n - 1: {1, 2, 3, 4} has variance 5/3.
        let v = [4.0, 1.0, 3.0, 2.0];
        assert!((Statistic::Sd.of(&v).unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // p10 like numpy: h = 3 * 0.1 = 0.3 between 1 and 2.
        assert!((Statistic::P10.of(&v).unwrap() - 1.3).abs() < 1e-12);
        for stat in [Statistic::Sd, Statistic::P10, Statistic::Lo, Statistic::Hi] {
            assert_eq!(stat.of(&[0.5]), None, "{stat:?}");
        }
        assert_eq!(Statistic::Mean.of(&[0.5]), Some(0.5));
    }

    #[test]
    fn every_declared_figure_is_computed() {
        let scenario = crate::model::testing::scenario();
        let columns = crate::model::metric_columns(&scenario.parameters());
        assert_eq!(run_figures(&scenario, &columns, &[]).len(), FIGURES.len());
    }
}
