//! `frontend.outline`: a target's build args, secrets, ssh ids, cache mounts
//! and platforms.

use serde::Serialize;

use super::reply::{base64_sources, is_false, reply, row, tabwrite, OUTLINE_VERSION};
use crate::result::FrontendResult;
use crate::source::{Location, SourceFile};

/// A build arg in an outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineArg {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Effective value (default or given).
    pub value: String,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// A secret (or ssh id) a target uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineSecret {
    /// Secret id.
    pub name: String,
    /// Whether the build fails without it.
    pub required: bool,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// A cache mount id a target uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineCache {
    /// Cache id.
    pub id: String,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// The `frontend.outline` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outline {
    /// Target name.
    pub name: String,
    /// Target description.
    pub description: String,
    /// Build args.
    pub args: Vec<OutlineArg>,
    /// Secrets.
    pub secrets: Vec<OutlineSecret>,
    /// SSH agent ids.
    pub ssh: Vec<OutlineSecret>,
    /// Cache mounts.
    pub cache: Vec<OutlineCache>,
    /// Platforms the target builds for (an extension field; also shown in the text).
    pub platforms: Vec<String>,
    /// Source files that `location.sourceIndex` refers to.
    pub sources: Vec<SourceFile>,
}

/// BuildKit's outline JSON (fields in key order; empty ones left out).
#[derive(Serialize)]
struct OutlineJson<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    args: Vec<ArgJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cache: Vec<CacheJson<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    platforms: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<SecretJson<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty", serialize_with = "base64_sources::serialize")]
    sources: &'a [SourceFile],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ssh: Vec<SecretJson<'a>>,
}

#[derive(Serialize)]
struct ArgJson<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    value: &'a str,
}

#[derive(Serialize)]
struct SecretJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
    name: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    required: bool,
}

fn secrets(list: &[OutlineSecret]) -> Vec<SecretJson<'_>> {
    list.iter()
        .map(|s| SecretJson {
            location: s.location.as_ref(),
            name: &s.name,
            required: s.required,
        })
        .collect()
}

#[derive(Serialize)]
struct CacheJson<'a> {
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
}

impl Outline {
    /// The BuildKit outline JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.wire()).unwrap_or_default()
    }

    fn wire(&self) -> OutlineJson<'_> {
        OutlineJson {
            args: self
                .args
                .iter()
                .map(|a| ArgJson {
                    description: &a.description,
                    location: a.location.as_ref(),
                    name: &a.name,
                    value: &a.value,
                })
                .collect(),
            cache: self
                .cache
                .iter()
                .map(|c| CacheJson {
                    id: &c.id,
                    location: c.location.as_ref(),
                })
                .collect(),
            description: &self.description,
            name: &self.name,
            platforms: &self.platforms,
            secrets: secrets(&self.secrets),
            sources: &self.sources,
            ssh: secrets(&self.ssh),
        }
    }

    /// Table rendering (buildx's layout, plus platforms and cache rows).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if !self.name.is_empty() || !self.description.is_empty() {
            let name = if self.name.is_empty() { "(default)" } else { &self.name };
            let mut rows = vec![row(["TARGET:", name])];
            if !self.description.is_empty() {
                rows.push(row(["DESCRIPTION:", &self.description]));
            }
            if !self.platforms.is_empty() {
                rows.push(row(["PLATFORMS:", &self.platforms.join(", ")]));
            }
            out.push_str(&tabwrite(&rows, 1));
            out.push('\n');
        }
        if !self.args.is_empty() {
            let mut rows = vec![row(["BUILD ARG", "VALUE", "DESCRIPTION"])];
            rows.extend(self.args.iter().map(|a| row([&a.name, &a.value, &a.description])));
            out.push_str(&tabwrite(&rows, 3));
            out.push('\n');
        }
        for (title, list) in [("SECRET", &self.secrets), ("SSH", &self.ssh)] {
            if !list.is_empty() {
                let mut rows = vec![row([title, "REQUIRED"])];
                rows.extend(list.iter().map(|s| row([&s.name, if s.required { "true" } else { "" }])));
                out.push_str(&tabwrite(&rows, 3));
                out.push('\n');
            }
        }
        if !self.cache.is_empty() {
            let mut rows = vec![row(["CACHE ID"])];
            rows.extend(self.cache.iter().map(|c| row([&c.id])));
            out.push_str(&tabwrite(&rows, 3));
            out.push('\n');
        }
        out
    }

    /// The reply for `Return` (version [`OUTLINE_VERSION`]).
    pub fn reply(&self) -> FrontendResult {
        reply(&self.wire(), self.to_text(), OUTLINE_VERSION, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subrequests::test_support::{meta, spec};
    use serde_json::Value;

    use crate::source::SourceRange;

    #[test]
    fn outline_json_and_text() {
        let o = Outline {
            name: "release".into(),
            description: "Operator image".into(),
            args: vec![OutlineArg {
                name: "BASE_IMAGES".into(),
                description: "upstream or local".into(),
                value: "upstream".into(),
                location: Some(Location::in_source(0, vec![SourceRange::line(4)])),
            }],
            secrets: vec![OutlineSecret {
                name: "host_ca_bundle".into(),
                required: false,
                location: None,
            }],
            ssh: vec![],
            cache: vec![OutlineCache {
                id: "go-mod".into(),
                location: None,
            }],
            platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
            sources: vec![spec()],
        };
        let r = o.reply();
        let v: Value = serde_json::from_str(&meta(&r, "result.json")).unwrap();
        assert_eq!(v["name"], "release");
        assert_eq!(v["args"][0]["value"], "upstream");
        assert_eq!(v["args"][0]["location"]["sourceIndex"], 0);
        assert_eq!(v["args"][0]["location"]["ranges"][0]["start"]["line"], 4);
        assert_eq!(v["secrets"][0]["name"], "host_ca_bundle");
        assert!(v["secrets"][0].get("required").is_none());
        assert_eq!(v["cache"][0]["ID"], "go-mod");
        assert!(v.get("ssh").is_none());
        assert!(v["sources"][0].is_string());
        let txt = meta(&r, "result.txt");
        assert!(txt.contains("TARGET:      release\n"), "{txt}");
        assert!(txt.contains("PLATFORMS:   linux/amd64, linux/arm64\n"), "{txt}");
        assert!(txt.contains("BUILD ARG     VALUE      DESCRIPTION\nBASE_IMAGES   upstream   upstream or local\n"), "{txt}");
        assert!(txt.contains("SECRET           REQUIRED\nhost_ca_bundle   \n"), "{txt}");
        assert!(txt.contains("CACHE ID\ngo-mod\n"), "{txt}");
        assert_eq!(meta(&r, "version"), "1.1.0");
    }
}
