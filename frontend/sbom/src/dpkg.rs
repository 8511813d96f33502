//! Debian packages from the dpkg database: `/var/lib/dpkg/status` (one
//! deb822 paragraph per package) or, in distroless-style images,
//! `/var/lib/dpkg/status.d/<package>` (one paragraph per file).
//!
//! Only packages whose `Status` says `installed` count (a status.d record
//! without `Status` is installed by definition). `Depends`/`Pre-Depends`
//! become DEPENDS_ON edges to the installed package (or the installed
//! provider of a virtual package) that satisfies each clause. dpkg keeps no
//! license: licenses are NOASSERTION.

use std::collections::BTreeMap;

use crate::model::{Component, ComponentSet, Parent, Purpose, SourceError};
use crate::purl::Purl;
use crate::supplier;

/// `ID` and `VERSION_ID` of `/etc/os-release`, for purl qualifiers (`distro=debian-13`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsRelease {
    /// `ID` (e.g. `debian`).
    pub id: String,
    /// `VERSION_ID` (e.g. `13`), may be empty (testing/sid).
    pub version_id: String,
    /// `VERSION_CODENAME` (e.g. `trixie`).
    pub codename: String,
    /// `NAME` (e.g. `Debian GNU/Linux`): the supplier of a package whose record names none.
    pub name: String,
}

impl OsRelease {
    /// Parses os-release text (`KEY=value`, values optionally quoted).
    pub fn parse(text: &str) -> Self {
        let mut out = OsRelease::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else { continue };
            let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
            match k.trim() {
                "ID" => out.id = v,
                "VERSION_ID" => out.version_id = v,
                "VERSION_CODENAME" => out.codename = v,
                "NAME" => out.name = v,
                _ => {}
            }
        }
        out
    }

    /// The purl `distro` qualifier: `debian-13`, or `debian-<codename>`.
    pub fn distro(&self) -> String {
        let id = if self.id.is_empty() { "debian" } else { &self.id };
        match (self.version_id.is_empty(), self.codename.is_empty()) {
            (false, _) => format!("{id}-{}", self.version_id),
            (true, false) => format!("{id}-{}", self.codename),
            (true, true) => String::new(),
        }
    }
}

/// One paragraph's fields (names lower-cased), continuation lines joined with `\n`.
#[derive(Debug, Clone, Default)]
struct Paragraph {
    fields: BTreeMap<String, String>,
    line: usize,
}

impl Paragraph {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .map(String::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

fn paragraphs(file: &str, text: &str) -> Result<Vec<Paragraph>, SourceError> {
    let mut out = Vec::new();
    let mut cur = Paragraph::default();
    let mut last: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            last = None;
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            let Some(key) = &last else {
                return Err(SourceError::new(
                    file,
                    format!("line {lineno}: continuation line outside a field"),
                ));
            };
            let v = cur.fields.entry(key.clone()).or_default();
            v.push('\n');
            v.push_str(line.trim_start());
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(SourceError::new(
                file,
                format!(
                    "line {lineno}: expected `Field: value`, got {:?}",
                    line.chars().take(60).collect::<String>()
                ),
            ));
        };
        if cur.fields.is_empty() {
            cur.line = lineno;
        }
        let key = k.trim().to_ascii_lowercase();
        cur.fields.insert(key.clone(), v.trim().to_string());
        last = Some(key);
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// An installed package as dpkg records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Installed {
    name: String,
    version: String,
    arch: String,
    source: Option<(String, Option<String>)>,
    depends: Vec<Vec<String>>,
    provides: Vec<String>,
    maintainer: Option<String>,
    origin: Option<String>,
    homepage: Option<String>,
    file: String,
}

fn installed(file: &str, p: &Paragraph, status_required: bool) -> Result<Option<Installed>, SourceError> {
    let where_ = |what: &str| SourceError::new(file, format!("line {}: {what}", p.line));
    let Some(name) = p.get("package") else {
        return Err(where_("a paragraph without `Package`"));
    };
    match p.get("status") {
        // `want flag status`, e.g. `install ok installed` / `deinstall ok config-files`.
        Some(status) if status.split_whitespace().nth(2) != Some("installed") => return Ok(None),
        None if status_required => return Err(where_(&format!("package {name} has no `Status`"))),
        _ => {}
    }
    let version = p
        .get("version")
        .ok_or_else(|| where_(&format!("package {name} has no `Version`")))?;
    let arch = p.get("architecture").unwrap_or("all");
    let source = p.get("source").map(|s| match s.split_once('(') {
        Some((n, v)) => (n.trim().to_string(), Some(v.trim_end_matches(')').trim().to_string())),
        None => (s.trim().to_string(), None),
    });
    let mut depends = Vec::new();
    for field in ["pre-depends", "depends"] {
        if let Some(v) = p.get(field) {
            depends.extend(relation_names(v));
        }
    }
    let provides = p
        .get("provides")
        .map(|v| relation_names(v).into_iter().flatten().collect())
        .unwrap_or_default();
    Ok(Some(Installed {
        name: name.to_string(),
        version: version.to_string(),
        arch: arch.to_string(),
        source,
        depends,
        provides,
        maintainer: p.get("maintainer").map(str::to_string),
        origin: p.get("origin").map(str::to_string),
        homepage: p.get("homepage").map(str::to_string),
        file: file.to_string(),
    }))
}

/// `a (>= 1) | b:any, c` → `[[a, b], [c]]`.
fn relation_names(v: &str) -> Vec<Vec<String>> {
    v.split(',')
        .map(|clause| {
            clause
                .split('|')
                .filter_map(|alt| {
                    let name = alt
                        .trim()
                        .split(|c: char| c.is_whitespace() || c == '(' || c == '[')
                        .next()?;
                    let name = name.split(':').next()?.trim();
                    (!name.is_empty()).then(|| name.to_string())
                })
                .collect::<Vec<_>>()
        })
        .filter(|alts| !alts.is_empty())
        .collect()
}

/// Directory of the distroless-style per-package records.
pub const STATUS_D: &str = "/var/lib/dpkg/status.d";
/// The classic status file.
pub const STATUS: &str = "/var/lib/dpkg/status";
/// Where os-release lives (`/etc/os-release` is usually a symlink to it).
pub const OS_RELEASE: [&str; 2] = ["/usr/lib/os-release", "/etc/os-release"];

/// Whether a file in `status.d` is a package record (not `<pkg>.md5sums` or a hidden file).
pub fn is_status_record(file_name: &str) -> bool {
    !file_name.is_empty() && !file_name.starts_with('.') && !file_name.ends_with(".md5sums")
}

/// The dpkg database of an image: the `status` file and/or `status.d` records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DpkgDatabase {
    /// `(path, text)` of `/var/lib/dpkg/status`, when present.
    pub status: Option<(String, String)>,
    /// `(path, text)` of each `/var/lib/dpkg/status.d/*` record (not `*.md5sums`).
    pub status_d: Vec<(String, String)>,
    /// `/etc/os-release`, for the purl `distro` qualifier.
    pub os_release: Option<OsRelease>,
}

impl DpkgDatabase {
    /// The package's supplier: its `Maintainer` (Debian Policy 5.3 requires one in every
    /// binary package), else its `Origin`, else the distribution os-release names.
    fn supplier(&self, p: &Installed) -> String {
        if let Some(a) = p
            .maintainer
            .as_deref()
            .and_then(|m| supplier::parse_contacts(m).into_iter().next())
            .and_then(|c| supplier::contact_actor(&c))
        {
            return a;
        }
        if let Some(a) = p
            .origin
            .as_deref()
            .and_then(|o| supplier::actor(supplier::Kind::Organization, o, None))
        {
            return a;
        }
        let os = self.os_release.as_ref();
        let distro = os
            .map(|o| o.name.as_str())
            .filter(|n| !n.is_empty())
            .or_else(|| os.map(|o| o.id.as_str()).filter(|n| !n.is_empty()))
            .unwrap_or("Debian");
        supplier::registry(distro)
    }

    /// Whether nothing was found (an image without a dpkg database).
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.status_d.is_empty()
    }

    /// The installed packages, contained by `parent`, with their Depends edges.
    pub fn components(&self, parent: Parent) -> Result<ComponentSet, SourceError> {
        let mut pkgs = Vec::new();
        if let Some((file, text)) = &self.status {
            for p in paragraphs(file, text)? {
                pkgs.extend(installed(file, &p, true)?);
            }
        }
        for (file, text) in &self.status_d {
            for p in paragraphs(file, text)? {
                pkgs.extend(installed(file, &p, false)?);
            }
        }
        pkgs.sort_by(|a, b| (&a.name, &a.arch).cmp(&(&b.name, &b.arch)));
        pkgs.dedup_by(|a, b| a.name == b.name && a.arch == b.arch);

        let source = match (&self.status, self.status_d.is_empty()) {
            (Some((f, _)), true) => f.clone(),
            (None, false) => "/var/lib/dpkg/status.d".to_string(),
            _ => "/var/lib/dpkg/status + status.d".to_string(),
        };
        let mut set = ComponentSet::new(source, parent);
        let distro = self.os_release.as_ref().map(OsRelease::distro).unwrap_or_default();
        let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
        let mut providers: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, p) in pkgs.iter().enumerate() {
            by_name.entry(&p.name).or_insert(i);
            for v in &p.provides {
                providers.entry(v).or_insert(i);
            }
            let mut purl = Purl::new("deb", &p.name)
                .namespace("debian")
                .version(&p.version)
                .qualifier("arch", &p.arch)
                .qualifier("distro", &distro);
            if let Some((src, src_version)) = &p.source {
                if *src != p.name {
                    let upstream = match src_version {
                        Some(v) => format!("{src}@{v}"),
                        None => src.clone(),
                    };
                    purl = purl.qualifier("upstream", upstream);
                }
            }
            let mut c = Component::new(crate::Ecosystem::Deb, &p.name, &p.version);
            c.purl = Some(purl.to_string());
            c.purpose = Purpose::OperatingSystem;
            c.supplier = Some(self.supplier(p));
            c.homepage = p.homepage.clone();
            c.comment = Some(match &p.origin {
                Some(o) => format!("dpkg record {} (origin: {o}); dpkg keeps no license field", p.file),
                None => format!("dpkg record {}; dpkg keeps no license field", p.file),
            });
            set.components.push(c);
        }
        for (i, p) in pkgs.iter().enumerate() {
            for clause in &p.depends {
                let target = clause
                    .iter()
                    .find_map(|n| by_name.get(n.as_str()).or_else(|| providers.get(n.as_str())));
                if let Some(&j) = target {
                    set.depends_on.push((i, j));
                }
            }
        }
        set.tidy();
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: arm64\nMulti-Arch: same\nSource: glibc\nVersion: 2.41-12\nDepends: libgcc-s1\nDescription: GNU C Library\n .\n shared libraries\n\nPackage: libgcc-s1\nStatus: install ok installed\nArchitecture: arm64\nSource: gcc-14 (14.2.0-19)\nVersion: 14.2.0-19\nProvides: libgcc1 (= 1:14.2.0-19)\nDepends: gcc-14-base (= 14.2.0-19), libc6 (>= 2.35)\n\nPackage: old-tool\nStatus: deinstall ok config-files\nArchitecture: arm64\nVersion: 1.0\n\nPackage: python3\nStatus: install ok installed\nArchitecture: arm64\nVersion: 3.13.5-1\nDepends: libgcc1 | nothing, python3.13 (>= 3.13.5-1~), python3-minimal:any\n";

    #[test]
    fn reads_installed_packages_and_edges() {
        let db = DpkgDatabase {
            status: Some(("/var/lib/dpkg/status".into(), STATUS.into())),
            status_d: vec![],
            os_release: Some(OsRelease::parse(
                "ID=debian\nVERSION_ID=\"13\"\nVERSION_CODENAME=trixie\n",
            )),
        };
        let set = db.components(Parent::BaseImage).unwrap();
        let names: Vec<&str> = set.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["libc6", "libgcc-s1", "python3"],
            "config-files only packages are not installed"
        );
        assert_eq!(
            set.components[1].purl.as_deref(),
            Some("pkg:deb/debian/libgcc-s1@14.2.0-19?arch=arm64&distro=debian-13&upstream=gcc-14%4014.2.0-19")
        );
        assert_eq!(
            set.components[0].purl.as_deref(),
            Some("pkg:deb/debian/libc6@2.41-12?arch=arm64&distro=debian-13&upstream=glibc")
        );
        // libc6 -> libgcc-s1, libgcc-s1 -> libc6 (gcc-14-base is not installed), python3 -> libgcc-s1 via Provides
        assert_eq!(set.depends_on, vec![(0, 1), (1, 0), (2, 1)]);
    }

    #[test]
    fn reads_distroless_records_and_reports_bad_lines() {
        let db = DpkgDatabase {
            status: None,
            status_d: vec![
                (
                    "/var/lib/dpkg/status.d/tzdata".into(),
                    "Package: tzdata\nVersion: 2025b-4\nArchitecture: all\n".into(),
                ),
                (
                    "/var/lib/dpkg/status.d/base-files".into(),
                    "Package: base-files\nStatus: install ok installed\nVersion: 13.8\nArchitecture: arm64\n".into(),
                ),
            ],
            os_release: None,
        };
        let set = db.components(Parent::BaseImage).unwrap();
        assert_eq!(set.components.len(), 2);
        assert_eq!(set.source, "/var/lib/dpkg/status.d");
        assert_eq!(
            set.components[1].purl.as_deref(),
            Some("pkg:deb/debian/tzdata@2025b-4?arch=all")
        );

        let bad = DpkgDatabase {
            status: Some((
                "status".into(),
                "Package: a\nVersion: 1\nStatus: install ok installed\n\nno colon here\n".into(),
            )),
            ..Default::default()
        };
        let err = bad.components(Parent::BaseImage).unwrap_err();
        assert_eq!(err.file, "status");
        assert!(err.message.starts_with("line 5: expected `Field: value`"), "{err}");
        let no_status = DpkgDatabase {
            status: Some(("status".into(), "Package: a\nVersion: 1\n".into())),
            ..Default::default()
        };
        assert!(no_status
            .components(Parent::BaseImage)
            .unwrap_err()
            .message
            .contains("has no `Status`"));
    }

    /// Supplier: the record's `Maintainer` (team or person), else its `Origin`, else the
    /// distribution os-release names; real Maintainer lines of Debian 13 records.
    #[test]
    fn suppliers_from_maintainer_origin_or_distribution() {
        let text = "Package: libc6\nStatus: install ok installed\nVersion: 2.41-12\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n\n\
Package: base-files\nStatus: install ok installed\nVersion: 13.8\nMaintainer: Santiago Vila <sanvila@debian.org>\n\n\
Package: libssl3t64\nStatus: install ok installed\nVersion: 3.5.1-1\nMaintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>\n\n\
Package: vendored\nStatus: install ok installed\nVersion: 1\nOrigin: Example Corp\n\n\
Package: bare\nStatus: install ok installed\nVersion: 1\n";
        let mut db = DpkgDatabase {
            status: Some(("/var/lib/dpkg/status".into(), text.into())),
            status_d: vec![],
            os_release: Some(OsRelease::parse("PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n")),
        };
        let got = |db: &DpkgDatabase| -> Vec<(String, String)> {
            let set = db.components(Parent::BaseImage).unwrap();
            set.components.iter().map(|c| (c.name.clone(), c.supplier.clone().unwrap())).collect()
        };
        assert_eq!(
            got(&db),
            [
                ("bare".to_string(), "Organization: Debian GNU/Linux".to_string()),
                ("base-files".into(), "Person: Santiago Vila (sanvila@debian.org)".into()),
                ("libc6".into(), "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)".into()),
                (
                    "libssl3t64".into(),
                    "Organization: Debian OpenSSL Team (pkg-openssl-devel@alioth-lists.debian.net)".into()
                ),
                ("vendored".into(), "Organization: Example Corp".into()),
            ]
        );
        db.os_release = None;
        assert_eq!(got(&db)[0].1, "Organization: Debian", "no os-release: the purl namespace");
    }
}
