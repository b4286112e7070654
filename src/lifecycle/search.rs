//! A search (`calibrate --search`): ABC-SMC ([`crate::study::abc`]) over the
//! scenario paths a targets file's `[search]` names. Each generation's
//! proposals are one `table` sweep of the scenario, run by [`run_study`]
//! into its own run folder (parallel, with its progress bar, resumable),
//! and their distances come from the calibration report of each point.
//!
//! Layout of a search folder:
//! - `generations/gNN.csv`: generation NN's proposals inside the prior, the
//!   sweep table its runs read;
//! - `generations/gNN/`: their run folder;
//! - `posterior.csv`, `priors.csv`, `calibrated.toml`, `report.md` and
//!   `charts/posterior_marginals.*`, `charts/posterior_pairs.*` (two paths
//!   or more): written when every generation is done.
//!
//! Every draw of the search follows from the scenario's seed and the
//! generations' results, so `--resume` after any interruption redoes only
//! unfinished runs and ends with the files an uninterrupted search writes.

use super::{Mode, Progress, load_whole, run_study};
use crate::folder::output;
use crate::folder::read::calibration_points;
use crate::lifecycle::RunRequest;
use crate::model::schema::{Cell, FieldType};
use crate::scenario::{Override, Source};
use crate::study::abc::{self, Generation, Prior, Search};
use crate::study::calibration::{self, Report, Targets, num};
use crate::study::ensemble::format_value;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A request to search a scenario's parameters against a targets file.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    /// The scenario file.
    pub scenario: PathBuf,
    /// `--set PATH=VALUE` overrides of every run (before the search's own).
    pub sets: Vec<String>,
    /// The targets file, with its `[search]` section.
    pub targets: PathBuf,
    /// The search folder (default: `out/<name>-search/`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Fresh, replace (`--force`) or resume (`--resume`).
    pub mode: Mode,
}

/// What a search found.
#[derive(Clone, Debug)]
pub struct SearchOutcome {
    /// The search folder.
    pub dir: PathBuf,
    /// The priors, in the order of a particle's values.
    pub priors: Vec<Prior>,
    /// Every generation, the last one the posterior.
    pub generations: Vec<Generation>,
    /// The calibration report of each particle of the last generation, in
    /// particle order.
    pub predictive: Vec<Report>,
}

/// The search folder's generation tables and run folders.
const GENERATIONS_DIR: &str = "generations";

/// The file that marks a search folder: `--force` and `--resume` write
/// into a non-empty folder only when it holds it.
const MARK: &str = ".succession-search";

/// Runs the search of `request` and writes its posterior, calibrated
/// scenario and report; every input is checked before anything is written.
pub fn search(request: &SearchRequest, progress: &dyn Progress) -> Result<SearchOutcome> {
    let targets = Targets::read(&request.targets)?;
    let spec = targets.search.clone().ok_or_else(|| {
        Error::BadInput(format!(
            "{}: no [search] section: `calibrate --search` needs one (docs/calibration.md)",
            request.targets.display()
        ))
    })?;
    let base_sets: Vec<String> = request
        .sets
        .iter()
        .cloned()
        .chain(spec.overrides())
        .collect();
    let base = load_whole(&request.scenario, &base_sets)?;
    if base.scenario.sweep.is_some() {
        return Err(Error::BadInput(format!(
            "{}: the scenario has a [sweep]; a search makes its own sweep of the searched paths",
            request.scenario.display()
        )));
    }
    // Every column a target names is one the runs write: found now, not
    // after generation 0 has run.
    let columns = crate::model::metric_columns(&base.scenario.parameters());
    for target in &targets.targets {
        for name in std::iter::once(&target.metric).chain(&target.over) {
            if !columns.contains(name) {
                return Err(Error::BadInput(format!(
                    "{}: target {:?}: the runs write no column {name:?}",
                    request.targets.display(),
                    target.name
                )));
            }
        }
    }
    let priors = spec.priors();
    // Every searched path is one a sweep may set, to both ends of its prior.
    for prior in &priors {
        let at = |message: String| {
            let origin = targets
                .origins
                .get(&prior.path)
                .cloned()
                .unwrap_or_default();
            Error::input(
                origin,
                format!("search.parameters.{:?}", prior.path),
                message,
            )
        };
        if !base.source.has_numeric_path(&prior.path) {
            return Err(at(
                "not a numeric scenario path a sweep can set (`succession params` lists them)"
                    .into(),
            ));
        }
        for (end, value) in [("lower", prior.from), ("upper", prior.to)] {
            let mut sets = base_sets.clone();
            sets.push(format!("{}={}", prior.path, format_value(value)));
            if let Err(e) = load_whole(&request.scenario, &sets) {
                return Err(at(format!(
                    "the scenario does not take the prior's {end} end: {e}"
                )));
            }
        }
    }
    let dir = request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-search", base.scenario.name)));
    crate::folder::location::check_location(&dir)?;
    let marked = dir.join(MARK).is_file();
    if is_non_empty(&dir) {
        if !marked {
            return Err(Error::BadInput(format!(
                "{}: exists, is not empty and is no search folder (it has no {MARK}); \
                 a search writes only into a new or empty folder, or one it made",
                dir.display()
            )));
        }
        if request.mode == Mode::Fresh {
            return Err(Error::BadInput(format!(
                "{}: holds a search; use --resume to continue it or --force to start over",
                dir.display()
            )));
        }
    }
    let generations_dir = dir.join(GENERATIONS_DIR);
    std::fs::create_dir_all(&generations_dir).map_err(|e| Error::io(&generations_dir, e))?;
    if !marked {
        output::write_atomically(
            &dir.join(MARK),
            b"A folder of `succession calibrate --search`: --force and --resume write only into folders with this file.\n",
        )?;
    }
    let search = Search {
        priors: priors.clone(),
        particles: spec.particles,
        seed: base.scenario.seed,
    };
    drop(base);

    let mut generations: Vec<Generation> = Vec::new();
    let mut reports: Vec<Vec<Option<Report>>> = Vec::new();
    for index in 0..spec.generations {
        let proposals = search.proposals(index, generations.last());
        let ran: Vec<usize> = (0..proposals.len())
            .filter(|&i| proposals[i].is_some())
            .collect();
        if ran.is_empty() {
            return Err(Error::Runtime(format!(
                "generation {index}: no proposal fell inside the prior"
            )));
        }
        let table = proposal_table(&priors, &proposals);
        let table_path = absolute(&generations_dir.join(format!("g{index:02}.csv")))?;
        write_table(&table_path, &table, request.mode)?;
        let sets: Vec<String> = base_sets
            .iter()
            .cloned()
            .chain([
                // Independent noise for every particle: common random
                // numbers would condition the whole posterior on one
                // realisation of the model's noise.
                "seeds=\"independent\"".to_string(),
                format!("seed={}", generation_seed(search.seed, index)),
                "sweep.method=\"table\"".to_string(),
                format!(
                    "sweep.table={}",
                    toml::Value::String(table_path.display().to_string())
                ),
            ])
            .collect();
        let study = load_whole(&request.scenario, &sets)?;
        progress.note(&format!(
            "generation {index} of {}: {} proposals inside the prior, {} run(s) each",
            spec.generations,
            ran.len(),
            spec.replicates
        ));
        let run_dir = generations_dir.join(format!("g{index:02}"));
        let run_request = RunRequest {
            scenario: request.scenario.clone(),
            sets,
            recording: crate::study::Recording::default(),
            shard: None,
            out: Some(run_dir.clone()),
            threads: request.threads,
            mode: request.mode,
        };
        run_study(&run_request, &study, progress)?;
        drop(study);
        let points = calibration_points(&run_dir, &targets)?;
        let mut distances = vec![f64::INFINITY; proposals.len()];
        let mut by_proposal: Vec<Option<Report>> = vec![None; proposals.len()];
        for (point, &proposal) in ran.iter().enumerate() {
            let series = points.get(point).and_then(Option::as_ref).ok_or_else(|| {
                Error::Runtime(format!("{}: no rows of point {point}", run_dir.display()))
            })?;
            let report = calibration::compare(&targets, series, &BTreeMap::new())?;
            distances[proposal] = report.distance();
            by_proposal[proposal] = Some(report);
        }
        let generation = search.select(index, &proposals, &distances, generations.last());
        if generation.particles.is_empty() {
            return Err(Error::Runtime(format!(
                "generation {index}: no proposal met the targets' ranges; widen the priors or the ranges"
            )));
        }
        generations.push(generation);
        reports.push(by_proposal);
    }
    let last = generations.last().expect("at least one generation");
    let predictive: Vec<Report> = last
        .particles
        .iter()
        .map(|p| {
            reports[last.index][p.proposal]
                .clone()
                .expect("a kept particle ran")
        })
        .collect();
    let outcome = SearchOutcome {
        dir: dir.clone(),
        priors,
        generations,
        predictive,
    };
    output::write_atomically(
        &dir.join("posterior.csv"),
        posterior_csv(&outcome).as_bytes(),
    )?;
    let calibrated = calibrated_toml(&outcome, &request.scenario, &request.sets, &dir)?;
    output::write_atomically(&dir.join("calibrated.toml"), calibrated.as_bytes())?;
    output::write_atomically(
        &dir.join("report.md"),
        report_md(&outcome, &spec).as_bytes(),
    )?;
    output::write_atomically(
        &dir.join("priors.csv"),
        priors_csv(&outcome.priors).as_bytes(),
    )?;
    crate::chart::draw_posterior(&dir)?;
    Ok(outcome)
}

/// The scenario seed of generation `index`'s runs: a SplitMix64 step of
/// the search's seed and the generation, below 2^53 (any scenario takes
/// it), so that no two generations share streams and none shares the
/// search's own seed.
fn generation_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) >> 11
}

fn is_non_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(path, e))
}

/// A generation's sweep table: one column per searched path, one row per
/// proposal inside the prior, in proposal order.
fn proposal_table(priors: &[Prior], proposals: &[Option<Vec<f64>>]) -> String {
    let mut table = priors
        .iter()
        .map(|p| p.path.as_str())
        .collect::<Vec<_>>()
        .join(",");
    table.push('\n');
    for values in proposals.iter().flatten() {
        let row: Vec<String> = values.iter().map(|&v| format_value(v)).collect();
        table.push_str(&row.join(","));
        table.push('\n');
    }
    table
}

/// Writes a generation's table; on `--resume` an existing table must be
/// the one this search draws (else the targets or priors changed).
fn write_table(path: &Path, table: &str, mode: Mode) -> Result<()> {
    if mode == Mode::Resume
        && let Ok(existing) = std::fs::read_to_string(path)
    {
        if existing != table {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: this search draws other proposals than the folder holds \
                 (the scenario, the targets' search or the seed changed); use --force to start over",
                path.display()
            )));
        }
        return Ok(());
    }
    output::write_atomically(path, table.as_bytes())
}

/// `posterior.csv`: every generation's particles, with their weights and
/// distances, then one column per searched path.
fn posterior_csv(outcome: &SearchOutcome) -> String {
    let mut csv = String::from("generation,particle,weight,distance");
    for prior in &outcome.priors {
        csv.push(',');
        csv.push_str(&crate::model::schema::text_cell(&prior.path));
    }
    csv.push('\n');
    for generation in &outcome.generations {
        for (i, particle) in generation.particles.iter().enumerate() {
            let _ = write!(
                csv,
                "{},{},{},{}",
                generation.index,
                i,
                number(particle.weight),
                number(particle.distance)
            );
            for &value in &particle.values {
                let _ = write!(csv, ",{}", number(value));
            }
            csv.push('\n');
        }
    }
    csv
}

/// `priors.csv`: each searched path's prior, `path, from, to, scale`
/// (`linear` or `log`), in the order of posterior.csv's columns.
fn priors_csv(priors: &[Prior]) -> String {
    let mut csv = String::from("path,from,to,scale\n");
    for prior in priors {
        let scale = match prior.scale {
            abc::Scale::Linear => "linear",
            abc::Scale::Log => "log",
        };
        let _ = writeln!(
            csv,
            "{},{},{},{scale}",
            crate::model::schema::text_cell(&prior.path),
            number(prior.from),
            number(prior.to)
        );
    }
    csv
}

/// A number as every CSV of the tool writes it (always with a decimal
/// point, so pandas and polars read a float column).
fn number(value: f64) -> String {
    Cell(FieldType::Number, value).to_string()
}

impl SearchOutcome {
    /// The weighted 5%, 50% and 95% quantiles of parameter `dim` over the
    /// last generation: its 90% interval and median.
    pub fn interval(&self, dim: usize) -> (f64, f64, f64) {
        let last = self.generations.last().expect("at least one generation");
        let pairs: Vec<(f64, f64)> = last
            .particles
            .iter()
            .map(|p| (p.values[dim], p.weight))
            .collect();
        (
            abc::weighted_quantile(&pairs, 0.05),
            abc::weighted_quantile(&pairs, 0.5),
            abc::weighted_quantile(&pairs, 0.95),
        )
    }
}

/// `calibrated.toml`: a scenario that extends the searched one and sets,
/// over the request's own `--set` values, each searched path to its
/// posterior median (each line the whole parameter, as a child scenario
/// must give it).
fn calibrated_toml(
    outcome: &SearchOutcome,
    scenario: &Path,
    sets: &[String],
    dir: &Path,
) -> Result<String> {
    let source = Source::read(scenario)?;
    let mut overrides = sets
        .iter()
        .map(|s| Override::parse_set(s))
        .collect::<Result<Vec<_>>>()?;
    let mut paths: Vec<String> = overrides.iter().map(|o| o.path.clone()).collect();
    for (dim, prior) in outcome.priors.iter().enumerate() {
        let (_, median, _) = outcome.interval(dim);
        overrides.push(Override::parse_set(&format!(
            "{}={}",
            prior.path,
            format_value(median)
        ))?);
        paths.push(prior.path.clone());
    }
    let canonical = |path: &Path| std::fs::canonicalize(path).map_err(|e| Error::io(path, e));
    let extends = relative_to(&canonical(scenario)?, &canonical(dir)?);
    let mut text = String::from(
        "# The posterior medians of `succession calibrate --search` (report.md holds\n\
         # their intervals), over the search's --set values; the [search] section's\n\
         # own `set` (for speed) is not applied.\n",
    );
    let _ = writeln!(
        text,
        "extends = {}",
        toml::Value::String(extends.display().to_string())
    );
    let mut lines: Vec<String> = Vec::new();
    for path in &paths {
        let line = source.parameter_line(&overrides, path)?;
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

/// `target` relative to the folder `from` (both absolute).
fn relative_to(target: &Path, from: &Path) -> PathBuf {
    let target: Vec<_> = target.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = target.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &target[common..] {
        path.push(part);
    }
    path
}

/// `report.md`: the priors, the tolerance per generation, each parameter's
/// posterior median and 90% interval, and each target's posterior
/// predictive value and interval against its figure.
fn report_md(outcome: &SearchOutcome, spec: &calibration::SearchSpec) -> String {
    let mut md = String::from("# Calibration search (ABC-SMC)\n\n");
    let _ = writeln!(
        md,
        "{} particles per generation, {} generations, {} run(s) per particle, at most {} proposals per generation; the search runs with {}.\n",
        spec.particles,
        spec.generations,
        spec.replicates,
        abc::PROPOSALS_PER_PARTICLE * spec.particles,
        if spec.set.is_empty() {
            "the scenario's own settings".to_string()
        } else {
            spec.set
                .iter()
                .map(|(k, v)| format!("`{k} = {v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    md.push_str("## Priors\n\n| path | from | to | scale |\n|---|---|---|---|\n");
    for p in &outcome.priors {
        let scale = match p.scale {
            abc::Scale::Linear => "uniform",
            abc::Scale::Log => "log-uniform",
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {scale} |",
            p.path,
            num(p.from),
            num(p.to)
        );
    }
    md.push_str("\n## Tolerance per generation\n\n| generation | proposals run | particles | tolerance |\n|---|---|---|---|\n");
    for g in &outcome.generations {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            g.index,
            g.run,
            g.particles.len(),
            num(g.tolerance)
        );
    }
    md.push_str(
        "\n## Posterior (last generation)\n\n| path | median | 90% interval |\n|---|---|---|\n",
    );
    for (dim, p) in outcome.priors.iter().enumerate() {
        let (lo, median, hi) = outcome.interval(dim);
        let _ = writeln!(
            md,
            "| `{}` | {} | [{}, {}] |",
            p.path,
            num(median),
            num(lo),
            num(hi)
        );
    }
    md.push_str("\n## Targets: posterior predictive (last generation)\n\nEach particle's model value (the mean over its runs), weighted: median and 90% interval.\n\n| target | figure | sd | model median | 90% interval | source |\n|---|---|---|---|---|---|\n");
    let last = outcome.generations.last().expect("at least one generation");
    if let Some(first) = outcome.predictive.first() {
        for (t, row) in first.rows.iter().enumerate() {
            let pairs: Vec<(f64, f64)> = outcome
                .predictive
                .iter()
                .zip(&last.particles)
                .map(|(report, particle)| (report.rows[t].model, particle.weight))
                .collect();
            let target = &row.target;
            let figure = target.figure();
            let _ = writeln!(
                md,
                "| {} | {figure} | {} | {} | [{}, {}] | {} |",
                target.name,
                target.sd.map_or(String::new(), num),
                num(abc::weighted_quantile(&pairs, 0.5)),
                num(abc::weighted_quantile(&pairs, 0.05)),
                num(abc::weighted_quantile(&pairs, 0.95)),
                target.source.replace('|', "\\|")
            );
        }
    }
    md
}
