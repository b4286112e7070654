//! `year_step`: the cost of one community-year split by step of the year
//! (MODEL.md section 2), on the version-1 baseline's state at the end of 2010 stepping
//! into 2011 (an election year), so that a regression points at its step.
//! Each iteration steps a fresh copy of 1,000 communities; throughput is in
//! community-years.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use succession::model::{self, Community, Plan, StreamKey, Tally};
use succession::scenario::{self, Override};

const N_COMMUNITIES: u32 = 1000;

fn year_step(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/v1/baseline.toml");
    let set = |text: &str| Override::parse_set(text).expect("a valid override");
    let scenario = scenario::load(
        &path,
        &[
            set(&format!("communities={N_COMMUNITIES}")),
            set("end_year=2011"),
            set("policy_window=[1990, 2011]"),
        ],
    )
    .expect("the baseline loads");
    let parameters = scenario.parameters();
    let plan = Plan::new(&parameters);
    let key = StreamKey::new(scenario.seed, 0, None);
    let mut state_2010: Vec<Community> = Vec::new();
    model::run(
        &plan,
        model::vacant_communities(&parameters),
        &key,
        &mut |year, communities| {
            if year == 2010 {
                state_2010 = communities.to_vec();
            }
        },
    );
    let year_index = (2011 - scenario.start_year) as usize;
    let year = plan.year_plan(year_index);
    assert!(plan.is_election_year(2011));
    let n_channels = plan.n_channels();

    let mut group = c.benchmark_group("year_step");
    group.throughput(Throughput::Elements(u64::from(N_COMMUNITIES)));
    let mut bench =
        |name: &str, step: &dyn Fn(&mut Community, &mut succession::model::Stream, &mut Tally)| {
            group.bench_function(name, |b| {
                b.iter_batched_ref(
                    || state_2010.clone(),
                    |communities| {
                        let mut tally = Tally::new(n_channels);
                        for community in communities.iter_mut() {
                            let mut rng = model::community_rng(&key, community.index, year_index);
                            step(community, &mut rng, &mut tally);
                        }
                        tally
                    },
                    BatchSize::LargeInput,
                )
            });
        };
    bench("demand_and_resolution", &|c, rng, tally| {
        model::demand_and_resolution(year, c, rng, tally);
    });
    bench("learning", &|c, _, _| model::learning(&plan, year, c, 0.5));
    bench("ageing", &|c, _, _| model::ageing(c));
    bench("exits", &|c, rng, tally| {
        model::exits(&plan, year, c, rng, tally)
    });
    bench("elections", &|c, rng, tally| {
        model::elections(&plan, year, c, rng, tally)
    });
    bench("recruitment", &|c, rng, tally| {
        model::recruitment(&plan, year, c, rng, tally)
    });
    bench("whole_year", &|c, _, tally| {
        model::step_community(&plan, &key, year_index, c, tally);
    });
    group.finish();
}

criterion_group!(benches, year_step);
criterion_main!(benches);
