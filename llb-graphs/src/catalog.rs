//! The base-image catalog (`bases/catalog.toml`, compiled in) and the one
//! switch graphs understand for choosing a base:
//!
//! 1. a named context `--build-context <name>=docker-image://REF` replaces one base;
//! 2. otherwise build arg `BASE_IMAGES=local` picks
//!    `<BASE_IMAGES_REGISTRY>/<name>:local` (default registry prefix
//!    `127.0.0.1:5000/patient-risk/bases`, pushed by `make bases`);
//! 3. otherwise (`BASE_IMAGES=upstream`, the default) the catalog's `upstream` ref.
//!
//! The frontend then resolves the chosen ref to a digest per platform and hands
//! the pinned refs back in [`crate::ResolvedBases`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use llb::{ImageRef, Platform};
use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};

/// The catalog file, compiled in so a graph never reads the build context to find its bases.
pub const CATALOG_TOML: &str = include_str!("../../bases/catalog.toml");

/// Build arg that selects upstream or local bases.
pub const BASE_IMAGES_ARG: &str = "BASE_IMAGES";
/// Build arg that moves the local bases' repository prefix.
pub const BASE_IMAGES_REGISTRY_ARG: &str = "BASE_IMAGES_REGISTRY";
/// Default of [`BASE_IMAGES_REGISTRY_ARG`].
pub const DEFAULT_LOCAL_REGISTRY_PREFIX: &str = "127.0.0.1:5000/patient-risk/bases";
/// Tag of the moving local bases.
pub const LOCAL_TAG: &str = "local";

/// The parsed catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Debian suite the local recipes build from.
    pub suite: String,
    /// Repository prefix of the local bases under the local registry.
    pub repository_prefix: String,
    /// The project's source URL (for `org.opencontainers.image.source`).
    pub source: String,
    /// Every base, by logical name.
    pub bases: BTreeMap<String, BaseEntry>,
}

/// One `[bases.<name>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseEntry {
    /// Logical name, e.g. `python-runtime`.
    pub name: String,
    /// One line: what the base is for.
    pub description: String,
    /// The project's real default image (used when `BASE_IMAGES=upstream`).
    pub upstream: ImageRef,
    /// Platforms the local stand-in is built for.
    pub platforms: Vec<Platform>,
    /// Directory of the local recipe.
    pub recipe: String,
}

/// The file as written (what [`source_json`] prints).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    suite: String,
    /// Debian mirror of the local recipes (read by `tools/engine/bases.py`).
    mirror: String,
    repository_prefix: String,
    source: String,
    bases: BTreeMap<String, RawBase>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawBase {
    description: String,
    upstream: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream_note: Option<String>,
    platforms: Vec<String>,
    recipe: String,
}

/// 1-based line of the first line of `text` that starts with `needle` (0 when absent).
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(needle))
        .map_or(0, |i| i + 1)
}

impl Catalog {
    /// Parses catalog text (the compiled-in file, or a test's own).
    pub fn parse(text: &str) -> Result<Self> {
        let raw = parse_raw(text)?;
        let mut bases = BTreeMap::new();
        for (name, b) in raw.bases {
            let table = format!("[bases.{name}]");
            let bad = |reason: String| GraphError::Catalog {
                line: line_of(text, &table),
                reason: format!("{table}: {reason}"),
            };
            let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid_name {
                return Err(bad(format!(
                    "base name '{name}' must be lowercase letters, digits and '-', starting with a letter or digit"
                )));
            }
            let mut upstream =
                ImageRef::parse(&b.upstream).map_err(|e| bad(format!("upstream: {e}")))?;
            match (&b.upstream_digest, &b.upstream_note) {
                (Some(d), _) => {
                    let digest =
                        llb::Digest::parse(d).map_err(|e| bad(format!("upstream_digest: {e}")))?;
                    upstream = upstream.with_digest(digest);
                }
                (None, Some(_)) => {}
                (None, None) => {
                    return Err(bad(
                        "give upstream_digest, or upstream_note saying why it is pinned by tag"
                            .into(),
                    ))
                }
            }
            let platforms = b
                .platforms
                .iter()
                .map(|p| Platform::parse(p).map_err(|e| bad(format!("platforms: {e}"))))
                .collect::<Result<Vec<_>>>()?;
            if platforms.is_empty() {
                return Err(bad("platforms must list at least one platform".into()));
            }
            bases.insert(
                name.clone(),
                BaseEntry {
                    name: name.clone(),
                    description: b.description,
                    upstream,
                    platforms,
                    recipe: b.recipe,
                },
            );
        }
        Ok(Self {
            suite: raw.suite,
            repository_prefix: raw.repository_prefix,
            source: raw.source,
            bases,
        })
    }

    /// One base by logical name.
    pub fn get(&self, name: &str) -> Result<&BaseEntry> {
        self.bases.get(name).ok_or_else(|| GraphError::UnknownBase {
            name: name.to_string(),
            known: self.bases.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    /// Which image a base resolves to, applying named contexts, `BASE_IMAGES`
    /// and `BASE_IMAGES_REGISTRY` (see the module docs).
    ///
    /// `named_contexts` maps a context name (without the `context:` prefix) to
    /// its value, e.g. `python-runtime` → `docker-image://127.0.0.1:5000/x:1`.
    pub fn base_ref(
        &self,
        name: &str,
        build_args: &BTreeMap<String, String>,
        named_contexts: &BTreeMap<String, String>,
    ) -> Result<ImageRef> {
        let entry = self.get(name)?;
        if let Some(value) = named_contexts.get(name) {
            let bad = || GraphError::InvalidNamedContext {
                name: name.to_string(),
                value: value.clone(),
            };
            let image = value.strip_prefix("docker-image://").ok_or_else(bad)?;
            return ImageRef::parse(image).map_err(|_| bad());
        }
        match build_args.get(BASE_IMAGES_ARG).map(String::as_str).unwrap_or("upstream") {
            "" | "upstream" => Ok(entry.upstream.clone()),
            "local" => {
                let prefix = build_args
                    .get(BASE_IMAGES_REGISTRY_ARG)
                    .map(|s| s.trim_end_matches('/'))
                    .filter(|s| !s.is_empty())
                    .unwrap_or(DEFAULT_LOCAL_REGISTRY_PREFIX);
                let text = format!("{prefix}/{name}:{LOCAL_TAG}");
                ImageRef::parse(&text).map_err(|e| GraphError::InvalidBuildArg {
                    name: BASE_IMAGES_REGISTRY_ARG.to_string(),
                    value: prefix.to_string(),
                    reason: format!("{text:?} is not an image reference ({e}); use e.g. 127.0.0.1:5000/patient-risk/bases"),
                })
            }
            other => Err(GraphError::InvalidBuildArg {
                name: BASE_IMAGES_ARG.to_string(),
                value: other.to_string(),
                reason: "use `upstream` (the catalog's default refs) or `local` (bases pushed by `make bases`)".to_string(),
            }),
        }
    }
}

fn parse_raw(text: &str) -> Result<RawCatalog> {
    toml::from_str(text).map_err(|e| GraphError::Catalog {
        line: 0,
        reason: e.to_string(),
    })
}

/// The catalog `text` as written, after the validation of [`Catalog::parse`]:
/// `{"suite", "mirror", "repository_prefix", "source", "bases": [{"name", <the
/// table's keys as written>}...]}`, bases in file order. What
/// `patient-risk-frontend catalog --json` prints for `tools/engine/bases.py`,
/// which hashes each table as written into its recipe hash.
pub fn source_json(text: &str) -> Result<serde_json::Value> {
    Catalog::parse(text)?;
    let raw = parse_raw(text)?;
    let mut names: Vec<&String> = raw.bases.keys().collect();
    names.sort_by_key(|n| line_of(text, &format!("[bases.{n}]")));
    let bases = names
        .into_iter()
        .map(|name| {
            let mut table = serde_json::to_value(&raw.bases[name])
                .expect("a catalog table serializes to JSON");
            table["name"] = serde_json::Value::from(name.as_str());
            table
        })
        .collect::<Vec<_>>();
    Ok(serde_json::json!({
        "suite": raw.suite,
        "mirror": raw.mirror,
        "repository_prefix": raw.repository_prefix,
        "source": raw.source,
        "bases": bases,
    }))
}

/// The compiled-in catalog. Its validity is checked by this crate's tests, so
/// a broken `bases/catalog.toml` fails `cargo test` rather than a build.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match Catalog::parse(CATALOG_TOML) {
        Ok(c) => c,
        Err(e) => panic!(
            "compiled-in bases/catalog.toml is invalid (cargo test -p llb-graphs shows it): {e}"
        ),
    })
}

/// [`Catalog::base_ref`] on the compiled-in catalog.
pub fn base_ref(
    name: &str,
    build_args: &BTreeMap<String, String>,
    named_contexts: &BTreeMap<String, String>,
) -> Result<ImageRef> {
    catalog().base_ref(name, build_args, named_contexts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn compiled_catalog_parses_and_has_every_base_the_graphs_use() {
        let c = Catalog::parse(CATALOG_TOML).unwrap();
        for name in [
            "static-runtime",
            "python-runtime",
            "nginx-runtime",
            "rust-builder",
            "go-builder",
            "node-builder",
            "python-builder",
        ] {
            let b = c.get(name).unwrap();
            assert!(!b.platforms.is_empty(), "{name}");
        }
        for runtime in ["static-runtime", "python-runtime", "nginx-runtime"] {
            let p = &c.get(runtime).unwrap().platforms;
            assert!(
                p.contains(&Platform::linux_amd64()) && p.contains(&Platform::linux_arm64()),
                "{runtime}: {p:?}"
            );
        }
    }

    #[test]
    fn upstream_is_the_default() {
        let r = base_ref("python-runtime", &args(&[]), &BTreeMap::new()).unwrap();
        assert_eq!(r, catalog().get("python-runtime").unwrap().upstream);
        let r = base_ref(
            "python-runtime",
            &args(&[("BASE_IMAGES", "upstream")]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(r.domain(), "docker.io");
    }

    #[test]
    fn local_uses_the_registry_prefix() {
        let r = base_ref(
            "go-builder",
            &args(&[("BASE_IMAGES", "local")]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            r.to_string(),
            "127.0.0.1:5000/patient-risk/bases/go-builder:local"
        );
        let r = base_ref(
            "go-builder",
            &args(&[
                ("BASE_IMAGES", "local"),
                ("BASE_IMAGES_REGISTRY", "registry.example:5000/mirror/"),
            ]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            r.to_string(),
            "registry.example:5000/mirror/go-builder:local"
        );
    }

    #[test]
    fn named_context_wins_over_base_images() {
        let ctx = args(&[(
            "nginx-runtime",
            "docker-image://127.0.0.1:5000/custom/nginx:7",
        )]);
        let r = base_ref("nginx-runtime", &args(&[("BASE_IMAGES", "local")]), &ctx).unwrap();
        assert_eq!(r.to_string(), "127.0.0.1:5000/custom/nginx:7");
        // Other bases are unaffected.
        let r = base_ref("go-builder", &args(&[("BASE_IMAGES", "local")]), &ctx).unwrap();
        assert_eq!(r.tag(), Some("local"));
    }

    #[test]
    fn bad_inputs_name_the_fix() {
        let e = base_ref(
            "go-builder",
            &args(&[("BASE_IMAGES", "lokal")]),
            &BTreeMap::new(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("BASE_IMAGES") && e.to_string().contains("`local`"),
            "{e}"
        );
        let e = base_ref("ruby-builder", &args(&[]), &BTreeMap::new()).unwrap_err();
        assert!(
            e.to_string().contains("go-builder"),
            "lists known names: {e}"
        );
        let ctx = args(&[("go-builder", "local:somedir")]);
        let e = base_ref("go-builder", &args(&[]), &ctx).unwrap_err();
        assert!(e.to_string().contains("docker-image://"), "{e}");
    }

    #[test]
    fn catalog_errors_name_the_table() {
        let text = "suite='trixie'\nmirror='m'\nrepository_prefix='p'\nsource='s'\n[bases.x]\ndescription='d'\nupstream='a:1'\nplatforms=['linux/amd64']\nrecipe='r'\n";
        let e = Catalog::parse(text).unwrap_err().to_string();
        assert!(
            e.contains("bases/catalog.toml:5: [bases.x]") && e.contains("upstream_note"),
            "{e}"
        );
        let noted = text.replace("recipe='r'", "recipe='r'\nupstream_note='n'");
        assert!(Catalog::parse(&noted).is_ok());
        let e = Catalog::parse(&noted.replace("'linux/amd64'", "'linux/sparc/x/y'"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("platforms"), "{e}");
        let e = Catalog::parse(&noted.replace("[bases.x]", "[bases.X_y]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("base name 'X_y'"), "{e}");
    }

    #[test]
    fn source_json_is_the_file_as_written_in_file_order() {
        let j = source_json(CATALOG_TOML).unwrap();
        let raw: toml::Table = toml::from_str(CATALOG_TOML).unwrap();
        for key in ["suite", "mirror", "repository_prefix", "source"] {
            assert_eq!(j[key].as_str(), raw[key].as_str(), "{key}");
        }
        let tables = raw["bases"].as_table().unwrap();
        let names: Vec<&str> = j["bases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap())
            .collect();
        let mut by_line = names.clone();
        by_line.sort_by_key(|n| CATALOG_TOML.find(&format!("[bases.{n}]")).unwrap());
        assert_eq!(names, by_line, "file order");
        assert_eq!(names.len(), tables.len());
        for b in j["bases"].as_array().unwrap() {
            let name = b["name"].as_str().unwrap();
            let mut as_written = serde_json::to_value(&tables[name]).unwrap();
            as_written["name"] = name.into();
            assert_eq!(b, &as_written, "{name}");
        }
    }

    #[test]
    fn source_json_validates_like_parse() {
        let broken = CATALOG_TOML.replacen("platforms = [\"linux/amd64\"]", "platforms = []", 1);
        let e = source_json(&broken).unwrap_err().to_string();
        assert!(e.contains("platforms must list at least one platform"), "{e}");
        assert!(e.starts_with("bases/catalog.toml:"), "{e}");
    }
}
