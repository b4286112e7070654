//! Rosters: the state of every seat as CSV, written by `--snapshot YEAR` and
//! read back by `[init] roster` to start a run from a known state (the
//! tool's own snapshot, or a researcher's survey with the same columns).
//!
//! Columns: `point, replicate, community, kind, seat, cohort, channel, age,
//! tenure, knowledge, experience, trust`; an empty seat is a row whose
//! leader fields (cohort to trust) are all empty.

use crate::model::params::UnknownName;
use crate::model::schema::{
    Cell, Column,
    FieldType::{Integer, Number, String as Text},
};
use crate::model::{Community, Leader};
use crate::scenario::{Cohort, Kind, Scenario};
use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// The roster columns, in order, with their types, units and meanings.
pub const FIELDS: [Column; 12] = [
    Column::new("point", Integer, "", "parameter point (0 without a sweep)"),
    Column::new("replicate", Integer, "", "replicate, from 0"),
    Column::new("community", Integer, "", "community index, from 0"),
    Column::new("kind", Text, "", "community kind: `urban` or `rural`"),
    Column::new(
        "seat",
        Integer,
        "",
        "seat index within the community, from 0",
    ),
    Column::new(
        "cohort",
        Text,
        "",
        "elite cohort of the seated leader: `revolutionary`, `experience` or `knowledge` (empty: a vacant seat)",
    ),
    Column::new(
        "channel",
        Text,
        "",
        "the channel through which the leader took the seat (empty: a vacant seat)",
    ),
    Column::new("age", Number, "years", "the leader's age"),
    Column::new(
        "tenure",
        Integer,
        "years",
        "years the leader has held the seat",
    ),
    Column::new(
        "knowledge",
        Number,
        "skill in [0, 1]",
        "the leader's knowledge",
    ),
    Column::new(
        "experience",
        Number,
        "skill in [0, 1]",
        "the leader's experience",
    ),
    Column::new("trust", Number, "skill in [0, 1]", "the leader's trust"),
];

/// The roster column names, in order (those of [`FIELDS`]).
pub const COLUMNS: [&str; 12] = {
    let mut names = [""; 12];
    let mut i = 0;
    while i < names.len() {
        names[i] = FIELDS[i].name;
        i += 1;
    }
    names
};

/// The communities of each replicate held in a roster file.
#[derive(Clone, Debug)]
pub struct Roster {
    /// `replicates[r]` holds the communities of the roster's replicate `r`,
    /// indexed 0..N in community order.
    pub replicates: Vec<Vec<Community>>,
}

impl Roster {
    /// The communities that seed `replicate` of a run of `n` communities:
    /// the first `n` (community indices 0..n, the roster's order) of the
    /// roster's replicate `replicate mod R` (MODEL.md section 6); all of
    /// them when `n` is larger.
    pub fn communities_for(&self, replicate: u32, n: usize) -> Vec<Community> {
        let all = &self.replicates[replicate as usize % self.replicates.len()];
        all[..n.min(all.len())].to_vec()
    }

    /// The number of communities in the roster's first replicate.
    pub fn n_communities(&self) -> usize {
        self.replicates[0].len()
    }

    /// Total seats over the first `n` communities of the roster's first
    /// replicate.
    pub fn n_seats(&self, n: usize) -> usize {
        self.replicates[0]
            .iter()
            .take(n)
            .map(|c| c.seats.len())
            .sum()
    }
}

/// The value of column `index` as a cell of its declared type.
fn cell(index: usize, value: f64) -> Cell {
    Cell(FIELDS[index].field_type, value)
}

/// Appends one roster row per seat of `communities` to `out` (no header),
/// each number a [`Cell`] of its column's declared type.
pub fn write_rows(
    out: &mut impl Write,
    scenario: &Scenario,
    point: u32,
    replicate: u32,
    communities: &[Community],
) -> std::io::Result<()> {
    for community in communities {
        for (seat_idx, seat) in community.seats.iter().enumerate() {
            write!(
                out,
                "{point},{replicate},{},{},{seat_idx},",
                community.index,
                community.kind.name()
            )?;
            match seat {
                Some(leader) => writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    leader.cohort.name(),
                    scenario.channels[leader.channel as usize].name,
                    cell(7, leader.age),
                    cell(8, f64::from(leader.tenure)),
                    cell(9, leader.knowledge),
                    cell(10, leader.experience),
                    cell(11, leader.trust)
                )?,
                None => writeln!(out, ",,,,,,")?,
            }
        }
    }
    Ok(())
}

/// The roster header line, with its newline.
pub fn header() -> String {
    let mut line = COLUMNS.join(",");
    line.push('\n');
    line
}

/// Reads and validates a roster for `scenario`. Every problem is an input
/// error naming the file, line, column and column name.
pub fn read(path: &Path, scenario: &Scenario) -> Result<Roster> {
    let shown = path.display().to_string();
    let file = super::open_input(path, super::TABLE_LIMIT)
        .map_err(|e| Error::BadInput(format!("{shown}: cannot read roster: {e}")))?;
    read_from(file, &shown, scenario)
}

/// Reads a roster from `input`, naming it `shown` in errors: the body of
/// [`read`], public so a fuzzer reads through the same code.
pub fn read_from(input: impl std::io::Read, shown: &str, scenario: &Scenario) -> Result<Roster> {
    let shown = shown.to_string();
    let file = input;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| Error::input(format!("{shown}:1:1"), "header", e.to_string()))?
        .clone();
    let found: Vec<&str> = header.iter().collect();
    if found != COLUMNS {
        return Err(Error::input(
            format!("{shown}:1:1"),
            "header",
            format!(
                "roster columns must be exactly `{}`, found `{}`",
                COLUMNS.join(","),
                found.join(",")
            ),
        ));
    }

    let mut builder = Builder {
        point: None,
        replicates: Vec::new(),
    };
    for record in reader.records() {
        let record = record.map_err(|e| Error::csv_record(&shown, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let row = RowReader {
            shown: &shown,
            line,
            record: &record,
        };
        builder.add(&row, scenario)?;
    }
    builder.finish(&shown)
}

/// One CSV record with the helpers that turn its fields into typed values
/// or position-carrying errors.
struct RowReader<'a> {
    shown: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
}

impl RowReader<'_> {
    fn field(&self, col: usize) -> &str {
        self.record.get(col).unwrap_or("").trim()
    }

    fn error(&self, col: usize, message: impl Into<String>) -> Error {
        Error::input(
            format!("{}:{}:{}", self.shown, self.line, col + 1),
            COLUMNS[col],
            message,
        )
    }

    fn integer(&self, col: usize) -> Result<u64> {
        let text = self.field(col);
        text.parse::<u64>()
            .map_err(|_| self.error(col, format!("expected a whole number ≥ 0, found `{text}`")))
    }

    fn real(&self, col: usize, min: f64, max: f64) -> Result<f64> {
        let text = self.field(col);
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= min && v <= max => Ok(v),
            _ => Err(self.error(
                col,
                format!("expected a number in [{min}, {max}], found `{text}`"),
            )),
        }
    }
}

struct Builder {
    point: Option<u64>,
    replicates: Vec<Vec<Community>>,
}

impl Builder {
    fn add(&mut self, row: &RowReader<'_>, scenario: &Scenario) -> Result<()> {
        let point = row.integer(0)?;
        match self.point {
            None => self.point = Some(point),
            Some(p) if p != point => {
                return Err(row.error(
                    0,
                    format!(
                        "the roster holds rows of points {p} and {point}; keep one point's rows"
                    ),
                ));
            }
            Some(_) => {}
        }
        let replicate = row.integer(1)? as usize;
        if replicate > self.replicates.len() {
            return Err(row.error(
                1,
                format!("replicate {replicate} follows replicate {}; replicates must be numbered 0, 1, ... in order", self.replicates.len().saturating_sub(1)),
            ));
        }
        if replicate == self.replicates.len() {
            self.replicates.push(Vec::new());
        }
        let communities = &mut self.replicates[replicate];
        let community_idx = row.integer(2)?;
        let kind: Kind = row.field(3).parse().map_err(|e: UnknownName| {
            row.error(
                3,
                format!("expected {}, found `{}`", e.expected_list(true), e.found),
            )
        })?;
        let n = communities.len() as u64;
        // `checked_sub`, not `community_idx + 1`: an index of u64::MAX must
        // be refused as out of order, not overflow.
        if n.checked_sub(1) == Some(community_idx) {
            // Another seat of the current community.
        } else if community_idx == n {
            communities.push(Community {
                index: community_idx,
                kind,
                seats: Vec::new(),
                pools: Vec::new(),
            });
        } else {
            return Err(row.error(
                2,
                format!("community {community_idx} out of order: expected {} or {n} (rows sorted by replicate, community, seat)", n.saturating_sub(1)),
            ));
        }
        let community = communities
            .last_mut()
            .expect("one pushed above, or n >= 1 communities already");
        if community.kind != kind {
            return Err(row.error(
                3,
                format!(
                    "community {community_idx} is `{}` in an earlier row",
                    community.kind.name()
                ),
            ));
        }
        let seat_idx = row.integer(4)?;
        if seat_idx != community.seats.len() as u64 {
            return Err(row.error(
                4,
                format!(
                    "seat {seat_idx} out of order: expected seat {} of community {community_idx}",
                    community.seats.len()
                ),
            ));
        }
        community.seats.push(read_leader(row, scenario)?);
        Ok(())
    }

    fn finish(self, shown: &str) -> Result<Roster> {
        if self.replicates.is_empty() {
            return Err(Error::input(
                format!("{shown}:2:1"),
                "row",
                "the roster has no rows",
            ));
        }
        Ok(Roster {
            replicates: self.replicates,
        })
    }
}

/// The leader fields of a row, or `None` for an empty seat.
fn read_leader(row: &RowReader<'_>, scenario: &Scenario) -> Result<Option<Leader>> {
    let leader_cols = 5..COLUMNS.len();
    let n_empty = leader_cols
        .clone()
        .filter(|&c| row.field(c).is_empty())
        .count();
    if n_empty == leader_cols.len() {
        return Ok(None);
    }
    if let Some(col) = leader_cols.clone().find(|&c| row.field(c).is_empty()) {
        return Err(row.error(
            col,
            "empty in a row that holds a leader (an empty seat leaves all of cohort..trust empty)",
        ));
    }
    let cohort: Cohort = row
        .field(5)
        .parse()
        .map_err(|e: UnknownName| row.error(5, e.to_string()))?;
    let name = row.field(6);
    let channel = scenario
        .channels
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = scenario.channels.iter().map(|c| c.name.as_str()).collect();
            row.error(
                6,
                format!(
                    "`{name}` is not a channel of the scenario (channels: {})",
                    known.join(", ")
                ),
            )
        })?;
    Ok(Some(Leader {
        cohort,
        channel: channel as u16,
        age: row.real(7, 0.0, 150.0)?,
        tenure: u32::try_from(row.integer(8)?).map_err(|_| row.error(8, "tenure too large"))?,
        knowledge: row.real(9, 0.0, 1.0)?,
        experience: row.real(10, 0.0, 1.0)?,
        trust: row.real(11, 0.0, 1.0)?,
    }))
}
