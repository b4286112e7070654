//! The sweep chart kind chosen for each shape of sweep
//! (`succession::chart::sweep_layout`).

use std::path::Path;
use succession::chart::{PointsTable, SweepLayout, sweep_layout};

fn fixture_points(name: &str) -> PointsTable {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/chart")
        .join(name)
        .join("points.csv");
    PointsTable::read(&path).expect("points.csv reads")
}

fn table(paths: &[&str], values: &[&[f64]]) -> PointsTable {
    PointsTable {
        paths: paths.iter().map(|p| p.to_string()).collect(),
        ids: (0..values.len() as u32).collect(),
        values: values.iter().map(|v| v.to_vec()).collect(),
        levels: vec![None; paths.len()],
    }
}

#[test]
fn fixtures_get_their_layouts() {
    let cases = [
        ("single", SweepLayout::Single),
        ("sweep_1d", SweepLayout::Line { column: 0 }),
        ("grid_2d", SweepLayout::Heatmap { x: 0, y: 1 }),
        (
            "sweep_3d",
            SweepLayout::Panels {
                columns: vec![0, 1, 2],
            },
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(sweep_layout(&fixture_points(name)), expected, "{name}");
    }
}

#[test]
fn shapes_of_sweeps_get_their_layouts() {
    let cases: Vec<(&str, PointsTable, SweepLayout)> = vec![
        ("no sweep", table(&[], &[&[]]), SweepLayout::Single),
        (
            "one swept point",
            table(&["a"], &[&[1.0]]),
            SweepLayout::Single,
        ),
        (
            "one parameter",
            table(&["a"], &[&[1.0], &[2.0], &[3.0]]),
            SweepLayout::Line { column: 0 },
        ),
        (
            "full 2x2 grid, any order",
            table(
                &["a", "b"],
                &[&[1.0, 5.0], &[2.0, 6.0], &[1.0, 6.0], &[2.0, 5.0]],
            ),
            SweepLayout::Heatmap { x: 0, y: 1 },
        ),
        (
            "2-D grid with a missing cell",
            table(&["a", "b"], &[&[1.0, 5.0], &[2.0, 6.0], &[1.0, 6.0]]),
            SweepLayout::Panels {
                columns: vec![0, 1],
            },
        ),
        (
            "2-D zip (a diagonal, not a grid)",
            table(&["a", "b"], &[&[1.0, 5.0], &[2.0, 6.0], &[3.0, 7.0]]),
            SweepLayout::Panels {
                columns: vec![0, 1],
            },
        ),
        (
            "2-D grid with a repeated pair",
            table(
                &["a", "b"],
                &[&[1.0, 5.0], &[2.0, 6.0], &[1.0, 6.0], &[1.0, 6.0]],
            ),
            SweepLayout::Panels {
                columns: vec![0, 1],
            },
        ),
        (
            "2-D with one parameter constant",
            table(&["a", "b"], &[&[1.0, 5.0], &[2.0, 5.0], &[3.0, 5.0]]),
            SweepLayout::Panels {
                columns: vec![0, 1],
            },
        ),
        (
            "four parameters",
            table(
                &["a", "b", "c", "d"],
                &[&[1.0, 2.0, 3.0, 4.0], &[2.0, 3.0, 4.0, 5.0]],
            ),
            SweepLayout::Panels {
                columns: vec![0, 1, 2, 3],
            },
        ),
    ];
    for (what, points, expected) in cases {
        assert_eq!(sweep_layout(&points), expected, "{what}");
    }
}

// ---------------------------------------------------------------------------
// No two texts of a chart overlap.
//
// `succession::chart::text_layout` paints every chart with the same code as
// `draw`, on a backend that records, for each text, the box plotters' own
// bitmap backend would put its glyphs in: the embedded font's layout box
// (advance width of the string × size/1.24, the line box plotters uses to
// anchor text), moved by the text's anchor and turned by its rotation. Tick
// labels, axis titles, captions, legend entries, titles and cell labels are
// all texts, so a label running into a neighbour's tick labels or into the
// subtitle shows up as two intersecting boxes.

use std::path::PathBuf;
use std::process::Command;
use succession::chart::{ChartOptions, TextBox, text_layout};

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/chart")
        .join(name)
}

/// Runs `scenario` (a path under the repository) into `out` with `sets`.
fn run_into(scenario: &Path, out: &Path, sets: &[&str]) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_succession"));
    command
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    for set in sets {
        command.arg("--set").arg(set);
    }
    let output = command.output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{}: {}",
        scenario.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn sweep_scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/sweep")
        .join(name)
}

/// The pairs of overlapping texts of every chart of `dir` (more than one
/// pixel each way: boxes that merely touch are fine).
fn overlaps(dir: &Path) -> Vec<String> {
    let layout = text_layout(dir, &ChartOptions::default()).expect("charts lay out");
    assert!(!layout.is_empty());
    let mut found = Vec::new();
    for (stem, boxes) in &layout {
        assert!(boxes.len() > 5, "{stem}: texts were recorded");
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.x0 >= 0 && a.y0 >= 0 && a.x1 <= 1200 && a.y1 <= 800,
                "{}/{stem}: {a:?} leaves the canvas",
                dir.display()
            );
            for b in &boxes[i + 1..] {
                if a.overlaps(b, 1) {
                    found.push(format!("{stem}: {} overlaps {}", show(a), show(b)));
                }
            }
        }
    }
    found
}

fn show(b: &TextBox) -> String {
    format!("{:?} [{},{}–{},{}]", b.text, b.x0, b.y0, b.x1, b.y1)
}

#[test]
fn overlapping_boxes_are_found() {
    let a = TextBox {
        text: "a".into(),
        x0: 0,
        y0: 0,
        x1: 10,
        y1: 10,
    };
    let b = TextBox {
        text: "b".into(),
        x0: 5,
        y0: 5,
        x1: 20,
        y1: 20,
    };
    let touching = TextBox {
        text: "c".into(),
        x0: 10,
        y0: 0,
        x1: 20,
        y1: 10,
    };
    assert!(a.overlaps(&b, 1));
    assert!(!a.overlaps(&touching, 1));
}

#[test]
fn no_two_texts_overlap_in_the_fixture_charts() {
    for name in ["single", "sweep_1d", "grid_2d", "sweep_3d"] {
        let found = overlaps(&fixture_dir(name));
        assert!(found.is_empty(), "{name}:\n{}", found.join("\n"));
    }
}

#[test]
fn no_two_texts_overlap_in_the_charts_of_zip_lhs_and_table_designs() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    // A four-column table gives the 2×2 panel layout.
    let table4 = scratch.path().join("table4.toml");
    std::fs::write(
        scratch.path().join("table4.csv"),
        "mentoring.rate,mentoring.window,capacity.beta,learning.experience\n\
         0.0,5,6,0.03\n0.1,3,8,0.05\n0.3,8,10,0.08\n0.2,4,12,0.06\n",
    )
    .expect("table written");
    std::fs::write(
        &table4,
        format!(
            "extends = {:?}\nreplicates = 2\n[sweep]\nmethod = \"table\"\ntable = \"table4.csv\"\n",
            sweep_scenario("base.toml")
        ),
    )
    .expect("scenario written");
    let cases = [
        ("zip", sweep_scenario("zip.toml")),
        ("lhs", sweep_scenario("lhs.toml")),
        ("table", sweep_scenario("table.toml")),
        ("table4", table4),
    ];
    for (name, scenario) in cases {
        let out = scratch.path().join(name);
        run_into(&scenario, &out, &["communities=40"]);
        let found = overlaps(&out);
        assert!(found.is_empty(), "{name}:\n{}", found.join("\n"));
    }
}

#[test]
fn no_two_texts_overlap_in_the_handover_chart_of_the_baseline() {
    // The whole history: every seat filled from vacancy in the first years
    // (cut at the top of the axis, with its label), then each generation's
    // hand-over; and the chart of one point of a sweep.
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let out = scratch.path().join("baseline");
    run_into(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        &out,
        &["communities=200", "replicates=2"],
    );
    let layout = text_layout(&out, &ChartOptions::default()).expect("charts lay out");
    let handover = layout
        .iter()
        .find(|(stem, _)| stem == "handover")
        .expect("a handover chart");
    assert!(
        handover
            .1
            .iter()
            .any(|b| b.text.starts_with("Off the scale")),
        "the first years are cut and labelled"
    );
    for label in [
        "vacant → revolutionary",
        "revolutionary → experience",
        "experience → knowledge",
    ] {
        assert!(handover.1.iter().any(|b| b.text == label), "{label}");
    }
    let found = overlaps(&out);
    assert!(found.is_empty(), "baseline:\n{}", found.join("\n"));
    let found = overlaps(&fixture_dir("sweep_1d"));
    assert!(found.is_empty(), "sweep_1d:\n{}", found.join("\n"));
}

#[test]
fn a_short_policy_window_labels_each_year_once() {
    // A 6-year policy window: plotters would put ticks at half-years,
    // which the whole-year format prints twice ("2026, 2026, 2027").
    // Per row of tick labels (texts at the same height), no year twice.
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let out = scratch.path().join("short");
    run_into(
        &sweep_scenario("base.toml"),
        &out,
        &[
            "communities=40",
            "end_year=2030",
            "policy_window=[2025, 2030]",
        ],
    );
    let layout = text_layout(&out, &ChartOptions::default()).expect("charts lay out");
    let mut rows = 0;
    for (stem, boxes) in &layout {
        let mut by_row: std::collections::BTreeMap<i32, Vec<&str>> = Default::default();
        for b in boxes {
            if b.text
                .parse::<i32>()
                .is_ok_and(|y| (1900..2100).contains(&y))
            {
                by_row.entry(b.y0).or_default().push(&b.text);
            }
        }
        for (y, mut years) in by_row {
            let n = years.len();
            years.sort();
            years.dedup();
            assert_eq!(
                years.len(),
                n,
                "{stem}: a year labelled twice in the row at y = {y}"
            );
            rows += 1;
        }
    }
    assert!(rows > 0, "year labels were recorded");
}
