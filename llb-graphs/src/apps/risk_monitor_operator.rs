//! risk-monitor-operator (graph `go-operator`): a static controller-runtime
//! manager cross-compiled on the build platform, on `static-runtime`.
//!
//! base:    go-builder (build platform), static-runtime (target platform: CA certs, user 65532)
//! deps:    `go mod download` keyed by go.mod/go.sum only
//! build:   `go build` for GOOS/GOARCH with CGO_ENABLED=0, -trimpath, version in ldflags
//! runtime: the binary alone at /usr/local/bin, non-root, ports from the spec
//! smoke:   `<binary> --version` in the image on the native platform

use app_spec::{GraphSettings, SpecKey};
use llb::{Chown, FileOps};

use super::{plain_arg, settings_mismatch};
use crate::error::Result;
use crate::request::ImageGraph;
use crate::sbom_inputs::ImageContent;
use crate::steps::go_binary::{go_binary, GoMain};
use crate::targets::{Flavor, GoOperatorStop};
use crate::toolkit::runtime::RuntimeImage;
use crate::toolkit::Ctx;

pub(crate) fn graph(ctx: &Ctx<'_>, stop: GoOperatorStop) -> Result<ImageGraph> {
    let spec = ctx.req.spec;
    let GraphSettings::GoOperator { main_package } = &spec.build else {
        return Err(settings_mismatch(ctx));
    };
    let binary = main_package
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(&spec.app)
        .to_string();

    // build: one static binary per target platform, compiled on the build platform.
    let main = GoMain {
        module_dir: spec.app_dir(),
        local_modules: spec.packages.clone(),
        main_package: main_package.clone(),
        binary: binary.clone(),
        version: plain_arg(ctx, "VERSION")?.to_string(),
        spec_key: SpecKey::BuildMainPackage,
    };
    let bin = go_binary(ctx, &main)?;
    match stop {
        GoOperatorStop::GoBinary => return Ok(ctx.artifact(bin)),
        // The same image for Compose: the native-only policy is the difference.
        GoOperatorStop::Image(Flavor::Release | Flavor::LocalRuntime) => {}
    }

    // runtime: static-runtime already carries the CA bundle and the nonroot user.
    let rt = &spec.runtime;
    let path = format!("/usr/local/bin/{binary}");
    RuntimeImage::new(ctx, "static-runtime")?
        .add(
            &format!("copy {binary} to {path}"),
            SpecKey::BuildMainPackage,
            FileOps::new().copy(
                ctx.copy(&bin, &format!("/{binary}"), &path)
                    .chown(Chown::ids(0, 0))
                    .chmod(0o755)?,
            ),
        )?
        .user(&rt.user_spec())
        .workdir("/")
        .expose(&rt.exposed_ports())
        .entrypoint(&[&path], &[])
        .stop_signal("SIGTERM")
        .sbom_reads(ImageContent::GoBinary { path: path.clone() })
        .smoke(&format!("{binary} --version"), SpecKey::BuildMainPackage, &[&path, "--version"])?
        .finish()
}
