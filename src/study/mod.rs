//! The study layer: what a researcher asks for, computed in memory. A
//! [`Study`] is a scenario with its sweep design, replicates, roster and
//! shard; this layer resolves and validates it, runs its runs and computes
//! their summary figures and calibration comparisons. It reads input files
//! (through the scenario layer) and never writes any: the run folder is the
//! layer above.

pub mod abc;
pub mod calibration;
pub mod compare;
pub mod ensemble;
pub mod patterns;
pub mod record;
pub mod sensitivity;
pub mod summary;
pub mod sweep;

pub use ensemble::{
    Estimate, Part, RunRecord, RunResult, RunSink, RunStatus, Shard, SnapshotStream, Study,
};
pub use record::Recording;
