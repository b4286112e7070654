//! Observation (MODEL.md section 4): the per-year accumulator every
//! community adds itself to, the reduction of partial accumulators, and the
//! metric row with its column names.
//!
//! Counts are u64 (exact, so their order of addition does not matter);
//! float sums are f64 added in community order within a chunk and then in
//! chunk order (see [`super::run()`]), so the row is bit-identical for any
//! thread count.

use super::events::{Change, EventSample, HOLDERS, Route, SeatEvent, VACANT};
use super::params::{Cohort, IssueType, Kind, Parameters};

use super::schema::{Column, Field, FieldType};
use super::state::{Community, ExitReason, Leader, kind_index};

/// The skills in the order of the `<skill>` family members.
const SKILLS: [&str; 3] = super::params::Skill::NAMES;

/// A metric column (MODEL.md section 4): its declaration and how its value
/// comes from the year's tally. A family (a name with placeholders) is one
/// entry whose value takes the member's indices, outer placeholder first.
#[derive(Clone, Copy)]
pub struct Metric {
    /// Name (or template), type, unit and meaning.
    pub column: Column,
    value: fn(&Observed<'_>, usize, usize) -> Option<f64>,
}

impl std::fmt::Debug for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.column.fmt(f)
    }
}

/// What a metric's value is computed from: the year's total tally and the
/// figures that need all communities at once.
struct Observed<'a> {
    tally: &'a Tally,
    /// The 10th, 50th and 90th percentiles of capacity.
    capacity: [Option<f64>; 3],
    issues: u64,
    resolved: u64,
    escalated: u64,
}

const fn metric(
    name: &'static str,
    field_type: FieldType,
    unit: &'static str,
    meaning: &'static str,
    value: fn(&Observed<'_>, usize, usize) -> Option<f64>,
) -> Metric {
    Metric {
        column: Column {
            name,
            field_type,
            unit,
            meaning,
        },
        value,
    }
}

use FieldType::{Integer, Number};

/// Every metric, in the order of the `timeseries.csv` columns: a new metric
/// is one entry here (the README table and `datapackage.json` follow).
pub const METRICS: &[Metric] = &[
    metric(
        "capacity_mean",
        Number,
        "share of issues",
        "mean governance capacity G over communities (expected share of arising issues resolved; from the state at the start of the year)",
        |o, _, _| ratio(o.tally.capacity_sum, o.tally.communities),
    ),
    metric(
        "capacity_p10",
        Number,
        "share of issues",
        "10th percentile of G over communities (linear interpolation between order statistics)",
        |o, _, _| o.capacity[0],
    ),
    metric(
        "capacity_p50",
        Number,
        "share of issues",
        "median of G over communities (linear interpolation between order statistics)",
        |o, _, _| o.capacity[1],
    ),
    metric(
        "capacity_p90",
        Number,
        "share of issues",
        "90th percentile of G over communities (linear interpolation between order statistics)",
        |o, _, _| o.capacity[2],
    ),
    metric(
        "resolution_rate",
        Number,
        "share of issues",
        "issues resolved / issues arising, over all communities",
        |o, _, _| ratio(o.resolved as f64, o.issues),
    ),
    metric(
        "escalations_per_1000",
        Number,
        "per 1000 issues",
        "escalated issues per 1000 issues arising",
        |o, _, _| ratio(1000.0 * o.escalated as f64, o.issues),
    ),
    metric(
        "vacancy_rate",
        Number,
        "share of seats",
        "vacant seats / all seats at the end of the year",
        |o, _, _| ratio((o.tally.seats - o.tally.seated) as f64, o.tally.seats),
    ),
    metric(
        "share_<cohort>",
        Number,
        "share of seated leaders",
        "share of seated leaders in the <cohort> cohort at the end of the year",
        |o, cohort, _| ratio(o.tally.seated_by_cohort[cohort] as f64, o.tally.seated),
    ),
    metric(
        "mean_age",
        Number,
        "years",
        "mean age of seated leaders",
        |o, _, _| ratio(o.tally.age_sum, o.tally.seated),
    ),
    metric(
        "mean_<skill>",
        Number,
        "skill in [0, 1]",
        "mean <skill> of seated leaders",
        |o, skill, _| ratio(o.tally.skill_sum[skill], o.tally.seated),
    ),
    metric(
        "share_educated",
        Number,
        "share of seated leaders",
        "share of seated leaders with knowledge ≥ `observe.educated_threshold` (stand-in for \"college or above\")",
        |o, _, _| ratio(o.tally.educated as f64, o.tally.seated),
    ),
    metric(
        "entries_<channel>",
        Integer,
        "leaders",
        "leaders who took a seat this year through the <channel> channel (recruitment and election challengers)",
        |o, channel, _| Some(o.tally.entries[channel] as f64),
    ),
    metric(
        "exits_<reason>",
        Integer,
        "leaders",
        "leaders who left a seat this year by <reason>",
        |o, reason, _| Some(o.tally.exits[reason] as f64),
    ),
    metric(
        "no_mentor_share",
        Number,
        "share of communities",
        "share of communities where no seated leader has experience ≥ `mentoring.threshold` (an empty team included): transmission broken",
        |o, _, _| ratio(o.tally.no_mentor as f64, o.tally.communities),
    ),
    metric(
        "resolution_<issue>",
        Number,
        "share of issues",
        "resolved / arising <issue> issues",
        |o, issue, _| ratio(o.tally.resolved[issue] as f64, o.tally.issues[issue]),
    ),
    metric(
        "mean_<skill>_<cohort>",
        Number,
        "skill in [0, 1]",
        "mean <skill> of seated leaders of the <cohort> cohort",
        |o, skill, cohort| {
            ratio(
                o.tally.skill_sum_by_cohort[skill][cohort],
                o.tally.seated_by_cohort[cohort],
            )
        },
    ),
    // Version 2 (MODEL.md sections 7.6, 7.7 and 7.1), after every
    // version-1 column, in the order of section 7.9.
    metric(
        "promoted_tenure_mean",
        Number,
        "years",
        "mean tenure (after ageing) of the leaders who left by promotion this year",
        |o, _, _| {
            ratio(
                o.tally.promoted_tenure_sum,
                o.tally.exits[ExitReason::Promotion.index()],
            )
        },
    ),
    metric(
        "promoted_experience_mean",
        Number,
        "skill in [0, 1]",
        "mean experience of the leaders who left by promotion this year",
        |o, _, _| {
            ratio(
                o.tally.promoted_skill_sum[1],
                o.tally.exits[ExitReason::Promotion.index()],
            )
        },
    ),
    metric(
        "promoted_trust_mean",
        Number,
        "skill in [0, 1]",
        "mean trust of the leaders who left by promotion this year",
        |o, _, _| {
            ratio(
                o.tally.promoted_skill_sum[2],
                o.tally.exits[ExitReason::Promotion.index()],
            )
        },
    ),
    metric(
        "promoted_knowledge_mean",
        Number,
        "skill in [0, 1]",
        "mean knowledge of the leaders who left by promotion this year",
        |o, _, _| {
            ratio(
                o.tally.promoted_skill_sum[0],
                o.tally.exits[ExitReason::Promotion.index()],
            )
        },
    ),
    metric(
        "promoted_tempered",
        Integer,
        "leaders",
        "leaders who left by promotion this year with tenure ≥ `observe.tempered_tenure`: cadres tempered in the community, sent upward",
        |o, _, _| Some(o.tally.promoted_tempered as f64),
    ),
    metric(
        "capacity_mean_<kind>",
        Number,
        "share of issues",
        "mean governance capacity G over <kind> communities",
        |o, kind, _| {
            ratio(
                o.tally.capacity_sum_by_kind[kind],
                o.tally.communities_by_kind[kind],
            )
        },
    ),
    metric(
        "vacancy_rate_<kind>",
        Number,
        "share of seats",
        "vacant seats / all seats of <kind> communities at the end of the year",
        |o, kind, _| {
            ratio(
                (o.tally.seats_by_kind[kind] - o.tally.seated_by_kind[kind]) as f64,
                o.tally.seats_by_kind[kind],
            )
        },
    ),
    metric(
        "share_knowledge_<kind>",
        Number,
        "share of seated leaders",
        "share of the seated leaders of <kind> communities in the knowledge cohort",
        |o, kind, _| {
            ratio(
                o.tally.knowledge_by_kind[kind] as f64,
                o.tally.seated_by_kind[kind],
            )
        },
    ),
    metric(
        "share_age_under_35",
        Number,
        "share of seated leaders",
        "share of seated leaders younger than 35 (strictly)",
        |o, _, _| ratio(o.tally.age_under_35 as f64, o.tally.seated),
    ),
    metric(
        "share_age_over_60",
        Number,
        "share of seated leaders",
        "share of seated leaders older than 60 (strictly)",
        |o, _, _| ratio(o.tally.age_over_60 as f64, o.tally.seated),
    ),
    metric(
        "pool_<channel>",
        Number,
        "people per community",
        "mean pool count of the <channel> channel per community at the end of the year (empty without `recruitment.supply = \"pool\"`)",
        |o, channel, _| ratio(o.tally.pools[channel] as f64, o.tally.pooled_communities),
    ),
];

/// The placeholders of a column template, in order (at most two).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        found.push(&rest[start..start + len + 1]);
        rest = &rest[start + len + 1..];
    }
    found
}

/// The members of a family placeholder, in column order; `<channel>` takes
/// the scenario's channels. `None` for an unknown placeholder.
pub fn members<'a>(placeholder: &str, channels: &[&'a str]) -> Option<Vec<&'a str>> {
    Some(match placeholder {
        "<channel>" => channels.to_vec(),
        "<cohort>" => Cohort::ALL.iter().map(|c| c.name()).collect(),
        "<skill>" => SKILLS.to_vec(),
        "<reason>" => ExitReason::ALL.iter().map(|r| r.name()).collect(),
        "<issue>" => IssueType::ALL.iter().map(|i| i.name()).collect(),
        "<kind>" => Kind::ALL.iter().map(|k| k.name()).collect(),
        _ => return None,
    })
}

/// Member counts of a template's (outer, inner) placeholders; 1 where there
/// is none. Counts only, so the yearly row builds no strings.
fn member_counts(template: &str, n_channels: usize) -> (usize, usize) {
    let count = |placeholder: Option<&&str>| match placeholder {
        None => 1,
        Some(&"<channel>") => n_channels,
        Some(p) => members(p, &[]).expect("declared placeholder").len(),
    };
    let found = placeholders(template);
    (count(found.first()), count(found.get(1)))
}

/// The concrete fields of `column` for a scenario with `channels`: one per
/// member of its family (outer placeholder slowest), placeholders replaced
/// in the name and the meaning.
pub fn expand(column: &Column, channels: &[&str]) -> Vec<Field> {
    let mut fields = vec![column.field()];
    for placeholder in placeholders(column.name) {
        let names = members(placeholder, channels).expect("declared placeholder");
        fields = fields
            .iter()
            .flat_map(|field| {
                names.iter().map(move |member| Field {
                    name: field.name.replacen(placeholder, member, 1),
                    meaning: field.meaning.replace(placeholder, member),
                    ..field.clone()
                })
            })
            .collect();
    }
    fields
}

/// The metric fields for a scenario with `channels`, in output order.
pub fn metric_fields(channels: &[&str]) -> Vec<Field> {
    METRICS
        .iter()
        .flat_map(|metric| expand(&metric.column, channels))
        .collect()
}

/// The metric column names for `parameters`, in output order.
pub fn metric_columns(parameters: &Parameters) -> Vec<String> {
    let channels: Vec<&str> = parameters
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    metric_fields(&channels)
        .into_iter()
        .map(|field| field.name)
        .collect()
}

/// The declared types of the metric values for `parameters`, in the order
/// of [`metric_columns`]: what the writer formats each value as.
pub fn metric_types(parameters: &Parameters) -> Vec<FieldType> {
    METRICS
        .iter()
        .flat_map(|metric| {
            let (outer, inner) = member_counts(metric.column.name, parameters.channels.len());
            std::iter::repeat_n(metric.column.field_type, outer * inner)
        })
        .collect()
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
    /// Seats over all communities, filled or not: what `pipeline_tempered`
    /// counts promotions per.
    pub seats: u64,
    /// The hand-over matrix: seats held by holder `from` at the start of
    /// the year and by `to` at its end, at `from · HOLDERS + to` (holders
    /// as in [`super::events::HOLDERS`]); its cells sum to `seats`.
    pub handover: [u64; HOLDERS * HOLDERS],
}

/// The full hand-over matrix of a year's `tally`: the changed seats it
/// counted off the diagonal, and on it each holder's seats at year end
/// that did not change hands (every seat that ended with holder c and did
/// not come from another holder started with c).
fn handover_matrix(tally: &Tally) -> [u64; HOLDERS * HOLDERS] {
    let mut matrix = tally.handed_over;
    for to in 0..HOLDERS {
        let at_end = if to == VACANT {
            tally.seats - tally.seated
        } else {
            tally.seated_by_cohort[to]
        };
        let arrived: u64 = (0..HOLDERS)
            .filter(|&from| from != to)
            .map(|from| tally.handed_over[from * HOLDERS + to])
            .sum();
        matrix[to * HOLDERS + to] = at_end - arrived;
    }
    matrix
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
    /// Per issue type, the Poisson means of the block's resolved, escalated
    /// and remaining issues (MODEL.md section 3.1), summed over the
    /// communities the default samplers stepped since the last
    /// [`super::issue_totals`] drew them into the three counts above; always
    /// 0 with the reference samplers, which draw each community's counts.
    pub issue_means: [[f64; 3]; 3],
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
    /// Σ tenure (after ageing) of the leaders promoted this year.
    pub promoted_tenure_sum: f64,
    /// Σ skill of the leaders promoted this year (knowledge, experience,
    /// trust).
    pub promoted_skill_sum: [f64; 3],
    /// Promoted leaders with tenure ≥ `observe.tempered_tenure`.
    pub promoted_tempered: u64,
    /// Communities per kind ([`Kind::ALL`] order).
    pub communities_by_kind: [u64; 2],
    /// Σ G per kind.
    pub capacity_sum_by_kind: [f64; 2],
    /// Seats at year end per kind.
    pub seats_by_kind: [u64; 2],
    /// Seated leaders at year end per kind.
    pub seated_by_kind: [u64; 2],
    /// Seated leaders of the knowledge cohort per kind.
    pub knowledge_by_kind: [u64; 2],
    /// Seated leaders younger than 35.
    pub age_under_35: u64,
    /// Seated leaders older than 60.
    pub age_over_60: u64,
    /// Σ pool count per channel at year end (pool mode).
    pub pools: Vec<u64>,
    /// Communities that hold pools (all in pool mode, none otherwise).
    pub pooled_communities: u64,
    /// Seats whose holder at year end differs from the one at its start,
    /// per (from, to) holder pair (`from · HOLDERS + to`, holders as in
    /// [`super::events::HOLDERS`]), counted from the events; the diagonal
    /// stays 0 here and is filled in by [`YearMetrics::from_tally`].
    pub handed_over: [u64; HOLDERS * HOLDERS],
    /// Scratch of the community being stepped, never merged.
    seat_exits: SeatExits,
    /// The seat events of the sampled communities, in the order they
    /// happened (communities in index order once merged in chunk order);
    /// `None` when events are not recorded.
    pub events: Option<EventLog>,
}

/// The seats of the community being stepped that lost their leader this
/// year, with that leader's cohort: what an entry into the same seat needs
/// to count its hand-over. A seat is marked when its stamp is the current
/// community's, so nothing is cleared between communities.
#[derive(Clone, Debug, Default, PartialEq)]
struct SeatExits {
    current: u64,
    stamps: Vec<u64>,
    cohorts: Vec<u8>,
}

impl SeatExits {
    #[inline]
    fn mark(&mut self, seat: usize, cohort: usize) {
        if seat >= self.stamps.len() {
            self.stamps.resize(seat + 1, u64::MAX);
            self.cohorts.resize(seat + 1, 0);
        }
        self.stamps[seat] = self.current;
        self.cohorts[seat] = cohort as u8;
    }

    /// The cohort of the leader who left `seat` this year, if one did.
    #[inline]
    fn take(&mut self, seat: usize) -> Option<usize> {
        let stamp = self.stamps.get_mut(seat)?;
        (*stamp == self.current).then(|| {
            *stamp = u64::MAX;
            usize::from(self.cohorts[seat])
        })
    }
}

/// The seat events a tally keeps, and which communities' it keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct EventLog {
    /// Which communities' events are kept.
    pub sample: EventSample,
    /// The events kept, in order.
    pub events: Vec<SeatEvent>,
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
            issue_means: [[0.0; 3]; 3],
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
            promoted_tenure_sum: 0.0,
            promoted_skill_sum: [0.0; 3],
            promoted_tempered: 0,
            communities_by_kind: [0; 2],
            capacity_sum_by_kind: [0.0; 2],
            seats_by_kind: [0; 2],
            seated_by_kind: [0; 2],
            knowledge_by_kind: [0; 2],
            age_under_35: 0,
            age_over_60: 0,
            pools: vec![0; n_channels],
            pooled_communities: 0,
            handed_over: [0; HOLDERS * HOLDERS],
            seat_exits: SeatExits::default(),
            events: None,
        }
    }

    /// An empty tally that also keeps the seat events of the communities
    /// `sample` holds (none without one).
    pub fn recording(n_channels: usize, sample: Option<EventSample>) -> Tally {
        Tally {
            events: sample.map(|sample| EventLog {
                sample,
                events: Vec::new(),
            }),
            ..Tally::new(n_channels)
        }
    }

    /// Keeps `change` of `leader` in `seat` of `community`, if events are
    /// recorded and the community is sampled.
    #[inline]
    fn record(&mut self, community: u64, seat: usize, change: Change, leader: &Leader) {
        if let Some(log) = &mut self.events
            && log.sample.contains(community)
        {
            log.events.push(SeatEvent {
                community,
                seat: seat as u32,
                change,
                leader: leader.clone(),
            });
        }
    }

    /// A new community's year begins (before its step 1): its seats have
    /// lost no leader yet.
    #[inline]
    pub(crate) fn begin_community(&mut self) {
        self.seat_exits.current += 1;
    }

    /// A leader left `seat` of `community` for `reason` (steps 4 and 5).
    /// The seat counts as handed over to vacant until an entry fills it
    /// (a seat has at most one exit a year, before any entry).
    #[inline]
    pub(crate) fn exited(
        &mut self,
        community: u64,
        seat: usize,
        leader: &Leader,
        reason: ExitReason,
    ) {
        self.exits[reason.index()] += 1;
        let from = leader.cohort.index();
        self.handed_over[from * HOLDERS + VACANT] += 1;
        self.seat_exits.mark(seat, from);
        self.record(community, seat, Change::Exit(reason), leader);
    }

    /// `leader` took `seat` of `community` by `route` (steps 5 and 6): the
    /// seat goes from the leader who left it this year, if one did, or from
    /// vacant, to the entrant's cohort.
    #[inline]
    pub(crate) fn entered(&mut self, community: u64, seat: usize, leader: &Leader, route: Route) {
        self.entries[usize::from(leader.channel)] += 1;
        let to = leader.cohort.index();
        match self.seat_exits.take(seat) {
            Some(from) => {
                self.handed_over[from * HOLDERS + VACANT] -= 1;
                if from != to {
                    self.handed_over[from * HOLDERS + to] += 1;
                }
            }
            None => self.handed_over[VACANT * HOLDERS + to] += 1,
        }
        self.record(community, seat, Change::Entry(route), leader);
    }

    /// Adds a leader leaving by promotion (step 4): tenure after ageing,
    /// skills, and whether they were tempered (tenure ≥ `tempered_tenure`).
    pub(crate) fn promoted(&mut self, leader: &Leader, tempered_tenure: f64) {
        self.promoted_tenure_sum += f64::from(leader.tenure);
        let skills = [leader.knowledge, leader.experience, leader.trust];
        for (sum, value) in self.promoted_skill_sum.iter_mut().zip(skills) {
            *sum += value;
        }
        self.promoted_tempered += u64::from(f64::from(leader.tenure) >= tempered_tenure);
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
        for (a, b) in self.issue_means.iter_mut().zip(&other.issue_means) {
            add_f(a, b);
        }
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
        self.promoted_tenure_sum += other.promoted_tenure_sum;
        add_f(&mut self.promoted_skill_sum, &other.promoted_skill_sum);
        self.promoted_tempered += other.promoted_tempered;
        add(&mut self.communities_by_kind, &other.communities_by_kind);
        add_f(&mut self.capacity_sum_by_kind, &other.capacity_sum_by_kind);
        add(&mut self.seats_by_kind, &other.seats_by_kind);
        add(&mut self.seated_by_kind, &other.seated_by_kind);
        add(&mut self.knowledge_by_kind, &other.knowledge_by_kind);
        self.age_under_35 += other.age_under_35;
        self.age_over_60 += other.age_over_60;
        self.pools
            .iter_mut()
            .zip(&other.pools)
            .for_each(|(a, b)| *a += b);
        self.pooled_communities += other.pooled_communities;
        add(&mut self.handed_over, &other.handed_over);
        if let (Some(log), Some(other)) = (&mut self.events, &other.events) {
            log.events.extend_from_slice(&other.events);
        }
    }

    /// Adds a community's end-of-year state (step 7) and its capacity.
    pub(crate) fn observe(
        &mut self,
        community: &Community,
        capacity: f64,
        educated_threshold: f64,
        mentoring_threshold: f64,
    ) {
        let kind = kind_index(community.kind);
        self.communities += 1;
        self.capacity_sum += capacity;
        self.seats += community.seats.len() as u64;
        self.communities_by_kind[kind] += 1;
        self.capacity_sum_by_kind[kind] += capacity;
        self.seats_by_kind[kind] += community.seats.len() as u64;
        if !community.pools.is_empty() {
            self.pooled_communities += 1;
            for (sum, pool) in self.pools.iter_mut().zip(&community.pools) {
                *sum += pool;
            }
        }
        let mut has_mentor = false;
        for leader in community.seats.iter().flatten() {
            let cohort = leader.cohort.index();
            self.seated_by_kind[kind] += 1;
            self.knowledge_by_kind[kind] += u64::from(leader.cohort == Cohort::Knowledge);
            self.age_under_35 += u64::from(leader.age < 35.0);
            self.age_over_60 += u64::from(leader.age > 60.0);
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
        let observed = Observed {
            tally,
            capacity: [0.1, 0.5, 0.9].map(|p| percentile(capacities, p)),
            issues: tally.issues.iter().sum(),
            resolved: tally.resolved.iter().sum(),
            escalated: tally.escalated.iter().sum(),
        };
        let mut values = Vec::with_capacity(44 + 2 * tally.entries.len());
        for metric in METRICS {
            let (outer, inner) = member_counts(metric.column.name, tally.entries.len());
            for i in 0..outer {
                for j in 0..inner {
                    values.push((metric.value)(&observed, i, j));
                }
            }
        }
        YearMetrics {
            year,
            values,
            issues: observed.issues,
            escalations: observed.escalated,
            seats: tally.seats,
            handover: handover_matrix(tally),
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
        assert_eq!(
            columns.len(),
            15 + n_channels + 6 + 1 + 3 + 9 + 13 + n_channels
        );
        assert_eq!(columns[0], "capacity_mean");
        assert_eq!(columns[14], "share_educated");
        assert_eq!(columns[15], format!("entries_{}", s.channels[0].name));
        assert_eq!(columns[15 + n_channels], "exits_death");
        assert_eq!(columns[20 + n_channels], "exits_election");
        assert_eq!(columns[21 + n_channels], "no_mentor_share");
        assert_eq!(columns[24 + n_channels], "resolution_technical");
        assert_eq!(columns[25 + n_channels], "mean_knowledge_revolutionary");
        assert_eq!(columns[28 + n_channels], "mean_experience_revolutionary");
        assert_eq!(columns[33 + n_channels], "mean_trust_knowledge");
        assert_eq!(columns[34 + n_channels], "promoted_tenure_mean");
        assert_eq!(columns[39 + n_channels], "capacity_mean_urban");
        assert_eq!(columns[46 + n_channels], "share_age_over_60");
        assert_eq!(
            columns[47 + n_channels],
            format!("pool_{}", s.channels[0].name)
        );
        assert_eq!(columns.len(), 47 + 2 * n_channels);
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
