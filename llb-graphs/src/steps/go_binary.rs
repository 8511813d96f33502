//! `go_binary`: a static Go binary for the target platform, built on the
//! build platform (`GOOS`/`GOARCH`, `CGO_ENABLED=0`, `GOTOOLCHAIN=local`,
//! `-trimpath`, version in ldflags), module and build caches as cache mounts.
//!
//! Two steps: `go mod download` keyed by the module manifests only (it writes
//! the module list, which the build step mounts so it runs after), then
//! `go build` keyed by the sources. Both reach the Go proxy: the build step
//! fetches whatever a pruned module cache lacks.

use app_spec::SpecKey;
use llb::{Mount, State};

use super::elf_check;
use crate::error::Result;
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::Registry;
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::Toolchain;
use crate::toolkit::Ctx;

/// What to build.
#[derive(Debug, Clone)]
pub(crate) struct GoMain {
    /// The module directory (`apps/<app>`), built with `GOWORK=off`.
    pub(crate) module_dir: String,
    /// Other repository directories the module reads (local `replace` targets).
    pub(crate) local_modules: Vec<String>,
    /// Main package relative to the module (`./cmd/<name>`).
    pub(crate) main_package: String,
    /// Output file name.
    pub(crate) binary: String,
    /// Version stamped with `-X main.version=`.
    pub(crate) version: String,
    /// Spec key the build step points at.
    pub(crate) spec_key: SpecKey,
}

/// Builds `main` for the target platform; the result holds `/<binary>`.
pub(crate) fn go_binary(ctx: &Ctx<'_>, main: &GoMain) -> Result<State> {
    let go = ctx.toolchain(Toolchain::Go)?;
    let dirs: Vec<&String> = std::iter::once(&main.module_dir)
        .chain(&main.local_modules)
        .collect();
    let manifests: Vec<String> = dirs
        .iter()
        .flat_map(|d| [format!("{d}/go.mod"), format!("{d}/go.sum")])
        .collect();
    let sources: Vec<String> = dirs.iter().map(|d| d.to_string()).collect();
    let manifests = ctx.context("go-modules", &manifests)?;
    let sources = ctx.context("go-sources", &sources)?;

    let modules = go_env(Step::new(ctx.name("go mod download")))
        .reaches(Registry::GoProxy)
        .mount(Mount::bind_ro("/src", &manifests)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cwd(format!("/src/{}", main.module_dir))
        .sh(go.require_tools(&["go"]))
        .sh("go mod download")
        .sh("go list -m all > /out/modules.txt");
    let modules = ctx.run(go.state(), modules)?.mount_output("/out")?;

    let target = ctx.target_platform();
    let ldflags = format!("-s -w -buildid= -X main.version={}", main.version);
    let build = go_env(Step::new(
        ctx.name_for_target(&format!("go build {}", main.main_package)),
    ))
    .reaches(Registry::GoProxy)
    .at(main.spec_key)
    .mount(Mount::bind_ro("/src", &sources)?)
    .mount(Mount::bind_ro("/run/go-modules", &modules)?)
    .mount(Mount::bind_rw("/out", &State::scratch())?)
    .cache(Cache::GoBuild)
    .env("GOOS", target.os())
    .env("GOARCH", target.architecture())
    .env("CGO_ENABLED", "0")
    .env("GOFLAGS", "-mod=readonly -trimpath")
    .cwd(format!("/src/{}", main.module_dir))
    .sh(format!(
        "go build -ldflags '{ldflags}' -o /out/{} {}",
        main.binary, main.main_package
    ))
    .sh(elf_check(&format!("/out/{}", main.binary), target));
    Ok(ctx.run(go.state(), build)?.mount_output("/out")?)
}

/// What every Go step shares: the module cache, the local toolchain only, no go.work.
fn go_env(step: Step) -> Step {
    step.cache(Cache::GoModules)
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
}
