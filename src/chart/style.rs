//! The look shared by every chart: the embedded font, the Okabe–Ito palette,
//! text sizes, the title block, the legend and the two output encodings
//! (PNG and SVG) of one drawing.
//!
//! Every chart is drawn by one generic function over the plotters backend,
//! so the PNG and the SVG come from the same drawing code and cannot drift
//! apart.

use crate::folder::output;
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Width and height of every chart in pixels.
pub const SIZE: (u32, u32) = (1200, 800);

/// The result of drawing on one backend. Plotters' errors are generic over
/// the backend; boxing them lets one drawing function serve both backends.
pub type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// The font family name the embedded font is registered under. Plotters'
/// own default text (none is used, but a stray default would land here)
/// asks for `sans-serif`, so registering under that name leaves no path to a
/// system font lookup.
pub const FAMILY: &str = "sans-serif";

/// DejaVu Sans, embedded so that text renders on a machine without any
/// system fonts (see `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font with plotters once per process.
pub fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::Runtime(
            "the embedded chart font (assets/DejaVuSans.ttf) could not be read".into(),
        ))
    }
}

/// Text sizes in pixels, chosen for legibility at 1200×800.
pub const TITLE_SIZE: f64 = 30.0;
/// Subtitle lines under the title.
pub const SUBTITLE_SIZE: f64 = 18.0;
/// Axis titles.
pub const AXIS_SIZE: f64 = 20.0;
/// Tick labels and legend entries.
pub const LABEL_SIZE: f64 = 17.0;

/// A text style of the embedded font.
pub fn text(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// The Okabe–Ito palette (Okabe and Ito 2008), safe for the common forms of
/// colour blindness.
pub mod okabe_ito {
    use plotters::style::RGBColor;
    /// Black.
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Sky blue.
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    /// Bluish green.
    pub const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Yellow.
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Vermillion.
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    /// Reddish purple.
    pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
}

/// Colours of lines for sweep points, in the order points are listed. Yellow
/// comes last: it is the hardest to see on white.
pub const SERIES: [RGBColor; 8] = [
    okabe_ito::BLUE,
    okabe_ito::ORANGE,
    okabe_ito::BLUISH_GREEN,
    okabe_ito::REDDISH_PURPLE,
    okabe_ito::SKY_BLUE,
    okabe_ito::VERMILLION,
    okabe_ito::BLACK,
    okabe_ito::YELLOW,
];

/// The colour of each cohort, the same in every chart.
pub const REVOLUTIONARY: RGBColor = okabe_ito::VERMILLION;
/// The experience cohort.
pub const EXPERIENCE: RGBColor = okabe_ito::BLUISH_GREEN;
/// The knowledge cohort.
pub const KNOWLEDGE: RGBColor = okabe_ito::BLUE;
/// Vacant seats: a neutral grey, because a vacancy is the absence of a
/// cohort rather than another group.
pub const VACANT: RGBColor = RGBColor(200, 200, 200);
/// The shading of the policy window.
pub const WINDOW: RGBColor = RGBColor(235, 235, 235);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// The viridis colour map (perceptually uniform and colour-blind safe) at
/// nine anchors, interpolated linearly; `t` in [0, 1].
pub fn viridis(t: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 45, 123),
        (59, 82, 139),
        (44, 114, 142),
        (33, 145, 140),
        (40, 174, 128),
        (94, 201, 98),
        (173, 220, 48),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * (ANCHORS.len() - 1) as f64;
    let idx = (scaled.floor() as usize).min(ANCHORS.len() - 2);
    let frac = scaled - idx as f64;
    let (a, b) = (ANCHORS[idx], ANCHORS[idx + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * frac).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether black text is more legible than white text on `color`.
pub fn dark_text_on(color: RGBColor) -> bool {
    let RGBColor(r, g, b) = color;
    0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64 > 140.0
}

/// Draws the title and the subtitle lines at the top of `root` and returns
/// the area below them.
pub fn title_block<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitles: &[String],
) -> std::result::Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (width, _) = root.dim_in_pixel();
    let centre = width as i32 / 2;
    let top = Pos::new(HPos::Center, VPos::Top);
    let mut y = 14;
    let title = fit(root, title, TITLE_SIZE, width - 40);
    root.draw(&Text::new(title, (centre, y), text(TITLE_SIZE).pos(top)))?;
    y += TITLE_SIZE as i32 + 10;
    for line in subtitles {
        let line = fit(root, line, SUBTITLE_SIZE, width - 40);
        root.draw(&Text::new(
            line,
            (centre, y),
            text(SUBTITLE_SIZE).color(&RGBColor(70, 70, 70)).pos(top),
        ))?;
        y += SUBTITLE_SIZE as i32 + 6;
    }
    Ok(root.split_vertically(y + 6).1)
}

/// `line` shortened with an ellipsis so it fits in `max_width` pixels:
/// a long description must not run off the edge.
pub fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    line: &str,
    size: f64,
    max_width: u32,
) -> String {
    let width = |s: &str| {
        area.estimate_text_size(s, &text(size))
            .map_or(0, |(w, _)| w)
    };
    if width(line) <= max_width {
        return line.to_string();
    }
    let mut chars: Vec<char> = line.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if width(&candidate) <= max_width {
            return candidate;
        }
    }
    String::new()
}

/// The mark a legend entry shows next to its label.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    /// A line of this colour.
    Line(RGBColor),
    /// A dashed line of this colour.
    Dashed(RGBColor),
    /// A filled box of this colour at this opacity.
    Fill(RGBColor, f64),
    /// A dot with a vertical interval bar.
    Interval(RGBColor),
    /// A dot.
    Dot(RGBColor),
    /// No mark: the entry is a note.
    Blank,
}

/// Draws a legend of `entries` centred in a strip at the bottom of `area`,
/// wrapping into as many rows as needed, and returns the area above it.
/// The legend sits outside the plot so that it never hides data.
pub fn legend_below<DB>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
) -> std::result::Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (width, height) = area.dim_in_pixel();
    let style = text(LABEL_SIZE);
    let swatch_w = 36;
    let gap = 28;
    let row_h = LABEL_SIZE as i32 + 12;
    let max_row = width as i32 - 60;
    // Lay entries out in rows first, so each row can be centred.
    let mut rows: Vec<Vec<(String, Swatch, i32)>> = vec![Vec::new()];
    let mut row_w = 0;
    for (label, swatch) in entries {
        let label = fit(area, label, LABEL_SIZE, (max_row - swatch_w - 8) as u32);
        let text_w = area.estimate_text_size(&label, &style)?.0 as i32;
        let entry_w = swatch_w + 8 + text_w;
        let row = rows
            .last_mut()
            .expect("rows starts with one row and only grows");
        if !row.is_empty() && row_w + gap + entry_w > max_row {
            rows.push(Vec::new());
            row_w = 0;
        }
        let row = rows
            .last_mut()
            .expect("rows starts with one row and only grows");
        row_w += if row.is_empty() { 0 } else { gap } + entry_w;
        row.push((label, *swatch, entry_w));
    }
    let legend_h = rows.len() as i32 * row_h + 12;
    let (upper, lower) = area.split_vertically(height as i32 - legend_h);
    for (row_idx, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|e| e.2).sum::<i32>() + gap * (row.len() as i32 - 1);
        let mut x = (width as i32 - total) / 2;
        let y = 6 + row_idx as i32 * row_h + row_h / 2;
        for (label, swatch, entry_w) in row {
            draw_swatch(&lower, *swatch, x, y, swatch_w)?;
            lower.draw(&Text::new(
                label.clone(),
                (x + swatch_w + 8, y),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            x += entry_w + gap;
        }
    }
    Ok(upper)
}

fn draw_swatch<DB>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
    w: i32,
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    match swatch {
        Swatch::Line(color) => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + w, y)],
                color.stroke_width(3),
            ))?;
        }
        Swatch::Dashed(color) => {
            let (dash, gap) = (8, 6);
            let mut from = x;
            while from < x + w {
                let to = (from + dash).min(x + w);
                area.draw(&PathElement::new(
                    vec![(from, y), (to, y)],
                    color.stroke_width(3),
                ))?;
                from = to + gap;
            }
        }
        Swatch::Fill(color, opacity) => {
            area.draw(&Rectangle::new(
                [(x, y - 8), (x + w, y + 8)],
                color.mix(opacity).filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x, y - 8), (x + w, y + 8)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
        }
        Swatch::Interval(color) => {
            let cx = x + w / 2;
            area.draw(&PathElement::new(
                vec![(cx, y - 9), (cx, y + 9)],
                color.stroke_width(2),
            ))?;
            area.draw(&Circle::new((cx, y), 5, color.filled()))?;
        }
        Swatch::Dot(color) => {
            area.draw(&Circle::new((x + w / 2, y), 4, color.filled()))?;
        }
        Swatch::Blank => {}
    }
    Ok(())
}

/// A chart that can draw itself on any plotters backend.
pub trait Painter {
    /// Draws the whole chart on `root`, which is [`SIZE`] pixels.
    fn paint<DB>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static;
}

/// Draws `painter` into `charts_dir/<stem>.png` and `<stem>.svg` and returns
/// both paths. Each file is written under a temporary name and renamed, so
/// no half-written chart carries the final name.
pub fn write_painter(
    charts_dir: &Path,
    stem: &str,
    painter: &impl Painter,
) -> Result<Vec<PathBuf>> {
    let failed = |e: Box<dyn std::error::Error>| Error::Runtime(format!("drawing {stem}: {e}"));
    let (w, h) = SIZE;

    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.into()))?;
        painter.paint(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))?;
    }
    let png_bytes = encode_png(&pixels, SIZE).map_err(|e| failed(e.into()))?;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.into()))?;
        painter.paint(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))?;
    }

    let png_path = charts_dir.join(format!("{stem}.png"));
    let svg_path = charts_dir.join(format!("{stem}.svg"));
    output::write_atomically(&png_path, &png_bytes)?;
    output::write_atomically(&svg_path, svg.as_bytes())?;
    Ok(vec![png_path, svg_path])
}

/// Encodes 8-bit RGB pixels as PNG with fixed settings, so the same pixels
/// always give the same bytes.
fn encode_png(
    pixels: &[u8],
    (w, h): (u32, u32),
) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Default);
        encoder.set_filter(png::FilterType::Paeth);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
        writer.finish()?;
    }
    Ok(bytes)
}

/// The box a text occupies on the chart, in pixels (`x0 < x1`, `y0 < y1`),
/// as the bitmap backend places it: the font's layout box (advance width ×
/// `size / 1.24`, plotters' line box for the embedded font), moved by the
/// text's anchor and turned by its rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextBox {
    /// The text drawn.
    pub text: String,
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge.
    pub x1: i32,
    /// Bottom edge.
    pub y1: i32,
}

impl TextBox {
    /// Whether the two boxes share more than a `tolerance`-pixel strip.
    pub fn overlaps(&self, other: &TextBox, tolerance: i32) -> bool {
        let dx = self.x1.min(other.x1) - self.x0.max(other.x0);
        let dy = self.y1.min(other.y1) - self.y0.max(other.y0);
        dx > tolerance && dy > tolerance
    }
}

/// A backend that draws nothing and records the box of every text, placed
/// exactly as `plotters_backend::DrawingBackend::draw_text` places glyphs
/// for the bitmap (the same layout box, anchor offsets and rotation).
struct Recorder {
    boxes: std::rc::Rc<std::cell::RefCell<Vec<TextBox>>>,
}

impl DrawingBackend for Recorder {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        SIZE
    }

    fn ensure_prepared(&mut self) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        _point: BackendCoord,
        _color: BackendColor,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.color().alpha == 0.0 || text.trim().is_empty() {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let corners = [
            transform.transform(dx, dy),
            transform.transform(dx + width, dy + height),
        ];
        let (xa, ya) = corners[0];
        let (xb, yb) = corners[1];
        self.boxes.borrow_mut().push(TextBox {
            text: text.to_string(),
            x0: pos.0 + xa.min(xb),
            y0: pos.1 + ya.min(yb),
            x1: pos.0 + xa.max(xb),
            y1: pos.1 + ya.max(yb),
        });
        Ok(())
    }
}

/// The boxes of every text `painter` draws, in drawing order (for layout
/// tests: the same painting code as [`write_painter`], on a backend that
/// records instead of drawing).
pub fn text_boxes(painter: &impl Painter) -> Result<Vec<TextBox>> {
    let boxes = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let root = Recorder {
        boxes: boxes.clone(),
    }
    .into_drawing_area();
    painter
        .paint(&root)
        .map_err(|e| Error::Runtime(format!("laying out a chart: {e}")))?;
    drop(root);
    Ok(boxes.take())
}
