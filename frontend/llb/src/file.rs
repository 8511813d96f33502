//! File ops: a chain of copy / mkdir / mkfile / rm actions applied in order to
//! one state, marshalled as a single `FileOp`.
//!
//! Wire conventions (BuildKit `client/llb/fileop.go`): relative paths are
//! resolved against the state's working directory (copy sources against the
//! source state's); the first action reads the base input (`-1` for scratch),
//! each later action reads the previous action's result (`len(inputs) + i`);
//! only the last action has output `0`, the others `-1`; copy `mode` and every
//! `timestamp` are `-1` unless set (0 would mean chmod 0 / 1970).

use bollard_buildkit_proto::pb;

use crate::caps;
use crate::error::{Error, Result};
use crate::exec::check_mode;
use crate::marshal::OpCtx;
use crate::op_options::{op_option_methods, OpOptions};
use crate::path;
use crate::state::{Node, Op, Output, State};

/// A user or group: numeric id or a name looked up in the base state's
/// `/etc/passwd` / `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserSpec {
    /// Numeric id.
    Id(u32),
    /// Name to look up.
    Name(String),
}

impl UserSpec {
    fn parse(s: &str) -> Self {
        match s.parse::<u32>() {
            Ok(id) => UserSpec::Id(id),
            Err(_) => UserSpec::Name(s.to_string()),
        }
    }

    fn to_pb(&self, base_input: i64) -> pb::UserOpt {
        use pb::user_opt::User;
        pb::UserOpt {
            user: Some(match self {
                UserSpec::Id(id) => User::ById(*id),
                UserSpec::Name(name) => User::ByName(pb::NamedUserOpt { name: name.clone(), input: base_input }),
            }),
        }
    }
}

/// Ownership for created or copied files (`--chown`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chown {
    user: UserSpec,
    group: Option<UserSpec>,
}

impl Chown {
    /// `uid:gid`.
    pub fn ids(uid: u32, gid: u32) -> Self {
        Self { user: UserSpec::Id(uid), group: Some(UserSpec::Id(gid)) }
    }

    /// A user (and optionally a group).
    pub fn new(user: UserSpec, group: Option<UserSpec>) -> Self {
        Self { user, group }
    }

    /// Parses `user[:group]` where each side is a number or a name.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason| Error::InvalidName { what: "chown", value: s.to_string(), reason };
        let (u, g) = match s.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (s, None),
        };
        if u.is_empty() || g.is_some_and(str::is_empty) {
            return Err(bad("expected user[:group], e.g. 1000:1000 or app:app"));
        }
        if s.chars().any(|c| c.is_whitespace()) || g.is_some_and(|g| g.contains(':')) {
            return Err(bad("expected user[:group] without spaces"));
        }
        Ok(Self { user: UserSpec::parse(u), group: g.map(UserSpec::parse) })
    }

    fn to_pb(&self, base_input: i64) -> pb::ChownOpt {
        pb::ChownOpt {
            user: Some(self.user.to_pb(base_input)),
            group: self.group.as_ref().map(|g| g.to_pb(base_input)),
        }
    }
}

/// A file timestamp (nanoseconds since the Unix epoch), e.g. from `SOURCE_DATE_EPOCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From whole seconds since the epoch.
    pub fn from_unix_seconds(secs: i64) -> Self {
        Self(secs.saturating_mul(1_000_000_000))
    }

    /// From nanoseconds since the epoch.
    pub fn from_unix_nanos(nanos: i64) -> Self {
        Self(nanos)
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(self) -> i64 {
        self.0
    }
}

fn ts(t: Option<Timestamp>) -> i64 {
    t.map_or(-1, Timestamp::as_nanos)
}

/// Copy `src` from a state to `dest` in the target state.
#[derive(Debug, Clone)]
pub struct Copy {
    from: State,
    src: String,
    dest: String,
    owner: Option<Chown>,
    mode: Option<u32>,
    follow_symlinks: bool,
    dir_copy_contents: bool,
    attempt_unpack: bool,
    create_dest_path: bool,
    allow_wildcard: bool,
    allow_empty_wildcard: bool,
    timestamp: Option<Timestamp>,
    include_patterns: Vec<String>,
    exclude_patterns: Vec<String>,
}

impl Copy {
    /// Copies `src` (relative = from `from`'s cwd) to `dest` (relative = from the
    /// target state's cwd; a trailing `/` means "into this directory").
    pub fn new(from: &State, src: impl Into<String>, dest: impl Into<String>) -> Self {
        Self {
            from: from.clone(),
            src: src.into(),
            dest: dest.into(),
            owner: None,
            mode: None,
            follow_symlinks: false,
            dir_copy_contents: false,
            attempt_unpack: false,
            create_dest_path: false,
            allow_wildcard: false,
            allow_empty_wildcard: false,
            timestamp: None,
            include_patterns: Vec::new(),
            exclude_patterns: Vec::new(),
        }
    }

    /// The destination path as given.
    pub fn dest(&self) -> &str {
        &self.dest
    }

    /// Whether a directory source's contents (not the directory) are copied.
    pub fn copies_dir_contents(&self) -> bool {
        self.dir_copy_contents
    }

    /// Create missing parent directories of `dest`.
    pub fn create_dest_path(mut self, v: bool) -> Self {
        self.create_dest_path = v;
        self
    }

    /// Treat `src` as a glob.
    pub fn allow_wildcard(mut self, v: bool) -> Self {
        self.allow_wildcard = v;
        self
    }

    /// A glob matching nothing is not an error.
    pub fn allow_empty_wildcard(mut self, v: bool) -> Self {
        self.allow_empty_wildcard = v;
        self
    }

    /// Follow a symlink at `src`.
    pub fn follow_symlinks(mut self, v: bool) -> Self {
        self.follow_symlinks = v;
        self
    }

    /// Copy a directory's contents rather than the directory itself.
    pub fn dir_copy_contents(mut self, v: bool) -> Self {
        self.dir_copy_contents = v;
        self
    }

    /// Unpack archives like Dockerfile `ADD`.
    pub fn attempt_unpack(mut self, v: bool) -> Self {
        self.attempt_unpack = v;
        self
    }

    /// Owner of the copied files.
    pub fn chown(mut self, owner: Chown) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Mode of the copied files (default: keep). Errors above `0o7777`.
    pub fn chmod(mut self, mode: u32) -> Result<Self> {
        check_mode(mode)?;
        self.mode = Some(mode);
        Ok(self)
    }

    /// Only copy paths matching these patterns.
    pub fn include_patterns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, p: I) -> Self {
        self.include_patterns = p.into_iter().map(Into::into).collect();
        self
    }

    /// Skip paths matching these patterns.
    pub fn exclude_patterns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, p: I) -> Self {
        self.exclude_patterns = p.into_iter().map(Into::into).collect();
        self
    }

    /// Timestamp of the copied files (default: keep).
    pub fn timestamp(mut self, t: Timestamp) -> Self {
        self.timestamp = Some(t);
        self
    }
}

/// Create a directory.
#[derive(Debug, Clone)]
pub struct Mkdir {
    path: String,
    mode: u32,
    parents: bool,
    owner: Option<Chown>,
    timestamp: Option<Timestamp>,
}

impl Mkdir {
    /// `mkdir` with permission bits `mode`. Errors above `0o7777`.
    pub fn new(path: impl Into<String>, mode: u32) -> Result<Self> {
        check_mode(mode)?;
        Ok(Self { path: path.into(), mode, parents: false, owner: None, timestamp: None })
    }

    /// The directory's path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `mkdir -p`.
    pub fn parents(mut self, v: bool) -> Self {
        self.parents = v;
        self
    }

    /// Owner.
    pub fn chown(mut self, owner: Chown) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Timestamp.
    pub fn timestamp(mut self, t: Timestamp) -> Self {
        self.timestamp = Some(t);
        self
    }
}

/// Create (or overwrite) a file with given content.
#[derive(Debug, Clone)]
pub struct Mkfile {
    path: String,
    mode: u32,
    data: Vec<u8>,
    owner: Option<Chown>,
    timestamp: Option<Timestamp>,
}

impl Mkfile {
    /// A file at `path` with `mode` and `data`. Errors above `0o7777`.
    pub fn new(path: impl Into<String>, mode: u32, data: impl Into<Vec<u8>>) -> Result<Self> {
        check_mode(mode)?;
        Ok(Self { path: path.into(), mode, data: data.into(), owner: None, timestamp: None })
    }

    /// The file's path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Owner.
    pub fn chown(mut self, owner: Chown) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Timestamp.
    pub fn timestamp(mut self, t: Timestamp) -> Self {
        self.timestamp = Some(t);
        self
    }
}

/// Remove a path.
#[derive(Debug, Clone)]
pub struct Rm {
    path: String,
    allow_not_found: bool,
    allow_wildcard: bool,
}

impl Rm {
    /// `rm -r path`.
    pub fn new(path: impl Into<String>) -> Self {
        Self { path: path.into(), allow_not_found: false, allow_wildcard: false }
    }

    /// A missing path is not an error (`rm -f`).
    pub fn allow_not_found(mut self, v: bool) -> Self {
        self.allow_not_found = v;
        self
    }

    /// Treat the path as a glob.
    pub fn allow_wildcard(mut self, v: bool) -> Self {
        self.allow_wildcard = v;
        self
    }
}

/// One file action.
#[derive(Debug, Clone)]
pub enum FileAction {
    /// Copy.
    Copy(Copy),
    /// Make a directory.
    Mkdir(Mkdir),
    /// Make a file.
    Mkfile(Mkfile),
    /// Remove.
    Rm(Rm),
}

/// An ordered chain of file actions, applied by [`State::file`] as one op.
#[derive(Debug, Clone, Default)]
pub struct FileOps {
    actions: Vec<FileAction>,
    opts: OpOptions,
}

impl FileOps {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a copy.
    pub fn copy(mut self, c: Copy) -> Self {
        self.actions.push(FileAction::Copy(c));
        self
    }

    /// Appends a mkdir.
    pub fn mkdir(mut self, m: Mkdir) -> Self {
        self.actions.push(FileAction::Mkdir(m));
        self
    }

    /// Appends a mkfile.
    pub fn mkfile(mut self, m: Mkfile) -> Self {
        self.actions.push(FileAction::Mkfile(m));
        self
    }

    /// Appends an rm.
    pub fn rm(mut self, r: Rm) -> Self {
        self.actions.push(FileAction::Rm(r));
        self
    }

    /// Appends any action.
    pub fn action(mut self, a: FileAction) -> Self {
        self.actions.push(a);
        self
    }

    /// The actions so far, in order.
    pub fn actions(&self) -> &[FileAction] {
        &self.actions
    }

    op_option_methods!();
}

/// A resolved action: paths absolute, copy source captured.
#[derive(Debug, Clone)]
pub(crate) enum ActionSpec {
    Copy { source: Option<Output>, src: String, copy: Box<Copy> },
    Mkdir(Mkdir),
    Mkfile(Mkfile),
    Rm(Rm),
}

/// A file op as it will be marshalled.
#[derive(Debug, Clone)]
pub(crate) struct FileSpec {
    base: Option<Output>,
    actions: Vec<ActionSpec>,
}

impl State {
    /// Applies a chain of file actions; the result keeps this state's metadata.
    /// Errors on an empty chain.
    pub fn file(&self, ops: FileOps) -> Result<State> {
        if ops.actions.is_empty() {
            return Err(Error::EmptyFileOp);
        }
        let cwd = self.cwd().to_string();
        let actions = ops
            .actions
            .into_iter()
            .map(|a| match a {
                FileAction::Copy(mut c) => {
                    let src = path::resolve(c.from.cwd(), &c.src);
                    c.dest = path::resolve_keep_slash(&cwd, &c.dest);
                    ActionSpec::Copy { source: c.from.output().cloned(), src, copy: Box::new(c) }
                }
                FileAction::Mkdir(mut m) => {
                    m.path = path::resolve(&cwd, &m.path);
                    ActionSpec::Mkdir(m)
                }
                FileAction::Mkfile(mut m) => {
                    m.path = path::resolve(&cwd, &m.path);
                    ActionSpec::Mkfile(m)
                }
                FileAction::Rm(mut r) => {
                    r.path = path::resolve(&cwd, &r.path);
                    ActionSpec::Rm(r)
                }
            })
            .collect();
        let spec = FileSpec { base: self.output().cloned(), actions };
        let node = Node::new(Op::File(spec), ops.opts);
        Ok(State::from_parts(Some(Output { node, index: 0 }), self.meta().clone()))
    }
}

impl FileSpec {
    pub(crate) fn input_outputs(&self) -> Vec<&Output> {
        let mut v: Vec<&Output> = self.base.iter().collect();
        for a in &self.actions {
            if let ActionSpec::Copy { source: Some(o), .. } = a {
                v.push(o);
            }
        }
        v
    }

    pub(crate) fn to_pb(&self, ctx: &mut OpCtx<'_>) -> (pb::Op, Vec<&'static str>) {
        use pb::file_action::Action;
        let mut caps = vec![caps::FILE_BASE];
        let base = self.base.as_ref().map_or(-1, |o| ctx.add_input(o));
        let secondaries: Vec<i64> = self
            .actions
            .iter()
            .map(|a| match a {
                ActionSpec::Copy { source: Some(o), .. } => ctx.add_input(o),
                _ => -1,
            })
            .collect();
        let n_inputs = ctx.input_count() as i64;
        let last = self.actions.len() - 1;
        let mut actions = Vec::with_capacity(self.actions.len());
        for (i, (a, secondary)) in self.actions.iter().zip(secondaries).enumerate() {
            let input = if i == 0 { base } else { n_inputs + i as i64 - 1 };
            let owner = |o: &Option<Chown>| o.as_ref().map(|c| c.to_pb(base));
            let action = match a {
                ActionSpec::Copy { src, copy, .. } => {
                    if !copy.include_patterns.is_empty() || !copy.exclude_patterns.is_empty() {
                        caps.push(caps::FILE_COPY_INCLUDE_EXCLUDE_PATTERNS);
                    }
                    Action::Copy(pb::FileActionCopy {
                        src: src.clone(),
                        dest: copy.dest.clone(),
                        owner: owner(&copy.owner),
                        mode: copy.mode.map_or(-1, |m| m as i32),
                        follow_symlink: copy.follow_symlinks,
                        dir_copy_contents: copy.dir_copy_contents,
                        attempt_unpack_docker_compatibility: copy.attempt_unpack,
                        create_dest_path: copy.create_dest_path,
                        allow_wildcard: copy.allow_wildcard,
                        allow_empty_wildcard: copy.allow_empty_wildcard,
                        timestamp: ts(copy.timestamp),
                        include_patterns: copy.include_patterns.clone(),
                        exclude_patterns: copy.exclude_patterns.clone(),
                        always_replace_existing_dest_paths: false,
                        mode_str: String::new(),
                        required_paths: Vec::new(),
                    })
                }
                ActionSpec::Mkdir(m) => Action::Mkdir(pb::FileActionMkDir {
                    path: m.path.clone(),
                    mode: m.mode as i32,
                    make_parents: m.parents,
                    owner: owner(&m.owner),
                    timestamp: ts(m.timestamp),
                }),
                ActionSpec::Mkfile(m) => Action::Mkfile(pb::FileActionMkFile {
                    path: m.path.clone(),
                    mode: m.mode as i32,
                    data: m.data.clone(),
                    owner: owner(&m.owner),
                    timestamp: ts(m.timestamp),
                }),
                ActionSpec::Rm(r) => {
                    if r.allow_wildcard {
                        caps.push(caps::FILE_RM_WILDCARD);
                    }
                    Action::Rm(pb::FileActionRm {
                        path: r.path.clone(),
                        allow_not_found: r.allow_not_found,
                        allow_wildcard: r.allow_wildcard,
                    })
                }
            };
            actions.push(pb::FileAction {
                input,
                secondary_input: secondary,
                output: if i == last { 0 } else { -1 },
                action: Some(action),
            });
        }
        let op = pb::Op {
            inputs: ctx.take_inputs(),
            platform: None,
            constraints: Some(pb::WorkerConstraints::default()),
            op: Some(pb::op::Op::File(pb::FileOp { actions })),
        };
        (op, caps)
    }
}
