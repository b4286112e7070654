//! `manifest.json`: what was run, with which seeds, how far it got.
//!
//! Its `identity` is what `--resume` and `merge` compare to decide whether a
//! folder was made from the same study: the crate version (another version
//! may draw differently), the resolved scenario without its replicate count
//! (so replicates can be added later), the sweep design and the snapshot
//! years. A roster is identified by its path, not its contents.

use crate::study::ensemble::{Estimate, RunRecord, Shard, Study};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The contents of `manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `succession`.
    pub tool: String,
    /// The crate version that wrote the folder.
    pub version: String,
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// `--set` overrides as given.
    pub overrides: Vec<String>,
    /// `running`, `complete` or `failed`.
    pub status: String,
    /// Start time (RFC 3339, UTC).
    pub started: String,
    /// End time, once finished.
    pub finished: Option<String>,
    /// Wall time in seconds of the last invocation, once finished.
    pub seconds: Option<f64>,
    /// Worker threads used.
    pub threads: usize,
    /// The shard of the study this folder holds, if split.
    pub shard: Option<Shard>,
    /// Years with a roster snapshot.
    pub snapshots: Vec<i32>,
    /// Resource estimate made before running.
    pub estimate: Estimate,
    /// What resume and merge compare (see the module documentation).
    pub identity: serde_json::Value,
    /// Every run of this folder, with its stream key and status.
    pub runs: Vec<RunRecord>,
    /// The fully resolved scenario, every default filled in.
    pub scenario: serde_json::Value,
}

/// The identity of a study (see the module documentation).
pub fn identity(study: &Study) -> serde_json::Value {
    let mut scenario = serde_json::to_value(&study.scenario).expect("a scenario serialises");
    if let Some(map) = scenario.as_object_mut() {
        map.remove("replicates");
    }
    serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": scenario,
        "design": { "paths": study.design.paths, "points": study.design.points },
        "snapshots": study.snapshots,
    })
}

impl Manifest {
    /// Reads `dir/manifest.json`; an input error if it is absent or
    /// unreadable.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::BadInput(format!(
                "{}: not a run folder of succession (cannot read manifest.json: {e})",
                dir.display()
            ))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::BadInput(format!("{}: malformed manifest: {e}", path.display())))
    }

    /// Writes the manifest into `dir`, atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::study::ensemble::write_json(&dir.join("manifest.json"), self)
    }
}
