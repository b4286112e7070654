//! `succession merge`: combines the complete shards of a study, run
//! separately (e.g. as a Slurm job array), into exactly the CSV files one
//! whole run would have written.
//!
//! Shard `i` of `n` holds the runs at positions `i, i + n, i + 2n, …` of the
//! (point, replicate) order, so the merged files are an interleaving of the
//! shards' files, streamed row by row with flat memory.
//!
//! Before anything is written, every shard's data files are verified
//! against the checksums its manifest recorded when they were written
//! ([`verify_folder`]): a file cut short, with rows repeated, missing or
//! altered, is refused, naming the file and the run. The merged manifest's
//! checksums are the shards' ([`ShardSet::checksums`]): the merged files'
//! chunks are the shards' chunks, copied unchanged.

use crate::folder::manifest::{Checksums, Identity, MANIFEST, Manifest, RunChecksum, Status};
use crate::folder::output::{self, RunFolder};
use crate::scenario::Scenario;
use crate::study::ensemble::{self, Shard};
use crate::study::sweep::{Design, Level};
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Lines, Write};
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
    /// missing shards, and shards whose data files do not match their
    /// manifest's checksums ([`ShardSet::verify`]).
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
        let set = ShardSet { dirs, manifests };
        set.verify()?;
        Ok(set)
    }

    /// Verifies every shard's data files against its manifest's checksums
    /// (see [`verify_folder`]).
    pub fn verify(&self) -> Result<()> {
        for (dir, manifest) in self.dirs.iter().zip(&self.manifests) {
            verify_folder(dir, manifest)?;
        }
        Ok(())
    }

    /// The checksums of the merged files: the shards' entries in the whole
    /// study's (point, replicate) order, since each merged file is the
    /// shards' chunks of it, interleaved unchanged.
    pub fn checksums(&self) -> Checksums {
        let mut merged = Checksums::new();
        for manifest in &self.manifests {
            for (name, sums) in &manifest.checksums {
                merged
                    .entry(name.clone())
                    .or_default()
                    .extend_from_slice(sums);
            }
        }
        for sums in merged.values_mut() {
            sums.sort_by_key(RunChecksum::run);
        }
        merged
    }

    /// The sweep design all shards share.
    pub fn design(&self) -> Design<Level> {
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

    /// Writes the interleaving of the shards' `name` files into `out`. A
    /// run has rows in every file but those its shard's checksums record
    /// with none (no seat event in its sampled communities).
    pub fn interleave(&self, name: &str, out: &RunFolder) -> Result<()> {
        let runs = self.all_runs();
        let without_rows: Vec<std::collections::HashSet<(u32, u32)>> = self
            .manifests
            .iter()
            .map(|manifest| {
                manifest
                    .checksums
                    .get(name)
                    .into_iter()
                    .flatten()
                    .filter(|sum| sum.rows == 0)
                    .map(|sum| sum.run())
                    .collect()
            })
            .collect();
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
        let io = |e| Error::io(&target, e);
        output::write_streamed(&target, |writer| {
            writeln!(writer, "{}", header.unwrap_or_default()).map_err(io)?;
            let n_shards = self.dirs.len() as u32;
            for (position, &run) in runs.iter().enumerate() {
                let owner = Shard::owner(position, n_shards) as usize;
                let (path, lines) = &mut readers[owner];
                let mut n_rows = 0;
                while let Some(Ok(line)) = lines.peek() {
                    if output::run_of_row(line) != Some(run) {
                        break;
                    }
                    writeln!(writer, "{line}").map_err(io)?;
                    lines.next();
                    n_rows += 1;
                }
                if n_rows == 0 && !without_rows[owner].contains(&run) {
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
            Ok(())
        })
    }
}

/// What a refusal of a damaged shard file ends with.
const RERUN: &str = "(the file was changed after the shard was written); rerun the shard with --resume \
                     (runs the damaged runs again) or --force";

/// Verifies the data files of the complete folder `dir` (`timeseries.csv`,
/// `runs.csv`, `roster_<year>.csv`) against the checksums of its
/// `manifest`, streaming each once: its header must be the one the study
/// writes, its runs exactly the manifest's runs in order, none missing,
/// repeated or extra, each with its recorded row count and CRC-32. An input
/// error names the file, the run and what differs; a folder of an earlier
/// version, without checksums, is refused with how to add them.
pub fn verify_folder(dir: &Path, manifest: &Manifest) -> Result<()> {
    if manifest.checksums.is_empty() {
        let shard = manifest
            .shard
            .map(|s| format!(" --shard {}/{}", s.index, s.count))
            .unwrap_or_default();
        return Err(Error::BadInput(format!(
            "{}: its manifest records no checksums (written by an earlier version), so its files cannot be verified; \
             `succession run {}{shard} --out {} --resume` (with the same --set and --snapshot) adds them",
            dir.display(),
            manifest.scenario_file,
            dir.display()
        )));
    }
    let manifest_path = dir.join(MANIFEST);
    let scenario: Scenario = serde_json::from_value(manifest.scenario.clone()).map_err(|e| {
        Error::BadInput(format!(
            "{}: malformed scenario: {e}",
            manifest_path.display()
        ))
    })?;
    let parameters = scenario.parameters();
    for kind in output::part_kinds(&manifest.identity.recording()) {
        let name = output::data_file(&kind);
        let recorded = manifest.checksums.get(&name).ok_or_else(|| {
            Error::BadInput(format!(
                "{}: records no checksums of {name}",
                manifest_path.display()
            ))
        })?;
        if recorded
            .iter()
            .map(RunChecksum::run)
            .ne(manifest.runs.iter().map(|r| (r.point, r.replicate)))
        {
            return Err(Error::BadInput(format!(
                "{}: the checksums of {name} do not list the folder's runs in order",
                manifest_path.display()
            )));
        }
        verify_file(
            &dir.join(&name),
            &output::data_header(&kind, &parameters),
            recorded,
        )?;
    }
    Ok(())
}

/// One run's rows as read so far.
struct Chunk<'a> {
    expected: &'a RunChecksum,
    rows: u64,
    crc: crc32fast::Hasher,
}

/// Verifies the data file `path` against its `header` and the checksums
/// `recorded` for it (see [`verify_folder`]).
fn verify_file(path: &Path, header: &str, recorded: &[RunChecksum]) -> Result<()> {
    let damaged = |what: String| Error::BadInput(format!("{}: {what} {RERUN}", path.display()));
    let file = File::open(path).map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
    // A run without rows has none in the file.
    let expected: Vec<&RunChecksum> = recorded.iter().filter(|sum| sum.rows > 0).collect();
    let position: HashMap<(u32, u32), usize> = expected
        .iter()
        .enumerate()
        .map(|(i, sum)| (sum.run(), i))
        .collect();
    let finish = |chunk: Chunk<'_>| -> Result<()> {
        let Chunk {
            expected,
            rows,
            crc,
        } = chunk;
        let (point, replicate) = expected.run();
        if rows != expected.rows {
            return Err(damaged(format!(
                "point {point}, replicate {replicate}: {rows} rows, the manifest recorded {}",
                expected.rows
            )));
        }
        let crc32 = format!("{:08x}", crc.finalize());
        if crc32 != expected.crc32 {
            return Err(damaged(format!(
                "point {point}, replicate {replicate}: its rows' crc32 is {crc32}, the manifest recorded {}",
                expected.crc32
            )));
        }
        Ok(())
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let mut read_line = |line: &mut Vec<u8>| -> Result<bool> {
        line.clear();
        let n = reader
            .read_until(b'\n', line)
            .map_err(|e| Error::io(path, e))?;
        Ok(n > 0)
    };
    read_line(&mut line)?;
    if line != header.as_bytes() {
        return Err(damaged(
            "the header is not the one this study writes".into(),
        ));
    }
    let mut number = 1u64;
    let mut next = 0usize;
    let mut current: Option<Chunk<'_>> = None;
    while read_line(&mut line)? {
        number += 1;
        let run = output::run_of_bytes(&line)
            .ok_or_else(|| damaged(format!("line {number}: not a row of a run")))?;
        if let Some(chunk) = &mut current
            && chunk.expected.run() == run
        {
            chunk.rows += 1;
            chunk.crc.update(&line);
            continue;
        }
        if let Some(chunk) = current.take() {
            finish(chunk)?;
        }
        let (point, replicate) = run;
        match position.get(&run) {
            Some(&i) if i == next => {
                let mut crc = crc32fast::Hasher::new();
                crc.update(&line);
                current = Some(Chunk {
                    expected: expected[i],
                    rows: 1,
                    crc,
                });
                next += 1;
            }
            Some(&i) if i < next => {
                return Err(damaged(format!(
                    "point {point}, replicate {replicate}: its rows appear again at line {number}, after other runs'"
                )));
            }
            Some(_) => {
                let missing = expected[next];
                return Err(damaged(format!(
                    "point {}, replicate {}: missing, the manifest recorded {} rows (line {number} starts point {point}, replicate {replicate})",
                    missing.point, missing.replicate, missing.rows
                )));
            }
            None => {
                return Err(damaged(format!(
                    "point {point}, replicate {replicate}: rows at line {number} of a run the manifest does not record here"
                )));
            }
        }
    }
    if let Some(chunk) = current.take() {
        finish(chunk)?;
    }
    if let Some(missing) = expected.get(next) {
        return Err(damaged(format!(
            "point {}, replicate {}: missing, the manifest recorded {} rows (the file ends at line {number})",
            missing.point, missing.replicate, missing.rows
        )));
    }
    Ok(())
}

fn next_line(lines: &mut Peekable<Lines<BufReader<File>>>, path: &Path) -> Result<Option<String>> {
    lines.next().transpose().map_err(|e| Error::io(path, e))
}
