//! Charts of a run folder, drawn from its CSV files alone (see
//! `docs/charts.md` for what each chart shows and how to read it).
//!
//! [`draw`] reads `points.csv`, `summary.csv`, the scenario part of
//! `manifest.json` and streams `timeseries.csv`, then writes PNG and SVG
//! files into `DIR/charts/`. Charts are a pure function of those files: the
//! same files give byte-identical charts, so `succession plot DIR` redraws
//! exactly what a run wrote.
//!
//! [`draw_posterior`] draws the posterior of a calibration search from its
//! folder's `posterior.csv` alone, the same way.
//!
//! Text uses DejaVu Sans embedded in the binary (`assets/`), so drawing
//! needs no system font and no font library.

mod compare;
mod data;
mod handover;
mod posterior;
mod sensitivity;
mod series;
mod style;
mod sweep;

pub use compare::{COMPARE_STEM, COMPARE_TITLE, CompareChart, compare_layout, draw_compare};
pub use data::{PointsTable, ScenarioInfo, short_number};
pub use handover::{HOLDERS, Handover, Matrix, TRANSITIONS, pair_color, pair_label};
pub use posterior::draw_posterior;
pub use sensitivity::{FigureIndices, read as read_sensitivity};
pub use sweep::{SweepLayout, sweep_layout};

use crate::model::params::{Cohort, IssueType};
use crate::{Error, Result};
use data::{PointSeries, Quantity, Summary};
use series::{Layer, StackChart, TimeChart, TimePanel, Trace};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
pub use style::TextBox;
use style::{Swatch, okabe_ito};
use sweep::{Figure, SweepChart};

/// Options of [`draw`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartOptions {
    /// The point whose cohorts and resolution are drawn (`--point N`);
    /// default: the first point of `points.csv`.
    pub point: Option<u32>,
}

/// The most points drawn as separate lines in the capacity chart; a larger
/// sweep shows its best, median and worst point instead.
pub const MAX_LINES: usize = 8;

/// The quantities streamed from `timeseries.csv`, in this order.
const QUANTITIES: [Quantity; 10] = [
    Quantity::Column("capacity_mean"),
    Quantity::Column("resolution_rate"),
    Quantity::Column("escalations_per_1000"),
    Quantity::SeatShare("share_revolutionary"),
    Quantity::SeatShare("share_experience"),
    Quantity::SeatShare("share_knowledge"),
    Quantity::Column("vacancy_rate"),
    Quantity::Column("resolution_interpersonal"),
    Quantity::Column("resolution_managerial"),
    Quantity::Column("resolution_technical"),
];
const CAPACITY: usize = 0;
const RESOLUTION: usize = 1;
const ESCALATIONS: usize = 2;
const SEATS_REVOLUTIONARY: usize = 3;
const SEATS_EXPERIENCE: usize = 4;
const SEATS_KNOWLEDGE: usize = 5;
const VACANCY: usize = 6;
const RESOLUTION_BY_TYPE: [(usize, &str, plotters::style::RGBColor); 3] = [
    (7, IssueType::Interpersonal.name(), okabe_ito::ORANGE),
    (8, IssueType::Managerial.name(), okabe_ito::SKY_BLUE),
    (9, IssueType::Technical.name(), okabe_ito::BLACK),
];

/// Draws every chart of the run folder `dir` into `dir/charts/` and returns
/// the files written (PNG and SVG of each chart, in a fixed order).
///
/// Without `--point`: always `capacity`, `cohorts` and `resolution`, then
/// `handover` when the folder holds `transitions.csv`; for a sweep also
/// `sweep_policy_capacity` and `sweep_trough_capacity`. With `--point N`
/// only the charts of one point, as `cohorts_point-N`, `resolution_point-N`
/// (and `handover_point-N`), so the charts of the whole run stay as they
/// were.
/// A missing or malformed CSV file is [`Error::BadInput`] naming the file
/// and line.
pub fn draw(dir: &Path, options: &ChartOptions) -> Result<Vec<PathBuf>> {
    let charts_dir = dir.join("charts");
    let mut created = false;
    let written = each_chart(dir, options, |stem, chart| {
        if !created {
            std::fs::create_dir_all(&charts_dir).map_err(|e| Error::io(&charts_dir, e))?;
            created = true;
        }
        style::write_painter(&charts_dir, stem, chart)
    })?;
    Ok(written.into_iter().flatten().collect())
}

/// The text boxes of every chart [`draw`] would write for `dir`, by stem,
/// without writing anything: the layout tests check that no two overlap.
pub fn text_layout(dir: &Path, options: &ChartOptions) -> Result<Vec<(String, Vec<TextBox>)>> {
    each_chart(dir, options, |stem, chart| {
        Ok((stem.to_string(), style::text_boxes(chart)?))
    })
}

/// The stems of the charts [`draw`] writes for `dir`, in its order,
/// without drawing or writing anything.
pub fn stems(dir: &Path, options: &ChartOptions) -> Result<Vec<String>> {
    each_chart(dir, options, |stem, _| Ok(stem.to_string()))
}

/// One chart, ready to draw.
enum Chart<'a> {
    Time(TimeChart),
    Stack(StackChart),
    Sweep(SweepChart<'a>),
    Sensitivity(sensitivity::SensitivityChart),
    Handover(handover::HandoverChart),
}

impl style::Painter for Chart<'_> {
    fn paint<DB>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> style::Drawn
    where
        DB: plotters::prelude::DrawingBackend,
        DB::ErrorType: 'static,
    {
        match self {
            Chart::Time(chart) => chart.paint(root),
            Chart::Stack(chart) => chart.paint(root),
            Chart::Sweep(chart) => chart.paint(root),
            Chart::Sensitivity(chart) => chart.paint(root),
            Chart::Handover(chart) => chart.paint(root),
        }
    }
}

/// Reads the folder's files and hands each chart, with its file stem, to
/// `visit`, in the order of [`draw`].
fn each_chart<T>(
    dir: &Path,
    options: &ChartOptions,
    mut visit: impl FnMut(&str, &Chart<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    // The time series is the one file every chart needs; report its absence
    // first, so an empty or wrong folder gets the most telling message.
    crate::folder::location::require_folder(
        dir,
        "charts are drawn from a run folder written by `succession run`",
    )?;
    let timeseries_path = dir.join("timeseries.csv");
    if !timeseries_path.is_file() {
        return Err(Error::BadInput(format!(
            "{}: not found (charts are drawn from a run folder written by `succession run`)",
            timeseries_path.display()
        )));
    }
    let points = PointsTable::read(&dir.join("points.csv"))?;
    let info = ScenarioInfo::read(dir)?;
    let layout = sweep_layout(&points);
    let whole_run = options.point.is_none();
    let summary = if whole_run && (layout != SweepLayout::Single || points.ids.len() > MAX_LINES) {
        Some(Summary::read(&dir.join("summary.csv"))?)
    } else {
        None
    };

    let focus = match options.point {
        Some(id) => {
            if points.index_of(id).is_none() {
                return Err(Error::BadInput(format!(
                    "--point {id}: {} lists no point {id} (it lists {} point(s), from {})",
                    dir.join("points.csv").display(),
                    points.ids.len(),
                    points.ids[0]
                )));
            }
            id
        }
        None => points.ids[0],
    };
    let lines = if whole_run {
        capacity_lines(&points, summary.as_ref())
    } else {
        Vec::new()
    };
    let wanted: BTreeSet<u32> = lines
        .iter()
        .map(|l| l.0)
        .chain(std::iter::once(focus))
        .collect();
    let series = data::stream_timeseries(&timeseries_path, &wanted, &QUANTITIES)?;
    // Only a run that wrote the hand-over has one (not an older folder);
    // read before any chart is drawn, so a malformed file leaves none.
    let transitions = dir.join(TRANSITIONS);
    let handover = if transitions.is_file() {
        Some(Handover::read(&transitions, focus)?)
    } else {
        None
    };

    style::register_font()?;
    let mut out = Vec::new();
    // `--point N` names its files after the point: they sit next to the
    // whole run's charts instead of replacing them.
    let suffix = match options.point {
        Some(id) => format!("_point-{id}"),
        None => String::new(),
    };

    if whole_run {
        let capacity = capacity_chart(&info, &points, &series, &lines);
        out.push(visit("capacity", &Chart::Time(capacity))?);
    }
    let focus_series = &series[&focus];
    let focus_label = point_phrase(&points, focus);
    let cohorts = cohort_chart(&info, focus_series, &focus_label);
    out.push(visit(&format!("cohorts{suffix}"), &Chart::Stack(cohorts))?);
    let resolution = resolution_chart(&info, focus_series, &focus_label);
    out.push(visit(
        &format!("resolution{suffix}"),
        &Chart::Time(resolution),
    )?);
    if let Some(flows) = &handover {
        let chart = handover::chart(&info, flows, &focus_label);
        out.push(visit(
            &format!("handover{suffix}"),
            &Chart::Handover(chart),
        )?);
    }

    // A sensitivity design is not a sweep to read point by point: its
    // charts are the indices.
    let indices_path = dir.join(crate::folder::schema::SENSITIVITY);
    if whole_run && indices_path.is_file() {
        for indices in sensitivity::read(&indices_path)? {
            let stem = format!("sensitivity_{}", indices.figure);
            let chart = sensitivity_chart(&info, points.ids.len(), indices);
            out.push(visit(&stem, &Chart::Sensitivity(chart))?);
        }
    } else if let Some(summary) = summary.as_ref().filter(|_| layout != SweepLayout::Single) {
        for figure in sweep_figures(&info) {
            let stem = format!("sweep_{}", figure.key);
            let chart = sweep_chart(&info, &points, summary, figure, layout.clone());
            out.push(visit(&stem, &Chart::Sweep(chart))?);
        }
    }
    Ok(out)
}

/// The points drawn as capacity lines, with their legend labels: every
/// point of a small sweep, else the best, median and worst by policy-window
/// capacity (ties to the lower point number, so the choice is stable; a tie
/// for best or worst is said in the label).
fn capacity_lines(points: &PointsTable, summary: Option<&Summary>) -> Vec<(u32, String)> {
    if points.ids.len() <= MAX_LINES {
        return (0..points.ids.len())
            .map(|idx| (points.ids[idx], points.label(idx)))
            .collect();
    }
    let mut ranked: Vec<(f64, u32, usize)> = (0..points.ids.len())
        .filter_map(|idx| {
            let id = points.ids[idx];
            summary
                .and_then(|s| s.get("policy_capacity", id).mean)
                .map(|v| (v, id, idx))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    if ranked.is_empty() {
        // No policy-window figure to rank by: show the first point.
        return vec![(points.ids[0], points.label(0))];
    }
    // Equal values are ranked by point number, so the first of a run of
    // ties is its lowest-numbered point; the worst is the first of the
    // last value's ties, not the last point listed.
    let last_value = ranked[ranked.len() - 1].0;
    let worst = ranked
        .iter()
        .position(|r| r.0 == last_value)
        .expect("the last value is in the ranking");
    let picks = [
        ("best", 0),
        ("median", (ranked.len() - 1) / 2),
        ("worst", worst),
    ];
    let mut lines: Vec<(u32, String)> = Vec::new();
    for (role, rank) in picks {
        let (value, id, idx) = ranked[rank];
        let ties = ranked.iter().filter(|r| r.0 == value).count();
        if lines.iter().all(|l| l.0 != id) {
            let label = if ties > 1 && role != "median" {
                format!(
                    "{role}: {ties} points tie, lowest-numbered shown: point {id}, {}",
                    points.label(idx)
                )
            } else {
                format!("{role}: {}", points.label(idx))
            };
            lines.push((id, label));
        }
    }
    lines
}

/// "point 3 (a=1, b=2)" for a sweep, "" otherwise.
fn point_phrase(points: &PointsTable, id: u32) -> String {
    let idx = points
        .index_of(id)
        .expect("the focus is checked against points.csv, or its first point");
    if points.paths.is_empty() {
        String::new()
    } else {
        format!("point {id} ({})", points.label(idx))
    }
}

fn replicates_phrase(series: &PointSeries) -> String {
    match series.replicates.len() {
        1 => "1 replicate (no interval)".to_string(),
        n => format!("{n} replicates"),
    }
}

fn capacity_chart(
    info: &ScenarioInfo,
    points: &PointsTable,
    series: &BTreeMap<u32, PointSeries>,
    lines: &[(u32, String)],
) -> TimeChart {
    let single = points.paths.is_empty();
    let n_replicates = lines
        .iter()
        .map(|(id, _)| series[id].replicates.len())
        .max()
        .unwrap_or(0);
    let traces: Vec<Trace> = lines
        .iter()
        .enumerate()
        .map(|(line_idx, (id, label))| {
            let (label, color) = if single {
                (
                    format!("mean over {n_replicates} replicate(s)"),
                    okabe_ito::BLUE,
                )
            } else {
                (label.clone(), style::SERIES[line_idx % style::SERIES.len()])
            };
            Trace::of(&series[id], CAPACITY, label, color)
        })
        .collect();
    let mut subtitles = header_lines(info);
    if points.ids.len() > lines.len() {
        subtitles.push(format!(
            "{} of {} points shown: the best, median and worst by mean capacity over the policy window",
            lines.len(),
            points.ids.len()
        ));
    }
    subtitles.push(format!(
        "Mean over communities and {n_replicates} replicate(s); band: 95% interval of the mean across replicates"
    ));
    let y_desc = "governance capacity (share of issues resolved)".to_string();
    let mut panels = vec![TimePanel {
        y_desc: y_desc.clone(),
        y_limits: (Some(0.0), Some(1.0)),
        traces: traces.clone(),
        years: None,
        shade_window: true,
        caption: None,
    }];
    // The differences that matter are a few hundredths inside the policy
    // window, invisible on an axis that must also hold the first years'
    // climb from empty seats; a second panel zooms into the window.
    let data_years = lines
        .first()
        .and_then(|(id, _)| {
            let years = &series[id].years;
            Some((*years.keys().next()?, *years.keys().next_back()?))
        })
        .unwrap_or((0, 0));
    if let Some((from, to)) = info.policy_window {
        let (from, to) = (from.max(data_years.0), to.min(data_years.1));
        if from < to && (from, to) != data_years {
            panels[0].caption = Some("whole run".to_string());
            panels[0].y_desc = String::new();
            panels.push(TimePanel {
                y_desc: String::new(),
                y_limits: (Some(0.0), Some(1.0)),
                traces,
                years: Some((from, to)),
                shade_window: false,
                caption: Some(format!("policy window {from}–{to}")),
            });
        }
    }
    let band_color = if lines.len() == 1 {
        okabe_ito::BLUE
    } else {
        plotters::style::RGBColor(120, 120, 120)
    };
    let shared_y_desc = (panels.len() > 1).then_some(y_desc);
    TimeChart {
        title: format!("Governance capacity — {}", info.name),
        subtitles,
        panels,
        shared_y_desc,
        window: info.policy_window,
        extra_legend: if n_replicates > 1 {
            vec![("95% interval".to_string(), Swatch::Fill(band_color, 0.25))]
        } else {
            Vec::new()
        },
    }
}

fn cohort_chart(info: &ScenarioInfo, series: &PointSeries, point: &str) -> StackChart {
    let layer = |q: usize, label: &str, color| Layer {
        label: label.to_string(),
        color,
        values: series.of(q).map(|(year, acc)| (year, acc.mean())).collect(),
    };
    let mut subtitles = header_lines(info);
    // The point's values get a line of their own: with them the line would
    // not fit the chart's width.
    if !point.is_empty() {
        subtitles.push(capitalise(point));
    }
    subtitles.push(capitalise(&format!(
        "mean over {}; each cohort's share of seated leaders × (1 − vacancy rate), stacked with the vacancy rate",
        replicates_phrase(series)
    )));
    StackChart {
        title: format!("Seats by elite cohort — {}", info.name),
        subtitles,
        y_desc: "share of all seats (layers sum to 1)".to_string(),
        layers: vec![
            layer(
                SEATS_REVOLUTIONARY,
                Cohort::Revolutionary.name(),
                style::REVOLUTIONARY,
            ),
            layer(
                SEATS_EXPERIENCE,
                Cohort::Experience.name(),
                style::EXPERIENCE,
            ),
            layer(SEATS_KNOWLEDGE, Cohort::Knowledge.name(), style::KNOWLEDGE),
            layer(VACANCY, "vacant", style::VACANT),
        ],
        window: info.policy_window,
    }
}

fn resolution_chart(info: &ScenarioInfo, series: &PointSeries, point: &str) -> TimeChart {
    let mut subtitles = header_lines(info);
    let which = if point.is_empty() {
        String::new()
    } else {
        format!("{point}; ")
    };
    subtitles.push(capitalise(&format!(
        "{which}pooled over communities, mean over {}; bands: 95% interval across replicates",
        replicates_phrase(series)
    )));
    let mut rate = vec![Trace::of(
        series,
        RESOLUTION,
        "all issues".to_string(),
        okabe_ito::BLUE,
    )];
    for (q, name, color) in RESOLUTION_BY_TYPE {
        let mut trace = Trace::of(series, q, format!("{name} issues"), color);
        // Thin and without band: context for the main line, not rivals.
        trace.width = 2;
        trace.band = false;
        rate.push(trace);
    }
    TimeChart {
        title: format!("Issue resolution and escalation — {}", info.name),
        subtitles,
        panels: vec![
            TimePanel {
                y_desc: "resolution rate (resolved / arising)".to_string(),
                y_limits: (Some(0.0), Some(1.0)),
                traces: rate,
                years: None,
                shade_window: true,
                caption: None,
            },
            TimePanel {
                y_desc: "escalations per 1000 issues".to_string(),
                y_limits: (Some(0.0), None),
                traces: vec![Trace::of(
                    series,
                    ESCALATIONS,
                    "escalations per 1000 issues".to_string(),
                    okabe_ito::REDDISH_PURPLE,
                )],
                years: None,
                shade_window: true,
                caption: None,
            },
        ],
        window: info.policy_window,
        extra_legend: Vec::new(),
        shared_y_desc: None,
    }
}

fn sweep_figures(info: &ScenarioInfo) -> [Figure; 2] {
    let window = info
        .policy_window
        .map_or("the policy window".to_string(), |(a, b)| format!("{a}–{b}"));
    [
        Figure {
            key: "policy_capacity",
            axis: format!("capacity, mean over {window} (share resolved)"),
            meaning: format!("mean governance capacity over {window}"),
            limits: (Some(0.0), Some(1.0)),
        },
        Figure {
            key: "trough_capacity",
            axis: "trough capacity (share resolved)".to_string(),
            meaning: "succession trough: the lowest yearly mean capacity after the burn-in years"
                .to_string(),
            limits: (Some(0.0), Some(1.0)),
        },
    ]
}

fn sweep_chart<'a>(
    info: &ScenarioInfo,
    points: &'a PointsTable,
    summary: &'a Summary,
    figure: Figure,
    layout: SweepLayout,
) -> SweepChart<'a> {
    let n = summary.max_replicates();
    let (kind, how) = match &layout {
        SweepLayout::Heatmap { .. } => (
            "across the grid",
            format!("cell: mean over {n} replicate(s), ± half-width of its 95% interval"),
        ),
        SweepLayout::Panels { .. } => (
            "by swept parameter",
            format!(
                "one dot per point (mean over {n} replicate(s)) with its own 95% interval; points differ in several parameters at once"
            ),
        ),
        _ => (
            "across the sweep",
            format!("mean over {n} replicate(s) per point; bars: 95% interval across replicates"),
        ),
    };
    let title = match figure.key {
        "policy_capacity" => format!("Policy-window capacity {kind} — {}", info.name),
        _ => format!("Succession trough {kind} — {}", info.name),
    };
    let mut subtitles = header_lines(info);
    subtitles.extend([capitalise(&figure.meaning), capitalise(&how)]);
    SweepChart {
        title,
        subtitles,
        points,
        summary,
        figure,
        layout,
    }
}

/// The lines every chart starts its subtitle with: the description and
/// what ran (counts and overrides).
/// The chart of one figure's sensitivity indices.
fn sensitivity_chart(
    info: &ScenarioInfo,
    n_points: usize,
    indices: sensitivity::FigureIndices,
) -> sensitivity::SensitivityChart {
    let morris = indices.indices.iter().any(|i| i == "mu_star");
    let (title, how) = if morris {
        (
            format!(
                "Morris elementary effects of {} — {}",
                indices.figure, info.name
            ),
            format!(
                "{} design points (trajectories of one step per parameter); each point's value is the figure's mean over replicates",
                n_points
            ),
        )
    } else {
        (
            format!("Sobol' indices of {} — {}", indices.figure, info.name),
            format!(
                "{} design points (Saltelli's scheme); each point's value is the figure's mean over replicates",
                n_points
            ),
        )
    };
    let mut subtitles = header_lines(info);
    subtitles.push(capitalise(&how));
    sensitivity::SensitivityChart {
        title,
        subtitles,
        indices,
    }
}

fn header_lines(info: &ScenarioInfo) -> Vec<String> {
    info.description
        .iter()
        .cloned()
        .chain(info.ran_line())
        .collect()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heatmap_cells_share_one_format() {
        assert_eq!(sweep::cell_decimals(&[0.01, 0.022]), 3);
        assert_eq!(sweep::cell_decimals(&[0.001, 0.0022]), 4);
        assert_eq!(sweep::cell_decimals(&[2.2e-4, 0.001]), 5);
        assert_eq!(sweep::cell_decimals(&[]), 3);
    }
}
