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
//!   bundled package (the lock records no author: the supplier comes from there),
//!   the Conan graph of a C/C++ package a crate links.
//!
//! This module is plain data: the types above and nothing that builds a state.
//! Every runtime image starts with its base and [`ImageContent::DpkgDatabase`]
//! (`toolkit::runtime`); each app graph adds what it installs. The steps that
//! write a record sit beside the step whose output they describe:
//! `steps::manylinux_wheel::cargo_record` beside the wheel compile,
//! `steps::node_bundle::npm_record` beside the bundle build,
//! `steps::conan_package::conan_record` beside the Conan install.

use llb::{ImageRef, State};

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
    /// The graph `conan install --format=json` resolved for a C/C++ package a crate's build
    /// script links (the deployed state of `steps::conan_package`, the same state the compile
    /// mounts), and that crate, which DEPENDS_ON the package in the SBOM.
    Conan {
        /// The deployed package state.
        state: State,
        /// Path of the graph JSON in `state`.
        graph: String,
        /// The crate that links it, as `cargo metadata` names it (`patient-signal-rust-core`).
        linked_by: String,
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
