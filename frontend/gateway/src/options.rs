//! Frontend options: what BuildKit hands a gateway frontend in its environment.
//!
//! Two stages, as in BuildKit's `dockerui`: the raw `key=value` pairs from
//! `BUILDKIT_FRONTEND_OPT_<n>` (split at the first `=`), then a typed
//! [`FrontendOptions`] with one field per option. Every key is a constant in
//! [`keys`]; unknown keys are kept in [`FrontendOptions::raw`] and never fail a
//! build (BuildKit and buildx add keys over time).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use llb::Platform;
use serde::Deserialize;

/// Prefix of the environment variables carrying one option each.
pub const ENV_OPT_PREFIX: &str = "BUILDKIT_FRONTEND_OPT_";
/// The client session id (for `local.session` and OCI-layout stores).
pub const ENV_SESSION_ID: &str = "BUILDKIT_SESSION_ID";
/// JSON array of the daemon's workers and their platforms.
pub const ENV_WORKERS: &str = "BUILDKIT_WORKERS";
/// The product string of the daemon ("buildkit", or dockerd's own name).
pub const ENV_EXPORTED_PRODUCT: &str = "BUILDKIT_EXPORTEDPRODUCT";

/// Option keys (BuildKit `frontend/dockerui/config.go` and buildx `build/opt.go`).
pub mod keys {
    /// Target (stage) to build.
    pub const TARGET: &str = "target";
    /// Comma list of target platforms.
    pub const PLATFORM: &str = "platform";
    /// `true` forces a per-platform (`refs`) result even for one platform.
    pub const MULTI_PLATFORM: &str = "multi-platform";
    /// Prefix of build args (`build-arg:NAME`).
    pub const BUILD_ARG_PREFIX: &str = "build-arg:";
    /// Prefix of image labels (`label:NAME`).
    pub const LABEL_PREFIX: &str = "label:";
    /// Prefix of named contexts (`context:NAME[::os/arch]`).
    pub const CONTEXT_PREFIX: &str = "context:";
    /// Prefix of input metadata for named contexts (`input-metadata:NAME`).
    pub const INPUT_METADATA_PREFIX: &str = "input-metadata:";
    /// Prefix of per-local session ids (`local-sessionid:NAME`).
    pub const LOCAL_SESSION_ID_PREFIX: &str = "local-sessionid:";
    /// Prefix of shared-key hints for local named contexts.
    pub const SHARED_KEY_LOCALDIR_PREFIX: &str = "sharedkey:localdir:";
    /// Prefix of attestation requests (`attest:sbom`, `attest:provenance`).
    pub const ATTEST_PREFIX: &str = "attest:";
    /// Present means no cache: empty for all targets, else a comma list.
    pub const NO_CACHE: &str = "no-cache";
    /// `default` | `pull` | `local`.
    pub const IMAGE_RESOLVE_MODE: &str = "image-resolve-mode";
    /// JSON `[{"Type":..,"Attrs":{..}}]` cache imports.
    pub const CACHE_IMPORTS: &str = "cache-imports";
    /// Legacy comma list of registry cache refs.
    pub const CACHE_FROM: &str = "cache-from";
    /// Subrequest id (`frontend.outline`, ...).
    pub const REQUEST_ID: &str = "requestid";
    /// Build file name inside the build-file local.
    pub const FILENAME: &str = "filename";
    /// Default opt key holding a remote main context URL.
    pub const CONTEXT: &str = "context";
    /// Overrides which opt key holds the remote context URL.
    pub const CONTEXT_KEY: &str = "contextkey";
    /// Forces the build file to come from the local with this name.
    pub const DOCKERFILE_KEY: &str = "dockerfilekey";
    /// Scopes the main context to a subdirectory.
    pub const CONTEXT_SUBDIR: &str = "contextsubdir";
    /// Comma list of frontend caps the client requested.
    pub const FRONTEND_CAPS: &str = "frontend.caps";
    /// Full syntax directive value; its presence means "never forward again".
    pub const CMDLINE: &str = "cmdline";
    /// The frontend image ref.
    pub const SOURCE: &str = "source";
    /// CSV of `host=ip` extra hosts.
    pub const ADD_HOSTS: &str = "add-hosts";
    /// `/dev/shm` size in bytes.
    pub const SHM_SIZE: &str = "shm-size";
    /// CSV of `name=soft[:hard]` ulimits.
    pub const ULIMIT: &str = "ulimit";
    /// Cgroup parent for exec ops.
    pub const CGROUP_PARENT: &str = "cgroup-parent";
    /// `none` | `host` | `sandbox`.
    pub const FORCE_NETWORK_MODE: &str = "force-network-mode";
    /// Sandbox hostname.
    pub const HOSTNAME: &str = "hostname";

    /// Build arg carrying the reproducible-build epoch.
    pub const ARG_SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";
    /// Build arg selecting a frontend image (seen here, never acted on again).
    pub const ARG_BUILDKIT_SYNTAX: &str = "BUILDKIT_SYNTAX";
    /// Build arg forcing a multi-platform result.
    pub const ARG_MULTI_PLATFORM: &str = "BUILDKIT_MULTI_PLATFORM";
    /// Build arg overriding the sandbox hostname.
    pub const ARG_SANDBOX_HOSTNAME: &str = "BUILDKIT_SANDBOX_HOSTNAME";
    /// Build arg namespacing cache mount ids.
    pub const ARG_CACHE_MOUNT_NS: &str = "BUILDKIT_CACHE_MOUNT_NS";
    /// Build-arg prefix that requests attestations like `attest:*`.
    pub const ARG_ATTEST_PREFIX: &str = "BUILDKIT_ATTEST_";

    /// Default build file name.
    pub const DEFAULT_FILENAME: &str = "Dockerfile";
    /// Default local name of the build file directory.
    pub const DEFAULT_LOCAL_DOCKERFILE: &str = "dockerfile";
    /// Default local name of the build context.
    pub const DEFAULT_LOCAL_CONTEXT: &str = "context";
}

/// An option that was present but could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid frontend option `{key}={value}`: {reason}")]
pub struct OptionError {
    /// The option key.
    pub key: String,
    /// The value given.
    pub value: String,
    /// What is wrong and what would be accepted.
    pub reason: String,
}

impl OptionError {
    fn new(key: &str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

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

    fn parse(value: &str) -> Result<Self, OptionError> {
        match value {
            "" | "default" => Ok(ResolveMode::Default),
            "pull" => Ok(ResolveMode::Pull),
            "local" => Ok(ResolveMode::Local),
            _ => Err(OptionError::new(
                keys::IMAGE_RESOLVE_MODE,
                value,
                "expected `default`, `pull` or `local`",
            )),
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
            crate::subrequests::REQUEST_DESCRIBE => Subrequest::Describe,
            crate::subrequests::REQUEST_OUTLINE => Subrequest::Outline,
            crate::subrequests::REQUEST_TARGETS => Subrequest::Targets,
            crate::subrequests::REQUEST_LINT => Subrequest::Lint,
            other => Subrequest::Other(other.to_string()),
        }
    }

    /// The wire id.
    pub fn id(&self) -> &str {
        match self {
            Subrequest::Describe => crate::subrequests::REQUEST_DESCRIBE,
            Subrequest::Outline => crate::subrequests::REQUEST_OUTLINE,
            Subrequest::Targets => crate::subrequests::REQUEST_TARGETS,
            Subrequest::Lint => crate::subrequests::REQUEST_LINT,
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

impl NamedContext {
    fn parse(key: &str, value: &str) -> Result<Self, OptionError> {
        let v = value.trim();
        if let Some(r) = v.strip_prefix("docker-image://") {
            if r.is_empty() {
                return Err(OptionError::new(key, value, "`docker-image://` needs an image reference"));
            }
            return Ok(NamedContext::DockerImage(r.to_string()));
        }
        if let Some(r) = v.strip_prefix("oci-layout://") {
            return Ok(NamedContext::OciLayout(r.to_string()));
        }
        if let Some(r) = v.strip_prefix("local:") {
            return Ok(NamedContext::Local(r.to_string()));
        }
        if let Some(r) = v.strip_prefix("input:") {
            return Ok(NamedContext::Input(r.to_string()));
        }
        if let Some(r) = v.strip_prefix("target:") {
            return Ok(NamedContext::Target(r.to_string()));
        }
        if v.starts_with("git://") || v.starts_with("git@") || v.ends_with(".git") || v.contains(".git#") {
            return Ok(NamedContext::Git(v.to_string()));
        }
        if v.starts_with("https://") || v.starts_with("http://") {
            return Ok(NamedContext::Http(v.to_string()));
        }
        Err(OptionError::new(
            key,
            value,
            "expected docker-image://REF, local:NAME, input:NAME, oci-layout://..., a git URL or an http(s) URL",
        ))
    }
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
    /// Reads `BUILDKIT_FRONTEND_OPT_<n>` from the process environment.
    pub fn from_env() -> Result<Self, OptionError> {
        Self::from_pairs(raw_pairs_from_env(std::env::vars()))
    }

    /// Whether the process environment looks like a gateway launch.
    pub fn env_is_gateway() -> bool {
        std::env::vars().any(|(k, _)| k.starts_with(ENV_OPT_PREFIX) || k == ENV_SESSION_ID)
    }

    /// Builds typed options from raw `(key, value)` pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self, OptionError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let raw: BTreeMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self::from_raw(raw)
    }

    fn from_raw(raw: BTreeMap<String, String>) -> Result<Self, OptionError> {
        let get = |k: &str| raw.get(k).map(String::as_str);
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_string());

        let build_args = prefixed(&raw, keys::BUILD_ARG_PREFIX);
        let labels = prefixed(&raw, keys::LABEL_PREFIX);

        let platforms = match get(keys::PLATFORM) {
            Some(v) => Platform::parse_list(v).map_err(|e: llb::Error| {
                OptionError::new(keys::PLATFORM, v, e.to_string())
            })?,
            None => Vec::new(),
        };

        let multi_opt = match get(keys::MULTI_PLATFORM) {
            Some(v) => Some(parse_bool(keys::MULTI_PLATFORM, v)?),
            None => None,
        };
        let multi_arg = match build_args.get(keys::ARG_MULTI_PLATFORM) {
            Some(v) => Some(parse_bool(keys::ARG_MULTI_PLATFORM, v)?),
            None => None,
        };
        let multi_explicit = multi_opt.or(multi_arg);
        if multi_explicit == Some(false) && platforms.len() > 1 {
            return Err(OptionError::new(
                keys::MULTI_PLATFORM,
                "false",
                format!(
                    "{} platforms were requested; drop `multi-platform=false` or ask for one platform",
                    platforms.len()
                ),
            ));
        }
        let multi_platform = multi_explicit.unwrap_or(false) || platforms.len() > 1;

        let mut named_contexts = BTreeMap::new();
        for (name, value) in prefixed(&raw, keys::CONTEXT_PREFIX) {
            let key = format!("{}{}", keys::CONTEXT_PREFIX, name);
            named_contexts.insert(name, NamedContext::parse(&key, &value)?);
        }

        let no_cache = match get(keys::NO_CACHE) {
            None => NoCache::Off,
            Some(v) if v.trim().is_empty() => NoCache::All,
            Some(v) => NoCache::Targets(split_list(v).into_iter().collect()),
        };

        let image_resolve_mode = ResolveMode::parse(get(keys::IMAGE_RESOLVE_MODE).unwrap_or(""))?;

        let mut cache_imports = match get(keys::CACHE_IMPORTS) {
            Some(v) if !v.trim().is_empty() => serde_json::from_str::<Vec<CacheImport>>(v)
                .map_err(|e| OptionError::new(keys::CACHE_IMPORTS, v, format!("expected a JSON array of {{\"Type\",\"Attrs\"}}: {e}")))?,
            _ => Vec::new(),
        };
        if cache_imports.is_empty() {
            if let Some(v) = get(keys::CACHE_FROM) {
                cache_imports = split_list(v)
                    .into_iter()
                    .map(|r| CacheImport {
                        kind: "registry".into(),
                        attrs: BTreeMap::from([("ref".to_string(), r)]),
                    })
                    .collect();
            }
        }

        let context_key = non_empty(keys::CONTEXT_KEY).unwrap_or_else(|| keys::CONTEXT.to_string());
        let remote_context = non_empty(&context_key);

        let source_date_epoch = match build_args.get(keys::ARG_SOURCE_DATE_EPOCH) {
            Some(v) if !v.trim().is_empty() => Some(v.trim().parse::<i64>().map_err(|_| {
                OptionError::new(
                    &format!("{}{}", keys::BUILD_ARG_PREFIX, keys::ARG_SOURCE_DATE_EPOCH),
                    v,
                    "expected Unix seconds, e.g. 1700000000",
                )
            })?),
            _ => None,
        };

        let frontend_caps = get(keys::FRONTEND_CAPS)
            .map(|v| {
                split_list(v)
                    .into_iter()
                    .map(|c| c.trim_end_matches("+forward").to_string())
                    .collect()
            })
            .unwrap_or_default();

        let network_mode = match non_empty(keys::FORCE_NETWORK_MODE).as_deref() {
            None => None,
            Some("none") => Some(NetworkMode::None),
            Some("host") => Some(NetworkMode::Host),
            Some("sandbox") | Some("default") => Some(NetworkMode::Sandbox),
            Some(other) => {
                return Err(OptionError::new(
                    keys::FORCE_NETWORK_MODE,
                    other,
                    "expected `none`, `host` or `sandbox`",
                ))
            }
        };

        let shm_size = match non_empty(keys::SHM_SIZE) {
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                OptionError::new(keys::SHM_SIZE, &v, "expected a size in bytes")
            })?),
            None => None,
        };

        let hostname = build_args
            .get(keys::ARG_SANDBOX_HOSTNAME)
            .filter(|v| !v.is_empty())
            .cloned()
            .or_else(|| non_empty(keys::HOSTNAME));

        Ok(Self {
            target: non_empty(keys::TARGET),
            platforms,
            multi_platform,
            labels,
            named_contexts,
            attests: parse_attests(&raw)?,
            no_cache,
            image_resolve_mode,
            cache_imports,
            request: non_empty(keys::REQUEST_ID).map(|v| Subrequest::parse(&v)),
            filename: non_empty(keys::FILENAME).unwrap_or_else(|| keys::DEFAULT_FILENAME.to_string()),
            dockerfile_local: non_empty(keys::DOCKERFILE_KEY)
                .unwrap_or_else(|| keys::DEFAULT_LOCAL_DOCKERFILE.to_string()),
            dockerfile_key_forced: non_empty(keys::DOCKERFILE_KEY).is_some(),
            context_local: keys::DEFAULT_LOCAL_CONTEXT.to_string(),
            remote_context,
            context_subdir: non_empty(keys::CONTEXT_SUBDIR),
            source_date_epoch,
            frontend_caps,
            source: non_empty(keys::SOURCE),
            cmdline: non_empty(keys::CMDLINE),
            local_session_ids: prefixed(&raw, keys::LOCAL_SESSION_ID_PREFIX),
            local_shared_keys: prefixed(&raw, keys::SHARED_KEY_LOCALDIR_PREFIX),
            extra_hosts: parse_extra_hosts(get(keys::ADD_HOSTS).unwrap_or(""))?,
            network_mode,
            hostname,
            shm_size,
            ulimits: parse_ulimits(get(keys::ULIMIT).unwrap_or(""))?,
            cgroup_parent: non_empty(keys::CGROUP_PARENT),
            build_args,
            raw,
        })
    }

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

/// Collects `(key, value)` pairs from `BUILDKIT_FRONTEND_OPT_<n>` variables,
/// splitting each value at its first `=`. Variables without `=` become a key
/// with an empty value.
pub fn raw_pairs_from_env<I>(vars: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut out: Vec<(usize, String, String)> = vars
        .into_iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix(ENV_OPT_PREFIX)?.parse::<usize>().ok()?;
            let (key, value) = match v.split_once('=') {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => (v, String::new()),
            };
            Some((n, key, value))
        })
        .collect();
    out.sort_by_key(|(n, _, _)| *n);
    out.into_iter().map(|(_, k, v)| (k, v)).collect()
}

fn prefixed(raw: &BTreeMap<String, String>, prefix: &str) -> BTreeMap<String, String> {
    raw.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .filter(|name| !name.is_empty())
                .map(|name| (name.to_string(), v.clone()))
        })
        .collect()
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_bool(key: &str, v: &str) -> Result<bool, OptionError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "f" | "false" | "no" | "off" => Ok(false),
        _ => Err(OptionError::new(key, v, "expected true or false")),
    }
}

/// Splits a CSV line the way Go's csv reader does for one record: fields are
/// separated by commas; a field may be double-quoted with `""` as an escaped quote.
fn csv_fields(key: &str, line: &str) -> Result<Vec<String>, OptionError> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut field_started_quoted = false;
    while let Some(c) = chars.next() {
        match (in_quotes, c) {
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    in_quotes = false;
                }
            }
            (false, '"') if cur.is_empty() && !field_started_quoted => {
                in_quotes = true;
                field_started_quoted = true;
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut cur));
                field_started_quoted = false;
            }
            (_, c) => cur.push(c),
        }
    }
    if in_quotes {
        return Err(OptionError::new(key, line, "unterminated double quote"));
    }
    fields.push(cur);
    Ok(fields)
}

fn parse_attests(raw: &BTreeMap<String, String>) -> Result<Attestations, OptionError> {
    let mut found: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (k, v) in raw {
        let kind = if let Some(t) = k.strip_prefix(keys::ATTEST_PREFIX) {
            t
        } else if let Some(t) = k
            .strip_prefix(keys::BUILD_ARG_PREFIX)
            .and_then(|a| a.strip_prefix(keys::ARG_ATTEST_PREFIX))
        {
            t
        } else {
            continue;
        };
        found.insert(kind.to_ascii_lowercase(), (k.clone(), v.clone()));
    }
    let mut out = Attestations::default();
    for (kind, (key, value)) in found {
        let mut params = BTreeMap::new();
        if !value.trim().is_empty() {
            for field in csv_fields(&key, &value)? {
                let (k, v) = field.split_once('=').unwrap_or((field.as_str(), ""));
                params.insert(k.trim().to_string(), v.to_string());
            }
        }
        let disabled = params
            .get("disabled")
            .map(|v| parse_bool(&key, v))
            .transpose()?
            .unwrap_or(false);
        params.remove("type");
        let req = (!disabled).then_some(AttestRequest { params });
        match kind.as_str() {
            "sbom" => out.sbom = req,
            "provenance" => out.provenance = req,
            other => {
                return Err(OptionError::new(
                    &key,
                    &value,
                    format!("unknown attestation type `{other}` (expected `sbom` or `provenance`)"),
                ))
            }
        }
    }
    Ok(out)
}

fn parse_extra_hosts(v: &str) -> Result<Vec<(String, IpAddr)>, OptionError> {
    if v.trim().is_empty() {
        return Ok(Vec::new());
    }
    csv_fields(keys::ADD_HOSTS, v)?
        .into_iter()
        .filter(|f| !f.trim().is_empty())
        .map(|field| {
            let lower = field.to_ascii_lowercase();
            let (host, ip) = lower
                .split_once('=')
                .ok_or_else(|| OptionError::new(keys::ADD_HOSTS, v, format!("`{field}` is not host=ip")))?;
            let ip: IpAddr = ip
                .trim_matches(|c| c == '[' || c == ']')
                .parse()
                .map_err(|_| OptionError::new(keys::ADD_HOSTS, v, format!("`{ip}` is not an IP address")))?;
            Ok((host.to_string(), ip))
        })
        .collect()
}

fn parse_ulimits(v: &str) -> Result<Vec<Ulimit>, OptionError> {
    if v.trim().is_empty() {
        return Ok(Vec::new());
    }
    let bad = |why: String| OptionError::new(keys::ULIMIT, v, why);
    let mut out: Vec<Ulimit> = Vec::new();
    for field in csv_fields(keys::ULIMIT, v)?.into_iter().filter(|f| !f.trim().is_empty()) {
        let (name, limits) = field
            .split_once('=')
            .ok_or_else(|| bad(format!("`{field}` is not name=soft[:hard]")))?;
        let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
        let num = |s: &str| s.trim().parse::<i64>().map_err(|_| bad(format!("`{s}` is not a number")));
        let (soft, hard) = (num(soft)?, num(hard)?);
        if soft > hard && hard >= 0 {
            return Err(bad(format!("soft limit {soft} is above hard limit {hard} for `{name}`")));
        }
        out.push(Ulimit {
            name: name.trim().to_string(),
            soft,
            hard,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Result<FrontendOptions, OptionError> {
        FrontendOptions::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn env_values_split_at_first_equals_and_sort_by_index() {
        let vars = vec![
            ("BUILDKIT_FRONTEND_OPT_1".to_string(), "build-arg:X=a=b".to_string()),
            ("BUILDKIT_FRONTEND_OPT_0".to_string(), "no-cache".to_string()),
            ("BUILDKIT_FRONTEND_OPT_10".to_string(), "target=release".to_string()),
            ("BUILDKIT_FRONTEND_OPT_x".to_string(), "ignored=1".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        let pairs = raw_pairs_from_env(vars);
        assert_eq!(
            pairs,
            vec![
                ("no-cache".to_string(), String::new()),
                ("build-arg:X".to_string(), "a=b".to_string()),
                ("target".to_string(), "release".to_string()),
            ]
        );
        let o = FrontendOptions::from_pairs(pairs).unwrap();
        assert_eq!(o.build_args.get("X").map(String::as_str), Some("a=b"));
        assert_eq!(o.no_cache, NoCache::All);
        assert_eq!(o.target.as_deref(), Some("release"));
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let o = opts(&[]).unwrap();
        assert_eq!(o.filename, "Dockerfile");
        assert_eq!(o.dockerfile_local, "dockerfile");
        assert!(!o.dockerfile_key_forced);
        assert_eq!(o.context_local, "context");
        assert!(o.platforms.is_empty());
        assert!(!o.multi_platform);
        assert_eq!(o.image_resolve_mode, ResolveMode::Default);
        assert_eq!(o.no_cache, NoCache::Off);
        assert!(o.request.is_none());
        assert!(o.target.is_none());
        assert_eq!(o.attests, Attestations::default());
    }

    #[test]
    fn platforms_and_multi_platform() {
        let o = opts(&[("platform", "linux/amd64,linux/aarch64")]).unwrap();
        let ids: Vec<String> = o.platforms.iter().map(Platform::id).collect();
        assert_eq!(ids, ["linux/amd64", "linux/arm64"]);
        assert!(o.multi_platform);

        let one = opts(&[("platform", "linux/arm64")]).unwrap();
        assert!(!one.multi_platform);
        let forced = opts(&[("platform", "linux/arm64"), ("multi-platform", "true")]).unwrap();
        assert!(forced.multi_platform);
        let by_arg = opts(&[("build-arg:BUILDKIT_MULTI_PLATFORM", "1")]).unwrap();
        assert!(by_arg.multi_platform);

        let err = opts(&[("platform", "linux/amd64,linux/arm64"), ("multi-platform", "false")]).unwrap_err();
        assert_eq!(err.key, "multi-platform");
        let err = opts(&[("platform", "linux/amd64,bogus/x")]).unwrap_err();
        assert_eq!(err.key, "platform");
        assert!(err.to_string().contains("bogus/x"), "{err}");
    }

    #[test]
    fn build_args_labels_and_epoch() {
        let o = opts(&[
            ("build-arg:BASE_IMAGES", "local"),
            ("build-arg:SOURCE_DATE_EPOCH", "1700000000"),
            ("label:org.opencontainers.image.version", "1.2.3"),
            ("label:", "ignored-empty-name"),
        ])
        .unwrap();
        assert_eq!(o.build_args.get("BASE_IMAGES").map(String::as_str), Some("local"));
        assert_eq!(o.source_date_epoch, Some(1_700_000_000));
        assert_eq!(o.labels.len(), 1);
        assert_eq!(o.labels["org.opencontainers.image.version"], "1.2.3");

        let err = opts(&[("build-arg:SOURCE_DATE_EPOCH", "yesterday")]).unwrap_err();
        assert_eq!(err.key, "build-arg:SOURCE_DATE_EPOCH");
    }

    #[test]
    fn named_contexts_by_kind_and_platform_lookup() {
        let o = opts(&[
            ("context:python-runtime", "docker-image://127.0.0.1:5000/x/py:local"),
            ("context:python-runtime::linux/arm64", "docker-image://example.com/py-arm:1"),
            ("context:docs", "local:_docs"),
            ("context:pkg", "input:pkg"),
            ("context:repo", "https://example.com/r.git#main"),
            ("context:file", "https://example.com/f.tar.gz"),
        ])
        .unwrap();
        let amd = Platform::linux_amd64();
        let arm = Platform::linux_arm64();
        assert_eq!(
            o.named_context("python-runtime", Some(&amd)),
            Some(&NamedContext::DockerImage("127.0.0.1:5000/x/py:local".into()))
        );
        assert_eq!(
            o.named_context("python-runtime", Some(&arm)),
            Some(&NamedContext::DockerImage("example.com/py-arm:1".into()))
        );
        assert_eq!(o.named_context("docs", None), Some(&NamedContext::Local("_docs".into())));
        assert_eq!(o.named_context("pkg", None), Some(&NamedContext::Input("pkg".into())));
        assert!(matches!(o.named_context("repo", None), Some(NamedContext::Git(_))));
        assert!(matches!(o.named_context("file", None), Some(NamedContext::Http(_))));
        assert_eq!(o.named_context("missing", None), None);

        let err = opts(&[("context:x", "docker-image://")]).unwrap_err();
        assert_eq!(err.key, "context:x");
        let err = opts(&[("context:x", "/some/dir")]).unwrap_err();
        assert!(err.reason.contains("docker-image://"), "{err}");
    }

    #[test]
    fn attestations_from_opts_and_build_args() {
        let o = opts(&[
            ("attest:sbom", "type=sbom,generator=example/scanner:1"),
            ("attest:provenance", "mode=min,inline-only=true"),
        ])
        .unwrap();
        let sbom = o.attests.sbom.unwrap();
        assert_eq!(sbom.params.get("generator").map(String::as_str), Some("example/scanner:1"));
        assert!(!sbom.params.contains_key("type"));
        let prov = o.attests.provenance.unwrap();
        assert_eq!(prov.params.get("mode").map(String::as_str), Some("min"));
        assert_eq!(prov.params.get("inline-only").map(String::as_str), Some("true"));

        let disabled = opts(&[("attest:sbom", "type=sbom,disabled=true")]).unwrap();
        assert!(disabled.attests.sbom.is_none());
        let by_arg = opts(&[("build-arg:BUILDKIT_ATTEST_SBOM", "")]).unwrap();
        assert!(by_arg.attests.sbom.is_some());
        let quoted = opts(&[("attest:sbom", "\"generator=a,b\"")]).unwrap();
        assert_eq!(quoted.attests.sbom.unwrap().params["generator"], "a,b");

        let err = opts(&[("attest:signature", "")]).unwrap_err();
        assert!(err.reason.contains("unknown attestation type"), "{err}");
    }

    #[test]
    fn no_cache_resolve_mode_and_cache_imports() {
        let o = opts(&[
            ("no-cache", "release, debug"),
            ("image-resolve-mode", "local"),
            (
                "cache-imports",
                r#"[{"Type":"registry","Attrs":{"ref":"127.0.0.1:5000/cache:x"}},{"Type":"local","Attrs":{"src":"/c"}}]"#,
            ),
        ])
        .unwrap();
        assert!(o.no_cache.applies_to("release"));
        assert!(o.no_cache.applies_to("debug"));
        assert!(!o.no_cache.applies_to("local-runtime"));
        assert_eq!(o.image_resolve_mode, ResolveMode::Local);
        assert_eq!(o.image_resolve_mode.as_str(), "local");
        assert_eq!(o.cache_imports.len(), 2);
        assert_eq!(o.cache_imports[0].kind, "registry");
        assert_eq!(o.cache_imports[0].attrs["ref"], "127.0.0.1:5000/cache:x");

        let legacy = opts(&[("cache-from", "a/b:c,d/e:f")]).unwrap();
        assert_eq!(legacy.cache_imports.len(), 2);
        assert_eq!(legacy.cache_imports[1].attrs["ref"], "d/e:f");

        assert_eq!(opts(&[("image-resolve-mode", "always")]).unwrap_err().key, "image-resolve-mode");
        assert_eq!(opts(&[("cache-imports", "{")]).unwrap_err().key, "cache-imports");
    }

    #[test]
    fn request_files_caps_and_forwarding_keys() {
        let o = opts(&[
            ("requestid", "frontend.outline"),
            ("filename", "spec.toml"),
            ("dockerfilekey", "dockerfile2"),
            ("frontend.caps", "moby.buildkit.frontend.subrequests+forward,moby.buildkit.frontend.contexts"),
            ("source", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0"),
            ("cmdline", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0"),
            ("contextkey", "ctxurl"),
            ("ctxurl", "https://example.com/repo.git"),
            ("local-sessionid:context", "sess-2"),
        ])
        .unwrap();
        assert_eq!(o.request, Some(Subrequest::Outline));
        assert_eq!(o.request.as_ref().unwrap().id(), "frontend.outline");
        assert_eq!(o.filename, "spec.toml");
        assert_eq!(o.dockerfile_local, "dockerfile2");
        assert!(o.dockerfile_key_forced);
        assert!(o.frontend_caps.contains("moby.buildkit.frontend.subrequests"));
        assert!(o.frontend_caps.contains("moby.buildkit.frontend.contexts"));
        assert!(o.cmdline.is_some() && o.source.is_some());
        assert_eq!(o.remote_context.as_deref(), Some("https://example.com/repo.git"));
        assert_eq!(o.local_session("context", "sess-1"), "sess-2");
        assert_eq!(o.local_session("dockerfile", "sess-1"), "sess-1");
        assert_eq!(
            opts(&[("requestid", "frontend.convertllb")]).unwrap().request,
            Some(Subrequest::Other("frontend.convertllb".into()))
        );
        for (id, want) in [
            ("frontend.subrequests.describe", Subrequest::Describe),
            ("frontend.targets", Subrequest::Targets),
            ("frontend.lint", Subrequest::Lint),
        ] {
            assert_eq!(Subrequest::parse(id), want);
        }
    }

    #[test]
    fn sandbox_options() {
        let o = opts(&[
            ("add-hosts", "db=10.0.0.2,v6=[::1]"),
            ("force-network-mode", "none"),
            ("hostname", "h1"),
            ("build-arg:BUILDKIT_SANDBOX_HOSTNAME", "h2"),
            ("shm-size", "67108864"),
            ("ulimit", "nofile=1024:2048,nproc=512"),
            ("cgroup-parent", "/builds"),
        ])
        .unwrap();
        assert_eq!(o.extra_hosts.len(), 2);
        assert_eq!(o.extra_hosts[0], ("db".to_string(), "10.0.0.2".parse().unwrap()));
        assert_eq!(o.extra_hosts[1].1, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(o.network_mode, Some(NetworkMode::None));
        assert_eq!(o.hostname.as_deref(), Some("h2"));
        assert_eq!(o.shm_size, Some(67_108_864));
        assert_eq!(o.ulimits[0], Ulimit { name: "nofile".into(), soft: 1024, hard: 2048 });
        assert_eq!(o.ulimits[1], Ulimit { name: "nproc".into(), soft: 512, hard: 512 });
        assert_eq!(o.cgroup_parent.as_deref(), Some("/builds"));

        assert_eq!(opts(&[("add-hosts", "db=notanip")]).unwrap_err().key, "add-hosts");
        assert_eq!(opts(&[("ulimit", "nofile=10:5")]).unwrap_err().key, "ulimit");
        assert_eq!(opts(&[("force-network-mode", "bridge")]).unwrap_err().key, "force-network-mode");
        assert_eq!(opts(&[("shm-size", "64m")]).unwrap_err().key, "shm-size");
    }
}
