//! An ensemble: every (point, replicate) run of a scenario, executed in
//! parallel and streamed to a run folder as each run finishes.
//!
//! Everything a study needs is resolved and validated into a [`Study`]
//! before any output is created, so bad input never leaves a folder behind.
//! Runs are independent: each has its own streams (MODEL.md section 3), so
//! the bytes written do not depend on the thread count or on which run
//! finishes first; part files are assembled in (point, replicate) order.

use crate::model::{self, Community, Plan, StreamKey};
use crate::output::{self, RunFolder};
use crate::roster::{self, Roster};
use crate::scenario::{Scenario, SeedMode};
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::time::Instant;

/// One parameter point of a study: the scenario with the point's values
/// applied.
#[derive(Clone, Debug)]
pub struct Point {
    /// Position in the study, from 0.
    pub index: u32,
    /// The swept paths and their values at this point (empty without a sweep).
    pub values: Vec<(String, f64)>,
    /// The resolved scenario at this point.
    pub scenario: Scenario,
}

/// Everything resolved before a run starts.
#[derive(Clone, Debug)]
pub struct Study {
    /// The scenario as resolved (before any sweep values).
    pub scenario: Scenario,
    /// At least one point.
    pub points: Vec<Point>,
    /// The initial roster, when `[init] roster` is given.
    pub roster: Option<Roster>,
    /// Years whose end-of-year state is written as `roster_<year>.csv`.
    pub snapshots: Vec<i32>,
}

/// The manifest's record of one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunRecord {
    /// Point index.
    pub point: u32,
    /// Replicate index.
    pub replicate: u32,
    /// The ChaCha8 key of the run's streams, 64 hex digits (seed,
    /// replicate and, with independent seeds, point; MODEL.md section 3).
    pub stream_key: String,
    /// `complete` once its rows are on disk.
    pub status: String,
    /// Wall time of the run in seconds.
    pub seconds: f64,
}

/// Estimated resources of a study.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Estimate {
    /// Number of runs (points × replicates).
    pub runs: u64,
    /// Community-years simulated in all.
    pub community_years: u64,
    /// Peak resident memory in bytes (state of the runs in flight, roster,
    /// buffers).
    pub peak_memory_bytes: u64,
    /// Bytes written to the output folder.
    pub output_bytes: u64,
}

/// Communities per run above which runs are executed one after another,
/// each parallel over its communities: this keeps one run's state in memory
/// at a time for large runs, while small runs run side by side.
const LARGE_RUN: usize = 16_384;

impl Study {
    /// Every run as (point, replicate), in output order.
    pub fn runs(&self) -> Vec<(u32, u32)> {
        self.points
            .iter()
            .flat_map(|p| (0..p.scenario.replicates).map(move |r| (p.index, r)))
            .collect()
    }

    /// Communities per run.
    pub fn n_communities(&self) -> usize {
        match &self.roster {
            Some(roster) => roster.n_communities(),
            None => self.scenario.communities as usize,
        }
    }

    /// Seats per run.
    pub fn n_seats(&self) -> usize {
        match &self.roster {
            Some(roster) => roster.n_seats(),
            None => {
                let s = &self.scenario;
                let n_urban = n_urban(s.communities, s.urban_share) as usize;
                n_urban * s.team.seats.urban as usize
                    + (s.communities as usize - n_urban) * s.team.seats.rural as usize
            }
        }
    }

    /// Estimates memory and output size for `threads` worker threads.
    pub fn estimate(&self, threads: usize) -> Estimate {
        let n_runs = self.runs().len() as u64;
        let n_communities = self.n_communities() as u64;
        let n_seats = self.n_seats() as u64;
        let n_years = self.scenario.n_years() as u64;
        let per_community = (std::mem::size_of::<Community>() + 2 * std::mem::size_of::<f64>()) as u64;
        let per_seat = std::mem::size_of::<Option<model::Leader>>() as u64;
        let run_state = n_communities * per_community + n_seats * per_seat;
        let in_flight = if n_communities as usize >= LARGE_RUN { 1 } else { (threads as u64).min(n_runs) };
        let roster_state = self.roster.as_ref().map_or(0, |r| r.replicates.len() as u64 * run_state);
        let n_columns = 3 + model::metric_columns(&self.scenario).len() as u64;
        // About 12 bytes per cell: shortest round-trip decimals of values in [0, 1].
        let timeseries = n_runs * n_years * n_columns * 12;
        let rosters = self.snapshots.len() as u64 * n_runs * n_seats * 90;
        // Runs keep one roster snapshot buffered before writing (BufWriter) and
        // the binary itself: a fixed allowance.
        let fixed = 32 << 20;
        Estimate {
            runs: n_runs,
            community_years: n_runs * n_communities * n_years,
            peak_memory_bytes: fixed + roster_state + in_flight * (run_state * 2),
            output_bytes: timeseries + rosters,
        }
    }

    fn stream_key(&self, point: u32, replicate: u32) -> StreamKey {
        let point_key = match self.scenario.seeds {
            SeedMode::Common => None,
            SeedMode::Independent => Some(point),
        };
        StreamKey::new(self.scenario.seed, replicate, point_key)
    }

    fn initial_communities(&self, point: &Point, replicate: u32) -> Vec<Community> {
        match &self.roster {
            Some(roster) => roster.communities_for(replicate),
            None => model::vacant_communities(&point.scenario),
        }
    }

    /// Runs every run not already in `skip`, writing each run's part files
    /// into `folder` when it completes. `on_done` is called after each run
    /// (from worker threads) for progress reporting.
    pub fn execute(
        &self,
        folder: &RunFolder,
        on_done: &(dyn Fn(&RunRecord) + Sync),
    ) -> Result<Vec<RunRecord>> {
        let plans: Vec<Plan> = self.points.iter().map(|p| Plan::new(&p.scenario)).collect();
        let runs = self.runs();
        let one = |&(point_idx, replicate): &(u32, u32)| -> Result<RunRecord> {
            let started = Instant::now();
            let record = self.execute_one(folder, &plans, point_idx, replicate)?;
            let record = RunRecord { seconds: started.elapsed().as_secs_f64(), ..record };
            on_done(&record);
            Ok(record)
        };
        if self.n_communities() >= LARGE_RUN {
            runs.iter().map(one).collect()
        } else {
            runs.par_iter().map(one).collect()
        }
    }

    fn execute_one(
        &self,
        folder: &RunFolder,
        plans: &[Plan],
        point_idx: u32,
        replicate: u32,
    ) -> Result<RunRecord> {
        let point = &self.points[point_idx as usize];
        let key = self.stream_key(point_idx, replicate);
        let communities = self.initial_communities(point, replicate);

        // Snapshot rows stream straight to temporary part files so a large
        // run never holds its roster text in memory.
        let mut snapshot_files = Vec::new();
        for &year in &self.snapshots {
            let kind = format!("roster_{year}");
            let path = output::temp_name(&folder.part(&kind, point_idx, replicate));
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            snapshot_files.push((year, kind, path, BufWriter::with_capacity(1 << 20, file)));
        }
        let mut snapshot_error = None;
        let metrics = model::run(&plans[point_idx as usize], communities, &key, &mut |year, state| {
            for (snap_year, _, path, out) in snapshot_files.iter_mut() {
                if *snap_year == year && snapshot_error.is_none() {
                    if let Err(e) = roster::write_rows(out, &point.scenario, point_idx, replicate, state) {
                        snapshot_error = Some(Error::io(path.clone(), e));
                    }
                }
            }
        });
        if let Some(e) = snapshot_error {
            return Err(e);
        }
        for (_, kind, path, out) in snapshot_files {
            let file = out.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&path, e))?;
            let target = folder.part(&kind, point_idx, replicate);
            std::fs::rename(&path, &target).map_err(|e| Error::io(&target, e))?;
        }

        let mut rows = Vec::with_capacity(metrics.len() * 512);
        output::write_timeseries_rows(&mut rows, point_idx, replicate, &metrics)
            .map_err(|e| Error::io(folder.part("timeseries", point_idx, replicate), e))?;
        // The timeseries part lands last: its presence marks the run complete.
        folder.write_part("timeseries", point_idx, replicate, &rows)?;
        Ok(RunRecord {
            point: point_idx,
            replicate,
            stream_key: key.to_hex(),
            status: "complete".into(),
            seconds: 0.0,
        })
    }

    /// Assembles the final files from the part files and removes the parts.
    pub fn assemble(&self, folder: &RunFolder) -> Result<()> {
        let runs = self.runs();
        let header = output::timeseries_header(&model::metric_columns(&self.scenario));
        folder.assemble("timeseries.csv", "timeseries", &header, &runs)?;
        for &year in &self.snapshots {
            let kind = format!("roster_{year}");
            folder.assemble(&format!("{kind}.csv"), &kind, &roster::header(), &runs)?;
        }
        folder.remove_parts()
    }
}

/// The number of urban communities: round(urban_share · N), halves up.
pub fn n_urban(communities: u32, urban_share: f64) -> u32 {
    (urban_share * f64::from(communities) + 0.5).floor() as u32
}

/// Total memory of this machine in bytes, from `/proc/meminfo` (None where
/// it cannot be read).
pub fn machine_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Writes `value` as pretty JSON to `path`, atomically.
pub fn write_json(path: &std::path::Path, value: &impl Serialize) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(value).map_err(|e| Error::Runtime(e.to_string()))?;
    text.write_all(b"\n").expect("writing to a Vec cannot fail");
    output::write_atomically(path, &text)
}
