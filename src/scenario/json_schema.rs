//! The JSON Schema (draft 2020-12) of the scenario format, for editors:
//! `succession schema` prints it and the repository keeps it as
//! `scenario.schema.json`, which every shipped scenario names on its first
//! line (`#:schema ../scenario.schema.json`, the Taplo convention).
//!
//! It is generated from the registry: every parameter's type, range
//! (`minimum`/`maximum` from its bounds), default and meaning, and the
//! forms its kind takes as [`super::resolve`] reads them (a schedule is a
//! number, a list of `[year, value]` points or a table with exactly one of
//! `value`, `points`, `stepwise` and an optional `scale`; a per-kind value
//! is one value or `{ urban, rural }`, told apart as the tool does, by an
//! `urban` or `rural` key; a distribution is a number or its table). What a
//! sweep or a sensitivity analysis may vary comes from the tool's own
//! [`super::paths::sweep_kind`]. Every table is closed: a key the tool
//! would call unknown is refused, and so is a value of the wrong type.
//!
//! A file may hold only some keys (`extends` merges it onto another), so
//! no parameter is required. What one file cannot show, the schema leaves
//! to `succession check`: rules across values (`end_year >= start_year`,
//! increasing schedule years, a truncation window with mass, a zip's equal
//! lengths, a range with `from < to`, a scaled value in its range), whether
//! a sweep path exists in the merged scenario, and whether a new channel
//! gives `cohort` and `supply`. It is also stricter in one place: the
//! values of a channel with `enabled = false` are checked, which the tool
//! skips.

use serde_json::{Map, Value, json};

use super::node::{Node, Origin};
use super::paths::{self, SweepKind};
use super::registry::{self, Bounds, DefaultValue, DistKind, Param, ParamKind};

/// The draft the schema follows.
const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A channel name: what `resolve::check_channel_name` accepts.
const CHANNEL_NAME: &str = "^[A-Za-z0-9_-]+$";

/// The JSON Schema of a scenario file, as a JSON value.
pub fn scenario() -> Value {
    let mut defs = Defs::default();
    let docs = registry::docs();
    let mut root = table(&mut Vec::new(), &docs, &mut defs);
    let object = root.as_object_mut().expect("a table's schema is an object");
    let properties = object["properties"]
        .as_object_mut()
        .expect("the top table has properties");
    constrain_sweep(&mut properties["sweep"], &mut defs);
    constrain_sensitivity(&mut properties["sensitivity"]);
    // Both in one file is refused; through `extends`, `check` says so.
    object.insert("if".into(), json!({ "required": ["sweep"] }));
    object.insert(
        "then".into(),
        json!({ "properties": { "sensitivity": false } }),
    );
    let mut schema = Map::new();
    schema.insert("$schema".into(), json!(DRAFT));
    schema.insert("title".into(), json!("succession scenario"));
    schema.insert(
        "description".into(),
        json!(
            "A scenario file of succession (docs/MODEL.md section 6). Every key is optional: a file gives what differs from the built-in defaults or from the scenario it extends. `succession check` validates what one file cannot show (rules across values and files)."
        ),
    );
    schema.extend(std::mem::take(object));
    schema.insert("$defs".into(), Value::Object(defs.0));
    Value::Object(schema)
}

/// The named subschemas the parameters refer to.
#[derive(Default)]
struct Defs(Map<String, Value>);

impl Defs {
    /// A reference to the subschema `name`, made by `make` the first time.
    fn get(&mut self, name: &str, make: impl FnOnce(&mut Defs) -> Value) -> Value {
        if !self.0.contains_key(name) {
            let schema = make(self);
            self.0.insert(name.to_string(), schema);
        }
        json!({ "$ref": format!("#/$defs/{name}") })
    }

    /// A whole year, as schedules, windows and cohort tables take it.
    fn year(&mut self) -> Value {
        self.get("year", |_| int(registry::YEAR))
    }

    /// A number within `bounds`.
    fn number(&mut self, bounds: Bounds) -> Value {
        self.get(&format!("number_{}", bounds_name(bounds)), |_| {
            number(bounds)
        })
    }

    /// A non-empty list of `[year, value]` points, each value within `bounds`.
    fn points(&mut self, bounds: Bounds) -> Value {
        self.get(&format!("points_{}", bounds_name(bounds)), |defs| {
            let year = defs.year();
            let value = defs.number(bounds);
            json!({
                "type": "array",
                "minItems": 1,
                "items": pair(year, value),
            })
        })
    }

    /// A schedule whose values lie within `bounds`: a number, a list of
    /// points, or a table (whose values, with a `scale`, only the tool
    /// checks: it is the scaled value that must lie within the bounds).
    fn schedule(&mut self, bounds: Bounds) -> Value {
        self.get(&format!("schedule_{}", bounds_name(bounds)), |defs| {
            let number = defs.number(bounds);
            let points = defs.points(bounds);
            let raw_number = defs.number(registry::ANY);
            let raw_points = defs.points(registry::ANY);
            let table = json!({
                "type": "object",
                "properties": {
                    "value": raw_number,
                    "points": raw_points,
                    "stepwise": raw_points,
                    "scale": raw_number,
                },
                "additionalProperties": false,
                "oneOf": [
                    { "required": ["value"] },
                    { "required": ["points"] },
                    { "required": ["stepwise"] },
                ],
                "if": { "required": ["scale"] },
                "else": {
                    "properties": { "value": number, "points": points, "stepwise": points },
                },
            });
            json!({
                "type": ["number", "array", "object"],
                "allOf": [
                    { "if": { "type": "number" }, "then": number },
                    { "if": { "type": "array" }, "then": points },
                    { "if": { "type": "object" }, "then": table },
                ],
            })
        })
    }

    /// One value for both community kinds, or `{ urban, rural }` (a table
    /// with either key is the per-kind form, as the tool reads it).
    fn per_kind(&mut self, name: &str, one: Value) -> Value {
        self.get(&format!("per_kind_{name}"), |_| {
            json!({
                "if": {
                    "type": "object",
                    "anyOf": [{ "required": ["urban"] }, { "required": ["rural"] }],
                },
                "then": {
                    "properties": { "urban": one, "rural": one },
                    "required": ["urban", "rural"],
                    "additionalProperties": false,
                },
                "else": one,
            })
        })
    }

    /// An entry distribution of an age (a number or a truncated normal
    /// with `min` and `max`) or a skill (also a beta; `min` and `max`
    /// default to 0 and 1).
    fn distribution(&mut self, kind: DistKind) -> Value {
        let (name, natural) = match kind {
            DistKind::Age => ("age_distribution", registry::NONNEG),
            DistKind::Skill => ("skill_distribution", registry::UNIT),
        };
        self.get(name, |defs| {
            let value = defs.number(natural);
            let mean = defs.number(registry::ANY);
            let sd = defs.number(registry::POSITIVE);
            let mut properties = json!({
                "normal": pair(mean, sd),
                "min": value,
                "max": value,
            });
            let table = match kind {
                DistKind::Age => json!({
                    "type": "object",
                    "properties": properties,
                    "required": ["normal", "min", "max"],
                    "additionalProperties": false,
                }),
                DistKind::Skill => {
                    let shape = defs.number(super::resolve::BETA_SHAPE);
                    properties["beta"] = pair(shape.clone(), shape);
                    json!({
                        "type": "object",
                        "properties": properties,
                        "additionalProperties": false,
                        "if": { "required": ["beta"] },
                        "then": { "properties": { "normal": false, "min": false, "max": false } },
                        "else": { "required": ["normal"] },
                    })
                }
            };
            json!({
                "type": ["number", "object"],
                "if": { "type": "number" },
                "then": value,
                "else": table,
            })
        })
    }

    /// A cohort name, or `{ stepwise = [[year, "name"], ...] }`.
    fn cohort_rule(&mut self) -> Value {
        self.get("cohort_rule", |defs| {
            let name = json!({ "type": "string", "enum": registry::COHORTS });
            let year = defs.year();
            json!({
                "type": ["string", "object"],
                "if": { "type": "string" },
                "then": name,
                "else": {
                    "type": "object",
                    "properties": {
                        "stepwise": { "type": "array", "minItems": 1, "items": pair(year, name) },
                    },
                    "required": ["stepwise"],
                    "additionalProperties": false,
                },
            })
        })
    }
}

/// The schema of the table at `prefix` (`*` for a channel name): its
/// parameters and sections, closed to other keys.
fn table(prefix: &mut Vec<&'static str>, docs: &[super::ParamDoc], defs: &mut Defs) -> Value {
    let mut properties = Map::new();
    for key in registry::children(prefix) {
        prefix.push(key);
        let schema = match registry::find_param(prefix) {
            Some((param, n)) if n == prefix.len() => {
                let index = registry::PARAMS
                    .iter()
                    .position(|p| p.path == param.path)
                    .expect("find_param returns a registry entry");
                parameter(param, &docs[index], defs)
            }
            _ => table(prefix, docs, defs),
        };
        properties.insert(key.to_string(), schema);
        prefix.pop();
    }
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    prefix.push("*");
    if registry::SECTIONS.contains(&prefix.join(".").as_str()) {
        let names = table(prefix, docs, defs);
        schema["propertyNames"] = json!({ "pattern": CHANNEL_NAME });
        schema["additionalProperties"] = names;
    }
    prefix.pop();
    schema
}

/// The schema of one parameter: its kind's forms, its meaning and range,
/// and its default.
fn parameter(param: &Param, doc: &super::ParamDoc, defs: &mut Defs) -> Value {
    let mut schema = kind(param.kind, defs);
    let default = match param.default {
        DefaultValue::Toml(text) => {
            schema["default"] = toml_value(text);
            text
        }
        DefaultValue::Note(text) | DefaultValue::Required(text) => {
            text.trim_start_matches('(').trim_end_matches(')')
        }
    };
    schema["description"] = json!(format!(
        "{}. Value: {}. Default: {default}.",
        doc.meaning, doc.range
    ));
    schema
}

/// The forms of a value of `kind`.
fn kind(kind: ParamKind, defs: &mut Defs) -> Value {
    match kind {
        ParamKind::Int { .. } => int(kind),
        ParamKind::Float(bounds) => number(bounds),
        ParamKind::Schedule(bounds) => defs.schedule(bounds),
        ParamKind::PerKindSchedule(bounds) => {
            let one = defs.schedule(bounds);
            defs.per_kind(&format!("schedule_{}", bounds_name(bounds)), one)
        }
        ParamKind::PerKindInt { min, max } => {
            let one = int(ParamKind::Int { min, max });
            defs.per_kind(&format!("integer_{min}_{max}"), one)
        }
        ParamKind::Distribution(dist) => defs.distribution(dist),
        ParamKind::CohortRule => defs.cohort_rule(),
        ParamKind::Bool => json!({ "type": "boolean" }),
        ParamKind::Enum(values) => json!({ "type": "string", "enum": values }),
        ParamKind::Text => json!({ "type": "string" }),
        ParamKind::Path => json!({ "type": "string", "minLength": 1 }),
        ParamKind::YearPair => {
            let year = defs.year();
            pair(year.clone(), year)
        }
        // The sweep's and the sensitivity's tables are constrained below,
        // by method.
        ParamKind::SweepParameters => json!({ "type": "object" }),
        ParamKind::Names => json!({
            "type": "array",
            "minItems": 1,
            "uniqueItems": true,
            "items": { "type": "string" },
        }),
    }
}

/// A whole number within the bounds of an `Int` kind.
fn int(kind: ParamKind) -> Value {
    let ParamKind::Int { min, max } = kind else {
        unreachable!("int() takes an Int kind")
    };
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

/// A number within `bounds`.
fn number(bounds: Bounds) -> Value {
    let mut schema = json!({ "type": "number" });
    if bounds.min.is_finite() {
        let key = if bounds.min_open {
            "exclusiveMinimum"
        } else {
            "minimum"
        };
        schema[key] = json!(bounds.min);
    }
    if bounds.max.is_finite() {
        let key = if bounds.max_open {
            "exclusiveMaximum"
        } else {
            "maximum"
        };
        schema[key] = json!(bounds.max);
    }
    schema
}

/// A two-element array of `first` and `second`.
fn pair(first: Value, second: Value) -> Value {
    json!({
        "type": "array",
        "prefixItems": [first, second],
        "minItems": 2,
        "maxItems": 2,
    })
}

/// A name for `bounds` in `$defs`: `ge0_le1` is [0, 1], `gt0` is > 0.
fn bounds_name(bounds: Bounds) -> String {
    let mut parts = Vec::new();
    if bounds.min.is_finite() {
        let op = if bounds.min_open { "gt" } else { "ge" };
        parts.push(format!("{op}{}", bounds.min));
    }
    if bounds.max.is_finite() {
        let op = if bounds.max_open { "lt" } else { "le" };
        parts.push(format!("{op}{}", bounds.max));
    }
    if parts.is_empty() {
        "any".to_string()
    } else {
        parts.join("_")
    }
}

/// A registry default (a TOML value) as JSON.
fn toml_value(text: &str) -> Value {
    let table: toml::Table =
        toml::from_str(&format!("v = {text}")).expect("registry defaults are valid TOML");
    serde_json::to_value(&table["v"]).expect("a TOML value has a JSON form")
}

/// What a sweep (and a sensitivity analysis) may give each registry path
/// that is not a plain number: the tool's own answer
/// ([`paths::sweep_kind`]), asked of a scenario with one channel. Each is
/// a pattern of the exact path (`*`, a channel name) with its kind.
fn non_numeric_paths() -> Vec<(String, Option<SweepKind>)> {
    let mut root = Node::table(Origin::Default);
    let mut channels = Node::table(Origin::Default);
    channels.insert("x", Origin::Default, Node::table(Origin::Default));
    root.insert("channels", Origin::Default, channels);
    let name_class = &CHANNEL_NAME[1..CHANNEL_NAME.len() - 1];
    registry::PARAMS
        .iter()
        .filter_map(|param| {
            let probe = param.path.replace('*', "x");
            let kind = paths::sweep_kind(&root, &probe).ok();
            if kind == Some(SweepKind::Numbers) {
                return None;
            }
            let segments: Vec<String> = param
                .path
                .split('.')
                .map(|s| match s {
                    "*" => name_class.to_string(),
                    _ => {
                        // Registry keys are bare words: nothing to escape.
                        debug_assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                        s.to_string()
                    }
                })
                .collect();
            Some((format!("^{}$", segments.join("\\.")), kind))
        })
        .collect()
}

/// `[sweep]` by method: grid and zip (the default) take lists (numbers,
/// or a categorical path's words or booleans) or `{ from, to, steps }`;
/// random and lhs take `{ from, to }` of numeric paths and `samples`;
/// table takes `table` and no parameters.
fn constrain_sweep(sweep: &mut Value, defs: &mut Defs) {
    let paths = non_numeric_paths();
    let refused: Map<String, Value> = paths
        .iter()
        .map(|(pattern, _)| (pattern.clone(), json!(false)))
        .collect();
    let levels: Map<String, Value> = paths
        .iter()
        .map(|(pattern, kind)| {
            let items = match kind {
                Some(SweepKind::Words(words)) => json!({ "type": "string", "enum": words }),
                Some(SweepKind::Bools) => json!({ "type": "boolean" }),
                _ => return (pattern.clone(), json!(false)),
            };
            let list = json!({ "type": "array", "minItems": 1, "items": items });
            (pattern.clone(), list)
        })
        .collect();
    let number = defs.number(registry::ANY);
    let steps = int(ParamKind::Int {
        min: 1,
        max: i64::from(u32::MAX),
    });
    let grid_values = json!({
        "type": ["array", "object"],
        "if": { "type": "array" },
        "then": { "minItems": 1, "items": number },
        "else": {
            "properties": { "from": number, "to": number, "steps": steps },
            "required": ["from", "to", "steps"],
            "additionalProperties": false,
        },
    });
    let interval = range_table();
    let method_in = |methods: &[&str]| json!({ "properties": { "method": { "enum": methods } }, "required": ["method"] });
    sweep["allOf"] = json!([
        {
            "if": method_in(&["random", "lhs"]),
            "then": {
                "required": ["samples", "parameters"],
                "properties": {
                    "table": false,
                    "parameters": {
                        "minProperties": 1,
                        "patternProperties": refused,
                        "additionalProperties": interval,
                    },
                },
            },
        },
        {
            "if": method_in(&["table"]),
            "then": {
                "required": ["table"],
                "properties": { "samples": false, "parameters": { "maxProperties": 0 } },
            },
        },
        {
            "if": method_in(&["random", "lhs", "table"]),
            "else": {
                "required": ["parameters"],
                "properties": {
                    "samples": false,
                    "table": false,
                    "parameters": {
                        "minProperties": 1,
                        "patternProperties": levels,
                        "additionalProperties": grid_values,
                    },
                },
            },
        },
    ]);
}

/// `{ from, to }`: a range to sample or vary.
fn range_table() -> Value {
    json!({
        "type": "object",
        "properties": { "from": { "type": "number" }, "to": { "type": "number" } },
        "required": ["from", "to"],
        "additionalProperties": false,
    })
}

/// `[sensitivity]`: `samples` and at least one numeric path with its
/// range; `levels` (even) for Morris only; Sobol's limits; the figures of
/// `summary.csv`, each once.
fn constrain_sensitivity(sensitivity: &mut Value) {
    let refused: Map<String, Value> = non_numeric_paths()
        .into_iter()
        .map(|(pattern, _)| (pattern, json!(false)))
        .collect();
    let figures: Vec<&str> = crate::study::summary::FIGURES
        .iter()
        .map(|f| f.name)
        .collect();
    let properties = &mut sensitivity["properties"];
    properties["levels"]["multipleOf"] = json!(2);
    properties["figures"]["items"]["enum"] = json!(figures);
    let parameters = &mut properties["parameters"];
    parameters["minProperties"] = json!(1);
    parameters["patternProperties"] = Value::Object(refused);
    parameters["additionalProperties"] = range_table();
    sensitivity["required"] = json!(["samples", "parameters"]);
    sensitivity["if"] = json!({
        "properties": { "method": { "const": "morris" } },
        "required": ["method"],
    });
    sensitivity["else"] = json!({
        "properties": {
            "levels": false,
            "samples": { "maximum": super::resolve::MAX_SOBOL_SAMPLES },
            "parameters": { "maxProperties": super::resolve::MAX_SOBOL_PARAMETERS },
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema of the registry path `path` (`*` for a channel).
    fn at<'a>(schema: &'a Value, path: &str) -> &'a Value {
        path.split('.').fold(schema, |s, seg| match seg {
            "*" => &s["additionalProperties"],
            _ => &s["properties"][seg],
        })
    }

    #[test]
    fn every_parameter_has_its_schema_default_and_description() {
        let schema = scenario();
        for param in registry::PARAMS {
            let s = at(&schema, param.path);
            assert!(s.is_object(), "{}: no schema", param.path);
            assert!(s["description"].is_string(), "{}", param.path);
            match param.default {
                DefaultValue::Toml(text) => {
                    assert_eq!(s["default"], toml_value(text), "{}", param.path)
                }
                _ => assert!(s.get("default").is_none(), "{}", param.path),
            }
        }
    }

    #[test]
    fn tables_are_closed_and_nothing_is_required() {
        fn walk(s: &Value, path: &str) {
            if s.get("properties").is_some() && s.get("type") == Some(&json!("object")) {
                assert!(
                    s.get("additionalProperties")
                        .is_some_and(|a| a != &json!(true)),
                    "{path} is open"
                );
                assert!(
                    s.get("required").is_none()
                        || path.ends_with("sweep")
                        || path.ends_with("sensitivity"),
                    "{path}"
                );
                for (key, child) in s["properties"].as_object().unwrap() {
                    walk(child, &format!("{path}.{key}"));
                }
                if let Some(names) = s.get("additionalProperties").filter(|a| a.is_object()) {
                    walk(names, &format!("{path}.*"));
                }
            }
        }
        walk(&scenario(), "scenario");
    }

    #[test]
    fn bounds_become_minimum_and_maximum() {
        assert_eq!(
            number(registry::UNIT),
            json!({ "type": "number", "minimum": 0.0, "maximum": 1.0 })
        );
        assert_eq!(
            number(registry::POSITIVE),
            json!({ "type": "number", "exclusiveMinimum": 0.0 })
        );
        assert_eq!(
            number(registry::UNIT_BELOW_ONE)["exclusiveMaximum"],
            json!(1.0)
        );
        assert_eq!(bounds_name(registry::UNIT_BELOW_ONE), "ge0_lt1");
        assert_eq!(bounds_name(registry::ANY), "any");
        let schema = scenario();
        assert_eq!(
            at(&schema, "urban_share"),
            &json!({
                "type": "number", "minimum": 0.0, "maximum": 1.0, "default": 0.18,
                "description": "share of urban communities (ignored with a roster). Value: number, in [0, 1]; share. Default: 0.18.",
            })
        );
        assert_eq!(
            at(&schema, "issues.escalation")["$ref"],
            "#/$defs/schedule_ge0_le1"
        );
        assert_eq!(
            at(&schema, "team.seats")["$ref"],
            "#/$defs/per_kind_integer_1_1000"
        );
    }

    #[test]
    fn categorical_paths_come_from_the_tool() {
        let paths = non_numeric_paths();
        let find = |p: &str| paths.iter().find(|(q, _)| q == p).map(|(_, k)| *k);
        assert_eq!(
            find("^elections\\.rule$"),
            Some(Some(SweepKind::Words(registry::ELECTION_RULES)))
        );
        assert_eq!(find("^elections\\.enabled$"), Some(Some(SweepKind::Bools)));
        assert_eq!(
            find("^channels\\.[A-Za-z0-9_-]+\\.cohort$"),
            Some(Some(SweepKind::Words(registry::COHORTS)))
        );
        assert_eq!(find("^seeds$"), Some(None));
        assert_eq!(find("^channels\\.[A-Za-z0-9_-]+\\.enabled$"), Some(None));
        assert_eq!(find("^policy_window$"), Some(None));
        assert_eq!(find("^capacity\\.beta$"), None);
    }
}
