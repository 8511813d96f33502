//! Target platforms (`linux/amd64`, `linux/arm64`, `linux/arm/v7`): the one
//! parser of the frontend. The `--platform` of `plan`, the gateway's
//! `platform` option, `BUILDKIT_WORKERS` and the base catalog all go through
//! [`Platform::parse`], so a value that builds also plans.
//!
//! The semantics follow containerd's `platforms.Parse` + `Normalize` (what
//! buildx and BuildKit use to compute the ids that key `refs`,
//! `refs.platforms` and `containerimage.config/<id>`):
//!
//! | input | platform |
//! |---|---|
//! | `arm64`, `amd64`, `riscv64`, ... (a bare, known architecture) | `linux/<arch>` |
//! | `x86_64`, `x86-64` | `amd64` (`v1` is the default variant and dropped) |
//! | `aarch64` | `arm64` (`8`, `v8`, `v8.0` dropped; `9`, `9.0`, `v9.0` → `v9`) |
//! | `i386` | `386` |
//! | `arm`, `arm/7` | `arm/v7`; `arm/5`, `arm/6`, `arm/8` → `arm/v5`... |
//! | `armhf` / `armel` | `arm/v7` / `arm/v6` |
//! | `macos/...` | `darwin/...` |
//!
//! Two deliberate differences, both refusals with a fix in the message: an
//! operating system alone (`linux`) is refused, because containerd would fill
//! in the architecture of the machine the frontend happens to run on; and the
//! operating system must be one of `linux`, `windows`, `darwin`, `freebsd`
//! (containerd takes any word, so `linx/amd64` would be a platform nobody
//! builds). Like containerd, `i686` is not an alias: a bare `i686` is refused
//! with `386` as the fix.

use std::fmt;
use std::str::FromStr;

use bollard_buildkit_proto::pb;

use crate::error::{Error, Result};

/// Operating systems a platform may name.
pub const KNOWN_OS: &[&str] = &["linux", "windows", "darwin", "freebsd"];

/// Architectures a bare architecture may name (containerd's list, from Go's
/// `syslist.go`), after normalization.
pub const KNOWN_ARCH: &[&str] = &[
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips", "mipsle",
    "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64",
    "wasm",
];

/// A normalized OCI platform: `os/architecture[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

impl Platform {
    /// `linux/amd64`.
    pub fn linux_amd64() -> Self {
        Self::normalized("linux", "amd64", "")
    }

    /// `linux/arm64`.
    pub fn linux_arm64() -> Self {
        Self::normalized("linux", "arm64", "")
    }

    /// The platform of the machine running this binary (`linux/<arch>`).
    pub fn host() -> Self {
        Self::normalized(std::env::consts::OS, std::env::consts::ARCH, "")
    }

    /// Parses and normalizes `os/arch[/variant]` or a bare architecture
    /// (`arm64` → `linux/arm64`); see the module docs for the table.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |reason: String| Error::InvalidPlatform {
            input: input.to_string(),
            reason,
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty".into()));
        }
        let parts: Vec<&str> = trimmed.split('/').collect();
        if parts.len() > 3 {
            return Err(bad(format!(
                "{} '/'-separated parts, at most three (os/arch/variant) are allowed",
                parts.len()
            )));
        }
        for p in &parts {
            if p.is_empty() {
                return Err(bad("a part between '/' is empty".into()));
            }
            if let Some(c) = p
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '.'))
            {
                return Err(bad(format!(
                    "{c:?} is not allowed (only letters, digits, '_', '-' and '.')"
                )));
            }
        }
        match parts.as_slice() {
            [single] => {
                let os = normalize_os(single);
                if KNOWN_OS.contains(&os.as_str()) {
                    return Err(bad(format!(
                        "an operating system alone is not a platform: add the architecture, e.g. `{os}/amd64` or `{os}/arm64`"
                    )));
                }
                let p = Self::normalized("linux", single, "");
                if !KNOWN_ARCH.contains(&p.architecture.as_str()) {
                    let fix = if single.eq_ignore_ascii_case("i686") {
                        "write `386` (or `linux/386`)".to_string()
                    } else {
                        "write os/arch, e.g. `linux/amd64`, or a known architecture such as `amd64`, `arm64` or `arm`"
                            .to_string()
                    };
                    return Err(bad(format!("`{single}` is not a known architecture: {fix}")));
                }
                Ok(p)
            }
            [os, arch, rest @ ..] => {
                let os_n = normalize_os(os);
                if !KNOWN_OS.contains(&os_n.as_str()) {
                    return Err(bad(format!(
                        "unknown operating system `{os}`: use one of {}, e.g. `linux/{arch}`",
                        KNOWN_OS.join(", ")
                    )));
                }
                Ok(Self::normalized(&os_n, arch, rest.first().copied().unwrap_or("")))
            }
            [] => Err(bad("it is empty".into())),
        }
    }

    /// Parses a comma-separated list (the gateway's `platform` option),
    /// dropping duplicates (after normalization) while keeping the first-seen
    /// order; empty items are skipped.
    pub fn parse_list(input: &str) -> Result<Vec<Self>> {
        let mut out: Vec<Self> = Vec::new();
        for item in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let p = Self::parse(item)?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// From the wire form (`pb::Platform`, e.g. `Pong.workers`), normalized;
    /// refused like [`Platform::parse`] refuses `os/arch/variant`.
    pub fn from_pb(p: &pb::Platform) -> Result<Self> {
        let mut s = format!("{}/{}", p.os, p.architecture);
        if !p.variant.is_empty() {
            s.push('/');
            s.push_str(&p.variant);
        }
        Self::parse(&s)
    }

    fn normalized(os: &str, architecture: &str, variant: &str) -> Self {
        let (architecture, variant) = normalize_arch(architecture, variant);
        Self {
            os: normalize_os(os),
            architecture,
            variant,
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

    /// The normalized id BuildKit uses as a `refs` key, e.g. `linux/arm/v7`
    /// (the same text as `Display`).
    pub fn id(&self) -> String {
        self.to_string()
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

    /// The OCI JSON form (`{"architecture":..,"os":..,"variant"?:..}`), as
    /// used in `refs.platforms` and image configs.
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
    let (arch, variant): (&str, String) = match arch.as_str() {
        "i386" => ("386", String::new()),
        "x86_64" | "x86-64" | "amd64" => ("amd64", if variant == "v1" { String::new() } else { variant }),
        "aarch64" | "arm64" => (
            "arm64",
            match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            },
        ),
        "armhf" => ("arm", "v7".into()),
        "armel" => ("arm", "v6".into()),
        "arm" => (
            "arm",
            match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            },
        ),
        other => (other, variant),
    };
    (arch.to_string(), (!variant.is_empty()).then_some(variant))
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

    /// The normalization table of the module docs, row by row (containerd's
    /// `Parse` + `Normalize` + `Format` give the same ids for these inputs).
    #[test]
    fn normalizes_like_containerd() {
        let cases = [
            ("linux/amd64", "linux/amd64"),
            ("linux/x86_64", "linux/amd64"),
            ("linux/x86-64", "linux/amd64"),
            ("linux/amd64/v1", "linux/amd64"),
            ("linux/amd64/v3", "linux/amd64/v3"),
            ("Linux/AMD64", "linux/amd64"),
            (" linux/arm64 ", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64"),
            ("linux/arm64/8", "linux/arm64"),
            ("linux/arm64/v8.0", "linux/arm64"),
            ("linux/arm64/9", "linux/arm64/v9"),
            ("linux/arm64/v9.0", "linux/arm64/v9"),
            ("linux/aarch64", "linux/arm64"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/7", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("linux/arm/5", "linux/arm/v5"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/armel", "linux/arm/v6"),
            ("linux/i386", "linux/386"),
            ("linux/riscv64", "linux/riscv64"),
            ("macos/arm64", "darwin/arm64"),
            ("windows/amd64", "windows/amd64"),
            // a bare, known architecture means linux/<arch>
            ("arm64", "linux/arm64"),
            ("aarch64", "linux/arm64"),
            ("x86_64", "linux/amd64"),
            ("amd64", "linux/amd64"),
            ("i386", "linux/386"),
            ("386", "linux/386"),
            ("arm", "linux/arm/v7"),
            ("armhf", "linux/arm/v7"),
            ("s390x", "linux/s390x"),
        ];
        for (input, want) in cases {
            let p = Platform::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.id(), want, "{input}");
            assert_eq!(Platform::parse(&p.id()).unwrap(), p, "{input}: the id parses to itself");
        }
    }

    /// Each refusal names the bad value and says what to write instead.
    #[test]
    fn refusals_name_the_value_and_the_fix() {
        let cases = [
            ("", "empty"),
            ("linux", "add the architecture, e.g. `linux/amd64`"),
            ("macos", "e.g. `darwin/amd64`"),
            ("i686", "write `386`"),
            ("amd46", "`amd46` is not a known architecture"),
            ("linux/", "empty"),
            ("/amd64", "empty"),
            ("linux//amd64", "empty"),
            ("linux/amd64/v8/x", "at most three"),
            ("plan9/amd64", "unknown operating system `plan9`: use one of linux, windows, darwin, freebsd, e.g. `linux/amd64`"),
            ("linx/arm64", "e.g. `linux/arm64`"),
            ("linux/am d64", "' ' is not allowed"),
        ];
        for (input, fix) in cases {
            let err = Platform::parse(input).unwrap_err();
            assert!(matches!(err, Error::InvalidPlatform { .. }), "{input}: {err}");
            let msg = err.to_string();
            assert!(msg.contains(&format!("{input:?}")), "the message names the value: {msg}");
            assert!(msg.contains(fix), "{input}: {msg} lacks {fix:?}");
        }
    }

    #[test]
    fn list_keeps_order_and_drops_duplicates() {
        let list = Platform::parse_list("linux/arm64, linux/amd64,,linux/aarch64,arm64").unwrap();
        let ids: Vec<String> = list.iter().map(Platform::id).collect();
        assert_eq!(ids, ["linux/arm64", "linux/amd64"]);
        let err = Platform::parse_list("linux/amd64,linux").unwrap_err();
        assert!(err.to_string().contains("\"linux\""), "{err}");
    }

    #[test]
    fn pb_round_trip_drops_default_variant() {
        let p = Platform::parse("linux/arm64/v8").unwrap();
        let wire = p.to_pb();
        assert_eq!(wire.architecture, "arm64");
        assert_eq!(wire.os, "linux");
        assert_eq!(wire.variant, "");
        assert_eq!(Platform::from_pb(&wire).unwrap(), p);
        let arm = Platform::parse("linux/arm/v7").unwrap();
        assert_eq!(arm.to_pb().variant, "v7");
        assert_eq!(Platform::from_pb(&arm.to_pb()).unwrap(), arm);
        let worker = pb::Platform { os: "linux".into(), architecture: "aarch64".into(), variant: "v8".into(), ..Default::default() };
        assert_eq!(Platform::from_pb(&worker).unwrap(), Platform::linux_arm64());
    }

    #[test]
    fn oci_json_form() {
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().to_oci_json(),
            serde_json::json!({"architecture": "arm", "os": "linux", "variant": "v7"})
        );
        assert_eq!(Platform::linux_amd64().to_oci_json(), serde_json::json!({"architecture": "amd64", "os": "linux"}));
    }

    #[test]
    fn host_is_normalized() {
        let h = Platform::host();
        assert_eq!(Platform::parse(&h.id()).unwrap(), h);
    }

    #[test]
    fn serde_as_string() {
        let p: Platform = serde_json::from_str("\"linux/aarch64\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"linux/arm64\"");
    }
}
