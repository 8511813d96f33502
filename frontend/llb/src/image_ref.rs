//! Image references: parse what a user or catalog wrote (`alpine:3.19`,
//! `ghcr.io/org/app@sha256:...`) into a fully-qualified reference
//! (`docker.io/library/alpine:3.19`) the way Docker's reference library
//! normalizes it, with an optional pinned digest.

use std::fmt;
use std::str::FromStr;

use crate::digest::Digest;
use crate::error::{Error, Result};

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DOMAIN: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";

/// A normalized image reference: `domain/path[:tag][@sha256:...]`.
///
/// A reference with neither tag nor digest gets the tag `latest` (Docker's
/// `TagNameOnly`); a reference with only a digest keeps no tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl ImageRef {
    /// Parses and normalizes an image reference.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidImageRef {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(bad("empty reference"));
        }
        if input.len() > 255 + 72 {
            return Err(bad("reference is too long"));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((name, d)) => (
                name,
                Some(Digest::parse(d).map_err(|_| bad("digest must be sha256:<64 lowercase hex>"))?),
            ),
            None => (input, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if let Some(t) = tag {
            if !valid_tag(t) {
                return Err(bad("tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"));
            }
        }
        let (domain, path) = split_domain(name);
        if domain.is_empty() || path.is_empty() {
            return Err(bad("missing repository name"));
        }
        if !valid_domain(&domain) {
            return Err(bad("invalid registry host"));
        }
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(bad("repository name must be lowercase"));
        }
        if !path.split('/').all(valid_path_component) {
            return Err(bad(
                "each path component must be lowercase letters and digits separated by '.', '_', '__' or '-'",
            ));
        }
        if domain.len() + 1 + path.len() > 255 {
            return Err(bad("repository name is longer than 255 characters"));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(Self { domain, path, tag, digest })
    }

    /// The registry host (with port), e.g. `docker.io` or `127.0.0.1:5000`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path, e.g. `library/alpine`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `domain/path` without tag or digest.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The pinned digest, if any.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Whether the reference is pinned to a digest.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// The same reference pinned to `digest` (the tag is kept for readability;
    /// BuildKit resolves by digest).
    pub fn with_digest(&self, digest: Digest) -> Self {
        Self { digest: Some(digest), ..self.clone() }
    }

    /// The same reference without a digest (tag `latest` if it had none).
    pub fn without_digest(&self) -> Self {
        Self {
            digest: None,
            tag: Some(self.tag.clone().unwrap_or_else(|| "latest".to_string())),
            ..self.clone()
        }
    }
}

fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == LEGACY_DOMAIN {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !path.contains('/') && !path.is_empty() {
        path = format!("{OFFICIAL_PREFIX}{path}");
    }
    (domain, path)
}

fn valid_tag(t: &str) -> bool {
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => {}
        _ => return false,
    }
    t.len() <= 128 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

fn valid_domain(d: &str) -> bool {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || d.starts_with('[') => (h, Some(p)),
        _ => (d, None),
    };
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    if host.starts_with('[') && host.ends_with(']') {
        return host.len() > 2;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() {
        return false;
    }
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    let run = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && alnum(b[*i]) {
            *i += 1;
        }
        *i > s
    };
    if !run(&mut i) {
        return false;
    }
    while i < b.len() {
        let sep_start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == sep_start || !run(&mut i) {
            return false;
        }
    }
    true
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl FromStr for ImageRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl serde::Serialize for ImageRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ImageRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn normalizes_to_fully_qualified() {
        let cases = [
            ("alpine", "docker.io/library/alpine:latest"),
            ("alpine:3.19", "docker.io/library/alpine:3.19"),
            ("library/alpine", "docker.io/library/alpine:latest"),
            ("docker.io/alpine", "docker.io/library/alpine:latest"),
            ("index.docker.io/library/alpine:3", "docker.io/library/alpine:3"),
            ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
            ("ghcr.io/org/app:1.0", "ghcr.io/org/app:1.0"),
            ("localhost/app", "localhost/app:latest"),
            ("127.0.0.1:5000/patient-risk/bases/python-runtime:local", "127.0.0.1:5000/patient-risk/bases/python-runtime:local"),
            ("localhost:5000/a/b_c__d-e.f", "localhost:5000/a/b_c__d-e.f:latest"),
        ];
        for (input, want) in cases {
            assert_eq!(ImageRef::parse(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn digests_pin() {
        let r = ImageRef::parse(&format!("alpine@{D}")).unwrap();
        assert_eq!(r.to_string(), format!("docker.io/library/alpine@{D}"));
        assert_eq!(r.tag(), None);
        assert!(r.is_pinned());
        let tagged = ImageRef::parse("alpine:3.19").unwrap();
        let pinned = tagged.with_digest(Digest::parse(D).unwrap());
        assert_eq!(pinned.to_string(), format!("docker.io/library/alpine:3.19@{D}"));
        assert_eq!(ImageRef::parse(&pinned.to_string()).unwrap(), pinned);
        assert_eq!(pinned.without_digest(), tagged);
    }

    #[test]
    fn rejects_bad_refs() {
        for bad in [
            "",
            "Alpine",
            "alpine:",
            "alpine:-x",
            "alpine@sha256:abc",
            "ghcr.io/",
            "a//b",
            "a/-b",
            "a/b-",
            "host:port/x",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad} should fail");
        }
        let e = ImageRef::parse("docker.io/Org/App").unwrap_err();
        assert!(e.to_string().contains("lowercase"), "{e}");
    }

    #[test]
    fn uppercase_first_component_is_a_registry_host() {
        let r = ImageRef::parse("MyRegistry/app").unwrap();
        assert_eq!(r.domain(), "MyRegistry");
        assert_eq!(r.path(), "app");
    }
}
