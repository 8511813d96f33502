//! The example from docs/llb-builder.md, kept compiling and checked here so the
//! guide does not drift from the API.

use llb::{
    CacheId, CacheSharing, Chown, Copy, Exec, FileOps, ImageOpts, ImageRef, LocalOpts, MarshalOpts, Mkdir, Mount,
    Platform, SecretId, State,
};

fn operator_image(platform: &Platform) -> llb::Result<State> {
    let src = State::local(
        "context",
        LocalOpts { include_patterns: vec!["apps/operator/".into()], shared_key_hint: Some("context".into()), ..Default::default() },
    )?;
    let go = State::image_with(
        ImageRef::parse("golang:1.24-bookworm")?,
        ImageOpts { platform: Some(platform.clone()), ..Default::default() },
    )
    .with_cwd("/src/apps/operator")
    .with_env("CGO_ENABLED", "0")?;
    let bin = go
        .run(
            Exec::shell("go build -trimpath -o /out/manager ./cmd")?
                .mount(Mount::bind_ro("/src", &src)?)
                .mount(Mount::bind_rw("/out", &State::scratch())?)
                .mount(Mount::cache("/root/.cache/go-build", CacheId::new("go-build")?)?.sharing(CacheSharing::Locked))
                .mount(Mount::secret_at("/etc/ssl/certs/ca-certificates.crt", SecretId::new("host_ca_bundle")?)?)
                .custom_name("go build manager"),
        )?
        .mount_output("/out")?;
    State::scratch().file(
        FileOps::new()
            .mkdir(Mkdir::new("/app", 0o755)?.chown(Chown::ids(65532, 65532)))
            .copy(Copy::new(&bin, "/manager", "/app/manager").chmod(0o755)?)
            .custom_name("assemble image"),
    )
}

#[test]
fn guide_example_builds_and_dumps() {
    let def = operator_image(&Platform::linux_arm64())
        .unwrap()
        .marshal(&MarshalOpts::for_platform(Platform::linux_arm64()))
        .unwrap();
    let text = llb::dump(&def);
    assert!(text.contains("name: \"go build manager\""), "{text}");
    assert!(text.contains("mount /out bind from scratch -> output 1"), "{text}");
    assert!(text.contains("mount /etc/ssl/certs/ca-certificates.crt secret ro id=host_ca_bundle mode=0o400"), "{text}");
    assert!(text.contains("copy /manager from #"), "{text}");
    let guide = include_str!("../../../docs/llb-builder.md");
    assert!(guide.contains("fn operator_image(platform: &Platform) -> llb::Result<State>"), "guide still shows this example");
}
