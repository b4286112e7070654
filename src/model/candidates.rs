//! The candidate draw of steps 5 and 6 in its two exact forms, behind
//! [`Samplers::draw_candidate`]: the steps ask for the best candidate and
//! never see which form the plan uses.

use super::stream::Stream;

use super::params::Skills;
use super::plan::{ChannelPlan, Plan, YearPlan};
use super::samplers::Samplers;
use super::state::Leader;

/// Where a channel's candidates for one seat come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Offers<'a> {
    /// n_c ~ Poisson per channel from the year's offer law (`per_vacancy`).
    Poisson,
    /// Every member of each channel's pool (`pool`, MODEL.md section 7.1).
    Pools(&'a [u64]),
}

impl Offers<'_> {
    /// The number of candidates channel `channel_idx` offers.
    #[inline]
    fn count(self, year: &YearPlan, channel_idx: usize, kind_idx: usize, rng: &mut Stream) -> u64 {
        match self {
            Offers::Poisson => year.channels[channel_idx].offers[kind_idx].sample(rng),
            Offers::Pools(pools) => pools[channel_idx],
        }
    }
}

impl Leader {
    /// A leader taking a seat in `year` through channel `channel_idx`:
    /// tenure 0, the cohort of the year of entry (MODEL.md section 7.4).
    pub(crate) fn entering(
        year: &YearPlan,
        channel_idx: usize,
        age: f64,
        skills: Skills,
    ) -> Leader {
        Leader {
            cohort: year.channels[channel_idx].cohort,
            channel: channel_idx as u16,
            age,
            tenure: 0,
            knowledge: skills.knowledge,
            experience: skills.experience,
            trust: skills.trust,
        }
    }
}

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
        offers: Offers<'_>,
        rng: &mut Stream,
    ) -> Option<(Leader, f64)> {
        let best = match self {
            Samplers::Fast => match year.challengers.as_deref() {
                // An election: the regions decide without drawing the pool
                // (MODEL.md section 3.2).
                Some(challengers) if to_beat > f64::NEG_INFINITY => {
                    challengers.best(plan, year, kind_idx, to_beat, offers, rng)
                }
                _ => pruned(plan, year, kind_idx, to_beat, offers, rng),
            },
            Samplers::Reference => direct(plan, year, kind_idx, offers, rng),
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
    offers: Offers<'_>,
    rng: &mut Stream,
) -> Option<(Leader, f64)> {
    let mut best: Option<(Leader, f64)> = None;
    for (channel_idx, channel) in plan.channels.iter().enumerate() {
        let n_candidates = offers.count(year, channel_idx, kind_idx, rng);
        for _ in 0..n_candidates {
            let (age, skills) = age_and_skills(channel, rng);
            let candidate_score = score(year, &skills);
            if best
                .as_ref()
                .is_none_or(|(_, best_score)| candidate_score > *best_score)
            {
                best = Some((
                    Leader::entering(year, channel_idx, age, skills),
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
    offers: Offers<'_>,
    rng: &mut Stream,
) -> Option<(Leader, f64)> {
    let mut best: Option<(usize, Skills, f64)> = None;
    let mut bar = to_beat;
    for (channel_idx, channel) in plan.channels.iter().enumerate() {
        let n_candidates = offers.count(year, channel_idx, kind_idx, rng);

        for _ in 0..n_candidates {
            let Some(skills) = skills_above(year, channel, bar, rng) else {
                continue;
            };
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
    let age = plan.channels[channel_idx].age.sample(rng);
    Some((Leader::entering(year, channel_idx, age, skills), best_score))
}

/// One candidate's skills from `channel`, drawn one at a time, highest
/// selection weight first, stopping (`None`) as soon as even perfect
/// remaining skills could not lift the score above `bar`: such a candidate
/// can win nothing, and dropping them changes no outcome's law.
#[inline]
pub(crate) fn skills_above(
    year: &YearPlan,
    channel: &ChannelPlan,
    bar: f64,
    rng: &mut Stream,
) -> Option<Skills> {
    let (weights, order, still) = (&year.selection, year.draw_order, year.still);
    let mut skills = Skills::default();
    let mut partial = 0.0;
    for (i, &skill) in order.iter().enumerate() {
        let value = channel.skill(skill).sample(rng);
        skills.set(skill, value);
        partial += weights.get(skill) * value;
        if partial + still[i] + PRUNE_MARGIN < bar {
            return None;
        }
    }
    Some(skills)
}

/// One candidate's age and skills from `channel`, drawn in the order age,
/// knowledge, experience, trust (the reference samplers' order).
#[inline]
pub(crate) fn age_and_skills(channel: &ChannelPlan, rng: &mut Stream) -> (f64, Skills) {
    let age = channel.age.sample(rng);
    let knowledge = channel.knowledge.sample(rng);
    let experience = channel.experience.sample(rng);
    let trust = channel.trust.sample(rng);
    (
        age,
        Skills {
            knowledge,
            experience,
            trust,
        },
    )
}
