//! Subrequests (`docker buildx build --call NAME`, `--check`): replies carry no
//! ref, only `result.json`, `result.txt`, `version` and, for lint,
//! `result.statuscode`.
//!
//! The JSON shapes are BuildKit's (`frontend/subrequests/...`), which buildx
//! re-renders itself; `result.txt` is our own rendering of the same data, in
//! the same table layout, for clients that print it verbatim. `location` is
//! always present where buildx dereferences it (`sourceIndex: -1` when unknown).

use serde_json::{json, Map, Value};

use crate::error::FrontendError;
use crate::result::FrontendResult;
use crate::source::{Location, SourceFile, SourceRange};

/// `--call subrequests.describe`.
pub const REQUEST_DESCRIBE: &str = "frontend.subrequests.describe";
/// `--call outline`.
pub const REQUEST_OUTLINE: &str = "frontend.outline";
/// `--call targets`.
pub const REQUEST_TARGETS: &str = "frontend.targets";
/// `--check` / `--call lint`.
pub const REQUEST_LINT: &str = "frontend.lint";
/// Version of the targets, lint and describe replies (BuildKit's formats).
pub const VERSION: &str = "1.0.0";
/// Version of our outline reply: BuildKit's 1.0.0 format plus a `platforms`
/// field. buildx renders outline versions it knows (1.0.0) itself, which would
/// hide platforms and cache ids; for a newer minor version it prints our
/// `result.txt`, which shows them. `format=json` is unaffected.
pub const OUTLINE_VERSION: &str = "1.1.0";

/// Metadata key of the JSON reply.
pub const META_RESULT_JSON: &str = "result.json";
/// Metadata key of the text reply.
pub const META_RESULT_TXT: &str = "result.txt";
/// Metadata key of the reply format version.
pub const META_VERSION: &str = "version";
/// Metadata key of the exit status buildx uses for `--check`.
pub const META_STATUS_CODE: &str = "result.statuscode";

fn reply(json: &Value, text: String, version: &str, extra: &[(&str, String)]) -> FrontendResult {
    let mut r = FrontendResult::metadata_only();
    r.add_metadata(
        META_RESULT_JSON,
        serde_json::to_vec_pretty(json).unwrap_or_default(),
    );
    r.add_metadata(META_RESULT_TXT, text);
    r.add_metadata(META_VERSION, version);
    for (k, v) in extra {
        r.add_metadata(*k, v.clone());
    }
    r
}

fn sources_as_bytes(sources: &[SourceFile]) -> Value {
    use base64::Engine as _;
    Value::Array(
        sources
            .iter()
            .map(|s| Value::String(base64::engine::general_purpose::STANDARD.encode(&s.data)))
            .collect(),
    )
}

/// Aligns cells like Go's `text/tabwriter` with `padding` spaces: every cell
/// but the last of a row is padded to its column's widest cell.
pub fn tabwrite(rows: &[Vec<String>], padding: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] + padding - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

// ---------------------------------------------------------------- describe

struct Described {
    name: &'static str,
    version: &'static str,
    description: &'static str,
    opts: &'static [(&'static str, &'static str)],
    status: bool,
}

const DESCRIBED: &[Described] = &[
    Described {
        name: REQUEST_DESCRIBE,
        version: VERSION,
        description: "List available subrequest types",
        opts: &[],
        status: false,
    },
    Described {
        name: REQUEST_OUTLINE,
        version: OUTLINE_VERSION,
        description: "List the build args, secrets, cache mounts and platforms of the current target",
        opts: &[("target", "Target to describe (default: the spec's default target)")],
        status: false,
    },
    Described {
        name: REQUEST_TARGETS,
        version: VERSION,
        description: "List the targets this app spec can build",
        opts: &[],
        status: false,
    },
    Described {
        name: REQUEST_LINT,
        version: VERSION,
        description: "Check the app spec and build args/labels for problems",
        opts: &[],
        status: true,
    },
];

/// The `frontend.subrequests.describe` reply: every subrequest this frontend answers.
pub fn describe_reply() -> FrontendResult {
    let list: Vec<Value> = DESCRIBED
        .iter()
        .map(|d| {
            let mut metadata = vec![json!({"name": META_RESULT_JSON, "description": ""}), json!({"name": META_RESULT_TXT, "description": ""})];
            if d.status {
                metadata.push(json!({"name": META_STATUS_CODE, "description": ""}));
            }
            json!({
                "name": d.name,
                "version": d.version,
                "type": "rpc",
                "description": d.description,
                "opts": d.opts.iter().map(|(n, desc)| json!({"name": n, "description": desc})).collect::<Vec<_>>(),
                "inputs": [],
                "metadata": metadata,
                "refs": [],
            })
        })
        .collect();
    let mut rows = vec![row(["NAME", "VERSION", "DESCRIPTION"])];
    for d in DESCRIBED {
        rows.push(row([d.name.trim_start_matches("frontend."), d.version, d.description]));
    }
    reply(&Value::Array(list), tabwrite(&rows, 1), VERSION, &[])
}

/// The names of the subrequests we answer (for error messages).
pub fn supported_ids() -> Vec<&'static str> {
    DESCRIBED.iter().map(|d| d.name).collect()
}

/// The error for a subrequest id we do not know. It deliberately avoids the
/// "unsupported request" wording and the typed `Subrequest` detail, which
/// would make buildx retry with the Dockerfile frontend on our spec.
pub fn unknown_request_error(id: &str) -> FrontendError {
    FrontendError::message(
        format!(
            "this frontend does not answer `{id}`; it answers {}",
            supported_ids().join(", ")
        ),
    )
}

// ---------------------------------------------------------------- outline

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

fn insert_location(m: &mut Map<String, Value>, loc: &Option<Location>) {
    if let Some(l) = loc {
        m.insert("location".into(), l.to_json());
    }
}

impl Outline {
    /// The BuildKit outline JSON.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if !self.name.is_empty() {
            m.insert("name".into(), self.name.clone().into());
        }
        if !self.description.is_empty() {
            m.insert("description".into(), self.description.clone().into());
        }
        let args: Vec<Value> = self
            .args
            .iter()
            .map(|a| {
                let mut o = Map::new();
                o.insert("name".into(), a.name.clone().into());
                if !a.description.is_empty() {
                    o.insert("description".into(), a.description.clone().into());
                }
                if !a.value.is_empty() {
                    o.insert("value".into(), a.value.clone().into());
                }
                insert_location(&mut o, &a.location);
                Value::Object(o)
            })
            .collect();
        let secrets = |list: &[OutlineSecret]| -> Vec<Value> {
            list.iter()
                .map(|s| {
                    let mut o = Map::new();
                    o.insert("name".into(), s.name.clone().into());
                    if s.required {
                        o.insert("required".into(), true.into());
                    }
                    insert_location(&mut o, &s.location);
                    Value::Object(o)
                })
                .collect()
        };
        let cache: Vec<Value> = self
            .cache
            .iter()
            .map(|c| {
                let mut o = Map::new();
                o.insert("ID".into(), c.id.clone().into());
                insert_location(&mut o, &c.location);
                Value::Object(o)
            })
            .collect();
        for (key, list) in [
            ("args", args),
            ("secrets", secrets(&self.secrets)),
            ("ssh", secrets(&self.ssh)),
            ("cache", cache),
        ] {
            if !list.is_empty() {
                m.insert(key.into(), Value::Array(list));
            }
        }
        if !self.platforms.is_empty() {
            m.insert("platforms".into(), json!(self.platforms));
        }
        if !self.sources.is_empty() {
            m.insert("sources".into(), sources_as_bytes(&self.sources));
        }
        Value::Object(m)
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
        reply(&self.to_json(), self.to_text(), OUTLINE_VERSION, &[])
    }
}

// ---------------------------------------------------------------- targets

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

impl TargetList {
    /// The BuildKit targets JSON.
    pub fn to_json(&self) -> Value {
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| {
                let mut o = Map::new();
                for (k, v) in [("name", &t.name), ("description", &t.description), ("base", &t.base), ("platform", &t.platform)] {
                    if !v.is_empty() {
                        o.insert(k.into(), v.clone().into());
                    }
                }
                if t.default {
                    o.insert("default".into(), true.into());
                }
                insert_location(&mut o, &t.location);
                Value::Object(o)
            })
            .collect();
        json!({"targets": targets, "sources": sources_as_bytes(&self.sources)})
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
        reply(&self.to_json(), self.to_text(), VERSION, &[])
    }
}

// ---------------------------------------------------------------- lint

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
    pub fn to_json(&self) -> Value {
        let warnings: Vec<Value> = self
            .warnings
            .iter()
            .map(|w| {
                let mut o = Map::new();
                o.insert("ruleName".into(), w.rule_name.clone().into());
                for (k, v) in [("description", &w.description), ("url", &w.url), ("detail", &w.detail)] {
                    if !v.is_empty() {
                        o.insert(k.into(), v.clone().into());
                    }
                }
                o.insert("location".into(), w.location.to_json());
                Value::Object(o)
            })
            .collect();
        let mut m = Map::new();
        m.insert("warnings".into(), Value::Array(warnings));
        m.insert(
            "sources".into(),
            Value::Array(self.sources.iter().map(SourceFile::to_json).collect()),
        );
        if let Some((message, location)) = &self.build_error {
            m.insert("buildError".into(), json!({"message": message, "location": location.to_json()}));
        }
        Value::Object(m)
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
            &self.to_json(),
            self.to_text(),
            VERSION,
            &[(META_STATUS_CODE, self.status_code().to_string())],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(r: &FrontendResult, k: &str) -> String {
        String::from_utf8(r.metadata()[k].clone()).unwrap()
    }

    fn spec() -> SourceFile {
        SourceFile::new("Dockerfile", "toml", "# syntax=x\n[app]\nname = \"op\"\n[build-args]\nAPI_TOKEN = \"x\"\n")
    }

    #[test]
    fn tabwrite_pads_all_but_the_last_cell() {
        let t = tabwrite(&[row(["TARGET", "DESCRIPTION"]), row(["release (default)", "Image"])], 1);
        assert_eq!(t, "TARGET            DESCRIPTION\nrelease (default) Image\n");
    }

    #[test]
    fn describe_lists_every_answered_request() {
        let r = describe_reply();
        let v: Value = serde_json::from_str(&meta(&r, "result.json")).unwrap();
        let names: Vec<&str> = v.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(names, [REQUEST_DESCRIBE, REQUEST_OUTLINE, REQUEST_TARGETS, REQUEST_LINT]);
        assert_eq!(v[1]["version"], "1.1.0", "outline carries the platforms extension");
        for d in v.as_array().unwrap() {
            assert!(d["version"] == "1.0.0" || d["name"] == REQUEST_OUTLINE);
            assert_eq!(d["type"], "rpc");
            assert!(d["opts"].is_array() && d["inputs"].is_array() && d["refs"].is_array());
        }
        assert_eq!(v[3]["metadata"][2]["name"], "result.statuscode");
        let txt = meta(&r, "result.txt");
        assert!(txt.starts_with("NAME"));
        assert!(txt.contains("\noutline "), "{txt}");
        assert_eq!(meta(&r, "version"), "1.0.0");
    }

    #[test]
    fn unknown_requests_do_not_trigger_the_buildx_fallback() {
        let e = unknown_request_error("frontend.convertllb");
        assert!(!e.message.contains("unsupported request"));
        assert!(e.details.is_empty());
        assert!(e.message.contains("frontend.outline"));
    }

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
