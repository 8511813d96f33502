//! Determinism: the same request gives byte-identical definitions and configs,
//! however often it is built; distinct requests give distinct graphs.

mod common;

use llb::Platform;
use llb_graphs::targets;
use prost::Message;

fn bytes(app: &str, target: &str, p: &Platform) -> (Vec<u8>, Vec<u8>) {
    let img = common::build(app, target, p);
    let def = common::marshal(&img, p);
    (
        def.encode_to_vec(),
        img.config.to_json(),
    )
}

#[test]
fn repeated_builds_of_each_graph_are_byte_identical() {
    for t in targets() {
        for p in [Platform::linux_amd64(), Platform::linux_arm64()] {
            if t.platforms != llb_graphs::PlatformPolicy::Requested && p != Platform::linux_amd64()
            {
                continue;
            }
            let first = bytes(t.app, t.name, &p);
            for _ in 0..25 {
                assert!(
                    bytes(t.app, t.name, &p) == first,
                    "{} {} {p}: graph bytes differ between builds",
                    t.app,
                    t.name
                );
            }
        }
    }
}

#[test]
fn version_reaches_the_graph_and_platforms_differ() {
    let s = common::spec("risk-monitor-operator");
    let p = Platform::linux_amd64();
    let a = common::build_with(
        &s,
        "release",
        &p,
        &common::args(&[("BASE_IMAGES", "local"), ("VERSION", "1.0.0")]),
    )
    .unwrap();
    let b = common::build_with(
        &s,
        "release",
        &p,
        &common::args(&[("BASE_IMAGES", "local"), ("VERSION", "1.0.1")]),
    )
    .unwrap();
    assert_ne!(
        common::marshal(&a, &p).encode_to_vec(),
        common::marshal(&b, &p).encode_to_vec()
    );
    assert_ne!(
        bytes("risk-monitor-operator", "release", &p).0,
        bytes("risk-monitor-operator", "release", &Platform::linux_arm64()).0
    );
}
