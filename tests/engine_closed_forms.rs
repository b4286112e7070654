//! The engine against closed forms: MODEL.md section 2's stationary vacancy
//! rate of the two-state seat chain and learning curves without mentoring,
//! escalation of unresolved issues, and docs/published-figures.md's closed cohort and
//! truncated age density. Scenarios are files in tests/scenarios/engine/.

use std::path::PathBuf;

use succession::model::{self, Plan, StreamKey};
use succession::scenario::{self, Scenario};

fn load(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/engine")
        .join(name);
    scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn column(plan: &Plan, name: &str) -> usize {
    plan.columns()
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Runs `file` (one run, replicate 0) and checks the mean year-end vacancy
/// rate after a burn-in against h(1−f) / (h(1−f) + f).
///
/// The tolerance is the sampling error of that mean. Each of the M seats is
/// an independent stationary two-state chain (its exit and recruitment
/// draws are its own), observed T times; the indicator "vacant" has
/// variance σ² = p(1−p) and autocorrelation ρ^k at lag k, with
/// ρ = 1 − h(1−f) − f the chain's second eigenvalue. The mean of T
/// consecutive observations of one seat has variance
/// (σ²/T) (1 + 2 Σ_{k=1}^{T−1} (1 − k/T) ρ^k), and the M seats divide it by
/// M. The burn-in is the first year where the start's bias (at most ρ^k)
/// is below a hundredth of that standard error, so it does not count. We
/// assert |mean − p| < 4 standard errors: a false failure has probability
/// below 1e-4 per check.
fn check_stationary_vacancy(file: &str) {
    let s = load(file);
    assert_eq!(s.channels.len(), 1, "{file}: one channel");
    let channel = &s.channels[0];
    let h = channel.turnover.at(s.start_year);
    let lambda = channel.supply.at(s.start_year);
    let f = 1.0 - (-lambda).exp();
    let p = h * (1.0 - f) / (h * (1.0 - f) + f);
    let rho = 1.0 - h * (1.0 - f) - f;

    let plan = Plan::new(&s.parameters());
    let communities = model::vacant_communities(&s.parameters());
    let n_seats: usize = communities.iter().map(|c| c.seats.len()).sum();
    let key = StreamKey::new(s.seed, 0, None);
    let rows = model::run(&plan, communities, &key, &mut |_, _| {});
    let vacancy = column(&plan, "vacancy_rate");

    // Burn-in and standard error, solved together: the SE depends on T.
    let n_years = rows.len();
    let se_of = |t: usize| {
        let t_f = t as f64;
        let sum: f64 = (1..t)
            .map(|k| (1.0 - k as f64 / t_f) * rho.powi(k as i32))
            .sum();
        (p * (1.0 - p) / t_f * (1.0 + 2.0 * sum) / n_seats as f64).sqrt()
    };
    let burn_in = (0..n_years)
        .find(|&k| rho.powi(k as i32) < 0.01 * se_of(n_years - k))
        .expect("the chain mixes within the run");
    assert!(burn_in < n_years / 2, "{file}: burn-in {burn_in} too long");
    let kept = &rows[burn_in..];
    let mean = kept
        .iter()
        .map(|row| row.values[vacancy].expect("seats exist"))
        .sum::<f64>()
        / kept.len() as f64;
    let se = se_of(kept.len());
    assert!(
        (mean - p).abs() < 4.0 * se,
        "{file}: vacancy {mean} vs stationary {p} (4 SE = {})",
        4.0 * se
    );
    // The bound is tight enough to see a wrong law: e.g. counting the
    // recruitment probability as λ instead of 1 − e^−λ, or letting a leader
    // who left re-enter the same year, moves p by far more than 4 SE.
    assert!(4.0 * se < 0.01, "{file}: the test has too little power");
}

#[test]
fn stationary_vacancy_rate_matches_the_two_state_chain() {
    check_stationary_vacancy("vacancy.toml");
}

#[test]
fn stationary_vacancy_rate_matches_with_rare_exits_and_scarce_candidates() {
    check_stationary_vacancy("vacancy-sticky.toml");
}

/// Without mentoring, a leader who entered with e₀ has
/// e = 1 − (1 − e₀)(1 − α_e)^n after n years of learning; likewise
/// t with rate α_t · localness and k with α_k. A leader with tenure n at a
/// year end has learnt in exactly n years (entry is step 5 or 6, learning
/// step 2 of each later year). The iteration and the closed form differ
/// only by rounding, a few ulps per year.
#[test]
fn learning_curves_follow_the_closed_form_without_mentoring() {
    let s = load("experience-curve.toml");
    let plan = Plan::new(&s.parameters());
    let channel = &s.channels[0];
    let year = s.start_year;
    let constant = |d: &scenario::Distribution| match d {
        scenario::Distribution::Constant(v) => *v,
        other => panic!("entry skills must be constant, not {other:?}"),
    };
    let (e0, t0, k0) = (
        constant(&channel.experience),
        constant(&channel.trust),
        constant(&channel.knowledge),
    );
    let alpha_e = s.learning.experience.at(year);
    let alpha_t = s.learning.trust.at(year) * channel.localness.at(year);
    let alpha_k = s.learning.knowledge.at(year);
    assert_eq!(s.mentoring.rate.at(year), 0.0, "no mentoring");
    let curve = |x0: f64, alpha: f64, n: u32| 1.0 - (1.0 - x0) * (1.0 - alpha).powi(n as i32);

    let key = StreamKey::new(s.seed, 0, None);
    let mut checked = 0_u64;
    let mut max_tenure = 0;
    model::run(
        &plan,
        model::vacant_communities(&s.parameters()),
        &key,
        &mut |_, state| {
            for leader in state.iter().flat_map(|c| c.seats.iter().flatten()) {
                let n = leader.tenure;
                assert!((leader.experience - curve(e0, alpha_e, n)).abs() < 1e-12);
                assert!((leader.trust - curve(t0, alpha_t, n)).abs() < 1e-12);
                assert!((leader.knowledge - curve(k0, alpha_k, n)).abs() < 1e-12);
                max_tenure = max_tenure.max(n);
                checked += 1;
            }
        },
    );
    // Every seat filled in the first year and nobody left.
    let n_seats: u64 = model::vacant_communities(&s.parameters())
        .iter()
        .map(|c| c.seats.len() as u64)
        .sum();
    assert_eq!(checked, n_seats * s.n_years() as u64);
    assert_eq!(max_tenure as usize, s.n_years() - 1);
}

/// Escalation (MODEL.md section 2, step 1): of the U issues a community
/// leaves unresolved, X ~ Binomial(U, q) escalate. Summed over communities,
/// ΣX given ΣU is Binomial(ΣU, q), so in every year |ΣX − q·ΣU| stays within
/// 4.5 standard deviations sqrt(ΣU·q·(1 − q)); with 82 years the chance of
/// a false failure is about 82 · 6.8e-6 ≈ 6e-4. ΣU and ΣX are recovered
/// from the year's issue count and its `resolution_rate` and
/// `escalations_per_1000`.
#[test]
fn escalations_follow_the_unresolved_share() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/golden/small.toml");
    let scenario = scenario::load(&path, &[]).unwrap();
    let plan = Plan::new(&scenario.parameters());
    let q = scenario.issues.escalation.at(2000);
    assert!(
        scenario
            .years()
            .all(|y| scenario.issues.escalation.at(y) == q),
        "q is constant here"
    );
    let resolution = column(&plan, "resolution_rate");
    let escalation = column(&plan, "escalations_per_1000");
    let rows = model::run(
        &plan,
        model::vacant_communities(&scenario.parameters()),
        &StreamKey::new(5, 0, None),
        &mut |_, _| {},
    );
    for row in &rows {
        let issues = row.issues as f64;
        let unresolved = (issues * (1.0 - row.values[resolution].unwrap())).round();
        let escalated = row.escalations as f64;
        assert_eq!(
            escalated,
            (issues * row.values[escalation].unwrap() / 1000.0).round(),
            "{}",
            row.year
        );
        let sd = (unresolved * q * (1.0 - q)).sqrt();
        assert!(
            (escalated - q * unresolved).abs() <= 4.5 * sd,
            "{}: {escalated} escalated of {unresolved} unresolved, q = {q}",
            row.year
        );
    }
}

/// The vacancy scenario with `sets` applied.
fn vacancy_with(sets: &[&str]) -> Scenario {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/engine/vacancy.toml");
    let overrides: Vec<scenario::Override> = sets
        .iter()
        .map(|s| scenario::Override::parse_set(s).unwrap())
        .collect();
    scenario::load(&path, &overrides).unwrap()
}

/// docs/published-figures.md's closed cohort: with constant exit probability h and no
/// inflow, a cohort keeps (1 − h)^t of its members after t years. Every
/// seat starts filled, supply is 0 and turnover (τ = 0) the only exit, so
/// the seated count after t years is Binomial(n₀, (1 − h)^t) exactly; each
/// of the 25 years is checked within 4.5 standard deviations (false failure
/// about 25 · 6.8e-6).
#[test]
fn a_closed_cohort_keeps_one_minus_h_to_the_t() {
    let s = vacancy_with(&["channels.only.supply=0", "end_year=2024"]);
    let h = s.channels[0].turnover.at(2000);
    let plan = Plan::new(&s.parameters());
    let leader = model::Leader {
        cohort: s.channels[0].cohort.at(s.start_year),
        channel: 0,
        age: 30.0,
        tenure: 3,
        knowledge: 0.5,
        experience: 0.5,
        trust: 0.5,
    };
    let mut communities = model::vacant_communities(&s.parameters());
    for community in &mut communities {
        community
            .seats
            .iter_mut()
            .for_each(|seat| *seat = Some(leader.clone()));
    }
    let n0 = communities.iter().map(|c| c.seats.len()).sum::<usize>() as f64;
    let mut seated = Vec::new();
    model::run(
        &plan,
        communities,
        &StreamKey::new(3, 0, None),
        &mut |_, state| {
            seated.push(state.iter().flat_map(|c| c.seats.iter().flatten()).count() as f64);
        },
    );
    for (t, n) in seated.iter().enumerate() {
        let survive = (1.0 - h).powi(t as i32 + 1);
        let sd = (n0 * survive * (1.0 - survive)).sqrt();
        assert!(
            (n - n0 * survive).abs() <= 4.5 * sd,
            "year {t}: {n} of {n0} left, expected {}",
            n0 * survive
        );
    }
}

/// docs/published-figures.md's age density: entry at age a₀, constant hazard μ, forced
/// exit at R: the density is proportional to e^(−μ(a − a₀)) on [a₀, R]; in
/// whole years, the occupant of a seat at year end is a₀ + j years old with
/// probability proportional to (1 − μ)^j, j = 0..R − a₀. Here a₀ = 30
/// (constant entry age), μ = 0.1 (turnover, τ = 0) and a retirement hazard
/// that is 0 up to age 45 and 1 from 46 (R = 45.5 with spread 0.01), with a
/// supply so high that seats refill at once. In 2100 (a century after the
/// start, long past the 16-year memory of the ages) the mean age of the
/// seated leaders, independent seats, must be within 4.5 standard errors of
/// the closed form.
#[test]
fn ages_follow_the_truncated_geometric_density() {
    let s = vacancy_with(&[
        "channels.only.supply=8",
        "end_year=2100",
        "exits.retirement.age=45.5",
        "exits.retirement.spread=0.01",
        "channels.only.turnover=0.1",
    ]);
    let plan = Plan::new(&s.parameters());
    let mut ages = Vec::new();
    model::run(
        &plan,
        model::vacant_communities(&s.parameters()),
        &StreamKey::new(4, 0, None),
        &mut |year, state| {
            if year == 2100 {
                ages = state
                    .iter()
                    .flat_map(|c| c.seats.iter().flatten())
                    .map(|l| l.age)
                    .collect();
            }
        },
    );
    let weights: Vec<f64> = (0..=15).map(|j| 0.9_f64.powi(j)).collect();
    let total: f64 = weights.iter().sum();
    let mean: f64 = weights
        .iter()
        .enumerate()
        .map(|(j, w)| (30.0 + j as f64) * w)
        .sum::<f64>()
        / total;
    let variance: f64 = weights
        .iter()
        .enumerate()
        .map(|(j, w)| (30.0 + j as f64 - mean).powi(2) * w)
        .sum::<f64>()
        / total;
    assert!(
        ages.iter().all(|&a| (30.0..=45.0).contains(&a)),
        "ages outside [30, 45]"
    );
    let n = ages.len() as f64;
    let observed = ages.iter().sum::<f64>() / n;
    let se = (variance / n).sqrt();
    assert!(
        (observed - mean).abs() <= 4.5 * se,
        "mean age {observed}, closed form {mean} (se {se})"
    );
    // The youngest class holds w₀ / Σw of the seats.
    let share_new = ages.iter().filter(|&&a| a == 30.0).count() as f64 / n;
    let p0 = weights[0] / total;
    assert!(
        (share_new - p0).abs() <= 4.5 * (p0 * (1.0 - p0) / n).sqrt(),
        "share aged 30: {share_new}, expected {p0}"
    );
}
