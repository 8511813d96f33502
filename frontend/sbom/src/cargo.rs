//! Rust crates compiled into a binary, from `cargo metadata --format-version 1
//! --filter-platform <triple>` (the resolved graph with dependency kinds and
//! each package's license) plus `Cargo.lock` (archive checksums).
//!
//! Cargo.lock alone cannot say which edges are build- or dev-only, or which
//! are for another target; `cargo metadata --filter-platform` can. From the
//! root crate only normal dependencies are followed, and proc-macro crates
//! (compiled for the build host, never linked) are left out with everything
//! reachable only through them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::model::{Algorithm, Checksum, Component, ComponentSet, Ecosystem, Parent, Purpose, SourceError};
use crate::purl::Purl;
use crate::supplier;

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    resolve: Option<Resolve>,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: String,
    version: String,
    id: String,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    license_file: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    targets: Vec<Target>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    homepage: Option<String>,
    #[serde(default)]
    manifest_path: String,
    #[serde(default)]
    authors: Vec<String>,
}

/// The crate's supplier: its first `authors` entry, else the owner of its `repository`
/// (then `homepage`) URL, else where it came from: `crates.io/crates/<name>`, the owner of a
/// git source; `None` for a path crate that declares none of these (the image's supplier
/// then stands for it: it was built from the image's own sources).
fn supplier_of(p: &Package) -> Option<String> {
    if let Some(a) = p
        .authors
        .iter()
        .flat_map(|a| supplier::parse_contacts(a))
        .find_map(|c| supplier::contact_actor(&c))
    {
        return Some(a);
    }
    if let Some(owner) = [&p.repository, &p.homepage]
        .into_iter()
        .flatten()
        .find_map(|u| supplier::source_owner(u))
    {
        return Some(owner);
    }
    match p.source.as_deref() {
        Some(CRATES_IO) => Some(supplier::registry(&format!("crates.io/crates/{}", p.name))),
        Some(other) => Some(
            supplier::source_owner(other).unwrap_or_else(|| supplier::registry(other.split('#').next().unwrap_or(other))),
        ),
        None => None,
    }
}

#[derive(Debug, Deserialize)]
struct Target {
    #[serde(default)]
    kind: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Resolve {
    nodes: Vec<Node>,
    #[serde(default)]
    root: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Node {
    id: String,
    #[serde(default)]
    deps: Vec<NodeDep>,
}

#[derive(Debug, Deserialize)]
struct NodeDep {
    pkg: String,
    #[serde(default)]
    dep_kinds: Vec<DepKind>,
}

#[derive(Debug, Deserialize)]
struct DepKind {
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Debug, Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
}

/// `(name, version, source)` → sha256 of the `.crate` archive, from Cargo.lock.
fn lock_checksums(file: &str, text: &str) -> Result<BTreeMap<(String, String), String>, SourceError> {
    let lock: Lock = toml::from_str(text).map_err(|e| SourceError::new(file, format!("not a Cargo.lock: {e}")))?;
    Ok(lock
        .package
        .into_iter()
        .filter(|p| p.source.as_deref() == Some(CRATES_IO))
        .filter_map(|p| Some(((p.name, p.version), p.checksum?)))
        .collect())
}

/// What [`walk`] found: the root package, every linked package id, the DEPENDS_ON edges.
struct Linked<'m> {
    root: &'m Package,
    ids: BTreeSet<&'m str>,
    edges: Vec<(&'m str, &'m str)>,
    packages: BTreeMap<&'m str, &'m Package>,
}

/// From the root crate, normal edges only, never into a proc-macro crate.
fn walk<'m>(metadata_file: &str, md: &'m Metadata, root: Option<&str>) -> Result<Linked<'m>, SourceError> {
    let err = |m: String| SourceError::new(metadata_file, m);
    let resolve = md
        .resolve
        .as_ref()
        .ok_or_else(|| err("no `resolve` graph (was it run with --no-deps?)".to_string()))?;
    let packages: BTreeMap<&str, &Package> = md.packages.iter().map(|p| (p.id.as_str(), p)).collect();
    let nodes: BTreeMap<&str, &Node> = resolve.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let root_pkg = match root {
        Some(root) => {
            let roots: Vec<&Package> = md
                .packages
                .iter()
                .filter(|p| p.name == root && p.source.is_none())
                .collect();
            match roots.as_slice() {
                [one] => *one,
                [] => return Err(err(format!("no workspace package named `{root}`"))),
                _ => return Err(err(format!("more than one workspace package named `{root}`"))),
            }
        }
        None => {
            let id = resolve.root.as_deref().ok_or_else(|| {
                err("no root package: run cargo metadata with --manifest-path <crate>/Cargo.toml".to_string())
            })?;
            packages
                .get(id)
                .copied()
                .ok_or_else(|| err(format!("root `{id}` is missing from `packages`")))?
        }
    };
    let is_proc_macro = |p: &Package| p.targets.iter().any(|t| t.kind.iter().any(|k| k == "proc-macro"));
    let mut linked: BTreeSet<&str> = BTreeSet::new();
    let mut edges: Vec<(&str, &str)> = Vec::new();
    let mut stack = vec![root_pkg.id.as_str()];
    while let Some(id) = stack.pop() {
        if !linked.insert(id) {
            continue;
        }
        let node = nodes
            .get(id)
            .ok_or_else(|| err(format!("package `{id}` is missing from the resolve graph")))?;
        for dep in &node.deps {
            let normal = dep.dep_kinds.iter().any(|k| k.kind.is_none());
            let Some(pkg) = packages.get(dep.pkg.as_str()) else {
                return Err(err(format!("dependency `{}` is missing from `packages`", dep.pkg)));
            };
            if normal && !is_proc_macro(pkg) {
                edges.push((id, dep.pkg.as_str()));
                stack.push(dep.pkg.as_str());
            }
        }
    }
    Ok(Linked {
        root: root_pkg,
        ids: linked,
        edges,
        packages,
    })
}

/// The name of the ELF section a binary built by `Dockerfile.frontend` carries its dependency
/// record in ([`embedded_record`]; the idea of `cargo auditable`, in this crate's own format).
pub const RECORD_SECTION: &str = ".patient-risk.cargo-deps";
/// The `format` of an embedded dependency record.
pub const RECORD_FORMAT: &str = "patient-risk-cargo-deps/1";

/// The package keys of `cargo metadata` an embedded record keeps.
const RECORD_KEYS: &[&str] = &[
    "authors", "description", "homepage", "id", "license", "license_file", "manifest_path", "name",
    "repository", "source", "version",
];

/// A compact dependency record of the crates linked into `root` for `target` (a target
/// triple), to be embedded into the binary at build time: `cargo metadata` cut down to the
/// linked packages and their normal edges, plus the Cargo.lock entries (checksums) of the
/// crates.io ones. Deterministic (keys and packages sorted); [`crates_from_record`] reads it.
pub fn embedded_record(
    metadata_file: &str,
    metadata: &str,
    lock: Option<(&str, &str)>,
    root: &str,
    target: &str,
) -> Result<String, SourceError> {
    let err = |m: String| SourceError::new(metadata_file, m);
    let md: Metadata = serde_json::from_str(metadata).map_err(|e| err(format!("not `cargo metadata` JSON: {e}")))?;
    let raw: serde_json::Value =
        serde_json::from_str(metadata).map_err(|e| err(format!("not `cargo metadata` JSON: {e}")))?;
    let linked = walk(metadata_file, &md, Some(root))?;
    let mut packages = Vec::new();
    for p in raw["packages"].as_array().into_iter().flatten() {
        let Some(id) = p["id"].as_str() else { continue };
        if !linked.ids.contains(id) {
            continue;
        }
        let mut kept = serde_json::Map::new();
        for key in RECORD_KEYS {
            if let Some(v) = p.get(*key).filter(|v| !v.is_null()) {
                kept.insert((*key).to_string(), v.clone());
            }
        }
        let kinds: BTreeSet<&str> = p["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|t| t["kind"].as_array().into_iter().flatten().filter_map(|k| k.as_str()))
            .collect();
        kept.insert("targets".into(), serde_json::json!([{ "kind": kinds }]));
        packages.push((id.to_string(), serde_json::Value::Object(kept)));
    }
    packages.sort_by(|a, b| a.0.cmp(&b.0));
    let mut deps: BTreeMap<&str, BTreeSet<&str>> = linked.ids.iter().map(|id| (*id, BTreeSet::new())).collect();
    for (a, b) in &linked.edges {
        deps.entry(a).or_default().insert(b);
    }
    let nodes: Vec<serde_json::Value> = deps
        .iter()
        .map(|(id, ds)| {
            let ds: Vec<serde_json::Value> = ds
                .iter()
                .map(|d| serde_json::json!({"pkg": d, "dep_kinds": [{"kind": null}]}))
                .collect();
            serde_json::json!({"id": id, "deps": ds})
        })
        .collect();
    let mut lock_text = String::from("version = 4\n");
    if let Some((file, text)) = lock {
        let sums = lock_checksums(file, text)?;
        for id in &linked.ids {
            let p = linked.packages[id];
            if p.source.as_deref() != Some(CRATES_IO) {
                continue;
            }
            if let Some(sum) = sums.get(&(p.name.clone(), p.version.clone())) {
                let q = |s: &str| serde_json::Value::from(s).to_string();
                lock_text.push_str(&format!(
                    "\n[[package]]\nname = {}\nversion = {}\nsource = {}\nchecksum = {}\n",
                    q(&p.name),
                    q(&p.version),
                    q(CRATES_IO),
                    q(sum)
                ));
            }
        }
    }
    let record = serde_json::json!({
        "format": RECORD_FORMAT,
        "target": target,
        "root": root,
        "metadata": {
            "packages": packages.into_iter().map(|(_, p)| p).collect::<Vec<_>>(),
            "resolve": {"root": linked.root.id, "nodes": nodes},
        },
        "lock": lock_text,
    });
    Ok(record.to_string())
}

/// What an embedded record says about the binary itself (its root crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBinary {
    /// The target triple it was compiled for.
    pub target: String,
    /// The root crate's name.
    pub name: String,
    /// The root crate's version.
    pub version: String,
    /// The root crate's description.
    pub description: String,
    /// The root crate's license expression.
    pub license: String,
    /// The root crate's repository.
    pub repository: String,
}

/// The linked crates of an [`embedded_record`] (`file` names the binary in errors).
pub fn crates_from_record(file: &str, record: &[u8], parent: Parent) -> Result<(RecordedBinary, ComponentSet), SourceError> {
    let err = |m: String| SourceError::new(file, m);
    let v: serde_json::Value = serde_json::from_slice(record)
        .map_err(|e| err(format!("section {RECORD_SECTION} is not a JSON dependency record: {e}")))?;
    if v["format"].as_str() != Some(RECORD_FORMAT) {
        return Err(err(format!(
            "section {RECORD_SECTION} has format {}, this reader knows {RECORD_FORMAT}",
            v["format"]
        )));
    }
    let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
    let metadata = v["metadata"].to_string();
    let lock = s(&v["lock"]);
    let mut set = linked_crates(file, &metadata, Some((file, &lock)), None, parent)?;
    set.source = format!("{file} (embedded dependency record, {})", s(&v["target"]));
    let root_id = s(&v["metadata"]["resolve"]["root"]);
    let root = v["metadata"]["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"].as_str() == Some(root_id.as_str()))
        .ok_or_else(|| err(format!("the dependency record has no root package `{root_id}`")))?;
    let binary = RecordedBinary {
        target: s(&v["target"]),
        name: s(&root["name"]),
        version: s(&root["version"]),
        description: s(&root["description"]),
        license: s(&root["license"]),
        repository: s(&root["repository"]),
    };
    Ok((binary, set))
}

/// The embedded dependency record of an ELF binary (`None`: the binary carries none).
pub fn record_in_elf<'a>(file: &str, bytes: &'a [u8]) -> Result<Option<&'a [u8]>, SourceError> {
    crate::golang::elf_section(bytes, RECORD_SECTION).map_err(|e| SourceError::new(file, e))
}

/// The crates linked into `root` (a package name of the workspace; `None`:
/// the package `cargo metadata --manifest-path <crate>/Cargo.toml` was run for).
///
/// `metadata` is `cargo metadata --format-version 1 --filter-platform <triple>`
/// output (`metadata_file` names it in errors); `lock` is the Cargo.lock
/// the build used, for checksums.
pub fn linked_crates(
    metadata_file: &str,
    metadata: &str,
    lock: Option<(&str, &str)>,
    root: Option<&str>,
    parent: Parent,
) -> Result<ComponentSet, SourceError> {
    let err = |m: String| SourceError::new(metadata_file, m);
    let md: Metadata = serde_json::from_str(metadata).map_err(|e| err(format!("not `cargo metadata` JSON: {e}")))?;
    let checksums = match lock {
        Some((file, text)) => lock_checksums(file, text)?,
        None => BTreeMap::new(),
    };
    let Linked { root: root_pkg, ids: linked, edges, packages } = walk(metadata_file, &md, root)?;

    let mut set = ComponentSet::new(metadata_file, parent);
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &linked {
        let p = packages[id];
        let mut c = Component::new(Ecosystem::Cargo, &p.name, &p.version);
        match &p.license {
            Some(l) => c.declared_license(l),
            None => {
                if let Some(f) = &p.license_file {
                    c.license_comment = Some(format!("license in file {f} (no SPDX expression declared)"));
                }
            }
        }
        c.homepage = p.homepage.clone().or_else(|| p.repository.clone());
        c.supplier = supplier_of(p);
        match p.source.as_deref() {
            Some(CRATES_IO) => {
                c.purl = Some(Purl::new("cargo", &p.name).version(&p.version).to_string());
                c.download_location = Some(format!(
                    "https://crates.io/api/v1/crates/{}/{}/download",
                    p.name, p.version
                ));
                if let Some(sum) = checksums.get(&(p.name.clone(), p.version.clone())) {
                    c.checksums.push(Checksum {
                        algorithm: Algorithm::Sha256,
                        hex: sum.to_ascii_lowercase(),
                    });
                }
            }
            Some(other) => c.comment = Some(format!("source {other}")),
            None => {
                let dir = p.manifest_path.trim_end_matches("Cargo.toml").trim_end_matches('/');
                c.comment = Some(format!("workspace crate at {dir}"));
            }
        }
        if p.id == root_pkg.id {
            c.purpose = Purpose::Application;
        }
        index.insert(id, set.components.len());
        set.components.push(c);
    }
    set.depends_on = edges.iter().map(|(a, b)| (index[a], index[b])).collect();
    set.tidy();
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, source: Option<&str>, kind: &str, license: Option<&str>) -> serde_json::Value {
        serde_json::json!({
            "name": name, "version": "1.0.0", "id": format!("{name}-id"), "license": license,
            "source": source, "targets": [{"kind": [kind]}], "manifest_path": format!("/src/{name}/Cargo.toml"),
        })
    }

    #[test]
    fn follows_normal_edges_and_skips_proc_macros() {
        let md = serde_json::json!({
            "packages": [
                pkg("binding", None, "cdylib", Some("Apache-2.0")),
                pkg("lib", Some(CRATES_IO), "lib", Some("MIT/Apache-2.0")),
                pkg("macros", Some(CRATES_IO), "proc-macro", Some("MIT")),
                pkg("syn", Some(CRATES_IO), "lib", Some("MIT")),
                pkg("cc", Some(CRATES_IO), "lib", Some("MIT")),
                pkg("proptest", Some(CRATES_IO), "lib", Some("MIT")),
            ],
            "resolve": {"nodes": [
                {"id": "binding-id", "deps": [
                    {"pkg": "lib-id", "dep_kinds": [{"kind": null}]},
                    {"pkg": "macros-id", "dep_kinds": [{"kind": null}]},
                    {"pkg": "cc-id", "dep_kinds": [{"kind": "build"}]},
                    {"pkg": "proptest-id", "dep_kinds": [{"kind": "dev"}]},
                ]},
                {"id": "lib-id", "deps": []},
                {"id": "macros-id", "deps": [{"pkg": "syn-id", "dep_kinds": [{"kind": null}]}]},
                {"id": "syn-id", "deps": []},
                {"id": "cc-id", "deps": []},
                {"id": "proptest-id", "deps": []},
            ]},
        });
        let lock = "version = 4\n\n[[package]]\nname = \"lib\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"ABCD\"\n";
        let set = linked_crates(
            "m.json",
            &md.to_string(),
            Some(("Cargo.lock", lock)),
            Some("binding"),
            Parent::Image,
        )
        .unwrap();
        let names: Vec<&str> = set.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["binding", "lib"]);
        let lib = &set.components[1];
        assert_eq!(lib.license.as_str(), "MIT OR Apache-2.0");
        assert_eq!(lib.purl.as_deref(), Some("pkg:cargo/lib@1.0.0"));
        assert_eq!(lib.checksums[0].hex, "abcd");
        assert_eq!(set.components[0].purl, None, "a workspace crate is not on crates.io");
        assert_eq!(set.depends_on, vec![(0, 1)]);
        let missing = linked_crates("m.json", &md.to_string(), None, Some("nope"), Parent::Image).unwrap_err();
        assert_eq!(missing.to_string(), "m.json: no workspace package named `nope`");
        let mut rooted = md.clone();
        rooted["resolve"]["root"] = "binding-id".into();
        let by_root = linked_crates("m.json", &rooted.to_string(), None, None, Parent::Image).unwrap();
        assert_eq!(by_root.components.len(), 2);
        let no_root = linked_crates("m.json", &md.to_string(), None, None, Parent::Image).unwrap_err();
        assert!(no_root.message.contains("--manifest-path"), "{no_root}");
    }

    /// Supplier: first `authors` entry, else the owner of `repository`/`homepage`, else the
    /// crates.io page or the git source's owner; a path crate that declares nothing gets none
    /// (the image's supplier stands for it). Author strings as crates.io crates write them.
    #[test]
    fn suppliers_from_authors_repository_or_source() {
        let p = |authors: &[&str], repository: Option<&str>, source: Option<&str>| Package {
            name: "c".into(),
            version: "1.0.0".into(),
            id: "c".into(),
            license: None,
            license_file: None,
            source: source.map(str::to_string),
            targets: vec![],
            repository: repository.map(str::to_string),
            homepage: None,
            manifest_path: String::new(),
            authors: authors.iter().map(|a| a.to_string()).collect(),
        };
        let cases = [
            (p(&["The Rust Project Developers"], None, Some(CRATES_IO)), Some("Organization: The Rust Project Developers")),
            (p(&["David Tolnay <dtolnay@gmail.com>"], None, Some(CRATES_IO)), Some("Person: David Tolnay (dtolnay@gmail.com)")),
            (
                p(&["PyO3 Project and Contributors <https://github.com/PyO3>"], None, Some(CRATES_IO)),
                Some("Organization: PyO3 Project and Contributors"),
            ),
            (p(&[], Some("https://github.com/rust-lang/libc"), Some(CRATES_IO)), Some("Organization: github.com/rust-lang")),
            (p(&[], None, Some(CRATES_IO)), Some("Organization: crates.io/crates/c")),
            (
                p(&[], None, Some("git+https://github.com/o/r?rev=1#abc")),
                Some("Organization: github.com/o"),
            ),
            (p(&[], Some("https://github.com/tirosh-chain/guide"), None), Some("Organization: github.com/tirosh-chain")),
            (p(&[], None, None), None),
        ];
        for (pkg, want) in cases {
            assert_eq!(supplier_of(&pkg).as_deref(), want, "{pkg:?}");
        }
    }
}
