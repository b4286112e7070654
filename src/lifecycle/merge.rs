//! Merging a complete shard set into one run folder: checked first, merged
//! into a sibling staging folder, renamed into place at the end, so a
//! failure leaves neither a half-merged folder nor a damaged old one.

use super::{Mode, timestamp, write_after_assembly, write_after_manifest};
use crate::folder::manifest::{Manifest, Status};
use crate::folder::merge::ShardSet;
use crate::folder::output::{self, Existing, RunFolder};
use crate::study::ensemble::RunRecord;
use crate::study::sweep::Design;
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
    let existing = match request.mode {
        Mode::Replace => Existing::Replace,
        Mode::Fresh | Mode::Resume => Existing::Refuse,
    };
    let target = RunFolder::check(&request.out, existing)?;
    let design = shards.design();

    let mut staging_name = std::ffi::OsString::from(".");
    staging_name.push(out.file_name().unwrap_or_default());
    staging_name.push(format!(".merging-{}", std::process::id()));
    let staging = RunFolder {
        dir: out.with_file_name(staging_name),
    };
    if let Err(e) = merge_into(&shards, &design, &staging) {
        let _ = std::fs::remove_dir_all(&staging.dir);
        return Err(e);
    }
    if target.dir.exists() {
        std::fs::remove_dir_all(&target.dir).map_err(|e| Error::io(&target.dir, e))?;
    }
    std::fs::rename(&staging.dir, &target.dir).map_err(|e| Error::io(&target.dir, e))?;
    Ok(shards.dirs.len())
}

/// Writes the merged files of `shards` into `folder`.
fn merge_into(shards: &ShardSet, design: &Design, folder: &RunFolder) -> Result<()> {
    let started_at = Instant::now();
    folder.create()?;
    folder.write_points(design)?;
    let first = &shards.manifests[0];
    for kind in output::part_kinds(&first.snapshots) {
        shards.interleave(&output::data_file(&kind), folder)?;
    }
    write_after_assembly(folder, design, true)?;

    let mut runs: Vec<RunRecord> = shards
        .manifests
        .iter()
        .flat_map(|m| m.runs.iter().cloned())
        .collect();
    runs.sort_by_key(|r| (r.point, r.replicate));
    let merged = Manifest {
        status: Status::Complete,
        started: shards
            .manifests
            .iter()
            .map(|m| m.started.clone())
            .min()
            .unwrap_or_default(),
        finished: Some(timestamp()),
        seconds: Some(started_at.elapsed().as_secs_f64()),
        shard: None,
        runs,
        checksums: shards.checksums(),
        ..first.clone()
    };
    merged.write(&folder.dir)?;
    folder.remove_parts()?;
    write_after_manifest(folder)
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
