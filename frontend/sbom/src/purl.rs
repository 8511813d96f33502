//! Package URLs (<https://github.com/package-url/purl-spec>):
//! `pkg:<type>/<namespace>/<name>@<version>?<qualifiers>`, each part
//! percent-encoded, qualifiers sorted by key.

use std::collections::BTreeMap;

/// A package URL under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    ty: &'static str,
    namespace: Vec<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
}

impl Purl {
    /// `pkg:<ty>/<name>`.
    pub fn new(ty: &'static str, name: impl Into<String>) -> Self {
        Self {
            ty,
            namespace: Vec::new(),
            name: name.into(),
            version: None,
            qualifiers: BTreeMap::new(),
        }
    }

    /// Adds namespace segments (`debian`, `@scope`, `github.com/org`); each `/`-separated segment is encoded on its own.
    pub fn namespace(mut self, ns: &str) -> Self {
        self.namespace
            .extend(ns.split('/').filter(|s| !s.is_empty()).map(str::to_string));
        self
    }

    /// `@<version>`.
    pub fn version(mut self, v: impl Into<String>) -> Self {
        let v = v.into();
        if !v.is_empty() {
            self.version = Some(v);
        }
        self
    }

    /// A qualifier (ignored when the value is empty).
    pub fn qualifier(mut self, key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.is_empty() {
            self.qualifiers.insert(key.to_string(), value);
        }
        self
    }
}

impl std::fmt::Display for Purl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        for seg in &self.namespace {
            write!(f, "{}/", encode(seg))?;
        }
        write!(f, "{}", encode(&self.name))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v))?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            write!(f, "{}{k}={}", if i == 0 { '?' } else { '&' }, encode_qualifier(v))?;
        }
        Ok(())
    }
}

fn encode_with(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(s: &str) -> String {
    encode_with(s, &[])
}

/// Qualifier values may keep `/` and `:` (e.g. `repository_url=127.0.0.1:5000/a/b`).
fn encode_qualifier(s: &str) -> String {
    encode_with(s, b"/:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_ecosystem() {
        let deb = Purl::new("deb", "libc6")
            .namespace("debian")
            .version("2.41-12+deb13u1")
            .qualifier("distro", "debian-13")
            .qualifier("arch", "arm64");
        assert_eq!(
            deb.to_string(),
            "pkg:deb/debian/libc6@2.41-12%2Bdeb13u1?arch=arm64&distro=debian-13"
        );
        let epoch = Purl::new("deb", "libgcc-s1").namespace("debian").version("1:14.2.0-19");
        assert_eq!(epoch.to_string(), "pkg:deb/debian/libgcc-s1@1%3A14.2.0-19");
        let npm = Purl::new("npm", "router").namespace("@remix-run").version("1.0.0");
        assert_eq!(npm.to_string(), "pkg:npm/%40remix-run/router@1.0.0");
        let go = Purl::new("golang", "controller-runtime")
            .namespace("sigs.k8s.io")
            .version("v0.21.0");
        assert_eq!(go.to_string(), "pkg:golang/sigs.k8s.io/controller-runtime@v0.21.0");
        let oci = Purl::new("oci", "python-runtime")
            .version("sha256:abcd")
            .qualifier("repository_url", "127.0.0.1:5000/patient-risk/bases/python-runtime")
            .qualifier("arch", "");
        assert_eq!(
            oci.to_string(),
            "pkg:oci/python-runtime@sha256%3Aabcd?repository_url=127.0.0.1:5000/patient-risk/bases/python-runtime"
        );
        assert_eq!(Purl::new("pypi", "fastapi").version("").to_string(), "pkg:pypi/fastapi");
    }
}
