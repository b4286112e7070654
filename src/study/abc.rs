//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC,
//! population Monte Carlo with adaptive tolerances: Beaumont et al. 2009,
//! Toni et al. 2009, Lenormand et al. 2013), the search of `succession
//! calibrate --search`.
//!
//! Pure arithmetic on parameter vectors and distances: no runs, no files.
//! The lifecycle layer runs each generation's proposals as one sweep and
//! hands their distances back to [`Search::select`].
//!
//! Each generation proposes [`PROPOSALS_PER_PARTICLE`] × N parameter
//! vectors: the first from the prior, the later ones each from a particle
//! of the previous generation drawn by weight, moved by a Gaussian kernel
//! with the population's weighted covariance (Beaumont et al. take twice
//! it; with a fixed budget of proposals per generation, once it lowered
//! the tolerance about twice as fast in this module's recovery test: 3.7
//! against 7.7 after six generations). Proposals outside the prior
//! are not run. Of those run, the N closest to the targets are kept (ties
//! in proposal order), so the generation's tolerance is the N-th smallest
//! distance, an adaptive quantile of the proposals' distances. A kept
//! particle's weight is π(θ) / q(θ), q the mixture the proposals were drawn
//! from, normalised; the priors are uniform in the search coordinates (the
//! value, or its logarithm for `scale = "log"`), so π is constant inside
//! the prior box. Generation and proposal order fix every draw: the same
//! seed gives the same search, whatever was interrupted in between.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Proposals (and so at most runs, times replicates) per particle and
/// generation.
pub const PROPOSALS_PER_PARTICLE: usize = 3;

/// The domain tag of the search's stream (MODEL.md section 3 gives the
/// model's own tags; this one keeps the search's draws apart from them).
const SEARCH_TAG: [u8; 8] = *b"ABCSMC01";

/// How a prior spreads over its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Uniform on [from, to].
    Linear,
    /// Uniform in the logarithm (log-uniform) on [from, to], from > 0.
    Log,
}

/// The prior of one searched scenario path.
#[derive(Clone, Debug, PartialEq)]
pub struct Prior {
    /// The scenario path, as `--set` takes it.
    pub path: String,
    /// The range's lower end.
    pub from: f64,
    /// The range's upper end (above `from`).
    pub to: f64,
    /// How the prior spreads over the range.
    pub scale: Scale,
}

impl Prior {
    /// The search coordinate of value `x`: x, or ln x.
    pub fn coordinate(&self, x: f64) -> f64 {
        match self.scale {
            Scale::Linear => x,
            Scale::Log => x.ln(),
        }
    }

    /// The value of search coordinate `z`.
    pub fn value(&self, z: f64) -> f64 {
        match self.scale {
            Scale::Linear => z,
            Scale::Log => z.exp(),
        }
    }

    /// The range in search coordinates.
    fn bounds(&self) -> (f64, f64) {
        (self.coordinate(self.from), self.coordinate(self.to))
    }
}

/// One kept proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Particle {
    /// Its parameter values, in the order of the priors.
    pub values: Vec<f64>,
    /// Its normalised importance weight.
    pub weight: f64,
    /// Its distance to the targets.
    pub distance: f64,
    /// Its index among the generation's proposals.
    pub proposal: usize,
}

/// One generation's kept particles.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// 0 for the draw from the prior.
    pub index: usize,
    /// The largest kept distance.
    pub tolerance: f64,
    /// The kept particles, closest first.
    pub particles: Vec<Particle>,
    /// How many proposals fell inside the prior and were run.
    pub run: usize,
}

/// Kernel draws tried per proposal before it is given up as outside the
/// prior: a generation whose particles sit at the box's edge in many
/// dimensions needs many (about 2^d for d parameters at a corner).
pub const MAX_DRAWS: usize = 100_000;

/// A search: its priors, the particles it keeps per generation and its
/// seed.
#[derive(Clone, Debug)]
pub struct Search {
    /// The searched paths' priors, in the order of a particle's values.
    pub priors: Vec<Prior>,
    /// Particles kept per generation (N).
    pub particles: usize,
    /// The seed of the search's stream.
    pub seed: u64,
}

/// The Gaussian kernel that moves a generation's particles: the previous
/// particles in search coordinates with their weights, and the lower
/// Cholesky factor of their weighted covariance.
struct Kernel {
    centres: Vec<Vec<f64>>,
    weights: Vec<f64>,
    factor: Vec<Vec<f64>>,
}

impl Search {
    /// The proposals of generation `index` (`previous` is generation index −
    /// 1, `None` for generation 0): each a parameter vector, or `None` when
    /// no draw of [`MAX_DRAWS`] fell inside the prior (it is not run).
    ///
    /// A kernel move that leaves the prior's box is drawn again: the
    /// proposals follow the kernel mixture truncated to the box, whose
    /// density differs from the mixture's by one constant factor for the
    /// whole generation, so the weights π / q are unchanged once
    /// normalised. (Dropping such moves instead left fewer than N proposals
    /// to run in many dimensions, and the generation kept them all.)
    pub fn proposals(&self, index: usize, previous: Option<&Generation>) -> Vec<Option<Vec<f64>>> {
        let mut rng = self.stream(index);
        let n = PROPOSALS_PER_PARTICLE * self.particles;
        let bounds: Vec<(f64, f64)> = self.priors.iter().map(Prior::bounds).collect();
        let kernel = previous.map(|g| self.kernel(g));
        (0..n)
            .map(|_| {
                for _ in 0..MAX_DRAWS {
                    let z: Vec<f64> = match &kernel {
                        None => bounds
                            .iter()
                            .map(|&(lo, hi)| lo + (hi - lo) * rng.random::<f64>())
                            .collect(),
                        Some(kernel) => kernel.draw(&mut rng),
                    };
                    let inside = z
                        .iter()
                        .zip(&bounds)
                        .all(|(&z, &(lo, hi))| (lo..=hi).contains(&z));
                    if inside {
                        return Some(
                            z.iter()
                                .zip(&self.priors)
                                .map(|(&z, prior)| prior.value(z).clamp(prior.from, prior.to))
                                .collect(),
                        );
                    }
                }
                None
            })
            .collect()
    }

    /// Generation `index` from its `proposals` and their `distances`
    /// (infinite for a proposal not run or rejected by a constraint): the
    /// N closest, weighted against the mixture they were drawn from.
    pub fn select(
        &self,
        index: usize,
        proposals: &[Option<Vec<f64>>],
        distances: &[f64],
        previous: Option<&Generation>,
    ) -> Generation {
        assert_eq!(
            proposals.len(),
            distances.len(),
            "one distance per proposal"
        );
        let run = proposals.iter().filter(|p| p.is_some()).count();
        let mut order: Vec<usize> = (0..proposals.len())
            .filter(|&i| proposals[i].is_some() && distances[i].is_finite())
            .collect();
        // Stable: equal distances keep proposal order.
        order.sort_by(|&a, &b| distances[a].total_cmp(&distances[b]));
        order.truncate(self.particles);
        let kernel = previous.map(|g| self.kernel(g));
        let log_weights: Vec<f64> = order
            .iter()
            .map(|&i| match &kernel {
                // Drawn from the prior: π / q is constant.
                None => 0.0,
                Some(kernel) => {
                    let z = self.coordinates(proposals[i].as_ref().expect("kept proposals ran"));
                    -kernel.log_mixture(&z)
                }
            })
            .collect();
        let top = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let raw: Vec<f64> = log_weights.iter().map(|w| (w - top).exp()).collect();
        let total: f64 = raw.iter().sum();
        let particles: Vec<Particle> = order
            .iter()
            .zip(&raw)
            .map(|(&i, &w)| Particle {
                values: proposals[i].clone().expect("kept proposals ran"),
                weight: w / total,
                distance: distances[i],
                proposal: i,
            })
            .collect();
        Generation {
            index,
            tolerance: particles.last().map_or(f64::INFINITY, |p| p.distance),
            particles,
            run,
        }
    }

    /// The search's stream for generation `index`: ChaCha8 keyed by the
    /// seed and the search's tag, the generation as the ChaCha stream.
    fn stream(&self, index: usize) -> ChaCha8Rng {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.seed.to_le_bytes());
        key[24..].copy_from_slice(&SEARCH_TAG);
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(index as u64);
        rng
    }

    fn coordinates(&self, values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .zip(&self.priors)
            .map(|(&x, prior)| prior.coordinate(x))
            .collect()
    }

    /// The kernel of the generation after `previous`.
    fn kernel(&self, previous: &Generation) -> Kernel {
        let centres: Vec<Vec<f64>> = previous
            .particles
            .iter()
            .map(|p| self.coordinates(&p.values))
            .collect();
        let weights: Vec<f64> = previous.particles.iter().map(|p| p.weight).collect();
        let d = self.priors.len();
        let mean: Vec<f64> = (0..d)
            .map(|a| centres.iter().zip(&weights).map(|(z, w)| w * z[a]).sum())
            .collect();
        let mut covariance = vec![vec![0.0; d]; d];
        for (z, w) in centres.iter().zip(&weights) {
            for a in 0..d {
                for b in 0..d {
                    covariance[a][b] += w * (z[a] - mean[a]) * (z[b] - mean[b]);
                }
            }
        }
        // A population collapsed in some direction still moves: a ridge of
        // a tiny share of the prior's width, grown until the factor exists.
        let widths: Vec<f64> = self
            .priors
            .iter()
            .map(|p| {
                let (lo, hi) = p.bounds();
                hi - lo
            })
            .collect();
        let mut ridge = 1e-12;
        let factor = loop {
            if let Some(factor) = cholesky(&covariance) {
                break factor;
            }
            if ridge > 1.0 {
                // Nothing of the population is left to scale by: a kernel
                // of a tenth of the prior's width in each direction.
                let diagonal: Vec<Vec<f64>> = (0..d)
                    .map(|a| {
                        (0..d)
                            .map(|b| if a == b { 0.1 * widths[a] } else { 0.0 })
                            .collect()
                    })
                    .collect();
                break diagonal;
            }
            for a in 0..d {
                covariance[a][a] += ridge * widths[a] * widths[a];
            }
            ridge *= 10.0;
        };
        Kernel {
            centres,
            weights,
            factor,
        }
    }
}

impl Kernel {
    /// A centre drawn by weight, moved by the kernel.
    fn draw(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let target = rng.random::<f64>();
        let mut sum = 0.0;
        let mut chosen = self.centres.len() - 1;
        for (j, w) in self.weights.iter().enumerate() {
            sum += w;
            if target < sum {
                chosen = j;
                break;
            }
        }
        let normals: Vec<f64> = (0..self.factor.len())
            .map(|_| rng.sample(StandardNormal))
            .collect();
        self.centres[chosen]
            .iter()
            .enumerate()
            .map(|(a, &c)| c + (0..=a).map(|b| self.factor[a][b] * normals[b]).sum::<f64>())
            .collect()
    }

    /// ln Σ_j w_j K(z | centre_j), up to the kernel's normalising constant
    /// (the same for every z, so it cancels in the weights).
    fn log_mixture(&self, z: &[f64]) -> f64 {
        let exponents: Vec<f64> = self
            .centres
            .iter()
            .zip(&self.weights)
            .map(|(centre, w)| {
                let difference: Vec<f64> = z.iter().zip(centre).map(|(a, b)| a - b).collect();
                let solved = forward_solve(&self.factor, &difference);
                w.ln() - 0.5 * solved.iter().map(|x| x * x).sum::<f64>()
            })
            .collect();
        let top = exponents.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        top + exponents.iter().map(|e| (e - top).exp()).sum::<f64>().ln()
    }
}

/// The lower Cholesky factor L of a symmetric matrix (L Lᵀ = m), or `None`
/// when m is not positive definite.
fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = m.len();
    let mut l = vec![vec![0.0; d]; d];
    for a in 0..d {
        for b in 0..=a {
            let s: f64 = (0..b).map(|k| l[a][k] * l[b][k]).sum();
            if a == b {
                let pivot = m[a][a] - s;
                if pivot.is_nan() || pivot <= 0.0 || pivot.is_infinite() {
                    return None;
                }
                l[a][a] = pivot.sqrt();
            } else {
                l[a][b] = (m[a][b] - s) / l[b][b];
            }
        }
    }
    Some(l)
}

/// x with L x = v, L lower triangular.
fn forward_solve(l: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; v.len()];
    for a in 0..v.len() {
        let s: f64 = (0..a).map(|b| l[a][b] * x[b]).sum();
        x[a] = (v[a] - s) / l[a][a];
    }
    x
}

/// The distance √Σ ((model − value) / sd)² of `terms` (model, value, sd).
pub fn distance(terms: &[(f64, f64, f64)]) -> f64 {
    terms
        .iter()
        .map(|&(model, value, sd)| ((model - value) / sd).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// The weighted q-quantile of (value, weight) pairs: the smallest value
/// whose cumulative weight (sorted by value, weights normalised) reaches q.
pub fn weighted_quantile(pairs: &[(f64, f64)], q: f64) -> f64 {
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|p| p.1).sum();
    let mut cumulative = 0.0;
    for &(value, weight) in &sorted {
        cumulative += weight / total;
        if cumulative >= q {
            return value;
        }
    }
    sorted.last().map_or(f64::NAN, |p| p.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior(path: &str, from: f64, to: f64, scale: Scale) -> Prior {
        Prior {
            path: path.into(),
            from,
            to,
            scale,
        }
    }

    /// Runs a whole search on `simulate` (proposal values, stream → distance).
    fn search(
        search: &Search,
        generations: usize,
        mut distance_of: impl FnMut(&[f64], &mut ChaCha8Rng) -> f64,
    ) -> Vec<Generation> {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let mut done: Vec<Generation> = Vec::new();
        for index in 0..generations {
            let proposals = search.proposals(index, done.last());
            let distances: Vec<f64> = proposals
                .iter()
                .map(|p| {
                    p.as_ref()
                        .map_or(f64::INFINITY, |v| distance_of(v, &mut rng))
                })
                .collect();
            done.push(search.select(index, &proposals, &distances, done.last()));
        }
        done
    }

    #[test]
    fn weights_undo_the_proposal_so_a_flat_distance_returns_the_prior() {
        // With every distance equal the ABC posterior is the prior. After
        // generations of moves the kept particles crowd the middle of the
        // box (moves out of it are drawn again), and only the weights bring
        // the edges back: the weighted share of each fifth of the box is
        // 0.2 within 4.5 standard errors of a weighted share (Kish's
        // effective sample size), while the unweighted share of the two
        // edge fifths is below 0.4 by more than 4.5 of its standard errors.
        let s = Search {
            priors: vec![
                prior("a", 0.0, 1.0, Scale::Linear),
                prior("b", 0.1, 10.0, Scale::Log),
            ],
            particles: 6000,
            seed: 5,
        };
        let generations = search(&s, 4, |_, _| 0.0);
        let last = generations.last().unwrap();
        let effective = 1.0
            / last
                .particles
                .iter()
                .map(|p| p.weight * p.weight)
                .sum::<f64>();
        let se = (0.2 * 0.8 / effective).sqrt();
        for (dim, prior) in s.priors.iter().enumerate() {
            let (lo, hi) = prior.bounds();
            let mut weighted = [0.0; 5];
            let mut counted = [0usize; 5];
            for p in &last.particles {
                let z = prior.coordinate(p.values[dim]);
                let cell = (((z - lo) / (hi - lo) * 5.0) as usize).min(4);
                weighted[cell] += p.weight;
                counted[cell] += 1;
            }
            for (cell, share) in weighted.iter().enumerate() {
                assert!(
                    (share - 0.2).abs() < 4.5 * se,
                    "dim {dim} cell {cell}: weighted share {share}, se {se}"
                );
            }
            let edges = (counted[0] + counted[4]) as f64 / last.particles.len() as f64;
            assert!(
                edges < 0.4 - 4.5 * (0.4 * 0.6 / last.particles.len() as f64).sqrt(),
                "dim {dim}: unweighted edge share {edges}"
            );
        }
    }

    #[test]
    fn a_search_narrows_onto_the_parameters_that_made_the_data() {
        // Data: the mean of 25 draws from N(θ, 1) with θ = 1.3, and the
        // mean of 25 draws from N(ψ, 1) with ψ = 2.0 (both observed
        // exactly at their truths, sd of each mean 0.2). The exact
        // posterior is about N(1.3, 0.2²) × N(2.0, 0.2²): the 90% intervals
        // must hold the truths and be narrower than half the prior range
        // (the recovery criterion of docs/calibration.md), and the search
        // must have learnt: the last interval less than half the first.
        let s = Search {
            priors: vec![
                prior("theta", -5.0, 5.0, Scale::Linear),
                prior("psi", 0.1, 20.0, Scale::Log),
            ],
            particles: 300,
            seed: 11,
        };
        let truths = [1.3, 2.0];
        let generations = search(&s, 6, |values, rng| {
            let mean = |centre: f64, rng: &mut ChaCha8Rng| {
                (0..25)
                    .map(|_| centre + rng.sample::<f64, _>(StandardNormal))
                    .sum::<f64>()
                    / 25.0
            };
            let (a, b) = (mean(values[0], rng), mean(values[1], rng));
            distance(&[(a, truths[0], 0.2), (b, truths[1], 0.2)])
        });
        assert!(
            generations
                .windows(2)
                .all(|g| g[1].tolerance <= g[0].tolerance),
            "tolerances fall: {:?}",
            generations.iter().map(|g| g.tolerance).collect::<Vec<_>>()
        );
        let interval = |g: &Generation, dim: usize| {
            let pairs: Vec<(f64, f64)> = g
                .particles
                .iter()
                .map(|p| (p.values[dim], p.weight))
                .collect();
            (
                weighted_quantile(&pairs, 0.05),
                weighted_quantile(&pairs, 0.95),
            )
        };
        let (first, last) = (&generations[0], generations.last().unwrap());
        for (dim, prior) in s.priors.iter().enumerate() {
            let (lo, hi) = interval(last, dim);
            let (lo0, hi0) = interval(first, dim);
            let path = &prior.path;
            assert!(
                lo <= truths[dim] && truths[dim] <= hi,
                "{path}: [{lo}, {hi}]"
            );
            assert!(
                hi - lo < (prior.to - prior.from) / 2.0,
                "{path}: [{lo}, {hi}]"
            );
            assert!(
                hi - lo < (hi0 - lo0) / 2.0,
                "{path}: [{lo}, {hi}] after [{lo0}, {hi0}]"
            );
        }
    }

    #[test]
    fn every_proposal_of_a_moved_generation_falls_inside_the_prior() {
        // Fifteen parameters with the previous particles at the box's
        // lower corner: most kernel moves leave the box in some dimension
        // (about half per dimension). Every one of the 3N proposals must
        // still be inside, drawn again until it is.
        let priors: Vec<Prior> = (0..15)
            .map(|i| prior(&format!("p{i}"), 0.0, 1.0, Scale::Linear))
            .collect();
        let s = Search {
            priors,
            particles: 20,
            seed: 5,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let particles: Vec<Particle> = (0..20)
            .map(|i| Particle {
                values: (0..15).map(|_| 0.05 * rng.random::<f64>()).collect(),
                weight: 1.0 / 20.0,
                distance: 1.0,
                proposal: i,
            })
            .collect();
        let previous = Generation {
            index: 0,
            tolerance: 1.0,
            particles,
            run: 60,
        };
        let proposals = s.proposals(1, Some(&previous));
        assert_eq!(proposals.len(), 60);
        for p in &proposals {
            let p = p.as_ref().expect("inside the prior");
            assert!(p.iter().all(|x| (0.0..=1.0).contains(x)));
        }
    }

    #[test]
    fn a_search_is_its_seed() {
        let s = Search {
            priors: vec![prior("a", 0.0, 1.0, Scale::Linear)],
            particles: 50,
            seed: 3,
        };
        let run = || search(&s, 3, |v, _| (v[0] - 0.3).abs());
        assert_eq!(run(), run());
        let other = Search {
            seed: 4,
            ..s.clone()
        };
        assert_ne!(
            s.proposals(1, run().first()),
            other.proposals(1, run().first())
        );
    }

    #[test]
    fn the_closest_proposals_are_kept_and_the_tolerance_is_the_last_of_them() {
        let s = Search {
            priors: vec![prior("a", 0.0, 1.0, Scale::Linear)],
            particles: 2,
            seed: 1,
        };
        let proposals = vec![
            Some(vec![0.1]),
            None,
            Some(vec![0.2]),
            Some(vec![0.3]),
            Some(vec![0.4]),
            Some(vec![0.5]),
        ];
        let distances = [3.0, 0.0, f64::INFINITY, 1.0, 2.0, 1.0];
        let g = s.select(0, &proposals, &distances, None);
        assert_eq!(
            g.particles.iter().map(|p| p.proposal).collect::<Vec<_>>(),
            [3, 5]
        );
        assert_eq!(g.tolerance, 1.0);
        assert_eq!(g.run, 5);
        assert!(g.particles.iter().all(|p| p.weight == 0.5));
    }

    #[test]
    fn cholesky_factors_and_refuses() {
        let m = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let l = cholesky(&m).unwrap();
        for a in 0..2 {
            for b in 0..2 {
                let product: f64 = (0..2).map(|k| l[a][k] * l[b][k]).sum();
                assert!((product - m[a][b]).abs() < 1e-12);
            }
        }
        assert!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
        let x = forward_solve(&l, &[2.0, 1.0]);
        assert!((l[0][0] * x[0] - 2.0).abs() < 1e-12);
        assert!((l[1][0] * x[0] + l[1][1] * x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn weighted_quantiles_follow_the_weights() {
        let pairs = [(1.0, 0.1), (2.0, 0.6), (3.0, 0.3)];
        assert_eq!(weighted_quantile(&pairs, 0.05), 1.0);
        assert_eq!(weighted_quantile(&pairs, 0.5), 2.0);
        assert_eq!(weighted_quantile(&pairs, 0.75), 3.0);
        assert_eq!(distance(&[(1.0, 0.0, 0.5), (0.0, 0.0, 1.0)]), 2.0);
    }
}
