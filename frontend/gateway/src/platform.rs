//! Platforms as the gateway sees them: the `platform` option (a comma list),
//! `BUILDKIT_WORKERS` / `Pong.workers` platforms, and the normalized platform
//! ids (`linux/amd64`, `linux/arm/v7`) that key `refs`, `refs.platforms`,
//! `containerimage.config/<id>` and `attestations`.
//!
//! Normalization follows containerd's `platforms.Normalize`, so ids match the
//! ones BuildKit's exporters and provenance processor compute.

use std::fmt;
use std::str::FromStr;

use bollard_buildkit_proto::pb;
use serde::{Deserialize, Serialize};

/// A normalized `os/architecture[/variant]` platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Platform {
    /// Operating system, e.g. `linux`.
    pub os: String,
    /// Architecture, e.g. `arm64`.
    pub architecture: String,
    /// Variant, e.g. `v7`; `None` for an architecture's default variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// A platform string that is not `os/arch[/variant]` (or a bare arch).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid platform `{input}`: {reason} (expected e.g. `linux/amd64` or `linux/arm64`)")]
pub struct PlatformError {
    /// What was given.
    pub input: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

const KNOWN_OS: &[&str] = &["linux", "windows", "darwin", "freebsd"];

impl Platform {
    /// `linux/amd64`.
    pub fn linux_amd64() -> Self {
        Self::new("linux", "amd64", None)
    }

    /// `linux/arm64`.
    pub fn linux_arm64() -> Self {
        Self::new("linux", "arm64", None)
    }

    /// Builds a platform from parts and normalizes it.
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        let os = os.to_ascii_lowercase();
        let (architecture, variant) = normalize_arch(architecture, variant.unwrap_or(""));
        Self {
            os,
            architecture,
            variant,
        }
    }

    /// The platform of the machine running this binary (`linux/<arch>`).
    pub fn host() -> Self {
        Self::new(std::env::consts::OS, std::env::consts::ARCH, None)
    }

    /// Parses `os/arch[/variant]`; a bare architecture (`arm64`) means `linux/<arch>`,
    /// as containerd's parser does on Linux.
    pub fn parse(input: &str) -> Result<Self, PlatformError> {
        let bad = |reason| PlatformError {
            input: input.to_string(),
            reason,
        };
        let trimmed = input.trim();
        let parts: Vec<&str> = trimmed.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad("empty component"));
        }
        let valid = |p: &&str| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        };
        if !parts.iter().all(valid) {
            return Err(bad("only letters, digits, '_', '-' and '.' are allowed"));
        }
        match parts.as_slice() {
            [single] => {
                if KNOWN_OS.contains(&single.to_ascii_lowercase().as_str()) {
                    Err(bad("an operating system alone is not a platform"))
                } else {
                    Ok(Self::new("linux", single, None))
                }
            }
            [os, arch] | [os, arch, _] => {
                if !KNOWN_OS.contains(&os.to_ascii_lowercase().as_str()) {
                    return Err(bad("unknown operating system"));
                }
                Ok(Self::new(os, arch, parts.get(2).copied()))
            }
            _ => Err(bad("too many '/'-separated components")),
        }
    }

    /// Parses a comma-separated list (the `platform` option), dropping duplicates
    /// while keeping the first-seen order.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, PlatformError> {
        let mut out: Vec<Self> = Vec::new();
        for item in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let p = Self::parse(item)?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// The normalized id BuildKit uses as a `refs` key, e.g. `linux/arm/v7`.
    pub fn id(&self) -> String {
        self.to_string()
    }

    /// The wire form; an empty variant means the default variant.
    pub fn to_pb(&self) -> pb::Platform {
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone().unwrap_or_default(),
            os_version: String::new(),
            os_features: Vec::new(),
        }
    }

    /// From the wire form, normalized.
    pub fn from_pb(p: &pb::Platform) -> Self {
        Self::new(
            &p.os,
            &p.architecture,
            Some(p.variant.as_str()).filter(|v| !v.is_empty()),
        )
    }

    /// The OCI JSON form (`{"architecture":..,"os":..,"variant":..}`), as used in
    /// `refs.platforms` and image configs.
    pub fn to_oci_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("architecture".into(), self.architecture.clone().into());
        m.insert("os".into(), self.os.clone().into());
        if let Some(v) = &self.variant {
            m.insert("variant".into(), v.clone().into());
        }
        serde_json::Value::Object(m)
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, Option<String>) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    let keep = |v: &str| (!v.is_empty()).then(|| v.to_string());
    match arch.as_str() {
        "i386" | "i686" | "386" => ("386".into(), None),
        "x86_64" | "x86-64" | "amd64" => {
            let v = if variant == "v1" { "" } else { variant.as_str() };
            ("amd64".into(), keep(v))
        }
        "aarch64" | "arm64" => {
            let v = if variant == "8" || variant == "v8" {
                ""
            } else {
                variant.as_str()
            };
            ("arm64".into(), keep(v))
        }
        "armhf" => ("arm".into(), Some("v7".into())),
        "armel" => ("arm".into(), Some("v6".into())),
        "arm" => {
            let v = match variant.as_str() {
                "" | "7" | "v7" => "v7".to_string(),
                "5" | "6" | "8" => format!("v{variant}"),
                other => other.to_string(),
            };
            ("arm".into(), Some(v))
        }
        _ => (arch.clone(), keep(&variant)),
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
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
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
            ("linux/aarch64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("LINUX/AMD64", "linux/amd64"),
            ("arm64", "linux/arm64"),
            ("linux/amd64/v3", "linux/amd64/v3"),
        ];
        for (input, id) in cases {
            assert_eq!(Platform::parse(input).unwrap().id(), id, "{input}");
        }
    }

    #[test]
    fn rejects_bad_platforms() {
        for input in ["", "linux", "linux//amd64", "plan9/amd64", "linux/amd64/v1/x", "linux/am d64"] {
            let err = Platform::parse(input).unwrap_err();
            assert!(err.to_string().contains("invalid platform"), "{input}: {err}");
        }
    }

    #[test]
    fn list_keeps_order_and_drops_duplicates() {
        let list = Platform::parse_list("linux/arm64, linux/amd64,linux/aarch64").unwrap();
        let ids: Vec<String> = list.iter().map(Platform::id).collect();
        assert_eq!(ids, ["linux/arm64", "linux/amd64"]);
    }

    #[test]
    fn wire_and_oci_forms() {
        let p = Platform::parse("linux/arm/v7").unwrap();
        let wire = p.to_pb();
        assert_eq!((wire.os.as_str(), wire.architecture.as_str(), wire.variant.as_str()), ("linux", "arm", "v7"));
        assert_eq!(Platform::from_pb(&wire), p);
        assert_eq!(
            p.to_oci_json(),
            serde_json::json!({"architecture": "arm", "os": "linux", "variant": "v7"})
        );
        let amd = Platform::linux_amd64();
        assert_eq!(amd.to_pb().variant, "");
        assert_eq!(amd.to_oci_json(), serde_json::json!({"architecture": "amd64", "os": "linux"}));
    }
}
