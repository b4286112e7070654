//! A study run into a run folder: decide (still without writing) whether
//! the folder is created, replaced or resumed and what is left to run; then
//! write the manifest, run, assemble, write the files that follow, and
//! record in the manifest how far it got.

use super::{
    Mode, Progress, check_fits, claim, timestamp, write_after_assembly, write_after_manifest,
};
use crate::folder::manifest::{Identity, Manifest, Status};
use crate::folder::output::{self, RunFolder};
use crate::study::ensemble::{RunRecord, RunStatus, Shard, Study};
use crate::study::record::Recording;
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A request to run a scenario into a run folder.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// The scenario file.
    pub scenario: PathBuf,
    /// `--set PATH=VALUE` overrides, as given.
    pub sets: Vec<String>,
    /// What each run records besides its metrics (snapshots, events,
    /// trajectories).
    pub recording: Recording,
    /// The shard to run, if the study is split.
    pub shard: Option<Shard>,
    /// The run folder (default: `out/<name>/`; a shard's
    /// `out/<name>-shards/shard-I-of-N/`, outside the whole run's folder).
    pub out: Option<PathBuf>,
    /// Worker threads (default: rayon's, all cores).
    pub threads: Option<usize>,
    /// What to do with an existing folder.
    pub mode: Mode,
}

impl RunRequest {
    /// Reads and validates the study the request names (nothing written).
    pub fn load(&self) -> Result<Study> {
        Study::load(&self.scenario, &self.sets, &self.recording, self.shard)
    }
}

/// What a finished run did.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The run folder.
    pub dir: PathBuf,
    /// Runs run by this invocation (not those an earlier one finished).
    pub runs: usize,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Loads the study of `request` and runs it (see [`run_study`]).
pub fn run(request: &RunRequest, progress: &dyn Progress) -> Result<RunOutcome> {
    run_study(request, &request.load()?, progress)
}

/// Runs `study` (loaded from `request`) into its run folder. Every refusal
/// comes before anything is written; a failure while running leaves the
/// finished runs as part files and the manifest `failed`, for `--resume`.
pub fn run_study(
    request: &RunRequest,
    study: &Study,
    progress: &dyn Progress,
) -> Result<RunOutcome> {
    let shard = study.shard;
    let threads = request.threads.unwrap_or_else(rayon::current_num_threads);
    let estimate = study.estimate(threads);
    check_fits(&estimate)?;
    let dir = request.out.clone().unwrap_or_else(|| {
        let name = &study.scenario.name;
        match shard {
            Some(s) => Path::new("out")
                .join(format!("{name}-shards"))
                .join(format!("shard-{}-of-{}", s.index, s.count)),
            None => Path::new("out").join(name),
        }
    });
    crate::folder::location::check_location(&dir)?;
    let identity = Identity::of(study);
    let replicates = study.scenario.replicates;
    let resumable = |previous: &Manifest| -> Result<()> {
        if previous.identity != identity || previous.shard != shard {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: the folder was made from a different scenario, sweep, snapshot set or shard; \
                 use another --out, or --force to start over",
                dir.display()
            )));
        }
        let before = previous.replicates().unwrap_or(0);
        if before > replicates {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: the folder holds {before} replicates and the scenario now asks for {replicates}; \
                 resuming never drops finished runs (use another --out)",
                dir.display(),
            )));
        }
        Ok(())
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {threads} threads: {e}")))?;
    let purpose = format!("`succession run {}`", request.scenario.display());
    // Every refusal comes before anything is written (`claim` decides first).
    let claim::Claim {
        folder,
        previous,
        lock,
    } = claim::claim(&dir, request.mode, &purpose, Some(&resumable))?;
    if let Some(reason) = &lock.unsupported {
        progress.note(&format!(
            "{reason}: a second process writing this folder at the same time would not be refused"
        ));
    }

    // All input is valid: from here on, failures are runtime failures.
    let runs = study.runs();
    let mut dropped = 0;
    if let Some(previous) = &previous {
        folder.remove_temporaries()?;
        folder.create_parts_dir()?;
        dropped = folder.split_data_files(&study.recording, &previous.checksums)?;
    }
    let is_done = |&(p, r): &(u32, u32)| folder.part(output::TIMESERIES, p, r).exists();
    let done_before: BTreeSet<(u32, u32)> = runs.iter().copied().filter(is_done).collect();
    let pending: Vec<(u32, u32)> = runs
        .iter()
        .copied()
        .filter(|run| !done_before.contains(run))
        .collect();
    let earlier_seconds: BTreeMap<(u32, u32), f64> = previous
        .iter()
        .flat_map(|m| m.runs.iter())
        .filter(|r| r.status == RunStatus::Complete)
        .map(|r| ((r.point, r.replicate), r.seconds))
        .collect();

    let started_at = Instant::now();
    let mut manifest = Manifest {
        tool: "succession".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: request.scenario.display().to_string(),
        overrides: request.sets.clone(),
        status: Status::Running,
        started: timestamp(),
        finished: None,
        seconds: None,
        threads,
        shard,
        snapshots: study.recording.snapshots.clone(),
        estimate,
        identity,
        runs: runs
            .iter()
            .map(|&(point, replicate)| RunRecord {
                point,
                replicate,
                stream_key: study.stream_key(point, replicate).to_hex(),
                status: if done_before.contains(&(point, replicate)) {
                    RunStatus::Complete
                } else {
                    RunStatus::Pending
                },
                seconds: earlier_seconds
                    .get(&(point, replicate))
                    .copied()
                    .unwrap_or(0.0),
            })
            .collect(),
        // Kept until reassembly: a resume killed before then verifies again.
        checksums: previous
            .as_ref()
            .map(|m| m.checksums.clone())
            .unwrap_or_default(),
        scenario: serde_json::to_value(&study.scenario)
            .map_err(|e| Error::Runtime(e.to_string()))?,
    };
    // The manifest first: from here on the folder is this run's, and every
    // later kill leaves a state `--resume` finishes (the points are written
    // again on resume, whatever became of them).
    manifest.write(&folder.dir)?;
    folder.write_points(&study.design)?;
    folder.create_parts_dir()?;

    progress.start(pending.len() as u64);
    if !done_before.is_empty() {
        progress.note(&format!(
            "resuming: {} of {} runs already complete",
            done_before.len(),
            runs.len()
        ));
    }
    if dropped > 0 {
        progress.note(&format!(
            "resuming: {dropped} run(s) whose rows no longer match manifest.json's checksums run again"
        ));
    }
    let stop = || progress.cancelled();
    let outcome = pool
        .install(|| study.execute(&folder, &pending, &|_| progress.run_done(), &stop))
        .and_then(|finished| {
            if progress.cancelled() {
                return Err(interrupted(request, &folder));
            }
            manifest.checksums = folder.assemble_study(study)?;
            let analysis = study.scenario.sensitivity.as_ref();
            write_after_assembly(
                &folder,
                &study.design,
                shard.is_none(),
                analysis.map(|a| (a, study.scenario.seed)),
            )?;
            Ok(finished)
        });
    progress.finish();
    let finished = match outcome {
        Ok(finished) => finished,
        Err(e) => return Err(record_stop(&mut manifest, &folder, &is_done, e)),
    };
    for record in finished {
        let position = manifest
            .runs
            .iter()
            .position(|r| (r.point, r.replicate) == (record.point, record.replicate));
        if let Some(i) = position {
            manifest.runs[i] = record;
        }
    }
    // Charts before the manifest says complete, so "complete" means every
    // file is in place; the part files go last but one, so a complete
    // folder holds nothing else.
    let completed = (|| {
        manifest.write(&folder.dir)?;
        if shard.is_none() {
            write_after_manifest(&folder)?;
        }
        folder.remove_parts()?;
        manifest.status = Status::Complete;
        manifest.finished = Some(timestamp());
        manifest.seconds = Some(started_at.elapsed().as_secs_f64());
        manifest.write(&folder.dir)
    })();
    if let Err(e) = completed {
        return Err(record_stop(&mut manifest, &folder, &is_done, e));
    }
    drop(lock);
    let seconds = started_at.elapsed().as_secs_f64();
    progress.note(&format!(
        "wrote {} ({} runs, {seconds:.1} s)",
        folder.dir.display(),
        pending.len(),
    ));
    Ok(RunOutcome {
        dir: folder.dir,
        runs: pending.len(),
        seconds,
    })
}

/// Records in the manifest why the invocation stopped (`failed`, or
/// `interrupted`) and which runs finished (their part files stay for
/// `--resume`); returns the error to report, saying so if even that record
/// could not be written.
fn record_stop(
    manifest: &mut Manifest,
    folder: &RunFolder,
    is_done: &dyn Fn(&(u32, u32)) -> bool,
    error: Error,
) -> Error {
    for record in &mut manifest.runs {
        if record.status != RunStatus::Complete && is_done(&(record.point, record.replicate)) {
            record.status = RunStatus::Complete;
        }
    }
    manifest.status = match error {
        Error::Interrupted(_) => Status::Interrupted,
        _ => Status::Failed,
    };
    manifest.finished = Some(timestamp());
    match manifest.write(&folder.dir) {
        Ok(()) => error,
        Err(also) => {
            let message = format!(
                "{error}; and the manifest could not record it ({also}), so it still says `running`: \
                 `--resume` finishes the run all the same"
            );
            match error {
                Error::Interrupted(_) => Error::Interrupted(message),
                _ => Error::Runtime(message),
            }
        }
    }
}

/// The error of a run stopped by a signal: what was kept and how to go on.
fn interrupted(request: &RunRequest, folder: &RunFolder) -> Error {
    let mut command = format!("succession run {}", request.scenario.display());
    for set in &request.sets {
        command.push_str(&format!(" --set {set}"));
    }
    for year in &request.recording.snapshots {
        command.push_str(&format!(" --snapshot {year}"));
    }
    if let Some(fraction) = request.recording.events {
        command.push_str(&format!(" --events --events-sample {fraction}"));
    }
    if request.recording.trajectories > 0 {
        command.push_str(&format!(
            " --trajectories {}",
            request.recording.trajectories
        ));
    }
    if let Some(shard) = request.shard {
        command.push_str(&format!(" --shard {}/{}", shard.index, shard.count));
    }
    command.push_str(&format!(" --out {} --resume", folder.dir.display()));
    Error::Interrupted(format!(
        "interrupted: the finished runs are kept in {}; `{command}` finishes the run",
        folder.dir.display()
    ))
}
