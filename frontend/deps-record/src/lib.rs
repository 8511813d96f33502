//! The dependency record of the binary this crate is linked into, in the ELF section
//! [`SECTION`] (the idea of `cargo auditable`, in `image-sbom`'s own format): the crates
//! linked for its target with versions, licenses, authors, repositories and Cargo.lock
//! checksums. `build.rs` writes it at compile time; `patient-risk-frontend sbom-scan` reads
//! it back out of the binary file in an image's root filesystem (it need not run the binary,
//! which may be for another architecture). Empty in a development build.

/// The ELF section the record is in (= `image_sbom::cargo::RECORD_SECTION`).
pub const SECTION: &str = ".patient-risk.cargo-deps";

const LEN: usize = include_bytes!(concat!(env!("OUT_DIR"), "/cargo-deps.json")).len();

// `#[link_section]` is why this crate allows unsafe code for this one item: naming a section
// is unsafe only when it collides with one the toolchain uses, which this name does not.
#[allow(unsafe_code)]
#[used]
#[link_section = ".patient-risk.cargo-deps"]
static RECORD: [u8; LEN] = *include_bytes!(concat!(env!("OUT_DIR"), "/cargo-deps.json"));

/// The embedded record (JSON), empty when the build did not provide one.
pub fn record() -> &'static [u8] {
    &RECORD
}
