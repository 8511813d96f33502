//! What a graph is given ([`BuildRequest`]) and what it returns
//! ([`ImageGraph`]). Everything a graph reads comes in here: no ambient
//! state, no clock, no environment.

use std::collections::BTreeMap;

use llb::{ImageRef, Platform, State};

use crate::catalog;
use crate::error::{GraphError, Result};
use crate::sbom_inputs::SbomInputs;
use crate::targets::TargetInfo;

/// One build of one app target for one target platform.
#[derive(Debug, Clone)]
pub struct BuildRequest<'a> {
    /// The validated app spec.
    pub spec: &'a app_spec::AppSpec,
    /// The spec's file name, for source locations (e.g. `apps/patient-risk-web/Dockerfile`).
    pub spec_file: &'a str,
    /// The spec's text, for source locations.
    pub spec_text: &'a str,
    /// The target, parsed from `--target` at the edge ([`crate::targets::parse`]).
    pub target: &'a TargetInfo,
    /// Where compile steps run (BUILDKIT_WORKERS[0].Platforms[0]).
    pub build_platform: Platform,
    /// The platform of the image being built.
    pub target_platform: Platform,
    /// `build-arg:*` as given (undeclared names are ignored by the graphs).
    pub build_args: &'a BTreeMap<String, String>,
    /// Every base of [`crate::required_bases`], resolved and pinned.
    pub bases: &'a ResolvedBases,
    /// How to open the build context.
    pub context: &'a ContextSource,
    /// `SOURCE_DATE_EPOCH` (unix seconds): created time, history, file timestamps.
    pub source_date_epoch: Option<i64>,
    /// `label:*`: extra image labels (they win over the graph's own).
    pub labels: &'a BTreeMap<String, String>,
    /// `--no-cache`: every op bypasses the cache.
    pub no_cache: bool,
}

/// One platform's image before it is solved: the LLB graph of its root
/// filesystem, its OCI config and where its SBOM reads from. [`crate::build`]
/// returns it; the frontend solves `state` and returns the solved ref as a
/// gateway `ResultImage`.
#[derive(Debug, Clone)]
pub struct ImageGraph {
    /// The image root filesystem.
    pub state: State,
    /// The OCI image config (`containerimage.config[/<platform>]`), including
    /// os/architecture, config, history; [`llb::ImageConfig::to_json`] gives
    /// the bytes the exporter takes.
    pub config: llb::ImageConfig,
    /// Where the frontend reads what this image contains, for its SPDX SBOM
    /// (read only when `attest:sbom` is requested).
    pub sbom: SbomInputs,
}

/// How graphs open the build context.
#[derive(Debug, Clone)]
pub enum ContextSource {
    /// A client directory sent through the session (`local://<name>`), normally `context`.
    Local {
        /// The local name (`context`, or the one a `local:` named context gives).
        name: String,
        /// `BUILDKIT_SESSION_ID`, set as `local.session`.
        session_id: Option<String>,
    },
    /// A state buildx passed as a FrontendInput (e.g. a bake target context):
    /// graphs copy the paths they need out of it with include patterns.
    Input(State),
}

impl ContextSource {
    /// The usual local build context `context` of session `session_id`.
    pub fn local(session_id: Option<String>) -> Self {
        ContextSource::Local {
            name: "context".to_string(),
            session_id,
        }
    }
}

/// Where a base image runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BasePlatform {
    /// The build platform (toolchains).
    Build,
    /// The target platform (runtimes).
    Target,
}

/// A base a graph needs, on the build or the target platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct BaseRequirement {
    /// Logical name in `bases/catalog.toml`.
    pub name: String,
    /// Which platform to resolve it for.
    pub platform: BasePlatform,
}

/// A base resolved by the frontend: the pinned reference and its image config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedBase {
    /// The reference, pinned to a digest when resolved.
    pub image: ImageRef,
    /// The image config JSON for the resolved platform (`ResolveImageConfig`).
    pub config: Vec<u8>,
}

/// Resolved bases by (logical name, platform).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedBases {
    by_key: BTreeMap<(String, Platform), ResolvedBase>,
}

impl ResolvedBases {
    /// No bases yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a resolved base for `platform`.
    pub fn insert(&mut self, name: impl Into<String>, platform: Platform, base: ResolvedBase) {
        self.by_key.insert((name.into(), platform), base);
    }

    /// The base `name` for `platform`.
    pub fn get(&self, name: &str, platform: &Platform) -> Result<&ResolvedBase> {
        self.by_key
            .get(&(name.to_string(), platform.clone()))
            .ok_or_else(|| GraphError::UnresolvedBase {
                name: name.to_string(),
                platform: platform.to_string(),
            })
    }

    /// Iterates over every entry.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Platform, &ResolvedBase)> {
        self.by_key.iter().map(|((n, p), b)| (n.as_str(), p, b))
    }

    /// Bases chosen by [`catalog::base_ref`] but not resolved against a
    /// registry: tag references and a minimal config (os/architecture only).
    /// For daemon-free planning (`patient-risk-frontend plan`) and graph tests;
    /// a real build resolves each base to a digest instead.
    pub fn unpinned(
        requirements: &[BaseRequirement],
        build_platform: &Platform,
        target_platforms: &[Platform],
        build_args: &BTreeMap<String, String>,
        named_contexts: &BTreeMap<String, String>,
    ) -> Result<Self> {
        let mut out = Self::new();
        for req in requirements {
            let image = catalog::base_ref(&req.name, build_args, named_contexts)?;
            let platforms: Vec<&Platform> = match req.platform {
                BasePlatform::Build => vec![build_platform],
                BasePlatform::Target => target_platforms.iter().collect(),
            };
            for p in platforms {
                let cfg = llb::ImageConfig {
                    architecture: p.architecture().to_string(),
                    os: p.os().to_string(),
                    variant: p.variant().map(str::to_string),
                    config: llb::image_config::RunConfig {
                        env: Some(vec![format!("PATH={}", llb::DEFAULT_LINUX_PATH)]),
                        ..Default::default()
                    },
                    ..llb::ImageConfig::default()
                };
                let config = cfg.to_json();
                out.insert(
                    req.name.clone(),
                    p.clone(),
                    ResolvedBase {
                        image: image.clone(),
                        config,
                    },
                );
            }
        }
        Ok(out)
    }
}
