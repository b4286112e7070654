//! The model's state (MODEL.md section 1): leaders, communities, and the
//! initial all-vacant communities of a run without a roster.

use super::params::{Cohort, Kind, Parameters, Skills, named_enum};

/// A seated leader.
#[derive(Clone, Debug, PartialEq)]
pub struct Leader {
    /// The leader's generation.
    pub cohort: Cohort,
    /// Index into `Parameters::channels` of the channel they entered by.
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

impl Leader {
    /// The leader's knowledge, experience and trust.
    #[inline]
    pub fn skills(&self) -> Skills {
        Skills {
            knowledge: self.knowledge,
            experience: self.experience,
            trust: self.trust,
        }
    }
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
    /// Pool mode (MODEL.md section 7.1): the people available to the
    /// community per channel, in channel order; empty in `per_vacancy`
    /// mode (filled before the first year's step 1).
    pub pools: Vec<u64>,
}

/// Why a leader left a seat: the five hazards of step 4 in their fixed
/// order, then elections (step 5). The order is the order of the
/// `exits_<reason>` columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// Gompertz mortality.
    Death,
    /// Logistic retirement around R(year).
    Retirement,
    /// End of a secondment (`secondment_years` reached).
    Rotation,
    /// Promoted upward (below `promotion.max_age`).
    Promotion,
    /// Any other departure, `base_c · exp(−τ t)`.
    Turnover,
    /// Over the age cap, or beaten by a challenger, at an election.
    Election,
}

// The order is the order of the `exits_<reason>` columns.
named_enum!(ExitReason {
    Death => "death",
    Retirement => "retirement",
    Rotation => "rotation",
    Promotion => "promotion",
    Turnover => "turnover",
    Election => "election",
});

impl ExitReason {
    /// The hazards of step 4, in the order they are tested.
    pub const HAZARDS: [ExitReason; 5] = [
        ExitReason::Death,
        ExitReason::Retirement,
        ExitReason::Rotation,
        ExitReason::Promotion,
        ExitReason::Turnover,
    ];

    /// Position in [`ExitReason::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Position of `kind` in per-kind arrays of the engine (urban 0, rural 1,
/// the order of [`Kind::ALL`]).
pub(crate) fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Urban => 0,
        Kind::Rural => 1,
    }
}

/// The number of urban communities among `n_communities`:
/// round(urban_share · N), halves rounded up, never more than N.
pub fn n_urban(n_communities: u64, urban_share: f64) -> u64 {
    // `f64::round` rounds halves away from zero: up, for the non-negative
    // values here (and, unlike `floor(x + 0.5)`, exactly).
    let urban = (urban_share * n_communities as f64).round();
    if urban <= 0.0 {
        0
    } else {
        (urban as u64).min(n_communities)
    }
}

/// The communities of a run before its first year, all seats vacant:
/// `communities` of them, the first round(urban_share · N) urban.
pub fn vacant_communities(parameters: &Parameters) -> Vec<Community> {
    let n_communities = u64::from(parameters.communities);
    let n_urban = n_urban(n_communities, parameters.urban_share);
    (0..n_communities)
        .map(|index| {
            let kind = if index < n_urban {
                Kind::Urban
            } else {
                Kind::Rural
            };
            let n_seats = *parameters.team.seats.get(kind) as usize;
            Community {
                index,
                kind,
                seats: vec![None; n_seats],
                pools: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urban_count_rounds_half_up() {
        assert_eq!(n_urban(10, 0.25), 3); // 2.5 → 3
        assert_eq!(n_urban(10, 0.24), 2);
        assert_eq!(n_urban(10_000, 0.18), 1800);
        assert_eq!(n_urban(3, 1.0), 3);
        assert_eq!(n_urban(3, 0.0), 0);
        assert_eq!(n_urban(0, 0.5), 0);
    }
}
