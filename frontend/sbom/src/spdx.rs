//! The SPDX 2.3 JSON document of one image for one platform.
//!
//! Packages: the image (CONTAINER, DESCRIBED by the document), its runtime
//! base image when known, and every component of every [`ComponentSet`].
//! Relationships: image CONTAINS base, base CONTAINS what was read from the
//! base (dpkg), image CONTAINS everything else, plus the sets' DEPENDS_ON
//! edges. Output is deterministic: ids derive from content, packages and
//! relationships are sorted, `created` comes from the caller (the build's
//! `SOURCE_DATE_EPOCH`), and `documentNamespace` ends in a hash of the
//! document's own content.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::license::License;
use crate::model::{Component, ComponentSet, Ecosystem, Parent, Purpose};
use crate::purl::Purl;
use crate::supplier;

/// The image the document describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSubject {
    /// Image repository name (e.g. `patient-risk-python-api`).
    pub name: String,
    /// Version (the `VERSION` build arg).
    pub version: String,
    /// Platform (`linux/arm64`).
    pub platform: String,
    /// One-line description.
    pub description: String,
    /// Declared license of the image's own code (`org.opencontainers.image.licenses`).
    pub license: String,
    /// Source repository URL.
    pub source: String,
    /// Source revision (commit), when known.
    pub revision: String,
    /// Supplier (`Organization: …`); empty: the owner of `source` ([`crate::supplier::source_owner`]).
    pub supplier: String,
}

impl ImageSubject {
    /// The image's supplier: the declared one, else the owner of its source repository, else
    /// its name.
    pub fn supplier(&self) -> String {
        if !self.supplier.trim().is_empty() {
            return self.supplier.clone();
        }
        supplier::source_owner(&self.source).unwrap_or_else(|| supplier::registry(&self.name))
    }
}

/// The runtime base image the build started from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseImage {
    /// Logical name (`python-runtime`).
    pub name: String,
    /// Repository the image was pulled from, without tag or digest.
    pub repository: String,
    /// Tag, if the reference had one.
    pub tag: String,
    /// Pinned digest (`sha256:…`).
    pub digest: String,
    /// Architecture of the platform variant used.
    pub arch: String,
}

/// Who made the document and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// Namespace URI prefix, e.g. `https://github.com/tirosh-chain/guide/spdx`.
    pub namespace_prefix: String,
    /// Creation time, RFC 3339 UTC (`llb::rfc3339` of `SOURCE_DATE_EPOCH` for reproducible output).
    pub created: String,
    /// `creators` entries (`Tool: …`, `Organization: …`).
    pub creators: Vec<String>,
}

/// An image SBOM being assembled.
#[derive(Debug, Clone)]
pub struct ImageSbom {
    subject: ImageSubject,
    base: Option<BaseImage>,
    sets: Vec<ComponentSet>,
    links: Vec<((Ecosystem, String), (Ecosystem, String))>,
}

const IMAGE_ID: &str = "SPDXRef-image";
const BASE_ID: &str = "SPDXRef-base-image";

impl ImageSbom {
    /// A document about `subject`.
    pub fn new(subject: ImageSubject) -> Self {
        Self {
            subject,
            base: None,
            sets: Vec::new(),
            links: Vec::new(),
        }
    }

    /// A DEPENDS_ON edge between components of different sets (e.g. the Rust crate whose build
    /// script links a Conan package), by ecosystem and name. [`Self::unresolved_links`] names
    /// the edges whose ends are not (yet) in the document.
    pub fn link(&mut self, from: (Ecosystem, &str), to: (Ecosystem, &str)) {
        self.links
            .push(((from.0, from.1.to_string()), (to.0, to.1.to_string())));
    }

    /// The [`Self::link`] edges one of whose ends no set has, as `from -> to`.
    pub fn unresolved_links(&self) -> Vec<String> {
        let has = |(e, n): &(Ecosystem, String)| {
            self.sets
                .iter()
                .any(|s| s.components.iter().any(|c| c.ecosystem == *e && c.name == *n))
        };
        self.links
            .iter()
            .filter(|(a, b)| !has(a) || !has(b))
            .map(|(a, b)| format!("{} {} -> {} {}", a.0.as_str(), a.1, b.0.as_str(), b.1))
            .collect()
    }

    /// Records the runtime base image.
    pub fn base_image(&mut self, base: BaseImage) {
        self.base = Some(base);
    }

    /// Adds the components read from one source.
    pub fn add(&mut self, set: ComponentSet) {
        self.sets.push(set);
    }

    /// Number of components so far (over every set).
    pub fn component_count(&self) -> usize {
        self.sets.iter().map(|s| s.components.len()).sum()
    }

    /// The SPDX 2.3 JSON document.
    pub fn document(&self, info: &DocumentInfo) -> Value {
        let mut packages: BTreeMap<String, Value> = BTreeMap::new();
        let mut rels: BTreeSet<(String, &'static str, String)> = BTreeSet::new();
        rels.insert(("SPDXRef-DOCUMENT".into(), "DESCRIBES", IMAGE_ID.into()));
        packages.insert(IMAGE_ID.into(), self.image_package());
        let own_supplier = self.subject.supplier();
        if let Some(base) = &self.base {
            packages.insert(BASE_ID.into(), base_package(base, &own_supplier));
            rels.insert((IMAGE_ID.into(), "CONTAINS", BASE_ID.into()));
        }
        let mut ids = Ids::default();
        let mut by_name: BTreeMap<(Ecosystem, &str), String> = BTreeMap::new();
        for set in &self.sets {
            let parent = match (set.parent, &self.base) {
                (Parent::BaseImage, Some(_)) => BASE_ID,
                _ => IMAGE_ID,
            };
            let set_ids: Vec<String> = set.components.iter().map(|c| ids.id_for(c)).collect();
            for (c, id) in set.components.iter().zip(&set_ids) {
                by_name
                    .entry((c.ecosystem, c.name.as_str()))
                    .or_insert_with(|| id.clone());
                packages
                    .entry(id.clone())
                    .or_insert_with(|| component_package(c, id, &set.source, &own_supplier));
                rels.insert((parent.into(), "CONTAINS", id.clone()));
            }
            for (a, b) in &set.depends_on {
                rels.insert((set_ids[*a].clone(), "DEPENDS_ON", set_ids[*b].clone()));
            }
        }
        for (a, b) in &self.links {
            if let (Some(a), Some(b)) = (
                by_name.get(&(a.0, a.1.as_str())),
                by_name.get(&(b.0, b.1.as_str())),
            ) {
                rels.insert((a.clone(), "DEPENDS_ON", b.clone()));
            }
        }
        let relationships: Vec<Value> = rels
            .into_iter()
            .map(|(a, t, b)| json!({"spdxElementId": a, "relationshipType": t, "relatedSpdxElement": b}))
            .collect();
        let name = format!(
            "{}-{}-{}",
            self.subject.name,
            self.subject.version,
            self.subject.platform.replace('/', "-")
        );
        let mut doc = json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": name,
            "creationInfo": {
                "created": info.created,
                "creators": info.creators,
                "comment": "Written by the patient-risk BuildKit frontend from the package databases, lock files and binaries of this image's build (image-sbom).",
            },
            "packages": packages.into_values().collect::<Vec<_>>(),
            "relationships": relationships,
        });
        let digest = Sha256::digest(serde_json::to_vec(&doc).unwrap_or_default());
        let short: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        doc["documentNamespace"] = Value::from(format!(
            "{}/{}-{short}",
            info.namespace_prefix.trim_end_matches('/'),
            name
        ));
        doc
    }

    fn image_package(&self) -> Value {
        let s = &self.subject;
        let mut p = Map::new();
        p.insert("SPDXID".into(), IMAGE_ID.into());
        p.insert("name".into(), s.name.clone().into());
        if !s.version.is_empty() {
            p.insert("versionInfo".into(), s.version.clone().into());
        }
        p.insert("downloadLocation".into(), non_empty_or_noassertion(&s.source));
        p.insert("filesAnalyzed".into(), false.into());
        p.insert("licenseConcluded".into(), "NOASSERTION".into());
        p.insert(
            "licenseDeclared".into(),
            License::parse_or_noassertion(&s.license).as_str().into(),
        );
        p.insert("copyrightText".into(), "NOASSERTION".into());
        p.insert("supplier".into(), s.supplier().into());
        if !s.description.is_empty() {
            p.insert("description".into(), s.description.clone().into());
        }
        if !s.revision.is_empty() {
            p.insert(
                "sourceInfo".into(),
                format!("built from {} at revision {}", s.source, s.revision).into(),
            );
        }
        p.insert("primaryPackagePurpose".into(), Purpose::Container.as_str().into());
        p.insert("comment".into(), format!("image for {}", s.platform).into());
        Value::Object(p)
    }
}

fn non_empty_or_noassertion(s: &str) -> Value {
    if s.is_empty() {
        "NOASSERTION".into()
    } else {
        s.into()
    }
}

/// Whether an image repository is on this machine's loopback registry.
fn is_loopback(repository: &str) -> bool {
    let host = repository.split('/').next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.starts_with("127.")
}

/// The base image's supplier: a base on the loopback registry was built by this project
/// (`make bases`, from Debian packages), so the image's own supplier; any other comes from its
/// registry namespace (`docker.io/library`, `ghcr.io/<owner>`).
fn base_supplier(b: &BaseImage, own: &str) -> String {
    if is_loopback(&b.repository) {
        return own.to_string();
    }
    let mut segs = b.repository.split('/');
    let host = segs.next().unwrap_or_default();
    match (segs.next(), segs.next()) {
        (Some(ns), Some(_)) => supplier::registry(&format!("{host}/{ns}")),
        _ => supplier::registry(host),
    }
}

fn base_package(b: &BaseImage, own_supplier: &str) -> Value {
    let short = b.repository.rsplit('/').next().unwrap_or(&b.repository);
    let purl = Purl::new("oci", short)
        .version(&b.digest)
        .qualifier("repository_url", b.repository.clone())
        .qualifier("tag", b.tag.clone())
        .qualifier("arch", b.arch.clone());
    json!({
        "SPDXID": BASE_ID,
        "name": b.name,
        "versionInfo": if b.digest.is_empty() { "NOASSERTION".to_string() } else { b.digest.clone() },
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": Purpose::Container.as_str(),
        "supplier": base_supplier(b, own_supplier),
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl.to_string()}],
        "comment": format!("runtime base image `{}`: {}{}", b.name, b.repository, if b.tag.is_empty() { String::new() } else { format!(":{}", b.tag) }),
    })
}

/// A component that names no supplier of its own was built from the image's own sources
/// (a workspace crate or package, a Go module built from a directory): the image's supplier.
fn component_package(c: &Component, id: &str, source: &str, own_supplier: &str) -> Value {
    let mut p = Map::new();
    p.insert("SPDXID".into(), id.into());
    p.insert("name".into(), c.name.clone().into());
    if !c.version.is_empty() {
        p.insert("versionInfo".into(), c.version.clone().into());
    }
    p.insert(
        "downloadLocation".into(),
        c.download_location
            .clone()
            .map_or_else(|| "NOASSERTION".into(), Value::from),
    );
    p.insert("filesAnalyzed".into(), false.into());
    p.insert("licenseConcluded".into(), "NOASSERTION".into());
    p.insert("licenseDeclared".into(), c.license.as_str().into());
    if let Some(lc) = &c.license_comment {
        p.insert("licenseComments".into(), lc.clone().into());
    }
    p.insert("copyrightText".into(), "NOASSERTION".into());
    p.insert(
        "supplier".into(),
        c.supplier.clone().unwrap_or_else(|| own_supplier.to_string()).into(),
    );
    if let Some(h) = c.homepage.as_deref().filter(|h| h.starts_with("http")) {
        p.insert("homepage".into(), h.into());
    }
    if !c.checksums.is_empty() {
        let sums: Vec<Value> = c
            .checksums
            .iter()
            .map(|s| json!({"algorithm": s.algorithm.as_str(), "checksumValue": s.hex}))
            .collect();
        p.insert("checksums".into(), sums.into());
    }
    if let Some(purl) = &c.purl {
        p.insert(
            "externalRefs".into(),
            json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]),
        );
    }
    p.insert("primaryPackagePurpose".into(), c.purpose.as_str().into());
    p.insert("sourceInfo".into(), format!("read from {source}").into());
    if let Some(comment) = &c.comment {
        p.insert("comment".into(), comment.clone().into());
    }
    Value::Object(p)
}

/// SPDX ids from ecosystem, name and version, unique within the document.
#[derive(Debug, Default)]
struct Ids {
    by_key: BTreeMap<(crate::Ecosystem, String, String, Option<String>), String>,
    used: BTreeSet<String>,
}

impl Ids {
    fn id_for(&mut self, c: &Component) -> String {
        let key = (c.ecosystem, c.name.clone(), c.version.clone(), c.purl.clone());
        if let Some(id) = self.by_key.get(&key) {
            return id.clone();
        }
        let stem: String = format!("SPDXRef-{}-{}-{}", c.ecosystem.as_str(), c.name, c.version)
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                    ch
                } else {
                    '-'
                }
            })
            .collect();
        let stem = stem.trim_end_matches('-').to_string();
        let mut id = stem.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{stem}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        self.by_key.insert(key, id.clone());
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> ImageSubject {
        ImageSubject {
            name: "app".into(),
            version: "1.0.0".into(),
            platform: "linux/arm64".into(),
            description: "an app".into(),
            license: "Apache-2.0".into(),
            source: "https://github.com/o/r".into(),
            revision: "abc".into(),
            supplier: "Organization: o".into(),
        }
    }

    fn info() -> DocumentInfo {
        DocumentInfo {
            namespace_prefix: "https://example.org/spdx/".into(),
            created: "2025-11-28T00:00:00Z".to_string(),
            creators: vec!["Tool: t-1".into()],
        }
    }

    #[test]
    fn document_is_deterministic_and_linked() {
        let mut sbom = ImageSbom::new(subject());
        sbom.base_image(BaseImage {
            name: "python-runtime".into(),
            repository: "127.0.0.1:5000/b/python-runtime".into(),
            tag: "local".into(),
            digest: "sha256:00".into(),
            arch: "arm64".into(),
        });
        let mut debs = ComponentSet::new("/var/lib/dpkg/status", Parent::BaseImage);
        debs.components.push(Component::new(Ecosystem::Deb, "libc6", "2.41"));
        let mut py = ComponentSet::new("site-packages", Parent::Image);
        py.components.push(Component::new(Ecosystem::PyPi, "fastapi", "0.1"));
        py.components.push(Component::new(Ecosystem::PyPi, "star+lette", "1"));
        py.depends_on.push((0, 1));
        sbom.add(debs);
        sbom.add(py);
        let doc = sbom.document(&info());
        assert_eq!(doc, sbom.document(&info()), "same input, same bytes");
        assert_eq!(doc["creationInfo"]["created"], "2025-11-28T00:00:00Z");
        let ns = doc["documentNamespace"].as_str().unwrap();
        assert!(
            ns.starts_with("https://example.org/spdx/app-1.0.0-linux-arm64-"),
            "{ns}"
        );
        let rels: Vec<String> = doc["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r["spdxElementId"].as_str().unwrap(),
                    r["relationshipType"].as_str().unwrap(),
                    r["relatedSpdxElement"].as_str().unwrap()
                )
            })
            .collect();
        assert!(rels.contains(&"SPDXRef-DOCUMENT DESCRIBES SPDXRef-image".to_string()));
        assert!(rels.contains(&"SPDXRef-base-image CONTAINS SPDXRef-deb-libc6-2.41".to_string()));
        assert!(rels.contains(&"SPDXRef-image CONTAINS SPDXRef-base-image".to_string()));
        assert!(rels.contains(&"SPDXRef-pypi-fastapi-0.1 DEPENDS_ON SPDXRef-pypi-star-lette-1".to_string()));
        let base = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["SPDXID"] == BASE_ID)
            .unwrap();
        assert_eq!(
            base["externalRefs"][0]["referenceLocator"],
            "pkg:oci/python-runtime@sha256%3A00?arch=arm64&repository_url=127.0.0.1:5000/b/python-runtime&tag=local"
        );
        // A different component list gives a different namespace.
        let mut other = sbom.clone();
        other.add(ComponentSet::new("x", Parent::Image));
        let mut more = ComponentSet::new("y", Parent::Image);
        more.components.push(Component::new(Ecosystem::Npm, "react", "19"));
        other.add(more);
        assert_ne!(other.document(&info())["documentNamespace"], doc["documentNamespace"]);
    }

    #[test]
    fn ids_are_unique_and_valid() {
        let mut ids = Ids::default();
        let a = Component::new(Ecosystem::Npm, "@scope/x", "1.0.0");
        let mut b = a.clone();
        b.purl = Some("pkg:npm/other".into());
        assert_eq!(ids.id_for(&a), "SPDXRef-npm--scope-x-1.0.0");
        assert_eq!(ids.id_for(&b), "SPDXRef-npm--scope-x-1.0.0-2");
        assert_eq!(ids.id_for(&a), "SPDXRef-npm--scope-x-1.0.0");
    }

    /// Every package of the document has a supplier: components their own, what names none
    /// the image's, a loopback base the image's (this project built it), an upstream base its
    /// registry namespace.
    #[test]
    fn every_package_has_a_supplier() {
        let mut sbom = ImageSbom::new(subject());
        sbom.base_image(BaseImage {
            name: "python-runtime".into(),
            repository: "127.0.0.1:5000/b/python-runtime".into(),
            tag: "local".into(),
            digest: "sha256:00".into(),
            arch: "arm64".into(),
        });
        let mut set = ComponentSet::new("Cargo.lock", Parent::Image);
        let mut declared = Component::new(Ecosystem::Cargo, "libc", "0.2");
        declared.supplier = Some("Organization: github.com/rust-lang".into());
        set.components.push(declared);
        set.components.push(Component::new(Ecosystem::Cargo, "workspace-crate", "0.1.0"));
        sbom.add(set);
        let doc = sbom.document(&info());
        let sup = |id: &str| {
            doc["packages"].as_array().unwrap().iter().find(|p| p["SPDXID"] == id).unwrap()["supplier"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(sup("SPDXRef-image"), "Organization: o");
        assert_eq!(sup(BASE_ID), "Organization: o");
        assert_eq!(sup("SPDXRef-cargo-libc-0.2"), "Organization: github.com/rust-lang");
        assert_eq!(sup("SPDXRef-cargo-workspace-crate-0.1.0"), "Organization: o");
        let upstream = BaseImage {
            name: "python-runtime".into(),
            repository: "docker.io/library/python".into(),
            tag: "3.13-slim".into(),
            digest: "sha256:00".into(),
            arch: "arm64".into(),
        };
        assert_eq!(base_supplier(&upstream, "Organization: o"), "Organization: docker.io/library");
        let mut anonymous = subject();
        anonymous.supplier.clear();
        assert_eq!(anonymous.supplier(), "Organization: github.com/o");
        assert!(is_loopback("localhost:5000/x") && is_loopback("[::1]:5000/x") && !is_loopback("ghcr.io/o/x"));
    }
    /// A cross-set link (the Rust crate whose build script links a Conan package) becomes a
    /// DEPENDS_ON relationship; a link to a component no set has is reported, not invented.
    #[test]
    fn links_between_sets() {
        let mut sbom = ImageSbom::new(subject());
        let mut crates = ComponentSet::new("cargo-metadata.json", Parent::Image);
        crates.components.push(Component::new(Ecosystem::Cargo, "core", "0.1.0"));
        let mut conan = ComponentSet::new("/conan-graph.json", Parent::Image);
        conan.components.push(Component::new(Ecosystem::Conan, "dsp", "0.1.0"));
        sbom.add(crates);
        sbom.add(conan);
        sbom.link((Ecosystem::Cargo, "core"), (Ecosystem::Conan, "dsp"));
        assert!(sbom.unresolved_links().is_empty());
        let doc = sbom.document(&info());
        let id = |name: &str| {
            doc["packages"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["SPDXID"].clone()
        };
        let (core, dsp) = (id("core"), id("dsp"));
        assert!(doc["relationships"].as_array().unwrap().iter().any(|r| r["spdxElementId"] == core
            && r["relationshipType"] == "DEPENDS_ON"
            && r["relatedSpdxElement"] == dsp));
        sbom.link((Ecosystem::Cargo, "missing"), (Ecosystem::Conan, "dsp"));
        assert_eq!(sbom.unresolved_links(), ["cargo missing -> conan dsp"]);
    }
}
