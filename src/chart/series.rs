//! The charts over time: governance capacity (`capacity`), seats by cohort
//! (`cohorts`) and issue resolution (`resolution`).

use super::data::{Accumulator, PointSeries};
use super::style::{self, Drawn, Painter, Swatch, okabe_ito};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The low and high ends of an interval.
pub type Span = (f64, f64);

/// A trace's value in one year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YearValue {
    /// Calendar year.
    pub year: i32,
    /// Mean over replicates; `None` breaks the line.
    pub mean: Option<f64>,
    /// The 95% interval of the mean, with two or more replicates.
    pub band: Option<Span>,
}

/// One line over time with its optional 95% band.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Legend label.
    pub label: String,
    /// Line and band colour.
    pub color: RGBColor,
    /// Line width in pixels.
    pub width: u32,
    /// Whether to shade the band (thin companion lines go without).
    pub band: bool,
    /// The values, in year order.
    pub values: Vec<YearValue>,
}

impl Trace {
    /// The trace of quantity `q` of `series`.
    pub fn of(series: &PointSeries, q: usize, label: String, color: RGBColor) -> Trace {
        Trace {
            label,
            color,
            width: 3,
            band: true,
            values: series
                .of(q)
                .map(|(year, acc): (i32, &Accumulator)| YearValue {
                    year,
                    mean: acc.mean(),
                    band: acc.interval(),
                })
                .collect(),
        }
    }
}

/// One panel of traces over years.
#[derive(Clone, Debug)]
pub struct TimePanel {
    /// The y axis title, with its unit.
    pub y_desc: String,
    /// Limits the y axis may not cross (e.g. 0 and 1 for shares).
    pub y_limits: (Option<f64>, Option<f64>),
    /// The traces, drawn in order (the first at the bottom).
    pub traces: Vec<Trace>,
    /// The years shown, inclusive; `None`: every year of the data.
    pub years: Option<(i32, i32)>,
    /// Whether to shade the policy window (not in a panel that shows only
    /// the window).
    pub shade_window: bool,
    /// A caption above the panel, when the chart has several.
    pub caption: Option<String>,
}

/// A chart of one or more time panels stacked vertically, sharing the year
/// axis, the policy window and the legend.
#[derive(Clone, Debug)]
pub struct TimeChart {
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub subtitles: Vec<String>,
    /// The panels, top to bottom.
    pub panels: Vec<TimePanel>,
    /// The policy window to shade, inclusive years.
    pub window: Option<(i32, i32)>,
    /// Extra legend entries after the traces' own.
    pub extra_legend: Vec<(String, Swatch)>,
    /// One y axis title for all panels, written once along the left edge
    /// (for panels of one quantity, whose own titles would not fit).
    pub shared_y_desc: Option<String>,
}

impl Painter for TimeChart {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let body = style::title_block(root, &self.title, &self.subtitles)?;
        let mut legend: Vec<(String, Swatch)> = self
            .panels
            .iter()
            .flat_map(|p| &p.traces)
            .map(|t| (t.label.clone(), Swatch::Line(t.color)))
            .collect();
        // Panels showing the same traces list them once.
        let mut seen = std::collections::BTreeSet::new();
        legend.retain(|(label, _)| seen.insert(label.clone()));
        legend.extend(self.extra_legend.iter().cloned());
        let all_years = year_range(self.panels.iter().flat_map(|p| &p.traces));
        // A window that is the whole run (a run seeded at the window's start)
        // is not shaded: a plot all grey says nothing.
        let window = self.window.filter(|w| is_proper_part(*w, all_years));
        match self.window {
            Some((from, to)) if window.is_some() => legend.push((
                format!("policy window {from}–{to}"),
                Swatch::Fill(style::WINDOW, 1.0),
            )),
            Some((from, to)) => legend.push((
                format!("policy window {from}–{to}: the whole run (not shaded)"),
                Swatch::Blank,
            )),
            None => {}
        }
        let body = style::legend_below(&body, &legend)?;
        let body = match &self.shared_y_desc {
            Some(desc) => {
                let (strip, rest) = body.split_horizontally(34);
                let (_, height) = strip.dim_in_pixel();
                strip.draw(&Text::new(
                    desc.clone(),
                    (6, height as i32 / 2),
                    style::text(style::AXIS_SIZE)
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                ))?;
                rest
            }
            None => body,
        };
        let panels = body.split_evenly((self.panels.len(), 1));
        for (panel_idx, (panel, area)) in self.panels.iter().zip(&panels).enumerate() {
            let last = panel_idx + 1 == self.panels.len();
            let years = panel.years.unwrap_or(all_years);
            let window = window.filter(|_| panel.shade_window);
            draw_time_panel(area, panel, years, window, last)?;
        }
        Ok(())
    }
}

/// Whether the window `(from, to)` covers part of the years `(first, last)`
/// but not all of them.
pub fn is_proper_part((from, to): (i32, i32), (first, last): (i32, i32)) -> bool {
    let (from, to) = (from.max(first), to.min(last));
    from < to && (from, to) != (first, last)
}

fn year_range<'a>(traces: impl Iterator<Item = &'a Trace>) -> (i32, i32) {
    let mut range: Option<(i32, i32)> = None;
    for YearValue { year, .. } in traces.flat_map(|t| &t.values) {
        range = Some(match range {
            None => (*year, *year),
            Some((a, b)) => (a.min(*year), b.max(*year)),
        });
    }
    let (a, b) = range.unwrap_or((0, 1));
    if a == b { (a, a + 1) } else { (a, b) }
}

/// A y range holding every value, padded by 5% and kept within `limits`.
pub fn y_range(
    values: impl Iterator<Item = f64>,
    limits: (Option<f64>, Option<f64>),
) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let span = hi - lo;
    // A flat series still needs a visible axis: widen by 1% of its level.
    let pad = if span > 0.0 {
        0.05 * span
    } else {
        0.01 * lo.abs().max(1e-3)
    };
    let mut range = (lo - pad, hi + pad);
    if let Some(min) = limits.0 {
        range.0 = range.0.max(min);
    }
    if let Some(max) = limits.1 {
        range.1 = range.1.min(max);
    }
    if range.1 <= range.0 {
        range.1 = range.0 + 1e-3;
    }
    range
}

/// At most 12 labels on a year axis from `first` to `last`, and never
/// more than one per year: plotters picks the finest step of 1, 2 or 5
/// times a power of ten that fits the count, so a short window (a policy
/// window of 6 years) would otherwise get half-years, which a whole-year
/// format prints twice.
pub fn year_labels(first: i32, last: i32) -> usize {
    let years = i64::from(last) - i64::from(first) + 1;
    years.clamp(2, 12) as usize
}

/// A tick label formatter for an axis spanning `span` with at most
/// `max_labels` labels: plotters puts ticks at steps of 1, 2 or 5 times a
/// power of ten, so the decimals of that step are the decimals every label
/// needs (all labels of an axis get the same number of them).
pub fn tick_format(span: f64, max_labels: usize) -> impl Fn(&f64) -> String {
    let decimals = tick_decimals(span, max_labels);
    move |v: &f64| {
        let text = format!("{v:.decimals$}");
        // "-0.00" reads as a different number from "0.00".
        if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
            text[1..].to_string()
        } else {
            text
        }
    }
}

/// The decimals of the finest tick step plotters may choose for `span` and
/// `max_labels` (erring towards one decimal too many, never too few).
pub fn tick_decimals(span: f64, max_labels: usize) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 2;
    }
    let mut exponent = span.log10().floor() as i32 + 1;
    let mut best = exponent;
    'search: loop {
        for mantissa in [5.0, 2.0, 1.0] {
            let step = mantissa * 10f64.powi(exponent - 1);
            if span / step + 1.0 > (max_labels + 2) as f64 {
                break 'search;
            }
            best = exponent - 1;
        }
        exponent -= 1;
        if exponent < -12 {
            break;
        }
    }
    (-best).max(0) as usize
}

fn draw_time_panel<DB>(
    area: &DrawingArea<DB, Shift>,
    panel: &TimePanel,
    (first, last): (i32, i32),
    window: Option<(i32, i32)>,
    show_x_desc: bool,
) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let values = panel.traces.iter().flat_map(|t| {
        t.values
            .iter()
            .filter(|v| (first..=last).contains(&v.year))
            .flat_map(|YearValue { mean, band, .. }| {
                let band = band.filter(|_| t.band);
                mean.iter()
                    .copied()
                    .chain(band.map(|b| b.0))
                    .chain(band.map(|b| b.1))
            })
    });
    let (y0, y1) = y_range(values, panel.y_limits);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(8)
        .margin_right(30)
        .margin_left(10)
        .x_label_area_size(if show_x_desc { 60 } else { 34 })
        .y_label_area_size(if panel.y_desc.is_empty() { 70 } else { 100 });
    // Every axis that does not start at its natural floor (0 for a share
    // or a rate) says so, where the reader looks first.
    let zoomed = panel.y_limits.0.is_some_and(|min| y0 > min + 1e-12);
    let caption = match (&panel.caption, zoomed) {
        (Some(caption), true) => Some(format!("{caption}, y axis zoomed")),
        (Some(caption), false) => Some(caption.clone()),
        (None, true) => Some("y axis zoomed (does not start at 0)".to_string()),
        (None, false) => None,
    };
    if let Some(caption) = &caption {
        builder.caption(caption, style::text(style::LABEL_SIZE));
    }
    let mut chart = builder.build_cartesian_2d(first as f64..last as f64, y0..y1)?;

    if let Some((from, to)) = window {
        let (from, to) = (
            (from as f64).max(first as f64),
            (to as f64).min(last as f64),
        );
        if from < to {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(from, y0), (to, y1)],
                style::WINDOW.filled(),
            )))?;
        }
    }
    let y_format = tick_format(y1 - y0, 8);
    let x_format = |v: &f64| format!("{v:.0}");
    let mut mesh = chart.configure_mesh();
    if !panel.y_desc.is_empty() {
        mesh.y_desc(panel.y_desc.as_str());
    }
    mesh.axis_desc_style(style::text(style::AXIS_SIZE))
        .label_style(style::text(style::LABEL_SIZE))
        .bold_line_style(style::GRID)
        .light_line_style(TRANSPARENT)
        .x_labels(year_labels(first, last))
        .y_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format);
    if show_x_desc {
        mesh.x_desc("year");
    }
    mesh.draw()?;

    let shown = |trace: &Trace| -> Vec<YearValue> {
        trace
            .values
            .iter()
            .filter(|v| (first..=last).contains(&v.year))
            .copied()
            .collect()
    };
    for trace in &panel.traces {
        if trace.band {
            for run in runs(&shown(trace), |v| v.band) {
                let mut outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|(year, band)| (*year as f64, band.1))
                    .collect();
                outline.extend(run.iter().rev().map(|(year, band)| (*year as f64, band.0)));
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    trace.color.mix(0.2).filled(),
                )))?;
            }
        }
    }
    for trace in &panel.traces {
        for run in runs(&shown(trace), |v| v.mean) {
            let line: Vec<(f64, f64)> = run.iter().map(|(y, v)| (*y as f64, *v)).collect();
            if line.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(
                    line[0],
                    3,
                    trace.color.filled(),
                )))?;
            } else {
                chart.draw_series(LineSeries::new(line, trace.color.stroke_width(trace.width)))?;
            }
        }
    }
    Ok(())
}

/// The maximal runs of consecutive entries where `get` gives a value, as
/// `(year, value)`: an undefined year breaks a line instead of bridging it.
fn runs<T: Copy, F>(values: &[YearValue], get: F) -> Vec<Vec<(i32, T)>>
where
    F: Fn(&YearValue) -> Option<T>,
{
    let mut out: Vec<Vec<(i32, T)>> = Vec::new();
    let mut current: Vec<(i32, T)> = Vec::new();
    for entry in values {
        match get(entry) {
            Some(v) => current.push((entry.year, v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// One layer of the cohort stack.
#[derive(Clone, Debug)]
pub struct Layer {
    /// Legend label.
    pub label: String,
    /// Fill colour.
    pub color: RGBColor,
    /// Mean share of all seats per year.
    pub values: Vec<(i32, Option<f64>)>,
}

/// The stacked area chart of seats by cohort and vacancy.
#[derive(Clone, Debug)]
pub struct StackChart {
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub subtitles: Vec<String>,
    /// The y axis title.
    pub y_desc: String,
    /// Layers from the bottom up.
    pub layers: Vec<Layer>,
    /// The policy window, marked by two vertical lines.
    pub window: Option<(i32, i32)>,
}

impl Painter for StackChart {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let body = style::title_block(root, &self.title, &self.subtitles)?;
        let legend = stack_legend(
            self.layers.iter().map(|l| (l.label.as_str(), l.color)),
            None,
            self.window,
        );
        let body = style::legend_below(&body, &legend)?;

        // Years where every layer is defined; the stack is only meaningful
        // where it sums to 1.
        let mut years: Vec<i32> = self
            .layers
            .first()
            .map(|l| l.values.iter().map(|v| v.0).collect())
            .unwrap_or_default();
        years.retain(|year| {
            self.layers
                .iter()
                .all(|l| l.values.iter().any(|(y, v)| y == year && v.is_some()))
        });
        let (first, last) = year_span(&years);
        let mut chart = stack_plot(&body, first, last, 1.0)?;

        let layers = self.layers.iter().map(|layer| {
            let value_at = move |year: i32| {
                layer
                    .values
                    .iter()
                    .find(|(y, _)| *y == year)
                    .and_then(|(_, v)| *v)
                    .unwrap_or(0.0)
            };
            (layer.color, value_at)
        });
        draw_stacked_areas(&mut chart, &years, layers, 1.0)?;

        let x_format = |v: &f64| format!("{v:.0}");
        let y_format = |v: &f64| format!("{v:.1}");
        chart
            .configure_mesh()
            .y_desc(self.y_desc.as_str())
            .x_desc("year")
            .axis_desc_style(style::text(style::AXIS_SIZE))
            .label_style(style::text(style::LABEL_SIZE))
            .bold_line_style(WHITE.mix(0.35))
            .light_line_style(TRANSPARENT)
            .x_labels(year_labels(first, last))
            .y_labels(11)
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()?;

        draw_window(&mut chart, self.window, first, last, 1.0)
    }
}

/// The legend of a stack of areas: one filled swatch per layer (`empty`,
/// if given, when there is none), then the policy window's line.
pub(super) fn stack_legend<'a>(
    layers: impl IntoIterator<Item = (&'a str, RGBColor)>,
    empty: Option<&str>,
    window: Option<(i32, i32)>,
) -> Vec<(String, Swatch)> {
    let mut legend: Vec<(String, Swatch)> = layers
        .into_iter()
        .map(|(label, color)| (label.to_string(), Swatch::Fill(color, 1.0)))
        .collect();
    if let Some(empty) = empty.filter(|_| legend.is_empty()) {
        legend.push((empty.to_string(), Swatch::Blank));
    }
    if let Some((from, to)) = window {
        legend.push((
            format!("policy window {from}–{to}"),
            Swatch::Line(okabe_ito::BLACK),
        ));
    }
    legend
}

/// The first and last of the sorted `years`, at least a year apart.
pub(super) fn year_span(years: &[i32]) -> (i32, i32) {
    match (years.first(), years.last()) {
        (Some(&a), Some(&b)) if a < b => (a, b),
        (Some(&a), _) => (a, a + 1),
        _ => (0, 1),
    }
}

/// The plot of a stack of areas in `body`: years `first` to `last`
/// across, 0 to `top` up.
pub(super) fn stack_plot<DB>(
    body: &DrawingArea<DB, Shift>,
    first: i32,
    last: i32,
    top: f64,
) -> Result<StackPlot<'_, DB>, Box<dyn std::error::Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    Ok(ChartBuilder::on(body)
        .margin_top(8)
        .margin_right(30)
        .margin_left(10)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(first as f64..last as f64, 0.0..top)?)
}

/// The chart a stack of areas is drawn on.
pub(super) type StackPlot<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Stacks `layers` (colour and value per year, from the bottom up) over
/// `years`, each layer an area from the sum of those below to that plus
/// its own value, cut at `top`. Nothing is drawn without years.
pub(super) fn draw_stacked_areas<DB, V>(
    chart: &mut StackPlot<'_, DB>,
    years: &[i32],
    layers: impl IntoIterator<Item = (RGBColor, V)>,
    top: f64,
) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    V: Fn(i32) -> f64,
{
    let mut lower: Vec<f64> = vec![0.0; years.len()];
    for (color, value_at) in layers {
        let upper: Vec<f64> = years
            .iter()
            .zip(&lower)
            .map(|(year, base)| base + value_at(*year))
            .collect();
        let mut outline: Vec<(f64, f64)> = years
            .iter()
            .zip(&upper)
            .map(|(y, v)| (*y as f64, v.min(top)))
            .collect();
        outline.extend(
            years
                .iter()
                .zip(&lower)
                .rev()
                .map(|(y, v)| (*y as f64, v.min(top))),
        );
        if !years.is_empty() {
            chart.draw_series(std::iter::once(Polygon::new(outline, color.filled())))?;
        }
        lower = upper;
    }
    Ok(())
}

/// The policy window's two vertical lines, from 0 to `top`, where they fall
/// within `first` to `last`.
pub(super) fn draw_window<DB>(
    chart: &mut StackPlot<'_, DB>,
    window: Option<(i32, i32)>,
    first: i32,
    last: i32,
    top: f64,
) -> Drawn
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if let Some((from, to)) = window {
        for year in [from, to] {
            if year >= first && year <= last {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(year as f64, 0.0), (year as f64, top)],
                    okabe_ito::BLACK.stroke_width(2),
                )))?;
            }
        }
    }
    Ok(())
}
