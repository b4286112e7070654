//! `sweep`: a 64-run sweep (8 points × 8 replicates) of 1,000 communities,
//! 1949–2060, end to end through the run folder writer (part files,
//! assembly, summary), in runs per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use succession::folder::output::RunFolder;
use succession::study::ensemble::Study;

fn sweep(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sweep.toml");
    let study =
        Study::load(&path, &[], &Default::default(), None).expect("the sweep scenario loads");
    let runs = study.runs();
    assert_eq!(runs.len(), 64);
    let scratch = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(runs.len() as u64));
    group.bench_function("64_runs_1000_communities", |b| {
        b.iter(|| {
            let folder = RunFolder {
                dir: scratch.path().join("sweep"),
            };
            folder.create_parts_dir().unwrap();
            study.execute(&folder, &runs, &|_| {}, &|| false).unwrap();
            folder.assemble_study(&study).unwrap();
            folder.write_summary(&study.design).unwrap();
            folder.remove_parts().unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
