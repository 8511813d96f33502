//! The shared toolkit every graph is written with:
//!
//! - [`Ctx`]: one build's inputs (request, resolved build args, source map) and
//!   the ledger of what the graph asked for (bases, secrets, caches, context
//!   slices, spec keys of source locations);
//! - [`context`]: build-context slices, each stage taking only the paths it reads;
//! - [`toolchain`]: builder bases on the build platform;
//! - [`step`]: shell steps with exactly the mounts, caches and registry access they declare;
//! - [`caches`] and [`registries`]: the cache-mount and secret conventions as closed sets;
//! - [`runtime`]: runtime assembly on the target platform, smoke checks, image config;
//! - [`reproducible`]: byte-identical layers (directory timestamps under `SOURCE_DATE_EPOCH`);
//! - [`image_config`]: the OCI image config (env, user, ports, healthcheck, labels, history).

pub(crate) mod caches;
pub(crate) mod context;
pub(crate) mod image_config;
pub(crate) mod registries;
pub(crate) mod reproducible;
pub(crate) mod runtime;
pub(crate) mod step;
pub(crate) mod toolchain;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use app_spec::SpecKey;
use llb::{ImageOpts, Platform, SourceLocation, SourceMap, SourceRange, State};

use crate::catalog;
use crate::error::{GraphError, Result};
use crate::request::{BasePlatform, BaseRequirement, BuildRequest};

/// What a graph asked for while it was built: the answer to
/// `required_bases`, `secrets_used` and `cache_ids` comes from here, so those
/// lists can never drift from the graphs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Ledger {
    pub(crate) bases: BTreeSet<BaseRequirement>,
    /// secret id → (required, step names)
    pub(crate) secrets: BTreeMap<String, (bool, BTreeSet<String>)>,
    pub(crate) caches: BTreeSet<String>,
    /// Build-context slices the graph took (stage, include, exclude patterns).
    pub(crate) contexts: BTreeSet<context::ContextRead>,
    /// Spec keys the graph pointed ops at.
    pub(crate) locations: BTreeSet<SpecKey>,
}

/// A base image opened for a graph: the source state (with the image's env,
/// working dir and user applied) and its config.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    pub(crate) name: String,
    pub(crate) image: llb::ImageRef,
    pub(crate) state: State,
    pub(crate) config: llb::ImageConfig,
}

/// One build's context. Graph code only ever reads the request through this.
#[derive(Debug)]
pub(crate) struct Ctx<'r> {
    pub(crate) req: &'r BuildRequest<'r>,
    /// The spec's declared build args: given values over declared defaults.
    pub(crate) args: BTreeMap<String, String>,
    source_map: SourceMap,
    ledger: RefCell<Ledger>,
}

impl<'r> Ctx<'r> {
    pub(crate) fn new(req: &'r BuildRequest<'r>) -> Self {
        Self {
            args: req.spec.resolve_build_args(req.build_args),
            source_map: SourceMap::new(
                req.spec_file,
                "Dockerfile",
                req.spec_text.as_bytes().to_vec(),
            ),
            ledger: RefCell::new(Ledger::default()),
            req,
        }
    }

    pub(crate) fn into_ledger(self) -> Ledger {
        self.ledger.into_inner()
    }

    /// The app name (`apps/<app>`).
    pub(crate) fn app(&self) -> &str {
        &self.req.spec.app
    }

    pub(crate) fn build_platform(&self) -> &Platform {
        &self.req.build_platform
    }

    pub(crate) fn target_platform(&self) -> &Platform {
        &self.req.target_platform
    }

    /// Whether the image is for the platform compile steps run on.
    pub(crate) fn is_native(&self) -> bool {
        self.req.build_platform == self.req.target_platform
    }

    /// A declared build arg's value ("" when the spec declares it without default).
    pub(crate) fn arg(&self, name: &str) -> &str {
        self.args.get(name).map(String::as_str).unwrap_or("")
    }

    /// A build arg that configures a package registry (`UV_INDEX_URL`,
    /// `NPM_REGISTRY_URL`, `CARGO_REGISTRY_INDEX`, `GOPROXY`): the spec's declared value, else the value given on the
    /// command line. These are graph conventions, valid for every app whose
    /// steps reach that registry, so they work before a spec declares them.
    pub(crate) fn registry_arg(&self, name: &str) -> &str {
        match self.args.get(name) {
            Some(v) => v,
            None => self
                .req
                .build_args
                .get(name)
                .map(String::as_str)
                .unwrap_or(""),
        }
    }

    /// A progress name: `[<app>] <what>`, plus the target platform for
    /// per-platform work so both platforms' steps are told apart.
    pub(crate) fn name(&self, what: &str) -> String {
        format!("[{}] {what}", self.app())
    }

    /// [`Ctx::name`] with ` (<platform>)` appended.
    pub(crate) fn name_for_target(&self, what: &str) -> String {
        format!("[{}] {what} ({})", self.app(), self.req.target_platform)
    }

    /// The spec location of `key` (see `app_spec::Spans`), attached to the ops
    /// that key causes so BuildKit errors point at the spec line; `None` when
    /// the spec leaves an optional key out. Every key asked for is recorded
    /// (`crate::location_keys`).
    pub(crate) fn location(&self, key: SpecKey) -> Option<SourceLocation> {
        self.ledger.borrow_mut().locations.insert(key);
        let span = self.req.spec.span_of(key)?;
        let range = SourceRange::new(
            u32::try_from(span.line).ok()?,
            u32::try_from(span.column).ok()?,
            u32::try_from(span.end_line).ok()?,
            u32::try_from(span.end_column).ok()?,
        )
        .ok()?;
        Some(self.source_map.location([range]))
    }

    /// Opens a catalog base on the build or the target platform, pinned as resolved.
    pub(crate) fn base(&self, name: &str, on: BasePlatform) -> Result<Base> {
        catalog::catalog().get(name)?;
        self.ledger.borrow_mut().bases.insert(BaseRequirement {
            name: name.to_string(),
            platform: on,
        });
        let platform = match on {
            BasePlatform::Build => self.req.build_platform.clone(),
            BasePlatform::Target => self.req.target_platform.clone(),
        };
        let resolved = self.req.bases.get(name, &platform)?;
        let bad = |reason: String| GraphError::BaseConfig {
            name: name.to_string(),
            platform: platform.to_string(),
            reason,
        };
        let config =
            llb::ImageConfig::from_json(&resolved.config).map_err(|e| bad(e.to_string()))?;
        let opts = ImageOpts {
            platform: Some(platform.clone()),
            ..ImageOpts::default()
        };
        let state = State::image_with(resolved.image.clone(), opts)
            .with_image(&config)
            .map_err(|e| bad(e.to_string()))?
            .with_custom_name(format!("[base] {name} ({platform})"));
        Ok(Base {
            name: name.to_string(),
            image: resolved.image.clone(),
            state,
            config,
        })
    }

    pub(crate) fn record_secret(&self, id: &str, required: bool, step: &str) {
        let mut l = self.ledger.borrow_mut();
        let entry = l
            .secrets
            .entry(id.to_string())
            .or_insert((false, BTreeSet::new()));
        entry.0 |= required;
        entry.1.insert(step.to_string());
    }

    /// Whether the spec declares secret `id` under `[secrets]`.
    pub(crate) fn declares_secret(&self, id: &str) -> bool {
        app_spec::SecretId::from_id(id).is_some_and(|s| self.req.spec.secret(s).is_some())
    }

    /// Records a secret a step could use, if the spec declares it.
    pub(crate) fn record_declared_secret(&self, id: &str, step: &str) {
        if self.declares_secret(id) {
            self.record_secret(id, false, step);
        }
    }

    pub(crate) fn record_cache(&self, id: &str) {
        self.ledger.borrow_mut().caches.insert(id.to_string());
    }

    pub(crate) fn record_context(&self, read: context::ContextRead) {
        self.ledger.borrow_mut().contexts.insert(read);
    }
}
