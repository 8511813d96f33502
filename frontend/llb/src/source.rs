//! Source ops: where filesystem content enters the graph — registry images,
//! client-side local directories, git repositories and HTTP downloads.

use std::collections::BTreeMap;

use crate::caps;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::image_ref::ImageRef;
use crate::op_options::OpOptions;
use crate::platform::Platform;
use crate::state::{Node, Op, Output, State, StateMeta};

/// A source op as it will be marshalled.
#[derive(Debug, Clone)]
pub(crate) struct SourceSpec {
    pub(crate) identifier: String,
    pub(crate) attrs: BTreeMap<String, String>,
    /// Only image sources carry a platform (it picks the manifest).
    pub(crate) platform_specific: bool,
    pub(crate) platform: Option<Platform>,
    pub(crate) caps: Vec<&'static str>,
}

/// How BuildKit resolves an image (`image.resolvemode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolveMode {
    /// Registry first, local store as fallback (BuildKit's default).
    Default,
    /// Always pull (`--pull`).
    ForcePull,
    /// Prefer an image already in the local store.
    PreferLocal,
}

impl ResolveMode {
    /// The attr value (`default`, `pull`, `local`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveMode::Default => "default",
            ResolveMode::ForcePull => "pull",
            ResolveMode::PreferLocal => "local",
        }
    }

    /// Parses the frontend opt `image-resolve-mode`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "default" | "" => Ok(ResolveMode::Default),
            "pull" => Ok(ResolveMode::ForcePull),
            "local" => Ok(ResolveMode::PreferLocal),
            _ => Err(Error::InvalidName {
                what: "image resolve mode",
                value: s.to_string(),
                reason: "expected default, pull or local",
            }),
        }
    }
}

/// Usage record type of an image (`image.recordtype`): how BuildKit accounts
/// the image in `buildx du`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// Hidden internal image (e.g. a helper tool image).
    Internal,
    /// A frontend image.
    Frontend,
    /// A regular build input.
    Regular,
}

impl RecordType {
    fn as_str(self) -> &'static str {
        match self {
            RecordType::Internal => "internal",
            RecordType::Frontend => "frontend",
            RecordType::Regular => "regular",
        }
    }
}

/// Options of [`State::image_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageOpts {
    /// Which manifest to pull; also becomes the state's platform. `None` means
    /// `MarshalOpts::platform` (or the daemon default).
    pub platform: Option<Platform>,
    /// `image.resolvemode`; omitted when `None`.
    pub resolve_mode: Option<ResolveMode>,
    /// `image.recordtype`; omitted when `None`.
    pub record_type: Option<RecordType>,
    /// `image.layerlimit`: use only the first N layers.
    pub layer_limit: Option<u32>,
}

/// Options of [`State::oci_layout`] (an image from a client-side OCI layout store,
/// e.g. a `--build-context name=oci-layout://...` named context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OciLayoutOpts {
    /// Which manifest to use; also becomes the state's platform.
    pub platform: Option<Platform>,
    /// Client session that owns the store (`oci.session`).
    pub session_id: Option<String>,
    /// Store id inside the session (`oci.store`), the name part of the `oci-layout://` value.
    pub store_id: Option<String>,
    /// Use only the first N layers (`oci.layerlimit`).
    pub layer_limit: Option<u32>,
}

/// Transfer strategy for a local source (`local.differ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocalDiffer {
    /// Compare file metadata to send only changed files (BuildKit's default).
    Metadata,
    /// Always send every file (`none`): for tiny, always-read inputs such as the spec file.
    None,
}

/// Options of [`State::local`] (a directory on the client, sent by the session).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalOpts {
    /// Only send paths matching these patterns (`local.includepattern`).
    pub include_patterns: Vec<String>,
    /// Never send paths matching these patterns, e.g. from `.dockerignore` (`local.excludepatterns`).
    pub exclude_patterns: Vec<String>,
    /// Send exactly these paths, following symlinks (`local.followpaths`).
    pub follow_paths: Vec<String>,
    /// Reuse the incremental transfer snapshot stored under this hint (`local.sharedkeyhint`).
    pub shared_key_hint: Option<String>,
    /// Client session that owns the directory (`local.session`; `BUILDKIT_SESSION_ID`).
    pub session_id: Option<String>,
    /// Transfer strategy (`local.differ`).
    pub differ: Option<LocalDiffer>,
    /// `local.unique`: makes the op unique when no session is given (BuildKit
    /// then uses any session of the build).
    pub unique_id: Option<String>,
    /// Send only the metadata of the matched paths (names, modes, sizes; files
    /// arrive empty), except the contents of the paths matching these patterns
    /// (`local.metadatatransfer`, `local.metadatatransferexclude`). Newer than
    /// BuildKit v0.13: needs [`caps::SOURCE_LOCAL_METADATA_TRANSFER`].
    pub metadata_only: Option<Vec<String>>,
}

/// Options of [`State::git`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitOpts {
    /// Keep the `.git` directory (`git.keepgitdir`).
    pub keep_git_dir: bool,
    /// Secret id holding an HTTP auth token (`git.authtokensecret`, default `GIT_AUTH_TOKEN`).
    pub auth_token_secret: String,
    /// Secret id holding a full auth header (`git.authheadersecret`, default `GIT_AUTH_HEADER`).
    pub auth_header_secret: String,
    /// `known_hosts` lines for ssh remotes (`git.knownsshhosts`).
    pub known_ssh_hosts: Option<String>,
    /// SSH agent id for ssh remotes (`git.mountsshsock`, default `default`).
    pub mount_ssh_sock: Option<String>,
    /// Only check out this subdirectory (`#ref:subdir`).
    pub subdir: Option<String>,
}

impl Default for GitOpts {
    fn default() -> Self {
        Self {
            keep_git_dir: false,
            auth_token_secret: "GIT_AUTH_TOKEN".to_string(),
            auth_header_secret: "GIT_AUTH_HEADER".to_string(),
            known_ssh_hosts: None,
            mount_ssh_sock: None,
            subdir: None,
        }
    }
}

/// Options of [`State::http`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpOpts {
    /// Expected content digest; the download fails on mismatch (`http.checksum`).
    pub checksum: Option<Digest>,
    /// File name inside the resulting state (`http.filename`; default from the URL).
    pub filename: Option<String>,
    /// Permission bits of the file (`http.perm`).
    pub perm: Option<u32>,
    /// Owner uid (`http.uid`).
    pub uid: Option<u32>,
    /// Owner gid (`http.gid`).
    pub gid: Option<u32>,
}

/// Encodes a string list as the JSON array BuildKit parses, escaping `<`, `>`
/// and `&` like Go's `json.Marshal` so bytes match the Go client.
pub(crate) fn json_array(items: &[String]) -> String {
    let raw = serde_json::to_string(items).unwrap_or_else(|_| "[]".to_string());
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn source_state(spec: SourceSpec, meta: StateMeta) -> State {
    let node = Node::new(Op::Source(spec), OpOptions::default());
    State::from_parts(Some(Output { node, index: 0 }), meta)
}

impl State {
    /// A registry image (`docker-image://<ref>`) with default options.
    pub fn image(image: ImageRef) -> Self {
        Self::image_with(image, ImageOpts::default())
    }

    /// A registry image with options (platform, resolve mode, record type, layer limit).
    pub fn image_with(image: ImageRef, opts: ImageOpts) -> Self {
        let mut attrs = BTreeMap::new();
        let mut caps = vec![caps::SOURCE_IMAGE];
        if let Some(mode) = opts.resolve_mode {
            attrs.insert("image.resolvemode".to_string(), mode.as_str().to_string());
            if mode == ResolveMode::ForcePull {
                caps.push(caps::SOURCE_IMAGE_RESOLVE_MODE);
            }
        }
        if let Some(rt) = opts.record_type {
            attrs.insert("image.recordtype".to_string(), rt.as_str().to_string());
        }
        if let Some(limit) = opts.layer_limit {
            attrs.insert("image.layerlimit".to_string(), limit.to_string());
            caps.push(caps::SOURCE_IMAGE_LAYER_LIMIT);
        }
        let meta = StateMeta { platform: opts.platform.clone(), ..StateMeta::default() };
        source_state(
            SourceSpec {
                identifier: format!("docker-image://{image}"),
                attrs,
                platform_specific: true,
                platform: opts.platform,
                caps,
            },
            meta,
        )
    }

    /// An image from an OCI layout store on the client (`oci-layout://<ref>@<digest>`).
    /// The reference must be pinned to a digest.
    pub fn oci_layout(image: ImageRef, opts: OciLayoutOpts) -> Result<Self> {
        if !image.is_pinned() {
            return Err(Error::InvalidImageRef {
                input: image.to_string(),
                reason: "an oci-layout source needs a digest (name@sha256:...)".to_string(),
            });
        }
        let mut attrs = BTreeMap::new();
        if let Some(s) = opts.session_id.filter(|s| !s.is_empty()) {
            attrs.insert("oci.session".to_string(), s);
        }
        if let Some(s) = opts.store_id.filter(|s| !s.is_empty()) {
            attrs.insert("oci.store".to_string(), s);
        }
        if let Some(limit) = opts.layer_limit {
            attrs.insert("oci.layerlimit".to_string(), limit.to_string());
        }
        let meta = StateMeta { platform: opts.platform.clone(), ..StateMeta::default() };
        Ok(source_state(
            SourceSpec {
                identifier: format!("oci-layout://{image}"),
                attrs,
                platform_specific: true,
                platform: opts.platform,
                caps: vec![caps::SOURCE_OCI_LAYOUT],
            },
            meta,
        ))
    }

    /// A directory on the client (`local://<name>`), e.g. the build context `context`.
    pub fn local(name: impl Into<String>, opts: LocalOpts) -> Result<Self> {
        let name = name.into();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::InvalidName {
                what: "local source name",
                value: name,
                reason: "must be non-empty without whitespace (e.g. \"context\")",
            });
        }
        let mut attrs = BTreeMap::new();
        let mut caps = Vec::new();
        if let Some(s) = opts.session_id.filter(|s| !s.is_empty()) {
            attrs.insert("local.session".to_string(), s);
            caps.push(caps::SOURCE_LOCAL_SESSION_ID);
        } else if let Some(u) = opts.unique_id.filter(|u| !u.is_empty()) {
            attrs.insert("local.unique".to_string(), u);
            caps.push(caps::SOURCE_LOCAL_UNIQUE);
        }
        if !opts.include_patterns.is_empty() {
            attrs.insert("local.includepattern".to_string(), json_array(&opts.include_patterns));
            caps.push(caps::SOURCE_LOCAL_INCLUDE_PATTERNS);
        }
        if !opts.follow_paths.is_empty() {
            attrs.insert("local.followpaths".to_string(), json_array(&opts.follow_paths));
            caps.push(caps::SOURCE_LOCAL_FOLLOW_PATHS);
        }
        if !opts.exclude_patterns.is_empty() {
            attrs.insert("local.excludepatterns".to_string(), json_array(&opts.exclude_patterns));
            caps.push(caps::SOURCE_LOCAL_EXCLUDE_PATTERNS);
        }
        if let Some(h) = opts.shared_key_hint.filter(|h| !h.is_empty()) {
            attrs.insert("local.sharedkeyhint".to_string(), h);
            caps.push(caps::SOURCE_LOCAL_SHARED_KEY_HINT);
        }
        if let Some(d) = opts.differ {
            let v = match d {
                LocalDiffer::Metadata => "metadata",
                LocalDiffer::None => "none",
            };
            attrs.insert("local.differ".to_string(), v.to_string());
            caps.push(caps::SOURCE_LOCAL_DIFFER);
        }
        if let Some(exceptions) = opts.metadata_only {
            attrs.insert("local.metadatatransfer".to_string(), "true".to_string());
            if !exceptions.is_empty() {
                attrs.insert("local.metadatatransferexclude".to_string(), json_array(&exceptions));
            }
            caps.push(caps::SOURCE_LOCAL_METADATA_TRANSFER);
        }
        caps.push(caps::SOURCE_LOCAL);
        Ok(source_state(
            SourceSpec {
                identifier: format!("local://{name}"),
                attrs,
                platform_specific: false,
                platform: None,
                caps,
            },
            StateMeta::default(),
        ))
    }

    /// A git repository at `reference` (branch, tag or commit; empty = default branch).
    ///
    /// Accepts `https://`, `http://`, `ssh://`, `git://` URLs and scp-like
    /// `user@host:path`. The identifier is `git://host/path#ref[:subdir]` so https
    /// and ssh URLs of one repo share a cache key; `git.fullurl` keeps the real URL.
    pub fn git(url: &str, reference: &str, opts: GitOpts) -> Result<Self> {
        let remote = parse_git_url(url)?;
        let mut id = format!("{}{}", remote.host, crate::path::clean(&format!("/{}", remote.path)));
        let mut caps = Vec::new();
        match (&opts.subdir, reference.is_empty()) {
            (Some(sub), _) if !sub.is_empty() => {
                id.push_str(&format!("#{reference}:{sub}"));
                caps.push(caps::SOURCE_GIT_SUBDIR);
            }
            (_, false) => id.push_str(&format!("#{reference}")),
            _ => {}
        }
        let mut attrs = BTreeMap::new();
        if opts.keep_git_dir {
            attrs.insert("git.keepgitdir".to_string(), "true".to_string());
            caps.push(caps::SOURCE_GIT_KEEP_DIR);
        }
        attrs.insert("git.fullurl".to_string(), remote.full_url.clone());
        caps.push(caps::SOURCE_GIT_FULL_URL);
        let defaults = GitOpts::default();
        if !opts.auth_token_secret.is_empty() {
            attrs.insert("git.authtokensecret".to_string(), opts.auth_token_secret.clone());
        }
        if !opts.auth_header_secret.is_empty() {
            attrs.insert("git.authheadersecret".to_string(), opts.auth_header_secret.clone());
        }
        if opts.auth_token_secret != defaults.auth_token_secret || opts.auth_header_secret != defaults.auth_header_secret {
            caps.push(caps::SOURCE_GIT_HTTP_AUTH);
        }
        if remote.ssh {
            if let Some(k) = opts.known_ssh_hosts.filter(|k| !k.is_empty()) {
                let k = if k.ends_with('\n') { k } else { format!("{k}\n") };
                attrs.insert("git.knownsshhosts".to_string(), k);
            }
            caps.push(caps::SOURCE_GIT_KNOWN_SSH_HOSTS);
            let sock = opts.mount_ssh_sock.filter(|s| !s.is_empty()).unwrap_or_else(|| "default".to_string());
            attrs.insert("git.mountsshsock".to_string(), sock);
            caps.push(caps::SOURCE_GIT_MOUNT_SSH_SOCK);
        }
        caps.push(caps::SOURCE_GIT);
        Ok(source_state(
            SourceSpec {
                identifier: format!("git://{id}"),
                attrs,
                platform_specific: false,
                platform: None,
                caps,
            },
            StateMeta::default(),
        ))
    }

    /// A file downloaded over HTTP(S); the identifier is the URL itself.
    pub fn http(url: &str, opts: HttpOpts) -> Result<Self> {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| Error::InvalidUrl { what: "http", url: url.to_string(), reason: "must start with http:// or https://" })?;
        if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
            return Err(Error::InvalidUrl { what: "http", url: url.to_string(), reason: "needs a host and no whitespace" });
        }
        let mut attrs = BTreeMap::new();
        let mut caps = Vec::new();
        if let Some(d) = opts.checksum {
            attrs.insert("http.checksum".to_string(), d.to_string());
            caps.push(caps::SOURCE_HTTP_CHECKSUM);
        }
        if let Some(f) = opts.filename.filter(|f| !f.is_empty()) {
            if f.contains('/') {
                return Err(Error::InvalidName { what: "http filename", value: f, reason: "must be a plain file name without '/'" });
            }
            attrs.insert("http.filename".to_string(), f);
        }
        if let Some(p) = opts.perm {
            if p > 0o777 {
                return Err(Error::InvalidMode { mode: p });
            }
            attrs.insert("http.perm".to_string(), format!("0{p:o}"));
            caps.push(caps::SOURCE_HTTP_PERM);
        }
        if let Some(uid) = opts.uid {
            attrs.insert("http.uid".to_string(), uid.to_string());
            caps.push(caps::SOURCE_HTTP_UIDGID);
        }
        if let Some(gid) = opts.gid {
            attrs.insert("http.gid".to_string(), gid.to_string());
            if opts.uid.is_none() {
                caps.push(caps::SOURCE_HTTP_UIDGID);
            }
        }
        caps.push(caps::SOURCE_HTTP);
        Ok(source_state(
            SourceSpec {
                identifier: url.to_string(),
                attrs,
                platform_specific: false,
                platform: None,
                caps,
            },
            StateMeta::default(),
        ))
    }
}

impl SourceSpec {
    pub(crate) fn to_pb(&self, ctx: &mut crate::marshal::OpCtx<'_>) -> (bollard_buildkit_proto::pb::Op, Vec<&'static str>) {
        use bollard_buildkit_proto::pb;
        let platform = if self.platform_specific {
            self.platform.as_ref().or(ctx.opts.platform.as_ref()).map(Platform::to_pb)
        } else {
            None
        };
        let op = pb::Op {
            inputs: Vec::new(),
            platform,
            constraints: Some(pb::WorkerConstraints::default()),
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: self.identifier.clone(),
                attrs: self.attrs.clone(),
            })),
        };
        (op, self.caps.clone())
    }
}

struct GitRemote {
    host: String,
    path: String,
    full_url: String,
    ssh: bool,
}

fn parse_git_url(url: &str) -> Result<GitRemote> {
    let bad = |reason: &'static str| Error::InvalidUrl { what: "git", url: url.to_string(), reason };
    if url.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(bad("must be non-empty without whitespace"));
    }
    if url.contains('#') {
        return Err(bad("pass the ref and subdir as arguments, not as a #fragment"));
    }
    let schemes = [("https://", false), ("http://", false), ("git://", false), ("ssh://", true)];
    for (scheme, ssh) in schemes {
        if let Some(rest) = url.strip_prefix(scheme) {
            let (authority, path) = rest.split_once('/').ok_or_else(|| bad("needs a repository path after the host"))?;
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if host.is_empty() || path.is_empty() {
                return Err(bad("needs a host and a repository path"));
            }
            return Ok(GitRemote { host: host.to_string(), path: path.to_string(), full_url: url.to_string(), ssh });
        }
    }
    if url.contains("://") {
        return Err(bad("unsupported scheme (use https://, http://, ssh://, git:// or user@host:path)"));
    }
    // scp-like: [user@]host:path
    if let Some((authority, path)) = url.split_once(':') {
        if authority.contains('@') {
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if host.is_empty() || path.is_empty() || path.starts_with("//") {
                return Err(bad("scp-like URLs look like git@host:org/repo.git"));
            }
            return Ok(GitRemote { host: host.to_string(), path: path.to_string(), full_url: url.to_string(), ssh: true });
        }
    }
    // host/path without scheme: BuildKit's Go client assumes https.
    if let Some((host, path)) = url.split_once('/') {
        if host.contains('.') && !path.is_empty() {
            return Ok(GitRemote { host: host.to_string(), path: path.to_string(), full_url: format!("https://{url}"), ssh: false });
        }
    }
    Err(bad("use https://host/org/repo.git, ssh://host/org/repo.git or git@host:org/repo.git"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_arrays_match_go_encoding() {
        let v = vec!["a<b>&c".to_string(), "*.md".to_string(), "quote\"".to_string()];
        assert_eq!(json_array(&v), r#"["a\u003cb\u003e\u0026c","*.md","quote\""]"#);
    }

    #[test]
    fn git_urls() {
        for (url, host, path, ssh) in [
            ("https://github.com/moby/buildkit.git", "github.com", "moby/buildkit.git", false),
            ("ssh://git@example.com:2222/org/repo", "example.com:2222", "org/repo", true),
            ("git@github.com:moby/buildkit.git", "github.com", "moby/buildkit.git", true),
            ("github.com/moby/buildkit", "github.com", "moby/buildkit", false),
        ] {
            let r = parse_git_url(url).unwrap();
            assert_eq!((r.host.as_str(), r.path.as_str(), r.ssh), (host, path, ssh), "{url}");
        }
        for bad in ["", "ftp://x/y", "https://host", "https://github.com/a#main", "nohost"] {
            assert!(parse_git_url(bad).is_err(), "{bad}");
        }
    }
}
