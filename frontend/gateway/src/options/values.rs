//! The typed values of frontend options: what a parsed option means, with
//! no parsing here (that is [`super::parsers`]).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use llb::Platform;
use serde::Deserialize;

use super::keys;

/// How image sources and config lookups treat the local store vs the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResolveMode {
    /// Registry first, local store as fallback (engine-dependent).
    #[default]
    Default,
    /// Always ask the registry (`--pull`).
    Pull,
    /// Prefer the local store (buildx sends this for the docker driver).
    Local,
}

impl ResolveMode {
    /// The wire spelling used in `image.resolvemode` and resolve requests.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveMode::Default => "default",
            ResolveMode::Pull => "pull",
            ResolveMode::Local => "local",
        }
    }
}

/// The `no-cache` option.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NoCache {
    /// Caching is allowed.
    #[default]
    Off,
    /// `--no-cache`: every step ignores the cache.
    All,
    /// `--no-cache-filter a,b`: only these targets ignore the cache.
    Targets(BTreeSet<String>),
}

impl NoCache {
    /// Whether building `target` must ignore the cache.
    pub fn applies_to(&self, target: &str) -> bool {
        match self {
            NoCache::Off => false,
            NoCache::All => true,
            NoCache::Targets(t) => t.contains(target),
        }
    }
}

/// One `--cache-from` entry as the BuildKit client forwards it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CacheImport {
    /// Cache backend type, e.g. `registry`, `local`, `gha`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Backend attributes, e.g. `ref`.
    #[serde(rename = "Attrs", default)]
    pub attrs: BTreeMap<String, String>,
}

/// One requested attestation (`attest:sbom` / `attest:provenance`) and its params.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttestRequest {
    /// Parsed CSV params, e.g. `generator`, `mode`.
    pub params: BTreeMap<String, String>,
}

/// Attestations the client asked for (disabled ones are absent).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attestations {
    /// `--sbom`.
    pub sbom: Option<AttestRequest>,
    /// `--provenance` (BuildKit produces it; the frontend only reads the request).
    pub provenance: Option<AttestRequest>,
}

/// A `--call` / `--check` subrequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subrequest {
    /// `frontend.subrequests.describe`.
    Describe,
    /// `frontend.outline`.
    Outline,
    /// `frontend.targets`.
    Targets,
    /// `frontend.lint` (`--check`).
    Lint,
    /// Any other id, answered with a clear error (never "unsupported request").
    Other(String),
}

impl Subrequest {
    /// Parses a `requestid` value.
    pub fn parse(id: &str) -> Self {
        match id {
            keys::REQUEST_DESCRIBE => Subrequest::Describe,
            keys::REQUEST_OUTLINE => Subrequest::Outline,
            keys::REQUEST_TARGETS => Subrequest::Targets,
            keys::REQUEST_LINT => Subrequest::Lint,
            other => Subrequest::Other(other.to_string()),
        }
    }

    /// The wire id.
    pub fn id(&self) -> &str {
        match self {
            Subrequest::Describe => keys::REQUEST_DESCRIBE,
            Subrequest::Outline => keys::REQUEST_OUTLINE,
            Subrequest::Targets => keys::REQUEST_TARGETS,
            Subrequest::Lint => keys::REQUEST_LINT,
            Subrequest::Other(s) => s,
        }
    }
}

/// A `--build-context NAME=VALUE` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedContext {
    /// `docker-image://REF` (`docker-image://scratch` = empty).
    DockerImage(String),
    /// `local:NAME`: a local directory sent by the client under that name.
    Local(String),
    /// `input:NAME`: an LLB state from `Inputs()`.
    Input(String),
    /// `oci-layout://STORE@sha256:..`.
    OciLayout(String),
    /// A git URL (`git://`, `git@`, or an https URL ending in `.git`).
    Git(String),
    /// An http(s) URL of a file or tarball.
    Http(String),
    /// `target:NAME` (bake target links; resolved by buildx into inputs).
    Target(String),
}

/// `force-network-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMode {
    /// The default sandbox network.
    Sandbox,
    /// No network.
    None,
    /// Host network (needs the `network.host` entitlement).
    Host,
}

/// One `ulimit` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// Resource name, e.g. `nofile`.
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// Typed frontend options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontendOptions {
    /// Every option as received, including keys this crate does not interpret.
    pub raw: BTreeMap<String, String>,
    /// `target`.
    pub target: Option<String>,
    /// `platform`: requested target platforms; empty means the default platform.
    pub platforms: Vec<Platform>,
    /// `multi-platform` / `BUILDKIT_MULTI_PLATFORM`, or more than one platform.
    pub multi_platform: bool,
    /// `build-arg:*`.
    pub build_args: BTreeMap<String, String>,
    /// `label:*`.
    pub labels: BTreeMap<String, String>,
    /// `context:*`, keyed by name (possibly `name::os/arch`).
    pub named_contexts: BTreeMap<String, NamedContext>,
    /// `attest:*` and `build-arg:BUILDKIT_ATTEST_*`.
    pub attests: Attestations,
    /// `no-cache`.
    pub no_cache: NoCache,
    /// `image-resolve-mode`.
    pub image_resolve_mode: ResolveMode,
    /// `cache-imports` (plus legacy `cache-from` registry refs).
    pub cache_imports: Vec<CacheImport>,
    /// `requestid`.
    pub request: Option<Subrequest>,
    /// `filename` (default `Dockerfile`).
    pub filename: String,
    /// Local name the build file comes from (`dockerfilekey`, default `dockerfile`).
    pub dockerfile_local: String,
    /// Whether `dockerfilekey` was given (it overrides an input `dockerfile`).
    pub dockerfile_key_forced: bool,
    /// Local name of the main context (`context`).
    pub context_local: String,
    /// A remote main context URL (from the key named by `contextkey`).
    pub remote_context: Option<String>,
    /// `contextsubdir`.
    pub context_subdir: Option<String>,
    /// `build-arg:SOURCE_DATE_EPOCH`.
    pub source_date_epoch: Option<i64>,
    /// `frontend.caps` (the `+forward` suffix removed).
    pub frontend_caps: BTreeSet<String>,
    /// `source`: the frontend image ref.
    pub source: Option<String>,
    /// `cmdline`: the full syntax value.
    pub cmdline: Option<String>,
    /// `local-sessionid:*`.
    pub local_session_ids: BTreeMap<String, String>,
    /// `sharedkey:localdir:*`.
    pub local_shared_keys: BTreeMap<String, String>,
    /// `add-hosts`.
    pub extra_hosts: Vec<(String, IpAddr)>,
    /// `force-network-mode`.
    pub network_mode: Option<NetworkMode>,
    /// `hostname` / `BUILDKIT_SANDBOX_HOSTNAME`.
    pub hostname: Option<String>,
    /// `shm-size` in bytes.
    pub shm_size: Option<u64>,
    /// `ulimit`.
    pub ulimits: Vec<Ulimit>,
    /// `cgroup-parent`.
    pub cgroup_parent: Option<String>,
}

impl FrontendOptions {
    /// The named context for `name`, preferring a platform-specific
    /// `name::os/arch` entry over the plain one (BuildKit's lookup order).
    pub fn named_context(&self, name: &str, platform: Option<&Platform>) -> Option<&NamedContext> {
        if let Some(p) = platform {
            if let Some(c) = self.named_contexts.get(&format!("{name}::{}", p.id())) {
                return Some(c);
            }
        }
        self.named_contexts.get(name)
    }

    /// The session id to use for local `name` (a `local-sessionid:` override, else `session`).
    pub fn local_session<'a>(&'a self, name: &str, session: &'a str) -> &'a str {
        self.local_session_ids.get(name).map(String::as_str).unwrap_or(session)
    }
}
