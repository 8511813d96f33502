//! [`Client`]: the LLBBridge calls a frontend makes, each gated on the caps
//! `Ping` reported.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bollard_buildkit_proto::fsutil::types::Stat;
use bollard_buildkit_proto::moby::buildkit::v1::frontend::{
    self as fpb, llb_bridge_client::LlbBridgeClient,
};
use bollard_buildkit_proto::pb;
use llb::{Digest, ImageRef, Platform};
use tonic::transport::Channel;

use crate::caps::{api, Caps};
use crate::error::{FrontendError, GatewayError};
use crate::options::keys::{ENV_EXPORTED_PRODUCT, ENV_SESSION_ID};
use crate::options::{CacheImport, ResolveMode};
use crate::result::{FrontendResult, RefId};
use crate::source::{SourceFile, SourceRange};
use crate::transport::{self, MAX_DECODE_BYTES, MAX_ENCODE_BYTES, PING_TIMEOUT};
use crate::workers::{self, WorkerInfo};

/// A `Solve` call.
#[derive(Debug, Clone, Default)]
pub struct SolveRequest {
    /// The LLB definition to solve.
    pub definition: Option<pb::Definition>,
    /// Build now instead of lazily (errors surface at this call).
    pub evaluate: bool,
    /// Caches to import (from the `cache-imports` option).
    pub cache_imports: Vec<CacheImport>,
}

impl SolveRequest {
    /// Solves `definition`.
    pub fn new(definition: pb::Definition) -> Self {
        Self {
            definition: Some(definition),
            ..Self::default()
        }
    }

    /// Builds eagerly.
    pub fn evaluate(mut self, yes: bool) -> Self {
        self.evaluate = yes;
        self
    }

    /// Imports these caches.
    pub fn cache_imports(mut self, imports: &[CacheImport]) -> Self {
        self.cache_imports = imports.to_vec();
        self
    }
}

/// A file's metadata (`fsutil.types.Stat`). `mode` carries Go `os.FileMode`
/// bits, not POSIX `st_mode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    /// Path relative to the ref root.
    pub path: String,
    /// Go `os.FileMode` bits.
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Size in bytes.
    pub size: i64,
    /// Modification time, ns since the epoch.
    pub mod_time: i64,
    /// Symlink target.
    pub linkname: String,
}

const GO_MODE_DIR: u32 = 1 << 31;
const GO_MODE_SYMLINK: u32 = 1 << 27;

impl FileStat {
    fn from_pb(s: Stat) -> Self {
        Self {
            path: s.path,
            mode: s.mode,
            uid: s.uid,
            gid: s.gid,
            size: s.size,
            mod_time: s.mod_time,
            linkname: s.linkname,
        }
    }

    /// A directory.
    pub fn is_dir(&self) -> bool {
        self.mode & GO_MODE_DIR != 0
    }

    /// A symlink.
    pub fn is_symlink(&self) -> bool {
        self.mode & GO_MODE_SYMLINK != 0
    }

    /// Permission bits.
    pub fn permissions(&self) -> u32 {
        self.mode & 0o777
    }

    /// Decodes the `.fsutil-metadata` file ([`FSUTIL_METADATA_FILE`]) that a
    /// metadata-only local transfer (`local.metadatatransfer`, BuildKit > v0.13)
    /// writes at the root of its snapshot: one `fsutil.types.Stat` per path the
    /// transfer walked, each prefixed by its length (u32, little endian).
    pub fn decode_metadata_stream(bytes: &[u8]) -> Result<Vec<FileStat>, GatewayError> {
        use prost::Message as _;
        let bad = |what: String| GatewayError::Protocol { method: "ReadFile", what: format!("{FSUTIL_METADATA_FILE}: {what}") };
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let Some((len, tail)) = rest.split_first_chunk::<4>() else {
                return Err(bad(format!("{} trailing bytes after record {}", rest.len(), out.len())));
            };
            let len = u32::from_le_bytes(*len) as usize;
            if tail.len() < len {
                return Err(bad(format!("record {} is cut short ({} of {len} bytes)", out.len(), tail.len())));
            }
            let stat = Stat::decode(&tail[..len]).map_err(|e| bad(format!("record {}: {e}", out.len())))?;
            out.push(FileStat::from_pb(stat));
            rest = &tail[len..];
        }
        Ok(out)
    }
}

/// Where a metadata-only local transfer leaves the stats of the paths it
/// sent without content (fsutil's receiver writes it; see
/// [`FileStat::decode_metadata_stream`]).
pub const FSUTIL_METADATA_FILE: &str = ".fsutil-metadata";

/// A resolved image: the ref as the daemon may have rewritten it, the
/// top-level (index or manifest) digest to pin, and the platform's config JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The reference (a source policy may rewrite it; the requested one when
    /// the daemon reports none, or one that does not parse).
    pub reference: ImageRef,
    /// The digest of the index or manifest.
    pub digest: Digest,
    /// The image config JSON for the requested platform.
    pub config: Vec<u8>,
}

impl ResolvedImage {
    /// The reference pinned to the resolved digest (`name:tag@sha256:..`).
    pub fn pinned(&self) -> ImageRef {
        self.reference.without_digest().with_digest(self.digest.clone())
    }

    fn new(method: &'static str, requested: &ImageRef, reported: &str, digest: &str, config: Vec<u8>) -> Result<Self, GatewayError> {
        let digest = Digest::parse(digest).map_err(|e| GatewayError::Protocol {
            method,
            what: format!("`{requested}` resolved to digest `{digest}`: {e}"),
        })?;
        let reference = ImageRef::parse(reported).unwrap_or_else(|_| requested.clone());
        Ok(Self { reference, digest, config })
    }
}

/// A warning shown by buildx under the build output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Digest of an op that already appeared in progress (else buildx drops it).
    pub vertex: Digest,
    /// Short one-line message.
    pub short: String,
    /// Longer explanation lines.
    pub detail: Vec<String>,
    /// Documentation URL.
    pub url: String,
    /// The file and ranges to show.
    pub source: Option<(SourceFile, Vec<SourceRange>)>,
}

/// The connection to BuildKit plus what `Ping` and the environment said.
#[derive(Debug, Clone)]
pub struct Client {
    bridge: LlbBridgeClient<Channel>,
    info: Arc<Info>,
}

#[derive(Debug)]
struct Info {
    caps: Caps,
    workers: Vec<WorkerInfo>,
    session_id: String,
    product: String,
}

impl Client {
    /// Connects over stdin/stdout and pings.
    pub async fn connect_stdio() -> Result<Self, GatewayError> {
        let channel = transport::connect_stdio().await?;
        Self::connect_channel(channel, std::env::var(ENV_SESSION_ID).unwrap_or_default()).await
    }

    /// Pings over an existing channel (tests, custom transports).
    pub async fn connect_channel(channel: Channel, session_id: String) -> Result<Self, GatewayError> {
        let mut bridge = LlbBridgeClient::new(channel)
            .max_decoding_message_size(MAX_DECODE_BYTES)
            .max_encoding_message_size(MAX_ENCODE_BYTES);
        let pong = tokio::time::timeout(PING_TIMEOUT, bridge.ping(fpb::PingRequest {}))
            .await
            .map_err(|_| GatewayError::PingTimeout(PING_TIMEOUT.as_secs()))?
            .map_err(|s| GatewayError::rpc("Ping", s))?
            .into_inner();
        let caps = Caps::from_pong(&pong.frontend_api_caps, &pong.llb_caps);
        let mut workers = workers::workers_from_env()?;
        if workers.iter().all(|w| w.platforms.is_empty()) {
            workers = workers::workers_from_pong(&pong.workers);
        }
        Ok(Self {
            bridge,
            info: Arc::new(Info {
                caps,
                workers,
                session_id,
                product: std::env::var(ENV_EXPORTED_PRODUCT).unwrap_or_default(),
            }),
        })
    }

    /// Caps from `Ping`.
    pub fn caps(&self) -> &Caps {
        &self.info.caps
    }

    /// Workers (from `BUILDKIT_WORKERS`, else from `Ping`).
    pub fn workers(&self) -> &[WorkerInfo] {
        &self.info.workers
    }

    /// The default build platform.
    pub fn build_platform(&self) -> Platform {
        workers::build_platform(&self.info.workers)
    }

    /// `BUILDKIT_SESSION_ID`.
    pub fn session_id(&self) -> &str {
        &self.info.session_id
    }

    /// `BUILDKIT_EXPORTEDPRODUCT`.
    pub fn product(&self) -> &str {
        &self.info.product
    }

    fn require(&self, cap: &str, action: &'static str) -> Result<(), GatewayError> {
        if self.info.caps.supports(cap) {
            Ok(())
        } else {
            Err(GatewayError::Unsupported {
                action,
                why: self.info.caps.why_not(cap),
            })
        }
    }

    /// `Solve`: returns the result ref (lazy unless `evaluate`).
    pub async fn solve(&self, req: SolveRequest) -> Result<RefId, GatewayError> {
        self.require(api::SOLVE_BASE, "solve LLB")?;
        let inline_evaluate = req.evaluate && self.info.caps.supports(api::SOLVE_EVALUATE);
        let cache_imports = if self.info.caps.supports(api::IMPORT_CACHES) {
            req.cache_imports
                .iter()
                .map(|c| fpb::CacheOptionsEntry {
                    r#type: c.kind.clone(),
                    attrs: c.attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let wire = fpb::SolveRequest {
            definition: req.definition,
            allow_result_return: true,
            allow_result_array_ref: true,
            evaluate: inline_evaluate,
            cache_imports,
            ..Default::default()
        };
        let resp = self
            .bridge
            .clone()
            .solve(wire)
            .await
            .map_err(|s| GatewayError::rpc("Solve", s))?
            .into_inner();
        let id = match resp.result.and_then(|r| r.result) {
            Some(fpb::result::Result::Ref(r)) => RefId(r.id),
            Some(fpb::result::Result::RefDeprecated(id)) => RefId(id),
            None => RefId(resp.r#ref),
            Some(_) => {
                return Err(GatewayError::Protocol {
                    method: "Solve",
                    what: "a multi-ref result for a single definition".into(),
                })
            }
        };
        if req.evaluate && !inline_evaluate && !id.is_scratch() {
            self.evaluate(&id).await?;
        }
        Ok(id)
    }

    /// `ReadFile`, optionally a byte range (`(offset, length)`).
    pub async fn read_file(
        &self,
        reference: &RefId,
        path: &str,
        range: Option<(i64, i64)>,
    ) -> Result<Vec<u8>, GatewayError> {
        self.require(api::READ_FILE, "read files from a build result")?;
        let req = fpb::ReadFileRequest {
            r#ref: reference.0.clone(),
            file_path: path.to_string(),
            range: range.map(|(offset, length)| fpb::FileRange { offset, length }),
            ..Default::default()
        };
        Ok(self
            .bridge
            .clone()
            .read_file(req)
            .await
            .map_err(|s| GatewayError::rpc("ReadFile", s))?
            .into_inner()
            .data)
    }

    /// `StatFile`.
    pub async fn stat_file(&self, reference: &RefId, path: &str) -> Result<FileStat, GatewayError> {
        self.require(api::STAT_FILE, "stat files in a build result")?;
        let req = fpb::StatFileRequest {
            r#ref: reference.0.clone(),
            path: path.to_string(),
            ..Default::default()
        };
        let stat = self
            .bridge
            .clone()
            .stat_file(req)
            .await
            .map_err(|s| GatewayError::rpc("StatFile", s))?
            .into_inner()
            .stat
            .ok_or_else(|| GatewayError::Protocol {
                method: "StatFile",
                what: "no stat".into(),
            })?;
        Ok(FileStat::from_pb(stat))
    }

    /// `ReadDir`, with an optional glob.
    pub async fn read_dir(
        &self,
        reference: &RefId,
        path: &str,
        include_pattern: Option<&str>,
    ) -> Result<Vec<FileStat>, GatewayError> {
        self.require(api::READ_DIR, "list directories in a build result")?;
        let req = fpb::ReadDirRequest {
            r#ref: reference.0.clone(),
            dir_path: path.to_string(),
            include_pattern: include_pattern.unwrap_or_default().to_string(),
            ..Default::default()
        };
        Ok(self
            .bridge
            .clone()
            .read_dir(req)
            .await
            .map_err(|s| GatewayError::rpc("ReadDir", s))?
            .into_inner()
            .entries
            .into_iter()
            .map(FileStat::from_pb)
            .collect())
    }

    /// `Evaluate`: forces the build of a lazy ref.
    pub async fn evaluate(&self, reference: &RefId) -> Result<(), GatewayError> {
        self.require(api::EVALUATE, "evaluate a build result")?;
        self.bridge
            .clone()
            .evaluate(fpb::EvaluateRequest {
                r#ref: reference.0.clone(),
            })
            .await
            .map_err(|s| GatewayError::rpc("Evaluate", s))?;
        Ok(())
    }

    /// `Inputs`: LLB states the client passed (empty when the daemon lacks the cap).
    pub async fn inputs(&self) -> Result<BTreeMap<String, pb::Definition>, GatewayError> {
        if !self.info.caps.supports(api::FRONTEND_INPUTS) {
            return Ok(BTreeMap::new());
        }
        let defs: HashMap<String, pb::Definition> = self
            .bridge
            .clone()
            .inputs(fpb::InputsRequest {})
            .await
            .map_err(|s| GatewayError::rpc("Inputs", s))?
            .into_inner()
            .definitions;
        Ok(defs.into_iter().collect())
    }

    /// `Warn`. Returns `false` (and sends nothing) when the daemon lacks
    /// `gateway.warnings`.
    pub async fn warn(&self, w: Warning) -> Result<bool, GatewayError> {
        if !self.info.caps.supports(api::WARNINGS) {
            return Ok(false);
        }
        let (info, ranges) = match &w.source {
            Some((file, ranges)) => (Some(file.to_pb()), ranges.iter().map(SourceRange::to_pb).collect()),
            None => (None, Vec::new()),
        };
        let req = fpb::WarnRequest {
            digest: w.vertex.to_string(),
            level: 1,
            short: w.short.into_bytes(),
            detail: w.detail.into_iter().map(String::into_bytes).collect(),
            url: w.url,
            info,
            ranges,
        };
        self.bridge
            .clone()
            .warn(req)
            .await
            .map_err(|s| GatewayError::rpc("Warn", s))?;
        Ok(true)
    }

    /// Resolves an image ref for `platform`: `ResolveSourceMeta` when the daemon
    /// has `source.metaresolver`, else `ResolveImageConfig`. `log_name` becomes a
    /// progress line.
    pub async fn resolve_image(
        &self,
        image: &ImageRef,
        platform: &Platform,
        mode: ResolveMode,
        log_name: &str,
    ) -> Result<ResolvedImage, GatewayError> {
        let reference = image.to_string();
        if self.info.caps.supports(api::SOURCE_META_RESOLVER) {
            let req = fpb::ResolveSourceMetaRequest {
                source: Some(pb::SourceOp {
                    identifier: format!("docker-image://{reference}"),
                    attrs: Default::default(),
                }),
                platform: Some(platform.to_pb()),
                log_name: log_name.to_string(),
                resolve_mode: mode.as_str().to_string(),
                ..Default::default()
            };
            let resp = self
                .bridge
                .clone()
                .resolve_source_meta(req)
                .await
                .map_err(|s| GatewayError::rpc("ResolveSourceMeta", s))?
                .into_inner();
            let resolved = resp.image.ok_or_else(|| GatewayError::Protocol {
                method: "ResolveSourceMeta",
                what: format!("`{reference}` did not resolve to an image"),
            })?;
            let rewritten = resp
                .source
                .map(|s| s.identifier)
                .and_then(|id| id.strip_prefix("docker-image://").map(str::to_string))
                .unwrap_or_default();
            return ResolvedImage::new("ResolveSourceMeta", image, &rewritten, &resolved.digest, resolved.config);
        }
        self.require(api::RESOLVE_IMAGE, "resolve image configs")?;
        let req = fpb::ResolveImageConfigRequest {
            r#ref: reference.clone(),
            platform: Some(platform.to_pb()),
            resolve_mode: mode.as_str().to_string(),
            log_name: log_name.to_string(),
            ..Default::default()
        };
        let resp = self
            .bridge
            .clone()
            .resolve_image_config(req)
            .await
            .map_err(|s| GatewayError::rpc("ResolveImageConfig", s))?
            .into_inner();
        ResolvedImage::new("ResolveImageConfig", image, &resp.r#ref, &resp.digest, resp.config)
    }

    /// `Return` with a result.
    pub async fn return_result(&self, result: &FrontendResult) -> Result<(), GatewayError> {
        let encoded = result.to_pb().map_err(|e| GatewayError::Protocol {
            method: "Return",
            what: e.to_string(),
        })?;
        if !self.info.caps.supports(api::ATTESTATIONS) && !encoded.attestations.is_empty() {
            return Err(GatewayError::Unsupported {
                action: "attach attestations",
                why: self.info.caps.why_not(api::ATTESTATIONS),
            });
        }
        self.send_return(fpb::ReturnRequest {
            result: Some(encoded),
            error: None,
        })
        .await
    }

    /// `Return` with an error.
    pub async fn return_error(&self, error: &FrontendError) -> Result<(), GatewayError> {
        self.send_return(fpb::ReturnRequest {
            result: None,
            error: Some(error.to_status()),
        })
        .await
    }

    async fn send_return(&self, req: fpb::ReturnRequest) -> Result<(), GatewayError> {
        self.require(api::RETURN, "return a result")?;
        self.bridge
            .clone()
            .r#return(req)
            .await
            .map_err(|s| GatewayError::rpc("Return", s))?;
        Ok(())
    }
}

/// Runs a frontend: connects over stdio, calls `build`, sends `Return` with
/// its result or error, and exits the process (0 when `Return` was accepted).
/// Diagnostics go to stderr, which ends up in the daemon log.
pub fn run<F, Fut>(build: F) -> !
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Result<FrontendResult, FrontendError>>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("patient-risk frontend: cannot start the async runtime: {e}");
            transport::exit_now(1)
        }
    };
    let code = runtime.block_on(async move {
        let client = match Client::connect_stdio().await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("patient-risk frontend: {e}");
                return 1;
            }
        };
        let outcome = build(client.clone()).await;
        let sent = match &outcome {
            Ok(result) => match client.return_result(result).await {
                Ok(()) => Ok(()),
                // A result BuildKit would refuse: report that as the build error.
                Err(e @ (GatewayError::Protocol { .. } | GatewayError::Unsupported { .. })) => {
                    client.return_error(&FrontendError::from(e)).await
                }
                Err(e) => Err(e),
            },
            Err(err) => client.return_error(err).await,
        };
        match sent {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("patient-risk frontend: Return failed: {e}");
                1
            }
        }
    });
    transport::exit_now(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What BuildKit reports becomes typed values: the digest pins the
    /// (possibly policy-rewritten) reference; a digest that is not one is a
    /// protocol error naming the image.
    #[test]
    fn resolved_images_pin_the_reported_digest() {
        let image = ImageRef::parse("127.0.0.1:5000/patient-risk/bases/go-builder:local").unwrap();
        let digest = format!("sha256:{}", "a".repeat(64));
        let same = ResolvedImage::new("ResolveImageConfig", &image, "", &digest, Vec::new()).unwrap();
        assert_eq!(same.pinned().to_string(), format!("127.0.0.1:5000/patient-risk/bases/go-builder:local@{digest}"));
        let moved =
            ResolvedImage::new("ResolveSourceMeta", &image, "127.0.0.1:5000/mirror/go-builder:local", &digest, Vec::new()).unwrap();
        assert!(moved.pinned().to_string().starts_with("127.0.0.1:5000/mirror/go-builder:local@sha256:"));
        let err = ResolvedImage::new("ResolveImageConfig", &image, "x", "md5:abc", Vec::new()).unwrap_err();
        assert!(err.to_string().contains("go-builder:local` resolved to digest `md5:abc`"), "{err}");
    }

    /// The `.fsutil-metadata` stream decodes to the stats fsutil wrote (length-prefixed
    /// `fsutil.types.Stat` records, as fsutil's receiver frames them); a record cut short or a
    /// stray tail is a protocol error naming the file, not a silently shorter listing.
    #[test]
    fn metadata_stream_decodes_length_prefixed_stats() {
        use prost::Message as _;
        let stats = [
            Stat { path: "apps".into(), mode: GO_MODE_DIR | 0o755, ..Stat::default() },
            Stat { path: "apps/web/package.json".into(), mode: 0o644, size: 812, ..Stat::default() },
        ];
        let mut bytes = Vec::new();
        for s in &stats {
            let body = s.encode_to_vec();
            bytes.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
            bytes.extend_from_slice(&body);
        }
        let decoded = FileStat::decode_metadata_stream(&bytes).unwrap();
        assert_eq!(decoded.len(), 2);
        assert!(decoded[0].is_dir() && decoded[0].path == "apps");
        assert!(!decoded[1].is_dir() && decoded[1].size == 812);
        assert!(FileStat::decode_metadata_stream(&[]).unwrap().is_empty());
        let err = FileStat::decode_metadata_stream(&bytes[..bytes.len() - 3]).unwrap_err().to_string();
        assert!(err.contains(".fsutil-metadata") && err.contains("cut short"), "{err}");
        let err = FileStat::decode_metadata_stream(&[1, 0]).unwrap_err().to_string();
        assert!(err.contains("trailing bytes"), "{err}");
    }
}
