//! dev-guide-docs (graph `mkdocs-site`): MkDocs sites + a portal page on
//! non-root nginx.
//!
//! base:    python-builder (build platform), nginx-runtime (target platform: uid 101, port 8080)
//! deps:    the app's hash-pinned MkDocs toolchain, installed by uv (uv cache mount)
//! build:   `mkdocs_site`: every config of the spec into /<site>/ (the repo docs under
//!          /guide/, the CD handoff under /handoff/), the portal page at /
//! runtime: the sites in /usr/share/nginx/html, the app's server config with /healthz and /readyz
//! smoke:   `nginx -t` on the native platform

use app_spec::{GraphSettings, SpecKey};
use llb::{Chown, FileOps, Rm};

use super::settings_mismatch;
use crate::error::{GraphError, Result};
use crate::request::ImageGraph;
use crate::steps::mkdocs_site::{mkdocs_site, Sites};
use crate::targets::{Flavor, MkdocsSiteStop};
use crate::toolkit::runtime::RuntimeImage;
use crate::toolkit::Ctx;

const HTML: &str = "/usr/share/nginx/html";

/// A site's name (its URL prefix): `guide` for the config in the app
/// directory, else the name of the directory holding the config.
fn site_name(app_dir: &str, config: &str) -> Option<String> {
    let dir = config.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    if dir == app_dir {
        Some("guide".to_string())
    } else {
        dir.rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    }
}

pub(crate) fn graph(ctx: &Ctx<'_>, stop: MkdocsSiteStop) -> Result<ImageGraph> {
    let spec = ctx.req.spec;
    let GraphSettings::MkdocsSite { configs, sources } = &spec.build else {
        return Err(settings_mismatch(ctx));
    };
    let app_dir = spec.app_dir();
    let mut named = Vec::new();
    for c in configs {
        let name = site_name(&app_dir, c).ok_or_else(|| GraphError::Spec {
            spec_file: ctx.req.spec_file.to_string(),
            reason: format!("build.configs: {c:?} must be a mkdocs.yml inside a directory"),
        })?;
        if named.iter().any(|(n, _)| *n == name) {
            return Err(GraphError::Spec {
                spec_file: ctx.req.spec_file.to_string(),
                reason: format!("build.configs: two configs would both be served under /{name}/; put each in its own directory"),
            });
        }
        named.push((name, c.clone()));
    }

    // build: every site, once, on the build platform.
    let site = mkdocs_site(
        ctx,
        &Sites {
            requirements: format!("{app_dir}/requirements.txt"),
            configs: named,
            sources: sources.clone(),
            portal: format!("{app_dir}/portal"),
        },
    )?;
    match stop {
        MkdocsSiteStop::DocsSite => return Ok(ctx.artifact(site)),
        // The same image for Compose: the native-only policy is the difference.
        MkdocsSiteStop::Image(Flavor::Release | Flavor::LocalRuntime) => {}
    }

    // runtime: nginx-runtime with the sites and the app's server config.
    let rt = &spec.runtime;
    let conf = ctx.context("nginx-config", &[format!("{app_dir}/nginx/default.conf")])?;
    let root = Chown::ids(0, 0);
    RuntimeImage::new(ctx, "nginx-runtime")?
        .add(
            "server config to /etc/nginx/conf.d/default.conf",
            SpecKey::App,
            FileOps::new().copy(
                ctx.copy(
                    &conf,
                    &format!("/{app_dir}/nginx/default.conf"),
                    "/etc/nginx/conf.d/default.conf",
                )
                .chown(root.clone())
                .chmod(0o644)?,
            ),
        )?
        .add(
            &format!("sites to {HTML}"),
            SpecKey::BuildConfigs,
            FileOps::new()
                .rm(Rm::new(format!("{HTML}/index.html")).allow_not_found(true))
                .copy(
                    ctx.copy(&site, "/", HTML)
                        .dir_copy_contents(true)
                        .chown(root),
                ),
        )?
        .volume("/tmp")
        .user(&rt.user_spec())
        .expose(&rt.exposed_ports())
        .smoke("nginx -t", SpecKey::Runtime, &["nginx", "-t"])?
        .finish()
}

#[cfg(test)]
mod tests {
    use super::site_name;

    #[test]
    fn site_names() {
        let app = "apps/dev-guide-docs";
        assert_eq!(
            site_name(app, "apps/dev-guide-docs/mkdocs.yml").as_deref(),
            Some("guide")
        );
        assert_eq!(
            site_name(app, "apps/dev-guide-docs/handoff/mkdocs.yml").as_deref(),
            Some("handoff")
        );
        assert_eq!(site_name(app, "mkdocs.yml"), None);
    }
}
