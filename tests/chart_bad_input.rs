//! `chart::draw` on folders without CSV or with malformed CSV: a
//! `BadInput` error (exit code 2) whose one line names the file and line.

use std::path::Path;
use succession::Error;
use succession::chart::{ChartOptions, draw};

/// The fixture `single` copied into a scratch folder, with `edit` applied.
fn folder_with(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chart/single");
    let scratch = tempfile::tempdir().expect("a temporary folder");
    for entry in std::fs::read_dir(&source).expect("fixture exists") {
        let entry = entry.expect("a directory entry");
        std::fs::copy(entry.path(), scratch.path().join(entry.file_name())).expect("copied");
    }
    edit(scratch.path());
    scratch
}

/// Replaces line `line_no` (1-based) of `file` in `dir` by `text`.
fn replace_line(dir: &Path, file: &str, line_no: usize, text: &str) {
    let path = dir.join(file);
    let content = std::fs::read_to_string(&path).expect("file exists");
    let mut lines: Vec<String> = content.lines().map(str::to_string).collect();
    lines[line_no - 1] = text.to_string();
    std::fs::write(&path, lines.join("\n") + "\n").expect("written");
}

/// The message of `draw`'s error on `dir`, which must be bad input.
fn bad_input(dir: &Path, options: &ChartOptions) -> String {
    match draw(dir, options) {
        Err(error @ Error::BadInput(_)) => {
            assert!(error.is_bad_input());
            let message = error.to_string();
            assert!(!message.contains('\n'), "one line: {message}");
            message
        }
        other => panic!("expected a BadInput error, got {other:?}"),
    }
}

#[test]
fn an_empty_folder_names_timeseries_csv() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let message = bad_input(scratch.path(), &ChartOptions::default());
    assert!(message.contains("timeseries.csv: not found"), "{message}");
    assert!(!scratch.path().join("charts").exists(), "nothing written");
}

#[test]
fn malformed_files_are_named_with_their_line() {
    type Edit = Box<dyn FnOnce(&Path)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "missing points.csv",
            Box::new(|d: &Path| std::fs::remove_file(d.join("points.csv")).expect("removed")),
            "points.csv: not found",
        ),
        (
            "a number that is not one",
            Box::new(|d: &Path| {
                let path = d.join("timeseries.csv");
                let text = std::fs::read_to_string(&path).expect("read");
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let mut cells: Vec<&str> = lines[4].split(',').collect();
                cells[3] = "high";
                lines[4] = cells.join(",");
                std::fs::write(&path, lines.join("\n") + "\n").expect("written");
            }),
            "timeseries.csv:5: column capacity_mean: cannot read \"high\" as a number",
        ),
        (
            "a row with too few fields",
            Box::new(|d: &Path| replace_line(d, "timeseries.csv", 3, "0,0,1951,0.5")),
            "timeseries.csv:3: 4 fields where the header has",
        ),
        (
            "a missing column",
            Box::new(|d: &Path| {
                let path = d.join("timeseries.csv");
                let text = std::fs::read_to_string(&path).expect("read");
                std::fs::write(&path, text.replacen("capacity_mean", "capacity_avg", 1))
                    .expect("written");
            }),
            "timeseries.csv:1: no `capacity_mean` column",
        ),
        (
            "a header only",
            Box::new(|d: &Path| {
                let path = d.join("timeseries.csv");
                let text = std::fs::read_to_string(&path).expect("read");
                let header = text.lines().next().expect("a header").to_string();
                std::fs::write(&path, header + "\n").expect("written");
            }),
            "timeseries.csv:2: no rows after the header",
        ),
        (
            "a point that is not a number",
            Box::new(|d: &Path| replace_line(d, "points.csv", 2, "zero")),
            "points.csv:2: column point: cannot read \"zero\" as a whole number",
        ),
        (
            "a point without rows",
            Box::new(|d: &Path| replace_line(d, "points.csv", 2, "7")),
            "timeseries.csv: no rows for point 7",
        ),
        (
            "a manifest that is not JSON",
            Box::new(|d: &Path| std::fs::write(d.join("manifest.json"), "{ nope").expect("w")),
            "manifest.json:1: not valid JSON",
        ),
    ];
    for (what, edit, expected) in cases {
        let scratch = folder_with(edit);
        let message = bad_input(scratch.path(), &ChartOptions::default());
        assert!(message.contains(expected), "{what}: {message}");
    }
}

#[test]
fn a_malformed_transitions_csv_is_named_with_its_line_and_no_chart_is_drawn() {
    type Edit = Box<dyn FnOnce(&Path)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "a row out of order",
            Box::new(|d: &Path| {
                replace_line(
                    d,
                    "transitions.csv",
                    3,
                    "0,0,1949,revolutionary,knowledge,0",
                )
            }),
            "transitions.csv:3: expected from = revolutionary, to = experience, found \"revolutionary\", \"knowledge\"",
        ),
        (
            "a group cut short",
            Box::new(|d: &Path| {
                let path = d.join("transitions.csv");
                let text = std::fs::read_to_string(&path).expect("read");
                let lines: Vec<&str> = text.lines().collect();
                // Drop the last row of the first group (line 17).
                let kept: Vec<&str> = lines[..16].iter().chain(&lines[17..]).copied().collect();
                std::fs::write(&path, kept.join("\n") + "\n").expect("written");
            }),
            "transitions.csv:17: a group of rows ends after 15 of its 16",
        ),
        (
            "a year twice",
            Box::new(|d: &Path| {
                let path = d.join("transitions.csv");
                let text = std::fs::read_to_string(&path).expect("read");
                std::fs::write(&path, text.replace(",1950,", ",1949,")).expect("written");
            }),
            "transitions.csv:18: point 0, replicate 0, year 1949 comes after replicate 0, year 1949",
        ),
        (
            "seats that are not a count",
            Box::new(|d: &Path| {
                replace_line(
                    d,
                    "transitions.csv",
                    14,
                    "0,0,1949,vacant,revolutionary,2.5",
                )
            }),
            "transitions.csv:14: column seats: cannot read \"2.5\" as a whole number",
        ),
        (
            "a missing column",
            Box::new(|d: &Path| {
                replace_line(
                    d,
                    "transitions.csv",
                    1,
                    "point,replicate,year,from,to,count",
                )
            }),
            "transitions.csv:1: no `seats` column",
        ),
    ];
    for (what, edit, expected) in cases {
        let scratch = folder_with(edit);
        let message = bad_input(scratch.path(), &ChartOptions::default());
        assert!(message.contains(expected), "{what}: {message}");
        assert!(
            !scratch.path().join("charts").exists(),
            "{what}: a chart was drawn"
        );
    }
}

#[test]
fn a_point_option_not_in_points_csv_is_bad_input() {
    let scratch = folder_with(|_| {});
    let message = bad_input(scratch.path(), &ChartOptions { point: Some(4) });
    assert!(message.starts_with("--point 4: "), "{message}");
    assert!(message.contains("points.csv lists no point 4"), "{message}");
}
