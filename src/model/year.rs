//! One year of one community (MODEL.md section 2), one function per step,
//! in the order the model fixes:
//! `demand_and_resolution`, `learning`, `ageing`, `exits`,
//! `elections`, `recruitment`, then observation into the [`Tally`].
//!
//! All draws of the year come, in this order, from the community's stream
//! positioned at the year's block ([`community_rng`]), except the issue
//! counts of the default samplers, which are drawn as totals per block of
//! communities ([`issue_totals`], MODEL.md section 3.1). The version-1 steps
//! allocate nothing; the initial pools and the committee election's list
//! (once per community and election) do.

use super::stream::Stream;
use rand::Rng;

use super::candidates::{Offers, score};
use super::committee::committee_election;
use super::events::Route;
use super::hazards::{death_hazard, retirement_hazard, turnover_hazard, unit};
use super::metrics::Tally;
use super::params::{ElectionRule, IssueType, Skills, SupplyMode};
use super::plan::{AGE_BUCKETS, Plan, TRUST_BUCKETS, YearPlan};
use super::samplers::{PoissonTable, Samplers};
use super::state::{Community, ExitReason, Leader, kind_index};
use super::stream::{BLOCK, StreamKey, community_rng, issue_block_rng};

/// Runs year index `year_index` (0 for the start year) of `community`:
/// in pool mode, before the first year, the initial pools; steps 1 to 6 on
/// its state (with step 5a, the pools' flows, in pool mode); then adds its
/// events and end-of-year state to `tally` (step 7). Returns its
/// governance capacity G (step 1).
///
/// This is the whole per-community work of [`super::run()`], which then
/// draws each block's issue totals ([`issue_totals`]); calling it for one
/// community alone, year after year, with the run's plan
/// ([`Plan::for_run`]), replays that community's leaders exactly (the
/// default samplers draw no per-community issue counts).
pub fn step_community(
    plan: &Plan,
    key: &StreamKey,
    year_index: usize,
    community: &mut Community,
    tally: &mut Tally,
) -> f64 {
    let year = &plan.years[year_index];
    let mut rng = community_rng(key, community.index, year_index);
    let pooled = plan.supply_mode == SupplyMode::Pool;
    tally.begin_community();
    if pooled && year_index == 0 {
        initial_pools(plan, community, &mut rng);
    }
    let demand = demand_and_resolution(year, community, &mut rng, tally);
    learning(
        plan,
        year,
        community,
        demand.resolution[IssueType::Interpersonal as usize],
    );
    ageing(community);
    exits(plan, year, community, &mut rng, tally);
    if pooled {
        pool_flows(plan, year, community, &mut rng);
    }
    if year.election {
        elections(plan, year, community, &mut rng, tally);
    }
    recruitment(plan, year, community, &mut rng, tally);
    assert!(
        rng.get_word_pos() <= (year_index as u128 + 1) * BLOCK,
        "a year used more than its block of the stream"
    );
    tally.observe(
        community,
        demand.capacity,
        plan.educated_threshold,
        year.mentoring_threshold,
    );
    demand.capacity
}

/// What step 1 finds from the state at the start of the year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Demand {
    /// Governance capacity G = Σ_j m_j p_j.
    pub capacity: f64,
    /// The resolution probabilities p_j, in [`IssueType::ALL`] order.
    pub resolution: [f64; 3],
}

/// Pool mode, before step 1 of the first year (MODEL.md section 7.1):
/// `P_c ~ Poisson(m_c)` per channel in channel order, m_c the stationary
/// mean of the first year for the community's kind.
pub fn initial_pools(plan: &Plan, community: &mut Community, rng: &mut Stream) {
    let kind_idx = kind_index(community.kind);
    community.pools = plan
        .channels
        .iter()
        .map(|channel| channel.initial_pool[kind_idx].sample(rng))
        .collect();
}

/// Step 5a, pool mode (MODEL.md section 7.1): per channel in channel
/// order, departures `D ~ Binomial(P, leave)`, then arrivals
/// `N ~ Poisson(supply · kindmult · A_c · M)`; `P ← P − D + N`.
pub fn pool_flows(plan: &Plan, year: &YearPlan, community: &mut Community, rng: &mut Stream) {
    let kind_idx = kind_index(community.kind);
    for (pool, channel_year) in community.pools.iter_mut().zip(&year.channels) {
        let departures = plan
            .samplers
            .binomial(*pool, channel_year.leave[kind_idx], rng);
        let arrivals = channel_year.offers[kind_idx].sample(rng);
        *pool = *pool - departures + arrivals;
    }
}

/// Step 1, from the state at the start of the year: team aptitudes A_j,
/// resolution probabilities p_j, capacity G = Σ m_j p_j; then per issue
/// type j in order (interpersonal, managerial, technical) the draws N_j,
/// R_j, X_j, escalation at `q (1 − η T̄)` with T̄ the team's mean trust
/// (MODEL.md section 7.5; q itself when η = 0).
pub fn demand_and_resolution(
    year: &YearPlan,
    community: &Community,
    rng: &mut Stream,
    tally: &mut Tally,
) -> Demand {
    let mut max = Skills::default();
    let mut sum = Skills::default();
    let mut filled = 0_usize;
    for leader in community.seats.iter().flatten() {
        let skills = leader.skills();
        max = max.max_each(&skills);
        sum = sum.plus(&skills);
        filled += 1;
    }
    let staffing = if filled == 0 {
        0.0
    } else if year.gamma == 1.0 {
        // pow(x, 1) is x exactly: the same value without calling pow.
        filled as f64 / community.seats.len() as f64
    } else {
        libm::pow(filled as f64 / community.seats.len() as f64, year.gamma)
    };
    let escalation = if year.mediation == 0.0 {
        year.escalation
    } else {
        let mean_trust = if filled == 0 {
            0.0
        } else {
            sum.trust / filled as f64
        };
        year.escalation * (1.0 - year.mediation * mean_trust)
    };
    let kind = kind_index(community.kind);
    let mut capacity = 0.0;
    let mut resolution = [0.0; 3];
    for (j, issue) in IssueType::ALL.into_iter().enumerate() {
        let skill = issue.skill();
        let aptitude = if filled == 0 {
            0.0
        } else {
            staffing
                * (year.omega * max.get(skill)
                    + (1.0 - year.omega) * sum.get(skill) / filled as f64)
        };
        let p = 1.0 / (1.0 + libm::exp(-year.beta * (aptitude - year.difficulty[j])));
        resolution[j] = p;
        capacity += year.mix[j] * p;
        year.samplers
            .issue_outcomes(year, kind, j, p, escalation, rng, tally);
    }
    Demand {
        capacity,
        resolution,
    }
}

impl Samplers {
    /// Step 1's outcomes for issues of type `j` in one community of kind
    /// `kind`, resolved with probability `p` and escalated, when
    /// unresolved, with probability `q`. The reference samplers draw them
    /// as section 2 reads: N_j ~ Poisson(λ_kind m_j), R_j ~ Binomial(N_j,
    /// p), X_j ~ Binomial(N_j − R_j, q), into the tally's counts. The
    /// default samplers draw nothing here: they add the Poisson means
    /// λ m p, λ m (1 − p) q and λ m (1 − p)(1 − q) of the three outcomes
    /// to the tally's, which [`issue_totals`] draws per block (MODEL.md
    /// section 3.1: the same law for every sum over communities).
    #[allow(clippy::too_many_arguments)]
    fn issue_outcomes(
        self,
        year: &YearPlan,
        kind: usize,
        j: usize,
        p: f64,
        q: f64,
        rng: &mut Stream,
        tally: &mut Tally,
    ) {
        match self {
            Samplers::Fast => {
                let mean = year.issue_mean[kind][j];
                let unresolved = mean * (1.0 - p);
                let means = &mut tally.issue_means[j];
                means[0] += mean * p;
                means[1] += unresolved * q;
                means[2] += unresolved * (1.0 - q);
            }
            Samplers::Reference => {
                let n = year.issues[kind][j].sample(rng);
                let resolved = self.binomial(n, p, rng);
                let escalated = self.binomial(n - resolved, q, rng);
                tally.issues[j] += n;
                tally.resolved[j] += resolved;
                tally.escalated[j] += escalated;
            }
        }
    }
}

/// Step 1's issue counts for block `block` of communities in year index
/// `year_index` (MODEL.md section 3.1), after every community of the block
/// has added its means to `tally`: per issue type in order, the resolved,
/// escalated and remaining totals as Poisson counts of the summed means,
/// from the block's own stream ([`issue_block_rng`]); the means are then
/// cleared. No draw (and no stream) when every mean is 0, as with the
/// reference samplers, which drew each community's counts already.
pub fn issue_totals(key: &StreamKey, block: u64, year_index: usize, tally: &mut Tally) {
    if tally.issue_means.iter().flatten().all(|&mean| mean == 0.0) {
        return;
    }
    let mut rng = issue_block_rng(key, block, year_index);
    for j in 0..IssueType::ALL.len() {
        let [resolved, escalated, rest] = tally.issue_means[j].map(|mean| {
            PoissonTable::direct(mean)
                .expect("a sum of at most CHUNK finite means of at most 1e16 each")
                .sample(&mut rng)
        });
        tally.issues[j] += resolved + escalated + rest;
        tally.resolved[j] += resolved;
        tally.escalated[j] += escalated;
    }
    tally.issue_means = [[0.0; 3]; 3];
}

/// The two seated leaders with the highest (e + t)/2, lowest seat first on
/// ties: the mentor of a leader is the first of these that is not the
/// leader. `(seat, e, t)` of each, as at the start of step 2.
pub(crate) fn mentor_candidates(seats: &[Option<Leader>]) -> [Option<(usize, f64, f64)>; 2] {
    let mut top: [Option<(usize, f64, f64)>; 2] = [None, None];
    let standing = |e: f64, t: f64| (e + t) / 2.0;
    for (seat, slot) in seats.iter().enumerate() {
        let Some(leader) = slot else { continue };
        let candidate = (seat, leader.experience, leader.trust);
        let s = standing(leader.experience, leader.trust);
        // Strictly greater: on a tie the earlier (lower) seat keeps its rank.
        match top {
            [None, _] => top[0] = Some(candidate),
            [Some(first), _] if s > standing(first.1, first.2) => {
                top[1] = top[0];
                top[0] = Some(candidate);
            }
            [_, None] => top[1] = Some(candidate),
            [_, Some(second)] if s > standing(second.1, second.2) => top[1] = Some(candidate),
            _ => {}
        }
    }
    top
}

/// Step 2: learning and mentoring. Every increment is computed from the
/// start-of-step values (the mentors' values are copied before any leader
/// changes), added, and the sums clamped to [0, 1], so the order of
/// leaders does not matter. A leader is a mentee when their tenure at the
/// start of the step (before step 3's ageing) is below the window.
/// `p_interpersonal` is this year's resolution probability of
/// interpersonal issues (step 1): with φ > 0 the α_t term is earned by
/// resolving them, and with δ > 0 trust decays with those left unresolved
/// (MODEL.md section 7.5).
pub fn learning(plan: &Plan, year: &YearPlan, community: &mut Community, p_interpersonal: f64) {
    let top = mentor_candidates(&community.seats);
    let earned = 1.0 - year.trust_performance + year.trust_performance * p_interpersonal;
    for (seat, slot) in community.seats.iter_mut().enumerate() {
        let Some(leader) = slot else { continue };
        let (k, e, t) = (leader.knowledge, leader.experience, leader.trust);
        let localness = year.channels[usize::from(leader.channel)].localness;
        let mut de = year.learn_experience * (1.0 - e);
        // With φ = 0, `earned` is exactly 1 and the product version 1's.
        let mut dt = year.learn_trust * localness * (1.0 - t) * earned;
        let dk = year.learn_knowledge * (1.0 - k);
        if leader.tenure < plan.mentoring_window {
            let mentor = match top {
                [Some(first), second] if first.0 == seat => second,
                [first, _] => first,
            };
            if let Some((_, e_m, t_m)) = mentor
                && e_m >= year.mentoring_threshold
            {
                de += year.mentoring_rate * (e_m - e).max(0.0);
                dt += year.mentoring_rate * (t_m - t).max(0.0);
            }
        }
        if year.trust_decay != 0.0 {
            dt -= year.trust_decay * (1.0 - p_interpersonal) * t;
        }
        leader.knowledge = (k + dk).clamp(0.0, 1.0);
        leader.experience = (e + de).clamp(0.0, 1.0);
        leader.trust = (t + dt).clamp(0.0, 1.0);
    }
}

/// Step 3: every seated leader is one year older and one year longer in
/// the team.
pub fn ageing(community: &mut Community) {
    for leader in community.seats.iter_mut().flatten() {
        leader.age += 1.0;
        leader.tenure += 1;
    }
}

/// The rotation hazard: certain once tenure reaches the channel's
/// secondment, never for a channel without one.
#[inline]
fn rotation_hazard(plan: &Plan, leader: &Leader) -> f64 {
    let secondment_years = plan.channels[usize::from(leader.channel)].secondment_years;
    if secondment_years > 0 && leader.tenure >= secondment_years {
        1.0
    } else {
        0.0
    }
}

/// The promotion hazard, strictly below the promotion age only.
#[inline]
fn promotion_hazard(year: &YearPlan, leader: &Leader) -> f64 {
    if leader.age < year.promotion_max_age {
        let promotion = year.channels[usize::from(leader.channel)].promotion;
        unit(promotion * leader.skills().mean())
    } else {
        0.0
    }
}

/// The five hazards of step 4 for `leader` in a community of `kind_idx`,
/// in [`ExitReason::HAZARDS`] order, each clamped to [0, 1].
pub(crate) fn hazards(plan: &Plan, year: &YearPlan, kind_idx: usize, leader: &Leader) -> [f64; 5] {
    let channel_year = &year.channels[usize::from(leader.channel)];
    [
        death_hazard(year.death_a, year.death_b, leader.age),
        retirement_hazard(
            leader.age,
            year.retirement_age[kind_idx],
            year.retirement_spread,
        ),
        rotation_hazard(plan, leader),
        promotion_hazard(year, leader),
        turnover_hazard(channel_year.turnover, year.embeddedness, leader.trust),
    ]
}

/// What [`exit_probability_bound`] adds to its bound: the bound and the exact
/// exit probability are products of differently rounded factors, and this
/// is many orders of magnitude above any difference rounding makes.
const EXIT_BOUND_MARGIN: f64 = 1e-9;

/// An upper bound of the exit probability 1 − Π_r (1 − h_r) that
/// [`exit_reason`] compares its uniform with: the tabled bounds of
/// [`super::plan::ExitBounds`] for death, retirement and turnover, the exact
/// rotation and promotion hazards (they need no exponential). 1 (no bound)
/// for an age or trust outside the tables.
#[inline]
pub(crate) fn exit_probability_bound(
    plan: &Plan,
    year: &YearPlan,
    kind_idx: usize,
    leader: &Leader,
) -> f64 {
    let trust_scaled = leader.trust * TRUST_BUCKETS as f64;
    // Negated so that NaN also takes the exact path. In range, `as`
    // truncates, which is the floor of these non-negative values.
    if !((0.0..AGE_BUCKETS as f64).contains(&leader.age)
        && (0.0..=TRUST_BUCKETS as f64).contains(&trust_scaled))
    {
        return 1.0;
    }
    let (age_bucket, trust_bucket) = (leader.age as usize, trust_scaled as usize);
    let bounds = &year.exit_bounds;
    let survival = bounds.age_survival[kind_idx][age_bucket]
        * bounds.turnover_survival[usize::from(leader.channel)][trust_bucket]
        * (1.0 - rotation_hazard(plan, leader))
        * (1.0 - promotion_hazard(year, leader));
    1.0 - survival + EXIT_BOUND_MARGIN
}

/// The exit reason for uniform `u` and `hazards` in order: the first r with
/// u < 1 − Π_{s≤r} (1 − h_s), or none.
pub(crate) fn exit_reason(u: f64, hazards: &[f64; 5]) -> Option<ExitReason> {
    let mut survival = 1.0;
    for (h, reason) in hazards.iter().zip(ExitReason::HAZARDS) {
        survival *= 1.0 - h;
        if u < 1.0 - survival {
            return Some(reason);
        }
    }
    None
}

/// Step 4: one uniform per seated leader, in seat order (drawn whatever the
/// hazards, so the draws of later leaders never depend on them), and the
/// leader leaves for the first reason [`exit_reason`] gives. The exact
/// hazards are computed only when the uniform is below
/// [`exit_probability_bound`]: above it, no reason can be chosen.
pub fn exits(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut Stream,
    tally: &mut Tally,
) {
    let kind_idx = kind_index(community.kind);
    let index = community.index;
    for (seat_idx, slot) in community.seats.iter_mut().enumerate() {
        let Some(leader) = slot else { continue };
        let u: f64 = rng.random();
        if u >= exit_probability_bound(plan, year, kind_idx, leader) {
            continue;
        }
        if let Some(reason) = exit_reason(u, &hazards(plan, year, kind_idx, leader)) {
            tally.exited(index, seat_idx, leader, reason);
            if reason == ExitReason::Promotion {
                tally.promoted(leader, plan.tempered_tenure);
            }
            *slot = None;
        }
    }
}

/// Step 5 (election years only). First every incumbent older than the age
/// cap leaves (no draw is involved, so doing this first changes nothing),
/// appointed holders included; then the rule of `elections.rule`: each
/// seat against its best challenger ([`seat_elections`]), or one list and
/// vote for the committee ([`committee_election`], MODEL.md section 7.3).
pub fn elections(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut Stream,
    tally: &mut Tally,
) {
    let index = community.index;
    for (seat_idx, slot) in community.seats.iter_mut().enumerate() {
        if let Some(leader) = slot.take_if(|leader| leader.age > plan.age_cap) {
            tally.exited(index, seat_idx, &leader, ExitReason::Election);
        }
    }
    match plan.election_rule {
        ElectionRule::Seat => seat_elections(plan, year, community, rng, tally),
        ElectionRule::Committee => committee_election(plan, year, community, rng, tally),
    }
}

/// Where a community's candidates come from this year: fresh offers, or
/// its pools (whose members a winner leaves).
fn offers<'a>(plan: &Plan, pools: &'a [u64]) -> Offers<'a> {
    match plan.supply_mode {
        SupplyMode::PerVacancy => Offers::Poisson,
        SupplyMode::Pool => Offers::Pools(pools),
    }
}

/// `leader` took `seat` of community `index` by `route` (steps 5 and
/// 6): one entry, and in pool mode one member fewer in their channel's
/// pool (`pools` is empty otherwise).
pub(crate) fn entered(
    tally: &mut Tally,
    pools: &mut [u64],
    index: u64,
    seat: usize,
    leader: &Leader,
    route: Route,
) {
    tally.entered(index, seat, leader, route);
    if let Some(pool) = pools.get_mut(usize::from(leader.channel)) {
        *pool -= 1;
    }
}

/// The seat rule of step 5: each incumbent, in seat order, faces the best
/// challenger drawn as in step 6 (from the current pools in pool mode) and
/// leaves if the challenger's score is strictly above theirs plus the
/// incumbency advantage, the challenger taking the seat with tenure 0 (and
/// leaving their pool before the next seat).
pub fn seat_elections(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut Stream,
    tally: &mut Tally,
) {
    let kind_idx = kind_index(community.kind);
    let index = community.index;
    for (seat_idx, slot) in community.seats.iter_mut().enumerate() {
        let Some(incumbent) = slot else { continue };
        let to_beat = score(year, &incumbent.skills()) + year.incumbency;
        let offers = offers(plan, &community.pools);
        if let Some((challenger, _)) = plan
            .samplers
            .draw_candidate(plan, year, kind_idx, to_beat, offers, rng)
        {
            tally.exited(index, seat_idx, incumbent, ExitReason::Election);
            entered(
                tally,
                &mut community.pools,
                index,
                seat_idx,
                &challenger,
                Route::Election,
            );
            *slot = Some(challenger);
        }
    }
}

/// Step 6: each vacant seat, in seat order, goes to the best candidate
/// (`Samplers::draw_candidate`: fresh offers, or every pool member, who
/// then leaves the pool), or stays vacant this year when there is none.
pub fn recruitment(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut Stream,
    tally: &mut Tally,
) {
    let kind_idx = kind_index(community.kind);
    let index = community.index;
    for (seat_idx, slot) in community.seats.iter_mut().enumerate() {
        if slot.is_some() {
            continue;
        }
        let offers = offers(plan, &community.pools);
        if let Some((recruit, _)) =
            plan.samplers
                .draw_candidate(plan, year, kind_idx, f64::NEG_INFINITY, offers, rng)
        {
            entered(
                tally,
                &mut community.pools,
                index,
                seat_idx,
                &recruit,
                Route::Recruitment,
            );
            *slot = Some(recruit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Samplers;
    use crate::model::params::{Cohort, Kind, Parameters, Schedule};
    use crate::model::testing::{channel, parameters};

    fn leader(channel: u16, age: f64, tenure: u32, k: f64, e: f64, t: f64) -> Leader {
        Leader {
            cohort: Cohort::Experience,
            channel,
            age,
            tenure,
            knowledge: k,
            experience: e,
            trust: t,
        }
    }

    fn community(seats: Vec<Option<Leader>>) -> Community {
        Community {
            index: 0,
            kind: Kind::Urban,
            seats,
            pools: Vec::new(),
        }
    }

    fn rng() -> Stream {
        community_rng(&StreamKey::new(42, 0, None), 0, 0)
    }

    #[test]
    fn one_uniform_picks_the_first_reason_whose_cumulative_hazard_exceeds_it() {
        let h = [0.1, 0.2, 0.0, 0.5, 0.3];
        // Cumulative exit probabilities: 0.1, 0.28, 0.28, 0.64, 0.748.
        assert_eq!(exit_reason(0.0, &h), Some(ExitReason::Death));
        assert_eq!(exit_reason(0.099, &h), Some(ExitReason::Death));
        assert_eq!(exit_reason(0.1, &h), Some(ExitReason::Retirement));
        assert_eq!(exit_reason(0.279, &h), Some(ExitReason::Retirement));
        // A zero hazard never claims anyone: rotation is skipped.
        assert_eq!(exit_reason(0.2801, &h), Some(ExitReason::Promotion));
        assert_eq!(exit_reason(0.7, &h), Some(ExitReason::Turnover));
        assert_eq!(exit_reason(0.75, &h), None);
        // A certain hazard takes everyone the earlier ones left.
        let certain = [0.1, 0.0, 1.0, 0.9, 0.9];
        assert_eq!(exit_reason(0.05, &certain), Some(ExitReason::Death));
        assert_eq!(exit_reason(0.999_999, &certain), Some(ExitReason::Rotation));
        assert_eq!(exit_reason(0.5, &[0.0; 5]), None);
    }

    /// The shortcut of step 4 never skips a uniform that would have meant
    /// an exit: over leaders of every channel and kind, ages and trust
    /// values (bucket ends included) and every year of the defaults, and
    /// again with a death hazard 0 · exp(10 · age) that turns NaN past age
    /// 70.9 (0 · ∞, a probability of 0), the bound is at least the exact
    /// exit probability; for typical leaders it is well below 1, so the
    /// shortcut is taken.
    #[test]
    fn exit_bound_is_never_below_the_exit_probability() {
        use rand::Rng;
        for death in [None, Some((0.0, 10.0))] {
            let mut s = parameters();
            s.promotion.openness = Schedule::constant(0.3);
            s.channels[2].secondment_years = 3;
            if let Some((a, b)) = death {
                s.exits.death.a = Schedule::constant(a);
                s.exits.death.b = Schedule::constant(b);
            }
            let plan = Plan::new(&s);
            let mut draw = rng();
            let mut skipped = 0;
            let mut checked = 0;
            for year in &plan.years {
                for _ in 0..400 {
                    let on_bucket_end = draw.random::<f64>() < 0.3;
                    let age = if on_bucket_end {
                        f64::from(draw.random_range(15..=90))
                    } else {
                        draw.random_range(15.0..90.0)
                    };
                    let trust = if on_bucket_end {
                        f64::from(draw.random_range(0..=64)) / 64.0
                    } else {
                        draw.random::<f64>()
                    };
                    let channel = draw.random_range(0..plan.channels.len()) as u16;
                    let mut l = leader(channel, age, draw.random_range(0..8), 0.5, 0.5, trust);
                    l.knowledge = draw.random();
                    l.experience = draw.random();
                    let kind_idx = draw.random_range(0..2);
                    let exact = 1.0
                        - hazards(&plan, year, kind_idx, &l)
                            .iter()
                            .map(|h| 1.0 - h)
                            .product::<f64>();
                    let bound = exit_probability_bound(&plan, year, kind_idx, &l);
                    assert!(
                        bound >= exact,
                        "{l:?} in {} ({death:?}): {bound} < {exact}",
                        year.year
                    );
                    checked += 1;
                    skipped += usize::from(age < 50.0 && bound < 0.3);
                }
            }
            assert!(skipped > checked / 4, "{skipped} of {checked}");
            let outside = leader(0, 200.0, 1, 0.5, 0.5, 0.5);
            assert_eq!(
                exit_probability_bound(&plan, &plan.years[0], 0, &outside),
                1.0
            );
        }
    }

    #[test]
    fn hazard_boundaries_are_exactly_as_written() {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2000;
        s.promotion.openness = Schedule::constant(0.1);
        s.promotion.max_age = Schedule::constant(45.0);
        s.channels[2].secondment_years = 3; // school
        s.channels[2].promotion = Schedule::constant(2.0);
        s.channels[2].turnover = Schedule::constant(0.15);
        let plan = Plan::new(&s);
        let year = &plan.years[0];
        let school = leader(2, 45.0, 3, 0.3, 0.6, 0.9);
        let h = hazards(&plan, year, 0, &school);
        assert!((h[0] - 5e-5 * (0.085_f64 * 45.0).exp()).abs() < 1e-15);
        assert_eq!(h[1], 1.0 / (1.0 + (15.0_f64 / 1.5).exp())); // urban R = 60
        assert_eq!(h[2], 1.0, "tenure ≥ secondment_years rotates");
        assert_eq!(h[3], 0.0, "no promotion at max_age itself");
        assert!((h[4] - 0.15 * (-2.0_f64 * 0.9).exp()).abs() < 1e-15);
        let younger = leader(2, 44.5, 2, 0.3, 0.6, 0.9);
        let h = hazards(&plan, year, 1, &younger);
        assert_eq!(h[2], 0.0);
        assert!((h[3] - 0.1 * 2.0 * 0.6).abs() < 1e-15);
        // Retirement is one half at R (rural 65); hazards are clamped.
        let old = leader(0, 65.0, 50, 1.0, 1.0, 1.0);
        let h = hazards(&plan, year, 1, &old);
        assert_eq!(h[1], 0.5);
        s.exits.death.a = Schedule::constant(1.0);
        let plan = Plan::new(&s);
        assert_eq!(hazards(&plan, &plan.years[0], 1, &old)[0], 1.0);
    }

    #[test]
    fn mentor_is_the_best_other_leader_lowest_seat_on_ties() {
        let a = leader(0, 50.0, 9, 0.5, 0.7, 0.5); // standing 0.6
        let b = leader(0, 50.0, 9, 0.5, 0.5, 0.7); // standing 0.6, tie
        let c = leader(0, 30.0, 0, 0.5, 0.2, 0.1);
        let seats = vec![
            None,
            Some(c.clone()),
            Some(a.clone()),
            None,
            Some(b.clone()),
        ];
        let top = mentor_candidates(&seats);
        assert_eq!(top[0].map(|m| m.0), Some(2));
        assert_eq!(top[1].map(|m| m.0), Some(4));
        assert_eq!(mentor_candidates(&[None, None]), [None, None]);
        let single = mentor_candidates(&[Some(c.clone())]);
        assert_eq!((single[0].map(|m| m.0), single[1]), (Some(0), None));
    }

    #[test]
    fn learning_uses_start_of_step_values_and_the_mentor_threshold() {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2000;
        s.learning.knowledge = Schedule::constant(0.02);
        let plan = Plan::new(&s);
        let year = &plan.years[0];
        // The two top leaders tie; seat 0 mentors everyone else. The newcomer
        // in seat 0 itself would be mentored by seat 2, whose e is below the
        // threshold, so it learns alone.
        let top = leader(1, 50.0, 0, 0.5, 0.7, 0.5);
        let tie = leader(1, 50.0, 1, 0.5, 0.5, 0.7);
        let newcomer = leader(2, 25.0, 4, 0.8, 0.2, 0.1); // school: localness 0.3
        let veteran = leader(1, 40.0, 5, 0.8, 0.2, 0.1); // tenure = window
        let mut c = community(vec![
            Some(top.clone()),
            None,
            Some(tie.clone()),
            Some(newcomer.clone()),
            Some(veteran.clone()),
        ]);
        learning(&plan, year, &mut c, 0.5);
        let seat = |i: usize| c.seats[i].as_ref().unwrap();
        let (a_e, a_t, a_k, mu) = (0.08, 0.06, 0.02, 0.1);
        assert_eq!(seat(0).experience, 0.7 + a_e * 0.3);
        assert_eq!(seat(0).trust, 0.5 + a_t * 0.5);
        assert_eq!(seat(0).knowledge, 0.5 + a_k * 0.5);
        assert_eq!(seat(3).experience, 0.2 + a_e * 0.8 + mu * (0.7 - 0.2));
        assert_eq!(seat(3).trust, 0.1 + a_t * 0.3 * 0.9 + mu * (0.5 - 0.1));
        assert_eq!(seat(4).experience, 0.2 + a_e * 0.8);
        assert_eq!(seat(4).trust, 0.1 + a_t * 0.9);
        // Only gains: a mentee better than the mentor in trust keeps it.
        assert_eq!(seat(2).trust, 0.7 + a_t * 0.3);
        assert_eq!(seat(2).experience, 0.5 + a_e * 0.5 + mu * (0.7 - 0.5));
    }

    #[test]
    fn skills_are_clamped_to_one() {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2000;
        s.learning.experience = Schedule::constant(1.0);
        s.mentoring.rate = Schedule::constant(1.0);
        let plan = Plan::new(&s);
        let mut c = community(vec![
            Some(leader(0, 50.0, 9, 0.5, 1.0, 1.0)),
            Some(leader(0, 30.0, 0, 0.5, 0.5, 0.5)),
        ]);
        learning(&plan, &plan.years[0], &mut c, 0.5);
        assert_eq!(c.seats[1].as_ref().unwrap().experience, 1.0);
    }

    /// Two channels whose candidates are identical constants, so every
    /// candidate has the same score.
    fn tie_scenario(trust_b: f64) -> Parameters {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2000;
        let mut b = channel("b", Cohort::Knowledge, 2.0);
        b.trust = crate::model::params::Distribution::Constant(trust_b);
        s.channels = vec![channel("a", Cohort::Experience, 2.0), b];
        s
    }

    #[test]
    fn selection_ties_go_to_the_earlier_drawn_candidate() {
        let cases = [(0.5, false), (0.6, true)];
        let samplers = [Samplers::Fast, Samplers::Reference];
        for ((trust_b, later_wins), sampler) in
            cases.into_iter().flat_map(|c| samplers.map(|s| (c, s)))
        {
            let s = tie_scenario(trust_b);
            let plan = match sampler {
                Samplers::Fast => Plan::new(&s),
                Samplers::Reference => Plan::reference(&s),
            };
            let year = &plan.years[0];
            for stream in 0..50 {
                let mut rng = community_rng(&StreamKey::new(1, 0, None), stream, 0);
                // Constant candidates draw nothing, so the only draws are the
                // two channels' counts: replay them on a copy.
                let mut copy = rng.clone();
                let n_a = year.channels[0].offers[0].sample(&mut copy);
                let n_b = year.channels[1].offers[0].sample(&mut copy);
                let best = plan.samplers.draw_candidate(
                    &plan,
                    year,
                    0,
                    f64::NEG_INFINITY,
                    Offers::Poisson,
                    &mut rng,
                );
                let expected = match (n_a, n_b) {
                    (0, 0) => None,
                    (_, 0) => Some(0),
                    (0, _) => Some(1),
                    _ => Some(if later_wins { 1 } else { 0 }),
                };
                assert_eq!(best.map(|(l, _)| l.channel), expected);
                assert_eq!(rng, copy, "no other draws were made");
            }
        }
    }

    #[test]
    fn recruits_get_tenure_zero_and_their_channels_cohort_or_the_seat_stays_vacant() {
        let mut s = tie_scenario(0.6);
        let plan = Plan::new(&s);
        let mut tally = Tally::new(2);
        let mut c = community(vec![None; 6]);
        recruitment(&plan, &plan.years[0], &mut c, &mut rng(), &mut tally);
        for recruit in c.seats.iter().flatten() {
            assert_eq!(recruit.tenure, 0);
            let expected = [Cohort::Experience, Cohort::Knowledge][usize::from(recruit.channel)];
            assert_eq!(recruit.cohort, expected);
        }
        let filled = c.seats.iter().flatten().count() as u64;
        assert!(filled > 0);
        assert_eq!(tally.entries.iter().sum::<u64>(), filled);
        // No supply: nobody is drawn and the seats stay vacant.
        for channel in &mut s.channels {
            channel.supply = Schedule::constant(0.0);
        }
        let plan = Plan::new(&s);
        let mut c = community(vec![None; 6]);
        let mut r = rng();
        recruitment(&plan, &plan.years[0], &mut c, &mut r, &mut tally);
        assert!(c.seats.iter().all(Option::is_none));
        assert_eq!(r, rng(), "no draw without supply");
    }

    #[test]
    fn elections_remove_the_over_age_and_the_outscored() {
        let mut s = tie_scenario(0.6);
        s.channels[0].supply = Schedule::constant(0.0);
        s.channels[1].supply = Schedule::constant(50.0); // a challenger, surely
        s.elections.incumbency = Schedule::constant(0.05);
        let plan = Plan::new(&s);
        // Challenger score 0.3·0.5 + 0.3·0.5 + 0.4·0.6 = 0.54.
        let over_age = leader(0, 65.5, 9, 1.0, 1.0, 1.0);
        let at_cap = leader(0, 65.0, 9, 1.0, 1.0, 1.0);
        let weak = leader(0, 40.0, 9, 0.5, 0.5, 0.45); // 0.48 + 0.05 < 0.54
        let holds = leader(0, 40.0, 9, 0.5, 0.5, 0.5); // 0.50 + 0.05 > 0.54
        let mut c = community(vec![
            Some(over_age),
            Some(at_cap.clone()),
            Some(weak),
            Some(holds.clone()),
            None,
        ]);
        let mut tally = Tally::new(2);
        elections(&plan, &plan.years[0], &mut c, &mut rng(), &mut tally);
        assert_eq!(c.seats[0], None, "over the cap: left, filled in step 6");
        assert_eq!(c.seats[1], Some(at_cap), "age_cap itself is not over it");
        let challenger = c.seats[2].as_ref().unwrap();
        assert_eq!((challenger.channel, challenger.tenure), (1, 0));
        assert_eq!(c.seats[3], Some(holds));
        assert_eq!(c.seats[4], None, "elections do not fill vacancies");
        assert_eq!(tally.exits[ExitReason::Election.index()], 2);
        assert_eq!(tally.entries, vec![0, 1]);
    }

    #[test]
    fn an_empty_team_has_zero_aptitude_not_zero_capacity() {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2000;
        let plan = Plan::new(&s);
        let year = &plan.years[0];
        let c = community(vec![None; 6]);
        let mut tally = Tally::new(3);
        let g = demand_and_resolution(year, &c, &mut rng(), &mut tally).capacity;
        let expected: f64 = (0..3)
            .map(|j| year.mix[j] / (1.0 + (year.beta * year.difficulty[j]).exp()))
            .sum();
        assert!((g - expected).abs() < 1e-15);
        // The default samplers only add the block's means: the three
        // outcomes of type j share its mean λ m_j, resolved ones in the
        // proportion p_j.
        assert_eq!(tally.issues, [0; 3]);
        for j in 0..3 {
            let means = tally.issue_means[j];
            let p = 1.0 / (1.0 + (year.beta * year.difficulty[j]).exp());
            let total = year.issue_mean[0][j];
            assert!((means.iter().sum::<f64>() - total).abs() < 1e-12);
            assert!((means[0] - total * p).abs() < 1e-12);
        }
        // The reference samplers draw the community's own counts.
        let reference = Plan::reference(&s);
        let mut tally = Tally::new(3);
        demand_and_resolution(&reference.years[0], &c, &mut rng(), &mut tally);
        assert!(
            tally
                .resolved
                .iter()
                .zip(&tally.issues)
                .all(|(r, n)| r <= n)
        );
        assert!(tally.issues.iter().sum::<u64>() > 0);
        assert_eq!(tally.issue_means, [[0.0; 3]; 3]);
    }

    /// A block's totals (MODEL.md section 3.1) are Poisson counts of its
    /// summed means: over 4,000 blocks the mean of each total is within
    /// 4.5 standard errors of its Poisson mean and its variance within 4.5
    /// standard errors of the same; the means are cleared after the draw,
    /// and a block with no means draws nothing.
    #[test]
    fn block_totals_are_poisson_counts_of_the_summed_means() {
        let key = StreamKey::new(5, 0, None);
        let means = [[30.0, 4.0, 11.0], [0.0, 2.5, 0.7], [120.0, 0.0, 9.0]];
        let blocks = 4_000;
        let mut draws = vec![Vec::new(); 9];
        for block in 0..blocks {
            let mut tally = Tally::new(1);
            tally.issue_means = means;
            issue_totals(&key, block as u64, 3, &mut tally);
            assert_eq!(tally.issue_means, [[0.0; 3]; 3]);
            for j in 0..3 {
                let escalated = tally.escalated[j];
                let resolved = tally.resolved[j];
                let rest = tally.issues[j] - resolved - escalated;
                for (k, count) in [resolved, escalated, rest].into_iter().enumerate() {
                    draws[3 * j + k].push(count as f64);
                }
            }
        }
        for (cell, values) in draws.iter().enumerate() {
            let mean = means[cell / 3][cell % 3];
            let n = values.len() as f64;
            let m = values.iter().sum::<f64>() / n;
            let v = values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
            if mean == 0.0 {
                assert_eq!((m, v), (0.0, 0.0));
                continue;
            }
            assert!(
                (m - mean).abs() < 4.5 * (mean / n).sqrt(),
                "{cell}: mean {m} vs {mean}"
            );
            // Var of the sample variance of a Poisson: (μ + 2 μ²)/n, nearly.
            let se = ((mean + 2.0 * mean * mean) / n).sqrt();
            assert!(
                (v - mean).abs() < 4.5 * se,
                "{cell}: variance {v} vs {mean}"
            );
        }
        let mut empty = Tally::new(1);
        issue_totals(&key, 0, 0, &mut empty);
        assert_eq!(empty, Tally::new(1));
    }

    #[test]
    fn capacity_follows_the_aptitude_formula() {
        let mut s = parameters();
        s.start_year = 2000;
        s.end_year = 2000;
        s.capacity.gamma = Schedule::constant(2.0);
        s.capacity.omega = Schedule::constant(0.25);
        let plan = Plan::new(&s);
        let year = &plan.years[0];
        let c = community(vec![
            Some(leader(0, 40.0, 1, 0.2, 0.4, 0.9)),
            None,
            Some(leader(0, 40.0, 1, 0.6, 0.8, 0.3)),
            None,
        ]);
        let staffing = 0.5_f64.powf(2.0);
        let aptitude = |max: f64, mean: f64| staffing * (0.25 * max + 0.75 * mean);
        let a = [aptitude(0.9, 0.6), aptitude(0.8, 0.6), aptitude(0.6, 0.4)];
        let expected: f64 = (0..3)
            .map(|j| year.mix[j] / (1.0 + (-8.0 * (a[j] - year.difficulty[j])).exp()))
            .sum();
        let g = demand_and_resolution(year, &c, &mut rng(), &mut Tally::new(3)).capacity;
        assert!((g - expected).abs() < 1e-12, "{g} vs {expected}");
    }
}
