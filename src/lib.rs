//! `succession`: an agent-based model of community elite succession in
//! grassroots governance (see MODEL.md), with the scenario format, output
//! files and run orchestration around it.
//!
//! The [`model`] module is pure: state and one function per step of the
//! year, no I/O, no clock, no ambient randomness. Everything else (scenario
//! files, rosters, CSV, manifests, the CLI) lives around it.
#![deny(missing_docs)]

pub mod chart;
pub mod error;
pub mod folder;
pub mod lifecycle;
pub mod model;
pub mod scenario;
pub mod study;

pub use error::{Error, Result};
