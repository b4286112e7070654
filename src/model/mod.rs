//! The model of MODEL.md sections 1–4 as a pure library: community state,
//! one function per step of the year, observation. No I/O, no clock, no
//! ambient randomness: every draw comes from the community's own stream.
//!
//! - [`state`]: leaders, communities, exit reasons;
//! - [`stream`]: the run's [`StreamKey`] and the per-community-year stream;
//! - [`plan`]: every schedule evaluated once per year ([`Plan`]);
//! - `samplers`: fast exact samplers built once per run (tabled Poisson
//!   and beta laws, binomial inversion);
//! - [`year`]: the steps of one year of one community ([`step_community`]);
//! - [`metrics`]: the per-year [`Tally`] and the metric row;
//! - [`run`](mod@run): all communities, all years, in parallel.

pub mod metrics;
pub mod plan;
pub mod run;
mod samplers;
pub mod schema;
pub mod state;
pub mod stream;
pub mod year;

pub use metrics::{Tally, YearMetrics, metric_columns};
pub use plan::{Plan, Samplers, YearPlan};
pub use run::{CHUNK, run};
pub use state::{Community, ExitReason, Leader, n_urban, vacant_communities};
pub use stream::{BLOCK, StreamKey, community_rng};
pub use year::{
    ageing, demand_and_resolution, elections, exits, learning, recruitment, step_community,
};

#[cfg(test)]
pub(crate) mod testing;
