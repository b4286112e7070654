//! `succession`: an agent-based model of community elite succession in
//! grassroots governance (see MODEL.md), with the scenario format, output
//! files and run orchestration around it.
//!
//! The [`model`] module is pure: state and one function per step of the
//! year, no I/O, no clock, no ambient randomness. Everything else (scenario
//! files, rosters, CSV, manifests, the CLI) lives around it.
#![deny(missing_docs)]

pub mod calibration;
pub mod chart;
pub mod ensemble;
pub mod error;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod output;
pub mod roster;
pub mod scenario;
pub mod summary;
pub mod sweep;

pub use error::{Error, Result};
