//! Cache mounts as a closed set: each package manager's download cache and
//! each compiler's incremental cache has one id, one mount path and the env
//! var that points the tool at it. Cache mounts never enter a layer or a
//! cache key; they only make warm rebuilds fast.
//!
//! Ids are `patient-risk/<tool>-<what>`, prefixed with build arg
//! `BUILDKIT_CACHE_MOUNT_NS` when given (the Dockerfile frontend's convention).

use llb::{CacheId, CacheSharing, Mount};

use super::Ctx;
use crate::error::Result;

/// Build arg that namespaces every cache id.
pub(crate) const CACHE_NS_ARG: &str = "BUILDKIT_CACHE_MOUNT_NS";

/// The caches graphs use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cache {
    /// Go module downloads (`GOMODCACHE`).
    GoModules,
    /// Go build cache (`GOCACHE`); keyed by GOOS/GOARCH internally, so one for all targets.
    GoBuild,
    /// Cargo registry index and crate downloads (`$CARGO_HOME/registry`).
    CargoRegistry { cargo_home: String },
    /// Cargo git checkouts (`$CARGO_HOME/git`).
    CargoGit { cargo_home: String },
    /// A Cargo target directory for one Rust target triple (`CARGO_TARGET_DIR`).
    CargoTarget { triple: String },
    /// zig's global cache (glibc stubs for `maturin --zig`).
    Zig,
    /// npm's content-addressed cache (`npm_config_cache`).
    Npm,
    /// uv's cache (`UV_CACHE_DIR`).
    Uv,
    /// Conan's package storage for one Conan arch (`core.cache:storage_path`,
    /// set in the step's global.conf; Conan's home with its login tokens stays
    /// off the cache, on a tmpfs).
    Conan { arch: String },
}

impl Cache {
    fn parts(&self) -> (String, String, Option<&'static str>, CacheSharing) {
        use CacheSharing::{Locked, Shared};
        match self {
            Cache::GoModules => (
                "go-modules".into(),
                "/var/cache/patient-risk/go-mod".into(),
                Some("GOMODCACHE"),
                Shared,
            ),
            Cache::GoBuild => (
                "go-build".into(),
                "/var/cache/patient-risk/go-build".into(),
                Some("GOCACHE"),
                Shared,
            ),
            // Locked: cargo's lock for these directories is $CARGO_HOME/.package-cache,
            // outside the mount, so two steps unpacking the same crate at once (the
            // amd64 and arm64 wheel builds) would race ("File exists" on .cargo-ok).
            Cache::CargoRegistry { cargo_home } => (
                "cargo-registry".into(),
                format!("{cargo_home}/registry"),
                None,
                Locked,
            ),
            Cache::CargoGit { cargo_home } => (
                "cargo-git".into(),
                format!("{cargo_home}/git"),
                None,
                Locked,
            ),
            // One target dir per triple, locked: two cargo runs on one target dir
            // would only wait for each other's file lock anyway.
            Cache::CargoTarget { triple } => (
                format!("cargo-target-{triple}"),
                format!("/var/cache/patient-risk/cargo-target/{triple}"),
                Some("CARGO_TARGET_DIR"),
                Locked,
            ),
            Cache::Zig => (
                "zig".into(),
                "/var/cache/patient-risk/zig".into(),
                Some("ZIG_GLOBAL_CACHE_DIR"),
                Shared,
            ),
            Cache::Npm => (
                "npm".into(),
                "/var/cache/patient-risk/npm".into(),
                Some("npm_config_cache"),
                Shared,
            ),
            Cache::Uv => (
                "uv".into(),
                "/var/cache/patient-risk/uv".into(),
                Some("UV_CACHE_DIR"),
                Shared,
            ),
            // Locked: Conan's cache database (sqlite) sits in this directory.
            Cache::Conan { arch } => (
                format!("conan-{arch}"),
                format!("/var/cache/patient-risk/conan/{arch}"),
                None,
                Locked,
            ),
        }
    }

    /// The mount path.
    pub(crate) fn path(&self) -> String {
        self.parts().1
    }

    /// The env var that points the tool at the mount, with its value.
    pub(crate) fn env(&self) -> Option<(&'static str, String)> {
        let (_, path, var, _) = self.parts();
        var.map(|v| (v, path))
    }

    /// The full cache id for this build (namespace applied).
    pub(crate) fn id(&self, ctx: &Ctx<'_>) -> String {
        let ns = ctx
            .req
            .build_args
            .get(CACHE_NS_ARG)
            .map(|s| s.trim_matches('/'))
            .unwrap_or("");
        let base = format!("patient-risk/{}", self.parts().0);
        if ns.is_empty() {
            base
        } else {
            format!("{ns}/{base}")
        }
    }

    /// The mount, recorded in the ledger.
    pub(crate) fn mount(&self, ctx: &Ctx<'_>) -> Result<Mount> {
        let (_, path, _, sharing) = self.parts();
        let id = self.id(ctx);
        ctx.record_cache(&id);
        Ok(Mount::cache(&path, CacheId::new(id)?)?
            .sharing(sharing)
            .into())
    }
}
