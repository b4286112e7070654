//! The scenario document as a tree of TOML values that remember where they
//! were written, so that every later error can name a file, line and column.
//!
//! The `toml` crate parses; this module converts its spanned values into
//! [`Node`]s (positions turned into 1-based lines and columns, table entries
//! in written order) and merges trees for `extends`.

use std::fmt;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use crate::{Error, Result};

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Origin {
    /// A position in a scenario file (1-based line and column, in characters).
    File {
        /// The file as the user named it, joined with `extends` paths.
        file: Arc<str>,
        /// 1-based line.
        line: u32,
        /// 1-based column, counted in characters.
        column: u32,
    },
    /// A command-line override or sweep point, e.g. `--set capacity.beta=9`.
    Override(Arc<str>),
    /// The built-in defaults of the registry.
    Default,
}

impl Origin {
    /// The first character of `file`, for errors about the file as a whole.
    pub(crate) fn start_of(file: &str) -> Origin {
        Origin::File {
            file: file.into(),
            line: 1,
            column: 1,
        }
    }

    /// Whether the value was written by the user (a file or an override)
    /// rather than filled in from the defaults.
    pub(crate) fn is_given(&self) -> bool {
        !matches!(self, Origin::Default)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Origin::Override(text) => f.write_str(text),
            Origin::Default => f.write_str("built-in default"),
        }
    }
}

/// A value with its position.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub origin: Origin,
}

/// A TOML value (dates and times have no place in a scenario).
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// A table, entries in written order.
    Table(Vec<Entry>),
    /// An array.
    Array(Vec<Node>),
    /// An integer.
    Integer(i64),
    /// A float (possibly not finite: validation refuses those).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    String(String),
}

/// One `key = value` of a table; the key keeps its own position because an
/// unknown key is reported where the key is written.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The key (one segment, never dotted).
    pub key: String,
    /// Where the key is written.
    pub key_origin: Origin,
    /// The value.
    pub node: Node,
}

impl Node {
    /// A node holding `value` at `origin`.
    pub(crate) fn new(value: Value, origin: Origin) -> Node {
        Node { value, origin }
    }

    /// An empty table at `origin`.
    pub(crate) fn table(origin: Origin) -> Node {
        Node::new(Value::Table(Vec::new()), origin)
    }

    /// The entries, if this is a table.
    pub(crate) fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Table(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry for `key`, if this is a table holding it.
    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    /// The value under `key`, if this is a table holding it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.node)
    }

    /// The value under `key`, mutably.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Table(entries) => entries
                .iter_mut()
                .find(|e| e.key == key)
                .map(|e| &mut e.node),
            _ => None,
        }
    }

    /// The value at a dotted `path` of table keys.
    pub(crate) fn at(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }

    /// Sets `key` to `node` in this table, keeping the key's first position
    /// when it already exists. Does nothing unless this is a table.
    pub(crate) fn insert(&mut self, key: &str, key_origin: Origin, node: Node) {
        if let Value::Table(entries) = &mut self.value {
            match entries.iter_mut().find(|e| e.key == key) {
                Some(entry) => entry.node = node,
                None => entries.push(Entry {
                    key: key.to_string(),
                    key_origin,
                    node,
                }),
            }
        }
    }

    /// Removes and returns the entry for `key`.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Entry> {
        match &mut self.value {
            Value::Table(entries) => {
                let index = entries.iter().position(|e| e.key == key)?;
                Some(entries.remove(index))
            }
            _ => None,
        }
    }

    /// The number, if this is an integer or a float.
    #[cfg(test)]
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Integer(i) => Some(i as f64),
            Value::Float(x) => Some(x),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is an integer or a float.
    pub(crate) fn is_number(&self) -> bool {
        matches!(self.value, Value::Integer(_) | Value::Float(_))
    }

    /// The value as a message shows it: scalars as written, containers by
    /// their type, so that messages stay on one line.
    pub(crate) fn describe(&self) -> String {
        match &self.value {
            Value::Table(_) => "a table".to_string(),
            Value::Array(_) => "an array".to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Float(x) => format!("{x:?}"),
            Value::Bool(b) => b.to_string(),
            Value::String(s) => format!("string {s:?}"),
        }
    }
}

/// Byte offsets of line starts, to turn spans into lines and columns.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    file: Arc<str>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str, file: Arc<str>) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts, file }
    }

    fn origin(&self, offset: usize) -> Origin {
        let offset = offset.min(self.text.len());
        let line_idx = self.starts.partition_point(|&s| s <= offset) - 1;
        let line_start = self.starts[line_idx];
        let column = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count());
        Origin::File {
            file: self.file.clone(),
            line: u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Parses a scenario file's text; `file` is the name errors show.
pub(crate) fn parse_document(text: &str, file: &str) -> Result<Node> {
    let lines = Lines::new(text, file.into());
    let table = DeTable::parse(text).map_err(|e| syntax_error(&e, |o| lines.origin(o)))?;
    let span = table.span();
    convert_table(table.get_ref(), lines.origin(span.start), &|o| {
        lines.origin(o)
    })
}

/// Parses the value of an override (`--set PATH=VALUE` or a sweep point);
/// every node gets `origin`. A bare word that is not TOML (`independent`)
/// is taken as a string, so that `--set seeds=independent` works unquoted.
pub(crate) fn parse_value(text: &str, origin: &Origin) -> Result<Node, String> {
    match DeValue::parse(text) {
        Ok(value) => convert(&value, &|_| origin.clone()).map_err(|e| match e {
            Error::Input { message, .. } => message,
            other => other.to_string(),
        }),
        Err(e) => {
            let bare_word = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-./".contains(c));
            if bare_word {
                Ok(Node::new(Value::String(text.to_string()), origin.clone()))
            } else {
                Err(format!(
                    "cannot read value `{text}` as TOML: {}",
                    one_line(e.message())
                ))
            }
        }
    }
}

fn syntax_error(e: &toml::de::Error, origin: impl Fn(usize) -> Origin) -> Error {
    let at = e.span().map_or(0, |s| s.start);
    Error::input(origin(at).to_string(), "syntax", one_line(e.message()))
}

/// Joins a multi-line message into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn convert_table(
    table: &DeTable<'_>,
    origin: Origin,
    position: &dyn Fn(usize) -> Origin,
) -> Result<Node> {
    // The parser's map is sorted by key; the span start restores the written
    // order, which sweeps rely on.
    let mut items: Vec<_> = table.iter().collect();
    items.sort_by_key(|(key, _)| key.span().start);
    let mut entries = Vec::with_capacity(items.len());
    for (key, value) in items {
        entries.push(Entry {
            key: key.get_ref().to_string(),
            key_origin: position(key.span().start),
            node: convert(value, position)?,
        });
    }
    Ok(Node::new(Value::Table(entries), origin))
}

fn convert(value: &toml::Spanned<DeValue<'_>>, position: &dyn Fn(usize) -> Origin) -> Result<Node> {
    let origin = position(value.span().start);
    let bad = |message: String| Error::input(origin.to_string(), "value", message);
    let converted = match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Integer(
            i64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| bad(format!("integer {i} is too large")))?,
        ),
        DeValue::Float(x) => Value::Float(
            x.as_str()
                .parse()
                .map_err(|_| bad(format!("cannot read float {x}")))?,
        ),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => {
            return Err(bad(format!(
                "found date/time {d}: scenarios use years as plain integers"
            )));
        }
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| convert(item, position))
                .collect::<Result<_>>()?,
        ),
        DeValue::Table(table) => return convert_table(table, origin, position),
    };
    Ok(Node::new(converted, origin))
}

/// Merges `over` into `base`: tables for which `merges(path)` holds are
/// merged key by key, anything else in `over` replaces the value in `base`.
pub(crate) fn merge(
    base: &mut Node,
    over: Node,
    path: &mut Vec<String>,
    merges: &dyn Fn(&[String]) -> bool,
) {
    let both_tables = base.entries().is_some() && over.entries().is_some();
    if !(both_tables && merges(path)) {
        *base = over;
        return;
    }
    let Value::Table(entries) = over.value else {
        unreachable!("checked above that `over` is a table")
    };
    for entry in entries {
        match base.get_mut(&entry.key) {
            Some(existing) => {
                path.push(entry.key);
                merge(existing, entry.node, path, merges);
                path.pop();
            }
            None => base.insert(&entry.key, entry.key_origin, entry.node),
        }
    }
}

/// `node` as a TOML value (tables inline, in written order).
pub(crate) fn to_toml(node: &Node) -> toml::Value {
    match &node.value {
        Value::Table(entries) => toml::Value::Table(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_toml(&e.node)))
                .collect(),
        ),
        Value::Array(items) => toml::Value::Array(items.iter().map(to_toml).collect()),
        Value::Integer(i) => toml::Value::Integer(*i),
        Value::Float(x) => toml::Value::Float(*x),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::String(text) => toml::Value::String(text.clone()),
    }
}

/// `key` as a TOML key: bare when it may be, quoted otherwise.
pub(crate) fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin_of(node: &Node) -> String {
        node.origin.to_string()
    }

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let text = "a = 1\n[t]\n# é\nb = \"é\"\nc = 2.5\n";
        let root = parse_document(text, "f.toml").unwrap();
        assert_eq!(origin_of(root.get("a").unwrap()), "f.toml:1:5");
        let t = root.get("t").unwrap();
        assert_eq!(origin_of(t.get("b").unwrap()), "f.toml:4:5");
        assert_eq!(t.entry("c").unwrap().key_origin.to_string(), "f.toml:5:1");
    }

    #[test]
    fn tables_keep_written_order() {
        let root = parse_document("z = 1\na = 2\nm = 3\n", "f.toml").unwrap();
        let keys: Vec<_> = root
            .entries()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn syntax_errors_are_one_line_with_a_position() {
        let err = parse_document("a = 1\nb = [1,\n", "f.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.toml:"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    #[test]
    fn override_values_accept_toml_and_bare_words() {
        let origin = Origin::Override("--set x".into());
        assert!(matches!(
            parse_value("2.5", &origin).unwrap().value,
            Value::Float(_)
        ));
        assert!(matches!(
            parse_value("[[1, 2]]", &origin).unwrap().value,
            Value::Array(_)
        ));
        assert_eq!(
            parse_value("independent", &origin).unwrap().as_str(),
            Some("independent")
        );
        assert!(parse_value("[1,", &origin).is_err());
    }

    #[test]
    fn merge_replaces_leaves_and_merges_chosen_tables() {
        let mut base = parse_document("[s]\na = 1\nb = 2\n[r]\nx = 1\ny = 2\n", "b.toml").unwrap();
        let over = parse_document("[s]\nb = 3\n[r]\nx = 5\n", "c.toml").unwrap();
        merge(&mut base, over, &mut Vec::new(), &|p| {
            p.is_empty() || p == ["s"]
        });
        assert_eq!(base.at("s.a").unwrap().as_f64(), Some(1.0));
        assert_eq!(base.at("s.b").unwrap().as_f64(), Some(3.0));
        assert!(base.at("r.y").is_none());
    }
}
