//! `manifest.json`: what was run, with which seeds, how far it got, read
//! and written through one typed [`Manifest`].
//!
//! Its [`Identity`] is what `--resume` and `merge` compare to decide
//! whether a folder was made from the same study: the crate version
//! (another version may draw differently), the resolved scenario without its
//! replicate count (so replicates can be added later), the sweep design and
//! the snapshot years. A roster is identified by its path, not its contents.
//!
//! Its checksums ([`RunChecksum`]) record, for every data file, each run's
//! rows as they were written: `merge` and `--resume` verify what they read
//! against them, so a file cut short, with repeated rows or an altered value
//! is refused (merge) or its damaged runs run again (resume).

use crate::folder::output;
use crate::study::ensemble::{Estimate, RunRecord, Shard, Study};
use crate::study::record::Recording;
use crate::study::sweep::{Design, Level};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::folder::layout::MANIFEST;

/// How far the invocation that wrote a folder got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Started and not finished (or killed).
    Running,
    /// Every run and every file is in place.
    Complete,
    /// Stopped by an error; finished runs stay for `--resume`.
    Failed,
    /// Stopped by SIGINT, SIGTERM or SIGHUP between runs; finished runs
    /// stay for `--resume`.
    Interrupted,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Running => "running",
            Status::Complete => "complete",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
        })
    }
}

/// The sweep design as the identity records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignIdentity {
    /// The swept parameter paths.
    pub paths: Vec<String>,
    /// One row of values per point: numbers as JSON numbers (as every
    /// folder before categorical factors wrote them), a level of a string
    /// or boolean parameter as a JSON string or boolean.
    pub points: Vec<Vec<Level>>,
}

/// The identity of a study (see the module documentation). Fields are in
/// alphabetical order: that is the order the untyped JSON object of earlier
/// versions had, so folders written before read and compare the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// The sweep design.
    pub design: DesignIdentity,
    /// The fraction of communities whose events are written (`--events`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<f64>,
    /// The resolved scenario without `replicates`.
    pub scenario: serde_json::Value,
    /// Snapshot years.
    pub snapshots: Vec<i32>,
    /// Communities whose trajectories are written (`--trajectories`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trajectories: u32,
    /// The crate version.
    pub version: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Identity {
    /// The identity of `study`.
    pub fn of(study: &Study) -> Identity {
        let mut scenario = serde_json::to_value(&study.scenario)
            .expect("scenario types have string keys only, so serialising cannot fail");
        if let Some(map) = scenario.as_object_mut() {
            map.remove("replicates");
        }
        Identity {
            design: DesignIdentity {
                paths: study.design.paths.clone(),
                points: study.design.points.clone(),
            },
            scenario,
            snapshots: study.recording.snapshots.clone(),
            events: study.recording.events,
            trajectories: study.recording.trajectories,
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// What the study's runs record.
    pub fn recording(&self) -> Recording {
        Recording {
            snapshots: self.snapshots.clone(),
            events: self.events,
            trajectories: self.trajectories,
        }
    }

    /// The sweep design.
    pub fn design(&self) -> Design<Level> {
        Design {
            paths: self.design.paths.clone(),
            points: self.design.points.clone(),
        }
    }
}

/// One run's chunk of a data file as it was written: the exact bytes of its
/// rows (each line with its `\n`), counted and hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunChecksum {
    /// The run's point.
    pub point: u32,
    /// The run's replicate.
    pub replicate: u32,
    /// Its number of rows (lines).
    pub rows: u64,
    /// The CRC-32 (IEEE, as zlib and `crc32fast`) of its bytes, 8 lowercase
    /// hex digits.
    pub crc32: String,
}

impl RunChecksum {
    /// The checksum of run (`point`, `replicate`) whose chunk has `rows`
    /// rows and hashed to `crc32`.
    pub fn new(point: u32, replicate: u32, rows: u64, crc32: u32) -> RunChecksum {
        RunChecksum {
            point,
            replicate,
            rows,
            crc32: format!("{crc32:08x}"),
        }
    }

    /// The run, (point, replicate).
    pub fn run(&self) -> (u32, u32) {
        (self.point, self.replicate)
    }
}

/// The checksums of a folder: data file name (`timeseries.csv`, `runs.csv`,
/// `roster_<year>.csv`) to one entry per run, in the file's order.
pub type Checksums = BTreeMap<String, Vec<RunChecksum>>;

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
    /// How far it got.
    pub status: Status,
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
    pub identity: Identity,
    /// Every run of this folder, with its stream key and status.
    pub runs: Vec<RunRecord>,
    /// Per data file, each run's row count and CRC-32 as assembled (empty
    /// until the files are; absent in folders of earlier versions).
    #[serde(default)]
    pub checksums: Checksums,
    /// The fully resolved scenario, every default filled in.
    pub scenario: serde_json::Value,
}

impl Manifest {
    /// Reads `dir/manifest.json`; an input error if it is absent or
    /// unreadable.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
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
        output::write_json(&dir.join(MANIFEST), self)
    }

    /// Reads the manifest of `dir`, a folder that must hold a whole,
    /// complete run (not one still running or stopped, not one shard of a
    /// study): what `report` and `compare` read.
    pub fn read_whole_run(dir: &Path) -> Result<Manifest> {
        let manifest = Manifest::read(dir)?;
        if manifest.status != Status::Complete {
            return Err(Error::BadInput(format!(
                "{}: the run is not complete (status `{}`); finish it with `succession run ... --resume`",
                dir.join(MANIFEST).display(),
                manifest.status
            )));
        }
        if let Some(shard) = manifest.shard {
            return Err(Error::BadInput(format!(
                "{}: shard {}/{} of a study, holding only some of its runs; merge the shards first (`succession merge`)",
                dir.display(),
                shard.index,
                shard.count
            )));
        }
        Ok(manifest)
    }

    /// The resolved scenario's replicate count (None if the manifest lacks
    /// it).
    pub fn replicates(&self) -> Option<u32> {
        self.scenario
            .get("replicates")
            .and_then(serde_json::Value::as_u64)
            .and_then(|r| u32::try_from(r).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::ensemble::RunStatus;

    fn study() -> Study {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/sweep/grid.toml");
        Study::load(&path, &[], &Recording::snapshots(&[1980, 1960]), None).expect("the grid loads")
    }

    /// The identity as earlier versions built it, untyped: folders they
    /// wrote must compare equal and serialise to the same bytes.
    fn untyped_identity(study: &Study) -> serde_json::Value {
        let mut scenario = serde_json::to_value(&study.scenario).unwrap();
        scenario.as_object_mut().unwrap().remove("replicates");
        serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "scenario": scenario,
            "design": { "paths": study.design.paths, "points": study.design.points },
            "snapshots": study.recording.snapshots,
        })
    }

    #[test]
    fn identity_serialises_exactly_as_the_untyped_one_did_and_reads_back_equal() {
        let study = study();
        let typed = Identity::of(&study);
        let old = untyped_identity(&study);
        assert_eq!(
            serde_json::to_string_pretty(&typed).unwrap(),
            serde_json::to_string_pretty(&old).unwrap()
        );
        let read: Identity = serde_json::from_value(old).unwrap();
        assert_eq!(read, typed);
        assert_eq!(read.design().points.len(), 9);
    }

    #[test]
    fn a_design_writes_numbers_as_numbers_and_levels_as_strings_and_booleans() {
        let design = DesignIdentity {
            paths: vec![
                "elections.rule".into(),
                "elections.enabled".into(),
                "mentoring.rate".into(),
            ],
            points: vec![vec![
                Level::Text("committee"),
                Level::Bool(false),
                Level::Number(0.1),
            ]],
        };
        let text = serde_json::to_string(&design).unwrap();
        assert_eq!(
            text,
            r#"{"paths":["elections.rule","elections.enabled","mentoring.rate"],"points":[["committee",false,0.1]]}"#
        );
        assert_eq!(
            serde_json::from_str::<DesignIdentity>(&text).unwrap(),
            design
        );
        // Whole numbers as an untyped manifest wrote them read as numbers.
        let numeric: DesignIdentity =
            serde_json::from_str(r#"{"paths":["a"],"points":[[1],[0.5]]}"#).unwrap();
        assert_eq!(numeric.points, [[Level::Number(1.0)], [Level::Number(0.5)]]);
        // A word no parameter allows makes a malformed manifest.
        assert!(
            serde_json::from_str::<DesignIdentity>(r#"{"paths":["a"],"points":[["nonsense"]]}"#)
                .is_err()
        );
    }

    #[test]
    fn statuses_are_the_old_words_and_any_other_run_word_is_pending() {
        for (status, word) in [
            (Status::Running, "running"),
            (Status::Complete, "complete"),
            (Status::Failed, "failed"),
            (Status::Interrupted, "interrupted"),
        ] {
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{word}\"")
            );
            assert_eq!(status.to_string(), word);
            assert_eq!(
                serde_json::from_str::<Status>(&format!("\"{word}\"")).unwrap(),
                status
            );
        }
        assert!(serde_json::from_str::<Status>("\"done\"").is_err());
        let run = |word: &str| serde_json::from_str::<RunStatus>(&format!("\"{word}\"")).unwrap();
        assert_eq!(run("complete"), RunStatus::Complete);
        assert_eq!(run("pending"), RunStatus::Pending);
        assert_eq!(run("running"), RunStatus::Pending);
        assert_eq!(
            serde_json::to_string(&RunStatus::Pending).unwrap(),
            "\"pending\""
        );
        assert_eq!(
            serde_json::to_string(&RunStatus::Complete).unwrap(),
            "\"complete\""
        );
    }

    #[test]
    fn replicates_are_read_through_the_typed_accessor() {
        let study = study();
        let text = format!(
            r#"{{"tool":"succession","version":"x","scenario_file":"f","overrides":[],
            "status":"running","started":"t","finished":null,"seconds":null,"threads":1,
            "shard":null,"snapshots":[],"estimate":{{"runs":1,"community_years":1,
            "peak_memory_bytes":1,"output_bytes":1}},"identity":{},"runs":[],
            "scenario":{{"replicates":7}}}}"#,
            untyped_identity(&study)
        );
        let manifest: Manifest = serde_json::from_str(&text).unwrap();
        assert_eq!(manifest.replicates(), Some(7));
        assert_eq!(manifest.status, Status::Running);
        assert_eq!(manifest.identity, Identity::of(&study));
    }
}
