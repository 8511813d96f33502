//! Identical inputs must always give identical bytes: across repeated marshals,
//! across clones, across independently rebuilt graphs, and across threads.

use llb::{
    CacheId, Copy, Exec, FileOps, ImageOpts, ImageRef, LocalOpts, MarshalOpts, Mkfile, Mount, Platform, ProgressGroup,
    SecretEnv, SecretId, SourceMap, SourceRange, State,
};
use prost::Message;

fn graph(platform: &Platform) -> State {
    let spec = SourceMap::new("apps/api/Dockerfile", "toml", b"# syntax=x\nport = 8080\n".to_vec());
    let base = State::image_with(
        ImageRef::parse("python:3.13-slim").unwrap(),
        ImageOpts { platform: Some(platform.clone()), ..Default::default() },
    )
    .with_env("PIP_NO_CACHE_DIR", "1")
    .unwrap()
    .with_env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    .unwrap()
    .with_cwd("/app");
    let ctx = State::local(
        "context",
        LocalOpts {
            include_patterns: vec!["apps/api/".into(), "packages/".into()],
            exclude_patterns: vec!["**/__pycache__".into()],
            shared_key_hint: Some("context".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let deps = base
        .run(
            Exec::shell("pip install --target /out -r requirements.txt")
                .unwrap()
                .mount(Mount::bind_ro("/src", &ctx).unwrap())
                .mount(Mount::bind_rw("/out", &State::scratch()).unwrap())
                .mount(Mount::cache("/root/.cache/pip", CacheId::new("pip").unwrap()).unwrap())
                .mount(Mount::secret_at("/etc/ssl/certs/ca-certificates.crt", SecretId::new("host_ca_bundle").unwrap()).unwrap())
                .secret_env(SecretEnv::new(SecretId::new("uv_index_password").unwrap(), "UV_INDEX_PASSWORD").unwrap().optional())
                .custom_name("install dependencies")
                .progress_group(ProgressGroup::new("deps", "dependencies"))
                .location(spec.location([SourceRange::line(2).unwrap()])),
        )
        .unwrap()
        .mount_output("/out")
        .unwrap();
    let app = base
        .file(
            FileOps::new()
                .copy(Copy::new(&deps, "/", "/app/site-packages/").create_dest_path(true))
                .copy(Copy::new(&ctx, "/apps/api/src", "/app/src").chmod(0o644).unwrap())
                .mkfile(Mkfile::new("/app/VERSION", 0o644, b"0.1.0".to_vec()).unwrap()),
        )
        .unwrap();
    State::merge([&app, &deps])
}

fn bytes(st: &State, platform: &Platform) -> Vec<u8> {
    st.marshal(&MarshalOpts::for_platform(platform.clone())).unwrap().encode_to_vec()
}

#[test]
fn marshal_is_byte_identical_every_time() {
    let p = Platform::linux_amd64();
    let st = graph(&p);
    let first = bytes(&st, &p);
    for _ in 0..50 {
        assert_eq!(bytes(&st, &p), first);
        assert_eq!(bytes(&st.clone(), &p), first);
    }
}

#[test]
fn rebuilt_graphs_marshal_identically() {
    for p in [Platform::linux_amd64(), Platform::linux_arm64()] {
        let first = bytes(&graph(&p), &p);
        for _ in 0..20 {
            assert_eq!(bytes(&graph(&p), &p), first);
        }
    }
    assert_ne!(
        bytes(&graph(&Platform::linux_amd64()), &Platform::linux_amd64()),
        bytes(&graph(&Platform::linux_arm64()), &Platform::linux_arm64()),
        "platform is part of the graph"
    );
}

#[test]
fn threads_agree() {
    let p = Platform::linux_arm64();
    let st = graph(&p);
    let want = bytes(&st, &p);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let st = st.clone();
            let p = p.clone();
            std::thread::spawn(move || bytes(&st, &p))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
}

#[test]
fn metadata_does_not_change_op_digests() {
    let p = Platform::linux_amd64();
    let plain = State::image(ImageRef::parse("alpine").unwrap()).run(Exec::new(["true"]).unwrap()).unwrap().root();
    let named = State::image(ImageRef::parse("alpine").unwrap())
        .run(Exec::new(["true"]).unwrap().custom_name("named"))
        .unwrap()
        .root();
    let a = plain.marshal(&MarshalOpts::for_platform(p.clone())).unwrap();
    let b = named.marshal(&MarshalOpts::for_platform(p)).unwrap();
    assert_eq!(a.def, b.def, "names live in metadata, not in op bytes");
    assert_ne!(a.metadata, b.metadata);
}
