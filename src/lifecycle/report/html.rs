//! The page of `succession report`, built from plain data ([`Page`]) by a
//! pure function ([`page`]): no file, no clock, so the same data give the
//! same bytes.
//!
//! Every text reaches the page through [`Out::text`], which escapes it;
//! markup is written only from `&'static str` ([`Out::raw`]), and the one
//! other way in is a [`SafeSvg`], an SVG checked element by element and
//! attribute by attribute against the short list plotters writes. A
//! scenario description holding `<script>` is shown as text, and a
//! Content-Security-Policy forbids scripts and every network load besides.

use crate::chart::{HOLDERS, pair_label};
use std::fmt::Write as _;

/// Everything the page shows, in its order.
#[derive(Clone, Debug)]
pub struct Page {
    /// The scenario's name (the page's title).
    pub name: String,
    /// The scenario's description.
    pub description: Option<String>,
    /// The run folder, as given.
    pub folder: String,
    /// The scenario at a glance: (what, value).
    pub facts: Vec<(String, String)>,
    /// Every resolved parameter: (path, value).
    pub parameters: Vec<(String, String)>,
    /// The summary figures of each point shown.
    pub summaries: Vec<PointSummary>,
    /// Points of `summary.csv` not shown (a large sweep).
    pub points_left_out: usize,
    /// The charts, in the order `succession plot` draws them.
    pub charts: Vec<Chart>,
    /// The hand-over by decade, or why there is none.
    pub handover: Result<DecadeTable, String>,
    /// A `[sensitivity]` study's indices, one table per figure.
    pub sensitivity: Vec<IndexTable>,
    /// The comparisons found in the folder.
    pub comparisons: Vec<Comparison>,
    /// Where the numbers come from: (what, value).
    pub provenance: Vec<(String, String)>,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            name: String::new(),
            description: None,
            folder: String::new(),
            facts: Vec::new(),
            parameters: Vec::new(),
            summaries: Vec::new(),
            points_left_out: 0,
            charts: Vec::new(),
            handover: Err(String::new()),
            sensitivity: Vec::new(),
            comparisons: Vec::new(),
            provenance: Vec::new(),
        }
    }
}

/// The summary figures of one point.
#[derive(Clone, Debug)]
pub struct PointSummary {
    /// "Point 3: a=1, b=2", or "" without a sweep.
    pub heading: String,
    /// Replicates behind the statistics.
    pub replicates: String,
    /// One row per figure.
    pub rows: Vec<FigureRow>,
}

/// One summary figure.
#[derive(Clone, Debug)]
pub struct FigureRow {
    /// Its column name.
    pub figure: String,
    /// Its unit.
    pub unit: String,
    /// What it is (backticks mark column names).
    pub meaning: String,
    /// Its statistics.
    pub cells: FigureCells,
}

/// The statistics of a figure over replicates.
#[derive(Clone, Copy, Debug)]
pub enum FigureCells {
    /// Mean and 95% interval.
    Interval {
        /// The mean.
        mean: Option<f64>,
        /// Lower end.
        lo: Option<f64>,
        /// Upper end.
        hi: Option<f64>,
    },
    /// A year: the median, the earliest and the latest.
    Year {
        /// The lower median.
        median: Option<f64>,
        /// The earliest.
        min: Option<f64>,
        /// The latest.
        max: Option<f64>,
    },
}

/// One chart.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Its file stem in `charts/`.
    pub stem: String,
    /// The SVG, or why it is not shown.
    pub svg: Result<SafeSvg, String>,
}

/// The seats that changed hands, per decade.
#[derive(Clone, Debug)]
pub struct DecadeTable {
    /// Which point ("" without a sweep).
    pub point: String,
    /// Replicates averaged.
    pub replicates: usize,
    /// The (from, to) columns, indices into [`HOLDERS`].
    pub pairs: Vec<(usize, usize)>,
    /// One row per decade.
    pub rows: Vec<DecadeRow>,
}

/// One decade of the hand-over.
#[derive(Clone, Debug)]
pub struct DecadeRow {
    /// Its first and last year in the run.
    pub years: (i32, i32),
    /// Seats in its first year.
    pub seats: f64,
    /// Seats that changed hands in it, per pair of [`DecadeTable::pairs`].
    pub cells: Vec<f64>,
}

/// The sensitivity indices of one figure.
#[derive(Clone, Debug)]
pub struct IndexTable {
    /// The figure.
    pub figure: String,
    /// The index names, in file order.
    pub indices: Vec<String>,
    /// Per parameter: (path, per index (value, lo, hi)).
    pub rows: Vec<(String, Vec<Estimate>)>,
}

/// A value with its interval.
pub type Estimate = (Option<f64>, Option<f64>, Option<f64>);

/// A comparison's table and chart.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Its folder, relative to the run folder ("" for the run folder).
    pub folder: String,
    /// What A and B are, as its `datapackage.json` says.
    pub what: Option<String>,
    /// One row per figure.
    pub rows: Vec<CompareRow>,
    /// Its chart, if it has one.
    pub chart: Option<Result<SafeSvg, String>>,
}

/// One row of `compare.csv`.
#[derive(Clone, Debug)]
pub struct CompareRow {
    /// The figure.
    pub figure: String,
    /// a_mean, b_mean, diff_mean, diff_lo, diff_hi, diff_sd.
    pub values: [Option<f64>; 6],
    /// Replicates or pairs.
    pub n: String,
}

/// An SVG that may be put into the page as it is: only the elements and
/// attributes plotters writes, no script, no link, no reference to
/// anything outside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeSvg(String);

const SVG_ELEMENTS: [&str; 11] = [
    "svg", "g", "rect", "line", "polyline", "polygon", "path", "circle", "ellipse", "text", "tspan",
];
const SVG_ATTRIBUTES: [&str; 35] = [
    "width",
    "height",
    "viewBox",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "dx",
    "dy",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "points",
    "d",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-linecap",
    "stroke-linejoin",
    "opacity",
    "fill-opacity",
    "stroke-opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "transform",
    "xmlns",
];

impl SafeSvg {
    /// `svg` if it is one `<svg>` element made of plotters' elements and
    /// attributes only (an XML declaration before it is dropped, and so is
    /// the `xmlns` attribute, which HTML does not need); `Err` says what
    /// was refused.
    pub fn new(svg: &str) -> Result<SafeSvg, String> {
        let mut rest = svg.trim();
        if rest.starts_with("<?xml") {
            let end = rest.find("?>").ok_or("an unterminated XML declaration")?;
            rest = rest[end + 2..].trim_start();
        }
        let mut out = String::with_capacity(rest.len());
        let mut open: Vec<&str> = Vec::new();
        let mut seen_root = false;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            if open.is_empty() && !text.trim().is_empty() {
                return Err("text outside the <svg> element".into());
            }
            out.push_str(text);
            rest = &rest[start + 1..];
            if let Some(after) = rest.strip_prefix('/') {
                let end = after.find('>').ok_or("an unterminated closing tag")?;
                let name = after[..end].trim();
                if open.pop() != Some(name) {
                    return Err(format!("</{name}> closes nothing open"));
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
                rest = &after[end + 1..];
                if open.is_empty() {
                    if !rest.trim().is_empty() {
                        return Err("content after the </svg>".into());
                    }
                    return Ok(SafeSvg(out));
                }
                continue;
            }
            let name_end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .ok_or("an unterminated tag")?;
            let name = &rest[..name_end];
            if !SVG_ELEMENTS.contains(&name) {
                return Err(format!("element <{name}> is not one a chart draws"));
            }
            if open.is_empty() {
                if seen_root {
                    return Err("a second root element".into());
                }
                if name != "svg" {
                    return Err("the root element is not <svg>".into());
                }
            }
            seen_root = true;
            out.push('<');
            out.push_str(name);
            rest = &rest[name_end..];
            // Attributes: name="value", the value without quotes, angle
            // brackets or references to anything.
            loop {
                rest = rest.trim_start();
                if let Some(after) = rest.strip_prefix("/>") {
                    out.push_str("/>");
                    rest = after;
                    break;
                }
                if let Some(after) = rest.strip_prefix('>') {
                    out.push('>');
                    open.push(name);
                    rest = after;
                    break;
                }
                let eq = rest.find('=').ok_or("an attribute without a value")?;
                let attribute = rest[..eq].trim();
                if !SVG_ATTRIBUTES.contains(&attribute) {
                    return Err(format!("attribute {attribute:?} is not one a chart draws"));
                }
                let after = rest[eq + 1..].trim_start();
                let value_and_rest = after
                    .strip_prefix('"')
                    .ok_or("an attribute value without double quotes")?;
                let end = value_and_rest
                    .find('"')
                    .ok_or("an unterminated attribute value")?;
                let value = &value_and_rest[..end];
                if attribute == "xmlns" {
                    // The SVG namespace, which HTML gives an <svg> anyway.
                    if value != "http://www.w3.org/2000/svg" {
                        return Err(format!("the namespace {value:?}"));
                    }
                } else {
                    let lower = value.to_ascii_lowercase();
                    // A character reference could spell `url(` or `:` in a
                    // way the browser decodes; a chart's values hold none.
                    if value.contains(['<', '>'])
                        || lower.contains("url(")
                        || lower.contains(':')
                        || value.contains("&#")
                    {
                        return Err(format!("attribute {attribute:?} has the value {value:?}"));
                    }
                    let _ = write!(out, " {attribute}=\"{value}\"");
                }
                rest = &value_and_rest[end + 1..];
            }
            if open.is_empty() {
                // A self-closed root: nothing to draw, nothing after it.
                return if rest.trim().is_empty() {
                    Ok(SafeSvg(out))
                } else {
                    Err("content after the <svg/>".into())
                };
            }
        }
        Err("no complete <svg> element".into())
    }

    /// The checked markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The page being written.
struct Out(String);

impl Out {
    /// Markup: only literals of this file.
    fn raw(&mut self, markup: &'static str) {
        self.0.push_str(markup);
    }

    /// Text, escaped for an element's content or a quoted attribute.
    fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
    }

    /// Text whose `backticked` spans are set as code.
    fn prose(&mut self, text: &str) {
        for (i, piece) in text.split('`').enumerate() {
            if i % 2 == 1 {
                self.raw("<code>");
                self.text(piece);
                self.raw("</code>");
            } else {
                self.text(piece);
            }
        }
    }

    /// `<tag>text</tag>` for one of a few plain tags.
    fn element(&mut self, open: &'static str, text: &str, close: &'static str) {
        self.raw(open);
        self.text(text);
        self.raw(close);
    }

    fn svg(&mut self, svg: &SafeSvg) {
        self.0.push_str(svg.as_str());
    }
}

const STYLE: &str = "
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f3f0; color: #1f2328;
  font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif;
  font-size: 16px; line-height: 1.5; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 40px 48px; background: #fff;
  min-height: 100vh; box-shadow: 0 0 0 1px #e4e4df; }
header { border-bottom: 3px solid #0072b2; padding-bottom: 14px; }
.kicker { margin: 0; color: #0072b2; font-size: 13px; letter-spacing: .08em; text-transform: uppercase; font-weight: 600; }
h1 { font-size: 30px; line-height: 1.2; margin: 4px 0 8px; }
h2 { font-size: 22px; margin: 40px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d8d8d2; }
h3 { font-size: 17px; margin: 22px 0 6px; }
p { margin: 8px 0; max-width: 80ch; }
.description { font-size: 17px; color: #333; }
.note { color: #57606a; font-size: 14px; }
nav { margin: 16px 0 4px; font-size: 14px; }
nav a { color: #0a5c8f; text-decoration: none; margin-right: 18px; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 0.88em;
  background: #f2f2ee; padding: 0 3px; border-radius: 3px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 10px 0 6px; font-size: 14px; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e6e6e1; text-align: left; vertical-align: top; }
thead th { background: #f2f2ee; border-bottom: 2px solid #d0d0c8; font-weight: 600; }
tbody tr:hover { background: #fafaf7; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.meaning { color: #444; max-width: 46ch; }
.unit { color: #6e7781; font-size: 13px; }
table.facts th { background: none; border-bottom: 1px solid #e6e6e1; width: 210px; color: #444; font-weight: 600; }
table.parameters td:first-child { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; }
table.parameters td { padding: 2px 10px; }
.value { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; word-break: break-word; }
details { margin: 10px 0; }
details > summary { cursor: pointer; font-weight: 600; color: #0a5c8f; }
figure { margin: 20px 0 28px; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid #e4e4df; border-radius: 4px; }
figcaption { font-size: 13px; color: #57606a; margin-top: 4px; }
table.handover { font-size: 12px; }
table.handover th, table.handover td { padding: 3px 5px; }
table.handover th.pair { text-align: right; white-space: nowrap; font-weight: 500; }
table.handover th.group { text-align: center; border-left: 2px solid #fff; border-right: 2px solid #fff; }
table.handover td.decade { font-weight: 600; white-space: nowrap; }
.missing, .zero { color: #a4abb3; }
footer { margin-top: 48px; font-size: 13px; color: #6e7781; border-top: 1px solid #e4e4df; padding-top: 10px; }
";

/// The page of `page`.
pub fn page(page: &Page) -> String {
    let mut out = Out(String::with_capacity(1 << 16));
    out.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Nothing is loaded and nothing runs: every resource of the page is in
    // it, and no script is.
    out.raw(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.raw("<link rel=\"icon\" href=\"data:,\">\n<title>");
    out.text(&page.name);
    out.raw(" — succession report</title>\n<style>");
    out.raw(STYLE);
    out.raw("</style>\n</head>\n<body>\n<main>\n<header>\n");
    out.raw("<p class=\"kicker\">succession run report</p>\n");
    out.element("<h1>", &page.name, "</h1>\n");
    if let Some(description) = &page.description {
        out.element("<p class=\"description\">", description, "</p>\n");
    }
    out.element(
        "<p class=\"note\">Run folder <code>",
        &page.folder,
        "</code></p>\n",
    );
    out.raw("<nav>");
    let mut sections: Vec<(&'static str, &'static str)> = vec![
        ("scenario", "Scenario"),
        ("summary", "Summary figures"),
        ("charts", "Charts"),
        ("handover", "Hand-over"),
    ];
    if !page.sensitivity.is_empty() {
        sections.push(("sensitivity", "Sensitivity"));
    }
    if !page.comparisons.is_empty() {
        sections.push(("comparison", "Comparison"));
    }
    sections.push(("provenance", "Provenance"));
    for (id, title) in sections {
        out.raw("<a href=\"#");
        out.raw(id);
        out.raw("\">");
        out.raw(title);
        out.raw("</a>");
    }
    out.raw("</nav>\n</header>\n");

    scenario_section(&mut out, page);
    summary_section(&mut out, page);
    charts_section(&mut out, page);
    handover_section(&mut out, &page.handover);
    if !page.sensitivity.is_empty() {
        sensitivity_section(&mut out, &page.sensitivity);
    }
    if !page.comparisons.is_empty() {
        comparison_section(&mut out, &page.comparisons);
    }
    out.raw("<section id=\"provenance\">\n<h2>Provenance</h2>\n");
    facts_table(&mut out, &page.provenance);
    out.raw("</section>\n");
    out.raw("<footer>Written by <code>succession report</code> from the run folder's files alone; a self-contained page (no script, nothing fetched).</footer>\n");
    out.raw("</main>\n</body>\n</html>\n");
    out.0
}

fn facts_table(out: &mut Out, facts: &[(String, String)]) {
    out.raw("<table class=\"facts\">\n<tbody>\n");
    for (what, value) in facts {
        out.element("<tr><th scope=\"row\">", what, "</th>");
        out.element("<td class=\"value\">", value, "</td></tr>\n");
    }
    out.raw("</tbody>\n</table>\n");
}

fn scenario_section(out: &mut Out, page: &Page) {
    out.raw("<section id=\"scenario\">\n<h2>Scenario</h2>\n");
    facts_table(out, &page.facts);
    out.raw("<details>\n<summary>");
    out.text(&format!(
        "All {} resolved parameters (every default filled in)",
        page.parameters.len()
    ));
    out.raw("</summary>\n<div class=\"scroll\"><table class=\"parameters\">\n<thead><tr><th>path</th><th>value</th></tr></thead>\n<tbody>\n");
    for (path, value) in &page.parameters {
        out.element("<tr><td>", path, "</td>");
        out.element("<td class=\"value\">", value, "</td></tr>\n");
    }
    out.raw("</tbody>\n</table></div>\n</details>\n</section>\n");
}

/// Decimals that give `v` four significant digits (0 to 6).
fn decimals(v: f64) -> usize {
    if v == 0.0 || !v.is_finite() {
        return 3;
    }
    (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize
}

fn fixed(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) => {
            let text = format!("{v:.decimals$}");
            // "-0.000" reads as a different number from "0.000".
            if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
                text[1..].to_string()
            } else {
                text.replace('-', "−")
            }
        }
        None => "–".to_string(),
    }
}

fn num_cell(out: &mut Out, text: &str) {
    if text == "–" {
        out.raw("<td class=\"num missing\">–</td>");
    } else {
        out.element("<td class=\"num\">", text, "</td>");
    }
}

fn summary_section(out: &mut Out, page: &Page) {
    out.raw("<section id=\"summary\">\n<h2>Summary figures</h2>\n");
    out.raw("<p class=\"note\">Each figure's mean over the replicates and the 95% t-interval of that mean, <code>mean ± t(0.975, n−1)·sd/√n</code>, from <code>summary.csv</code>; no interval with one replicate. The trough year has no mean: its median and range over the replicates.</p>\n");
    let sweep = page.summaries.len() > 1 || page.summaries.iter().any(|s| !s.heading.is_empty());
    for (i, point) in page.summaries.iter().enumerate() {
        if sweep {
            out.raw(if i == 0 {
                "<details open>\n<summary>"
            } else {
                "<details>\n<summary>"
            });
            out.text(&format!("{} ({})", point.heading, point.replicates));
            out.raw("</summary>\n");
        } else {
            out.element("<p>", &format!("Over {}.", point.replicates), "</p>\n");
        }
        out.raw("<div class=\"scroll\"><table class=\"summary\">\n<thead><tr><th>figure</th><th>meaning</th><th class=\"num\">mean</th><th class=\"num\">95% lo</th><th class=\"num\">95% hi</th></tr></thead>\n<tbody>\n");
        for row in &point.rows {
            out.raw("<tr><td><code>");
            out.text(&row.figure);
            out.raw("</code></td><td class=\"meaning\">");
            out.prose(&row.meaning);
            if !row.unit.is_empty() {
                out.raw(" <span class=\"unit\">(");
                out.text(&row.unit);
                out.raw(")</span>");
            }
            out.raw("</td>");
            match row.cells {
                FigureCells::Interval { mean, lo, hi } => {
                    let d = decimals(mean.unwrap_or(0.0));
                    for v in [mean, lo, hi] {
                        num_cell(out, &fixed(v, d));
                    }
                }
                FigureCells::Year { median, min, max } => {
                    let year = |v: Option<f64>| fixed(v, 0);
                    out.raw("<td class=\"num\">");
                    out.text(&format!("median {}", year(median)));
                    out.raw("</td><td class=\"num\" colspan=\"2\">");
                    out.text(&format!("range {}–{}", year(min), year(max)));
                    out.raw("</td>");
                }
            }
            out.raw("</tr>\n");
        }
        out.raw("</tbody>\n</table></div>\n");
        if sweep {
            out.raw("</details>\n");
        }
    }
    if page.summaries.is_empty() {
        out.raw("<p class=\"note\">No point in <code>summary.csv</code>.</p>\n");
    }
    if page.points_left_out > 0 {
        out.element(
            "<p class=\"note\">",
            &format!(
                "{} more points are in summary.csv (the page shows the first {}).",
                page.points_left_out,
                page.summaries.len()
            ),
            "</p>\n",
        );
    }
    out.raw("</section>\n");
}

fn charts_section(out: &mut Out, page: &Page) {
    out.raw("<section id=\"charts\">\n<h2>Charts</h2>\n");
    out.raw("<p class=\"note\">The run's charts as <code>succession plot</code> draws them (<code>charts/*.svg</code>); <code>docs/charts.md</code> says how to read each.</p>\n");
    for chart in &page.charts {
        out.raw("<figure>\n");
        match &chart.svg {
            Ok(svg) => out.svg(svg),
            Err(why) => out.element(
                "<p class=\"note\">",
                &format!("charts/{}.svg is not shown: {why}", chart.stem),
                "</p>",
            ),
        }
        out.raw("\n<figcaption><code>charts/");
        out.text(&chart.stem);
        out.raw(".svg</code></figcaption>\n</figure>\n");
    }
    out.raw("</section>\n");
}

/// Thousands with a thin space, one decimal when `decimals`.
fn seats(v: f64, decimals: bool) -> String {
    let text = if decimals {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w.to_string(), format!(".{f}")),
        None => (text.clone(), String::new()),
    };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped + &fraction
}

/// The chart's colour of a pair, as CSS `rgb(…)`, at opacity `alpha`.
fn pair_css(from: usize, to: usize, alpha: f64) -> String {
    let c = crate::chart::pair_color(from, to);
    format!("rgba({}, {}, {}, {alpha:.2})", c.0, c.1, c.2)
}

fn handover_section(out: &mut Out, handover: &Result<DecadeTable, String>) {
    out.raw("<section id=\"handover\">\n<h2>Hand-over of seats by decade</h2>\n");
    let table = match handover {
        Ok(table) => table,
        Err(why) => {
            out.element("<p class=\"note\">", why, "</p>\n</section>\n");
            return;
        }
    };
    let point = if table.point.is_empty() {
        String::new()
    } else {
        format!("{}: ", table.point)
    };
    out.element(
        "<p class=\"note\">",
        &format!(
            "{point}Seats that changed hands in each decade (from the cohort holding them at the start of a year to the one holding them at its end, or from and to vacant), summed over the decade's years and over communities, mean over {} replicate(s), from transitions.csv. Seats kept by the same cohort are left out. Read a row across to see which generation replaced which.",
            table.replicates
        ),
        "</p>\n",
    );
    if table.pairs.is_empty() {
        out.raw("<p>No seat changed hands.</p>\n</section>\n");
        return;
    }
    let highest = table
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .copied()
        .fold(0.0, f64::max);
    // Means over replicates: a decimal where it says something (small
    // counts), none where the counts are in the thousands.
    let with_decimals = highest < 1000.0
        && table
            .rows
            .iter()
            .flat_map(|r| &r.cells)
            .any(|v| (v - v.round()).abs() > 1e-9);
    // The number of seats, once if it never changes.
    let same_seats = table
        .rows
        .windows(2)
        .all(|w| (w[0].seats - w[1].seats).abs() < 1e-9);
    if same_seats && let Some(row) = table.rows.first() {
        out.element(
            "<p class=\"note\">",
            &format!("Seats: {} in every year.", seats(row.seats, false)),
            "</p>\n",
        );
    }
    out.raw("<div class=\"scroll\"><table class=\"handover\">\n<thead>\n<tr><th rowspan=\"2\">decade</th>");
    if !same_seats {
        out.raw("<th rowspan=\"2\" class=\"num\">seats</th>");
    }
    // One header cell per `from`, spanning its pairs.
    let mut i = 0;
    while i < table.pairs.len() {
        let from = table.pairs[i].0;
        let span = table.pairs[i..].iter().take_while(|p| p.0 == from).count();
        out.raw("<th class=\"group\" colspan=\"");
        out.text(&span.to_string());
        out.raw("\">from ");
        out.text(HOLDERS[from]);
        out.raw("</th>");
        i += span;
    }
    out.raw("</tr>\n<tr>");
    for &(from, to) in &table.pairs {
        out.raw("<th class=\"pair\" title=\"");
        out.text(&pair_label(from, to));
        out.raw("\" style=\"border-top: 5px solid ");
        out.text(&pair_css(from, to, 1.0));
        out.raw("\">→ ");
        out.text(HOLDERS[to]);
        out.raw("</th>");
    }
    out.raw("</tr>\n</thead>\n<tbody>\n");
    for row in &table.rows {
        let (a, b) = row.years;
        let decade = a.div_euclid(10) * 10;
        let label = if a == decade && b == decade + 9 {
            format!("{decade}s")
        } else if a == b {
            format!("{decade}s ({a})")
        } else {
            format!("{decade}s ({a}–{b})")
        };
        out.element("<tr><td class=\"decade\">", &label, "</td>");
        if !same_seats {
            out.element("<td class=\"num\">", &seats(row.seats, false), "</td>");
        }
        for (&(from, to), &v) in table.pairs.iter().zip(&row.cells) {
            let alpha = if highest > 0.0 {
                0.45 * (v / highest).sqrt()
            } else {
                0.0
            };
            out.raw(if v == 0.0 {
                "<td class=\"num zero\" style=\"background: "
            } else {
                "<td class=\"num\" style=\"background: "
            });
            out.text(&pair_css(from, to, alpha));
            out.raw("\">");
            out.text(&seats(v, with_decimals));
            out.raw("</td>");
        }
        out.raw("</tr>\n");
    }
    out.raw("</tbody>\n</table></div>\n</section>\n");
}

fn sensitivity_section(out: &mut Out, tables: &[IndexTable]) {
    out.raw("<section id=\"sensitivity\">\n<h2>Sensitivity</h2>\n");
    out.raw("<p class=\"note\">From <code>sensitivity.csv</code>: each index with its 95% bootstrap interval (Sobol' S1 and ST: shares of the figure's variance; Morris μ*, μ, σ: elementary effects). <code>docs/sensitivity.md</code> says how to read them.</p>\n");
    for table in tables {
        out.raw("<h3><code>");
        out.text(&table.figure);
        out.raw("</code></h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>parameter</th>");
        for index in &table.indices {
            out.element("<th class=\"num\">", index, "</th>");
            out.element(
                "<th class=\"num\">",
                &format!("{index} 95% interval"),
                "</th>",
            );
        }
        out.raw("</tr></thead>\n<tbody>\n");
        for (parameter, estimates) in &table.rows {
            out.raw("<tr><td><code>");
            out.text(parameter);
            out.raw("</code></td>");
            for &(value, lo, hi) in estimates {
                num_cell(out, &fixed(value, 3));
                let interval = match (lo, hi) {
                    (None, None) => "–".to_string(),
                    _ => format!("{} to {}", fixed(lo, 3), fixed(hi, 3)),
                };
                num_cell(out, &interval);
            }
            out.raw("</tr>\n");
        }
        out.raw("</tbody>\n</table></div>\n");
    }
    out.raw("</section>\n");
}

fn comparison_section(out: &mut Out, comparisons: &[Comparison]) {
    out.raw("<section id=\"comparison\">\n<h2>Comparison</h2>\n");
    out.raw("<p class=\"note\">From <code>succession compare</code>'s <code>compare.csv</code>: every difference is B − A, with its 95% interval (paired by replicate, or Welch's when unpaired).</p>\n");
    for comparison in comparisons {
        let folder = if comparison.folder.is_empty() {
            "compare.csv".to_string()
        } else {
            format!("{}/compare.csv", comparison.folder)
        };
        out.raw("<h3><code>");
        out.text(&folder);
        out.raw("</code></h3>\n");
        if let Some(what) = &comparison.what {
            out.element("<p>", what, "</p>\n");
        }
        out.raw("<div class=\"scroll\"><table>\n<thead><tr><th>figure</th><th class=\"num\">A mean</th><th class=\"num\">B mean</th><th class=\"num\">B − A</th><th class=\"num\">95% lo</th><th class=\"num\">95% hi</th><th class=\"num\">sd of B − A</th><th class=\"num\">n</th></tr></thead>\n<tbody>\n");
        for row in &comparison.rows {
            out.raw("<tr><td><code>");
            out.text(&row.figure);
            out.raw("</code></td>");
            // Two significant digits of the difference's sd, or the
            // level's four when it does not vary.
            let [a, b, .., sd] = row.values;
            let d = match sd {
                Some(sd) if sd > 0.0 => (1 - sd.log10().floor() as i32).clamp(0, 6) as usize,
                _ => decimals(a.or(b).unwrap_or(0.0)),
            };
            for v in row.values {
                num_cell(out, &fixed(v, d));
            }
            num_cell(out, &row.n);
            out.raw("</tr>\n");
        }
        out.raw("</tbody>\n</table></div>\n");
        if let Some(chart) = &comparison.chart {
            out.raw("<figure>\n");
            match chart {
                Ok(svg) => out.svg(svg),
                Err(why) => out.element(
                    "<p class=\"note\">",
                    &format!("its chart is not shown: {why}"),
                    "</p>",
                ),
            }
            out.raw("\n</figure>\n");
        }
    }
    out.raw("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_markup_is_not() {
        let page = page(&Page {
            name: "a <b> & 'c'".into(),
            description: Some("<script>alert(\"x\")</script>".into()),
            handover: Err("none".into()),
            ..Page::default()
        });
        assert!(
            page.contains("<h1>a &lt;b&gt; &amp; &#39;c&#39;</h1>"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn only_plotters_svg_passes() {
        let good = "<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" fill=\"#FFFFFF\"/>\n<text x=\"1\" y=\"2\">a &lt;b&gt;</text>\n</svg>\n";
        let svg = SafeSvg::new(good).unwrap();
        assert!(svg.as_str().starts_with("<svg width=\"10\""));
        assert!(!svg.as_str().contains("xmlns"));
        assert!(
            svg.as_str()
                .contains("<text x=\"1\" y=\"2\">a &lt;b&gt;</text>")
        );
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=\"alert(1)\"></svg>",
            "<svg><a href=\"http://x\"><text>x</text></a></svg>",
            "<svg><rect fill=\"url(http://x)\"/></svg>",
            "<svg><rect fill=\"url&#40;http&#58;//x)\"/></svg>",
            "<svg><image x=\"0\"/></svg>",
            "<svg><foreignObject></foreignObject></svg>",
            "<svg><text>a</text></svg><script>alert(1)</script>",
            "<rect/>",
            "<svg><text>a</svg>",
            "<svg><!-- x --></svg>",
            "<svg><rect fill='red'/></svg>",
            "<svg></svg><svg></svg>",
            "<svg xmlns=\"http://example.com/x\"></svg>",
            "<svg><text x=\"javascript:alert(1)\">a</text></svg>",
            "no svg",
        ] {
            assert!(SafeSvg::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_get_four_significant_digits_and_seats_thousands() {
        assert_eq!(fixed(Some(0.912345), decimals(0.912345)), "0.9123");
        assert_eq!(fixed(Some(12.744), decimals(12.744)), "12.74");
        assert_eq!(fixed(Some(-0.00001), 3), "0.000");
        assert_eq!(fixed(Some(-0.5), 2), "−0.50");
        assert_eq!(fixed(None, 2), "–");
        assert_eq!(seats(1234567.0, false), "1,234,567");
        assert_eq!(seats(1234.25, true), "1,234.2");
        assert_eq!(seats(12.0, false), "12");
    }
}
