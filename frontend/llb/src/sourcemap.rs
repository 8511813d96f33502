//! Source maps: the spec file an op came from (file name, language, bytes) and
//! the ranges inside it, so BuildKit errors and provenance point back at the line.
//!
//! Marshal collects every distinct [`SourceMap`] into `Definition.source.infos`
//! (in first-use order) and every op's ranges into `Definition.source.locations`
//! keyed by the op digest. Lines are 1-based (BuildKit prints `lines[line-1]`);
//! characters are 0-based columns.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};

/// One source file (e.g. `apps/web/Dockerfile`) shared by every op that points into it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SourceMap(Arc<SourceMapInner>);

#[derive(PartialEq, Eq, Hash)]
struct SourceMapInner {
    filename: String,
    language: String,
    data: Vec<u8>,
}

impl SourceMap {
    /// A source file: its name as the user knows it, a language tag (e.g. `toml`
    /// or `Dockerfile`) and its full contents.
    pub fn new(filename: impl Into<String>, language: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self(Arc::new(SourceMapInner {
            filename: filename.into(),
            language: language.into(),
            data: data.into(),
        }))
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.0.filename
    }

    /// The language tag.
    pub fn language(&self) -> &str {
        &self.0.language
    }

    /// The file contents.
    pub fn data(&self) -> &[u8] {
        &self.0.data
    }

    /// A location in this file made of one or more ranges.
    pub fn location(&self, ranges: impl IntoIterator<Item = SourceRange>) -> SourceLocation {
        SourceLocation {
            map: self.clone(),
            ranges: ranges.into_iter().collect(),
        }
    }

    /// A location covering whole lines `first..=last` (1-based).
    pub fn lines(&self, first: u32, last: u32) -> Result<SourceLocation> {
        let r = SourceRange::new(first, 0, last, 0)?;
        Ok(self.location([r]))
    }
}

impl fmt::Debug for SourceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceMap")
            .field("filename", &self.0.filename)
            .field("language", &self.0.language)
            .field("bytes", &self.0.data.len())
            .finish()
    }
}

/// A range in a source file: 1-based lines, 0-based characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceRange {
    /// Start line (1-based).
    pub start_line: u32,
    /// Start column (0-based).
    pub start_char: u32,
    /// End line (1-based, inclusive).
    pub end_line: u32,
    /// End column (0-based).
    pub end_char: u32,
}

impl SourceRange {
    /// A validated range: lines at least 1, start not after end.
    pub fn new(start_line: u32, start_char: u32, end_line: u32, end_char: u32) -> Result<Self> {
        let err = || Error::InvalidRange {
            start_line: start_line as i32,
            start_col: start_char as i32,
            end_line: end_line as i32,
            end_col: end_char as i32,
        };
        if start_line == 0 || end_line == 0 || (start_line, start_char) > (end_line, end_char) {
            return Err(err());
        }
        if end_line > i32::MAX as u32 || end_char > i32::MAX as u32 {
            return Err(err());
        }
        Ok(Self { start_line, start_char, end_line, end_char })
    }

    /// A range covering one line.
    pub fn line(line: u32) -> Result<Self> {
        Self::new(line, 0, line, 0)
    }

    /// A range as found on the wire (kept as is, even if unusual).
    pub(crate) fn from_wire(start_line: i32, start_char: i32, end_line: i32, end_char: i32) -> Self {
        let u = |v: i32| u32::try_from(v).unwrap_or(0);
        Self { start_line: u(start_line), start_char: u(start_char), end_line: u(end_line), end_char: u(end_char) }
    }

    pub(crate) fn to_pb(self) -> bollard_buildkit_proto::pb::Range {
        use bollard_buildkit_proto::pb::{Position, Range};
        Range {
            start: Some(Position { line: self.start_line as i32, character: self.start_char as i32 }),
            end: Some(Position { line: self.end_line as i32, character: self.end_char as i32 }),
        }
    }
}

/// Where an op came from: ranges in one source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLocation {
    pub(crate) map: SourceMap,
    pub(crate) ranges: Vec<SourceRange>,
}

impl SourceLocation {
    /// The file this location points into.
    pub fn source_map(&self) -> &SourceMap {
        &self.map
    }

    /// The ranges.
    pub fn ranges(&self) -> &[SourceRange] {
        &self.ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_validate() {
        assert!(SourceRange::new(0, 0, 1, 0).is_err());
        assert!(SourceRange::new(3, 4, 3, 2).is_err());
        assert!(SourceRange::new(2, 0, 1, 9).is_err());
        let r = SourceRange::new(3, 0, 4, 10).unwrap();
        let pb = r.to_pb();
        assert_eq!(pb.start.unwrap().line, 3);
        assert_eq!(pb.end.unwrap().character, 10);
    }

    #[test]
    fn maps_compare_by_content() {
        let a = SourceMap::new("apps/x/Dockerfile", "toml", b"a = 1\n".to_vec());
        let b = SourceMap::new("apps/x/Dockerfile", "toml", b"a = 1\n".to_vec());
        assert_eq!(a, b);
        assert_ne!(a, SourceMap::new("apps/x/Dockerfile", "toml", b"a = 2\n".to_vec()));
    }
}
