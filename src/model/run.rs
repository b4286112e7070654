//! One run: all communities, year by year, in parallel over fixed chunks.
//!
//! The loop is year-major: every community does year y before any does year
//! y + 1, so memory is the state plus one capacity per community, and each
//! year's row and `on_year_end` see a consistent state. Within a year,
//! communities are split into chunks of [`CHUNK`] (a constant, never the
//! thread count); each chunk sums its communities in index order into its
//! own [`Tally`], and the partial tallies are merged in chunk order. The
//! float sums therefore have one fixed order of addition, and the rows are
//! bit-identical for any thread count or scheduling. A chunk is also the
//! block whose issue totals are drawn together (MODEL.md section 3.1), so
//! [`CHUNK`] is part of the stream contract: changing it changes the bytes.

use rayon::prelude::*;

use super::events::{EventSample, SeatEvent};
use super::metrics::{Tally, YearMetrics};
use super::plan::Plan;
use super::state::Community;
use super::stream::StreamKey;
use super::year::{issue_totals, step_community};

/// Communities per unit of parallel work and per block of issue totals
/// (MODEL.md section 3.1; part of the stream contract). Large enough that a chunk's work
/// (about a millisecond) dwarfs rayon's scheduling cost, small enough that
/// 10,000 communities still spread over ten threads.
pub const CHUNK: usize = 1024;

/// What a run shows at the end of each year (after step 6).
#[derive(Clone, Copy, Debug)]
pub struct YearEnd<'a> {
    /// The calendar year.
    pub year: i32,
    /// Every community's state, in index order.
    pub communities: &'a [Community],
    /// Each community's governance capacity this year (step 1), in the
    /// same order.
    pub capacities: &'a [f64],
    /// The year's seat events of the sampled communities, in community
    /// order and, within a community, in the order they happened (empty
    /// when events are not recorded).
    pub events: &'a [SeatEvent],
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
    run_recorded(plan, communities, key, None, &mut |end| {
        on_year_end(end.year, end.communities)
    })
}

/// [`run`], keeping the seat events of the communities in `events` and
/// showing each year's end (with those events and every community's
/// capacity) to `on_year_end`. Recording draws nothing: the metrics are
/// the same with or without it.
pub fn run_recorded(
    plan: &Plan,
    mut communities: Vec<Community>,
    key: &StreamKey,
    events: Option<EventSample>,
    on_year_end: &mut dyn FnMut(&YearEnd<'_>),
) -> Vec<YearMetrics> {
    // The run's shock path, when a channel has one (MODEL.md section 7.2).
    let plan = &*plan.for_run(key);
    let n_channels = plan.n_channels();
    let mut capacities = vec![0.0; communities.len()];
    let mut rows = Vec::with_capacity(plan.n_years());
    for year_index in 0..plan.n_years() {
        let partials: Vec<Tally> = communities
            .par_chunks_mut(CHUNK)
            .zip(capacities.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(block, (chunk, chunk_capacities))| {
                let mut tally = Tally::recording(n_channels, events);
                for (community, capacity) in chunk.iter_mut().zip(chunk_capacities) {
                    *capacity = step_community(plan, key, year_index, community, &mut tally);
                }
                issue_totals(key, block as u64, year_index, &mut tally);
                tally
            })
            .collect();
        let mut total = Tally::recording(n_channels, events);
        for partial in &partials {
            total.merge(partial);
        }
        let year = plan.year(year_index);
        on_year_end(&YearEnd {
            year,
            communities: &communities,
            capacities: &capacities,
            events: total.events.as_ref().map_or(&[], |log| &log.events),
        });
        // Percentiles reorder `capacities`; they are rewritten next year.
        rows.push(YearMetrics::from_tally(year, &total, &mut capacities));
    }
    rows
}
