//! The sweep response charts: a summary figure against the swept values,
//! drawn as a line with interval bars (one swept parameter), a heatmap (two
//! parameters forming a full grid) or one panel per parameter (anything
//! else), each point with its own interval across replicates.
//!
//! A categorical swept parameter (a string or boolean one) has its levels
//! at 0, 1, 2, … in the order the sweep lists them, each tick labelled
//! with its level (see [`PointsTable::levels`]).

use super::data::{Interval, PointsTable, Summary, category};
use super::series::{Span, tick_format, y_range};
use super::style::{self, Drawn, Painter, Swatch, okabe_ito};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeSet;

/// How the sweep charts show a run folder's points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SweepLayout {
    /// No sweep (no swept column, or a single point): no sweep charts.
    Single,
    /// One swept parameter: the figure against its values, with intervals.
    Line {
        /// The swept column (index into [`PointsTable::paths`]).
        column: usize,
    },
    /// Two swept parameters whose points form a full grid (every pair of
    /// values exactly once): a heatmap with a colour bar.
    Heatmap {
        /// The column along the x axis (the first swept path).
        x: usize,
        /// The column along the y axis (the second swept path).
        y: usize,
    },
    /// Three or more parameters, or two that do not form a grid: one panel
    /// per parameter with the points grouped by its value.
    Panels {
        /// The swept columns, one panel each, in file order.
        columns: Vec<usize>,
    },
}

/// The layout of the sweep charts for `points` (see [`SweepLayout`]).
pub fn sweep_layout(points: &PointsTable) -> SweepLayout {
    let n_points = points.ids.len();
    match points.paths.len() {
        0 => SweepLayout::Single,
        _ if n_points < 2 => SweepLayout::Single,
        1 => SweepLayout::Line { column: 0 },
        2 if is_full_grid(points) => SweepLayout::Heatmap { x: 0, y: 1 },
        n => SweepLayout::Panels {
            columns: (0..n).collect(),
        },
    }
}

/// Whether the two columns of `points` hold every pair of their distinct
/// values exactly once, with at least two values each (a heatmap of one
/// row says less than a line).
fn is_full_grid(points: &PointsTable) -> bool {
    let xs = distinct(points, 0);
    let ys = distinct(points, 1);
    let pairs: BTreeSet<(u64, u64)> = points
        .values
        .iter()
        .map(|v| (v[0].to_bits(), v[1].to_bits()))
        .collect();
    xs.len() >= 2
        && ys.len() >= 2
        && pairs.len() == points.ids.len()
        && points.ids.len() == xs.len() * ys.len()
}

/// The distinct values of column `col`, ascending.
fn distinct(points: &PointsTable, col: usize) -> Vec<f64> {
    let mut values: Vec<f64> = points.values.iter().map(|v| v[col]).collect();
    values.sort_by(f64::total_cmp);
    values.dedup_by(|a, b| a.to_bits() == b.to_bits());
    values
}

/// The x range of a categorical column of `n` levels: half a step beyond
/// the first and the last.
fn category_range(n: usize) -> (f64, f64) {
    (-0.5, n.max(1) as f64 - 0.5)
}

/// The x axis of column `col`: its range, the number of tick labels a
/// categorical column needs (one per level; `None` for a numeric one,
/// whose chart keeps its own) and the labels' text. A numeric column's
/// range is padded around `values` (the points' positions along it) and
/// its labels have the decimals of `tick_format(span, max_labels)`.
fn x_axis<'a>(
    points: &'a PointsTable,
    col: usize,
    values: impl Iterator<Item = f64>,
    max_labels: usize,
) -> XAxis<'a> {
    match &points.levels[col] {
        Some(levels) => XAxis {
            range: category_range(levels.len()),
            labels: Some(levels.len().max(1)),
            format: Box::new(move |x: &f64| category(levels, *x)),
        },
        None => {
            let (x0, x1) = y_range(values, (None, None));
            XAxis {
                range: (x0, x1),
                labels: None,
                format: Box::new(tick_format(x1 - x0, max_labels)),
            }
        }
    }
}

/// See [`x_axis`].
struct XAxis<'a> {
    range: (f64, f64),
    labels: Option<usize>,
    format: Box<dyn Fn(&f64) -> String + 'a>,
}

/// What a sweep chart shows: one summary figure.
#[derive(Clone, Debug)]
pub struct Figure {
    /// The figure's name in `summary.csv` (without `_mean`).
    pub key: &'static str,
    /// The axis or colour-bar title, with its unit.
    pub axis: String,
    /// What the figure is, for the subtitle.
    pub meaning: String,
    /// Limits the y axis may not cross: a share's interval can reach past 1
    /// with few replicates, and the axis should still end at 1.
    pub limits: (Option<f64>, Option<f64>),
}

/// A sweep response chart, ready to draw.
#[derive(Clone, Debug)]
pub struct SweepChart<'a> {
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub subtitles: Vec<String>,
    /// The points.
    pub points: &'a PointsTable,
    /// The summary figures.
    pub summary: &'a Summary,
    /// The figure shown.
    pub figure: Figure,
    /// How to show it.
    pub layout: SweepLayout,
}

impl SweepChart<'_> {
    fn at(&self, idx: usize) -> Interval {
        self.summary.get(self.figure.key, self.points.ids[idx])
    }
}

impl Painter for SweepChart<'_> {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let body = style::title_block(root, &self.title, &self.subtitles)?;
        match &self.layout {
            SweepLayout::Single => Ok(()),
            SweepLayout::Line { column } => self.paint_line(&body, *column),
            SweepLayout::Heatmap { x, y } => self.paint_heatmap(&body, *x, *y),
            SweepLayout::Panels { columns } => self.paint_panels(&body, columns),
        }
    }
}

/// A marker with a vertical interval bar, in chart coordinates.
fn interval_bar<DB>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    x: f64,
    mean: f64,
    interval: Option<(f64, f64)>,
    color: RGBColor,
    cap: f64,
) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if let Some((lo, hi)) = interval {
        let stroke = color.stroke_width(2);
        chart.draw_series([
            PathElement::new(vec![(x, lo), (x, hi)], stroke),
            PathElement::new(vec![(x - cap, lo), (x + cap, lo)], stroke),
            PathElement::new(vec![(x - cap, hi), (x + cap, hi)], stroke),
        ])?;
    }
    chart.draw_series(std::iter::once(Circle::new((x, mean), 5, color.filled())))?;
    Ok(())
}

impl SweepChart<'_> {
    fn paint_line<DB>(&self, body: &DrawingArea<DB, Shift>, column: usize) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let legend = [
            (
                "mean over replicates".to_string(),
                Swatch::Line(okabe_ito::BLUE),
            ),
            (
                "95% interval across replicates".to_string(),
                Swatch::Interval(okabe_ito::BLUE),
            ),
        ];
        let body = style::legend_below(body, &legend)?;
        let mut rows: Vec<(f64, f64, Option<Span>)> = (0..self.points.ids.len())
            .filter_map(|idx| {
                let at = self.at(idx);
                let interval = at.lo.zip(at.hi);
                at.mean
                    .map(|m| (self.points.values[idx][column], m, interval))
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let axis = x_axis(self.points, column, rows.iter().map(|r| r.0), 10);
        let (x0, x1) = axis.range;
        let (y0, y1) = y_range(
            rows.iter().flat_map(|r| {
                std::iter::once(r.1)
                    .chain(r.2.map(|i| i.0))
                    .chain(r.2.map(|i| i.1))
            }),
            self.figure.limits,
        );
        let zoomed = self.figure.limits.0.is_some_and(|min| y0 > min + 1e-12);
        let y_desc = if zoomed {
            format!("{} — y axis zoomed", self.figure.axis)
        } else {
            self.figure.axis.clone()
        };
        let mut chart = ChartBuilder::on(&body)
            .margin_top(8)
            .margin_right(40)
            .margin_left(10)
            .x_label_area_size(60)
            .y_label_area_size(100)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let x_span = x1 - x0;
        let y_format = tick_format(y1 - y0, 10);
        chart
            .configure_mesh()
            // A numeric axis keeps plotters' default of 11 labels at most.
            .x_labels(axis.labels.unwrap_or(11))
            .x_desc(self.points.paths[column].as_str())
            .y_desc(y_desc)
            .axis_desc_style(style::text(style::AXIS_SIZE))
            .label_style(style::text(style::LABEL_SIZE))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&axis.format)
            .y_label_formatter(&y_format)
            .draw()?;
        chart.draw_series(LineSeries::new(
            rows.iter().map(|r| (r.0, r.1)),
            okabe_ito::BLUE.stroke_width(2),
        ))?;
        let cap = x_span * 0.006;
        for (x, mean, interval) in &rows {
            interval_bar(&mut chart, *x, *mean, *interval, okabe_ito::BLUE, cap)?;
        }
        Ok(())
    }

    fn paint_heatmap<DB>(&self, body: &DrawingArea<DB, Shift>, x_col: usize, y_col: usize) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let xs = distinct(self.points, x_col);
        let ys = distinct(self.points, y_col);
        let position = |values: &[f64], v: f64| {
            values
                .iter()
                .position(|u| u.to_bits() == v.to_bits())
                .expect("values come from distinct() of the same points")
        };
        let cells: Vec<(usize, usize, Interval)> = (0..self.points.ids.len())
            .map(|idx| {
                let v = &self.points.values[idx];
                (
                    position(&xs, v[x_col]),
                    position(&ys, v[y_col]),
                    self.at(idx),
                )
            })
            .collect();
        let means: Vec<f64> = cells.iter().filter_map(|c| c.2.mean).collect();
        let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else {
            (
                lo - 0.01 * lo.abs().max(1e-3),
                hi + 0.01 * hi.abs().max(1e-3),
            )
        };
        let scale = |v: f64| (v - lo) / (hi - lo);

        let (width, _) = body.dim_in_pixel();
        let (map_area, bar_area) = body.split_horizontally(width as i32 - 190);
        let mut chart = ChartBuilder::on(&map_area)
            .margin_top(8)
            .margin_right(20)
            .margin_left(10)
            .x_label_area_size(60)
            .y_label_area_size(100)
            .build_cartesian_2d(
                // Integer ranges include their end: n values are 0..n-1.
                (0..xs.len() as i32 - 1).into_segmented(),
                (0..ys.len() as i32 - 1).into_segmented(),
            )?;
        let label_of = |col: usize, values: &[f64], seg: &SegmentValue<i32>| match seg {
            SegmentValue::CenterOf(i) => values
                .get(*i as usize)
                .map(|v| self.points.text(col, *v))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let x_format = |s: &SegmentValue<i32>| label_of(x_col, &xs, s);
        let y_format = |s: &SegmentValue<i32>| label_of(y_col, &ys, s);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.points.paths[x_col].as_str())
            .y_desc(self.points.paths[y_col].as_str())
            .axis_desc_style(style::text(style::AXIS_SIZE))
            .label_style(style::text(style::LABEL_SIZE))
            .x_labels(xs.len().min(15) + 1)
            .y_labels(ys.len().min(15) + 1)
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()?;

        let plot = chart.plotting_area();
        let (plot_w, plot_h) = plot.dim_in_pixel();
        let (cell_w, cell_h) = (plot_w / xs.len() as u32, plot_h / ys.len() as u32);
        // One number format for every cell, chosen from the data: enough
        // decimals to give the smallest half-width two significant digits
        // (common random numbers can make it tiny), the same for the means.
        let halves: Vec<f64> = cells
            .iter()
            .filter_map(|(_, _, at)| match (at.mean, at.lo, at.hi) {
                (Some(m), Some(l), Some(h)) => Some((h - m).max(m - l)),
                _ => None,
            })
            .collect();
        let label = |at: &Interval, decimals: usize| match (at.mean, at.lo, at.hi) {
            (Some(m), Some(l), Some(h)) => {
                format!("{m:.decimals$} ±{:.decimals$}", (h - m).max(m - l))
            }
            (Some(m), ..) => format!("{m:.decimals$}"),
            _ => "n/a".to_string(),
        };
        // Values are written into the cells only when every one fits: at
        // the label size, else a smaller one, else with fewer decimals (one
        // format for all cells in any case).
        let fits = |decimals: usize, size: f64| {
            let widest = cells
                .iter()
                .map(|c| {
                    plot.estimate_text_size(&label(&c.2, decimals), &style::text(size))
                        .map_or(u32::MAX, |(w, _)| w)
                })
                .max()
                .unwrap_or(0);
            widest + 10 <= cell_w && cell_h as f64 >= 2.0 * size
        };
        let wanted = cell_decimals(&halves);
        let choice = [style::LABEL_SIZE, style::LABEL_SIZE - 3.0]
            .into_iter()
            .flat_map(|size| (3..=wanted).rev().map(move |d| (d, size)))
            .find(|&(d, size)| fits(d, size));
        for (i, j, at) in &cells {
            let (i, j) = (*i as i32, *j as i32);
            let color = at
                .mean
                .map_or(RGBColor(190, 190, 190), |m| style::viridis(scale(m)));
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                    (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
                ],
                color.filled(),
            )))?;
            if let Some((decimals, size)) = choice {
                let ink = if style::dark_text_on(color) {
                    BLACK
                } else {
                    WHITE
                };
                let centre = (SegmentValue::CenterOf(i), SegmentValue::CenterOf(j));
                chart.draw_series(std::iter::once(Text::new(
                    label(at, decimals),
                    centre,
                    style::text(size)
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }

        // The colour bar: the same scale in 200 steps, labelled on the right.
        let mut bar = ChartBuilder::on(&bar_area)
            .margin_top(8)
            .margin_right(10)
            .margin_left(10)
            .x_label_area_size(60)
            .right_y_label_area_size(110)
            .build_cartesian_2d(0.0..1.0, lo..hi)?;
        let span = hi - lo;
        let y_format = tick_format(span, 8);
        bar.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(self.figure.axis.as_str())
            .axis_desc_style(style::text(style::LABEL_SIZE))
            .label_style(style::text(style::LABEL_SIZE))
            .y_labels(8)
            .y_label_formatter(&y_format)
            .draw()?;
        let steps = 200;
        bar.draw_series((0..steps).map(|k| {
            let a = lo + span * k as f64 / steps as f64;
            let b = lo + span * (k + 1) as f64 / steps as f64;
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                style::viridis((k as f64 + 0.5) / steps as f64).filled(),
            )
        }))?;
        Ok(())
    }

    fn paint_panels<DB>(&self, body: &DrawingArea<DB, Shift>, columns: &[usize]) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        // Each point is shown with its own interval across replicates: in a
        // zip, random or Latin-hypercube design the points differ in several
        // parameters at once, so an interval *over points* would measure the
        // spread between designs, not uncertainty, and a line through points
        // sorted by one parameter would draw a response curve that does not
        // exist. A full factorial (every value shared by several points) also
        // gets the plain mean of the points sharing each value.
        let n_points = self.points.ids.len();
        let show_bars = n_points <= MAX_BARS;
        let per_point: Vec<Interval> = (0..n_points).map(|idx| self.at(idx)).collect();
        let means: Vec<Option<f64>> = per_point.iter().map(|i| i.mean).collect();
        let any_interval = per_point.iter().any(|i| i.lo.is_some() && i.hi.is_some());
        let factorial: Vec<bool> = columns
            .iter()
            .map(|&col| {
                let values = distinct(self.points, col);
                values.len() <= MAX_EXACT_GROUPS
                    && values.iter().all(|x| {
                        self.points
                            .values
                            .iter()
                            .filter(|v| v[col].to_bits() == x.to_bits())
                            .count()
                            >= 2
                    })
            })
            .collect();
        let mut legend = vec![(
            "one point: mean over its replicates".to_string(),
            Swatch::Dot(okabe_ito::BLUE),
        )];
        if show_bars && any_interval {
            legend.push((
                "95% interval across that point's replicates".to_string(),
                Swatch::Interval(okabe_ito::BLUE),
            ));
        }
        if factorial.iter().any(|&f| f) {
            legend.push((
                "mean of the points sharing a value".to_string(),
                Swatch::Line(okabe_ito::ORANGE),
            ));
        }
        let body = style::legend_below(body, &legend)?;

        let (y0, y1) = y_range(
            per_point.iter().flat_map(|i| {
                i.mean
                    .into_iter()
                    .chain(i.lo.filter(|_| show_bars))
                    .chain(i.hi.filter(|_| show_bars))
            }),
            self.figure.limits,
        );
        // One y axis title for every panel (they share the axis), written
        // once along the left edge: repeated on small panels it would run
        // into the neighbours' tick labels.
        let zoomed = self.figure.limits.0.is_some_and(|min| y0 > min + 1e-12);
        let y_desc = if zoomed {
            format!("{} — y axis zoomed", self.figure.axis)
        } else {
            self.figure.axis.clone()
        };
        let (strip, body) = body.split_horizontally(34);
        let (_, strip_h) = strip.dim_in_pixel();
        let y_desc = style::fit(
            &strip,
            &y_desc,
            style::AXIS_SIZE,
            strip_h.saturating_sub(10),
        );
        strip.draw(&Text::new(
            y_desc,
            (6, strip_h as i32 / 2),
            style::text(style::AXIS_SIZE)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;

        let n_cols = match columns.len() {
            1..=3 => columns.len(),
            4 => 2,
            _ => 3,
        };
        let n_rows = columns.len().div_ceil(n_cols);
        let areas = body.split_evenly((n_rows, n_cols));
        for (panel_idx, (&col, area)) in columns.iter().zip(&areas).enumerate() {
            let values = distinct(self.points, col);
            // Points sharing a value are set side by side, not on top of
            // each other.
            let min_gap = values
                .windows(2)
                .map(|w| w[1] - w[0])
                .fold(f64::INFINITY, f64::min);
            let axis = x_axis(self.points, col, values.iter().copied(), 5);
            let (x0, x1) = axis.range;
            let x_span = x1 - x0;
            let shared: Vec<usize> = (0..n_points)
                .map(|idx| {
                    let x = self.points.values[idx][col];
                    (0..idx)
                        .filter(|&k| self.points.values[k][col].to_bits() == x.to_bits())
                        .count()
                })
                .collect();
            let group_size = |idx: usize| {
                let x = self.points.values[idx][col];
                self.points
                    .values
                    .iter()
                    .filter(|v| v[col].to_bits() == x.to_bits())
                    .count()
            };
            let widest = (0..n_points).map(group_size).max().unwrap_or(1);
            let dodge = if widest > 1 {
                let room = if min_gap.is_finite() {
                    0.6 * min_gap
                } else {
                    0.3 * x_span
                };
                (room / widest as f64).min(0.02 * x_span)
            } else {
                0.0
            };
            let x_of = |idx: usize| {
                let m = group_size(idx) as f64;
                self.points.values[idx][col] + (shared[idx] as f64 - (m - 1.0) / 2.0) * dodge
            };
            let pad = dodge * widest as f64 / 2.0;
            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(60)
                .y_label_area_size(if panel_idx % n_cols == 0 { 70 } else { 60 })
                .build_cartesian_2d(x0 - pad..x1 + pad, y0..y1)?;
            let y_format = tick_format(y1 - y0, 8);
            let (area_w, _) = area.dim_in_pixel();
            let x_desc = style::fit(
                area,
                &self.points.paths[col],
                style::LABEL_SIZE,
                area_w.saturating_sub(100),
            );
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .axis_desc_style(style::text(style::LABEL_SIZE))
                .label_style(style::text(style::LABEL_SIZE - 1.0))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .x_labels(axis.labels.unwrap_or(5))
                .y_labels(if n_rows > 1 { 5 } else { 8 })
                .x_label_formatter(&axis.format)
                .y_label_formatter(&y_format)
                .draw()?;
            if factorial[panel_idx] {
                let group_means: Vec<(f64, f64)> = values
                    .iter()
                    .filter_map(|&x| {
                        let ys: Vec<f64> = (0..n_points)
                            .filter(|&idx| self.points.values[idx][col].to_bits() == x.to_bits())
                            .filter_map(|idx| means[idx])
                            .collect();
                        (!ys.is_empty()).then(|| (x, ys.iter().sum::<f64>() / ys.len() as f64))
                    })
                    .collect();
                chart.draw_series(LineSeries::new(
                    group_means,
                    okabe_ito::ORANGE.stroke_width(2),
                ))?;
            }
            let cap = (x_span * 0.006).min(dodge.max(x_span * 0.002) * 0.4);
            for (idx, at) in per_point.iter().enumerate() {
                let Some(mean) = at.mean else { continue };
                if show_bars {
                    interval_bar(
                        &mut chart,
                        x_of(idx),
                        mean,
                        at.lo.zip(at.hi),
                        okabe_ito::BLUE,
                        cap,
                    )?;
                } else {
                    chart.draw_series(std::iter::once(Circle::new(
                        (x_of(idx), mean),
                        2,
                        okabe_ito::BLUE.mix(0.5).filled(),
                    )))?;
                }
            }
        }
        Ok(())
    }
}

/// Above this many points the panels show dots without interval bars
/// (thousands of bars hide each other).
pub const MAX_BARS: usize = 300;

/// The decimals of every heatmap cell label: three, or more (up to six)
/// until the smallest positive half-width shows two significant digits.
pub fn cell_decimals(halves: &[f64]) -> usize {
    let smallest = halves
        .iter()
        .copied()
        .filter(|h| h.is_finite() && *h > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !smallest.is_finite() {
        return 3;
    }
    let wanted = 1 - smallest.log10().floor() as i64;
    wanted.clamp(3, 6) as usize
}

/// A parameter with at most this many distinct values, each shared by two
/// or more points, gets the line of the mean at each value.
pub const MAX_EXACT_GROUPS: usize = 10;
