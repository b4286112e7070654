//! Setting one scenario path to a value: `--set PATH=VALUE` and sweep points.
//!
//! Paths follow the written structure of the file, with the conveniences of
//! MODEL.md section 6: `<schedule>.scale` turns a bare number or list into
//! the table form first, a per-kind value given as one number is split into
//! `urban` and `rural` before one of them is set, and array elements are
//! addressed by index. Nothing is validated here beyond the path itself:
//! the whole scenario is validated after all overrides are applied.

use super::node::{Node, Origin, Value};
use super::registry::{self, ParamKind};
use crate::model::params::Kind;
use crate::model::schema::FieldType;

/// What an override set, so that sweeps can be restricted to numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Leaf {
    /// A value that is a number (or a whole parameter that accepts one).
    Numeric,
    /// A string, boolean, array or table.
    Other,
}

/// Sets `path` in `root` to `value`; the error is the message of an
/// [`crate::Error::input`] about `path`.
pub(crate) fn apply(root: &mut Node, path: &str, value: Node) -> Result<Leaf, String> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err("not a parameter path: expected keys separated by single dots".into());
    }
    let Some((param, n)) = registry::find_param(&segs) else {
        return Err(no_such(root, path));
    };
    if param.path == "extends" {
        return Err("`extends` is read with the file and cannot be overridden".into());
    }
    if segs[0] == "channels" && !channel_exists(root, segs[1]) {
        let names = channel_names(root).join(", ");
        return Err(format!(
            "no such parameter: there is no channel `{}` (channels: {names})",
            segs[1]
        ));
    }
    let numeric_param = param.kind.takes_number() && segs[0] != "sweep";
    let section_origin = value.origin.clone();
    let mut table = &mut *root;
    for seg in &segs[..n - 1] {
        if table.get(seg).is_none() {
            table.insert(
                seg,
                section_origin.clone(),
                Node::table(section_origin.clone()),
            );
        }
        table = table.get_mut(seg).expect("inserted above when missing");
        if table.entries().is_none() {
            return Err(format!("`{seg}` is not a table, so it has no `{path}`"));
        }
    }
    let last = segs[n - 1];
    let rest = &segs[n..];
    if rest.is_empty() {
        table.insert(last, value.origin.clone(), value);
        return Ok(if numeric_param {
            Leaf::Numeric
        } else {
            Leaf::Other
        });
    }
    let param_path = segs[..n].join(".");
    let Some(slot) = table.get_mut(last) else {
        return Err(format!(
            "`{param_path}` is not set, so it has no `{}`",
            rest.join(".")
        ));
    };
    let result = match param.kind {
        ParamKind::Schedule(_) => schedule(slot, rest, value),
        ParamKind::PerKindSchedule(_) => per_kind(slot, rest, value, true),
        ParamKind::PerKindInt { .. } => per_kind(slot, rest, value, false),
        ParamKind::Distribution(_) => distribution(slot, rest, value),
        ParamKind::YearPair => index(slot, rest, value),
        _ => Err(format!("has no part `{}`", rest.join("."))),
    };
    result.map_err(|message| format!("no such parameter: `{param_path}` {message}"))
}

/// Whether `path` names a number that `--set` or a sweep may set in `root`.
pub(crate) fn is_numeric(root: &Node, path: &str) -> bool {
    let probe = Node::new(Value::Float(1.0), Origin::Default);
    !path.starts_with("sweep.") && apply(&mut root.clone(), path, probe) == Ok(Leaf::Numeric)
}

/// What a sweep may give a path: numbers (ranges or lists), or a list of
/// levels of a categorical factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SweepKind {
    /// A numeric leaf ([`is_numeric`]).
    Numbers,
    /// A string parameter with a fixed set of words (an enum, or a
    /// channel's cohort by name).
    Words(&'static [&'static str]),
    /// A boolean parameter.
    Bools,
}

/// Categorical parameters a sweep may not vary, and why.
const NOT_SWEPT: &[(&str, &str)] = &[
    ("seeds", "it says how all the points share random numbers"),
    (
        "channels.*.enabled",
        "every point of a sweep has the same channels, and so the same columns",
    ),
    (
        "channels.*.new",
        "it only silences a warning about the channel's name",
    ),
];

/// What a sweep may give `path` in `root`; the error is the message of an
/// [`crate::Error::input`] about the sweep's entry for `path`.
pub(crate) fn sweep_kind(root: &Node, path: &str) -> Result<SweepKind, String> {
    if is_numeric(root, path) {
        return Ok(SweepKind::Numbers);
    }
    let probe = Node::new(Value::Float(1.0), Origin::Default);
    if let Err(why) = apply(&mut root.clone(), path, probe) {
        return Err(format!("`{path}`: {why}"));
    }
    let segs: Vec<&str> = path.split('.').collect();
    let not_swept = || {
        format!(
            "`{path}` is not a value a sweep can set (a sweep sets numbers, booleans and the words of a parameter with a fixed set of values)"
        )
    };
    let Some((param, n)) = registry::find_param(&segs) else {
        return Err(not_swept());
    };
    if n != segs.len() || path.starts_with("sweep.") || path.starts_with("sensitivity.") {
        return Err(not_swept());
    }
    if let Some((_, why)) = NOT_SWEPT.iter().find(|(p, _)| *p == param.path) {
        return Err(format!("`{path}` is not a value a sweep can set: {why}"));
    }
    match param.kind {
        ParamKind::Enum(words) => Ok(SweepKind::Words(words)),
        ParamKind::CohortRule => Ok(SweepKind::Words(registry::COHORTS)),
        ParamKind::Bool => Ok(SweepKind::Bools),
        _ => Err(not_swept()),
    }
}

/// The type of the values a sweep gives `path` (the type of its column in
/// `points.csv` and `summary.csv`): text for a string parameter, a boolean
/// for a boolean one, else a number.
pub(crate) fn swept_type(path: &str) -> FieldType {
    let segs: Vec<&str> = path.split('.').collect();
    match registry::find_param(&segs) {
        Some((param, n)) if n == segs.len() => match param.kind {
            ParamKind::Enum(_) | ParamKind::CohortRule => FieldType::String,
            ParamKind::Bool => FieldType::Boolean,
            _ => FieldType::Number,
        },
        _ => FieldType::Number,
    }
}

/// The registry's own copy of `text`, if it is a word of a string
/// parameter with a fixed set of values (a sweep's level read back).
pub(crate) fn word(text: &str) -> Option<&'static str> {
    registry::PARAMS
        .iter()
        .filter_map(|p| match p.kind {
            ParamKind::Enum(words) => Some(words),
            ParamKind::CohortRule => Some(registry::COHORTS),
            _ => None,
        })
        .flatten()
        .copied()
        .find(|w| *w == text)
}

fn channel_exists(root: &Node, name: &str) -> bool {
    root.get("channels")
        .and_then(|c| c.get(name))
        .is_some_and(|c| !matches!(c.get("enabled").map(|e| &e.value), Some(Value::Bool(false))))
}

fn channel_names(root: &Node) -> Vec<String> {
    let mut names: Vec<String> = root
        .get("channels")
        .and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter(|e| channel_exists(root, &e.key))
        .map(|e| e.key.clone())
        .collect();
    names.sort();
    names
}

fn no_such(root: &Node, path: &str) -> String {
    let channels = channel_names(root);
    let candidates: Vec<String> = registry::PARAMS
        .iter()
        .flat_map(|p| {
            if p.path.contains('*') {
                channels.iter().map(|c| p.path.replace('*', c)).collect()
            } else {
                vec![p.path.to_string()]
            }
        })
        .collect();
    match registry::suggest(path, candidates.iter().map(String::as_str)) {
        Some(best) => format!("no such parameter (did you mean `{best}`?)"),
        None => "no such parameter (`succession params` lists them)".into(),
    }
}

/// Puts a schedule given as a number or a list into its table form, so that
/// `scale` can be set beside it.
fn to_table_form(slot: &mut Node) {
    let key = match slot.value {
        Value::Integer(_) | Value::Float(_) => "value",
        Value::Array(_) => "points",
        _ => return,
    };
    let origin = slot.origin.clone();
    let inner = std::mem::replace(slot, Node::table(origin.clone()));
    slot.insert(key, origin, inner);
}

fn schedule(slot: &mut Node, rest: &[&str], value: Node) -> Result<Leaf, String> {
    match rest {
        ["scale"] => {
            if slot.entries().is_none()
                && !slot.is_number()
                && !matches!(slot.value, Value::Array(_))
            {
                return Err("is not a schedule, so it has no `scale`".into());
            }
            to_table_form(slot);
            slot.insert("scale", value.origin.clone(), value);
            Ok(Leaf::Numeric)
        }
        ["value"] if slot.is_number() || slot.get("value").is_some() => {
            to_table_form(slot);
            slot.insert("value", value.origin.clone(), value);
            Ok(Leaf::Numeric)
        }
        [form @ ("points" | "stepwise"), tail @ ..] => {
            if *form == "points"
                && let Value::Array(_) = slot.value
            {
                to_table_form(slot);
            }
            match slot.get_mut(form) {
                Some(points) => index(points, tail, value),
                None => Err(format!("has no `{form}`")),
            }
        }
        [first, ..] if first.parse::<usize>().is_ok() => {
            if let Value::Array(_) = slot.value {
                return index(slot, rest, value);
            }
            let form = ["points", "stepwise"]
                .into_iter()
                .find(|f| slot.get(f).is_some());
            match form.and_then(|f| slot.get_mut(f)) {
                Some(points) => index(points, rest, value),
                None => Err(format!("is {}, it has no element {first}", slot.describe())),
            }
        }
        _ => Err(format!(
            "has no part `{}` (a schedule has `scale`, `points`, `stepwise` or `value`)",
            rest.join(".")
        )),
    }
}

fn is_per_kind_table(node: &Node) -> bool {
    node.entries()
        .is_some_and(|e| !e.is_empty() && e.iter().all(|e| Kind::NAMES.contains(&e.key.as_str())))
}

fn per_kind(slot: &mut Node, rest: &[&str], value: Node, schedules: bool) -> Result<Leaf, String> {
    match rest[0] {
        kind if Kind::NAMES.contains(&kind) => {
            if !is_per_kind_table(slot) {
                let origin = slot.origin.clone();
                let both = std::mem::replace(slot, Node::table(origin.clone()));
                slot.insert(Kind::Urban.name(), origin.clone(), both.clone());
                slot.insert(Kind::Rural.name(), origin, both);
            }
            let inner = slot
                .get_mut(kind)
                .ok_or_else(|| format!("has no `{kind}`"))?;
            if rest.len() == 1 {
                *inner = value;
                Ok(Leaf::Numeric)
            } else if schedules {
                schedule(inner, &rest[1..], value)
            } else {
                Err(format!("has no part `{}`", rest.join(".")))
            }
        }
        _ if schedules && is_per_kind_table(slot) => {
            // `issues.rate.scale` scales both kinds' schedules.
            let mut leaf = Leaf::Other;
            for kind in Kind::NAMES {
                if let Some(inner) = slot.get_mut(kind) {
                    leaf = schedule(inner, rest, value.clone())?;
                }
            }
            Ok(leaf)
        }
        _ if schedules => schedule(slot, rest, value),
        _ => Err(format!(
            "has no part `{}` (expected `urban` or `rural`)",
            rest.join(".")
        )),
    }
}

fn distribution(slot: &mut Node, rest: &[&str], value: Node) -> Result<Leaf, String> {
    match rest {
        [form @ ("normal" | "beta"), tail @ ..] => match slot.get_mut(form) {
            Some(params) if !tail.is_empty() => index(params, tail, value),
            Some(_) => {
                slot.insert(form, value.origin.clone(), value);
                Ok(Leaf::Other)
            }
            None => Err(format!("is {}, it has no `{form}`", shape_of(slot))),
        },
        [bound @ ("min" | "max")] if slot.get("normal").is_some() => {
            slot.insert(bound, value.origin.clone(), value);
            Ok(Leaf::Numeric)
        }
        _ => Err(format!(
            "is {}, it has no `{}`",
            shape_of(slot),
            rest.join(".")
        )),
    }
}

fn shape_of(node: &Node) -> String {
    if node.get("normal").is_some() {
        "a truncated normal".into()
    } else if node.get("beta").is_some() {
        "a beta distribution".into()
    } else {
        node.describe()
    }
}

/// Sets an element of nested arrays by index.
fn index(node: &mut Node, rest: &[&str], value: Node) -> Result<Leaf, String> {
    let Some((first, tail)) = rest.split_first() else {
        return Err("needs an element index".into());
    };
    let Ok(i) = first.parse::<usize>() else {
        return Err(format!("has no part `{first}` (expected an element index)"));
    };
    let Value::Array(items) = &mut node.value else {
        return Err(format!("is {}, it has no element {i}", node.describe()));
    };
    let n_items = items.len();
    let Some(item) = items.get_mut(i) else {
        return Err(format!(
            "has {n_items} elements, so no element {i} (indices start at 0)"
        ));
    };
    if tail.is_empty() {
        let leaf = if item.is_number() {
            Leaf::Numeric
        } else {
            Leaf::Other
        };
        *item = value;
        Ok(leaf)
    } else {
        index(item, tail, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::parse_document;

    fn doc() -> Node {
        parse_document(
            "[capacity]\nbeta = 8.0\n[issues]\nrate = 30\n[learning]\nknowledge = [[1949, 0.0], [2060, 0.02]]\n\
             [channels.school]\nsupply = 1\nage = { normal = [24, 2], min = 21, max = 35 }\n",
            "t.toml",
        )
        .unwrap()
    }

    fn num(x: f64) -> Node {
        Node::new(Value::Float(x), Origin::Override("--set".into()))
    }

    #[test]
    fn scale_turns_a_number_into_a_table() {
        let mut root = doc();
        assert_eq!(
            apply(&mut root, "capacity.beta.scale", num(2.0)),
            Ok(Leaf::Numeric)
        );
        let beta = root.at("capacity.beta").unwrap();
        assert_eq!(beta.get("value").unwrap().as_f64(), Some(8.0));
        assert_eq!(beta.get("scale").unwrap().as_f64(), Some(2.0));
        apply(&mut root, "learning.knowledge.scale", num(3.0)).unwrap();
        assert!(root.at("learning.knowledge.points").is_some());
    }

    #[test]
    fn per_kind_values_split_before_one_kind_is_set() {
        let mut root = doc();
        apply(&mut root, "issues.rate.urban", num(50.0)).unwrap();
        assert_eq!(root.at("issues.rate.urban").unwrap().as_f64(), Some(50.0));
        assert_eq!(root.at("issues.rate.rural").unwrap().as_f64(), Some(30.0));
        apply(&mut root, "issues.rate.scale", num(2.0)).unwrap();
        assert_eq!(
            root.at("issues.rate.rural.scale").unwrap().as_f64(),
            Some(2.0)
        );
    }

    #[test]
    fn array_elements_by_index() {
        let mut root = doc();
        assert_eq!(
            apply(&mut root, "channels.school.age.normal.0", num(25.0)),
            Ok(Leaf::Numeric)
        );
        assert_eq!(
            apply(&mut root, "learning.knowledge.1.1", num(0.03)),
            Ok(Leaf::Numeric)
        );
        assert_eq!(
            apply(&mut root, "learning.knowledge.points.1.1", num(0.04)),
            Ok(Leaf::Numeric)
        );
        let err = apply(&mut root, "learning.knowledge.points.7.1", num(0.0)).unwrap_err();
        assert!(err.contains("no element 7"), "{err}");
    }

    #[test]
    fn unknown_paths_suggest() {
        let mut root = doc();
        let err = apply(&mut root, "capacity.betta", num(1.0)).unwrap_err();
        assert!(err.contains("capacity.beta"), "{err}");
        let err = apply(&mut root, "channels.schol.supply", num(1.0)).unwrap_err();
        assert!(err.contains("school"), "{err}");
        assert!(!is_numeric(&root, "capacity.beta.points.0.1"));
        assert!(is_numeric(&root, "channels.school.supply.scale"));
        assert!(!is_numeric(&root, "name"));
    }
}
