//! The command line: raw flags (clap) are turned into a validated study,
//! then run. Nothing is created on disk before every input has been read and
//! checked.

use crate::progress::Progress;
use clap::{Parser, Subcommand};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};
use succession::chart::{self, ChartOptions};
use succession::folder::manifest::{self, Manifest};
use succession::folder::merge::ShardSet;
use succession::folder::output::{self, Existing, RunFolder};
use succession::scenario;
use succession::study::calibration::{self, Targets};
use succession::study::ensemble::{self, Estimate, RunRecord, Shard, Study};
use succession::study::sweep::Design;
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
    /// Redraw the charts of a run folder (DIR/charts/) from its CSV files alone.
    Plot(PlotArgs),
    /// Run a scenario (and the variants the targets name) and compare it
    /// with calibration targets: figure, model value with its interval, miss.
    Calibrate(CalibrateArgs),
}

#[derive(Debug, clap::Args)]
struct CalibrateArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// The targets file (e.g. scenarios/targets.toml).
    #[arg(long, value_name = "FILE")]
    targets: PathBuf,
    /// The run folder (default: out/<name>-calibration/); variants go to DIR/variants/<name>/.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Replace an existing calibration folder.
    #[arg(long)]
    force: bool,
    /// Print nothing but the report and errors.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct PlotArgs {
    /// The run folder (holding timeseries.csv, points.csv, summary.csv).
    dir: PathBuf,
    /// The sweep point whose cohorts are drawn (default: the first).
    #[arg(long, value_name = "N")]
    point: Option<u32>,
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
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
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
        Command::Calibrate(args) => calibrate_command(args),
        Command::Plot(args) => {
            chart::draw(&args.dir, &ChartOptions { point: args.point })?;
            Ok(())
        }
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
        let before = previous.scenario["replicates"].as_u64().unwrap_or(0);
        if before > u64::from(study.scenario.replicates) {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: the folder holds {before} replicates and the scenario now asks for {}; \
                 resuming never drops finished runs (use another --out)",
                dir.display(),
                study.scenario.replicates
            )));
        }
        Some(previous)
    } else if args.resume && (RunFolder { dir: dir.clone() }).is_unstarted() {
        // Absent, or killed before its manifest was written: start afresh
        // (`create` replaces what little is there).
        None
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
    if previous.is_none() {
        output::write_atomically(
            &folder.file("points.csv"),
            output::points_csv(&study.design).as_bytes(),
        )?;
    }

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
            succession::folder::schema::write_datapackage(&folder.dir)?;
            Ok(finished)
        });
    progress.finish();
    let finished = match outcome {
        Ok(finished) => finished,
        Err(e) => {
            // Keep what was written: finished runs stay as part files for --resume.
            for record in &mut manifest.runs {
                if folder
                    .part(ensemble::TIMESERIES, record.point, record.replicate)
                    .exists()
                {
                    record.status = "complete".into();
                }
            }
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
    if shard.is_none() {
        chart::draw(&folder.dir, &ChartOptions::default())?;
    }
    progress.note(&format!(
        "wrote {} ({} runs, {:.1} s)",
        folder.dir.display(),
        pending.len(),
        started_at.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn calibrate_command(args: CalibrateArgs) -> Result<()> {
    let targets = Targets::read(&args.targets)?;
    // Validate the base scenario and every variant before running anything.
    let base = build_study(&args.scenario, &[], None)?;
    let variants: Vec<(String, Vec<String>)> = targets
        .variant_overrides()
        .into_iter()
        .map(|(name, sets)| {
            (
                name,
                args.scenario.sets.iter().cloned().chain(sets).collect(),
            )
        })
        .collect();
    for (_, sets) in &variants {
        Study::load(&args.scenario.scenario, sets, &[], None)?;
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-calibration", base.scenario.name)));
    let run = |out: PathBuf, sets: Vec<String>, force: bool| {
        run_command(RunArgs {
            scenario: ScenarioArgs {
                scenario: args.scenario.scenario.clone(),
                sets,
            },
            out: Some(out),
            threads: args.threads,
            snapshots: Vec::new(),
            shard: None,
            resume: false,
            force,
            quiet: args.quiet,
        })
    };
    run(dir.clone(), args.scenario.sets.clone(), args.force)?;
    for (name, sets) in variants {
        run(calibration::variant_dir(&dir, &name), sets, false)?;
    }
    print_out(&succession::folder::read::calibration_report(&dir, &targets)?.to_string());
    Ok(())
}

fn check_command(args: CheckArgs) -> Result<()> {
    let study = build_study(&args.scenario, &[], None)?;
    let threads = rayon::current_num_threads();
    let estimate = study.estimate(threads);
    let s = &study.scenario;
    let mut lines = vec![scenario::to_toml(s).trim_end().to_string(), String::new()];
    lines.push(format!(
        "# check: {} is valid",
        args.scenario.scenario.display()
    ));
    if let Some(roster) = &study.roster {
        lines.push(format!(
            "# the roster defines {} communities ({} replicate(s)); `communities` and `urban_share` are ignored",
            roster.n_communities(),
            roster.replicates.len()
        ));
    }
    lines.push(format!(
        "# runs: {} ({} point(s) x {} replicate(s)), {} years, {} communities per run",
        estimate.runs,
        study.design.points.len(),
        s.replicates,
        s.n_years(),
        study.n_communities()
    ));
    lines.push(format!(
        "# estimated peak memory: {} on {} threads; output: {}",
        human_bytes(estimate.peak_memory_bytes),
        threads,
        human_bytes(estimate.output_bytes)
    ));
    lines.push(String::new());
    print_out(&lines.join("\n"));
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
    let mut text = String::new();
    for p in params {
        writeln!(
            text,
            "{:width$}  {:default_width$}  {:24}  {}",
            p.path, p.default, p.range, p.meaning
        )
        .expect("writing to a String cannot fail");
    }
    print_out(&text);
}

/// Prints to stdout; a closed pipe (`succession params | head`) ends the
/// output quietly instead of panicking.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn merge_command(args: MergeArgs) -> Result<()> {
    let shards = ShardSet::open(&args.shards)?;
    let out = resolved(&args.out);
    for shard_dir in &shards.dirs {
        let shard_dir = resolved(shard_dir);
        if out.starts_with(&shard_dir) || shard_dir.starts_with(&out) {
            return Err(Error::BadInput(format!(
                "--out {}: overlaps the shard folder {}; merge into a folder of its own",
                args.out.display(),
                shard_dir.display()
            )));
        }
    }
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let target = RunFolder::check(&args.out, existing)?;
    let design = shards.design()?;

    // Merge into a sibling staging folder and rename it into place at the
    // end, so a failure leaves neither a half-merged folder nor a damaged
    // old one.
    let mut staging_name = std::ffi::OsString::from(".");
    staging_name.push(out.file_name().unwrap_or_default());
    staging_name.push(format!(".merging-{}", std::process::id()));
    let staging = RunFolder {
        dir: out.with_file_name(staging_name),
    };
    let result = merge_into(&shards, &design, &staging);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging.dir);
        return Err(e);
    }
    if target.dir.exists() {
        std::fs::remove_dir_all(&target.dir).map_err(|e| Error::io(&target.dir, e))?;
    }
    std::fs::rename(&staging.dir, &target.dir).map_err(|e| Error::io(&target.dir, e))?;
    eprintln!(
        "merged {} shards into {}",
        shards.dirs.len(),
        target.dir.display()
    );
    Ok(())
}

/// Writes the merged files of `shards` into `folder`.
fn merge_into(shards: &ShardSet, design: &Design, folder: &RunFolder) -> Result<()> {
    let started_at = Instant::now();
    folder.create()?;
    output::write_atomically(
        &folder.file("points.csv"),
        output::points_csv(design).as_bytes(),
    )?;
    let first = &shards.manifests[0];
    let mut names = vec!["timeseries.csv".to_string(), "runs.csv".to_string()];
    names.extend(first.snapshots.iter().map(|y| format!("roster_{y}.csv")));
    for name in &names {
        shards.interleave(name, folder)?;
    }
    let runs_csv = std::fs::read_to_string(folder.file("runs.csv"))
        .map_err(|e| Error::io(folder.file("runs.csv"), e))?;
    output::write_atomically(
        &folder.file("summary.csv"),
        output::summary_csv(design, &runs_csv)?.as_bytes(),
    )?;
    succession::folder::schema::write_datapackage(&folder.dir)?;

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
    chart::draw(&folder.dir, &ChartOptions::default()).map(drop)
}

/// `path` made absolute and, as far as it exists, free of symlinks and
/// `..`, for comparing folders.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => {
            std::fs::canonicalize(parent).map_or(absolute.clone(), |p| p.join(name))
        }
        _ => absolute,
    }
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
