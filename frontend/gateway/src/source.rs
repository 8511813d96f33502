//! Source files and ranges: what errors, warnings and lint results point at.
//!
//! Lines are 1-based (BuildKit's snippet printer indexes `lines[line-1]`);
//! characters are 0-based offsets within the line. One type serves three wire
//! forms: `pb::SourceInfo`/`pb::Range` (Warn), the `errdefs.Source+json` error
//! detail, and the `location`/`sources` JSON of subrequest replies.

use std::fmt::Write as _;

use base64::Engine as _;
use bollard_buildkit_proto::pb;
use serde_json::{json, Value};

/// A source file shown to the user in snippets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name buildx prints above the snippet (e.g. `Dockerfile`).
    pub filename: String,
    /// Language hint, e.g. `toml`.
    pub language: String,
    /// The file's bytes.
    pub data: Vec<u8>,
}

/// A position: 1-based line, 0-based character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: i32,
    /// 0-based character offset.
    pub character: i32,
}

/// A range within one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceRange {
    /// Start (inclusive).
    pub start: Position,
    /// End.
    pub end: Position,
}

impl SourceRange {
    /// From 1-based line/column pairs as parsers report them (column 1 = character 0).
    pub fn from_line_col(start_line: u32, start_col: u32, end_line: u32, end_col: u32) -> Self {
        let l = |v: u32| i32::try_from(v.max(1)).unwrap_or(i32::MAX);
        let c = |v: u32| i32::try_from(v.saturating_sub(1)).unwrap_or(i32::MAX);
        let start = Position {
            line: l(start_line),
            character: c(start_col),
        };
        let mut end = Position {
            line: l(end_line),
            character: c(end_col),
        };
        if end < start {
            end = start;
        }
        Self { start, end }
    }

    /// A whole line.
    pub fn line(line: u32) -> Self {
        Self::from_line_col(line, 1, line, 1)
    }

    /// The wire form.
    pub fn to_pb(&self) -> pb::Range {
        pb::Range {
            start: Some(pb::Position {
                line: self.start.line,
                character: self.start.character,
            }),
            end: Some(pb::Position {
                line: self.end.line,
                character: self.end.character,
            }),
        }
    }

    /// The JSON form (start and end always present: buildx dereferences them).
    pub fn to_json(&self) -> Value {
        json!({
            "start": {"line": self.start.line, "character": self.start.character},
            "end": {"line": self.end.line, "character": self.end.character},
        })
    }
}

impl SourceFile {
    /// A file with its bytes.
    pub fn new(filename: impl Into<String>, language: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            filename: filename.into(),
            language: language.into(),
            data: data.into(),
        }
    }

    /// The wire form.
    pub fn to_pb(&self) -> pb::SourceInfo {
        pb::SourceInfo {
            filename: self.filename.clone(),
            data: self.data.clone(),
            definition: None,
            language: self.language.clone(),
        }
    }

    /// The `SourceInfo` JSON form (`data` base64, as Go encodes `[]byte`).
    pub fn to_json(&self) -> Value {
        json!({
            "filename": self.filename,
            "data": base64::engine::general_purpose::STANDARD.encode(&self.data),
            "language": self.language,
        })
    }

    /// Renders the snippet buildx prints for `ranges`: a `file:line` header, a
    /// few lines of context, `>>>` on the lines inside a range. Empty when the
    /// ranges fall outside the file.
    pub fn snippet(&self, ranges: &[SourceRange]) -> String {
        let text = String::from_utf8_lossy(&self.data);
        let lines: Vec<&str> = text.split('\n').collect();
        let Some(first) = ranges.iter().map(|r| r.start.line).min() else {
            return String::new();
        };
        let last = ranges
            .iter()
            .map(|r| r.end.line.max(r.start.line))
            .max()
            .unwrap_or(first);
        let n = i32::try_from(lines.len()).unwrap_or(i32::MAX);
        if first < 1 || first > n {
            return String::new();
        }
        let context = if first == last { 2 } else { 1 };
        let from = (first - context).max(1);
        let to = (last.min(n) + context).min(n);
        let mut out = format!("{}:{}\n--------------------\n", self.filename, first);
        for i in from..=to {
            let marked = ranges
                .iter()
                .any(|r| r.start.line <= i && r.end.line.max(r.start.line) >= i);
            let prefix = if marked { ">>>" } else { "   " };
            let line = usize::try_from(i - 1).ok().and_then(|ix| lines.get(ix)).copied().unwrap_or("");
            let _ = writeln!(out, " {i:>3} | {prefix} {line}");
        }
        out.push_str("--------------------\n");
        out
    }
}

/// Where something is: an index into a reply's `sources` (or -1 for none) plus ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Index into the `sources` array; -1 when unknown.
    pub source_index: i32,
    /// Ranges in that source.
    pub ranges: Vec<SourceRange>,
}

impl Location {
    /// No source: `sourceIndex: -1`. buildx still dereferences `location`, so
    /// replies always carry one.
    pub fn unknown() -> Self {
        Self {
            source_index: -1,
            ranges: Vec::new(),
        }
    }

    /// Ranges in source `index`.
    pub fn in_source(index: i32, ranges: Vec<SourceRange>) -> Self {
        Self {
            source_index: index,
            ranges,
        }
    }

    /// The `pb.Location` JSON form.
    pub fn to_json(&self) -> Value {
        json!({
            "sourceIndex": self.source_index,
            "ranges": self.ranges.iter().map(SourceRange::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Serialized as [`Location::to_json`] (the form replies and error details share).
impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Serialized as [`SourceFile::to_json`] (`SourceInfo` with base64 `data`).
impl serde::Serialize for SourceFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> SourceFile {
        SourceFile::new("Dockerfile", "toml", "# syntax=x\napp = \"a\"\n\n[runtime]\nprot = 8080\nuser = 1000\n")
    }

    #[test]
    fn ranges_from_one_based_columns() {
        let r = SourceRange::from_line_col(5, 1, 5, 5);
        assert_eq!(r.start, Position { line: 5, character: 0 });
        assert_eq!(r.end, Position { line: 5, character: 4 });
        let pb = r.to_pb();
        assert_eq!(pb.start.unwrap().line, 5);
        assert_eq!(r.to_json()["end"]["character"], 4);
        // a reversed range collapses to its start; line 0 becomes line 1
        let odd = SourceRange::from_line_col(0, 0, 0, 0);
        assert_eq!(odd.start.line, 1);
        assert_eq!(odd.end, odd.start);
    }

    #[test]
    fn json_forms_match_go_field_names() {
        let f = SourceFile::new("Dockerfile", "toml", "ab");
        assert_eq!(f.to_json(), json!({"filename": "Dockerfile", "data": "YWI=", "language": "toml"}));
        let loc = Location::in_source(0, vec![SourceRange::line(2)]);
        assert_eq!(
            loc.to_json(),
            json!({"sourceIndex": 0, "ranges": [{"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}]})
        );
        assert_eq!(Location::unknown().to_json(), json!({"sourceIndex": -1, "ranges": []}));
    }

    #[test]
    fn snippet_marks_the_range_with_context() {
        let s = file().snippet(&[SourceRange::from_line_col(5, 1, 5, 5)]);
        let expected = "Dockerfile:5\n--------------------\n   3 |     \n   4 |     [runtime]\n   5 | >>> prot = 8080\n   6 |     user = 1000\n   7 |     \n--------------------\n";
        assert_eq!(s, expected);
        assert_eq!(file().snippet(&[SourceRange::line(99)]), "");
        assert_eq!(file().snippet(&[]), "");
    }
}
