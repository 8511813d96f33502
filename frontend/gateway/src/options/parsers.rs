//! From raw `key=value` pairs to [`FrontendOptions`]: one small parser per
//! option (or group of options that decide together), each failing with an
//! [`OptionError`] that names the key, the value and what would be accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use llb::Platform;

use super::keys;
use super::values::{
    AttestRequest, Attestations, CacheImport, FrontendOptions, NamedContext, NetworkMode, NoCache, ResolveMode,
    Subrequest, Ulimit,
};

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
    pub(super) fn new(key: &str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl FrontendOptions {
    /// Reads `BUILDKIT_FRONTEND_OPT_<n>` from the process environment.
    pub fn from_env() -> Result<Self, OptionError> {
        Self::from_pairs(raw_pairs_from_env(std::env::vars()))
    }

    /// Whether the process environment looks like a gateway launch.
    pub fn env_is_gateway() -> bool {
        std::env::vars().any(|(k, _)| k.starts_with(keys::ENV_OPT_PREFIX) || k == keys::ENV_SESSION_ID)
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
        frontend_options(raw)
    }
}

/// The raw options, with a lookup of trimmed, non-empty values.
struct Raw<'a>(&'a BTreeMap<String, String>);

impl Raw<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn non_empty(&self, key: &str) -> Option<String> {
        self.get(key).filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_string())
    }
}

/// Every option, typed; unknown keys stay in [`FrontendOptions::raw`].
pub(super) fn frontend_options(raw: BTreeMap<String, String>) -> Result<FrontendOptions, OptionError> {
    let r = Raw(&raw);
    let build_args = prefixed(&raw, keys::BUILD_ARG_PREFIX);
    let platforms = platforms(&r)?;
    let multi_platform = multi_platform(&r, &build_args, &platforms)?;
    let dockerfile_key = r.non_empty(keys::DOCKERFILE_KEY);
    Ok(FrontendOptions {
        target: r.non_empty(keys::TARGET),
        platforms,
        multi_platform,
        labels: prefixed(&raw, keys::LABEL_PREFIX),
        named_contexts: named_contexts(&raw)?,
        attests: attests(&raw)?,
        no_cache: no_cache(&r),
        image_resolve_mode: resolve_mode(r.get(keys::IMAGE_RESOLVE_MODE).unwrap_or(""))?,
        cache_imports: cache_imports(&r)?,
        request: r.non_empty(keys::REQUEST_ID).map(|v| Subrequest::parse(&v)),
        filename: r.non_empty(keys::FILENAME).unwrap_or_else(|| keys::DEFAULT_FILENAME.to_string()),
        dockerfile_key_forced: dockerfile_key.is_some(),
        dockerfile_local: dockerfile_key.unwrap_or_else(|| keys::DEFAULT_LOCAL_DOCKERFILE.to_string()),
        context_local: keys::DEFAULT_LOCAL_CONTEXT.to_string(),
        remote_context: remote_context(&r),
        context_subdir: r.non_empty(keys::CONTEXT_SUBDIR),
        source_date_epoch: source_date_epoch(&build_args)?,
        frontend_caps: frontend_caps(&r),
        source: r.non_empty(keys::SOURCE),
        cmdline: r.non_empty(keys::CMDLINE),
        local_session_ids: prefixed(&raw, keys::LOCAL_SESSION_ID_PREFIX),
        local_shared_keys: prefixed(&raw, keys::SHARED_KEY_LOCALDIR_PREFIX),
        extra_hosts: extra_hosts(r.get(keys::ADD_HOSTS).unwrap_or(""))?,
        network_mode: network_mode(&r)?,
        hostname: hostname(&r, &build_args),
        shm_size: shm_size(&r)?,
        ulimits: ulimits(r.get(keys::ULIMIT).unwrap_or(""))?,
        cgroup_parent: r.non_empty(keys::CGROUP_PARENT),
        build_args,
        raw,
    })
}

/// `platform`: a comma list, parsed by the one platform parser (`llb::Platform`).
fn platforms(r: &Raw<'_>) -> Result<Vec<Platform>, OptionError> {
    match r.get(keys::PLATFORM) {
        Some(v) => Platform::parse_list(v).map_err(|e| OptionError::new(keys::PLATFORM, v, e.to_string())),
        None => Ok(Vec::new()),
    }
}

/// `multi-platform` (or `build-arg:BUILDKIT_MULTI_PLATFORM`), or more than one platform.
fn multi_platform(
    r: &Raw<'_>,
    build_args: &BTreeMap<String, String>,
    platforms: &[Platform],
) -> Result<bool, OptionError> {
    let multi_opt = r.get(keys::MULTI_PLATFORM).map(|v| parse_bool(keys::MULTI_PLATFORM, v)).transpose()?;
    let multi_arg = build_args
        .get(keys::ARG_MULTI_PLATFORM)
        .map(|v| parse_bool(keys::ARG_MULTI_PLATFORM, v))
        .transpose()?;
    let explicit = multi_opt.or(multi_arg);
    if explicit == Some(false) && platforms.len() > 1 {
        return Err(OptionError::new(
            keys::MULTI_PLATFORM,
            "false",
            format!(
                "{} platforms were requested; drop `multi-platform=false` or ask for one platform",
                platforms.len()
            ),
        ));
    }
    Ok(explicit.unwrap_or(false) || platforms.len() > 1)
}

/// `context:NAME[::os/arch]`.
fn named_contexts(raw: &BTreeMap<String, String>) -> Result<BTreeMap<String, NamedContext>, OptionError> {
    prefixed(raw, keys::CONTEXT_PREFIX)
        .into_iter()
        .map(|(name, value)| {
            let key = format!("{}{}", keys::CONTEXT_PREFIX, name);
            Ok((name, named_context(&key, &value)?))
        })
        .collect()
}

/// A `context:NAME` value (`key` is the whole option key, for errors).
fn named_context(key: &str, value: &str) -> Result<NamedContext, OptionError> {
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

/// `no-cache`: empty = everything, else a list of targets.
fn no_cache(r: &Raw<'_>) -> NoCache {
    match r.get(keys::NO_CACHE) {
        None => NoCache::Off,
        Some(v) if v.trim().is_empty() => NoCache::All,
        Some(v) => NoCache::Targets(split_list(v).into_iter().collect()),
    }
}

/// `image-resolve-mode`.
fn resolve_mode(value: &str) -> Result<ResolveMode, OptionError> {
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

/// `cache-imports` (JSON), else the legacy `cache-from` registry refs.
fn cache_imports(r: &Raw<'_>) -> Result<Vec<CacheImport>, OptionError> {
    let imports = match r.get(keys::CACHE_IMPORTS) {
        Some(v) if !v.trim().is_empty() => serde_json::from_str::<Vec<CacheImport>>(v).map_err(|e| {
            OptionError::new(keys::CACHE_IMPORTS, v, format!("expected a JSON array of {{\"Type\",\"Attrs\"}}: {e}"))
        })?,
        _ => Vec::new(),
    };
    if !imports.is_empty() {
        return Ok(imports);
    }
    Ok(r
        .get(keys::CACHE_FROM)
        .map(|v| {
            split_list(v)
                .into_iter()
                .map(|reference| CacheImport {
                    kind: "registry".into(),
                    attrs: BTreeMap::from([("ref".to_string(), reference)]),
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The remote main context: the value of the key `contextkey` names (default `context`).
fn remote_context(r: &Raw<'_>) -> Option<String> {
    let context_key = r.non_empty(keys::CONTEXT_KEY).unwrap_or_else(|| keys::CONTEXT.to_string());
    r.non_empty(&context_key)
}

/// `build-arg:SOURCE_DATE_EPOCH` in Unix seconds.
fn source_date_epoch(build_args: &BTreeMap<String, String>) -> Result<Option<i64>, OptionError> {
    match build_args.get(keys::ARG_SOURCE_DATE_EPOCH) {
        Some(v) if !v.trim().is_empty() => v.trim().parse::<i64>().map(Some).map_err(|_| {
            OptionError::new(
                &format!("{}{}", keys::BUILD_ARG_PREFIX, keys::ARG_SOURCE_DATE_EPOCH),
                v,
                "expected Unix seconds, e.g. 1700000000",
            )
        }),
        _ => Ok(None),
    }
}

/// `frontend.caps`, the `+forward` suffix removed.
fn frontend_caps(r: &Raw<'_>) -> BTreeSet<String> {
    r.get(keys::FRONTEND_CAPS)
        .map(|v| {
            split_list(v)
                .into_iter()
                .map(|c| c.trim_end_matches("+forward").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `force-network-mode`.
fn network_mode(r: &Raw<'_>) -> Result<Option<NetworkMode>, OptionError> {
    match r.non_empty(keys::FORCE_NETWORK_MODE).as_deref() {
        None => Ok(None),
        Some("none") => Ok(Some(NetworkMode::None)),
        Some("host") => Ok(Some(NetworkMode::Host)),
        Some("sandbox") | Some("default") => Ok(Some(NetworkMode::Sandbox)),
        Some(other) => Err(OptionError::new(
            keys::FORCE_NETWORK_MODE,
            other,
            "expected `none`, `host` or `sandbox`",
        )),
    }
}

/// `shm-size` in bytes.
fn shm_size(r: &Raw<'_>) -> Result<Option<u64>, OptionError> {
    r.non_empty(keys::SHM_SIZE)
        .map(|v| v.parse::<u64>().map_err(|_| OptionError::new(keys::SHM_SIZE, &v, "expected a size in bytes")))
        .transpose()
}

/// `build-arg:BUILDKIT_SANDBOX_HOSTNAME`, else `hostname`.
fn hostname(r: &Raw<'_>, build_args: &BTreeMap<String, String>) -> Option<String> {
    build_args
        .get(keys::ARG_SANDBOX_HOSTNAME)
        .filter(|v| !v.is_empty())
        .cloned()
        .or_else(|| r.non_empty(keys::HOSTNAME))
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
            let n = k.strip_prefix(keys::ENV_OPT_PREFIX)?.parse::<usize>().ok()?;
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

fn attests(raw: &BTreeMap<String, String>) -> Result<Attestations, OptionError> {
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

fn extra_hosts(v: &str) -> Result<Vec<(String, IpAddr)>, OptionError> {
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

fn ulimits(v: &str) -> Result<Vec<Ulimit>, OptionError> {
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
