//! Definitions received from BuildKit (frontend inputs) become states whose
//! ops are re-emitted byte for byte.

mod common;

use common::decode;
use llb::pb;
use llb::{Error, Exec, FileOps, ImageRef, LocalOpts, MarshalOpts, Mkdir, Mount, Platform, SourceMap, State};
use prost::Message;

fn opts() -> MarshalOpts {
    MarshalOpts::for_platform(Platform::linux_arm64())
}

fn input_graph() -> State {
    let spec = SourceMap::new("Dockerfile", "Dockerfile", b"FROM alpine\nRUN true\n".to_vec());
    let ctx = State::local("context", LocalOpts::default()).unwrap();
    State::image(ImageRef::parse("alpine:3.19").unwrap())
        .run(
            Exec::new(["true"])
                .unwrap()
                .mount(Mount::bind_ro("/src", &ctx).unwrap())
                .custom_name("RUN true")
                .location(spec.lines(2, 2).unwrap()),
        )
        .unwrap()
        .root()
}

#[test]
fn round_trip_keeps_bytes_metadata_and_sources() {
    let def = input_graph().marshal(&opts()).unwrap();
    let st = State::from_definition(&def).unwrap();
    assert_eq!(st.platform(), Some(&Platform::linux_arm64()), "platform of the result op");
    assert_eq!(st.custom_name(), Some("RUN true"));
    let again = st.marshal(&opts()).unwrap();
    assert_eq!(again.def, def.def);
    assert_eq!(again.metadata, def.metadata);
    assert_eq!(again.source, def.source);
    assert_eq!(again.encode_to_vec(), def.encode_to_vec());
}

#[test]
fn new_ops_build_on_received_states() {
    let def = input_graph().marshal(&opts()).unwrap();
    let received = State::from_definition(&def).unwrap();
    let st = received.file(FileOps::new().mkdir(Mkdir::new("/app", 0o755).unwrap())).unwrap();
    let out = st.marshal(&opts()).unwrap();
    let d = decode(&out);
    d.assert_topological();
    // the received ops keep their digests (all but the old terminal op)
    for dg in &decode(&def).digests[..def.def.len() - 1] {
        assert!(d.digests.contains(dg), "received op {dg} is re-emitted unchanged");
    }
    assert_eq!(d.ops.len(), def.def.len() - 1 + 2, "received ops + file op + new terminal");
    let (fi, _) = d.file();
    let exec_pos = d.exec().0;
    assert_eq!(d.position(&d.ops[fi].inputs[0].digest), exec_pos);
}

#[test]
fn empty_definition_is_scratch() {
    assert!(State::from_definition(&pb::Definition::default()).unwrap().is_scratch());
}

#[test]
fn malformed_definitions_are_rejected() {
    let def = input_graph().marshal(&opts()).unwrap();
    let mut no_terminal = def.clone();
    no_terminal.def.pop();
    assert!(matches!(State::from_definition(&no_terminal), Err(Error::Decode { .. })));
    let mut missing = def.clone();
    missing.def.remove(0);
    let e = State::from_definition(&missing).unwrap_err();
    assert!(e.to_string().contains("not in the definition"), "{e}");
    let garbage = pb::Definition { def: vec![vec![0xff, 0xff]], ..Default::default() };
    assert!(State::from_definition(&garbage).is_err());
}
