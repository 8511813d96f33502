//! `conan_package`: a C/C++ package from Conan 2 for the *target* platform,
//! deployed into a state the compile step mounts. The Conan `arch` follows the
//! guide's platform table: linux/amd64 → `arch=x86_64`, linux/arm64 →
//! `arch=armv8` (cross-compiled on the build platform by Debian's
//! aarch64-linux-gnu-gcc from the builder; nothing runs under emulation).
//!
//! Two steps:
//! 1. `conan toolchain` (once, arch-independent): Conan and CMake pinned by the
//!    package's `conan-requirements.txt`, into `/opt/conan` of the Rust builder.
//! 2. `conan install` per target: the package for that arch, with `full_deploy`
//!    into `/out` (its package folder with `conaninfo.txt`, `lib/`, `include/`)
//!    plus `/out/conan-graph.json` (the resolved graph) and `/out/conan-link.txt`
//!    (`name/version#rrev:package_id#prev arch=<arch>`). Where the binary comes from depends on `PACKAGE_SOURCE`:
//!    - `workspace`: the recipe and sources from the build context, exported
//!      and built when missing (`--build=missing:<ref>`), Conan's package
//!      storage on a cache mount per arch;
//!    - `registry`: the published binary from the Conan remote named by build
//!      arg `CONAN_REMOTE_URL` (`--build=never`: a missing binary fails), logged
//!      in with secrets `conan_login_username`/`conan_password` through Conan's
//!      env vars; Conan's home (its token database) and storage are on tmpfs, so
//!      no credential or token outlives the step and nothing comes from a cache.
//!
//! One way of linking in both modes: the Conan-deployed static library.

use app_spec::SpecKey;
use llb::{Mount, Platform, State};

use crate::error::{GraphError, Result};
use crate::sbom_inputs::BuildRecord;
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::{PackageSource, Registry, CONAN_REMOTE_URL_ARG};
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::Toolchain;
use crate::toolkit::Ctx;

/// Where the Conan toolchain venv lives in the builder.
const CONAN_VENV: &str = "/opt/conan";
/// Conan's home inside a step (on a tmpfs: settings, remotes, login tokens).
const CONAN_HOME: &str = "/run/patient-risk-conan/home";
/// Conan's package storage in registry mode (tmpfs: always fetched from the remote).
const CONAN_TMP_STORAGE: &str = "/run/patient-risk-conan/storage";
/// The Conan remote's name in the step (`CONAN_LOGIN_USERNAME_PRIVATE`, ...).
pub(crate) const CONAN_REMOTE_NAME: &str = "private";

/// A Conan package a compile step links.
#[derive(Debug, Clone)]
pub(crate) struct ConanPackage {
    /// Repository path of the package (conanfile.py, sources, `profiles/`).
    pub(crate) path: String,
    /// `name/version` (the recipe's).
    pub(crate) reference: String,
}

impl ConanPackage {
    fn name(&self) -> &str {
        self.reference.split('/').next().unwrap_or(&self.reference)
    }

    fn version(&self) -> &str {
        self.reference.split('/').nth(1).unwrap_or("")
    }

    /// The deployed package folder of `arch` inside the step's output.
    pub(crate) fn deployed_dir(&self, arch: &str) -> String {
        format!(
            "full_deploy/host/{}/{}/Release/{arch}",
            self.name(),
            self.version()
        )
    }
}

/// The Conan `arch` setting of a platform (the guide's table, section 4-2).
pub(crate) fn conan_arch(platform: &Platform) -> Option<&'static str> {
    match platform.architecture() {
        "amd64" => Some("x86_64"),
        "arm64" => Some("armv8"),
        _ => None,
    }
}

fn arch_of(ctx: &Ctx<'_>, platform: &Platform) -> Result<&'static str> {
    conan_arch(platform).ok_or_else(|| GraphError::UnsupportedPlatform {
        app: ctx.app().to_string(),
        requested: platform.to_string(),
        allowed: "linux/amd64, linux/arm64 (Conan arch=x86_64, arch=armv8)".to_string(),
        spec_file: ctx.req.spec_file.to_string(),
    })
}

/// Step 1: the Rust builder with Conan + CMake in /opt/conan.
fn conan_toolchain(ctx: &Ctx<'_>, pkg: &ConanPackage) -> Result<State> {
    let rust = ctx.toolchain(Toolchain::Rust)?;
    let pins = ctx.context(
        "conan-requirements",
        &[format!("{}/conan-requirements.txt", pkg.path)],
    )?;
    let step = Step::new(ctx.name("conan toolchain (pip install conan + cmake, pinned)"))
        .reaches(Registry::PyPi)
        .at(SpecKey::BuildWheel)
        .mount(Mount::bind_ro("/pins", &pins)?)
        .mount(Mount::tmpfs("/tmp")?)
        .sh(rust.require_tools(&["python3", "gcc", "aarch64-linux-gnu-gcc"]))
        .sh(format!("python3 -m venv {CONAN_VENV}"))
        .sh(format!(
            "{CONAN_VENV}/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps -r /pins/{}/conan-requirements.txt",
            pkg.path
        ))
        .sh(format!("{CONAN_VENV}/bin/pip check"))
        .sh(format!("{CONAN_VENV}/bin/conan --version && {CONAN_VENV}/bin/cmake --version | head -1"));
    Ok(ctx.run(rust.state(), step)?.root())
}

/// Step 2: the package for the target platform's Conan arch, deployed in `/`
/// of the result (see [`ConanPackage::deployed_dir`]).
pub(crate) fn conan_package(ctx: &Ctx<'_>, pkg: &ConanPackage) -> Result<State> {
    let arch = arch_of(ctx, ctx.target_platform())?;
    let build_arch = arch_of(ctx, ctx.build_platform())?;
    let toolchain = conan_toolchain(ctx, pkg)?;
    let registry = ctx.package_source()? == PackageSource::Registry;
    let profiles = format!("/src/{}/profiles", pkg.path);
    let mut paths = vec![format!("{}/profiles", pkg.path)];
    if !registry {
        for p in ["conanfile.py", "CMakeLists.txt", "include", "src", "tests"] {
            paths.push(format!("{}/{p}", pkg.path));
        }
    }
    let sources = ctx.context("conan-package-sources", &paths)?;
    let what = if registry {
        format!(
            "conan install {} arch={arch} from remote {CONAN_REMOTE_NAME}",
            pkg.reference
        )
    } else {
        format!(
            "conan create {} arch={arch} from the workspace recipe",
            pkg.reference
        )
    };
    let mut step = Step::new(ctx.name_for_target(&what))
        .at(SpecKey::BuildWheel)
        .mount(Mount::bind_ro("/src", &sources)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .mount(Mount::tmpfs("/run/patient-risk-conan")?)
        .mount(Mount::tmpfs("/tmp")?)
        .env(
            "PATH",
            format!(
                "{CONAN_VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            ),
        )
        .env("CONAN_HOME", CONAN_HOME)
        .sh(format!("mkdir -p {CONAN_HOME}"));
    let build = if registry {
        let url =
            ctx.registry_for_packages(CONAN_REMOTE_URL_ARG, "the workspace's Conan packages")?;
        step = step
            .reaches(Registry::Conan)
            .sh(format!("mkdir -p {CONAN_TMP_STORAGE}"))
            .sh(format!(
                "printf 'core.cache:storage_path={CONAN_TMP_STORAGE}\\ncore:non_interactive=True\\n' > {CONAN_HOME}/global.conf"
            ))
            .sh("conan remote remove conancenter >/dev/null 2>&1 || true")
            .sh(format!("conan remote add --force {CONAN_REMOTE_NAME} '{url}'"));
        "never".to_string()
    } else {
        let storage = Cache::Conan {
            arch: arch.to_string(),
        };
        let storage_dir = storage.path();
        step = step
            .cache(storage)
            .sh(format!(
                "printf 'core.cache:storage_path={storage_dir}\\n' > {CONAN_HOME}/global.conf"
            ))
            .sh("conan remote remove conancenter >/dev/null 2>&1 || true")
            .sh(format!("conan export /src/{}", pkg.path));
        format!("missing:{}", pkg.reference)
    };
    let graph = "/out/conan-graph.json";
    step = step
        .sh(format!(
            "conan install --requires={reference} -pr:h {profiles}/linux-{arch} -pr:b {profiles}/linux-{build_arch} \
             --build='{build}' --deployer=full_deploy --deployer-folder=/out -of /tmp/conan-generators --format=json > {graph}",
            reference = pkg.reference
        ))
        .sh(format!(
            "info=/out/{dir}/conaninfo.txt; grep -qx 'arch={arch}' \"$info\" \
             || {{ echo \"error: {reference}: the deployed package is not arch={arch}: $(grep '^arch=' \"$info\" || echo no conaninfo.txt)\" >&2; exit 1; }}",
            dir = pkg.deployed_dir(arch),
            reference = pkg.reference
        ))
        // The resolved reference, name/version#rrev:package_id#prev arch=<arch>, in the
        // build log (with where the binary came from: Build, Download, Cache) and in
        // conan-link.txt (without it: the same content however warm the cache was).
        .sh(format!(
            "python3 -c 'import json, sys; g = json.load(open(sys.argv[1]))
for n in g[\"graph\"][\"nodes\"].values():
    if n.get(\"ref\", \"\").startswith(\"{reference}#\"):
        pref = \"{{}}:{{}}#{{}} arch={arch}\".format(n[\"ref\"], n[\"package_id\"], n[\"prev\"])
        print(\"conan:\", pref, \"(\" + n[\"binary\"] + \")\")
        open(\"/out/conan-link.txt\", \"w\").write(pref + \"\\n\")' {graph}",
            reference = pkg.reference
        ))
        .sh(format!(
            "test -s /out/conan-link.txt || {{ echo 'error: {} is not in the resolved Conan graph (/out/conan-graph.json)' >&2; exit 1; }}",
            pkg.reference
        ));
    Ok(ctx.run(&toolchain, step)?.mount_output("/out")?)
}

/// The SBOM record of a Conan package the crate `linked_by` links: the graph JSON of the
/// install step above (the same state the compile mounts; no extra step).
pub(crate) fn conan_record(ctx: &Ctx<'_>, pkg: &ConanPackage, linked_by: &str) -> Result<BuildRecord> {
    Ok(BuildRecord::Conan {
        state: conan_package(ctx, pkg)?,
        graph: "/conan-graph.json".to_string(),
        linked_by: linked_by.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guide's platform table (4-2).
    #[test]
    fn platforms_map_to_conan_arch() {
        assert_eq!(conan_arch(&Platform::linux_amd64()), Some("x86_64"));
        assert_eq!(conan_arch(&Platform::linux_arm64()), Some("armv8"));
    }
}
