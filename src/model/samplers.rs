//! The engine's exact samplers: which set a plan uses ([`Samplers`], the
//! one type that knows the choice, so the steps call its methods and never
//! match on it), entry distributions ready to sample ([`Sampler`]), and the
//! fast samplers for the laws the engine draws most often, built once per
//! run where the law is fixed for a year or for the whole run:
//!
//! - [`PoissonTable`]: Poisson counts from an alias table (issues per type
//!   and kind, candidates per channel and kind);
//! - [`binomial`]: binomial counts by inversion from the smaller tail, for
//!   the small counts of step 1 (resolved and escalated issues);
//! - [`TabledBeta`]: beta skills by rejection from a piecewise-constant
//!   envelope with a squeeze, so that almost every draw is two table
//!   lookups and one random u64.
//!
//! Each draws from the same law as the direct sampler it replaces, exact up
//! to the rounding of f64 arithmetic and the 2^-53 grid of a uniform, like
//! any sampler; they only consume the stream differently. The unit tests
//! compare each with its law.

use rand::Rng;
use rand_distr::{Beta, Binomial, Distribution as _, Gamma, Normal, Poisson};

use super::params::Distribution;
use crate::{Error, Result};

/// Two sets of exact samplers of the same law (MODEL.md sections 2 and 6).
/// They consume the stream differently, so they give different bytes but
/// the same distribution of outcomes; tests/sampler_equivalence.rs checks
/// that over replicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Samplers {
    /// The engine's default.
    ///
    /// Candidates (steps 5 and 6): skills are drawn lazily, in descending
    /// order of their selection weight, and a candidate stops drawing as
    /// soon as even perfect remaining skills could not beat the best score
    /// so far (or the incumbent's); only the winner draws an age. Discarded
    /// candidates cannot affect the outcome, and age is independent of the
    /// skills, so the law is unchanged. Seat elections draw no challenger
    /// at all unless a bin region that holds every score above the
    /// incumbent's bar holds one (MODEL.md section 3.2, `challengers`):
    /// Poisson thinning (binomial with pools), the same law.
    ///
    /// Beta distributions with both shapes ≥ 1: rejection from a tabled
    /// envelope ([`TabledBeta`]); shapes below 1, and densities too peaked
    /// for the table to pay: X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    ///
    /// Issues: no per-community counts; the resolved, escalated and
    /// remaining totals of each block of communities as three Poisson
    /// counts per type (MODEL.md section 3.1, `year::issue_totals`).
    ///
    /// Poisson counts (candidates, pools): alias tables
    /// ([`PoissonTable`]), rand_distr's `Poisson` for means above 256.
    /// Binomial counts (pool departures): inversion from the smaller tail
    /// (rand_distr's `Binomial` when n · min(p, 1 − p) > 30).
    Fast,
    /// The direct reading of MODEL.md, kept as the reference: every
    /// candidate draws age, knowledge, experience and trust in that order,
    /// each community draws its own issue counts (N_j, then R_j and X_j as
    /// binomials), and betas, Poisson and binomial counts come from
    /// rand_distr's `Beta`, `Poisson` and `Binomial`.
    Reference,
}

impl Samplers {
    /// The Poisson law of mean `mean`: tabled for [`Samplers::Fast`],
    /// rand_distr's sampler for the reference. `None` for a mean that is
    /// not a finite number from 0 to about 1.8e19.
    pub(crate) fn poisson(self, mean: f64) -> Option<PoissonTable> {
        match self {
            Samplers::Fast => PoissonTable::new(mean),
            Samplers::Reference => PoissonTable::direct(mean),
        }
    }

    /// A Binomial(n, p) count: inversion ([`binomial`]) for
    /// [`Samplers::Fast`], rand_distr's `Binomial` for the reference. 0
    /// without a draw when n = 0 (and, for both, no draw when p is 0 or 1).
    #[inline]
    pub(crate) fn binomial<R: Rng + ?Sized>(self, n: u64, p: f64, rng: &mut R) -> u64 {
        match self {
            Samplers::Fast => binomial(n, p, rng),
            Samplers::Reference => {
                if n == 0 {
                    return 0;
                }
                Binomial::new(n, p)
                    .expect("p is in [0, 1]: a logistic of finite validated values, or a validated share")
                    .sample(rng)
            }
        }
    }

    /// `distribution` ready to sample; `what` names it in errors.
    pub(crate) fn entry(self, distribution: &Distribution, what: &str) -> Result<Sampler> {
        Ok(match *distribution {
            Distribution::Constant(value) => Sampler::Constant(value),
            Distribution::Normal { mean, sd, min, max } => {
                if !(sd > 0.0 && sd.is_finite() && mean.is_finite() && min <= max) {
                    return Err(invalid(
                        what,
                        "a truncated normal needs sd > 0 and min ≤ max",
                    ));
                }
                Sampler::TruncatedNormal {
                    normal: Normal::new(mean, sd).map_err(|e| invalid(what, &e.to_string()))?,
                    min,
                    max,
                }
            }
            Distribution::Beta { a, b } if self == Samplers::Reference => {
                Sampler::BetaCheng(Beta::new(a, b).map_err(|e| invalid(what, &e.to_string()))?)
            }
            Distribution::Beta { a, b } if TabledBeta::new(a, b).is_some() => Sampler::Tabled(
                TabledBeta::new(a, b).expect("the match guard just built this table"),
            ),
            Distribution::Beta { a, b } => {
                let gamma =
                    |shape: f64| Gamma::new(shape, 1.0).map_err(|e| invalid(what, &e.to_string()));
                Sampler::Beta {
                    x: gamma(a)?,
                    y: gamma(b)?,
                }
            }
        })
    }
}

/// An error about the parameter at path `what`. The origin is left
/// empty: the model knows the parameters, not the files they came from, so
/// the study gate (`Study::load`) fills in the position.
pub(crate) fn invalid(what: &str, message: &str) -> Error {
    Error::input("", what, message)
}

/// An entry distribution ready to sample.
#[derive(Clone, Debug)]
pub(crate) enum Sampler {
    /// Always this value: no draw.
    Constant(f64),
    /// A normal restricted to `[min, max]` by rejection: the first draw
    /// inside the window is kept (never clamped). Validation guarantees the
    /// window holds probability ≥ 1e-6, so the loop ends.
    TruncatedNormal {
        /// The untruncated normal.
        normal: Normal<f64>,
        /// Lower bound, inclusive.
        min: f64,
        /// Upper bound, inclusive.
        max: f64,
    },
    /// A beta distribution on [0, 1], drawn as X / (X + Y) with X ~ Gamma(a)
    /// and Y ~ Gamma(b) (Marsaglia–Tsang, which rarely needs a logarithm):
    /// the same law as rand_distr's `Beta` (Cheng's algorithms), at about
    /// half the cost; the default engine's sampler for the shapes that
    /// [`TabledBeta`] does not take (below 1, or too peaked).
    Beta {
        /// Gamma(a, 1).
        x: Gamma<f64>,
        /// Gamma(b, 1).
        y: Gamma<f64>,
    },
    /// A beta distribution with both shapes ≥ 1, drawn from a tabled
    /// envelope ([`TabledBeta`]): the default engine's sampler where the
    /// table pays.
    Tabled(TabledBeta),
    /// A beta distribution drawn by rand_distr's `Beta` (Cheng's
    /// algorithms): the reference engine's sampler.
    BetaCheng(Beta<f64>),
}

impl Sampler {
    /// One value; the number of draws consumed depends only on the values
    /// drawn (none for a constant).
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Constant(value) => *value,
            Sampler::TruncatedNormal { normal, min, max } => loop {
                let x = normal.sample(rng);
                if x >= *min && x <= *max {
                    break x;
                }
            },
            Sampler::Beta { x, y } => loop {
                let x = x.sample(rng);
                let y = y.sample(rng);
                // Both gammas can underflow to 0 for tiny shapes; 0/0 is no
                // value of the law, so such a pair is drawn again.
                if x + y > 0.0 {
                    break x / (x + y);
                }
            },
            Sampler::Tabled(beta) => beta.sample(rng),
            Sampler::BetaCheng(beta) => beta.sample(rng),
        }
    }
}

/// Walker's alias method over 2^bits columns, drawn from one random u64:
/// the high `bits` bits pick a column, the low 64 − bits bits are the coin
/// that keeps the column or takes its alias. The integer thresholds step by
/// 2^-(64 − bits); the probabilities they hold are accurate to about 1e-14,
/// the rounding of their construction in f64 (as for any tabled sampler).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Alias {
    bits: u32,
    /// Per column: keep it when the coin is below this.
    keep_below: Box<[u64]>,
    /// Per column: the outcome taken otherwise.
    alias: Box<[u32]>,
}

impl Alias {
    /// The table for `weights` (≥ 0, not all 0), padded with zero weights
    /// to a power of two of at least 2 columns.
    fn new(weights: &[f64]) -> Alias {
        let n = weights.len().max(2).next_power_of_two();
        let bits = n.trailing_zeros();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        scaled.resize(n, 0.0);
        let (keep, alias) = walker_alias(&scaled);
        let coins = (1u64 << (64 - bits)) as f64;
        Alias {
            bits,
            keep_below: keep
                .iter()
                .map(|k| (k * coins).round().min(coins) as u64)
                .collect(),
            alias: alias.iter().map(|&a| a as u32).collect(),
        }
    }

    /// The outcome for one random u64.
    #[inline]
    fn pick(&self, word: u64) -> usize {
        let column = (word >> (64 - self.bits)) as usize;
        let coin = word & (u64::MAX >> self.bits);
        if coin < self.keep_below[column] {
            column
        } else {
            self.alias[column] as usize
        }
    }
}

/// Means above this are drawn by rand_distr's Poisson sampler instead of a
/// table: the table would be long, and its terms are computed by a
/// recurrence from e^(−mean), which underflows near 745.
const TABLE_MAX_MEAN: f64 = 256.0;

/// A Poisson law of fixed mean: the probabilities of 0, 1, …, K in an
/// alias table, one random u64 and no search per draw. K is the first
/// count past the mean whose probability is below 2^-64; the tail beyond
/// it, which the table leaves out, holds less than 2^-60 (the terms fall
/// at least geometrically there), far below the table's own rounding.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PoissonTable {
    /// Mean 0: always 0, no draw.
    Zero,
    /// The tabled law.
    Tabled(Alias),
    /// A large mean: rand_distr's sampler.
    Direct(Poisson<f64>),
}

impl PoissonTable {
    /// The law Poisson(mean): tabled for a mean in (0, 256], as
    /// [`PoissonTable::direct`] otherwise (`None` for a negative, NaN or
    /// infinite mean).
    pub(crate) fn new(mean: f64) -> Option<PoissonTable> {
        if mean > 0.0 && mean <= TABLE_MAX_MEAN {
            Some(PoissonTable::Tabled(Alias::new(&poisson_probabilities(
                mean,
            ))))
        } else {
            PoissonTable::direct(mean)
        }
    }

    /// The law Poisson(mean) drawn by rand_distr's sampler alone (the
    /// reference engine's): no draw for mean 0, `None` for a negative, NaN
    /// or infinite mean.
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
            PoissonTable::Tabled(alias) => alias.pick(rng.next_u64()) as u64,
            // The sampler returns an integral f64; `as` is exact below 2^53.
            PoissonTable::Direct(poisson) => poisson.sample(rng) as u64,
        }
    }
}

/// P(0), P(1), …, P(K) of Poisson(mean), K the first count past the mean
/// with P(K) < 2^-64 (mean ≤ [`TABLE_MAX_MEAN`], so e^(−mean) does not
/// underflow).
fn poisson_probabilities(mean: f64) -> Vec<f64> {
    let mut probabilities = vec![libm::exp(-mean)];
    let mut term = probabilities[0];
    let mut k = 0.0;
    while !(k > mean && term < TAIL_TERM) {
        k += 1.0;
        term *= mean / k;
        probabilities.push(term);
    }
    probabilities
}

/// 2^-64: the last tabled Poisson probability is below this.
const TAIL_TERM: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// Products n · min(p, 1 − p) above this are drawn by rand_distr's BTPE
/// sampler: inversion walks about that many terms.
const INVERSION_MAX_MEAN: f64 = 30.0;

/// Binomial(n, p) by inversion from the smaller tail, one uniform. 0 (or
/// n) without a draw when n = 0, p = 0 or p = 1.
#[inline]
pub(crate) fn binomial<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    debug_assert!(!p.is_nan(), "a binomial probability is a number");
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    // Count the rarer outcome: successes when p ≤ 1/2, failures otherwise.
    let (small, complement) = if p <= 0.5 { (p, 1.0 - p) } else { (1.0 - p, p) };
    let count = if n as f64 * small > INVERSION_MAX_MEAN {
        Binomial::new(n, small)
            .expect("small is in (0, 1/2] after the returns for p <= 0 and p >= 1")
            .sample(rng)
    } else {
        // P(0) = (1 − small)^n, then P(k + 1) = P(k) · (n − k)/(k + 1) · r.
        // With n · small ≤ 30, P(0) ≥ e^-45: no underflow.
        let r = small / complement;
        let first = power(complement, n);
        loop {
            let u: f64 = rng.random();
            let (mut term, mut total, mut k) = (first, first, 0);
            while u >= total && k < n && term > 0.0 {
                term *= (n - k) as f64 / (k + 1) as f64 * r;
                total += term;
                k += 1;
            }
            // The summed probabilities fall short of 1 by rounding (about
            // 1e-14); a uniform in that gap is drawn again, which is the
            // law of the tabled probabilities, renormalised.
            if u < total {
                break k;
            }
        }
    };
    if p <= 0.5 { count } else { n - count }
}

/// x^n by binary exponentiation, with its multiplications in one fixed
/// order (`powi` leaves the order to the compiler, so its last bits could
/// differ between builds).
#[inline]
fn power(mut x: f64, mut n: u64) -> f64 {
    let mut result = 1.0;
    while n > 0 {
        if n & 1 == 1 {
            result *= x;
        }
        x *= x;
        n >>= 1;
    }
    result
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
/// or its cap) is chosen by an alias table from one random u64, and a
/// point in a squeeze is accepted at once; only a point in a cap (a few
/// percent) evaluates the density. Bounds are widened by a relative 1e-9,
/// far above the rounding of the density's evaluation, so the envelope
/// truly covers the density.
///
/// The position in the bin reuses the alias coin: given the region, the
/// coin's residual is uniform on the R values that led to it, and scaling
/// it to 46 bits gives an offset whose distribution function is within
/// about 1/R of the uniform one. It is reused only when R ≥ 2^52 (error ≤
/// 2^-52, the resolution of an f64 uniform, whose own grid is 2^-53); a
/// rarer outcome draws a second u64. So a typical draw costs one u64.
#[derive(Clone, Debug)]
pub(crate) struct TabledBeta {
    a: f64,
    b: f64,
    /// ln B(a, b).
    ln_beta: f64,
    /// The alias table over regions (region 2·bin is the bin's squeeze,
    /// 2·bin + 1 its cap), one entry per column.
    columns: Box<[BetaColumn; REGIONS]>,
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
        let mode = beta_mode(a, b);
        let mut squeeze = Box::new([0.0; BINS]);
        let mut envelope = Box::new([0.0; BINS]);
        for bin in 0..BINS {
            let (lo, hi) = (bin as f64 / BINS as f64, (bin + 1) as f64 / BINS as f64);
            (squeeze[bin], envelope[bin]) = unimodal_bounds(&density, lo, hi, mode);
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
        let weights: Vec<f64> = (0..REGIONS)
            .map(|region| {
                let bin = region / 2;
                if region % 2 == 0 {
                    squeeze[bin]
                } else {
                    envelope[bin] - squeeze[bin]
                }
            })
            .collect();
        let regions = Alias::new(&weights);
        debug_assert_eq!(regions.keep_below.len(), REGIONS);
        let scale = |outcomes: u64| {
            if outcomes >= 1 << 52 {
                OFFSET_SCALE / outcomes as f64
            } else {
                0.0
            }
        };
        let columns: Vec<BetaColumn> = (0..REGIONS)
            .map(|column| {
                let kept = regions.keep_below[column];
                BetaColumn {
                    keep_below: kept,
                    alias: regions.alias[column] as usize,
                    scale: [scale(kept), scale((1 << 56) - kept)],
                }
            })
            .collect();
        Some(TabledBeta {
            a,
            b,
            ln_beta,
            columns: columns
                .try_into()
                .expect("collected from exactly 0..REGIONS"),
            squeeze,
            envelope,
        })
    }

    /// One value in [0, 1).
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let word = rng.next_u64();
            let column = &self.columns[(word >> 56) as usize];
            let coin = word & ((1 << 56) - 1);
            let keep = coin < column.keep_below;
            let region = if keep {
                (word >> 56) as usize
            } else {
                column.alias
            };
            let residual = if keep { coin } else { coin - column.keep_below };
            let scale = column.scale[usize::from(!keep)];
            // The offset m, uniform on 46 bits: from the coin's residual, or
            // afresh when too few coin values led here. Values below 2^63
            // convert through i64, a single instruction.
            let m = if scale > 0.0 {
                ((residual as i64 as f64 * scale) as i64 as u64).min(OFFSET_MAX)
            } else {
                rng.next_u64() >> (64 - 46)
            };
            let bin = region / 2;
            // x = (bin + m / 2^46) / 128: a multiple of 2^-53, exactly, and
            // below 1 (a sum in f64 could round up to 1).
            let x = ((((bin as u64) << 46) | m) as i64) as f64 * X_UNIT;
            if region % 2 == 0 || self.accept_in_cap(bin, x, rng) {
                return x;
            }
        }
    }

    /// Whether a point at `x` in `bin`'s cap lies under the density: a
    /// uniform height between the squeeze and the envelope, compared with
    /// the density. Rare (a few percent of draws), so kept out of line.
    #[cold]
    #[inline(never)]
    fn accept_in_cap<R: Rng + ?Sized>(&self, bin: usize, x: f64, rng: &mut R) -> bool {
        let (low, high) = (self.squeeze[bin], self.envelope[bin]);
        let height = low + rng.random::<f64>() * (high - low);
        height < beta_density(self.a, self.b, self.ln_beta, x)
    }
}

/// One column of [`TabledBeta`]'s alias table.
#[derive(Clone, Copy, Debug)]
struct BetaColumn {
    /// Keep the column's region when the 56-bit coin is below this.
    keep_below: u64,
    /// The region taken otherwise.
    alias: usize,
    /// For the kept and the aliased outcome: 2^46 / R, which scales the
    /// coin's residual to a 46-bit offset; 0 when R < 2^52 (draw afresh).
    scale: [f64; 2],
}

/// 2^46 and the largest 46-bit offset in a bin of [`TabledBeta`].
const OFFSET_SCALE: f64 = (1u64 << 46) as f64;
const OFFSET_MAX: u64 = (1 << 46) - 1;
/// 2^-53, the spacing of [`TabledBeta`]'s values (as of a standard f64
/// uniform).
const X_UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// Where the Beta(a, b) density with a, b ≥ 1 is greatest (an end when a or
/// b is 1; the middle for the uniform).
pub(crate) fn beta_mode(a: f64, b: f64) -> f64 {
    if a == 1.0 && b == 1.0 {
        0.5
    } else {
        (a - 1.0) / (a + b - 2.0)
    }
}

/// A lower and an upper bound of a unimodal `density` with its greatest
/// value at `mode` on [lo, hi]: the least value is at one end, the greatest
/// at the mode when it lies inside, else at an end. Widened by a relative
/// 1e-9, far above the rounding of a density's evaluation, so the bounds
/// truly bound.
pub(crate) fn unimodal_bounds(
    density: &impl Fn(f64) -> f64,
    lo: f64,
    hi: f64,
    mode: f64,
) -> (f64, f64) {
    let (f_lo, f_hi) = (density(lo), density(hi));
    let greatest = if lo < mode && mode < hi {
        density(mode).max(f_lo).max(f_hi)
    } else {
        f_lo.max(f_hi)
    };
    (
        f_lo.min(f_hi) * (1.0 - 1e-9),
        greatest * (1.0 + 1e-9) + f64::MIN_POSITIVE,
    )
}

/// The Beta(a, b) density at x, with ln B(a, b) given; a factor whose
/// exponent is 0 is 1 even at the end where its base is 0.
#[inline]
pub(crate) fn beta_density(a: f64, b: f64, ln_beta: f64, x: f64) -> f64 {
    let left = if a == 1.0 {
        0.0
    } else {
        (a - 1.0) * libm::log(x)
    };
    let right = if b == 1.0 {
        0.0
    } else {
        (b - 1.0) * libm::log1p(-x)
    };
    libm::exp(left + right - ln_beta)
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
    use crate::model::Stream;
    use crate::model::stream::{StreamKey, community_rng};

    fn rng(case: u32) -> Stream {
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
    /// freedom.
    fn critical(df: usize) -> f64 {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        ChiSquared::new(df as f64)
            .expect("df ≥ 1")
            .inverse_cdf(1.0 - 1e-4)
    }

    fn poisson_pmf(mean: f64, k: usize) -> f64 {
        use statrs::distribution::Discrete;
        statrs::distribution::Poisson::new(mean)
            .expect("a positive mean")
            .pmf(k as u64)
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
            PoissonTable::new(200.0),
            Some(PoissonTable::Tabled(_))
        ));
        assert!(matches!(
            PoissonTable::new(1e4),
            Some(PoissonTable::Direct(_))
        ));
        assert!(PoissonTable::new(-1.0).is_none() && PoissonTable::new(f64::NAN).is_none());
    }

    /// The table covers all but a negligible tail: its last count lies
    /// past the mean with a probability below 2^-64, and the terms beyond
    /// it, which fall at least geometrically, sum to less than 2^-60.
    #[test]
    fn poisson_table_leaves_out_only_a_negligible_tail() {
        for mean in [0.01, 1.16, 3.0, 40.0, 256.0] {
            let probabilities = poisson_probabilities(mean);
            let last = probabilities.len() - 1;
            assert!(last as f64 > mean && probabilities[last] < TAIL_TERM);
            let ratio = mean / (last + 1) as f64;
            let tail = probabilities[last] * ratio / (1.0 - ratio);
            assert!(tail < TAIL_TERM * 16.0, "Poisson({mean}): tail {tail}");
            let total: f64 = probabilities.iter().sum();
            assert!(
                (total - 1.0).abs() < 1e-13,
                "Poisson({mean}): sums to {total}"
            );
        }
    }

    /// The integer thresholds and the bit split of `pick` give every
    /// outcome its weight: summing, over all columns, the share of coin
    /// values that lead to each outcome reproduces the normalised weights.
    #[test]
    fn alias_picks_reproduce_the_weights() {
        let weights = [0.5, 1.5, 0.0, 2.0, 1.0, 1.0, 0.25];
        let alias = Alias::new(&weights);
        let columns = alias.keep_below.len();
        assert_eq!(columns, 8, "padded to a power of two");
        let coins = (1u64 << (64 - alias.bits)) as f64;
        let mut implied = [0.0; 8];
        for column in 0..columns {
            // The first and last coin of the column, through `pick` itself.
            let base = (column as u64) << (64 - alias.bits);
            let kept = alias.keep_below[column];
            if kept > 0 {
                assert_eq!(alias.pick(base), column);
            }
            if (kept as f64) < coins {
                assert_eq!(
                    alias.pick(base | (u64::MAX >> alias.bits)),
                    alias.alias[column] as usize
                );
            }
            implied[column] += kept as f64 / coins / columns as f64;
            implied[alias.alias[column] as usize] += (coins - kept as f64) / coins / columns as f64;
        }
        let total: f64 = weights.iter().sum();
        for (outcome, share) in implied.iter().enumerate() {
            let expected = weights.get(outcome).copied().unwrap_or(0.0) / total;
            assert!(
                (share - expected).abs() < 1e-15,
                "outcome {outcome}: {share} vs {expected}"
            );
        }
    }

    fn binomial_pmf(n: u64, p: f64, k: u64) -> f64 {
        use statrs::distribution::Discrete;
        statrs::distribution::Binomial::new(p, n)
            .expect("a probability")
            .pmf(k)
    }

    /// Binomial inversion from either tail, and the fallback to BTPE, match
    /// the binomial probabilities (chi-square at α = 1e-4).
    #[test]
    fn binomial_inversion_has_the_binomial_law() {
        let cases = [
            (20, 0.83),
            (37, 0.1),
            (5, 0.5),
            (12, 0.02),
            (300, 0.4),
            (300, 0.8),
        ];
        for (case, (n, p)) in cases.into_iter().enumerate() {
            let mut rng = rng(100 + case as u32);
            let mut counts = vec![0u64; n as usize + 1];
            for _ in 0..200_000 {
                let k = binomial(n, p, &mut rng);
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
        assert_eq!(binomial(0, 0.3, &mut r), 0);
        assert_eq!(binomial(9, 0.0, &mut r), 0);
        assert_eq!(binomial(9, 1.0, &mut r), 9);
        assert_eq!(r, before, "no draw for a certain outcome");
    }

    /// P(lo < X < hi) for X ~ Beta(a, b), from statrs's distribution
    /// function (independent of the sampler's own density).
    fn beta_cell(a: f64, b: f64, lo: f64, hi: f64) -> f64 {
        use statrs::distribution::{Beta, ContinuousCDF};
        let beta = Beta::new(a, b).expect("positive shapes");
        beta.cdf(hi) - beta.cdf(lo)
    }

    /// The tabled beta matches Beta(a, b): a chi-square test on 640 equal
    /// cells (five to each of the table's bins, so the law inside a bin is
    /// tested too) at α = 1e-4, for the shapes of the shipped channels and the
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
            let cells = 5 * BINS;
            let mut counts = vec![0u64; cells];
            for _ in 0..200_000 {
                let x = beta.sample(&mut rng);
                assert!((0.0..1.0).contains(&x));
                counts[(x * cells as f64) as usize] += 1;
            }
            let probabilities: Vec<f64> = (0..cells)
                .map(|i| beta_cell(a, b, i as f64 / cells as f64, (i + 1) as f64 / cells as f64))
                .collect();
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

    /// The position within a bin, which reuses the alias coin, is uniform
    /// (Kolmogorov–Smirnov at α = 1e-4 over 200,000 draws: critical
    /// distance √(ln(2/α)/2)/√n = 2.226/√n), and a draw costs little more than one random u64
    /// on average. (Pooled over bins, the beta law's own in-bin offset is
    /// uniform up to terms of order 1/128² for these shapes, whose density
    /// is 0 at both ends, far below the test's resolution.)
    #[test]
    fn tabled_beta_positions_are_uniform_within_bins_at_one_word_a_draw() {
        for (case, (a, b)) in [(5.0, 4.0), (2.0, 7.0)].into_iter().enumerate() {
            let beta = TabledBeta::new(a, b).unwrap();
            let mut rng = rng(300 + case as u32);
            let n = 200_000;
            let start = rng.get_word_pos();
            let mut offsets: Vec<f64> = (0..n)
                .map(|_| (beta.sample(&mut rng) * BINS as f64).fract())
                .collect();
            let words_per_draw = (rng.get_word_pos() - start) as f64 / n as f64;
            assert!(
                words_per_draw < 2.0 * 1.15,
                "Beta({a}, {b}): {words_per_draw} 32-bit words per draw"
            );
            offsets.sort_by(f64::total_cmp);
            let distance = offsets
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    (x - i as f64 / n as f64)
                        .abs()
                        .max((i + 1) as f64 / n as f64 - x)
                })
                .fold(0.0, f64::max);
            assert!(
                distance < 2.226 / (n as f64).sqrt(),
                "Beta({a}, {b}): KS distance {distance} of the in-bin offsets"
            );
        }
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
