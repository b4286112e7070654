//! `succession report DIR`: the one page of a run folder, run through the
//! real binary. Its sections, every chart inline in `plot`'s order, the
//! hand-over by decade, nothing fetched from anywhere, a hostile scenario
//! description shown as text, sensitivity and comparison results when the
//! folder has them, and a bad folder refused with exit code 2 and nothing
//! written. (`scripts/check_report.py` opens the page in a real browser.)

mod common;

use common::{scenario, stderr, stdout, succession, tree};
use std::path::{Path, PathBuf};

/// Runs `scenario` into `dir/name` with `sets`; the folder.
fn run(dir: &Path, name: &str, scenario: &Path, sets: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        "run".to_string(),
        scenario.display().to_string(),
        "--out".to_string(),
        out.display().to_string(),
        "--quiet".to_string(),
    ];
    for set in sets {
        args.push("--set".to_string());
        args.push(set.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = succession(dir, &args);
    assert!(output.status.success(), "run: {}", stderr(&output));
    out
}

/// `succession report DIR`, which must succeed; the page.
fn report(dir: &Path) -> String {
    let output = succession(dir, &["report", &dir.display().to_string()]);
    assert!(output.status.success(), "report: {}", stderr(&output));
    let path = dir.join("report.html");
    assert!(
        stdout(&output).contains(&format!("wrote {}", path.display())),
        "{}",
        stdout(&output)
    );
    std::fs::read_to_string(path).expect("report.html written")
}

fn small(dir: &Path, name: &str) -> PathBuf {
    run(
        dir,
        name,
        &scenario("golden/small.toml"),
        &["communities=60"],
    )
}

/// The stems of the SVG charts in `dir/charts`, in the order `plot` prints
/// them (which is the order it draws them).
fn plotted_stems(dir: &Path) -> Vec<String> {
    let output = succession(dir, &["plot", &dir.display().to_string()]);
    assert!(output.status.success(), "plot: {}", stderr(&output));
    stdout(&output)
        .lines()
        .filter_map(|l| l.strip_prefix("wrote "))
        .filter_map(|p| p.strip_suffix(".svg"))
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
        .collect()
}

/// The text of the first `<title>`-like line of an SVG: its chart title
/// (the first `<text>` element's content).
fn svg_title(svg: &str) -> String {
    let start = svg.find("<text").expect("a text");
    let open_end = start + svg[start..].find('>').expect("a tag end") + 1;
    let close = open_end + svg[open_end..].find("</text>").expect("a closing tag");
    svg[open_end..close].trim().to_string()
}

#[test]
fn the_page_holds_every_section_and_every_chart_inline_in_plots_order() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let dir = small(scratch.path(), "small");
    let page = report(&dir);
    for heading in [
        "<h2>Scenario</h2>",
        "<h2>Summary figures</h2>",
        "<h2>Charts</h2>",
        "<h2>Hand-over of seats by decade</h2>",
        "<h2>Provenance</h2>",
    ] {
        assert!(page.contains(heading), "no {heading}");
    }
    // A single run has neither sensitivity nor comparison results.
    assert!(!page.contains("<h2>Sensitivity</h2>"));
    assert!(!page.contains("<h2>Comparison</h2>"));

    // Every chart, inline, in the order plot draws them.
    let stems = plotted_stems(&dir);
    assert_eq!(stems, ["capacity", "cohorts", "resolution", "handover"]);
    assert_eq!(page.matches("<svg ").count(), stems.len());
    let mut at = 0;
    for stem in &stems {
        let svg = std::fs::read_to_string(dir.join("charts").join(format!("{stem}.svg")))
            .expect("the chart");
        let title = svg_title(&svg);
        let found = page[at..]
            .find(&title)
            .unwrap_or_else(|| panic!("{stem}: {title:?} not inline after byte {at}"));
        at += found + title.len();
        assert!(page.contains(&format!("charts/{stem}.svg")), "{stem}");
    }

    // The summary: every figure, with its mean and interval as summary.csv
    // gives them (four significant digits).
    let summary = std::fs::read_to_string(dir.join("summary.csv")).expect("summary.csv");
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let cell = |name: &str| -> f64 {
        row[header.iter().position(|h| *h == name).expect(name)]
            .parse()
            .expect("a number")
    };
    for figure in ["policy_capacity", "trough_capacity", "final_capacity"] {
        assert!(page.contains(&format!("<code>{figure}</code>")), "{figure}");
        for stat in ["mean", "lo", "hi"] {
            let value = format!("{:.4}", cell(&format!("{figure}_{stat}")));
            assert!(
                page.contains(&format!("<td class=\"num\">{value}</td>")),
                "{figure}_{stat} = {value}"
            );
        }
    }
    assert!(page.contains(&format!("median {:.0}", cell("trough_year_median"))));

    // The hand-over: one row per decade of the run (1949–2030), each cell
    // the decade's seats summed over its years, mean over replicates.
    for decade in ["1940s (1949)", "1950s", "1990s", "2020s", "2030s (2030)"] {
        assert!(
            page.contains(&format!("<td class=\"decade\">{decade}</td>")),
            "{decade}"
        );
    }
    let transitions = std::fs::read_to_string(dir.join("transitions.csv")).expect("file");
    let by_hand = |years: std::ops::RangeInclusive<i32>, pair: &str| -> f64 {
        let (from, to) = pair.split_once(" → ").expect("a pair");
        let seats: f64 = transitions
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|c| {
                c[0] == "0"
                    && c[2].parse().is_ok_and(|y: i32| years.contains(&y))
                    && c[3] == from
                    && c[4] == to
            })
            .map(|c| c[5].parse::<f64>().unwrap())
            .sum();
        seats / 2.0
    };
    // The columns: the pairs' headers, in order, name them.
    let pairs: Vec<&str> = page
        .split("<th class=\"pair\" title=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').expect("a title")])
        .collect();
    assert!(pairs.contains(&"vacant → revolutionary"), "{pairs:?}");
    for (label, years) in [
        ("1940s (1949)", 1949..=1949),
        ("1950s", 1950..=1959),
        ("2010s", 2010..=2019),
    ] {
        let row = &page[page.find(&format!(">{label}<")).expect("the row")..];
        let row = &row[..row.find("</tr>").expect("its end")];
        let cells: Vec<f64> = row
            .split("<td class=\"num")
            .skip(1)
            .map(|rest| {
                let start = rest.find('>').expect("a cell") + 1;
                let text = &rest[start..start + rest[start..].find("</td>").expect("its end")];
                text.replace(',', "").parse().expect("a number")
            })
            .collect();
        assert_eq!(cells.len(), pairs.len(), "one cell per pair: {row}");
        for (pair, cell) in pairs.iter().zip(&cells) {
            let expected = by_hand(years.clone(), pair);
            assert!(
                (cell - expected).abs() < 0.051,
                "{label}, {pair}: {cell} vs {expected}"
            );
        }
    }
    assert!(page.contains("from vacant") && page.contains("→ revolutionary"));

    // The scenario and the provenance.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    for text in [
        manifest["started"].as_str().unwrap(),
        manifest["finished"].as_str().unwrap(),
        manifest["version"].as_str().unwrap(),
        "complete",
        "capacity.beta.scale",
        "channels.school.supply.scale",
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert!(page.contains(&format!(
        "succession run {} --set communities=60",
        manifest["scenario_file"].as_str().unwrap()
    )));
}

#[test]
fn nothing_is_fetched_from_anywhere() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let dir = small(scratch.path(), "small");
    let page = report(&dir);
    // Every src or href is a fragment of the page or inline data.
    for attribute in ["src=", "href="] {
        for (at, _) in page.match_indices(attribute) {
            let value = page[at + attribute.len()..].trim_start_matches(['"', '\'']);
            assert!(
                value.starts_with('#') || value.starts_with("data:"),
                "{attribute}{}",
                &value[..value.len().min(60)]
            );
        }
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    for never in [
        "<script",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
        "<iframe",
        "<img",
    ] {
        assert!(!page.contains(never), "{never}");
    }
    assert!(page.contains("Content-Security-Policy"));
}

#[test]
fn a_description_with_a_script_is_shown_as_text() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let hostile = scratch.path().join("hostile.toml");
    std::fs::write(
        &hostile,
        format!(
            "extends = {:?}\nname = \"<b onclick=alert(1)>x\"\ndescription = \"<script>alert('x')</script> & <img src=x onerror=alert(2)> \\\"q\\\"\"\n",
            scenario("golden/small.toml")
        ),
    )
    .expect("scenario written");
    let dir = run(scratch.path(), "hostile", &hostile, &["communities=40"]);
    let page = report(&dir);
    assert!(!page.contains("<script"), "a script tag got through");
    assert!(!page.contains("<img"), "an img tag got through");
    assert!(!page.contains("<b "), "a tag of the name got through");
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img"));
    assert!(page.contains("<h1>&lt;b onclick=alert(1)&gt;x</h1>"));
    // The charts carry the description too, escaped by the SVG writer.
    assert_eq!(page.matches("<svg ").count(), 4);
}

#[test]
fn a_bad_folder_exits_2_and_writes_nothing() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let root = scratch.path();
    let refused = |dir: &Path, expected: &str| {
        let before = tree(root);
        let output = succession(root, &["report", &dir.display().to_string()]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "one line: {message}");
        assert!(message.starts_with("error: "), "{message}");
        assert!(message.contains(expected), "{message}");
        assert_eq!(tree(root), before, "something was written");
    };
    refused(&root.join("missing"), "no such folder");
    std::fs::write(root.join("file"), "x").unwrap();
    refused(&root.join("file"), "is not a folder");
    std::fs::create_dir(root.join("empty")).unwrap();
    refused(&root.join("empty"), "not a run folder");
    // CSV files without a manifest: not a run folder either.
    let dir = small(root, "small");
    std::fs::create_dir(root.join("copy")).unwrap();
    for file in ["timeseries.csv", "points.csv", "summary.csv"] {
        std::fs::copy(dir.join(file), root.join("copy").join(file)).unwrap();
    }
    refused(&root.join("copy"), "not a run folder");
    // A run that is not complete.
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        manifest.replace("\"status\": \"complete\"", "\"status\": \"interrupted\""),
    )
    .unwrap();
    refused(&dir, "the run is not complete (status `interrupted`)");
    assert!(!dir.join("report.html").exists());
}

#[test]
fn missing_charts_are_drawn_first_and_force_replaces_the_page() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let dir = small(scratch.path(), "small");
    std::fs::remove_dir_all(dir.join("charts")).unwrap();
    let output = succession(scratch.path(), &["report", &dir.display().to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("drew "), "{}", stdout(&output));
    assert!(dir.join("charts/handover.svg").is_file());
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(page.matches("<svg ").count(), 4);
    // The same folder gives the same page.
    assert_eq!(report(&dir), page);
    // report.html is the tool's: `run --force` replaces the folder,
    // removing it with the rest of the old run.
    let output = succession(
        scratch.path(),
        &[
            "run",
            &scenario("golden/small.toml").display().to_string(),
            "--out",
            &dir.display().to_string(),
            "--set",
            "communities=40",
            "--force",
            "--quiet",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!dir.join("report.html").exists(), "the old page was kept");
}

#[test]
fn sensitivity_and_comparison_results_get_their_sections() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let root = scratch.path();
    // A comparison of a sweep's two points, into a folder inside the run.
    let sweep = run(root, "sweep", &scenario("compare/sweep.toml"), &[]);
    let output = succession(
        root,
        &[
            "compare",
            &sweep.display().to_string(),
            "--points",
            "0",
            "1",
            "--out",
            &sweep.join("compare").display().to_string(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let page = report(&sweep);
    assert!(page.contains("<h2>Comparison</h2>"));
    assert!(page.contains("<code>compare/compare.csv</code>"));
    assert!(page.contains("<code>policy_capacity</code>"));
    assert!(
        page.contains("promotion.openness.scale=2"),
        "A and B are named"
    );
    // The sweep's charts and the comparison's chart.
    let charts = std::fs::read_dir(sweep.join("charts"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    assert_eq!(page.matches("<svg ").count(), charts + 1);
    assert!(page.contains("Point 1: promotion.openness.scale=2"));
    assert!(!page.contains("<h2>Sensitivity</h2>"));

    let morris = run(root, "morris", &scenario("sensitivity/morris.toml"), &[]);
    let page = report(&morris);
    assert!(page.contains("<h2>Sensitivity</h2>"));
    for text in [
        "<code>promotion.attraction</code>",
        "<code>channels.enterprise.supply.scale</code>",
        "mu_star",
        "sigma",
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert!(page.contains("charts/sensitivity_policy_capacity.svg"));
    // A large design lists its first points only, and says so.
    assert!(page.contains("more points are in summary.csv"));
}
