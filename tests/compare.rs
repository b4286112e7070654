//! `succession compare`: the paired difference B − A of two points of one
//! run folder, or of two run folders, checked against the same formula
//! computed here from `runs.csv` and `timeseries.csv`; the refusal of runs
//! that do not pair and `--unpaired` (Welch); bad input; data safety.
//!
//! The fixtures (tests/scenarios/compare/) are the version-1 baseline at
//! 100 communities, 1949–1960, 4 replicates: `tiny.toml` alone, and
//! `sweep.toml`, a 2-point zip sweep of `promotion.openness.scale` over it
//! under common random numbers. They are run once per test process (a
//! fraction of a second) into [`fixture`]; a test that damages a folder
//! damages a copy. Every call goes through [`run`], which fails on a panic.

mod common;

use common::{scenario, stderr, stdout, succession, tree};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use succession::study::summary::FIGURES;

const HEADER: &str = "figure,a_mean,b_mean,diff_mean,diff_lo,diff_hi,diff_sd,n";
const TIMESERIES_HEADER: &str = "year,a_mean,b_mean,diff_mean,diff_lo,diff_hi,diff_sd,n";
const REPLICATES: u32 = 4;

/// The run folders every test reads (never writes).
struct Fixture {
    /// `sweep.toml`: points 0 (openness scale 1) and 1 (scale 2).
    sweep: PathBuf,
    /// `tiny.toml`: point 0 of the sweep, run alone.
    a: PathBuf,
    /// `tiny.toml --set promotion.openness.scale=2`: point 1, run alone.
    b: PathBuf,
    /// `tiny.toml --set seed=2`: other random numbers.
    seed2: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-fixture");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let run_into = |file: &str, name: &str, sets: &[&str]| {
            let out = base.join(name);
            let file = scenario(&format!("compare/{file}"));
            let mut args = vec!["run", path(&file), "--out", path(&out), "--quiet"];
            for set in sets {
                args.extend(["--set", set]);
            }
            let output = succession(&base, &args);
            assert!(output.status.success(), "{args:?}: {}", stderr(&output));
            out
        };
        Fixture {
            sweep: run_into("sweep.toml", "sweep", &[]),
            a: run_into("tiny.toml", "a", &[]),
            b: run_into("tiny.toml", "b", &["promotion.openness.scale=2"]),
            seed2: run_into("tiny.toml", "seed2", &["seed=2"]),
        }
    })
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// Runs `succession compare ARGS` in `cwd`; fails on a panic.
fn run(cwd: &Path, args: &[&str]) -> Output {
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    let output = succession(cwd, &all);
    let err = stderr(&output);
    assert_ne!(output.status.code(), Some(101), "{all:?} panicked: {err}");
    assert!(
        !err.contains("internal error"),
        "{all:?} hit an internal error: {err}"
    );
    output
}

/// Runs and expects success; returns stdout.
fn ok(cwd: &Path, args: &[&str]) -> String {
    let output = run(cwd, args);
    assert!(
        output.status.success(),
        "{args:?}: exit {:?}: {}",
        output.status.code(),
        stderr(&output)
    );
    stdout(&output)
}

/// Runs and expects exit 2 with exactly one line on stderr, which it returns.
fn refused(cwd: &Path, args: &[&str]) -> String {
    let output = run(cwd, args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(stdout(&output).is_empty(), "{args:?} printed a table");
    err.trim_end().to_string()
}

/// A CSV file's header and records.
fn table(p: &Path) -> (String, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let header = text.lines().next().unwrap_or_default().to_string();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn number(cell: &str) -> Option<f64> {
    (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|e| panic!("{cell:?}: {e}")))
}

/// `runs.csv` of `dir`: (point, replicate) → figure → value.
fn runs(dir: &Path) -> BTreeMap<(u32, u32), BTreeMap<String, Option<f64>>> {
    let (header, rows) = table(&dir.join("runs.csv"));
    let names: Vec<&str> = header.split(',').collect();
    rows.iter()
        .map(|row| {
            let key = (row[0].parse().unwrap(), row[1].parse().unwrap());
            let figures = names[2..]
                .iter()
                .zip(&row[2..])
                .map(|(name, cell)| (name.to_string(), number(cell)))
                .collect();
            (key, figures)
        })
        .collect()
}

/// `compare.csv` (or `compare_timeseries.csv`) of `out`: first cell → the
/// other cells, after checking the header.
fn compared(out: &Path, file: &str, header: &str) -> BTreeMap<String, Vec<Option<f64>>> {
    let (found, rows) = table(&out.join(file));
    assert_eq!(found, header, "{file}");
    rows.iter()
        .map(|row| (row[0].clone(), row[1..].iter().map(|c| number(c)).collect()))
        .collect()
}

/// The paired statistics of `pairs` as the tool's formula gives them:
/// `[a_mean, b_mean, diff_mean, diff_lo, diff_hi, diff_sd, n]`.
fn paired(pairs: &[(f64, f64)]) -> Vec<Option<f64>> {
    let n = pairs.len() as f64;
    let mean = |values: &[f64]| values.iter().sum::<f64>() / n;
    let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let d: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let m = mean(&d);
    let sd = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.975);
    let half = t * sd / n.sqrt();
    vec![
        Some(mean(&a)),
        Some(mean(&b)),
        Some(m),
        Some(m - half),
        Some(m + half),
        Some(sd),
        Some(n),
    ]
}

/// Copies the run folder `from` to `to` (its files and charts).
fn copy_folder(from: &Path, to: &Path) {
    for relative in tree(from) {
        let (source, target) = (from.join(&relative), to.join(&relative));
        if source.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, &target).unwrap();
        }
    }
}

/// The bytes of every file under `dir`, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(dir)
        .into_iter()
        .filter(|p| dir.join(p).is_file())
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p)).unwrap();
            (p, bytes)
        })
        .collect()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The five files a comparison writes.
const WRITTEN: [&str; 5] = [
    "charts/compare_capacity.png",
    "charts/compare_capacity.svg",
    "compare.csv",
    "compare_timeseries.csv",
    "datapackage.json",
];

#[test]
fn the_paired_difference_is_the_replicate_by_replicate_formula() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("cmp");
    let printed = ok(
        work.path(),
        &[path(&f.sweep), "--points", "0", "1", "--out", path(&out)],
    );
    let files: Vec<String> = tree(&out).into_iter().filter(|p| p != "charts").collect();
    assert_eq!(files, WRITTEN);

    // By hand from runs.csv: replicate r of point 1 minus replicate r of
    // point 0, for every figure; compare.csv must hold exactly these bits.
    let runs = runs(&f.sweep);
    let rows = compared(&out, "compare.csv", HEADER);
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        {
            let mut names: Vec<&str> = FIGURES.iter().map(|f| f.name).collect();
            names.sort();
            names
        },
        "one row per figure"
    );
    for figure in FIGURES.iter().map(|f| f.name) {
        let pairs: Vec<(f64, f64)> = (0..REPLICATES)
            .map(|r| {
                let value = |point| runs[&(point, r)][figure].expect("defined in this fixture");
                (value(0), value(1))
            })
            .collect();
        assert_eq!(rows[figure], paired(&pairs), "{figure}");
    }
    // The figure the sweep moves: the openness raises the pipeline in
    // every replicate, so the differences are not all 0.
    assert_ne!(rows["pipeline_tempered"][2], Some(0.0));

    // The same per year, by hand from timeseries.csv.
    let (header, ts) = table(&f.sweep.join("timeseries.csv"));
    let capacity = header
        .split(',')
        .position(|c| c == "capacity_mean")
        .unwrap();
    let mut by_run: BTreeMap<(u32, u32, String), f64> = BTreeMap::new();
    for row in &ts {
        let key = (
            row[0].parse().unwrap(),
            row[1].parse().unwrap(),
            row[2].clone(),
        );
        by_run.insert(key, number(&row[capacity]).unwrap());
    }
    let years = compared(&out, "compare_timeseries.csv", TIMESERIES_HEADER);
    assert_eq!(years.len(), 12, "1949 to 1960");
    for (year, cells) in &years {
        let pairs: Vec<(f64, f64)> = (0..REPLICATES)
            .map(|r| {
                let value = |point| by_run[&(point, r, year.clone())];
                (value(0), value(1))
            })
            .collect();
        assert_eq!(*cells, paired(&pairs), "{year}");
    }

    // The table printed is the file's.
    assert!(printed.contains("B − A, paired by replicate"), "{printed}");
    assert!(printed.contains("promotion.openness.scale=2"), "{printed}");
    for figure in FIGURES.iter().map(|f| f.name) {
        assert!(printed.contains(figure), "{figure}: {printed}");
    }
    // The chart: 1200×800 PNG and an SVG titled with what it shows.
    let png = std::fs::read(out.join("charts/compare_capacity.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(
        (&png[16..20], &png[20..24]),
        (&[0, 0, 4, 176][..], &[0, 0, 3, 32][..])
    );
    let svg = std::fs::read_to_string(out.join("charts/compare_capacity.svg")).unwrap();
    assert!(svg.contains("Difference in governance capacity, B − A"));
    assert!(svg.contains("Paired by replicate"));
}

#[test]
fn two_folders_run_alone_pair_as_the_points_of_their_sweep() {
    // A point's runs are the scenario's run alone with --set: comparing
    // the two folders gives exactly the sweep's comparison.
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let (swept, alone) = (work.path().join("swept"), work.path().join("alone"));
    ok(
        work.path(),
        &[path(&f.sweep), "--points", "0", "1", "--out", path(&swept)],
    );
    ok(
        work.path(),
        &[path(&f.a), path(&f.b), "--out", path(&alone)],
    );
    for file in ["compare.csv", "compare_timeseries.csv"] {
        assert_eq!(
            std::fs::read(swept.join(file)).unwrap(),
            std::fs::read(alone.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_figure_undefined_in_a_run_is_paired_only_where_both_are_defined() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("sweep");
    copy_folder(&f.sweep, &dir);
    // Point 1, replicate 2: policy_capacity empty.
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|&c| c == "policy_capacity").unwrap();
    let edited: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("1,2,") {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[col] = "";
                cells.join(",")
            } else {
                line.to_string()
            }
        })
        .collect();
    std::fs::write(dir.join("runs.csv"), edited.join("\n") + "\n").unwrap();
    let out = work.path().join("cmp");
    ok(
        work.path(),
        &[path(&dir), "--points", "0", "1", "--out", path(&out)],
    );
    let runs = runs(&f.sweep);
    let rows = compared(&out, "compare.csv", HEADER);
    let pairs: Vec<(f64, f64)> = [0, 1, 3]
        .iter()
        .map(|&r| {
            let value = |point| runs[&(point, r)]["policy_capacity"].unwrap();
            (value(0), value(1))
        })
        .collect();
    assert_eq!(rows["policy_capacity"], paired(&pairs));
    assert_eq!(rows["policy_capacity"][6], Some(3.0), "n: three pairs");
    assert_eq!(
        rows["final_capacity"][6],
        Some(4.0),
        "other figures keep four"
    );
}

#[test]
fn a_point_against_itself_differs_by_zero_with_a_zero_width_interval() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("cmp");
    ok(
        work.path(),
        &[path(&f.sweep), "--points", "1", "1", "--out", path(&out)],
    );
    for (file, header) in [
        ("compare.csv", HEADER),
        ("compare_timeseries.csv", TIMESERIES_HEADER),
    ] {
        for (key, cells) in compared(&out, file, header) {
            assert_eq!(cells[0], cells[1], "{file} {key}: a_mean = b_mean");
            assert_eq!(
                cells[2..],
                [Some(0.0), Some(0.0), Some(0.0), Some(0.0), Some(4.0)],
                "{file} {key}"
            );
        }
    }
}

#[test]
fn folders_that_do_not_pair_are_refused_and_unpaired_compares_them() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("cmp");
    let err = refused(
        work.path(),
        &[path(&f.a), path(&f.seed2), "--out", path(&out)],
    );
    assert!(err.contains("do not pair"), "{err}");
    assert!(
        err.contains("seed = 1") && err.contains("seed = 2"),
        "{err}"
    );
    assert!(
        err.contains("manifest.json") && err.contains("--unpaired"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
    assert!(tree(work.path()).is_empty());

    let printed = ok(
        work.path(),
        &[
            path(&f.a),
            path(&f.seed2),
            "--out",
            path(&out),
            "--unpaired",
        ],
    );
    assert!(printed.contains("unpaired"), "{printed}");
    // Welch, by hand: each side over its own replicates.
    let (runs_a, runs_b) = (runs(&f.a), runs(&f.seed2));
    let rows = compared(&out, "compare.csv", HEADER);
    for figure in [
        "policy_capacity",
        "pipeline_tempered",
        "escalations_per_1000",
    ] {
        let values = |runs: &BTreeMap<_, BTreeMap<String, Option<f64>>>| -> Vec<f64> {
            (0..REPLICATES)
                .map(|r| runs[&(0, r)][figure].unwrap())
                .collect()
        };
        let (a, b) = (values(&runs_a), values(&runs_b));
        let n = f64::from(REPLICATES);
        let mean = |x: &[f64]| x.iter().sum::<f64>() / n;
        let var = |x: &[f64]| x.iter().map(|v| (v - mean(x)).powi(2)).sum::<f64>() / (n - 1.0);
        let (va, vb) = (var(&a) / n, var(&b) / n);
        let df = (va + vb).powi(2) / (va * va / (n - 1.0) + vb * vb / (n - 1.0));
        let t = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975);
        let diff = mean(&b) - mean(&a);
        let half = t * (va + vb).sqrt();
        let expected = [
            mean(&a),
            mean(&b),
            diff,
            diff - half,
            diff + half,
            (var(&a) + var(&b)).sqrt(),
            n,
        ];
        let found = &rows[figure];
        for (i, (x, y)) in found.iter().zip(expected).enumerate() {
            let x = x.unwrap();
            assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                "{figure} column {i}: {x} vs {y}"
            );
        }
        // Fewer degrees of freedom than a paired test's would not do: the
        // Welch df lies between n − 1 and 2n − 2.
        assert!((n - 1.0..=2.0 * n - 2.0).contains(&df), "{df}");
    }
}

#[test]
fn points_under_independent_seeds_other_years_or_replicates_do_not_pair() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let run_into = |file: &str, name: &str, sets: &[&str]| {
        let out = work.path().join(name);
        let file = scenario(&format!("compare/{file}"));
        let mut args = vec!["run", path(&file), "--out", path(&out), "--quiet"];
        for set in sets {
            args.extend(["--set", set]);
        }
        let output = succession(work.path(), &args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        out
    };
    let independent = run_into("sweep.toml", "independent", &["seeds=independent"]);
    let shorter = run_into(
        "tiny.toml",
        "shorter",
        &["end_year=1959", "policy_window=[1955, 1959]"],
    );
    let fewer = run_into("tiny.toml", "fewer", &["replicates=3"]);
    let out = work.path().join("cmp");

    let err = refused(
        work.path(),
        &[
            path(&independent),
            "--points",
            "0",
            "1",
            "--out",
            path(&out),
        ],
    );
    assert!(err.contains("seeds = \"independent\""), "{err}");
    let err = refused(
        work.path(),
        &[path(&f.a), path(&shorter), "--out", path(&out)],
    );
    assert!(
        err.contains("1949–1960") && err.contains("1949–1959"),
        "{err}"
    );
    let err = refused(
        work.path(),
        &[path(&f.a), path(&fewer), "--out", path(&out)],
    );
    assert!(
        err.contains("replicates 0–3") && err.contains("replicates 0–2"),
        "{err}"
    );
    // Another version of the tool, or a stream key that differs.
    let edited = |name: &str, from: &str, to: &str| -> PathBuf {
        let dir = work.path().join(name);
        copy_folder(&f.b, &dir);
        let manifest = dir.join("manifest.json");
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(&manifest, text.replacen(from, to, 1)).unwrap();
        dir
    };
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    let older = edited("older", &version, "\"version\": \"0.0.1\"");
    let err = refused(
        work.path(),
        &[path(&f.a), path(&older), "--out", path(&out)],
    );
    assert!(err.contains("0.0.1") && err.contains("may draw"), "{err}");
    // Replicate 2's key, as the manifest writes it (seed 1, replicate 2).
    let key = "\"stream_key\": \"0100000000000000020000";
    let rekeyed = edited("rekeyed", key, "\"stream_key\": \"0100000000000000020001");
    let err = refused(
        work.path(),
        &[path(&f.a), path(&rekeyed), "--out", path(&out)],
    );
    assert!(
        err.contains("replicate 2") && err.contains("stream"),
        "{err}"
    );
    assert!(!out.exists());

    // Unpaired, the years both have, and the replicates each has.
    ok(
        work.path(),
        &[
            path(&f.a),
            path(&shorter),
            "--out",
            path(&out),
            "--unpaired",
        ],
    );
    let years = compared(&out, "compare_timeseries.csv", TIMESERIES_HEADER);
    assert_eq!(years.len(), 11, "1949 to 1959");
    ok(
        work.path(),
        &[
            path(&f.a),
            path(&fewer),
            "--out",
            path(&out),
            "--unpaired",
            "--force",
        ],
    );
    let rows = compared(&out, "compare.csv", HEADER);
    assert_eq!(rows["final_capacity"][6], Some(3.0), "n: the smaller count");
    // Independent seeds: a point still pairs with itself.
    ok(
        work.path(),
        &[
            path(&independent),
            "--points",
            "1",
            "1",
            "--out",
            path(&out),
            "--force",
        ],
    );
}

#[test]
fn bad_input_is_one_line_exit_2_and_nothing_written() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let damaged = |name: &str, edit: &dyn Fn(&Path)| -> PathBuf {
        let dir = work.path().join("inputs").join(name);
        copy_folder(&f.sweep, &dir);
        edit(&dir);
        dir
    };
    let edit_line = |dir: &Path, file: &str, line: usize, change: &dyn Fn(&str) -> String| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == line {
                    change(l)
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    };
    let no_runs = damaged("no_runs", &|d| {
        std::fs::remove_file(d.join("runs.csv")).unwrap()
    });
    let not_a_number = damaged("not_a_number", &|d| {
        edit_line(d, "runs.csv", 3, &|l| l.replacen(",0.", ",x0.", 1))
    });
    let short_row = damaged("short_row", &|d| {
        edit_line(d, "runs.csv", 4, &|l| {
            l.rsplit_once(',').unwrap().0.to_string()
        })
    });
    let repeated = damaged("repeated", &|d| {
        edit_line(d, "runs.csv", 5, &|l| l.replacen("0,3,", "0,1,", 1))
    });
    let bad_year = damaged("bad_year", &|d| {
        edit_line(d, "timeseries.csv", 2, &|l| {
            l.replacen(",1949,", ",19x9,", 1)
        })
    });
    let running = damaged("running", &|d| {
        let path = d.join("manifest.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace("\"status\": \"complete\"", "\"status\": \"running\""),
        )
        .unwrap();
    });
    let plain = work.path().join("inputs/plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("runs.csv"), "point,replicate\n").unwrap();
    let missing = work.path().join("inputs/missing");
    let inputs = snapshot(&work.path().join("inputs"));

    let sweep = path(&f.sweep);
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![path(&missing), "--points", "0", "1"],
            vec!["missing", "no such folder"],
        ),
        (
            vec![path(&no_runs), "--points", "0", "1"],
            vec!["no_runs/runs.csv", "not found"],
        ),
        (
            vec![path(&plain), "--points", "0", "1"],
            vec!["plain", "manifest.json"],
        ),
        (
            vec![sweep, "--points", "0", "2"],
            vec!["points.csv", "no point 2"],
        ),
        (
            vec![sweep, "--points", "7", "0"],
            vec!["points.csv", "no point 7"],
        ),
        (vec![sweep], vec!["--points A B"]),
        (
            vec![path(&f.a), path(&f.b), "--points", "0", "0"],
            vec!["--points", "two run folders"],
        ),
        (
            vec![sweep, path(&f.a)],
            vec!["holds 2 sweep points", "--points A B"],
        ),
        (vec![path(&f.a), path(&f.b), sweep], vec!["compare --help"]),
        (vec![sweep, "--points", "0"], vec!["compare --help"]),
        (vec![sweep, "--points", "-1", "0"], vec!["compare --help"]),
        (
            vec![path(&not_a_number), "--points", "0", "1"],
            vec!["not_a_number/runs.csv:3:", "cannot read"],
        ),
        (
            vec![path(&short_row), "--points", "0", "1"],
            vec!["short_row/runs.csv:4:", "fields"],
        ),
        (
            vec![path(&repeated), "--points", "0", "1"],
            vec!["repeated/runs.csv:5:", "listed twice"],
        ),
        (
            vec![path(&bad_year), "--points", "0", "1"],
            vec!["bad_year/timeseries.csv:2:", "year"],
        ),
        (
            vec![path(&running), "--points", "0", "1"],
            vec!["running/manifest.json", "not complete"],
        ),
    ];
    // Run in an empty folder with the default --out (the current folder):
    // nothing may appear in it.
    let cwd = work.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    for (args, wanted) in &cases {
        let err = refused(&cwd, args);
        for word in wanted {
            assert!(err.contains(word), "{args:?}: {err:?} lacks {word:?}");
        }
        assert!(tree(&cwd).is_empty(), "{args:?} wrote {:?}", tree(&cwd));
    }
    assert_eq!(
        snapshot(&work.path().join("inputs")),
        inputs,
        "inputs unchanged"
    );
}

#[test]
fn an_earlier_comparison_is_replaced_only_with_force_and_only_if_ours() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("cmp");
    let args = |points: [&'static str; 2], force: bool| -> Vec<String> {
        let mut args: Vec<String> = [
            path(&f.sweep),
            "--points",
            points[0],
            points[1],
            "--out",
            path(&out),
        ]
        .map(String::from)
        .into();
        if force {
            args.push("--force".into());
        }
        args
    };
    ok(work.path(), &strs(&args(["0", "1"], false)));
    std::fs::write(out.join("notes.txt"), "my notes").unwrap();
    let first = snapshot(&out);

    // Without --force: refused, nothing changed.
    let err = refused(work.path(), &strs(&args(["1", "1"], false)));
    assert!(err.contains("--force") && err.contains("cmp"), "{err}");
    assert_eq!(snapshot(&out), first);
    // Any one of the five files is enough to refuse.
    for name in WRITTEN {
        let only = work.path().join(format!("only-{}", name.replace('/', "-")));
        std::fs::create_dir_all(only.join("charts")).unwrap();
        std::fs::copy(out.join(name), only.join(name)).unwrap();
        let before = snapshot(&only);
        let err = refused(
            work.path(),
            &[path(&f.sweep), "--points", "0", "1", "--out", path(&only)],
        );
        assert!(
            err.contains(name.rsplit('/').next().unwrap()),
            "{name}: {err}"
        );
        assert_eq!(snapshot(&only), before, "{name}");
    }

    // With --force: the five files replaced, the notes kept.
    ok(work.path(), &strs(&args(["1", "1"], true)));
    let second = snapshot(&out);
    assert_eq!(second["notes.txt"], b"my notes");
    assert_ne!(second["compare.csv"], first["compare.csv"]);
    assert_eq!(
        second.keys().collect::<Vec<_>>(),
        first.keys().collect::<Vec<_>>()
    );

    // A file of those names the tool did not write is never replaced.
    for (name, contents) in [
        ("compare.csv", "figure,my_estimate\nfinal_capacity,0.9\n"),
        ("datapackage.json", "{\"name\": \"my-package\"}\n"),
        (
            "charts/compare_capacity.svg",
            "<svg width=\"1200\" height=\"800\"></svg>\n",
        ),
    ] {
        let theirs = work
            .path()
            .join(format!("theirs-{}", name.replace('/', "-")));
        std::fs::create_dir_all(theirs.join("charts")).unwrap();
        std::fs::write(theirs.join(name), contents).unwrap();
        let before = snapshot(&theirs);
        for force in [false, true] {
            let mut args = vec![path(&f.sweep), "--points", "0", "1", "--out", path(&theirs)];
            if force {
                args.push("--force");
            }
            let err = refused(work.path(), &args);
            if force {
                assert!(
                    err.contains("not a file `succession compare` wrote"),
                    "{err}"
                );
            }
            assert_eq!(snapshot(&theirs), before, "{name}, force {force}");
        }
    }

    // A run folder is never the output folder, even with --force.
    let run_folder = work.path().join("run");
    copy_folder(&f.a, &run_folder);
    let before = snapshot(&run_folder);
    let err = refused(
        work.path(),
        &[
            path(&f.sweep),
            "--points",
            "0",
            "1",
            "--out",
            path(&run_folder),
            "--force",
        ],
    );
    assert!(err.contains("a run folder"), "{err}");
    assert_eq!(snapshot(&run_folder), before);
}

#[test]
fn the_datapackage_describes_both_files_and_what_was_compared() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("cmp");
    ok(work.path(), &[path(&f.a), path(&f.b), "--out", path(&out)]);
    let text = std::fs::read_to_string(out.join("datapackage.json")).unwrap();
    let package: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(package["name"], "succession-compare");
    let resources = package["resources"].as_array().unwrap();
    for (resource, header) in resources.iter().zip([HEADER, TIMESERIES_HEADER]) {
        let names: Vec<&str> = resource["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.join(","), header);
        let file = resource["path"].as_str().unwrap();
        assert_eq!(table(&out.join(file)).0, header, "{file}");
        // Every cell has the form of its declared type.
        let fields = resource["schema"]["fields"].as_array().unwrap();
        for row in table(&out.join(file)).1 {
            for (cell, field) in row.iter().zip(fields) {
                let ok = cell.is_empty()
                    || match field["type"].as_str().unwrap() {
                        "integer" => cell.parse::<i64>().is_ok(),
                        "number" => cell.contains('.') && cell.parse::<f64>().is_ok(),
                        _ => true,
                    };
                assert!(ok, "{file}: {cell:?} is not a {}", field["type"]);
            }
        }
        let description = resource["description"].as_str().unwrap();
        assert!(description.contains(path(&f.b)), "{description}");
        assert!(description.contains("paired by replicate"), "{description}");
    }
    assert_eq!(resources.len(), 2);
}

#[test]
fn the_readme_documents_the_command_and_its_columns() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let section = readme
        .split("\n### `succession compare`\n")
        .nth(1)
        .expect("README has a `succession compare` section");
    let section = section.split("\n## ").next().unwrap();
    assert!(
        section.contains(&succession::folder::schema::compare_table()),
        "README's compare.csv table differs from the schema:\n{}",
        succession::folder::schema::compare_table()
    );
    for flag in [
        "--points A B",
        "--out DIR",
        "--unpaired",
        "--force",
        "B − A",
    ] {
        assert!(section.contains(flag), "{flag}");
    }
    let help = ok(Path::new("."), &["--help"]);
    for words in ["B − A", "--unpaired", "Welch", "diff_sd", "n:"] {
        assert!(help.contains(words), "{words}: {help}");
    }
}
