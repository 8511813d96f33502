//! The app spec as read (file name + text) and how its problems become
//! errors and locations that buildx can show with a snippet.

use app_spec::{AppSpec, Diagnostics, Span};
use gateway_client::{FrontendError, Location, SourceFile, SourceRange};

/// Language tag of spec files in source maps.
pub const SPEC_LANGUAGE: &str = "toml";

/// Problems further apart than this many lines get a snippet of the first only.
const MAX_SNIPPET_SPREAD: i32 = 8;

/// A spec file's name and text.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The file as shown in snippets.
    pub file: SourceFile,
    /// The text.
    pub text: String,
}

impl SpecSource {
    /// A spec named `filename` with `text`.
    pub fn new(filename: &str, text: String) -> Self {
        Self {
            file: SourceFile::new(filename, SPEC_LANGUAGE, text.clone().into_bytes()),
            text,
        }
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.file.filename
    }

    /// Parses and validates the spec; problems become one error whose message
    /// lists every diagnostic and whose snippet marks the first.
    pub fn parse(&self) -> Result<AppSpec, FrontendError> {
        app_spec::parse(self.filename(), &self.text).map_err(|d| self.diagnostics_error(&d))
    }

    /// The `Return` error for spec diagnostics.
    pub fn diagnostics_error(&self, diags: &Diagnostics) -> FrontendError {
        let count = diags.len();
        let mut message = if count > 1 {
            format!("the app spec has {count} problems:\n")
        } else {
            String::new()
        };
        message.push_str(&diags.to_string());
        let mut err = FrontendError::message(message);
        // buildx prints one snippet spanning every range: mark all problems
        // when they sit close together, else only the first.
        let ranges: Vec<SourceRange> = diags.iter().map(|d| span_range(d.span())).collect();
        let lines = ranges.iter().map(|r| r.start.line);
        let spread = lines.clone().max().unwrap_or(0) - lines.min().unwrap_or(0);
        let shown = if spread <= MAX_SNIPPET_SPREAD { &ranges[..] } else { &ranges[..ranges.len().min(1)] };
        if !shown.is_empty() {
            err = err.with_source(&self.file, shown);
        }
        err
    }

    /// A location in this spec (source index 0 of a reply's `sources`).
    pub fn location(&self, span: Option<Span>) -> Location {
        match span {
            Some(s) => Location::in_source(0, vec![span_range(s)]),
            None => Location::unknown(),
        }
    }
}

/// A spec span (1-based, end column exclusive) as a gateway range.
pub fn span_range(span: Span) -> SourceRange {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    SourceRange::from_line_col(n(span.line), n(span.column), n(span.end_line), n(span.end_column))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../../apps/risk-monitor-operator/Dockerfile");

    #[test]
    fn a_typo_becomes_an_error_with_a_snippet_of_its_line() {
        let text = GOOD.replace("\nport = ", "\nprot = ");
        let line = text.lines().position(|l| l.starts_with("prot = ")).unwrap() + 1;
        let src = SpecSource::new("Dockerfile", text);
        let err = src.parse().unwrap_err();
        assert_eq!(err.code, gateway_client::Code::Unknown);
        assert!(err.message.contains(&format!("Dockerfile:{line}:1:")), "{}", err.message);
        assert!(err.message.contains("did you mean `port`"), "{}", err.message);
        let status = err.to_status();
        assert_eq!(status.details.len(), 1);
        let v: serde_json::Value = serde_json::from_slice(&status.details[0].value).unwrap();
        let marked: Vec<i64> = v["ranges"].as_array().unwrap().iter().map(|r| r["start"]["line"].as_i64().unwrap()).collect();
        assert!(marked.contains(&(line as i64)), "{marked:?} {}", err.message);
        assert_eq!(v["info"]["filename"], "Dockerfile");
    }

    #[test]
    fn several_problems_are_all_listed() {
        let text = GOOD.replace("\nport = ", "\nprot = ").replace("\nuser = ", "\nusr = ");
        let err = SpecSource::new("Dockerfile", text).parse().unwrap_err();
        assert!(err.message.starts_with("the app spec has "), "{}", err.message);
        assert!(err.message.contains("`port`") && err.message.contains("`user`"), "{}", err.message);
    }

    #[test]
    fn the_real_spec_parses() {
        let spec = SpecSource::new("apps/risk-monitor-operator/Dockerfile", GOOD.to_string()).parse().unwrap();
        assert_eq!(spec.app, "risk-monitor-operator");
        let loc = SpecSource::new("x", GOOD.to_string()).location(spec.span("graph"));
        assert_eq!(loc.source_index, 0);
        assert_eq!(loc.ranges[0].start.line as usize, GOOD.lines().position(|l| l.starts_with("graph")).unwrap() + 1);
        assert_eq!(SpecSource::new("x", String::new()).location(None).source_index, -1);
    }
}
