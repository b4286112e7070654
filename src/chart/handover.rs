//! The hand-over of seats between cohorts (`handover`), from
//! `transitions.csv`: per (point, replicate, year) 16 rows, the seats held
//! by cohort `from` (or vacant) at the start of the year and by `to` at its
//! end, summed over communities.
//!
//! [`Handover::read`] streams the file (a sweep's can hold millions of
//! rows) and keeps, for the one point asked for, the mean over replicates
//! of each year's 4 × 4 matrix; the chart stacks the seats that changed
//! hands each year (the off-diagonal cells), and `succession report` sums
//! them by decade.

use super::series::{
    draw_stacked_areas, draw_window, stack_legend, stack_plot, tick_format, year_labels, year_span,
};
use super::style::{self, Drawn, Painter};
use crate::Result;
use crate::folder::read::{bad, csv_error, open_csv, parse_integer, parse_point};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The file the hand-over is read from, in a run folder.
pub const TRANSITIONS: &str = "transitions.csv";

/// Who holds a seat, in the order of `transitions.csv`'s `from` and `to`:
/// the three cohorts, then vacant.
pub const HOLDERS: [&str; 4] = crate::model::events::HOLDER_NAMES;

/// A 4 × 4 matrix of seats, `[from][to]` in [`HOLDERS`] order.
pub type Matrix = [[f64; 4]; 4];

/// The hand-over of one point: per year, the mean over replicates of the
/// seats `[from][to]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Handover {
    /// The point read.
    pub point: u32,
    /// The replicates seen.
    pub replicates: BTreeSet<u32>,
    /// Per year, the mean over the replicates holding it.
    pub years: BTreeMap<i32, Matrix>,
}

impl Handover {
    /// Streams `transitions.csv` at `path` and keeps the rows of `point`.
    /// The file must be as the run writes it: columns `point`, `replicate`,
    /// `year`, `from`, `to`, `seats` (found by name), 16 rows per (point,
    /// replicate, year) with `from` and then `to` in [`HOLDERS`] order,
    /// groups in (replicate, year) order within the point; anything else is
    /// bad input naming the line.
    pub fn read(path: &Path, point: u32) -> Result<Handover> {
        let mut reader = open_csv(path)?;
        let header = reader.byte_headers().map_err(|e| csv_error(path, &e))?;
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h == name.as_bytes())
                .ok_or_else(|| bad(path, 1, &format!("no `{name}` column")))
        };
        let columns = [
            find("point")?,
            find("replicate")?,
            find("year")?,
            find("from")?,
            find("to")?,
            find("seats")?,
        ];
        let [
            point_col,
            replicate_col,
            year_col,
            from_col,
            to_col,
            seats_col,
        ] = columns;
        let mut sums: BTreeMap<i32, (Matrix, u32)> = BTreeMap::new();
        let mut replicates = BTreeSet::new();
        // The group being read: its (replicate, year), its cells so far and
        // how many of its 16 rows were read.
        let mut group: Option<(u32, i32)> = None;
        let mut cells: Matrix = [[0.0; 4]; 4];
        let mut filled = 0usize;
        let mut record = csv::ByteRecord::new();
        let mut rows = 0u64;
        let mut line = 1;
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            rows += 1;
            line = record.position().map_or(0, csv::Position::line);
            let text = |col: usize| std::str::from_utf8(&record[col]).unwrap_or("\u{fffd}");
            if parse_point(path, line, text(point_col))? != point {
                if filled != 0 {
                    return Err(cut_short(path, line, filled));
                }
                continue;
            }
            let replicate = parse_integer(path, line, "replicate", text(replicate_col))?;
            let replicate = u32::try_from(replicate).map_err(|_| {
                bad(
                    path,
                    line,
                    &format!("column replicate: {replicate} is not a replicate number"),
                )
            })?;
            let year = parse_integer(path, line, "year", text(year_col))?;
            let year = i32::try_from(year)
                .map_err(|_| bad(path, line, &format!("column year: {year} is not a year")))?;
            let key = (replicate, year);
            if filled == 0 {
                if group.is_some_and(|previous| previous >= key) {
                    return Err(bad(
                        path,
                        line,
                        &format!(
                            "point {point}, replicate {replicate}, year {year} comes after replicate {}, year {}: rows are in (point, replicate, year) order, each once",
                            group.map_or(0, |g| g.0),
                            group.map_or(0, |g| g.1)
                        ),
                    ));
                }
                group = Some(key);
            } else if group != Some(key) {
                return Err(cut_short(path, line, filled));
            }
            let (from, to) = (filled / 4, filled % 4);
            if text(from_col) != HOLDERS[from] || text(to_col) != HOLDERS[to] {
                return Err(bad(
                    path,
                    line,
                    &format!(
                        "expected from = {}, to = {}, found {:?}, {:?} (16 rows per point, replicate and year: from, then to, in the order {})",
                        HOLDERS[from],
                        HOLDERS[to],
                        text(from_col),
                        text(to_col),
                        HOLDERS.join(", ")
                    ),
                ));
            }
            let seats = parse_integer(path, line, "seats", text(seats_col))?;
            if seats < 0 {
                return Err(bad(
                    path,
                    line,
                    &format!("column seats: {seats} is negative"),
                ));
            }
            cells[from][to] = seats as f64;
            filled += 1;
            if filled == 16 {
                let (sum, count) = sums.entry(year).or_insert(([[0.0; 4]; 4], 0));
                for (row, add) in sum.iter_mut().zip(&cells) {
                    for (cell, value) in row.iter_mut().zip(add) {
                        *cell += value;
                    }
                }
                *count += 1;
                replicates.insert(replicate);
                filled = 0;
            }
        }
        if filled != 0 {
            return Err(cut_short(path, line, filled));
        }
        if rows == 0 {
            return Err(bad(path, 2, "no rows after the header"));
        }
        if sums.is_empty() {
            return Err(bad(
                path,
                0,
                &format!("no rows for point {point}, which points.csv lists"),
            ));
        }
        let years = sums
            .into_iter()
            .map(|(year, (sum, count))| (year, sum.map(|row| row.map(|v| v / f64::from(count)))))
            .collect();
        Ok(Handover {
            point,
            replicates,
            years,
        })
    }

    /// The pairs `(from, to)` with `from ≠ to` whose mean is above zero in
    /// some year: the seats that ever changed hands, in [`HOLDERS`] order.
    pub fn moving_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for from in 0..4 {
            for to in (0..4).filter(|&to| to != from) {
                if self.years.values().any(|m| m[from][to] > 0.0) {
                    pairs.push((from, to));
                }
            }
        }
        pairs
    }

    /// The mean number of seats (all 16 cells) in the first year.
    pub fn seats(&self) -> Option<f64> {
        self.years.values().next().map(|m| m.iter().flatten().sum())
    }
}

/// `experience → knowledge`.
pub fn pair_label(from: usize, to: usize) -> String {
    format!("{} → {}", HOLDERS[from], HOLDERS[to])
}

fn cut_short(path: &Path, line: u64, filled: usize) -> crate::Error {
    bad(
        path,
        line,
        &format!(
            "a group of rows ends after {filled} of its 16 (one per from and to, for each point, replicate and year)"
        ),
    )
}

/// The colour of seats moving from `from` to `to`, in the hue of the
/// cohort that takes them: full when the next generation takes over from
/// the one before it (revolutionary → experience → knowledge), light when
/// a vacant seat is filled, dark for any other hand-over (a generation
/// taking seats back, or one skipped), darker for the second of them; a
/// seat left vacant is a greyed tint of the cohort that left it.
pub fn pair_color(from: usize, to: usize) -> RGBColor {
    let base = |holder: usize| match holder {
        0 => style::REVOLUTIONARY,
        1 => style::EXPERIENCE,
        2 => style::KNOWLEDGE,
        _ => style::VACANT,
    };
    let mix = |c: RGBColor, towards: (u8, u8, u8), t: f64| {
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        RGBColor(m(c.0, towards.0), m(c.1, towards.1), m(c.2, towards.2))
    };
    match (from, to) {
        (3, to) => mix(base(to), (255, 255, 255), 0.5),
        (from, 3) => mix(base(from), (200, 200, 200), 0.65),
        (from, to) if from + 1 == to => base(to),
        // Any other: dark, and darker for the second such source.
        (from, to) => {
            let rank = (0..from).filter(|&c| c != to && c + 1 != to).count();
            mix(base(to), (0, 0, 0), 0.3 + 0.3 * rank as f64)
        }
    }
}

/// One stacked layer: a (from, to) pair's mean seats per year.
#[derive(Clone, Debug)]
pub struct Flow {
    /// Legend label (`experience → knowledge`).
    pub label: String,
    /// Fill colour.
    pub color: RGBColor,
    /// Mean seats per year, in year order.
    pub values: Vec<(i32, f64)>,
}

/// The stacked areas of seats changing hands per year.
#[derive(Clone, Debug)]
pub struct HandoverChart {
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub subtitles: Vec<String>,
    /// The layers, bottom up.
    pub flows: Vec<Flow>,
    /// The policy window, marked by two vertical lines.
    pub window: Option<(i32, i32)>,
}

/// Years whose stack is far above the rest (the first years of a run that
/// starts with every seat vacant fill them all) would flatten every other
/// year: a year above `SPIKE` times the 90th percentile of the yearly
/// totals is cut at the top of the axis, which stops above the others, and
/// labelled with its total.
const SPIKE: f64 = 2.5;

impl HandoverChart {
    /// The stack's total per year.
    fn totals(&self) -> BTreeMap<i32, f64> {
        let mut totals = BTreeMap::new();
        for flow in &self.flows {
            for &(year, v) in &flow.values {
                *totals.entry(year).or_insert(0.0) += v;
            }
        }
        totals
    }

    /// The top of the y axis, and the years cut at it with their totals.
    fn y_top(&self) -> (f64, Vec<(i32, f64)>) {
        let totals = self.totals();
        let mut sorted: Vec<f64> = totals.values().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let Some(&highest) = sorted.last() else {
            return (1.0, Vec::new());
        };
        let level = sorted[(sorted.len() - 1) * 9 / 10];
        let cut: Vec<(i32, f64)> = totals
            .iter()
            .filter(|(_, t)| level > 0.0 && **t > SPIKE * level)
            .map(|(y, t)| (*y, *t))
            .collect();
        let shown = totals
            .values()
            .copied()
            .filter(|t| cut.is_empty() || *t <= SPIKE * level)
            .fold(0.0, f64::max);
        if !cut.is_empty() {
            (shown * 1.1, cut)
        } else if highest > 0.0 {
            (highest * 1.05, Vec::new())
        } else {
            (1.0, Vec::new())
        }
    }
}

/// The label of the years cut at the top of the axis: the first three
/// with their totals.
fn cut_label(cut: &[(i32, f64)]) -> String {
    let total = |t: f64| super::data::thousands(t.round() as u64);
    let mut shown: Vec<String> = cut
        .iter()
        .take(3)
        .map(|&(year, t)| format!("{year}: {}", total(t)))
        .collect();
    if cut.len() > 3 {
        shown.push(format!("{} more years", cut.len() - 3));
    }
    format!(
        "Off the scale (seats changing hands) — {}",
        shown.join("; ")
    )
}

impl Painter for HandoverChart {
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let body = style::title_block(root, &self.title, &self.subtitles)?;
        let legend = stack_legend(
            self.flows.iter().map(|f| (f.label.as_str(), f.color)),
            Some("no seat changed hands"),
            self.window,
        );
        let body = style::legend_below(&body, &legend)?;

        let years: Vec<i32> = self.totals().keys().copied().collect();
        let (first, last) = year_span(&years);
        let (top, cut) = self.y_top();
        let mut chart = stack_plot(&body, first, last, top)?;
        let y_format = tick_format(top, 10);
        let x_format = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .y_desc("seats changing hands per year")
            .x_desc("year")
            .axis_desc_style(style::text(style::AXIS_SIZE))
            .label_style(style::text(style::LABEL_SIZE))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .x_labels(year_labels(first, last))
            .y_labels(10)
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()?;

        // A single year makes no area.
        if years.len() > 1 {
            let flows = self.flows.iter().map(|flow| {
                let value_at = move |year: i32| {
                    flow.values
                        .iter()
                        .find(|(y, _)| *y == year)
                        .map_or(0.0, |(_, v)| *v)
                };
                (flow.color, value_at)
            });
            draw_stacked_areas(&mut chart, &years, flows, top)?;
        }
        draw_window(&mut chart, self.window, first, last, top)?;
        // The cut years say their totals, beside the first of them.
        if let Some(&(year, _)) = cut.first() {
            let left = (year as f64) < (first as f64 + last as f64) / 2.0;
            let (anchor, dx) = if left {
                (HPos::Left, 12)
            } else {
                (HPos::Right, -12)
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((year as f64, top))
                    + Text::new(
                        cut_label(&cut),
                        (dx, 10),
                        style::text(style::LABEL_SIZE).pos(Pos::new(anchor, VPos::Top)),
                    ),
            ))?;
        }
        Ok(())
    }
}

/// The `handover` chart of `handover` (the point `point`, "" without a
/// sweep): one layer per pair that ever moves, grouped by the cohort that
/// takes the seats (seats left vacant last).
pub(super) fn chart(info: &super::ScenarioInfo, handover: &Handover, point: &str) -> HandoverChart {
    let mut pairs = handover.moving_pairs();
    // By the cohort taking the seats; within it the next generation's
    // hand-over first, then vacant seats filled, then the others.
    pairs.sort_by_key(|&(from, to)| {
        let rank = match from {
            _ if from + 1 == to => 0,
            3 => 1,
            _ => 2,
        };
        (to, rank, from)
    });
    let flows = pairs
        .into_iter()
        .map(|(from, to)| Flow {
            label: pair_label(from, to),
            color: pair_color(from, to),
            values: handover
                .years
                .iter()
                .map(|(&year, m)| (year, m[from][to]))
                .collect(),
        })
        .collect();
    let mut subtitles = super::header_lines(info);
    if !point.is_empty() {
        subtitles.push(super::capitalise(point));
    }
    let replicates = match handover.replicates.len() {
        1 => "1 replicate".to_string(),
        n => format!("mean over {n} replicates"),
    };
    let seats = handover.seats().map_or(String::new(), |s| {
        format!(" (of {})", super::data::thousands(s.round() as u64))
    });
    subtitles.push(format!(
        "Seats{seats} changing hands each year, summed over communities, {replicates}"
    ));
    subtitles.push(
        "Colour: the cohort taking the seat; full: the next generation, light: a vacant seat filled, dark: any other hand-over"
            .to_string(),
    );
    subtitles.push(
        "Left out: seats kept by the same cohort through the year, and seats vacant all year"
            .to_string(),
    );
    HandoverChart {
        title: format!("Hand-over of seats between cohorts — {}", info.name),
        subtitles,
        flows,
        window: info.policy_window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_has_its_own_colour_in_the_hue_of_the_cohort_taking_the_seats() {
        let mut colours = Vec::new();
        for from in 0..4 {
            for to in (0..4).filter(|&to| to != from) {
                colours.push(pair_color(from, to));
            }
        }
        let mut distinct = colours.clone();
        distinct.sort_by_key(|c| (c.0, c.1, c.2));
        distinct.dedup();
        assert_eq!(distinct.len(), 12, "{colours:?}");
        // The next generation's hand-over is the cohort's own colour.
        assert_eq!(pair_color(0, 1), style::EXPERIENCE);
        assert_eq!(pair_color(1, 2), style::KNOWLEDGE);
    }

    #[test]
    fn a_spike_is_cut_at_the_top_of_the_axis_and_a_flat_run_is_not() {
        let chart = |totals: &[f64]| HandoverChart {
            title: String::new(),
            subtitles: Vec::new(),
            flows: vec![Flow {
                label: "vacant → revolutionary".into(),
                color: pair_color(3, 0),
                values: totals
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (1949 + i as i32, v))
                    .collect(),
            }],
            window: None,
        };
        let mut totals = vec![100.0; 20];
        totals[0] = 5000.0;
        totals[1] = 900.0;
        let (top, cut) = chart(&totals).y_top();
        assert_eq!(cut, [(1949, 5000.0), (1950, 900.0)]);
        assert!((top - 110.0).abs() < 1e-9, "{top}");
        assert_eq!(
            cut_label(&cut),
            "Off the scale (seats changing hands) — 1949: 5,000; 1950: 900"
        );
        let (top, cut) = chart(&[100.0, 120.0, 90.0]).y_top();
        assert!(cut.is_empty());
        assert!((top - 126.0).abs() < 1e-9, "{top}");
        assert_eq!(chart(&[0.0, 0.0]).y_top(), (1.0, Vec::new()));
    }
}
