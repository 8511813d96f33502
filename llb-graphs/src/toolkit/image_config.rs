//! OCI image config assembly (`containerimage.config`): starts from the base
//! image's config, sets os/architecture/variant for the target platform,
//! applies Env/User/ExposedPorts/WorkingDir/Entrypoint/Cmd/Healthcheck/Labels
//! and appends one history entry per step after the base's own history.
//! BuildKit's exporter replaces `rootfs` and reconciles history with layers.

use llb::Platform;
use serde_json::{json, Map, Value};

/// Label prefix for the runtime contract (reverse DNS of the project's home).
pub const LABEL_PREFIX: &str = "io.github.tirosh-chain.patient-risk";

/// What `created_by` starts with in the history entries this frontend adds.
pub(crate) const CREATED_BY_PREFIX: &str = "patient-risk-frontend:";

/// A HEALTHCHECK (durations in seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Healthcheck {
    pub(crate) test: Vec<String>,
    pub(crate) interval_s: u64,
    pub(crate) timeout_s: u64,
    pub(crate) start_period_s: u64,
    pub(crate) retries: u32,
}

/// An image config being assembled.
#[derive(Debug, Clone)]
pub(crate) struct ImageConfig {
    doc: Map<String, Value>,
    history: Vec<Value>,
    created: Option<String>,
}

const NS: u64 = 1_000_000_000;

impl ImageConfig {
    /// Starts from a base image's config for `platform`.
    pub(crate) fn from_base(
        base: &Value,
        platform: &Platform,
        source_date_epoch: Option<i64>,
    ) -> Self {
        let mut doc = base.as_object().cloned().unwrap_or_default();
        let history = match doc.remove("history") {
            Some(Value::Array(h)) => h,
            _ => Vec::new(),
        };
        doc.insert("architecture".into(), platform.architecture().into());
        doc.insert("os".into(), platform.os().into());
        match platform.variant() {
            Some(v) => doc.insert("variant".into(), v.into()),
            None => doc.remove("variant"),
        };
        doc.remove("created");
        doc.remove("container");
        doc.remove("container_config");
        doc.remove("docker_version");
        if !doc.get("config").is_some_and(Value::is_object) {
            doc.insert("config".into(), json!({}));
        }
        Self {
            doc,
            history,
            created: source_date_epoch.map(rfc3339),
        }
    }

    fn config(&mut self) -> &mut Map<String, Value> {
        self.doc
            .get_mut("config")
            .and_then(Value::as_object_mut)
            .expect("config is an object (from_base)")
    }

    /// Sets (or replaces) an env var.
    pub(crate) fn env(&mut self, key: &str, value: &str) {
        let cfg = self.config();
        let env = cfg.entry("Env").or_insert_with(|| json!([]));
        if !env.is_array() {
            *env = json!([]);
        }
        let list = env.as_array_mut().expect("array");
        let entry = format!("{key}={value}");
        let prefix = format!("{key}=");
        match list
            .iter_mut()
            .find(|v| v.as_str().is_some_and(|s| s.starts_with(&prefix)))
        {
            Some(slot) => *slot = entry.into(),
            None => list.push(entry.into()),
        }
    }

    /// `User`.
    pub(crate) fn user(&mut self, user: &str) {
        self.config().insert("User".into(), user.into());
    }

    /// `WorkingDir`.
    pub(crate) fn workdir(&mut self, dir: &str) {
        self.config().insert("WorkingDir".into(), dir.into());
    }

    /// `Entrypoint` (and clears an inherited `Cmd`, as Docker does).
    pub(crate) fn entrypoint(&mut self, argv: &[&str]) {
        let cfg = self.config();
        cfg.insert("Entrypoint".into(), json!(argv));
        cfg.remove("Cmd");
    }

    /// `Cmd`.
    pub(crate) fn cmd(&mut self, argv: &[&str]) {
        self.config().insert("Cmd".into(), json!(argv));
    }

    /// Adds `<port>/tcp` to `ExposedPorts`.
    pub(crate) fn expose(&mut self, port: u16) {
        let cfg = self.config();
        let ports = cfg.entry("ExposedPorts").or_insert_with(|| json!({}));
        if let Some(p) = ports.as_object_mut() {
            p.insert(format!("{port}/tcp"), json!({}));
        }
    }

    /// Adds a path to `Volumes`.
    pub(crate) fn volume(&mut self, path: &str) {
        let cfg = self.config();
        let vols = cfg.entry("Volumes").or_insert_with(|| json!({}));
        if let Some(v) = vols.as_object_mut() {
            v.insert(path.to_string(), json!({}));
        }
    }

    /// `Healthcheck`.
    pub(crate) fn healthcheck(&mut self, h: &Healthcheck) {
        self.config().insert(
            "Healthcheck".into(),
            json!({
                "Test": h.test,
                "Interval": h.interval_s * NS,
                "Timeout": h.timeout_s * NS,
                "StartPeriod": h.start_period_s * NS,
                "Retries": h.retries,
            }),
        );
    }

    /// `StopSignal`.
    pub(crate) fn stop_signal(&mut self, signal: &str) {
        self.config().insert("StopSignal".into(), signal.into());
    }

    /// Sets a label (an empty value removes it).
    pub(crate) fn label(&mut self, key: &str, value: &str) {
        let cfg = self.config();
        let labels = cfg.entry("Labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        let map = labels.as_object_mut().expect("object");
        if value.is_empty() {
            map.remove(key);
        } else {
            map.insert(key.to_string(), value.into());
        }
    }

    /// Appends a history entry for a step this frontend added.
    pub(crate) fn history(&mut self, created_by: &str, empty_layer: bool) {
        let mut h = Map::new();
        if let Some(c) = &self.created {
            h.insert("created".into(), c.clone().into());
        }
        h.insert(
            "created_by".into(),
            format!("{CREATED_BY_PREFIX} {created_by}").into(),
        );
        h.insert("comment".into(), "llb-graphs".into());
        if empty_layer {
            h.insert("empty_layer".into(), true.into());
        }
        self.history.push(Value::Object(h));
    }

    /// The finished config.
    pub(crate) fn finish(mut self) -> Value {
        if let Some(c) = &self.created {
            self.doc.insert("created".into(), c.clone().into());
        }
        self.doc
            .insert("history".into(), Value::Array(self.history));
        self.doc
            .entry("rootfs")
            .or_insert_with(|| json!({"type": "layers", "diff_ids": []}));
        Value::Object(self.doc)
    }
}

/// Unix seconds → RFC 3339 UTC (`1970-01-01T00:00:00Z`), without a clock or a date crate.
pub(crate) fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-from-civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
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
    fn builds_on_the_base_config() {
        let base = json!({
            "architecture": "amd64", "os": "linux", "created": "2020-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/bin", "LANG=C.UTF-8"], "Cmd": ["bash"], "Labels": {"base": "1"}},
            "history": [{"created_by": "base layer"}],
            "rootfs": {"type": "layers", "diff_ids": ["sha256:aa"]},
        });
        let mut c = ImageConfig::from_base(&base, &Platform::linux_arm64(), Some(0));
        c.env("PATH", "/opt/bin:/usr/bin");
        c.env("APP", "x");
        c.user("10001:10001");
        c.expose(8080);
        c.entrypoint(&["/app"]);
        c.label("k", "v");
        c.history("copy app", false);
        c.history("set user", true);
        let v = c.finish();
        assert_eq!(v["architecture"], "arm64");
        assert_eq!(v["created"], "1970-01-01T00:00:00Z");
        assert_eq!(
            v["config"]["Env"],
            json!(["PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8", "APP=x"])
        );
        assert!(
            v["config"].get("Cmd").is_none(),
            "entrypoint clears inherited Cmd"
        );
        assert_eq!(v["config"]["ExposedPorts"], json!({"8080/tcp": {}}));
        assert_eq!(v["config"]["Labels"], json!({"base": "1", "k": "v"}));
        let h = v["history"].as_array().unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[0]["created_by"], "base layer");
        assert_eq!(h[2]["empty_layer"], true);
        assert_eq!(v["rootfs"]["diff_ids"], json!(["sha256:aa"]));
    }
}
