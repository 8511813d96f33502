//! # `image-sbom`: SPDX 2.3 documents of what really went into an image
//!
//! The frontend reads package databases, lock files and binaries out of the
//! build (through the LLBBridge) and hands their text to this crate, which
//! turns them into one SPDX 2.3 JSON document per image and platform. No I/O
//! happens here: every reader takes bytes and names the file in its errors.
//!
//! ## Map of the crate
//! - [`dpkg`]: Debian packages from `/var/lib/dpkg/status` or `status.d/*`
//!   (+ `/etc/os-release` for the purl `distro`).
//! - [`python`]: Python distributions from installed `*.dist-info/METADATA`.
//! - [`cargo`]: Rust crates linked into a binary, from `cargo metadata
//!   --filter-platform` and `Cargo.lock`; also the dependency record a binary
//!   carries in an ELF section (`embedded_record`, read by `sbom-scan`).
//! - [`npm`]: a workspace's production packages from `package-lock.json`.
//! - [`conan`]: C/C++ packages from a Conan 2 graph JSON (`conan install --format=json`).
//! - [`golang`]: Go modules from a binary's embedded build info (sans-IO ELF
//!   reader) or `go version -m` text.
//! - [`spdx`]: [`ImageSbom`] → the SPDX document (image, base image,
//!   components, CONTAINS / DEPENDS_ON relationships).
//! - [`license`], [`purl`]: SPDX license expressions and package URLs.
//! - [`supplier`]: every component's supplier (NTIA minimum element) from
//!   what its ecosystem records, with a documented fallback, never NOASSERTION.
//!
//! Every reader returns a [`ComponentSet`]; the document is deterministic
//! for a given input and `created` time, so reproducible builds stay so.

pub mod cargo;
pub mod conan;
pub mod dpkg;
pub mod golang;
pub mod license;
mod model;
pub mod npm;
pub mod purl;
pub mod python;
pub mod spdx;
pub mod supplier;

pub use license::License;
pub use model::{Algorithm, Checksum, Component, ComponentSet, Ecosystem, Parent, Purpose, SourceError};
pub use spdx::{BaseImage, DocumentInfo, ImageSbom, ImageSubject};

/// Where BuildKit finds the document inside the attestation's filesystem.
pub const SBOM_PATH: &str = "/sbom.spdx.json";
