//! `node_bundle`: a static JS bundle built once on the build platform.
//!
//! Two steps:
//! 1. `npm ci` on the npm workspace manifests only (root `package.json`,
//!    `package-lock.json` and every workspace's `package.json`), with npm's
//!    cache as a cache mount and `--ignore-scripts`: a source change never
//!    re-installs dependencies.
//! 2. the workspace's `build` script on the sources copied over the installed
//!    tree; the bundle directory is the result.

use llb::{FileOps, Mount, State};

use crate::error::Result;
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::Registry;
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::Toolchain;
use crate::toolkit::Ctx;

/// What to build.
#[derive(Debug, Clone)]
pub(crate) struct NpmWorkspace {
    /// The workspace's package name (`npm run build --workspace <name>`).
    pub(crate) package: String,
    /// Its directory (the bundle is `<dir>/dist`).
    pub(crate) dir: String,
    /// Source paths the build reads (the workspace, the packages it consumes, shared config).
    pub(crate) sources: Vec<String>,
    /// Build-time env (e.g. `VITE_API_BASE`).
    pub(crate) env: Vec<(String, String)>,
    /// Spec key the build step points at.
    pub(crate) spec_key: String,
}

/// The working directory of npm steps.
const WORK: &str = "/work";

/// Builds the bundle; the result holds the contents of `<dir>/dist` at `/`.
pub(crate) fn node_bundle(ctx: &Ctx<'_>, ws: &NpmWorkspace) -> Result<State> {
    let node = ctx.toolchain(Toolchain::Node)?;
    let manifests = ctx.context(
        "npm-manifests",
        &[
            "package.json".to_string(),
            "package-lock.json".to_string(),
            "**/package.json".to_string(),
        ],
    )?;
    let sources = ctx.context("web-sources", &ws.sources)?;

    // 1. dependencies from the lockfile only.
    let with_manifests = node
        .state()
        .file(FileOps::new().copy(ctx.copy(&manifests, "/", WORK).dir_copy_contents(true)))?
        .with_custom_name(ctx.name("npm workspace manifests"));
    let install = Step::new(ctx.name("npm ci"))
        .reaches(Registry::Npm)
        .cache(Cache::Npm)
        .cwd(WORK)
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false")
        .sh(node.require_tools(&["node", "npm"]))
        .sh("npm ci --ignore-scripts --no-audit --no-fund");
    let installed = ctx.run(&with_manifests, install)?.root();

    // 2. the build, on the sources copied over the installed tree.
    let with_sources = installed
        .file(FileOps::new().copy(ctx.copy(&sources, "/", WORK).dir_copy_contents(true)))?
        .with_custom_name(ctx.name("web sources"));
    let mut build = Step::new(ctx.name(&format!("npm run build --workspace {}", ws.package)))
        .at(&ws.spec_key)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cwd(WORK)
        .env("NODE_ENV", "production")
        .sh(format!("npm run build --workspace {}", ws.package))
        .sh(format!("test -f {}/dist/index.html", ws.dir))
        .sh(format!("cp -a {}/dist/. /out/", ws.dir));
    for (k, v) in &ws.env {
        build = build.env(k, v);
    }
    Ok(ctx.run(&with_sources, build)?.mount_output("/out")?)
}
