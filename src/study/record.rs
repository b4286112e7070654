//! What a study records of its runs beyond the metrics: roster snapshots,
//! the seat events of a sample of communities (`events.csv`), the
//! trajectories of a few communities (`trajectories.csv`), and the columns
//! of those files and of the hand-over matrix (`transitions.csv`), each
//! declared once here: the writers below and the run folder's schema take
//! them from this one place.

use crate::Error;
use crate::Result;
use crate::model::events::{Change, HOLDER_NAMES, HOLDERS};
use crate::model::metrics::expand;
use crate::model::params::{Cohort, Skill};
use crate::model::schema::{
    Cell, Column, Field,
    FieldType::{Integer, Number, String as Text},
};
use crate::model::{EventSample, YearEnd, YearMetrics};
use crate::scenario::{Scenario, roster};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// What each run records besides its metrics; part of a study's identity
/// (a folder resumed or merged must record the same).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Years whose end-of-year state is written as `roster_<year>.csv`,
    /// sorted, without repeats.
    pub snapshots: Vec<i32>,
    /// The fraction of communities whose seat events are written to
    /// `events.csv` (`--events`, `--events-sample F`); none without.
    pub events: Option<f64>,
    /// How many communities' trajectories are written to
    /// `trajectories.csv` (`--trajectories N`); 0 for none.
    pub trajectories: u32,
}

impl Recording {
    /// Snapshots only (what a study without event outputs records).
    pub fn snapshots(years: &[i32]) -> Recording {
        let mut snapshots = years.to_vec();
        snapshots.sort_unstable();
        snapshots.dedup();
        Recording {
            snapshots,
            ..Recording::default()
        }
    }

    /// Checks the event fraction for a run of `n_communities`: in (0, 1],
    /// and keeping at least one community, naming the flag at fault.
    pub fn validate(&self, n_communities: u32) -> Result<()> {
        let Some(fraction) = self.events else {
            return Ok(());
        };
        if EventSample::new(fraction).is_none() {
            return Err(Error::BadInput(format!(
                "--events-sample {fraction}: must be a fraction of communities in (0, 1]"
            )));
        }
        if (f64::from(n_communities) * fraction).floor() < 1.0 {
            return Err(Error::BadInput(format!(
                "--events-sample {fraction}: keeps no community of the {n_communities} (it keeps floor(F x communities) of them)"
            )));
        }
        Ok(())
    }

    /// The event sample, when events are recorded.
    pub fn event_sample(&self) -> Option<EventSample> {
        self.events.and_then(EventSample::new)
    }

    /// The communities whose trajectories are written, of `n_communities`:
    /// `trajectories` of them (all, if there are fewer) evenly spaced over
    /// the index from 0, index ⌊j N / n⌋ for j = 0..n, so the first
    /// (urban) and later (rural) communities both appear.
    pub fn trajectory_communities(&self, n_communities: usize) -> Vec<usize> {
        let n = (self.trajectories as usize).min(n_communities);
        (0..n).map(|j| j * n_communities / n).collect()
    }
}

// The leading columns, as the roster declares them.
const POINT: Column = roster::FIELDS[0];
const REPLICATE: Column = roster::FIELDS[1];
const COMMUNITY: Column = roster::FIELDS[2];
const KIND: Column = roster::FIELDS[3];
const YEAR: Column = Column::new("year", Integer, "", "calendar year");

/// The columns of `events.csv`, in order.
pub const EVENT_COLUMNS: [Column; 16] = [
    POINT,
    REPLICATE,
    Column::new("year", Integer, "", "calendar year of the event"),
    COMMUNITY,
    KIND,
    roster::FIELDS[4],
    Column::new(
        "event",
        Text,
        "",
        "`exit` (the leader left the seat) or `entry` (the leader took it)",
    ),
    Column::new(
        "reason",
        Text,
        "",
        "why the leader left: `death`, `retirement`, `rotation`, `promotion`, `turnover` or `election` (empty for an entry)",
    ),
    Column::new(
        "route",
        Text,
        "",
        "how the leader entered: `recruitment` (a vacant seat, step 6) or `election` (step 5) (empty for an exit)",
    ),
    Column::new(
        "cohort",
        Text,
        "",
        "the leader's cohort: `revolutionary`, `experience` or `knowledge`",
    ),
    Column::new(
        "channel",
        Text,
        "",
        "the channel through which the leader took the seat",
    ),
    Column::new("age", Number, "years", "the leader's age at the event"),
    Column::new(
        "tenure",
        Integer,
        "years",
        "years the leader had held the seat (0 for an entry)",
    ),
    Column::new(
        "knowledge",
        Number,
        "skill in [0, 1]",
        "the leader's knowledge at the event",
    ),
    Column::new(
        "experience",
        Number,
        "skill in [0, 1]",
        "the leader's experience at the event",
    ),
    Column::new(
        "trust",
        Number,
        "skill in [0, 1]",
        "the leader's trust at the event",
    ),
];

/// The columns of `transitions.csv`, in order.
pub const TRANSITION_COLUMNS: [Column; 6] = [
    POINT,
    REPLICATE,
    YEAR,
    Column::new(
        "from",
        Text,
        "",
        "who held the seat at the start of the year: `revolutionary`, `experience`, `knowledge` or `vacant`",
    ),
    Column::new(
        "to",
        Text,
        "",
        "who held it at the end of the year (same names)",
    ),
    Column::new(
        "seats",
        Integer,
        "seats",
        "seats over all communities held by `from` at the start of the year and by `to` at its end",
    ),
];

/// The columns of `trajectories.csv`, in order (families expand to one
/// column per cohort and per skill).
pub const TRAJECTORY_COLUMNS: [Column; 10] = [
    POINT,
    REPLICATE,
    YEAR,
    COMMUNITY,
    KIND,
    Column::new(
        "capacity",
        Number,
        "share of issues",
        "the community's governance capacity G this year",
    ),
    Column::new("seats", Integer, "seats", "the community's seats"),
    Column::new(
        "filled",
        Integer,
        "seats",
        "seats held at the end of the year",
    ),
    Column::new(
        "seats_<cohort>",
        Integer,
        "seats",
        "seats held by leaders of `<cohort>` at the end of the year",
    ),
    Column::new(
        "mean_<skill>",
        Number,
        "skill in [0, 1]",
        "mean `<skill>` of the seated leaders at the end of the year (empty: no leader seated)",
    ),
];

/// The fields of `columns`, families expanded.
pub fn fields(columns: &[Column]) -> Vec<Field> {
    columns.iter().flat_map(|c| expand(c, &[])).collect()
}

/// The header line of `columns` (families expanded), with its newline.
pub fn header(columns: &[Column]) -> String {
    let names: Vec<String> = fields(columns).into_iter().map(|f| f.name).collect();
    format!("{}\n", names.join(","))
}

/// Appends a run's `events.csv` rows of the year `end` to `out`.
pub fn write_events(
    out: &mut dyn Write,
    scenario: &Scenario,
    point: u32,
    replicate: u32,
    end: &YearEnd<'_>,
) -> std::io::Result<()> {
    for event in end.events {
        let community = &end.communities[event.community as usize];
        debug_assert_eq!(community.index, event.community);
        let (kind_of_event, reason, route) = match event.change {
            Change::Exit(reason) => ("exit", reason.name(), ""),
            Change::Entry(route) => ("entry", "", route.name()),
        };
        let leader = &event.leader;
        writeln!(
            out,
            "{point},{replicate},{},{},{},{},{kind_of_event},{reason},{route},{},{},{},{},{},{},{}",
            end.year,
            event.community,
            community.kind.name(),
            event.seat,
            leader.cohort.name(),
            scenario.channels[usize::from(leader.channel)].name,
            Cell(Number, leader.age),
            leader.tenure,
            Cell(Number, leader.knowledge),
            Cell(Number, leader.experience),
            Cell(Number, leader.trust),
        )?;
    }
    Ok(())
}

/// Appends a run's `trajectories.csv` rows of the year `end` for the
/// communities `chosen` (indices into `end.communities`) to `out`.
pub fn write_trajectories(
    out: &mut dyn Write,
    point: u32,
    replicate: u32,
    chosen: &[usize],
    end: &YearEnd<'_>,
) -> std::io::Result<()> {
    for &index in chosen {
        let community = &end.communities[index];
        let mut by_cohort = [0u32; Cohort::ALL.len()];
        let mut skill_sums = [0.0; Skill::ALL.len()];
        let mut filled = 0u32;
        for leader in community.seats.iter().flatten() {
            filled += 1;
            by_cohort[leader.cohort.index()] += 1;
            let skills = leader.skills();
            for (sum, skill) in skill_sums.iter_mut().zip(Skill::ALL) {
                *sum += skills.get(skill);
            }
        }
        write!(
            out,
            "{point},{replicate},{},{},{},{},{},{filled}",
            end.year,
            community.index,
            community.kind.name(),
            Cell(Number, end.capacities[index]),
            community.seats.len(),
        )?;
        for count in by_cohort {
            write!(out, ",{count}")?;
        }
        for sum in skill_sums {
            if filled > 0 {
                write!(out, ",{}", Cell(Number, sum / f64::from(filled)))?;
            } else {
                out.write_all(b",")?;
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Appends a run's `transitions.csv` rows: per year, the hand-over matrix
/// cell by cell, `from` then `to` in holder order (the cohorts, then
/// vacant), zeros included, so every year has the same rows.
pub fn write_transitions(
    out: &mut impl Write,
    point: u32,
    replicate: u32,
    metrics: &[YearMetrics],
) -> std::io::Result<()> {
    for row in metrics {
        for (cells, from) in row.handover.chunks(HOLDERS).zip(HOLDER_NAMES) {
            for (seats, to) in cells.iter().zip(HOLDER_NAMES) {
                writeln!(out, "{point},{replicate},{},{from},{to},{seats}", row.year)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_spell_the_families_in_the_writers_order() {
        assert_eq!(
            header(&TRAJECTORY_COLUMNS),
            "point,replicate,year,community,kind,capacity,seats,filled,seats_revolutionary,seats_experience,seats_knowledge,mean_knowledge,mean_experience,mean_trust\n"
        );
        assert_eq!(
            header(&EVENT_COLUMNS),
            "point,replicate,year,community,kind,seat,event,reason,route,cohort,channel,age,tenure,knowledge,experience,trust\n"
        );
    }

    #[test]
    fn trajectories_spread_over_the_index_from_zero() {
        let recording = |n| Recording {
            trajectories: n,
            ..Recording::default()
        };
        assert_eq!(recording(4).trajectory_communities(100), [0, 25, 50, 75]);
        assert_eq!(recording(3).trajectory_communities(10), [0, 3, 6]);
        assert_eq!(recording(20).trajectory_communities(3), [0, 1, 2]);
        assert!(recording(0).trajectory_communities(10).is_empty());
    }
}
