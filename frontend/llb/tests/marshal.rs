//! Marshal a small graph, decode the bytes, and check fields, edges and the
//! protocol's zero-value conventions.

mod common;

use std::collections::BTreeSet;

use common::decode;
use llb::pb;
use llb::{
    caps, CacheId, CacheSharing, Chown, Copy, Error, Exec, FileOps, ImageOpts, ImageRef, LocalDiffer, LocalOpts,
    MarshalOpts, Mkdir, Mkfile, Mount, NetMode, Platform, ProgressGroup, ResolveMode, Rm, SecretEnv, SecretId,
    SourceMap, SourceRange, State, Timestamp,
};

fn alpine() -> State {
    State::image(ImageRef::parse("alpine:3.19").unwrap())
}

fn opts() -> MarshalOpts {
    MarshalOpts::for_platform(Platform::linux_amd64())
}

#[test]
fn terminal_op_is_last_with_one_input_and_metadata_keyed_by_digest() {
    let st = alpine().run(Exec::new(["true"]).unwrap()).unwrap().root();
    let def = st.marshal(&opts()).unwrap();
    let d = decode(&def);
    assert_eq!(d.ops.len(), 3);
    let last = d.ops.last().unwrap();
    assert!(last.op.is_none(), "terminal op has no body");
    assert_eq!(last.inputs.len(), 1);
    assert_eq!(d.position(&last.inputs[0].digest), 1, "terminal points at the exec");
    assert_eq!(last.inputs[0].index, 0);
    d.assert_topological();
    let keys: BTreeSet<&String> = def.metadata.keys().collect();
    let digests: BTreeSet<&String> = d.digests.iter().collect();
    assert_eq!(keys, digests, "metadata has exactly one entry per op digest");
    let term_caps = &def.metadata[&d.digests[2]].caps;
    assert!(term_caps.contains_key(caps::CONSTRAINTS) && term_caps.contains_key(caps::PLATFORM));
}

#[test]
fn scratch_marshals_to_empty_definition() {
    let def = State::scratch().marshal(&opts()).unwrap();
    assert!(def.def.is_empty());
    assert!(def.metadata.is_empty());
}

#[test]
fn image_source_has_platform_and_attrs() {
    let p = Platform::parse("linux/arm64").unwrap();
    let img = State::image_with(
        ImageRef::parse("python:3.13-slim").unwrap(),
        ImageOpts { platform: Some(p.clone()), resolve_mode: Some(ResolveMode::ForcePull), ..Default::default() },
    );
    assert_eq!(img.platform(), Some(&p));
    let def = img.marshal(&MarshalOpts::default()).unwrap();
    let d = decode(&def);
    let (i, src) = d.source("docker-image://");
    assert_eq!(src.identifier, "docker-image://docker.io/library/python:3.13-slim");
    assert_eq!(src.attrs.get("image.resolvemode").map(String::as_str), Some("pull"));
    let plat = d.ops[i].platform.as_ref().expect("image source has a platform");
    assert_eq!((plat.os.as_str(), plat.architecture.as_str(), plat.variant.as_str()), ("linux", "arm64", ""));
    let c = &def.metadata[&d.digests[i]].caps;
    assert!(c.contains_key(caps::SOURCE_IMAGE) && c.contains_key(caps::SOURCE_IMAGE_RESOLVE_MODE));
}

#[test]
fn marshal_platform_fills_in_for_exec_and_image_but_not_local_or_file() {
    let src = State::local("context", LocalOpts::default()).unwrap();
    let st = alpine()
        .run(Exec::new(["ls"]).unwrap().mount(Mount::bind_ro("/src", &src).unwrap()))
        .unwrap()
        .root()
        .file(FileOps::new().rm(Rm::new("/tmp/x").allow_not_found(true)))
        .unwrap();
    let def = st.marshal(&MarshalOpts::for_platform(Platform::parse("linux/arm64/v8").unwrap())).unwrap();
    let d = decode(&def);
    let img = d.source("docker-image://").0;
    let local = d.source("local://").0;
    let exec = d.exec().0;
    let file = d.file().0;
    assert_eq!(d.ops[img].platform.as_ref().unwrap().architecture, "arm64");
    assert_eq!(d.ops[exec].platform.as_ref().unwrap().architecture, "arm64");
    assert!(d.ops[local].platform.is_none());
    assert!(d.ops[file].platform.is_none());
}

#[test]
fn local_source_attrs_are_json_arrays() {
    let st = State::local(
        "context",
        LocalOpts {
            include_patterns: vec!["apps/web/".into(), "packages/ui-core/".into()],
            exclude_patterns: vec!["**/node_modules".into()],
            follow_paths: vec!["Dockerfile".into()],
            shared_key_hint: Some("context".into()),
            session_id: Some("sess-1".into()),
            differ: Some(LocalDiffer::None),
            unique_id: None,
            metadata_only: None,
        },
    )
    .unwrap();
    let def = st.marshal(&opts()).unwrap();
    let d = decode(&def);
    let (i, src) = d.source("local://");
    assert_eq!(src.identifier, "local://context");
    let a = &src.attrs;
    assert_eq!(a["local.includepattern"], r#"["apps/web/","packages/ui-core/"]"#);
    assert_eq!(a["local.excludepatterns"], r#"["**/node_modules"]"#);
    assert_eq!(a["local.followpaths"], r#"["Dockerfile"]"#);
    assert_eq!(a["local.sharedkeyhint"], "context");
    assert_eq!(a["local.session"], "sess-1");
    assert_eq!(a["local.differ"], "none");
    assert!(!a.contains_key("local.unique"));
    let parsed: Vec<String> = serde_json::from_str(&a["local.includepattern"]).unwrap();
    assert_eq!(parsed.len(), 2);
    let c = &def.metadata[&d.digests[i]].caps;
    for cap in [
        caps::SOURCE_LOCAL,
        caps::SOURCE_LOCAL_SESSION_ID,
        caps::SOURCE_LOCAL_INCLUDE_PATTERNS,
        caps::SOURCE_LOCAL_EXCLUDE_PATTERNS,
        caps::SOURCE_LOCAL_FOLLOW_PATHS,
        caps::SOURCE_LOCAL_SHARED_KEY_HINT,
        caps::SOURCE_LOCAL_DIFFER,
    ] {
        assert!(c.contains_key(cap), "missing cap {cap}");
    }
}

#[test]
fn exec_mounts_follow_the_wire_conventions() {
    let src = State::local("context", LocalOpts::default()).unwrap();
    let exec = alpine()
        .with_cwd("/work")
        .with_env("A", "1")
        .unwrap()
        .with_user("1000:1000")
        .run(
            Exec::new(["make", "all"])
                .unwrap()
                .env("B", "2")
                .unwrap()
                .mount(Mount::bind_rw("/out", &State::scratch()).unwrap())
                .mount(Mount::bind_ro("/src", &src).unwrap().selector("/apps"))
                .mount(Mount::cache("/cache", CacheId::new("c1").unwrap()).unwrap().sharing(CacheSharing::Locked))
                .mount(Mount::tmpfs("/tmp").unwrap().size(64 << 20))
                .mount(Mount::secret(SecretId::new("host_ca_bundle").unwrap()))
                .mount(Mount::bind_rw("/a-scratch", &src).unwrap().no_output())
                .secret_env(SecretEnv::new(SecretId::new("npm_token").unwrap(), "NPM_TOKEN").unwrap().optional())
                .network(NetMode::None),
        )
        .unwrap();
    let def = exec.mount_output("/out").unwrap().marshal(&opts()).unwrap();
    let d = decode(&def);
    let (ei, e) = d.exec();
    let meta = e.meta.as_ref().unwrap();
    assert_eq!(meta.args, ["make", "all"]);
    assert_eq!(meta.env, ["A=1", "B=2"]);
    assert_eq!(meta.cwd, "/work");
    assert_eq!(meta.user, "1000:1000");
    assert!(meta.remove_mount_stubs_recursive);
    assert!(meta.valid_exit_codes.is_empty(), "valid exit codes are not emitted by default");
    assert_eq!(e.network, pb::NetMode::None as i32);

    let dests: Vec<&str> = e.mounts.iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(dests, ["/", "/a-scratch", "/cache", "/out", "/src", "/tmp", "/run/secrets/host_ca_bundle"]);
    let m = |dest: &str| e.mounts.iter().find(|m| m.dest == dest).unwrap();
    let op = &d.ops[ei];
    let src_of = |mnt: &pb::Mount| d.position(&op.inputs[mnt.input as usize].digest);

    // root: rw bind from the image, output 0
    assert_eq!(m("/").output, 0);
    assert_eq!(m("/").mount_type, pb::MountType::Bind as i32);
    assert_eq!(src_of(m("/")), d.source("docker-image://").0);
    // rw no-output bind: input set, output -1
    assert_eq!(m("/a-scratch").output, -1);
    assert!(!m("/a-scratch").readonly);
    assert_eq!(src_of(m("/a-scratch")), d.source("local://").0);
    // cache: no input, no output, id and sharing
    assert_eq!((m("/cache").input, m("/cache").output), (-1, -1));
    let c = m("/cache").cache_opt.as_ref().unwrap();
    assert_eq!((c.id.as_str(), c.sharing), ("c1", pb::CacheSharingOpt::Locked as i32));
    // rw bind from scratch: input -1, output 1
    assert_eq!((m("/out").input, m("/out").output), (-1, 1));
    // ro bind with selector: shares the deduplicated local input
    assert!(m("/src").readonly);
    assert_eq!(m("/src").output, -1);
    assert_eq!(m("/src").selector, "/apps");
    assert_eq!(m("/src").input, m("/a-scratch").input, "equal inputs are deduplicated");
    assert_eq!(op.inputs.len(), 2);
    // tmpfs
    assert_eq!((m("/tmp").input, m("/tmp").output), (-1, -1));
    assert_eq!(m("/tmp").tmpfs_opt.as_ref().unwrap().size, 64 << 20);
    // secret: -1/-1, mode 0400
    let s = m("/run/secrets/host_ca_bundle");
    assert_eq!((s.input, s.output, s.mount_type), (-1, -1, pb::MountType::Secret as i32));
    let so = s.secret_opt.as_ref().unwrap();
    assert_eq!((so.id.as_str(), so.mode, so.optional), ("host_ca_bundle", 0o400, false));
    // secret env
    assert_eq!(e.secretenv.len(), 1);
    assert_eq!((e.secretenv[0].id.as_str(), e.secretenv[0].name.as_str(), e.secretenv[0].optional), ("npm_token", "NPM_TOKEN", true));

    // the terminal op points at output 1 (/out)
    let term = d.ops.last().unwrap();
    assert_eq!(term.inputs[0].index, 1);
    assert_eq!(d.position(&term.inputs[0].digest), ei);

    let c = &def.metadata[&d.digests[ei]].caps;
    for cap in [
        caps::EXEC_META_BASE,
        caps::EXEC_MOUNT_BIND,
        caps::EXEC_MOUNT_SELECTOR,
        caps::EXEC_MOUNT_CACHE,
        caps::EXEC_MOUNT_CACHE_SHARING,
        caps::EXEC_MOUNT_TMPFS,
        caps::EXEC_MOUNT_TMPFS_SIZE,
        caps::EXEC_MOUNT_SECRET,
        caps::EXEC_SECRET_ENV,
        caps::EXEC_META_NETWORK,
        caps::EXEC_MOUNT_BIND_READWRITE_NO_OUTPUT,
    ] {
        assert!(c.contains_key(cap), "missing cap {cap}");
    }
    assert!(!c.contains_key(caps::EXEC_VALID_EXIT_CODE));
}

#[test]
fn exec_overrides_do_not_leak_into_root_state() {
    let base = alpine().with_cwd("/app").with_env("X", "1").unwrap();
    let root = base.run(Exec::new(["true"]).unwrap().cwd("sub").env("Y", "2").unwrap().user("nobody")).unwrap().root();
    assert_eq!(root.cwd(), "/app");
    assert_eq!(root.get_env("Y"), None);
    assert_eq!(root.user(), None);
    let d = decode(&root.marshal(&opts()).unwrap());
    let meta = d.exec().1.meta.clone().unwrap();
    assert_eq!(meta.cwd, "/app/sub");
    assert_eq!(meta.env, ["X=1", "Y=2"]);
    assert_eq!(meta.user, "nobody");
}

#[test]
fn readonly_root_returns_the_input_state() {
    let img = alpine();
    let ex = img.run(Exec::new(["cat", "/etc/os-release"]).unwrap().readonly_root()).unwrap();
    let def = ex.root().marshal(&opts()).unwrap();
    let d = decode(&def);
    assert_eq!(d.ops.len(), 2, "only the image and the terminal op: the exec produces nothing");
    assert!(matches!(ex.mount_output("/"), Err(Error::NoMountOutput { .. })));
}

#[test]
fn ssh_mount_defaults() {
    let st = alpine()
        .run(Exec::new(["ssh-add", "-l"]).unwrap().mount(Mount::ssh()))
        .unwrap()
        .root();
    let d = decode(&st.marshal(&opts()).unwrap());
    let (_, e) = d.exec();
    let m = e.mounts.iter().find(|m| m.mount_type == pb::MountType::Ssh as i32).unwrap();
    assert_eq!(m.dest, "/run/buildkit/ssh_agent.0");
    assert_eq!((m.input, m.output), (-1, -1));
    let o = m.ssh_opt.as_ref().unwrap();
    assert_eq!((o.id.as_str(), o.mode), ("default", 0o600));
    assert!(e.meta.as_ref().unwrap().env.contains(&"SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0".to_string()));
}

#[test]
fn errors_are_raised_where_the_bad_value_is_made() {
    assert!(matches!(Exec::new(Vec::<String>::new()), Err(Error::EmptyArgs)));
    assert!(matches!(Exec::new([""]), Err(Error::EmptyArgs)));
    assert!(matches!(Exec::shell("  "), Err(Error::EmptyArgs)));
    assert!(matches!(Mount::tmpfs("tmp"), Err(Error::RelativePath { .. })));
    assert!(matches!(Mount::cache("", CacheId::new("x").unwrap()), Err(Error::RelativePath { .. })));
    assert!(matches!(Mount::secret_at("run/x", SecretId::new("x").unwrap()), Err(Error::RelativePath { .. })));
    assert!(matches!(Platform::parse("linux"), Err(Error::InvalidPlatform { .. })));
    assert!(matches!(alpine().with_env("A=B", "c"), Err(Error::InvalidName { .. })));
    assert!(matches!(Mkdir::new("/x", 0o17777), Err(Error::InvalidMode { .. })));
    assert!(matches!(State::local("", LocalOpts::default()), Err(Error::InvalidName { .. })));
    assert!(matches!(alpine().file(FileOps::new()), Err(Error::EmptyFileOp)));
    let dup = alpine().run(
        Exec::new(["x"])
            .unwrap()
            .mount(Mount::tmpfs("/tmp").unwrap())
            .mount(Mount::cache("/tmp/", CacheId::new("c").unwrap()).unwrap()),
    );
    assert!(matches!(dup, Err(Error::DuplicateMount { ref target }) if target == "/tmp"));
    let root_dup = alpine().run(Exec::new(["x"]).unwrap().mount(Mount::tmpfs("/").unwrap()));
    assert!(matches!(root_dup, Err(Error::DuplicateMount { .. })));
    let e = Mount::tmpfs("tmp").unwrap_err().to_string();
    assert!(e.contains("'/'"), "message says how to fix it: {e}");
}

#[test]
fn file_op_chain_indices_modes_and_timestamps() {
    let ctx = State::local("context", LocalOpts::default()).unwrap().with_cwd("/apps/web");
    let st = alpine()
        .with_cwd("/srv")
        .file(
            FileOps::new()
                .mkdir(Mkdir::new("app", 0o755).unwrap().parents(true).chown(Chown::parse("app:app").unwrap()))
                .copy(
                    Copy::new(&ctx, "dist", "app/")
                        .create_dest_path(true)
                        .allow_wildcard(true)
                        .allow_empty_wildcard(true)
                        .follow_symlinks(true)
                        .dir_copy_contents(true)
                        .chown(Chown::ids(1000, 1000))
                        .include_patterns(["*.js"])
                        .exclude_patterns(["*.map"]),
                )
                .copy(Copy::new(&ctx, "/nginx.conf", "/etc/nginx/nginx.conf").chmod(0o644).unwrap())
                .mkfile(
                    Mkfile::new("/srv/version", 0o644, b"1.0\n".to_vec())
                        .unwrap()
                        .timestamp(Timestamp::from_unix_seconds(1_700_000_000)),
                )
                .rm(Rm::new("/srv/tmp").allow_not_found(true).allow_wildcard(true)),
        )
        .unwrap();
    let def = st.marshal(&opts()).unwrap();
    let d = decode(&def);
    d.assert_topological();
    let (fi, f) = d.file();
    let op = &d.ops[fi];
    assert_eq!(op.inputs.len(), 2, "base image + context (deduplicated across both copies)");
    assert_eq!(d.position(&op.inputs[0].digest), d.source("docker-image://").0);
    assert_eq!(d.position(&op.inputs[1].digest), d.source("local://").0);
    assert_eq!(f.actions.len(), 5);
    let n = op.inputs.len() as i64;
    // first action reads the base input, later ones the previous action
    assert_eq!(f.actions[0].input, 0);
    for (i, a) in f.actions.iter().enumerate().skip(1) {
        assert_eq!(a.input, n + i as i64 - 1, "action {i} reads action {}", i - 1);
    }
    // only the last action has an output
    let outputs: Vec<i64> = f.actions.iter().map(|a| a.output).collect();
    assert_eq!(outputs, [-1, -1, -1, -1, 0]);
    use pb::file_action::Action;
    let Some(Action::Mkdir(mk)) = &f.actions[0].action else { panic!("mkdir") };
    assert_eq!((mk.path.as_str(), mk.mode, mk.make_parents, mk.timestamp), ("/srv/app", 0o755, true, -1));
    let owner = mk.owner.as_ref().unwrap().user.as_ref().unwrap();
    assert!(
        matches!(&owner.user, Some(pb::user_opt::User::ByName(n)) if n.name == "app" && n.input == 0),
        "named owner is looked up in the base input"
    );
    assert_eq!(f.actions[0].secondary_input, -1);
    let Some(Action::Copy(c1)) = &f.actions[1].action else { panic!("copy") };
    assert_eq!(f.actions[1].secondary_input, 1);
    assert_eq!(c1.src, "/apps/web/dist", "relative source resolves against the source state's cwd");
    assert_eq!(c1.dest, "/srv/app/", "relative dest resolves against the base cwd and keeps its slash");
    assert_eq!((c1.mode, c1.timestamp), (-1, -1), "unset mode and timestamp are -1, never 0");
    assert!(c1.create_dest_path && c1.allow_wildcard && c1.allow_empty_wildcard && c1.follow_symlink && c1.dir_copy_contents);
    assert_eq!(c1.include_patterns, ["*.js"]);
    assert_eq!(c1.exclude_patterns, ["*.map"]);
    assert!(matches!(c1.owner.as_ref().unwrap().user.as_ref().unwrap().user, Some(pb::user_opt::User::ById(1000))));
    let Some(Action::Copy(c2)) = &f.actions[2].action else { panic!("copy") };
    assert_eq!((c2.src.as_str(), c2.mode), ("/nginx.conf", 0o644));
    let Some(Action::Mkfile(mf)) = &f.actions[3].action else { panic!("mkfile") };
    assert_eq!((mf.data.as_slice(), mf.mode, mf.timestamp), (&b"1.0\n"[..], 0o644, 1_700_000_000_000_000_000));
    let Some(Action::Rm(rm)) = &f.actions[4].action else { panic!("rm") };
    assert!(rm.allow_not_found && rm.allow_wildcard);
    let c = &def.metadata[&d.digests[fi]].caps;
    assert!(c.contains_key(caps::FILE_BASE) && c.contains_key(caps::FILE_COPY_INCLUDE_EXCLUDE_PATTERNS) && c.contains_key(caps::FILE_RM_WILDCARD));
}

#[test]
fn file_op_on_scratch_uses_minus_one() {
    let st = State::scratch().file(FileOps::new().mkfile(Mkfile::new("/sbom.spdx.json", 0o644, b"{}".to_vec()).unwrap())).unwrap();
    let d = decode(&st.marshal(&opts()).unwrap());
    let (fi, f) = d.file();
    assert!(d.ops[fi].inputs.is_empty());
    let a = &f.actions[0];
    assert_eq!((a.input, a.secondary_input, a.output), (-1, -1, 0));
}

#[test]
fn custom_names_progress_groups_and_ignore_cache_land_in_metadata() {
    let group = ProgressGroup::new("deps", "install dependencies");
    let st = alpine()
        .with_custom_name("base image")
        .run(Exec::new(["true"]).unwrap().custom_name("step one").progress_group(group.clone()).ignore_cache(true))
        .unwrap()
        .root();
    let def = st.marshal(&opts()).unwrap();
    let d = decode(&def);
    let img = &def.metadata[&d.digests[d.source("docker-image://").0]];
    assert_eq!(img.description[llb::CUSTOM_NAME_KEY], "base image");
    assert!(!img.ignore_cache);
    let ex = &def.metadata[&d.digests[d.exec().0]];
    assert_eq!(ex.description[llb::CUSTOM_NAME_KEY], "step one");
    assert!(ex.ignore_cache);
    let pg = ex.progress_group.as_ref().unwrap();
    assert_eq!((pg.id.as_str(), pg.name.as_str(), pg.weak), ("deps", "install dependencies", false));
    let term = &def.metadata[d.digests.last().unwrap()];
    assert!(term.caps.contains_key(caps::META_DESCRIPTION) && term.caps.contains_key(caps::META_IGNORE_CACHE));

    let all = alpine().marshal(&MarshalOpts { ignore_cache: true, ..opts() }).unwrap();
    let d = decode(&all);
    assert!(all.metadata[&d.digests[0]].ignore_cache, "--no-cache reaches every op");
    assert!(all.metadata[&d.digests[1]].caps.contains_key(caps::META_IGNORE_CACHE));
}

#[test]
fn shared_ops_are_emitted_once() {
    let img = alpine();
    let a = img.run(Exec::new(["a"]).unwrap()).unwrap().root();
    let b = img.run(Exec::new(["b"]).unwrap()).unwrap().root();
    // the same image built twice independently is still one op
    let c = State::image(ImageRef::parse("docker.io/library/alpine:3.19").unwrap())
        .run(Exec::new(["c"]).unwrap())
        .unwrap()
        .root();
    let merged = State::merge([&a, &b, &c]);
    let def = merged.marshal(&opts()).unwrap();
    let d = decode(&def);
    d.assert_topological();
    let images = d.ops.iter().filter(|o| matches!(&o.op, Some(pb::op::Op::Source(_)))).count();
    assert_eq!(images, 1);
    assert_eq!(d.ops.len(), 1 + 3 + 1 + 1, "image, three execs, merge, terminal");
    let set: BTreeSet<&String> = d.digests.iter().collect();
    assert_eq!(set.len(), d.digests.len(), "no duplicate ops");
}

#[test]
fn merge_and_diff() {
    let a = alpine();
    let b = a.run(Exec::new(["touch", "/b"]).unwrap()).unwrap().root();
    assert!(State::merge([&State::scratch(), &State::scratch()]).is_scratch());
    let single = State::merge([&State::scratch(), &b]);
    assert_eq!(
        single.marshal(&opts()).unwrap().def,
        b.marshal(&opts()).unwrap().def,
        "a merge of one state is that state"
    );
    let diff = State::diff(&a, &b);
    let merged = State::merge([&a, &diff]);
    let def = merged.marshal(&opts()).unwrap();
    let d = decode(&def);
    d.assert_topological();
    let mi = d.find(|o| matches!(o.op, Some(pb::op::Op::Merge(_))));
    let di = d.find(|o| matches!(o.op, Some(pb::op::Op::Diff(_))));
    let Some(pb::op::Op::Merge(m)) = &d.ops[mi].op else { unreachable!() };
    let inputs: Vec<i64> = m.inputs.iter().map(|i| i.input).collect();
    assert_eq!(inputs, [0, 1]);
    assert_eq!(d.position(&d.ops[mi].inputs[1].digest), di);
    let Some(pb::op::Op::Diff(df)) = &d.ops[di].op else { unreachable!() };
    assert_eq!((df.lower.as_ref().unwrap().input, df.upper.as_ref().unwrap().input), (0, 1));
    assert!(def.metadata[&d.digests[mi]].caps.contains_key(caps::MERGE_OP));
    assert!(def.metadata[&d.digests[di]].caps.contains_key(caps::DIFF_OP));
    assert!(d.ops[mi].platform.is_none() && d.ops[di].platform.is_none());
    assert!(State::diff(&State::scratch(), &State::scratch()).is_scratch());
}

#[test]
fn unsupported_caps_fail_marshal_with_a_clear_error() {
    let st = alpine().run(Exec::new(["true"]).unwrap().valid_exit_codes([0, 1]).custom_name("probe")).unwrap().root();
    let v013: BTreeSet<String> = caps::BUILDKIT_V0_13.iter().map(|c| c.to_string()).collect();
    let err = st.marshal(&MarshalOpts { llb_caps: Some(v013.clone()), ..opts() }).unwrap_err();
    match &err {
        Error::UnsupportedCap { cap, op } => {
            assert_eq!(cap, caps::EXEC_VALID_EXIT_CODE);
            assert!(op.contains("probe"), "names the op: {op}");
        }
        other => panic!("unexpected {other}"),
    }
    let mut with = v013.clone();
    with.insert(caps::EXEC_VALID_EXIT_CODE.to_string());
    let d = decode(&st.marshal(&MarshalOpts { llb_caps: Some(with), ..opts() }).unwrap());
    assert_eq!(d.exec().1.meta.as_ref().unwrap().valid_exit_codes, [0, 1]);
}

#[test]
fn default_path_only_when_daemon_lacks_the_cap() {
    let st = alpine().run(Exec::new(["true"]).unwrap()).unwrap().root();
    let mut caps_without: BTreeSet<String> = caps::BUILDKIT_V0_13.iter().map(|c| c.to_string()).collect();
    let d = decode(&st.marshal(&MarshalOpts { llb_caps: Some(caps_without.clone()), ..opts() }).unwrap());
    assert!(d.exec().1.meta.as_ref().unwrap().env.is_empty(), "daemon sets PATH itself");
    caps_without.remove(caps::EXEC_META_SETS_DEFAULT_PATH);
    let d = decode(&st.marshal(&MarshalOpts { llb_caps: Some(caps_without), ..opts() }).unwrap());
    assert_eq!(d.exec().1.meta.as_ref().unwrap().env, [format!("PATH={}", llb::DEFAULT_LINUX_PATH)]);
}

#[test]
fn source_locations_map_ops_to_spec_lines() {
    let spec = SourceMap::new("apps/web/Dockerfile", "toml", b"# syntax=x\n[build]\nrun = \"npm ci\"\n".to_vec());
    let st = alpine()
        .run(Exec::new(["npm", "ci"]).unwrap().location(spec.location([SourceRange::new(3, 0, 3, 14).unwrap()])))
        .unwrap()
        .root()
        .with_location(spec.lines(2, 3).unwrap());
    let def = st.marshal(&opts()).unwrap();
    let d = decode(&def);
    let src = def.source.as_ref().expect("source info present");
    assert_eq!(src.infos.len(), 1, "one file, deduplicated");
    assert_eq!(src.infos[0].filename, "apps/web/Dockerfile");
    assert_eq!(src.infos[0].language, "toml");
    assert_eq!(src.infos[0].data, spec.data());
    // `with_location` on the root re-labels the same exec: both locations land on its digest
    let locs = &src.locations[&d.digests[d.exec().0]].locations;
    assert_eq!(locs.len(), 2);
    assert!(locs.iter().all(|l| l.source_index == 0));
    let r = &locs[0].ranges[0];
    assert_eq!((r.start.unwrap().line, r.end.unwrap().character), (3, 14));
    assert_eq!(src.locations.len(), 1);
    // no locations -> no source section
    assert!(alpine().marshal(&opts()).unwrap().source.is_none());
}

#[test]
fn git_and_http_sources() {
    let g = State::git("https://github.com/moby/buildkit.git", "v0.13.2", llb::GitOpts { keep_git_dir: true, ..Default::default() }).unwrap();
    let d = decode(&g.marshal(&opts()).unwrap());
    let (gi, s) = d.source("git://");
    assert_eq!(s.identifier, "git://github.com/moby/buildkit.git#v0.13.2");
    assert_eq!(s.attrs["git.fullurl"], "https://github.com/moby/buildkit.git");
    assert_eq!(s.attrs["git.keepgitdir"], "true");
    assert_eq!(s.attrs["git.authtokensecret"], "GIT_AUTH_TOKEN");
    assert!(d.ops[gi].platform.is_none());

    let ssh = State::git("git@github.com:org/repo.git", "main", llb::GitOpts { subdir: Some("docs".into()), ..Default::default() }).unwrap();
    let d = decode(&ssh.marshal(&opts()).unwrap());
    let (si, s) = d.source("git://");
    assert_eq!(s.identifier, "git://github.com/org/repo.git#main:docs");
    assert_eq!(s.attrs["git.mountsshsock"], "default");
    let gm = decode(&ssh.marshal(&opts()).unwrap());
    assert_eq!(gm.digests[si], d.digests[si]);

    let digest = llb::Digest::parse("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
    let h = State::http(
        "https://example.com/tool.tar.gz",
        llb::HttpOpts { checksum: Some(digest.clone()), filename: Some("tool.tgz".into()), perm: Some(0o755), uid: Some(1000), gid: Some(1000) },
    )
    .unwrap();
    let def = h.marshal(&opts()).unwrap();
    let d = decode(&def);
    let (hi, s) = d.source("https://");
    assert_eq!(s.attrs["http.checksum"], digest.to_string());
    assert_eq!(s.attrs["http.filename"], "tool.tgz");
    assert_eq!(s.attrs["http.perm"], "0755");
    assert_eq!((s.attrs["http.uid"].as_str(), s.attrs["http.gid"].as_str()), ("1000", "1000"));
    assert!(def.metadata[&d.digests[hi]].caps.contains_key(caps::SOURCE_HTTP_CHECKSUM));
    assert!(State::http("ftp://x/y", llb::HttpOpts::default()).is_err());
}

#[test]
fn image_config_applies_env_cwd_and_user() {
    let cfg = br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/bin:/usr/bin","LANG=C.UTF-8"],"WorkingDir":"/app","User":"10001"}}"#;
    let st = alpine().with_image_config(cfg).unwrap();
    assert_eq!(st.get_env("LANG"), Some("C.UTF-8"));
    assert_eq!(st.cwd(), "/app");
    assert_eq!(st.user(), Some("10001"));
    assert!(matches!(alpine().with_image_config(b"not json"), Err(Error::InvalidImageConfig { .. })));
}

#[test]
fn net_mode_host_and_insecure_record_caps() {
    let st = alpine()
        .with_network(NetMode::Host)
        .with_security(llb::SecurityMode::Insecure)
        .run(Exec::new(["true"]).unwrap())
        .unwrap()
        .root();
    let def = st.marshal(&opts()).unwrap();
    let d = decode(&def);
    let (ei, e) = d.exec();
    assert_eq!(e.network, pb::NetMode::Host as i32);
    assert_eq!(e.security, pb::SecurityMode::Insecure as i32);
    let c = &def.metadata[&d.digests[ei]].caps;
    assert!(c.contains_key(caps::EXEC_META_NETWORK) && c.contains_key(caps::EXEC_META_SECURITY));
}

#[test]
fn oci_layout_source_is_pinned_and_platform_specific() {
    let unpinned = ImageRef::parse("app:1").unwrap();
    assert!(State::oci_layout(unpinned.clone(), llb::OciLayoutOpts::default()).is_err());
    let pinned = unpinned.with_digest(
        llb::Digest::parse("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap(),
    );
    let st = State::oci_layout(
        pinned,
        llb::OciLayoutOpts { session_id: Some("s".into()), store_id: Some("store".into()), ..Default::default() },
    )
    .unwrap();
    let d = decode(&st.marshal(&opts()).unwrap());
    let (i, s) = d.source("oci-layout://");
    assert!(s.identifier.starts_with("oci-layout://docker.io/library/app:1@sha256:"));
    assert_eq!((s.attrs["oci.session"].as_str(), s.attrs["oci.store"].as_str()), ("s", "store"));
    assert_eq!(d.ops[i].platform.as_ref().unwrap().architecture, "amd64");
}

#[test]
fn states_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<State>();
    check::<llb::ExecState>();
    check::<Exec>();
    check::<FileOps>();
}

#[test]
fn naming_one_exec_output_keeps_one_op() {
    let ex = alpine().run(Exec::new(["true"]).unwrap().mount(Mount::bind_rw("/out", &State::scratch()).unwrap())).unwrap();
    let root = ex.root().with_custom_name("renamed");
    let merged = State::merge([&root, &ex.mount_output("/out").unwrap()]);
    let def = merged.marshal(&opts()).unwrap();
    let d = decode(&def);
    let execs = d.ops.iter().filter(|o| matches!(o.op, Some(pb::op::Op::Exec(_)))).count();
    assert_eq!(execs, 1);
    assert_eq!(def.metadata[&d.digests[d.exec().0]].description[llb::CUSTOM_NAME_KEY], "renamed");
    let Some(pb::op::Op::Merge(_)) = &d.ops[d.ops.len() - 2].op else { panic!("merge before terminal") };
    let mi = &d.ops[d.ops.len() - 2];
    assert_eq!(mi.inputs.iter().map(|i| i.index).collect::<Vec<_>>(), [0, 1]);
}

/// The metadata-only transfer (`source.local.metadatatransfer`, newer than v0.13): its attrs
/// and cap are emitted only when asked for, marshal refuses it for a v0.13 engine with an error
/// naming the cap and the op, and a daemon declaring the cap gets it.
#[test]
fn metadata_only_local_transfer_needs_its_cap() {
    let plain = LocalOpts { include_patterns: vec!["apps/web".into()], ..LocalOpts::default() };
    let v013: BTreeSet<String> = caps::BUILDKIT_V0_13.iter().map(|c| c.to_string()).collect();
    let def = State::local("context", plain.clone()).unwrap().marshal(&opts()).unwrap();
    let d = decode(&def);
    let (i, src) = d.source("local://");
    assert!(!src.attrs.contains_key("local.metadatatransfer"), "not emitted by default");
    assert!(!def.metadata[&d.digests[i]].caps.contains_key(caps::SOURCE_LOCAL_METADATA_TRANSFER));

    let meta = LocalOpts { metadata_only: Some(vec!["apps/web/package.json".into()]), ..plain.clone() };
    let st = State::local("context", meta).unwrap().with_custom_name("probe context");
    match st.marshal(&MarshalOpts { llb_caps: Some(v013.clone()), ..opts() }).unwrap_err() {
        Error::UnsupportedCap { cap, op } => {
            assert_eq!(cap, caps::SOURCE_LOCAL_METADATA_TRANSFER);
            assert!(op.contains("probe context"), "names the op: {op}");
        }
        other => panic!("unexpected {other}"),
    }
    let mut with = v013.clone();
    with.insert(caps::SOURCE_LOCAL_METADATA_TRANSFER.to_string());
    let def = st.marshal(&MarshalOpts { llb_caps: Some(with), ..opts() }).unwrap();
    let d = decode(&def);
    let (i, src) = d.source("local://");
    assert_eq!(src.attrs["local.metadatatransfer"], "true");
    assert_eq!(src.attrs["local.metadatatransferexclude"], r#"["apps/web/package.json"]"#);
    assert!(def.metadata[&d.digests[i]].caps.contains_key(caps::SOURCE_LOCAL_METADATA_TRANSFER));

    // No exceptions: every file arrives empty, and no exclude attr is written.
    let bare = LocalOpts { metadata_only: Some(Vec::new()), ..plain };
    let d = decode(&State::local("context", bare).unwrap().marshal(&opts()).unwrap());
    let (_, src) = d.source("local://");
    assert_eq!(src.attrs["local.metadatatransfer"], "true");
    assert!(!src.attrs.contains_key("local.metadatatransferexclude"));
}

/// The list of caps newer than v0.13 names none that v0.13 has (a cap in both lists would be
/// masked away from a v0.13-capped build that needs it).
#[test]
fn newer_caps_are_not_v0_13_caps() {
    for cap in caps::NEWER_THAN_V0_13 {
        assert!(!caps::BUILDKIT_V0_13.contains(cap), "{cap} is in both lists");
    }
    assert!(caps::NEWER_THAN_V0_13.contains(&caps::EXEC_VALID_EXIT_CODE));
    assert!(caps::NEWER_THAN_V0_13.contains(&caps::SOURCE_LOCAL_METADATA_TRANSFER));
}
