//! Reproducibility (MODEL.md section 3, STYLE.md point 7): the same run is
//! bit-identical on 1, 2 and 3 threads and when repeated, and any single
//! community replayed alone goes through exactly the states it had in the
//! full run.

use std::path::PathBuf;

use succession::model::{self, Community, Parameters, Plan, StreamKey, Tally, YearMetrics};
use succession::scenario::{self, Scenario};

fn load(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/engine")
        .join(name);
    scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows as raw bits: equality of f64 by value would hide a −0.0/0.0
/// difference.
fn bits(rows: &[YearMetrics]) -> Vec<(i32, Vec<Option<u64>>)> {
    rows.iter()
        .map(|row| {
            (
                row.year,
                row.values.iter().map(|v| v.map(f64::to_bits)).collect(),
            )
        })
        .collect()
}

fn run_on(threads: usize, plan: &Plan, p: &Parameters, key: &StreamKey) -> Vec<YearMetrics> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(|| model::run(plan, model::vacant_communities(p), key, &mut |_, _| {}))
}

#[test]
fn rows_are_bit_identical_for_any_thread_count_and_on_repeat() {
    let s = load("determinism.toml");
    let p = s.parameters();
    assert!(p.communities as usize > 2 * model::CHUNK, "several chunks");
    let plan = Plan::new(&p);
    let key = StreamKey::new(s.seed, 0, None);
    let one = bits(&run_on(1, &plan, &p, &key));
    assert_eq!(one.len(), s.n_years());
    assert_eq!(bits(&run_on(2, &plan, &p, &key)), one);
    assert_eq!(bits(&run_on(3, &plan, &p, &key)), one);
    assert_eq!(bits(&run_on(2, &plan, &p, &key)), one, "repeat");
    // A different replicate is a different run.
    assert_ne!(
        bits(&run_on(2, &plan, &p, &StreamKey::new(s.seed, 1, None))),
        one
    );
}

#[test]
fn a_community_replayed_alone_matches_the_full_run_every_year() {
    let s = load("determinism.toml");
    let p = s.parameters();
    let plan = Plan::new(&p);
    let key = StreamKey::new(s.seed, 0, Some(4));
    let n = p.communities as usize;
    let chosen = [0, 1, model::CHUNK + 17, n - 1];
    let initial = model::vacant_communities(&p);
    let mut in_full_run: Vec<Vec<Community>> = Vec::new();
    model::run(&plan, initial.clone(), &key, &mut |_, state| {
        in_full_run.push(chosen.iter().map(|&i| state[i].clone()).collect());
    });
    for (slot, &i) in chosen.iter().enumerate() {
        // Through `run` with a one-community vector ...
        let mut alone = Vec::new();
        model::run(&plan, vec![initial[i].clone()], &key, &mut |_, state| {
            alone.push(state[0].clone());
        });
        // ... and stepped by hand, year after year, with the run's plan (its
        // supply shocks are the run's, not the community's).
        let run_plan = plan.for_run(&key);
        let mut community = initial[i].clone();
        for (y, full) in in_full_run.iter().enumerate() {
            assert_eq!(alone[y], full[slot], "community {i}, year index {y}");
            let mut tally = Tally::new(plan.n_channels());
            model::step_community(&run_plan, &key, y, &mut community, &mut tally);
            assert_eq!(
                community, full[slot],
                "community {i} stepped, year index {y}"
            );
        }
    }
}
