//! Source positions and the diagnostics the parser reports.
//!
//! Every problem found in a spec becomes one [`Diagnostic`]: a 1-based
//! position range, a stable machine-readable code (see [`codes`]), a message
//! and, when there is an obvious fix, a `help` line.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// Stable diagnostic codes. Tools and tests match on these; the wording of
/// messages may change.
pub mod codes {
    /// The first line is not `# syntax=<frontend image>`.
    pub const SYNTAX_LINE: &str = "syntax-line";
    /// The text is not valid TOML.
    pub const TOML: &str = "toml";
    /// A key the format does not know (typo, or a key of another table).
    pub const UNKNOWN_KEY: &str = "unknown-key";
    /// A required key is absent.
    pub const MISSING_KEY: &str = "missing-key";
    /// A value of the wrong TOML type (e.g. a string where a number belongs).
    pub const WRONG_TYPE: &str = "wrong-type";
    /// A value of the right type that is not allowed (bad port, unknown platform...).
    pub const INVALID_VALUE: &str = "invalid-value";
    /// The same value listed twice where each must be unique.
    pub const DUPLICATE: &str = "duplicate";
    /// A string, array or table beyond the documented limits (docs/app-spec.md#limits).
    pub const LIMIT: &str = "limit";
    /// The file is not UTF-8 text.
    pub const ENCODING: &str = "encoding";
    /// A path or npm workspace the spec names is not in the build context.
    pub const NOT_IN_CONTEXT: &str = "not-in-context";
}

/// A 1-based source range. `end_column` is exclusive (one past the last
/// character), so a one-character token at column 5 is `5..6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    /// A zero-width span at one position.
    pub fn point(line: usize, column: usize) -> Span {
        Span {
            line,
            column,
            end_line: line,
            end_column: column,
        }
    }

    /// The whole of 1-based line `line` of `text` (its first character up to
    /// the end of its content).
    pub fn line_of(text: &str, line: usize) -> Span {
        let width = text
            .lines()
            .nth(line.saturating_sub(1))
            .map_or(0, |l| l.chars().count());
        Span {
            line,
            column: 1,
            end_line: line,
            end_column: width + 1,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem in a spec file, positioned at its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// One of [`codes`].
    pub code: &'static str,
    pub message: String,
    /// How to fix it, e.g. "did you mean `port`?".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(
        file: &str,
        span: Span,
        code: &'static str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line: span.line,
            column: span.column,
            end_line: span.end_line,
            end_column: span.end_column,
            code,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn span(&self) -> Span {
        Span {
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error[{}]: {}",
            self.file, self.line, self.column, self.code, self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in one file, in source order. Never empty when
/// returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Sort into source order (stable: problems at the same position keep
    /// the order they were found in).
    pub(crate) fn sorted(mut list: Vec<Diagnostic>) -> Diagnostics {
        list.sort_by_key(|d| (d.line, d.column));
        Diagnostics(list)
    }

    /// Problems found outside the parser (e.g. the build-context check), in source order.
    pub fn from_problems(list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics::sorted(list)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl std::ops::Deref for Diagnostics {
    type Target = [Diagnostic];
    fn deref(&self) -> &[Diagnostic] {
        &self.0
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Maps byte offsets of one text to 1-based line/column (columns count
/// characters, not bytes).
#[derive(Debug)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    pub(crate) fn span(&self, range: Range<usize>) -> Span {
        let (line, column) = self.position(range.start);
        let (end_line, end_column) = self.position(range.end.max(range.start));
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets_to_one_based_positions() {
        let text = "ab\nçd\n\nxyz";
        let index = LineIndex::new(text);
        assert_eq!(
            index.span(0..1),
            Span {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 2
            }
        );
        // 'd' is byte 5 (ç is two bytes) but character column 2.
        assert_eq!(
            index.span(5..6),
            Span {
                line: 2,
                column: 2,
                end_line: 2,
                end_column: 3
            }
        );
        assert_eq!(
            index.span(8..11),
            Span {
                line: 4,
                column: 1,
                end_line: 4,
                end_column: 4
            }
        );
        // Offsets past the end clamp to the end of the text.
        assert_eq!(index.span(99..99), Span::point(4, 4));
    }

    #[test]
    fn display_renders_position_code_message_and_help() {
        let d = Diagnostic::new(
            "apps/x/Dockerfile",
            Span::point(7, 3),
            codes::UNKNOWN_KEY,
            "unknown key `prot`",
        )
        .with_help("did you mean `port`?");
        assert_eq!(
            d.to_string(),
            "apps/x/Dockerfile:7:3: error[unknown-key]: unknown key `prot`\n  help: did you mean `port`?"
        );
        let all = Diagnostics(vec![
            d.clone(),
            Diagnostic {
                help: None,
                line: 9,
                ..d
            },
        ]);
        assert_eq!(all.to_string().lines().count(), 3);
    }
}
