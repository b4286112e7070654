//! From the merged document tree to a validated [`Scenario`].
//!
//! Every check of MODEL.md section 6 happens here, before anything runs, and
//! every error names the position of the offending value (or key) and the
//! full dotted path of the parameter.
//!
//! The registry drives it: each parameter's node is checked against its
//! kind and bounds and turned into a plain value at its path; the
//! cross-field rules then look at the plain tree; and serde builds the typed
//! [`Scenario`] from it. No parameter is read by hand, so a new parameter
//! needs its registry entry and its typed field, nothing here.

use std::path::PathBuf;

use serde_json::{Map, Value as Plain};

use super::node::{Entry, Node, Origin, Value};
use super::paths::{self, SweepKind};
use super::registry::{
    self, Bounds, DefaultValue, DistKind, NONNEG, POSITIVE, Param, ParamKind, UNIT,
};
use super::types::*;
use crate::{Error, Result};

/// An input error at `node` about `key`.
fn err(origin: &Origin, key: &str, message: impl Into<String>) -> Error {
    Error::input(origin.to_string(), key, message)
}

/// The most channels a scenario may enable: the engine numbers channels
/// with 16 bits.
const MAX_CHANNELS: usize = 1 << 16;

fn too_many_channels(entry: &Entry) -> Error {
    err(
        &entry.key_origin,
        &format!("channels.{}", entry.key),
        "more than 65,536 channels",
    )
}

/// Refuses a file with more `[channels.*]` tables than a scenario may
/// enable, at the first one too many, as soon as it is parsed: merging
/// tables costs time quadratic in their count, so this must come first.
pub(crate) fn check_channel_count(tree: &Node) -> Result<()> {
    let entries = tree
        .get("channels")
        .and_then(Node::entries)
        .unwrap_or_default();
    match entries.get(MAX_CHANNELS) {
        Some(entry) => Err(too_many_channels(entry)),
        None => Ok(()),
    }
}

/// Resolves the merged, defaults-filled tree of a scenario whose top file is
/// `file`.
pub(crate) fn scenario(root: &Node, file: &str) -> Result<Scenario> {
    check_keys(root, &mut Vec::new())?;
    let r = Reader { root, file };
    let mut tree = Map::new();
    for param in registry::PARAMS.iter().filter(|p| is_scenario_wide(p)) {
        let value = match (root.at(param.path), param.default) {
            (Some(node), _) => check_value(node, param.path, param.kind)?,
            (None, DefaultValue::Toml(_)) => return Err(r.missing(param.path)),
            // An optional parameter left out (a roster); `name` is always
            // filled when the source is read.
            (None, _) => Plain::Null,
        };
        put(&mut tree, param.path, value);
    }
    let (start_year, end_year) = check_run_years(root, &tree)?;
    check_mix(root, &plain_at(&tree, "issues.mix")?, start_year)?;
    check_folder_name(root)?;
    let window = r.window_in_run(start_year, end_year)?;
    put(&mut tree, "policy_window", plain(window));
    r.trough_window_in_run(start_year, end_year)?;
    tree.insert("channels".into(), r.channels()?);
    let mut scenario: Scenario = serde_json::from_value(Plain::Object(tree)).map_err(|e| {
        Error::Runtime(format!("the registry and the typed scenario disagree: {e}"))
    })?;
    scenario.sweep = r.sweep()?;
    scenario.sensitivity = r.sensitivity()?;
    Ok(scenario)
}

/// Parameters resolved into the scenario's plain tree one by one: not the
/// channels (one set per channel), the sweep (a design with its own rules)
/// or `extends` (gone once the chain is read).
fn is_scenario_wide(param: &Param) -> bool {
    !(param.path == "extends"
        || param.path.starts_with("channels.")
        || param.path.starts_with("sweep.")
        || param.path.starts_with("sensitivity."))
}

/// A value as the plain tree holds it (the serde form of its typed field).
fn plain(value: impl serde::Serialize) -> Plain {
    serde_json::to_value(value)
        .expect("scenario types have string keys only, so serialising cannot fail")
}

/// Sets the dotted `path` in `tree`, creating the tables above it.
fn put(tree: &mut Map<String, Plain>, path: &str, value: Plain) {
    let (sections, last) = match path.rsplit_once('.') {
        Some((sections, last)) => (Some(sections), last),
        None => (None, path),
    };
    let mut table = tree;
    for seg in sections.into_iter().flat_map(|s| s.split('.')) {
        table = table
            .entry(seg)
            .or_insert_with(|| Plain::Object(Map::new()))
            .as_object_mut()
            .expect("registry sections are never parameters (a registry test checks), so they hold tables");
    }
    table.insert(last.to_string(), value);
}

/// The typed value at the dotted `path` of the plain tree, for cross-field
/// rules.
fn plain_at<T: serde::de::DeserializeOwned>(tree: &Map<String, Plain>, path: &str) -> Result<T> {
    let mut segs = path.split('.');
    let first = segs.next().expect("split yields at least one segment");
    let value = segs.try_fold(tree.get(first), |v, seg| Some(v?.get(seg)));
    let value = value.flatten().cloned().unwrap_or(Plain::Null);
    serde_json::from_value(value)
        .map_err(|e| Error::Runtime(format!("{path} is not where the registry puts it: {e}")))
}

/// Checks one parameter's node against its registry kind and returns it as
/// a plain value; `key` is its full dotted path for messages.
fn check_value(node: &Node, key: &str, kind: ParamKind) -> Result<Plain> {
    Ok(match kind {
        ParamKind::Int { min, max } => Plain::from(integer(node, key, min, max)?),
        ParamKind::Float(bounds) => {
            let v = number(node, key)?;
            check_bounds(v, bounds, node, key)?;
            plain(v)
        }
        ParamKind::Schedule(bounds) => plain(schedule(node, key, bounds)?),
        ParamKind::PerKindSchedule(bounds) => {
            plain(per_kind(node, key, |n, k| schedule(n, k, bounds))?)
        }
        ParamKind::PerKindInt { min, max } => {
            plain(per_kind(node, key, |n, k| integer(n, k, min, max))?)
        }
        ParamKind::Distribution(kind) => plain(distribution(node, key, kind)?),
        ParamKind::CohortRule => plain(cohort_rule(node, key)?),
        ParamKind::Bool => Plain::Bool(boolean(node, key)?),
        ParamKind::Enum(values) => Plain::from(choice(node, key, values)?),
        ParamKind::Text => Plain::from(string(node, key)?),
        ParamKind::Path => plain(file_path(node, key)?),
        ParamKind::YearPair => plain(year_pair(node, key)?),
        ParamKind::SweepParameters | ParamKind::Names => {
            unreachable!("{key}: the sweep and the sensitivity are resolved on their own")
        }
    })
}

/// Cross-field rule: the run needs `end_year >= start_year`. Returns both.
fn check_run_years(root: &Node, tree: &Map<String, Plain>) -> Result<(i32, i32)> {
    let start_year: i32 = plain_at(tree, "start_year")?;
    let end_year: i32 = plain_at(tree, "end_year")?;
    if end_year < start_year {
        let origin = root
            .at("end_year")
            .map_or(Origin::Default, |n| n.origin.clone());
        return Err(err(
            &origin,
            "end_year",
            format!(
                "{end_year} is before start_year {start_year}: the run needs end_year >= start_year"
            ),
        ));
    }
    Ok((start_year, end_year))
}

/// Cross-field rule: the name becomes the output folder's name.
fn check_folder_name(root: &Node) -> Result<()> {
    let Some(node) = root.get("name") else {
        return Ok(());
    };
    let name = string(node, "name")?;
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if bad {
        return Err(err(
            &node.origin,
            "name",
            format!(
                "{name:?} cannot name an output folder: expected a non-empty name without slashes"
            ),
        ));
    }
    Ok(())
}

/// `[first_year, last_year]` with `first_year <= last_year`.
fn year_pair(node: &Node, key: &str) -> Result<(i32, i32)> {
    let expected = "expected [first_year, last_year]";
    let Value::Array(items) = &node.value else {
        return Err(err(
            &node.origin,
            key,
            format!("{expected}, found {}", node.describe()),
        ));
    };
    if items.len() != 2 {
        return Err(err(
            &node.origin,
            key,
            format!("{expected}, found {} elements", items.len()),
        ));
    }
    let year = |i: usize| -> Result<i32> {
        let v = integer(&items[i], &format!("{key}.{i}"), -100_000, 100_000)?;
        Ok(i32::try_from(v).expect("integer() bounded it to +-100,000"))
    };
    let (first, last) = (year(0)?, year(1)?);
    if first > last {
        return Err(err(
            &items[1].origin,
            &format!("{key}.1"),
            format!("{last} is before {first}: the window needs first_year <= last_year"),
        ));
    }
    Ok((first, last))
}

/// Refuses unknown keys (at the key's position) and sections that are not
/// tables, walking the tree along the registry.
fn check_keys(table: &Node, prefix: &mut Vec<String>) -> Result<()> {
    let Some(entries) = table.entries() else {
        return Ok(());
    };
    for entry in entries {
        prefix.push(entry.key.clone());
        let key = prefix.join(".");
        if prefix.len() == 2 && prefix[0] == "channels" {
            check_channel_name(&entry.key, &entry.key_origin, &key)?;
        }
        if registry::is_section(prefix) {
            if entry.node.entries().is_none() {
                return Err(err(
                    &entry.node.origin,
                    &key,
                    format!("expected a table, found {}", entry.node.describe()),
                ));
            }
            check_keys(&entry.node, prefix)?;
        } else if registry::find_param(prefix).is_none_or(|(_, n)| n != prefix.len()) {
            let siblings = registry::children(&prefix[..prefix.len() - 1]);
            let hint = match registry::suggest(&entry.key, siblings.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None if siblings.is_empty() => "this table takes no keys".into(),
                None => format!("expected one of: {}", siblings.join(", ")),
            };
            return Err(err(
                &entry.key_origin,
                &key,
                format!("unknown key ({hint})"),
            ));
        }
        prefix.pop();
    }
    Ok(())
}

/// Channel names become CSV column names (`entries_<channel>`) and path
/// segments, so they are kept to bare-key characters.
fn check_channel_name(name: &str, origin: &Origin, key: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(err(
            origin,
            key,
            format!("channel name {name:?} may only hold ASCII letters, digits, `_` and `-`"),
        ))
    }
}

/// Reads the parts of the tree that are more than one parameter each: the
/// channels, the policy window's fit to the run, the sweep.
struct Reader<'a> {
    root: &'a Node,
    file: &'a str,
}

impl Reader<'_> {
    /// A parameter with a built-in default that the tree lacks (only trees
    /// built some other way than [`super::Source::read`]).
    fn missing(&self, path: &str) -> Error {
        err(
            &Origin::start_of(self.file),
            path,
            "missing value (no built-in default)",
        )
    }

    /// Cross-field rule: the policy window must overlap the run, and is
    /// clamped to it.
    fn window_in_run(&self, start_year: i32, end_year: i32) -> Result<(i32, i32)> {
        let key = "policy_window";
        let node = self.root.at(key).ok_or_else(|| self.missing(key))?;
        let (first, last) = year_pair(node, key)?;
        let Value::Array(items) = &node.value else {
            unreachable!("year_pair checked the array")
        };
        if first <= end_year && last >= start_year {
            // Runs are often shortened or moved (`--set end_year=2030`, a
            // child of the baseline) without restating the window: the
            // summary then averages over the part of the window in the run.
            return Ok((first.max(start_year), last.min(end_year)));
        }
        // A window that misses the run entirely is an error where the
        // scenario's own file or an override wrote it; one written for
        // another run (built in, or inherited through `extends`) becomes the
        // whole run.
        let written_here = |n: &Node| match &n.origin {
            Origin::Default => false,
            Origin::File { file, .. } => **file == *self.file,
            Origin::Override(_) => true,
        };
        if items.iter().any(written_here) {
            let i = usize::from(first <= end_year);
            return Err(err(
                &items[i].origin,
                &format!("{key}.{i}"),
                format!(
                    "the window [{first}, {last}] lies outside the run {start_year}..={end_year}: it must overlap the run"
                ),
            ));
        }
        Ok((start_year, end_year))
    }

    /// Cross-field rule: a given `observe.trough_window` lies within the
    /// run (it is not clamped: a trough searched outside the run would be
    /// no trough of it). Absent, the default is the scenario's
    /// [`Scenario::trough_window`].
    fn trough_window_in_run(&self, start_year: i32, end_year: i32) -> Result<()> {
        let key = "observe.trough_window";
        let Some(node) = self.root.at(key) else {
            return Ok(());
        };
        let (first, last) = year_pair(node, key)?;
        let Value::Array(items) = &node.value else {
            unreachable!("year_pair checked the array")
        };
        for (i, year) in [first, last].into_iter().enumerate() {
            if !(start_year..=end_year).contains(&year) {
                return Err(err(
                    &items[i].origin,
                    &format!("{key}.{i}"),
                    format!(
                        "{year} is not a simulated year: the trough window [{first}, {last}] must lie within the run {start_year}..={end_year}"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The enabled channels as a plain array sorted by name, each field
    /// checked against its `channels.*.<field>` registry entry.
    fn channels(&self) -> Result<Plain> {
        let mut channels: Vec<(String, Map<String, Plain>)> = Vec::new();
        let entries = self
            .root
            .get("channels")
            .and_then(Node::entries)
            .unwrap_or_default();
        for entry in entries {
            let prefix = format!("channels.{}", entry.key);
            let node = &entry.node;
            let key = |field: &str| format!("{prefix}.{field}");
            // `enabled` is no field of a channel: it decides whether there
            // is one.
            let enabled = match node.get("enabled") {
                Some(n) => boolean(n, &key("enabled"))?,
                None => true,
            };
            if let Some(n) = node.get("new") {
                boolean(n, &key("new"))?;
            }
            if !enabled {
                continue;
            }
            let mut channel = Map::new();
            channel.insert("name".into(), Plain::from(entry.key.clone()));
            for param in registry::PARAMS {
                let Some(field) = param.path.strip_prefix("channels.*.") else {
                    continue;
                };
                // `new` only silences a warning when the file is read.
                if field == "enabled" || field == "new" {
                    continue;
                }
                let value = match (node.at(field), param.default) {
                    (Some(n), _) => check_value(n, &key(field), param.kind)?,
                    (None, DefaultValue::Required(_)) => {
                        return Err(err(
                            &entry.key_origin,
                            &prefix,
                            format!("a new channel must give `{field}`"),
                        ));
                    }
                    // Derived below from other fields.
                    (None, DefaultValue::Note(_)) => continue,
                    // Defaults are filled when the source is read; this only
                    // serves trees built some other way.
                    (None, DefaultValue::Toml(_)) => {
                        return Err(err(&entry.key_origin, &key(field), "missing value"));
                    }
                };
                put(&mut channel, field, value);
            }
            // Cross-field rule: supply follows openness for the knowledge
            // cohort unless the channel says otherwise; with a cohort table,
            // for the cohort of each year (left to the model: `None`).
            if !channel.contains_key("responds_to_openness") {
                let value = match channel.get("cohort") {
                    Some(Plain::String(name)) => Plain::Bool(*name == Cohort::Knowledge.name()),
                    _ => Plain::Null,
                };
                channel.insert("responds_to_openness".into(), value);
            }
            // The files of an `extends` chain may each be under the limit
            // and together over it.
            if channels.len() == MAX_CHANNELS {
                return Err(too_many_channels(entry));
            }
            channels.push((entry.key.clone(), channel));
        }
        if channels.is_empty() {
            return Err(err(
                &Origin::start_of(self.file),
                "channels",
                "a scenario needs at least one enabled channel: define [channels.<name>] with cohort and supply, or extend a scenario that does",
            ));
        }
        channels.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Plain::Array(
            channels
                .into_iter()
                .map(|(_, c)| Plain::Object(c))
                .collect(),
        ))
    }

    fn sweep(&self) -> Result<Option<Sweep>> {
        let Some(node) = self.root.get("sweep") else {
            return Ok(None);
        };
        let method = match node.get("method") {
            Some(n) => choice(n, "sweep.method", registry::SWEEP_METHODS)?.to_string(),
            None => "grid".to_string(),
        };
        let samples = node
            .get("samples")
            .map(|n| integer(n, "sweep.samples", 1, i64::from(u32::MAX)).map(|s| s as u32))
            .transpose()?;
        let table = node
            .get("table")
            .map(|n| file_path(n, "sweep.table"))
            .transpose()?;
        let mut parameters = Vec::new();
        if let Some(params) = node.get("parameters") {
            let Some(entries) = params.entries() else {
                return Err(err(
                    &params.origin,
                    "sweep.parameters",
                    format!(
                        "expected a table of path = values, found {}",
                        params.describe()
                    ),
                ));
            };
            for entry in entries {
                let key = format!("sweep.parameters.{:?}", entry.key);
                let kind = paths::sweep_kind(self.root, &entry.key)
                    .map_err(|why| err(&entry.key_origin, &key, why))?;
                let values = match kind {
                    SweepKind::Numbers => sweep_values(&entry.node, &key, &method)?,
                    categorical => levels(entry, &key, &method, categorical)?,
                };
                parameters.push((entry.key.clone(), values));
            }
        }
        let at_sweep = |field: &str| node.entry(field).map_or(&node.origin, |e| &e.key_origin);
        let method_key = "sweep.method";
        match method.as_str() {
            "table" => {
                if table.is_none() {
                    return Err(err(
                        at_sweep("method"),
                        method_key,
                        "method \"table\" needs `table = \"points.csv\"`",
                    ));
                }
                if !parameters.is_empty() {
                    return Err(err(
                        at_sweep("parameters"),
                        "sweep.parameters",
                        "method \"table\" takes its points from `table`, not from [sweep.parameters]",
                    ));
                }
            }
            _ => {
                if table.is_some() {
                    return Err(err(
                        at_sweep("table"),
                        "sweep.table",
                        format!("`table` applies only to method \"table\", not \"{method}\""),
                    ));
                }
                if parameters.is_empty() {
                    return Err(err(
                        at_sweep("parameters"),
                        "sweep.parameters",
                        format!(
                            "method \"{method}\" needs at least one parameter in [sweep.parameters]"
                        ),
                    ));
                }
            }
        }
        let random = method == "random" || method == "lhs";
        match (random, samples) {
            (true, None) => {
                return Err(err(
                    at_sweep("method"),
                    "sweep.samples",
                    format!("method \"{method}\" needs `samples` (the number of points, >= 1)"),
                ));
            }
            (false, Some(_)) => {
                return Err(err(
                    at_sweep("samples"),
                    "sweep.samples",
                    format!("`samples` applies only to random and lhs, not \"{method}\""),
                ));
            }
            _ => {}
        }
        if method == "zip" {
            let length = |values: &SweepValues| match values {
                SweepValues::List(list) => list.len(),
                SweepValues::Range { steps, .. } => steps.unwrap_or(0) as usize,
            };
            let first = &parameters[0];
            for (path, values) in &parameters[1..] {
                if length(values) != length(&first.1) {
                    let entry = node
                        .get("parameters")
                        .and_then(|p| p.entry(path))
                        .expect("each path is the key of an entry of this table");
                    return Err(err(
                        &entry.node.origin,
                        &format!("sweep.parameters.{path:?}"),
                        format!(
                            "zip needs lists of equal length: {} values here, {} for {:?}",
                            length(values),
                            length(&first.1),
                            first.0
                        ),
                    ));
                }
            }
        }
        Ok(Some(Sweep {
            method,
            samples,
            table,
            parameters,
        }))
    }
}

impl Reader<'_> {
    /// `[sensitivity]`: the method and its sizes, the figures analysed and
    /// the varied paths with their ranges. Sizes are refused here where a
    /// method cannot work with them (MODEL.md section 6).
    fn sensitivity(&self) -> Result<Option<Sensitivity>> {
        let Some(node) = self.root.get("sensitivity") else {
            return Ok(None);
        };
        if self.root.entry("sweep").is_some() {
            // The table's own position: with `extends`, its key may be the
            // parent's while the table is the child's.
            return Err(err(
                &node.origin,
                "sensitivity",
                "a scenario holds [sweep] or [sensitivity], not both (a sensitivity analysis makes its own design)",
            ));
        }
        let at = |field: &str| node.entry(field).map_or(&node.origin, |e| &e.key_origin);
        let method = match node.get("method") {
            Some(n) => choice(n, "sensitivity.method", registry::SENSITIVITY_METHODS)?.to_string(),
            None => "sobol".to_string(),
        };
        let sobol = method == "sobol";
        let samples = match node.get("samples") {
            Some(n) => integer(n, "sensitivity.samples", 2, i64::from(u32::MAX))? as u32,
            None => {
                return Err(err(
                    at("method"),
                    "sensitivity.samples",
                    if sobol {
                        "method \"sobol\" needs `samples`, the base samples N (>= 2; N (k + 2) points)"
                    } else {
                        "method \"morris\" needs `samples`, the trajectories r (>= 2; r (k + 1) points)"
                    },
                ));
            }
        };
        if sobol && samples > MAX_SOBOL_SAMPLES {
            return Err(err(
                &node.get("samples").expect("read above").origin,
                "sensitivity.samples",
                format!(
                    "the Sobol' sequence has {MAX_SOBOL_SAMPLES} points at most; N = {samples} is more"
                ),
            ));
        }
        let levels = match (node.get("levels"), sobol) {
            (Some(_), true) => {
                return Err(err(
                    at("levels"),
                    "sensitivity.levels",
                    "`levels` applies only to method \"morris\"",
                ));
            }
            (Some(n), false) => {
                let levels = integer(n, "sensitivity.levels", 2, 1000)? as u32;
                if !levels.is_multiple_of(2) {
                    return Err(err(
                        &n.origin,
                        "sensitivity.levels",
                        format!(
                            "{levels} levels: Morris' step p / (2 (p - 1)) stays on the grid only for an even p"
                        ),
                    ));
                }
                levels
            }
            (None, _) => 4,
        };
        let bootstrap = node
            .get("bootstrap")
            .map(|n| integer(n, "sensitivity.bootstrap", 1, 100_000).map(|b| b as u32))
            .transpose()?
            .unwrap_or(1000);
        let figures = match node.get("figures") {
            None => crate::study::summary::FIGURES
                .iter()
                .map(|f| f.name.to_string())
                .collect(),
            Some(n) => {
                let Value::Array(items) = &n.value else {
                    return Err(err(
                        &n.origin,
                        "sensitivity.figures",
                        format!(
                            "expected a list of summary figure names, found {}",
                            n.describe()
                        ),
                    ));
                };
                if items.is_empty() {
                    return Err(err(
                        &n.origin,
                        "sensitivity.figures",
                        "the list of figures is empty",
                    ));
                }
                let names: Vec<&str> = crate::study::summary::FIGURES
                    .iter()
                    .map(|f| f.name)
                    .collect();
                let mut figures: Vec<String> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let key = format!("sensitivity.figures.{i}");
                    let figure = choice(item, &key, &names)?.to_string();
                    if figures.contains(&figure) {
                        return Err(err(
                            &item.origin,
                            &key,
                            format!("`{figure}` is listed twice"),
                        ));
                    }
                    figures.push(figure);
                }
                figures
            }
        };
        let Some(params) = node.get("parameters") else {
            return Err(err(
                at("method"),
                "sensitivity.parameters",
                "a sensitivity analysis needs at least one parameter in [sensitivity.parameters]",
            ));
        };
        let Some(entries) = params.entries() else {
            return Err(err(
                &params.origin,
                "sensitivity.parameters",
                format!(
                    "expected a table of path = {{ from, to }}, found {}",
                    params.describe()
                ),
            ));
        };
        let mut parameters = Vec::new();
        for entry in entries {
            let key = format!("sensitivity.parameters.{:?}", entry.key);
            if !paths::is_numeric(self.root, &entry.key) {
                let probe = Node::new(Value::Float(1.0), Origin::Default);
                let why = match paths::apply(&mut self.root.clone(), &entry.key, probe) {
                    Err(why) => format!("`{}`: {why}", entry.key),
                    Ok(_) => format!(
                        "`{}` is not a number a sensitivity analysis can vary (Sobol and Morris vary numbers only)",
                        entry.key
                    ),
                };
                return Err(err(&entry.key_origin, &key, why));
            }
            parameters.push((entry.key.clone(), sensitivity_range(&entry.node, &key)?));
        }
        if parameters.is_empty() {
            return Err(err(
                &params.origin,
                "sensitivity.parameters",
                "a sensitivity analysis needs at least one parameter",
            ));
        }
        if sobol && parameters.len() > MAX_SOBOL_PARAMETERS {
            return Err(err(
                &params.origin,
                "sensitivity.parameters",
                format!(
                    "{} parameters: the Sobol' sequence has {} dimensions, so Saltelli's scheme takes {MAX_SOBOL_PARAMETERS} parameters at most",
                    parameters.len(),
                    2 * MAX_SOBOL_PARAMETERS
                ),
            ));
        }
        Ok(Some(Sensitivity {
            method,
            samples,
            levels,
            bootstrap,
            figures,
            parameters,
        }))
    }
}

/// The most base samples of a Sobol design (the sequence's length).
pub(crate) const MAX_SOBOL_SAMPLES: u32 = 1 << 16;
/// The most parameters of a Sobol design (two dimensions each).
pub(crate) const MAX_SOBOL_PARAMETERS: usize = 128;

/// The `from` and `to` of the range table `node` (its `entries`) at `key`,
/// with the node of `to` for messages about it; a key outside `allowed` is
/// refused at its position.
fn range_ends<'a>(
    node: &'a Node,
    entries: &[Entry],
    key: &str,
    allowed: &[&str],
) -> Result<(f64, f64, &'a Node)> {
    for entry in entries {
        if !allowed.contains(&entry.key.as_str()) {
            let expected = match allowed {
                [.., last] if allowed.len() > 1 => {
                    format!("{} and {last}", allowed[..allowed.len() - 1].join(", "))
                }
                _ => allowed.join(", "),
            };
            return Err(err(
                &entry.key_origin,
                &format!("{key}.{}", entry.key),
                format!("unknown key in a range (expected {expected})"),
            ));
        }
    }
    let get = |field: &str| {
        node.get(field)
            .ok_or_else(|| err(&node.origin, key, format!("a range needs `{field}`")))
    };
    let from = number(get("from")?, &format!("{key}.from"))?;
    let to_node = get("to")?;
    let to = number(to_node, &format!("{key}.to"))?;
    Ok((from, to, to_node))
}

/// A sensitivity parameter's `{ from, to }`, from < to.
fn sensitivity_range(node: &Node, key: &str) -> Result<SweepValues> {
    let Some(entries) = node.entries() else {
        return Err(err(
            &node.origin,
            key,
            format!(
                "expected {{ from = .., to = .. }}, found {}",
                node.describe()
            ),
        ));
    };
    let (from, to, to_node) = range_ends(node, entries, key, &["from", "to"])?;
    if to <= from {
        return Err(err(
            &to_node.origin,
            &format!("{key}.to"),
            format!("{to} is not above from = {from}: a sensitivity range needs from < to"),
        ));
    }
    Ok(SweepValues::Range {
        from,
        to,
        steps: None,
    })
}

/// The values of a categorical sweep parameter (`entry`, of `kind`): a
/// non-empty list of the parameter's words or of booleans, each item
/// checked as any value of the parameter is; random and lhs sample
/// numbers, so they refuse it (a table's parameters are refused later, as
/// numeric ones are).
fn levels(entry: &Entry, key: &str, method: &str, kind: SweepKind) -> Result<SweepValues> {
    let path = &entry.key;
    let what = match kind {
        SweepKind::Bools => "a boolean",
        _ => "a string",
    };
    if matches!(method, "random" | "lhs") {
        return Err(err(
            &entry.key_origin,
            key,
            format!(
                "method \"{method}\" samples a range of numbers; `{path}` is {what} path: use grid or zip"
            ),
        ));
    }
    let node = &entry.node;
    let Value::Array(items) = &node.value else {
        let expected = match kind {
            SweepKind::Words(words) => format!(
                "a list of its values ({})",
                words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "a list of its values ([true, false])".to_string(),
        };
        return Err(err(
            &node.origin,
            key,
            format!(
                "`{path}` is {what} path: expected {expected}, found {}",
                node.describe()
            ),
        ));
    };
    if items.is_empty() {
        return Err(err(&node.origin, key, "the list of values is empty"));
    }
    let values = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let key = format!("{key}.{i}");
            match kind {
                SweepKind::Words(words) => choice(item, &key, words).map(Level::Text),
                _ => boolean(item, &key).map(Level::Bool),
            }
        })
        .collect::<Result<_>>()?;
    Ok(SweepValues::List(values))
}

fn sweep_values(node: &Node, key: &str, method: &str) -> Result<SweepValues> {
    let random = method == "random" || method == "lhs";
    match &node.value {
        Value::Array(items) => {
            if random {
                return Err(err(
                    &node.origin,
                    key,
                    format!(
                        "method \"{method}\" samples a range: expected {{ from = .., to = .. }}, found a list"
                    ),
                ));
            }
            if items.is_empty() {
                return Err(err(&node.origin, key, "the list of values is empty"));
            }
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| number(item, &format!("{key}.{i}")).map(Level::Number))
                .collect::<Result<_>>()?;
            Ok(SweepValues::List(values))
        }
        Value::Table(entries) => {
            let (from, to, to_node) = range_ends(node, entries, key, &["from", "to", "steps"])?;
            let steps = match (node.get("steps"), random) {
                (Some(n), false) => Some(
                    u32::try_from(integer(n, &format!("{key}.steps"), 1, i64::from(u32::MAX))?)
                        .expect("integer() bounded it to u32::MAX"),
                ),
                (None, false) => {
                    return Err(err(
                        &node.origin,
                        key,
                        format!("method \"{method}\" needs `steps` (>= 1) in a range"),
                    ));
                }
                (Some(n), true) => {
                    return Err(err(
                        &n.origin,
                        &format!("{key}.steps"),
                        format!(
                            "method \"{method}\" draws `samples` points: a range takes no `steps`"
                        ),
                    ));
                }
                (None, true) => None,
            };
            if random && from > to {
                return Err(err(
                    &to_node.origin,
                    &format!("{key}.to"),
                    format!("{to} is below from = {from}"),
                ));
            }
            Ok(SweepValues::Range { from, to, steps })
        }
        _ => Err(err(
            &node.origin,
            key,
            format!(
                "expected a list of values or {{ from = .., to = .., steps = .. }}, found {}",
                node.describe()
            ),
        )),
    }
}

/// The issue mix normalises the weights each year, so they may not all be 0
/// in any year. Piecewise-linear and stepwise weights change only at their
/// points, so the years of the points (and the start) are enough to check.
fn check_mix(root: &Node, mix: &PerIssue<Schedule>, start_year: i32) -> Result<()> {
    let schedules = mix.as_array();
    let mut years: Vec<f64> = vec![f64::from(start_year)];
    for s in schedules {
        if let Shape::Linear(points) | Shape::Stepwise(points) = &s.shape {
            years.extend(points.iter().map(|p| p.0));
        }
    }
    years.sort_by(f64::total_cmp);
    years.dedup();
    for year in years {
        let total: f64 = schedules.iter().map(|s| s.at(year as i32)).sum();
        if total <= 0.0 {
            let origin = IssueType::NAMES
                .iter()
                .filter_map(|n| root.at(&format!("issues.mix.{n}")))
                .map(|n| &n.origin)
                .find(|o| o.is_given())
                .cloned()
                .unwrap_or(Origin::Default);
            return Err(err(
                &origin,
                "issues.mix",
                format!(
                    "the issue mix weights are all 0 in {year}: at least one must be positive every year"
                ),
            ));
        }
    }
    Ok(())
}

/// A number as a message shows it: huge and tiny values in exponent form
/// (Rust's plain `Display` of 1e308 runs to 309 digits).
fn readable(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn type_error(node: &Node, key: &str, expected: &str) -> Error {
    err(
        &node.origin,
        key,
        format!("expected {expected}, found {}", node.describe()),
    )
}

/// A finite number (integers are accepted where floats are expected).
fn number(node: &Node, key: &str) -> Result<f64> {
    match node.value {
        Value::Integer(i) => Ok(i as f64),
        Value::Float(x) if x.is_finite() => Ok(x),
        _ => Err(type_error(node, key, "a finite number")),
    }
}

/// A whole number within `[min, max]`. A float with an integral value is
/// accepted because sweeps and generated files write numbers as floats.
fn integer(node: &Node, key: &str, min: i64, max: i64) -> Result<i64> {
    let value = match node.value {
        Value::Integer(i) => i,
        Value::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => x as i64,
        _ => return Err(type_error(node, key, "a whole number")),
    };
    if value < min || value > max {
        // A huge cap (u32::MAX for counts) is no range a user thinks in, but
        // a value above it must still be told what it exceeded.
        let range = if max >= i64::from(u32::MAX) && value >= min {
            format!("at most {max}")
        } else if max >= i64::from(u32::MAX) {
            format!("at least {min}")
        } else {
            format!("between {min} and {max}")
        };
        return Err(err(
            &node.origin,
            key,
            format!("{value} is out of range: expected a whole number {range}"),
        ));
    }
    Ok(value)
}

fn boolean(node: &Node, key: &str) -> Result<bool> {
    match node.value {
        Value::Bool(b) => Ok(b),
        _ => Err(type_error(node, key, "true or false")),
    }
}

fn string<'a>(node: &'a Node, key: &str) -> Result<&'a str> {
    node.as_str()
        .ok_or_else(|| type_error(node, key, "a string"))
}

fn choice<'a>(node: &Node, key: &str, values: &[&'a str]) -> Result<&'a str> {
    let expected = values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let s = node
        .as_str()
        .ok_or_else(|| type_error(node, key, &format!("one of {expected}")))?;
    values.iter().copied().find(|v| *v == s).ok_or_else(|| {
        err(
            &node.origin,
            key,
            format!("unknown value {s:?}: expected one of {expected}"),
        )
    })
}

/// A path; relative paths were resolved against their file when it was
/// read, so one still relative here came from an override (current folder).
fn file_path(node: &Node, key: &str) -> Result<PathBuf> {
    let s = string(node, key)?;
    if s.is_empty() {
        return Err(err(
            &node.origin,
            key,
            "expected a file path, found an empty string",
        ));
    }
    let path = PathBuf::from(s);
    Ok(std::path::absolute(&path).unwrap_or(path))
}

fn check_bounds(v: f64, bounds: Bounds, node: &Node, key: &str) -> Result<()> {
    if bounds.contains(v) {
        Ok(())
    } else {
        Err(err(
            &node.origin,
            key,
            format!(
                "{v} is out of range: expected a value {}",
                bounds.describe()
            ),
        ))
    }
}

/// Beta shapes the samplers draw in bounded time: below 1e-3 the gamma
/// ratio underflows to 0/0 so often that it redraws for ages (1e-10 is 70
/// times slower than 1e-3; 1e-20 does not end). MODEL.md section 6.
pub(crate) const BETA_SHAPE: Bounds = Bounds {
    min: 1e-3,
    min_open: false,
    max: f64::INFINITY,
    max_open: false,
};

/// A cohort name, or `{ stepwise = [[year, "name"], ...] }` (MODEL.md
/// section 7.4): years strictly increasing, every name a cohort.
fn cohort_rule(node: &Node, key: &str) -> Result<CohortRule> {
    let expected = "a cohort name or { stepwise = [[year, \"cohort\"], ...] }";
    let name = |n: &Node, k: &str| -> Result<Cohort> {
        let s = choice(n, k, registry::COHORTS)?;
        Ok(s.parse()
            .expect("choice() returned one of the cohort names"))
    };
    let Some(entries) = node.entries() else {
        if node.as_str().is_none() {
            return Err(type_error(node, key, expected));
        }
        return Ok(CohortRule::Fixed(name(node, key)?));
    };
    for entry in entries {
        if entry.key != "stepwise" {
            return Err(err(
                &entry.key_origin,
                &format!("{key}.{}", entry.key),
                "unknown key in a cohort table (expected `stepwise`; cohorts change only by steps)",
            ));
        }
    }
    let Some(list) = node.get("stepwise") else {
        return Err(err(&node.origin, key, format!("expected {expected}")));
    };
    let points = year_pairs(list, &format!("{key}.stepwise"), &COHORT_TABLE, name)?;
    let stepwise = points
        .into_iter()
        .map(|(year, cohort, _)| (year, cohort))
        .collect();
    Ok(CohortRule::Stepwise { stepwise })
}

/// What a list of `[year, value]` points is, for its messages.
struct YearPairs {
    /// What the list is ("schedule").
    what: &'static str,
    /// What the second element of a point is ("value").
    item: &'static str,
    /// What to give instead of an empty list.
    if_empty: &'static str,
}

const SCHEDULE: YearPairs = YearPairs {
    what: "schedule",
    item: "value",
    if_empty: "give a number or at least one [year, value] point",
};

const COHORT_TABLE: YearPairs = YearPairs {
    what: "cohort table",
    item: "\"cohort\"",
    if_empty: "give at least one [year, \"cohort\"] point",
};

/// `[[year, value], ...]` with at least one point and strictly increasing
/// years, each value read by `value`; `key` is the path of the list.
/// Returns the points with the nodes of their values, for range errors.
fn year_pairs<'a, T>(
    node: &'a Node,
    key: &str,
    form: &YearPairs,
    value: impl Fn(&Node, &str) -> Result<T>,
) -> Result<Vec<(f64, T, &'a Node)>> {
    let Value::Array(items) = &node.value else {
        return Err(type_error(
            node,
            key,
            &format!("a list of [year, {}] points", form.item),
        ));
    };
    if items.is_empty() {
        return Err(err(
            &node.origin,
            key,
            format!("the {} is empty: {}", form.what, form.if_empty),
        ));
    }
    let mut out: Vec<(f64, T, &Node)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_key = format!("{key}.{i}");
        let pair = match &item.value {
            Value::Array(pair) if pair.len() == 2 => pair,
            _ => {
                return Err(type_error(
                    item,
                    &item_key,
                    &format!("a [year, {}] pair", form.item),
                ));
            }
        };
        let year = integer(&pair[0], &format!("{item_key}.0"), -100_000, 100_000)? as f64;
        let v = value(&pair[1], &format!("{item_key}.1"))?;
        if let Some(previous) = out.last()
            && year <= previous.0
        {
            return Err(err(
                &pair[0].origin,
                &format!("{item_key}.0"),
                format!(
                    "year {year} does not come after {}: {} years must be strictly increasing",
                    previous.0, form.what
                ),
            ));
        }
        out.push((year, v, &pair[1]));
    }
    Ok(out)
}

/// A schedule's `[[year, value], ...]` points.
fn points<'a>(node: &'a Node, key: &str) -> Result<Vec<(f64, f64, &'a Node)>> {
    year_pairs(node, key, &SCHEDULE, number)
}

/// A schedule whose scaled values lie within `bounds`.
fn schedule(node: &Node, key: &str, bounds: Bounds) -> Result<Schedule> {
    let expected = "a number, a list of [year, value] points or a schedule table";
    match &node.value {
        Value::Integer(_) | Value::Float(_) => {
            let v = number(node, key)?;
            check_bounds(v, bounds, node, key)?;
            Ok(Schedule::constant(v))
        }
        Value::Array(_) => {
            let points = points(node, key)?;
            for (i, (_, v, value_node)) in points.iter().enumerate() {
                check_bounds(*v, bounds, value_node, &format!("{key}.{i}.1"))?;
            }
            Ok(Schedule {
                shape: Shape::Linear(points.iter().map(|&(y, v, _)| (y, v)).collect()),
                scale: 1.0,
            })
        }
        Value::Table(entries) => {
            for entry in entries {
                if !["points", "stepwise", "value", "scale"].contains(&entry.key.as_str()) {
                    return Err(err(
                        &entry.key_origin,
                        &format!("{key}.{}", entry.key),
                        "unknown key in a schedule (expected points, stepwise or value, and scale)",
                    ));
                }
            }
            let forms: Vec<_> = entries.iter().filter(|e| e.key != "scale").collect();
            let [form] = forms.as_slice() else {
                return Err(err(
                    &node.origin,
                    key,
                    "a schedule table needs exactly one of `points`, `stepwise` or `value`",
                ));
            };
            let scale_node = node.get("scale");
            let scale = scale_node
                .map(|n| number(n, &format!("{key}.scale")))
                .transpose()?
                .unwrap_or(1.0);
            let form_key = format!("{key}.{}", form.key);
            let values: Vec<(String, f64, &Node)>;
            let shape = if form.key == "value" {
                let v = number(&form.node, &form_key)?;
                values = vec![(form_key, v, &form.node)];
                Shape::Constant(v)
            } else {
                let points = points(&form.node, &form_key)?;
                values = points
                    .iter()
                    .enumerate()
                    .map(|(i, &(_, v, n))| (format!("{form_key}.{i}.1"), v, n))
                    .collect();
                let pairs = points.iter().map(|&(y, v, _)| (y, v)).collect();
                if form.key == "points" {
                    Shape::Linear(pairs)
                } else {
                    Shape::Stepwise(pairs)
                }
            };
            for (value_key, raw, value_node) in values {
                let scaled = raw * scale;
                // An unbounded range still needs a number: 8 × 1e308 is not one.
                if scaled.is_finite() && bounds.contains(scaled) {
                    continue;
                }
                return Err(match scale_node {
                    Some(s) if bounds.contains(raw) => err(
                        &s.origin,
                        &format!("{key}.scale"),
                        format!(
                            "scale {} takes {value_key} = {} to {}, out of range: expected a finite value {}",
                            readable(scale),
                            readable(raw),
                            readable(scaled),
                            bounds.describe()
                        ),
                    ),
                    _ => err(
                        &value_node.origin,
                        &value_key,
                        format!(
                            "{raw} is out of range: expected a value {}",
                            bounds.describe()
                        ),
                    ),
                });
            }
            Ok(Schedule { shape, scale })
        }
        _ => Err(type_error(node, key, expected)),
    }
}

/// One value for both kinds, or `{ urban = .., rural = .. }`.
fn per_kind<T>(node: &Node, key: &str, one: impl Fn(&Node, &str) -> Result<T>) -> Result<PerKind<T>>
where
    T: Clone,
{
    let Some(entries) = node.entries() else {
        let v = one(node, key)?;
        return Ok(PerKind {
            urban: v.clone(),
            rural: v,
        });
    };
    let per_kind_keys = entries
        .iter()
        .any(|e| Kind::NAMES.contains(&e.key.as_str()));
    if !per_kind_keys {
        // A schedule table shared by both kinds.
        let v = one(node, key)?;
        return Ok(PerKind {
            urban: v.clone(),
            rural: v,
        });
    }
    for entry in entries {
        if !Kind::NAMES.contains(&entry.key.as_str()) {
            return Err(err(
                &entry.key_origin,
                &format!("{key}.{}", entry.key),
                "unknown key in a per-kind value (expected urban and rural)",
            ));
        }
    }
    let kind = |name: &str| -> Result<T> {
        let inner = node.get(name).ok_or_else(|| {
            err(
                &node.origin,
                key,
                format!("a per-kind value needs both urban and rural: `{name}` is missing"),
            )
        })?;
        one(inner, &format!("{key}.{name}"))
    };
    Ok(PerKind {
        urban: kind(Kind::Urban.name())?,
        rural: kind(Kind::Rural.name())?,
    })
}

/// The probability mass of a normal(mean, sd) inside `[lo, hi]`, accurate in
/// the far tails (where `erf` differences would cancel to 0).
fn normal_mass(mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    let a = (lo - mean) / (sd * std::f64::consts::SQRT_2);
    let b = (hi - mean) / (sd * std::f64::consts::SQRT_2);
    if a >= 0.0 {
        0.5 * (libm::erfc(a) - libm::erfc(b))
    } else if b <= 0.0 {
        0.5 * (libm::erfc(-b) - libm::erfc(-a))
    } else {
        0.5 * (libm::erf(b) - libm::erf(a))
    }
}

/// The least probability mass a truncation window must hold.
const MIN_MASS: f64 = 1e-6;

/// An entry distribution: a number, a truncated normal or (skills only) a beta.
fn distribution(node: &Node, key: &str, kind: DistKind) -> Result<Distribution> {
    let (natural, what) = match kind {
        DistKind::Age => (NONNEG, "an age"),
        DistKind::Skill => (UNIT, "a skill"),
    };
    let expected = match kind {
        DistKind::Age => "a number or { normal = [mean, sd], min = .., max = .. }",
        DistKind::Skill => {
            "a number, { normal = [mean, sd], min = .., max = .. } or { beta = [a, b] }"
        }
    };
    let Some(entries) = node.entries() else {
        if !node.is_number() {
            return Err(type_error(node, key, expected));
        }
        let v = number(node, key)?;
        check_bounds(v, natural, node, key)?;
        return Ok(Distribution::Constant(v));
    };
    for entry in entries {
        if !["normal", "min", "max", "beta"].contains(&entry.key.as_str()) {
            return Err(err(
                &entry.key_origin,
                &format!("{key}.{}", entry.key),
                format!("unknown key in a distribution (expected {expected})"),
            ));
        }
    }
    let pair = |name: &str| -> Result<Option<(f64, f64, &Node, &Node)>> {
        let Some(n) = node.get(name) else {
            return Ok(None);
        };
        let pair_key = format!("{key}.{name}");
        match &n.value {
            Value::Array(items) if items.len() == 2 => Ok(Some((
                number(&items[0], &format!("{pair_key}.0"))?,
                number(&items[1], &format!("{pair_key}.1"))?,
                &items[0],
                &items[1],
            ))),
            _ => Err(type_error(n, &pair_key, "a pair of numbers")),
        }
    };
    if let Some((a, b, a_node, b_node)) = pair("beta")? {
        if kind == DistKind::Age {
            return Err(err(
                &node.origin,
                key,
                format!(
                    "an age cannot follow a beta distribution (it lies on [0, 1]): expected {expected}"
                ),
            ));
        }
        if node.get("normal").is_some() {
            return Err(err(
                &node.origin,
                key,
                "give either `normal` or `beta`, not both",
            ));
        }
        if let Some(entry) = entries.iter().find(|e| e.key == "min" || e.key == "max") {
            return Err(err(
                &entry.key_origin,
                &format!("{key}.{}", entry.key),
                "min and max apply only to a normal (a beta lies on [0, 1])",
            ));
        }
        check_bounds(a, BETA_SHAPE, a_node, &format!("{key}.beta.0"))?;
        check_bounds(b, BETA_SHAPE, b_node, &format!("{key}.beta.1"))?;
        return Ok(Distribution::Beta { a, b });
    }
    let Some((mean, sd, _, sd_node)) = pair("normal")? else {
        return Err(err(&node.origin, key, format!("expected {expected}")));
    };
    check_bounds(sd, POSITIVE, sd_node, &format!("{key}.normal.1"))?;
    let bound = |name: &str, default: Option<f64>| -> Result<(f64, Option<&Node>)> {
        match (node.get(name), default) {
            (Some(n), _) => {
                let v = number(n, &format!("{key}.{name}"))?;
                check_bounds(v, natural, n, &format!("{key}.{name}"))?;
                Ok((v, Some(n)))
            }
            (None, Some(v)) => Ok((v, None)),
            (None, None) => Err(err(
                &node.origin,
                key,
                format!("{what} distribution needs both `min` and `max` (the truncation window)"),
            )),
        }
    };
    let skill_default = |v: f64| (kind == DistKind::Skill).then_some(v);
    let (min, _) = bound("min", skill_default(0.0))?;
    let (max, max_node) = bound("max", skill_default(1.0))?;
    let window_origin = max_node.map_or(&node.origin, |n| &n.origin);
    if min >= max {
        return Err(err(
            window_origin,
            key,
            format!("the truncation window [{min}, {max}] is empty: max must exceed min"),
        ));
    }
    let mass = normal_mass(mean, sd, min, max);
    if mass.is_nan() || mass < MIN_MASS {
        return Err(err(
            &node.origin,
            key,
            format!(
                "the normal(mean {mean}, sd {sd}) has probability mass {mass:.3e} inside [{min}, {max}], below {MIN_MASS:e}: no candidate could be drawn; move the mean or widen the window"
            ),
        ));
    }
    Ok(Distribution::Normal { mean, sd, min, max })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::parse_document;
    use crate::scenario::registry::AT_LEAST_ONE;

    fn value(text: &str) -> Node {
        parse_document(&format!("v = {text}\n"), "t.toml")
            .unwrap()
            .get("v")
            .unwrap()
            .clone()
    }

    #[test]
    fn schedules_in_all_forms() {
        assert_eq!(
            schedule(&value("2"), "k", NONNEG).unwrap(),
            Schedule::constant(2.0)
        );
        let linear = schedule(&value("[[1949, 0.0], [2060, 0.02]]"), "k", UNIT).unwrap();
        assert_eq!(
            linear.shape,
            Shape::Linear(vec![(1949.0, 0.0), (2060.0, 0.02)])
        );
        let step = schedule(
            &value("{ stepwise = [[1949, 3], [2018, 5]], scale = 2 }"),
            "k",
            AT_LEAST_ONE,
        )
        .unwrap();
        assert_eq!(step.scale, 2.0);
        assert_eq!(step.at(2020), 10.0);
        let constant = schedule(&value("{ value = 3, scale = 0.5 }"), "k", NONNEG).unwrap();
        assert_eq!(constant.at(2000), 1.5);
    }

    #[test]
    fn schedule_errors_name_the_element() {
        let e = schedule(&value("[[2000, 0.1], [1990, 0.2]]"), "p.o", NONNEG).unwrap_err();
        assert!(e.to_string().contains("t.toml:1:20: p.o.1.0:"), "{e}");
        let e = schedule(
            &value("{ points = [[2000, 0.1]], scale = -1 }"),
            "r",
            NONNEG,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("r.scale: scale -1 takes r.points.0.1 = 0.1 to -0.1"),
            "{e}"
        );
        let e = schedule(&value("[]"), "r", NONNEG).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn truncated_normals_need_mass() {
        assert!(
            distribution(
                &value("{ normal = [24, 2], min = 21, max = 35 }"),
                "a",
                DistKind::Age
            )
            .is_ok()
        );
        let e = distribution(&value("{ normal = [24, 2] }"), "a", DistKind::Age).unwrap_err();
        assert!(e.to_string().contains("both `min` and `max`"), "{e}");
        let e = distribution(&value("{ normal = [5, 0.1] }"), "k", DistKind::Skill).unwrap_err();
        assert!(e.to_string().contains("probability mass"), "{e}");
        assert!(normal_mass(0.0, 1.0, 8.0, 9.0) > 0.0);
        assert!((normal_mass(0.0, 1.0, -1.0, 1.0) - 0.682_689_492).abs() < 1e-8);
        let e = distribution(
            &value("{ normal = [0.5, 0.1], max = 1.5 }"),
            "k",
            DistKind::Skill,
        )
        .unwrap_err();
        assert!(e.to_string().contains("k.max"), "{e}");
    }

    #[test]
    fn integers_accept_integral_floats_only() {
        assert_eq!(integer(&value("6.0"), "s", 1, 10).unwrap(), 6);
        assert!(integer(&value("6.5"), "s", 1, 10).is_err());
        assert!(integer(&value("0"), "s", 1, 10).is_err());
        let e = integer(&value("10000000000"), "n", 0, i64::from(u32::MAX)).unwrap_err();
        assert!(e.to_string().contains("at most 4294967295"), "{e}");
        let e = integer(&value("-1"), "n", 0, i64::from(u32::MAX)).unwrap_err();
        assert!(e.to_string().contains("at least 0"), "{e}");
    }
}
