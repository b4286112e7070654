//! The command line: raw flags (clap) are turned into a validated study,
//! then run. Nothing is created on disk before every input has been read and
//! checked.

use crate::progress::Progress;
use clap::{Parser, Subcommand};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};
use succession::ensemble::{self, Estimate, RunRecord, Shard, Study};
use succession::manifest::{self, Manifest};
use succession::merge::ShardSet;
use succession::output::{self, Existing, RunFolder};
use succession::scenario;
use succession::{Error, Result};

/// Community elite succession: run scenarios of the MODEL.md model.
#[derive(Debug, Parser)]
#[command(name = "succession", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (every sweep point and replicate) and write its CSV and manifest.
    Run(RunArgs),
    /// Validate a scenario without running it: print it resolved, the number
    /// of runs and the estimated memory and output size.
    Check(CheckArgs),
    /// Print every scenario parameter: path, default, unit or range, meaning.
    Params,
    /// Combine the complete shards of a study into the files one whole run writes.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
struct ScenarioArgs {
    /// The scenario file (TOML, MODEL.md section 6).
    scenario: PathBuf,
    /// Override a parameter: PATH=VALUE (any path a sweep can name), repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// The run's output folder (default: out/<name>/, out/<name>/shard-I-of-N/ for a shard).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Write every run's roster at the end of YEAR to roster_<YEAR>.csv, repeatable.
    #[arg(long = "snapshot", value_name = "YEAR")]
    snapshots: Vec<i32>,
    /// Run only shard I of N (0 <= I < N); default from SLURM_ARRAY_TASK_ID/COUNT.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Finish an interrupted run (or add replicates) in an existing folder.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The shard folders (all of them, in any order).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The merged run folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Check(args) => check_command(args),
        Command::Params => {
            params_command();
            Ok(())
        }
        Command::Merge(args) => merge_command(args),
    }
}

/// Reads the scenario, the overrides, the sweep design and the roster into
/// a study (see [`Study::load`]).
fn build_study(args: &ScenarioArgs, snapshots: &[i32], shard: Option<Shard>) -> Result<Study> {
    Study::load(&args.scenario, &args.sets, snapshots, shard)
}

/// `--shard I/N`, else the Slurm job array's task, else none.
fn shard_of(flag: Option<&str>) -> Result<Option<Shard>> {
    if let Some(text) = flag {
        return Shard::parse(text).map(Some);
    }
    let id = std::env::var("SLURM_ARRAY_TASK_ID").ok();
    let count = std::env::var("SLURM_ARRAY_TASK_COUNT").ok();
    match (id, count) {
        (Some(id), Some(count)) => Shard::parse(&format!("{id}/{count}"))
            .map(Some)
            .map_err(|_| Error::BadInput(format!("SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_COUNT={count}: not a shard I/N (use --array=0-(N-1))"))),
        _ => Ok(None),
    }
}

/// Refuses a study that would not fit in this machine's memory.
fn check_fits(estimate: &Estimate) -> Result<()> {
    if let Some(total) = ensemble::machine_memory_bytes()
        && estimate.peak_memory_bytes > total
    {
        return Err(Error::BadInput(format!(
            "estimated peak memory {} exceeds this machine's {}; use fewer communities",
            human_bytes(estimate.peak_memory_bytes),
            human_bytes(total)
        )));
    }
    Ok(())
}

fn run_command(args: RunArgs) -> Result<()> {
    let shard = shard_of(args.shard.as_deref())?;
    let study = build_study(&args.scenario, &args.snapshots, shard)?;
    let threads = args
        .threads
        .map_or_else(rayon::current_num_threads, usize::from);
    let estimate = study.estimate(threads);
    check_fits(&estimate)?;
    let dir = args.out.clone().unwrap_or_else(|| {
        let base = Path::new("out").join(&study.scenario.name);
        match shard {
            Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
            None => base,
        }
    });
    let identity = manifest::identity(&study);

    // Decide what exists and what is left to run, still without writing.
    let previous = if args.resume && dir.join("manifest.json").exists() {
        let previous = Manifest::read(&dir)?;
        if previous.identity != identity || previous.shard != shard {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: the folder was made from a different scenario, sweep, snapshot set or shard; \
                 use another --out, or --force to start over",
                dir.display()
            )));
        }
        Some(previous)
    } else {
        let existing = if args.force {
            Existing::Replace
        } else {
            Existing::Refuse
        };
        RunFolder::check(&dir, existing)?;
        None
    };
    let folder = RunFolder { dir };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {threads} threads: {e}")))?;

    // All input is valid: from here on, failures are runtime failures.
    let runs = study.runs();
    if previous.is_some() {
        folder.create_parts_dir()?;
        folder.remove_temporaries()?;
        for kind in study.part_kinds() {
            folder.split_into_parts(&format!("{kind}.csv"), &kind)?;
        }
    } else {
        folder.create()?;
        output::write_atomically(
            &folder.file("points.csv"),
            output::points_csv(&study.design).as_bytes(),
        )?;
    }
    let done_before: BTreeSet<(u32, u32)> = runs
        .iter()
        .copied()
        .filter(|&(p, r)| folder.part(ensemble::TIMESERIES, p, r).exists())
        .collect();
    let pending: Vec<(u32, u32)> = runs
        .iter()
        .copied()
        .filter(|run| !done_before.contains(run))
        .collect();
    let earlier_seconds: BTreeMap<(u32, u32), f64> = previous
        .iter()
        .flat_map(|m| m.runs.iter())
        .filter(|r| r.status == "complete")
        .map(|r| ((r.point, r.replicate), r.seconds))
        .collect();

    let started_at = Instant::now();
    let mut manifest = Manifest {
        tool: "succession".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: args.scenario.scenario.display().to_string(),
        overrides: args.scenario.sets.clone(),
        status: "running".into(),
        started: timestamp(),
        finished: None,
        seconds: None,
        threads,
        shard,
        snapshots: study.snapshots.clone(),
        estimate,
        identity,
        runs: runs
            .iter()
            .map(|&(point, replicate)| {
                let complete = done_before.contains(&(point, replicate));
                RunRecord {
                    point,
                    replicate,
                    stream_key: study.stream_key(point, replicate).to_hex(),
                    status: if complete { "complete" } else { "pending" }.into(),
                    seconds: earlier_seconds
                        .get(&(point, replicate))
                        .copied()
                        .unwrap_or(0.0),
                }
            })
            .collect(),
        scenario: serde_json::to_value(&study.scenario)
            .map_err(|e| Error::Runtime(e.to_string()))?,
    };
    manifest.write(&folder.dir)?;

    let progress = Progress::new(pending.len() as u64, args.quiet);
    if !done_before.is_empty() {
        progress.note(&format!(
            "resuming: {} of {} runs already complete",
            done_before.len(),
            runs.len()
        ));
    }
    let outcome = pool
        .install(|| study.execute(&folder, &pending, &|_| progress.inc()))
        .and_then(|finished| {
            study.assemble(&folder)?;
            if shard.is_none() {
                let runs_csv = std::fs::read_to_string(folder.file("runs.csv"))
                    .map_err(|e| Error::io(folder.file("runs.csv"), e))?;
                let summary = output::summary_csv(&study.design, &runs_csv)?;
                output::write_atomically(&folder.file("summary.csv"), summary.as_bytes())?;
            }
            Ok(finished)
        });
    progress.finish();
    let finished = match outcome {
        Ok(finished) => finished,
        Err(e) => {
            // Keep what was written: finished runs stay as part files for --resume.
            manifest.status = "failed".into();
            manifest.finished = Some(timestamp());
            let _ = manifest.write(&folder.dir);
            return Err(e);
        }
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
    manifest.status = "complete".into();
    manifest.finished = Some(timestamp());
    manifest.seconds = Some(started_at.elapsed().as_secs_f64());
    manifest.write(&folder.dir)?;
    folder.remove_parts()?;
    progress.note(&format!(
        "wrote {} ({} runs, {:.1} s)",
        folder.dir.display(),
        pending.len(),
        started_at.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn check_command(args: CheckArgs) -> Result<()> {
    let study = build_study(&args.scenario, &[], None)?;
    let threads = rayon::current_num_threads();
    let estimate = study.estimate(threads);
    let s = &study.scenario;
    println!("{}", scenario::to_toml(s).trim_end());
    println!();
    println!("# check: {} is valid", args.scenario.scenario.display());
    if let Some(roster) = &study.roster {
        println!(
            "# the roster defines {} communities ({} replicate(s)); `communities` and `urban_share` are ignored",
            roster.n_communities(),
            roster.replicates.len()
        );
    }
    println!(
        "# runs: {} ({} point(s) x {} replicate(s)), {} years, {} communities per run",
        estimate.runs,
        study.design.points.len(),
        s.replicates,
        s.n_years(),
        study.n_communities()
    );
    println!(
        "# estimated peak memory: {} on {} threads; output: {}",
        human_bytes(estimate.peak_memory_bytes),
        threads,
        human_bytes(estimate.output_bytes)
    );
    check_fits(&estimate)
}

fn params_command() {
    let params = scenario::params();
    let width = params.iter().map(|p| p.path.len()).max().unwrap_or(0);
    let default_width = params
        .iter()
        .map(|p| p.default.len())
        .max()
        .unwrap_or(0)
        .min(40);
    for p in params {
        println!(
            "{:width$}  {:default_width$}  {:24}  {}",
            p.path, p.default, p.range, p.meaning
        );
    }
}

fn merge_command(args: MergeArgs) -> Result<()> {
    let shards = ShardSet::open(&args.shards)?;
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let folder = RunFolder::check(&args.out, existing)?;
    let design = shards.design()?;
    let started_at = Instant::now();

    folder.create()?;
    output::write_atomically(
        &folder.file("points.csv"),
        output::points_csv(&design).as_bytes(),
    )?;
    let first = &shards.manifests[0];
    let mut names = vec!["timeseries.csv".to_string(), "runs.csv".to_string()];
    names.extend(first.snapshots.iter().map(|y| format!("roster_{y}.csv")));
    for name in &names {
        shards.interleave(name, &folder)?;
    }
    let runs_csv = std::fs::read_to_string(folder.file("runs.csv"))
        .map_err(|e| Error::io(folder.file("runs.csv"), e))?;
    output::write_atomically(
        &folder.file("summary.csv"),
        output::summary_csv(&design, &runs_csv)?.as_bytes(),
    )?;

    let mut runs: Vec<RunRecord> = shards
        .manifests
        .iter()
        .flat_map(|m| m.runs.iter().cloned())
        .collect();
    runs.sort_by_key(|r| (r.point, r.replicate));
    let merged = Manifest {
        status: "complete".into(),
        started: shards
            .manifests
            .iter()
            .map(|m| m.started.clone())
            .min()
            .unwrap_or_default(),
        finished: Some(timestamp()),
        seconds: Some(started_at.elapsed().as_secs_f64()),
        shard: None,
        runs,
        ..first.clone()
    };
    merged.write(&folder.dir)?;
    folder.remove_parts()?;
    eprintln!(
        "merged {} shards into {}",
        shards.dirs.len(),
        folder.dir.display()
    );
    Ok(())
}

fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
