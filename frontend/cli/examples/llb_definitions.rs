//! Writes the marshalled LLB definitions (protobuf `pb.Definition` bytes) that
//! `tools/llb-load-check` hands to BuildKit's own `llbsolver.Load`:
//! every registered target of every app for both platforms (bases from the
//! catalog, unpinned, as `plan` makes them), plus one graph that uses every
//! source, mount and file-action kind the builder has (git/http/local
//! sources, cache, tmpfs, secret and ssh mounts, secret env, merge, diff).
//!
//! `cargo run -p patient-risk-frontend --example llb_definitions -- OUT_DIR [REPO]`

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use llb::{
    CacheId, Copy, Exec, FileOps, GitOpts, HttpOpts, ImageRef, LocalOpts, MarshalOpts, Mkdir,
    Mount, Platform, SecretEnv, SecretId, State,
};
use llb_graphs::{BuildRequest, ContextSource, ResolvedBases};
use prost::Message;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: llb_definitions OUT_DIR [REPO]")?);
    let repo = PathBuf::from(args.next().unwrap_or_else(|| ".".to_string()));
    std::fs::create_dir_all(&out)?;
    let caps: BTreeSet<String> = llb::caps::BUILDKIT_V0_13.iter().map(|c| c.to_string()).collect();
    let platforms = [Platform::linux_amd64(), Platform::linux_arm64()];
    let build_platform = Platform::linux_amd64();
    let mut written = 0;
    for target in llb_graphs::targets() {
        let shown = format!("apps/{}/Dockerfile", target.app);
        let text = std::fs::read_to_string(repo.join(&shown))?;
        let spec = app_spec::parse(&shown, &text).map_err(|d| format!("{shown}: {d}"))?;
        for platform in &platforms {
            // a native-only target (Compose images) builds for the build platform alone
            if target.platforms == llb_graphs::PlatformPolicy::NativeOnly && *platform != build_platform {
                continue;
            }
            let none = BTreeMap::new();
            let required = llb_graphs::required_bases(&spec, target)?;
            let bases = ResolvedBases::unpinned(&required, &build_platform, std::slice::from_ref(platform), &none, &none)?;
            let context = ContextSource::local(None);
            let req = BuildRequest {
                spec: &spec,
                spec_file: &shown,
                spec_text: &text,
                target,
                build_platform: build_platform.clone(),
                target_platform: platform.clone(),
                build_args: &none,
                bases: &bases,
                context: &context,
                source_date_epoch: Some(1_700_000_000),
                labels: &none,
                no_cache: false,
            };
            let image = llb_graphs::build(&req).map_err(|e| format!("{} {} {platform}: {e}", target.app, target.name))?;
            let opts = MarshalOpts { platform: Some(platform.clone()), llb_caps: Some(caps.clone()), ignore_cache: false };
            let def = image.state.marshal(&opts)?;
            let name = format!("{}-{}-{}.pb", target.app, target.name, platform.to_string().replace('/', "-"));
            std::fs::write(out.join(name), def.encode_to_vec())?;
            written += 1;
        }
    }
    for platform in &platforms {
        let opts = MarshalOpts { platform: Some(platform.clone()), llb_caps: Some(caps.clone()), ignore_cache: true };
        let def = every_feature()?.marshal(&opts)?;
        let name = format!("every-feature-{}.pb", platform.to_string().replace('/', "-"));
        std::fs::write(out.join(name), def.encode_to_vec())?;
        written += 1;
    }
    println!("{written} definitions in {}", out.display());
    Ok(())
}

/// One graph with every source, mount and file-action kind.
fn every_feature() -> llb::Result<State> {
    let base = State::image(ImageRef::parse("docker.io/library/debian:bookworm")?)
        .with_cwd("/src")
        .with_env("LANG", "C.UTF-8")?;
    let local = State::local("context", LocalOpts { include_patterns: vec!["go.*".into()], ..LocalOpts::default() })?;
    let git = State::git("https://github.com/moby/buildkit.git", "v0.13.2", GitOpts::default())?;
    let http = State::http(
        "https://example.com/a.tar.gz",
        HttpOpts { filename: Some("a.tar.gz".into()), perm: Some(0o644), ..HttpOpts::default() },
    )?;
    let built = base.run(
        Exec::shell("make && cp out /out/app")?
            .mount(Mount::bind_ro("/src", &local)?)
            .mount(Mount::bind_ro("/git", &git)?)
            .mount(Mount::bind_ro("/dl", &http)?)
            .mount(Mount::bind_rw("/out", &State::scratch())?)
            .mount(Mount::cache("/root/.cache", CacheId::new("every-feature")?)?)
            .mount(Mount::tmpfs("/tmp")?)
            .mount(Mount::secret(SecretId::new("host_ca_bundle")?))
            .mount(Mount::ssh())
            .secret_env(SecretEnv::new(SecretId::new("npm_token")?, "NPM_TOKEN")?)
            .custom_name("build with every mount kind"),
    )?;
    let out = built.mount_output("/out")?;
    let files = State::scratch().file(
        FileOps::new()
            .mkdir(Mkdir::new("/app", 0o755)?.parents(true))
            .copy(Copy::new(&out, "/app", "/app/app").chmod(0o755)?),
    )?;
    let diff = State::diff(&base, &built.root());
    Ok(State::merge([&files, &diff]))
}
