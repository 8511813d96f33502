//! `node_bundle`: a static JS bundle built once on the build platform.
//!
//! Two steps:
//! 1. `npm ci` on the npm workspace manifests only (root `package.json`,
//!    `package-lock.json` and every workspace's `package.json`), with npm's
//!    cache as a cache mount and `--ignore-scripts`: a source change never
//!    re-installs dependencies.
//! 2. the workspace's `build` script on the sources copied over the installed
//!    tree; the bundle directory is the result.

use app_spec::SpecKey;
use llb::{FileOps, Mount, State};

use crate::error::Result;
use crate::sbom_inputs::BuildRecord;
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::{PackageSource, Registry, NPM_REGISTRY_URL_ARG};
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
    pub(crate) spec_key: SpecKey,
    /// Workspaces (repository paths) taken from the npm registry instead with
    /// `PACKAGE_SOURCE=registry`.
    pub(crate) registry_packages: Vec<String>,
}

/// The working directory of npm steps.
const WORK: &str = "/work";

/// Removes the workspaces in `$PR_REGISTRY_WORKSPACES` from package.json, from
/// package-lock.json (their workspace and link entries) and from the tree; their
/// package names go to /tmp/registry-packages (bash single quotes).
const DROP_WORKSPACES: &str = r#"node -e 'const fs = require("fs");
const drop = process.env.PR_REGISTRY_WORKSPACES.split(" ").filter(Boolean);
const root = JSON.parse(fs.readFileSync("package.json", "utf8"));
const names = drop.map((d) => JSON.parse(fs.readFileSync(d + "/package.json", "utf8")).name);
root.workspaces = root.workspaces.filter((w) => !drop.includes(w.replace(/\/$/, "")));
fs.writeFileSync("package.json", JSON.stringify(root, null, 2) + "\n");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
lock.packages[""].workspaces = root.workspaces;
for (const d of drop) delete lock.packages[d];
for (const n of names) delete lock.packages["node_modules/" + n];
fs.writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
for (const d of drop) fs.rmSync(d, { recursive: true, force: true });
fs.writeFileSync("/tmp/registry-packages", names.join("\n") + "\n");
console.log("from the registry:", names.join(" "));'"#;

/// Fails unless every package in /tmp/registry-packages is locked to a tarball
/// of the configured registry (not a workspace link).
const CHECK_REGISTRY_LOCK: &str = r#"node -e 'const fs = require("fs");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const reg = process.env.NPM_CONFIG_REGISTRY.replace(/\/?$/, "/");
for (const n of fs.readFileSync("/tmp/registry-packages", "utf8").split("\n").filter(Boolean)) {
  const e = lock.packages["node_modules/" + n];
  if (!e || e.link || !String(e.resolved).startsWith(reg)) {
    console.error("error: package-lock.json does not take " + n + " from " + reg + ": " + JSON.stringify(e));
    process.exit(1);
  }
  console.log(n + "@" + e.version + " " + e.resolved + " " + e.integrity);
}'"#;

/// What [`node_bundle`] built.
#[derive(Debug, Clone)]
pub(crate) struct NodeBundle {
    /// The contents of `<dir>/dist` at `/`.
    pub(crate) bundle: State,
    /// The tree `npm ci` installed (lock, manifests, `node_modules`) at [`INSTALL_ROOT`]: what
    /// the SBOM reads each bundled package's installed `package.json` from.
    pub(crate) installed: State,
}

/// Where [`NodeBundle::installed`] holds the npm workspace root.
const INSTALL_ROOT: &str = WORK;

/// Builds the bundle.
pub(crate) fn node_bundle(ctx: &Ctx<'_>, ws: &NpmWorkspace) -> Result<NodeBundle> {
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
    let mut with_manifests = node
        .state()
        .file(FileOps::new().copy(ctx.copy(&manifests, "/", WORK).dir_copy_contents(true)))?
        .with_custom_name(ctx.name("npm workspace manifests"));
    if let Some(loc) = ctx.location(ws.spec_key) {
        with_manifests = with_manifests.with_location(loc);
    }
    let registry = ctx.package_source()? == PackageSource::Registry;
    let mut install = Step::new(ctx.name(if registry {
        "npm ci (workspace packages from the registry)"
    } else {
        "npm ci"
    }))
    .reaches(Registry::Npm)
    .cache(Cache::Npm)
    .cwd(WORK)
    .env("npm_config_update_notifier", "false")
    .env("npm_config_fund", "false")
    .env("npm_config_audit", "false")
    .sh(node.require_tools(&["node", "npm"]));
    if registry {
        ctx.registry_for_packages(NPM_REGISTRY_URL_ARG, "the workspace's npm packages")?;
        // The internal packages leave the npm workspace; `npm install --package-lock-only`
        // re-locks them alone (to the exact versions the app's package.json names, i.e. the
        // published workspace versions) and keeps every other lock entry; the check below
        // proves they now come from the registry.
        install = install
            .env("PR_REGISTRY_WORKSPACES", ws.registry_packages.join(" "))
            .sh(DROP_WORKSPACES)
            .sh("npm install --package-lock-only --ignore-scripts --no-audit --no-fund --prefer-online")
            .sh(CHECK_REGISTRY_LOCK);
    }
    install = install.sh("npm ci --ignore-scripts --no-audit --no-fund");
    let installed = ctx.run(&with_manifests, install)?.root();

    // 2. the build, on the sources copied over the installed tree.
    let mut with_sources = installed
        .file(FileOps::new().copy(ctx.copy(&sources, "/", WORK).dir_copy_contents(true)))?
        .with_custom_name(ctx.name("web sources"));
    if let Some(loc) = ctx.location(ws.spec_key) {
        with_sources = with_sources.with_location(loc);
    }
    let mut build = Step::new(ctx.name(&format!("npm run build --workspace {}", ws.package)))
        .at(ws.spec_key)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cwd(WORK)
        .env("NODE_ENV", "production")
        .sh(format!("npm run build --workspace {}", ws.package))
        .sh(format!("test -f {}/dist/index.html", ws.dir))
        .sh(format!("cp -a {}/dist/. /out/", ws.dir));
    for (k, v) in &ws.env {
        build = build.env(k, v);
    }
    Ok(NodeBundle {
        bundle: ctx.run(&with_sources, build)?.mount_output("/out")?,
        installed,
    })
}

/// The bundle's SBOM record: the lock and installed manifests of the tree `npm ci`
/// installed for `built` (npm root [`INSTALL_ROOT`]), for the bundled workspace
/// `workspace`. The same state the bundle was built on: no extra step.
pub(crate) fn npm_record(built: &NodeBundle, workspace: &str) -> BuildRecord {
    let root = format!("/{}", INSTALL_ROOT.trim_matches('/'));
    BuildRecord::NpmLock {
        state: built.installed.clone(),
        lock: format!("{root}/package-lock.json"),
        root,
        workspace: workspace.trim_matches('/').to_string(),
    }
}
