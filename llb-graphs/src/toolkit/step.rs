//! Shell steps on a builder: a bash script plus exactly the mounts, caches and
//! registry access the step declares. A step that declares no registry runs
//! with no network and sees no secret.

use app_spec::SpecKey;
use llb::{Exec, ExecState, Mount, NetMode, State};

use super::caches::Cache;
use super::registries::{self, Registry};
use super::Ctx;
use crate::error::Result;

/// A build step under construction.
#[derive(Debug)]
pub(crate) struct Step {
    name: String,
    lines: Vec<String>,
    env: Vec<(String, String)>,
    mounts: Vec<Mount>,
    caches: Vec<Cache>,
    registries: Vec<Registry>,
    cwd: Option<String>,
    spec_key: Option<SpecKey>,
}

impl Step {
    /// A step named `name` in progress output (use [`Ctx::name`]).
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            lines: Vec::new(),
            env: Vec::new(),
            mounts: Vec::new(),
            caches: Vec::new(),
            registries: Vec::new(),
            cwd: None,
            spec_key: None,
        }
    }

    /// Appends a line of the bash script (runs with `set -euo pipefail`).
    pub(crate) fn sh(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// Sets an env var for this step.
    pub(crate) fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Adds a mount (a bind of another stage, a scratch output, a tmpfs).
    pub(crate) fn mount(mut self, mount: impl Into<Mount>) -> Self {
        self.mounts.push(mount.into());
        self
    }

    /// Adds a cache mount and its env var.
    pub(crate) fn cache(mut self, cache: Cache) -> Self {
        self.caches.push(cache);
        self
    }

    /// Declares that the step resolves packages from `registry`: it gets the
    /// network, the host CA and that registry's private-index secrets.
    pub(crate) fn reaches(mut self, registry: Registry) -> Self {
        if !self.registries.contains(&registry) {
            self.registries.push(registry);
        }
        self
    }

    /// Working directory.
    pub(crate) fn cwd(mut self, dir: impl Into<String>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// The spec key whose span this step's errors point at.
    pub(crate) fn at(mut self, key: SpecKey) -> Self {
        self.spec_key = Some(key);
        self
    }
}

impl Ctx<'_> {
    /// Runs `step` on `on` (a builder state on the build platform).
    pub(crate) fn run(&self, on: &State, step: Step) -> Result<ExecState> {
        let access = registries::access(self, &step.name, &step.registries)?;
        let mut script = vec!["set -euo pipefail".to_string()];
        script.extend(access.prelude);
        script.extend(step.lines);
        let mut exec = Exec::new(["/bin/bash".to_string(), "-c".to_string(), script.join("\n")])?
            .network(if step.registries.is_empty() {
                NetMode::None
            } else if access.host_network {
                // A registry on the build host's loopback: only the host network reaches it.
                NetMode::Host
            } else {
                NetMode::Sandbox
            })
            .custom_name(step.name.clone())
            .ignore_cache(self.req.no_cache);
        for (k, v) in access.env.into_iter().chain(step.env) {
            exec = exec.env(k, v)?;
        }
        for cache in &step.caches {
            if let Some((var, path)) = cache.env() {
                exec = exec.env(var, path)?;
            }
            exec = exec.mount(cache.mount(self)?);
        }
        for m in access.mounts.into_iter().chain(step.mounts) {
            exec = exec.mount(m);
        }
        for s in access.secret_env {
            exec = exec.secret_env(s);
        }
        if let Some(dir) = step.cwd {
            exec = exec.cwd(dir);
        }
        if let Some(loc) = step.spec_key.and_then(|k| self.location(k)) {
            exec = exec.location(loc);
        }
        Ok(on.run(exec)?)
    }
}
