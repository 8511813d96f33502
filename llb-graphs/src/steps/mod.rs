//! Shared steps, each named after what it produces. A step takes the build
//! context slices it reads and returns the state holding its output.

pub(crate) mod conan_package;
pub(crate) mod go_binary;
pub(crate) mod manylinux_wheel;
pub(crate) mod mkdocs_site;
pub(crate) mod node_bundle;
pub(crate) mod uv_site_packages;

use llb::Platform;

/// ELF `e_machine` of a platform's architecture, as `od -tx1` prints the two
/// little-endian bytes at offset 18 (x86-64 = 62, AArch64 = 183).
fn elf_machine(platform: &Platform) -> Option<&'static str> {
    match platform.architecture() {
        "amd64" => Some("3e00"),
        "arm64" => Some("b700"),
        _ => None,
    }
}

/// A script line that fails the step unless `path` is an ELF file for
/// `platform`: a cross-compile that silently produced a host binary stops here.
pub(crate) fn elf_check(path: &str, platform: &Platform) -> String {
    match elf_machine(platform) {
        Some(m) => format!(
            "machine=$(od -An -tx1 -j18 -N2 {path} | tr -d ' \\n'); [ \"$(head -c4 {path} | od -An -c | tr -d ' ')\" = '177ELF' ] && [ \"$machine\" = {m} ] || {{ echo \"error: {path} is not an ELF executable for {platform} (e_machine bytes: $machine, want {m})\" >&2; exit 1; }}"
        ),
        None => format!("test -s {path}"),
    }
}
