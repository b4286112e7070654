//! The oracles of model version 2 (MODEL.md section 7), each against its
//! closed form with a tolerance from its sampling error: the stationary
//! pool mean (7.1), the shock multiplier's mean and autocorrelations and
//! its effect on a run's supply (7.2), the seats changing hands at a
//! committee election (7.3), trust that is earned, not sat out, and
//! mediated escalation (7.5), and the pipeline counted against the
//! promotion exits (7.6). Fixtures are in tests/scenarios/engine/v2-*.toml.
//!
//! Every bound is 4.5 standard errors unless said otherwise: a false
//! failure has probability below 1e-5 per comparison.

use std::path::PathBuf;

use succession::model::{self, Community, Leader, Plan, StreamKey, Tally};
use succession::scenario::{self, Cohort, Kind, Override, Scenario};

const BOUND: f64 = 4.5;

fn load(name: &str, overrides: &[&str]) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/engine")
        .join(name);
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse_set(o).unwrap())
        .collect();
    scenario::load(&path, &overrides).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts |got − expected| < BOUND · se, and prints the comparison (run
/// with `--nocapture` to see every oracle's value, expectation and se).
fn close(what: &str, got: f64, expected: f64, se: f64) {
    eprintln!("{what}: {got:.6} expected {expected:.6} se {se:.2e}");
    assert!(
        (got - expected).abs() < BOUND * se,
        "{what}: {got}, expected {expected} (se {se})"
    );
}

fn column(plan: &Plan, name: &str) -> usize {
    plan.columns()
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The standard error of the mean of independent `values`.
fn se_of_mean(values: &[f64]) -> f64 {
    let m = mean(values);
    let n = values.len() as f64;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (var / n).sqrt()
}

fn leader(channel: u16, cohort: Cohort, age: f64, tenure: u32, skill: f64) -> Leader {
    Leader {
        cohort,
        channel,
        age,
        tenure,
        knowledge: skill,
        experience: skill,
        trust: skill,
    }
}

/// 7.1: with every seat filled and never vacated, a pool at year end is
/// Poisson(supply · kindmult · A / leave) in the stationary state, so its
/// mean over n communities of a kind has standard error sqrt(m / n). The
/// run starts from vacant seats, which take members in the first year;
/// after 30 years the remaining bias is (1 − leave)^30 · seats ≤ 1e-3,
/// far below the standard error (about 0.06 urban, 0.13 rural).
#[test]
fn pools_reach_their_stationary_mean() {
    let s = load("v2-still.toml", &[]);
    let plan = Plan::new(&s.parameters());
    let mut last: Vec<Community> = Vec::new();
    let rows = model::run(
        &plan,
        model::vacant_communities(&s.parameters()),
        &StreamKey::new(s.seed, 0, None),
        &mut |year, state| {
            if year == s.end_year {
                last = state.to_vec();
            }
        },
    );
    let channel = &s.channels[0];
    for kind in Kind::ALL {
        let expected = channel.supply.at(s.end_year) * channel.kind.get(kind).at(s.end_year)
            / channel.leave.get(kind).at(s.end_year);
        let pools: Vec<f64> = last
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.pools[0] as f64)
            .collect();
        assert!(last.iter().all(|c| c.seats.iter().all(Option::is_some)));
        let se = (expected / pools.len() as f64).sqrt();
        let got = mean(&pools);
        close(&format!("7.1 mean pool, {kind:?}"), got, expected, se);
    }
    // The metric is the same mean over all communities.
    let all: f64 = last.iter().map(|c| c.pools[0] as f64).sum::<f64>() / last.len() as f64;
    let metric = rows.last().unwrap().values[column(&plan, "pool_local")];
    assert_eq!(metric, Some(all));
}

/// 7.2, the generator: over R independent runs (replicate keys) of T
/// years, M has mean 1, z = (ln M + σ²/2)/σ has lag-1 autocorrelation ρ,
/// and M itself (e^{σ²ρ} − 1)/(e^{σ²} − 1). Each statistic is first
/// computed per run with the known stationary mean and variance (so it is
/// unbiased), and its standard error comes from the spread over runs.
#[test]
fn shock_multipliers_have_mean_one_and_the_ar1_autocorrelation() {
    let (sd, rho): (f64, f64) = (0.5, 0.7);
    let s = load(
        "v2-still.toml",
        &[
            "start_year=1800",
            "end_year=2099",
            &format!("channels.local.shock.sd={sd}"),
            &format!("channels.local.shock.persistence={rho}"),
        ],
    );
    let plan = Plan::new(&s.parameters());
    let var_m = (sd * sd).exp() - 1.0;
    let (mut means, mut z_lag, mut m_lag, mut first) = (vec![], vec![], vec![], vec![]);
    for replicate in 0..200 {
        let m: Vec<f64> = plan
            .shocks(&StreamKey::new(3, replicate, None))
            .iter()
            .map(|year| year[0])
            .collect();
        let z: Vec<f64> = m.iter().map(|m| (m.ln() + sd * sd / 2.0) / sd).collect();
        let pairs = (m.len() - 1) as f64;
        means.push(mean(&m));
        first.push(m[0]);
        z_lag.push(z.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / pairs);
        m_lag.push(
            m.windows(2)
                .map(|w| (w[0] - 1.0) * (w[1] - 1.0))
                .sum::<f64>()
                / pairs
                / var_m,
        );
    }
    let checks = [
        ("mean of M", &means, 1.0),
        ("M in the first year", &first, 1.0),
        ("lag-1 autocorrelation of z", &z_lag, rho),
        (
            "lag-1 autocorrelation of M",
            &m_lag,
            ((sd * sd * rho).exp() - 1.0) / var_m,
        ),
    ];
    for (what, values, expected) in checks {
        let (got, se) = (mean(values), se_of_mean(values));
        close(&format!("7.2 {what}"), got, expected, se);
    }
    // Common random numbers: the path follows the run key alone; σ = 0
    // means M = 1 exactly.
    let key = StreamKey::new(3, 1, None);
    assert_eq!(plan.shocks(&key), plan.shocks(&key));
    assert_ne!(plan.shocks(&key), plan.shocks(&StreamKey::new(3, 2, None)));
    let calm = Plan::new(&load("v2-still.toml", &[]).parameters());
    assert!(calm.shocks(&key).iter().flatten().all(|&m| m == 1.0));
}

/// 7.2, in a run: with leave = 1 a pool at year end holds exactly this
/// year's arrivals, Poisson(supply · kindmult · M(y)) (no seat ever
/// vacates after the first year), so the yearly mean pool over N
/// communities estimates supply · mean kindmult · M(y) of the run's own
/// shock path, with standard error sqrt(expected / N).
#[test]
fn a_run_draws_its_supply_times_its_own_shock() {
    let s = load(
        "v2-still.toml",
        &[
            "end_year=2015",
            "channels.local.supply=50.0",
            "channels.local.leave=1.0",
            "channels.local.shock.sd=0.3",
            "channels.local.shock.persistence=0.5",
        ],
    );
    let plan = Plan::new(&s.parameters());
    let key = StreamKey::new(s.seed, 0, None);
    let shocks = plan.shocks(&key);
    let rows = model::run(
        &plan,
        model::vacant_communities(&s.parameters()),
        &key,
        &mut |_, _| {},
    );
    let pool = column(&plan, "pool_local");
    let mean_kind = (1.0 + 2.0) / 2.0; // half urban (×1), half rural (×2)
    let n = f64::from(s.communities);
    // Year 0 fills the seats from the pool: compare the years after it.
    for (row, m) in rows.iter().zip(&shocks).skip(1) {
        let expected = 50.0 * mean_kind * m[0];
        let se = (expected / n).sqrt();
        let got = row.values[pool].unwrap();
        close(
            &format!("7.2 pool in {} = supply × M", row.year),
            got,
            expected,
            se,
        );
    }
}

/// P(min(C, X) = k) summed: the mean and variance of min(C, X) for
/// X ~ Poisson(mu).
fn min_poisson_moments(c: u64, mu: f64) -> (f64, f64) {
    let (mut p, mut below) = ((-mu).exp(), 0.0);
    let (mut m1, mut m2) = (0.0, 0.0);
    for k in 0..c {
        m1 += k as f64 * p;
        m2 += (k * k) as f64 * p;
        below += p;
        p *= mu / (k + 1) as f64;
    }
    let at_c = 1.0 - below;
    m1 += c as f64 * at_c;
    m2 += (c * c) as f64 * at_c;
    (m1, m2 - m1 * m1)
}

/// Communities of `s` with seat 0 held by the appointed channel (0) and
/// every other seat by a weak incumbent (channel 2).
fn committee_start(s: &Scenario) -> Vec<Community> {
    let mut communities = model::vacant_communities(&s.parameters());
    for community in &mut communities {
        for (seat, slot) in community.seats.iter_mut().enumerate() {
            *slot = Some(if seat == 0 {
                leader(0, Cohort::Knowledge, 40.0, 3, 0.0)
            } else {
                leader(2, Cohort::Experience, 40.0, 3, 0.0)
            });
        }
    }
    communities
}

/// 7.3: every contested seat filled by an incumbent whom any challenger
/// beats, `vote_noise` 0, a list longer than any nominee count: the seats
/// changing hands in a community are min(C, n), n ~ Poisson(C λ), C the
/// seats of channels that stand (all but the appointed seat 0). Both
/// sampler sets must give it. The seat rule, on the same start, duels
/// each contested seat against its own Poisson(λ) challengers: the
/// appointed seat is contested too, and changes hands with probability
/// 1 − e^{−λ} like every other.
#[test]
fn a_committee_election_hands_over_min_of_seats_and_challengers() {
    let s = load("v2-committee.toml", &[]);
    let lambda = s.channels[1].supply.at(2000);
    let parameters = s.parameters();
    let n_urban = model::n_urban(u64::from(s.communities), s.urban_share);
    let n_rural = u64::from(s.communities) - n_urban;
    let contested = |kind: Kind| u64::from(*s.team.seats.get(kind)) - 1;
    let (mut expected, mut var) = (0.0, 0.0);
    for (kind, n) in [(Kind::Urban, n_urban), (Kind::Rural, n_rural)] {
        let c = contested(kind);
        let (m, v) = min_poisson_moments(c, c as f64 * lambda);
        expected += n as f64 * m;
        var += n as f64 * v;
    }
    for plan in [Plan::new(&parameters), Plan::reference(&parameters)] {
        let rows = model::run(
            &plan,
            committee_start(&s),
            &StreamKey::new(s.seed, 0, None),
            &mut |_, state| {
                for community in state {
                    let appointed = community.seats[0].as_ref().unwrap();
                    assert_eq!(appointed.channel, 0, "the appointed seat is not contested");
                }
            },
        );
        let got = rows[0].values[column(&plan, "exits_election")].unwrap();
        let entries = rows[0].values[column(&plan, "entries_challenger")].unwrap();
        assert_eq!(got, entries, "every freed seat goes to a challenger");
        close(
            "7.3 committee: seats changing hands",
            got,
            expected,
            var.sqrt(),
        );
    }

    let s = load("v2-committee.toml", &["elections.rule=seat"]);
    let plan = Plan::new(&s.parameters());
    let rows = model::run(
        &plan,
        committee_start(&s),
        &StreamKey::new(s.seed, 0, None),
        &mut |_, _| {},
    );
    let seats =
        (n_urban * u64::from(s.team.seats.urban) + n_rural * u64::from(s.team.seats.rural)) as f64;
    let p = 1.0 - (-lambda).exp();
    let (expected, se) = (seats * p, (seats * p * (1.0 - p)).sqrt());
    let got = rows[0].values[column(&plan, "exits_election")].unwrap();
    close("7.3 seat rule: seats changing hands", got, expected, se);
}

/// 7.5: with φ = 1 trust grows only as far as interpersonal issues are
/// resolved: not at all when p_interpersonal = 0, by the full α_t term
/// when it is 1, by the share p in between; δ takes δ (1 − p) t away.
/// Exact (one step of `learning` on a known team, mentoring off).
#[test]
fn trust_is_earned_by_resolving_not_by_sitting() {
    let s = load(
        "v2-still.toml",
        &[
            "learning.trust_performance=1.0",
            "mentoring.rate=0.0",
            "learning.trust=0.1",
        ],
    );
    let plan = Plan::new(&s.parameters());
    let year = plan.year_plan(0);
    let team = || Community {
        index: 0,
        kind: Kind::Urban,
        seats: vec![Some(leader(0, Cohort::Experience, 40.0, 1, 0.4))],
        pools: vec![0],
    };
    let trust_after = |p: f64| {
        let mut c = team();
        model::learning(&plan, year, &mut c, p);
        c.seats[0].as_ref().unwrap().trust
    };
    assert_eq!(trust_after(0.0), 0.4, "no resolution, no trust");
    assert_eq!(trust_after(1.0), 0.4 + 0.1 * 0.6);
    assert!((trust_after(0.25) - (0.4 + 0.25 * 0.1 * 0.6)).abs() < 1e-15);

    let s = load(
        "v2-still.toml",
        &[
            "learning.trust_performance=1.0",
            "learning.trust_decay=0.2",
            "mentoring.rate=0.0",
            "learning.trust=0.1",
        ],
    );
    let plan = Plan::new(&s.parameters());
    let mut c = team();
    model::learning(&plan, plan.year_plan(0), &mut c, 0.25);
    let expected = 0.4 + 0.25 * 0.1 * 0.6 - 0.2 * 0.75 * 0.4;
    assert!((c.seats[0].as_ref().unwrap().trust - expected).abs() < 1e-15);

    // In a whole run where no interpersonal issue can be resolved
    // (difficulty far above any aptitude: p = 0 exactly) trust stays at
    // its entry value, 0.5, every year; with φ = 0 it grows.
    for (phi, grows) in [(1.0, false), (0.0, true)] {
        let s = load(
            "v2-still.toml",
            &[
                &format!("learning.trust_performance={phi}"),
                "issues.difficulty.interpersonal=200.0",
                "mentoring.rate=0.0",
                "end_year=2010",
            ],
        );
        let plan = Plan::new(&s.parameters());
        let rows = model::run(
            &plan,
            model::vacant_communities(&s.parameters()),
            &StreamKey::new(1, 0, None),
            &mut |_, _| {},
        );
        let trust = rows.last().unwrap().values[column(&plan, "mean_trust")].unwrap();
        assert_eq!(trust > 0.5, grows, "φ = {phi}: mean trust {trust}");
        if !grows {
            assert_eq!(trust, 0.5);
        }
    }
}

/// 7.5: the escalation probability of an unresolved issue is
/// q (1 − η T̄), T̄ the mean trust of the team at the start of the year:
/// over many draws of step 1 for one team (each its own block of issue
/// totals), escalated / unresolved is a binomial proportion with standard error sqrt(q'(1 − q')/n).
#[test]
fn mediation_lowers_escalation_by_the_teams_trust() {
    let (q, eta) = (0.4, 0.5);
    let s = load(
        "v2-still.toml",
        &[
            &format!("issues.escalation={q}"),
            &format!("issues.mediation={eta}"),
        ],
    );
    let plan = Plan::new(&s.parameters());
    let year = plan.year_plan(0);
    let key = StreamKey::new(5, 0, None);
    let teams = [
        (
            vec![
                Some(leader(0, Cohort::Experience, 40.0, 1, 0.6)),
                Some(leader(0, Cohort::Experience, 40.0, 1, 0.8)),
                None,
            ],
            0.7,
        ),
        (vec![None, None], 0.0),
    ];
    for (seats, mean_trust) in teams {
        let community = Community {
            index: 0,
            kind: Kind::Urban,
            seats,
            pools: vec![0],
        };
        let mut tally = Tally::new(1);
        for stream in 0..20_000 {
            let mut rng = model::community_rng(&key, stream, 0);
            model::demand_and_resolution(year, &community, &mut rng, &mut tally);
            // One community per block (MODEL.md section 3.1): its totals
            // are its own counts, escalated ones binomial among the
            // unresolved given their number.
            model::issue_totals(&key, stream, 0, &mut tally);
        }
        let unresolved: u64 = (0..3).map(|j| tally.issues[j] - tally.resolved[j]).sum();
        let escalated: u64 = tally.escalated.iter().sum();
        let expected = q * (1.0 - eta * mean_trust);
        let got = escalated as f64 / unresolved as f64;
        let se = (expected * (1.0 - expected) / unresolved as f64).sqrt();
        close(
            &format!("7.5 escalation with mean trust {mean_trust}"),
            got,
            expected,
            se,
        );
    }
}

/// 7.6: promotions only, counted after ageing; rotations are not in the
/// pipeline. One step of exits on a known team where the promotion hazard
/// is 1 below the promotion age: the promoted are exactly the young
/// non-seconded leaders, and the tempered among them have tenure ≥ 5.
#[test]
fn the_pipeline_counts_promotions_and_their_tenure() {
    let s = load(
        "v2-still.toml",
        &[
            "promotion.openness=10.0",
            "promotion.max_age=45",
            "channels.local.promotion=1.0",
            "channels.local.secondment_years=8",
        ],
    );
    let plan = Plan::new(&s.parameters());
    let year = plan.year_plan(0);
    let mut community = Community {
        index: 0,
        kind: Kind::Urban,
        seats: vec![
            Some(leader(0, Cohort::Experience, 30.0, 2, 0.5)),
            Some(leader(0, Cohort::Experience, 30.0, 5, 0.5)),
            Some(leader(0, Cohort::Experience, 44.0, 7, 0.6)),
            Some(leader(0, Cohort::Experience, 50.0, 7, 0.5)), // too old
            Some(leader(0, Cohort::Experience, 30.0, 8, 0.5)), // rotates first
        ],
        pools: vec![0],
    };
    let mut tally = Tally::new(1);
    let mut rng = model::community_rng(&StreamKey::new(1, 0, None), 0, 0);
    model::exits(&plan, year, &mut community, &mut rng, &mut tally);
    assert_eq!(tally.exits[3], 3, "three promotions");
    assert_eq!(tally.exits[2], 1, "one rotation");
    assert_eq!(tally.promoted_tempered, 2);
    assert_eq!(tally.promoted_tenure_sum, 14.0);
    assert!((tally.promoted_skill_sum[1] - 1.6).abs() < 1e-12);

    // In a run, every promotion counts as tempered at threshold 0 and none
    // at a threshold no tenure reaches; `pipeline_tempered` is their sum
    // over the policy window per 1000 seat-years.
    for (threshold, all) in [(0.0, true), (1000.0, false)] {
        let s = load(
            "v2-still.toml",
            &[
                "promotion.openness=0.05",
                "channels.local.promotion=1.0",
                "channels.local.turnover=0.05",
                &format!("observe.tempered_tenure={threshold}"),
            ],
        );
        let plan = Plan::new(&s.parameters());
        let rows = model::run(
            &plan,
            model::vacant_communities(&s.parameters()),
            &StreamKey::new(2, 0, None),
            &mut |_, _| {},
        );
        let (tempered, promoted) = (
            column(&plan, "promoted_tempered"),
            column(&plan, "exits_promotion"),
        );
        let total_promoted: f64 = rows.iter().map(|r| r.values[promoted].unwrap()).sum();
        assert!(total_promoted > 100.0, "{total_promoted} promotions");
        for row in &rows {
            let expected = if all { row.values[promoted] } else { Some(0.0) };
            assert_eq!(row.values[tempered], expected, "{}", row.year);
        }
        let figures = succession::study::summary::run_figures(&s, plan.columns(), &rows);
        let index = succession::study::summary::FIGURES
            .iter()
            .position(|f| f.name == "pipeline_tempered")
            .unwrap();
        let seat_years: u64 = rows.iter().map(|r| r.seats).sum();
        let expected = if all {
            1000.0 * total_promoted / seat_years as f64
        } else {
            0.0
        };
        let got = figures[index].unwrap();
        assert!(
            (got - expected).abs() < 1e-12 * expected.max(1.0),
            "{got} vs {expected}"
        );
    }
}
