//! Exec ops: run a command on a state with a closed set of mounts (bind, cache,
//! tmpfs, secret, ssh), secret env vars, network and security modes.
//!
//! Wire conventions (BuildKit `client/llb/exec.go`): non-secret mounts are sorted
//! by target, secret and ssh mounts follow; outputs are numbered 0,1,... over the
//! writable binds in that order; mounts without a source use input `-1`; mounts
//! without an output use output `-1`; secret files default to mode `0o400`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bollard_buildkit_proto::pb;

use crate::caps;
use crate::error::{Error, Result};
use crate::ids::{CacheId, SecretId, SshId};
use crate::marshal::OpCtx;
use crate::op_options::{op_option_methods, OpOptions};
use crate::platform::Platform;
use crate::state::{absolute, validate_env_name, NetMode, Node, Op, Output, SecurityMode, State, StateMeta};

/// Default PATH BuildKit uses on Linux when the daemon does not set one itself.
pub const DEFAULT_LINUX_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How concurrent builds share a cache mount (`pb::CacheSharingOpt`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CacheSharing {
    /// Concurrent writers share the directory.
    #[default]
    Shared,
    /// Each concurrent user gets its own copy.
    Private,
    /// Concurrent users wait for each other.
    Locked,
}

impl CacheSharing {
    fn to_pb(self) -> i32 {
        use pb::CacheSharingOpt as P;
        match self {
            CacheSharing::Shared => P::Shared as i32,
            CacheSharing::Private => P::Private as i32,
            CacheSharing::Locked => P::Locked as i32,
        }
    }
}

/// A bind mount of a state's filesystem.
#[derive(Debug, Clone)]
pub struct BindMount {
    target: String,
    from: State,
    readonly: bool,
    no_output: bool,
    selector: Option<String>,
}

impl BindMount {
    /// Mounts only this path of the source state.
    pub fn selector(mut self, path: impl Into<String>) -> Self {
        let p = path.into();
        self.selector = if p.is_empty() { None } else { Some(p) };
        self
    }

    /// A writable mount whose changes are discarded (no output state).
    pub fn no_output(mut self) -> Self {
        self.no_output = true;
        self
    }
}

/// A persistent cache directory shared across builds by id.
#[derive(Debug, Clone)]
pub struct CacheMount {
    target: String,
    id: CacheId,
    sharing: CacheSharing,
    from: Option<State>,
    selector: Option<String>,
}

impl CacheMount {
    /// How concurrent builds share it.
    pub fn sharing(mut self, sharing: CacheSharing) -> Self {
        self.sharing = sharing;
        self
    }

    /// Seeds an empty cache from this state.
    pub fn from(mut self, base: &State) -> Self {
        self.from = if base.is_scratch() { None } else { Some(base.clone()) };
        self
    }

    /// Seeds from this path of the `from` state.
    pub fn selector(mut self, path: impl Into<String>) -> Self {
        let p = path.into();
        self.selector = if p.is_empty() { None } else { Some(p) };
        self
    }
}

/// An in-memory tmpfs.
#[derive(Debug, Clone)]
pub struct TmpfsMount {
    target: String,
    size: Option<u64>,
}

impl TmpfsMount {
    /// Limits the size in bytes.
    pub fn size(mut self, bytes: u64) -> Self {
        self.size = Some(bytes);
        self
    }
}

/// A secret file mounted from the client session (never stored in a layer).
#[derive(Debug, Clone)]
pub struct SecretMount {
    target: String,
    id: SecretId,
    uid: u32,
    gid: u32,
    mode: u32,
    optional: bool,
}

impl SecretMount {
    /// File owner uid (default 0).
    pub fn uid(mut self, uid: u32) -> Self {
        self.uid = uid;
        self
    }

    /// File owner gid (default 0).
    pub fn gid(mut self, gid: u32) -> Self {
        self.gid = gid;
        self
    }

    /// File mode (default `0o400`). Errors above `0o7777`.
    pub fn mode(mut self, mode: u32) -> Result<Self> {
        check_mode(mode)?;
        self.mode = mode;
        Ok(self)
    }

    /// Do not fail when the client did not provide the secret.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// The client's SSH agent socket.
#[derive(Debug, Clone)]
pub struct SshMount {
    id: SshId,
    target: Option<String>,
    uid: u32,
    gid: u32,
    mode: u32,
    optional: bool,
}

impl SshMount {
    /// Which `--ssh` id to forward (default `default`).
    pub fn id(mut self, id: SshId) -> Self {
        self.id = id;
        self
    }

    /// Socket path (default `/run/buildkit/ssh_agent.<n>`).
    pub fn target(mut self, target: &str) -> Result<Self> {
        self.target = Some(absolute("ssh socket target", target)?);
        Ok(self)
    }

    /// Socket owner uid.
    pub fn uid(mut self, uid: u32) -> Self {
        self.uid = uid;
        self
    }

    /// Socket owner gid.
    pub fn gid(mut self, gid: u32) -> Self {
        self.gid = gid;
        self
    }

    /// Socket mode (default `0o600`).
    pub fn mode(mut self, mode: u32) -> Result<Self> {
        check_mode(mode)?;
        self.mode = mode;
        Ok(self)
    }

    /// Do not fail when the client forwards no agent.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// The closed set of exec mounts. Build one with the `Mount::*` constructors.
#[derive(Debug, Clone)]
pub enum Mount {
    /// A state's filesystem.
    Bind(BindMount),
    /// A persistent cache directory.
    Cache(CacheMount),
    /// An in-memory tmpfs.
    Tmpfs(TmpfsMount),
    /// A secret file.
    Secret(SecretMount),
    /// The SSH agent socket.
    Ssh(SshMount),
}

impl Mount {
    /// Read-only bind of `from` at `target` (no output).
    pub fn bind_ro(target: &str, from: &State) -> Result<BindMount> {
        Ok(BindMount {
            target: absolute("mount target", target)?,
            from: from.clone(),
            readonly: true,
            no_output: false,
            selector: None,
        })
    }

    /// Writable bind of `from` at `target`; its result is available through
    /// [`ExecState::mount_output`]. Binding [`State::scratch`] gives an empty
    /// directory whose content becomes the output.
    pub fn bind_rw(target: &str, from: &State) -> Result<BindMount> {
        Ok(BindMount {
            target: absolute("mount target", target)?,
            from: from.clone(),
            readonly: false,
            no_output: false,
            selector: None,
        })
    }

    /// A cache mount with `id` at `target` (sharing `Shared` unless changed).
    pub fn cache(target: &str, id: CacheId) -> Result<CacheMount> {
        Ok(CacheMount {
            target: absolute("mount target", target)?,
            id,
            sharing: CacheSharing::Shared,
            from: None,
            selector: None,
        })
    }

    /// A tmpfs at `target`.
    pub fn tmpfs(target: &str) -> Result<TmpfsMount> {
        Ok(TmpfsMount { target: absolute("mount target", target)?, size: None })
    }

    /// The secret `id` as a file at `/run/secrets/<id>`, mode `0o400`.
    pub fn secret(id: SecretId) -> SecretMount {
        SecretMount { target: format!("/run/secrets/{id}"), id, uid: 0, gid: 0, mode: 0o400, optional: false }
    }

    /// The secret `id` as a file at `target`, mode `0o400`.
    pub fn secret_at(target: &str, id: SecretId) -> Result<SecretMount> {
        Ok(SecretMount { target: absolute("secret target", target)?, id, uid: 0, gid: 0, mode: 0o400, optional: false })
    }

    /// The default SSH agent (`--ssh default`), mode `0o600`.
    pub fn ssh() -> SshMount {
        SshMount {
            id: SshId::new("default").expect("literal id is valid"),
            target: None,
            uid: 0,
            gid: 0,
            mode: 0o600,
            optional: false,
        }
    }

    fn target(&self) -> Option<&str> {
        match self {
            Mount::Bind(m) => Some(&m.target),
            Mount::Cache(m) => Some(&m.target),
            Mount::Tmpfs(m) => Some(&m.target),
            Mount::Secret(m) => Some(&m.target),
            Mount::Ssh(m) => m.target.as_deref(),
        }
    }
}

impl From<BindMount> for Mount {
    fn from(m: BindMount) -> Self {
        Mount::Bind(m)
    }
}
impl From<CacheMount> for Mount {
    fn from(m: CacheMount) -> Self {
        Mount::Cache(m)
    }
}
impl From<TmpfsMount> for Mount {
    fn from(m: TmpfsMount) -> Self {
        Mount::Tmpfs(m)
    }
}
impl From<SecretMount> for Mount {
    fn from(m: SecretMount) -> Self {
        Mount::Secret(m)
    }
}
impl From<SshMount> for Mount {
    fn from(m: SshMount) -> Self {
        Mount::Ssh(m)
    }
}

/// A secret exposed as an environment variable (`ExecOp.secretenv`, LLB cap
/// `exec.secretenv`, BuildKit ≥ 0.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnv {
    id: SecretId,
    name: String,
    optional: bool,
}

impl SecretEnv {
    /// Secret `id` as env var `name`. Errors on an invalid variable name.
    pub fn new(id: SecretId, name: impl Into<String>) -> Result<Self> {
        Ok(Self { id, name: validate_env_name(name.into())?, optional: false })
    }

    /// Do not fail when the client did not provide the secret.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// A resource limit (`Meta.ulimit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// Name such as `nofile`.
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// Proxy variables passed to the exec without entering its cache key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// `HTTP_PROXY`.
    pub http_proxy: String,
    /// `HTTPS_PROXY`.
    pub https_proxy: String,
    /// `FTP_PROXY`.
    pub ftp_proxy: String,
    /// `NO_PROXY`.
    pub no_proxy: String,
    /// `ALL_PROXY`.
    pub all_proxy: String,
}

/// A command to run on a state. Build it, then call [`State::run`].
///
/// Env, cwd and user default to the state's; the overrides set here apply to
/// this exec only and do not leak into the resulting states.
#[derive(Debug, Clone)]
pub struct Exec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
    user: Option<String>,
    network: Option<NetMode>,
    security: Option<SecurityMode>,
    hostname: Option<String>,
    mounts: Vec<Mount>,
    secret_env: Vec<SecretEnv>,
    ulimits: Vec<Ulimit>,
    cgroup_parent: Option<String>,
    proxy_env: Option<ProxyEnv>,
    valid_exit_codes: Option<Vec<i32>>,
    readonly_root: bool,
    opts: OpOptions,
}

impl Exec {
    /// Runs `args` (argv; no shell). Errors when empty or the program is empty.
    pub fn new<I, S>(args: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        if args.first().is_none_or(|a| a.is_empty()) {
            return Err(Error::EmptyArgs);
        }
        Ok(Self {
            args,
            env: Vec::new(),
            cwd: None,
            user: None,
            network: None,
            security: None,
            hostname: None,
            mounts: Vec::new(),
            secret_env: Vec::new(),
            ulimits: Vec::new(),
            cgroup_parent: None,
            proxy_env: None,
            valid_exit_codes: None,
            readonly_root: false,
            opts: OpOptions::default(),
        })
    }

    /// Runs `script` with `/bin/sh -c`. Errors when the script is empty.
    pub fn shell(script: impl Into<String>) -> Result<Self> {
        let script = script.into();
        if script.trim().is_empty() {
            return Err(Error::EmptyArgs);
        }
        Self::new(["/bin/sh".to_string(), "-c".to_string(), script])
    }

    /// Sets an env var for this exec only.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Result<Self> {
        let key = validate_env_name(key.into())?;
        let value = value.into();
        if let Some(slot) = self.env.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.env.push((key, value));
        }
        Ok(self)
    }

    /// Working directory for this exec (relative = joined to the state's).
    pub fn cwd(mut self, dir: impl Into<String>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// User for this exec.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Network mode for this exec.
    pub fn network(mut self, mode: NetMode) -> Self {
        self.network = Some(mode);
        self
    }

    /// Security mode for this exec.
    pub fn security(mut self, mode: SecurityMode) -> Self {
        self.security = Some(mode);
        self
    }

    /// Sandbox hostname for this exec.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// Adds a mount.
    pub fn mount(mut self, mount: impl Into<Mount>) -> Self {
        self.mounts.push(mount.into());
        self
    }

    /// Exposes a secret as an env var.
    pub fn secret_env(mut self, secret: SecretEnv) -> Self {
        self.secret_env.push(secret);
        self
    }

    /// Adds a ulimit.
    pub fn ulimit(mut self, ulimit: Ulimit) -> Self {
        self.ulimits.push(ulimit);
        self
    }

    /// Sets the cgroup parent.
    pub fn cgroup_parent(mut self, parent: impl Into<String>) -> Self {
        self.cgroup_parent = Some(parent.into());
        self
    }

    /// Passes proxy variables (not part of the cache key).
    pub fn proxy_env(mut self, proxy: ProxyEnv) -> Self {
        self.proxy_env = Some(proxy);
        self
    }

    /// Exit codes that count as success. Needs LLB cap `exec.validexitcode`,
    /// which BuildKit 0.13 does not have: only use it when Ping lists it.
    pub fn valid_exit_codes(mut self, codes: impl IntoIterator<Item = i32>) -> Self {
        self.valid_exit_codes = Some(codes.into_iter().collect());
        self
    }

    /// Mounts the root filesystem read-only; [`ExecState::root`] is then the input state.
    pub fn readonly_root(mut self) -> Self {
        self.readonly_root = true;
        self
    }

    op_option_methods!();
}

#[derive(Debug, Clone)]
pub(crate) enum MountKind {
    Bind,
    Cache { id: CacheId, sharing: CacheSharing },
    Tmpfs { size: Option<u64> },
    Secret { id: SecretId, uid: u32, gid: u32, mode: u32, optional: bool },
    Ssh { id: SshId, uid: u32, gid: u32, mode: u32, optional: bool },
}

#[derive(Debug, Clone)]
pub(crate) struct MountSpec {
    pub(crate) dest: String,
    pub(crate) kind: MountKind,
    pub(crate) source: Option<Output>,
    pub(crate) selector: Option<String>,
    pub(crate) readonly: bool,
    pub(crate) output: i64,
    pub(crate) no_output: bool,
}

/// An exec op as it will be marshalled.
#[derive(Debug, Clone)]
pub(crate) struct ExecSpec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: String,
    user: Option<String>,
    hostname: Option<String>,
    extra_hosts: Vec<(String, std::net::IpAddr)>,
    ulimits: Vec<Ulimit>,
    cgroup_parent: Option<String>,
    proxy_env: Option<ProxyEnv>,
    valid_exit_codes: Option<Vec<i32>>,
    network: NetMode,
    security: SecurityMode,
    platform: Option<Platform>,
    pub(crate) mounts: Vec<MountSpec>,
    secret_env: Vec<SecretEnv>,
}

/// The result of [`State::run`]: the exec's root filesystem and its writable mounts.
#[derive(Debug, Clone)]
pub struct ExecState {
    root: State,
    node: Arc<Node>,
    outputs: BTreeMap<String, i64>,
    platform: Option<Platform>,
}

impl ExecState {
    /// The root filesystem after the command ran, with the base state's metadata.
    pub fn root(&self) -> State {
        self.root.clone()
    }

    /// The content of the writable bind mount at `target` after the command ran.
    pub fn mount_output(&self, target: &str) -> Result<State> {
        let key = crate::path::clean(target);
        let index = *self.outputs.get(&key).ok_or_else(|| Error::NoMountOutput { target: target.to_string() })?;
        let meta = StateMeta { platform: self.platform.clone(), ..StateMeta::default() };
        Ok(State::from_parts(Some(Output { node: self.node.clone(), index }), meta))
    }
}

impl State {
    /// Runs `exec` on this state. Errors on duplicate mount targets.
    pub fn run(&self, exec: Exec) -> Result<ExecState> {
        let base = self.meta();
        let mut env = base.env.clone();
        for (k, v) in &exec.env {
            if let Some(slot) = env.iter_mut().find(|(key, _)| key == k) {
                slot.1 = v.clone();
            } else {
                env.push((k.clone(), v.clone()));
            }
        }
        let cwd = match &exec.cwd {
            Some(dir) => crate::path::resolve(&base.cwd, dir),
            None => base.cwd.clone(),
        };

        let mut seen = std::collections::BTreeSet::new();
        seen.insert("/".to_string());
        for m in &exec.mounts {
            if let Some(t) = m.target() {
                if !seen.insert(t.to_string()) {
                    return Err(Error::DuplicateMount { target: t.to_string() });
                }
            }
        }

        let mut fs_mounts = vec![MountSpec {
            dest: "/".to_string(),
            kind: MountKind::Bind,
            source: self.output().cloned(),
            selector: None,
            readonly: exec.readonly_root,
            output: -1,
            no_output: false,
        }];
        let mut secret_mounts = Vec::new();
        let mut ssh_mounts = Vec::new();
        for m in exec.mounts {
            match m {
                Mount::Bind(b) => fs_mounts.push(MountSpec {
                    dest: b.target,
                    kind: MountKind::Bind,
                    source: b.from.output().cloned(),
                    selector: b.selector,
                    readonly: b.readonly,
                    output: -1,
                    no_output: b.no_output,
                }),
                Mount::Cache(c) => fs_mounts.push(MountSpec {
                    dest: c.target,
                    kind: MountKind::Cache { id: c.id, sharing: c.sharing },
                    source: c.from.as_ref().and_then(|s| s.output().cloned()),
                    selector: c.selector,
                    readonly: false,
                    output: -1,
                    no_output: true,
                }),
                Mount::Tmpfs(t) => fs_mounts.push(MountSpec {
                    dest: t.target,
                    kind: MountKind::Tmpfs { size: t.size },
                    source: None,
                    selector: None,
                    readonly: false,
                    output: -1,
                    no_output: true,
                }),
                Mount::Secret(s) => secret_mounts.push(MountSpec {
                    dest: s.target,
                    kind: MountKind::Secret { id: s.id, uid: s.uid, gid: s.gid, mode: s.mode, optional: s.optional },
                    source: None,
                    selector: None,
                    readonly: true,
                    output: -1,
                    no_output: true,
                }),
                Mount::Ssh(s) => ssh_mounts.push(s),
            }
        }
        fs_mounts.sort_by(|a, b| a.dest.cmp(&b.dest));
        let mut outputs = BTreeMap::new();
        let mut next = 0i64;
        for m in &mut fs_mounts {
            if matches!(m.kind, MountKind::Bind) && !m.readonly && !m.no_output {
                m.output = next;
                outputs.insert(m.dest.clone(), next);
                next += 1;
            }
        }
        for (i, s) in ssh_mounts.into_iter().enumerate() {
            let explicit = s.target.is_some();
            let dest = s.target.unwrap_or_else(|| format!("/run/buildkit/ssh_agent.{i}"));
            if !explicit && !seen.insert(dest.clone()) {
                return Err(Error::DuplicateMount { target: dest });
            }
            if i == 0 && !env.iter().any(|(k, _)| k == "SSH_AUTH_SOCK") {
                env.push(("SSH_AUTH_SOCK".to_string(), dest.clone()));
            }
            secret_mounts.push(MountSpec {
                dest,
                kind: MountKind::Ssh { id: s.id, uid: s.uid, gid: s.gid, mode: s.mode, optional: s.optional },
                source: None,
                selector: None,
                readonly: true,
                output: -1,
                no_output: true,
            });
        }
        fs_mounts.extend(secret_mounts);

        let platform = base.platform.clone();
        let spec = ExecSpec {
            args: exec.args,
            env,
            cwd,
            user: exec.user.or_else(|| base.user.clone()).filter(|u| !u.is_empty()),
            hostname: exec.hostname.or_else(|| base.hostname.clone()).filter(|h| !h.is_empty()),
            extra_hosts: base.extra_hosts.clone(),
            ulimits: exec.ulimits,
            cgroup_parent: exec.cgroup_parent.filter(|c| !c.is_empty()),
            proxy_env: exec.proxy_env,
            valid_exit_codes: exec.valid_exit_codes,
            network: exec.network.unwrap_or(base.network),
            security: exec.security.unwrap_or(base.security),
            platform: platform.clone(),
            mounts: fs_mounts,
            secret_env: exec.secret_env,
        };
        let node = Node::new(Op::Exec(Box::new(spec)), exec.opts);
        let root = match outputs.get("/") {
            Some(&index) => State::from_parts(Some(Output { node: node.clone(), index }), base.clone()),
            None => self.clone(),
        };
        Ok(ExecState { root, node, outputs, platform })
    }
}

impl ExecSpec {
    pub(crate) fn input_outputs(&self) -> Vec<&Output> {
        self.mounts.iter().filter_map(|m| m.source.as_ref()).collect()
    }

    pub(crate) fn to_pb(&self, ctx: &mut OpCtx<'_>) -> (pb::Op, Vec<&'static str>) {
        let mut caps = vec![caps::EXEC_META_BASE];
        let mut env = self.env.clone();
        if let Some(llb_caps) = &ctx.opts.llb_caps {
            if llb_caps.contains(caps::EXEC_META_SETS_DEFAULT_PATH) {
                caps.push(caps::EXEC_META_SETS_DEFAULT_PATH);
            } else if !env.iter().any(|(k, _)| k == "PATH") {
                env.push(("PATH".to_string(), DEFAULT_LINUX_PATH.to_string()));
            }
        }
        let meta = pb::Meta {
            args: self.args.clone(),
            env: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            cwd: self.cwd.clone(),
            user: self.user.clone().unwrap_or_default(),
            proxy_env: self.proxy_env.as_ref().map(|p| pb::ProxyEnv {
                http_proxy: p.http_proxy.clone(),
                https_proxy: p.https_proxy.clone(),
                ftp_proxy: p.ftp_proxy.clone(),
                no_proxy: p.no_proxy.clone(),
                all_proxy: p.all_proxy.clone(),
            }),
            extra_hosts: self
                .extra_hosts
                .iter()
                .map(|(h, ip)| pb::HostIp { host: h.clone(), ip: ip.to_string() })
                .collect(),
            hostname: self.hostname.clone().unwrap_or_default(),
            ulimit: self
                .ulimits
                .iter()
                .map(|u| pb::Ulimit { name: u.name.clone(), soft: u.soft, hard: u.hard })
                .collect(),
            cgroup_parent: self.cgroup_parent.clone().unwrap_or_default(),
            remove_mount_stubs_recursive: true,
            valid_exit_codes: self.valid_exit_codes.clone().unwrap_or_default(),
        };
        if self.proxy_env.is_some() {
            caps.push(caps::EXEC_META_PROXY);
        }
        if !self.ulimits.is_empty() {
            caps.push(caps::EXEC_META_ULIMIT);
        }
        if self.cgroup_parent.is_some() {
            caps.push(caps::EXEC_META_CGROUP_PARENT);
        }
        if self.valid_exit_codes.is_some() {
            caps.push(caps::EXEC_VALID_EXIT_CODE);
        }
        if self.network != NetMode::Sandbox {
            caps.push(caps::EXEC_META_NETWORK);
        }
        if self.security != SecurityMode::Sandbox {
            caps.push(caps::EXEC_META_SECURITY);
        }

        let mut mounts = Vec::with_capacity(self.mounts.len());
        for m in &self.mounts {
            let input = m.source.as_ref().map_or(-1, |o| ctx.add_input(o));
            let mut pm = pb::Mount {
                input,
                selector: m.selector.clone().unwrap_or_default(),
                dest: m.dest.clone(),
                output: m.output,
                readonly: m.readonly,
                mount_type: pb::MountType::Bind as i32,
                tmpfs_opt: None,
                cache_opt: None,
                secret_opt: None,
                ssh_opt: None,
                result_id: String::new(),
                content_cache: pb::MountContentCache::Default as i32,
            };
            if m.selector.is_some() {
                caps.push(caps::EXEC_MOUNT_SELECTOR);
            }
            match &m.kind {
                MountKind::Bind => {
                    if m.source.is_some() {
                        caps.push(caps::EXEC_MOUNT_BIND);
                    }
                    if m.no_output && !m.readonly {
                        caps.push(caps::EXEC_MOUNT_BIND_READWRITE_NO_OUTPUT);
                    }
                }
                MountKind::Cache { id, sharing } => {
                    pm.mount_type = pb::MountType::Cache as i32;
                    pm.cache_opt = Some(pb::CacheOpt { id: id.to_string(), sharing: sharing.to_pb() });
                    caps.push(caps::EXEC_MOUNT_CACHE);
                    caps.push(caps::EXEC_MOUNT_CACHE_SHARING);
                }
                MountKind::Tmpfs { size } => {
                    pm.mount_type = pb::MountType::Tmpfs as i32;
                    let size = size.map_or(0, |s| i64::try_from(s).unwrap_or(i64::MAX));
                    pm.tmpfs_opt = Some(pb::TmpfsOpt { size });
                    caps.push(caps::EXEC_MOUNT_TMPFS);
                    if size > 0 {
                        caps.push(caps::EXEC_MOUNT_TMPFS_SIZE);
                    }
                }
                MountKind::Secret { id, uid, gid, mode, optional } => {
                    pm.mount_type = pb::MountType::Secret as i32;
                    pm.secret_opt = Some(pb::SecretOpt {
                        id: id.to_string(),
                        uid: *uid,
                        gid: *gid,
                        mode: *mode,
                        optional: *optional,
                    });
                    caps.push(caps::EXEC_MOUNT_SECRET);
                }
                MountKind::Ssh { id, uid, gid, mode, optional } => {
                    pm.mount_type = pb::MountType::Ssh as i32;
                    pm.ssh_opt = Some(pb::SshOpt {
                        id: id.to_string(),
                        uid: *uid,
                        gid: *gid,
                        mode: *mode,
                        optional: *optional,
                    });
                    caps.push(caps::EXEC_MOUNT_SSH);
                }
            }
            mounts.push(pm);
        }
        if !self.secret_env.is_empty() {
            caps.push(caps::EXEC_SECRET_ENV);
        }
        let exec = pb::ExecOp {
            meta: Some(meta),
            mounts,
            network: self.network.to_pb(),
            security: self.security.to_pb(),
            secretenv: self
                .secret_env
                .iter()
                .map(|s| pb::SecretEnv { id: s.id.to_string(), name: s.name.clone(), optional: s.optional })
                .collect(),
            cdi_devices: Vec::new(),
        };
        let platform = self.platform.as_ref().or(ctx.opts.platform.as_ref()).map(Platform::to_pb);
        let op = pb::Op {
            inputs: ctx.take_inputs(),
            platform,
            constraints: Some(pb::WorkerConstraints::default()),
            op: Some(pb::op::Op::Exec(exec)),
        };
        (op, caps)
    }
}

pub(crate) fn check_mode(mode: u32) -> Result<()> {
    if mode > 0o7777 {
        return Err(Error::InvalidMode { mode });
    }
    Ok(())
}

impl fmt::Display for CacheSharing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheSharing::Shared => "shared",
            CacheSharing::Private => "private",
            CacheSharing::Locked => "locked",
        })
    }
}
