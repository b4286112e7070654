//! Merging a complete shard set into one run folder, in place: the shards
//! are checked first (nothing is written if one is refused), the folder is
//! claimed like a run's (locked; `--force` replaces only the files of the
//! run there), and the manifest says `running` until every file is in
//! place, so a merge killed at any moment is completed by merging again
//! with `--force`.

use super::{Mode, claim, timestamp, write_after_assembly, write_after_manifest};
use crate::folder::lock::FolderLock;
use crate::folder::manifest::{Manifest, Status};
use crate::folder::merge::ShardSet;
use crate::folder::output::{self, RunFolder};
use crate::scenario::Sensitivity;
use crate::study::ensemble::RunRecord;
use crate::study::sweep::{Design, Level};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A request to merge shard folders.
#[derive(Clone, Debug)]
pub struct MergeRequest {
    /// The shard folders, all of them, in any order.
    pub shards: Vec<PathBuf>,
    /// The merged run folder.
    pub out: PathBuf,
    /// [`Mode::Replace`] replaces an existing run folder; anything else
    /// refuses one.
    pub mode: Mode,
}

/// Merges the shards of `request`; returns the number of shards merged.
pub fn merge(request: &MergeRequest) -> Result<usize> {
    crate::folder::location::check_location(&request.out)?;
    // Shards being written by another process are refused, and stay
    // unwritten while they are read.
    let _shard_locks = request
        .shards
        .iter()
        .map(|dir| FolderLock::shared(dir))
        .collect::<Result<Vec<_>>>()?;
    let shards = ShardSet::open(&request.shards)?;
    let out = resolved(&request.out);
    for shard_dir in &shards.dirs {
        let shard_dir = resolved(shard_dir);
        if out.starts_with(&shard_dir) || shard_dir.starts_with(&out) {
            return Err(Error::BadInput(format!(
                "--out {}: overlaps the shard folder {}; merge into a folder of its own",
                request.out.display(),
                shard_dir.display()
            )));
        }
    }
    let mode = match request.mode {
        Mode::Replace => Mode::Replace,
        Mode::Fresh | Mode::Resume => Mode::Fresh,
    };
    let design = shards.design();
    let claimed = claim::claim(&request.out, mode, "`succession merge`", None)?;
    merge_into(&shards, &design, &claimed.folder)?;
    Ok(shards.dirs.len())
}

/// Writes the merged files of `shards` into `folder`: the manifest first
/// (`running`), the data files, those that follow, the manifest complete.
fn merge_into(shards: &ShardSet, design: &Design<Level>, folder: &RunFolder) -> Result<()> {
    let started_at = Instant::now();
    let first = &shards.manifests[0];
    let mut runs: Vec<RunRecord> = shards
        .manifests
        .iter()
        .flat_map(|m| m.runs.iter().cloned())
        .collect();
    runs.sort_by_key(|r| (r.point, r.replicate));
    let mut merged = Manifest {
        status: Status::Running,
        started: shards
            .manifests
            .iter()
            .map(|m| m.started.clone())
            .min()
            .unwrap_or_default(),
        finished: None,
        seconds: None,
        shard: None,
        runs,
        checksums: shards.checksums(),
        ..first.clone()
    };
    merged.write(&folder.dir)?;
    folder.write_points(design)?;
    for kind in output::part_kinds(&first.identity.recording()) {
        shards.interleave(&output::data_file(&kind), folder)?;
    }
    // The shards hold one scenario (ShardSet::open checks their identities);
    // its identity is the resolved scenario without `replicates`.
    let scenario = &first.identity.scenario;
    let unreadable =
        |what: &str| Error::Runtime(format!("the shards' manifest: {what} unreadable"));
    let analysis: Option<Sensitivity> = match scenario.get("sensitivity") {
        Some(v) => serde_json::from_value(v.clone()).map_err(|_| unreadable("sensitivity"))?,
        None => None,
    };
    let seed = scenario
        .get("seed")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| unreadable("seed"))?;
    write_after_assembly(folder, design, true, analysis.as_ref().map(|a| (a, seed)))?;
    write_after_manifest(folder)?;
    merged.status = Status::Complete;
    merged.finished = Some(timestamp());
    merged.seconds = Some(started_at.elapsed().as_secs_f64());
    merged.write(&folder.dir)
}

/// `path` made absolute and, as far as it exists, free of symlinks and
/// `..`, for comparing folders.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => {
            std::fs::canonicalize(parent).map_or(absolute.clone(), |p| p.join(name))
        }
        _ => absolute,
    }
}
