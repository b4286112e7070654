//! The run-folder layer: the files a study leaves on disk (CSV, part files,
//! the manifest) and the checking and interleaving of shard folders. It is
//! the only layer that writes files, and it never changes a figure: it
//! formats what the study computed.

pub mod layout;
/// Whether a path can be an output folder (checked before anything is run, so
/// an impossible `--out` is bad input, not a failed `mkdir` after the run).
pub mod location;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod output;
pub mod read;
pub mod schema;
