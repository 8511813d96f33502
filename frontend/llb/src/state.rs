//! [`State`]: one output of one op plus the metadata later ops inherit (env,
//! cwd, user, platform, network, hostname). Immutable and cheap to clone; every
//! call returns a new value, so a graph reads as a chain.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::definition::RawSpec;
use crate::exec::ExecSpec;
use crate::file::FileSpec;
use crate::merge::{DiffSpec, MergeSpec};
use crate::op_options::OpOptions;
use crate::path;
use crate::platform::Platform;
use crate::source::SourceSpec;
use crate::sourcemap::SourceLocation;
use crate::ProgressGroup;

/// Network mode of exec ops (`pb::NetMode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetMode {
    /// The default sandbox network (`UNSET`).
    #[default]
    Sandbox,
    /// The host network (needs the `network.host` entitlement).
    Host,
    /// No network at all.
    None,
}

impl NetMode {
    pub(crate) fn to_pb(self) -> i32 {
        use bollard_buildkit_proto::pb::NetMode as P;
        match self {
            NetMode::Sandbox => P::Unset as i32,
            NetMode::Host => P::Host as i32,
            NetMode::None => P::None as i32,
        }
    }
}

/// Security mode of exec ops (`pb::SecurityMode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityMode {
    /// The default sandbox.
    #[default]
    Sandbox,
    /// Privileged (needs the `security.insecure` entitlement).
    Insecure,
}

impl SecurityMode {
    pub(crate) fn to_pb(self) -> i32 {
        use bollard_buildkit_proto::pb::SecurityMode as P;
        match self {
            SecurityMode::Sandbox => P::Sandbox as i32,
            SecurityMode::Insecure => P::Insecure as i32,
        }
    }
}

/// The op kinds a node can hold.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Source(SourceSpec),
    Exec(Box<ExecSpec>),
    File(FileSpec),
    Merge(MergeSpec),
    Diff(DiffSpec),
    /// An op kept verbatim from another definition.
    Raw(RawSpec),
}

/// One op in the graph. Immutable once built; shared through `Arc`.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) op: Op,
    pub(crate) opts: OpOptions,
}

impl Node {
    pub(crate) fn new(op: Op, opts: OpOptions) -> Arc<Self> {
        Arc::new(Self { op, opts })
    }

    /// The outputs this op reads, in the order its `Op.inputs` are built.
    pub(crate) fn inputs(&self) -> Vec<&Output> {
        match &self.op {
            Op::Source(_) => Vec::new(),
            Op::Exec(e) => e.input_outputs(),
            Op::File(f) => f.input_outputs(),
            Op::Merge(m) => m.inputs.iter().collect(),
            Op::Diff(d) => d.lower.iter().chain(d.upper.iter()).collect(),
            Op::Raw(r) => r.inputs.iter().collect(),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match &self.op {
            Op::Source(_) => "source",
            Op::Exec(_) => "exec",
            Op::File(_) => "file",
            Op::Merge(_) => "merge",
            Op::Diff(_) => "diff",
            Op::Raw(r) => r.kind,
        }
    }
}

/// One output of one op: what an `Input{digest, index}` points at.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub(crate) node: Arc<Node>,
    pub(crate) index: i64,
}

/// Metadata a state carries for the ops built on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateMeta {
    pub(crate) env: Vec<(String, String)>,
    pub(crate) cwd: String,
    pub(crate) user: Option<String>,
    pub(crate) platform: Option<Platform>,
    pub(crate) network: NetMode,
    pub(crate) security: SecurityMode,
    pub(crate) hostname: Option<String>,
    pub(crate) extra_hosts: Vec<(String, IpAddr)>,
}

impl Default for StateMeta {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            cwd: "/".to_string(),
            user: None,
            platform: None,
            network: NetMode::Sandbox,
            security: SecurityMode::Sandbox,
            hostname: None,
            extra_hosts: Vec::new(),
        }
    }
}

impl StateMeta {
    pub(crate) fn set_env(&mut self, key: String, value: String) {
        if let Some(slot) = self.env.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.env.push((key, value));
        }
    }
}

/// A filesystem state: one output of one op (or scratch) plus inherited metadata.
///
/// Cloning is an `Arc` bump. Every method returns a new `State`; nothing is
/// changed in place, so a `State` can be shared across graphs and threads.
#[derive(Clone)]
pub struct State(Arc<StateInner>);

#[derive(Clone)]
struct StateInner {
    output: Option<Output>,
    meta: StateMeta,
}

impl State {
    pub(crate) fn from_parts(output: Option<Output>, meta: StateMeta) -> Self {
        Self(Arc::new(StateInner { output, meta }))
    }

    pub(crate) fn output(&self) -> Option<&Output> {
        self.0.output.as_ref()
    }

    pub(crate) fn meta(&self) -> &StateMeta {
        &self.0.meta
    }

    fn with_meta(&self, f: impl FnOnce(&mut StateMeta)) -> Self {
        let mut meta = self.0.meta.clone();
        f(&mut meta);
        Self::from_parts(self.0.output.clone(), meta)
    }

    /// The empty filesystem. Marshals to an empty definition.
    pub fn scratch() -> Self {
        Self::from_parts(None, StateMeta::default())
    }

    /// Whether this is the empty filesystem (no op).
    pub fn is_scratch(&self) -> bool {
        self.0.output.is_none()
    }

    /// Sets (or replaces) an environment variable for later execs.
    /// Errors if the name is empty or contains `=` or NUL.
    pub fn with_env(&self, key: impl Into<String>, value: impl Into<String>) -> Result<Self> {
        let key = validate_env_name(key.into())?;
        let value = value.into();
        Ok(self.with_meta(|m| m.set_env(key, value)))
    }

    /// Removes an environment variable.
    pub fn without_env(&self, key: &str) -> Self {
        self.with_meta(|m| m.env.retain(|(k, _)| k != key))
    }

    /// The environment in insertion order.
    pub fn env(&self) -> &[(String, String)] {
        &self.0.meta.env
    }

    /// One environment variable.
    pub fn get_env(&self, key: &str) -> Option<&str> {
        self.0.meta.env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets the working directory; a relative path is joined to the current one.
    pub fn with_cwd(&self, dir: impl AsRef<str>) -> Self {
        let new = path::resolve(&self.0.meta.cwd, dir.as_ref());
        self.with_meta(|m| m.cwd = new)
    }

    /// The working directory (default `/`).
    pub fn cwd(&self) -> &str {
        &self.0.meta.cwd
    }

    /// Sets the user later execs run as (`name`, `uid`, `uid:gid`).
    pub fn with_user(&self, user: impl Into<String>) -> Self {
        let u = user.into();
        self.with_meta(|m| m.user = if u.is_empty() { None } else { Some(u) })
    }

    /// The user, if set.
    pub fn user(&self) -> Option<&str> {
        self.0.meta.user.as_deref()
    }

    /// Sets the platform later execs run on (and that image sources built from
    /// this state's options use).
    pub fn with_platform(&self, platform: Platform) -> Self {
        self.with_meta(|m| m.platform = Some(platform))
    }

    /// The platform, if set (otherwise `MarshalOpts::platform` applies).
    pub fn platform(&self) -> Option<&Platform> {
        self.0.meta.platform.as_ref()
    }

    /// Sets the network mode of later execs.
    pub fn with_network(&self, mode: NetMode) -> Self {
        self.with_meta(|m| m.network = mode)
    }

    /// The network mode.
    pub fn network(&self) -> NetMode {
        self.0.meta.network
    }

    /// Sets the security mode of later execs.
    pub fn with_security(&self, mode: SecurityMode) -> Self {
        self.with_meta(|m| m.security = mode)
    }

    /// Sets the sandbox hostname of later execs.
    pub fn with_hostname(&self, hostname: impl Into<String>) -> Self {
        let h = hostname.into();
        self.with_meta(|m| m.hostname = if h.is_empty() { None } else { Some(h) })
    }

    /// Adds an `/etc/hosts` entry for later execs.
    pub fn with_extra_host(&self, host: impl Into<String>, ip: IpAddr) -> Self {
        let host = host.into();
        self.with_meta(|m| m.extra_hosts.push((host, ip)))
    }

    fn with_node_opts(&self, f: impl FnOnce(&mut OpOptions)) -> Self {
        match &self.0.output {
            None => self.clone(),
            Some(out) => {
                let mut node = (*out.node).clone();
                f(&mut node.opts);
                let output = Output { node: Arc::new(node), index: out.index };
                Self::from_parts(Some(output), self.0.meta.clone())
            }
        }
    }

    /// Names the op that produced this state in build progress (`llb.customname`).
    ///
    /// This sets metadata on that op (no effect on scratch). For an exec, prefer
    /// [`crate::Exec::custom_name`] so every output of the exec shares the name.
    pub fn with_custom_name(&self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with_node_opts(|o| *o = std::mem::take(o).custom_name(name))
    }

    /// Puts the op that produced this state in a progress group.
    pub fn with_progress_group(&self, group: ProgressGroup) -> Self {
        self.with_node_opts(|o| o.progress_group = Some(group))
    }

    /// Makes the op that produced this state bypass the cache.
    pub fn with_ignore_cache(&self, ignore: bool) -> Self {
        self.with_node_opts(|o| o.ignore_cache = ignore)
    }

    /// Adds a source location to the op that produced this state.
    pub fn with_location(&self, loc: SourceLocation) -> Self {
        self.with_node_opts(|o| o.locations.push(loc))
    }

    /// The custom name of the op that produced this state, if any.
    pub fn custom_name(&self) -> Option<&str> {
        let node = &self.0.output.as_ref()?.node;
        node.opts.get_custom_name().or_else(|| match &node.op {
            Op::Raw(r) => r.metadata.description.get(crate::CUSTOM_NAME_KEY).map(String::as_str),
            _ => None,
        })
    }

    /// Applies an image config's `Env`, `WorkingDir` and `User` (the JSON from
    /// `ResolveImageConfig`) the way `FROM` does.
    pub fn with_image_config(&self, config_json: &[u8]) -> Result<Self> {
        self.with_image(&crate::ImageConfig::from_json(config_json)?)
    }

    /// Applies a parsed image config's `Env`, `WorkingDir` and `User` the way `FROM` does.
    pub fn with_image(&self, image: &crate::ImageConfig) -> Result<Self> {
        let cfg = &image.config;
        let mut st = self.clone();
        for kv in cfg.env.iter().flatten() {
            let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
            st = st.with_env(k, v).map_err(|e| Error::InvalidImageConfig { reason: e.to_string() })?;
        }
        if let Some(dir) = cfg.working_dir.as_deref().filter(|d| !d.is_empty()) {
            st = st.with_cwd(dir);
        }
        if let Some(user) = cfg.user.as_deref().filter(|u| !u.is_empty()) {
            st = st.with_user(user);
        }
        Ok(st)
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("State");
        match &self.0.output {
            None => d.field("op", &"scratch"),
            Some(o) => d.field("op", &o.node.kind()).field("output", &o.index),
        };
        d.field("cwd", &self.0.meta.cwd)
            .field("env", &self.0.meta.env)
            .field("user", &self.0.meta.user)
            .field("platform", &self.0.meta.platform.as_ref().map(ToString::to_string))
            .finish()
    }
}

pub(crate) fn validate_env_name(key: String) -> Result<String> {
    let reason = if key.is_empty() {
        Some("must not be empty")
    } else if key.contains('=') {
        Some("must not contain '='")
    } else if key.contains('\0') {
        Some("must not contain NUL")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidName { what: "environment variable name", value: key, reason }),
        None => Ok(key),
    }
}

/// Validates an absolute path argument and cleans it.
pub(crate) fn absolute(what: &'static str, p: &str) -> Result<String> {
    if !p.starts_with('/') {
        return Err(Error::RelativePath { what, path: p.to_string() });
    }
    Ok(path::clean(p))
}
