//! Links patient-signal-dsp (the C SpO2 filter) from a Conan package folder
//! built for the *target* architecture. There is one way to get the library:
//! Conan (`make dsp/deploy` on the host, the wheel step's `conan install` in the
//! image build); the folder is named by
//!
//! - `PATIENT_SIGNAL_DSP_DIR_<TARGET>` (target triple upper-cased, `-` → `_`,
//!   e.g. `PATIENT_SIGNAL_DSP_DIR_AARCH64_UNKNOWN_LINUX_GNU`), else
//! - `PATIENT_SIGNAL_DSP_DIR`.
//!
//! The folder's `conaninfo.txt` must say `arch=` the Conan arch of the Rust
//! target (x86_64 → x86_64, aarch64 → armv8): an amd64 build can never link the
//! armv8 binary, nor the reverse.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets CARGO_CFG_TARGET_ARCH");
    let per_target = format!(
        "PATIENT_SIGNAL_DSP_DIR_{}",
        target.to_uppercase().replace('-', "_")
    );
    println!("cargo:rerun-if-env-changed={per_target}");
    println!("cargo:rerun-if-env-changed=PATIENT_SIGNAL_DSP_DIR");
    let (var, dir) = match env::var(&per_target) {
        Ok(dir) => (per_target.clone(), dir),
        Err(_) => match env::var("PATIENT_SIGNAL_DSP_DIR") {
            Ok(dir) => ("PATIENT_SIGNAL_DSP_DIR".to_string(), dir),
            Err(_) => fail(&format!(
                "neither {per_target} nor PATIENT_SIGNAL_DSP_DIR is set: point one at the Conan package folder \
                 of patient-signal-dsp for {target} (`make dsp/deploy` prints it; `make api/wheel` and \
                 `make test/unit/api` set it)"
            )),
        },
    };
    let conan_arch = match target_arch.as_str() {
        "x86_64" => "x86_64",
        "aarch64" => "armv8",
        other => fail(&format!(
            "target architecture {other} has no patient-signal-dsp Conan binary (built: x86_64, armv8)"
        )),
    };
    let dir = PathBuf::from(dir);
    let info_path = dir.join("conaninfo.txt");
    println!("cargo:rerun-if-changed={}", info_path.display());
    let info = fs::read_to_string(&info_path).unwrap_or_else(|e| {
        fail(&format!(
            "{var}={}: cannot read {} ({e}); it must be a Conan package folder of patient-signal-dsp",
            dir.display(),
            info_path.display()
        ))
    });
    let arch = info
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("arch="))
        .unwrap_or_else(|| fail(&format!("{}: no arch= setting", info_path.display())));
    if arch != conan_arch {
        fail(&format!(
            "{var}={}: the package is Conan arch={arch}, but {target} needs arch={conan_arch}; \
             install the package with the profile for the target platform",
            dir.display()
        ));
    }
    let lib_dir = dir.join("lib");
    let lib = lib_dir.join("libpatient_signal_dsp.a");
    println!("cargo:rerun-if-changed={}", lib.display());
    if !lib.is_file() {
        fail(&format!(
            "{var}={}: {} is missing",
            dir.display(),
            lib.display()
        ));
    }
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=static=patient_signal_dsp");
}

fn fail(message: &str) -> ! {
    eprintln!("error: patient-signal-dsp: {message}");
    std::process::exit(1);
}
