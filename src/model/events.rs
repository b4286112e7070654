//! Who replaced whom: the seat events of steps 4 to 6 (a leader leaving, a
//! leader taking a seat) and the hand-over of each seat from the start of
//! the year to its end.
//!
//! Recording changes no draw: the events are copies of what the steps did,
//! kept only for the communities of an [`EventSample`]. The hand-over
//! counts come from the events of every community: a seat has at most one
//! exit and one entry a year, the exit first (an exit leaves the seat
//! vacant until an election or recruitment fills it, and a leader who
//! entered this year faces no hazard until the next), so its holder at the
//! start of the year is the leaving leader's cohort (vacant if its first
//! event is an entry) and at the end the entrant's (vacant if its last is
//! an exit). Seats without events keep their holder: the diagonal.

use super::params::Cohort;
use super::state::{ExitReason, Leader};

/// How a leader took a seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Step 6: a vacant seat filled by the best candidate.
    Recruitment,
    /// Step 5: the winner of an election (a challenger who beat the
    /// incumbent, or a committee list's winner).
    Election,
}

super::params::named_enum!(Route {
    Recruitment => "recruitment",
    Election => "election",
});

/// What happened to a seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Its leader left, for this reason.
    Exit(ExitReason),
    /// A leader took it, by this route.
    Entry(Route),
}

/// One seat event: the leader as they left, or as they entered (tenure 0).
#[derive(Clone, Debug, PartialEq)]
pub struct SeatEvent {
    /// The community's index.
    pub community: u64,
    /// The seat's index in the community.
    pub seat: u32,
    /// Exit or entry.
    pub change: Change,
    /// The leader's fields at the moment of the event.
    pub leader: Leader,
}

/// Which communities' events are kept: a fraction F of them, spread evenly
/// over the community index (community i is kept when ⌊(i + 1) F⌋ >
/// ⌊i F⌋), so the same communities in every replicate and point, and both
/// kinds in proportion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventSample {
    fraction: f64,
}

impl EventSample {
    /// The sample of fraction `fraction`, which must be in (0, 1].
    pub fn new(fraction: f64) -> Option<EventSample> {
        (fraction > 0.0 && fraction <= 1.0).then_some(EventSample { fraction })
    }

    /// The fraction F.
    pub fn fraction(self) -> f64 {
        self.fraction
    }

    /// Whether community `index` is kept.
    #[inline]
    pub fn contains(self, index: u64) -> bool {
        self.fraction >= 1.0
            || ((index + 1) as f64 * self.fraction).floor() > (index as f64 * self.fraction).floor()
    }
}

/// Who holds a seat: a cohort, or nobody. The rows and columns of the
/// hand-over matrix, in this order: [`Cohort::ALL`], then vacant.
pub const HOLDERS: usize = Cohort::ALL.len() + 1;

/// The holder index of a vacant seat.
pub const VACANT: usize = Cohort::ALL.len();

/// The holders' names in holder order: the cohorts', then `vacant` (the
/// `from` and `to` of `transitions.csv`).
pub const HOLDER_NAMES: [&str; HOLDERS] = {
    let mut names = ["vacant"; HOLDERS];
    let mut i = 0;
    while i < Cohort::NAMES.len() {
        names[i] = Cohort::NAMES[i];
        i += 1;
    }
    names
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_keeps_its_fraction_spread_over_the_index() {
        let every = EventSample::new(1.0).unwrap();
        assert!((0..1000).all(|i| every.contains(i)));
        let tenth = EventSample::new(0.1).unwrap();
        let kept: Vec<u64> = (0..100).filter(|&i| tenth.contains(i)).collect();
        assert_eq!(kept, [9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
        let third = EventSample::new(1.0 / 3.0).unwrap();
        assert_eq!((0..3000).filter(|&i| third.contains(i)).count(), 1000);
        assert_eq!(EventSample::new(0.0), None);
        assert_eq!(EventSample::new(1.5), None);
        assert_eq!(EventSample::new(f64::NAN), None);
    }

    #[test]
    fn holders_are_the_cohorts_then_vacant() {
        assert_eq!(
            HOLDER_NAMES,
            ["revolutionary", "experience", "knowledge", "vacant"]
        );
        assert_eq!(HOLDER_NAMES[VACANT], "vacant");
    }
}
