//! Stage 1: text → positioned nodes ("what the user wrote").
//!
//! The TOML document is turned into a small tree of [`Node`]s that keep the
//! byte range of every key and value, with tables' entries in source order.
//! Nothing here knows the spec's schema; [`crate::validate`] does.

use std::ops::Range;

use toml_edit::{Document, Item, Value};

/// A value and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: NodeValue,
    /// Byte range of the value (for a `[table]`, its header).
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeValue {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Table),
    /// `[[name]]` — never valid in a spec, kept so it can be reported.
    TableArray,
}

impl NodeValue {
    /// The TOML type name used in "expected X, found Y" messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            NodeValue::String(_) => "a string",
            NodeValue::Integer(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Boolean(_) => "a boolean",
            NodeValue::Datetime => "a datetime",
            NodeValue::Array(_) => "an array",
            NodeValue::Table(_) => "a table",
            NodeValue::TableArray => "an array of tables",
        }
    }
}

/// One `key = value` (or `[key]` table) with the key's position.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub node: Node,
}

impl Entry {
    /// From the start of the key to the end of the value (for a `[table]`,
    /// its header line).
    pub(crate) fn full_span(&self) -> Range<usize> {
        let start = self.key_span.start.min(self.node.span.start);
        let end = self.key_span.end.max(self.node.span.end);
        start..end
    }
}

/// A table's entries in source order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    pub(crate) fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Why stage 1 failed: the first line, or the TOML itself.
#[derive(Debug)]
pub(crate) enum SourceError {
    /// Line 1 is not a `# syntax=` directive; `found_at` is the 1-based line
    /// where a syntax directive was found instead, if any.
    SyntaxLine {
        found_at: Option<usize>,
    },
    /// A syntax directive with nothing after `=`.
    EmptySyntax,
    Toml {
        message: String,
        span: Range<usize>,
    },
}

/// The parsed source: the frontend reference from line 1 and the root table.
#[derive(Debug)]
pub(crate) struct Source {
    pub syntax: String,
    pub syntax_span: Range<usize>,
    pub root: Table,
}

/// The reference of a `# syntax=REF` directive line, if `line` is one.
/// Like BuildKit, the directive name is case-insensitive and spaces around
/// `=` are allowed.
pub(crate) fn syntax_directive(line: &str) -> Option<&str> {
    let rest = line
        .trim_start_matches('\u{feff}')
        .strip_prefix('#')?
        .trim_start();
    let (name, value) = rest.split_once('=')?;
    if !name.trim_end().eq_ignore_ascii_case("syntax") {
        return None;
    }
    Some(value.trim())
}

pub(crate) fn parse_source(text: &str) -> Result<Source, SourceError> {
    let first = text.lines().next().unwrap_or("");
    let syntax = match syntax_directive(first) {
        Some("") => return Err(SourceError::EmptySyntax),
        Some(reference) => reference.to_string(),
        None => {
            let found_at = text
                .lines()
                .position(|l| syntax_directive(l).is_some())
                .map(|i| i + 1);
            return Err(SourceError::SyntaxLine { found_at });
        }
    };
    let root = parse_toml(text)?;
    Ok(Source {
        syntax,
        syntax_span: 0..first.len(),
        root,
    })
}

/// Any TOML text (no directive line) into its root table.
pub(crate) fn parse_toml(text: &str) -> Result<Table, SourceError> {
    let document = Document::parse(text).map_err(|e| SourceError::Toml {
        message: e.message().trim().to_string(),
        span: e.span().unwrap_or(0..0),
    })?;
    Ok(match convert_item(document.as_item()) {
        Some(Node {
            value: NodeValue::Table(table),
            ..
        }) => table,
        _ => Table::default(),
    })
}

fn convert_item(item: &Item) -> Option<Node> {
    match item {
        Item::None => None,
        Item::Value(value) => Some(convert_value(value)),
        Item::Table(table) => {
            let entries = table
                .iter()
                .filter_map(|(key, item)| {
                    let key_span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
                    Some(entry(key, key_span, convert_item(item)?))
                })
                .collect();
            let span = table.span().unwrap_or(0..0);
            Some(Node {
                value: NodeValue::Table(sorted(entries)),
                span,
            })
        }
        Item::ArrayOfTables(array) => Some(Node {
            value: NodeValue::TableArray,
            span: array.span().unwrap_or(0..0),
        }),
    }
}

fn convert_value(value: &Value) -> Node {
    let span = value.span().unwrap_or(0..0);
    let value = match value {
        Value::String(s) => NodeValue::String(s.value().clone()),
        Value::Integer(i) => NodeValue::Integer(*i.value()),
        Value::Float(f) => NodeValue::Float(*f.value()),
        Value::Boolean(b) => NodeValue::Boolean(*b.value()),
        Value::Datetime(_) => NodeValue::Datetime,
        Value::Array(array) => NodeValue::Array(array.iter().map(convert_value).collect()),
        Value::InlineTable(table) => {
            let entries = table
                .iter()
                .map(|(key, value)| {
                    let key_span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
                    entry(key, key_span, convert_value(value))
                })
                .collect();
            NodeValue::Table(sorted(entries))
        }
    };
    Node { value, span }
}

fn entry(key: &str, key_span: Range<usize>, mut node: Node) -> Entry {
    // Implicit tables (`a` in `[a.b]` or `a.b = 1`) have no span of their own.
    if node.span == (0..0) {
        node.span = key_span.clone();
    }
    Entry {
        key: key.to_string(),
        key_span,
        node,
    }
}

fn sorted(mut entries: Vec<Entry>) -> Table {
    entries.sort_by_key(|e| e.key_span.start);
    Table { entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_directive_forms() {
        assert_eq!(
            syntax_directive("# syntax=ghcr.io/a/b:1"),
            Some("ghcr.io/a/b:1")
        );
        assert_eq!(syntax_directive("#syntax = x "), Some("x"));
        assert_eq!(syntax_directive("# SYNTAX=x"), Some("x"));
        assert_eq!(syntax_directive("# syntax"), None);
        assert_eq!(syntax_directive("app = \"x\""), None);
        assert_eq!(syntax_directive("# comment = x"), None);
    }

    #[test]
    fn nodes_keep_positions_and_source_order() {
        let text = "# syntax=x\nb = 1\na = [\"p\", \"q\"]\n[t]\nk = { z = true, y = 2.5 }\n";
        let source = parse_source(text).unwrap();
        let keys: Vec<&str> = source.root.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["b", "a", "t"]);
        let a = source.root.get("a").unwrap();
        assert_eq!(&text[a.key_span.clone()], "a");
        let NodeValue::Array(items) = &a.node.value else {
            panic!("array expected")
        };
        assert_eq!(&text[items[1].span.clone()], "\"q\"");
        let t = source.root.get("t").unwrap();
        assert_eq!(&text[t.full_span()], "[t]");
        let NodeValue::Table(t) = &t.node.value else {
            panic!("table expected")
        };
        let NodeValue::Table(k) = &t.get("k").unwrap().node.value else {
            panic!("inline table expected")
        };
        let inner: Vec<&str> = k.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(inner, ["z", "y"]);
    }

    #[test]
    fn first_line_must_be_the_directive() {
        assert!(matches!(
            parse_source("a = 1\n"),
            Err(SourceError::SyntaxLine { found_at: None })
        ));
        assert!(matches!(
            parse_source("a = 1\n# syntax=x\n"),
            Err(SourceError::SyntaxLine { found_at: Some(2) })
        ));
        assert!(matches!(
            parse_source("# syntax=\n"),
            Err(SourceError::EmptySyntax)
        ));
        match parse_source("# syntax=x\na = \"open\n") {
            Err(SourceError::Toml { span, .. }) => assert!(span.start >= 11),
            other => panic!("unexpected {other:?}"),
        }
    }
}
