//! Invariants of the engine over randomised small scenarios (proptest):
//! checked after every year of a full parallel `run`, from the state that
//! `on_year_end` sees and the year's metric row.
//!
//! A leader seated at a year end with tenure ≥ 1 was in the same seat at
//! the start of the year (entrants get tenure 0 in steps 5 and 6 and
//! nothing leaves after step 5's challengers), so "stayed" is defined by
//! tenure > 0 and checked against the previous year's seat holder.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use succession::model::{self, Community, Leader, Plan, StreamKey};
use succession::scenario::{self, Cohort, CohortRule, Distribution, PerKind, Scenario, Schedule};

fn base() -> &'static Scenario {
    static BASE: OnceLock<Scenario> = OnceLock::new();
    BASE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios/engine/invariants.toml");
        scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

fn c(value: f64) -> Schedule {
    Schedule::constant(value)
}

/// An age distribution: constant or a truncated normal whose window holds
/// its mean (so it has ample mass).
fn age_distribution() -> impl Strategy<Value = Distribution> {
    prop_oneof![
        (18.0..70.0_f64).prop_map(Distribution::Constant),
        (20.0..60.0_f64, 0.5..10.0_f64, 0.1..20.0_f64, 0.1..20.0_f64).prop_map(
            |(mean, sd, below, above)| Distribution::Normal {
                mean,
                sd,
                min: mean - below,
                max: mean + above,
            }
        ),
    ]
}

/// A skill distribution on [0, 1]: constant, truncated normal or beta.
fn skill_distribution() -> impl Strategy<Value = Distribution> {
    prop_oneof![
        (0.0..=1.0_f64).prop_map(Distribution::Constant),
        (0.0..=1.0_f64, 0.05..0.5_f64, 0.01..1.0_f64, 0.01..1.0_f64).prop_map(
            |(mean, sd, below, above)| Distribution::Normal {
                mean,
                sd,
                min: (mean - below).max(0.0),
                max: (mean + above).min(1.0),
            }
        ),
        (0.2..10.0_f64, 0.2..10.0_f64).prop_map(|(a, b)| Distribution::Beta { a, b }),
    ]
}

#[derive(Clone, Debug)]
struct ChannelParams {
    cohort: usize,
    supply: f64,
    kind: (f64, f64),
    responds_to_openness: bool,
    localness: f64,
    turnover: f64,
    promotion: f64,
    secondment_years: u32,
    age: Distribution,
    skills: [Distribution; 3],
}

fn channel_params() -> impl Strategy<Value = ChannelParams> {
    (
        (
            0..3_usize,
            0.0..3.0_f64,
            (0.0..2.0_f64, 0.0..2.0_f64),
            any::<bool>(),
        ),
        (0.0..=1.0_f64, 0.0..0.6_f64, 0.0..3.0_f64, 0..5_u32),
        age_distribution(),
        [
            skill_distribution(),
            skill_distribution(),
            skill_distribution(),
        ],
    )
        .prop_map(
            |(
                (cohort, supply, kind, responds_to_openness),
                (localness, turnover, promotion, secondment_years),
                age,
                skills,
            )| ChannelParams {
                cohort,
                supply,
                kind,
                responds_to_openness,
                localness,
                turnover,
                promotion,
                secondment_years,
                age,
                skills,
            },
        )
}

#[derive(Clone, Debug)]
struct Params {
    n_years: i32,
    communities: u32,
    urban_share: f64,
    seats: (u32, u32),
    rate: (f64, f64),
    escalation: f64,
    mix: [f64; 3],
    difficulty: [f64; 3],
    capacity: (f64, f64, f64),
    learning: [f64; 3],
    mentoring: (f64, u32, f64),
    death: (f64, f64),
    retirement: (f64, f64, f64),
    embeddedness: f64,
    promotion: (f64, f64, f64),
    elections: (bool, i32, f64, u32, f64),
    selection: [f64; 3],
    educated_threshold: f64,
    channels: Vec<ChannelParams>,
    roster_seed: u64,
}

fn params() -> impl Strategy<Value = Params> {
    let shape = (
        1..25_i32,
        1..30_u32,
        0.0..=1.0_f64,
        (1..7_u32, 1..7_u32),
        (0.0..60.0_f64, 0.0..60.0_f64),
        0.0..=1.0_f64,
        [0.01..1.0_f64, 0.0..1.0_f64, 0.0..1.0_f64],
        [0.0..1.0_f64, 0.0..1.0_f64, 0.0..1.0_f64],
        (0.0..3.0_f64, 0.0..=1.0_f64, 0.0..20.0_f64),
    );
    let behaviour = (
        [0.0..0.3_f64, 0.0..0.3_f64, 0.0..0.3_f64],
        (0.0..=1.0_f64, 0..7_u32, 0.0..=1.0_f64),
        (0.0..0.01_f64, 0.0..0.1_f64),
        (30.0..80.0_f64, 30.0..80.0_f64, 0.5..5.0_f64),
        0.0..3.0_f64,
        (0.0..0.5_f64, 20.0..70.0_f64, 0.0..3.0_f64),
        (
            any::<bool>(),
            -5..10_i32,
            1.0..6.0_f64,
            30..80_u32,
            -0.2..0.2_f64,
        ),
        [0.0..1.0_f64, 0.0..1.0_f64, 0.0..1.0_f64],
        0.0..=1.0_f64,
    );
    (
        shape,
        behaviour,
        prop::collection::vec(channel_params(), 1..5),
        any::<u64>(),
    )
        .prop_map(
            |(
                (
                    n_years,
                    communities,
                    urban_share,
                    seats,
                    rate,
                    escalation,
                    mix,
                    difficulty,
                    capacity,
                ),
                (
                    learning,
                    mentoring,
                    death,
                    retirement,
                    embeddedness,
                    promotion,
                    elections,
                    selection,
                    educated_threshold,
                ),
                channels,
                roster_seed,
            )| Params {
                n_years,
                communities,
                urban_share,
                seats,
                rate,
                escalation,
                mix,
                difficulty,
                capacity,
                learning,
                mentoring,
                death,
                retirement,
                embeddedness,
                promotion,
                elections,
                selection,
                educated_threshold,
                channels,
                roster_seed,
            },
        )
}

fn scenario_from(p: &Params) -> Scenario {
    let mut s = base().clone();
    s.end_year = s.start_year + p.n_years - 1;
    s.communities = p.communities;
    s.urban_share = p.urban_share;
    s.team.seats = PerKind {
        urban: p.seats.0,
        rural: p.seats.1,
    };
    s.issues.rate = PerKind {
        urban: c(p.rate.0),
        rural: c(p.rate.1),
    };
    s.issues.escalation = c(p.escalation);
    s.issues.mix.interpersonal = c(p.mix[0]);
    s.issues.mix.managerial = c(p.mix[1]);
    s.issues.mix.technical = c(p.mix[2]);
    s.issues.difficulty.interpersonal = c(p.difficulty[0]);
    s.issues.difficulty.managerial = c(p.difficulty[1]);
    s.issues.difficulty.technical = c(p.difficulty[2]);
    s.capacity.gamma = c(p.capacity.0);
    s.capacity.omega = c(p.capacity.1);
    s.capacity.beta = c(p.capacity.2);
    s.learning.experience = c(p.learning[0]);
    s.learning.trust = c(p.learning[1]);
    s.learning.knowledge = c(p.learning[2]);
    s.mentoring.rate = c(p.mentoring.0);
    s.mentoring.window = p.mentoring.1;
    s.mentoring.threshold = c(p.mentoring.2);
    s.exits.death.a = c(p.death.0);
    s.exits.death.b = c(p.death.1);
    s.exits.retirement.age = PerKind {
        urban: c(p.retirement.0),
        rural: c(p.retirement.1),
    };
    s.exits.retirement.spread = c(p.retirement.2);
    s.exits.embeddedness = c(p.embeddedness);
    s.promotion.openness = c(p.promotion.0);
    s.promotion.max_age = c(p.promotion.1);
    s.promotion.attraction = c(p.promotion.2);
    s.elections.enabled = p.elections.0;
    s.elections.first_year = s.start_year + p.elections.1;
    s.elections.term = c(p.elections.2);
    s.elections.age_cap = p.elections.3;
    s.elections.incumbency = c(p.elections.4);
    s.selection.knowledge = c(p.selection[0]);
    s.selection.experience = c(p.selection[1]);
    s.selection.trust = c(p.selection[2]);
    s.observe.educated_threshold = p.educated_threshold;
    let template = s.channels[0].clone();
    s.channels = p
        .channels
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let mut channel = template.clone();
            // Names sort in index order, as Scenario::channels must.
            channel.name = format!("c{i}");
            channel.cohort = CohortRule::Fixed(Cohort::ALL[ch.cohort]);
            channel.supply = c(ch.supply);
            channel.kind = PerKind {
                urban: c(ch.kind.0),
                rural: c(ch.kind.1),
            };
            channel.responds_to_openness = Some(ch.responds_to_openness);
            channel.localness = c(ch.localness);
            channel.turnover = c(ch.turnover);
            channel.promotion = c(ch.promotion);
            channel.secondment_years = ch.secondment_years;
            channel.age = ch.age.clone();
            [channel.knowledge, channel.experience, channel.trust] = ch.skills.clone();
            channel
        })
        .collect();
    s
}

/// The initial communities: vacant, then about half the seats filled with
/// arbitrary leaders of the scenario's channels.
fn initial_state(s: &Scenario, seed: u64) -> Vec<Community> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut communities = model::vacant_communities(&s.parameters());
    for seat in communities.iter_mut().flat_map(|c| c.seats.iter_mut()) {
        if rng.random_bool(0.5) {
            let channel = rng.random_range(0..s.channels.len());
            *seat = Some(Leader {
                cohort: s.channels[channel].cohort.at(s.start_year),
                channel: channel as u16,
                age: rng.random_range(18.0..80.0),
                tenure: rng.random_range(0..30),
                knowledge: rng.random(),
                experience: rng.random(),
                trust: rng.random(),
            });
        }
    }
    communities
}

fn seated(state: &[Community]) -> u64 {
    state
        .iter()
        .map(|c| c.seats.iter().flatten().count() as u64)
        .sum()
}

fn check_year(
    s: &Scenario,
    plan: &Plan,
    year: i32,
    before: &[Community],
    after: &[Community],
    row: &[Option<f64>],
) -> Result<(), TestCaseError> {
    let col = |name: &str| plan.columns().iter().position(|c| c == name).unwrap();
    let n_channels = s.channels.len();
    let mut entries = vec![0_u64; n_channels];
    let mut stayed = 0_u64;
    let mut n_seats = 0_u64;
    prop_assert_eq!(before.len(), after.len());
    for (old, new) in before.iter().zip(after) {
        prop_assert_eq!((old.index, old.kind), (new.index, new.kind));
        prop_assert_eq!(old.seats.len(), new.seats.len());
        n_seats += new.seats.len() as u64;
        for (old_seat, new_seat) in old.seats.iter().zip(&new.seats) {
            let Some(leader) = new_seat else { continue };
            for skill in [leader.knowledge, leader.experience, leader.trust] {
                prop_assert!((0.0..=1.0).contains(&skill), "skill {} in {}", skill, year);
            }
            prop_assert!(leader.age.is_finite());
            prop_assert!(usize::from(leader.channel) < n_channels);
            if leader.tenure == 0 {
                // An entrant of this year: cohort of its channel.
                prop_assert_eq!(
                    leader.cohort,
                    s.channels[usize::from(leader.channel)].cohort.at(year)
                );
                entries[usize::from(leader.channel)] += 1;
            } else {
                stayed += 1;
                let Some(previous) = old_seat else {
                    return Err(TestCaseError::fail(format!(
                        "{year}: community {} has a leader with tenure {} in a seat that was vacant",
                        new.index, leader.tenure
                    )));
                };
                prop_assert_eq!(leader.age, previous.age + 1.0);
                prop_assert_eq!(leader.tenure, previous.tenure + 1);
                prop_assert_eq!(
                    (leader.channel, leader.cohort),
                    (previous.channel, previous.cohort)
                );
                // Learning only adds (all rates ≥ 0, mentoring takes gains).
                prop_assert!(leader.knowledge >= previous.knowledge);
                prop_assert!(leader.experience >= previous.experience);
                prop_assert!(leader.trust >= previous.trust);
            }
        }
    }
    let seated_before = seated(before);
    let seated_after = seated(after);
    prop_assert!(seated_after <= n_seats);
    let count = |name: &str| -> u64 {
        let value = row[col(name)].expect("counts are never empty");
        assert_eq!(value.fract(), 0.0);
        value as u64
    };
    let row_entries: Vec<u64> = s
        .channels
        .iter()
        .map(|ch| count(&format!("entries_{}", ch.name)))
        .collect();
    prop_assert_eq!(&row_entries, &entries, "entries per channel in {}", year);
    let exits: u64 = [
        "death",
        "retirement",
        "rotation",
        "promotion",
        "turnover",
        "election",
    ]
    .iter()
    .map(|reason| count(&format!("exits_{reason}")))
    .sum();
    let total_entries: u64 = entries.iter().sum();
    prop_assert_eq!(
        seated_after,
        seated_before + total_entries - exits,
        "balance in {}",
        year
    );
    prop_assert_eq!(
        exits,
        seated_before - stayed,
        "every departure has one reason"
    );
    if !plan.is_election_year(year) {
        prop_assert_eq!(count("exits_election"), 0);
    }
    let vacancy = row[col("vacancy_rate")];
    prop_assert_eq!(
        vacancy,
        Some((n_seats - seated_after) as f64 / n_seats as f64)
    );
    for (value, name) in row.iter().zip(plan.columns()) {
        if let Some(v) = value {
            prop_assert!(v.is_finite(), "{} = {} in {}", name, v, year);
            let bounded = name.starts_with("capacity")
                || name.starts_with("share")
                || name.starts_with("resolution")
                || name.starts_with("mean_knowledge")
                || name.starts_with("mean_experience")
                || name.starts_with("mean_trust")
                || name.starts_with("vacancy_rate")
                || (name.starts_with("promoted_")
                    && name.ends_with("_mean")
                    && name != "promoted_tenure_mean")
                || name == "no_mentor_share";
            if bounded {
                prop_assert!((0.0..=1.0).contains(v), "{} = {} in {}", name, v, year);
            }
        } else {
            // Only ratios over leaders, issues, promotions, the
            // communities of one kind or pools may be empty.
            let per_kind = name.ends_with("_urban") || name.ends_with("_rural");
            let may_be_empty = per_kind
                || name.starts_with("pool_")
                || !(name.starts_with("capacity")
                    || name.starts_with("entries")
                    || name.starts_with("exits")
                    || name == "vacancy_rate"
                    || name == "promoted_tempered"
                    || name == "no_mentor_share");
            prop_assert!(may_be_empty, "{} empty in {}", name, year);
        }
    }
    let [p10, p50, p90] =
        ["capacity_p10", "capacity_p50", "capacity_p90"].map(|n| row[col(n)].unwrap());
    prop_assert!(p10 <= p50 && p50 <= p90);
    prop_assert_eq!(row[col("share_revolutionary")].is_none(), seated_after == 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_year_keeps_the_books(p in params()) {
        let s = scenario_from(&p);
        let plan = Plan::new(&s.parameters());
        let initial = initial_state(&s, p.roster_seed);
        let mut states = vec![initial.clone()];
        let rows = model::run(&plan, initial, &StreamKey::new(p.roster_seed, 0, None), &mut |_, state| {
            states.push(state.to_vec());
        });
        prop_assert_eq!(rows.len(), s.n_years());
        for (y, row) in rows.iter().enumerate() {
            prop_assert_eq!(row.year, s.start_year + y as i32);
            prop_assert_eq!(row.values.len(), plan.columns().len());
            check_year(&s, &plan, row.year, &states[y], &states[y + 1], &row.values)?;
        }
    }
}
