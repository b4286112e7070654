//! The charts of a `[sensitivity]` study, one per summary figure, drawn
//! from `sensitivity.csv` alone: for Sobol' indices, each parameter's S1
//! and ST as horizontal bars with their 95% bootstrap intervals; for
//! Morris, the μ*–σ plane (each parameter a labelled dot with its μ*
//! interval).

use super::data::short_number;
use super::style::{self, Drawn, Painter, Swatch, okabe_ito};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One parameter's estimates of one index: value, lo, hi (each may be
/// undefined).
type Estimate = (Option<f64>, Option<f64>, Option<f64>);

/// The indices of one figure, by parameter in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureIndices {
    /// The summary figure.
    pub figure: String,
    /// The parameters, in file order.
    pub parameters: Vec<String>,
    /// `estimates[p][i]`: index i (in [`Self::indices`] order) of parameter p.
    pub estimates: Vec<Vec<Estimate>>,
    /// The index names: `S1`, `ST` or `mu_star`, `mu`, `sigma`.
    pub indices: Vec<String>,
}

impl FigureIndices {
    fn get(&self, parameter: usize, index: &str) -> Estimate {
        self.indices
            .iter()
            .position(|i| i == index)
            .map_or((None, None, None), |i| self.estimates[parameter][i])
    }

    fn is_morris(&self) -> bool {
        self.indices.iter().any(|i| i == "mu_star")
    }
}

/// Reads `sensitivity.csv` (its rows grouped by figure, in file order).
pub fn read(path: &Path) -> Result<Vec<FigureIndices>> {
    let bad = |line: u64, what: &str| Error::BadInput(format!("{}:{line}: {what}", path.display()));
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
    let mut figures: Vec<FigureIndices> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != 6 {
            return Err(bad(
                line,
                "expected 6 cells (figure, parameter, index, value, lo, hi)",
            ));
        }
        let number = |i: usize| -> Result<Option<f64>> {
            let cell = &record[i];
            if cell.is_empty() {
                return Ok(None);
            }
            cell.parse()
                .map(Some)
                .map_err(|_| bad(line, &format!("`{cell}` is not a number")))
        };
        let estimate = (number(3)?, number(4)?, number(5)?);
        let (figure, parameter, index) = (&record[0], &record[1], &record[2]);
        if figures.last().is_none_or(|f| f.figure != figure) {
            figures.push(FigureIndices {
                figure: figure.to_string(),
                parameters: Vec::new(),
                estimates: Vec::new(),
                indices: Vec::new(),
            });
        }
        let f = figures.last_mut().expect("pushed above");
        let p = match f.parameters.iter().position(|p| p == parameter) {
            Some(p) => p,
            None => {
                f.parameters.push(parameter.to_string());
                f.estimates.push(Vec::new());
                f.parameters.len() - 1
            }
        };
        if !f.indices.iter().any(|i| i == index) {
            f.indices.push(index.to_string());
        }
        f.estimates[p].push(estimate);
    }
    Ok(figures)
}

/// One figure's chart.
#[derive(Clone, Debug)]
pub struct SensitivityChart {
    /// The title.
    pub title: String,
    /// Subtitle lines.
    pub subtitles: Vec<String>,
    /// The indices drawn.
    pub indices: FigureIndices,
}

const BAR_COLOURS: [RGBColor; 2] = [okabe_ito::BLUE, okabe_ito::ORANGE];

impl Painter for SensitivityChart {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let area = style::title_block(root, &self.title, &self.subtitles)?;
        if self.indices.is_morris() {
            self.paint_morris(&area)
        } else {
            self.paint_sobol(&area)
        }
    }
}

impl SensitivityChart {
    /// S1 and ST per parameter as horizontal bars, parameters top to bottom
    /// in file order.
    fn paint_sobol<DB>(&self, area: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let names = ["S1", "ST"];
        let entries: Vec<(String, Swatch)> = vec![
            (
                "S1: first-order index".to_string(),
                Swatch::Fill(BAR_COLOURS[0], 1.0),
            ),
            (
                "ST: total index".to_string(),
                Swatch::Fill(BAR_COLOURS[1], 1.0),
            ),
            (
                "95% bootstrap interval".to_string(),
                Swatch::Line(okabe_ito::BLACK),
            ),
        ];
        let plot = style::legend_below(area, &entries)?;
        let k = self.indices.parameters.len();
        let mut low: f64 = 0.0;
        let mut high: f64 = 1.0;
        for p in 0..k {
            for name in names {
                let (v, lo, hi) = self.indices.get(p, name);
                for x in [v, lo, hi].into_iter().flatten() {
                    low = low.min(x);
                    high = high.max(x);
                }
            }
        }
        let label_width = self
            .indices
            .parameters
            .iter()
            .map(|p| {
                plot.estimate_text_size(p, &style::text(style::LABEL_SIZE))
                    .map_or(0, |s| s.0)
            })
            .max()
            .unwrap_or(0)
            .min(520)
            + 20;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(label_width)
            .build_cartesian_2d(low..high * 1.02, 0.0..k as f64)?;
        let parameters = self.indices.parameters.clone();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(style::GRID)
            .y_labels(k * 2 + 1)
            .y_label_formatter(&|y| {
                // Labels sit at the middle of each parameter's band.
                let band = (*y - 0.5).round();
                if (*y - 0.5 - band).abs() < 1e-9 && band >= 0.0 && (band as usize) < k {
                    parameters[k - 1 - band as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|x| short_number(*x))
            .x_desc("index (share of the figure's variance)")
            .label_style(style::text(style::LABEL_SIZE))
            .axis_desc_style(style::text(style::AXIS_SIZE))
            .draw()?;
        for p in 0..k {
            let band = (k - 1 - p) as f64;
            for (m, name) in names.iter().enumerate() {
                let top = band + 0.85 - m as f64 * 0.35;
                let bottom = top - 0.3;
                let (v, lo, hi) = self.indices.get(p, name);
                if let Some(v) = v {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(0.0, bottom), (v, top)],
                        BAR_COLOURS[m].filled(),
                    )))?;
                }
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    let mid = (top + bottom) / 2.0;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(lo, mid), (hi, mid)],
                        okabe_ito::BLACK.stroke_width(2),
                    )))?;
                    for x in [lo, hi] {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x, mid - 0.08), (x, mid + 0.08)],
                            okabe_ito::BLACK.stroke_width(2),
                        )))?;
                    }
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, k as f64)],
            okabe_ito::BLACK.stroke_width(1),
        )))?;
        Ok(())
    }

    /// The μ*–σ plane: each parameter a dot at (μ*, σ) with its μ* interval
    /// and its name.
    fn paint_morris<DB>(&self, area: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let entries: Vec<(String, Swatch)> = vec![
            (
                "parameter at (μ*, σ)".to_string(),
                Swatch::Dot(okabe_ito::BLUE),
            ),
            (
                "95% bootstrap interval of μ*".to_string(),
                Swatch::Line(okabe_ito::BLUE),
            ),
        ];
        let plot = style::legend_below(area, &entries)?;
        let k = self.indices.parameters.len();
        let mut x_high: f64 = 0.0;
        let mut y_high: f64 = 0.0;
        for p in 0..k {
            let (star, _, star_hi) = self.indices.get(p, "mu_star");
            let (sigma, _, _) = self.indices.get(p, "sigma");
            for x in [star, star_hi].into_iter().flatten() {
                x_high = x_high.max(x);
            }
            if let Some(s) = sigma {
                y_high = y_high.max(s);
            }
        }
        let x_high = if x_high > 0.0 { x_high * 1.15 } else { 1.0 };
        let y_high = if y_high > 0.0 { y_high * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..x_high, 0.0..y_high)?;
        chart
            .configure_mesh()
            .light_line_style(style::GRID)
            .x_label_formatter(&|x| short_number(*x))
            .y_label_formatter(&|y| short_number(*y))
            .x_desc("μ*: mean |elementary effect| (figure per parameter range)")
            .y_desc("σ of the elementary effects")
            .label_style(style::text(style::LABEL_SIZE))
            .axis_desc_style(style::text(style::AXIS_SIZE))
            .draw()?;
        let label = style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Bottom));
        for p in 0..k {
            let (Some(star), lo, hi) = self.indices.get(p, "mu_star") else {
                continue;
            };
            let sigma = self.indices.get(p, "sigma").0.unwrap_or(0.0);
            if let (Some(lo), Some(hi)) = (lo, hi) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, sigma), (hi, sigma)],
                    okabe_ito::BLUE.stroke_width(2),
                )))?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (star, sigma),
                6,
                okabe_ito::BLUE.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!(" {}", self.indices.parameters[p]),
                (star, sigma),
                label.clone(),
            )))?;
        }
        Ok(())
    }
}
