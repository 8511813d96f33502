//! Target platforms (`linux/amd64`, `linux/arm64`, `linux/arm/v7`): parse,
//! normalize the way containerd does, display as the platform id BuildKit uses
//! for `refs` keys, and convert to the wire `pb::Platform`.

use std::fmt;
use std::str::FromStr;

use bollard_buildkit_proto::pb;

use crate::error::{Error, Result};

/// A normalized OCI platform: `os/architecture[/variant]`.
///
/// Normalization follows containerd's `platforms.Normalize`: `x86_64` → `amd64`,
/// `aarch64` → `arm64`, `arm64/v8` → `arm64` (the default variant is dropped),
/// `arm` → `arm/v7`, `armhf` → `arm/v7`, `armel` → `arm/v6`, `i386` → `386`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

impl Platform {
    /// `linux/amd64`.
    pub fn linux_amd64() -> Self {
        Self::from_parts("linux", "amd64", None)
    }

    /// `linux/arm64`.
    pub fn linux_arm64() -> Self {
        Self::from_parts("linux", "arm64", None)
    }

    /// Parses and normalizes `os/arch[/variant]`.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidPlatform {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = input.trim();
        let parts: Vec<&str> = trimmed.split('/').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(bad("needs two or three '/'-separated parts"));
        }
        for p in &parts {
            if p.is_empty() {
                return Err(bad("empty part"));
            }
            if !p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
            {
                return Err(bad("only letters, digits, '_', '-' and '.' are allowed"));
            }
        }
        let os = normalize_os(parts[0]);
        let (architecture, variant) = normalize_arch(parts[1], parts.get(2).copied().unwrap_or(""));
        if os != "linux" && os != "windows" && os != "darwin" && os != "freebsd" {
            return Err(bad("unknown os (linux, windows, darwin or freebsd)"));
        }
        Ok(Self::from_parts(&os, &architecture, variant.as_deref()))
    }

    /// Builds a platform from wire fields, normalizing them.
    pub fn from_pb(p: &pb::Platform) -> Result<Self> {
        let mut s = format!("{}/{}", p.os, p.architecture);
        if !p.variant.is_empty() {
            s.push('/');
            s.push_str(&p.variant);
        }
        Self::parse(&s)
    }

    fn from_parts(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        Self {
            os: os.to_string(),
            architecture: architecture.to_string(),
            variant: variant.filter(|v| !v.is_empty()).map(str::to_string),
        }
    }

    /// The operating system, e.g. `linux`.
    pub fn os(&self) -> &str {
        &self.os
    }

    /// The architecture, e.g. `arm64`.
    pub fn architecture(&self) -> &str {
        &self.architecture
    }

    /// The variant, e.g. `v7` for `linux/arm/v7`; `None` for the default variant.
    pub fn variant(&self) -> Option<&str> {
        self.variant.as_deref()
    }

    /// The wire form (`pb::Platform`), with an empty variant when it is the default.
    pub fn to_pb(&self) -> pb::Platform {
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone().unwrap_or_default(),
            os_version: String::new(),
            os_features: Vec::new(),
        }
    }
}

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, Option<String>) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    let v = |s: &str| Some(s.to_string());
    match arch.as_str() {
        "i386" | "386" => ("386".into(), None),
        "x86_64" | "x86-64" | "amd64" => {
            let var = if variant.is_empty() || variant == "v1" {
                None
            } else {
                v(&variant)
            };
            ("amd64".into(), var)
        }
        "aarch64" | "arm64" => {
            let var = if variant.is_empty() || variant == "8" || variant == "v8" {
                None
            } else {
                v(&variant)
            };
            ("arm64".into(), var)
        }
        "armhf" => ("arm".into(), v("v7")),
        "armel" => ("arm".into(), v("v6")),
        "arm" => {
            let var = match variant.as_str() {
                "" | "7" | "v7" => "v7".to_string(),
                "5" | "6" | "8" => format!("v{variant}"),
                other => other.to_string(),
            };
            ("arm".into(), Some(var))
        }
        _ => (arch, if variant.is_empty() { None } else { v(&variant) }),
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_containerd() {
        let cases = [
            ("linux/amd64", "linux/amd64"),
            ("linux/x86_64", "linux/amd64"),
            ("Linux/AMD64", "linux/amd64"),
            ("linux/arm64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64"),
            ("linux/aarch64", "linux/arm64"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("linux/i386", "linux/386"),
            ("linux/riscv64", "linux/riscv64"),
        ];
        for (input, want) in cases {
            assert_eq!(Platform::parse(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "linux", "linux/", "/amd64", "linux/amd64/v8/x", "plan9/amd64", "linux/am d64"] {
            let err = Platform::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidPlatform { .. }), "{bad}: {err}");
            assert!(err.to_string().contains("linux/amd64"), "error suggests a form: {err}");
        }
    }

    #[test]
    fn pb_round_trip_drops_default_variant() {
        let p = Platform::parse("linux/arm64/v8").unwrap();
        let wire = p.to_pb();
        assert_eq!(wire.architecture, "arm64");
        assert_eq!(wire.os, "linux");
        assert_eq!(wire.variant, "");
        assert_eq!(Platform::from_pb(&wire).unwrap(), p);
        let arm = Platform::parse("linux/arm/v7").unwrap().to_pb();
        assert_eq!(arm.variant, "v7");
    }

    #[test]
    fn serde_as_string() {
        let p: Platform = serde_json::from_str("\"linux/aarch64\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"linux/arm64\"");
    }
}
