//! What the frontend reads to write an image's SBOM (crate `image-sbom`).
//!
//! A graph never reads files itself; it says where the truth about an
//! image's contents is, and the frontend reads it through the LLBBridge
//! only when `attest:sbom` is requested:
//!
//! - [`ImageContent`]: files in the final image filesystem: the runtime
//!   base's dpkg database, `*.dist-info/METADATA` of installed Python
//!   distributions, a Go binary's embedded build info;
//! - [`BuildRecord`]: files in a state the graph builds next to the image:
//!   `cargo metadata` of the crate compiled into a wheel, the npm lock of
//!   the bundled workspace and the `package.json` npm installed for each
//!   bundled package (the lock records no author: the supplier comes from there).
//!
//! Every runtime image starts with its base and [`ImageContent::DpkgDatabase`]
//! (see `toolkit::runtime`); each app graph adds what it installs.

use llb::{ImageRef, Mount, State};

use crate::error::{GraphError, Result};
use crate::steps::manylinux_wheel::{rust_target, wheel_workspace, WheelCrate};
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::Registry;
use crate::toolkit::runtime::RuntimeImage;
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::Toolchain;
use crate::toolkit::Ctx;

/// Files of the final image that list what it contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageContent {
    /// `/var/lib/dpkg/status` or `/var/lib/dpkg/status.d/*`, and os-release.
    DpkgDatabase,
    /// Every `<dir>/*.dist-info/METADATA`.
    PythonSitePackages {
        /// The site-packages directory in the image.
        dir: String,
    },
    /// The build info the Go linker embedded in a binary.
    GoBinary {
        /// The binary's path in the image.
        path: String,
    },
}

/// Files in a state built beside the image (never part of it).
#[derive(Debug, Clone)]
pub enum BuildRecord {
    /// `cargo metadata --filter-platform <target triple>` of the crate a wheel
    /// was compiled from, and the Cargo.lock the compile used.
    Cargo {
        /// The state holding both files.
        state: State,
        /// Path of the `cargo metadata` JSON in `state`.
        metadata: String,
        /// Path of Cargo.lock in `state`.
        lock: String,
    },
    /// The npm lock of the workspace whose bundle is in the image, in the tree `npm ci`
    /// installed for the bundle's build.
    NpmLock {
        /// The installed tree (lock, workspace manifests, `node_modules`).
        state: State,
        /// Path of `package-lock.json` in `state`.
        lock: String,
        /// The npm root in `state`: a lock location `node_modules/x` is installed at
        /// `<root>/node_modules/x` (its `package.json` holds the author).
        root: String,
        /// The workspace directory as the lock names it (`apps/patient-risk-web`).
        workspace: String,
    },
}

/// The runtime base an image was assembled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomBase {
    /// Logical name in `bases/catalog.toml`.
    pub name: String,
    /// The pinned reference it was pulled by.
    pub image: ImageRef,
}

/// Everything the frontend reads for one platform's SBOM.
#[derive(Debug, Clone, Default)]
pub struct SbomInputs {
    /// The runtime base (none for debug artifacts on scratch).
    pub base: Option<SbomBase>,
    /// Files read from the image itself.
    pub image: Vec<ImageContent>,
    /// Files read from build states.
    pub records: Vec<BuildRecord>,
}

impl RuntimeImage<'_, '_> {
    /// Adds image files the SBOM reads.
    pub(crate) fn sbom_reads(mut self, content: ImageContent) -> Self {
        self.sbom.image.push(content);
        self
    }

    /// Adds a build record the SBOM reads.
    pub(crate) fn sbom_record(mut self, record: BuildRecord) -> Self {
        self.sbom.records.push(record);
        self
    }
}

/// `cargo metadata` for the target triple, run in the wheel's cut-down
/// workspace (the state the wheel compile mounts), plus its Cargo.lock.
pub(crate) fn cargo_record(ctx: &Ctx<'_>, krate: &WheelCrate) -> Result<BuildRecord> {
    let target = ctx.target_platform();
    let (triple, _) = rust_target(target).ok_or_else(|| GraphError::UnsupportedPlatform {
        app: ctx.app().to_string(),
        requested: target.to_string(),
        allowed: "linux/amd64, linux/arm64 (the manylinux wheel targets)".to_string(),
        spec_file: ctx.req.spec_file.to_string(),
    })?;
    let rust = ctx.toolchain(Toolchain::Rust)?;
    let cargo_home = rust
        .image_env("CARGO_HOME")
        .unwrap_or_else(|| "/root/.cargo".to_string());
    let workspace = wheel_workspace(ctx, krate)?;
    // Normally answered from the registry cache the fetch just filled;
    // the registry is reachable for when that cache mount was pruned.
    let step = Step::new(ctx.name_for_target(&format!("cargo metadata {} ({triple}) for the SBOM", krate.path)))
        .reaches(Registry::Crates)
        .at("build.wheel")
        .mount(Mount::bind_ro("/src", &workspace)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cache(Cache::CargoRegistry { cargo_home })
        .cwd("/src")
        .sh(format!(
            "cargo metadata --format-version 1 --locked --filter-platform {triple} --manifest-path /src/{}/Cargo.toml > /out/cargo-metadata.json",
            krate.path
        ))
        .sh("cp /src/Cargo.lock /out/Cargo.lock");
    let state = ctx.run(rust.state(), step)?.mount_output("/out")?;
    Ok(BuildRecord::Cargo {
        state,
        metadata: "/cargo-metadata.json".to_string(),
        lock: "/Cargo.lock".to_string(),
    })
}

/// The lock and installed manifests of `npm ci`'s tree `installed` (npm root `root`), for
/// the bundled workspace `workspace`. The same state the bundle was built on: no extra step.
pub(crate) fn npm_record(installed: &State, root: &str, workspace: &str) -> BuildRecord {
    let root = format!("/{}", root.trim_matches('/'));
    BuildRecord::NpmLock {
        state: installed.clone(),
        lock: format!("{root}/package-lock.json"),
        root,
        workspace: workspace.trim_matches('/').to_string(),
    }
}
