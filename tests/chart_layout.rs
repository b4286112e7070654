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
