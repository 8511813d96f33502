//! npm packages a workspace's production build can bundle, from
//! `package-lock.json` (lockfileVersion 2 or 3, the `packages` map).
//!
//! From the workspace's entry, `dependencies`, `optionalDependencies` and
//! non-optional `peerDependencies` are followed (never `devDependencies`),
//! each name resolved the way Node does: `<dir>/node_modules/<name>`, then
//! up the tree to the root. Workspace links (`"link": true`) lead to the
//! linked workspace's entry. Licenses come from the lock's `license` fields.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::model::{Algorithm, Checksum, Component, ComponentSet, Ecosystem, Parent, Purpose, SourceError};
use crate::purl::Purl;
use crate::supplier;

#[derive(Debug, Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion", default)]
    version: u32,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
}

#[derive(Debug, Default, Deserialize)]
struct Entry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    license: Option<serde_json::Value>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(rename = "optionalDependencies", default)]
    optional: BTreeMap<String, String>,
    #[serde(rename = "peerDependencies", default)]
    peer: BTreeMap<String, String>,
    #[serde(rename = "peerDependenciesMeta", default)]
    peer_meta: BTreeMap<String, PeerMeta>,
}

#[derive(Debug, Default, Deserialize)]
struct PeerMeta {
    #[serde(default)]
    optional: bool,
}

/// The directory that contains `loc`'s own `node_modules` lookups' parent.
fn parent_dir(loc: &str) -> Option<&str> {
    if loc.is_empty() {
        return None;
    }
    match loc.rfind("/node_modules/") {
        Some(i) => Some(&loc[..i]),
        None => Some(""),
    }
}

fn resolve<'a>(packages: &'a BTreeMap<String, Entry>, from: &str, name: &str) -> Option<&'a str> {
    let mut dir = Some(from);
    while let Some(d) = dir {
        let candidate = if d.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{d}/node_modules/{name}")
        };
        if let Some((k, _)) = packages.get_key_value(&candidate) {
            return Some(k.as_str());
        }
        dir = parent_dir(d);
    }
    None
}

/// The package name a location installs (`node_modules/@a/b` → `@a/b`).
fn name_at(loc: &str) -> &str {
    match loc.rfind("node_modules/") {
        Some(i) => &loc[i + "node_modules/".len()..],
        None => loc.rsplit('/').next().unwrap_or(loc),
    }
}

/// Decodes standard base64 (with or without padding).
fn base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.trim_end_matches('=').bytes().collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let full = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        match chunk.len() {
            4 => out.extend_from_slice(&full),
            3 => out.extend_from_slice(&full[..2]),
            2 => out.push(full[0]),
            _ => return None,
        }
    }
    Some(out)
}

/// `sha512-<base64>` (Subresource Integrity) → checksums.
fn integrity(sri: &str) -> Vec<Checksum> {
    sri.split_whitespace()
        .filter_map(|h| {
            let (algo, b64) = h.split_once('-')?;
            let algorithm = match algo {
                "sha512" => Algorithm::Sha512,
                "sha256" => Algorithm::Sha256,
                _ => return None,
            };
            let hex: String = base64(b64)?.iter().map(|b| format!("{b:02x}")).collect();
            Some(Checksum { algorithm, hex })
        })
        .collect()
}

type Walk<'a> = (BTreeSet<&'a str>, Vec<(&'a str, &'a str)>);

/// The lock locations the workspace needs in production, and the edges between them.
fn walk<'a>(lock: &'a Lock, workspace: &str, err: &dyn Fn(String) -> SourceError) -> Result<Walk<'a>, SourceError> {
    if !lock.packages.contains_key(workspace) {
        return Err(err(format!(
            "no entry for workspace `{workspace}` (is it listed in the root package.json `workspaces`?)"
        )));
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut edges: Vec<(&str, &str)> = Vec::new();
    let mut stack: Vec<&str> = vec![lock
        .packages
        .get_key_value(workspace)
        .map(|(k, _)| k.as_str())
        .unwrap_or_default()];
    while let Some(loc) = stack.pop() {
        if !seen.insert(loc) {
            continue;
        }
        let entry = &lock.packages[loc];
        let wanted = entry
            .dependencies
            .keys()
            .map(|n| (n, true))
            .chain(entry.optional.keys().map(|n| (n, false)))
            .chain(
                entry
                    .peer
                    .keys()
                    .filter(|n| !entry.peer_meta.get(*n).is_some_and(|m| m.optional))
                    .map(|n| (n, true)),
            );
        for (name, required) in wanted {
            let Some(mut target) = resolve(&lock.packages, loc, name) else {
                if required {
                    return Err(err(format!(
                        "`{loc}` depends on `{name}`, which is not installed anywhere above it"
                    )));
                }
                continue;
            };
            let t = &lock.packages[target];
            if t.link {
                let dir = t.resolved.as_deref().unwrap_or_default();
                target = lock
                    .packages
                    .get_key_value(dir)
                    .map(|(k, _)| k.as_str())
                    .ok_or_else(|| err(format!("link `{target}` points at `{dir}`, which has no entry")))?;
            }
            edges.push((loc, target));
            stack.push(target);
        }
    }

    Ok((seen, edges))
}

/// Parses the lock (version 2 or later).
fn parse_lock(file: &str, text: &str) -> Result<Lock, SourceError> {
    let err = |m: String| SourceError::new(file, m);
    let lock: Lock = serde_json::from_str(text).map_err(|e| err(format!("not a package-lock.json: {e}")))?;
    if lock.version < 2 {
        return Err(err(format!(
            "lockfileVersion {} has no `packages` map; regenerate it with npm 7 or later (`npm install --package-lock-only`)",
            lock.version
        )));
    }
    Ok(lock)
}

/// The lock locations (`node_modules/react`, `packages/ui`) of every package the workspace
/// needs in production: where to read each one's installed `package.json`.
pub fn production_locations(file: &str, text: &str, workspace: &str) -> Result<Vec<String>, SourceError> {
    let lock = parse_lock(file, text)?;
    let err = |m: String| SourceError::new(file, m);
    let (seen, _) = walk(&lock, workspace.trim_matches('/'), &err)?;
    Ok(seen.into_iter().map(str::to_string).collect())
}

/// The supplier from an installed `package.json`: `author` (string or `{name, email}`), else
/// the first of `maintainers`, else the owner of `repository` (URL, `{url}` or the
/// `github:owner/repo` / `owner/repo` shorthand), else of `homepage`; `None` when it names none.
pub fn supplier_of_manifest(manifest: &serde_json::Value) -> Option<String> {
    let person = |v: &serde_json::Value| -> Option<String> {
        let c = match v {
            serde_json::Value::String(s) => supplier::parse_contacts(s).into_iter().next()?,
            serde_json::Value::Object(o) => supplier::Contact {
                name: o.get("name").and_then(|n| n.as_str()).unwrap_or_default().trim().to_string(),
                email: o.get("email").and_then(|e| e.as_str()).map(|e| e.trim().to_string()),
            },
            _ => return None,
        };
        supplier::contact_actor(&c)
    };
    if let Some(a) = manifest.get("author").and_then(person) {
        return Some(a);
    }
    if let Some(a) = manifest
        .get("maintainers")
        .and_then(|m| m.as_array())
        .and_then(|m| m.iter().find_map(person))
    {
        return Some(a);
    }
    let repo = match manifest.get("repository") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Object(o)) => o.get("url").and_then(|u| u.as_str()).map(str::to_string),
        _ => None,
    };
    let repo = repo.map(|r| {
        let r = r.trim().to_string();
        for (short, host) in [("github:", "github.com"), ("gitlab:", "gitlab.com"), ("bitbucket:", "bitbucket.org")] {
            if let Some(rest) = r.strip_prefix(short) {
                return format!("https://{host}/{rest}");
            }
        }
        if !r.contains(':') && r.matches('/').count() == 1 {
            return format!("https://github.com/{r}");
        }
        r
    });
    let homepage = manifest.get("homepage").and_then(|h| h.as_str()).map(str::to_string);
    [repo, homepage].iter().flatten().find_map(|u| supplier::source_owner(u))
}

/// The packages the workspace at `workspace` (its directory, e.g.
/// `apps/patient-risk-web`) depends on in production, itself included.
///
/// `manifests` maps lock locations ([`production_locations`]) to the text of the
/// `package.json` installed there (the lock records no author): each package's supplier
/// comes from it ([`supplier_of_manifest`]); a registry package whose manifest names none
/// (or was not read) gets its registry page, `npmjs.com/package/<name>`; a workspace package
/// that names none gets no supplier here (the image's supplier stands for it).
pub fn production_packages(
    file: &str,
    text: &str,
    workspace: &str,
    manifests: &BTreeMap<String, String>,
    parent: Parent,
) -> Result<ComponentSet, SourceError> {
    let err = |m: String| SourceError::new(file, m);
    let lock = parse_lock(file, text)?;
    let workspace = workspace.trim_matches('/');
    let (seen, edges) = walk(&lock, workspace, &err)?;
    // Workspace directory → the name its link is installed under.
    let link_names: BTreeMap<&str, &str> = lock
        .packages
        .iter()
        .filter(|(_, e)| e.link)
        .filter_map(|(k, e)| Some((e.resolved.as_deref()?, name_at(k))))
        .collect();

    // One component per (name, version): nested copies of one version are one package.
    let mut set = ComponentSet::new(file, parent);
    let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut locs: Vec<&str> = seen.iter().copied().collect();
    locs.sort_by_key(|l| (name_at(l).to_string(), *l));
    for loc in locs {
        let e = &lock.packages[loc];
        let in_node_modules = loc.starts_with("node_modules/") || loc.contains("/node_modules/");
        let name = match (&e.name, in_node_modules) {
            (Some(n), _) => n.clone(),
            (None, true) => name_at(loc).to_string(),
            (None, false) => link_names
                .get(loc)
                .map_or_else(|| name_at(loc).to_string(), |n| n.to_string()),
        };
        let version = e.version.clone().unwrap_or_default();
        let key = (name.clone(), version.clone());
        if let Some(&i) = by_key.get(&key) {
            index.insert(loc, i);
            continue;
        }
        let mut c = Component::new(Ecosystem::Npm, &name, &version);
        match &e.license {
            Some(serde_json::Value::String(l)) => c.declared_license(l),
            Some(serde_json::Value::Object(o)) => {
                if let Some(serde_json::Value::String(t)) = o.get("type") {
                    c.declared_license(t);
                }
            }
            _ => {}
        }
        if in_node_modules && !e.link {
            let (scope, bare) = match name.split_once('/') {
                Some((s, n)) if s.starts_with('@') => (Some(s), n),
                _ => (None, name.as_str()),
            };
            let mut purl = Purl::new("npm", bare).version(&version);
            if let Some(s) = scope {
                purl = purl.namespace(s);
            }
            c.purl = Some(purl.to_string());
            c.download_location = e.resolved.clone().filter(|r| r.starts_with("http"));
            c.checksums = e.integrity.as_deref().map(integrity).unwrap_or_default();
        } else {
            c.comment = Some(format!("workspace package at {loc}"));
        }
        let declared = match manifests.get(loc) {
            Some(text) => {
                let path = if loc.is_empty() {
                    "package.json".to_string()
                } else {
                    format!("{loc}/package.json")
                };
                let manifest: serde_json::Value = serde_json::from_str(text)
                    .map_err(|e| SourceError::new(&path, format!("not a package.json: {e}")))?;
                supplier_of_manifest(&manifest)
            }
            None => None,
        };
        c.supplier = declared.or_else(|| {
            (in_node_modules && !e.link).then(|| supplier::registry(&format!("npmjs.com/package/{name}")))
        });
        if loc == workspace {
            c.purpose = Purpose::Application;
        }
        let i = set.components.len();
        by_key.insert(key, i);
        index.insert(loc, i);
        set.components.push(c);
    }
    set.depends_on = edges.iter().map(|(a, b)| (index[a], index[b])).collect();
    set.tidy();
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
      "name": "mono", "lockfileVersion": 3,
      "packages": {
        "": {"workspaces": ["apps/web", "packages/ui"], "devDependencies": {"eslint": "^9"}},
        "apps/web": {"version": "0.1.0", "license": "Apache-2.0",
                     "dependencies": {"ui": "0.1.0", "react": "^19", "@scope/router": "^1"},
                     "devDependencies": {"vite": "^7"}},
        "packages/ui": {"version": "0.1.0", "dependencies": {"react": "^18"}, "peerDependencies": {"left-pad": "*"},
                        "peerDependenciesMeta": {"left-pad": {"optional": true}}},
        "node_modules/ui": {"resolved": "packages/ui", "link": true},
        "node_modules/web": {"resolved": "apps/web", "link": true},
        "node_modules/react": {"version": "19.3.1", "license": "MIT", "resolved": "https://registry.npmjs.org/react/-/react-19.3.1.tgz",
                               "integrity": "sha512-AAECAwQ="},
        "packages/ui/node_modules/react": {"version": "18.3.1", "license": "MIT"},
        "node_modules/@scope/router": {"version": "1.2.0", "license": "MIT OR ISC", "dependencies": {"react": "*"}},
        "node_modules/vite": {"version": "7.0.0", "dev": true},
        "node_modules/eslint": {"version": "9.0.0", "dev": true}
      }
    }"#;

    #[test]
    fn walks_production_dependencies_through_workspace_links() {
        let set = production_packages("package-lock.json", LOCK, "apps/web", &BTreeMap::new(), Parent::Image).unwrap();
        let got: Vec<String> = set
            .components
            .iter()
            .map(|c| format!("{}@{}", c.name, c.version))
            .collect();
        assert_eq!(
            got,
            [
                "@scope/router@1.2.0",
                "react@19.3.1",
                "react@18.3.1",
                "ui@0.1.0",
                "web@0.1.0"
            ]
        );
        let router = &set.components[0];
        assert_eq!(router.purl.as_deref(), Some("pkg:npm/%40scope/router@1.2.0"));
        assert_eq!(router.license.as_str(), "MIT OR ISC");
        let react = &set.components[1];
        assert_eq!(react.checksums[0].hex, "0001020304");
        assert_eq!(
            react.download_location.as_deref(),
            Some("https://registry.npmjs.org/react/-/react-19.3.1.tgz")
        );
        let ui = set.find("ui").unwrap();
        assert_eq!(
            set.components[ui].purl, None,
            "workspace packages are not on the registry"
        );
        let web = set.find("web").unwrap();
        assert_eq!(set.components[web].purpose, Purpose::Application);
        // ui resolves its own nested react 18; the app and the router get the hoisted 19.
        assert!(set.depends_on.contains(&(ui, 2)));
        assert!(set.depends_on.contains(&(web, 1)) && set.depends_on.contains(&(0, 1)));
    }

    #[test]
    fn reports_missing_packages_and_old_locks() {
        let broken = LOCK.replace(r#""node_modules/@scope/router""#, r#""node_modules/@scope/other""#);
        let err = production_packages("package-lock.json", &broken, "apps/web", &BTreeMap::new(), Parent::Image).unwrap_err();
        assert_eq!(
            err.message,
            "`apps/web` depends on `@scope/router`, which is not installed anywhere above it"
        );
        let old = production_packages(
            "l.json",
            r#"{"lockfileVersion": 1, "dependencies": {}}"#,
            "x",
            &BTreeMap::new(),
            Parent::Image,
        );
        assert!(old.unwrap_err().message.contains("regenerate it with npm 7"));
        let none = production_packages("l.json", LOCK, "apps/nope", &BTreeMap::new(), Parent::Image).unwrap_err();
        assert!(none.message.starts_with("no entry for workspace `apps/nope`"));
        assert_eq!(base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64("a$"), None);
    }

    /// Supplier from package.json: `author` (string / object), `maintainers`, `repository`
    /// (URL, object, shorthands), `homepage`; nothing declared: the npm registry page for a
    /// registry package, none for a workspace package (the image's supplier stands for it).
    #[test]
    fn suppliers_from_installed_manifests() {
        let s = |j: serde_json::Value| supplier_of_manifest(&j);
        assert_eq!(s(serde_json::json!({"author": "Roman Shtylman <shtylman@gmail.com>"})).as_deref(), Some("Person: Roman Shtylman (shtylman@gmail.com)"));
        assert_eq!(s(serde_json::json!({"author": {"name": "Nathan Friedly", "url": "http://nfriedly.com/"}})).as_deref(), Some("Person: Nathan Friedly"));
        assert_eq!(s(serde_json::json!({"maintainers": [{"name": "npm Inc.", "email": "support@npmjs.com"}]})).as_deref(), Some("Organization: npm Inc. (support@npmjs.com)"));
        assert_eq!(s(serde_json::json!({"repository": "jshttp/cookie"})).as_deref(), Some("Organization: github.com/jshttp"));
        assert_eq!(s(serde_json::json!({"repository": "gitlab:o/r"})).as_deref(), Some("Organization: gitlab.com/o"));
        assert_eq!(s(serde_json::json!({"repository": {"type": "git", "url": "https://github.com/react/react.git"}})).as_deref(), Some("Organization: github.com/react"));
        assert_eq!(s(serde_json::json!({"homepage": "https://react.dev/"})).as_deref(), Some("Organization: react.dev"));
        assert_eq!(s(serde_json::json!({"name": "x"})), None);

        let manifests: BTreeMap<String, String> = [
            ("node_modules/react".to_string(), r#"{"name": "react", "repository": {"url": "https://github.com/react/react.git"}}"#.to_string()),
            ("node_modules/@scope/router".to_string(), r#"{"name": "@scope/router"}"#.to_string()),
        ]
        .into();
        let set = production_packages("package-lock.json", LOCK, "apps/web", &manifests, Parent::Image).unwrap();
        let sup = |i: usize| set.components[i].supplier.as_deref();
        assert_eq!(sup(0), Some("Organization: npmjs.com/package/@scope/router"), "declares nothing");
        assert_eq!(sup(1), Some("Organization: github.com/react"));
        assert_eq!(sup(2), Some("Organization: npmjs.com/package/react"), "nested copy: manifest not read");
        assert_eq!(sup(set.find("web").unwrap()), None, "a workspace package that declares nothing");
        let locs = production_locations("package-lock.json", LOCK, "apps/web").unwrap();
        assert_eq!(locs.len(), 5, "{locs:?}");
        let bad: BTreeMap<String, String> = [("node_modules/react".to_string(), "{".to_string())].into();
        let err = production_packages("package-lock.json", LOCK, "apps/web", &bad, Parent::Image).unwrap_err();
        assert!(err.to_string().starts_with("node_modules/react/package.json: not a package.json"), "{err}");
    }
}
