//! Fast exact samplers for the laws the engine draws most often, built once
//! per run where the law is fixed for a year or for the whole run:
//!
//! - [`PoissonTable`]: Poisson counts by inversion of a tabled distribution
//!   function (issues per type and kind, candidates per channel and kind);
//! - [`binomial`]: binomial counts by inversion from the smaller tail, for
//!   the small counts of step 1 (resolved and escalated issues);
//! - [`TabledBeta`]: beta skills by rejection from a piecewise-constant
//!   envelope with a squeeze, so that almost every draw is two table
//!   lookups and two random words.
//!
//! Each draws from the same law as the direct sampler it replaces (exact up
//! to the rounding of f64 arithmetic, like any sampler); they only consume
//! the stream differently. The unit tests compare each with the direct law.

use rand::Rng;
use rand_distr::{Binomial, Distribution as _, Poisson};

/// Means above this are drawn by rand_distr's Poisson sampler instead of a
/// table: the table would be long, and its terms are computed by a
/// recurrence from e^(−mean), which underflows near 745.
const TABLE_MAX_MEAN: f64 = 256.0;

/// A Poisson law of fixed mean, drawn by inversion: one uniform u, and the
/// smallest k with u < F(k). A guide table indexed by ⌊u · n⌋ gives the
/// first candidate k, so a draw costs one uniform and one or two
/// comparisons on average.
#[derive(Clone, Debug)]
pub(crate) enum PoissonTable {
    /// Mean 0: always 0, no draw.
    Zero,
    /// The tabled distribution function.
    Inversion {
        /// F(k) for k = 0, 1, …, until it no longer changes in f64.
        cdf: Box<[f64]>,
        /// `guide[g]`: the smallest k with F(k) > g / cdf.len().
        guide: Box<[u32]>,
        /// The mean, to continue the recurrence past the table for a
        /// uniform above the last tabled F (a rounding event).
        mean: f64,
    },
    /// A large mean: rand_distr's sampler.
    Direct(Poisson<f64>),
}

impl PoissonTable {
    /// The law Poisson(mean). `None` for a negative, NaN or infinite mean.
    pub(crate) fn new(mean: f64) -> Option<PoissonTable> {
        if !(mean >= 0.0 && mean.is_finite()) {
            return None;
        }
        if mean == 0.0 {
            return Some(PoissonTable::Zero);
        }
        if mean > TABLE_MAX_MEAN {
            return Poisson::new(mean).ok().map(PoissonTable::Direct);
        }
        let mut cdf = Vec::new();
        let mut term = (-mean).exp();
        let mut total = term;
        cdf.push(total);
        let mut k = 0.0;
        // Past the mode the terms fall; stop once adding them no longer
        // changes F.
        loop {
            k += 1.0;
            term *= mean / k;
            let next = total + term;
            if next == total && k > mean {
                break;
            }
            total = next;
            cdf.push(total);
        }
        let n = cdf.len();
        let mut guide = Vec::with_capacity(n);
        let mut k = 0;
        for g in 0..n {
            let bar = g as f64 / n as f64;
            while k + 1 < n && cdf[k] <= bar {
                k += 1;
            }
            guide.push(k as u32);
        }
        Some(PoissonTable::Inversion {
            cdf: cdf.into_boxed_slice(),
            guide: guide.into_boxed_slice(),
            mean,
        })
    }

    /// The law Poisson(mean) drawn by rand_distr's sampler alone (the
    /// reference engine's); `None` as for [`PoissonTable::new`].
    pub(crate) fn direct(mean: f64) -> Option<PoissonTable> {
        if !(mean >= 0.0 && mean.is_finite()) {
            return None;
        }
        if mean == 0.0 {
            return Some(PoissonTable::Zero);
        }
        Poisson::new(mean).ok().map(PoissonTable::Direct)
    }

    /// One count.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            PoissonTable::Zero => 0,
            PoissonTable::Inversion { cdf, guide, mean } => {
                let u: f64 = rng.random();
                let n = cdf.len();
                // u · n may round up to n itself.
                let mut k = guide[((u * n as f64) as usize).min(n - 1)] as usize;
                while k < n && u >= cdf[k] {
                    k += 1;
                }
                if k < n {
                    return k as u64;
                }
                continue_past_table(u, cdf[n - 1], n, *mean)
            }
            // The sampler returns an integral f64; `as` is exact below 2^53.
            PoissonTable::Direct(poisson) => poisson.sample(rng) as u64,
        }
    }
}

/// The inversion continued past a table of `n` entries ending at F = `last`:
/// reached only when rounding left the tabled F below u.
#[cold]
fn continue_past_table(u: f64, last: f64, n: usize, mean: f64) -> u64 {
    // Recompute the last term in log space (the table's recurrence is not
    // kept), then go on until u is passed or the terms vanish.
    let mut k = n as f64 - 1.0;
    let mut term = (k * mean.ln() - mean - libm::lgamma(k + 1.0)).exp();
    let mut total = last;
    loop {
        k += 1.0;
        term *= mean / k;
        total += term;
        if u < total || term == 0.0 {
            return k as u64;
        }
    }
}

/// Products n · min(p, 1 − p) above this are drawn by rand_distr's BTPE
/// sampler: inversion walks about that many terms.
const INVERSION_MAX_MEAN: f64 = 30.0;

/// Binomial(n, p) given ln p and ln(1 − p) (the caller usually has them
/// cheaply): inversion from the smaller tail, one uniform. 0 (or n)
/// without a draw when n = 0, p = 0 or p = 1.
#[inline]
pub(crate) fn binomial<R: Rng + ?Sized>(n: u64, p: f64, ln_p: f64, ln_q: f64, rng: &mut R) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    // Count the rarer outcome: successes when p ≤ 1/2, failures otherwise.
    let (small, ln_small_complement) = if p <= 0.5 { (p, ln_q) } else { (1.0 - p, ln_p) };
    let count = if n as f64 * small > INVERSION_MAX_MEAN {
        Binomial::new(n, small)
            .expect("a probability in (0, 1)")
            .sample(rng)
    } else {
        let u: f64 = rng.random();
        // P(0) = (1 − small)^n, then P(k + 1) = P(k) · (n − k)/(k + 1) · r.
        let r = small / (1.0 - small);
        let mut term = (n as f64 * ln_small_complement).exp();
        let mut total = term;
        let mut k = 0;
        while u >= total && k < n {
            term *= (n - k) as f64 / (k + 1) as f64 * r;
            total += term;
            k += 1;
        }
        k
    };
    if p <= 0.5 { count } else { n - count }
}

/// Bins of [`TabledBeta`]'s envelope on [0, 1].
const BINS: usize = 128;
/// Regions of the envelope: each bin's squeeze (under the density's least
/// value on the bin) and its cap (between that and the greatest value).
const REGIONS: usize = 2 * BINS;
// A bin index and a 46-bit offset make one 53-bit value (see `sample`).
const _: () = assert!(BINS == 1 << (53 - 46));
/// Largest share of the envelope in caps for which a table pays; a peakier
/// density keeps the gamma-ratio sampler.
const MAX_CAP_SHARE: f64 = 0.15;

/// A beta law Beta(a, b) with a, b ≥ 1 (a bounded density), drawn by
/// rejection from a piecewise-constant envelope: on each of 128 equal bins
/// the envelope is the density's greatest value there, and the squeeze its
/// least (a beta density with a, b ≥ 1 is monotone on each side of its
/// mode, so both are at a bin end or the mode). A region (a bin's squeeze
/// or its cap) is chosen by Walker's alias method from the 8 high bits of
/// one random u64 (the other 56 bits are the coin), x is uniform in the bin
/// from a second u64, and a point in a squeeze is accepted at once; only a
/// point in a cap (a few percent) evaluates the density. Bounds are widened
/// by a relative 1e-9, far above the rounding of the density's evaluation,
/// so the envelope truly covers the density.
#[derive(Clone, Debug)]
pub(crate) struct TabledBeta {
    a: f64,
    b: f64,
    /// ln B(a, b).
    ln_beta: f64,
    /// Per region: keep the region when the coin is below this (in units of
    /// 2^-56), else take `alias`.
    keep_below: Box<[u64; REGIONS]>,
    alias: Box<[u8; REGIONS]>,
    /// Per bin: the squeeze and the envelope heights.
    squeeze: Box<[f64; BINS]>,
    envelope: Box<[f64; BINS]>,
}

impl TabledBeta {
    /// The sampler for Beta(a, b); `None` when a or b is below 1 (an
    /// unbounded density) or the density is too peaked for the table to pay.
    pub(crate) fn new(a: f64, b: f64) -> Option<TabledBeta> {
        if !(a >= 1.0 && b >= 1.0 && a.is_finite() && b.is_finite()) {
            return None;
        }
        let ln_beta = libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b);
        let density = |x: f64| beta_density(a, b, ln_beta, x);
        // The mode, where the density is greatest (an end when a or b is 1).
        let mode = if a == 1.0 && b == 1.0 {
            0.5
        } else {
            (a - 1.0) / (a + b - 2.0)
        };
        let mut squeeze = Box::new([0.0; BINS]);
        let mut envelope = Box::new([0.0; BINS]);
        for bin in 0..BINS {
            let (lo, hi) = (bin as f64 / BINS as f64, (bin + 1) as f64 / BINS as f64);
            let (f_lo, f_hi) = (density(lo), density(hi));
            let greatest = if lo < mode && mode < hi {
                density(mode).max(f_lo).max(f_hi)
            } else {
                f_lo.max(f_hi)
            };
            squeeze[bin] = f_lo.min(f_hi) * (1.0 - 1e-9);
            envelope[bin] = greatest * (1.0 + 1e-9) + f64::MIN_POSITIVE;
        }
        let total: f64 = envelope.iter().sum();
        let capped: f64 = envelope
            .iter()
            .zip(squeeze.iter())
            .map(|(e, s)| e - s)
            .sum();
        if !(total.is_finite() && capped / total <= MAX_CAP_SHARE) {
            return None;
        }
        // Region 2·bin is the bin's squeeze, 2·bin + 1 its cap; weights in
        // units where the mean region weight is 1.
        let weights: Vec<f64> = (0..REGIONS)
            .map(|region| {
                let bin = region / 2;
                let height = if region % 2 == 0 {
                    squeeze[bin]
                } else {
                    envelope[bin] - squeeze[bin]
                };
                height * REGIONS as f64 / total
            })
            .collect();
        let (keep, alias) = walker_alias(&weights);
        let mut keep_below = Box::new([0u64; REGIONS]);
        let mut alias_table = Box::new([0u8; REGIONS]);
        for region in 0..REGIONS {
            keep_below[region] = (keep[region] * COIN_SCALE).round().min(COIN_SCALE) as u64;
            alias_table[region] = alias[region] as u8;
        }
        Some(TabledBeta {
            a,
            b,
            ln_beta,
            keep_below,
            alias: alias_table,
            squeeze,
            envelope,
        })
    }

    /// One value in [0, 1).
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let word = rng.next_u64();
            let index = (word >> 56) as usize;
            let coin = word & COIN_MASK;
            let region = if coin < self.keep_below[index] {
                index
            } else {
                usize::from(self.alias[index])
            };
            let bin = region / 2;
            // x = (bin + m / 2^46) / 128 with m uniform on 46 bits: a
            // multiple of 2^-53, exactly, and below 1 (a sum in f64 could
            // round up to 1).
            let m = rng.next_u64() >> (64 - 46);
            let x = (((bin as u64) << 46) | m) as f64 * X_UNIT;
            if region % 2 == 0 {
                return x;
            }
            let (low, high) = (self.squeeze[bin], self.envelope[bin]);
            let height = low + rng.random::<f64>() * (high - low);
            if height < beta_density(self.a, self.b, self.ln_beta, x) {
                return x;
            }
        }
    }
}

/// 2^56: the coin of [`TabledBeta`] is the low 56 bits of a u64.
const COIN_SCALE: f64 = (1u64 << 56) as f64;
const COIN_MASK: u64 = (1 << 56) - 1;
/// 2^-53, the spacing of [`TabledBeta`]'s values (as of a standard f64
/// uniform).
const X_UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// The Beta(a, b) density at x, with ln B(a, b) given; a factor whose
/// exponent is 0 is 1 even at the end where its base is 0.
#[inline]
fn beta_density(a: f64, b: f64, ln_beta: f64, x: f64) -> f64 {
    let left = if a == 1.0 { 0.0 } else { (a - 1.0) * x.ln() };
    let right = if b == 1.0 {
        0.0
    } else {
        (b - 1.0) * (-x).ln_1p()
    };
    (left + right - ln_beta).exp()
}

/// Walker's alias tables (Vose's construction) for `weights` whose mean is
/// 1: per index, the probability of keeping it and the index taken
/// otherwise.
fn walker_alias(weights: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let n = weights.len();
    let mut keep = weights.to_vec();
    let mut alias: Vec<usize> = (0..n).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| keep[i] < 1.0);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        alias[s] = l;
        keep[l] -= 1.0 - keep[s];
        if keep[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left holds weight 1 up to rounding: always kept.
    for i in small.into_iter().chain(large) {
        keep[i] = 1.0;
    }
    (keep, alias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stream::{StreamKey, community_rng};
    use rand_chacha::ChaCha8Rng;

    fn rng(case: u32) -> ChaCha8Rng {
        community_rng(&StreamKey::new(2024, case, None), 0, 0)
    }

    /// Pearson's statistic of `counts` against `probabilities` (cells with
    /// expected counts below 5 pooled into the last one), and its degrees of
    /// freedom.
    fn chi_square(counts: &[u64], probabilities: &[f64]) -> (f64, usize) {
        let n: u64 = counts.iter().sum();
        let (mut statistic, mut cells) = (0.0, 0);
        let (mut pooled_count, mut pooled_expected) = (0.0, 0.0);
        for (count, p) in counts.iter().zip(probabilities) {
            let expected = p * n as f64;
            if expected < 5.0 {
                pooled_count += *count as f64;
                pooled_expected += expected;
            } else {
                statistic += (*count as f64 - expected).powi(2) / expected;
                cells += 1;
            }
        }
        if pooled_expected > 0.0 {
            statistic += (pooled_count - pooled_expected).powi(2) / pooled_expected;
            cells += 1;
        }
        (statistic, cells - 1)
    }

    /// The chi-square critical value at α = 1e-4 for `df` degrees of
    /// freedom (Wilson–Hilferty, accurate to a few percent here).
    fn critical(df: usize) -> f64 {
        let df = df as f64;
        let z = 3.719; // the standard normal's 1 − 1e-4 quantile
        df * (1.0 - 2.0 / (9.0 * df) + z * (2.0 / (9.0 * df)).sqrt()).powi(3)
    }

    fn poisson_pmf(mean: f64, k: usize) -> f64 {
        (k as f64 * mean.ln() - mean - libm::lgamma(k as f64 + 1.0)).exp()
    }

    /// The tabled Poisson law matches the Poisson probabilities: a
    /// chi-square test at α = 1e-4 over five means, 200,000 draws each.
    #[test]
    fn poisson_table_has_the_poisson_law() {
        for (case, mean) in [0.3, 1.16, 4.5, 17.3, 120.0].into_iter().enumerate() {
            let table = PoissonTable::new(mean).unwrap();
            let mut rng = rng(case as u32);
            let cells = (mean + 10.0 * mean.sqrt() + 20.0) as usize;
            let mut counts = vec![0u64; cells + 1];
            for _ in 0..200_000 {
                let k = table.sample(&mut rng) as usize;
                counts[k.min(cells)] += 1;
            }
            let mut probabilities: Vec<f64> = (0..cells).map(|k| poisson_pmf(mean, k)).collect();
            probabilities.push(1.0 - probabilities.iter().sum::<f64>());
            let (statistic, df) = chi_square(&counts, &probabilities);
            assert!(
                statistic < critical(df),
                "Poisson({mean}): chi-square {statistic} with {df} df"
            );
        }
        assert!(matches!(PoissonTable::new(0.0), Some(PoissonTable::Zero)));
        assert!(matches!(
            PoissonTable::new(1e4),
            Some(PoissonTable::Direct(_))
        ));
        assert!(PoissonTable::new(-1.0).is_none() && PoissonTable::new(f64::NAN).is_none());
    }

    /// Inversion is exact at the table's edges: u just below F(k) gives k,
    /// u at F(k) gives k + 1, and a u above the last tabled F still ends.
    #[test]
    fn poisson_table_inverts_exactly_at_the_steps() {
        let PoissonTable::Inversion { cdf, .. } = PoissonTable::new(3.0).unwrap() else {
            panic!("a small mean is tabled")
        };
        assert!((cdf[0] - (-3.0_f64).exp()).abs() < 1e-16);
        assert!((cdf[2] - (-3.0_f64).exp() * (1.0 + 3.0 + 4.5)).abs() < 1e-15);
        assert!(
            continue_past_table(1.0 - 1e-17, cdf[cdf.len() - 1], cdf.len(), 3.0)
                >= cdf.len() as u64
        );
    }

    fn binomial_pmf(n: u64, p: f64, k: u64) -> f64 {
        let ln_choose = libm::lgamma(n as f64 + 1.0)
            - libm::lgamma(k as f64 + 1.0)
            - libm::lgamma((n - k) as f64 + 1.0);
        (ln_choose + k as f64 * p.ln() + (n - k) as f64 * (-p).ln_1p()).exp()
    }

    /// Binomial inversion from either tail, and the fallback to BTPE, match
    /// the binomial probabilities (chi-square at α = 1e-4).
    #[test]
    fn binomial_inversion_has_the_binomial_law() {
        let cases = [(20, 0.83), (37, 0.1), (5, 0.5), (12, 0.02), (300, 0.4)];
        for (case, (n, p)) in cases.into_iter().enumerate() {
            let mut rng = rng(100 + case as u32);
            let mut counts = vec![0u64; n as usize + 1];
            for _ in 0..200_000 {
                let k = binomial(n, p, p.ln(), (-p).ln_1p(), &mut rng);
                counts[k as usize] += 1;
            }
            let probabilities: Vec<f64> = (0..=n).map(|k| binomial_pmf(n, p, k)).collect();
            let (statistic, df) = chi_square(&counts, &probabilities);
            assert!(
                statistic < critical(df),
                "Binomial({n}, {p}): chi-square {statistic} with {df} df"
            );
        }
        let mut r = rng(0);
        let before = r.clone();
        assert_eq!(binomial(0, 0.3, 0.3_f64.ln(), 0.7_f64.ln(), &mut r), 0);
        assert_eq!(binomial(9, 0.0, f64::NEG_INFINITY, 0.0, &mut r), 0);
        assert_eq!(binomial(9, 1.0, 0.0, f64::NEG_INFINITY, &mut r), 9);
        assert_eq!(r, before, "no draw for a certain outcome");
    }

    /// The regularised incomplete beta function I_x(a, b), by Simpson's rule
    /// on the density (smooth for a, b ≥ 1), for the test's expected cells.
    fn beta_cdf(a: f64, b: f64, x: f64) -> f64 {
        let ln_beta = libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b);
        let steps = 2000;
        let h = x / steps as f64;
        let f = |t: f64| beta_density(a, b, ln_beta, t);
        let mut sum = f(0.0) + f(x);
        for i in 1..steps {
            sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        sum * h / 3.0
    }

    /// The tabled beta matches Beta(a, b): a chi-square test on 50 equal
    /// cells at α = 1e-4, for the shapes of the shipped channels and the
    /// edge cases a = 1 or b = 1 (densities that peak at an end), 200,000
    /// draws each; a too-peaked density is refused.
    #[test]
    fn tabled_beta_has_the_beta_law() {
        let shapes = [
            (8.0, 2.0),
            (1.5, 8.0),
            (3.0, 5.0),
            (1.0, 1.0),
            (1.0, 3.0),
            (4.0, 1.0),
            (20.0, 20.0),
        ];
        for (case, (a, b)) in shapes.into_iter().enumerate() {
            let beta = TabledBeta::new(a, b).unwrap();
            let mut rng = rng(200 + case as u32);
            let cells = 50;
            let mut counts = vec![0u64; cells];
            for _ in 0..200_000 {
                let x = beta.sample(&mut rng);
                assert!((0.0..1.0).contains(&x));
                counts[(x * cells as f64) as usize] += 1;
            }
            let edges: Vec<f64> = (0..=cells)
                .map(|i| beta_cdf(a, b, i as f64 / cells as f64))
                .collect();
            let probabilities: Vec<f64> = edges.windows(2).map(|w| w[1] - w[0]).collect();
            let (statistic, df) = chi_square(&counts, &probabilities);
            assert!(
                statistic < critical(df),
                "Beta({a}, {b}): chi-square {statistic} with {df} df"
            );
        }
        assert!(TabledBeta::new(0.5, 2.0).is_none(), "unbounded density");
        assert!(
            TabledBeta::new(5000.0, 5000.0).is_none(),
            "too peaked to pay"
        );
    }

    /// Alias tables reproduce their weights exactly (up to rounding).
    #[test]
    fn alias_tables_keep_the_weights() {
        let weights = [0.5, 1.5, 0.0, 2.0, 1.0, 1.0, 0.25, 1.75];
        let (keep, alias) = walker_alias(&weights);
        let mut implied = vec![0.0; weights.len()];
        for i in 0..weights.len() {
            implied[i] += keep[i];
            implied[alias[i]] += 1.0 - keep[i];
        }
        for (w, v) in weights.iter().zip(&implied) {
            assert!((w - v).abs() < 1e-12, "{weights:?} vs {implied:?}");
        }
    }
}
