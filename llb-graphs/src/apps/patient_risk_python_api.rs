//! patient-risk-python-api (graph `python-api`): FastAPI app + PyO3 wheel on
//! `python-runtime`.
//!
//! base:    rust-builder and python-builder (build platform), python-runtime (target platform)
//! build:   `manylinux_wheel`: maturin --zig for the target triple, auditwheel-checked, linking
//!          patient-signal-dsp from Conan for the target's arch (`conan_package`: x86_64 / armv8)
//! deps:    `python_wheels` (uv export of uv.lock + the pure-Python wheels), then
//!          `uv_site_packages` for the target platform (no target code runs)
//! runtime: site-packages under /opt/<app>, non-root 10001, /tmp a volume, port 8080,
//!          HEALTHCHECK on the spec's health path, entrypoint `python3 -m <module> serve`
//!          (`local-runtime` sets PATIENT_RISK_MIGRATE_ON_START=true: Alembic runs first)
//! smoke:   import the spec's smoke modules and the app module, native platform only

use app_spec::{GraphSettings, SpecKey};
use llb::{Chown, FileOps};

use super::settings_mismatch;
use crate::error::Result;
use crate::request::ImageGraph;
use crate::sbom_inputs::ImageContent;
use crate::steps::conan_package::ConanPackage;
use crate::steps::manylinux_wheel::{cargo_record, conan_records, manylinux_wheel, ConanLink, WheelCrate};
use crate::steps::uv_site_packages::{python_wheels, uv_site_packages, UvProject};
use crate::targets::{Flavor, PythonApiStop};
use crate::toolkit::image_config::Healthcheck;
use crate::toolkit::runtime::RuntimeImage;
use crate::toolkit::Ctx;

/// The app's Python package (`src/<module>`), run with `python3 -m`.
const MODULE: &str = "patient_risk_api";

/// The C library the Rust signal core links (packages/patient-signal-rust-core/build.rs),
/// from Conan for the target platform's arch.
pub(crate) fn dsp_package() -> ConanPackage {
    ConanPackage {
        path: "packages/patient-signal-dsp".to_string(),
        reference: "patient-signal-dsp/0.1.0".to_string(),
    }
}

pub(crate) fn graph(ctx: &Ctx<'_>, stop: PythonApiStop) -> Result<ImageGraph> {
    let spec = ctx.req.spec;
    let GraphSettings::PythonApi {
        wheel,
        smoke_imports,
    } = &spec.build
    else {
        return Err(settings_mismatch(ctx));
    };
    let others: Vec<String> = spec
        .packages
        .iter()
        .filter(|p| *p != wheel)
        .cloned()
        .collect();

    // build: the native wheel for the target platform, cross-compiled on the build platform.
    let krate = WheelCrate {
        path: wheel.clone(),
        other_packages: others.clone(),
        conan: vec![ConanLink {
            package: dsp_package(),
            env_prefix: "PATIENT_SIGNAL_DSP_DIR".to_string(),
            linked_by: "patient-signal-rust-core".to_string(),
        }],
    };
    let native = manylinux_wheel(ctx, &krate)?;
    let image_flavor = match stop {
        PythonApiStop::Wheel => return Ok(ctx.artifact(native)),
        PythonApiStop::SitePackages => None,
        PythonApiStop::Image(flavor) => Some(flavor),
    };

    // deps: locked requirements + pure-Python wheels, then the target's site-packages.
    let project = UvProject {
        root: spec.app_dir(),
        members: others,
        manifest_only: vec![wheel.clone()],
    };
    let wheels = python_wheels(ctx, &project)?;
    let site = uv_site_packages(ctx, &wheels, &native)?;
    let Some(flavor) = image_flavor else {
        return Ok(ctx.artifact(site));
    };

    // runtime: python-runtime with the site-packages, as the spec's non-root user.
    let rt = &spec.runtime;
    let home = format!("/opt/{}", spec.app);
    let site_dir = format!("{home}/site-packages");
    let health_url = format!("http://127.0.0.1:{}{}", rt.probe_port, rt.health);
    let mut image = RuntimeImage::new(ctx, "python-runtime")?
        .add(
            &format!("copy site-packages to {site_dir}"),
            SpecKey::Packages,
            FileOps::new()
                .mkdir(ctx.mkdir(&home, 0o755)?)
                .copy(ctx.copy(&site, "/site-packages", &site_dir).chown(Chown::ids(0, 0))),
        )?
        .env("PYTHONPATH", &site_dir)?
        .env("PYTHONDONTWRITEBYTECODE", "1")?
        .env("PATIENT_RISK_PORT", &rt.port.to_string())?
        .volume("/tmp")
        .user(&rt.user_spec())
        .workdir(&home)
        .expose(&rt.exposed_ports())
        .entrypoint(&["python3", "-m", MODULE], &["serve"])
        .healthcheck(&Healthcheck {
            test: vec![
                "CMD".into(),
                "python3".into(),
                "-c".into(),
                format!("import sys, urllib.request; sys.exit(urllib.request.urlopen('{health_url}', timeout=3).status != 200)"),
            ],
            interval_s: 15,
            timeout_s: 5,
            start_period_s: 20,
            retries: 3,
        })
        .stop_signal("SIGTERM")
        .sbom_reads(ImageContent::PythonSitePackages { dir: site_dir.clone() })
        .sbom_record(cargo_record(ctx, &krate)?);
    for record in conan_records(ctx, &krate)? {
        image = image.sbom_record(record);
    }
    match flavor {
        // Compose: apply the Alembic migrations on start, then serve.
        Flavor::LocalRuntime if rt.migrations => {
            image = image.env("PATIENT_RISK_MIGRATE_ON_START", "true")?;
        }
        Flavor::LocalRuntime | Flavor::Release => {}
    }
    // One check: the wheel's modules (spec) and the app with all its dependencies import.
    let imports = smoke_imports
        .iter()
        .cloned()
        .chain([format!("{MODULE}.app")])
        .collect::<Vec<_>>()
        .join(", ");
    image
        .smoke(
            &format!("import {imports}"),
            SpecKey::BuildSmokeImports,
            &["python3", "-c", &format!("import {imports}")],
        )?
        .finish()
}

#[cfg(test)]
mod tests {
    use super::dsp_package;

    /// The graph's reference is the recipe's: a version bump in conanfile.py
    /// without the graph (or the reverse) fails here, not in an image build.
    #[test]
    fn dsp_reference_matches_the_recipe() {
        let recipe = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../packages/patient-signal-dsp/conanfile.py"
        ))
        .unwrap();
        let field = |key: &str| {
            recipe
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{key} = \"")))
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or_else(|| panic!("conanfile.py has no {key} = \"...\""))
                .to_string()
        };
        let pkg = dsp_package();
        assert_eq!(
            pkg.reference,
            format!("{}/{}", field("name"), field("version"))
        );
        assert_eq!(
            pkg.deployed_dir("armv8"),
            "full_deploy/host/patient-signal-dsp/0.1.0/Release/armv8"
        );
    }
}
