//! The OCI image config (image-spec `config.json`, what BuildKit's exporter
//! takes as `containerimage.config` and `ResolveImageConfig` returns), typed.
//!
//! The fields the frontend reads or writes are typed; every other field of a
//! base image's config (top level, `config`, `history` entries, `rootfs`,
//! `Healthcheck`) is kept as it came in `extra`, so a config read from a base
//! and written back loses nothing. An explicit JSON `null` in a typed field
//! reads as absent (moby treats both alike).
//!
//! [`ImageConfig::to_json`] writes canonical JSON: compact, object keys sorted
//! at every level. The image digest is a hash over these bytes, so they must
//! not depend on field declaration order or on serde_json features.
//!
//! Why not the `oci-spec` crate: its `Config` has no `Healthcheck`, keeps no
//! unknown fields and holds `Labels`/`ExposedPorts` in `HashMap`s.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Fields of a base config that describe the container it was committed from
/// (Docker's legacy builder) and never belong to a derived image.
const CONTAINER_FIELDS: [&str; 3] = ["container", "container_config", "docker_version"];

/// The whole image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// RFC 3339 creation time ([`rfc3339`]); absent without `SOURCE_DATE_EPOCH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// GOARCH-style architecture (`amd64`, `arm64`).
    #[serde(default)]
    pub architecture: String,
    /// `linux`.
    #[serde(default)]
    pub os: String,
    /// CPU variant (`v8`), when the platform has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The runtime config (`config`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub config: RunConfig,
    /// Layer diff ids (the exporter fills them in).
    #[serde(default, deserialize_with = "null_as_default")]
    pub rootfs: RootFs,
    /// One entry per step, the base's first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub history: Vec<History>,
    /// Every other top-level field, as it came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The `config` object: what a container of the image runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfig {
    /// `uid[:gid]` or a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `NAME=value` entries, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    /// `ENTRYPOINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `CMD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `WORKDIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `port/proto` → `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, Empty>>,
    /// path → `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, Empty>>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// `STOPSIGNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// `HEALTHCHECK` (a Docker extension of the OCI config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// Every other field (`ArgsEscaped`, `OnBuild`, `Shell`, ...), as it came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The `{}` value of Go's `map[string]struct{}` (`ExposedPorts`, `Volumes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// `Healthcheck`: durations in nanoseconds, as Go's `time.Duration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", cmd]` or `["NONE"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Vec<String>>,
    /// Between checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// One check's limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Grace period after start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<i64>,
    /// Failures before unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// Every other field (`StartInterval`), as it came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One `history` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The step made no layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_layer: Option<bool>,
    /// Every other field (`author`), as it came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `rootfs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    /// `layers`.
    #[serde(rename = "type", default = "layers")]
    pub kind: String,
    /// Layer diff ids, bottom first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub diff_ids: Vec<String>,
    /// Every other field, as it came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

fn layers() -> String {
    "layers".to_string()
}

impl Default for RootFs {
    fn default() -> Self {
        Self {
            kind: layers(),
            diff_ids: Vec::new(),
            extra: BTreeMap::new(),
        }
    }
}

fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ImageConfig {
    /// Parses a config as `ResolveImageConfig` returns it.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| Error::InvalidImageConfig {
            reason: e.to_string(),
        })
    }

    /// Canonical JSON: compact, object keys sorted at every level (the bytes
    /// the exporter takes; the image digest hashes them).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_value()).expect("a JSON value serializes")
    }

    /// The config as a JSON value, object keys sorted at every level (for
    /// readable dumps: `serde_json::to_string_pretty(&cfg.to_value())`).
    pub fn to_value(&self) -> Value {
        sorted(serde_json::to_value(self).expect("an image config serializes to JSON"))
    }

    /// Drops what describes the container a base was committed from
    /// (`container`, `container_config`, `docker_version`).
    pub fn drop_container_fields(&mut self) {
        for k in CONTAINER_FIELDS {
            self.extra.remove(k);
        }
    }

    /// An env var's value (`NAME=value` in `Env`), if set.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.config
            .env
            .iter()
            .flatten()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }

    /// A label's value (empty when unset).
    pub fn label(&self, key: &str) -> &str {
        self.config
            .labels
            .as_ref()
            .and_then(|l| l.get(key))
            .map_or("", String::as_str)
    }
}

/// `value` with every object's keys in sorted order (independent of whether
/// serde_json's `preserve_order` is enabled somewhere in the build).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted(v)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Unix seconds → RFC 3339 UTC with whole seconds (`1970-01-01T00:00:00Z`),
/// without a clock or a date crate: the one formatter of image `created`
/// times, history entries, the `org.opencontainers.image.created` label and
/// SPDX `created`.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_764_288_000), "2025-11-28T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn unknown_fields_survive_a_round_trip_in_sorted_canonical_form() {
        // A Docker-built base config: fields the frontend does not type stay as they came.
        let text = br#"{"os":"linux","architecture":"amd64","author":"x","os.version":"1",
            "config":{"Env":["A=1"],"OnBuild":null,"ArgsEscaped":true,
                      "Healthcheck":{"Test":["NONE"],"StartInterval":5}},
            "history":[{"created_by":"base","author":"y","empty_layer":false}],
            "rootfs":{"type":"layers","diff_ids":["sha256:aa"]}}"#;
        let cfg = ImageConfig::from_json(text).unwrap();
        assert_eq!(cfg.config.env.as_deref(), Some(&["A=1".to_string()][..]));
        let out = String::from_utf8(cfg.to_json()).unwrap();
        assert_eq!(
            out,
            r#"{"architecture":"amd64","author":"x","config":{"ArgsEscaped":true,"Env":["A=1"],"Healthcheck":{"StartInterval":5,"Test":["NONE"]},"OnBuild":null},"history":[{"author":"y","created_by":"base","empty_layer":false}],"os":"linux","os.version":"1","rootfs":{"diff_ids":["sha256:aa"],"type":"layers"}}"#
        );
    }

    #[test]
    fn missing_and_null_parts_read_as_empty() {
        let cfg = ImageConfig::from_json(br#"{"config":null,"history":null}"#).unwrap();
        assert_eq!(cfg.config, RunConfig::default());
        assert!(cfg.history.is_empty());
        assert_eq!(
            String::from_utf8(cfg.to_json()).unwrap(),
            r#"{"architecture":"","config":{},"history":[],"os":"","rootfs":{"diff_ids":[],"type":"layers"}}"#
        );
    }

    #[test]
    fn a_config_of_the_wrong_shape_is_an_error_naming_the_field() {
        let err = ImageConfig::from_json(br#"{"config":{"Env":"PATH=/bin"}}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
