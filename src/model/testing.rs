//! Programmatic parameters with MODEL.md section 6's defaults, for the
//! engine's unit tests (which must not depend on the scenario layer).

use super::params::*;

fn c(value: f64) -> Schedule {
    Schedule::constant(value)
}

fn linear(points: &[(f64, f64)]) -> Schedule {
    Schedule {
        shape: Shape::Linear(points.to_vec()),
        scale: 1.0,
    }
}

fn both<T: Clone>(value: T) -> PerKind<T> {
    PerKind {
        urban: value.clone(),
        rural: value,
    }
}

/// A channel with MODEL.md's defaults for a new channel.
pub(crate) fn channel(name: &str, cohort: Cohort, supply: f64) -> Channel {
    Channel {
        name: name.into(),
        cohort,
        supply: c(supply),
        kind: both(c(1.0)),
        responds_to_openness: cohort == Cohort::Knowledge,
        localness: c(1.0),
        turnover: c(0.0),
        promotion: c(0.0),
        secondment_years: 0,
        age: Distribution::Constant(30.0),
        knowledge: Distribution::Constant(0.5),
        experience: Distribution::Constant(0.5),
        trust: Distribution::Constant(0.5),
    }
}

/// The built-in defaults, 1949–2060, 20 communities, with three channels
/// (`enterprise`, `revolution`, `school`).
pub(crate) fn parameters() -> Parameters {
    let mut school = channel("school", Cohort::Knowledge, 0.5);
    school.localness = c(0.3);
    school.turnover = c(0.15);
    school.promotion = c(1.5);
    school.age = Distribution::Normal {
        mean: 24.0,
        sd: 2.0,
        min: 21.0,
        max: 35.0,
    };
    school.knowledge = Distribution::Beta { a: 7.0, b: 3.0 };
    school.experience = Distribution::Beta { a: 1.5, b: 8.0 };
    school.trust = Distribution::Constant(0.1);
    let mut enterprise = channel("enterprise", Cohort::Experience, 1.0);
    enterprise.turnover = c(0.05);
    enterprise.age = Distribution::Normal {
        mean: 40.0,
        sd: 5.0,
        min: 28.0,
        max: 55.0,
    };
    enterprise.experience = Distribution::Beta { a: 5.0, b: 3.0 };
    let mut revolution = channel("revolution", Cohort::Revolutionary, 1.0);
    revolution.trust = Distribution::Beta { a: 6.0, b: 3.0 };
    Parameters {
        start_year: 1949,
        end_year: 2060,
        communities: 20,
        urban_share: 0.18,
        team: Team {
            seats: PerKind { urban: 6, rural: 5 },
        },
        issues: Issues {
            rate: PerKind {
                urban: c(40.0),
                rural: c(25.0),
            },
            escalation: c(0.1),
            mix: PerIssue {
                interpersonal: linear(&[(1949.0, 0.6), (2060.0, 0.4)]),
                managerial: c(0.3),
                technical: linear(&[(1949.0, 0.1), (2060.0, 0.3)]),
            },
            difficulty: PerIssue {
                interpersonal: c(0.4),
                managerial: c(0.45),
                technical: linear(&[(1949.0, 0.3), (2060.0, 0.6)]),
            },
        },
        capacity: Capacity {
            gamma: c(1.0),
            omega: c(0.5),
            beta: c(8.0),
        },
        learning: Learning {
            experience: c(0.08),
            trust: c(0.06),
            knowledge: linear(&[(1949.0, 0.0), (2060.0, 0.02)]),
        },
        mentoring: Mentoring {
            rate: c(0.1),
            window: 5,
            threshold: c(0.6),
        },
        exits: Exits {
            death: Death {
                a: c(5e-5),
                b: c(0.085),
            },
            retirement: Retirement {
                age: PerKind {
                    urban: c(60.0),
                    rural: c(65.0),
                },
                spread: c(1.5),
            },
            embeddedness: c(2.0),
        },
        promotion: Promotion {
            openness: linear(&[(1949.0, 0.0), (2000.0, 0.02), (2060.0, 0.05)]),
            max_age: c(45.0),
            attraction: c(2.0),
        },
        elections: Elections {
            enabled: true,
            first_year: 1954,
            term: Schedule {
                shape: Shape::Stepwise(vec![(1949.0, 3.0), (2018.0, 5.0)]),
                scale: 1.0,
            },
            age_cap: 65,
            incumbency: c(0.05),
        },
        observe: Observe {
            educated_threshold: 0.6,
            burn_in: 10,
        },
        selection: Selection {
            knowledge: c(0.3),
            experience: c(0.3),
            trust: c(0.4),
        },
        channels: vec![enterprise, revolution, school],
    }
}
