//! `affected`: which app images a change touches (guide 5-1).
//!
//! The answer comes from what the graphs really read, never from a hand-kept
//! list of paths per app:
//! - every app spec (`apps/<app>/Dockerfile`) at the head revision is parsed
//!   and every target of its graph is surveyed on every spec platform
//!   ([`llb_graphs::context_reads`]): the include/exclude patterns of each
//!   build-context slice are the paths that key that app's build;
//! - the app's own directory (`apps/<app>/`, where its spec lives) is read by
//!   the frontend itself;
//! - the frontend's inputs rebuild every app (the frontend builds every graph):
//!   [`FRONTEND_INPUTS`]; a test checks this list against what the frontend
//!   crates embed and what `Dockerfile.frontend` sends;
//! - a change to the shared data (`contracts/`, `fixtures/`) also selects the
//!   apps whose read files (Markdown aside) name that directory (their
//!   packages' contract and fixture tests), and turns on the demo smoke.
//!
//! Changed files come from `git diff --name-only --no-renames BASE...HEAD`
//! (the changes the head side made since it forked from BASE), both sides of
//! a rename counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::cli_error::CliError;

/// Paths whose change rebuilds every app, with the reason: the frontend that
/// builds every graph is compiled from them, or they define how every image is
/// built (bases, bake file, make fragments of the build).
pub const FRONTEND_INPUTS: &[(&str, &str)] = &[
    ("frontend", "the frontend crates (gateway, llb, spec, cli) build every graph"),
    ("llb-graphs", "the graphs of every app"),
    ("bases", "the base images (toolchains, runtimes) and bases/catalog.toml, embedded in the frontend"),
    ("Cargo.toml", "the Cargo workspace the frontend is built from"),
    ("Cargo.lock", "the frontend's locked dependencies"),
    ("rust-toolchain.toml", "the Rust toolchain"),
    ("rust-toolchain", "the Rust toolchain"),
    ("Dockerfile.frontend", "the frontend image"),
    ("Dockerfile.frontend.dockerignore", "the frontend image's build context"),
    ("contracts/release.toml", "the release contract, embedded in the frontend (image repositories)"),
    ("docker-bake.hcl", "the build definition of every app image"),
    ("mk/images.mk", "the build invocation of every app image"),
    ("mk/frontend.mk", "the frontend build"),
    ("mk/bases.mk", "the base image build"),
];

/// Shared data directories: a change selects the demo smoke and every app
/// whose read files name the directory.
pub const SHARED_DATA: &[&str] = &["contracts", "fixtures"];

/// Paths that select the demo smoke besides the shared data and any affected app.
pub const DEMO_INPUTS: &[&str] = &["compose.demo.yml", "tests/demo", "mk/demo.mk"];

/// Whether `path` is `prefix` or lies under it.
fn under(path: &str, prefix: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

/// One glob segment against one path segment: `*` any run, `?` one character,
/// `[...]` a class (with `!`/`^` negation and ranges), `\x` a literal.
fn segment_matches(pat: &[char], name: &[char]) -> bool {
    match pat.first() {
        None => name.is_empty(),
        Some('*') => (0..=name.len()).any(|i| segment_matches(&pat[1..], &name[i..])),
        Some('?') => !name.is_empty() && segment_matches(&pat[1..], &name[1..]),
        Some('[') => {
            let Some(close) = pat.iter().skip(1).position(|c| *c == ']').map(|p| p + 1) else {
                return name.first() == Some(&'[') && segment_matches(&pat[1..], &name[1..]);
            };
            let Some(c) = name.first() else { return false };
            let mut class = &pat[1..close];
            let negated = matches!(class.first(), Some('!' | '^'));
            if negated {
                class = &class[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= *c && *c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == *c;
                    i += 1;
                }
            }
            hit != negated && segment_matches(&pat[close + 1..], &name[1..])
        }
        Some('\\') if pat.len() > 1 => name.first() == Some(&pat[1]) && segment_matches(&pat[2..], &name[1..]),
        Some(p) => name.first() == Some(p) && segment_matches(&pat[1..], &name[1..]),
    }
}

fn segments_match(pat: &[&str], path: &[&str]) -> bool {
    match pat.first() {
        None => path.is_empty(),
        Some(&"**") => (0..=path.len()).any(|i| segments_match(&pat[1..], &path[i..])),
        Some(p) => {
            !path.is_empty()
                && segment_matches(&p.chars().collect::<Vec<_>>(), &path[0].chars().collect::<Vec<_>>())
                && segments_match(&pat[1..], &path[1..])
        }
    }
}

/// BuildKit's (fsutil's) pattern semantics for a context slice: `path` is
/// sent when it or one of its parent directories matches `pattern`.
pub fn pattern_covers(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_start_matches("./").trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let parts: Vec<&str> = path.split('/').collect();
    (1..=parts.len()).any(|n| segments_match(&pat, &parts[..n]))
}

/// Whether a context slice sends `path`.
pub fn slice_reads(read: &llb_graphs::ContextRead, path: &str) -> bool {
    read.include.iter().any(|p| pattern_covers(p, path)) && !read.exclude.iter().any(|p| pattern_covers(p, path))
}

/// What one app's builds read.
#[derive(Debug, Clone)]
pub struct AppReads {
    /// The app name.
    pub app: String,
    /// The spec's directory (`apps/<app>`).
    pub dir: String,
    /// Every context slice of every target of its graph.
    pub slices: Vec<llb_graphs::ContextRead>,
}

impl AppReads {
    /// Whether a build of this app reads `path`.
    pub fn reads(&self, path: &str) -> bool {
        under(path, &self.dir) || self.slices.iter().any(|s| slice_reads(s, path))
    }

    /// The app's include patterns (for `git grep` pathspecs).
    fn pathspecs(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        out.insert(format!(":(glob){}/**", self.dir));
        for s in &self.slices {
            for p in &s.include {
                let p = p.trim_matches('/');
                out.insert(format!(":(glob){p}"));
                if !p.contains('*') {
                    out.insert(format!(":(glob){p}/**"));
                }
            }
        }
        // Prose that mentions a path is not a read of it.
        out.insert(":(exclude,glob)**/*.md".to_string());
        out.into_iter().collect()
    }
}

/// Surveys an app spec: every target, every platform.
pub fn app_reads(spec_file: &str, text: &str) -> Result<AppReads, CliError> {
    let spec = app_spec::parse(spec_file, text).map_err(|d| CliError::failed(format!("{d}")))?;
    let mut slices = BTreeSet::new();
    for t in llb_graphs::targets::targets_for(spec.graph) {
        let reads = llb_graphs::context_reads(&spec, t)
            .map_err(|e| CliError::failed(format!("{spec_file}: target {}: {e}", t.name)))?;
        slices.extend(reads);
    }
    let dir = Path::new(spec_file)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(AppReads { app: spec.app.clone(), dir, slices: slices.into_iter().collect() })
}

/// The result of `affected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// The base revision as given.
    pub base: String,
    /// The head revision as given.
    pub head: String,
    /// Every changed path (both sides of renames), sorted.
    pub changed: Vec<String>,
    /// Apps whose images must be built, sorted.
    pub apps: Vec<String>,
    /// Whether a change rebuilds every app (frontend inputs).
    pub all: bool,
    /// Whether the demo smoke (every app together) must run.
    pub demo_smoke: bool,
    /// app → the changed paths (and why) that select it.
    pub reasons: BTreeMap<String, Vec<String>>,
    /// Changed paths that select nothing.
    pub unaffecting: Vec<String>,
}

/// Decides which apps `changed` touches. `grep` answers "which of the app's
/// read files name this directory" (for shared data).
pub fn decide(
    base: &str,
    head: &str,
    changed: &[String],
    apps: &[AppReads],
    grep: &dyn Fn(&AppReads, &str) -> Result<bool, CliError>,
) -> Result<Affected, CliError> {
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut all = false;
    let mut demo = false;
    let mut unaffecting = Vec::new();
    for path in changed {
        let mut selected = false;
        if let Some((prefix, why)) = FRONTEND_INPUTS.iter().find(|(p, _)| under(path, p)) {
            all = true;
            selected = true;
            for a in apps {
                reasons.entry(a.app.clone()).or_default().push(format!("{path}: {prefix}: {why}"));
            }
        }
        for a in apps {
            if a.reads(path) {
                selected = true;
                reasons.entry(a.app.clone()).or_default().push(format!("{path}: read by its build"));
            }
        }
        if let Some(dir) = SHARED_DATA.iter().find(|d| under(path, d)) {
            demo = true;
            selected = true;
            for a in apps {
                if grep(a, &format!("{dir}/"))? {
                    reasons
                        .entry(a.app.clone())
                        .or_default()
                        .push(format!("{path}: files its build reads name {dir}/"));
                }
            }
        }
        if DEMO_INPUTS.iter().any(|d| under(path, d)) {
            demo = true;
            selected = true;
        }
        if !selected {
            unaffecting.push(path.clone());
        }
    }
    for r in reasons.values_mut() {
        r.dedup();
    }
    let apps_out: Vec<String> = reasons.keys().cloned().collect();
    Ok(Affected {
        base: base.to_string(),
        head: head.to_string(),
        changed: changed.to_vec(),
        demo_smoke: demo || !apps_out.is_empty(),
        apps: apps_out,
        all,
        reasons,
        unaffecting,
    })
}

fn git(repo: &Path, args: &[&str]) -> Result<std::process::Output, CliError> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| CliError::failed(format!("cannot run git (needed by `affected`): {e}")))
}

fn git_ok(repo: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = git(repo, args)?;
    if !out.status.success() {
        return Err(CliError::failed(format!(
            "git {} in {}: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout).map_err(|e| CliError::failed(format!("git {}: {e}", args.join(" "))))
}

/// Resolves a revision to a commit, with a clear error.
fn commit(repo: &Path, rev: &str, flag: &str) -> Result<String, CliError> {
    let out = git(repo, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])?;
    if !out.status.success() {
        return Err(CliError::usage(format!(
            "{flag} {rev}: not a commit in {} (a shallow clone needs `fetch-depth: 0` or a fetch of that revision)",
            repo.display()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Every app spec at `head`: (path, text).
fn specs_at(repo: &Path, head: &str) -> Result<Vec<(String, String)>, CliError> {
    let list = git_ok(repo, &["ls-tree", "--name-only", &format!("{head}:apps")])?;
    let mut out = Vec::new();
    for app in list.lines() {
        let file = format!("apps/{app}/Dockerfile");
        let kind = git(repo, &["cat-file", "-t", &format!("{head}:{file}")])?;
        if !kind.status.success() {
            continue;
        }
        out.push((file.clone(), git_ok(repo, &["show", &format!("{head}:{file}")])?));
    }
    Ok(out)
}

/// `affected --base REV [--head REV] [--repo DIR] [--json]`.
pub fn run(base: &str, head: &str, repo: &Path, json: bool) -> Result<String, CliError> {
    let base_c = commit(repo, base, "--base")?;
    let head_c = commit(repo, head, "--head")?;
    let changed: Vec<String> = git_ok(
        repo,
        &["-c", "core.quotePath=false", "diff", "--name-only", "--no-renames", &format!("{base_c}...{head_c}")],
    )?
    .lines()
    .filter(|l| !l.is_empty())
    .map(str::to_string)
    .collect::<BTreeSet<_>>()
    .into_iter()
    .collect();
    let mut apps = Vec::new();
    for (file, text) in specs_at(repo, &head_c)? {
        apps.push(app_reads(&file, &text)?);
    }
    let grep = |a: &AppReads, needle: &str| -> Result<bool, CliError> {
        let mut args = vec!["grep", "-q", "-F", "-e", needle, head_c.as_str(), "--"];
        let specs = a.pathspecs();
        args.extend(specs.iter().map(String::as_str));
        let out = git(repo, &args)?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(CliError::failed(format!(
                "git grep in {}: {}",
                repo.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))),
        }
    };
    let result = decide(base, head, &changed, &apps, &grep)?;
    if json {
        let slices: BTreeMap<&str, &Vec<llb_graphs::ContextRead>> = apps.iter().map(|a| (a.app.as_str(), &a.slices)).collect();
        let value = serde_json::json!({
            "base": result.base,
            "head": result.head,
            "base_commit": base_c,
            "head_commit": head_c,
            "changed": result.changed,
            "apps": result.apps,
            "all": result.all,
            "demo_smoke": result.demo_smoke,
            "reasons": result.reasons,
            "unaffecting": result.unaffecting,
            "reads": slices,
        });
        return serde_json::to_string_pretty(&value)
            .map(|s| s + "\n")
            .map_err(|e| CliError::failed(e.to_string()));
    }
    Ok(result.apps.iter().map(|a| format!("{a}\n")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn patterns_follow_buildkit_semantics() {
        assert!(pattern_covers("packages/x", "packages/x/src/lib.rs"), "a directory includes its tree");
        assert!(pattern_covers("packages/x", "packages/x"));
        assert!(!pattern_covers("packages/x", "packages/xy/lib.rs"));
        assert!(pattern_covers("packages/x/**/*.rs", "packages/x/src/a/b.rs"));
        assert!(pattern_covers("packages/x/**/*.rs", "packages/x/lib.rs"), "** matches no directory too");
        assert!(!pattern_covers("packages/x/**/*.rs", "packages/x/README.md"));
        assert!(pattern_covers("**/package.json", "package.json"));
        assert!(pattern_covers("**/package.json", "packages/a/package.json"));
        assert!(pattern_covers("**/node_modules", "a/node_modules/b/c.js"));
        assert!(pattern_covers("Cargo.lock", "Cargo.lock"));
        assert!(!pattern_covers("Cargo.lock", "Cargo.lockx"));
        assert!(pattern_covers("a/[bc]?d", "a/cxd"));
        assert!(!pattern_covers("a/[!bc]?d", "a/cxd"));
    }

    #[test]
    fn excludes_win_over_includes() {
        let read = llb_graphs::ContextRead {
            stage: "s".into(),
            include: vec!["apps/web".into()],
            exclude: vec!["**/node_modules".into(), "**/dist".into()],
        };
        assert!(slice_reads(&read, "apps/web/src/main.tsx"));
        assert!(!slice_reads(&read, "apps/web/node_modules/react/index.js"));
        assert!(!slice_reads(&read, "apps/web/dist/index.html"));
        assert!(!slice_reads(&read, "apps/webx/a"));
    }

    /// The reads come from the graphs: each package the specs declare is read
    /// by exactly the app(s) the guide's table names, and no app reads
    /// another app's directory.
    #[test]
    fn every_app_reads_its_packages_and_not_the_others() {
        let root = repo();
        let mut reads = Vec::new();
        for app in ["risk-monitor-operator", "patient-risk-python-api", "patient-risk-web", "dev-guide-docs"] {
            let file = format!("apps/{app}/Dockerfile");
            let text = std::fs::read_to_string(root.join(&file)).unwrap();
            reads.push(app_reads(&file, &text).unwrap());
        }
        let who = |path: &str| -> Vec<&str> { reads.iter().filter(|a| a.reads(path)).map(|a| a.app.as_str()).collect() };
        assert_eq!(who("packages/patient-risk-go-core/api/types.go"), ["risk-monitor-operator"]);
        assert_eq!(who("packages/patient-signal-rust-core/src/lib.rs"), ["patient-risk-python-api"]);
        assert_eq!(who("packages/patient-monitor-ui-core/src/index.ts"), ["patient-risk-web"]);
        assert_eq!(who("apps/patient-risk-web/src/main.tsx"), ["patient-risk-web"]);
        assert_eq!(who("docs/index.md"), ["dev-guide-docs"], "docs/ is the docs image's content");
        assert!(who("README.md").is_empty());
        assert!(who("packages/patient-monitor-ui-core/node_modules/x/index.js").is_empty());
    }

    /// The frontend's inputs: every file the frontend crates and graphs embed
    /// (`include_str!`/`include_bytes!`) lies under a FRONTEND_INPUTS entry,
    /// and every path Dockerfile.frontend sends is either a frontend input or
    /// read by some app (so its change is never missed).
    #[test]
    fn frontend_inputs_cover_what_the_frontend_is_built_from() {
        let root = repo();
        let mut embedded = Vec::new();
        let mut stack = vec![root.join("frontend"), root.join("llb-graphs")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    if p.file_name().is_some_and(|n| n != "target" && n != "tests") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for part in text.split("include_str!(\"").chain(text.split("include_bytes!(\"")).skip(1) {
                        if let Some(rel) = part.split('"').next() {
                            let full = p.parent().unwrap().join(rel);
                            if let Ok(c) = full.canonicalize() {
                                if let Ok(r) = c.strip_prefix(root.canonicalize().unwrap()) {
                                    embedded.push(r.to_string_lossy().into_owned());
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(embedded.iter().any(|e| e == "contracts/release.toml"), "{embedded:?}");
        for e in embedded.iter().filter(|e| !e.starts_with("apps/")) {
            assert!(FRONTEND_INPUTS.iter().any(|(p, _)| under(e, p)), "{e} is embedded in the frontend but not a FRONTEND_INPUTS entry");
        }
        let ignore = std::fs::read_to_string(root.join("Dockerfile.frontend.dockerignore")).unwrap();
        let api = app_reads(
            "apps/patient-risk-python-api/Dockerfile",
            &std::fs::read_to_string(root.join("apps/patient-risk-python-api/Dockerfile")).unwrap(),
        )
        .unwrap();
        for sent in ignore.lines().filter_map(|l| l.trim().strip_prefix('!')) {
            let probe = format!("{sent}/src/lib.rs");
            assert!(
                FRONTEND_INPUTS.iter().any(|(p, _)| under(sent, p)) || api.reads(sent) || api.reads(&probe),
                "Dockerfile.frontend sends {sent}: neither a frontend input nor read by an app"
            );
        }
    }

    fn fake(app: &str, include: &[&str]) -> AppReads {
        AppReads {
            app: app.into(),
            dir: format!("apps/{app}"),
            slices: vec![llb_graphs::ContextRead {
                stage: "s".into(),
                include: include.iter().map(|s| s.to_string()).collect(),
                exclude: vec![],
            }],
        }
    }

    #[test]
    fn decide_selects_by_reads_frontend_inputs_and_shared_data() {
        let apps = [fake("a", &["packages/p"]), fake("b", &["packages/q"])];
        let no = |_: &AppReads, _: &str| Ok(false);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let r = decide("b", "h", &s(&["packages/p/x.go"]), &apps, &no).unwrap();
        assert_eq!(r.apps, ["a"]);
        assert!(!r.all && r.demo_smoke);
        let r = decide("b", "h", &s(&["README.md"]), &apps, &no).unwrap();
        assert!(r.apps.is_empty() && !r.demo_smoke);
        assert_eq!(r.unaffecting, ["README.md"]);
        let r = decide("b", "h", &s(&["llb-graphs/src/lib.rs"]), &apps, &no).unwrap();
        assert_eq!(r.apps, ["a", "b"]);
        assert!(r.all);
        let only_b = |a: &AppReads, d: &str| Ok(a.app == "b" && d == "fixtures/");
        let r = decide("b", "h", &s(&["fixtures/n.json"]), &apps, &only_b).unwrap();
        assert_eq!(r.apps, ["b"]);
        assert!(r.demo_smoke && !r.all);
        let r = decide("b", "h", &s(&["compose.demo.yml"]), &apps, &no).unwrap();
        assert!(r.apps.is_empty() && r.demo_smoke);
    }
}
