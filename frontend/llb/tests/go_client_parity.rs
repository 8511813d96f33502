//! Cross-implementation check: the same small graph built with BuildKit's Go
//! client (`client/llb` at v0.13.2) produced these op digests:
//!
//! ```go
//! llb.Image("alpine:3.19", llb.LinuxAmd64).
//!     Run(llb.Args([]string{"/bin/sh", "-c", "echo hi"})).Root().
//!     File(llb.Mkdir("/x", 0755, llb.WithParents(true))).
//!     Marshal(ctx, llb.LinuxAmd64)
//! ```
//!
//! Matching them byte-for-byte means our encoding (field presence, -1 sentinels,
//! empty worker constraints, terminal op) is what BuildKit's own client sends,
//! and that graphs built here share cache keys with graphs built there.

use llb::{Exec, FileOps, ImageRef, MarshalOpts, Mkdir, Platform, State};
use prost::Message;
use sha2::{Digest as _, Sha256};

const GO_CLIENT_DIGESTS: [&str; 4] = [
    "sha256:bab54a7772ca4faafbc966dfb165e6670793aa74f76f8ff46493168460811da3",
    "sha256:3619f8b2f74e5bb37aa5af8939bb4b683f01cddf938927fbb00884a2fe1777bd",
    "sha256:44dbc7ee2889a2de82cf880cfc351d1101fab7695de91d878bb2bc299c633c50",
    "sha256:6eb304b12f5ec445e934dc104b3305c44e70d761929b744646241f1c264fe9b5",
];

#[test]
fn op_digests_match_the_go_client() {
    let st = State::image(ImageRef::parse("alpine:3.19").unwrap())
        .run(Exec::new(["/bin/sh", "-c", "echo hi"]).unwrap())
        .unwrap()
        .root()
        .file(FileOps::new().mkdir(Mkdir::new("/x", 0o755).unwrap().parents(true)))
        .unwrap();
    let def = st.marshal(&MarshalOpts::for_platform(Platform::linux_amd64())).unwrap();
    let ours: Vec<String> = def.def.iter().map(|b| format!("sha256:{}", hex::encode(Sha256::digest(b)))).collect();
    assert_eq!(ours, GO_CLIENT_DIGESTS);
    // metadata caps match the Go client's too
    let caps = |i: usize| def.metadata[GO_CLIENT_DIGESTS[i]].caps.keys().cloned().collect::<Vec<_>>();
    assert_eq!(caps(0), ["source.image"]);
    assert_eq!(caps(1), ["exec.meta.base", "exec.mount.bind"]);
    assert_eq!(caps(2), ["file.base"]);
    assert_eq!(caps(3), ["constraints", "platform"]);
    assert_eq!(llb::result_digest(&def).as_ref().map(llb::Digest::as_str), Some(GO_CLIENT_DIGESTS[2]));
    assert!(!def.encode_to_vec().is_empty());
}
