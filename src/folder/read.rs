//! Reading a run folder's CSV back: the one reader of `timeseries.csv`,
//! which the charts and the calibration report both use, and the CSV
//! helpers the chart data reading shares.
//!
//! `timeseries.csv` can hold millions of rows, so it is streamed: one row
//! at a time, columns found by name (the names of
//! [`super::schema::timeseries`]), and only the cells asked for parsed.
//! Every malformed input is an [`Error::BadInput`] naming the file and,
//! where there is one, the line and the column.

use crate::study::calibration::{self, Report, Series, Targets};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A `timeseries.csv` being streamed row by row.
pub struct Timeseries {
    path: PathBuf,
    reader: csv::Reader<std::fs::File>,
    header: Vec<String>,
    record: csv::ByteRecord,
    point: usize,
    replicate: usize,
    year: usize,
    /// The positions of the columns [`Timeseries::select`] asked for.
    selected: Vec<(String, usize)>,
    rows: u64,
}

impl Timeseries {
    /// Opens `path` and reads its header, which must name `point`,
    /// `replicate` and `year`.
    pub fn open(path: &Path) -> Result<Timeseries> {
        let mut reader = open_csv(path)?;
        let header: Vec<String> = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let mut series = Timeseries {
            path: path.to_path_buf(),
            reader,
            header,
            record: csv::ByteRecord::new(),
            point: 0,
            replicate: 0,
            year: 0,
            selected: Vec::new(),
            rows: 0,
        };
        series.point = series.position("point")?;
        series.replicate = series.position("replicate")?;
        series.year = series.position("year")?;
        Ok(series)
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the header names `column`.
    pub fn has_column(&self, column: &str) -> bool {
        self.header.iter().any(|h| h == column)
    }

    fn position(&self, column: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| bad(&self.path, 1, &format!("no `{column}` column")))
    }

    /// Chooses the columns [`Timeseries::value`] reads, by name, in the
    /// order given; the first missing one is an error.
    pub fn select(&mut self, columns: &[&str]) -> Result<()> {
        self.selected = columns
            .iter()
            .map(|&c| Ok((c.to_string(), self.position(c)?)))
            .collect::<Result<_>>()?;
        Ok(())
    }

    /// Moves to the next row and returns its point (the only cell parsed
    /// here, so that rows of other points cost no more); `None` at the end.
    pub fn next_point(&mut self) -> Result<Option<u32>> {
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(&self.path, &e))?
        {
            return Ok(None);
        }
        self.rows += 1;
        parse_point(&self.path, self.line(), self.text(self.point)).map(Some)
    }

    /// Rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The file line of the current row.
    pub fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    fn text(&self, col: usize) -> &str {
        std::str::from_utf8(&self.record[col]).unwrap_or("\u{fffd}")
    }

    /// The current row's replicate.
    pub fn replicate(&self) -> Result<u32> {
        let value = parse_integer(
            &self.path,
            self.line(),
            "replicate",
            self.text(self.replicate),
        )?;
        u32::try_from(value).map_err(|_| {
            bad(
                &self.path,
                self.line(),
                &format!("column replicate: {value} is not a replicate number"),
            )
        })
    }

    /// The current row's year.
    pub fn year(&self) -> Result<i32> {
        let year = parse_integer(&self.path, self.line(), "year", self.text(self.year))?;
        i32::try_from(year).map_err(|_| {
            bad(
                &self.path,
                self.line(),
                &format!("column year: {year} is not a year"),
            )
        })
    }

    /// The current row's value of selected column `i` (`None`: empty, an
    /// undefined value).
    pub fn value(&self, i: usize) -> Result<Option<f64>> {
        let (name, col) = &self.selected[i];
        parse_cell(&self.path, self.line(), name, self.text(*col))
    }
}

/// Point 0 of the run folder `dir`'s `timeseries.csv`: per replicate, per
/// year, the values of the columns `targets` name.
pub fn calibration_series(dir: &Path, targets: &Targets) -> Result<Series> {
    let mut points = read_points(dir, targets, Some(0))?;
    points.pop().flatten().ok_or_else(|| {
        Error::BadInput(format!(
            "{}: no rows of point 0",
            dir.join("timeseries.csv").display()
        ))
    })
}

/// Every point of the run folder `dir`'s `timeseries.csv`, in point order
/// (a sweep's: `calibrate --search` reads a generation's particles so):
/// `None` for a point without rows.
pub fn calibration_points(dir: &Path, targets: &Targets) -> Result<Vec<Option<Series>>> {
    read_points(dir, targets, None)
}

/// The series of each point (only of point `only`, if given), indexed by
/// point.
fn read_points(dir: &Path, targets: &Targets, only: Option<u32>) -> Result<Vec<Option<Series>>> {
    let mut reader = Timeseries::open(&dir.join("timeseries.csv"))?;
    let columns = targets.columns();
    for target in &targets.targets {
        for name in std::iter::once(&target.metric).chain(&target.over) {
            if !reader.has_column(name) {
                return Err(Error::BadInput(format!(
                    "target {:?}: {} has no column {name:?}",
                    target.name,
                    reader.path().display()
                )));
            }
        }
    }
    reader.select(&columns.iter().map(String::as_str).collect::<Vec<_>>())?;
    type Rows = Vec<Vec<(i32, Vec<Option<f64>>)>>;
    let mut points: BTreeMap<u32, Rows> = BTreeMap::new();
    while let Some(point) = reader.next_point()? {
        if only.is_some_and(|only| only != point) {
            continue;
        }
        let replicate = reader.replicate()? as usize;
        let year = reader.year()?;
        let values = (0..columns.len())
            .map(|i| reader.value(i))
            .collect::<Result<Vec<_>>>()?;
        let replicates = points.entry(point).or_default();
        if replicates.len() <= replicate {
            replicates.resize_with(replicate + 1, Vec::new);
        }
        replicates[replicate].push((year, values));
    }
    let origin = reader.path().display().to_string();
    let len = points.keys().next_back().map_or(0, |&p| p as usize + 1);
    let mut out: Vec<Option<Series>> = vec![None; len];
    for (point, replicates) in points {
        out[point as usize] = Some(Series {
            origin: origin.clone(),
            columns: columns.clone(),
            replicates,
        });
    }
    if let Some(only) = only {
        // The one point asked for, or nothing.
        return Ok(vec![out.into_iter().nth(only as usize).flatten()]);
    }
    Ok(out)
}

/// The calibration report of the base run in `run_dir` and of the variant
/// runs in [`calibration::variant_dir`] (point 0 of each).
pub fn calibration_report(run_dir: &Path, targets: &Targets) -> Result<Report> {
    let base = calibration_series(run_dir, targets)?;
    let mut variants = BTreeMap::new();
    for name in targets.targets.iter().filter_map(|t| t.contrast.as_ref()) {
        if !variants.contains_key(name) {
            let dir = calibration::variant_dir(run_dir, name);
            variants.insert(name.clone(), calibration_series(&dir, targets)?);
        }
    }
    calibration::compare(targets, &base, &variants)
}

/// A small CSV file read whole, as text: `summary.csv`, `sensitivity.csv`,
/// `compare.csv` (a row per point or figure, never per year). Columns are
/// found by name; [`Table::number`] reads a cell as a number, naming the
/// file, line and column when it is not one.
#[derive(Clone, Debug)]
pub struct Table {
    /// The file read.
    pub path: PathBuf,
    /// The header's names.
    pub header: Vec<String>,
    /// Each row's file line and cells.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Reads the CSV file at `path` (every row as long as the header).
    pub fn read(path: &Path) -> Result<Table> {
        let mut reader = open_csv(path)?;
        let header = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(path, &e))?;
            let line = record.position().map_or(0, csv::Position::line);
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The position of column `name`, if the header has it.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The position of column `name`; its absence is bad input.
    pub fn require(&self, name: &str) -> Result<usize> {
        self.column(name)
            .ok_or_else(|| bad(&self.path, 1, &format!("no `{name}` column")))
    }

    /// The cell of row `row` in column `col` as text.
    pub fn text(&self, row: usize, col: usize) -> &str {
        &self.rows[row].1[col]
    }

    /// The cell of row `row` in column `col` as a number (`None`: empty).
    pub fn number(&self, row: usize, col: usize) -> Result<Option<f64>> {
        let (line, cells) = &self.rows[row];
        parse_cell(&self.path, *line, &self.header[col], &cells[col])
    }
}

/// Opens the CSV file at `path` (header expected).
pub(crate) fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::BadInput(format!(
                "{}: not found (it is read from a run folder written by `succession run`)",
                path.display()
            ))
        } else {
            Error::io(path, e)
        }
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file))
}

/// An input error at `path:line` (line 0: no line to name).
pub(crate) fn bad(path: &Path, line: u64, message: &str) -> Error {
    if line == 0 {
        Error::BadInput(format!("{}: {message}", path.display()))
    } else {
        Error::BadInput(format!("{}:{line}: {message}", path.display()))
    }
}

/// A CSV error of the file at `path`, as an input error at its line.
pub(crate) fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let line = error.position().map_or(0, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
        _ => format!("malformed CSV: {error}"),
    };
    bad(path, line, &message)
}

/// A `point` cell.
pub(crate) fn parse_point(path: &Path, line: u64, cell: &str) -> Result<u32> {
    let value = parse_integer(path, line, "point", cell)?;
    u32::try_from(value).map_err(|_| {
        bad(
            path,
            line,
            &format!("column point: {value} is not a point number"),
        )
    })
}

/// A whole-number cell of `column`.
pub(crate) fn parse_integer(path: &Path, line: u64, column: &str, cell: &str) -> Result<i64> {
    cell.trim().parse::<i64>().map_err(|_| {
        bad(
            path,
            line,
            &format!("column {column}: cannot read {cell:?} as a whole number"),
        )
    })
}

/// A float cell; empty means undefined (MODEL.md section 4).
pub(crate) fn parse_cell(path: &Path, line: u64, column: &str, cell: &str) -> Result<Option<f64>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(bad(
            path,
            line,
            &format!("column {column}: cannot read {cell:?} as a number"),
        )),
    }
}
