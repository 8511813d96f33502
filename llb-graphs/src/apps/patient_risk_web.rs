//! patient-risk-web (graph `web-spa`): a Vite bundle served by non-root nginx.
//!
//! base:    node-builder (build platform), nginx-runtime (target platform: uid 101, port 8080)
//! deps:    `npm ci` on the workspace manifests only (npm cache mount)
//! build:   `node_bundle`: the workspace's Vite build, once, on the build platform
//! runtime: bundle + the app's nginx template and start.sh; start.sh renders the config
//!          and runs nginx (`local-runtime`: /api/ proxied to http://api:8080)
//! smoke:   `start.sh check` (render + `nginx -t`) on the native platform

use app_spec::{GraphSettings, SpecKey};
use llb::{Chown, FileOps};

use super::settings_mismatch;
use crate::error::Result;
use crate::request::ImageGraph;
use crate::steps::node_bundle::{node_bundle, npm_record, NpmWorkspace};
use crate::targets::{Flavor, WebSpaStop};
use crate::toolkit::registries::PackageSource;
use crate::toolkit::runtime::RuntimeImage;
use crate::toolkit::Ctx;

/// Where the image keeps the app: start.sh, the nginx template and html/.
const HOME: &str = "/usr/share/patient-risk-web";
/// The API service in the Compose project.
const COMPOSE_API: &str = "http://api:8080";

pub(crate) fn graph(ctx: &Ctx<'_>, stop: WebSpaStop) -> Result<ImageGraph> {
    let spec = ctx.req.spec;
    let GraphSettings::WebSpa { npm_workspace } = &spec.build else {
        return Err(settings_mismatch(ctx));
    };
    let app_dir = spec.app_dir();

    // build: one bundle for every platform, built on the build platform.
    let mut sources = vec![app_dir.clone(), "tsconfig.base.json".to_string()];
    if ctx.package_source()? == PackageSource::Workspace {
        sources.extend(spec.packages.iter().cloned());
    }
    let built = node_bundle(
        ctx,
        &NpmWorkspace {
            package: npm_workspace.clone(),
            dir: app_dir.clone(),
            sources,
            env: vec![(
                "VITE_API_BASE".to_string(),
                ctx.arg("API_BASE_PATH").to_string(),
            )],
            spec_key: SpecKey::BuildNpmWorkspace,
            registry_packages: spec.packages.clone(),
        },
    )?;
    let flavor = match stop {
        WebSpaStop::WebBundle => return Ok(ctx.artifact(built.bundle)),
        WebSpaStop::Image(flavor) => flavor,
    };
    let bundle = &built.bundle;

    // runtime: nginx-runtime of the target platform + the bundle + the app's nginx files.
    let rt = &spec.runtime;
    let nginx_files = ctx.context("nginx-config", &[format!("{app_dir}/nginx")])?;
    let start = format!("{HOME}/start.sh");
    let root = Chown::ids(0, 0);
    let mut image = RuntimeImage::new(ctx, "nginx-runtime")?
        .add(
            &format!("copy nginx template and start.sh to {HOME}"),
            SpecKey::App,
            FileOps::new()
                .mkdir(ctx.mkdir(HOME, 0o755)?)
                .copy(
                    ctx.copy(
                        &nginx_files,
                        &format!("/{app_dir}/nginx/"),
                        &format!("{HOME}/"),
                    )
                    .dir_copy_contents(true)
                    .chown(root.clone()),
                )
                .copy(
                    ctx.copy(&nginx_files, &format!("/{app_dir}/nginx/start.sh"), &start)
                        .chown(root.clone())
                        .chmod(0o755)?,
                ),
        )?
        .add(
            &format!("copy the bundle to {HOME}/html"),
            SpecKey::BuildNpmWorkspace,
            FileOps::new().copy(
                ctx.copy(bundle, "/", &format!("{HOME}/html"))
                    .dir_copy_contents(true)
                    .chown(root),
            ),
        )?
        .env("PATIENT_RISK_WEB_ROOT", &format!("{HOME}/html"))?
        .env("PATIENT_RISK_WEB_LISTEN", &rt.port.to_string())?
        .volume("/tmp")
        .user(&rt.user_spec())
        .workdir(HOME)
        .expose(&rt.exposed_ports())
        .entrypoint(&[&start], &[])
        .stop_signal("SIGQUIT")
        .sbom_record(npm_record(&built, &app_dir));
    match flavor {
        Flavor::LocalRuntime => image = image.env("PATIENT_RISK_API_UPSTREAM", COMPOSE_API)?,
        Flavor::Release => {}
    }
    image
        .smoke_with_env(
            "start.sh check (render + nginx -t)",
            SpecKey::Runtime,
            &[&start, "check"],
            &[("PATIENT_RISK_DNS_RESOLVER", "127.0.0.1")],
        )?
        .finish()
}
