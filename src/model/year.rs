//! One year of one community (MODEL.md section 2), one function per step,
//! in the order the model fixes:
//! [`demand_and_resolution`], [`learning`], [`ageing`], [`exits`],
//! [`elections`], [`recruitment`], then observation into the [`Tally`].
//!
//! All draws of the year come, in this order, from the community's stream
//! positioned at the year's block ([`community_rng`]). Nothing here
//! allocates.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution as _, Poisson};

use super::metrics::Tally;
use super::plan::{Plan, YearPlan};
use super::state::{Community, ExitReason, Leader, kind_index};
use super::stream::{BLOCK, StreamKey, community_rng};

/// Runs year index `year_index` (0 for the start year) of `community`:
/// steps 1 to 6 on its state, then adds its events and end-of-year state to
/// `tally` (step 7). Returns its governance capacity G (step 1).
///
/// This is the whole per-community work of [`super::run`]; calling it for
/// one community alone, year after year, replays that community exactly.
pub fn step_community(
    plan: &Plan,
    key: &StreamKey,
    year_index: usize,
    community: &mut Community,
    tally: &mut Tally,
) -> f64 {
    let year = &plan.years[year_index];
    let mut rng = community_rng(key, community.index, year_index);
    let capacity = demand_and_resolution(year, community, &mut rng, tally);
    learning(plan, year, community);
    ageing(community);
    exits(plan, year, community, &mut rng, tally);
    if year.election {
        elections(plan, year, community, &mut rng, tally);
    }
    recruitment(plan, year, community, &mut rng, tally);
    debug_assert!(
        rng.get_word_pos() <= (year_index as u128 + 1) * BLOCK,
        "a year used more than its block of the stream"
    );
    tally.observe(
        community,
        capacity,
        plan.educated_threshold,
        year.mentoring_threshold,
    );
    capacity
}

/// A probability: clamped to [0, 1], NaN (e.g. 0 · ∞) to 0.
#[inline]
fn unit(h: f64) -> f64 {
    if h > 1.0 {
        1.0
    } else if h > 0.0 {
        h
    } else {
        0.0
    }
}

/// A Poisson count; 0 without a draw when the mean is 0.
#[inline]
fn poisson_count(sampler: &Option<Poisson<f64>>, rng: &mut ChaCha8Rng) -> u64 {
    match sampler {
        // The sampler returns an integral f64; `as` is exact below 2^53.
        Some(poisson) => poisson.sample(rng) as u64,
        None => 0,
    }
}

/// A Binomial(n, p) count; 0 without a draw when n = 0 (and no draw when
/// p is 0 or 1, which rand_distr handles as constants).
#[inline]
fn binomial_count(n: u64, p: f64, rng: &mut ChaCha8Rng) -> u64 {
    if n == 0 {
        return 0;
    }
    Binomial::new(n, p)
        .expect("p is a probability in [0, 1]")
        .sample(rng)
}

/// Step 1, from the state at the start of the year: team aptitudes A_j,
/// resolution probabilities p_j, capacity G = Σ m_j p_j; then per issue
/// type j in order (interpersonal, managerial, technical) the draws N_j,
/// R_j, X_j. Returns G.
pub(crate) fn demand_and_resolution(
    year: &YearPlan,
    community: &Community,
    rng: &mut ChaCha8Rng,
    tally: &mut Tally,
) -> f64 {
    // Matching skills per issue type: trust, experience, knowledge.
    let mut max = [0.0_f64; 3];
    let mut sum = [0.0_f64; 3];
    let mut filled = 0_usize;
    for leader in community.seats.iter().flatten() {
        let skills = [leader.trust, leader.experience, leader.knowledge];
        for j in 0..3 {
            max[j] = max[j].max(skills[j]);
            sum[j] += skills[j];
        }
        filled += 1;
    }
    let staffing = if filled == 0 {
        0.0
    } else {
        (filled as f64 / community.seats.len() as f64).powf(year.gamma)
    };
    let kind = kind_index(community.kind);
    let mut capacity = 0.0;
    for j in 0..3 {
        let aptitude = if filled == 0 {
            0.0
        } else {
            staffing * (year.omega * max[j] + (1.0 - year.omega) * sum[j] / filled as f64)
        };
        let p = 1.0 / (1.0 + (-year.beta * (aptitude - year.difficulty[j])).exp());
        capacity += year.mix[j] * p;
        let n = poisson_count(&year.issues[kind][j], rng);
        let resolved = binomial_count(n, p, rng);
        let escalated = binomial_count(n - resolved, year.escalation, rng);
        tally.issues[j] += n;
        tally.resolved[j] += resolved;
        tally.escalated[j] += escalated;
    }
    capacity
}

/// The two seated leaders with the highest (e + t)/2, lowest seat first on
/// ties: the mentor of a leader is the first of these that is not the
/// leader. `(seat, e, t)` of each, as at the start of step 2.
pub(crate) fn mentor_candidates(
    seats: &[Option<Leader>],
) -> [Option<(usize, f64, f64)>; 2] {
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
pub(crate) fn learning(plan: &Plan, year: &YearPlan, community: &mut Community) {
    let top = mentor_candidates(&community.seats);
    for (seat, slot) in community.seats.iter_mut().enumerate() {
        let Some(leader) = slot else { continue };
        let (k, e, t) = (leader.knowledge, leader.experience, leader.trust);
        let localness = year.channels[usize::from(leader.channel)].localness;
        let mut de = year.learn_experience * (1.0 - e);
        let mut dt = year.learn_trust * localness * (1.0 - t);
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
        leader.knowledge = (k + dk).clamp(0.0, 1.0);
        leader.experience = (e + de).clamp(0.0, 1.0);
        leader.trust = (t + dt).clamp(0.0, 1.0);
    }
}

/// Step 3: every seated leader is one year older and one year longer in
/// the team.
pub(crate) fn ageing(community: &mut Community) {
    for leader in community.seats.iter_mut().flatten() {
        leader.age += 1.0;
        leader.tenure += 1;
    }
}

/// The five hazards of step 4 for `leader` in a community of `kind_idx`,
/// in [`ExitReason::HAZARDS`] order, each clamped to [0, 1].
pub(crate) fn hazards(plan: &Plan, year: &YearPlan, kind_idx: usize, leader: &Leader) -> [f64; 5] {
    let channel_plan = &plan.channels[usize::from(leader.channel)];
    let channel_year = &year.channels[usize::from(leader.channel)];
    let death = year.death_a * (year.death_b * leader.age).exp();
    let retirement = 1.0
        / (1.0 + (-(leader.age - year.retirement_age[kind_idx]) / year.retirement_spread).exp());
    let rotation = if channel_plan.secondment_years > 0
        && leader.tenure >= channel_plan.secondment_years
    {
        1.0
    } else {
        0.0
    };
    let promotion = if leader.age < year.promotion_max_age {
        channel_year.promotion * (leader.knowledge + leader.experience + leader.trust) / 3.0
    } else {
        0.0
    };
    let turnover = channel_year.turnover * (-year.embeddedness * leader.trust).exp();
    [death, retirement, rotation, promotion, turnover].map(unit)
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
/// leader leaves for the first reason [`exit_reason`] gives.
pub(crate) fn exits(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut ChaCha8Rng,
    tally: &mut Tally,
) {
    let kind_idx = kind_index(community.kind);
    for slot in community.seats.iter_mut() {
        let Some(leader) = slot else { continue };
        let u: f64 = rng.random();
        if let Some(reason) = exit_reason(u, &hazards(plan, year, kind_idx, leader)) {
            tally.exits[reason.index()] += 1;
            *slot = None;
        }
    }
}

/// The selection score w_k k + w_e e + w_t t.
#[inline]
fn score(year: &YearPlan, knowledge: f64, experience: f64, trust: f64) -> f64 {
    let [w_k, w_e, w_t] = year.selection;
    w_k * knowledge + w_e * experience + w_t * trust
}

/// The best candidate for one seat: channels in `Scenario::channels` order
/// (alphabetical), n_c ~ Poisson per channel, each candidate drawing age,
/// knowledge, experience, trust in that order; the highest score wins and
/// an exact tie keeps the earlier-drawn candidate. `None` when no channel
/// offers anyone.
pub(crate) fn best_candidate(
    plan: &Plan,
    year: &YearPlan,
    kind_idx: usize,
    rng: &mut ChaCha8Rng,
) -> Option<(Leader, f64)> {
    let mut best: Option<(Leader, f64)> = None;
    for (channel_idx, (channel, channel_year)) in
        plan.channels.iter().zip(&year.channels).enumerate()
    {
        let n_candidates = poisson_count(&channel_year.offers[kind_idx], rng);
        for _ in 0..n_candidates {
            let age = channel.age.sample(rng);
            let knowledge = channel.knowledge.sample(rng);
            let experience = channel.experience.sample(rng);
            let trust = channel.trust.sample(rng);
            let candidate_score = score(year, knowledge, experience, trust);
            if best
                .as_ref()
                .is_none_or(|(_, best_score)| candidate_score > *best_score)
            {
                best = Some((
                    Leader {
                        cohort: channel.cohort,
                        channel: channel_idx as u16,
                        age,
                        tenure: 0,
                        knowledge,
                        experience,
                        trust,
                    },
                    candidate_score,
                ));
            }
        }
    }
    best
}

/// Step 5 (election years only). First every incumbent older than the age
/// cap leaves (no draw is involved, so doing this before the challenges
/// changes nothing); then each remaining incumbent, in seat order, faces
/// the best challenger drawn as in step 6 and leaves if the challenger's
/// score is strictly above theirs plus the incumbency advantage, the
/// challenger taking the seat with tenure 0.
pub(crate) fn elections(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut ChaCha8Rng,
    tally: &mut Tally,
) {
    let election = ExitReason::Election.index();
    for slot in community.seats.iter_mut() {
        if slot.as_ref().is_some_and(|leader| leader.age > plan.age_cap) {
            *slot = None;
            tally.exits[election] += 1;
        }
    }
    let kind_idx = kind_index(community.kind);
    for slot in community.seats.iter_mut() {
        let Some(incumbent) = slot else { continue };
        let to_beat = score(
            year,
            incumbent.knowledge,
            incumbent.experience,
            incumbent.trust,
        ) + year.incumbency;
        if let Some((challenger, challenger_score)) = best_candidate(plan, year, kind_idx, rng)
            && challenger_score > to_beat
        {
            tally.exits[election] += 1;
            tally.entries[usize::from(challenger.channel)] += 1;
            *slot = Some(challenger);
        }
    }
}

/// Step 6: each vacant seat, in seat order, goes to the best candidate
/// ([`best_candidate`]), or stays vacant this year when there is none.
pub(crate) fn recruitment(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut ChaCha8Rng,
    tally: &mut Tally,
) {
    let kind_idx = kind_index(community.kind);
    for slot in community.seats.iter_mut() {
        if slot.is_some() {
            continue;
        }
        if let Some((recruit, _)) = best_candidate(plan, year, kind_idx, rng) {
            tally.entries[usize::from(recruit.channel)] += 1;
            *slot = Some(recruit);
        }
    }
}
