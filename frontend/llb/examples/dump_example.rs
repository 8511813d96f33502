//! Prints the dump of a small graph: `cargo run -p llb --example dump_example`.

use llb::{CacheId, Copy, Exec, FileOps, ImageRef, LocalOpts, MarshalOpts, Mkdir, Mount, Platform, SecretEnv, SecretId, State};

fn main() -> llb::Result<()> {
    let base = State::image(ImageRef::parse("golang:1.24")?).with_cwd("/src").with_env("CGO_ENABLED", "0")?;
    let src = State::local("context", LocalOpts { include_patterns: vec!["go.*".into()], ..Default::default() })?;
    let out = base
        .run(
            Exec::shell("go build -o /out/app ./cmd/app")?
                .mount(Mount::bind_ro("/src", &src)?)
                .mount(Mount::bind_rw("/out", &State::scratch())?)
                .mount(Mount::cache("/root/.cache/go-build", CacheId::new("go-build")?)?)
                .mount(Mount::secret(SecretId::new("host_ca_bundle")?))
                .secret_env(SecretEnv::new(SecretId::new("npm_token")?, "NPM_TOKEN")?)
                .custom_name("go build"),
        )?
        .mount_output("/out")?;
    let img = State::scratch().file(
        FileOps::new()
            .mkdir(Mkdir::new("/app", 0o755)?.parents(true))
            .copy(Copy::new(&out, "/app", "/app/app").chmod(0o755)?),
    )?;
    let def = img.marshal(&MarshalOpts::for_platform(Platform::linux_arm64()))?;
    print!("{}", llb::dump(&def));
    println!("{}", serde_json::to_string_pretty(&llb::dump_json(&def)).unwrap_or_default());
    Ok(())
}
