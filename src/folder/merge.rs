//! `succession merge`: combines the complete shards of a study, run
//! separately (e.g. as a Slurm job array), into exactly the CSV files one
//! whole run would have written.
//!
//! Shard `i` of `n` holds the runs at positions `i, i + n, i + 2n, …` of the
//! (point, replicate) order, so the merged files are an interleaving of the
//! shards' files, streamed row by row with flat memory.

use crate::folder::manifest::{Identity, Manifest, Status};
use crate::folder::output::{self, RunFolder};
use crate::study::ensemble::{self, Shard};
use crate::study::sweep::Design;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Lines, Write};
use std::iter::Peekable;
use std::path::{Path, PathBuf};

/// The shards to merge, checked: one complete shard of the same study for
/// every index.
pub struct ShardSet {
    /// Shard folders by shard index, 0..count.
    pub dirs: Vec<PathBuf>,
    /// Their manifests, in the same order.
    pub manifests: Vec<Manifest>,
}

impl ShardSet {
    /// Reads and checks the shard folders: refuses folders that are not
    /// shards, incomplete shards, shards of another study, duplicated and
    /// missing shards.
    pub fn open(dirs: &[PathBuf]) -> Result<ShardSet> {
        if dirs.is_empty() {
            return Err(Error::BadInput("merge: no shard folders given".into()));
        }
        let mut by_index: BTreeMap<u32, (PathBuf, Manifest)> = BTreeMap::new();
        let mut count = None;
        // The first shard's folder, identity, replicate count and version.
        let mut first: Option<(PathBuf, Identity, Option<u32>, String)> = None;
        for dir in dirs {
            let manifest = Manifest::read(dir)?;
            let shard: Shard = manifest.shard.ok_or_else(|| {
                Error::BadInput(format!(
                    "{}: not a shard (run without --shard); nothing to merge",
                    dir.display()
                ))
            })?;
            if manifest.status != Status::Complete {
                return Err(Error::BadInput(format!(
                    "{}: shard {}/{} is not complete (status `{}`); finish it with `succession run ... --resume`",
                    dir.display(),
                    shard.index,
                    shard.count,
                    manifest.status
                )));
            }
            let replicates = manifest.replicates();
            match &first {
                None => {
                    first = Some((
                        dir.clone(),
                        manifest.identity.clone(),
                        replicates,
                        manifest.version.clone(),
                    ))
                }
                Some((first_dir, identity, first_replicates, version))
                    if *identity != manifest.identity
                        || *first_replicates != replicates
                        || *version != manifest.version =>
                {
                    return Err(Error::BadInput(format!(
                        "{}: shard of a different study than {} (scenario, replicates, sweep design, snapshots or tool version differ)",
                        dir.display(),
                        first_dir.display()
                    )));
                }
                Some(_) => {}
            }
            if *count.get_or_insert(shard.count) != shard.count {
                return Err(Error::BadInput(format!(
                    "{}: split into {} shards, others into {}",
                    dir.display(),
                    shard.count,
                    count.unwrap_or_default()
                )));
            }
            if let Some((other, _)) = by_index.get(&shard.index) {
                return Err(Error::BadInput(format!(
                    "shard {}/{} given twice: {} and {}",
                    shard.index,
                    shard.count,
                    other.display(),
                    dir.display()
                )));
            }
            by_index.insert(shard.index, (dir.clone(), manifest));
        }
        let count = count.expect("dirs is not empty (refused first) and every shard sets count");
        let missing: Vec<String> = (0..count)
            .filter(|i| !by_index.contains_key(i))
            .map(|i| i.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(Error::BadInput(format!(
                "missing shard(s) {} of {count}; merge needs all of them",
                missing.join(", ")
            )));
        }
        let (dirs, manifests) = by_index.into_values().unzip();
        Ok(ShardSet { dirs, manifests })
    }

    /// The sweep design all shards share.
    pub fn design(&self) -> Design {
        self.manifests[0].identity.design()
    }

    /// Every run of the whole study in (point, replicate) order.
    pub fn all_runs(&self) -> Vec<(u32, u32)> {
        let first = &self.manifests[0];
        ensemble::run_list(
            first.identity.design.points.len() as u32,
            first.replicates().unwrap_or(0),
        )
    }

    /// Writes the interleaving of the shards' `name` files into `out`.
    pub fn interleave(&self, name: &str, out: &RunFolder) -> Result<()> {
        let runs = self.all_runs();
        let mut readers = Vec::with_capacity(self.dirs.len());
        let mut header = None;
        for dir in &self.dirs {
            let path = dir.join(name);
            let file = File::open(&path)
                .map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
            let mut lines = BufReader::with_capacity(1 << 20, file).lines().peekable();
            let this_header = next_line(&mut lines, &path)?.unwrap_or_default();
            if *header.get_or_insert_with(|| this_header.clone()) != this_header {
                return Err(Error::BadInput(format!(
                    "{}: header differs from the other shards'",
                    path.display()
                )));
            }
            readers.push((path, lines));
        }
        let target = out.file(name);
        let temp = output::temp_name(&target);
        let file = File::create(&temp).map_err(|e| Error::io(&temp, e))?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        let io = |e| Error::io(&temp, e);
        writeln!(writer, "{}", header.unwrap_or_default()).map_err(io)?;
        let n_shards = self.dirs.len() as u32;
        for (position, &run) in runs.iter().enumerate() {
            let (path, lines) = &mut readers[Shard::owner(position, n_shards) as usize];
            let mut n_rows = 0;
            while let Some(Ok(line)) = lines.peek() {
                if output::run_of_row(line) != Some(run) {
                    break;
                }
                writeln!(writer, "{line}").map_err(io)?;
                lines.next();
                n_rows += 1;
            }
            if n_rows == 0 {
                return Err(Error::BadInput(format!(
                    "{}: has no rows of point {}, replicate {}",
                    path.display(),
                    run.0,
                    run.1
                )));
            }
        }
        for (path, lines) in &mut readers {
            if let Some(line) = next_line(lines, path)? {
                return Err(Error::BadInput(format!(
                    "{}: unexpected row `{line}`",
                    path.display()
                )));
            }
        }
        output::finish_atomically(writer, &target)
    }
}

fn next_line(lines: &mut Peekable<Lines<BufReader<File>>>, path: &Path) -> Result<Option<String>> {
    lines.next().transpose().map_err(|e| Error::io(path, e))
}
