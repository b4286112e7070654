//! The bytes of a small scenario's `timeseries.csv`, pinned to a committed
//! golden file. An optimisation that keeps the draws keeps these bytes; one
//! that changes how draws are made updates the golden file in its own
//! commit, together with a test that the metrics agree within sampling
//! error (tests/sampler_equivalence.rs).
//!
//! To regenerate after such a change:
//! `cargo run --release -- run tests/scenarios/golden/small.toml --out /tmp/golden --force --quiet &&
//!  cp /tmp/golden/timeseries.csv tests/golden/small_timeseries.csv`

mod common;

use common::{root, scenario, stderr, succession};

#[test]
fn small_scenario_timeseries_matches_the_golden_file() {
    let scratch = tempfile::tempdir().unwrap();
    let small = scenario("golden/small.toml").display().to_string();
    let output = succession(scratch.path(), &["run", &small, "--out", "g", "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let produced = std::fs::read(scratch.path().join("g/timeseries.csv")).unwrap();
    let golden = std::fs::read(root().join("tests/golden/small_timeseries.csv")).unwrap();
    assert!(
        produced == golden,
        "timeseries.csv differs from tests/golden/small_timeseries.csv"
    );
}
