//! LLB capability ids recorded in `OpMetadata.caps`. Only ids that BuildKit
//! v0.13 knows are used by default (solver/pb/caps.go at v0.13.2); the newer
//! ids ([`EXEC_VALID_EXIT_CODE`], [`SOURCE_LOCAL_METADATA_TRANSFER`]) are
//! emitted only when a caller asks for the option that needs them, and the
//! frontend asks only when Ping declares the cap ([`NEWER_THAN_V0_13`]).
//!
//! BuildKit rejects a definition that names a cap it does not know, so
//! `MarshalOpts::llb_caps` (Ping's `LLBCaps`) lets marshal fail early with a
//! clear error instead.

#![allow(missing_docs)]

pub const SOURCE_IMAGE: &str = "source.image";
pub const SOURCE_IMAGE_RESOLVE_MODE: &str = "source.image.resolvemode";
pub const SOURCE_IMAGE_LAYER_LIMIT: &str = "source.image.layerlimit";
pub const SOURCE_LOCAL: &str = "source.local";
pub const SOURCE_LOCAL_UNIQUE: &str = "source.local.unique";
pub const SOURCE_LOCAL_SESSION_ID: &str = "source.local.sessionid";
pub const SOURCE_LOCAL_INCLUDE_PATTERNS: &str = "source.local.includepatterns";
pub const SOURCE_LOCAL_FOLLOW_PATHS: &str = "source.local.followpaths";
pub const SOURCE_LOCAL_EXCLUDE_PATTERNS: &str = "source.local.excludepatterns";
pub const SOURCE_LOCAL_SHARED_KEY_HINT: &str = "source.local.sharedkeyhint";
pub const SOURCE_LOCAL_DIFFER: &str = "source.local.differ";
pub const SOURCE_GIT: &str = "source.git";
pub const SOURCE_GIT_KEEP_DIR: &str = "source.git.keepgitdir";
pub const SOURCE_GIT_FULL_URL: &str = "source.git.fullurl";
pub const SOURCE_GIT_HTTP_AUTH: &str = "source.git.httpauth";
pub const SOURCE_GIT_KNOWN_SSH_HOSTS: &str = "source.git.knownsshhosts";
pub const SOURCE_GIT_MOUNT_SSH_SOCK: &str = "source.git.mountsshsock";
pub const SOURCE_GIT_SUBDIR: &str = "source.git.subdir";
pub const SOURCE_HTTP: &str = "source.http";
pub const SOURCE_HTTP_CHECKSUM: &str = "source.http.checksum";
pub const SOURCE_HTTP_PERM: &str = "source.http.perm";
/// Spelled this way in BuildKit itself.
pub const SOURCE_HTTP_UIDGID: &str = "soruce.http.uidgid";
pub const SOURCE_OCI_LAYOUT: &str = "source.ocilayout";
/// Not in BuildKit v0.13: only emitted when `LocalOpts::metadata_only` is set.
pub const SOURCE_LOCAL_METADATA_TRANSFER: &str = "source.local.metadatatransfer";

pub const EXEC_META_BASE: &str = "exec.meta.base";
pub const EXEC_META_CGROUP_PARENT: &str = "exec.meta.cgroup.parent";
pub const EXEC_META_NETWORK: &str = "exec.meta.network";
pub const EXEC_META_PROXY: &str = "exec.meta.proxyenv";
pub const EXEC_META_SECURITY: &str = "exec.meta.security";
pub const EXEC_META_SETS_DEFAULT_PATH: &str = "exec.meta.setsdefaultpath";
pub const EXEC_META_ULIMIT: &str = "exec.meta.ulimit";
pub const EXEC_MOUNT_BIND: &str = "exec.mount.bind";
pub const EXEC_MOUNT_BIND_READWRITE_NO_OUTPUT: &str = "exec.mount.bind.readwrite-nooutput";
pub const EXEC_MOUNT_CACHE: &str = "exec.mount.cache";
pub const EXEC_MOUNT_CACHE_SHARING: &str = "exec.mount.cache.sharing";
pub const EXEC_MOUNT_SELECTOR: &str = "exec.mount.selector";
pub const EXEC_MOUNT_TMPFS: &str = "exec.mount.tmpfs";
pub const EXEC_MOUNT_TMPFS_SIZE: &str = "exec.mount.tmpfs.size";
pub const EXEC_MOUNT_SECRET: &str = "exec.mount.secret";
pub const EXEC_MOUNT_SSH: &str = "exec.mount.ssh";
pub const EXEC_SECRET_ENV: &str = "exec.secretenv";
/// Not in BuildKit v0.13: only emitted when `Exec::valid_exit_codes` is used.
pub const EXEC_VALID_EXIT_CODE: &str = "exec.validexitcode";

pub const FILE_BASE: &str = "file.base";
pub const FILE_RM_WILDCARD: &str = "file.rm.wildcard";
pub const FILE_COPY_INCLUDE_EXCLUDE_PATTERNS: &str = "file.copy.includeexcludepatterns";

pub const CONSTRAINTS: &str = "constraints";
pub const PLATFORM: &str = "platform";
pub const META_IGNORE_CACHE: &str = "meta.ignorecache";
pub const META_DESCRIPTION: &str = "meta.description";
pub const META_EXPORT_CACHE: &str = "meta.exportcache";

pub const MERGE_OP: &str = "mergeop";
pub const DIFF_OP: &str = "diffop";

/// Exporter caps: no op declares them; a frontend checks them in Ping's
/// `LLBCaps` before it returns attestations or relies on `SOURCE_DATE_EPOCH`.
pub const EXPORTER_IMAGE_ATTESTATIONS: &str = "exporter.image.attestations";
pub const EXPORTER_SOURCE_DATE_EPOCH: &str = "exporter.sourcedateepoch";

/// Every op cap id above that BuildKit v0.13.2 lists (for tests and for callers
/// without a Ping answer).
pub const BUILDKIT_V0_13: &[&str] = &[
    SOURCE_IMAGE,
    SOURCE_IMAGE_RESOLVE_MODE,
    SOURCE_IMAGE_LAYER_LIMIT,
    SOURCE_LOCAL,
    SOURCE_LOCAL_UNIQUE,
    SOURCE_LOCAL_SESSION_ID,
    SOURCE_LOCAL_INCLUDE_PATTERNS,
    SOURCE_LOCAL_FOLLOW_PATHS,
    SOURCE_LOCAL_EXCLUDE_PATTERNS,
    SOURCE_LOCAL_SHARED_KEY_HINT,
    SOURCE_LOCAL_DIFFER,
    SOURCE_GIT,
    SOURCE_GIT_KEEP_DIR,
    SOURCE_GIT_FULL_URL,
    SOURCE_GIT_HTTP_AUTH,
    SOURCE_GIT_KNOWN_SSH_HOSTS,
    SOURCE_GIT_MOUNT_SSH_SOCK,
    SOURCE_GIT_SUBDIR,
    SOURCE_HTTP,
    SOURCE_HTTP_CHECKSUM,
    SOURCE_HTTP_PERM,
    SOURCE_HTTP_UIDGID,
    SOURCE_OCI_LAYOUT,
    EXEC_META_BASE,
    EXEC_META_CGROUP_PARENT,
    EXEC_META_NETWORK,
    EXEC_META_PROXY,
    EXEC_META_SECURITY,
    EXEC_META_SETS_DEFAULT_PATH,
    EXEC_META_ULIMIT,
    EXEC_MOUNT_BIND,
    EXEC_MOUNT_BIND_READWRITE_NO_OUTPUT,
    EXEC_MOUNT_CACHE,
    EXEC_MOUNT_CACHE_SHARING,
    EXEC_MOUNT_SELECTOR,
    EXEC_MOUNT_TMPFS,
    EXEC_MOUNT_TMPFS_SIZE,
    EXEC_MOUNT_SECRET,
    EXEC_MOUNT_SSH,
    EXEC_SECRET_ENV,
    FILE_BASE,
    FILE_RM_WILDCARD,
    FILE_COPY_INCLUDE_EXCLUDE_PATTERNS,
    CONSTRAINTS,
    PLATFORM,
    META_IGNORE_CACHE,
    META_DESCRIPTION,
    META_EXPORT_CACHE,
    MERGE_OP,
    DIFF_OP,
];

/// Every LLB cap id BuildKit v0.34.2 declares and v0.13.2 does not (the two
/// solver/pb/caps.go compared). A frontend that caps the engine at the v0.13
/// set (`BUILDKIT_ENGINE_CAPS=v0.13`) drops these from Ping's answer, so a
/// v0.34 daemon gets exactly the LLB a v0.13 daemon gets.
pub const NEWER_THAN_V0_13: &[&str] = &[
    "exec.meta.cdi",
    "exec.meta.linux.resources",
    "exec.meta.network.proxy",
    EXEC_VALID_EXIT_CODE,
    "exporter.session",
    "file.copy.alwaysreplaceexistingdestpaths",
    "file.copy.modestring",
    "file.copy.requiredpaths",
    "file.symlink.create",
    "gc.freespacefilter",
    "history.filter",
    "passthroughop",
    "source.git.bundle",
    "source.git.checkoutbundle",
    "source.git.checksum",
    "source.git.fetchbycommit",
    "source.git.mtime",
    "source.git.signatureverify",
    "source.git.skipsubmodules",
    "source.http.auth",
    "source.http.header",
    "source.http.signatureverify",
    "source.image.checksum",
    "source.imageblob",
    SOURCE_LOCAL_METADATA_TRANSFER,
    "source.policy.session",
];
