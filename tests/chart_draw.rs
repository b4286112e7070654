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

const HANDOVER_CHARTS: [&str; 2] = ["handover.png", "handover.svg"];

#[test]
fn each_folder_gets_the_time_charts_and_sweeps_get_the_sweep_charts() {
    // (fixture, a sweep, holds transitions.csv): a folder without it (an
    // earlier version's run) gets every other chart.
    let cases: [(&str, bool, bool); 4] = [
        ("single", false, true),
        ("sweep_1d", true, true),
        ("grid_2d", true, false),
        ("sweep_3d", true, false),
    ];
    for (name, is_sweep, has_transitions) in cases {
        let (_scratch, dir) = scratch_copy(name);
        assert_eq!(dir.join("transitions.csv").is_file(), has_transitions);
        let written = draw(&dir, &ChartOptions::default()).expect("charts drawn");
        let mut expected: Vec<&str> = TIME_CHARTS.to_vec();
        if has_transitions {
            expected.extend(HANDOVER_CHARTS);
        }
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
        "single",
        "handover.svg",
        &[
            "Hand-over of seats between cohorts — single",
            "Fixture: one point, three replicates",
            "Seats (of 300) changing hands each year, summed over communities, mean over 3 replicates",
            "Left out: seats kept by the same cohort through the year",
            "seats changing hands per year",
            "year",
            "experience → knowledge",
            "vacant → knowledge",
            "knowledge → vacant",
            "revolutionary → experience",
            "knowledge → revolutionary",
            "Off the scale (seats changing hands) — 1949: 300",
            "policy window 1955–1964",
        ],
    ),
    (
        "sweep_1d",
        "handover.svg",
        &[
            "Hand-over of seats between cohorts — sweep_1d",
            "Point 0 (issues.escalation=0.05)",
            "mean over 2 replicates",
            "vacant → revolutionary",
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
fn the_point_option_writes_point_numbered_charts_and_leaves_the_whole_run_alone() {
    let (_scratch, dir) = scratch_copy("sweep_1d");
    let whole = draw(&dir, &ChartOptions::default()).expect("charts drawn");
    let before: Vec<Vec<u8>> = whole
        .iter()
        .map(|p| std::fs::read(p).expect("chart"))
        .collect();
    let written = draw(&dir, &ChartOptions { point: Some(3) }).expect("charts drawn");
    assert_eq!(
        file_names(&written),
        [
            "cohorts_point-3.png",
            "cohorts_point-3.svg",
            "resolution_point-3.png",
            "resolution_point-3.svg",
            "handover_point-3.png",
            "handover_point-3.svg"
        ]
    );
    for path in &written {
        let name = path.file_name().expect("a file").to_string_lossy();
        assert!(succession::folder::layout::is_chart_file(&name), "{name}");
    }
    for chart in [
        "cohorts_point-3.svg",
        "resolution_point-3.svg",
        "handover_point-3.svg",
    ] {
        let svg = std::fs::read_to_string(dir.join("charts").join(chart)).expect("svg");
        assert!(svg.contains("Point 3 (issues.escalation=0.2)"), "{chart}");
    }
    // The whole run's charts are untouched, byte for byte.
    for (path, bytes) in whole.iter().zip(&before) {
        assert!(
            std::fs::read(path).expect("chart") == *bytes,
            "{}",
            path.display()
        );
    }
    let svg = std::fs::read_to_string(dir.join("charts/cohorts.svg")).expect("svg");
    assert!(svg.contains("Point 0 (issues.escalation=0.05)"));
}

#[test]
fn plot_with_point_prints_the_files_it_wrote() {
    let (_scratch, dir) = scratch_copy("sweep_1d");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_succession"))
        .arg("plot")
        .arg(&dir)
        .args(["--point", "2"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for name in ["cohorts_point-2.png", "resolution_point-2.svg"] {
        let path = dir.join("charts").join(name);
        assert!(path.is_file(), "{name}");
        assert!(stdout.contains(&path.display().to_string()), "{stdout}");
    }
    assert!(!dir.join("charts/capacity.png").exists());
}

#[test]
fn the_handover_is_the_mean_over_replicates_of_its_points_rows_without_the_diagonal() {
    use succession::chart::{HOLDERS, Handover};
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chart/single/transitions.csv");
    // The file by hand: (year, from, to) → the seats of each replicate.
    let text = std::fs::read_to_string(&path).expect("fixture");
    let mut by_cell: std::collections::BTreeMap<(i32, usize, usize), Vec<f64>> = Default::default();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let holder = |name: &str| HOLDERS.iter().position(|h| *h == name).expect("a holder");
        by_cell
            .entry((
                cells[2].parse().unwrap(),
                holder(cells[3]),
                holder(cells[4]),
            ))
            .or_default()
            .push(cells[5].parse().unwrap());
    }
    let handover = Handover::read(&path, 0).expect("transitions.csv reads");
    assert_eq!(handover.replicates.len(), 3);
    assert_eq!(handover.years.len(), 16);
    for ((year, from, to), seats) in &by_cell {
        let mean = seats.iter().sum::<f64>() / seats.len() as f64;
        let read = handover.years[year][*from][*to];
        assert!(
            (read - mean).abs() < 1e-9,
            "{year} {from}→{to}: {read} vs {mean}"
        );
    }
    // Every pair but the diagonal moves in the fixture, in HOLDERS order.
    let pairs = handover.moving_pairs();
    assert_eq!(pairs.len(), 12);
    assert!(pairs.iter().all(|(from, to)| from != to));
    assert_eq!(pairs[0], (0, 1));
    // A point the file does not hold is bad input.
    let e = Handover::read(&path, 4).unwrap_err().to_string();
    assert!(e.contains("no rows for point 4"), "{e}");
    // Only the pairs that ever move: sweep_1d's point 3 fills vacancies
    // with revolutionaries only.
    let sweep =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chart/sweep_1d/transitions.csv");
    let point = Handover::read(&sweep, 3).expect("transitions.csv reads");
    assert_eq!(point.point, 3);
    assert_eq!(point.moving_pairs(), [(3, 0)]);
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

/// Runs `scenario` into `out` with `--set` for each of `sets`.
fn run_into(scenario: &Path, out: &Path, sets: &[&str]) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_succession"));
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
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn sweep_scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/sweep")
        .join(name)
}

/// The `points` attribute of every polyline of `color` in `svg`, as point
/// counts.
fn polyline_lengths(svg: &str, color: &str) -> Vec<usize> {
    svg.split("<polyline")
        .skip(1)
        .filter(|e| e.contains(&format!(r#"stroke="{color}""#)))
        .map(|e| {
            let points = e.split(r#"points=""#).nth(1).expect("points");
            points[..points.find('"').expect("end")]
                .split_whitespace()
                .count()
        })
        .collect()
}

#[test]
fn zip_and_lhs_sweeps_show_each_point_with_its_own_interval_and_no_line() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    for name in ["zip", "lhs"] {
        let out = scratch.path().join(name);
        run_into(
            &sweep_scenario(&format!("{name}.toml")),
            &out,
            &["communities=40"],
        );
        for chart in ["sweep_policy_capacity.svg", "sweep_trough_capacity.svg"] {
            let svg = std::fs::read_to_string(out.join("charts").join(chart)).expect("svg");
            // Not an interval over the points (the spread between designs).
            assert!(!svg.contains("over the group"), "{name}/{chart}");
            assert!(
                svg.contains("95% interval across that point&apos;s replicates")
                    || svg.contains("95% interval across that point's replicates"),
                "{name}/{chart}"
            );
            // Blue marks are interval bars and caps (two points each): no
            // line joins the points into a response curve.
            let lengths = polyline_lengths(&svg, "#0072B2");
            assert!(!lengths.is_empty(), "{name}/{chart}");
            assert!(
                lengths.iter().all(|&n| n == 2),
                "{name}/{chart}: {lengths:?}"
            );
        }
    }
}

#[test]
fn heatmap_cells_share_one_number_format() {
    let (_scratch, dir) = scratch_copy("grid_2d");
    // Make some half-widths tiny (2.2e-4) next to ordinary ones (0.01).
    let path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&path).expect("summary");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (m, lo, hi) = (
        col("trough_capacity_mean"),
        col("trough_capacity_lo"),
        col("trough_capacity_hi"),
    );
    let mut out = header.join(",") + "\n";
    for (row, line) in lines.enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let mean: f64 = cells[m].parse().expect("mean");
        let half = if row % 2 == 0 { 2.2e-4 } else { 0.01 };
        cells[lo] = format!("{}", mean - half);
        cells[hi] = format!("{}", mean + half);
        out += &(cells.join(",") + "\n");
    }
    std::fs::write(&path, out).expect("summary written");
    draw(&dir, &ChartOptions::default()).expect("charts drawn");
    let svg = std::fs::read_to_string(dir.join("charts/sweep_trough_capacity.svg")).expect("svg");
    let labels: Vec<&str> = svg
        .split('>')
        .filter_map(|t| t.split('<').next())
        .filter(|t| t.contains('±') && !t.contains("half-width"))
        .collect();
    assert_eq!(labels.len(), 12, "every cell labelled: {labels:?}");
    let decimals = |number: &str| number.split('.').nth(1).map_or(0, str::len);
    for label in &labels {
        let (mean, half) = label.trim().split_once(" ±").expect("mean ±half");
        assert!(!half.contains('e'), "{label}");
        // Two significant digits of the smallest half-width (0.00022).
        assert_eq!(decimals(mean), 5, "{label}");
        assert_eq!(decimals(half), 5, "{label}");
    }
}

#[test]
fn a_policy_window_that_is_the_whole_run_is_not_shaded_and_a_zoomed_axis_says_so() {
    let (_scratch, dir) = scratch_copy("single");
    // A run seeded at the window's start (as a roster run is): keep the
    // years of the window only.
    let path = dir.join("timeseries.csv");
    let text = std::fs::read_to_string(&path).expect("timeseries");
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let year: i32 = line
            .split(',')
            .nth(2)
            .and_then(|y| y.parse().ok())
            .unwrap_or(0);
        if i == 0 || year >= 1955 {
            kept.push(line);
        }
    }
    std::fs::write(&path, kept.join("\n") + "\n").expect("written");
    draw(&dir, &ChartOptions::default()).expect("charts drawn");
    for chart in ["capacity.svg", "resolution.svg"] {
        let svg = std::fs::read_to_string(dir.join("charts").join(chart)).expect("svg");
        // The window's grey (#EBEBEB) fills no rectangle.
        assert!(!svg.contains(r##"fill="#EBEBEB""##), "{chart} is shaded");
        assert!(svg.contains("the whole run (not shaded)"), "{chart}");
        assert!(svg.contains("y axis zoomed"), "{chart}");
    }
    // A window inside the run is shaded, and its zoomed panel says so.
    let (_scratch, dir) = scratch_copy("single");
    draw(&dir, &ChartOptions::default()).expect("charts drawn");
    let svg = std::fs::read_to_string(dir.join("charts/capacity.svg")).expect("svg");
    assert!(svg.contains(r##"fill="#EBEBEB""##));
    assert!(svg.contains("policy window 1955–1964, y axis zoomed"));
}

#[test]
fn charts_say_what_ran_after_set() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let out = scratch.path().join("set");
    run_into(
        &sweep_scenario("base.toml"),
        &out,
        &["communities=30", "replicates=2"],
    );
    for chart in ["capacity.svg", "cohorts.svg", "resolution.svg"] {
        let svg = std::fs::read_to_string(out.join("charts").join(chart)).expect("svg");
        assert!(
            svg.contains("Ran 30 communities per run, 2 replicate(s) per point"),
            "{chart}"
        );
        assert!(
            svg.contains("--set communities=30 --set replicates=2"),
            "{chart}"
        );
    }
    // A sweep's charts say it too; a long list of overrides is shortened.
    let out = scratch.path().join("zip");
    let many: Vec<String> = (0..12).map(|i| format!("seed={}", i + 1)).collect();
    let mut sets: Vec<&str> = vec!["communities=20"];
    sets.extend(many.iter().map(String::as_str));
    run_into(&sweep_scenario("zip.toml"), &out, &sets);
    let svg = std::fs::read_to_string(out.join("charts/sweep_policy_capacity.svg")).expect("svg");
    assert!(svg.contains("Ran 20 communities per run"));
    assert!(svg.contains("more)"), "shortened");
}

#[test]
fn summaries_with_0_or_0_0_sd_columns_and_trough_year_median_give_the_same_charts() {
    let (_plain_scratch, plain) = scratch_copy("grid_2d");
    let (_changed_scratch, changed) = scratch_copy("grid_2d");
    // The other format of summary.csv: whole numbers as `0.0`, a `_sd`
    // column per figure, trough_year as median, min and max.
    let path = changed.join("summary.csv");
    let text = std::fs::read_to_string(&path).expect("summary");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let cells: Vec<String> = line
            .split(',')
            .enumerate()
            .map(|(c, cell)| {
                if i == 0 {
                    cell.replace("trough_year_mean", "trough_year_median")
                        .replace("trough_year_lo", "trough_year_min")
                        .replace("trough_year_hi", "trough_year_max")
                } else if c > 0 && !cell.is_empty() && !cell.contains(['.', 'e']) {
                    format!("{cell}.0")
                } else {
                    cell.to_string()
                }
            })
            .collect();
        let sd = if i == 0 { "policy_capacity_sd" } else { "0.0" };
        out += &format!("{},{sd}\n", cells.join(","));
    }
    std::fs::write(&path, out).expect("written");
    // points.csv's values as `0.0` too (the point numbers stay whole).
    let path = changed.join("points.csv");
    let text = std::fs::read_to_string(&path).expect("points");
    let rewritten: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            line.split(',')
                .enumerate()
                .map(|(c, cell)| {
                    if i > 0 && c > 0 && !cell.contains(['.', 'e']) {
                        format!("{cell}.0")
                    } else {
                        cell.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    std::fs::write(&path, rewritten.join("\n") + "\n").expect("written");
    let a = draw(&plain, &ChartOptions::default()).expect("charts drawn");
    let b = draw(&changed, &ChartOptions::default()).expect("charts drawn");
    for (x, y) in a.iter().zip(&b) {
        let same = std::fs::read(x).expect("chart") == std::fs::read(y).expect("chart");
        assert!(same, "{}", x.display());
    }
}

#[test]
fn ties_for_best_or_worst_are_said_in_the_legend() {
    let (_scratch, dir) = scratch_copy("grid_2d");
    let path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&path).expect("summary");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "policy_capacity_mean")
        .expect("policy_capacity_mean");
    let mut out = header.join(",") + "\n";
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[col] = match cells[0].as_str() {
            "2" | "5" | "7" => "0.99".to_string(),
            "0" | "1" => "0.1".to_string(),
            _ => cells[col].clone(),
        };
        out += &(cells.join(",") + "\n");
    }
    std::fs::write(&path, out).expect("written");
    draw(&dir, &ChartOptions::default()).expect("charts drawn");
    let svg = std::fs::read_to_string(dir.join("charts/capacity.svg")).expect("svg");
    assert!(
        svg.contains("best: 3 points tie, lowest-numbered shown: point 2,"),
        "best tie"
    );
    assert!(
        svg.contains("worst: 2 points tie, lowest-numbered shown: point 0,"),
        "worst tie"
    );
}
