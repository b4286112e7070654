//! A resolved scenario written back in the scenario format, every default
//! spelled out, so that `succession check` shows exactly what will run and
//! the output loads back to an equal [`Scenario`].

use std::fmt::Write as _;

use super::types::*;

/// A float as TOML: Rust's shortest round-trip form (`0.1`, `5e-5`, `1.0`)
/// is valid TOML and reads back to the same bits.
fn float(v: f64) -> String {
    format!("{v:?}")
}

/// A schedule year (validated to be a whole number).
fn year(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        float(v)
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn points(points: &[(f64, f64)]) -> String {
    let items: Vec<String> = points
        .iter()
        .map(|&(y, v)| format!("[{}, {}]", year(y), float(v)))
        .collect();
    format!("[{}]", items.join(", "))
}

fn schedule(s: &Schedule) -> String {
    let scale = if s.scale == 1.0 {
        String::new()
    } else {
        format!(", scale = {}", float(s.scale))
    };
    match (&s.shape, scale.is_empty()) {
        (Shape::Constant(v), true) => float(*v),
        (Shape::Constant(v), false) => format!("{{ value = {}{scale} }}", float(*v)),
        (Shape::Linear(p), true) => points(p),
        (Shape::Linear(p), false) => format!("{{ points = {}{scale} }}", points(p)),
        (Shape::Stepwise(p), _) => format!("{{ stepwise = {}{scale} }}", points(p)),
    }
}

fn per_kind<T>(value: &PerKind<T>, one: impl Fn(&T) -> String) -> String {
    format!(
        "{{ urban = {}, rural = {} }}",
        one(&value.urban),
        one(&value.rural)
    )
}

fn per_issue(value: &PerIssue<Schedule>) -> String {
    format!(
        "{{ interpersonal = {}, managerial = {}, technical = {} }}",
        schedule(&value.interpersonal),
        schedule(&value.managerial),
        schedule(&value.technical)
    )
}

fn distribution(d: &Distribution) -> String {
    match d {
        Distribution::Constant(v) => float(*v),
        Distribution::Normal { mean, sd, min, max } => format!(
            "{{ normal = [{}, {}], min = {}, max = {} }}",
            float(*mean),
            float(*sd),
            float(*min),
            float(*max)
        ),
        Distribution::Beta { a, b } => format!("{{ beta = [{}, {}] }}", float(*a), float(*b)),
    }
}

fn path(p: &std::path::Path) -> String {
    quote(&p.to_string_lossy())
}

/// The scenario as a complete TOML document.
pub(crate) fn to_toml(s: &Scenario) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("name = {}", quote(&s.name)));
    line(format!("description = {}", quote(&s.description)));
    line(format!("start_year = {}", s.start_year));
    line(format!("end_year = {}", s.end_year));
    line(format!("communities = {}", s.communities));
    line(format!("urban_share = {}", float(s.urban_share)));
    line(format!("replicates = {}", s.replicates));
    line(format!("seed = {}", s.seed));
    let seeds = match s.seeds {
        SeedMode::Common => "common",
        SeedMode::Independent => "independent",
    };
    line(format!("seeds = {}", quote(seeds)));
    line(format!(
        "policy_window = [{}, {}]",
        s.policy_window.0, s.policy_window.1
    ));

    line("\n[team]".into());
    line(format!(
        "seats = {}",
        per_kind(&s.team.seats, u32::to_string)
    ));

    line("\n[issues]".into());
    line(format!("rate = {}", per_kind(&s.issues.rate, schedule)));
    line(format!("escalation = {}", schedule(&s.issues.escalation)));
    line(format!("mix = {}", per_issue(&s.issues.mix)));
    line(format!("difficulty = {}", per_issue(&s.issues.difficulty)));

    line("\n[capacity]".into());
    line(format!("gamma = {}", schedule(&s.capacity.gamma)));
    line(format!("omega = {}", schedule(&s.capacity.omega)));
    line(format!("beta = {}", schedule(&s.capacity.beta)));

    line("\n[learning]".into());
    line(format!("experience = {}", schedule(&s.learning.experience)));
    line(format!("trust = {}", schedule(&s.learning.trust)));
    line(format!("knowledge = {}", schedule(&s.learning.knowledge)));

    line("\n[mentoring]".into());
    line(format!("rate = {}", schedule(&s.mentoring.rate)));
    line(format!("window = {}", s.mentoring.window));
    line(format!("threshold = {}", schedule(&s.mentoring.threshold)));

    line("\n[exits]".into());
    line(format!(
        "death = {{ a = {}, b = {} }}",
        schedule(&s.exits.death.a),
        schedule(&s.exits.death.b)
    ));
    line(format!(
        "retirement = {{ age = {}, spread = {} }}",
        per_kind(&s.exits.retirement.age, schedule),
        schedule(&s.exits.retirement.spread)
    ));
    line(format!(
        "embeddedness = {}",
        schedule(&s.exits.embeddedness)
    ));

    line("\n[promotion]".into());
    line(format!("openness = {}", schedule(&s.promotion.openness)));
    line(format!("max_age = {}", schedule(&s.promotion.max_age)));
    line(format!(
        "attraction = {}",
        schedule(&s.promotion.attraction)
    ));

    line("\n[elections]".into());
    line(format!("enabled = {}", s.elections.enabled));
    line(format!("first_year = {}", s.elections.first_year));
    line(format!("term = {}", schedule(&s.elections.term)));
    line(format!("age_cap = {}", s.elections.age_cap));
    line(format!(
        "incumbency = {}",
        schedule(&s.elections.incumbency)
    ));

    line("\n[observe]".into());
    line(format!(
        "educated_threshold = {}",
        float(s.observe.educated_threshold)
    ));
    line(format!("burn_in = {}", s.observe.burn_in));

    line("\n[selection]".into());
    line(format!("knowledge = {}", schedule(&s.selection.knowledge)));
    line(format!(
        "experience = {}",
        schedule(&s.selection.experience)
    ));
    line(format!("trust = {}", schedule(&s.selection.trust)));

    for c in &s.channels {
        // Channel names are validated to bare-key characters.
        line(format!("\n[channels.{}]", c.name));
        line(format!("cohort = {}", quote(c.cohort.name())));
        line(format!("supply = {}", schedule(&c.supply)));
        line(format!("kind = {}", per_kind(&c.kind, schedule)));
        line(format!("responds_to_openness = {}", c.responds_to_openness));
        line(format!("localness = {}", schedule(&c.localness)));
        line(format!("turnover = {}", schedule(&c.turnover)));
        line(format!("promotion = {}", schedule(&c.promotion)));
        line(format!("secondment_years = {}", c.secondment_years));
        line(format!("age = {}", distribution(&c.age)));
        line(format!("knowledge = {}", distribution(&c.knowledge)));
        line(format!("experience = {}", distribution(&c.experience)));
        line(format!("trust = {}", distribution(&c.trust)));
    }

    if let Some(roster) = &s.init.roster {
        line("\n[init]".into());
        line(format!("roster = {}", path(roster)));
    }

    if let Some(sweep) = &s.sweep {
        line("\n[sweep]".into());
        line(format!("method = {}", quote(&sweep.method)));
        if let Some(samples) = sweep.samples {
            line(format!("samples = {samples}"));
        }
        if let Some(table) = &sweep.table {
            line(format!("table = {}", path(table)));
        }
        if !sweep.parameters.is_empty() {
            line("\n[sweep.parameters]".into());
            for (name, values) in &sweep.parameters {
                let values = match values {
                    SweepValues::List(list) => {
                        let items: Vec<String> = list.iter().map(|v| float(*v)).collect();
                        format!("[{}]", items.join(", "))
                    }
                    SweepValues::Range { from, to, steps } => {
                        let steps = steps.map_or(String::new(), |n| format!(", steps = {n}"));
                        format!("{{ from = {}, to = {}{steps} }}", float(*from), float(*to))
                    }
                };
                line(format!("{} = {values}", quote(name)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_are_valid_toml() {
        assert_eq!(float(5e-5), "5e-5");
        assert_eq!(float(1.0), "1.0");
        assert_eq!(year(2008.0), "2008");
        assert_eq!(quote("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
        let s = Schedule {
            shape: Shape::Constant(8.0),
            scale: 2.0,
        };
        assert_eq!(schedule(&s), "{ value = 8.0, scale = 2.0 }");
    }
}
