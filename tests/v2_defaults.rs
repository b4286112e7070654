//! Version 2's defaults reproduce version 1 (MODEL.md section 7): a
//! scenario that sets every new parameter explicitly to its built-in
//! default writes the same bytes as the scenario without them, and as the
//! golden file whose version-1 columns are the version-1 engine's.

mod common;

use common::{root, scenario, stderr, succession};

#[test]
fn every_new_parameter_at_its_default_changes_no_byte() {
    let scratch = tempfile::tempdir().unwrap();
    let run = |file: &str, out: &str| {
        let path = scenario(file).display().to_string();
        let output = succession(scratch.path(), &["run", &path, "--out", out, "--quiet"]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
    };
    run("golden/small.toml", "v1");
    run("golden/v2-defaults.toml", "v2");
    for file in ["timeseries.csv", "runs.csv", "summary.csv", "points.csv"] {
        let v1 = std::fs::read(scratch.path().join("v1").join(file)).unwrap();
        let v2 = std::fs::read(scratch.path().join("v2").join(file)).unwrap();
        assert!(
            v1 == v2,
            "{file} differs with every new parameter at its default"
        );
    }
    let golden = std::fs::read(root().join("tests/golden/small_timeseries.csv")).unwrap();
    let v2 = std::fs::read(scratch.path().join("v2/timeseries.csv")).unwrap();
    assert!(v2 == golden, "timeseries.csv differs from the golden file");
}
