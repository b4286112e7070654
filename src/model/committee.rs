//! The committee election (MODEL.md section 7.3, `elections.rule =
//! "committee"`): one list of nominees for the contested seats of a
//! community, a vote, and the hand-over of the seats the vote frees.
//!
//! The list is drawn by the plan's [`Samplers`] like the candidates of
//! steps 5 and 6: the reference draws every challenger whole and sorts; the
//! default draws a challenger's skills lazily and drops them as soon as
//! they cannot enter the part of the list that can still win (the C best
//! standings without vote noise, the whole list with it). Dropped
//! challengers change no outcome, so the law is the same.

use super::stream::Stream;
use rand_distr::{Distribution as _, Gumbel};

use super::candidates::{age_and_skills, score, skills_above};
use super::events::Route;
use super::metrics::Tally;
use super::params::{Skills, SupplyMode};
use super::plan::{Plan, YearPlan};
use super::samplers::{PoissonTable, Samplers};
use super::state::{Community, ExitReason, Leader, kind_index};
use super::year::entered;

/// Who a nominee is.
#[derive(Clone, Copy, Debug)]
enum Nominee {
    /// The incumbent of this seat.
    Incumbent(usize),
    /// A challenger from a channel; the age is drawn with the skills by
    /// the reference, and only for winners by the default samplers.
    Challenger {
        channel: usize,
        skills: Skills,
        age: Option<f64>,
    },
}

/// A nominee and their standing (score, plus `incumbency` for an
/// incumbent).
#[derive(Clone, Copy, Debug)]
struct Listed {
    standing: f64,
    nominee: Nominee,
}

/// Inserts `listed` after every nominee of equal or higher standing (ties
/// keep the order of nomination: incumbents in seat order, then challengers
/// in draw order) and keeps the first `keep`.
fn insert(list: &mut Vec<Listed>, listed: Listed, keep: usize) {
    let at = list.partition_point(|l| l.standing >= listed.standing);
    if at < keep {
        list.insert(at, listed);
        list.truncate(keep);
    }
}

impl Samplers {
    /// The list of nominees (step 3 of MODEL.md 7.3), best standing first:
    /// the incumbents of `contested` seats and the challengers of the
    /// channels that stand, at most `keep` of them (`keep` ≤ C +
    /// `list_extra`; the default samplers keep only the C best without
    /// vote noise, the part of the list that can win).
    #[allow(clippy::too_many_arguments)]
    fn committee_list(
        self,
        plan: &Plan,
        year: &YearPlan,
        community: &Community,
        contested: &[usize],
        keep: usize,
        rng: &mut Stream,
    ) -> Vec<Listed> {
        let kind_idx = kind_index(community.kind);
        let n_contested = contested.len();
        let mut list: Vec<Listed> = Vec::with_capacity(keep.min(n_contested + 8));
        for &seat in contested {
            if let Some(incumbent) = &community.seats[seat] {
                let standing = score(year, &incumbent.skills()) + year.incumbency;
                insert(
                    &mut list,
                    Listed {
                        standing,
                        nominee: Nominee::Incumbent(seat),
                    },
                    usize::MAX,
                );
            }
        }
        let mut challengers: Vec<Listed> = Vec::new();
        for (channel_idx, channel) in plan.channels.iter().enumerate() {
            if !channel.stands_in_elections {
                continue;
            }
            let offers = &year.channels[channel_idx].offers[kind_idx];
            let n = match plan.supply_mode {
                SupplyMode::Pool => community.pools[channel_idx],
                SupplyMode::PerVacancy => self.committee_count(
                    offers,
                    year.channels[channel_idx].offer_mean[kind_idx],
                    n_contested,
                    rng,
                ),
            };
            for _ in 0..n {
                match self {
                    Samplers::Reference => {
                        let (age, skills) = age_and_skills(channel, rng);
                        challengers.push(Listed {
                            standing: score(year, &skills),
                            nominee: Nominee::Challenger {
                                channel: channel_idx,
                                skills,
                                age: Some(age),
                            },
                        });
                    }
                    Samplers::Fast => {
                        let bar = if list.len() >= keep {
                            list[keep - 1].standing
                        } else {
                            f64::NEG_INFINITY
                        };
                        let Some(skills) = skills_above(year, channel, bar, rng) else {
                            continue;
                        };
                        let standing = score(year, &skills);
                        // Strictly above: on a tie the earlier nominee ranks
                        // first, so a later one could not displace it.
                        if standing > bar {
                            let nominee = Nominee::Challenger {
                                channel: channel_idx,
                                skills,
                                age: None,
                            };
                            insert(&mut list, Listed { standing, nominee }, keep);
                        }
                    }
                }
            }
        }
        for challenger in challengers {
            insert(&mut list, challenger, usize::MAX);
        }
        list.truncate(keep);
        list
    }

    /// The number of challengers of one channel in `per_vacancy` mode:
    /// Poisson(C · supply · kindmult · A_c · M), the expected number of one
    /// pool per contested seat drawn once. The default samplers add C
    /// draws of the per-seat law (a sum of Poisson counts is Poisson of the
    /// summed mean); the reference draws the one count directly.
    fn committee_count(
        self,
        per_seat: &PoissonTable,
        per_seat_mean: f64,
        n_contested: usize,
        rng: &mut Stream,
    ) -> u64 {
        match self {
            Samplers::Fast => (0..n_contested).map(|_| per_seat.sample(rng)).sum(),
            Samplers::Reference => PoissonTable::direct(n_contested as f64 * per_seat_mean)
                .expect("the gate checked the per-seat mean, and C is at most 1000 seats")
                .sample(rng),
        }
    }
}

/// Step 5 under the committee rule, after the age cap (MODEL.md 7.3 and
/// 7.9): contested seats are the vacant ones and those held by leaders of
/// channels that stand; the list holds the C + `list_extra` nominees of
/// highest standing; each listed nominee, in list order, draws Gumbel noise
/// (none when `vote_noise` is 0); the C highest votes win. Incumbents who
/// do not win leave (reason `election`); winning challengers, in vote
/// order, take the free contested seats in ascending seat order, tenure 0,
/// and leave their pool in pool mode. Contested seats left over stay vacant
/// for step 6.
pub(crate) fn committee_election(
    plan: &Plan,
    year: &YearPlan,
    community: &mut Community,
    rng: &mut Stream,
    tally: &mut Tally,
) {
    let contested: Vec<usize> = community
        .seats
        .iter()
        .enumerate()
        .filter(|(_, slot)| {
            slot.as_ref()
                .is_none_or(|leader| plan.channels[usize::from(leader.channel)].stands_in_elections)
        })
        .map(|(seat, _)| seat)
        .collect();
    let n_contested = contested.len();
    if n_contested == 0 {
        return;
    }
    let listed = n_contested.saturating_add(plan.list_extra);
    let keep = match plan.samplers {
        Samplers::Fast if year.vote_noise == 0.0 => n_contested,
        _ => listed,
    };
    let list = plan
        .samplers
        .committee_list(plan, year, community, &contested, keep, rng);

    // The vote: in list order, u = standing + noise · G; the stable sort
    // keeps list order on ties (incumbents first, then earlier challengers).
    let mut order: Vec<(f64, usize)> = if year.vote_noise == 0.0 {
        list.iter()
            .enumerate()
            .map(|(i, l)| (l.standing, i))
            .collect()
    } else {
        let gumbel = Gumbel::new(0.0, 1.0).expect("the standard Gumbel law exists");
        list.iter()
            .enumerate()
            .map(|(i, l)| (l.standing + year.vote_noise * gumbel.sample(rng), i))
            .collect()
    };
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    order.truncate(n_contested);

    let mut keeps_seat = vec![false; community.seats.len()];
    let mut winners: Vec<(usize, Skills, Option<f64>)> = Vec::new();
    for &(_, i) in &order {
        match list[i].nominee {
            Nominee::Incumbent(seat) => keeps_seat[seat] = true,
            Nominee::Challenger {
                channel,
                skills,
                age,
            } => winners.push((channel, skills, age)),
        }
    }
    for &seat in &contested {
        if !keeps_seat[seat]
            && let Some(leader) = community.seats[seat].take()
        {
            tally.exited(community.index, seat, &leader, ExitReason::Election);
        }
    }
    let free: Vec<usize> = contested
        .iter()
        .copied()
        .filter(|&seat| community.seats[seat].is_none())
        .collect();
    let mut free = free.into_iter();
    for (channel, skills, age) in winners {
        let seat = free
            .next()
            .expect("C winners at most, and every seat a winning challenger needs was freed");
        let age = age.unwrap_or_else(|| plan.channels[channel].age.sample(rng));
        let leader = Leader::entering(year, channel, age, skills);
        entered(
            tally,
            &mut community.pools,
            community.index,
            seat,
            &leader,
            Route::Election,
        );
        community.seats[seat] = Some(leader);
    }
}
