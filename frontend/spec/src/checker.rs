//! Typed reads from positioned nodes that turn every mismatch into a
//! diagnostic: shared by the app-spec validator and the release-contract
//! loader.

use std::ops::Range;

use crate::diagnostic::{codes, Diagnostic, LineIndex, Span};
use crate::node::{Entry, NodeValue, Table};
use crate::spec::Spans;
use crate::suggest;

/// Collects diagnostics and key spans while a validator reads a table tree.
#[derive(Debug)]
pub(crate) struct Checker<'a> {
    pub file: &'a str,
    index: LineIndex<'a>,
    /// Problems that make the file unusable.
    pub errors: Vec<Diagnostic>,
    /// Unknown keys: errors for a build, recoverable (the key is ignored)
    /// for `--check`.
    pub unknown: Vec<Diagnostic>,
    pub spans: Spans,
}

/// Where a table lives, for messages and missing-key positions.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'t> {
    pub table: &'t Table,
    /// Dotted path prefix for spans ("" for the root).
    pub path: String,
    /// How messages name it: "the top level", "[runtime]".
    pub label: String,
    /// Where a missing key is reported.
    pub anchor: Range<usize>,
}

impl<'t> Scope<'t> {
    pub(crate) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

impl<'a> Checker<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Checker<'a> {
        Checker {
            file,
            index: LineIndex::new(text),
            errors: Vec::new(),
            unknown: Vec::new(),
            spans: Spans::default(),
        }
    }

    pub(crate) fn span(&self, range: Range<usize>) -> Span {
        self.index.span(range)
    }

    pub(crate) fn error(
        &mut self,
        range: Range<usize>,
        code: &'static str,
        message: String,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::new(self.file, self.span(range), code, message);
        d.help = help;
        self.errors.push(d);
    }

    pub(crate) fn invalid(
        &mut self,
        range: Range<usize>,
        message: String,
        help: impl Into<String>,
    ) {
        self.error(range, codes::INVALID_VALUE, message, Some(help.into()));
    }

    /// Report every key of `scope` not in `allowed`; `elsewhere` maps keys
    /// that belong in another table to that table's name.
    pub(crate) fn unknown_keys(
        &mut self,
        scope: &Scope<'_>,
        allowed: &[&str],
        elsewhere: &[(&str, &str)],
    ) {
        for entry in &scope.table.entries {
            if allowed.contains(&entry.key.as_str()) {
                continue;
            }
            let help = match elsewhere.iter().find(|(key, _)| *key == entry.key) {
                Some((_, table)) => format!("`{}` belongs in the [{table}] table", entry.key),
                None => suggest::help_for(&entry.key, allowed.iter().copied()),
            };
            let message = format!("unknown key `{}` in {}", entry.key, scope.label);
            let d = Diagnostic::new(
                self.file,
                self.span(entry.key_span.clone()),
                codes::UNKNOWN_KEY,
                message,
            )
            .with_help(help);
            self.unknown.push(d);
        }
    }

    /// The entry for `key`, recording its span; reports it missing when
    /// `required`.
    pub(crate) fn entry<'t>(
        &mut self,
        scope: &Scope<'t>,
        key: &str,
        required: Option<&str>,
    ) -> Option<&'t Entry> {
        match scope.table.get(key) {
            Some(entry) => {
                let span = self.span(entry.full_span());
                self.spans.insert(scope.key_path(key), span);
                Some(entry)
            }
            None => {
                if let Some(example) = required {
                    self.error(
                        scope.anchor.clone(),
                        codes::MISSING_KEY,
                        format!("missing required key `{key}` in {}", scope.label),
                        Some(format!("add `{example}`")),
                    );
                }
                None
            }
        }
    }

    fn wrong_type(&mut self, entry: &Entry, what: &str, expected: &str, help: Option<String>) {
        let message = format!(
            "`{what}` must be {expected}, found {}",
            entry.node.value.type_name()
        );
        self.error(entry.node.span.clone(), codes::WRONG_TYPE, message, help);
    }

    pub(crate) fn string<'t>(
        &mut self,
        scope: &Scope<'t>,
        key: &str,
        required: Option<&str>,
    ) -> Option<(&'t str, Range<usize>)> {
        let entry = self.entry(scope, key, required)?;
        match &entry.node.value {
            NodeValue::String(s) => Some((s.as_str(), entry.node.span.clone())),
            NodeValue::Integer(i) => {
                self.wrong_type(
                    entry,
                    key,
                    "a string",
                    Some(format!("quote it: `{key} = \"{i}\"`")),
                );
                None
            }
            _ => {
                self.wrong_type(entry, key, "a string", None);
                None
            }
        }
    }

    /// A non-empty, single-line string.
    pub(crate) fn text<'t>(
        &mut self,
        scope: &Scope<'t>,
        key: &str,
        required: Option<&str>,
    ) -> Option<(&'t str, Range<usize>)> {
        let (value, range) = self.string(scope, key, required)?;
        if value.trim().is_empty() {
            self.invalid(range, format!("`{key}` is empty"), "write one line of text");
            return None;
        }
        if value.contains('\n') {
            self.invalid(
                range,
                format!("`{key}` spans several lines"),
                "keep it to one line",
            );
            return None;
        }
        Some((value, range))
    }

    pub(crate) fn integer(
        &mut self,
        scope: &Scope<'_>,
        key: &str,
        required: Option<&str>,
    ) -> Option<(i64, Range<usize>)> {
        let entry = self.entry(scope, key, required)?;
        match &entry.node.value {
            NodeValue::Integer(i) => Some((*i, entry.node.span.clone())),
            NodeValue::String(s) if s.trim().parse::<i64>().is_ok() => {
                let help = format!("remove the quotes: `{key} = {}`", s.trim());
                self.wrong_type(entry, key, "an integer", Some(help));
                None
            }
            NodeValue::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                let help = format!("drop the decimal point: `{key} = {}`", *f as i64);
                self.wrong_type(entry, key, "an integer", Some(help));
                None
            }
            _ => {
                self.wrong_type(entry, key, "an integer", None);
                None
            }
        }
    }

    pub(crate) fn boolean(
        &mut self,
        scope: &Scope<'_>,
        key: &str,
        required: Option<&str>,
    ) -> Option<bool> {
        let entry = self.entry(scope, key, required)?;
        match &entry.node.value {
            NodeValue::Boolean(b) => Some(*b),
            NodeValue::String(s) if matches!(s.as_str(), "true" | "false" | "yes" | "no") => {
                let value = matches!(s.as_str(), "true" | "yes");
                self.wrong_type(
                    entry,
                    key,
                    "a boolean",
                    Some(format!("write `{key} = {value}` (no quotes)")),
                );
                None
            }
            _ => {
                self.wrong_type(
                    entry,
                    key,
                    "a boolean",
                    Some(format!("write `{key} = true` or `{key} = false`")),
                );
                None
            }
        }
    }

    /// An array of strings; element spans are recorded as `path[i]`.
    pub(crate) fn string_array<'t>(
        &mut self,
        scope: &Scope<'t>,
        key: &str,
        required: Option<&str>,
    ) -> Option<Vec<(&'t str, Range<usize>)>> {
        let entry = self.entry(scope, key, required)?;
        let NodeValue::Array(items) = &entry.node.value else {
            let help = match &entry.node.value {
                NodeValue::String(s) => Some(format!("make it a list: `{key} = [\"{s}\"]`")),
                _ => None,
            };
            self.wrong_type(entry, key, "an array of strings", help);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match &item.value {
                NodeValue::String(s) => {
                    let span = self.span(item.span.clone());
                    self.spans
                        .insert(format!("{}[{i}]", scope.key_path(key)), span);
                    out.push((s.as_str(), item.span.clone()));
                }
                other => {
                    let message = format!("`{key}` must hold strings, found {}", other.type_name());
                    self.error(
                        item.span.clone(),
                        codes::WRONG_TYPE,
                        message,
                        Some("quote the value".to_string()),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A sub-table as a new scope; reports other types.
    pub(crate) fn table<'t>(
        &mut self,
        scope: &Scope<'t>,
        key: &str,
        required: Option<&str>,
    ) -> Option<Scope<'t>> {
        let entry = self.entry(scope, key, required)?;
        match &entry.node.value {
            NodeValue::Table(table) => Some(Scope {
                table,
                path: scope.key_path(key),
                label: format!("[{}]", scope.key_path(key)),
                anchor: entry.full_span(),
            }),
            _ => {
                let help = format!(
                    "write it as a table: `[{}]` followed by `key = value` lines",
                    scope.key_path(key)
                );
                self.wrong_type(entry, key, "a table", Some(help));
                None
            }
        }
    }

    /// A list of unique strings, each accepted by `check` (which returns
    /// `(message, help)` for a bad element). An absent optional list is
    /// empty; `empty_help` (when given) makes an empty list an error.
    pub(crate) fn list<'t>(
        &mut self,
        scope: &Scope<'t>,
        key: &str,
        required: Option<&str>,
        empty_help: Option<&str>,
        check: impl Fn(&str) -> Option<(String, String)>,
    ) -> Option<Vec<&'t str>> {
        if required.is_none() && scope.table.get(key).is_none() {
            return Some(Vec::new());
        }
        let items = self.string_array(scope, key, required)?;
        let mut ok = self.duplicates(key, &items);
        if let (true, Some(help)) = (items.is_empty(), empty_help) {
            let range = scope
                .table
                .get(key)
                .map(|e| e.node.span.clone())
                .unwrap_or_default();
            self.invalid(range, format!("`{key}` is empty"), help);
            ok = false;
        }
        for (value, range) in &items {
            if let Some((message, help)) = check(value) {
                self.invalid(range.clone(), message, help);
                ok = false;
            }
        }
        ok.then(|| items.into_iter().map(|(value, _)| value).collect())
    }

    /// Report the second and later occurrences of equal values.
    pub(crate) fn duplicates(&mut self, key: &str, values: &[(&str, Range<usize>)]) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        let mut clean = true;
        for (value, range) in values {
            if seen.contains(value) {
                self.error(
                    range.clone(),
                    codes::DUPLICATE,
                    format!("`{value}` is listed twice in `{key}`"),
                    Some("remove the second entry".to_string()),
                );
                clean = false;
            } else {
                seen.push(value);
            }
        }
        clean
    }
}

/// `true` for a relative path inside the repository: no leading `/`, no
/// trailing `/`, no empty, `.` or `..` segments, no whitespace or `\`.
pub(crate) fn is_repo_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.ends_with('/')
        && !path
            .chars()
            .any(|c| c.is_whitespace() || c == '\\' || c.is_control())
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// Lower-case name made of `[a-z0-9]` runs joined by single `-`.
pub(crate) fn is_kebab_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// An OCI repository path: components `[a-z0-9]+([._-][a-z0-9]+)*` joined by `/`.
pub(crate) fn is_repository_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|component| {
            let bytes = component.as_bytes();
            let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            !bytes.is_empty()
                && alnum(bytes[0])
                && alnum(bytes[bytes.len() - 1])
                && bytes
                    .iter()
                    .all(|&b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
                && !bytes.windows(2).any(|w| !alnum(w[0]) && !alnum(w[1]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths() {
        assert!(is_repo_path("packages/patient-signal-rust-core"));
        assert!(is_repo_path("docs"));
        for bad in [
            "",
            "/abs",
            "trailing/",
            "a//b",
            "a/../b",
            "./a",
            "a b",
            "a\\b",
        ] {
            assert!(!is_repo_path(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn names() {
        assert!(is_kebab_name("patient-risk-web"));
        assert!(!is_kebab_name("Patient"));
        assert!(!is_kebab_name("a--b"));
        assert!(!is_kebab_name("-a"));
        assert!(is_repository_name("patient-risk-web"));
        assert!(is_repository_name("team/app.v2"));
        assert!(!is_repository_name("App"));
        assert!(!is_repository_name("a..b"));
        assert!(!is_repository_name("a-"));
        assert!(!is_repository_name("a//b"));
    }
}
