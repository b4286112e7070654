//! The engine's default samplers (pruned candidates, tabled betas and
//! Poisson counts, binomial inversion) and the reference samplers (every
//! candidate fully drawn, rand_distr's Beta, Poisson and Binomial) draw the
//! stream differently but must give the same law: over independent
//! replicates, the mean of every compared metric agrees within sampling
//! error.
//!
//! Each arm runs R = 16 replicates with its own seeds (so the arms are
//! independent), and each (metric, year) pair is compared with Welch's
//! statistic |m_1 − m_2| / sqrt(s_1²/R + s_2²/R). With 11 metrics × 6
//! years = 66 comparisons, a bound of 4.5 fails by chance with probability
//! about 1e-4 per comparison (Welch's t with about 30 degrees of freedom),
//! below 1% for all 66, under the same law. The seeds are fixed, so the
//! verdict changes only when the draws do.

use std::path::Path;
use succession::model::{self, Plan, Samplers, StreamKey, YearMetrics};
use succession::scenario;

const R: u32 = 16;
const BOUND: f64 = 4.5;
const METRICS: [&str; 11] = [
    "capacity_mean",
    "resolution_rate",
    "resolution_technical",
    "escalations_per_1000",
    "vacancy_rate",
    "share_experience",
    "share_knowledge",
    "mean_age",
    "mean_trust",
    "mean_knowledge",
    "exits_election",
];
const YEARS: [i32; 6] = [1955, 1970, 1990, 2010, 2021, 2040];

fn arm(samplers: Samplers, first_seed: u64) -> (Vec<String>, Vec<Vec<YearMetrics>>) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/golden/equivalence.toml");
    let scenario = scenario::load(&path, &[]).unwrap();
    let plan = match samplers {
        Samplers::Fast => Plan::new(&scenario.parameters()),
        Samplers::Reference => Plan::reference(&scenario.parameters()),
    };
    let runs = (0..R)
        .map(|r| {
            let key = StreamKey::new(first_seed + u64::from(r), 0, None);
            model::run(
                &plan,
                model::vacant_communities(&scenario.parameters()),
                &key,
                &mut |_, _| {},
            )
        })
        .collect();
    (model::metric_columns(&scenario.parameters()), runs)
}

fn mean_and_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (
        mean,
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

#[test]
fn default_and_reference_samplers_agree_within_sampling_error() {
    let (columns, pruned) = arm(Samplers::Fast, 1);
    let (_, direct) = arm(Samplers::Reference, 1001);
    let mut report = Vec::new();
    for metric in METRICS {
        let col = columns.iter().position(|c| c == metric).unwrap();
        for year in YEARS {
            let values = |runs: &[Vec<YearMetrics>]| -> Vec<f64> {
                runs.iter()
                    .map(|rows| rows.iter().find(|r| r.year == year).unwrap().values[col].unwrap())
                    .collect()
            };
            let (m1, v1) = mean_and_var(&values(&pruned));
            let (m2, v2) = mean_and_var(&values(&direct));
            let se = (v1 / f64::from(R) + v2 / f64::from(R)).sqrt();
            let z = if se > 0.0 {
                (m1 - m2).abs() / se
            } else if m1 == m2 {
                0.0
            } else {
                f64::INFINITY
            };
            report.push(format!(
                "{metric} {year}: pruned {m1:.5} direct {m2:.5} z {z:.2}"
            ));
            assert!(
                z <= BOUND,
                "{metric} in {year}: {m1} vs {m2}, {z:.2} standard errors\n{}",
                report.join("\n")
            );
        }
    }
}
