//! Runtime assembly on the target platform: a runtime base, the files the
//! build produced copied in (one layer and one history entry each), the image
//! config (env, user, ports, healthcheck, labels from the spec's runtime
//! contract and the OCI build args) and an in-build smoke check on the native
//! platform before export.

use std::collections::BTreeMap;

use app_spec::SpecKey;
use llb::image_config::RunConfig;
use llb::{rfc3339, Copy, Exec, FileOps, Mkdir, Mount, NetMode, State, Timestamp};

use super::image_config::{Healthcheck, ImageConfig, LABEL_PREFIX};
use super::{Base, Ctx};
use crate::catalog;
use crate::error::Result;
use crate::request::{BasePlatform, ImageGraph};
use crate::sbom_inputs::{BuildRecord, ImageContent, SbomBase, SbomInputs};

/// An image being assembled on a runtime base.
#[derive(Debug)]
pub(crate) struct RuntimeImage<'c, 'r> {
    ctx: &'c Ctx<'r>,
    base: Base,
    state: State,
    config: ImageConfig,
    /// What the frontend reads for this image's SBOM (`crate::sbom_inputs`).
    sbom: SbomInputs,
}

impl<'c, 'r> RuntimeImage<'c, 'r> {
    /// Opens the runtime base `name` on the target platform.
    pub(crate) fn new(ctx: &'c Ctx<'r>, name: &str) -> Result<Self> {
        let base = ctx.base(name, BasePlatform::Target)?;
        let config = ImageConfig::from_base(
            &base.config,
            ctx.target_platform(),
            ctx.req.source_date_epoch,
        );
        let sbom = SbomInputs {
            base: Some(SbomBase {
                name: name.to_string(),
                image: base.image.clone(),
            }),
            image: vec![ImageContent::DpkgDatabase],
            records: Vec::new(),
        };
        Ok(Self {
            ctx,
            state: base.state.clone(),
            base,
            config,
            sbom,
        })
    }

    /// Applies `ops` as one layer, recorded in history as `what`; the op points
    /// at the spec key `at` (what the copied files come from).
    pub(crate) fn add(mut self, what: &str, at: SpecKey, ops: FileOps) -> Result<Self> {
        let name = self.ctx.name_for_target(what);
        let ops = super::reproducible::settle_directories(self.ctx, ops)?;
        self.state = self
            .state
            .file(ops)?
            .with_custom_name(name)
            .with_ignore_cache(self.ctx.req.no_cache);
        if let Some(loc) = self.ctx.location(at) {
            self.state = self.state.with_location(loc);
        }
        self.config.history(what, false);
        Ok(self)
    }

    /// Sets an env var in the image config and for later smoke checks.
    pub(crate) fn env(mut self, key: &str, value: &str) -> Result<Self> {
        self.state = self.state.with_env(key, value)?;
        self.config.env(key, value);
        self.config.history(&format!("ENV {key}={value}"), true);
        Ok(self)
    }

    /// Sets the user the image (and its smoke check) runs as.
    pub(crate) fn user(mut self, user: &str) -> Self {
        self.state = self.state.with_user(user);
        self.config.user(user);
        self.config.history(&format!("USER {user}"), true);
        self
    }

    /// Sets the working directory.
    pub(crate) fn workdir(mut self, dir: &str) -> Self {
        self.state = self.state.with_cwd(dir);
        self.config.workdir(dir);
        self.config.history(&format!("WORKDIR {dir}"), true);
        self
    }

    /// Declares a volume: with `docker run --read-only` the path stays writable (e.g. `/tmp`).
    pub(crate) fn volume(mut self, path: &str) -> Self {
        self.config.volume(path);
        self.config.history(&format!("VOLUME {path}"), true);
        self
    }

    /// Exposes the spec's ports.
    pub(crate) fn expose(mut self, ports: &[u16]) -> Self {
        for p in ports {
            self.config.expose(*p);
        }
        let list: Vec<String> = ports.iter().map(|p| format!("{p}/tcp")).collect();
        self.config
            .history(&format!("EXPOSE {}", list.join(" ")), true);
        self
    }

    /// Sets the entrypoint (and optionally the default arguments).
    pub(crate) fn entrypoint(mut self, argv: &[&str], cmd: &[&str]) -> Self {
        self.config.entrypoint(argv);
        let mut h = format!("ENTRYPOINT {argv:?}");
        if !cmd.is_empty() {
            self.config.cmd(cmd);
            h.push_str(&format!(" CMD {cmd:?}"));
        }
        self.config.history(&h, true);
        self
    }

    /// Sets the healthcheck.
    pub(crate) fn healthcheck(mut self, h: &Healthcheck) -> Self {
        self.config.healthcheck(h);
        self.config
            .history(&format!("HEALTHCHECK {:?}", h.test), true);
        self
    }

    /// Adds image files the SBOM reads.
    pub(crate) fn sbom_reads(mut self, content: ImageContent) -> Self {
        self.sbom.image.push(content);
        self
    }

    /// Adds a build record the SBOM reads (made by the step it describes, e.g.
    /// `steps::manylinux_wheel::cargo_record`).
    pub(crate) fn sbom_record(mut self, record: BuildRecord) -> Self {
        self.sbom.records.push(record);
        self
    }

    /// Sets the stop signal.
    pub(crate) fn stop_signal(mut self, signal: &str) -> Self {
        self.config.stop_signal(signal);
        self
    }

    /// Runs `argv` in the image on the native platform as a smoke check before
    /// export (no network, `/tmp` on a tmpfs, the image's user), pointing at the
    /// spec key `at` (what it checks). On another target platform it is skipped:
    /// nothing runs under emulation; the build steps check their outputs'
    /// architecture instead.
    pub(crate) fn smoke(self, what: &str, at: SpecKey, argv: &[&str]) -> Result<Self> {
        self.smoke_with_env(what, at, argv, &[])
    }

    /// [`RuntimeImage::smoke`] with extra env for the check only.
    pub(crate) fn smoke_with_env(
        mut self,
        what: &str,
        at: SpecKey,
        argv: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        if !self.ctx.is_native() {
            return Ok(self);
        }
        let mut exec = Exec::new(argv.iter().copied())?
            .network(NetMode::None)
            .mount(Mount::tmpfs("/tmp")?)
            .env("PYTHONDONTWRITEBYTECODE", "1")?
            .custom_name(self.ctx.name_for_target(&format!("smoke check: {what}")))
            .ignore_cache(self.ctx.req.no_cache);
        for (k, v) in env {
            exec = exec.env(*k, *v)?;
        }
        if let Some(loc) = self.ctx.location(at) {
            exec = exec.location(loc);
        }
        self.state = self.state.run(exec)?.root();
        // BuildKit exports the exec's (empty) diff as a 32-byte layer: record it as one.
        self.config.history(
            &format!("smoke check (changes no file): {}", argv.join(" ")),
            false,
        );
        Ok(self)
    }

    /// Finishes the image: labels from the spec's runtime contract under
    /// [`LABEL_PREFIX`], `org.opencontainers.image.*` from the build args, then
    /// the request's own `label:*` values on top.
    pub(crate) fn finish(mut self) -> Result<ImageGraph> {
        let ctx = self.ctx;
        let spec = ctx.req.spec;
        let rt = &spec.runtime;
        let oci = "org.opencontainers.image";
        let base_ref = self.base.image.clone();
        let release = app_spec::release::embedded()
            .ok()
            .and_then(|c| c.image.as_ref());
        let mut labels: Vec<(String, String)> = vec![
            (format!("{oci}.title"), spec.app.clone()),
            (format!("{oci}.description"), spec.description.clone()),
            (format!("{oci}.version"), ctx.arg("VERSION").to_string()),
            (format!("{oci}.revision"), ctx.arg("REVISION").to_string()),
            (
                format!("{oci}.source"),
                release.map_or_else(|| catalog::catalog().source.clone(), |r| r.source.clone()),
            ),
            (
                format!("{oci}.licenses"),
                release
                    .map_or("Apache-2.0", |r| r.licenses.as_str())
                    .to_string(),
            ),
            (
                format!("{oci}.vendor"),
                release.map(|r| r.vendor.clone()).unwrap_or_default(),
            ),
            (
                format!("{oci}.url"),
                release.map(|r| r.url_for(&spec.app)).unwrap_or_default(),
            ),
            (
                format!("{oci}.base.name"),
                base_ref.without_digest().to_string(),
            ),
            (
                format!("{oci}.base.digest"),
                base_ref
                    .digest()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            (
                format!("{oci}.created"),
                ctx.req.source_date_epoch.map(rfc3339).unwrap_or_default(),
            ),
            (format!("{LABEL_PREFIX}.app"), spec.app.clone()),
            (
                format!("{LABEL_PREFIX}.graph"),
                spec.graph.name().to_string(),
            ),
            (
                format!("{LABEL_PREFIX}.target"),
                ctx.req.target.name.to_string(),
            ),
            (format!("{LABEL_PREFIX}.runtime.port"), rt.port.to_string()),
            (
                format!("{LABEL_PREFIX}.runtime.probe-port"),
                rt.probe_port.to_string(),
            ),
            (format!("{LABEL_PREFIX}.runtime.health"), rt.health.clone()),
            (
                format!("{LABEL_PREFIX}.runtime.readiness"),
                rt.readiness.clone(),
            ),
            (
                format!("{LABEL_PREFIX}.runtime.migrations"),
                rt.migrations.to_string(),
            ),
            (format!("{LABEL_PREFIX}.runtime.user"), rt.user_spec()),
        ];
        labels.extend(ctx.req.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (k, v) in &labels {
            self.config.label(k, v);
        }
        self.config
            .history("LABEL (runtime contract and OCI labels)", true);
        Ok(ImageGraph {
            state: self.state,
            config: self.config.finish(),
            sbom: self.sbom,
        })
    }
}

impl Ctx<'_> {
    /// A copy that creates missing parent directories (as `COPY` does), with
    /// this build's file timestamp (SOURCE_DATE_EPOCH) applied.
    pub(crate) fn copy(&self, from: &State, src: &str, dest: &str) -> Copy {
        let c = Copy::new(from, src, dest).create_dest_path(true);
        match self.req.source_date_epoch {
            Some(t) => c.timestamp(Timestamp::from_unix_seconds(t)),
            None => c,
        }
    }

    /// A new directory (with parents) with this build's file timestamp applied.
    pub(crate) fn mkdir(&self, path: &str, mode: u32) -> Result<Mkdir> {
        let m = Mkdir::new(path, mode)?.parents(true);
        Ok(match self.req.source_date_epoch {
            Some(t) => m.timestamp(Timestamp::from_unix_seconds(t)),
            None => m,
        })
    }

    /// A debug target's output: `state`'s files on scratch, with a minimal config.
    pub(crate) fn artifact(&self, state: State) -> ImageGraph {
        let p = self.target_platform();
        let labels = BTreeMap::from([
            (format!("{LABEL_PREFIX}.app"), self.app().to_string()),
            (
                format!("{LABEL_PREFIX}.target"),
                self.req.target.name.to_string(),
            ),
        ]);
        let cfg = llb::ImageConfig {
            architecture: p.architecture().to_string(),
            os: p.os().to_string(),
            variant: p.variant().map(str::to_string),
            config: RunConfig {
                labels: Some(labels),
                ..RunConfig::default()
            },
            ..llb::ImageConfig::default()
        };
        ImageGraph {
            state,
            config: cfg,
            sbom: SbomInputs::default(),
        }
    }
}
