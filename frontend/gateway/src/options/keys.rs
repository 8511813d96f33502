//! The names BuildKit hands a gateway frontend: the environment variables,
//! every option key (BuildKit `frontend/dockerui/config.go`, buildx
//! `build/opt.go`) and the `requestid` values of the subrequests. Only
//! constants: every module of the crate may name them; they name nothing.

/// Prefix of the environment variables carrying one option each.
pub const ENV_OPT_PREFIX: &str = "BUILDKIT_FRONTEND_OPT_";
/// The client session id (for `local.session` and OCI-layout stores).
pub const ENV_SESSION_ID: &str = "BUILDKIT_SESSION_ID";
/// JSON array of the daemon's workers and their platforms.
pub const ENV_WORKERS: &str = "BUILDKIT_WORKERS";
/// The product string of the daemon ("buildkit", or dockerd's own name).
pub const ENV_EXPORTED_PRODUCT: &str = "BUILDKIT_EXPORTEDPRODUCT";

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

/// `requestid` of `--call subrequests.describe`.
pub const REQUEST_DESCRIBE: &str = "frontend.subrequests.describe";
/// `requestid` of `--call outline`.
pub const REQUEST_OUTLINE: &str = "frontend.outline";
/// `requestid` of `--call targets`.
pub const REQUEST_TARGETS: &str = "frontend.targets";
/// `requestid` of `--check` / `--call lint`.
pub const REQUEST_LINT: &str = "frontend.lint";
