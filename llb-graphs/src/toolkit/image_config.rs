//! OCI image config assembly (`containerimage.config`): starts from the base
//! image's config, sets os/architecture/variant for the target platform,
//! applies Env/User/ExposedPorts/WorkingDir/Entrypoint/Cmd/Healthcheck/Labels
//! and appends one history entry per step after the base's own history.
//! BuildKit's exporter replaces `rootfs` and reconciles history with layers.

use std::collections::BTreeMap;

use llb::image_config::{self as oci, Empty, History};
use llb::{rfc3339, Platform};

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
    doc: oci::ImageConfig,
    created: Option<String>,
}

const NS: i64 = 1_000_000_000;

/// Seconds → nanoseconds (Go's `time.Duration`), saturating.
fn nanos(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(NS)
}

impl ImageConfig {
    /// Starts from a base image's config for `platform`.
    pub(crate) fn from_base(
        base: &oci::ImageConfig,
        platform: &Platform,
        source_date_epoch: Option<i64>,
    ) -> Self {
        let mut doc = base.clone();
        doc.architecture = platform.architecture().to_string();
        doc.os = platform.os().to_string();
        doc.variant = platform.variant().map(str::to_string);
        doc.created = None;
        doc.drop_container_fields();
        Self {
            doc,
            created: source_date_epoch.map(rfc3339),
        }
    }

    /// Sets (or replaces) an env var.
    pub(crate) fn env(&mut self, key: &str, value: &str) {
        let list = self.doc.config.env.get_or_insert_with(Vec::new);
        let entry = format!("{key}={value}");
        let prefix = format!("{key}=");
        match list.iter_mut().find(|s| s.starts_with(&prefix)) {
            Some(slot) => *slot = entry,
            None => list.push(entry),
        }
    }

    /// `User`.
    pub(crate) fn user(&mut self, user: &str) {
        self.doc.config.user = Some(user.to_string());
    }

    /// `WorkingDir`.
    pub(crate) fn workdir(&mut self, dir: &str) {
        self.doc.config.working_dir = Some(dir.to_string());
    }

    /// `Entrypoint` (and clears an inherited `Cmd`, as Docker does).
    pub(crate) fn entrypoint(&mut self, argv: &[&str]) {
        self.doc.config.entrypoint = Some(argv.iter().map(|s| s.to_string()).collect());
        self.doc.config.cmd = None;
    }

    /// `Cmd`.
    pub(crate) fn cmd(&mut self, argv: &[&str]) {
        self.doc.config.cmd = Some(argv.iter().map(|s| s.to_string()).collect());
    }

    /// Adds `<port>/tcp` to `ExposedPorts`.
    pub(crate) fn expose(&mut self, port: u16) {
        self.doc
            .config
            .exposed_ports
            .get_or_insert_with(BTreeMap::new)
            .insert(format!("{port}/tcp"), Empty {});
    }

    /// Adds a path to `Volumes`.
    pub(crate) fn volume(&mut self, path: &str) {
        self.doc
            .config
            .volumes
            .get_or_insert_with(BTreeMap::new)
            .insert(path.to_string(), Empty {});
    }

    /// `Healthcheck`.
    pub(crate) fn healthcheck(&mut self, h: &Healthcheck) {
        self.doc.config.healthcheck = Some(oci::Healthcheck {
            test: Some(h.test.clone()),
            interval: Some(nanos(h.interval_s)),
            timeout: Some(nanos(h.timeout_s)),
            start_period: Some(nanos(h.start_period_s)),
            retries: Some(i64::from(h.retries)),
            extra: BTreeMap::new(),
        });
    }

    /// `StopSignal`.
    pub(crate) fn stop_signal(&mut self, signal: &str) {
        self.doc.config.stop_signal = Some(signal.to_string());
    }

    /// Sets a label (an empty value removes it).
    pub(crate) fn label(&mut self, key: &str, value: &str) {
        let map = self.doc.config.labels.get_or_insert_with(BTreeMap::new);
        if value.is_empty() {
            map.remove(key);
        } else {
            map.insert(key.to_string(), value.to_string());
        }
    }

    /// Appends a history entry for a step this frontend added.
    pub(crate) fn history(&mut self, created_by: &str, empty_layer: bool) {
        self.doc.history.push(History {
            created: self.created.clone(),
            created_by: Some(format!("{CREATED_BY_PREFIX} {created_by}")),
            comment: Some("llb-graphs".to_string()),
            empty_layer: empty_layer.then_some(true),
            extra: BTreeMap::new(),
        });
    }

    /// The finished config.
    pub(crate) fn finish(mut self) -> oci::ImageConfig {
        self.doc.created = self.created;
        self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_on_the_base_config() {
        let base = json!({
            "architecture": "amd64", "os": "linux", "created": "2020-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/bin", "LANG=C.UTF-8"], "Cmd": ["bash"], "Labels": {"base": "1"}},
            "history": [{"created_by": "base layer"}],
            "rootfs": {"type": "layers", "diff_ids": ["sha256:aa"]},
        });
        let base = oci::ImageConfig::from_json(base.to_string().as_bytes()).unwrap();
        let mut c = ImageConfig::from_base(&base, &Platform::linux_arm64(), Some(0));
        c.env("PATH", "/opt/bin:/usr/bin");
        c.env("APP", "x");
        c.user("10001:10001");
        c.expose(8080);
        c.entrypoint(&["/app"]);
        c.label("k", "v");
        c.history("copy app", false);
        c.history("set user", true);
        let v: serde_json::Value = serde_json::from_slice(&c.finish().to_json()).unwrap();
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
