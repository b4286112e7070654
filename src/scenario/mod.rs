//! Scenario files (MODEL.md section 6): parsing with positions, `extends`,
//! built-in defaults, validation, `--set` overrides and the parameter list.
//!
//! The flow is: each file is parsed into a `Node` tree that keeps the
//! position of every key and value; the `extends` chain is merged onto the
//! built-in defaults into a [`Source`]; overrides edit a copy of that tree;
//! and [`Source::resolve`] validates the result into a typed [`Scenario`].
//! One registry (`registry.rs`) lists every parameter and drives defaults,
//! unknown-key detection, range checks, override paths and [`params`].

mod node;
mod paths;
mod registry;
mod resolve;
mod write;

pub mod json_schema;
pub mod roster;
pub mod types;

pub use types::*;

use crate::{Error, Result};
use node::{Node, Origin, Value};
use std::path::{Path, PathBuf};

/// A numeric override of one scenario path, from `--set PATH=VALUE` or a
/// sweep point. `origin` names where it came from for error messages
/// (e.g. `--set capacity.beta=9`).
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The scenario path, e.g. `channels.school.supply.scale`.
    pub path: String,
    /// The value as written (parsed as TOML: a number, a string, a bool, an
    /// array, or an inline table).
    pub value: String,
    /// Where it came from, for error messages.
    pub origin: String,
}

impl Override {
    /// Whether this override sets `path`, a part of it, or a table that
    /// holds it.
    pub fn touches(&self, path: &str) -> bool {
        self.path == path
            || self.path.starts_with(&format!("{path}."))
            || path.starts_with(&format!("{}.", self.path))
    }

    /// Parses `PATH=VALUE` as given to `--set`.
    ///
    /// The value is kept as written and read as TOML when the override is
    /// applied; a bare word such as `independent` counts as a string.
    pub fn parse_set(arg: &str) -> Result<Override> {
        let origin = format!("--set {arg}");
        let Some((path, value)) = arg.split_once('=') else {
            return Err(Error::input(
                origin,
                arg,
                "expected PATH=VALUE, e.g. capacity.beta=9",
            ));
        };
        let path = path.trim();
        if path.is_empty() {
            return Err(Error::input(
                origin,
                "",
                "the path before `=` is empty: expected PATH=VALUE",
            ));
        }
        Ok(Override {
            path: path.to_string(),
            value: value.trim().to_string(),
            origin,
        })
    }
}

/// A scenario file with its `extends` chain merged and defaults filled, not
/// yet resolved into a [`Scenario`]; overrides are applied on top of it.
#[derive(Clone, Debug)]
pub struct Source {
    /// Defaults, then the `extends` chain, merged; relative paths resolved.
    root: Node,
    /// The top file as named by the caller, for errors about the whole file.
    file: String,
    /// Warnings about the input that are no errors (a new channel named
    /// like a defined one), one line each without the `warning: ` prefix:
    /// the library never prints, the binary does.
    pub warnings: Vec<String>,
    /// The files of the `extends` chain as origins name them, the top file
    /// first, then the file it extends, and so on.
    files: Vec<String>,
}

impl Source {
    /// Where `[sweep.parameters]` names `path` (`file:line:column` of its
    /// key), for error messages about a sweep point's value of it.
    pub fn sweep_parameter_origin(&self, path: &str) -> Option<String> {
        let entry = self.root.get("sweep")?.get("parameters")?.entry(path)?;
        Some(entry.key_origin.to_string())
    }

    /// Reads `path` and everything it extends.
    pub fn read(path: &Path) -> Result<Source> {
        let text = read_input(path, SCENARIO_LIMIT).map_err(|e| {
            Error::BadInput(format!("{}: cannot read scenario: {e}", path.display()))
        })?;
        Source::from_text(&text, path)
    }

    /// Parses `text` as the scenario file `path` (which need not exist:
    /// `extends` and relative paths are taken from its folder), so that a
    /// fuzzer reads through the same code as [`Source::read`].
    pub fn from_text(text: &str, path: &Path) -> Result<Source> {
        let file = path.display().to_string();
        let mut chain = Vec::new();
        let mut notes = ChainNotes::default();
        let mut scenario = parse_chain(text, path, None, &mut chain, &mut notes)?;
        let ChainNotes { warnings, files } = notes;
        if scenario.get("name").is_none() {
            let stem = path
                .file_stem()
                .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
            scenario.insert(
                "name",
                Origin::Default,
                Node::new(Value::String(stem), Origin::Default),
            );
        }
        let mut root = defaults();
        node::merge(&mut root, scenario, &mut Vec::new(), &|p| {
            registry::merges(p)
        });
        fill_channel_defaults(&mut root);
        Ok(Source {
            root,
            file,
            warnings,
            files,
        })
    }

    /// Applies `overrides` in order and resolves into a validated scenario.
    ///
    /// Errors about a value an override set name the override's `origin`.
    pub fn resolve(&self, overrides: &[Override]) -> Result<Scenario> {
        resolve::scenario(&self.overridden(overrides)?, &self.file)
    }

    /// The merged tree with `overrides` applied in order; errors name the
    /// override's `origin`.
    fn overridden(&self, overrides: &[Override]) -> Result<Node> {
        let mut root = self.root.clone();
        for o in overrides {
            let origin = Origin::Override(o.origin.as_str().into());
            let bad = |message: String| Error::input(&o.origin, &o.path, message);
            let value = node::parse_value(&o.value, &origin).map_err(bad)?;
            paths::apply(&mut root, &o.path, value).map_err(bad)?;
        }
        Ok(root)
    }

    /// What a scenario that `extends` this one writes to give `path` the
    /// value `overrides` give it: the whole parameter `path` belongs to (a
    /// child replaces a parameter whole, so `supply.scale` needs the
    /// schedule beside it), as one `dotted.key = value` line of TOML.
    pub fn parameter_line(&self, overrides: &[Override], path: &str) -> Result<String> {
        let root = self.overridden(overrides)?;
        let segs: Vec<&str> = path.split('.').collect();
        let unknown = || Error::BadInput(format!("{path}: no such parameter"));
        let (_, n) = registry::find_param(&segs).ok_or_else(unknown)?;
        let node = root.at(&segs[..n].join(".")).ok_or_else(unknown)?;
        let key: Vec<String> = segs[..n].iter().map(|s| node::toml_key(s)).collect();
        Ok(format!("{} = {}", key.join("."), node::to_toml(node)))
    }

    /// Where the value at scenario `path` was given once `overrides` are
    /// applied: the last override setting it (or a part of it), else the
    /// `file:line:column` of the nearest enclosing value written in a file,
    /// else the top file. For errors found after resolving, e.g. a derived
    /// quantity the samplers cannot take.
    pub fn origin_of(&self, overrides: &[Override], path: &str) -> String {
        if let Some(o) = overrides.iter().rev().find(|o| o.touches(path)) {
            return o.origin.clone();
        }
        let mut at = path;
        loop {
            if let Some(node) = self.root.at(at)
                && node.origin.is_given()
            {
                return node.origin.to_string();
            }
            match at.rsplit_once('.') {
                Some((head, _)) => at = head,
                None => return Origin::start_of(&self.file).to_string(),
            }
        }
    }

    /// Whether the scenario gives a value at `path` for a run from its
    /// `[init] roster` once `overrides` are applied: an override sets it (or
    /// a part of it), or the file that names the roster writes it, or a
    /// file that extends that one. A value inherited from a file further up
    /// the `extends` chain than the roster (`communities = 10000` of the
    /// baseline under a seeded scenario) was written for runs from vacant
    /// seats, and does not count.
    pub fn gives_with_roster(&self, overrides: &[Override], path: &str) -> bool {
        let depth = |node: &Node| match &node.origin {
            Origin::File { file, .. } => self.files.iter().position(|f| **f == **file),
            _ => None,
        };
        let roster_depth = self.root.at("init.roster").and_then(depth);
        overrides.iter().any(|o| o.touches(path))
            || self
                .root
                .at(path)
                .and_then(depth)
                .is_some_and(|d| roster_depth.is_none_or(|r| d <= r))
    }

    /// Whether `path` names a numeric leaf a sweep or `--set` may set.
    pub fn has_numeric_path(&self, path: &str) -> bool {
        paths::is_numeric(&self.root, path)
    }
}

/// The type of the values a sweep gives `path`, the type of its column in
/// `points.csv` and `summary.csv`: `String` for a string parameter with a
/// fixed set of words (`elections.rule`), `Boolean` for a boolean one
/// (`elections.enabled`), `Number` for every other path.
pub fn swept_type(path: &str) -> crate::model::schema::FieldType {
    paths::swept_type(path)
}

/// Resolves scenario text (no `extends`) over the registry's built-in
/// defaults, so that test scenarios restate no default by hand; `file` names
/// the text in errors.
#[cfg(test)]
pub(crate) fn from_defaults(text: &str, file: &str) -> Result<Scenario> {
    let mut root = defaults();
    let scenario = node::parse_document(text, file)?;
    node::merge(&mut root, scenario, &mut Vec::new(), &|p| {
        registry::merges(p)
    });
    fill_channel_defaults(&mut root);
    resolve::scenario(&root, file)
}

/// Reads and resolves a scenario file with overrides.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario> {
    Source::read(path)?.resolve(overrides)
}

/// The resolved scenario as a complete TOML document in the scenario format
/// (every default written out), as `succession check` prints it.
///
/// A constant schedule with a scale other than 1 is written as
/// `{ value = c, scale = s }`, the table form of a constant.
pub fn to_toml(scenario: &Scenario) -> String {
    write::to_toml(scenario)
}

/// One documented parameter, for `succession params`.
#[derive(Clone, Debug)]
pub struct ParamDoc {
    /// Scenario path (`channels.<name>.supply` for per-channel ones).
    pub path: String,
    /// The default, as TOML.
    pub default: String,
    /// Unit or allowed range.
    pub range: String,
    /// One-line meaning.
    pub meaning: String,
}

/// Every scenario parameter, from the one registry that also drives defaults
/// and validation.
pub fn params() -> Vec<ParamDoc> {
    registry::docs()
}

/// The largest scenario file read (16 MiB): far above any real scenario,
/// small enough that a mistaken path cannot exhaust memory.
pub const SCENARIO_LIMIT: u64 = 16 << 20;

/// The largest roster or sweep table read (256 MiB: a national roster of
/// millions of seats fits).
pub const TABLE_LIMIT: u64 = 256 << 20;

/// Opens an input file after checking that it is a regular file of at
/// most `limit` bytes, so that `/dev/zero`, a FIFO or a folder is refused
/// instead of read until memory runs out. The error is a phrase for
/// "cannot read ...: {error}".
pub fn open_input(path: &Path, limit: u64) -> std::result::Result<std::fs::File, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_string());
    }
    if meta.len() > limit {
        return Err(format!(
            "{} bytes, above the limit of {} MiB for this kind of file",
            meta.len(),
            limit >> 20
        ));
    }
    Ok(file)
}

/// Reads a whole input file as text within `limit` bytes (see
/// [`open_input`]).
fn read_input(path: &Path, limit: u64) -> std::result::Result<String, String> {
    use std::io::Read;
    let mut text = String::new();
    open_input(path, limit)?
        // A file that grows after the size check still stops at the limit.
        .take(limit)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    Ok(text)
}

/// Reads one file and, before it, everything it extends; `named_by` is the
/// `extends` value that named this file, `chain` the files being read (for
/// cycles).
fn read_chain(
    path: &Path,
    named_by: Option<&Origin>,
    chain: &mut Vec<(PathBuf, String)>,
    notes: &mut ChainNotes,
) -> Result<Node> {
    let display = path.display().to_string();
    let text = read_input(path, SCENARIO_LIMIT).map_err(|e| match named_by {
        Some(origin) => Error::input(
            origin.to_string(),
            "extends",
            format!("{display}: cannot read scenario: {e}"),
        ),
        None => Error::BadInput(format!("{display}: cannot read scenario: {e}")),
    })?;
    parse_chain(&text, path, named_by, chain, notes)
}

/// What reading an `extends` chain learns besides the merged tree.
#[derive(Default)]
struct ChainNotes {
    /// Warnings (see [`Source::warnings`]).
    warnings: Vec<String>,
    /// The files read, the top file first, each as origins name it.
    files: Vec<String>,
}

/// [`read_chain`] once the file's `text` is read.
fn parse_chain(
    text: &str,
    path: &Path,
    named_by: Option<&Origin>,
    chain: &mut Vec<(PathBuf, String)>,
    notes: &mut ChainNotes,
) -> Result<Node> {
    let display = path.display().to_string();
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if chain.iter().any(|(c, _)| *c == canonical) {
        let cycle: Vec<&str> = chain
            .iter()
            .map(|(_, d)| d.as_str())
            .chain(std::iter::once(display.as_str()))
            .collect();
        let origin = named_by.map_or_else(|| Origin::start_of(&display), Clone::clone);
        return Err(Error::input(
            origin.to_string(),
            "extends",
            format!("{display} extends itself: {}", cycle.join(" -> ")),
        ));
    }
    chain.push((canonical, display.clone()));
    notes.files.push(display.clone());
    let mut scenario = node::parse_document(text, &display)?;
    resolve::check_channel_count(&scenario)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    for key in ["init.roster", "sweep.table"] {
        resolve_relative(&mut scenario, key, dir);
    }
    let merged = match scenario.remove("extends") {
        None => scenario,
        Some(entry) => {
            let Some(parent_name) = entry.node.as_str() else {
                return Err(Error::input(
                    entry.node.origin.to_string(),
                    "extends",
                    format!(
                        "expected the file name of a scenario, found {}",
                        entry.node.describe()
                    ),
                ));
            };
            let parent_path: PathBuf = dir.join(parent_name).components().collect();
            let mut parent = read_chain(&parent_path, Some(&entry.node.origin), chain, notes)?;
            parent.remove("name");
            notes
                .warnings
                .extend(near_channel_names(&parent, &scenario));
            node::merge(&mut parent, scenario, &mut Vec::new(), &|p| {
                registry::merges(p)
            });
            parent
        }
    };
    chain.pop();
    Ok(merged)
}

/// The most edits between a new channel's name and a defined one for the
/// new one to look like a misspelling.
const NEAR_CHANNEL_EDITS: usize = 2;

/// Warnings for the channels that `child` adds to those `parent` defines
/// (a table `parent` has no entry for) when the name is within
/// [`NEAR_CHANNEL_EDITS`] edits of a defined one and the table does not
/// say `new = true`: `[channels.schol]` is more likely a misspelt
/// `[channels.school]` than a seventh channel. The closest defined name is
/// suggested (the first in the parent's order on ties).
fn near_channel_names(parent: &Node, child: &Node) -> Vec<String> {
    let names = |tree: &Node| -> Vec<String> {
        tree.get("channels")
            .and_then(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| e.key.clone())
            .collect()
    };
    let defined = names(parent);
    let Some(entries) = child.get("channels").and_then(Node::entries) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for entry in entries {
        let name = &entry.key;
        let silenced = entry
            .node
            .get("new")
            .is_some_and(|n| matches!(n.value, Value::Bool(true)));
        if silenced || defined.contains(name) {
            continue;
        }
        let nearest = defined
            .iter()
            .map(|d| (strsim::levenshtein(name, d), d))
            .filter(|(d, _)| *d <= NEAR_CHANNEL_EDITS)
            .min_by_key(|(d, _)| *d);
        if let Some((_, near)) = nearest {
            warnings.push(format!(
                "channels.{name}: a new channel; did you mean channels.{near}? add new = true to the table to silence this"
            ));
        }
    }
    warnings
}

/// Makes the file path at `key` absolute, relative to `dir` (the folder of
/// the file that names it), so that it survives merging and `to_toml`.
fn resolve_relative(scenario: &mut Node, key: &str, dir: &Path) {
    let (section, field) = key.split_once('.').expect("a dotted key");
    let Some(value) = scenario.get_mut(section).and_then(|s| s.get_mut(field)) else {
        return;
    };
    if let Value::String(s) = &mut value.value
        && !s.is_empty()
    {
        let joined: PathBuf = dir.join(&*s).components().collect();
        let absolute = std::path::absolute(&joined).unwrap_or(joined);
        *s = absolute.to_string_lossy().into_owned();
    }
}

/// Parses a registry default (registry defaults are valid TOML by test).
fn default_node(text: &str) -> Node {
    node::parse_value(text, &Origin::Default).expect("registry defaults are valid TOML")
}

/// The built-in defaults of every parameter outside channels and sweeps.
fn defaults() -> Node {
    let mut root = Node::table(Origin::Default);
    for param in registry::PARAMS {
        let registry::DefaultValue::Toml(text) = param.default else {
            continue;
        };
        if ["channels.", "sweep.", "sensitivity."]
            .iter()
            .any(|p| param.path.starts_with(p))
        {
            continue;
        }
        let segs: Vec<&str> = param.path.split('.').collect();
        let (last, sections) = segs.split_last().expect("non-empty path");
        let mut table = &mut root;
        for seg in sections {
            if table.get(seg).is_none() {
                table.insert(seg, Origin::Default, Node::table(Origin::Default));
            }
            table = table.get_mut(seg).expect("inserted above");
        }
        table.insert(last, Origin::Default, default_node(text));
    }
    root
}

/// Gives every enabled channel the new-channel defaults for the fields that
/// no file in the chain gave (cohort and supply are required instead, and
/// `responds_to_openness` follows the cohort when resolved).
fn fill_channel_defaults(root: &mut Node) {
    let Some(Value::Table(channels)) = root.get_mut("channels").map(|c| &mut c.value) else {
        return;
    };
    for channel in channels {
        if channel.node.entries().is_none() {
            continue;
        }
        for param in registry::PARAMS {
            let Some(field) = param.path.strip_prefix("channels.*.") else {
                continue;
            };
            if let registry::DefaultValue::Toml(text) = param.default
                && field != "enabled"
                && field != "new"
                && channel.node.at(field).is_none()
            {
                // A field of a sub-table (`shock.sd`) goes into that table,
                // which is created when no file gave it.
                let (tables, last) = match field.rsplit_once('.') {
                    Some((tables, last)) => (Some(tables), last),
                    None => (None, field),
                };
                let mut table = &mut channel.node;
                for seg in tables.into_iter().flat_map(|t| t.split('.')) {
                    if table.get(seg).is_none() {
                        table.insert(seg, Origin::Default, Node::table(Origin::Default));
                    }
                    table = table.get_mut(seg).expect("inserted above when missing");
                }
                if table.entries().is_some() {
                    table.insert(last, Origin::Default, default_node(text));
                }
            }
        }
    }
}
