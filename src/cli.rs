//! The command line: raw flags (clap) are turned into a validated study,
//! then run. Nothing is created on disk before every input has been read and
//! checked.

use clap::{Parser, Subcommand};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime};
use succession::ensemble::{self, Estimate, Point, RunRecord, Study};
use succession::output::{Existing, RunFolder};
use succession::scenario::{self, Override, Scenario, Source};
use succession::{Error, Result, roster};

/// Community elite succession: run scenarios of the MODEL.md model.
#[derive(Debug, Parser)]
#[command(name = "succession", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (all replicates) and write timeseries.csv and manifest.json.
    Run(RunArgs),
    /// Validate a scenario without running it: print it resolved, the number
    /// of runs and the estimated memory and output size.
    Check(CheckArgs),
    /// Print every scenario parameter: path, default, unit or range, meaning.
    Params,
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
    /// The run's output folder (default: out/<name>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Write every run's roster at the end of YEAR to roster_<YEAR>.csv, repeatable.
    #[arg(long = "snapshot", value_name = "YEAR")]
    snapshots: Vec<i32>,
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

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Check(args) => check_command(args),
        Command::Params => {
            params_command();
            Ok(())
        }
    }
}

/// Reads the scenario, the overrides and the roster into a study.
fn build_study(args: &ScenarioArgs, snapshots: &[i32]) -> Result<(Study, Vec<Override>)> {
    let overrides = args.sets.iter().map(|s| Override::parse_set(s)).collect::<Result<Vec<_>>>()?;
    let source = Source::read(&args.scenario)?;
    let scenario = source.resolve(&overrides)?;
    for &year in snapshots {
        if !scenario.years().contains(&year) {
            return Err(Error::BadInput(format!(
                "--snapshot {year}: not a simulated year ({}..={})",
                scenario.start_year, scenario.end_year
            )));
        }
    }
    let roster = match &scenario.init.roster {
        Some(path) => Some(roster::read(path, &scenario)?),
        None => None,
    };
    let point = Point { index: 0, values: Vec::new(), scenario: scenario.clone() };
    let mut snapshots = snapshots.to_vec();
    snapshots.sort_unstable();
    snapshots.dedup();
    Ok((Study { scenario, points: vec![point], roster, snapshots }, overrides))
}

fn threads_in(pool_threads: Option<u16>) -> usize {
    pool_threads.map_or_else(rayon::current_num_threads, usize::from)
}

/// Refuses a study that would not fit in this machine's memory.
fn check_fits(estimate: &Estimate) -> Result<()> {
    if let Some(total) = ensemble::machine_memory_bytes() {
        if estimate.peak_memory_bytes > total {
            return Err(Error::BadInput(format!(
                "estimated peak memory {} exceeds this machine's {}; use fewer communities",
                human_bytes(estimate.peak_memory_bytes),
                human_bytes(total)
            )));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    scenario_file: String,
    overrides: Vec<String>,
    status: &'static str,
    started: String,
    finished: Option<String>,
    seconds: Option<f64>,
    threads: usize,
    snapshots: &'a [i32],
    estimate: Estimate,
    runs: &'a [RunRecord],
    scenario: &'a Scenario,
}

fn run_command(args: RunArgs) -> Result<()> {
    let (study, overrides) = build_study(&args.scenario, &args.snapshots)?;
    let threads = threads_in(args.threads);
    let estimate = study.estimate(threads);
    check_fits(&estimate)?;
    let dir = args.out.clone().unwrap_or_else(|| Path::new("out").join(&study.scenario.name));
    let existing = if args.force { Existing::Replace } else { Existing::Refuse };
    let folder = RunFolder::check(&dir, existing)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {threads} threads: {e}")))?;

    // All input is valid: from here on, failures are runtime failures.
    folder.create()?;
    let started_at = Instant::now();
    let started = timestamp();
    let mut records: Vec<RunRecord> = study
        .runs()
        .into_iter()
        .map(|(point, replicate)| RunRecord {
            point,
            replicate,
            stream_key: String::new(),
            status: "pending".into(),
            seconds: 0.0,
        })
        .collect();
    let scenario_file = args.scenario.scenario.display().to_string();
    let override_texts: Vec<String> =
        overrides.iter().map(|o| format!("{}={}", o.path, o.value)).collect();
    let manifest = |status: &'static str, records: &[RunRecord], finished: bool| {
        let manifest = Manifest {
            tool: "succession",
            version: env!("CARGO_PKG_VERSION"),
            scenario_file: scenario_file.clone(),
            overrides: override_texts.clone(),
            status,
            started: started.clone(),
            finished: finished.then(timestamp),
            seconds: finished.then(|| started_at.elapsed().as_secs_f64()),
            threads,
            snapshots: &study.snapshots,
            estimate,
            runs: records,
            scenario: &study.scenario,
        };
        ensemble::write_json(&folder.file("manifest.json"), &manifest)
    };
    manifest("running", &records, false)?;

    let total = records.len();
    let done = AtomicUsize::new(0);
    let log = Mutex::new(());
    let quiet = args.quiet;
    let on_done = |record: &RunRecord| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if !quiet {
            let _guard = log.lock();
            eprintln!(
                "run {n}/{total} done (point {}, replicate {}) in {:.1} s",
                record.point, record.replicate, record.seconds
            );
        }
    };
    let outcome = pool.install(|| study.execute(&folder, &on_done)).and_then(|finished| {
        study.assemble(&folder)?;
        Ok(finished)
    });
    match outcome {
        Ok(finished) => {
            records = finished;
            manifest("complete", &records, true)?;
            if !quiet {
                eprintln!(
                    "wrote {} ({} runs, {:.1} s)",
                    folder.dir.display(),
                    total,
                    started_at.elapsed().as_secs_f64()
                );
            }
            Ok(())
        }
        Err(e) => {
            // Keep what was written; say in the manifest that the run failed.
            let _ = manifest("failed", &records, true);
            Err(e)
        }
    }
}

fn check_command(args: CheckArgs) -> Result<()> {
    let (study, _) = build_study(&args.scenario, &[])?;
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
        study.points.len(),
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
    let default_width = params.iter().map(|p| p.default.len()).max().unwrap_or(0).min(40);
    for p in params {
        println!(
            "{:width$}  {:default_width$}  {:24}  {}",
            p.path, p.default, p.range, p.meaning
        );
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
