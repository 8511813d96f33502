//! `frontend.targets`: the targets a spec can build.

use serde::Serialize;

use super::reply::{base64_sources, is_false, reply, row, tabwrite, VERSION};
use crate::result::FrontendResult;
use crate::source::{Location, SourceFile};

/// One target in a `frontend.targets` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetEntry {
    /// Target name (what `--target` takes).
    pub name: String,
    /// Whether it is built without `--target`.
    pub default: bool,
    /// What it produces.
    pub description: String,
    /// The base image it starts from.
    pub base: String,
    /// Platforms, comma-separated.
    pub platform: String,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// The `frontend.targets` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetList {
    /// Targets in registry order.
    pub targets: Vec<TargetEntry>,
    /// Sources that locations refer to.
    pub sources: Vec<SourceFile>,
}

/// BuildKit's targets JSON (fields in key order).
#[derive(Serialize)]
struct TargetsJson<'a> {
    #[serde(serialize_with = "base64_sources::serialize")]
    sources: &'a [SourceFile],
    targets: Vec<TargetJson<'a>>,
}

#[derive(Serialize)]
struct TargetJson<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    base: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    default: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    platform: &'a str,
}

impl TargetList {
    /// The BuildKit targets JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.wire()).unwrap_or_default()
    }

    fn wire(&self) -> TargetsJson<'_> {
        TargetsJson {
            sources: &self.sources,
            targets: self
                .targets
                .iter()
                .map(|t| TargetJson {
                    base: &t.base,
                    default: t.default,
                    description: &t.description,
                    location: t.location.as_ref(),
                    name: &t.name,
                    platform: &t.platform,
                })
                .collect(),
        }
    }

    /// Table rendering (buildx's layout).
    pub fn to_text(&self) -> String {
        let mut rows = vec![row(["TARGET", "DESCRIPTION"])];
        for t in &self.targets {
            let name = match (t.name.is_empty(), t.default) {
                (true, true) => "(default)".to_string(),
                (false, true) => format!("{} (default)", t.name),
                _ => t.name.clone(),
            };
            rows.push(vec![name, t.description.clone()]);
        }
        tabwrite(&rows, 1)
    }

    /// The reply for `Return`.
    pub fn reply(&self) -> FrontendResult {
        reply(&self.wire(), self.to_text(), VERSION, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subrequests::test_support::meta;
    use serde_json::Value;

    #[test]
    fn targets_json_and_text() {
        let l = TargetList {
            targets: vec![
                TargetEntry {
                    name: "release".into(),
                    default: true,
                    description: "Production image".into(),
                    platform: "linux/amd64,linux/arm64".into(),
                    ..Default::default()
                },
                TargetEntry {
                    name: "local-runtime".into(),
                    description: "Native-only dev image".into(),
                    location: Some(Location::unknown()),
                    ..Default::default()
                },
            ],
            sources: vec![],
        };
        let r = l.reply();
        let v: Value = serde_json::from_str(&meta(&r, "result.json")).unwrap();
        assert_eq!(v["targets"][0]["default"], true);
        assert!(v["targets"][1].get("default").is_none());
        assert_eq!(v["targets"][1]["location"]["sourceIndex"], -1);
        assert!(v["sources"].as_array().unwrap().is_empty());
        assert_eq!(
            meta(&r, "result.txt"),
            "TARGET            DESCRIPTION\nrelease (default) Production image\nlocal-runtime     Native-only dev image\n"
        );
    }
}
