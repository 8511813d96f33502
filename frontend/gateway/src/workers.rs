//! The daemon's workers (`BUILDKIT_WORKERS` JSON, or `Pong.workers`): the
//! first platform of the first worker is the default *build* platform.

use std::collections::BTreeMap;

use bollard_buildkit_proto::moby::buildkit::v1::types::WorkerRecord;
use bollard_buildkit_proto::pb;
use llb::Platform;
use serde::Deserialize;

use crate::options::keys::ENV_WORKERS;

/// One worker and the platforms it can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    /// Worker id.
    pub id: String,
    /// Worker labels (`org.mobyproject.buildkit.worker.*`).
    pub labels: BTreeMap<String, String>,
    /// Platforms, the native one first (those [`Platform::from_pb`] refuses,
    /// e.g. an operating system the frontend does not build for, are left out).
    pub platforms: Vec<Platform>,
}

#[derive(Deserialize)]
struct WorkerJson {
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Platforms", default)]
    platforms: Option<Vec<PlatformJson>>,
}

#[derive(Deserialize)]
struct PlatformJson {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: String,
}

/// `BUILDKIT_WORKERS` is not the JSON BuildKit writes.
#[derive(Debug, thiserror::Error)]
#[error("invalid {ENV_WORKERS} JSON: {0}")]
pub struct WorkersError(#[from] serde_json::Error);

/// Parses the `BUILDKIT_WORKERS` value: `[{"ID":..,"Labels":{..},"Platforms":[{"architecture","os","variant"?}]}]`.
pub fn parse_workers(json: &str) -> Result<Vec<WorkerInfo>, WorkersError> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let raw: Option<Vec<WorkerJson>> = serde_json::from_str(json)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|w| WorkerInfo {
            id: w.id,
            labels: w.labels.unwrap_or_default(),
            platforms: w
                .platforms
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| {
                    Platform::from_pb(&pb::Platform {
                        os: p.os,
                        architecture: p.architecture,
                        variant: p.variant,
                        ..Default::default()
                    })
                    .ok()
                })
                .collect(),
        })
        .collect())
}

/// Reads `BUILDKIT_WORKERS` from the environment (empty when unset).
pub fn workers_from_env() -> Result<Vec<WorkerInfo>, WorkersError> {
    parse_workers(&std::env::var(ENV_WORKERS).unwrap_or_default())
}

/// Converts `Pong.workers`.
pub fn workers_from_pong(records: &[WorkerRecord]) -> Vec<WorkerInfo> {
    records
        .iter()
        .map(|w| WorkerInfo {
            id: w.id.clone(),
            labels: w.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            platforms: w.platforms.iter().filter_map(|p| Platform::from_pb(p).ok()).collect(),
        })
        .collect()
}

/// The default build platform: the first platform of the first worker that has one,
/// else the platform this binary runs on.
pub fn build_platform(workers: &[WorkerInfo]) -> Platform {
    workers
        .iter()
        .find_map(|w| w.platforms.first().cloned())
        .unwrap_or_else(Platform::host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_buildkit_workers_json() {
        let json = r#"[{"ID":"abc","Labels":{"org.mobyproject.buildkit.worker.executor":"containerd"},
            "Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm64","os":"linux","variant":"v8"},
                         {"architecture":"arm","os":"linux","variant":"v7"}]}]"#;
        let workers = parse_workers(json).unwrap();
        assert_eq!(workers.len(), 1);
        assert_eq!(workers[0].id, "abc");
        assert_eq!(workers[0].labels["org.mobyproject.buildkit.worker.executor"], "containerd");
        let ids: Vec<String> = workers[0].platforms.iter().map(Platform::id).collect();
        assert_eq!(ids, ["linux/amd64", "linux/arm64", "linux/arm/v7"]);
        assert_eq!(build_platform(&workers).id(), "linux/amd64");
    }

    #[test]
    fn null_fields_and_empty_input() {
        assert!(parse_workers("").unwrap().is_empty());
        assert!(parse_workers("null").unwrap().is_empty());
        let w = parse_workers(r#"[{"ID":"x","Labels":null,"Platforms":null},{"ID":"y","Platforms":[{"architecture":"arm64","os":"linux"}]}]"#)
            .unwrap();
        assert!(w[0].platforms.is_empty());
        assert_eq!(build_platform(&w).id(), "linux/arm64");
        assert_eq!(build_platform(&[]), Platform::host());
        assert!(parse_workers("{").is_err());
    }

    #[test]
    fn converts_pong_workers() {
        let rec = WorkerRecord {
            id: "w1".into(),
            platforms: vec![Platform::linux_arm64().to_pb()],
            ..Default::default()
        };
        let w = workers_from_pong(&[rec]);
        assert_eq!(w[0].platforms, vec![Platform::linux_arm64()]);
    }
}
