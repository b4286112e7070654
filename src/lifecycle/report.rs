//! `succession report DIR`: one self-contained HTML page of a run folder,
//! `DIR/report.html`: the scenario (name, description, every resolved
//! parameter), the summary figures with their intervals, every chart
//! (inline SVG), the hand-over of seats between cohorts by decade, the
//! sensitivity and comparison results where the folder has them, and the
//! provenance from `manifest.json`.
//!
//! Everything is read and checked before anything is written; the page
//! is built by the pure [`html::page`] and written through the one atomic
//! writer. A folder whose charts are missing gets them drawn first.

pub mod html;

use crate::chart::{self, ChartOptions, Handover, PointsTable, ScenarioInfo};
use crate::folder::layout::{self, CHARTS_DIR, REPORT};
use crate::folder::lock::FolderLock;
use crate::folder::manifest::Manifest;
use crate::folder::read::Table;
use crate::folder::{output, schema};
use crate::study::summary::FIGURES;
use crate::{Error, Result};
use html::{
    Chart, CompareRow, Comparison, DecadeRow, DecadeTable, FigureCells, FigureRow, IndexTable,
    Page, PointSummary, SafeSvg,
};
use std::path::{Path, PathBuf};

/// The most points whose summary figures the page lists (a larger sweep's
/// are in `summary.csv`; its charts show them all).
pub const MAX_POINTS: usize = 50;

/// A request to write the report of a run folder.
#[derive(Clone, Debug)]
pub struct ReportRequest {
    /// The run folder.
    pub dir: PathBuf,
}

/// What [`report`] wrote.
#[derive(Clone, Debug)]
pub struct ReportOutcome {
    /// The page.
    pub path: PathBuf,
    /// The charts drawn first because the folder lacked some (empty when
    /// it had them all).
    pub drawn: Vec<PathBuf>,
}

/// Writes `DIR/report.html` for the run folder `request.dir`. A missing
/// folder, one without `manifest.json`, an incomplete run or a shard is
/// bad input, and nothing is written.
pub fn report(request: &ReportRequest) -> Result<ReportOutcome> {
    let dir = &request.dir;
    crate::folder::location::require_folder(
        dir,
        "a report is written for a run folder written by `succession run`",
    )?;
    let manifest = Manifest::read_whole_run(dir)?;
    let _lock = FolderLock::exclusive(dir, "`succession report`")?;
    let mut page = gather(dir, &manifest)?;

    // The charts, in the order `plot` draws them; drawn first if any is
    // missing (they are a pure function of the files, so drawing them
    // again changes no chart that is there).
    let options = ChartOptions::default();
    let stems = chart::stems(dir, &options)?;
    let svg_path = |stem: &str| dir.join(CHARTS_DIR).join(format!("{stem}.svg"));
    let drawn = if stems.iter().all(|s| svg_path(s).is_file()) {
        Vec::new()
    } else {
        chart::draw(dir, &options)?
    };
    page.charts = stems
        .iter()
        .map(|stem| Chart {
            stem: stem.clone(),
            svg: read_svg(&svg_path(stem)),
        })
        .collect();

    let path = dir.join(REPORT);
    output::write_atomically(&path, html::page(&page).as_bytes())?;
    Ok(ReportOutcome { path, drawn })
}

/// An SVG file, checked for the page.
fn read_svg(path: &Path) -> std::result::Result<SafeSvg, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it ({e})"))?;
    SafeSvg::new(&text).map_err(|why| format!("not a chart as the tool draws it ({why})"))
}

/// Everything but the charts, read from the folder's files.
fn gather(dir: &Path, manifest: &Manifest) -> Result<Page> {
    let scenario = &manifest.identity.scenario;
    let info = ScenarioInfo::read(dir)?;
    let points = PointsTable::read(&dir.join("points.csv"))?;
    let (summaries, points_left_out) = summaries(dir, &points)?;
    let first = points.ids[0];
    let transitions = dir.join(chart::TRANSITIONS);
    let handover = if transitions.is_file() {
        let handover = Handover::read(&transitions, first)?;
        let point = if points.paths.is_empty() {
            String::new()
        } else {
            format!("Point {first} ({})", points.label(0))
        };
        Ok(decades(&handover, point))
    } else {
        Err(format!(
            "This run folder has no {} (a run of an earlier version of succession): no hand-over to show.",
            chart::TRANSITIONS
        ))
    };
    let sensitivity_path = dir.join(schema::SENSITIVITY);
    let sensitivity = if sensitivity_path.is_file() {
        sensitivity(&sensitivity_path)?
    } else {
        Vec::new()
    };
    Ok(Page {
        name: info.name.clone(),
        description: info.description.clone(),
        folder: dir.display().to_string(),
        facts: facts(manifest, &info, &points),
        parameters: flatten(scenario),
        summaries,
        points_left_out,
        charts: Vec::new(),
        handover,
        sensitivity,
        comparisons: comparisons(dir)?,
        provenance: provenance(manifest),
    })
}

/// A JSON value as a cell: a string as it is, anything else compact.
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "none".to_string(),
        other => other.to_string(),
    }
}

fn facts(manifest: &Manifest, info: &ScenarioInfo, points: &PointsTable) -> Vec<(String, String)> {
    let s = &manifest.scenario;
    let mut facts = Vec::new();
    let mut fact = |what: &str, value: String| facts.push((what.to_string(), value));
    fact(
        "years",
        format!(
            "{}–{}",
            json_text(&s["start_year"]),
            json_text(&s["end_year"])
        ),
    );
    if let Some((from, to)) = info.policy_window {
        fact("policy window", format!("{from}–{to}"));
    }
    if let Some(n) = info.communities {
        fact("communities per run", n.to_string());
    }
    if let Some(n) = manifest.replicates() {
        fact("replicates per point", n.to_string());
    }
    fact(
        "seed",
        format!(
            "{} (seeds {})",
            json_text(&s["seed"]),
            json_text(&s["seeds"])
        ),
    );
    if !points.paths.is_empty() {
        fact(
            "design",
            format!(
                "{} points over {}",
                points.ids.len(),
                points.paths.join(", ")
            ),
        );
    }
    if !manifest.overrides.is_empty() {
        fact("--set", manifest.overrides.join(" "));
    }
    if !manifest.snapshots.is_empty() {
        let years: Vec<String> = manifest.snapshots.iter().map(i32::to_string).collect();
        fact("snapshots", years.join(", "));
    }
    facts
}

/// The resolved scenario as (path, value) rows, in the order of its keys:
/// a table's keys joined by dots, a list of named tables (the channels) by
/// their names, anything else written as compact JSON.
fn flatten(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        let join = |key: &str| {
            if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}.{key}")
            }
        };
        match value {
            serde_json::Value::Object(map) if !map.is_empty() => {
                for (key, v) in map {
                    walk(&join(key), v, out);
                }
            }
            serde_json::Value::Array(items)
                if !items.is_empty() && items.iter().all(|i| i["name"].is_string()) =>
            {
                for item in items {
                    let name = item["name"].as_str().unwrap_or_default();
                    if let serde_json::Value::Object(map) = item {
                        for (key, v) in map.iter().filter(|(k, _)| *k != "name") {
                            walk(&join(&format!("{name}.{key}")), v, out);
                        }
                    }
                }
            }
            other => out.push((prefix.to_string(), json_text(other))),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

fn summaries(dir: &Path, points: &PointsTable) -> Result<(Vec<PointSummary>, usize)> {
    let table = Table::read(&dir.join("summary.csv"))?;
    let point_col = table.require("point")?;
    let replicates_col = table.require("replicates")?;
    let mut out = Vec::new();
    for row in 0..table.rows.len().min(MAX_POINTS) {
        let id = table.text(row, point_col).to_string();
        let heading = match id.parse::<u32>().ok().and_then(|p| points.index_of(p)) {
            Some(idx) if !points.paths.is_empty() => format!("Point {id}: {}", points.label(idx)),
            _ if !points.paths.is_empty() => format!("Point {id}"),
            _ => String::new(),
        };
        let replicates = match table.text(row, replicates_col) {
            "1" => "1 replicate".to_string(),
            n => format!("{n} replicates"),
        };
        let mut rows = Vec::new();
        for figure in &FIGURES {
            let cell = |suffix: &str| -> Result<Option<f64>> {
                match table.column(&format!("{}_{suffix}", figure.name)) {
                    Some(col) => table.number(row, col),
                    None => Ok(None),
                }
            };
            let cells = if table.column(&format!("{}_mean", figure.name)).is_some() {
                FigureCells::Interval {
                    mean: cell("mean")?,
                    lo: cell("lo")?,
                    hi: cell("hi")?,
                }
            } else if table.column(&format!("{}_median", figure.name)).is_some() {
                FigureCells::Year {
                    median: cell("median")?,
                    min: cell("min")?,
                    max: cell("max")?,
                }
            } else {
                continue;
            };
            rows.push(FigureRow {
                figure: figure.name.to_string(),
                unit: figure.unit.to_string(),
                meaning: figure.meaning.to_string(),
                cells,
            });
        }
        out.push(PointSummary {
            heading,
            replicates,
            rows,
        });
    }
    Ok((out, table.rows.len().saturating_sub(MAX_POINTS)))
}

/// The hand-over summed by decade.
fn decades(handover: &Handover, point: String) -> DecadeTable {
    let pairs = handover.moving_pairs();
    let mut rows: Vec<DecadeRow> = Vec::new();
    for (&year, matrix) in &handover.years {
        let decade = year.div_euclid(10);
        let row = match rows.last_mut() {
            Some(row) if row.years.0.div_euclid(10) == decade => row,
            _ => {
                rows.push(DecadeRow {
                    years: (year, year),
                    seats: matrix.iter().flatten().sum(),
                    cells: vec![0.0; pairs.len()],
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.years.1 = year;
        for (cell, &(from, to)) in row.cells.iter_mut().zip(&pairs) {
            *cell += matrix[from][to];
        }
    }
    DecadeTable {
        point,
        replicates: handover.replicates.len(),
        pairs,
        rows,
    }
}

/// `sensitivity.csv` grouped by figure, then parameter, in file order, as
/// the chart module reads it.
fn sensitivity(path: &Path) -> Result<Vec<IndexTable>> {
    Ok(chart::read_sensitivity(path)?
        .into_iter()
        .map(|figure| IndexTable {
            rows: figure
                .parameters
                .into_iter()
                .zip(figure.estimates)
                .map(|(parameter, mut estimates)| {
                    estimates.resize(figure.indices.len(), (None, None, None));
                    (parameter, estimates)
                })
                .collect(),
            figure: figure.figure,
            indices: figure.indices,
        })
        .collect())
}

/// The comparisons of the folder: its own `compare.csv`, then those of its
/// sub-folders (`succession compare DIR --points A B --out DIR/compare`),
/// by name.
fn comparisons(dir: &Path) -> Result<Vec<Comparison>> {
    let mut folders = vec![String::new()];
    let mut subs: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let is_dir = entry.file_type().ok()?.is_dir();
            let ours = name == CHARTS_DIR || name == layout::PARTS_DIR;
            (is_dir && !ours && !layout::is_shard_folder_name(&name)).then_some(name)
        })
        .collect();
    subs.sort();
    folders.extend(subs);
    let mut out = Vec::new();
    for folder in folders {
        let base = dir.join(&folder);
        let path = base.join(crate::lifecycle::compare::COMPARE);
        if !path.is_file() {
            continue;
        }
        let table = Table::read(&path)?;
        let names = [
            "figure",
            "a_mean",
            "b_mean",
            "diff_mean",
            "diff_lo",
            "diff_hi",
            "diff_sd",
            "n",
        ];
        let cols = names
            .map(|name| table.require(name))
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        let mut rows = Vec::new();
        for row in 0..table.rows.len() {
            let mut values = [None; 6];
            for (value, &col) in values.iter_mut().zip(&cols[1..7]) {
                *value = table.number(row, col)?;
            }
            rows.push(CompareRow {
                figure: table.text(row, cols[0]).to_string(),
                values,
                n: table.text(row, cols[7]).to_string(),
            });
        }
        let svg = base
            .join(CHARTS_DIR)
            .join(format!("{}.svg", chart::COMPARE_STEM));
        out.push(Comparison {
            what: compared(&base),
            chart: svg.is_file().then(|| read_svg(&svg)),
            folder,
            rows,
        });
    }
    Ok(out)
}

/// What A and B of the comparison in `dir` are: the end of its
/// `compare.csv` description in `datapackage.json` ("A = …, B = …; paired
/// by replicate …"), if it reads so.
fn compared(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(schema::DATAPACKAGE)).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let resources = json["resources"].as_array()?;
    let description = resources
        .iter()
        .find(|r| r["path"] == crate::lifecycle::compare::COMPARE)?["description"]
        .as_str()?;
    description
        .split_once("B − A; ")
        .map(|(_, what)| what.to_string())
}

/// `text` as one shell word.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn provenance(manifest: &Manifest) -> Vec<(String, String)> {
    let mut command = vec![
        "succession".to_string(),
        "run".to_string(),
        shell_word(&manifest.scenario_file),
    ];
    for set in &manifest.overrides {
        command.push("--set".to_string());
        command.push(shell_word(set));
    }
    for year in &manifest.snapshots {
        command.push("--snapshot".to_string());
        command.push(year.to_string());
    }
    if let Some(fraction) = manifest.identity.events {
        command.push("--events".to_string());
        if fraction < 1.0 {
            command.push(format!("--events-sample {fraction}"));
        }
    }
    if manifest.identity.trajectories > 0 {
        command.push(format!("--trajectories {}", manifest.identity.trajectories));
    }
    let s = &manifest.scenario;
    let mut rows = vec![
        (
            "written by".to_string(),
            format!("{} {}", manifest.tool, manifest.version),
        ),
        ("status".to_string(), manifest.status.to_string()),
        ("command".to_string(), command.join(" ")),
        ("scenario file".to_string(), manifest.scenario_file.clone()),
        (
            "seed".to_string(),
            format!(
                "{} (seeds {})",
                json_text(&s["seed"]),
                json_text(&s["seeds"])
            ),
        ),
        ("started".to_string(), manifest.started.clone()),
        (
            "finished".to_string(),
            manifest.finished.clone().unwrap_or_else(|| "–".to_string()),
        ),
    ];
    if let Some(seconds) = manifest.seconds {
        rows.push(("wall time".to_string(), format!("{seconds:.1} s")));
    }
    rows.push(("threads".to_string(), manifest.threads.to_string()));
    rows.push(("runs".to_string(), manifest.runs.len().to_string()));
    rows.push((
        "this page".to_string(),
        format!(
            "written by succession {} (`succession report`) from the folder's files",
            env!("CARGO_PKG_VERSION")
        ),
    ));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_flattens_to_registry_paths() {
        let scenario = serde_json::json!({
            "capacity": {"beta": {"scale": 1.0}},
            "channels": [{"name": "school", "supply": {"scale": 2.0}}],
            "policy_window": [2000, 2030],
            "name": "x",
        });
        assert_eq!(
            flatten(&scenario),
            [
                ("capacity.beta.scale", "1.0"),
                ("channels.school.supply.scale", "2.0"),
                ("name", "x"),
                ("policy_window", "[2000,2030]"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_word("scenarios/baseline.toml"),
            "scenarios/baseline.toml"
        );
        assert_eq!(shell_word("capacity.beta=9"), "capacity.beta=9");
        assert_eq!(
            shell_word("promotion.openness=[[2000, 0.1]]"),
            "'promotion.openness=[[2000, 0.1]]'"
        );
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
