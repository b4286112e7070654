//! `scenario.schema.json`, the JSON Schema of the scenario format for
//! editors: the committed file is what `succession schema` prints
//! (`JSON_SCHEMA_WRITE=1 cargo test --release --test json_schema`
//! rewrites it), every shipped scenario names it on its first line and
//! validates against it, and on every fixture and case here the schema
//! agrees with `succession check` wherever it decides: it never refuses a
//! scenario the tool accepts, and it refuses unknown keys, wrong types and
//! values out of range as the tool does. The validator here is a small one
//! for the keywords the schema uses (it fails on any other); CI validates
//! with a real one (`scripts/validate_scenarios.py`, Python's jsonschema).

mod common;

use common::{root, stderr, stdout, succession};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The schema file, at the repository's root.
const SCHEMA_FILE: &str = "scenario.schema.json";

/// What `succession schema` prints.
fn generated() -> String {
    let output = succession(&root(), &["schema"]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

fn schema() -> Value {
    serde_json::from_str(&generated()).expect("succession schema prints JSON")
}

/// Every `.toml` under `dir`, recursively, sorted.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Whether `text` is a calibration targets file (`[[target]]` tables), which
/// is no scenario.
fn is_targets(text: &str) -> bool {
    text.lines().any(|l| l.trim() == "[[target]]")
}

/// The shipped scenarios (everything under scenarios/ but targets files),
/// with their text.
fn shipped() -> Vec<(PathBuf, String)> {
    let files: Vec<(PathBuf, String)> = toml_files(&root().join("scenarios"))
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .filter(|(_, text)| !is_targets(text))
        .collect();
    assert!(files.len() >= 15, "found only {} scenarios", files.len());
    files
}

/// A TOML document as the JSON a validator sees (as Python's tomllib and
/// an editor read it).
fn document(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).expect("valid TOML");
    serde_json::to_value(table).unwrap()
}

#[test]
fn the_committed_schema_is_what_succession_schema_prints() {
    let path = root().join(SCHEMA_FILE);
    let generated = generated();
    if std::env::var_os("JSON_SCHEMA_WRITE").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{SCHEMA_FILE} differs from `succession schema` (the registry changed?); regenerate it with \
         JSON_SCHEMA_WRITE=1 cargo test --release --test json_schema"
    );
    assert!(
        generated.ends_with("}\n"),
        "pretty-printed, with a final newline"
    );
}

#[test]
fn every_shipped_scenario_names_the_schema_on_its_first_line() {
    for path in toml_files(&root().join("scenarios")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path.strip_prefix(root()).unwrap();
        let first = text.lines().next().unwrap_or_default();
        if is_targets(&text) {
            // Targets files have no schema (README: Editor support).
            assert!(
                !first.starts_with("#:schema"),
                "{}: a targets file is no scenario",
                rel.display()
            );
            continue;
        }
        let depth = rel.components().count() - 1;
        let expected = format!("#:schema {}{SCHEMA_FILE}", "../".repeat(depth));
        assert_eq!(first, expected, "{}: first line", rel.display());
    }
}

#[test]
fn every_shipped_scenario_validates() {
    let validator = Validator::new(schema());
    for (path, text) in shipped() {
        let errors = validator.errors(&document(&text));
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
}

/// One scenario for `succession check` and the schema: `top` holds
/// top-level keys, `channel` more keys of the one channel `x`, `tail`
/// more tables; `refused` is `None` when both accept it, else a text the
/// tool's error holds (the key at fault).
struct Case {
    top: &'static str,
    channel: &'static str,
    tail: &'static str,
    refused: Option<&'static str>,
}

impl Case {
    fn text(&self) -> String {
        format!(
            "{}\n[channels.x]\ncohort = \"knowledge\"\nsupply = 0.3\n{}\n{}\n",
            self.top, self.channel, self.tail
        )
    }
}

const fn ok(top: &'static str, channel: &'static str, tail: &'static str) -> Case {
    Case {
        top,
        channel,
        tail,
        refused: None,
    }
}

const fn bad(
    key: &'static str,
    top: &'static str,
    channel: &'static str,
    tail: &'static str,
) -> Case {
    Case {
        top,
        channel,
        tail,
        refused: Some(key),
    }
}

/// The cases the schema decides as the tool does: each form of each kind,
/// accepted, and unknown keys, wrong types and values out of range.
const CASES: &[Case] = &[
    // The forms a value may take.
    ok("", "", ""),
    ok(
        "team.seats = 7.0\ncapacity.beta = { value = 8, scale = 0.5 }",
        "",
        "",
    ),
    ok("learning.experience = { value = 2, scale = 0.1 }", "", ""),
    ok(
        "issues.rate = { points = [[1949, 30], [2000, 40]] }",
        "",
        "",
    ),
    ok(
        "issues.rate = { urban = [[1949, 30]], rural = { stepwise = [[1949, 20]], scale = 2 } }",
        "",
        "",
    ),
    ok(
        "exits.retirement.age = 62\nobserve.trough_window = [1960, 2000]",
        "",
        "",
    ),
    ok(
        "",
        "age = { normal = [30, 5], min = 20, max = 60 }\nknowledge = { beta = [2, 3] }\nexperience = { normal = [0.5, 0.1] }\nkind = { urban = 2, rural = 0.5 }\nshock = { sd = 0.2, persistence = 0.5 }",
        "",
    ),
    ok(
        "",
        "",
        "[channels.y]\ncohort = { stepwise = [[1949, \"revolutionary\"], [1978, \"experience\"]] }\nsupply = 1\n[channels.z]\nenabled = false",
    ),
    ok(
        "",
        "",
        "[sweep]\n[sweep.parameters]\n\"elections.rule\" = [\"seat\", \"committee\"]\n\"elections.enabled\" = [true, false]\n\"channels.x.cohort\" = [\"experience\"]\n\"capacity.beta.scale\" = { from = 1, to = 2, steps = 3 }",
    ),
    ok(
        "",
        "",
        "[sweep]\nmethod = \"lhs\"\nsamples = 4\n[sweep.parameters]\n\"channels.x.supply\" = { from = 0.1, to = 0.5 }",
    ),
    ok(
        "",
        "",
        "[sensitivity]\nmethod = \"morris\"\nsamples = 4\nlevels = 6\nfigures = [\"policy_capacity\"]\n[sensitivity.parameters]\n\"mentoring.rate\" = { from = 0, to = 0.3 }",
    ),
    // Unknown keys, wherever they are.
    bad("foo", "foo = 1", "", ""),
    bad("capacity.betta", "capacity.betta = 8.0", "", ""),
    bad("channels.x.suply", "", "suply = 1", ""),
    bad(
        "channels.x.shock.persistance",
        "",
        "shock = { persistance = 0.5 }",
        "",
    ),
    bad(
        "capacity.beta.valeu",
        "capacity.beta = { valeu = 8 }",
        "",
        "",
    ),
    bad(
        "issues.rate.suburban",
        "issues.rate = { urban = 1, rural = 2, suburban = 3 }",
        "",
        "",
    ),
    bad("init.rooster", "init.rooster = \"x.csv\"", "", ""),
    bad(
        "sweep.sample",
        "",
        "",
        "[sweep]\nsample = 3\n[sweep.parameters]\n\"capacity.beta\" = [1]",
    ),
    bad(
        "from",
        "",
        "",
        "[sensitivity]\nsamples = 4\n[sensitivity.parameters]\n\"capacity.beta\" = { form = 1, to = 2 }",
    ),
    // A string where a number is expected.
    bad("communities", "communities = \"100\"", "", ""),
    bad("capacity.beta", "capacity.beta = \"8\"", "", ""),
    bad(
        "channels.y.supply",
        "",
        "",
        "[channels.y]\ncohort = \"experience\"\nsupply = [[1949, \"0.3\"]]",
    ),
    bad(
        "issues.rate.urban",
        "issues.rate = { urban = \"40\", rural = 25 }",
        "",
        "",
    ),
    bad("channels.x.age", "", "age = \"30\"", ""),
    bad(
        "sweep.parameters",
        "",
        "",
        "[sweep]\n[sweep.parameters]\n\"capacity.beta\" = [\"8\"]",
    ),
    // Other types and forms.
    bad("team.seats", "team.seats = 6.5", "", ""),
    bad("elections.enabled", "elections.enabled = \"yes\"", "", ""),
    bad(
        "capacity.beta",
        "capacity.beta = { value = 8, points = [[1949, 8]] }",
        "",
        "",
    ),
    bad("issues.rate", "issues.rate = { urban = 40 }", "", ""),
    bad("channels.x.age", "", "age = { normal = [30, 5] }", ""),
    bad("channels.x.age", "", "age = { beta = [2, 3] }", ""),
    bad(
        "channels.x.knowledge",
        "",
        "knowledge = { beta = [2, 3], min = 0.1 }",
        "",
    ),
    bad(
        "channel name",
        "",
        "",
        "[channels.\"a b\"]\ncohort = \"knowledge\"\nsupply = 1",
    ),
    bad("capacity", "capacity = 5", "", ""),
    // Values out of range.
    bad("urban_share", "urban_share = 1.5", "", ""),
    bad(
        "exits.retirement.spread",
        "exits.retirement.spread = 0",
        "",
        "",
    ),
    bad(
        "channels.x.shock.persistence",
        "",
        "shock = { persistence = 1.0 }",
        "",
    ),
    bad("elections.term", "elections.term = [[1949, 0.5]]", "", ""),
    bad(
        "channels.x.knowledge.beta.0",
        "",
        "knowledge = { beta = [0.0001, 3] }",
        "",
    ),
    bad("promotion.openness", "promotion.openness = []", "", ""),
    // Sweeps by method.
    bad(
        "sweep.parameters",
        "",
        "",
        "[sweep]\nmethod = \"random\"\nsamples = 3\n[sweep.parameters]\n\"capacity.beta\" = [1, 2]",
    ),
    bad(
        "steps",
        "",
        "",
        "[sweep]\nmethod = \"lhs\"\nsamples = 3\n[sweep.parameters]\n\"capacity.beta\" = { from = 1, to = 2, steps = 3 }",
    ),
    bad(
        "steps",
        "",
        "",
        "[sweep]\n[sweep.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sweep.samples",
        "",
        "",
        "[sweep]\nmethod = \"random\"\n[sweep.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sweep.samples",
        "",
        "",
        "[sweep]\nsamples = 3\n[sweep.parameters]\n\"capacity.beta\" = [1, 2]",
    ),
    bad("sweep.method", "", "", "[sweep]\nmethod = \"table\""),
    bad("sweep.parameters", "", "", "[sweep]\nmethod = \"zip\""),
    bad(
        "seeds",
        "",
        "",
        "[sweep]\n[sweep.parameters]\n\"seeds\" = [\"common\", \"independent\"]",
    ),
    bad(
        "elections.rule",
        "",
        "",
        "[sweep]\n[sweep.parameters]\n\"elections.rule\" = [\"seat\", \"comittee\"]",
    ),
    bad(
        "elections.rule",
        "",
        "",
        "[sweep]\nmethod = \"lhs\"\nsamples = 2\n[sweep.parameters]\n\"elections.rule\" = [\"seat\"]",
    ),
    // Sensitivity analyses.
    bad(
        "sensitivity.samples",
        "",
        "",
        "[sensitivity]\nsamples = 1\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.levels",
        "",
        "",
        "[sensitivity]\nmethod = \"morris\"\nsamples = 4\nlevels = 5\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.levels",
        "",
        "",
        "[sensitivity]\nmethod = \"morris\"\nsamples = 4\nlevels = 1002\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.levels",
        "",
        "",
        "[sensitivity]\nsamples = 4\nlevels = 4\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.bootstrap",
        "",
        "",
        "[sensitivity]\nsamples = 4\nbootstrap = 100001\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.samples",
        "",
        "",
        "[sensitivity]\nsamples = 65537\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.figures.1",
        "",
        "",
        "[sensitivity]\nsamples = 4\nfigures = [\"policy_capacity\", \"policy_capacity\"]\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "sensitivity.figures.0",
        "",
        "",
        "[sensitivity]\nsamples = 4\nfigures = [\"capacity\"]\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
    bad(
        "elections.enabled",
        "",
        "",
        "[sensitivity]\nsamples = 4\n[sensitivity.parameters]\n\"elections.enabled\" = { from = 0, to = 1 }",
    ),
    bad(
        "sensitivity.parameters",
        "",
        "",
        "[sensitivity]\nsamples = 4\n[sensitivity.parameters]",
    ),
    bad(
        "sensitivity",
        "",
        "",
        "[sweep]\n[sweep.parameters]\n\"capacity.beta\" = [1]\n[sensitivity]\nsamples = 4\n[sensitivity.parameters]\n\"capacity.beta\" = { from = 1, to = 2 }",
    ),
];

#[test]
fn the_schema_decides_each_case_as_check_does() {
    let validator = Validator::new(schema());
    let scratch = tempfile::tempdir().unwrap();
    for (i, case) in CASES.iter().enumerate() {
        let text = case.text();
        let file = scratch.path().join(format!("case{i}.toml"));
        std::fs::write(&file, &text).unwrap();
        let check = succession(scratch.path(), &["check", file.to_str().unwrap()]);
        let errors = validator.errors(&document(&text));
        match case.refused {
            None => {
                assert!(
                    check.status.success(),
                    "case {i} ({text}): check refuses it: {}",
                    stderr(&check)
                );
                assert!(
                    errors.is_empty(),
                    "case {i} ({text}): the schema refuses it:\n{}",
                    errors.join("\n")
                );
            }
            Some(key) => {
                assert!(
                    !check.status.success() && stderr(&check).contains(key),
                    "case {i} ({text}): check should refuse it at {key}: {}",
                    stderr(&check)
                );
                assert!(
                    !errors.is_empty(),
                    "case {i} ({text}): the schema accepts what check refuses"
                );
            }
        }
    }
}

/// The two examples of README's Editor support section, on the scenario
/// format's own terms: an unknown key and a string for a number.
#[test]
fn an_unknown_key_and_a_string_for_a_number_do_not_validate() {
    let validator = Validator::new(schema());
    for text in ["[capacity]\nbetta = 8.0\n", "communities = \"10000\"\n"] {
        assert!(!validator.errors(&document(text)).is_empty(), "{text}");
    }
    assert!(
        validator
            .errors(&document("[capacity]\nbeta = 8.0\n"))
            .is_empty()
    );
}

/// Every fixture of tests/scenarios that `check` accepts validates: the
/// schema is never stricter than the tool.
#[test]
fn every_fixture_the_tool_accepts_validates() {
    let validator = Validator::new(schema());
    let mut accepted = 0;
    for path in toml_files(&root().join("tests/scenarios")) {
        let text = std::fs::read_to_string(&path).unwrap();
        if is_targets(&text) || text.lines().any(|l| l.trim() == "[search]") {
            continue;
        }
        let Ok(table) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let check = succession(&root(), &["check", path.to_str().unwrap()]);
        if check.status.success() {
            let errors = validator.errors(&serde_json::to_value(table).unwrap());
            assert!(
                errors.is_empty(),
                "{}: check accepts it, the schema does not:\n{}",
                path.display(),
                errors.join("\n")
            );
            accepted += 1;
        }
    }
    assert!(accepted >= 30, "only {accepted} fixtures checked");
}

/// A JSON Schema validator for the keywords `succession schema` uses (it
/// panics on any other, so that a new keyword is added here knowingly).
struct Validator {
    root: Value,
}

impl Validator {
    fn new(root: Value) -> Validator {
        Validator { root }
    }

    /// Where and why `instance` fails the schema (none when it validates).
    fn errors(&self, instance: &Value) -> Vec<String> {
        let mut out = Vec::new();
        self.check(&self.root, instance, "", &mut out);
        out
    }

    fn valid(&self, schema: &Value, instance: &Value) -> bool {
        let mut out = Vec::new();
        self.check(schema, instance, "", &mut out);
        out.is_empty()
    }

    fn check(&self, schema: &Value, instance: &Value, at: &str, out: &mut Vec<String>) {
        let mut fail = |why: String| out.push(format!("{at}: {why}"));
        let object = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return fail("nothing is allowed here".into()),
            Value::Object(object) => object,
            other => panic!("not a schema: {other}"),
        };
        let mut failures = Vec::new();
        for (keyword, value) in object {
            let mut sub = |s: &Value, i: &Value, path: &str| {
                self.check(s, i, path, &mut failures);
            };
            match keyword.as_str() {
                "$schema" | "$defs" | "title" | "description" | "default" | "then" | "else" => {}
                "$ref" => {
                    let pointer = value.as_str().unwrap().strip_prefix('#').unwrap();
                    let target = self.root.pointer(pointer).expect("a $ref resolves");
                    sub(target, instance, at);
                }
                "type" => {
                    let types: Vec<&str> = match value {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                        _ => panic!("type {value}"),
                    };
                    if !types.iter().any(|t| has_type(instance, t)) {
                        failures.push(format!("{at}: {instance} is not of type {value}"));
                    }
                }
                "enum" => {
                    if !value.as_array().unwrap().contains(instance) {
                        failures.push(format!("{at}: {instance} is not one of {value}"));
                    }
                }
                "const" => {
                    if value != instance {
                        failures.push(format!("{at}: {instance} is not {value}"));
                    }
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                    if let Some(x) = instance.as_f64() {
                        let bound = value.as_f64().unwrap();
                        let ok = match keyword.as_str() {
                            "minimum" => x >= bound,
                            "maximum" => x <= bound,
                            "exclusiveMinimum" => x > bound,
                            "exclusiveMaximum" => x < bound,
                            _ => (x / bound).fract() == 0.0,
                        };
                        if !ok {
                            failures.push(format!("{at}: {instance} fails {keyword} {value}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(s) = instance.as_str()
                        && !matches(value.as_str().unwrap(), s)
                    {
                        failures.push(format!("{at}: {instance} does not match {value}"));
                    }
                }
                "minLength" => {
                    if let Some(s) = instance.as_str()
                        && (s.chars().count() as u64) < value.as_u64().unwrap()
                    {
                        failures.push(format!("{at}: {instance} is too short"));
                    }
                }
                "minItems" | "maxItems" | "uniqueItems" | "prefixItems" | "items" => {
                    let Some(items) = instance.as_array() else {
                        continue;
                    };
                    match keyword.as_str() {
                        "minItems" if (items.len() as u64) < value.as_u64().unwrap() => {
                            failures.push(format!("{at}: too few items"));
                        }
                        "maxItems" if (items.len() as u64) > value.as_u64().unwrap() => {
                            failures.push(format!("{at}: too many items"));
                        }
                        "uniqueItems" if value == &Value::Bool(true) => {
                            for (i, item) in items.iter().enumerate() {
                                if items[..i].contains(item) {
                                    failures.push(format!("{at}.{i}: {item} is repeated"));
                                }
                            }
                        }
                        "prefixItems" => {
                            for (i, (s, item)) in
                                value.as_array().unwrap().iter().zip(items).enumerate()
                            {
                                sub(s, item, &format!("{at}.{i}"));
                            }
                        }
                        "items" => {
                            let skip = object
                                .get("prefixItems")
                                .map_or(0, |p| p.as_array().unwrap().len());
                            for (i, item) in items.iter().enumerate().skip(skip) {
                                sub(value, item, &format!("{at}.{i}"));
                            }
                        }
                        _ => {}
                    }
                }
                "properties"
                | "patternProperties"
                | "additionalProperties"
                | "propertyNames"
                | "required"
                | "minProperties"
                | "maxProperties" => {
                    let Some(map) = instance.as_object() else {
                        continue;
                    };
                    match keyword.as_str() {
                        "properties" => {
                            for (key, s) in value.as_object().unwrap() {
                                if let Some(v) = map.get(key) {
                                    sub(s, v, &format!("{at}.{key}"));
                                }
                            }
                        }
                        "patternProperties" => {
                            for (pattern, s) in value.as_object().unwrap() {
                                for (key, v) in map.iter().filter(|(k, _)| matches(pattern, k)) {
                                    sub(s, v, &format!("{at}.{key}"));
                                }
                            }
                        }
                        "additionalProperties" => {
                            let named = object.get("properties").and_then(Value::as_object);
                            let patterns =
                                object.get("patternProperties").and_then(Value::as_object);
                            for (key, v) in map {
                                let listed = named.is_some_and(|n| n.contains_key(key))
                                    || patterns
                                        .is_some_and(|p| p.keys().any(|pat| matches(pat, key)));
                                if !listed {
                                    sub(value, v, &format!("{at}.{key}"));
                                }
                            }
                        }
                        "propertyNames" => {
                            for key in map.keys() {
                                sub(value, &Value::String(key.clone()), &format!("{at}.{key}"));
                            }
                        }
                        "required" => {
                            for key in value.as_array().unwrap() {
                                if !map.contains_key(key.as_str().unwrap()) {
                                    failures.push(format!("{at}: {key} is missing"));
                                }
                            }
                        }
                        "minProperties" if (map.len() as u64) < value.as_u64().unwrap() => {
                            failures.push(format!("{at}: too few keys"));
                        }
                        "maxProperties" if (map.len() as u64) > value.as_u64().unwrap() => {
                            failures.push(format!("{at}: too many keys"));
                        }
                        _ => {}
                    }
                }
                "allOf" => {
                    for s in value.as_array().unwrap() {
                        sub(s, instance, at);
                    }
                }
                "anyOf" | "oneOf" => {
                    let passing = value
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|s| self.valid(s, instance))
                        .count();
                    let ok = if keyword == "anyOf" {
                        passing >= 1
                    } else {
                        passing == 1
                    };
                    if !ok {
                        failures.push(format!("{at}: {passing} of {keyword} hold"));
                    }
                }
                "not" => {
                    if self.valid(value, instance) {
                        failures.push(format!("{at}: matches what is refused"));
                    }
                }
                "if" => {
                    let branch = if self.valid(value, instance) {
                        "then"
                    } else {
                        "else"
                    };
                    if let Some(s) = object.get(branch) {
                        sub(s, instance, at);
                    }
                }
                other => panic!("the test's validator lacks the keyword {other}"),
            }
        }
        out.extend(failures);
    }
}

/// Whether `instance` is of the JSON Schema type `name` (an integer is a
/// number with no fraction, `6.0` included, as in Python's jsonschema).
fn has_type(instance: &Value, name: &str) -> bool {
    match name {
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        "number" => instance.is_number(),
        "integer" => {
            instance.is_i64()
                || instance.is_u64()
                || instance.as_f64().is_some_and(|x| x.fract() == 0.0)
        }
        other => panic!("unknown type {other}"),
    }
}

/// Whether `text` matches `pattern`, for the patterns the schema uses:
/// anchored at both ends, literal characters (`\.` escaped), character
/// classes with ranges, each optionally followed by `+`.
fn matches(pattern: &str, text: &str) -> bool {
    enum Atom {
        Char(char),
        Class(Vec<(char, char)>),
    }
    let inner = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or_else(|| panic!("the test's matcher takes anchored patterns: {pattern}"));
    let mut atoms: Vec<(Atom, bool)> = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        let atom = match c {
            '\\' => Atom::Char(chars.next().unwrap()),
            '[' => {
                let mut ranges = Vec::new();
                loop {
                    let lo = chars.next().unwrap();
                    if lo == ']' {
                        break;
                    }
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        match chars.peek() {
                            Some(']') => ranges.extend([(lo, lo), ('-', '-')]),
                            _ => ranges.push((lo, chars.next().unwrap())),
                        }
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                Atom::Class(ranges)
            }
            '(' | ')' | '|' | '*' | '?' | '{' | '.' | '+' => {
                panic!("the test's matcher lacks {c:?} in {pattern}")
            }
            c => Atom::Char(c),
        };
        let plus = chars.peek() == Some(&'+');
        if plus {
            chars.next();
        }
        atoms.push((atom, plus));
    }
    fn one(atom: &Atom, c: char) -> bool {
        match atom {
            Atom::Char(a) => *a == c,
            Atom::Class(ranges) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)),
        }
    }
    fn from(atoms: &[(Atom, bool)], text: &[char]) -> bool {
        let Some(((atom, plus), rest)) = atoms.split_first() else {
            return text.is_empty();
        };
        let mut n = 0;
        while n < text.len() && one(atom, text[n]) {
            n += 1;
            if !plus {
                break;
            }
        }
        (1..=n).rev().any(|k| from(rest, &text[k..]))
    }
    let text: Vec<char> = text.chars().collect();
    from(&atoms, &text)
}

#[test]
fn the_test_matcher_matches_the_schema_patterns() {
    assert!(matches("^[A-Za-z0-9_-]+$", "school_2-b"));
    assert!(!matches("^[A-Za-z0-9_-]+$", "a b"));
    assert!(!matches("^[A-Za-z0-9_-]+$", ""));
    let cohort = "^channels\\.[A-Za-z0-9_-]+\\.cohort$";
    assert!(matches(cohort, "channels.school.cohort"));
    assert!(!matches(cohort, "channels.school.cohort.x"));
    assert!(!matches(cohort, "channels..cohort"));
    assert!(!matches("^seeds$", "seedsx"));
}
