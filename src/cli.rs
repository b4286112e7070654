//! The command line: clap flags mapped to the library's requests
//! ([`succession::lifecycle`]), and what is printed. Nothing is created on
//! disk before every input has been read and checked (the library's rule).

use crate::progress::Terminal;
use clap::{Parser, Subcommand};
use std::fmt::Write as _;
use std::path::PathBuf;
use succession::chart::ChartOptions;
use succession::lifecycle::{
    self, CalibrationRequest, CompareOutcome, CompareRequest, MergeRequest, Mode, PatternsOutcome,
    PatternsRequest, RunRequest, SearchOutcome, SearchRequest,
};
use succession::scenario;
use succession::study::Recording;
use succession::study::ensemble::{Shard, Study};
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
    /// Print the JSON Schema (draft 2020-12) of the scenario format, for
    /// editors (the repository's scenario.schema.json).
    Schema,
    /// Combine the complete shards of a study into the files one whole run writes.
    Merge(MergeArgs),
    /// Redraw the charts of a run folder (DIR/charts/) from its CSV files alone.
    Plot(PlotArgs),
    /// Write DIR/report.html: one self-contained page of a run folder (scenario,
    /// summary figures, every chart, the hand-over by decade, provenance).
    Report(ReportArgs),
    /// Run a scenario (and the variants the targets name) and compare it
    /// with calibration targets: figure, model value with its interval, miss;
    /// with --search, fit the targets file's [search] parameters by ABC-SMC.
    Calibrate(CalibrateArgs),
    /// Test the essay's six patterns (MODEL.md 7.8) on a scenario, each against
    /// a control built from it: effect, 95% interval, verdict; writes patterns.csv.
    Patterns(PatternsArgs),
    /// Compare two points of a run folder, or two run folders: per summary
    /// figure and per year of capacity, the difference B − A paired by
    /// replicate with its 95% interval; writes compare.csv.
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
}

/// What `succession compare --help` says after the flags.
const COMPARE_HELP: &str = "\
Differences are B − A: point B minus point A, or DIR_B minus DIR_A.

Runs pair when they share the replicate index and the random streams: two
points of one run folder whose seeds are \"common\" (manifest.json), or two
run folders written by the same version of succession with the same seed,
seed mode, years and replicates. Otherwise compare refuses (exit 2) and says
why; --unpaired compares them as independent samples.

compare.csv has one row per summary figure of runs.csv, compare_timeseries.csv
one per year of capacity_mean; their columns: figure (or year), a_mean, b_mean,
diff_mean, diff_lo, diff_hi, diff_sd, n.
  paired:      over the replicates where A and B are both defined (n pairs),
               diff_mean is the mean of the differences B − A, diff_lo and
               diff_hi its 95% t interval (n − 1 df), diff_sd their sd
  --unpaired:  diff_mean = b_mean − a_mean, each mean over its own replicates;
               diff_lo, diff_hi: Welch's 95% interval (Welch–Satterthwaite df);
               diff_sd = √(sd_A² + sd_B²), the sd of one B run minus one A run;
               n: the smaller of A's and B's numbers of defined values
The interval and sd are empty when n < 2.

Also writes datapackage.json and charts/compare_capacity.png/.svg, and prints
the table. An earlier comparison's files are replaced only with --force.";

#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// One run folder (with --points A B), or two run folders A and B of one point each.
    #[arg(required = true, num_args = 1..=2, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// The two points of the one run folder to compare: A, then B.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    points: Option<Vec<u32>>,
    /// The folder of compare.csv and the other files (default: the current folder).
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".",
        hide_default_value = true
    )]
    out: PathBuf,
    /// Compare the replicates as independent samples (Welch intervals), for
    /// runs that do not pair.
    #[arg(long)]
    unpaired: bool,
    /// Replace the files of an earlier comparison in --out.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct PatternsArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Replicates of the scenario and of every control (default: the scenario's; at least 2).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    replicates: Option<u32>,
    /// Communities per run (default: the scenario's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    communities: Option<u32>,
    /// The folder of patterns.csv (default: out/<name>-patterns/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// A search's posterior.csv: also evaluate --draws particles of its last
    /// generation and report the share in which each claim holds.
    #[arg(long, value_name = "FILE")]
    posterior: Option<PathBuf>,
    /// Particles drawn from --posterior (by weight, with replacement).
    #[arg(long, value_name = "K", requires = "posterior", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    draws: u32,
    /// Replace the files of an earlier evaluation in the folder.
    #[arg(long)]
    force: bool,
    /// Print nothing but the table and errors.
    #[arg(long)]
    quiet: bool,
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
    /// Replace an existing calibration (or search) folder.
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// Fit the parameters of the targets file's [search] section by ABC-SMC
    /// (default folder: out/<name>-search/).
    #[arg(long)]
    search: bool,
    /// Continue an interrupted search (with --search).
    #[arg(long, requires = "search")]
    resume: bool,
    /// Exit 1 if a target is missed without a `documented_miss` (or met
    /// although documented as missed).
    #[arg(long, conflicts_with = "search")]
    check: bool,
    /// Print nothing but the report and errors.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The run folder (written by `succession run` or `merge`).
    dir: PathBuf,
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
    /// The run's output folder (default: out/<name>/, out/<name>-shards/shard-I-of-N/ for a shard).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Write every run's roster at the end of YEAR to roster_<YEAR>.csv, repeatable.
    #[arg(long = "snapshot", value_name = "YEAR")]
    snapshots: Vec<i32>,
    /// Write every seat event (a leader leaving, a leader taking a seat) to events.csv.
    #[arg(long)]
    events: bool,
    /// With --events: keep the events of a fraction F in (0, 1] of communities, spread over the index (default 1).
    #[arg(long = "events-sample", value_name = "F", requires = "events", value_parser = fraction)]
    events_sample: Option<f64>,
    /// Write the year-by-year trajectories of N communities, evenly spaced over the index, to trajectories.csv.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    trajectories: Option<u32>,
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

/// clap's error as the tool's one line, `<message> (see `succession
/// <subcommand> --help`)`, or `None` for what is not an error: help and the
/// version (clap prints those itself, to stdout with exit code 0, or the
/// help to stderr with exit code 2 for `succession` alone).
///
/// The message is clap's own: its first paragraph joined into one line
/// (a missing argument's name and a list of possible values follow on
/// lines of their own), then each `tip:` after `; `, without the usage
/// and the pointer to `--help` (the line names the help to see instead).
pub fn usage_error(error: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return None;
    }
    // The rendered text without styles: "error: <message>[\n  <more>]",
    // then paragraphs of tips, usage and "For more information".
    let text = error.render().to_string();
    let mut paragraphs = text.split("\n\n");
    let first = paragraphs.next().unwrap_or_default();
    let first = first.strip_prefix("error:").unwrap_or(first);
    let mut line = one_line(first);
    for paragraph in paragraphs {
        for tip in paragraph
            .lines()
            .filter_map(|l| l.trim().strip_prefix("tip:"))
        {
            line.push_str("; ");
            line.push_str(tip.trim());
        }
    }
    let subcommand = args.get(1).and_then(|a| a.to_str()).filter(|name| {
        use clap::CommandFactory;
        Cli::command()
            .get_subcommands()
            .any(|c| c.get_name() == *name)
    });
    let help = match subcommand {
        Some(name) => format!("succession {name} --help"),
        None => "succession --help".to_string(),
    };
    Some(format!("{line} (see `{help}`)"))
}

/// `text`'s lines trimmed and joined by single spaces.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => {
            let request = RunRequest {
                shard: shard_of(args.shard.as_deref())?,
                scenario: args.scenario.scenario,
                sets: args.scenario.sets,
                recording: Recording {
                    events: args.events.then(|| args.events_sample.unwrap_or(1.0)),
                    trajectories: args.trajectories.unwrap_or(0),
                    ..Recording::snapshots(&args.snapshots)
                },
                out: args.out,
                threads: args.threads.map(usize::from),
                mode: mode(args.resume, args.force),
            };
            let study = request.load()?;
            print_warnings(&study.warnings);
            crate::progress::stop_between_runs_on_signals();
            lifecycle::run_study(&request, &study, &Terminal::new(args.quiet)).map(drop)
        }
        Command::Check(args) => check_command(args),
        Command::Params => {
            params_command();
            Ok(())
        }
        Command::Schema => {
            print_out(&format!("{:#}\n", scenario::json_schema::scenario()));
            Ok(())
        }
        Command::Merge(args) => {
            let request = MergeRequest {
                shards: args.shards,
                out: args.out,
                mode: mode(false, args.force),
            };
            let merged = lifecycle::merge(&request)?;
            if !args.quiet {
                eprintln!("merged {merged} shards into {}", request.out.display());
            }
            Ok(())
        }
        Command::Calibrate(args) if args.search => {
            let request = SearchRequest {
                scenario: args.scenario.scenario,
                sets: args.scenario.sets,
                targets: args.targets,
                out: args.out,
                threads: args.threads.map(usize::from),
                mode: mode(args.resume, args.force),
            };
            crate::progress::stop_between_runs_on_signals();
            let outcome = lifecycle::search(&request, &Terminal::new(args.quiet))?;
            print_out(&search_summary(&outcome));
            Ok(())
        }
        Command::Calibrate(args) => {
            let request = CalibrationRequest {
                scenario: args.scenario.scenario,
                sets: args.scenario.sets,
                targets: args.targets,
                out: args.out,
                threads: args.threads.map(usize::from),
                mode: mode(false, args.force),
            };
            crate::progress::stop_between_runs_on_signals();
            let report = lifecycle::calibrate(&request, &Terminal::new(args.quiet))?;
            print_out(&report.to_string());
            let surprises: Vec<&str> = report
                .surprises()
                .iter()
                .map(|r| r.target.name.as_str())
                .collect();
            if args.check && !surprises.is_empty() {
                return Err(Error::Runtime(format!(
                    "calibration check failed: {} target(s) differ from the targets file: {}",
                    surprises.len(),
                    surprises.join(", ")
                )));
            }
            Ok(())
        }
        Command::Patterns(args) => {
            let request = PatternsRequest {
                scenario: args.scenario.scenario,
                sets: args.scenario.sets,
                replicates: args.replicates,
                communities: args.communities,
                out: args.out,
                threads: args.threads.map(usize::from),
                posterior: args.posterior,
                draws: args.draws as usize,
                force: args.force,
            };
            crate::progress::stop_between_runs_on_signals();
            let outcome = lifecycle::patterns(&request, &Terminal::new(args.quiet))?;
            print_out(&patterns_table(&outcome));
            Ok(())
        }
        Command::Compare(args) => {
            let request = CompareRequest {
                dirs: args.dirs,
                points: args.points.map(|p| [p[0], p[1]]),
                out: args.out,
                unpaired: args.unpaired,
                force: args.force,
            };
            let outcome = lifecycle::compare(&request)?;
            print_out(&compare_table(&outcome));
            Ok(())
        }
        Command::Report(args) => {
            let outcome = lifecycle::report(&lifecycle::ReportRequest { dir: args.dir })?;
            for path in &outcome.drawn {
                println!("drew {}", path.display());
            }
            println!("wrote {}", outcome.path.display());
            Ok(())
        }
        Command::Plot(args) => {
            let written = lifecycle::plot(&args.dir, &ChartOptions { point: args.point })?;
            for path in written {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

/// What a finished search prints: where its files are and each
/// parameter's posterior median and 90% interval.
fn search_summary(outcome: &SearchOutcome) -> String {
    let mut text = String::new();
    let last = outcome
        .generations
        .last()
        .expect("a search has a generation");
    text.push_str(&format!(
        "search: {} generations, last tolerance {:.4}, {} particles\n",
        outcome.generations.len(),
        last.tolerance,
        last.particles.len()
    ));
    for (dim, prior) in outcome.priors.iter().enumerate() {
        let (lo, median, hi) = outcome.interval(dim);
        text.push_str(&format!(
            "{}: median {median:.4}, 90% interval [{lo:.4}, {hi:.4}]\n",
            prior.path
        ));
    }
    text.push_str(&format!(
        "wrote {}/posterior.csv, priors.csv, calibrated.toml, report.md and charts/posterior_*\n",
        outcome.dir.display()
    ));
    text
}

/// What `patterns` prints: one line per claim (verdict, effect and
/// interval, the claim), then the posterior's shares, then what was written.
fn patterns_table(outcome: &PatternsOutcome) -> String {
    let mut text = String::from("pattern verdict        effect [95% interval]        claim\n");
    let value = |x: f64| format!("{x:.4}");
    for row in &outcome.rows {
        let effect = row.effect.map_or_else(
            || "-".to_string(),
            |e| format!("{} [{}, {}]", value(e.mean), value(e.lo), value(e.hi)),
        );
        let smallest = row
            .smallest
            .map_or_else(String::new, |s| format!(" (smallest {s})"));
        let _ = writeln!(
            text,
            "{} {:14} {:28}{smallest} {}",
            row.pattern,
            row.verdict.name(),
            effect,
            row.claim
        );
    }
    if let Some(posterior) = &outcome.posterior {
        text.push_str("\nover the posterior's draws (share in which the claim holds):\n");
        for row in posterior {
            let draws = row.counts.iter().sum::<usize>();
            // Not applicable in every draw: no share to read.
            let share = if row.counts[4] == draws {
                "not applicable in any draw".to_string()
            } else {
                format!(
                    "holds in {} of {draws} ({:.2})",
                    row.counts[0],
                    row.share_holds()
                )
            };
            let _ = writeln!(text, "{} {share}: {}", row.pattern, row.claim);
        }
    }
    let _ = writeln!(
        text,
        "\n{} runs; wrote {}",
        outcome.runs,
        outcome.dir.join(lifecycle::patterns::PATTERNS).display()
    );
    text
}

/// What `compare` prints: A and B, how they were compared, one line per
/// figure (the means, the difference with its interval, sd and n), then
/// what was written.
fn compare_table(outcome: &CompareOutcome) -> String {
    use succession::chart::short_number;
    let mut text = format!(
        "A: {}\nB: {}\nB − A, {}\n\n",
        outcome.a.label,
        outcome.b.label,
        outcome.pairing.phrase()
    );
    let value = |x: Option<f64>| x.map_or_else(|| "-".to_string(), short_number);
    let _ = writeln!(
        text,
        "{:26} {:>10} {:>10} {:>10} {:>23} {:>10} {:>3}",
        "figure", "a_mean", "b_mean", "diff_mean", "[95% interval]", "diff_sd", "n"
    );
    for row in &outcome.rows {
        let d = &row.difference;
        let interval = match (d.lo, d.hi) {
            (Some(lo), Some(hi)) => format!("[{}, {}]", short_number(lo), short_number(hi)),
            _ => "-".to_string(),
        };
        let _ = writeln!(
            text,
            "{:26} {:>10} {:>10} {:>10} {:>23} {:>10} {:>3}",
            row.figure,
            value(d.a_mean),
            value(d.b_mean),
            value(d.mean),
            interval,
            value(d.sd),
            d.n
        );
    }
    text.push('\n');
    for path in &outcome.written {
        let _ = writeln!(text, "wrote {}", path.display());
    }
    text
}

/// `--resume` and `--force` (clap lets at most one through) as a mode.
fn mode(resume: bool, force: bool) -> Mode {
    match (resume, force) {
        (true, _) => Mode::Resume,
        (false, true) => Mode::Replace,
        (false, false) => Mode::Fresh,
    }
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

/// A fraction of communities: a number in (0, 1].
fn fraction(text: &str) -> std::result::Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(format!("{text} is not a fraction in (0, 1]"))
    }
}

fn check_command(args: CheckArgs) -> Result<()> {
    let study = Study::load(
        &args.scenario.scenario,
        &args.scenario.sets,
        &Recording::default(),
        None,
    )?;
    print_warnings(&study.warnings);
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
            "# the roster defines {} communities ({} replicate(s)); each run takes its first {} (`communities`); `urban_share` is ignored",
            roster.n_communities(),
            roster.replicates.len(),
            study.n_communities()
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
    if let Some(analysis) = &s.sensitivity {
        lines.push(format!(
            "# sensitivity: {}",
            succession::study::sensitivity::describe(analysis)
        ));
    }
    lines.push(format!(
        "# estimated peak memory: {} on {} threads; output: {}",
        lifecycle::human_bytes(estimate.peak_memory_bytes),
        threads,
        lifecycle::human_bytes(estimate.output_bytes)
    ));
    lines.push(String::new());
    print_out(&lines.join("\n"));
    lifecycle::check_fits(&estimate)
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

/// Prints the study's warnings to stderr, one line each (`warning: ...`),
/// whatever `--quiet` says: they are about the input, not progress.
fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

/// Prints to stdout; a closed pipe (`succession params | head`) ends the
/// output quietly instead of panicking.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
