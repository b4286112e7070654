//! The repository stands on its own: no file points a reader at something
//! outside it (the shared working folder the project was specified in, its
//! calibration notes by their original name, or an issue tracker's
//! numbers), and the README's scenario table lists every shipped scenario.

mod common;

use common::root;
use std::path::{Path, PathBuf};

/// The folder the project was specified in, and its calibration notes by
/// their original name, spelt in pieces so that this file does not itself
/// name them.
const SHARED: &str = concat!("..", "/", "shared");
const CALIBRATION_NOTES: &str = concat!("CALIBRATION", ".md");

/// Every text file of the repository a reader may open.
fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(
                name.as_str(),
                ".git" | "target" | "corpus" | "artifacts" | "coverage"
            ) {
                text_files(&path, out);
            }
        } else if ["md", "toml", "rs", "py", "sh", "sbatch", "txt", "c", "csv"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
            || path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == ".ci")
        {
            out.push(path);
        }
    }
}

/// `issue 5`, `Issue #12`: a tracker's number a reader cannot follow.
fn cites_an_issue(line: &str) -> bool {
    let lower = line.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("issue") {
        let after = rest[at + 5..]
            .trim_start_matches('s')
            .trim_start_matches(' ');
        let after = after.trim_start_matches('#');
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            return true;
        }
        rest = &rest[at + 5..];
    }
    false
}

#[test]
fn no_file_refers_outside_the_repository() {
    let mut files = Vec::new();
    text_files(&root(), &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    // This file names the patterns it looks for in its own examples.
    let this = root().join("tests/repository.rs");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != this) {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if line.contains(SHARED) || line.contains(CALIBRATION_NOTES) || cites_an_issue(line) {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(root()).unwrap().display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "references a reader cannot follow:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_issue_pattern_catches_numbers_only() {
    assert!(cites_an_issue("calibration criterion (issue 5)"));
    assert!(cites_an_issue("see Issue #12"));
    assert!(!cites_an_issue("issues arising per year: 30"));
    assert!(!cites_an_issue("an issue type"));
}

#[test]
fn the_readme_lists_every_shipped_scenario() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let folders = ["scenarios", "scenarios/v1"];
    for entry in folders
        .iter()
        .flat_map(|f| std::fs::read_dir(root().join(f)).unwrap().flatten())
    {
        let path = entry.path();
        let name = path
            .strip_prefix(root().join("scenarios"))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".toml") && !name.ends_with("targets.toml") {
            assert!(
                readme.contains(&format!("| `scenarios/{name}` |")),
                "README's scenario table lacks scenarios/{name}"
            );
        }
    }
}
