//! Golden dumps of small graphs (text and JSON), pinned with insta.

use llb::{
    CacheId, CacheSharing, Chown, Copy, Exec, FileOps, ImageRef, LocalOpts, MarshalOpts, Mkdir, Mount, Platform,
    SecretEnv, SecretId, SourceMap, State,
};

fn graph() -> State {
    let spec = SourceMap::new("apps/operator/Dockerfile", "toml", b"# syntax=x\ngraph = \"go\"\n".to_vec());
    let src = State::local("context", LocalOpts { include_patterns: vec!["apps/operator/".into()], ..Default::default() }).unwrap();
    let bin = State::image(ImageRef::parse("golang:1.24-bookworm").unwrap())
        .with_cwd("/src/apps/operator")
        .with_env("CGO_ENABLED", "0")
        .unwrap()
        .run(
            Exec::shell("go build -trimpath -o /out/manager ./cmd")
                .unwrap()
                .mount(Mount::bind_ro("/src", &src).unwrap())
                .mount(Mount::bind_rw("/out", &State::scratch()).unwrap())
                .mount(Mount::cache("/root/.cache/go-build", CacheId::new("go-build").unwrap()).unwrap().sharing(CacheSharing::Locked))
                .mount(Mount::secret(SecretId::new("host_ca_bundle").unwrap()).optional())
                .secret_env(SecretEnv::new(SecretId::new("npm_token").unwrap(), "NPM_TOKEN").unwrap())
                .custom_name("go build manager")
                .location(spec.lines(2, 2).unwrap()),
        )
        .unwrap()
        .mount_output("/out")
        .unwrap();
    State::scratch()
        .file(
            FileOps::new()
                .mkdir(Mkdir::new("/app", 0o755).unwrap().chown(Chown::ids(65532, 65532)))
                .copy(Copy::new(&bin, "manager", "/app/manager").chmod(0o755).unwrap())
                .custom_name("assemble image"),
        )
        .unwrap()
}

#[test]
fn text_dump() {
    let def = graph().marshal(&MarshalOpts::for_platform(Platform::linux_arm64())).unwrap();
    insta::assert_snapshot!(llb::dump(&def));
}

#[test]
fn json_dump() {
    let def = graph().marshal(&MarshalOpts::for_platform(Platform::linux_amd64())).unwrap();
    let v = llb::dump_json(&def);
    assert_eq!(v["ops"].as_array().unwrap().len(), 5);
    assert_eq!(v["result"], "#3:0");
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn dump_marks_undecodable_bytes() {
    let def = llb::pb::Definition { def: vec![vec![0xff, 0xff, 0xff]], ..Default::default() };
    assert!(llb::dump(&def).contains("undecodable"));
    assert!(llb::validate(&def).is_err());
}
