//! The crate's error type. Every fallible builder call returns [`Error`] at the
//! call that received the bad value, with a message that says what to write instead.

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building or marshalling LLB.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A platform string such as `linux/amd64` could not be parsed.
    #[error("invalid platform {input:?}: {reason} (the form is os/arch[/variant] or a bare arch, e.g. linux/amd64, linux/arm64 or arm64)")]
    InvalidPlatform {
        /// What was given.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// An image reference could not be parsed.
    #[error("invalid image reference {input:?}: {reason}")]
    InvalidImageRef {
        /// What was given.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A content digest was not `sha256:<64 lowercase hex>`.
    #[error("invalid digest {input:?}: expected sha256:<64 lowercase hex characters>")]
    InvalidDigest {
        /// What was given.
        input: String,
    },
    /// An exec was given no arguments (or an empty program name).
    #[error("exec needs at least one argument and a non-empty program name")]
    EmptyArgs,
    /// A path that must be absolute was relative or empty.
    #[error("{what} must be an absolute path, got {path:?} (write it starting with '/')")]
    RelativePath {
        /// Which value (e.g. "mount target").
        what: &'static str,
        /// What was given.
        path: String,
    },
    /// Two mounts of one exec share a target.
    #[error("two mounts target {target:?} in one exec; give each mount its own target")]
    DuplicateMount {
        /// The duplicated target.
        target: String,
    },
    /// `ExecState::mount_output` was asked for a path without a writable output.
    #[error("exec has no output at {target:?}: only writable bind mounts (Mount::bind_rw without no_output) produce outputs")]
    NoMountOutput {
        /// The requested target.
        target: String,
    },
    /// An identifier (secret id, cache id, local name, env name...) was empty or malformed.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidName {
        /// What kind of identifier.
        what: &'static str,
        /// What was given.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A file mode above 0o7777.
    #[error("invalid file mode {mode:#o}: permission bits must be at most 0o7777")]
    InvalidMode {
        /// What was given.
        mode: u32,
    },
    /// A URL for a git or http source could not be used.
    #[error("invalid {what} URL {url:?}: {reason}")]
    InvalidUrl {
        /// "git" or "http".
        what: &'static str,
        /// What was given.
        url: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A file action chain had no actions.
    #[error("file op needs at least one action (copy, mkdir, mkfile or rm)")]
    EmptyFileOp,
    /// A source range had a start after its end, or a line below 1.
    #[error("invalid source range {start_line}:{start_col}-{end_line}:{end_col}: lines are 1-based and start must not be after end")]
    InvalidRange {
        /// Start line.
        start_line: i32,
        /// Start column.
        start_col: i32,
        /// End line.
        end_line: i32,
        /// End column.
        end_col: i32,
    },
    /// An image config JSON could not be read.
    #[error("invalid image config JSON: {reason}")]
    InvalidImageConfig {
        /// Parser message.
        reason: String,
    },
    /// The graph uses an LLB capability the target BuildKit does not offer.
    #[error("op {op} needs LLB capability {cap:?}, which this BuildKit does not support (Ping's LLBCaps); drop the feature or upgrade BuildKit")]
    UnsupportedCap {
        /// The capability id.
        cap: String,
        /// A short description of the op that needs it.
        op: String,
    },
    /// A marshalled definition could not be decoded (dump of foreign bytes).
    #[error("definition is not valid LLB: {reason}")]
    Decode {
        /// Why.
        reason: String,
    },
}
