//! The calibration report on the shipped baselines and their targets: each
//! baseline (scaled down to 1,000 communities and 4 replicates) and its
//! targets' variants are run through the binary into the calibration folder
//! layout, and `succession::folder::read::calibration_report` must find
//! every target met but the documented misses, and those still missed.
//!
//! At full scale (10,000 communities, 10 replicates) docs/calibration.md
//! gives the tables; the scaled-down runs have the same expected values and
//! wider intervals. Version 1: the nearest miss margin (share_educated in
//! 2022, about 0.03 above 0.30) is several times the replicate spread at
//! this scale (sd about 0.004). Version 2: every target's range is its
//! figure +- 2 sd, and the fitted baseline's values lie well inside (the
//! margins are in docs/calibration.md).

mod common;

use common::{root, stderr, succession};
use succession::folder::read::calibration_report as report;
use succession::study::calibration::{Targets, variant_dir};

#[test]
fn shipped_baseline_meets_the_shipped_targets() {
    meets_its_targets("scenarios/baseline.toml", "scenarios/targets.toml");
}

#[test]
fn version_1_baseline_meets_its_targets() {
    meets_its_targets("scenarios/v1/baseline.toml", "scenarios/v1/targets.toml");
}

fn meets_its_targets(scenario: &str, targets: &str) {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("calibration");
    let baseline = root().join(scenario).display().to_string();
    let targets = Targets::read(&root().join(targets)).unwrap();
    let scale = [
        "--set",
        "communities=1000",
        "--set",
        "replicates=4",
        "--quiet",
    ];
    let mut runs = vec![(dir.clone(), Vec::new())];
    for (name, sets) in targets.variant_overrides() {
        runs.push((variant_dir(&dir, &name), sets));
    }
    for (out, sets) in runs {
        let out = out.display().to_string();
        let mut args = vec!["run", baseline.as_str(), "--out", out.as_str()];
        args.extend(scale);
        for set in &sets {
            args.extend(["--set", set.as_str()]);
        }
        let output = succession(scratch.path(), &args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    let report = report(&dir, &targets).unwrap();
    println!("{report}");
    assert_eq!(report.rows.len(), targets.targets.len());
    // Every target is met, except those the targets file documents as
    // missed, which must still be missed (or the documentation is stale).
    assert!(report.surprises().is_empty(), "{report}");
}
