//! `patient-risk-frontend sbom-scan`, BuildKit's SBOM generator protocol, run as BuildKit runs it
//! (environment `BUILDKIT_SCAN_SOURCE` / `BUILDKIT_SCAN_DESTINATION`) on root filesystems made
//! here: an ELF file carrying a real dependency record (this workspace's `cargo metadata` for
//! aarch64, built into the section the way the linker places crate `deps-record`'s static) gives
//! one in-toto statement with an SPDX 2.3 predicate listing the linked crates; a root filesystem
//! whose binaries carry no record (this test's own dev build) is an error, never an empty SBOM;
//! without the protocol's environment the command explains how it is meant to be run.
//! (The image built by Dockerfile.frontend is scanned for real in tests/frontend-release.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_patient-risk-frontend");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn scan(source: Option<&Path>, dest: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("sbom-scan").env_remove("BUILDKIT_SCAN_SOURCE").env_remove("BUILDKIT_SCAN_DESTINATION");
    if let Some(s) = source {
        cmd.env("BUILDKIT_SCAN_SOURCE", s);
    }
    if let Some(d) = dest {
        cmd.env("BUILDKIT_SCAN_DESTINATION", d);
    }
    cmd.env("SOURCE_DATE_EPOCH", "1764288000").output().unwrap()
}

/// A minimal little-endian ELF64 file with sections: null, `.shstrtab`, and `name` holding `data`.
fn elf_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut strtab = vec![0u8];
    let shstrtab_name = strtab.len() as u32;
    strtab.extend_from_slice(b".shstrtab\0");
    let data_name = strtab.len() as u32;
    strtab.extend_from_slice(name.as_bytes());
    strtab.push(0);
    let strtab_off = 64u64;
    let data_off = strtab_off + strtab.len() as u64;
    let shoff = data_off + data.len() as u64;
    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF\x02\x01\x01\0");
    f.extend_from_slice(&[0u8; 8]);
    f.extend_from_slice(&2u16.to_le_bytes()); // e_type EXEC
    f.extend_from_slice(&183u16.to_le_bytes()); // e_machine aarch64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&0u64.to_le_bytes()); // entry
    f.extend_from_slice(&0u64.to_le_bytes()); // phoff
    f.extend_from_slice(&shoff.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // flags
    f.extend_from_slice(&64u16.to_le_bytes()); // ehsize
    f.extend_from_slice(&0u16.to_le_bytes()); // phentsize
    f.extend_from_slice(&0u16.to_le_bytes()); // phnum
    f.extend_from_slice(&64u16.to_le_bytes()); // shentsize
    f.extend_from_slice(&3u16.to_le_bytes()); // shnum
    f.extend_from_slice(&1u16.to_le_bytes()); // shstrndx
    assert_eq!(f.len(), 64);
    f.extend_from_slice(&strtab);
    f.extend_from_slice(data);
    let section = |name: u32, kind: u32, off: u64, size: u64| {
        let mut s = Vec::new();
        s.extend_from_slice(&name.to_le_bytes());
        s.extend_from_slice(&kind.to_le_bytes());
        s.extend_from_slice(&0u64.to_le_bytes()); // flags
        s.extend_from_slice(&0u64.to_le_bytes()); // addr
        s.extend_from_slice(&off.to_le_bytes());
        s.extend_from_slice(&size.to_le_bytes());
        s.extend_from_slice(&[0u8; 24]); // link, info, addralign, entsize
        s
    };
    f.extend(section(0, 0, 0, 0));
    f.extend(section(shstrtab_name, 3, strtab_off, strtab.len() as u64));
    f.extend(section(data_name, 1, data_off, data.len() as u64));
    f
}

fn aarch64_record() -> String {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", "aarch64-unknown-linux-gnu"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lock = std::fs::read_to_string(repo().join("Cargo.lock")).unwrap();
    image_sbom::cargo::embedded_record(
        "cargo-metadata.json",
        std::str::from_utf8(&out.stdout).unwrap(),
        Some(("Cargo.lock", &lock)),
        "patient-risk-frontend",
        "aarch64-unknown-linux-gnu",
    )
    .unwrap()
}

#[test]
fn a_recorded_binary_gives_one_spdx_statement() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    let elf = elf_with_section(".patient-risk.cargo-deps", aarch64_record().as_bytes());
    std::fs::write(root.path().join("bin/patient-risk-frontend"), elf).unwrap();
    std::fs::write(root.path().join("bin/notes.txt"), "not a binary").unwrap();
    let o = scan(Some(root.path()), Some(out.path()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("/bin/patient-risk-frontend (patient-risk-frontend 0.1.0, aarch64-unknown-linux-gnu)"), "{said}");
    let files: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, ["llb-frontend.spdx.json"]);
    let st: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("llb-frontend.spdx.json")).unwrap()).unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v0.1");
    assert_eq!(st["predicateType"], "https://spdx.dev/Document");
    let doc = &st["predicate"];
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["creationInfo"]["created"], "2025-11-28T00:00:00Z");
    let pkgs = doc["packages"].as_array().unwrap();
    let image = pkgs.iter().find(|p| p["primaryPackagePurpose"] == "CONTAINER").unwrap();
    assert_eq!(image["name"], "llb-frontend");
    let tokio = pkgs.iter().find(|p| p["name"] == "tokio").expect("tokio");
    assert!(tokio["externalRefs"].to_string().contains("pkg:cargo/tokio@"), "{tokio}");
    assert!(pkgs.iter().all(|p| p["supplier"].as_str().is_some_and(|s| s != "NOASSERTION")));
    assert!(!pkgs.iter().any(|p| p["name"] == "serde_derive"), "a proc-macro crate is not linked");
    assert!(doc.to_string().contains("linux/arm64"), "the platform comes from the record's target");
}

#[test]
fn binaries_without_a_record_are_an_error() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::copy(BIN, root.path().join("patient-risk-frontend")).unwrap();
    let o = scan(Some(root.path()), Some(out.path()));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("carries a dependency record (ELF section .patient-risk.cargo-deps); 1 ELF file(s)"), "{err}");
    assert!(err.contains("Dockerfile.frontend"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "no SBOM written");
}

#[test]
fn without_the_protocol_environment_it_says_how_to_run_it() {
    let o = scan(None, None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("BUILDKIT_SCAN_SOURCE is not set") && err.contains("--sbom=generator="), "{err}");
}
