//! Drawing charts from the run folders in `tests/fixtures/chart/`: which
//! files each kind of folder gets, that the PNGs decode at 1200×800, that
//! the SVGs carry their titles and axis titles, and that drawing is
//! deterministic.

use std::path::{Path, PathBuf};
use succession::chart::{ChartOptions, draw};

/// A scratch copy of the fixture folder `name` (drawing writes `charts/`
/// into the folder, and the repository's fixtures stay untouched).
fn scratch_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/chart")
        .join(name);
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let dir = scratch.path().join(name);
    std::fs::create_dir(&dir).expect("folder created");
    for entry in std::fs::read_dir(&source).expect("fixture exists") {
        let entry = entry.expect("a directory entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("fixture copied");
    }
    (scratch, dir)
}

fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            p.file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

const TIME_CHARTS: [&str; 6] = [
    "capacity.png",
    "capacity.svg",
    "cohorts.png",
    "cohorts.svg",
    "resolution.png",
    "resolution.svg",
];
const SWEEP_CHARTS: [&str; 4] = [
    "sweep_policy_capacity.png",
    "sweep_policy_capacity.svg",
    "sweep_trough_capacity.png",
    "sweep_trough_capacity.svg",
];

#[test]
fn each_folder_gets_the_time_charts_and_sweeps_get_the_sweep_charts() {
    let cases: [(&str, bool); 4] = [
        ("single", false),
        ("sweep_1d", true),
        ("grid_2d", true),
        ("sweep_3d", true),
    ];
    for (name, is_sweep) in cases {
        let (_scratch, dir) = scratch_copy(name);
        let written = draw(&dir, &ChartOptions::default()).expect("charts drawn");
        let mut expected: Vec<&str> = TIME_CHARTS.to_vec();
        if is_sweep {
            expected.extend(SWEEP_CHARTS);
        }
        assert_eq!(file_names(&written), expected, "{name}");
        for path in &written {
            assert_eq!(path.parent(), Some(dir.join("charts").as_path()), "{name}");
            assert!(path.is_file(), "{}", path.display());
        }
        // No temporary file is left behind.
        let in_folder = std::fs::read_dir(dir.join("charts"))
            .expect("charts folder")
            .count();
        assert_eq!(in_folder, expected.len(), "{name}");
    }
}

#[test]
fn pngs_decode_at_1200_by_800() {
    for name in ["single", "grid_2d"] {
        let (_scratch, dir) = scratch_copy(name);
        let written = draw(&dir, &ChartOptions::default()).expect("charts drawn");
        for path in written
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
        {
            let file = std::fs::File::open(path).expect("png exists");
            let mut reader = png::Decoder::new(file).read_info().expect("a PNG header");
            let mut pixels = vec![0; reader.output_buffer_size()];
            let frame = reader.next_frame(&mut pixels).expect("PNG pixels decode");
            assert_eq!(
                (frame.width, frame.height),
                (1200, 800),
                "{}",
                path.display()
            );
            // Not a blank canvas: some pixels are dark (text and lines).
            assert!(pixels.iter().any(|&v| v < 64), "{}", path.display());
        }
    }
}

/// (fixture, chart, texts the SVG must contain).
const SVG_TEXTS: &[(&str, &str, &[&str])] = &[
    (
        "single",
        "capacity.svg",
        &[
            "Governance capacity — single",
            "Fixture: one point, three replicates",
            "year",
            "governance capacity (share of issues resolved)",
            "policy window 1955–1964",
        ],
    ),
    (
        "single",
        "cohorts.svg",
        &[
            "Seats by elite cohort — single",
            "share of all seats (layers sum to 1)",
            "year",
            "revolutionary",
            "experience",
            "knowledge",
            "vacant",
        ],
    ),
    (
        "single",
        "resolution.svg",
        &[
            "Issue resolution and escalation — single",
            "resolution rate (resolved / arising)",
            "escalations per 1000 issues",
            "year",
        ],
    ),
    (
        "sweep_1d",
        "capacity.svg",
        &["issues.escalation=0.05", "issues.escalation=0.3"],
    ),
    (
        "sweep_1d",
        "sweep_policy_capacity.svg",
        &[
            "Policy-window capacity across the sweep — sweep_1d",
            "issues.escalation",
            "capacity, mean over 1955–1964 (share resolved)",
        ],
    ),
    (
        "grid_2d",
        "sweep_trough_capacity.svg",
        &[
            "Succession trough across the grid — grid_2d",
            "mentoring.rate",
            "capacity.beta",
            "trough capacity (share resolved)",
        ],
    ),
    (
        "grid_2d",
        "capacity.svg",
        &["3 of 12 points shown", "best: ", "median: ", "worst: "],
    ),
    (
        "sweep_3d",
        "sweep_policy_capacity.svg",
        &[
            "Policy-window capacity by swept parameter — sweep_3d",
            "mentoring.rate",
            "capacity.beta",
            "issues.escalation",
        ],
    ),
];

#[test]
fn svgs_are_svg_with_their_titles_and_axis_titles() {
    for (name, chart, texts) in SVG_TEXTS {
        let (_scratch, dir) = scratch_copy(name);
        draw(&dir, &ChartOptions::default()).expect("charts drawn");
        let svg = std::fs::read_to_string(dir.join("charts").join(chart)).expect("svg exists");
        assert!(svg.starts_with("<svg"), "{name}/{chart}");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}/{chart}");
        assert!(
            svg.contains(r#"width="1200" height="800""#),
            "{name}/{chart}"
        );
        for text in *texts {
            assert!(svg.contains(text), "{name}/{chart} lacks {text:?}");
        }
    }
}

#[test]
fn drawing_twice_gives_identical_bytes() {
    for name in ["single", "sweep_1d", "grid_2d", "sweep_3d"] {
        let (_first_scratch, first) = scratch_copy(name);
        let (_second_scratch, second) = scratch_copy(name);
        let first_files = draw(&first, &ChartOptions::default()).expect("charts drawn");
        let second_files = draw(&second, &ChartOptions::default()).expect("charts drawn");
        // And a redraw over existing charts in the same folder.
        let redrawn = draw(&first, &ChartOptions::default()).expect("charts redrawn");
        assert_eq!(file_names(&first_files), file_names(&second_files));
        for ((a, b), c) in first_files.iter().zip(&second_files).zip(&redrawn) {
            let bytes = std::fs::read(a).expect("chart");
            assert!(bytes == std::fs::read(b).expect("chart"), "{}", a.display());
            assert!(bytes == std::fs::read(c).expect("chart"), "{}", c.display());
        }
    }
}

#[test]
fn the_point_option_chooses_the_point_of_the_cohort_and_resolution_charts() {
    let (_scratch, dir) = scratch_copy("sweep_1d");
    draw(&dir, &ChartOptions { point: Some(3) }).expect("charts drawn");
    for chart in ["cohorts.svg", "resolution.svg"] {
        let svg = std::fs::read_to_string(dir.join("charts").join(chart)).expect("svg");
        assert!(svg.contains("Point 3 (issues.escalation=0.2)"), "{chart}");
    }
    draw(&dir, &ChartOptions::default()).expect("charts drawn");
    let svg = std::fs::read_to_string(dir.join("charts/cohorts.svg")).expect("svg");
    assert!(svg.contains("Point 0 (issues.escalation=0.05)"));
}

#[test]
fn a_folder_without_manifest_is_drawn_from_the_csv_alone() {
    let (_scratch, dir) = scratch_copy("single");
    std::fs::remove_file(dir.join("manifest.json")).expect("manifest removed");
    draw(&dir, &ChartOptions::default()).expect("charts drawn");
    let svg = std::fs::read_to_string(dir.join("charts/capacity.svg")).expect("svg");
    // Named after the folder; no policy window to shade.
    assert!(svg.contains("Governance capacity — single"));
    assert!(!svg.contains("policy window"));
}
