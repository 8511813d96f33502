//! What a spec names in the build context, checked before anything is built.
//!
//! A spec lists repository paths (`packages`, `[build]` paths) and, for the
//! web graph, an npm workspace. When one of them does not exist the build
//! would fail minutes later inside `npm run build` or `uv`, with no pointer
//! to the spec; this module reports it at the key's `file:line:col` instead,
//! as the Dockerfile frontend does for a `COPY` source that does not exist.
//!
//! The check is a small request/answer loop, so the frontend can serve it
//! from BuildKit's `StatFile`/`ReadFile`/`ReadDir` on the solved context and
//! tests can serve it from a directory on disk:
//!
//! ```text
//! let mut facts = ContextFacts::default();
//! let problems = loop {
//!     match app_spec::check_context(&spec, &facts) {
//!         ContextCheck::Done(problems) => break problems,
//!         ContextCheck::Need(needs) => for need in needs { facts.insert(need.clone(), answer(&need)) },
//!     }
//! };
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::diagnostic::{codes, Diagnostic, Span};
use crate::spec::{AppSpec, GraphSettings};
use crate::suggest;

/// Something the check needs to know about the build context (paths are
/// relative to the context root, `/`-separated, without `./`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Need {
    /// Whether the path exists, and whether it is a directory.
    Stat(String),
    /// The content of a file.
    Read(String),
    /// The names of a directory's entries.
    ReadDir(String),
}

impl Need {
    /// The path the need is about.
    pub fn path(&self) -> &str {
        match self {
            Need::Stat(p) | Need::Read(p) | Need::ReadDir(p) => p,
        }
    }
}

/// The answer to one [`Need`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// No such path (or not readable as asked).
    Missing,
    /// A regular file (or a symlink to one).
    File,
    /// A directory.
    Dir,
    /// A file's bytes.
    Bytes(Vec<u8>),
    /// A directory's entry names.
    Entries(Vec<String>),
}

/// What is known about the context so far.
pub type ContextFacts = BTreeMap<Need, Answer>;

/// One step of [`check_context`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextCheck {
    /// Answer these and call again.
    Need(BTreeSet<Need>),
    /// Every problem found (empty: the context has everything the spec names).
    Done(Vec<Diagnostic>),
}

/// Largest `package.json` the workspace lookup reads.
pub const MAX_PACKAGE_JSON_BYTES: i64 = 256 * 1024;

struct Step<'a> {
    facts: &'a ContextFacts,
    need: BTreeSet<Need>,
    problems: Vec<Diagnostic>,
}

impl Step<'_> {
    fn get(&mut self, need: Need) -> Option<&Answer> {
        match self.facts.get(&need) {
            Some(answer) => Some(answer),
            None => {
                self.need.insert(need);
                None
            }
        }
    }

    fn kind(&mut self, path: &str) -> Option<Answer> {
        self.get(Need::Stat(path.to_string())).cloned()
    }

    fn entries(&mut self, path: &str) -> Option<Vec<String>> {
        match self.get(Need::ReadDir(path.to_string()))? {
            Answer::Entries(names) => Some(names.clone()),
            _ => Some(Vec::new()),
        }
    }

    fn bytes(&mut self, path: &str) -> Option<Option<Vec<u8>>> {
        match self.get(Need::Read(path.to_string()))? {
            Answer::Bytes(b) => Some(Some(b.clone())),
            _ => Some(None),
        }
    }
}

fn missing(spec: &AppSpec, key: &str, message: String, help: String) -> Diagnostic {
    let span = spec.span(key).unwrap_or(Span::point(1, 1));
    Diagnostic::new(&spec.file, span, codes::NOT_IN_CONTEXT, message).with_help(help)
}

/// Checks what `spec` names against the build context known from `facts`:
/// every `packages` entry is a directory, the npm workspace exists, the Go
/// main package and the MkDocs configs and sources exist.
pub fn check_context(spec: &AppSpec, facts: &ContextFacts) -> ContextCheck {
    let mut s = Step {
        facts,
        need: BTreeSet::new(),
        problems: Vec::new(),
    };
    for (i, path) in spec.packages.iter().enumerate() {
        if let Some(kind) = s.kind(path) {
            if kind != Answer::Dir {
                let help = match s.entries("packages") {
                    Some(names) => {
                        let name = path.trim_start_matches("packages/");
                        match suggest::closest(name, names.iter().map(String::as_str)) {
                            Some(best) => format!("did you mean `packages/{best}`?"),
                            None => format!("the packages in the context are: {}", names.join(", ")),
                        }
                    }
                    None => continue,
                };
                let what = if kind == Answer::Missing { "does not exist" } else { "is not a directory" };
                s.problems.push(missing(spec, &format!("packages[{i}]"), format!("`{path}` {what} in the build context"), help));
            }
        }
    }
    match &spec.build {
        GraphSettings::WebSpa { npm_workspace } => npm(&mut s, spec, npm_workspace),
        GraphSettings::GoOperator { main_package } => {
            let dir = match main_package.trim_start_matches("./") {
                "" | "." => spec.app_dir(),
                rest => format!("{}/{rest}", spec.app_dir()),
            };
            if let Some(kind) = s.kind(&dir) {
                if kind != Answer::Dir {
                    let message = format!("Go main package `{main_package}` (`{dir}`) is not a directory in the build context");
                    let help = format!("write the path of the directory holding `package main`, relative to {}", spec.app_dir());
                    s.problems.push(missing(spec, "build.main-package", message, help));
                }
            }
        }
        GraphSettings::MkdocsSite { configs, sources } => {
            for (i, path) in configs.iter().enumerate() {
                if let Some(kind) = s.kind(path) {
                    if kind != Answer::File {
                        let message = format!("MkDocs config `{path}` is not a file in the build context");
                        let help = "write the repository path of an existing mkdocs.yml".to_string();
                        s.problems.push(missing(spec, &format!("build.configs[{i}]"), message, help));
                    }
                }
            }
            for (i, path) in sources.iter().enumerate() {
                if s.kind(path) == Some(Answer::Missing) {
                    let message = format!("source `{path}` does not exist in the build context");
                    let help = "list directories or files the sites read, from the repository root".to_string();
                    s.problems.push(missing(spec, &format!("build.sources[{i}]"), message, help));
                }
            }
        }
        GraphSettings::PythonApi { .. } => {}
    }
    if s.need.is_empty() {
        s.problems.sort_by_key(|d| (d.line, d.column));
        ContextCheck::Done(s.problems)
    } else {
        ContextCheck::Need(s.need)
    }
}

/// The workspace patterns of a root `package.json` (`"workspaces": [...]`
/// or `{"packages": [...]}`).
fn workspace_patterns(bytes: &[u8]) -> Option<Vec<String>> {
    let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let list = match &json["workspaces"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o.get("packages")?.as_array()?.clone(),
        _ => return Some(Vec::new()),
    };
    Some(list.iter().filter_map(|v| v.as_str()).map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string()).collect())
}

fn package_name(bytes: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    json["name"].as_str().map(str::to_string)
}

fn npm(s: &mut Step<'_>, spec: &AppSpec, workspace: &str) {
    let key = "build.npm-workspace";
    let Some(root) = s.bytes("package.json") else { return };
    let Some(root) = root else {
        let message = format!("npm workspace `{workspace}`: the build context has no package.json at its root");
        s.problems.push(missing(spec, key, message, "build from the repository root (`.` as the context)".to_string()));
        return;
    };
    let Some(patterns) = workspace_patterns(&root) else {
        let message = format!("npm workspace `{workspace}`: the root package.json is not valid JSON");
        s.problems.push(missing(spec, key, message, "fix package.json at the repository root".to_string()));
        return;
    };
    // Every workspace directory: `dir/*` patterns list `dir`, others are one directory.
    let mut dirs = Vec::new();
    let mut complete = true;
    for pattern in &patterns {
        match pattern.strip_suffix("/*") {
            Some(parent) if !parent.contains('*') => match s.entries(parent) {
                Some(names) => dirs.extend(names.into_iter().map(|n| format!("{parent}/{n}"))),
                None => complete = false,
            },
            _ if !pattern.contains('*') => dirs.push(pattern.clone()),
            // other globs: not used in this repository; nothing to check against
            _ => return,
        }
    }
    if !complete {
        return;
    }
    let mut names = Vec::new();
    for dir in dirs {
        match s.bytes(&format!("{dir}/package.json")) {
            Some(Some(bytes)) => names.extend(package_name(&bytes)),
            Some(None) => {}
            None => complete = false,
        }
    }
    if !complete || names.iter().any(|n| n == workspace) {
        return;
    }
    names.sort();
    let help = match suggest::closest(workspace, names.iter().map(String::as_str)) {
        Some(best) => format!("did you mean `{best}`?"),
        None if names.is_empty() => "the root package.json declares no workspaces".to_string(),
        None => format!("the workspaces are: {}", names.join(", ")),
    };
    let message = format!("npm workspace `{workspace}` is not a workspace of the root package.json (no package.json under {} has that name)", patterns.join(", "));
    s.problems.push(missing(spec, key, message, help));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_patterns_forms() {
        assert_eq!(workspace_patterns(br#"{"workspaces": ["apps/*", "./packages/*/"]}"#).unwrap(), ["apps/*", "packages/*"]);
        assert_eq!(workspace_patterns(br#"{"workspaces": {"packages": ["a"]}}"#).unwrap(), ["a"]);
        assert_eq!(workspace_patterns(br#"{"name": "x"}"#).unwrap(), Vec::<String>::new());
        assert!(workspace_patterns(b"{not json").is_none());
        assert_eq!(package_name(br#"{"name": "@s/p"}"#).as_deref(), Some("@s/p"));
    }
}
