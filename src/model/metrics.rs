//! Observation (MODEL.md section 4): the per-year accumulator every
//! community adds itself to, the reduction of partial accumulators, and the
//! metric row with its column names.
//!
//! Counts are u64 (exact, so their order of addition does not matter);
//! float sums are f64 added in community order within a chunk and then in
//! chunk order (see [`super::run()`]), so the row is bit-identical for any
//! thread count.

use super::params::{Cohort, IssueType, Parameters};

use super::state::{Community, ExitReason};

/// The skills in the order of the `mean_<skill>` columns.
const SKILLS: [&str; 3] = super::params::Skill::NAMES;

/// The metric column names for `parameters`, in output order.
pub fn metric_columns(parameters: &Parameters) -> Vec<String> {
    let mut columns: Vec<String> = [
        "capacity_mean",
        "capacity_p10",
        "capacity_p50",
        "capacity_p90",
        "resolution_rate",
        "escalations_per_1000",
        "vacancy_rate",
        "share_revolutionary",
        "share_experience",
        "share_knowledge",
        "mean_age",
        "mean_knowledge",
        "mean_experience",
        "mean_trust",
        "share_educated",
    ]
    .map(String::from)
    .into();
    columns.extend(
        parameters
            .channels
            .iter()
            .map(|channel| format!("entries_{}", channel.name)),
    );
    columns.extend(
        ExitReason::ALL
            .iter()
            .map(|reason| format!("exits_{}", reason.name())),
    );
    columns.push("no_mentor_share".into());
    columns.extend(
        IssueType::ALL
            .iter()
            .map(|issue| format!("resolution_{}", issue.name())),
    );
    for skill in SKILLS {
        for cohort in Cohort::ALL {
            columns.push(format!("mean_{skill}_{}", cohort.name()));
        }
    }
    columns
}

/// One row of metrics (MODEL.md section 4) for one year of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct YearMetrics {
    /// The calendar year.
    pub year: i32,
    /// Values in the order of [`metric_columns`]; `None` where the
    /// denominator is 0.
    pub values: Vec<Option<f64>>,
    /// Issues that arose this year over all communities (Σ N): what pools
    /// escalation rates over a whole run.
    pub issues: u64,
    /// Issues escalated this year over all communities (Σ X).
    pub escalations: u64,
}

/// Sums over the communities of one year: what each community adds in
/// [`super::step_community`], and what [`YearMetrics::from_tally`] turns
/// into a row.
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    /// Communities observed.
    pub communities: u64,
    /// Σ G (governance capacity, step 1).
    pub capacity_sum: f64,
    /// Σ N_j per issue type ([`IssueType::ALL`] order).
    pub issues: [u64; 3],
    /// Σ R_j per issue type.
    pub resolved: [u64; 3],
    /// Σ X_j per issue type.
    pub escalated: [u64; 3],
    /// Seats at year end.
    pub seats: u64,
    /// Seated leaders at year end.
    pub seated: u64,
    /// Seated leaders per cohort ([`Cohort::ALL`] order).
    pub seated_by_cohort: [u64; 3],
    /// Σ age of seated leaders.
    pub age_sum: f64,
    /// Σ skill of seated leaders, skills in the order knowledge,
    /// experience, trust.
    pub skill_sum: [f64; 3],
    /// Σ skill per skill (knowledge, experience, trust) and cohort.
    pub skill_sum_by_cohort: [[f64; 3]; 3],
    /// Seated leaders with k ≥ the educated threshold.
    pub educated: u64,
    /// Leaders who took a seat this year, per channel (steps 5 and 6).
    pub entries: Vec<u64>,
    /// Leaders who left a seat this year, per [`ExitReason::ALL`].
    pub exits: [u64; 6],
    /// Communities with no seated leader of e ≥ the mentoring threshold.
    pub no_mentor: u64,
}

impl Tally {
    /// An empty tally for `n_channels` channels.
    pub fn new(n_channels: usize) -> Tally {
        Tally {
            communities: 0,
            capacity_sum: 0.0,
            issues: [0; 3],
            resolved: [0; 3],
            escalated: [0; 3],
            seats: 0,
            seated: 0,
            seated_by_cohort: [0; 3],
            age_sum: 0.0,
            skill_sum: [0.0; 3],
            skill_sum_by_cohort: [[0.0; 3]; 3],
            educated: 0,
            entries: vec![0; n_channels],
            exits: [0; 6],
            no_mentor: 0,
        }
    }

    /// Adds `other` to `self`. Float sums are added as wholes, so merging
    /// partial tallies in a fixed order gives a fixed result.
    pub fn merge(&mut self, other: &Tally) {
        fn add<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
        fn add_f<const N: usize>(a: &mut [f64; N], b: &[f64; N]) {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
        self.communities += other.communities;
        self.capacity_sum += other.capacity_sum;
        add(&mut self.issues, &other.issues);
        add(&mut self.resolved, &other.resolved);
        add(&mut self.escalated, &other.escalated);
        self.seats += other.seats;
        self.seated += other.seated;
        add(&mut self.seated_by_cohort, &other.seated_by_cohort);
        self.age_sum += other.age_sum;
        add_f(&mut self.skill_sum, &other.skill_sum);
        for (a, b) in self
            .skill_sum_by_cohort
            .iter_mut()
            .zip(&other.skill_sum_by_cohort)
        {
            add_f(a, b);
        }
        self.educated += other.educated;
        assert_eq!(
            self.entries.len(),
            other.entries.len(),
            "channel counts differ"
        );
        self.entries
            .iter_mut()
            .zip(&other.entries)
            .for_each(|(a, b)| *a += b);
        add(&mut self.exits, &other.exits);
        self.no_mentor += other.no_mentor;
    }

    /// Adds a community's end-of-year state (step 7) and its capacity.
    pub(crate) fn observe(
        &mut self,
        community: &Community,
        capacity: f64,
        educated_threshold: f64,
        mentoring_threshold: f64,
    ) {
        self.communities += 1;
        self.capacity_sum += capacity;
        self.seats += community.seats.len() as u64;
        let mut has_mentor = false;
        for leader in community.seats.iter().flatten() {
            let cohort = leader.cohort.index();
            self.seated += 1;
            self.seated_by_cohort[cohort] += 1;
            self.age_sum += leader.age;
            let skills = [leader.knowledge, leader.experience, leader.trust];
            for (skill, value) in skills.into_iter().enumerate() {
                self.skill_sum[skill] += value;
                self.skill_sum_by_cohort[skill][cohort] += value;
            }
            self.educated += u64::from(leader.knowledge >= educated_threshold);
            has_mentor |= leader.experience >= mentoring_threshold;
        }
        self.no_mentor += u64::from(!has_mentor);
    }
}

/// `numerator / denominator`, `None` when the denominator is 0.
fn ratio(numerator: f64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator / denominator as f64)
}

/// The `p`-quantile of `values` by linear interpolation between order
/// statistics (numpy's default: h = (n − 1) p, then interpolate between the
/// values of rank ⌊h⌋ and ⌊h⌋ + 1). `None` when empty. Reorders `values`.
pub(crate) fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p;
    let lower = (h.floor() as usize).min(n - 1);
    let fraction = h - lower as f64;
    let (_, &mut low, upper_part) = values.select_nth_unstable_by(lower, f64::total_cmp);
    if fraction == 0.0 || upper_part.is_empty() {
        return Some(low);
    }
    let high = upper_part
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .expect("non-empty");
    Some(low + fraction * (high - low))
}

impl YearMetrics {
    /// The row for `year` from the year's total tally and the capacity of
    /// every community (reordered: it is scratch space afterwards).
    pub fn from_tally(year: i32, tally: &Tally, capacities: &mut [f64]) -> YearMetrics {
        let count = |n: u64| Some(n as f64);
        let mut values = Vec::with_capacity(29 + tally.entries.len());
        values.push(ratio(tally.capacity_sum, tally.communities));
        for p in [0.1, 0.5, 0.9] {
            values.push(percentile(capacities, p));
        }
        let issues: u64 = tally.issues.iter().sum();
        let resolved: u64 = tally.resolved.iter().sum();
        let escalated: u64 = tally.escalated.iter().sum();
        values.push(ratio(resolved as f64, issues));
        values.push(ratio(1000.0 * escalated as f64, issues));
        values.push(ratio((tally.seats - tally.seated) as f64, tally.seats));
        for n in tally.seated_by_cohort {
            values.push(ratio(n as f64, tally.seated));
        }
        values.push(ratio(tally.age_sum, tally.seated));
        for sum in tally.skill_sum {
            values.push(ratio(sum, tally.seated));
        }
        values.push(ratio(tally.educated as f64, tally.seated));
        values.extend(tally.entries.iter().map(|&n| count(n)));
        values.extend(tally.exits.iter().map(|&n| count(n)));
        values.push(ratio(tally.no_mentor as f64, tally.communities));
        for (r, n) in tally.resolved.iter().zip(&tally.issues) {
            values.push(ratio(*r as f64, *n));
        }
        for by_cohort in &tally.skill_sum_by_cohort {
            for (sum, n) in by_cohort.iter().zip(&tally.seated_by_cohort) {
                values.push(ratio(*sum, *n));
            }
        }
        YearMetrics {
            year,
            values,
            issues,
            escalations: escalated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::parameters;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [10, 50, 90]) == [1.4, 3.0, 7.6]
        let mut v = vec![10.0, 3.0, 1.0, 4.0, 2.0];
        assert!((percentile(&mut v, 0.1).unwrap() - 1.4).abs() < 1e-12);
        assert_eq!(percentile(&mut v, 0.5), Some(3.0));
        assert!((percentile(&mut v, 0.9).unwrap() - 7.6).abs() < 1e-12);
        // numpy.percentile([5, 1], 10) == 1.4; one value is every quantile.
        assert!((percentile(&mut [5.0, 1.0], 0.1).unwrap() - 1.4).abs() < 1e-12);
        assert_eq!(percentile(&mut [0.3], 0.9), Some(0.3));
        assert_eq!(percentile(&mut [], 0.5), None);
        assert_eq!(percentile(&mut [2.0, 1.0], 1.0), Some(2.0));
        assert_eq!(percentile(&mut [2.0, 1.0], 0.0), Some(1.0));
    }

    #[test]
    fn columns_are_in_the_documented_order() {
        let s = parameters();
        let columns = metric_columns(&s);
        let n_channels = s.channels.len();
        assert_eq!(columns.len(), 15 + n_channels + 6 + 1 + 3 + 9);
        assert_eq!(columns[0], "capacity_mean");
        assert_eq!(columns[14], "share_educated");
        assert_eq!(columns[15], format!("entries_{}", s.channels[0].name));
        assert_eq!(columns[15 + n_channels], "exits_death");
        assert_eq!(columns[20 + n_channels], "exits_election");
        assert_eq!(columns[21 + n_channels], "no_mentor_share");
        assert_eq!(columns[24 + n_channels], "resolution_technical");
        assert_eq!(columns[25 + n_channels], "mean_knowledge_revolutionary");
        assert_eq!(columns[28 + n_channels], "mean_experience_revolutionary");
        assert_eq!(columns.last().unwrap(), "mean_trust_knowledge");
        let tally = Tally::new(n_channels);
        let row = YearMetrics::from_tally(2000, &tally, &mut []);
        assert_eq!(row.values.len(), columns.len());
    }

    #[test]
    fn empty_denominators_give_none_and_counts_give_numbers() {
        let mut tally = Tally::new(1);
        tally.communities = 2;
        tally.capacity_sum = 1.0;
        tally.seats = 4;
        tally.no_mentor = 2;
        tally.exits[0] = 3;
        let row = YearMetrics::from_tally(2000, &tally, &mut [0.25, 0.75]);
        let columns = metric_columns(&{
            let mut s = parameters();
            s.channels.truncate(1);
            s
        });
        let get = |name: &str| row.values[columns.iter().position(|c| c == name).unwrap()];
        assert_eq!(get("capacity_mean"), Some(0.5));
        assert_eq!(get("capacity_p50"), Some(0.5));
        assert_eq!(get("resolution_rate"), None);
        assert_eq!(get("vacancy_rate"), Some(1.0));
        assert_eq!(get("share_knowledge"), None);
        assert_eq!(get("mean_trust_knowledge"), None);
        assert_eq!(get("exits_death"), Some(3.0));
        assert_eq!(get("exits_turnover"), Some(0.0));
        assert_eq!(get("no_mentor_share"), Some(1.0));
    }
}
