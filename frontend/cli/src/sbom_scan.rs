//! `patient-risk-frontend sbom-scan`: an SBOM generator for BuildKit's `--sbom=generator=<image>`
//! (the scanner protocol of BuildKit's `frontend/attestations/sbom`), used for the frontend's own
//! image, which BuildKit's builtin Dockerfile frontend builds.
//!
//! BuildKit runs the generator image's entrypoint with the scanned image's root filesystem
//! mounted read-only at `$BUILDKIT_SCAN_SOURCE`, extra states (build context, stages marked with
//! `BUILDKIT_SBOM_SCAN_*`) under `$BUILDKIT_SCAN_SOURCE_EXTRAS` (not read here: the record is in
//! the binary), and an empty `$BUILDKIT_SCAN_DESTINATION` whose files must each be one in-toto
//! statement with predicate type `https://spdx.dev/Document`; BuildKit unbundles them into the
//! platform's attestation manifest.
//!
//! What is scanned: every ELF file of the root filesystem that carries a dependency record in
//! the section `.patient-risk.cargo-deps` (written at build time by crate `deps-record`, see
//! `image_sbom::cargo::embedded_record`). The document lists the crates linked into each such
//! binary with version, license, supplier, purl and Cargo.lock checksum, like the app images'
//! SBOMs. A root filesystem without any record is an error, never an empty SBOM.

use std::path::{Path, PathBuf};

use image_sbom::{cargo, DocumentInfo, ImageSbom, ImageSubject, Parent};
use serde_json::json;

use crate::cli_error::CliError;

/// Largest file read as a possible binary.
const MAX_BINARY: u64 = 512 << 20;

fn env_dir(var: &str) -> Result<PathBuf, CliError> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Ok(PathBuf::from(v)),
        _ => Err(CliError::usage(format!(
            "sbom-scan: {var} is not set: this command is BuildKit's SBOM generator protocol; run it as \
             `--sbom=generator=<scanner image>` (make frontend/sbom-scanner), or set BUILDKIT_SCAN_SOURCE=<rootfs> \
             and BUILDKIT_SCAN_DESTINATION=<out dir> by hand"
        ))),
    }
}

/// ELF files under `dir` (symlinks not followed), sorted.
fn elf_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::failed(format!("sbom-scan: {}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
        if meta.is_dir() {
            elf_files(&p, out)?;
        } else if meta.is_file() && meta.len() >= 64 && meta.len() <= MAX_BINARY {
            let mut head = [0u8; 4];
            let is_elf = std::fs::File::open(&p)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
                .is_ok()
                && &head == b"\x7fELF";
            if is_elf {
                out.push(p);
            }
        }
    }
    Ok(())
}

/// `linux/amd64` for `x86_64-unknown-linux-gnu`.
fn platform_of(triple: &str) -> String {
    let arch = match triple.split('-').next().unwrap_or_default() {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("linux/{arch}")
}

/// Scans `$BUILDKIT_SCAN_SOURCE`, writes `$BUILDKIT_SCAN_DESTINATION/<name>.spdx.json`.
pub fn run(args: &[String]) -> Result<String, CliError> {
    let mut image_name = String::from("llb-frontend");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--image-name" => {
                image_name = it
                    .next()
                    .ok_or_else(|| CliError::usage("sbom-scan: --image-name needs a value".to_string()))?
                    .clone()
            }
            other => return Err(CliError::usage(format!("sbom-scan: unknown argument `{other}` (usage: sbom-scan [--image-name NAME])"))),
        }
    }
    let source = env_dir("BUILDKIT_SCAN_SOURCE")?;
    let dest = env_dir("BUILDKIT_SCAN_DESTINATION")?;
    let mut files = Vec::new();
    elf_files(&source, &mut files)?;
    let mut found = Vec::new();
    for f in &files {
        let shown = format!("/{}", f.strip_prefix(&source).unwrap_or(f).display());
        let bytes = std::fs::read(f).map_err(|e| CliError::failed(format!("sbom-scan: {shown}: {e}")))?;
        match cargo::record_in_elf(&shown, &bytes) {
            Ok(Some(rec)) if !rec.is_empty() => {
                let (bin, set) = cargo::crates_from_record(&shown, rec, Parent::Image)
                    .map_err(|e| CliError::failed(format!("sbom-scan: {e}")))?;
                found.push((shown, bin, set));
            }
            Ok(_) => {}
            // Not every ELF file is well formed enough to have sections; such a file has no record.
            Err(_) => {}
        }
    }
    let Some(first) = found.first().map(|(_, b, _)| b.clone()) else {
        return Err(CliError::failed(format!(
            "sbom-scan: no binary under {} carries a dependency record (ELF section {}); {} ELF file(s) looked at. \
             Build the binary with Dockerfile.frontend (it sets PATIENT_RISK_SBOM_CARGO_DIR), not a plain cargo build",
            source.display(),
            cargo::RECORD_SECTION,
            files.len()
        )));
    };
    let platform = platform_of(&first.target);
    let mut sbom = ImageSbom::new(ImageSubject {
        name: image_name.clone(),
        version: first.version.clone(),
        platform: platform.clone(),
        description: first.description.clone(),
        license: first.license.clone(),
        source: first.repository.clone(),
        revision: String::new(),
        supplier: String::new(),
    });
    let mut binaries = Vec::new();
    for (shown, bin, set) in found {
        binaries.push(format!("{shown} ({} {}, {})", bin.name, bin.version, bin.target));
        sbom.add(set);
    }
    let created = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let source_url = if first.repository.is_empty() {
        "https://spdx.org/spdxdocs/patient-risk".to_string()
    } else {
        first.repository.clone()
    };
    let supplier = sbom_supplier(&source_url);
    let info = DocumentInfo {
        namespace_prefix: format!("{source_url}/spdx"),
        created: llb::rfc3339(created),
        creators: vec![
            format!("Tool: patient-risk-frontend-{}-sbom-scan", env!("CARGO_PKG_VERSION")),
            supplier,
        ],
    };
    let doc = sbom.document(&info);
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://spdx.dev/Document",
        "subject": [],
        "predicate": doc,
    });
    let out = dest.join(format!("{image_name}.spdx.json"));
    let text = serde_json::to_vec(&statement).map_err(|e| CliError::failed(format!("sbom-scan: {e}")))?;
    std::fs::write(&out, text).map_err(|e| CliError::failed(format!("sbom-scan: {}: {e}", out.display())))?;
    Ok(format!(
        "sbom-scan: {} packages for {platform} from {} → {}\n",
        sbom.component_count(),
        binaries.join(", "),
        out.display()
    ))
}

/// `Organization: github.com/<owner>` for the repository the root crate declares.
fn sbom_supplier(repository: &str) -> String {
    image_sbom::supplier::source_owner(repository).unwrap_or_else(|| "Organization: patient-risk".to_string())
}
