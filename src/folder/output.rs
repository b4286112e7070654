//! The run folder and its files: `timeseries.csv`, `runs.csv`,
//! `roster_<year>.csv`, `points.csv`, `summary.csv` and `manifest.json`.
//!
//! Results reach disk in a way that never leaves a half-written file under
//! a final name: every file is written under a temporary name and renamed
//! when complete. Finished runs land as part files in `.runs/` as soon as
//! they finish (so memory does not grow with the number of runs); the final
//! files are assembled from them in (point, replicate) order at the end,
//! each run's chunk counted and hashed as it is copied, for the manifest's
//! checksums that `merge` and `--resume` verify.

use crate::folder::manifest::{Checksums, RunChecksum};
use crate::folder::{layout, schema};
use crate::model::schema::{Cell, FieldType, text_cell};
use crate::model::{self, YearMetrics};
use crate::scenario::Sensitivity;
use crate::scenario::roster;
use crate::study::ensemble::{Part, RunResult, RunSink, SnapshotStream, Study};
use crate::study::record::{self, Recording};
use crate::study::sweep::{Design, Level};
use crate::study::{sensitivity, summary};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use crate::folder::layout::PARTS_DIR;

/// The part-file kind of `timeseries.csv`: its part lands last, so its
/// presence marks a run complete.
pub const TIMESERIES: &str = "timeseries";
/// The part-file kind of `runs.csv` (per-run summary figures).
pub const RUNS: &str = "runs";
/// The file every whole study's figures are summarised into.
pub const SUMMARY: &str = "summary.csv";
/// The sweep's points.
pub const POINTS: &str = "points.csv";

/// The part-file kind of `transitions.csv` (the hand-over matrices).
pub const TRANSITIONS: &str = "transitions";
/// The part-file kind of `events.csv` (`--events`).
pub const EVENTS: &str = "events";
/// The part-file kind of `trajectories.csv` (`--trajectories N`).
pub const TRAJECTORIES: &str = "trajectories";

/// The part-file kind of a streamed [`Part`].
fn part_kind(part: Part) -> String {
    match part {
        Part::Roster(year) => format!("roster_{year}"),
        Part::Events => EVENTS.to_string(),
        Part::Trajectories => TRAJECTORIES.to_string(),
    }
}

/// The kinds of a study's per-run part files for what it records, in the
/// order of their final files: the one list of a run folder's data files
/// (`<kind>.csv`), which assembly, resume and merge all follow.
pub fn part_kinds(recording: &Recording) -> Vec<String> {
    let mut kinds = vec![
        TIMESERIES.to_string(),
        RUNS.to_string(),
        TRANSITIONS.to_string(),
    ];
    kinds.extend(
        recording
            .snapshots
            .iter()
            .map(|&year| part_kind(Part::Roster(year))),
    );
    if recording.events.is_some() {
        kinds.push(part_kind(Part::Events));
    }
    if recording.trajectories > 0 {
        kinds.push(part_kind(Part::Trajectories));
    }
    kinds
}

/// The final file assembled from the part files of `kind`.
pub fn data_file(kind: &str) -> String {
    format!("{kind}.csv")
}

/// The header line of the data file of `kind` for a study of `parameters`.
pub fn data_header(kind: &str, parameters: &model::Parameters) -> String {
    match kind {
        TIMESERIES => timeseries_header(&model::metric_columns(parameters)),
        RUNS => runs_header(),
        TRANSITIONS => record::header(&record::TRANSITION_COLUMNS),
        EVENTS => record::header(&record::EVENT_COLUMNS),
        TRAJECTORIES => record::header(&record::TRAJECTORY_COLUMNS),
        _ => roster::header(),
    }
}

/// A run's output folder.
#[derive(Clone, Debug)]
pub struct RunFolder {
    /// The folder itself (`--out`, default `out/<name>/`).
    pub dir: PathBuf,
}

impl RunFolder {
    /// Creates the part-file folder if it is missing.
    pub fn create_parts_dir(&self) -> Result<()> {
        let parts = self.parts_dir();
        fs::create_dir_all(&parts).map_err(|e| Error::io(&parts, e))
    }

    /// The folder of part files.
    pub fn parts_dir(&self) -> PathBuf {
        self.dir.join(PARTS_DIR)
    }

    /// A file in the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The part file of one run's rows of `kind` (`timeseries`, `roster_<year>`).
    pub fn part(&self, kind: &str, point: u32, replicate: u32) -> PathBuf {
        self.parts_dir()
            .join(format!("{kind}.p{point:06}.r{replicate:06}.csv"))
    }

    /// Writes `contents` to a part file atomically.
    pub fn write_part(
        &self,
        kind: &str,
        point: u32,
        replicate: u32,
        contents: &[u8],
    ) -> Result<()> {
        write_atomically(&self.part(kind, point, replicate), contents)
    }

    /// Concatenates `header` and the part files of `kind` for `runs` (in
    /// the order given) into `name`, written atomically. Returns each run's
    /// [`RunChecksum`] (rows and CRC-32 of the bytes copied, which are its
    /// chunk of the file), in that order. A read error names the part file
    /// read, a write error (e.g. a full disk) the file assembled.
    pub fn assemble(
        &self,
        name: &str,
        kind: &str,
        header: &str,
        runs: &[(u32, u32)],
    ) -> Result<Vec<RunChecksum>> {
        use std::io::Read;
        let target = self.file(name);
        let write_error = |e| Error::io(&target, e);
        write_streamed(&target, |out| {
            out.write_all(header.as_bytes()).map_err(write_error)?;
            let mut buffer = vec![0u8; 1 << 16];
            let mut checksums = Vec::with_capacity(runs.len());
            for &(point, replicate) in runs {
                let part = self.part(kind, point, replicate);
                let mut input = fs::File::open(&part).map_err(|e| Error::io(&part, e))?;
                let mut crc = crc32fast::Hasher::new();
                let mut rows = 0u64;
                loop {
                    let n = match input.read(&mut buffer) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(Error::io(&part, e)),
                    };
                    let bytes = &buffer[..n];
                    crc.update(bytes);
                    rows += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                    out.write_all(bytes).map_err(write_error)?;
                }
                checksums.push(RunChecksum::new(point, replicate, rows, crc.finalize()));
            }
            out.flush().map_err(write_error)?;
            Ok(checksums)
        })
    }

    /// Assembles the data files of `study`'s runs (this process's: all, or
    /// its shard's) from the part files, in (point, replicate) order.
    /// Returns their checksums, for the manifest.
    pub fn assemble_study(&self, study: &Study) -> Result<Checksums> {
        let runs = study.runs();
        let parameters = study.scenario.parameters();
        let mut checksums = Checksums::new();
        for kind in part_kinds(&study.recording) {
            let name = data_file(&kind);
            let header = data_header(&kind, &parameters);
            let sums = self.assemble(&name, &kind, &header, &runs)?;
            checksums.insert(name, sums);
        }
        Ok(checksums)
    }

    /// Writes `summary.csv` from the assembled `runs.csv`.
    pub fn write_summary(&self, design: &Design<Level>) -> Result<()> {
        let runs_path = self.file(&data_file(RUNS));
        let runs_csv = fs::read_to_string(&runs_path).map_err(|e| Error::io(&runs_path, e))?;
        write_atomically(
            &self.file(SUMMARY),
            summary_csv(design, &runs_csv)?.as_bytes(),
        )
    }

    /// Writes `sensitivity.csv` of the `[sensitivity]` study `analysis`
    /// from the assembled `runs.csv`.
    pub fn write_sensitivity(
        &self,
        design: &Design<Level>,
        analysis: &Sensitivity,
        seed: u64,
    ) -> Result<()> {
        let runs_path = self.file(&data_file(RUNS));
        let runs_csv = fs::read_to_string(&runs_path).map_err(|e| Error::io(&runs_path, e))?;
        write_atomically(
            &self.file(schema::SENSITIVITY),
            sensitivity_csv(design, analysis, seed, &runs_csv)?.as_bytes(),
        )
    }

    /// Writes `points.csv` of `design`.
    pub fn write_points(&self, design: &Design<Level>) -> Result<()> {
        write_atomically(&self.file(POINTS), points_csv(design).as_bytes())
    }

    /// Removes the part files once the final files are in place (the
    /// tool's part files only; the folder goes once empty).
    pub fn remove_parts(&self) -> Result<()> {
        layout::remove_part_files(&self.dir)
    }
}

/// One run's rows of one [`Part`], streamed to the temporary name of its
/// part file.
/// A stream dropped unfinished (its run failed) removes its temporary.
struct PartStream {
    out: Option<BufWriter<fs::File>>,
    temp: PathBuf,
    target: PathBuf,
}

impl SnapshotStream for PartStream {
    fn writer(&mut self) -> &mut dyn Write {
        self.out
            .as_mut()
            .expect("a stream is written only before it is finished")
    }

    fn error(&self, error: std::io::Error) -> Error {
        Error::io(&self.target, error)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let out = self
            .out
            .take()
            .expect("a stream is finished once, as it is consumed");
        finish_atomically(out, &self.target)
    }
}

impl Drop for PartStream {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// A finished run lands as part files: snapshots, events and trajectories
/// (streamed), `runs`, `transitions`, then `timeseries` last, so its
/// presence marks the run complete.
impl RunSink for RunFolder {
    fn stream(
        &self,
        part: Part,
        point: u32,
        replicate: u32,
    ) -> Result<Box<dyn SnapshotStream + '_>> {
        let target = self.part(&part_kind(part), point, replicate);
        let temp = temp_name(&target);
        let file = fs::File::create(&temp).map_err(|e| discard(&temp, &target, e))?;
        Ok(Box::new(PartStream {
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            temp,
            target,
        }))
    }

    fn finished(&self, run: &RunResult<'_>) -> Result<()> {
        let (point, replicate) = (run.point, run.replicate);
        self.write_part(
            RUNS,
            point,
            replicate,
            runs_row(point, replicate, run.figures).as_bytes(),
        )?;
        let mut transitions = Vec::with_capacity(run.metrics.len() * 16 * 32);
        record::write_transitions(&mut transitions, point, replicate, run.metrics)
            .map_err(|e| Error::io(self.part(TRANSITIONS, point, replicate), e))?;
        self.write_part(TRANSITIONS, point, replicate, &transitions)?;
        let mut rows = Vec::with_capacity(run.metrics.len() * 512);
        write_timeseries_rows(&mut rows, point, replicate, run.metrics, run.metric_types)
            .map_err(|e| Error::io(self.part(TIMESERIES, point, replicate), e))?;
        self.write_part(TIMESERIES, point, replicate, &rows)
    }
}

/// Writes `value` as pretty JSON to `path`, atomically.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(value).map_err(|e| Error::Runtime(e.to_string()))?;
    text.write_all(b"\n").expect("writing to a Vec cannot fail");
    write_atomically(path, &text)
}

/// Flushes `out`, written to `temp_name(target)`, syncs it and renames it
/// to `target`: the last step of every file written, whole or streamed.
/// On failure the temporary is removed (best effort), so a failed write
/// leaves neither a final name nor a temporary behind; the error names the
/// file being written.
pub fn finish_atomically(out: BufWriter<fs::File>, target: &Path) -> Result<()> {
    let temp = temp_name(target);
    let finished = out
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|file| file.sync_all())
        .and_then(|()| fs::rename(&temp, target));
    finished.map_err(|e| discard(&temp, target, e))
}

/// Removes the temporary `temp` of a failed write of `target` and returns
/// the error, naming `target`.
pub fn discard(temp: &Path, target: &Path, error: std::io::Error) -> Error {
    let _ = fs::remove_file(temp);
    Error::io(target, error)
}

/// `path` with `.tmp` appended: the name a file has while it is written.
pub fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes `contents` to `path` under a temporary name, syncs, then renames,
/// so `path` is either absent or complete: the one writer of every whole
/// file (CSV, manifest, charts).
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    write_streamed(path, |out| {
        out.write_all(contents).map_err(|e| Error::io(path, e))
    })
}

/// Writes `target` through `write` under its temporary name, then syncs
/// and renames it; if `write` fails, the temporary is removed. The one way
/// a whole file, written at once or streamed, reaches its final name.
pub fn write_streamed<T>(
    target: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> Result<T>,
) -> Result<T> {
    let temp = temp_name(target);
    let file = fs::File::create(&temp).map_err(|e| discard(&temp, target, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    match write(&mut out) {
        Ok(value) => {
            finish_atomically(out, target)?;
            Ok(value)
        }
        Err(e) => {
            drop(out);
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// The `timeseries.csv` header line for the model's metric columns.
pub fn timeseries_header(metric_columns: &[String]) -> String {
    let mut line = [schema::POINT, schema::REPLICATE, schema::YEAR]
        .map(|c| c.name)
        .join(",");
    for column in metric_columns {
        line.push(',');
        line.push_str(column);
    }
    line.push('\n');
    line
}

/// Appends one run's `timeseries.csv` rows, each value as a [`Cell`] of
/// its declared type in `types` (the row's order): a number in Rust's
/// shortest round-trip decimal form, never exponent notation and always
/// with a decimal point, so a value read back is the value computed; an
/// integer without one; an undefined figure is an empty cell.
pub fn write_timeseries_rows(
    out: &mut impl Write,
    point: u32,
    replicate: u32,
    rows: &[YearMetrics],
    types: &[FieldType],
) -> std::io::Result<()> {
    for row in rows {
        write!(out, "{point},{replicate},{}", row.year)?;
        debug_assert_eq!(row.values.len(), types.len());
        for (value, &field_type) in row.values.iter().zip(types) {
            match value {
                Some(v) => write!(out, ",{}", Cell(field_type, *v))?,
                None => out.write_all(b",")?,
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The `runs.csv` header: one row per run with its summary figures.
pub fn runs_header() -> String {
    schema::runs().header()
}

/// One run's `runs.csv` row: its summary figures, each a [`Cell`] of its
/// declared type, an undefined one empty.
pub fn runs_row(point: u32, replicate: u32, figures: &[Option<f64>]) -> String {
    let mut line = format!("{point},{replicate}");
    for (figure, column) in figures.iter().zip(&summary::FIGURES) {
        line.push(',');
        if let Some(v) = figure {
            line.push_str(&Cell(column.field_type, *v).to_string());
        }
    }
    line.push('\n');
    line
}

/// A swept value as a cell of its column (of type `field_type`): a number
/// as the [`Cell`] of a number, a word as text, a boolean `true` or `false`.
fn level_cell(field_type: FieldType, v: Level) -> String {
    match v {
        Level::Number(v) => Cell(field_type, v).to_string(),
        Level::Text(word) => text_cell(word),
        Level::Bool(b) => b.to_string(),
    }
}

/// `points.csv`: `point` and one column per swept path.
pub fn points_csv(design: &Design<Level>) -> String {
    let resource = schema::points(&design.paths);
    let mut text = resource.header();
    for (i, values) in design.points.iter().enumerate() {
        text.push_str(&i.to_string());
        for (v, field) in values.iter().zip(&resource.fields[1..]) {
            text.push(',');
            text.push_str(&level_cell(field.field_type, *v));
        }
        text.push('\n');
    }
    text
}

/// `summary.csv` from the text of `runs.csv`: one row per point with its
/// swept values and, for each figure, its statistics over replicates in the
/// order `schema::summary_statistics` declares them (`<figure>_mean`, `_lo`,
/// `_hi`, `_sd`, `policy_capacity_p10`, `trough_year_median`, `_min`,
/// `_max`), an undefined one empty.
pub fn summary_csv(design: &Design<Level>, runs_csv: &str) -> Result<String> {
    let resource = schema::summary(&design.paths);
    let mut text = resource.header();
    let (values, replicates) = figure_values(design, runs_csv)?;
    for (point, figures) in values.iter().enumerate() {
        text.push_str(&point.to_string());
        for (v, field) in design.points[point].iter().zip(&resource.fields[1..]) {
            text.push(',');
            text.push_str(&level_cell(field.field_type, *v));
        }
        text.push_str(&format!(",{}", replicates[point]));
        let mut fields = resource.fields.iter().skip(1 + design.paths.len() + 1);
        for (declared, figure) in summary::FIGURES.iter().zip(figures) {
            for statistic in schema::summary_statistics(declared) {
                let field = fields
                    .next()
                    .expect("the schema declares one column per figure and statistic");
                text.push(',');
                if let Some(v) = statistic.of(figure) {
                    text.push_str(&Cell(field.field_type, v).to_string());
                }
            }
        }
        text.push('\n');
    }
    Ok(text)
}

/// `values[point][figure]`: the defined values over replicates.
type PointFigures = Vec<Vec<Vec<f64>>>;

/// `values[point][figure]`, the defined values over replicates of each
/// summary figure, and the number of replicates of each point, from the
/// text of `runs.csv`.
fn figure_values(design: &Design<Level>, runs_csv: &str) -> Result<(PointFigures, Vec<usize>)> {
    let n_figures = summary::FIGURES.len();
    let mut values = vec![vec![Vec::new(); n_figures]; design.points.len()];
    let mut replicates = vec![0usize; design.points.len()];
    for (i, line) in runs_csv.lines().enumerate().skip(1) {
        let bad = || Error::Runtime(format!("runs.csv line {}: malformed row `{line}`", i + 1));
        let mut cells = line.split(',');
        let point: usize = cells.next().and_then(|c| c.parse().ok()).ok_or_else(bad)?;
        cells.next().ok_or_else(bad)?;
        let row = values.get_mut(point).ok_or_else(bad)?;
        replicates[point] += 1;
        for (figure, cell) in cells.enumerate() {
            if !cell.is_empty() {
                row.get_mut(figure)
                    .ok_or_else(bad)?
                    .push(cell.parse::<f64>().map_err(|_| bad())?);
            }
        }
    }
    Ok((values, replicates))
}

/// `sensitivity.csv` of the `[sensitivity]` study `analysis` (seed
/// `seed`) from the text of its `runs.csv`: each design point's value of a
/// figure is its mean over the point's replicates (undefined when a
/// replicate lacks it, so a figure is analysed on complete points only).
pub fn sensitivity_csv(
    design: &Design<Level>,
    analysis: &Sensitivity,
    seed: u64,
    runs_csv: &str,
) -> Result<String> {
    let (values, replicates) = figure_values(design, runs_csv)?;
    let columns: Vec<usize> = analysis
        .figures
        .iter()
        .map(|name| {
            summary::FIGURES
                .iter()
                .position(|f| f.name == name.as_str())
                .expect("the figures of [sensitivity] are validated against the summary figures")
        })
        .collect();
    let means: Vec<Vec<Option<f64>>> = values
        .iter()
        .zip(&replicates)
        .map(|(figures, &n)| {
            columns
                .iter()
                .map(|&c| {
                    let v = &figures[c];
                    (n > 0 && v.len() == n).then(|| v.iter().sum::<f64>() / n as f64)
                })
                .collect()
        })
        .collect();
    let resource = schema::sensitivity();
    let mut text = resource.header();
    for row in sensitivity::analyse(analysis, seed, &means) {
        let number =
            |v: Option<f64>| v.map_or(String::new(), |v| Cell(FieldType::Number, v).to_string());
        text.push_str(&format!(
            "{},{},{},{},{},{}\n",
            text_cell(&row.figure),
            text_cell(&row.parameter),
            row.index,
            number(row.value),
            number(row.lo),
            number(row.hi)
        ));
    }
    Ok(text)
}

/// The (point, replicate) a data row starts with.
pub fn run_of_row(line: &str) -> Option<(u32, u32)> {
    let mut cells = line.splitn(3, ',');
    let point = cells.next()?.parse().ok()?;
    let replicate = cells.next()?.parse().ok()?;
    Some((point, replicate))
}

/// The (point, replicate) a data row starts with, from its bytes.
pub fn run_of_bytes(line: &[u8]) -> Option<(u32, u32)> {
    let mut cells = line.trim_ascii_end().splitn(3, |&b| b == b',');
    let mut cell = || -> Option<u32> { std::str::from_utf8(cells.next()?).ok()?.parse().ok() };
    let point = cell()?;
    let replicate = cell()?;
    Some((point, replicate))
}

impl RunFolder {
    /// Splits every data file of a study that records `recording` back
    /// into part files (see [`RunFolder::split_into_parts`]), each
    /// verified against its `checksums` where the manifest recorded them. A
    /// run recorded for a file but left without its part of that file (its
    /// rows missing, cut short, repeated or altered) loses its parts of every
    /// file, timeseries first, so it is run again whole. Returns how many
    /// runs that is (0 without checksums).
    pub fn split_data_files(&self, recording: &Recording, checksums: &Checksums) -> Result<usize> {
        let kinds = part_kinds(recording);
        let mut dropped = BTreeSet::new();
        for kind in &kinds {
            let name = data_file(kind);
            let recorded = checksums.get(&name).map(Vec::as_slice);
            self.split_into_parts(&name, kind, recorded)?;
            for sum in recorded.unwrap_or_default() {
                let part = self.part(kind, sum.point, sum.replicate);
                // A run with no rows in this file (no event in its sampled
                // communities) has an empty part, which splitting cannot find.
                if sum.rows == 0 && sum.crc32 == format!("{:08x}", crc32fast::hash(&[])) {
                    if !part.exists() {
                        write_atomically(&part, &[])?;
                    }
                    continue;
                }
                if !part.exists() {
                    dropped.insert(sum.run());
                }
            }
        }
        for &(point, replicate) in &dropped {
            for kind in &kinds {
                let part = self.part(kind, point, replicate);
                match fs::remove_file(&part) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(Error::io(&part, e));
                    }
                    _ => {}
                }
            }
        }
        Ok(dropped.len())
    }

    /// Splits the final file `name` back into per-run part files of `kind`,
    /// for the runs whose part is missing (used by `--resume` on a folder
    /// whose runs were already assembled, e.g. to add replicates). Streams
    /// the file, so memory stays flat however large it is; a missing file
    /// is fine (its runs are simply run again).
    ///
    /// With `recorded`, the checksums the manifest recorded for the file, a
    /// run's rows become its part only if their count and CRC-32 are the
    /// recorded ones: a run not recorded, cut short, with a row repeated or
    /// altered, gets no part and is run again (a row that names no run
    /// counts as one of the run before it). Without, every run is split as
    /// found and a row that names no run is an error.
    pub fn split_into_parts(
        &self,
        name: &str,
        kind: &str,
        recorded: Option<&[RunChecksum]>,
    ) -> Result<()> {
        let path = self.file(name);
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let recorded: Option<std::collections::HashMap<(u32, u32), &RunChecksum>> =
            recorded.map(|sums| sums.iter().map(|sum| (sum.run(), sum)).collect());
        let mut current: Option<(u32, u32)> = None;
        let mut chunk = Vec::new();
        let mut rows = 0u64;
        let flush = |run: Option<(u32, u32)>, chunk: &mut Vec<u8>, rows: &mut u64| -> Result<()> {
            if let Some((point, replicate)) = run
                && !self.part(kind, point, replicate).exists()
            {
                let intact = recorded.as_ref().is_none_or(|recorded| {
                    recorded.get(&(point, replicate)).is_some_and(|sum| {
                        sum.rows == *rows && sum.crc32 == format!("{:08x}", crc32fast::hash(chunk))
                    })
                });
                if intact {
                    self.write_part(kind, point, replicate, chunk)?;
                }
            }
            chunk.clear();
            *rows = 0;
            Ok(())
        };
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut line = Vec::new();
        let mut first = true;
        loop {
            line.clear();
            if reader
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::io(&path, e))?
                == 0
            {
                break;
            }
            if std::mem::take(&mut first) {
                continue;
            }
            match run_of_bytes(&line) {
                Some(run) if current != Some(run) => {
                    flush(current, &mut chunk, &mut rows)?;
                    current = Some(run);
                }
                Some(_) => {}
                None if recorded.is_some() => {}
                None => {
                    return Err(Error::Runtime(format!(
                        "{}: malformed row `{}`",
                        path.display(),
                        String::from_utf8_lossy(line.trim_ascii_end())
                    )));
                }
            }
            if recorded.is_some() {
                chunk.extend_from_slice(&line);
            } else {
                // As the file's lines, each ended by one `\n`.
                let end = line.strip_suffix(b"\n").unwrap_or(&line);
                chunk.extend_from_slice(end.strip_suffix(b"\r").unwrap_or(end));
                chunk.push(b'\n');
            }
            rows += 1;
        }
        flush(current, &mut chunk, &mut rows)
    }

    /// Removes leftover temporary files of an interrupted invocation.
    pub fn remove_temporaries(&self) -> Result<()> {
        layout::remove_temporaries(&self.dir)
    }
}
