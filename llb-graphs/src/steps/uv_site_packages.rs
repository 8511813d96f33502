//! `uv_site_packages`: the target platform's site-packages (locked third-party
//! deps, the app's own pure-Python packages and the native wheel), installed by
//! uv on the build platform without running target code:
//! `uv pip install --target --python-platform <arch>-manylinux_2_28
//! --python-version 3.13 --only-binary :all:`.
//!
//! Two steps:
//! 1. `python wheels` (once, arch-independent): `uv export --frozen` turns
//!    `uv.lock` into hashed requirements (workspace members left out) and
//!    `uv build --wheel` builds the workspace's pure-Python packages.
//! 2. `uv pip install` per target platform: hashed requirements first (binary
//!    wheels only), then the local wheels without dependencies; bytecode is
//!    compiled by the build platform's Python of the same version.

use llb::{Mount, State};

use super::manylinux_wheel::MANYLINUX;
use crate::error::{GraphError, Result};
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::{PackageSource, Registry, UV_INDEX_URL_ARG};
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::Toolchain;
use crate::toolkit::Ctx;

/// Python version of the runtime images (Debian trixie's python3).
pub(crate) const PYTHON_VERSION: &str = "3.13";

/// The uv workspace to install.
#[derive(Debug, Clone)]
pub(crate) struct UvProject {
    /// Directory of the workspace root (`pyproject.toml` + `uv.lock`).
    pub(crate) root: String,
    /// Other member directories: each one with a `pyproject.toml` is built as
    /// a pure-Python wheel (directories without one, e.g. a Rust crate, are skipped).
    pub(crate) members: Vec<String>,
    /// Repository paths whose `pyproject.toml` alone is read (members built elsewhere, e.g. the native wheel).
    pub(crate) manifest_only: Vec<String>,
}

/// `name==version` of the `[project]` table of the pyproject.toml given as `$1`
/// (bash single quotes: no shell expansion inside).
const PROJECT_PIN: &str = r#"python3 -c 'import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))["project"]
print(p["name"] + "==" + p["version"])' "$dir/pyproject.toml""#;

/// The arch-independent part: hashed requirements and the pure-Python wheels, in `/`.
///
/// With `PACKAGE_SOURCE=registry` the members are not built: only their
/// `pyproject.toml` is read, and `/registry-requirements.txt` pins each to its
/// workspace version (`name==version`), installed from the private index by
/// [`uv_site_packages`].
pub(crate) fn python_wheels(ctx: &Ctx<'_>, project: &UvProject) -> Result<State> {
    let py = ctx.toolchain(Toolchain::Python)?;
    let registry = ctx.package_source()? == PackageSource::Registry;
    if registry {
        ctx.registry_for_packages(UV_INDEX_URL_ARG, "the workspace's Python packages")?;
    }
    let mut paths = vec![project.root.clone()];
    if registry {
        paths.extend(project.members.iter().map(|p| format!("{p}/pyproject.toml")));
    } else {
        paths.extend(project.members.iter().cloned());
    }
    paths.extend(
        project
            .manifest_only
            .iter()
            .map(|p| format!("{p}/pyproject.toml")),
    );
    let sources = ctx.context("python-sources", &paths)?;
    let members = project
        .members
        .iter()
        .map(|m| format!("/tmp/work/{m}"))
        .collect::<Vec<_>>()
        .join(" ");
    let (what, build_dirs) = if registry {
        ("uv export + build the app wheel (members from the index)", ".".to_string())
    } else {
        ("uv export + build pure-Python wheels", format!(". {members}"))
    };
    let mut step = Step::new(ctx.name(what))
        .reaches(Registry::PyPi)
        .mount(Mount::bind_ro("/src", &sources)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cache(Cache::Uv)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_NO_PROGRESS", "1")
        .env("UV_LINK_MODE", "copy")
        .sh(py.require_tools(&["uv", "python3"]))
        .sh("cp -a /src/. /tmp/work/")
        .cwd(format!("/tmp/work/{}", project.root))
        .sh(
            "uv export --frozen --no-dev --no-emit-workspace --format requirements-txt \
             --output-file /out/requirements.txt",
        )
        .sh(format!(
            "for dir in {build_dirs}; do if [ -f \"$dir/pyproject.toml\" ]; then uv build --wheel --out-dir /out \"$dir\"; fi; done"
        ));
    if registry {
        // The published versions are the workspace's: pin each member to its own version.
        step = step
            .sh(format!(
                "for dir in {members}; do if [ -f \"$dir/pyproject.toml\" ]; then {PROJECT_PIN}; fi; done > /out/registry-requirements.txt"
            ))
            .sh("cat /out/registry-requirements.txt");
    }
    step = step.sh("ls -l /out");
    Ok(ctx.run(py.state(), step)?.mount_output("/out")?)
}

/// site-packages for the target platform, in `/site-packages`.
pub(crate) fn uv_site_packages(
    ctx: &Ctx<'_>,
    python_wheels: &State,
    native_wheel: &State,
) -> Result<State> {
    let target = ctx.target_platform();
    let arch = match target.architecture() {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        other => {
            return Err(GraphError::UnsupportedPlatform {
                app: ctx.app().to_string(),
                requested: format!("{target} ({other})"),
                allowed: "linux/amd64, linux/arm64".to_string(),
                spec_file: ctx.req.spec_file.to_string(),
            })
        }
    };
    let py = ctx.toolchain(Toolchain::Python)?;
    let install = format!(
        "uv pip install --target /out/site-packages --python-version {PYTHON_VERSION} \
         --python-platform {arch}-{MANYLINUX} --no-deps --compile-bytecode"
    );
    let mut step = Step::new(ctx.name_for_target("uv pip install site-packages"))
        .reaches(Registry::PyPi)
        .mount(Mount::bind_ro("/in/python", python_wheels)?)
        .mount(Mount::bind_ro("/in/native", native_wheel)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cache(Cache::Uv)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_NO_PROGRESS", "1")
        .env("UV_LINK_MODE", "copy")
        .sh(format!(
            "{install} --only-binary :all: --require-hashes -r /in/python/requirements.txt"
        ))
        .sh(format!("{install} /in/python/*.whl /in/native/*.whl"));
    if ctx.package_source()? == PackageSource::Registry {
        // The workspace's own packages, published: from the private index only, never from
        // uv's cache (a re-published copy is fetched again).
        step = step.sh(format!(
            "{install} --refresh --only-binary :all: -r /in/python/registry-requirements.txt"
        ));
    }
    step = step
        .sh("rm -rf /out/site-packages/bin");
    if let Some(t) = ctx.req.source_date_epoch {
        // py_compile writes hash-checked .pyc files instead of mtime-stamped ones; no
        // uv_cache.json (an install timestamp, also hashed into RECORD) in the dist-infos.
        step = step.env("SOURCE_DATE_EPOCH", t.to_string()).env("UV_NO_INSTALLER_METADATA", "1");
    }
    Ok(ctx.run(py.state(), step)?.mount_output("/out")?)
}
