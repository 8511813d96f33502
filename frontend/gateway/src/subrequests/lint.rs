//! `frontend.lint` (`--check`): warnings with locations, or the spec's error
//! as `buildError`, and `result.statuscode`.

use serde::Serialize;

use super::reply::{reply, META_STATUS_CODE, VERSION};
use crate::result::FrontendResult;
use crate::source::{Location, SourceFile, SourceRange};

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintWarning {
    /// Rule name, e.g. `SecretsUsedInArgOrLabel`.
    pub rule_name: String,
    /// What the rule checks.
    pub description: String,
    /// Where the rule is documented.
    pub url: String,
    /// This finding.
    pub detail: String,
    /// Where (always present; `sourceIndex: -1` when unknown).
    pub location: Location,
}

/// The `frontend.lint` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LintReport {
    /// Findings.
    pub warnings: Vec<LintWarning>,
    /// Sources that locations refer to.
    pub sources: Vec<SourceFile>,
    /// A fatal problem (e.g. the spec does not parse), with its location.
    /// The location must point into `sources`: buildx indexes it unchecked.
    pub build_error: Option<(String, Location)>,
}

/// BuildKit's lint JSON (fields in key order).
#[derive(Serialize)]
struct LintJson<'a> {
    #[serde(rename = "buildError", skip_serializing_if = "Option::is_none")]
    build_error: Option<BuildErrorJson<'a>>,
    sources: &'a [SourceFile],
    warnings: Vec<WarningJson<'a>>,
}

#[derive(Serialize)]
struct BuildErrorJson<'a> {
    location: &'a Location,
    message: &'a str,
}

#[derive(Serialize)]
struct WarningJson<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    detail: &'a str,
    location: &'a Location,
    #[serde(rename = "ruleName")]
    rule_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    url: &'a str,
}

impl LintReport {
    /// Adds a source and returns its index (deduplicated by name and content).
    pub fn add_source(&mut self, file: &SourceFile) -> i32 {
        if let Some(i) = self.sources.iter().position(|s| s == file) {
            return i32::try_from(i).unwrap_or(-1);
        }
        self.sources.push(file.clone());
        i32::try_from(self.sources.len() - 1).unwrap_or(-1)
    }

    /// 1 when there is any warning or an error, else 0.
    pub fn status_code(&self) -> u8 {
        u8::from(!self.warnings.is_empty() || self.build_error.is_some())
    }

    /// The BuildKit lint JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.wire()).unwrap_or_default()
    }

    fn wire(&self) -> LintJson<'_> {
        LintJson {
            build_error: self
                .build_error
                .as_ref()
                .map(|(message, location)| BuildErrorJson { location, message }),
            sources: &self.sources,
            warnings: self
                .warnings
                .iter()
                .map(|w| WarningJson {
                    description: &w.description,
                    detail: &w.detail,
                    location: &w.location,
                    rule_name: &w.rule_name,
                    url: &w.url,
                })
                .collect(),
        }
    }

    fn source_for(&self, loc: &Location) -> Option<&SourceFile> {
        usize::try_from(loc.source_index).ok().and_then(|i| self.sources.get(i))
    }

    /// Text rendering: each warning with its rule, URL, detail and snippet,
    /// ordered by source then line; then the error, if any.
    pub fn to_text(&self) -> String {
        let mut sorted: Vec<&LintWarning> = self.warnings.iter().collect();
        sorted.sort_by_key(|w| {
            let file = self.source_for(&w.location).map(|s| s.filename.clone());
            let line = w.location.ranges.first().map(|r: &SourceRange| r.start.line);
            (w.location.source_index >= 0, file, line, w.rule_name.clone())
        });
        let mut out = String::new();
        for w in sorted {
            out.push_str(&format!("\nWARNING: {}", w.rule_name));
            if !w.url.is_empty() {
                out.push_str(&format!(" - {}", w.url));
            }
            out.push_str(&format!("\n{}\n", w.detail));
            if let Some(src) = self.source_for(&w.location) {
                out.push_str(&src.snippet(&w.location.ranges));
            }
        }
        if let Some((message, loc)) = &self.build_error {
            out.push_str(message);
            out.push('\n');
            if let Some(src) = self.source_for(loc) {
                out.push_str(&src.snippet(&loc.ranges));
            }
        }
        out
    }

    /// The reply for `Return`, with `result.statuscode`.
    pub fn reply(&self) -> FrontendResult {
        reply(
            &self.wire(),
            self.to_text(),
            VERSION,
            &[(META_STATUS_CODE, self.status_code().to_string())],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subrequests::test_support::{meta, spec};
    use serde_json::{json, Value};

    #[test]
    fn lint_reply_statuscode_and_locations() {
        let mut rep = LintReport::default();
        let idx = rep.add_source(&spec());
        assert_eq!(rep.add_source(&spec()), idx);
        rep.warnings.push(LintWarning {
            rule_name: "SecretsUsedInArgOrLabel".into(),
            description: "Credentials should not be passed as build args or labels".into(),
            url: "https://example.invalid/rules/secrets".into(),
            detail: "build arg `API_TOKEN` looks like a credential".into(),
            location: Location::in_source(idx, vec![SourceRange::from_line_col(5, 1, 5, 10)]),
        });
        rep.warnings.push(LintWarning {
            rule_name: "LabelLooksSecret".into(),
            description: String::new(),
            url: String::new(),
            detail: "label `password` looks like a credential".into(),
            location: Location::unknown(),
        });
        let r = rep.reply();
        assert_eq!(meta(&r, "result.statuscode"), "1");
        let v: Value = serde_json::from_str(&meta(&r, "result.json")).unwrap();
        assert_eq!(v["warnings"][0]["ruleName"], "SecretsUsedInArgOrLabel");
        assert_eq!(v["warnings"][0]["location"]["sourceIndex"], 0);
        assert_eq!(v["warnings"][1]["location"]["sourceIndex"], -1);
        assert_eq!(v["sources"][0]["filename"], "Dockerfile");
        assert!(v.get("buildError").is_none());
        let txt = meta(&r, "result.txt");
        // unknown-location warnings sort first, then by line
        let a = txt.find("LabelLooksSecret").unwrap();
        let b = txt.find("SecretsUsedInArgOrLabel").unwrap();
        assert!(a < b, "{txt}");
        assert!(txt.contains(">>> API_TOKEN = \"x\""), "{txt}");

        let clean = LintReport::default().reply();
        assert_eq!(meta(&clean, "result.statuscode"), "0");
        let v: Value = serde_json::from_str(&meta(&clean, "result.json")).unwrap();
        assert_eq!(v, json!({"warnings": [], "sources": []}));
    }

    #[test]
    fn lint_build_error_points_into_sources() {
        let mut rep = LintReport::default();
        let idx = rep.add_source(&spec());
        rep.build_error = Some(("Dockerfile:3:1: bad".into(), Location::in_source(idx, vec![SourceRange::line(3)])));
        let r = rep.reply();
        assert_eq!(meta(&r, "result.statuscode"), "1");
        let v: Value = serde_json::from_str(&meta(&r, "result.json")).unwrap();
        assert_eq!(v["buildError"]["message"], "Dockerfile:3:1: bad");
        assert_eq!(v["buildError"]["location"]["sourceIndex"], 0);
        assert!(meta(&r, "result.txt").contains(">>> name = \"op\""));
    }
}
