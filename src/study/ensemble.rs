//! An ensemble: every (point, replicate) run of a scenario, executed in
//! parallel and handed to a [`RunSink`] as each run finishes.
//!
//! Everything a study needs is resolved and validated into a [`Study`]
//! before any output is created, so bad input never leaves a folder behind.
//! Runs are independent: each has its own streams (MODEL.md section 3), so
//! the bytes written do not depend on the thread count or on which run
//! finishes first; the sink (the run folder) puts them in (point, replicate)
//! order. This layer writes no files itself.
//! A point's scenario and plan are rebuilt when its runs start, so memory
//! does not grow with the number of points either.

use crate::model::schema::FieldType;
use crate::model::{self, Community, Parameters, Plan, StreamKey, YearMetrics};
use crate::scenario::roster::{self, Roster};
use crate::scenario::{Override, Scenario, SeedMode, Source};
use crate::study::record::{self, Recording};
use crate::study::sensitivity;
use crate::study::summary;
use crate::study::sweep::{self, Design, Level};
use crate::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One shard of a study split for a cluster: shard `index` of `count` runs
/// every run whose position in (point, replicate) order is `index` modulo
/// `count`, which balances both the number of runs and their cost across
/// points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// From 0 to `count − 1`.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N`.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::BadInput(format!(
                "--shard {text}: expected I/N with 0 <= I < N, e.g. 0/4"
            ))
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the run at `position` in (point, replicate) order is ours.
    pub fn owns(&self, position: usize) -> bool {
        Shard::owner(position, self.count) == self.index
    }

    /// The index of the shard, of `count`, that runs the run at `position`
    /// in (point, replicate) order: the one statement of the shard rule,
    /// which both splitting and merging follow.
    pub fn owner(position: usize, count: u32) -> u32 {
        (position % count as usize) as u32
    }
}

/// Every run of a study of `points` points and `replicates` replicates as
/// (point, replicate), in output order.
pub fn run_list(points: u32, replicates: u32) -> Vec<(u32, u32)> {
    (0..points)
        .flat_map(|p| (0..replicates).map(move |r| (p, r)))
        .collect()
}

/// What one finished run hands to its [`RunSink`].
#[derive(Clone, Copy, Debug)]
pub struct RunResult<'a> {
    /// Point index.
    pub point: u32,
    /// Replicate index.
    pub replicate: u32,
    /// The run's yearly metrics, in year order.
    pub metrics: &'a [YearMetrics],
    /// Its summary figures, in the order of [`summary::FIGURES`].
    pub figures: &'a [Option<f64>],
    /// The declared types of each year's metric values, in column order
    /// ([`model::metrics::metric_types`]): how they are written.
    pub metric_types: &'a [FieldType],
}

/// What a [`RunSink`] streams of a run as it goes: a year's roster, the
/// seat events, the trajectories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The roster at the end of this year (`--snapshot YEAR`).
    Roster(i32),
    /// The seat events of the sampled communities (`--events`).
    Events,
    /// The chosen communities' trajectories (`--trajectories N`).
    Trajectories,
}

/// A stream of one run's rows of one [`Part`], opened by a [`RunSink`]
/// before the run starts: rows go out as the run reaches each year, so a
/// large run never holds their text in memory.
pub trait SnapshotStream {
    /// Where the rows are written.
    fn writer(&mut self) -> &mut dyn Write;
    /// The error for a failed write, naming where it went.
    fn error(&self, error: std::io::Error) -> Error;
    /// Completes the stream once every row is written.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Where a study's runs go as they finish (the run folder, in the layer
/// above). Runs finish on worker threads, in any order.
pub trait RunSink: Sync {
    /// Opens the stream of `part` for a run about to start.
    fn stream(
        &self,
        part: Part,
        point: u32,
        replicate: u32,
    ) -> Result<Box<dyn SnapshotStream + '_>>;
    /// Takes a finished run, once its streams are finished. A run
    /// counts as done only when this returns.
    fn finished(&self, run: &RunResult<'_>) -> Result<()>;
}

/// Everything resolved before a run starts.
#[derive(Clone, Debug)]
pub struct Study {
    /// The scenario file, merged with its `extends` chain and defaults.
    pub source: Source,
    /// `--set` overrides, applied before each point's values.
    pub overrides: Vec<Override>,
    /// The scenario as resolved with the overrides (before sweep values).
    pub scenario: Scenario,
    /// The sweep's points (one empty point without a sweep): numbers, and
    /// the levels of categorical factors.
    pub design: Design<Level>,
    /// Where the design comes from, for error messages: the scenario file,
    /// or the `table` CSV.
    pub design_origin: String,
    /// The initial roster, when `[init] roster` is given.
    pub roster: Option<Roster>,
    /// What each run records besides its metrics (snapshots, events,
    /// trajectories).
    pub recording: Recording,
    /// The shard this process runs, if the study is split.
    pub shard: Option<Shard>,
    /// Warnings about the input that are no errors (e.g. a new channel
    /// named like an inherited one), one line each without the `warning: `
    /// prefix, for the caller to show: the library never prints.
    pub warnings: Vec<String>,
}

/// The manifest's record of one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    /// Point index.
    pub point: u32,
    /// Replicate index.
    pub replicate: u32,
    /// The ChaCha8 key of the run's streams, 64 hex digits (seed,
    /// replicate and, with independent seeds, point; MODEL.md section 3).
    pub stream_key: String,
    /// `pending`, or `complete` once its rows are on disk.
    pub status: RunStatus,
    /// Wall time of the run in seconds (0 for a run completed by an
    /// earlier, interrupted invocation).
    pub seconds: f64,
}

/// Whether a run's rows are on disk, as `manifest.json` writes it. Read
/// back, any word but `complete` is pending: that is all `--resume` has
/// ever trusted a record for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", from = "String")]
pub enum RunStatus {
    /// Not run yet (or interrupted).
    Pending,
    /// Its rows are on disk.
    Complete,
}

impl From<String> for RunStatus {
    fn from(word: String) -> RunStatus {
        if word == "complete" {
            RunStatus::Complete
        } else {
            RunStatus::Pending
        }
    }
}

/// Estimated resources of a study.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Estimate {
    /// Number of runs (points × replicates, of this shard).
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

/// The most runs (points × replicates) a study may have: the list of runs
/// and the manifest hold one record per run.
const MAX_RUNS: u64 = 100_000_000;

/// With a roster (MODEL.md section 6): `communities`, when the scenario
/// gives it (the file naming the roster or one extending it, or an
/// override; see [`Source::gives_with_roster`]), takes the
/// first N communities of the roster and may not exceed the roster's size;
/// absent, it becomes the roster's size, so the scenario (and the manifest
/// that records it) says what runs.
fn fit_to_roster(
    source: &Source,
    overrides: &[Override],
    roster: &Roster,
    scenario: &mut Scenario,
) -> Result<()> {
    let size = roster.n_communities();
    if !source.gives_with_roster(overrides, "communities") {
        scenario.communities = u32::try_from(size).map_err(|_| {
            Error::BadInput(format!(
                "the roster holds {size} communities, more than a run can have"
            ))
        })?;
        return Ok(());
    }
    let n = scenario.communities;
    if n as usize > size {
        let roster_path = scenario
            .init
            .roster
            .as_ref()
            .map_or_else(String::new, |p| format!(" {}", p.display()));
        return Err(Error::input(
            source.origin_of(overrides, "communities"),
            "communities",
            format!(
                "{n} communities, more than the {size} of the roster{roster_path}: with a roster, `communities` takes its first N (at most {size})"
            ),
        ));
    }
    Ok(())
}

/// Refuses a `--set` override of a path the sweep sets at every point (the
/// sweep's value would silently win), naming both.
fn refuse_set_on_swept(
    source: &Source,
    overrides: &[Override],
    design: &Design<Level>,
) -> Result<()> {
    for o in overrides {
        if let Some(path) = design.paths.iter().find(|p| o.touches(p)) {
            let at = source
                .sweep_parameter_origin(path)
                .map_or_else(String::new, |at| format!(" ({at})"));
            return Err(Error::input(
                &o.origin,
                &o.path,
                format!(
                    "the sweep parameter `{path}`{at} sets this at every point, so the --set value would be overridden: remove the --set or the sweep parameter"
                ),
            ));
        }
    }
    Ok(())
}

impl Study {
    /// Reads the scenario file, the `--set` overrides (`PATH=VALUE`), the
    /// sweep design and the roster into a study, resolving every point once
    /// so that any bad input fails here, before anything is written.
    pub fn load(
        scenario_path: &Path,
        sets: &[String],
        recording: &Recording,
        shard: Option<Shard>,
    ) -> Result<Study> {
        let overrides = sets
            .iter()
            .map(|s| Override::parse_set(s))
            .collect::<Result<Vec<_>>>()?;
        let source = Source::read(scenario_path)?;
        let mut scenario = source.resolve(&overrides)?;
        for &year in &recording.snapshots {
            if !scenario.years().contains(&year) {
                return Err(Error::BadInput(format!(
                    "--snapshot {year}: not a simulated year ({}..={})",
                    scenario.start_year, scenario.end_year
                )));
            }
        }
        let design = match (&scenario.sweep, &scenario.sensitivity) {
            (Some(sweep), _) => {
                // Design errors (sizes, tables) are about the sweep as a
                // whole: they point at its `method`, or its table.
                let origin = source.origin_of(&overrides, "sweep.method");
                sweep::design(sweep, scenario.seed, &origin)?
            }
            (None, Some(analysis)) => {
                let origin = source.origin_of(&overrides, "sensitivity.method");
                sensitivity::design(analysis, scenario.seed, &origin)?.into()
            }
            (None, None) => Design::single(),
        };
        refuse_set_on_swept(&source, &overrides, &design)?;
        let n_runs = (design.points.len() as u64).saturating_mul(u64::from(scenario.replicates));
        if n_runs > MAX_RUNS {
            return Err(Error::BadInput(format!(
                "{}: {} point(s) x {} replicate(s) = {n_runs} runs, more than the {MAX_RUNS} a study can list",
                scenario_path.display(),
                design.points.len(),
                scenario.replicates
            )));
        }
        let roster = match &scenario.init.roster {
            Some(path) => Some(roster::read(path, &scenario)?),
            None => None,
        };
        if let Some(roster) = &roster {
            fit_to_roster(&source, &overrides, roster, &mut scenario)?;
        }
        recording.validate(scenario.communities)?;
        let warnings = source.warnings.clone();
        let recording = Recording {
            snapshots: Recording::snapshots(&recording.snapshots).snapshots,
            ..recording.clone()
        };
        let design_origin = match scenario.sweep.as_ref().and_then(|s| s.table.as_ref()) {
            Some(table) => table.display().to_string(),
            None => scenario_path.display().to_string(),
        };
        let study = Study {
            source,
            overrides,
            scenario,
            design,
            design_origin,
            roster,
            recording,
            shard,
            warnings,
        };
        study.validate_points()?;
        Ok(study)
    }

    /// Every run of the whole study as (point, replicate), in output order.
    pub fn all_runs(&self) -> Vec<(u32, u32)> {
        run_list(self.design.points.len() as u32, self.scenario.replicates)
    }

    /// The runs of this process (all runs, or this shard's), in order.
    pub fn runs(&self) -> Vec<(u32, u32)> {
        let all = self.all_runs();
        match self.shard {
            None => all,
            Some(shard) => all
                .into_iter()
                .enumerate()
                .filter(|(i, _)| shard.owns(*i))
                .map(|(_, r)| r)
                .collect(),
        }
    }

    /// The overrides of `point`: the `--set` ones, then the point's values.
    fn point_overrides(&self, point: u32) -> Vec<Override> {
        let mut overrides = self.overrides.clone();
        if self.design.paths.is_empty() {
            return overrides;
        }
        let values = &self.design.points[point as usize];
        overrides.extend(
            self.design
                .paths
                .iter()
                .zip(values)
                .map(|(path, value)| Override {
                    path: path.clone(),
                    value: value.toml(),
                    origin: match self.source.sweep_parameter_origin(path) {
                        Some(at) => format!("{at}: sweep point {point}: {path}={value}"),
                        // A `table` design: the CSV names the path; line 1 is its header.
                        None => format!(
                            "{}:{}:{}: sweep point {point}: {path}={}",
                            self.design_origin,
                            point + 2,
                            1 + self
                                .design
                                .paths
                                .iter()
                                .position(|p| p == path)
                                .unwrap_or(0),
                            value
                        ),
                    },
                }),
        );
        overrides
    }

    /// The scenario at `point`: the overrides, then the point's values
    /// (with a roster, `communities` fitted to it as in [`Study::load`]).
    pub fn point_scenario(&self, point: u32) -> Result<Scenario> {
        if self.design.paths.is_empty() {
            return Ok(self.scenario.clone());
        }
        let overrides = self.point_overrides(point);
        let mut scenario = self.source.resolve(&overrides)?;
        if let Some(roster) = &self.roster {
            fit_to_roster(&self.source, &overrides, roster, &mut scenario)?;
        }
        Ok(scenario)
    }

    /// The per-year plan of `point`'s scenario. A derived quantity the
    /// samplers cannot take (e.g. supply × kind × attraction beyond a
    /// Poisson sampler's range) is bad input at the position of the value
    /// responsible: the plan names the scenario path, the source knows
    /// where that value was written.
    fn point_plan(&self, point: u32, parameters: &Parameters) -> Result<Plan> {
        Plan::try_new(parameters).map_err(|error| match error {
            Error::Input {
                origin,
                key,
                message,
            } if origin.is_empty() => {
                let origin = self.source.origin_of(&self.point_overrides(point), &key);
                Error::input(origin, key, message)
            }
            other => other,
        })
    }

    /// The gate every run passes: resolves every point and builds (then
    /// drops, so memory stays flat) its plan, so a bad point fails before
    /// anything is written and a run cannot fail to build its plan.
    pub fn validate_points(&self) -> Result<()> {
        (0..self.design.points.len() as u32).try_for_each(|p| {
            let scenario = self.point_scenario(p)?;
            self.point_plan(p, &scenario.parameters()).map(drop)
        })
    }

    /// Communities per run.
    pub fn n_communities(&self) -> usize {
        self.scenario.communities as usize
    }

    /// Seats per run.
    pub fn n_seats(&self) -> usize {
        match &self.roster {
            Some(roster) => roster.n_seats(self.n_communities()),
            None => {
                let s = &self.scenario;
                let n_urban = model::n_urban(u64::from(s.communities), s.urban_share) as usize;
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
        let per_community =
            (std::mem::size_of::<Community>() + 2 * std::mem::size_of::<f64>()) as u64;
        let per_seat = std::mem::size_of::<Option<model::Leader>>() as u64;
        let run_state = n_communities * per_community + n_seats * per_seat;
        let in_flight = if n_communities as usize >= LARGE_RUN {
            1
        } else {
            (threads as u64).min(n_runs)
        };
        let roster_state = self
            .roster
            .as_ref()
            .map_or(0, |r| r.replicates.len() as u64 * run_state);
        let n_columns = 3 + model::metric_columns(&self.scenario.parameters()).len() as u64;
        // About 12 bytes per cell: shortest round-trip decimals of values in [0, 1].
        let timeseries = n_runs * n_years * n_columns * 12;
        let rosters = self.recording.snapshots.len() as u64 * n_runs * n_seats * 90;
        // About one event per five seat-years, 110 bytes a row.
        let events = self.recording.events.map_or(0, |fraction| {
            (fraction * (n_runs * n_seats * n_years) as f64 / 5.0 * 110.0) as u64
        });
        let transitions = n_runs * n_years * 16 * 30;
        let trajectories =
            n_runs * n_years * u64::from(self.recording.trajectories).min(n_communities) * 110;
        // The binary, thread stacks and I/O buffers: a fixed allowance.
        let fixed = 32 << 20;
        Estimate {
            runs: n_runs,
            community_years: n_runs * n_communities * n_years,
            // A run holds its state and its initial copy while it starts.
            peak_memory_bytes: fixed + roster_state + in_flight * (run_state * 2),
            output_bytes: timeseries + rosters + events + transitions + trajectories,
        }
    }

    /// The key of a run's streams.
    pub fn stream_key(&self, point: u32, replicate: u32) -> StreamKey {
        let point_key = match self.scenario.seeds {
            SeedMode::Common => None,
            SeedMode::Independent => Some(point),
        };
        StreamKey::new(self.scenario.seed, replicate, point_key)
    }

    fn initial_communities(&self, parameters: &Parameters, replicate: u32) -> Vec<Community> {
        match &self.roster {
            Some(roster) => roster.communities_for(replicate, parameters.communities as usize),
            None => model::vacant_communities(parameters),
        }
    }

    /// Runs `runs`, handing each run to `sink` when it completes, and
    /// returns the records of the runs it ran. `on_done` is called after
    /// each run (from worker threads) for progress reporting; once `stop`
    /// says so, no further run starts (those running finish), so a stopped
    /// study keeps every run it finished.
    pub fn execute(
        &self,
        sink: &dyn RunSink,
        runs: &[(u32, u32)],
        on_done: &(dyn Fn(&RunRecord) + Sync),
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Vec<RunRecord>> {
        let points = PointCache::new(2 * rayon::current_num_threads() + 2);
        let one = |&(point, replicate): &(u32, u32)| -> Result<Option<RunRecord>> {
            if stop() {
                return Ok(None);
            }
            // A panic in a run (a bug, not bad input: the gate refused that)
            // becomes this run's error, so the caller can record the study
            // as failed instead of the process aborting mid-write.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let started = Instant::now();
                let record = self.execute_one(sink, &points, point, replicate)?;
                let record = RunRecord {
                    seconds: started.elapsed().as_secs_f64(),
                    ..record
                };
                on_done(&record);
                Ok(Some(record))
            }))
            .unwrap_or_else(|payload| {
                Err(Error::Runtime(format!(
                    "internal error in run (point {point}, replicate {replicate}): {}",
                    panic_message(payload.as_ref())
                )))
            })
        };
        let records: Result<Vec<Option<RunRecord>>> = if self.n_communities() >= LARGE_RUN {
            runs.iter().map(one).collect()
        } else {
            runs.par_iter().map(one).collect()
        };
        Ok(records?.into_iter().flatten().collect())
    }

    /// What every replicate of `point` runs from: its scenario, parameters
    /// and plan, built once while the point's runs are under way.
    fn point_run(&self, points: &PointCache, point: u32) -> Result<Arc<PointRun>> {
        if let Some(run) = points.get(point) {
            return Ok(run);
        }
        let scenario = self.point_scenario(point)?;
        let parameters = scenario.parameters();
        let plan = self.point_plan(point, &parameters)?;
        Ok(points.insert(
            point,
            PointRun {
                scenario,
                parameters,
                plan,
            },
        ))
    }

    fn execute_one(
        &self,
        sink: &dyn RunSink,
        points: &PointCache,
        point: u32,
        replicate: u32,
    ) -> Result<RunRecord> {
        let shared = self.point_run(points, point)?;
        let PointRun {
            scenario,
            parameters,
            plan,
        } = &*shared;
        let key = self.stream_key(point, replicate);
        let communities = self.initial_communities(parameters, replicate);

        let recording = &self.recording;
        let mut streams = Vec::new();
        for &year in &recording.snapshots {
            streams.push((
                Part::Roster(year),
                sink.stream(Part::Roster(year), point, replicate)?,
            ));
        }
        if recording.events.is_some() {
            streams.push((Part::Events, sink.stream(Part::Events, point, replicate)?));
        }
        let chosen = recording.trajectory_communities(communities.len());
        if !chosen.is_empty() {
            streams.push((
                Part::Trajectories,
                sink.stream(Part::Trajectories, point, replicate)?,
            ));
        }
        let mut stream_error = None;
        let metrics = model::run_recorded(
            plan,
            communities,
            &key,
            recording.event_sample(),
            &mut |end| {
                for (part, stream) in streams.iter_mut() {
                    if stream_error.is_some() {
                        break;
                    }
                    let out = stream.writer();
                    let written = match *part {
                        Part::Roster(year) if year == end.year => roster::write_rows(
                            &mut &mut *out,
                            scenario,
                            point,
                            replicate,
                            end.communities,
                        ),
                        Part::Roster(_) => Ok(()),
                        Part::Events => record::write_events(out, scenario, point, replicate, end),
                        Part::Trajectories => {
                            record::write_trajectories(out, point, replicate, &chosen, end)
                        }
                    };
                    if let Err(e) = written {
                        stream_error = Some(stream.error(e));
                    }
                }
            },
        );
        if let Some(e) = stream_error {
            return Err(e);
        }
        for (_, stream) in streams {
            stream.finish()?;
        }

        let columns = model::metric_columns(parameters);
        let figures = summary::run_figures(scenario, &columns, &metrics);
        sink.finished(&RunResult {
            point,
            replicate,
            metrics: &metrics,
            figures: &figures,
            metric_types: &model::metrics::metric_types(parameters),
        })?;
        Ok(RunRecord {
            point,
            replicate,
            stream_key: key.to_hex(),
            status: RunStatus::Complete,
            seconds: 0.0,
        })
    }
}

/// A point's scenario as its runs need it.
struct PointRun {
    scenario: Scenario,
    parameters: Parameters,
    plan: Plan,
}

/// The points most recently started, so that a point's replicates (which
/// differ only in their streams) build its plan once: a plan costs a few
/// milliseconds, as much as a whole run of a few hundred communities. Runs
/// are started point by point, so a handful of slots (two per thread, as
/// rayon splits the list of runs among threads) holds every point under
/// way, and memory stays flat in the number of points. Two threads that
/// miss the same point both build it; either build is the same.
struct PointCache {
    slots: Mutex<VecDeque<(u32, Arc<PointRun>)>>,
    capacity: usize,
}

impl PointCache {
    fn new(capacity: usize) -> PointCache {
        PointCache {
            slots: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
        }
    }

    /// The slots; a panic elsewhere while they were held leaves them valid.
    fn slots(&self) -> std::sync::MutexGuard<'_, VecDeque<(u32, Arc<PointRun>)>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, point: u32) -> Option<Arc<PointRun>> {
        let slots = self.slots();
        slots
            .iter()
            .find(|(p, _)| *p == point)
            .map(|(_, run)| Arc::clone(run))
    }

    /// Keeps `run` for `point` (the first one kept when another thread got
    /// there first), dropping the oldest point beyond the capacity.
    fn insert(&self, point: u32, run: PointRun) -> Arc<PointRun> {
        let mut slots = self.slots();
        if let Some((_, kept)) = slots.iter().find(|(p, _)| *p == point) {
            return Arc::clone(kept);
        }
        let run = Arc::new(run);
        if slots.len() == self.capacity {
            slots.pop_front();
        }
        slots.push_back((point, Arc::clone(&run)));
        run
    }
}

/// The text of a panic payload (`panic!` with a literal or a format).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// A value as it is written in an override and in `points.csv`: Rust's
/// shortest round-trip decimal, so `3.0` is written `3` and reads back as an
/// integer where a path needs one.
pub fn format_value(value: f64) -> String {
    value.to_string()
}

/// Total memory of this machine in bytes, from `/proc/meminfo` (None where
/// it cannot be read).
pub fn machine_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A sink in memory: what each run handed over, and in which order
    /// its snapshot streams and its result arrived.
    #[derive(Default)]
    struct Memory {
        events: Mutex<Vec<String>>,
    }

    struct Rows<'a> {
        sink: &'a Memory,
        name: String,
        text: Vec<u8>,
    }

    impl SnapshotStream for Rows<'_> {
        fn writer(&mut self) -> &mut dyn Write {
            &mut self.text
        }
        fn error(&self, error: std::io::Error) -> Error {
            Error::Runtime(error.to_string())
        }
        fn finish(self: Box<Self>) -> Result<()> {
            let rows = self.text.iter().filter(|&&b| b == b'\n').count();
            let event = format!("{} {rows} rows", self.name);
            self.sink.events.lock().unwrap().push(event);
            Ok(())
        }
    }

    impl RunSink for Memory {
        fn stream(
            &self,
            part: Part,
            point: u32,
            replicate: u32,
        ) -> Result<Box<dyn SnapshotStream + '_>> {
            Ok(Box::new(Rows {
                sink: self,
                name: format!("{part:?} p{point} r{replicate}"),
                text: Vec::new(),
            }))
        }
        fn finished(&self, run: &RunResult<'_>) -> Result<()> {
            let event = format!(
                "run p{} r{}: {} years, {} figures",
                run.point,
                run.replicate,
                run.metrics.len(),
                run.figures.len()
            );
            self.events.lock().unwrap().push(event);
            Ok(())
        }
    }

    /// The replicates of a point share one build of its scenario and plan;
    /// every point gets its own, and the oldest point leaves the cache
    /// beyond its capacity (its next run builds it again).
    #[test]
    fn a_point_cache_serves_each_point_its_own_build() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/sweep/grid.toml");
        let study = Study::load(&path, &[], &Recording::default(), None).unwrap();
        let points = PointCache::new(2);
        let first = study.point_run(&points, 0).unwrap();
        let second = study.point_run(&points, 1).unwrap();
        assert!(Arc::ptr_eq(&first, &study.point_run(&points, 0).unwrap()));
        for (point, run) in [(0, &first), (1, &second)] {
            let scenario = study.point_scenario(point).unwrap();
            assert_eq!(run.scenario, scenario);
            assert_eq!(run.parameters, scenario.parameters());
        }
        assert_ne!(first.parameters, second.parameters);
        // A third point takes the oldest slot.
        study.point_run(&points, 2).unwrap();
        assert!(!Arc::ptr_eq(&first, &study.point_run(&points, 0).unwrap()));
        // Point 0's return took point 1's slot.
        assert!(points.get(1).is_none() && points.get(2).is_some());
    }

    #[test]
    fn a_study_hands_each_run_to_its_sink_snapshots_first() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/sweep/grid.toml");
        let recording = Recording {
            trajectories: 2,
            ..Recording::snapshots(&[1960])
        };
        let study = Study::load(&path, &[], &recording, None).unwrap();
        let sink = Memory::default();
        let runs = vec![(0, 0), (4, 2)];
        let records = study.execute(&sink, &runs, &|_| {}, &|| false).unwrap();
        assert_eq!(
            records
                .iter()
                .map(|r| (r.point, r.replicate))
                .collect::<Vec<_>>(),
            runs
        );
        assert!(records.iter().all(|r| r.status == RunStatus::Complete));
        let mut events = sink.events.into_inner().unwrap();
        // Runs may finish in any order; within a run the snapshot comes first.
        let first_run = events.iter().position(|e| e.starts_with("run")).unwrap();
        assert!(events[first_run - 2].starts_with("Roster(1960)"));
        assert!(events[first_run - 1].starts_with("Trajectories"));
        events.sort();
        let seats = study.n_seats();
        let years = study.scenario.n_years();
        let figures = summary::FIGURES.len();
        assert_eq!(
            events,
            vec![
                format!("Roster(1960) p0 r0 {seats} rows"),
                format!("Roster(1960) p4 r2 {seats} rows"),
                format!("Trajectories p0 r0 {} rows", 2 * years),
                format!("Trajectories p4 r2 {} rows", 2 * years),
                format!("run p0 r0: {years} years, {figures} figures"),
                format!("run p4 r2: {years} years, {figures} figures"),
            ]
        );
    }
}
