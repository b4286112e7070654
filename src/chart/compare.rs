//! The chart of `succession compare`: the difference B − A of mean
//! governance capacity per year, with its 95% band and a zero line, drawn
//! from the rows written to `compare_timeseries.csv` (the same numbers, so
//! a notebook redraws it from that file).

use super::series::{TimeChart, TimePanel, Trace, YearValue};
use super::style::{self, Swatch, okabe_ito};
use crate::study::compare::{Pairing, YearRow};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The chart's file stem in `charts/`.
pub const COMPARE_STEM: &str = "compare_capacity";

/// The title's first words (the scenario's name follows).
pub const COMPARE_TITLE: &str = "Difference in governance capacity, B − A";

/// What the comparison chart shows.
#[derive(Clone, Debug)]
pub struct CompareChart<'a> {
    /// The scenario's name, or both names when they differ.
    pub name: String,
    /// What A is (folder, point and its swept values).
    pub a: String,
    /// What B is.
    pub b: String,
    /// What ran, one line each (the counts and overrides of A, and of B
    /// when they differ).
    pub ran: Vec<String>,
    /// How the replicates were compared.
    pub pairing: Pairing,
    /// The policy window to shade (when A and B share it).
    pub policy_window: Option<(i32, i32)>,
    /// The rows of `compare_timeseries.csv`.
    pub rows: &'a [YearRow],
}

/// The zero line's grey: darker than the grid, lighter than the data.
const ZERO: plotters::style::RGBColor = plotters::style::RGBColor(110, 110, 110);

fn time_chart(chart: &CompareChart<'_>) -> TimeChart {
    let zero = Trace {
        label: "0: no difference".to_string(),
        color: ZERO,
        width: 2,
        band: false,
        values: chart
            .rows
            .iter()
            .map(|row| YearValue {
                year: row.year,
                mean: Some(0.0),
                band: None,
            })
            .collect(),
    };
    let difference = Trace {
        label: "mean difference B − A".to_string(),
        color: okabe_ito::BLUE,
        width: 3,
        band: true,
        values: chart
            .rows
            .iter()
            .map(|row| YearValue {
                year: row.year,
                mean: row.difference.mean,
                band: row.difference.lo.zip(row.difference.hi),
            })
            .collect(),
    };
    let counts = chart.rows.iter().map(|r| r.difference.n);
    let (fewest, most) = (counts.clone().min().unwrap_or(0), counts.max().unwrap_or(0));
    let n = if fewest == most {
        most.to_string()
    } else {
        format!("{fewest}–{most}")
    };
    let how = match chart.pairing {
        Pairing::Paired => format!(
            "Paired by replicate (the same random numbers): {n} pair(s) per year; band: 95% t interval of the mean difference"
        ),
        Pairing::Unpaired => format!(
            "Unpaired: mean of B minus mean of A, at least {n} replicate(s) each per year; band: 95% Welch interval"
        ),
    };
    let mut subtitles = vec![format!("A: {}", chart.a), format!("B: {}", chart.b)];
    subtitles.extend(chart.ran.iter().cloned());
    subtitles.push(how);
    let banded = chart
        .rows
        .iter()
        .any(|r| r.difference.lo.is_some() && r.difference.hi.is_some());
    TimeChart {
        title: format!("{COMPARE_TITLE} — {}", chart.name),
        subtitles,
        panels: vec![TimePanel {
            y_desc: "capacity B − A (share of issues resolved)".to_string(),
            y_limits: (None, None),
            traces: vec![zero, difference],
            years: None,
            shade_window: true,
            caption: None,
        }],
        window: chart.policy_window,
        extra_legend: if banded {
            vec![(
                "95% interval".to_string(),
                Swatch::Fill(okabe_ito::BLUE, 0.25),
            )]
        } else {
            Vec::new()
        },
        shared_y_desc: None,
    }
}

/// Draws the comparison chart into `charts_dir/compare_capacity.png` and
/// `.svg` (creating the folder) and returns both paths.
pub fn draw_compare(charts_dir: &Path, chart: &CompareChart<'_>) -> Result<Vec<PathBuf>> {
    style::register_font()?;
    std::fs::create_dir_all(charts_dir).map_err(|e| Error::io(charts_dir, e))?;
    style::write_painter(charts_dir, COMPARE_STEM, &time_chart(chart))
}

/// The text boxes [`draw_compare`] would draw, without drawing (for the
/// layout tests: no two may overlap).
pub fn compare_layout(chart: &CompareChart<'_>) -> Result<Vec<style::TextBox>> {
    style::register_font()?;
    style::text_boxes(&time_chart(chart))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::compare::Difference;

    fn rows() -> Vec<YearRow> {
        (1949..=2060)
            .map(|year| {
                let x = f64::from(year - 1949) / 1000.0 - 0.02;
                YearRow {
                    year,
                    difference: Difference {
                        a_mean: Some(0.8),
                        b_mean: Some(0.8 + x),
                        mean: Some(x),
                        lo: Some(x - 0.01),
                        hi: Some(x + 0.01),
                        sd: Some(0.01),
                        n: 10,
                    },
                }
            })
            .collect()
    }

    #[test]
    fn no_two_texts_overlap_and_none_leaves_the_canvas() {
        let rows = rows();
        for pairing in [Pairing::Paired, Pairing::Unpaired] {
            let chart = CompareChart {
                name: "v1-baseline vs a-scenario-with-a-rather-long-name".to_string(),
                a: "out/some/long/folder/name point 0 (promotion.openness.scale=1, mentoring.rate=0.1)".to_string(),
                b: "out/some/long/folder/name point 1 (promotion.openness.scale=2, mentoring.rate=0.1)".to_string(),
                ran: vec![
                    "A ran 10,000 communities per run, 10 replicate(s) per point".to_string(),
                    "B ran 10,000 communities per run, 10 replicate(s) per point; --set seed=2".to_string(),
                ],
                pairing,
                policy_window: Some((2025, 2060)),
                rows: &rows,
            };
            let boxes = compare_layout(&chart).unwrap();
            assert!(boxes.len() > 10, "{boxes:?}");
            assert!(boxes.iter().any(|b| b.text.starts_with(COMPARE_TITLE)));
            for (i, a) in boxes.iter().enumerate() {
                assert!(
                    a.x0 >= 0 && a.y0 >= 0 && a.x1 <= 1200 && a.y1 <= 800,
                    "{a:?} leaves the canvas"
                );
                for b in &boxes[i + 1..] {
                    assert!(!a.overlaps(b, 1), "{a:?} overlaps {b:?}");
                }
            }
        }
    }
}
