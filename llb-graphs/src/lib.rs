//! # `llb-graphs`: one LLB graph per app
//!
//! Each app's graph reads top to bottom as base → deps → build → runtime →
//! image config, written with the typed builder `llb`. Compile steps always run
//! on the build platform and cross-compile for the target (GOOS/GOARCH,
//! `maturin --zig --target`, uv `--python-platform`); only image assembly
//! touches the target platform, so an arm64 image costs about what an amd64
//! one does.
//!
//! ## Map of the crate
//! - [`build`]: one (app, target, platform) → [`ImageGraph`] (LLB state + OCI config).
//! - [`targets()`](targets::targets): the target registry (drives `--call targets`, docs, golden tests);
//!   [`targets::parse`] turns the user's `--target` into a [`TargetInfo`] once, at the edge,
//!   and each graph matches its typed [`Stop`] exhaustively.
//! - [`catalog()`](catalog::catalog), [`base_ref`]: `bases/catalog.toml` and the `BASE_IMAGES` switch.
//! - [`required_bases`], [`secrets_used`], [`cache_ids`], [`context_reads`],
//!   [`location_keys`]: what a graph needs and names, read off the graph itself
//!   (for resolving bases, `--call outline`, `affected`, and the test that every
//!   [`app_spec::SpecKey`] a graph points an op at resolves in the shipped specs).
//! - [`SbomInputs`] (`sbom_inputs`): plain data, what the frontend reads for an
//!   image's SBOM; the steps that write a [`BuildRecord`] sit beside the step they
//!   describe (`steps::manylinux_wheel::cargo_record`, `steps::node_bundle::npm_record`,
//!   `steps::conan_package::conan_record`).
//! - `apps::*`: the four graphs. `steps::*`: shared steps named after what
//!   they produce (`go_binary`, `manylinux_wheel`, `uv_site_packages`,
//!   `node_bundle`, `mkdocs_site`, `conan_package`). `toolkit::*`: contexts
//!   ([`ContextRead`]), toolchains, steps with typed cache/secret/registry access,
//!   runtime assembly, reproducible layers, image config.
//!
//! ## Conventions every graph follows
//! - A stage takes only the build-context paths it reads (include patterns).
//! - A step gets the network, the host CA (`host_ca_bundle`) and private-index
//!   secrets only when it declares the registry it reaches; other steps run
//!   with `--network none` and no secrets.
//! - Package caches are cache mounts (`patient-risk/<tool>-<what>`), never layers.
//! - Runtime images run as the spec's non-root user; a smoke check runs in the
//!   image on the native platform before export.
//! - Every op a spec key causes (build steps, copies, runtime layers, the smoke
//!   check) carries that key's source location, named as an [`app_spec::SpecKey`].

mod apps;
pub mod catalog;
mod error;
mod request;
mod sbom_inputs;
mod steps;
pub mod targets;
mod toolkit;

use std::collections::{BTreeMap, BTreeSet};

use app_spec::AppSpec;
use llb::Platform;

pub use catalog::{base_ref, catalog, BaseEntry, Catalog};
pub use error::{GraphError, Result};
pub use request::{
    BasePlatform, BaseRequirement, BuildRequest, ContextSource, ImageGraph, ResolvedBase,
    ResolvedBases,
};
pub use sbom_inputs::{BuildRecord, ImageContent, SbomBase, SbomInputs};
pub use targets::{
    targets, Flavor, GoOperatorStop, MkdocsSiteStop, PlatformPolicy, PythonApiStop, Stop,
    TargetInfo, WebSpaStop,
};
pub use toolkit::context::ContextRead;
pub use toolkit::image_config::LABEL_PREFIX;

use toolkit::{Ctx, Ledger};

/// Builds one app target for one platform.
pub fn build(req: &BuildRequest<'_>) -> Result<ImageGraph> {
    let (image, _) = build_with_ledger(req)?;
    Ok(image)
}

fn build_with_ledger(req: &BuildRequest<'_>) -> Result<(ImageGraph, Ledger)> {
    check_target(req.spec, req.target)?;
    check_platform(req, req.target)?;
    let ctx = Ctx::new(req);
    let image = apps::graph(&ctx, req.target.stop)?;
    Ok((image, ctx.into_ledger()))
}

/// A target parsed for another app's graph is as unknown as a typo.
fn check_target(spec: &AppSpec, target: &TargetInfo) -> Result<()> {
    if target.graph == spec.graph {
        Ok(())
    } else {
        targets::parse(spec, Some(target.name)).map(|_| ())
    }
}

fn check_platform(req: &BuildRequest<'_>, info: &TargetInfo) -> Result<()> {
    match info.platforms {
        PlatformPolicy::NativeOnly if req.target_platform != req.build_platform => {
            Err(GraphError::NativeOnlyTarget {
                app: req.spec.app.clone(),
                target: info.name.to_string(),
                build: req.build_platform.to_string(),
                requested: req.target_platform.to_string(),
            })
        }
        PlatformPolicy::Requested | PlatformPolicy::NativeOnly => {
            let allowed = spec_platforms(req.spec);
            if allowed.contains(&req.target_platform) {
                Ok(())
            } else {
                Err(GraphError::UnsupportedPlatform {
                    app: req.spec.app.clone(),
                    requested: req.target_platform.to_string(),
                    allowed: allowed
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    spec_file: req.spec_file.to_string(),
                })
            }
        }
        PlatformPolicy::ArchIndependent => Ok(()),
    }
}

/// The spec's release platforms as builder platforms.
pub fn spec_platforms(spec: &AppSpec) -> Vec<Platform> {
    spec.platforms
        .iter()
        .filter_map(|p| Platform::parse(p.name()).ok())
        .collect()
}

/// Builds the graph for every spec platform with every catalog base standing
/// in unresolved, and returns what the graph asked for.
fn survey(spec: &AppSpec, target: &TargetInfo) -> Result<Ledger> {
    check_target(spec, target)?;
    let build_platform = Platform::linux_amd64();
    let platforms = match target.platforms {
        PlatformPolicy::Requested => spec_platforms(spec),
        PlatformPolicy::NativeOnly | PlatformPolicy::ArchIndependent => {
            vec![build_platform.clone()]
        }
    };
    let all: Vec<BaseRequirement> = catalog()
        .bases
        .keys()
        .flat_map(|n| {
            [BasePlatform::Build, BasePlatform::Target].map(|platform| BaseRequirement {
                name: n.clone(),
                platform,
            })
        })
        .collect();
    let none = BTreeMap::new();
    let bases = ResolvedBases::unpinned(&all, &build_platform, &platforms, &none, &none)?;
    let context = ContextSource::local(None);
    let mut ledger = Ledger::default();
    for target_platform in platforms {
        let req = BuildRequest {
            spec,
            spec_file: &spec.file,
            spec_text: "",
            target,
            build_platform: build_platform.clone(),
            target_platform,
            build_args: &none,
            bases: &bases,
            context: &context,
            source_date_epoch: None,
            labels: &none,
            no_cache: false,
        };
        let (_, l) = build_with_ledger(&req)?;
        ledger.bases.extend(l.bases);
        ledger.caches.extend(l.caches);
        ledger.contexts.extend(l.contexts);
        ledger.locations.extend(l.locations);
        for (id, (required, steps)) in l.secrets {
            let e = ledger.secrets.entry(id).or_insert((false, BTreeSet::new()));
            e.0 |= required;
            e.1.extend(steps);
        }
    }
    Ok(ledger)
}

/// The bases a target's graph opens, and on which platform: resolve each
/// (with [`base_ref`]) for the build platform or every target platform and
/// pass them in [`BuildRequest::bases`].
pub fn required_bases(spec: &AppSpec, target: &TargetInfo) -> Result<Vec<BaseRequirement>> {
    Ok(survey(spec, target)?.bases.into_iter().collect())
}

/// Every build-context slice a target's graph reads, on every spec platform:
/// the ground truth for "which apps does a change touch" (`affected`).
pub fn context_reads(spec: &AppSpec, target: &TargetInfo) -> Result<Vec<ContextRead>> {
    Ok(survey(spec, target)?.contexts.into_iter().collect())
}

/// A secret a target's steps can use (for `--call outline`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretUse {
    /// The BuildKit secret id.
    pub id: String,
    /// Whether the build fails without it (all secrets are optional today).
    pub required: bool,
    /// Progress names of the steps that mount it.
    pub steps: Vec<String>,
}

/// Every secret a target's steps can use, by id.
pub fn secrets_used(spec: &AppSpec, target: &TargetInfo) -> Result<Vec<SecretUse>> {
    Ok(survey(spec, target)?
        .secrets
        .into_iter()
        .map(|(id, (required, steps))| SecretUse {
            id,
            required,
            steps: steps.into_iter().collect(),
        })
        .collect())
}

/// Every spec key a target's graph points an op's source location at, on
/// every spec platform (a key the spec leaves out gives its ops no location).
pub fn location_keys(spec: &AppSpec, target: &TargetInfo) -> Result<Vec<app_spec::SpecKey>> {
    Ok(survey(spec, target)?.locations.into_iter().collect())
}

/// Every cache-mount id a target's steps use (without `BUILDKIT_CACHE_MOUNT_NS`).
pub fn cache_ids(spec: &AppSpec, target: &TargetInfo) -> Result<Vec<String>> {
    Ok(survey(spec, target)?.caches.into_iter().collect())
}
