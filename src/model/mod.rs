//! The model of MODEL.md sections 1–4 as a pure library: community state,
//! one function per step of the year, observation. No I/O, no clock, no
//! ambient randomness: every draw comes from the community's own stream.
//!
//! OWNED BY THE ENGINE HELPER: the API below is the contract; the bodies
//! are being written.

use crate::scenario::{Cohort, Kind, Scenario};

/// A seated leader.
#[derive(Clone, Debug, PartialEq)]
pub struct Leader {
    /// The leader's generation.
    pub cohort: Cohort,
    /// Index into `Scenario::channels` of the channel they entered by.
    pub channel: u16,
    /// Age in years (real, never rounded).
    pub age: f64,
    /// Whole years in this team.
    pub tenure: u32,
    /// k ∈ [0, 1].
    pub knowledge: f64,
    /// e ∈ [0, 1].
    pub experience: f64,
    /// t ∈ [0, 1].
    pub trust: f64,
}

/// One community: its kind and one leader or a vacancy per seat.
#[derive(Clone, Debug, PartialEq)]
pub struct Community {
    /// The community's index in the run: its random stream.
    pub index: u64,
    /// Urban or rural.
    pub kind: Kind,
    /// One entry per seat, in seat order.
    pub seats: Vec<Option<Leader>>,
}

/// The key of one run's random streams (MODEL.md section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey(pub [u8; 32]);

impl StreamKey {
    /// The key for (scenario seed, replicate), plus the point when
    /// `seeds = "independent"` (`point = None` for common random numbers).
    pub fn new(seed: u64, replicate: u32, point: Option<u32>) -> Self {
        let _ = (seed, replicate, point);
        todo!()
    }
    /// The key as 64 hex digits, for the manifest.
    pub fn to_hex(&self) -> String {
        todo!()
    }
}

/// The communities of a run before its first year, all seats vacant:
/// `communities` of them, the first round(urban_share · N) urban.
pub fn vacant_communities(scenario: &Scenario) -> Vec<Community> {
    let _ = scenario;
    todo!()
}

/// One row of metrics (MODEL.md section 4) for one year of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct YearMetrics {
    /// The calendar year.
    pub year: i32,
    /// Values in the order of [`metric_columns`]; `None` where the
    /// denominator is 0.
    pub values: Vec<Option<f64>>,
}

/// The metric column names for `scenario`, in output order.
pub fn metric_columns(scenario: &Scenario) -> Vec<String> {
    let _ = scenario;
    todo!()
}

/// Per-year parameter values computed once per run from the scenario.
pub struct Plan {
    _private: (),
}

impl Plan {
    /// Precomputes every schedule for every year of `scenario`.
    pub fn new(scenario: &Scenario) -> Plan {
        let _ = scenario;
        todo!()
    }
}

/// Runs all years of one run. `on_year_end(year, communities)` sees the
/// state at the end of every year (after step 6), e.g. for snapshots.
/// Parallel over communities with rayon; the result does not depend on the
/// thread count.
pub fn run(
    plan: &Plan,
    communities: Vec<Community>,
    key: &StreamKey,
    on_year_end: &mut dyn FnMut(i32, &[Community]),
) -> Vec<YearMetrics> {
    let _ = (plan, communities, key, on_year_end);
    todo!()
}
