//! The candidate draw of steps 5 and 6 in its two exact forms, behind
//! [`Samplers::draw_candidate`]: the steps ask for the best candidate and
//! never see which form the plan uses.

use rand_chacha::ChaCha8Rng;

use super::params::Skills;
use super::plan::{Plan, YearPlan};
use super::samplers::Samplers;
use super::state::Leader;

/// The selection score w_k k + w_e e + w_t t.
#[inline]
pub(crate) fn score(year: &YearPlan, skills: &Skills) -> f64 {
    skills.weighted_sum(&year.selection)
}

impl Samplers {
    /// The best candidate for one seat whose score is strictly above
    /// `to_beat` (−∞ for a vacant seat; the incumbent's score plus the
    /// incumbency advantage at an election). Channels in
    /// `Parameters::channels` order, n_c ~ Poisson per channel; the highest
    /// score wins and an exact tie keeps the earlier-drawn candidate.
    /// `None` when nobody beats `to_beat`.
    pub(crate) fn draw_candidate(
        self,
        plan: &Plan,
        year: &YearPlan,
        kind_idx: usize,
        to_beat: f64,
        rng: &mut ChaCha8Rng,
    ) -> Option<(Leader, f64)> {
        let best = match self {
            Samplers::Fast => pruned(plan, year, kind_idx, to_beat, rng),
            Samplers::Reference => direct(plan, year, kind_idx, rng),
        };
        best.filter(|(_, best_score)| *best_score > to_beat)
    }
}

/// [`Samplers::Reference`]: each candidate draws age, knowledge,
/// experience, trust in that order.
fn direct(
    plan: &Plan,
    year: &YearPlan,
    kind_idx: usize,
    rng: &mut ChaCha8Rng,
) -> Option<(Leader, f64)> {
    let mut best: Option<(Leader, f64)> = None;
    for (channel_idx, (channel, channel_year)) in
        plan.channels.iter().zip(&year.channels).enumerate()
    {
        let n_candidates = channel_year.offers[kind_idx].sample(rng);
        for _ in 0..n_candidates {
            let age = channel.age.sample(rng);
            let knowledge = channel.knowledge.sample(rng);
            let experience = channel.experience.sample(rng);
            let trust = channel.trust.sample(rng);
            let skills = Skills {
                knowledge,
                experience,
                trust,
            };
            let candidate_score = score(year, &skills);
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

/// A margin on the pruning bound: the bound and the score add the same
/// terms in different orders, so they may differ by a few ulps; pruning
/// only when the bound is below the bar by more than this never discards a
/// candidate that could win.
const PRUNE_MARGIN: f64 = 1e-12;

/// [`Samplers::Fast`]: skills are drawn one at a time, highest
/// selection weight first; after each, the score a candidate could still
/// reach with perfect remaining skills is compared with the bar (the best
/// score so far, or `to_beat`), and a candidate who cannot clear it is
/// dropped without further draws. The winner's age is drawn last, from
/// their channel.
fn pruned(
    plan: &Plan,
    year: &YearPlan,
    kind_idx: usize,
    to_beat: f64,
    rng: &mut ChaCha8Rng,
) -> Option<(Leader, f64)> {
    let (weights, order, still) = (&year.selection, year.draw_order, year.still);
    let mut best: Option<(usize, Skills, f64)> = None;
    let mut bar = to_beat;
    for (channel_idx, (channel, channel_year)) in
        plan.channels.iter().zip(&year.channels).enumerate()
    {
        let n_candidates = channel_year.offers[kind_idx].sample(rng);

        'candidate: for _ in 0..n_candidates {
            let mut skills = Skills::default();
            let mut partial = 0.0;
            for (i, &skill) in order.iter().enumerate() {
                let value = channel.skill(skill).sample(rng);
                skills.set(skill, value);
                partial += weights.get(skill) * value;
                if partial + still[i] + PRUNE_MARGIN < bar {
                    continue 'candidate;
                }
            }
            let candidate_score = score(year, &skills);
            // Strictly above the bar: above the incumbent, and an exact tie
            // with the best so far keeps the earlier-drawn candidate.
            if candidate_score > bar {
                bar = candidate_score;
                best = Some((channel_idx, skills, candidate_score));
            }
        }
    }
    let (channel_idx, skills, best_score) = best?;
    let channel = &plan.channels[channel_idx];
    let leader = Leader {
        cohort: channel.cohort,
        channel: channel_idx as u16,
        age: channel.age.sample(rng),
        tenure: 0,
        knowledge: skills.knowledge,
        experience: skills.experience,
        trust: skills.trust,
    };
    Some((leader, best_score))
}
