//! `succession patterns`: the arms of [`study::patterns::Plan`] run in
//! memory (each a single-point study of the scenario with the scenario's
//! seeds, so replicates pair), evaluated, and written as `patterns.csv`;
//! with a posterior, the same for K particles of it, and the share of
//! particles in which each claim holds.

use super::{Progress, load_whole};
use crate::folder::{output, schema};
use crate::model::metrics::metric_columns;
use crate::study::Study;
use crate::study::ensemble::{Part, RunResult, RunSink, SnapshotStream, format_value};
use crate::study::patterns::{self, Plan, Results, Row, Series, Verdict};
use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `patterns.csv`, the scenario's verdicts.
pub const PATTERNS: &str = "patterns.csv";
/// With `--posterior`: per claim, the verdicts' counts over the draws.
pub const POSTERIOR: &str = "patterns_posterior.csv";
/// With `--posterior`: every draw's rows.
pub const DRAWS: &str = "patterns_draws.csv";
/// The command that runs each control of the scenario, to look at its
/// series.
pub const CONTROLS: &str = "controls.txt";
const CONTROLS_FIRST_LINE: &str =
    "# Each control of `succession patterns`, as the run that makes it (same scenario,";

/// A request to evaluate the patterns of a scenario.
#[derive(Clone, Debug)]
pub struct PatternsRequest {
    /// The scenario file (without `[sweep]`).
    pub scenario: PathBuf,
    /// `--set PATH=VALUE` overrides of the scenario (and every arm).
    pub sets: Vec<String>,
    /// Replicates of every arm (default: the scenario's).
    pub replicates: Option<u32>,
    /// Communities of every arm (default: the scenario's).
    pub communities: Option<u32>,
    /// The folder of `patterns.csv` (default `out/<name>-patterns/`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// A search's `posterior.csv`: its last generation's particles.
    pub posterior: Option<PathBuf>,
    /// How many particles to draw from it (by weight, with replacement).
    pub draws: usize,
    /// Replace the files of an earlier evaluation in the folder.
    pub force: bool,
}

/// One claim over the posterior's draws.
#[derive(Clone, Debug)]
pub struct PosteriorRow {
    /// `P1` … `P6`.
    pub pattern: &'static str,
    /// The claim (as in the first draw).
    pub claim: String,
    /// Draws by verdict, in [`Verdict::ALL`] order.
    pub counts: [usize; 5],
}

impl PosteriorRow {
    /// The share of draws in which the claim holds: the posterior
    /// predictive probability of the pattern.
    pub fn share_holds(&self) -> f64 {
        self.counts[0] as f64 / self.counts.iter().sum::<usize>().max(1) as f64
    }
}

/// What an evaluation found and where it was written.
#[derive(Clone, Debug)]
pub struct PatternsOutcome {
    /// The scenario's rows.
    pub rows: Vec<Row>,
    /// Over the posterior's draws, when asked.
    pub posterior: Option<Vec<PosteriorRow>>,
    /// The folder written.
    pub dir: PathBuf,
    /// Runs made in all.
    pub runs: u64,
}

/// One evaluation: the overrides it adds to the scenario's, and its plan.
struct Evaluation {
    sets: Vec<String>,
    plan: Plan,
    /// The particle drawn, for a posterior draw.
    particle: Option<usize>,
}

/// Evaluates the patterns of `request`'s scenario (and of its posterior's
/// draws) and writes them. Every arm of every evaluation is validated
/// before anything runs or is written.
pub fn patterns(request: &PatternsRequest, progress: &dyn Progress) -> Result<PatternsOutcome> {
    let mut base_sets = request.sets.clone();
    if let Some(n) = request.replicates {
        base_sets.push(format!("replicates={n}"));
    }
    if let Some(n) = request.communities {
        base_sets.push(format!("communities={n}"));
    }
    let base = load_whole(&request.scenario, &base_sets)?;
    if base.scenario.sweep.is_some() {
        return Err(Error::input(
            base.source.origin_of(&base.overrides, "sweep.method"),
            "sweep",
            "`succession patterns` evaluates one scenario and builds its own controls: use a scenario without [sweep] (one that extends this one's parent, say)",
        ));
    }
    if base.scenario.replicates < 2 {
        return Err(Error::input(
            base.source.origin_of(&base.overrides, "replicates"),
            "replicates",
            format!(
                "{} replicate(s): a paired interval needs at least 2 (--replicates N sets them for the patterns)",
                base.scenario.replicates
            ),
        ));
    }
    let dir = request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-patterns", base.scenario.name)));
    crate::folder::location::check_location(&dir)?;
    for name in OURS {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        if !request.force {
            return Err(Error::BadInput(format!(
                "{}: holds an earlier evaluation ({name}); --force replaces it, or use another --out",
                dir.display()
            )));
        }
        if !written_by_patterns(&path, name) {
            return Err(Error::BadInput(format!(
                "{}: not a file `succession patterns` wrote, so --force does not replace it; use another --out",
                path.display()
            )));
        }
    }

    let mut evaluations = vec![Evaluation {
        plan: Plan::new(&base.scenario),
        sets: base_sets.clone(),
        particle: None,
    }];
    if let Some(file) = &request.posterior {
        let (paths, particles) = read_posterior(file)?;
        // A column that is no numeric path of the scenario is the header's
        // fault, not a particle's.
        if let Some(i) = paths.iter().position(|p| !base.source.has_numeric_path(p)) {
            return Err(Error::input(
                format!("{}:1:{}", file.display(), POSTERIOR_FIXED_COLUMNS + i + 1),
                paths[i].clone(),
                "not a numeric parameter path of this scenario (`succession params` lists them): was the posterior searched on another scenario?",
            ));
        }
        for (draw, particle) in draw_particles(&particles, request.draws, base.scenario.seed)
            .into_iter()
            .enumerate()
        {
            let mut sets = base_sets.clone();
            for (path, value) in paths.iter().zip(&particles[particle].1) {
                sets.push(format!("{path}={}", format_value(*value)));
            }
            let study = load_whole(&request.scenario, &sets).map_err(|e| {
                Error::input(
                    format!("{}:{}:1", file.display(), particles[particle].2),
                    "particle",
                    format!(
                        "particle {particle} (draw {draw}) does not make a valid scenario: {e}"
                    ),
                )
            })?;
            evaluations.push(Evaluation {
                plan: Plan::new(&study.scenario),
                sets,
                particle: Some(particle),
            });
        }
    }
    drop(base);
    // The gate: every arm resolves and builds (and is dropped: studies hold
    // their rosters).
    let mut runs = 0u64;
    for evaluation in &mut evaluations {
        let mut failed = Vec::new();
        for arm in &evaluation.plan.arms {
            match arm_study(&request.scenario, &evaluation.sets, arm) {
                Ok(study) => runs += u64::from(study.scenario.replicates),
                Err(e) if e.is_bad_input() => failed.push((arm.name.clone(), e.to_string())),
                Err(e) => return Err(e),
            }
        }
        for (name, why) in failed {
            evaluation.plan.drop_arm(&name, &why);
        }
    }

    let threads = request.threads.unwrap_or_else(rayon::current_num_threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {threads} threads: {e}")))?;
    progress.start(runs);
    let evaluated: Result<Vec<Vec<Row>>> = pool.install(|| {
        evaluations
            .iter()
            .map(|evaluation| {
                let mut results = Results::new();
                for arm in &evaluation.plan.arms {
                    let study = arm_study(&request.scenario, &evaluation.sets, arm)?;
                    results.insert(arm.name.clone(), run_arm(&study, progress)?);
                }
                Ok(patterns::evaluate(&evaluation.plan, &results))
            })
            .collect()
    });
    progress.finish();
    let mut evaluated = evaluated?;
    let rows = evaluated.remove(0);

    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    output::write_atomically(&dir.join(PATTERNS), patterns::csv(&rows).as_bytes())?;
    let controls = controls_text(&request.scenario, &base_sets, &evaluations[0].plan);
    output::write_atomically(&dir.join(CONTROLS), controls.as_bytes())?;
    let resources = schema::patterns(request.posterior.is_some());
    let mut package = serde_json::to_vec_pretty(&schema::patterns_datapackage(&resources))
        .map_err(|e| Error::Runtime(e.to_string()))?;
    package.push(b'\n');
    output::write_atomically(&dir.join(schema::DATAPACKAGE), &package)?;
    let posterior = if request.posterior.is_some() {
        let summary = posterior_rows(&evaluated);
        output::write_atomically(&dir.join(POSTERIOR), posterior_csv(&summary).as_bytes())?;
        let particles: Vec<usize> = evaluations[1..].iter().filter_map(|e| e.particle).collect();
        output::write_atomically(
            &dir.join(DRAWS),
            draws_csv(&particles, &evaluated).as_bytes(),
        )?;
        Some(summary)
    } else {
        // An earlier evaluation's posterior files (the tool's own) would
        // read as this one's.
        for name in [POSTERIOR, DRAWS] {
            let path = dir.join(name);
            if path.exists() {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        None
    };
    Ok(PatternsOutcome {
        rows,
        posterior,
        dir,
        runs,
    })
}

/// `controls.txt`: for each arm, the `succession run` command that runs
/// it alone (same scenario, seeds and overrides), so its series can be
/// looked at.
fn controls_text(scenario: &Path, sets: &[String], plan: &Plan) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', "'\\''"));
    let mut text = format!(
        "{CONTROLS_FIRST_LINE}\n# seeds and overrides; replicate r of each shares its random numbers).\n"
    );
    for arm in &plan.arms {
        text.push_str(&format!("\n# {}", arm.name));
        if arm.vacant {
            text.push_str(
                " (starts from vacant seats: without the scenario's [init] roster, if any)",
            );
        }
        text.push_str(&format!(
            "\nsuccession run {}",
            quote(&scenario.display().to_string())
        ));
        for set in sets.iter().chain(&arm.sets) {
            text.push_str(&format!(" --set {}", quote(set)));
        }
        text.push_str(&format!(" --out {}\n", quote(&format!("out/{}", arm.name))));
    }
    for (name, same) in &plan.same_as {
        text.push_str(&format!(
            "\n# {name}: the runs of `{same}` (the same scenario)\n"
        ));
    }
    text
}

/// The files `patterns` writes, each replaced only with `--force` and only
/// when it reads as written by `patterns`.
const OURS: [&str; 5] = [PATTERNS, CONTROLS, POSTERIOR, DRAWS, schema::DATAPACKAGE];

/// Whether `path` (one of [`OURS`]) starts as `patterns` writes it: the
/// declared header, the comment of `controls.txt`, the package's name.
fn written_by_patterns(path: &Path, name: &str) -> bool {
    let Ok(text) = std::fs::read(path) else {
        return false;
    };
    let text = String::from_utf8_lossy(&text[..text.len().min(4096)]).into_owned();
    let first = text.lines().next().unwrap_or_default();
    let header = |file: &str| {
        schema::patterns(true)
            .iter()
            .find(|r| r.path == file)
            .map(|r| r.header())
    };
    match name {
        CONTROLS => text.starts_with(CONTROLS_FIRST_LINE),
        n if n == schema::DATAPACKAGE => text.contains("\"succession-patterns\""),
        file => header(file).is_some_and(|h| h.trim_end() == first),
    }
}

/// The study of one arm; bad input here is the arm's, not the scenario's
/// (the scenario passed): e.g. openness scaled out of its range.
fn arm_study(scenario: &Path, sets: &[String], arm: &patterns::Arm) -> Result<Study> {
    let sets: Vec<String> = sets.iter().chain(&arm.sets).cloned().collect();
    let mut study = load_whole(scenario, &sets)?;
    if arm.vacant {
        study.roster = None;
    }
    Ok(study)
}

/// Collects each finished run's [`Series`] by replicate.
struct Collector {
    columns: Vec<String>,
    runs: Mutex<BTreeMap<u32, Series>>,
}

impl RunSink for Collector {
    fn stream(&self, part: Part, _: u32, _: u32) -> Result<Box<dyn SnapshotStream + '_>> {
        Err(Error::Runtime(format!("no {part:?} was asked for")))
    }

    fn finished(&self, run: &RunResult<'_>) -> Result<()> {
        let series = Series::new(&self.columns, run.metrics, run.figures);
        self.runs
            .lock()
            .expect("no run panics while holding the lock")
            .insert(run.replicate, series);
        Ok(())
    }
}

fn run_arm(study: &Study, progress: &dyn Progress) -> Result<Vec<Series>> {
    let sink = Collector {
        columns: metric_columns(&study.scenario.parameters()),
        runs: Mutex::new(BTreeMap::new()),
    };
    let runs = study.all_runs();
    study.execute(&sink, &runs, &|_| progress.run_done(), &|| {
        progress.cancelled()
    })?;
    if progress.cancelled() {
        return Err(Error::Interrupted(
            "stopped: nothing was written (an evaluation is kept only whole)".into(),
        ));
    }
    let runs = sink.runs.into_inner().expect("the runs are over");
    Ok(runs.into_values().collect())
}

/// The columns of a search's `posterior.csv` before the searched paths.
const POSTERIOR_FIXED_COLUMNS: usize = 4;

/// A particle of a posterior: its weight, its values of the searched paths
/// and its line in the file.
type Particle = (f64, Vec<f64>, u64);

/// A search's `posterior.csv`: its searched paths and the last
/// generation's particles.
fn read_posterior(file: &Path) -> Result<(Vec<String>, Vec<Particle>)> {
    let shown = file.display().to_string();
    let input = crate::scenario::open_input(file, 256 << 20)
        .map_err(|e| Error::BadInput(format!("--posterior {shown}: {e}")))?;
    let mut reader = csv::Reader::from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| Error::csv_record(&shown, &e))?
        .clone();
    let fixed = ["generation", "particle", "weight", "distance"];
    debug_assert_eq!(fixed.len(), POSTERIOR_FIXED_COLUMNS);
    if headers.len() <= fixed.len() || headers.iter().zip(fixed).any(|(h, f)| h != f) {
        return Err(Error::input(
            format!("{shown}:1:1"),
            "header",
            "not a search's posterior.csv: expected generation,particle,weight,distance and the searched paths",
        ));
    }
    let paths: Vec<String> = headers
        .iter()
        .skip(fixed.len())
        .map(str::to_string)
        .collect();
    for (i, path) in paths.iter().enumerate() {
        if paths[..i].contains(path) {
            return Err(Error::input(
                format!("{shown}:1:{}", fixed.len() + i + 1),
                path.clone(),
                "the same path twice: which value would a particle take?",
            ));
        }
    }
    let mut rows: Vec<(u64, f64, Vec<f64>, u64)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::csv_record(&shown, &e))?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| -> Result<f64> {
            record[i]
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    Error::input(
                        format!("{shown}:{line}:{}", i + 1),
                        headers[i].to_string(),
                        format!("`{}` is not a finite number", &record[i]),
                    )
                })
        };
        let generation = field(0)?;
        if generation < 0.0 || generation.fract() != 0.0 {
            return Err(Error::input(
                format!("{shown}:{line}:1"),
                "generation",
                format!(
                    "`{}` is not a generation (a whole number from 0)",
                    &record[0]
                ),
            ));
        }
        let weight = field(2)?;
        if weight < 0.0 {
            return Err(Error::input(
                format!("{shown}:{line}:3"),
                "weight",
                "a weight is never negative",
            ));
        }
        let values = (fixed.len()..headers.len())
            .map(field)
            .collect::<Result<Vec<_>>>()?;
        rows.push((generation as u64, weight, values, line));
    }
    let last = rows
        .iter()
        .map(|r| r.0)
        .max()
        .ok_or_else(|| Error::BadInput(format!("--posterior {shown}: holds no particles")))?;
    let particles: Vec<Particle> = rows
        .into_iter()
        .filter(|r| r.0 == last)
        .map(|r| (r.1, r.2, r.3))
        .collect();
    if particles.iter().map(|p| p.0).sum::<f64>() <= 0.0 {
        return Err(Error::BadInput(format!(
            "--posterior {shown}: the last generation's weights sum to 0"
        )));
    }
    Ok((paths, particles))
}

/// `k` particles drawn by weight with replacement, from a ChaCha8 stream of
/// the scenario's seed (so the same draws every time).
fn draw_particles(particles: &[Particle], k: usize, seed: u64) -> Vec<usize> {
    // Relative to the largest, so that huge weights do not sum to infinity.
    let largest = particles.iter().map(|p| p.0).fold(0.0, f64::max);
    let weights: Vec<f64> = particles.iter().map(|p| p.0 / largest).collect();
    let total: f64 = weights.iter().sum();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from_le_bytes(*b"posteri0"));
    (0..k)
        .map(|_| {
            let mut u = rng.random::<f64>() * total;
            for (i, &w) in weights.iter().enumerate() {
                if u < w {
                    return i;
                }
                u -= w;
            }
            weights
                .iter()
                .rposition(|&w| w > 0.0)
                .expect("a positive weight")
        })
        .collect()
}

fn posterior_rows(draws: &[Vec<Row>]) -> Vec<PosteriorRow> {
    let mut summary: Vec<PosteriorRow> = Vec::new();
    let mut index: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for rows in draws {
        for row in rows {
            let i = *index.entry((row.pattern, row.key)).or_insert_with(|| {
                summary.push(PosteriorRow {
                    pattern: row.pattern,
                    claim: row.claim.clone(),
                    counts: [0; 5],
                });
                summary.len() - 1
            });
            let v = Verdict::ALL
                .iter()
                .position(|&v| v == row.verdict)
                .expect("a verdict");
            summary[i].counts[v] += 1;
        }
    }
    summary
}

fn posterior_csv(rows: &[PosteriorRow]) -> String {
    use crate::model::schema::{Cell, FieldType};
    let names: Vec<&str> = patterns::POSTERIOR_COLUMNS.iter().map(|c| c.name).collect();
    let mut text = names.join(",");
    text.push('\n');
    for row in rows {
        let counts: Vec<String> = row.counts.iter().map(usize::to_string).collect();
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            row.pattern,
            crate::model::schema::text_cell(&row.claim),
            row.counts.iter().sum::<usize>(),
            counts.join(","),
            Cell(FieldType::Number, row.share_holds())
        ));
    }
    text
}

fn draws_csv(particles: &[usize], draws: &[Vec<Row>]) -> String {
    let mut text: String = patterns::DRAW_COLUMNS
        .iter()
        .map(|c| format!("{},", c.name))
        .collect();
    let mut first = true;
    for (draw, (rows, particle)) in draws.iter().zip(particles).enumerate() {
        let table = patterns::csv(rows);
        let mut lines = table.lines();
        let header = lines.next().unwrap_or_default();
        if first {
            text.push_str(header);
            text.push('\n');
            first = false;
        }
        for line in lines {
            text.push_str(&format!("{draw},{particle},{line}\n"));
        }
    }
    if first {
        text.push_str(&patterns::csv(&[]));
    }
    text
}
