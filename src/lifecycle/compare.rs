//! `succession compare`: the difference B − A of two arms, two points of
//! one run folder or two run folders of one point each. Their
//! `manifest.json` says whether they pair (replicate r of A and of B drew
//! the same random streams: common random numbers); `runs.csv` and
//! `timeseries.csv` give the values by replicate; [`study::compare`] the
//! differences, written as `compare.csv`, `compare_timeseries.csv`, their
//! `datapackage.json` and the chart `charts/compare_capacity.png`/`.svg`.
//!
//! Everything is read and checked before anything is written, and an
//! earlier comparison's files are replaced only with `--force`, and only
//! when they read as written by `compare`.
//!
//! [`study::compare`]: crate::study::compare

use crate::chart::{self, CompareChart, ScenarioInfo, short_number};
use crate::folder::layout::{CHARTS_DIR, LOCK, MANIFEST};
use crate::folder::lock::FolderLock;
use crate::folder::manifest::Manifest;
use crate::folder::read::{Timeseries, bad, csv_error, open_csv, parse_cell, parse_integer};
use crate::folder::{output, schema};
use crate::study::compare::{self, Figures, Pairing, Row, Series, YearRow};
use crate::study::summary::FIGURES;
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `compare.csv`: one row per summary figure.
pub const COMPARE: &str = "compare.csv";
/// `compare_timeseries.csv`: one row per year, the difference of
/// `capacity_mean`.
pub const COMPARE_TIMESERIES: &str = "compare_timeseries.csv";

/// A request to compare two arms.
#[derive(Clone, Debug)]
pub struct CompareRequest {
    /// One run folder (with [`CompareRequest::points`]), or two run folders
    /// of one point each: A, then B.
    pub dirs: Vec<PathBuf>,
    /// With one folder, its points A and B.
    pub points: Option<[u32; 2]>,
    /// The folder the files are written into (created if absent).
    pub out: PathBuf,
    /// Compare the replicates as independent samples (Welch) instead of
    /// pairing them; needed when they do not pair.
    pub unpaired: bool,
    /// Replace an earlier comparison's files in `out`.
    pub force: bool,
}

/// One side of a comparison.
#[derive(Clone, Debug)]
pub struct Arm {
    /// Its run folder.
    pub dir: PathBuf,
    /// Its point in that folder.
    pub point: u32,
    /// What it is, for people: the folder, and for a sweep the point and
    /// its swept values.
    pub label: String,
    /// Its replicates (runs of the point).
    pub replicates: usize,
}

/// What a comparison found and where it was written.
#[derive(Clone, Debug)]
pub struct CompareOutcome {
    /// The first arm: differences are B − A.
    pub a: Arm,
    /// The second arm.
    pub b: Arm,
    /// How the replicates were compared.
    pub pairing: Pairing,
    /// The rows of `compare.csv`.
    pub rows: Vec<Row>,
    /// The rows of `compare_timeseries.csv`.
    pub years: Vec<YearRow>,
    /// The folder written.
    pub dir: PathBuf,
    /// The files written, in order.
    pub written: Vec<PathBuf>,
}

/// A run folder being read: its manifest, and a shared lock that keeps a
/// run from writing it meanwhile.
struct Folder {
    dir: PathBuf,
    manifest: Manifest,
    _lock: FolderLock,
}

impl Folder {
    /// Opens a complete, whole run folder.
    fn open(dir: &Path) -> Result<Folder> {
        crate::folder::location::require_folder(
            dir,
            "compare reads run folders written by `succession run`",
        )?;
        let lock = FolderLock::shared(dir)?;
        let manifest = Manifest::read_whole_run(dir)?;
        Ok(Folder {
            dir: dir.to_path_buf(),
            manifest,
            _lock: lock,
        })
    }

    /// The number of points of its study.
    fn points(&self) -> usize {
        self.manifest.identity.design.points.len().max(1)
    }

    /// Replicate → stream key of the runs of `point`.
    fn runs_of(&self, point: u32) -> BTreeMap<u32, &str> {
        self.manifest
            .runs
            .iter()
            .filter(|r| r.point == point)
            .map(|r| (r.replicate, r.stream_key.as_str()))
            .collect()
    }

    /// A value of the resolved scenario, as the manifest records it.
    fn scenario(&self, key: &str) -> &serde_json::Value {
        &self.manifest.scenario[key]
    }

    /// `out/x` or, in a sweep, `out/x, point 1 (path=value, ...)`.
    fn label(&self, point: u32) -> String {
        let design = &self.manifest.identity.design;
        if design.paths.is_empty() {
            return self.dir.display().to_string();
        }
        let values = design
            .points
            .get(point as usize)
            .map(|values| {
                design
                    .paths
                    .iter()
                    .zip(values)
                    .map(|(path, v)| format!("{path}={}", short_number(*v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        format!("{}, point {point} ({values})", self.dir.display())
    }
}

/// Compares the two arms of `request` and writes the comparison into
/// `request.out`. Every input is read and checked, and the output folder
/// too, before anything is written; every refusal is bad input naming the
/// file (and line).
pub fn compare(request: &CompareRequest) -> Result<CompareOutcome> {
    let (folders, points) = open_arms(request)?;
    let side = |i: usize| -> (&Folder, u32) { (&folders[i.min(folders.len() - 1)], points[i]) };
    let ((folder_a, a), (folder_b, b)) = (side(0), side(1));
    for (folder, point) in [(folder_a, a), (folder_b, b)] {
        if folder.runs_of(point).is_empty() {
            return Err(Error::BadInput(format!(
                "{}: {MANIFEST} lists no run of point {point}",
                folder.dir.display()
            )));
        }
    }
    let pairing = if request.unpaired {
        Pairing::Unpaired
    } else {
        if let Some(why) = why_not_paired(folder_a, a, folder_b, b, folders.len() == 1) {
            return Err(Error::BadInput(format!(
                "they do not pair by replicate: {why}; --unpaired compares them as independent samples (Welch intervals)"
            )));
        }
        Pairing::Paired
    };

    // The values, one read of each folder's files for both its points.
    let mut figures: Vec<BTreeMap<u32, Figures>> = Vec::new();
    let mut series: Vec<BTreeMap<u32, Series>> = Vec::new();
    for (i, folder) in folders.iter().enumerate() {
        let wanted: BTreeSet<u32> = if folders.len() == 1 {
            points.iter().copied().collect()
        } else {
            [points[i]].into()
        };
        figures.push(read_runs(folder, &wanted)?);
        series.push(read_capacity(folder, &wanted)?);
    }
    let last = folders.len() - 1;
    let rows = compare::figure_rows(pairing, &figures[0][&a], &figures[last][&b]);
    let (series_a, series_b) = (&series[0][&a], &series[last][&b]);
    if compare::common_years(series_a, series_b).is_empty() {
        return Err(Error::BadInput(format!(
            "{} and {}: their timeseries.csv share no year",
            folder_a.label(a),
            folder_b.label(b)
        )));
    }
    let years = compare::year_rows(pairing, series_a, series_b);

    let out = &request.out;
    check_out(out, request.force)?;

    let arm = |folder: &Folder, point: u32| Arm {
        dir: folder.dir.clone(),
        point,
        label: folder.label(point),
        replicates: folder.runs_of(point).len(),
    };
    let (arm_a, arm_b) = (arm(folder_a, a), arm(folder_b, b));
    let what = format!(
        "A = {}, B = {}; {}",
        arm_a.label,
        arm_b.label,
        pairing.phrase()
    );
    let info_a = ScenarioInfo::read(&folder_a.dir)?;
    let info_b = ScenarioInfo::read(&folder_b.dir)?;
    let name = if info_a.name == info_b.name {
        info_a.name.clone()
    } else {
        format!("{} vs {}", info_a.name, info_b.name)
    };
    let ran = match (info_a.ran_line(), info_b.ran_line()) {
        (Some(x), Some(y)) if x != y => vec![
            x.replacen("Ran ", "A ran ", 1),
            y.replacen("Ran ", "B ran ", 1),
        ],
        (x, y) => x.or(y).into_iter().collect(),
    };
    let chart = CompareChart {
        name,
        a: arm_a.label.clone(),
        b: arm_b.label.clone(),
        ran,
        pairing,
        policy_window: info_a
            .policy_window
            .filter(|w| Some(*w) == info_b.policy_window),
        rows: &years,
    };
    drop(folders);

    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written = Vec::new();
    let csv_path = out.join(COMPARE);
    output::write_atomically(&csv_path, compare::csv(&rows).as_bytes())?;
    written.push(csv_path);
    let timeseries_path = out.join(COMPARE_TIMESERIES);
    output::write_atomically(&timeseries_path, compare::timeseries_csv(&years).as_bytes())?;
    written.push(timeseries_path);
    written.extend(chart::draw_compare(&out.join(CHARTS_DIR), &chart)?);
    let mut package =
        serde_json::to_vec_pretty(&schema::compare_datapackage(&schema::compare(&what)))
            .map_err(|e| Error::Runtime(e.to_string()))?;
    package.push(b'\n');
    let package_path = out.join(schema::DATAPACKAGE);
    output::write_atomically(&package_path, &package)?;
    written.push(package_path);
    Ok(CompareOutcome {
        a: arm_a,
        b: arm_b,
        pairing,
        rows,
        years,
        dir: out.clone(),
        written,
    })
}

/// The folders of the request (one or two) and the points A and B.
fn open_arms(request: &CompareRequest) -> Result<(Vec<Folder>, [u32; 2])> {
    match (request.dirs.as_slice(), request.points) {
        ([dir], Some(points)) => {
            let folder = Folder::open(dir)?;
            let n = folder.points();
            if let Some(&point) = points.iter().find(|&&p| p as usize >= n) {
                return Err(Error::BadInput(format!(
                    "--points {} {}: {} lists points 0 to {}, no point {point}",
                    points[0],
                    points[1],
                    dir.join("points.csv").display(),
                    n - 1
                )));
            }
            Ok((vec![folder], points))
        }
        ([dir], None) => Err(Error::BadInput(format!(
            "{}: one run folder: name the two points to compare with --points A B, or give two run folders",
            dir.display()
        ))),
        ([_, _], Some(_)) => Err(Error::BadInput(
            "--points compares two points of one run folder; with two run folders, each holds the one point compared (drop --points)"
                .into(),
        )),
        ([a, b], None) => {
            let folders = vec![Folder::open(a)?, Folder::open(b)?];
            for folder in &folders {
                let n = folder.points();
                if n > 1 {
                    return Err(Error::BadInput(format!(
                        "{}: holds {n} sweep points; compare two of them with `succession compare {} --points A B`",
                        folder.dir.display(),
                        folder.dir.display()
                    )));
                }
            }
            Ok((folders, [0, 0]))
        }
        (dirs, _) => Err(Error::BadInput(format!(
            "compare takes one run folder (with --points A B) or two run folders, not {}",
            dirs.len()
        ))),
    }
}

/// Why point `a` of `folder_a` and point `b` of `folder_b` do not pair by
/// replicate, if they do not. They pair when replicate r of each drew the
/// same random streams: within one folder when its seeds are common (or
/// the point is the same), across two when both were written by the same
/// version of the tool and have the same seed, seed mode, years and
/// replicates; and in every case when the manifests record the same stream
/// key for each replicate.
fn why_not_paired(
    folder_a: &Folder,
    a: u32,
    folder_b: &Folder,
    b: u32,
    one_folder: bool,
) -> Option<String> {
    let (name_a, name_b) = (folder_a.label(a), folder_b.label(b));
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    if one_folder {
        let seeds = folder_a.scenario("seeds");
        if a != b && seeds.as_str() != Some("common") {
            return Some(format!(
                "{} says seeds = {}, so points {a} and {b} draw different random numbers",
                folder_a.dir.join(MANIFEST).display(),
                text(seeds)
            ));
        }
    } else {
        let (version_a, version_b) = (&folder_a.manifest.version, &folder_b.manifest.version);
        if version_a != version_b {
            return Some(format!(
                "{} was written by succession {version_a}, {} by {version_b}, which may draw its random numbers differently",
                folder_a.dir.display(),
                folder_b.dir.display()
            ));
        }
        for key in ["seed", "seeds"] {
            let (x, y) = (folder_a.scenario(key), folder_b.scenario(key));
            if x != y {
                return Some(format!(
                    "{} says {key} = {}, {} {key} = {}",
                    folder_a.dir.join(MANIFEST).display(),
                    text(x),
                    folder_b.dir.join(MANIFEST).display(),
                    text(y)
                ));
            }
        }
        let years = |f: &Folder| {
            (
                f.scenario("start_year").clone(),
                f.scenario("end_year").clone(),
            )
        };
        let ((from_a, to_a), (from_b, to_b)) = (years(folder_a), years(folder_b));
        if (&from_a, &to_a) != (&from_b, &to_b) {
            return Some(format!(
                "{name_a} runs {from_a}–{to_a} and {name_b} {from_b}–{to_b}: their years differ"
            ));
        }
    }
    let (runs_a, runs_b) = (folder_a.runs_of(a), folder_b.runs_of(b));
    if !runs_a.keys().eq(runs_b.keys()) {
        return Some(format!(
            "{name_a} has replicates {} and {name_b} replicates {}",
            replicate_list(runs_a.keys()),
            replicate_list(runs_b.keys())
        ));
    }
    runs_a
        .iter()
        .find(|(replicate, key)| runs_b.get(replicate) != Some(key))
        .map(|(replicate, _)| {
            format!(
                "replicate {replicate} of {name_a} and of {name_b} drew different random streams (stream_key in {MANIFEST})"
            )
        })
}

/// Replicate numbers as ranges: `0–3`, `0–3, 7`.
fn replicate_list<'a>(replicates: impl Iterator<Item = &'a u32>) -> String {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for &r in replicates {
        match ranges.last_mut() {
            Some((_, to)) if *to + 1 == r => *to = r,
            _ => ranges.push((r, r)),
        }
    }
    if ranges.is_empty() {
        return "none".to_string();
    }
    ranges
        .iter()
        .map(|&(from, to)| {
            if from == to {
                from.to_string()
            } else {
                format!("{from}–{to}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figures of the runs of `points` in `folder`'s `runs.csv`, by point
/// and replicate; every run of those points in the manifest must have
/// exactly one row, and every row of them be a run of the manifest.
fn read_runs(folder: &Folder, points: &BTreeSet<u32>) -> Result<BTreeMap<u32, Figures>> {
    let path = folder.dir.join("runs.csv");
    let mut reader = open_csv(&path)?;
    let header = reader.headers().map_err(|e| csv_error(&path, &e))?.clone();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            bad(
                &path,
                1,
                &format!("no `{name}` column (the columns of runs.csv are in README.md)"),
            )
        })
    };
    let (point_col, replicate_col) = (column("point")?, column("replicate")?);
    let figure_cols = FIGURES
        .iter()
        .map(|f| column(f.name))
        .collect::<Result<Vec<_>>>()?;
    let mut found: BTreeMap<u32, Figures> = points.iter().map(|&p| (p, Figures::new())).collect();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(&path, &e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        let (point, replicate) = run_of(&path, line, &record[point_col], &record[replicate_col])?;
        let Some(runs) = found.get_mut(&point) else {
            continue;
        };
        let values = FIGURES
            .iter()
            .zip(&figure_cols)
            .map(|(figure, &col)| parse_cell(&path, line, figure.name, &record[col]))
            .collect::<Result<Vec<_>>>()?;
        if !folder.runs_of(point).contains_key(&replicate) {
            return Err(bad(
                &path,
                line,
                &format!("point {point}, replicate {replicate} is not a run of {MANIFEST}"),
            ));
        }
        if runs.insert(replicate, values).is_some() {
            return Err(bad(
                &path,
                line,
                &format!("point {point}, replicate {replicate} is listed twice"),
            ));
        }
    }
    for (&point, runs) in &found {
        if let Some(replicate) = folder.runs_of(point).keys().find(|r| !runs.contains_key(r)) {
            return Err(bad(
                &path,
                0,
                &format!(
                    "no row of point {point}, replicate {replicate}, a run of {MANIFEST} (cut short?)"
                ),
            ));
        }
    }
    Ok(found)
}

/// The `point` and `replicate` cells of a row.
fn run_of(path: &Path, line: u64, point: &str, replicate: &str) -> Result<(u32, u32)> {
    let number = |column: &str, cell: &str| -> Result<u32> {
        let value = parse_integer(path, line, column, cell)?;
        u32::try_from(value).map_err(|_| {
            bad(
                path,
                line,
                &format!("column {column}: {value} is not a {column} number"),
            )
        })
    };
    Ok((number("point", point)?, number("replicate", replicate)?))
}

/// `capacity_mean` of the runs of `points` in `folder`'s `timeseries.csv`,
/// by point, replicate and year (streamed; other points' rows are checked
/// by the CSV reader and skipped).
fn read_capacity(folder: &Folder, points: &BTreeSet<u32>) -> Result<BTreeMap<u32, Series>> {
    let path = folder.dir.join("timeseries.csv");
    let mut reader = Timeseries::open(&path)?;
    reader.select(&["capacity_mean"])?;
    let mut found: BTreeMap<u32, Series> = points.iter().map(|&p| (p, Series::new())).collect();
    while let Some(point) = reader.next_point()? {
        let Some(runs) = found.get_mut(&point) else {
            continue;
        };
        let (replicate, year, value) = (reader.replicate()?, reader.year()?, reader.value(0)?);
        if !folder.runs_of(point).contains_key(&replicate) {
            return Err(bad(
                &path,
                reader.line(),
                &format!("point {point}, replicate {replicate} is not a run of {MANIFEST}"),
            ));
        }
        if runs
            .entry(replicate)
            .or_default()
            .insert(year, value)
            .is_some()
        {
            return Err(bad(
                &path,
                reader.line(),
                &format!("point {point}, replicate {replicate}, year {year} is listed twice"),
            ));
        }
    }
    for (&point, runs) in &found {
        if let Some(replicate) = folder.runs_of(point).keys().find(|r| !runs.contains_key(r)) {
            return Err(bad(
                &path,
                0,
                &format!(
                    "no rows of point {point}, replicate {replicate}, a run of {MANIFEST} (cut short?)"
                ),
            ));
        }
    }
    Ok(found)
}

/// The files `compare` writes into its folder, each replaced only with
/// `--force` and only when it reads as written by `compare`.
fn ours() -> [PathBuf; 5] {
    let chart = |ext: &str| Path::new(CHARTS_DIR).join(format!("{}.{ext}", chart::COMPARE_STEM));
    [
        PathBuf::from(COMPARE),
        PathBuf::from(COMPARE_TIMESERIES),
        PathBuf::from(schema::DATAPACKAGE),
        chart("png"),
        chart("svg"),
    ]
}

/// Refuses an output folder that cannot take the comparison: a path that
/// cannot be a folder, a run folder (its `datapackage.json` and `charts/`
/// are the run's), or one holding an earlier comparison's files without
/// `force`, or, with it, a file of those names that `compare` did not
/// write.
fn check_out(out: &Path, force: bool) -> Result<()> {
    crate::folder::location::check_location(out)?;
    if let Some(mark) = [MANIFEST, LOCK].iter().find(|m| out.join(m).exists()) {
        return Err(Error::BadInput(format!(
            "{}: a run folder (it holds {mark}), whose datapackage.json and charts are the run's; write the comparison into another folder (--out DIR)",
            out.display()
        )));
    }
    for name in ours() {
        let path = out.join(&name);
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !force {
            return Err(Error::BadInput(format!(
                "{}: holds an earlier comparison ({}); --force replaces it, or use another --out",
                out.display(),
                name.display()
            )));
        }
        if !(metadata.is_file() && written_by_compare(&path, &name)) {
            return Err(Error::BadInput(format!(
                "{}: not a file `succession compare` wrote, so --force does not replace it; use another --out",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Whether the file `path` (of [`ours`] `name`) starts as `compare` writes
/// it: the declared header, the package's name, a chart's format, size and
/// (SVG) title.
fn written_by_compare(path: &Path, name: &Path) -> bool {
    use std::io::Read;
    let mut start = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut start));
    if read.is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&start);
    let first = text.lines().next().unwrap_or_default();
    let header = |file: &str| {
        schema::compare("")
            .iter()
            .find(|r| r.path == file)
            .is_some_and(|r| r.header().trim_end() == first)
    };
    match name.extension().and_then(|e| e.to_str()) {
        Some("csv") => header(&name.to_string_lossy()),
        Some("json") => text.contains("\"succession-compare\""),
        // A PNG of the charts' size: the signature, then IHDR's width and
        // height.
        Some("png") => {
            start.len() >= 24
                && start[..8] == *b"\x89PNG\r\n\x1a\n"
                && start[16..20] == 1200u32.to_be_bytes()
                && start[20..24] == 800u32.to_be_bytes()
        }
        Some("svg") => {
            text.starts_with("<svg width=\"1200\" height=\"800\"")
                && text.contains(chart::COMPARE_TITLE)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicates_read_as_ranges() {
        assert_eq!(replicate_list([0, 1, 2, 3].iter()), "0–3");
        assert_eq!(replicate_list([0, 1, 2, 3, 7].iter()), "0–3, 7");
        assert_eq!(replicate_list([5].iter()), "5");
        assert_eq!(replicate_list([].iter()), "none");
    }

    #[test]
    fn only_the_tools_own_files_read_as_ours() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let csv = write(COMPARE, compare::csv(&[]).as_bytes());
        assert!(written_by_compare(&csv, Path::new(COMPARE)));
        let ts = write(COMPARE_TIMESERIES, compare::timeseries_csv(&[]).as_bytes());
        assert!(written_by_compare(&ts, Path::new(COMPARE_TIMESERIES)));
        // compare.csv's header is not compare_timeseries.csv's.
        assert!(!written_by_compare(&csv, Path::new(COMPARE_TIMESERIES)));
        let notes = write("notes.csv", b"figure,mine\n");
        assert!(!written_by_compare(&notes, Path::new(COMPARE)));
        let package = write("datapackage.json", b"{\"name\": \"succession-run\"}");
        assert!(!written_by_compare(&package, Path::new("datapackage.json")));
        let png = write(
            "a.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x04\xb0\0\0\x03\x20",
        );
        assert!(written_by_compare(
            &png,
            Path::new("charts/compare_capacity.png")
        ));
        let small = write(
            "b.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x04\xb0\0\0\x03\x21",
        );
        assert!(!written_by_compare(
            &small,
            Path::new("charts/compare_capacity.png")
        ));
        let svg = write(
            "c.svg",
            b"<svg width=\"1200\" height=\"800\"><text>mine</text>",
        );
        assert!(!written_by_compare(
            &svg,
            Path::new("charts/compare_capacity.svg")
        ));
    }
}
