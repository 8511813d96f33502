//! Writes `$OUT_DIR/cargo-deps.json`, the record `src/lib.rs` embeds.
//!
//! With `PATIENT_RISK_SBOM_CARGO_DIR` set (Dockerfile.frontend sets it), that directory must hold
//! `cargo-metadata-<target triple>.json` (`cargo metadata --format-version 1 --locked
//! --filter-platform <triple>` of the workspace) and `Cargo.lock`; the record lists the crates
//! linked into `PATIENT_RISK_SBOM_ROOT` (default `patient-risk-frontend`) for this target
//! (`image_sbom::cargo::embedded_record`). Without it (a development build) the record is empty
//! and `sbom-scan` reports that the binary carries none.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=PATIENT_RISK_SBOM_CARGO_DIR");
    println!("cargo:rerun-if-env-changed=PATIENT_RISK_SBOM_ROOT");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("cargo-deps.json");
    let target = std::env::var("TARGET").expect("TARGET");
    let record = match std::env::var_os("PATIENT_RISK_SBOM_CARGO_DIR") {
        None => String::new(),
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let root = std::env::var("PATIENT_RISK_SBOM_ROOT").unwrap_or_else(|_| "patient-risk-frontend".into());
            let metadata = dir.join(format!("cargo-metadata-{target}.json"));
            let lock = dir.join("Cargo.lock");
            println!("cargo:rerun-if-changed={}", metadata.display());
            println!("cargo:rerun-if-changed={}", lock.display());
            let read = |p: &PathBuf| {
                std::fs::read_to_string(p).unwrap_or_else(|e| {
                    panic!(
                        "{}: {e}\n  fix: run `cargo metadata --format-version 1 --locked --filter-platform {target} > {}` and copy Cargo.lock there, or unset PATIENT_RISK_SBOM_CARGO_DIR",
                        p.display(),
                        dir.join(format!("cargo-metadata-{target}.json")).display()
                    )
                })
            };
            let (md, lk) = (read(&metadata), read(&lock));
            image_sbom::cargo::embedded_record(
                &metadata.display().to_string(),
                &md,
                Some((&lock.display().to_string(), &lk)),
                &root,
                &target,
            )
            .unwrap_or_else(|e| panic!("dependency record for {root} ({target}): {e}"))
        }
    };
    if std::fs::read_to_string(&out).ok().as_deref() != Some(record.as_str()) {
        std::fs::write(&out, record).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
}
