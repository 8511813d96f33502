//! Python distributions from installed `*.dist-info/METADATA` files (core
//! metadata, RFC 822 headers up to the first blank line).
//!
//! License: `License-Expression` (metadata 2.4) when valid; else `License`
//! when it is an SPDX expression; else a `License ::` classifier that names
//! exactly one license unambiguously; else NOASSERTION with what was
//! declared as a comment. `Requires-Dist` entries become DEPENDS_ON edges to
//! installed distributions; an entry guarded by `extra == "x"` counts only
//! when an installed distribution asks for that extra (`psycopg[binary]`).

use std::collections::{BTreeMap, BTreeSet};

use crate::license::License;
use crate::model::{Component, ComponentSet, Ecosystem, Parent, SourceError};
use crate::purl::Purl;
use crate::supplier;

/// The header fields of one METADATA file (names lower-cased, repeated fields kept in order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    fields: Vec<(String, String)>,
}

impl CoreMetadata {
    /// Parses the header block of a METADATA file.
    pub fn parse(file: &str, text: &str) -> Result<Self, SourceError> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                break;
            }
            if line.starts_with(' ') || line.starts_with('\t') {
                match fields.last_mut() {
                    Some((_, v)) => {
                        v.push('\n');
                        v.push_str(line.trim_start().trim_start_matches('|'));
                    }
                    None => {
                        return Err(SourceError::new(
                            file,
                            format!("line {}: continuation line before any field", i + 1),
                        ))
                    }
                }
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                return Err(SourceError::new(
                    file,
                    format!(
                        "line {}: expected `Field: value`, got {:?}",
                        i + 1,
                        line.chars().take(60).collect::<String>()
                    ),
                ));
            };
            fields.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let md = Self { fields };
        for required in ["name", "version"] {
            if md.get(required).is_none() {
                return Err(SourceError::new(
                    file,
                    format!("no `{}` field (is this a METADATA file?)", capitalized(required)),
                ));
            }
        }
        Ok(md)
    }

    /// The first value of `key` (lower-case).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    /// Every value of `key`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `Name`.
    pub fn name(&self) -> &str {
        self.get("name").unwrap_or_default()
    }

    /// `Version`.
    pub fn version(&self) -> &str {
        self.get("version").unwrap_or_default()
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// PEP 503 normalized name: lower case, runs of `-`, `_`, `.` as one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// `License ::` classifiers that name exactly one SPDX license.
const CLASSIFIERS: &[(&str, &str)] = &[
    ("License :: OSI Approved :: MIT License", "MIT"),
    ("License :: OSI Approved :: MIT No Attribution License (MIT-0)", "MIT-0"),
    ("License :: OSI Approved :: ISC License (ISCL)", "ISC"),
    (
        "License :: OSI Approved :: Python Software Foundation License",
        "PSF-2.0",
    ),
    (
        "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
        "MPL-2.0",
    ),
    ("License :: OSI Approved :: The Unlicense (Unlicense)", "Unlicense"),
    ("License :: OSI Approved :: Zero-Clause BSD (0BSD)", "0BSD"),
    (
        "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)",
        "BSL-1.0",
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
        "LGPL-3.0-only",
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
        "GPL-3.0-only",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
        "GPL-3.0-or-later",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        "GPL-2.0-only",
    ),
    (
        "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
        "CC0-1.0",
    ),
];

fn declared_license(md: &CoreMetadata, c: &mut Component) {
    if let Some(expr) = md.get("license-expression") {
        c.declared_license(expr);
        return;
    }
    if let Some(text) = md.get("license") {
        if let Some(l) = License::parse(text) {
            c.license = l;
            return;
        }
    }
    let classifiers: Vec<&str> = md.all("classifier").filter(|v| v.starts_with("License ::")).collect();
    let mapped: BTreeSet<&str> = classifiers
        .iter()
        .filter_map(|cl| CLASSIFIERS.iter().find(|(k, _)| k == cl).map(|(_, id)| *id))
        .collect();
    if mapped.len() == 1 && classifiers.len() == 1 {
        c.license = License::Spdx(mapped.into_iter().next().unwrap_or_default().to_string());
        return;
    }
    let mut said: Vec<String> = Vec::new();
    if let Some(text) = md.get("license") {
        said.push(format!(
            "License: {}",
            text.lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(120)
                .collect::<String>()
        ));
    }
    said.extend(classifiers.iter().map(|s| s.to_string()));
    if !said.is_empty() {
        c.license_comment = Some(format!(
            "declared license (not an SPDX expression): {}",
            said.join("; ")
        ));
    }
}

/// The supplier from core metadata: the first author (`Author`, with the address from
/// `Author-email`, or the first entry of `Author-email`), else the first maintainer
/// (`Maintainer` / `Maintainer-email`), else the owner of the project's source URL
/// (`Project-URL` labelled Source/Repository/Code/Homepage, then `Home-page`), else the PyPI
/// project (`pypi.org/project/<normalized name>`).
pub fn supplier_of(md: &CoreMetadata) -> String {
    for (name_field, email_field) in [("author", "author-email"), ("maintainer", "maintainer-email")] {
        // Old setuptools wrote `UNKNOWN` for what was not declared.
        let declared = |f: &str| md.get(f).filter(|v| !v.trim().eq_ignore_ascii_case("unknown"));
        let names = declared(name_field).map(supplier::parse_contacts).unwrap_or_default();
        let emails = declared(email_field).map(supplier::parse_contacts).unwrap_or_default();
        let contact = match (names.into_iter().next(), emails.into_iter().next()) {
            // `Author: Jane` + `Author-email: jane@x`.
            (Some(mut n), Some(e)) if n.email.is_none() && e.name.is_empty() => {
                n.email = e.email;
                Some(n)
            }
            (Some(n), _) => Some(n),
            (None, e) => e,
        };
        if let Some(a) = contact.as_ref().and_then(supplier::contact_actor) {
            return a;
        }
    }
    let labelled = |wanted: &[&str]| {
        md.all("project-url").find_map(|v| {
            let (label, url) = v.split_once(',')?;
            wanted
                .contains(&normalize_name(label).as_str())
                .then(|| url.trim().to_string())
        })
    };
    let urls = [
        labelled(&["source", "source-code", "repository", "code"]),
        labelled(&["homepage", "home"]),
        md.get("home-page").map(str::to_string),
    ];
    if let Some(owner) = urls.iter().flatten().find_map(|u| supplier::source_owner(u)) {
        return owner;
    }
    supplier::registry(&format!("pypi.org/project/{}", normalize_name(md.name())))
}

/// A `Requires-Dist` entry: normalized name, requested extras, the extra it is guarded by.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    name: String,
    extras: Vec<String>,
    only_for_extra: Option<String>,
}

fn requirement(value: &str) -> Option<Requirement> {
    let (spec, marker) = match value.split_once(';') {
        Some((s, m)) => (s, Some(m)),
        None => (value, None),
    };
    let spec = spec.trim();
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = normalize_name(&spec[..end]);
    if name.is_empty() {
        return None;
    }
    let rest = spec[end..].trim_start();
    let extras = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((list, _)) => list.split(',').map(normalize_name).filter(|e| !e.is_empty()).collect(),
        None => Vec::new(),
    };
    let only_for_extra = marker.and_then(extra_of_marker);
    Some(Requirement {
        name,
        extras,
        only_for_extra,
    })
}

/// `extra == "binary"` (either quote, any spacing) in a marker.
fn extra_of_marker(marker: &str) -> Option<String> {
    let at = marker.find("extra")?;
    let rest = marker[at + "extra".len()..]
        .trim_start()
        .strip_prefix("==")?
        .trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = rest[1..].split(quote).next()?;
    Some(normalize_name(value))
}

/// One installed distribution: the METADATA path and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistInfo {
    /// Path of the METADATA file in the image.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// The distributions of a site-packages tree.
pub fn site_packages(source: &str, dists: &[DistInfo], parent: Parent) -> Result<ComponentSet, SourceError> {
    let mut parsed: Vec<(CoreMetadata, &DistInfo)> = Vec::new();
    for d in dists {
        parsed.push((CoreMetadata::parse(&d.path, &d.text)?, d));
    }
    parsed.sort_by_key(|a| normalize_name(a.0.name()));
    let mut set = ComponentSet::new(source, parent);
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut requirements: Vec<Vec<Requirement>> = Vec::new();
    for (md, d) in &parsed {
        let key = normalize_name(md.name());
        if index.contains_key(&key) {
            return Err(SourceError::new(
                &d.path,
                format!("distribution `{}` is installed twice", md.name()),
            ));
        }
        let mut c = Component::new(Ecosystem::PyPi, md.name(), md.version());
        c.purl = Some(Purl::new("pypi", &key).version(md.version()).to_string());
        declared_license(md, &mut c);
        c.supplier = Some(supplier_of(md));
        c.homepage = md.get("home-page").map(str::to_string).or_else(|| {
            md.all("project-url").find_map(|v| {
                let (label, url) = v.split_once(',')?;
                matches!(
                    normalize_name(label).as_str(),
                    "homepage" | "home" | "source" | "repository"
                )
                .then(|| url.trim().to_string())
            })
        });
        c.comment = Some(format!("installed: {}", d.path));
        index.insert(key, set.components.len());
        set.components.push(c);
        requirements.push(md.all("requires-dist").filter_map(requirement).collect());
    }
    // Which extras of each distribution some installed distribution asks for.
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for reqs in &requirements {
        for r in reqs.iter().filter(|r| r.only_for_extra.is_none()) {
            for e in &r.extras {
                wanted.entry(r.name.as_str()).or_default().insert(e.as_str());
            }
        }
    }
    let names: Vec<String> = parsed.iter().map(|(md, _)| normalize_name(md.name())).collect();
    for (i, reqs) in requirements.iter().enumerate() {
        for r in reqs {
            let active = match &r.only_for_extra {
                None => true,
                Some(extra) => wanted
                    .get(names[i].as_str())
                    .is_some_and(|w| w.contains(extra.as_str())),
            };
            if let (true, Some(&j)) = (active, index.get(&r.name)) {
                set.depends_on.push((i, j));
            }
        }
    }
    set.tidy();
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(name: &str, text: &str) -> DistInfo {
        DistInfo {
            path: format!("/site-packages/{name}.dist-info/METADATA"),
            text: text.to_string(),
        }
    }

    #[test]
    fn licenses_from_expression_field_or_classifier() {
        let set = site_packages(
            "site-packages",
            &[
                dist(
                    "a",
                    "Metadata-Version: 2.4\nName: A_Pkg\nVersion: 1\nLicense-Expression: mit\n",
                ),
                dist(
                    "b",
                    "Name: b\nVersion: 2\nLicense: BSD\nClassifier: License :: OSI Approved :: BSD License\n",
                ),
                dist(
                    "c",
                    "Name: c\nVersion: 3\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n",
                ),
                dist(
                    "d",
                    "Name: d\nVersion: 4\nLicense: Copyright (c) d\n        |Permission is granted\n\nbody: x\n",
                ),
            ],
            Parent::Image,
        )
        .unwrap();
        let lic: Vec<&str> = set.components.iter().map(|c| c.license.as_str()).collect();
        assert_eq!(lic, ["MIT", "NOASSERTION", "MIT", "NOASSERTION"]);
        assert_eq!(set.components[0].purl.as_deref(), Some("pkg:pypi/a-pkg@1"));
        assert!(set.components[1]
            .license_comment
            .as_deref()
            .unwrap()
            .contains("License: BSD; License :: OSI Approved :: BSD License"));
        assert!(set.components[3]
            .license_comment
            .as_deref()
            .unwrap()
            .contains("Copyright (c) d"));
    }

    #[test]
    fn edges_follow_installed_requirements_and_requested_extras() {
        let set = site_packages(
            "site-packages",
            &[
                dist("app", "Name: app\nVersion: 1\nRequires-Dist: psycopg[binary]>=3.2\nRequires-Dist: missing\nRequires-Dist: pytest; extra == 'test'\n"),
                dist("psycopg", "Name: psycopg\nVersion: 3\nRequires-Dist: psycopg-binary==3; implementation_name != \"pypy\" and extra == \"binary\"\nRequires-Dist: psycopg-c==3; extra == \"c\"\n"),
                dist("psycopg_binary", "Name: psycopg-binary\nVersion: 3\n"),
                dist("psycopg_c", "Name: psycopg_c\nVersion: 3\n"),
                dist("pytest", "Name: pytest\nVersion: 9\n"),
            ],
            Parent::Image,
        )
        .unwrap();
        let edge = |a: &str, b: &str| set.depends_on.contains(&(set.find(a).unwrap(), set.find(b).unwrap()));
        assert!(edge("app", "psycopg"));
        assert!(edge("psycopg", "psycopg-binary"), "the [binary] extra is requested");
        assert!(!edge("psycopg", "psycopg_c"), "nobody asks for [c]");
        assert!(!edge("app", "pytest"), "the [test] extra is not requested");
        assert_eq!(set.depends_on.len(), 2);
    }

    #[test]
    fn errors_name_the_file() {
        let err = site_packages("sp", &[dist("x", "Version: 1\n")], Parent::Image).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/site-packages/x.dist-info/METADATA: no `Name` field (is this a METADATA file?)"
        );
        let twice = site_packages(
            "sp",
            &[dist("x", "Name: X\nVersion: 1\n"), dist("y", "Name: x\nVersion: 2\n")],
            Parent::Image,
        );
        assert!(twice.unwrap_err().message.contains("installed twice"));
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_name("Typing_Extensions"), "typing-extensions");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("a__b--c"), "a-b-c");
    }

    /// Supplier: first author (Author + Author-email, or the first Author-email entry), else
    /// the first maintainer, else the owner of the source URL, else the PyPI project page.
    #[test]
    fn suppliers_from_core_metadata() {
        let md = |t: &str| CoreMetadata::parse("METADATA", t).unwrap();
        let cases = [
            ("Name: h11\nVersion: 1\nHome-page: https://github.com/python-hyper/h11\nAuthor: Nathaniel J. Smith\nAuthor-email: njs@pobox.com\n",
             "Person: Nathaniel J. Smith (njs@pobox.com)"),
            ("Name: pydantic\nVersion: 2\nAuthor-email: Samuel Colvin <s@muelcolvin.com>, Eric Jolibois <em.jolibois@gmail.com>\n",
             "Person: Samuel Colvin (s@muelcolvin.com)"),
            ("Name: typing_extensions\nVersion: 4\nAuthor-email: \"Guido van Rossum, Jukka Lehtosalo\" <levkivskyi@gmail.com>\n",
             "Person: Guido van Rossum, Jukka Lehtosalo (levkivskyi@gmail.com)"),
            ("Name: opentelemetry-api\nVersion: 1\nAuthor-email: OpenTelemetry Authors <cncf-opentelemetry-contributors@lists.cncf.io>\n",
             "Organization: OpenTelemetry Authors (cncf-opentelemetry-contributors@lists.cncf.io)"),
            ("Name: click\nVersion: 8\nMaintainer-email: Pallets <contact@palletsprojects.com>\nProject-URL: Source, https://github.com/pallets/click/\n",
             "Organization: Pallets (contact@palletsprojects.com)"),
            ("Name: x\nVersion: 1\nProject-URL: Documentation, https://x.readthedocs.io/\nProject-URL: Source, https://github.com/owner/x\n",
             "Organization: github.com/owner"),
            ("Name: y\nVersion: 1\nHome-page: https://www.sqlalchemy.org\n", "Organization: sqlalchemy.org"),
            ("Name: Zope.Interface\nVersion: 1\nAuthor: UNKNOWN\nAuthor-email: UNKNOWN\n", "Organization: pypi.org/project/zope-interface"),
            ("Name: Nothing_Declared\nVersion: 1\n", "Organization: pypi.org/project/nothing-declared"),
        ];
        for (text, want) in cases {
            assert_eq!(supplier_of(&md(text)), want, "{text}");
        }
    }
}
