//! Pins the exact image-config bytes every (app, target, platform) graph hands
//! to BuildKit's exporter (`containerimage.config[/<platform>]`): the image
//! digest is a hash over these bytes, so a refactor of the config code must
//! leave every file under `tests/config-bytes/` unchanged.
//!
//! The graphs build on the real base configs `make bases` pushed
//! (`tests/fixtures/base-configs/`, pinned against bases.py by
//! `tests/engine/test_base_config_pin.py`), so inherited Env, Cmd, Labels and
//! history are part of what is pinned. A config change made on purpose is
//! reviewed by running with `CONFIG_BYTES_UPDATE=1` and reading the diff.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use llb::Platform;
use llb_graphs::{targets, ResolvedBase, ResolvedBases};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base-configs")
}

fn pins() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/config-bytes")
}

/// The bytes the gateway hands to the exporter for `img` (`frontend/cli/src/gateway_mode.rs`).
fn exported(img: &llb_graphs::ImageGraph) -> Vec<u8> {
    img.config.to_json()
}

/// Builds `target` of `app` for `platform` on the pinned base configs.
fn build(
    app: &str,
    target: &str,
    platform: &Platform,
    epoch: Option<i64>,
    labels: &BTreeMap<String, String>,
) -> llb_graphs::ImageGraph {
    let s = common::spec(app);
    let build = Platform::linux_amd64();
    let args = common::local_args();
    let target = common::target(&s.spec, target);
    let reqs = llb_graphs::required_bases(&s.spec, target).unwrap();
    let unpinned = ResolvedBases::unpinned(
        &reqs,
        &build,
        std::slice::from_ref(platform),
        &args,
        &BTreeMap::new(),
    )
    .unwrap();
    let mut bases = ResolvedBases::new();
    for (name, p, base) in unpinned.iter() {
        let file = fixtures().join(format!("{name}__{}.json", p.architecture()));
        let config = std::fs::read(&file).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (a base config fixture per base and platform)",
                file.display()
            )
        });
        bases.insert(
            name,
            p.clone(),
            ResolvedBase {
                image: base.image.clone(),
                config,
            },
        );
    }
    common::build_on(&s, target, platform, &args, &bases, epoch, labels)
        .unwrap_or_else(|e| panic!("{app} {} {platform}: {e}", target.name))
}

fn check(name: &str, bytes: &[u8], failures: &mut Vec<String>) {
    let file = pins().join(format!("{name}.json"));
    if std::env::var_os("CONFIG_BYTES_UPDATE").is_some() {
        std::fs::create_dir_all(pins()).unwrap();
        std::fs::write(&file, bytes).unwrap();
        return;
    }
    match std::fs::read(&file) {
        Ok(pinned) if pinned == bytes => {}
        Ok(_) => failures.push(format!(
            "{}: the exported config bytes moved (the image digest would change)",
            file.display()
        )),
        Err(e) => failures.push(format!(
            "{}: {e}; run with CONFIG_BYTES_UPDATE=1 to write it",
            file.display()
        )),
    }
}

#[test]
fn every_graph_exports_the_pinned_config_bytes() {
    let mut failures = Vec::new();
    let mut seen = 0;
    let none = BTreeMap::new();
    for t in targets() {
        for p in common::platforms(t.platforms) {
            let img = build(t.app, t.name, &p, Some(1_764_288_000), &none);
            check(
                &format!("{}__{}__{}", t.app, t.name, p.architecture()),
                &exported(&img),
                &mut failures,
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 4 * 2 + 3 * 2 + 4 + 2);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_epoch_and_request_labels_are_pinned_too() {
    // Without SOURCE_DATE_EPOCH there is no `created` anywhere; `label:*`
    // values override and add labels; an empty value removes one.
    let labels: BTreeMap<String, String> = [
        ("org.opencontainers.image.vendor", "someone else"),
        ("extra.label", "x"),
        ("org.opencontainers.image.url", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut failures = Vec::new();
    for (app, arch) in [
        ("patient-risk-python-api", Platform::linux_arm64()),
        ("risk-monitor-operator", Platform::linux_amd64()),
    ] {
        let img = build(app, "release", &arch, None, &labels);
        check(
            &format!("{app}__release__{}__no-epoch-labels", arch.architecture()),
            &exported(&img),
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
