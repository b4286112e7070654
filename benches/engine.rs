//! `engine`: one replicate of the baseline at 10,000 communities, in
//! community-years per second, on one thread and on all threads.
//!
//! Targets (issue "National scale in seconds"): at least 5 M
//! community-years per second on one thread, and all-thread throughput at
//! least 1.7× the one-thread throughput on 2 cores. Where the engine stands
//! against them, and why, is in docs/performance.md (on the development
//! machine, 2026-11-28: about 1.1 M/s on one thread, 1.8× on two).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use succession::model::{self, Plan, StreamKey};
use succession::scenario::{self, Override};

fn baseline(communities: u32) -> succession::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let set = |text: &str| Override::parse_set(text).expect("a valid override");
    scenario::load(
        &path,
        &[
            set(&format!("communities={communities}")),
            set("replicates=1"),
        ],
    )
    .expect("the baseline loads")
}

fn engine(c: &mut Criterion) {
    let scenario = baseline(10_000);
    let parameters = scenario.parameters();
    let plan = Plan::new(&parameters);
    let key = StreamKey::new(scenario.seed, 0, None);
    let community_years = u64::from(scenario.communities) * scenario.n_years() as u64;
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(community_years));
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, all] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(
            format!("baseline_10000_communities/{threads}_threads"),
            |b| {
                b.iter(|| {
                    pool.install(|| {
                        model::run(
                            &plan,
                            model::vacant_communities(&parameters),
                            &key,
                            &mut |_, _| {},
                        )
                    })
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
