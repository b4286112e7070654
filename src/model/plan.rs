//! Per-year parameter values, computed once per run (STYLE.md point 4):
//! every schedule is evaluated here for every year (and kind, and channel
//! where it is per-kind or per-channel), and every sampler is built here,
//! so the per-community step only reads numbers.

use std::borrow::Cow;
use std::sync::Arc;

use rand_distr::{Distribution as _, StandardNormal};

use crate::Result;

use super::challengers::{self, Challengers};
use super::hazards::{death_hazard, retirement_hazard, turnover_hazard};
use super::params::{Cohort, ElectionRule, Kind, Parameters, Shock, Skill, Skills, SupplyMode};
use super::samplers::{PoissonTable, Sampler, Samplers, invalid};
use super::state::kind_index;
use super::stream::{StreamKey, shock_rng};

/// A channel's fixed attributes and entry samplers.
#[derive(Clone, Debug)]
pub(crate) struct ChannelPlan {
    /// The national supply shock (σ = 0: none).
    pub(crate) shock: Shock,
    /// Whether it stands under the committee rule.
    pub(crate) stands_in_elections: bool,
    /// Pool mode: the initial pool count per kind, Poisson(supply · kindmult
    /// · A_c / leave) of the first year, without shock.
    pub(crate) initial_pool: [PoissonTable; 2],
    /// Tenure at which rotation is certain; 0 = never.
    pub(crate) secondment_years: u32,
    /// Entry age.
    pub(crate) age: Sampler,
    /// Entry knowledge.
    pub(crate) knowledge: Sampler,
    /// Entry experience.
    pub(crate) experience: Sampler,
    /// Entry trust.
    pub(crate) trust: Sampler,
}

impl ChannelPlan {
    /// The entry sampler of `skill`.
    #[inline]
    pub(crate) fn skill(&self, skill: Skill) -> &Sampler {
        match skill {
            Skill::Knowledge => &self.knowledge,
            Skill::Experience => &self.experience,
            Skill::Trust => &self.trust,
        }
    }
}

/// A channel's values in one year.
#[derive(Clone, Debug)]
pub(crate) struct ChannelYear {
    /// The cohort of a leader entering this year.
    pub(crate) cohort: Cohort,
    /// Pool mode: the share of the pool leaving, per kind.
    pub(crate) leave: [f64; 2],
    /// The mean of `offers` per kind: `supply · kindmult · A_c` in the
    /// plan, times the run's shock M in [`Plan::for_run`]'s copy.
    pub(crate) offer_mean: [f64; 2],
    /// `local_c`: scales trust learning.
    pub(crate) localness: f64,
    /// `base_c` of the turnover hazard.
    pub(crate) turnover: f64,
    /// `openness(year) · promo_c`, the promotion hazard before the skill
    /// factor.
    pub(crate) promotion: f64,
    /// Candidates offered per vacant seat (`per_vacancy`) or arrivals into
    /// the pool (`pool`), per kind: Poisson(supply · kindmult · A_c · M)
    /// (no draw when the mean is 0). M = 1 in the plan; the run's shocks
    /// are applied by [`Plan::for_run`].
    pub(crate) offers: [PoissonTable; 2],
}

/// Every parameter value of one year.
#[derive(Clone, Debug)]
pub struct YearPlan {
    /// The calendar year.
    pub(crate) year: i32,
    /// Whether step 5 runs this year.
    pub(crate) election: bool,
    /// Which exact samplers the steps use (the plan's).
    pub(crate) samplers: Samplers,
    /// Issues per kind and type: Poisson(λ_kind · m_j) (no draw when 0),
    /// drawn per community by the reference samplers only; always `Zero`
    /// with the default samplers, which draw block totals from
    /// `issue_mean` instead (MODEL.md section 3.1).
    pub(crate) issues: [[PoissonTable; 3]; 2],
    /// λ_kind · m_j, the mean of `issues`: what the default samplers add to
    /// a block's Poisson means (MODEL.md section 3.1).
    pub(crate) issue_mean: [[f64; 3]; 2],
    /// m_j, normalised to sum 1 (all 0 if every weight is 0).
    pub(crate) mix: [f64; 3],
    /// d_j.
    pub(crate) difficulty: [f64; 3],
    /// q.
    pub(crate) escalation: f64,
    /// η of local mediation.
    pub(crate) mediation: f64,
    /// φ of earned trust.
    pub(crate) trust_performance: f64,
    /// δ of trust decay.
    pub(crate) trust_decay: f64,
    /// Scale of the Gumbel vote noise (committee rule).
    pub(crate) vote_noise: f64,
    /// γ.
    pub(crate) gamma: f64,
    /// ω.
    pub(crate) omega: f64,
    /// β.
    pub(crate) beta: f64,
    /// α_e.
    pub(crate) learn_experience: f64,
    /// α_t.
    pub(crate) learn_trust: f64,
    /// α_k.
    pub(crate) learn_knowledge: f64,
    /// μ.
    pub(crate) mentoring_rate: f64,
    /// Minimum experience of a mentor (also `no_mentor_share`'s threshold).
    pub(crate) mentoring_threshold: f64,
    /// Gompertz a.
    pub(crate) death_a: f64,
    /// Gompertz b.
    pub(crate) death_b: f64,
    /// R per kind.
    pub(crate) retirement_age: [f64; 2],
    /// s_R.
    pub(crate) retirement_spread: f64,
    /// τ.
    pub(crate) embeddedness: f64,
    /// Promotion only strictly below this age.
    pub(crate) promotion_max_age: f64,
    /// The incumbent's advantage at an election.
    pub(crate) incumbency: f64,
    /// Selection weights.
    pub(crate) selection: Skills,
    /// The skills by descending selection weight, ties in the order of
    /// [`Skill::ALL`]: the order in which the pruned candidate sampler
    /// draws them.
    pub(crate) draw_order: [Skill; 3],
    /// After the i-th skill of `draw_order`, the most the remaining skills
    /// can add to a score (their weights).
    pub(crate) still: [f64; 3],
    /// Per channel, in `Parameters::channels` order.
    pub(crate) channels: Vec<ChannelYear>,
    /// The default samplers' regions for the seat rule's challengers
    /// (MODEL.md section 3.2), in election years under the seat rule where
    /// every channel's skill laws allow them; `None` otherwise (the pruned
    /// candidate draw serves).
    pub(crate) challengers: Option<Arc<Challengers>>,
    /// Bounds on the hazards of step 4 that need an exponential.
    pub(crate) exit_bounds: ExitBounds,
}

/// Age buckets of [`ExitBounds`]: bucket n holds the ages in [n, n + 1].
pub(crate) const AGE_BUCKETS: usize = 128;
/// Trust buckets of [`ExitBounds`]: bucket i holds the trust values in
/// [i / TRUST_BUCKETS, (i + 1) / TRUST_BUCKETS].
pub(crate) const TRUST_BUCKETS: usize = 64;

/// Lower bounds of the survival factors of step 4 whose hazards need an
/// exponential (death and retirement by age, turnover by trust), per bucket
/// of age or trust. Each hazard is monotone in its variable, so its largest
/// value on a bucket is at one of the bucket's ends. Step 4 computes the
/// exact hazards only when its uniform falls below the exit probability
/// these bounds allow: the same uniform, the same decision, far fewer
/// exponentials (most leaders stay).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ExitBounds {
    /// Per kind and age bucket: (1 − h_death)(1 − h_retirement) at most
    /// this far below 1 anywhere in the bucket.
    pub(crate) age_survival: [Vec<f64>; 2],
    /// Per channel and trust bucket: 1 − h_turnover, likewise.
    pub(crate) turnover_survival: Vec<[f64; TRUST_BUCKETS + 1]>,
}

impl ExitBounds {
    /// The bounds of `year`, built from `year`'s hazard parameters (the
    /// ones [`YearPlan`] keeps for the exact hazards).
    fn new(year: &YearPlan) -> ExitBounds {
        let (a, b, spread) = (year.death_a, year.death_b, year.retirement_spread);
        let age_survival = Kind::ALL.map(|kind| {
            let retirement_age = year.retirement_age[kind_index(kind)];
            // The same formulas as step 4, NaN-to-0 clamping included, at
            // every bucket end once.
            let at_ends: Vec<f64> = (0..=AGE_BUCKETS)
                .map(|n| {
                    let age = n as f64;
                    (1.0 - death_hazard(a, b, age))
                        * (1.0 - retirement_hazard(age, retirement_age, spread))
                })
                .collect();
            at_ends
                .windows(2)
                .map(|ends| ends[0].min(ends[1]))
                .collect()
        });
        let turnover_survival = year
            .channels
            .iter()
            .map(|channel| {
                let at_ends: [f64; TRUST_BUCKETS + 1] = std::array::from_fn(|i| {
                    let trust = i as f64 / TRUST_BUCKETS as f64;
                    1.0 - turnover_hazard(channel.turnover, year.embeddedness, trust)
                });
                // The last bucket holds t = 1 alone.
                std::array::from_fn(|i| at_ends[i].min(at_ends[(i + 1).min(TRUST_BUCKETS)]))
            })
            .collect();
        ExitBounds {
            age_survival,
            turnover_survival,
        }
    }

    /// Whether `year` and `other` have the same hazard parameters, so the
    /// same bounds (most schedules of step 4 are constant for decades).
    fn same_hazards(year: &YearPlan, other: &YearPlan) -> bool {
        let bits = |x: f64| x.to_bits();
        bits(year.death_a) == bits(other.death_a)
            && bits(year.death_b) == bits(other.death_b)
            && bits(year.retirement_spread) == bits(other.retirement_spread)
            && year.retirement_age.map(bits) == other.retirement_age.map(bits)
            && bits(year.embeddedness) == bits(other.embeddedness)
            && year.channels.len() == other.channels.len()
            && year
                .channels
                .iter()
                .zip(&other.channels)
                .all(|(a, b)| bits(a.turnover) == bits(b.turnover))
    }

    #[cfg(test)]
    fn from_parameters(parameters: &Parameters, year: i32) -> ExitBounds {
        let exits = &parameters.exits;
        let (a, b) = (exits.death.a.at(year), exits.death.b.at(year));
        let spread = exits.retirement.spread.at(year);
        let age_survival = Kind::ALL.map(|kind| {
            let retirement_age = exits.retirement.age.get(kind).at(year);
            // The same formulas as step 4, NaN-to-0 clamping included.
            let survival = |age: f64| {
                (1.0 - death_hazard(a, b, age))
                    * (1.0 - retirement_hazard(age, retirement_age, spread))
            };
            (0..AGE_BUCKETS)
                .map(|n| survival(n as f64).min(survival(n as f64 + 1.0)))
                .collect()
        });
        let embeddedness = exits.embeddedness.at(year);
        let turnover_survival = parameters
            .channels
            .iter()
            .map(|channel| {
                let base = channel.turnover.at(year);
                let survival = |i: usize| {
                    let trust = i as f64 / TRUST_BUCKETS as f64;
                    1.0 - turnover_hazard(base, embeddedness, trust)
                };
                let mut by_bucket = [0.0; TRUST_BUCKETS + 1];
                for (i, bound) in by_bucket.iter_mut().enumerate() {
                    // The last bucket holds t = 1 alone.
                    *bound = survival(i).min(survival((i + 1).min(TRUST_BUCKETS)));
                }
                by_bucket
            })
            .collect();
        ExitBounds {
            age_survival,
            turnover_survival,
        }
    }
}

/// Per-year parameter values computed once per run from the parameters.
#[derive(Clone, Debug)]
pub struct Plan {
    pub(crate) start_year: i32,
    pub(crate) years: Vec<YearPlan>,
    pub(crate) channels: Vec<ChannelPlan>,
    pub(crate) mentoring_window: u32,
    pub(crate) age_cap: f64,
    pub(crate) educated_threshold: f64,
    pub(crate) tempered_tenure: f64,
    pub(crate) supply_mode: SupplyMode,
    pub(crate) election_rule: ElectionRule,
    pub(crate) list_extra: usize,
    pub(crate) columns: Vec<String>,
    /// Which exact samplers the engine uses.
    pub(crate) samplers: Samplers,
}

/// The largest issue count mean (λ_kind · m_j) of one community: the
/// Poisson totals of a block of [`CHUNK`](super::run::CHUNK) communities stay below about
/// 1.8e19, the largest mean a Poisson sampler takes.
const MAX_ISSUE_MEAN: f64 = 1e16;

/// The Poisson law of mean `lambda` as `samplers` draw it.
fn poisson(
    lambda: f64,
    what: &str,
    derived: impl Fn() -> String,
    samplers: Samplers,
) -> Result<PoissonTable> {
    samplers.poisson(lambda).ok_or_else(|| {
        invalid(
            what,
            &format!(
                "{} is {lambda}: a Poisson mean must be a finite number from 0 to about 1.8e19",
                derived()
            ),
        )
    })
}

/// The election years within `start..=end`: the first is `first_year`, the
/// next the previous plus floor(term(previous)) (at least 1).
fn election_years(parameters: &Parameters) -> Vec<bool> {
    let mut election = vec![false; parameters.n_years()];
    if !parameters.elections.enabled {
        return election;
    }
    let mut year = parameters.elections.first_year;
    while year <= parameters.end_year {
        if year >= parameters.start_year {
            election[(year - parameters.start_year) as usize] = true;
        }
        let term = parameters.elections.term.at(year).floor();
        // Validation refuses terms below 1; the guard keeps a bad value from
        // looping forever. `as` saturates a huge term at i32::MAX.
        let step = if term >= 1.0 { term as i32 } else { 1 };
        match year.checked_add(step) {
            Some(next) => year = next,
            None => break,
        }
    }
    election
}

impl Plan {
    /// Precomputes every schedule for every year of `parameters`.
    ///
    /// # Panics
    /// If a value that validation refuses reaches the engine (see
    /// [`Plan::try_new`]).
    pub fn new(parameters: &Parameters) -> Plan {
        match Plan::try_new(parameters) {
            Ok(plan) => plan,
            Err(err) => panic!("{err}"),
        }
    }

    /// Like [`Plan::new`], but returns an error instead of panicking when a
    /// parameter value cannot be sampled (a Poisson mean that is negative,
    /// infinite or beyond the sampler's range, bad distribution parameters,
    /// more than 65,536 channels). The error is an [`Error::Input`] whose key
    /// is the scenario path responsible and whose origin is empty. The study
    /// gate builds every point's plan once, so a plan that passed it cannot
    /// fail to build at run time.
    pub fn try_new(parameters: &Parameters) -> Result<Plan> {
        Plan::try_new_with(parameters, Samplers::Fast)
    }

    fn try_new_with(parameters: &Parameters, samplers: Samplers) -> Result<Plan> {
        if parameters.channels.len() > usize::from(u16::MAX) + 1 {
            return Err(invalid("channels", "more than 65,536 channels"));
        }
        let election = election_years(parameters);
        let mut years: Vec<YearPlan> = Vec::with_capacity(parameters.n_years());
        for (year, election) in parameters.years().zip(election) {
            let plan = year_plan(parameters, year, election, samplers, years.last())?;
            years.push(plan);
        }
        if samplers == Samplers::Fast && parameters.elections.rule == ElectionRule::Seat {
            challengers::for_years(parameters, &mut years);
        }

        // After the years: a pool that could not be bounded is refused there,
        // with its reason, before its initial mean is computed.
        let channels = parameters
            .channels
            .iter()
            .map(|channel| {
                let what = |field: &str| format!("channels.{}.{field}", channel.name);
                Ok(ChannelPlan {
                    shock: channel.shock.clone(),
                    stands_in_elections: channel.stands_in_elections,
                    initial_pool: initial_pool(parameters, channel, samplers)?,
                    secondment_years: channel.secondment_years,
                    age: samplers.entry(&channel.age, &what("age"))?,
                    knowledge: samplers.entry(&channel.knowledge, &what("knowledge"))?,
                    experience: samplers.entry(&channel.experience, &what("experience"))?,
                    trust: samplers.entry(&channel.trust, &what("trust"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(Plan {
            start_year: parameters.start_year,
            years,
            channels,
            mentoring_window: parameters.mentoring.window,
            age_cap: f64::from(parameters.elections.age_cap),
            educated_threshold: parameters.observe.educated_threshold,
            tempered_tenure: parameters.observe.tempered_tenure,
            supply_mode: parameters.recruitment.supply,
            election_rule: parameters.elections.rule,
            list_extra: usize::try_from(parameters.elections.list_extra).unwrap_or(usize::MAX),
            columns: super::metrics::metric_columns(parameters),
            samplers,
        })
    }

    /// The plan of `parameters` with the reference samplers
    /// ([`Samplers::Reference`]): slower, kept to test the default
    /// samplers against.
    pub fn reference(parameters: &Parameters) -> Plan {
        match Plan::try_new_with(parameters, Samplers::Reference) {
            Ok(plan) => plan,
            Err(err) => panic!("{err}"),
        }
    }

    /// The plan of one run (MODEL.md section 7.2): this plan when no
    /// channel has a shock, else a copy whose offer laws are multiplied by
    /// the run's shock path ([`Plan::shocks`]).
    pub fn for_run(&self, key: &StreamKey) -> Cow<'_, Plan> {
        if self.channels.iter().all(|c| c.shock.sd == 0.0) {
            return Cow::Borrowed(self);
        }
        let multipliers = self.shocks(key);
        let mut plan = self.clone();
        for (year, multipliers) in plan.years.iter_mut().zip(&multipliers) {
            for ((channel_year, channel), &m) in year
                .channels
                .iter_mut()
                .zip(&self.channels)
                .zip(multipliers)
            {
                if channel.shock.sd == 0.0 {
                    continue;
                }
                for (offers, mean) in channel_year
                    .offers
                    .iter_mut()
                    .zip(channel_year.offer_mean.iter_mut())
                {
                    // The gate checked the mean up to a shock of z = 12, which
                    // a normal exceeds with probability below 1e-32.
                    *offers = self.samplers.poisson(*mean * m).unwrap_or_else(|| {
                        panic!("a shocked offer mean {mean} × {m} is beyond the Poisson sampler")
                    });
                    *mean *= m;
                }
            }
        }
        Cow::Owned(plan)
    }

    /// The run's shock multipliers M_c(y) per year and channel (MODEL.md
    /// section 7.2): from the run's shock stream, one standard normal per
    /// channel (in channel order) per year, shocked or not;
    /// `z_first = ε`, `z_y = ρ z_{y−1} + √(1 − ρ²) ε_y`,
    /// `M = exp(σ z − σ²/2)` (exactly 1 for σ = 0).
    pub fn shocks(&self, key: &StreamKey) -> Vec<Vec<f64>> {
        let mut rng = shock_rng(key);
        let mut z = vec![0.0_f64; self.channels.len()];
        (0..self.years.len())
            .map(|year_index| {
                self.channels
                    .iter()
                    .zip(z.iter_mut())
                    .map(|(channel, z)| {
                        let epsilon: f64 = StandardNormal.sample(&mut rng);
                        let Shock { sd, persistence } = channel.shock;
                        *z = if year_index == 0 {
                            epsilon
                        } else {
                            persistence * *z + (1.0 - persistence * persistence).sqrt() * epsilon
                        };
                        if sd == 0.0 {
                            1.0
                        } else {
                            libm::exp(sd * *z - sd * sd / 2.0)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The parameter values of year index `year_index` (0 for the start
    /// year), for calling the steps one by one.
    pub fn year_plan(&self, year_index: usize) -> &YearPlan {
        &self.years[year_index]
    }

    /// The number of simulated years.
    pub fn n_years(&self) -> usize {
        self.years.len()
    }

    /// The calendar year of year index `year_index` (0 for the start year).
    pub fn year(&self, year_index: usize) -> i32 {
        self.years[year_index].year
    }

    /// The calendar years simulated, in order.
    pub fn years(&self) -> impl ExactSizeIterator<Item = i32> + '_ {
        self.years.iter().map(|year| year.year)
    }

    /// Whether step 5 (elections) runs in `year` (false outside the run).
    pub fn is_election_year(&self, year: i32) -> bool {
        usize::try_from(i64::from(year) - i64::from(self.start_year))
            .ok()
            .and_then(|index| self.years.get(index))
            .is_some_and(|year| year.election)
    }

    /// The metric column names, in the order of [`super::YearMetrics`]
    /// values (the same as [`super::metric_columns`]).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The number of channels.
    pub fn n_channels(&self) -> usize {
        self.channels.len()
    }
}

/// `A_c` in `year`: `1 + θ · openness` for a channel that responds to
/// openness (by default, a channel of the knowledge cohort in that year),
/// 1 otherwise.
fn attraction_of(parameters: &Parameters, channel: &super::params::Channel, year: i32) -> f64 {
    let responds = channel
        .responds_to_openness
        .unwrap_or_else(|| channel.cohort.at(year) == Cohort::Knowledge);
    if responds {
        1.0 + parameters.promotion.attraction.at(year) * parameters.promotion.openness.at(year)
    } else {
        1.0
    }
}

/// The law of a channel's initial pool per kind (MODEL.md section 7.1):
/// Poisson of the stationary mean `supply · kindmult · A_c / leave` of the
/// first year, without shock; 0 when the channel brings nobody, and always
/// 0 outside pool mode.
fn initial_pool(
    parameters: &Parameters,
    channel: &super::params::Channel,
    samplers: Samplers,
) -> Result<[PoissonTable; 2]> {
    let mut pools = [PoissonTable::Zero, PoissonTable::Zero];
    if parameters.recruitment.supply != SupplyMode::Pool {
        return Ok(pools);
    }
    let year = parameters.start_year;
    let attraction = attraction_of(parameters, channel, year);
    for kind in Kind::ALL {
        let arrivals = channel.supply.at(year) * channel.kind.get(kind).at(year) * attraction;
        let leave = channel.leave.get(kind).at(year);
        // leave = 0 with arrivals was refused for every year by `year_plan`.
        let mean = if arrivals == 0.0 {
            0.0
        } else {
            arrivals / leave
        };
        pools[kind_index(kind)] = poisson(
            mean,
            &format!("channels.{}.leave", channel.name),
            || {
                format!(
                    "in {year}, the {} initial pool mean (supply × kind × attraction / leave)",
                    kind.name()
                )
            },
            samplers,
        )?;
    }
    Ok(pools)
}

fn year_plan(
    parameters: &Parameters,
    year: i32,
    election: bool,
    samplers: Samplers,
    previous: Option<&YearPlan>,
) -> Result<YearPlan> {
    let issues = &parameters.issues;
    let weights = issues.mix.as_array().map(|m| m.at(year));
    let total: f64 = weights.iter().sum();
    // Validation requires the weights not to be all 0; if they were in some
    // year, no issues arise that year rather than dividing by 0.
    let mix = if total > 0.0 {
        weights.map(|w| w / total)
    } else {
        [0.0; 3]
    };
    let mut issue_samplers = [const { [const { PoissonTable::Zero }; 3] }; 2];
    let mut issue_mean = [[0.0; 3]; 2];
    for kind in Kind::ALL {
        let rate = issues.rate.get(kind).at(year);
        for (j, m) in mix.iter().enumerate() {
            issue_mean[kind_index(kind)][j] = rate * m;
            // A block's totals (MODEL.md section 3.1) are Poisson with up
            // to CHUNK times this mean, and must stay a Poisson law too.
            if rate * m > MAX_ISSUE_MEAN {
                return Err(invalid(
                    "issues.rate",
                    &format!(
                        "in {year}, the {} issue count mean (rate × mix) is {}: it must be at most {MAX_ISSUE_MEAN:e}",
                        kind.name(),
                        rate * m
                    ),
                ));
            }
            // The default samplers never draw a community's counts: their
            // table would go unused, so only the mean is checked.
            let law = match samplers {
                Samplers::Fast => Samplers::Reference,
                Samplers::Reference => samplers,
            };
            let table = poisson(
                rate * m,
                "issues.rate",
                || {
                    format!(
                        "in {year}, the {} issue count mean (rate × mix)",
                        kind.name()
                    )
                },
                law,
            )?;
            if samplers == Samplers::Reference {
                issue_samplers[kind_index(kind)][j] = table;
            }
        }
    }

    let selection = Skills {
        knowledge: parameters.selection.knowledge.at(year),
        experience: parameters.selection.experience.at(year),
        trust: parameters.selection.trust.at(year),
    };
    let openness = parameters.promotion.openness.at(year);
    let pool_mode = parameters.recruitment.supply == SupplyMode::Pool;
    let channels = parameters
        .channels
        .iter()
        .enumerate()
        .map(|(channel_idx, channel)| {
            let supply = channel.supply.at(year);
            let a_c = attraction_of(parameters, channel, year);
            let mut offers = [PoissonTable::Zero, PoissonTable::Zero];
            let mut offer_mean = [0.0; 2];
            let mut leave = [0.0; 2];
            for kind in Kind::ALL {
                let multiplier = channel.kind.get(kind).at(year);
                leave[kind_index(kind)] = channel.leave.get(kind).at(year);
                if pool_mode && leave[kind_index(kind)] == 0.0 && supply * multiplier > 0.0 {
                    return Err(invalid(
                        &format!("channels.{}.leave", channel.name),
                        &format!(
                            "is 0 for {} communities in {year} while the channel brings people (supply × kind = {}): in pool mode such a pool grows without bound",
                            kind.name(),
                            supply * multiplier
                        ),
                    ));
                }
                // Blame the first factor that takes the mean out of range.
                let in_range = |mean: f64| PoissonTable::direct(mean).is_some();
                let responsible = if !in_range(supply) {
                    format!("channels.{}.supply", channel.name)
                } else if !in_range(supply * multiplier) {
                    format!("channels.{}.kind", channel.name)
                } else {
                    "promotion.attraction".to_string()
                };
                let mean = supply * multiplier * a_c;
                offer_mean[kind_index(kind)] = mean;
                // Supplies are constant over whole eras: the same mean as
                // the year before is the same table.
                let same = previous.map(|previous| &previous.channels[channel_idx]).filter(
                    |previous| previous.offer_mean[kind_index(kind)].to_bits() == mean.to_bits(),
                );
                offers[kind_index(kind)] = match same {
                    Some(previous) => previous.offers[kind_index(kind)].clone(),
                    None => poisson(
                        mean,
                        &responsible,
                        || {
                            format!(
                                "in {year}, the {} offer mean (supply × kind × attraction)",
                                kind.name()
                            )
                        },
                        samplers,
                    )?,
                };
                let Shock { sd, .. } = channel.shock;
                if sd > 0.0 {
                    // The largest multiplier a run can meet in practice (a
                    // normal beyond 12 has probability below 1e-32).
                    let extreme = libm::exp(sd * 12.0 - sd * sd / 2.0).max(1.0);
                    // A check only: rand_distr's sampler takes the same
                    // means as a table and costs nothing to build.
                    poisson(
                        mean * extreme,
                        &format!("channels.{}.shock.sd", channel.name),
                        || {
                            format!(
                                "in {year}, the {} offer mean times the shock at z = 12",
                                kind.name()
                            )
                        },
                        Samplers::Reference,
                    )?;
                }
            }
            Ok(ChannelYear {
                cohort: channel.cohort.at(year),
                leave,
                offer_mean,
                localness: channel.localness.at(year),
                turnover: channel.turnover.at(year),
                promotion: openness * channel.promotion.at(year),
                offers,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let exits = &parameters.exits;
    let escalation = issues.escalation.at(year);
    let mut draw_order = Skill::ALL;
    // Stable: ties keep the order knowledge, experience, trust.
    draw_order.sort_by(|&a, &b| selection.get(b).total_cmp(&selection.get(a)));
    let still = [
        selection.get(draw_order[1]) + selection.get(draw_order[2]),
        selection.get(draw_order[2]),
        0.0,
    ];

    let mut plan = YearPlan {
        year,
        election,
        samplers,
        issues: issue_samplers,
        issue_mean,
        mix,
        difficulty: issues.difficulty.as_array().map(|d| d.at(year)),
        escalation,
        mediation: issues.mediation.at(year),
        trust_performance: parameters.learning.trust_performance.at(year),
        trust_decay: parameters.learning.trust_decay.at(year),
        vote_noise: parameters.elections.vote_noise.at(year),
        gamma: parameters.capacity.gamma.at(year),
        omega: parameters.capacity.omega.at(year),
        beta: parameters.capacity.beta.at(year),
        learn_experience: parameters.learning.experience.at(year),
        learn_trust: parameters.learning.trust.at(year),
        learn_knowledge: parameters.learning.knowledge.at(year),
        mentoring_rate: parameters.mentoring.rate.at(year),
        mentoring_threshold: parameters.mentoring.threshold.at(year),
        death_a: exits.death.a.at(year),
        death_b: exits.death.b.at(year),
        retirement_age: Kind::ALL.map(|kind| exits.retirement.age.get(kind).at(year)),
        retirement_spread: exits.retirement.spread.at(year),
        embeddedness: exits.embeddedness.at(year),
        promotion_max_age: parameters.promotion.max_age.at(year),
        incumbency: parameters.elections.incumbency.at(year),
        selection,
        draw_order,
        still,
        channels,
        exit_bounds: ExitBounds::default(),
        challengers: None,
    };
    plan.exit_bounds = match previous {
        Some(previous) if ExitBounds::same_hazards(&plan, previous) => previous.exit_bounds.clone(),
        _ => ExitBounds::new(&plan),
    };
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::super::params::{Distribution, Schedule, Shape};
    use super::*;
    use crate::model::testing::parameters;
    use rand_distr::Gamma;

    /// The gamma-ratio beta (the default samplers' for shapes below 1) has
    /// the beta law: its
    /// mean matches a/(a+b) within 4.5 standard errors of the mean, and a
    /// two-sample Kolmogorov–Smirnov test against rand_distr's Beta (the
    /// reference) does not reject at α = 1e-4 (critical D = 2.226·√(2/n)).
    /// Four shapes, so the chance of a false failure is below 1e-3.
    #[test]
    fn gamma_ratio_beta_has_the_beta_law() {
        use crate::model::stream::{StreamKey, community_rng};
        let n = 100_000;
        for (case, (a, b)) in [(7.0, 3.0), (1.5, 8.0), (0.5, 0.5), (2.0, 7.0)]
            .into_iter()
            .enumerate()
        {
            let beta = Distribution::Beta { a, b };
            // The default engine tables shapes ≥ 1 (tested in `samplers`);
            // the gamma ratio is its sampler for the others.
            let fast = Sampler::Beta {
                x: Gamma::new(a, 1.0).unwrap(),
                y: Gamma::new(b, 1.0).unwrap(),
            };
            let default = Samplers::Fast.entry(&beta, "default").unwrap();
            assert_eq!(matches!(default, Sampler::Tabled(_)), a >= 1.0 && b >= 1.0);
            let cheng = Samplers::Reference.entry(&beta, "cheng").unwrap();
            assert!(matches!(cheng, Sampler::BetaCheng(_)));
            let key = StreamKey::new(99, case as u32, None);
            let mut rng_fast = community_rng(&key, 0, 0);
            let mut rng_cheng = community_rng(&key, 1, 0);
            let mut xs: Vec<f64> = (0..n).map(|_| fast.sample(&mut rng_fast)).collect();
            let mut ys: Vec<f64> = (0..n).map(|_| cheng.sample(&mut rng_cheng)).collect();
            assert!(xs.iter().all(|x| (0.0..=1.0).contains(x)));

            let mean = xs.iter().sum::<f64>() / n as f64;
            let variance = a * b / ((a + b).powi(2) * (a + b + 1.0));
            let se = (variance / n as f64).sqrt();
            assert!(
                (mean - a / (a + b)).abs() < 4.5 * se,
                "Beta({a}, {b}): mean {mean}"
            );

            xs.sort_by(f64::total_cmp);
            ys.sort_by(f64::total_cmp);
            let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
            while i < n && j < n {
                if xs[i] <= ys[j] {
                    i += 1
                } else {
                    j += 1
                }
                d = d.max((i as f64 - j as f64).abs() / n as f64);
            }
            let critical = 2.226 * (2.0 / n as f64).sqrt();
            assert!(
                d < critical,
                "Beta({a}, {b}): KS distance {d} >= {critical}"
            );
        }
    }

    #[test]
    fn election_years_step_by_the_term_of_the_previous_election() {
        let mut s = parameters();
        s.start_year = 1949;
        s.end_year = 2030;
        s.elections.first_year = 1954;
        s.elections.term = Schedule {
            shape: Shape::Stepwise(vec![(1949.0, 3.0), (2018.0, 5.0)]),
            scale: 1.0,
        };
        let plan = Plan::new(&s);
        let elected: Vec<i32> = plan.years().filter(|&y| plan.is_election_year(y)).collect();
        // 1954 + 3k up to 2017 (the term of 2017 is still 3), then +5 from
        // 2020 (the term in 2020 is 5).
        let mut expected: Vec<i32> = (1954..=2017).step_by(3).collect();
        assert_eq!(expected.last(), Some(&2017));
        expected.extend([2020, 2025, 2030]);
        assert_eq!(elected, expected);
    }

    #[test]
    fn election_term_is_rounded_down_and_at_least_one() {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2012;
        s.elections.first_year = 1995;
        s.elections.term = Schedule::constant(2.9);
        let plan = Plan::new(&s);
        let elected: Vec<i32> = plan.years().filter(|&y| plan.is_election_year(y)).collect();
        assert_eq!(elected, vec![2001, 2003, 2005, 2007, 2009, 2011]);
        s.elections.enabled = false;
        let plan = Plan::new(&s);
        assert!(!plan.years().any(|y| plan.is_election_year(y)));
    }

    #[test]
    fn mix_is_normalised_and_zero_means_no_draw() {
        let mut s = parameters();
        s.issues.mix.interpersonal = Schedule::constant(2.0);
        s.issues.mix.managerial = Schedule::constant(1.0);
        s.issues.mix.technical = Schedule::constant(1.0);
        s.issues.rate.rural = Schedule::constant(0.0);
        // The reference samplers hold the per-community laws; the default
        // ones draw block totals and hold none.
        assert!(
            Plan::new(&s).years[0]
                .issues
                .iter()
                .flatten()
                .all(|t| *t == PoissonTable::Zero)
        );
        let plan = Plan::reference(&s);
        assert_eq!(plan.years[0].mix, [0.5, 0.25, 0.25]);
        let zero = |table: &PoissonTable| matches!(table, PoissonTable::Zero);
        assert!(plan.years[0].issues[1].iter().all(zero));
        assert!(!plan.years[0].issues[0].iter().any(zero));
    }

    /// A year whose offer mean or hazard parameters equal the previous
    /// year's takes that year's table: every year's tables are still the
    /// ones it builds alone, whether its schedules just changed or not.
    #[test]
    fn tables_shared_between_years_are_each_years_own() {
        let mut s = parameters();
        let points = |p: &[(f64, f64)]| Schedule {
            shape: Shape::Stepwise(p.to_vec()),
            scale: 1.0,
        };
        s.start_year = 1990;
        s.end_year = 2010;
        s.exits.death.b = points(&[(1990.0, 0.08), (1995.0, 0.09)]);
        s.exits.retirement.spread = Schedule {
            shape: Shape::Linear(vec![(2000.0, 1.5), (2004.0, 2.5)]),
            scale: 1.0,
        };
        s.channels[1].turnover = points(&[(1990.0, 0.03), (2007.0, 0.05)]);
        s.channels[0].supply = points(&[(1990.0, 1.0), (1998.0, 2.0), (2003.0, 0.0)]);
        s.channels[0].kind.rural = Schedule::constant(1.5);
        let plan = Plan::new(&s);
        let mut reused = (0, 0);
        for (index, year) in plan.years.iter().enumerate() {
            assert_eq!(
                year.exit_bounds,
                ExitBounds::from_parameters(&s, year.year),
                "exit bounds of {}",
                year.year
            );
            for (c, channel) in year.channels.iter().enumerate() {
                for kind in 0..2 {
                    let own = PoissonTable::new(channel.offer_mean[kind]).unwrap();
                    assert_eq!(channel.offers[kind], own, "offers of {c} in {}", year.year);
                }
            }
            if index > 0 {
                let previous = &plan.years[index - 1];
                reused.0 += usize::from(ExitBounds::same_hazards(year, previous));
                reused.1 += usize::from(!ExitBounds::same_hazards(year, previous));
            }
        }
        // Both paths ran: years that kept the bounds, years that rebuilt them.
        assert!(reused.0 > 0 && reused.1 > 0, "{reused:?}");
    }

    #[test]
    fn truncated_normal_rejects_instead_of_clamping() {
        let sampler = Samplers::Fast
            .entry(
                &Distribution::Normal {
                    mean: 0.0,
                    sd: 1.0,
                    min: 2.0,
                    max: 2.5,
                },
                "test",
            )
            .unwrap();
        let mut rng = crate::model::community_rng(&crate::model::StreamKey::new(1, 0, None), 0, 0);
        let draws: Vec<f64> = (0..2000).map(|_| sampler.sample(&mut rng)).collect();
        assert!(draws.iter().all(|x| (2.0..=2.5).contains(x)));
        // Clamping would pile mass on the bounds; rejection never hits them.
        assert!(draws.iter().all(|&x| x != 2.0 && x != 2.5));
        // The truncated normal's density falls across the window: more
        // draws in the lower half than in the upper one.
        let lower = draws.iter().filter(|&&x| x < 2.25).count();
        assert!(lower > 1100, "{lower}");
    }
}
