//! Helpers for tests that run the real binary: a scratch folder and a
//! command builder, as in ripgrep's test suite.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under tests/scenarios/.
pub fn scenario(rel: &str) -> PathBuf {
    root().join("tests/scenarios").join(rel)
}

/// Runs `succession` with `args` in `cwd`.
pub fn succession(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_succession"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the succession binary runs")
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// All paths under `dir`, relative, sorted (empty if `dir` is absent).
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                out.push(path.strip_prefix(base).unwrap().display().to_string());
                if path.is_dir() {
                    walk(base, &path, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The lock file every run folder keeps (see `folder::lock`).
pub const LOCK: &str = ".succession.lock";

/// [`tree`] without the `charts/` folder and the lock file: the data files
/// of a run folder.
pub fn data_tree(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|p| !p.starts_with("charts") && p != LOCK)
        .collect()
}
