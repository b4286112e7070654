//! The model of MODEL.md sections 1–4 and 7 as a pure library: community state,
//! one function per step of the year, observation. No I/O, no clock, no
//! ambient randomness: every draw comes from the community's own stream.
//!
//! - [`params`]: the model's vocabulary (kinds, cohorts, skills, issue
//!   types, schedules, distributions, channels) and the [`Parameters`] a
//!   plan is built from;
//! - [`state`]: leaders, communities, exit reasons;
//! - [`stream`]: the run's [`StreamKey`] and the per-community-year stream;
//! - `hazards`: the exit hazards' formulas, shared by the plan's bounds and
//!   step 4;
//! - `samplers`: which exact samplers a plan uses ([`Samplers`]) and the
//!   fast ones, built once per run (tabled Poisson and beta laws, binomial
//!   inversion);
//! - [`plan`]: every schedule evaluated once per year ([`Plan`]);
//! - `candidates`: the candidate draw of steps 5 and 6;
//! - `challengers`: the seat rule's best challenger without drawing the
//!   pool (the default samplers under the seat rule);
//! - `committee`: the committee election of MODEL.md section 7.3;
//! - [`year`]: the steps of one year of one community ([`step_community`]);
//! - [`events`]: the seat events and the hand-over of seats (who replaced
//!   whom);
//! - [`metrics`]: the per-year [`Tally`] and the metric row;
//! - [`run`](mod@run): all communities, all years, in parallel.

mod candidates;
mod challengers;
mod committee;
pub mod events;
mod hazards;
pub mod metrics;
pub mod params;
pub mod plan;
pub mod run;
mod samplers;
pub mod schema;
pub mod state;
pub mod stream;
pub mod year;

pub use events::{EventSample, SeatEvent};
pub use metrics::{Tally, YearMetrics, metric_columns};
pub use params::{Parameters, Skill, Skills};
pub use plan::{Plan, YearPlan};
pub use run::{CHUNK, YearEnd, run, run_recorded};
pub use samplers::Samplers;
pub use state::{Community, ExitReason, Leader, n_urban, vacant_communities};
pub use stream::{BLOCK, Stream, StreamKey, community_rng, issue_block_rng, shock_rng};
pub use year::{
    Demand, ageing, demand_and_resolution, elections, exits, initial_pools, issue_totals, learning,
    pool_flows, recruitment, seat_elections, step_community,
};

#[cfg(test)]
pub(crate) mod testing;
