//! `mkdocs_site`: static sites built by MkDocs on the build platform.
//!
//! Two steps:
//! 1. `mkdocs toolchain`: a venv with the app's hash-pinned requirements
//!    (`requirements.txt`) installed by uv, keyed by that file alone.
//! 2. `mkdocs build` of every config into `/<site>/`, plus the portal page at `/`.

use app_spec::SpecKey;
use llb::{Mount, State};

use crate::error::Result;
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::Registry;
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::Toolchain;
use crate::toolkit::Ctx;

/// The sites to build.
#[derive(Debug, Clone)]
pub(crate) struct Sites {
    /// Hash-pinned requirements of the toolchain (repository path).
    pub(crate) requirements: String,
    /// (site name, repository path of its `mkdocs.yml`); each is built into `/<name>/`.
    pub(crate) configs: Vec<(String, String)>,
    /// Repository paths the sites read.
    pub(crate) sources: Vec<String>,
    /// Repository path of a directory copied to the site root (the portal page).
    pub(crate) portal: String,
}

const VENV: &str = "/opt/mkdocs";

/// Builds the sites; the result holds the portal at `/` and each site under `/<name>/`.
pub(crate) fn mkdocs_site(ctx: &Ctx<'_>, sites: &Sites) -> Result<State> {
    let py = ctx.toolchain(Toolchain::Python)?;
    let requirements = ctx.context(
        "mkdocs-requirements",
        std::slice::from_ref(&sites.requirements),
    )?;
    let install = Step::new(ctx.name("mkdocs toolchain (uv pip install --require-hashes)"))
        .reaches(Registry::PyPi)
        .mount(Mount::bind_ro("/src", &requirements)?)
        .cache(Cache::Uv)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_NO_PROGRESS", "1")
        .env("UV_LINK_MODE", "copy")
        .sh(py.require_tools(&["uv", "python3"]))
        .sh(format!("uv venv {VENV}"))
        .sh(format!("uv pip install --python {VENV}/bin/python --require-hashes --only-binary :all: -r /src/{}", sites.requirements));
    let toolchain = ctx.run(py.state(), install)?.root();

    let sources = ctx.context("docs-sources", &sites.sources)?;
    let mut build = Step::new(ctx.name("mkdocs build"))
        .at(SpecKey::BuildConfigs)
        .mount(Mount::bind_ro("/src", &sources)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .mount(Mount::tmpfs("/tmp")?)
        .cwd("/src")
        .sh(format!("cp -a /src/{}/. /out/", sites.portal));
    for (name, config) in &sites.configs {
        build = build.sh(format!(
            "{VENV}/bin/mkdocs build --config-file /src/{config} --site-dir /out/{name}"
        ));
    }
    build = build.sh("test -f /out/index.html");
    if let Some(t) = ctx.req.source_date_epoch {
        // MkDocs stamps sitemap dates with it.
        build = build.env("SOURCE_DATE_EPOCH", t.to_string());
    }
    Ok(ctx.run(&toolchain, build)?.mount_output("/out")?)
}
