//! A resolved scenario written back in the scenario format, every default
//! spelled out, so that `succession check` shows exactly what will run and
//! the output loads back to an equal [`Scenario`].

use std::fmt::Write as _;

use serde_json::Value as Plain;

use super::registry::{self, Param, ParamKind};
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

/// One parameter's value in the plain tree (the serde form of its typed
/// field), written as TOML by its registry kind.
fn value(kind: ParamKind, v: &Plain) -> String {
    fn typed<T: serde::de::DeserializeOwned>(v: &Plain) -> T {
        serde_json::from_value(v.clone())
            .expect("a path's registry kind is the kind of its typed field")
    }
    match kind {
        ParamKind::Int { .. } | ParamKind::Bool => v.to_string(),
        ParamKind::Float(_) => float(typed(v)),
        ParamKind::Schedule(_) => schedule(&typed(v)),
        ParamKind::PerKindSchedule(_) => per_kind(&typed::<PerKind<Schedule>>(v), schedule),
        ParamKind::PerKindInt { .. } => per_kind(&typed::<PerKind<i64>>(v), i64::to_string),
        ParamKind::Distribution(_) => distribution(&typed(v)),
        ParamKind::CohortRule => match typed::<CohortRule>(v) {
            CohortRule::Fixed(cohort) => quote(cohort.name()),
            CohortRule::Stepwise { stepwise } => {
                let items: Vec<String> = stepwise
                    .iter()
                    .map(|(y, c)| format!("[{}, {}]", year(*y), quote(c.name())))
                    .collect();
                format!("{{ stepwise = [{}] }}", items.join(", "))
            }
        },
        ParamKind::Enum(_) | ParamKind::Text | ParamKind::Path => quote(&typed::<String>(v)),
        ParamKind::YearPair => {
            let (first, last): (i64, i64) = typed(v);
            format!("[{first}, {last}]")
        }
        ParamKind::Names => {
            let names: Vec<String> = typed::<Vec<String>>(v).iter().map(|n| quote(n)).collect();
            format!("[{}]", names.join(", "))
        }
        ParamKind::SweepParameters => unreachable!("written as its own table"),
    }
}

/// `[<section>.parameters]` (`sweep` or `sensitivity`), one path a line,
/// in the order given.
fn sweep_parameters(section: &str, parameters: &[(String, SweepValues)]) -> String {
    let mut out = format!("\n[{section}.parameters]\n");
    for (name, values) in parameters {
        let values = match values {
            SweepValues::List(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|v| match *v {
                        Level::Number(v) => float(v),
                        Level::Text(word) => quote(word),
                        Level::Bool(b) => b.to_string(),
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            SweepValues::Range { from, to, steps } => {
                let steps = steps.map_or(String::new(), |n| format!(", steps = {n}"));
                format!("{{ from = {}, to = {}{steps} }}", float(*from), float(*to))
            }
        };
        let _ = writeln!(out, "{} = {values}", quote(name));
    }
    out
}

/// The value at the dotted `path` below `tree`, unless absent or null (an
/// optional parameter left out).
fn at<'a>(tree: &'a Plain, path: &str) -> Option<&'a Plain> {
    path.split('.')
        .try_fold(tree, |v, seg| v.get(seg))
        .filter(|v| !v.is_null())
}

/// Writes the parameters `params` (paths relative to `tree`) in registry
/// order: top-level keys as lines, `[section]` headers before the first
/// value of a section (none for a section with no value), and the
/// parameters of a sub-table (`exits.death.a`) as one inline table at the
/// place of its first one.
///
/// `nested`: the paths are relative to a table whose header is already
/// written (a channel's), so their first segment names a sub-table to
/// inline (`shock.sd`), not a section.
fn write_params(out: &mut String, tree: &Plain, params: &[(&str, ParamKind)], nested: bool) {
    let mut section = "";
    let mut written: Vec<String> = Vec::new();
    for &(path, kind) in params {
        let Some(v) = at(tree, path) else {
            continue;
        };
        let segs: Vec<&str> = path.split('.').collect();
        if !nested && segs.len() > 1 && segs[0] != section {
            section = segs[0];
            let _ = write!(out, "\n[{section}]\n");
        }
        if kind == ParamKind::SweepParameters {
            let parameters: Vec<(String, SweepValues)> = serde_json::from_value(v.clone())
                .expect("the plain tree holds sweep parameters as their typed field serialised");
            if !parameters.is_empty() {
                out.push_str(&sweep_parameters(segs[0], &parameters));
            }
            continue;
        }
        let inline = if nested {
            segs.len() == 2
        } else {
            segs.len() == 3
        };
        match segs.as_slice() {
            [.., sub, _] if inline => {
                let group = segs[..segs.len() - 1].join(".") + ".";
                if written.contains(&group) {
                    continue;
                }
                let fields: Vec<String> = params
                    .iter()
                    .filter_map(|&(p, k)| {
                        let field = p.strip_prefix(&group)?;
                        Some(format!("{field} = {}", value(k, at(tree, p)?)))
                    })
                    .collect();
                let _ = writeln!(out, "{sub} = {{ {} }}", fields.join(", "));
                written.push(group);
            }
            _ => {
                let key = segs[segs.len() - 1];
                let _ = writeln!(out, "{key} = {}", value(kind, v));
            }
        }
    }
}

/// The scenario as a complete TOML document, every registry parameter that
/// has a value written in registry order.
pub(crate) fn to_toml(s: &Scenario) -> String {
    let tree = serde_json::to_value(s)
        .expect("scenario types have string keys only, so serialising cannot fail");
    let is_channel = |p: &&Param| p.path.starts_with("channels.");
    let first_channel = registry::PARAMS
        .iter()
        .position(|p| is_channel(&p))
        .expect("the registry lists channels.* parameters (a fixed table)");
    let (before, rest) = registry::PARAMS.split_at(first_channel);
    let entry = |p: &Param| (p.path, p.kind);
    let before: Vec<_> = before.iter().map(entry).collect();
    let per_channel: Vec<_> = rest
        .iter()
        .take_while(is_channel)
        .filter_map(|p| Some((p.path.strip_prefix("channels.*.")?, p.kind)))
        .collect();
    let after: Vec<_> = rest.iter().skip_while(is_channel).map(entry).collect();
    let mut out = String::new();
    write_params(&mut out, &tree, &before, false);
    for channel in &s.channels {
        // Channel names are validated to bare-key characters.
        let _ = write!(out, "\n[channels.{}]\n", channel.name);
        write_params(&mut out, &plain(channel), &per_channel, true);
    }
    write_params(&mut out, &tree, &after, false);
    out
}

fn plain(value: impl serde::Serialize) -> Plain {
    serde_json::to_value(value)
        .expect("scenario types have string keys only, so serialising cannot fail")
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
