//! Secrets and caches: every step asks for exactly the secrets it uses, only
//! steps that reach a registry get the host CA, private-index secrets appear
//! only when an index is configured, and no secret value can enter a graph.

mod common;

use std::collections::BTreeSet;

use llb::Platform;
use serde_json::Value;

fn exec_ops(img: &llb_graphs::ImageGraph, p: &Platform) -> Vec<Value> {
    let def = common::marshal(img, p);
    llb::dump_json(&def)["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "exec")
        .cloned()
        .collect()
}

/// A step that installs Python packages from an index.
fn installs_with_uv(op_text: &str) -> bool {
    op_text.contains("uv pip install") || op_text.contains("uv export")
}

fn secret_ids(op: &Value) -> BTreeSet<String> {
    let text = op.to_string();
    [
        "host_ca_bundle",
        "uv_index_username",
        "uv_index_password",
        "npm_token",
        "cargo_registry_token",
        "conan_login_username",
        "conan_password",
    ]
    .into_iter()
    .filter(|id| text.contains(id))
    .map(str::to_string)
    .collect()
}

#[test]
fn secrets_used_are_declared_by_the_spec() {
    for app in common::APPS {
        let s = common::spec(app);
        let declared: BTreeSet<&str> = s.spec.secrets.iter().map(|d| d.id.as_str()).collect();
        let used = llb_graphs::secrets_used(&s.spec, common::target(&s.spec, "release")).unwrap();
        assert!(
            used.iter().any(|u| u.id == "host_ca_bundle"),
            "{app}: some step reaches a registry"
        );
        for u in &used {
            assert!(!u.required, "{app}: {} is optional", u.id);
            assert!(!u.steps.is_empty(), "{app}: {} names its steps", u.id);
            assert!(
                declared.contains(u.id.as_str()),
                "{app}: the graph can use secret {} but {} does not declare it under [secrets]",
                u.id,
                s.file
            );
        }
    }
}

#[test]
fn only_registry_steps_see_the_host_ca_and_have_network() {
    let amd = Platform::linux_amd64();
    for app in common::APPS {
        for op in exec_ops(&common::build(app, "release", &amd), &amd) {
            let ids = secret_ids(&op);
            let name = op["name"].as_str().unwrap_or("").to_string();
            let sandbox = op["op"]["network"].is_null() || op["op"]["network"] == "sandbox";
            if ids.is_empty() {
                assert!(
                    !sandbox,
                    "{app}: step {name} has network but reaches no registry: {op}"
                );
            } else {
                assert_eq!(
                    ids,
                    BTreeSet::from(["host_ca_bundle".to_string()]),
                    "{app}: {name}"
                );
                assert!(sandbox, "{app}: registry step {name} needs the network");
                assert!(
                    op.to_string()
                        .contains("/etc/ssl/certs/ca-certificates.crt"),
                    "{app}: {name}"
                );
            }
        }
    }
}

#[test]
fn private_indexes_bring_their_secrets_as_env_only_into_their_steps() {
    let amd = Platform::linux_amd64();
    let s = common::spec("patient-risk-python-api");
    let args = common::args(&[
        ("BASE_IMAGES", "local"),
        ("UV_INDEX_URL", "https://pypi.internal.example/simple"),
        (
            "CARGO_REGISTRY_INDEX",
            "sparse+https://crates.internal.example/index/",
        ),
    ]);
    let img = common::build_with(&s, "release", &amd, &args).unwrap();
    let mut uv_steps = 0;
    for op in exec_ops(&img, &amd) {
        let ids = secret_ids(&op);
        let text = op.to_string();
        if installs_with_uv(&text) {
            uv_steps += 1;
            assert!(
                ids.contains("uv_index_username") && ids.contains("uv_index_password"),
                "{text}"
            );
            assert!(
                !ids.contains("cargo_registry_token"),
                "uv steps get no cargo token: {text}"
            );
            assert!(
                text.contains("secret uv_index_password is missing: build arg UV_INDEX_URL"),
                "clear error: {text}"
            );
            assert!(
                text.contains("/run/patient-risk-secrets"),
                "credentials go to a tmpfs netrc: {text}"
            );
            // The private umask covers the secret file only: installed files stay world-readable.
            assert!(text.contains("(umask 077 && printf"), "{text}");
            assert!(
                !text.contains("\\numask 077\\n"),
                "no step-wide umask: {text}"
            );
        } else if text.contains("conan toolchain") {
            // pip installs Conan + CMake from the configured Python index.
            assert!(
                ids.contains("uv_index_password") && !ids.contains("cargo_registry_token"),
                "{text}"
            );
            assert!(text.contains("PIP_INDEX_URL"), "{text}");
        } else if text.contains("maturin build") || text.contains("cargo fetch") {
            assert!(
                ids.contains("cargo_registry_token") && !ids.contains("uv_index_password"),
                "{text}"
            );
            assert!(text.contains("CARGO_REGISTRIES_PRIVATE_INDEX"), "{text}");
        } else {
            assert!(
                ids.is_empty() || ids == BTreeSet::from(["host_ca_bundle".to_string()]),
                "{text}"
            );
        }
    }
    assert_eq!(uv_steps, 2);

    let web = common::spec("patient-risk-web");
    let args = common::args(&[
        ("BASE_IMAGES", "local"),
        ("NPM_REGISTRY_URL", "https://npm.internal.example/repo/"),
    ]);
    let img = common::build_with(&web, "release", &amd, &args).unwrap();
    let npm: Vec<Value> = exec_ops(&img, &amd)
        .into_iter()
        .filter(|o| secret_ids(o).contains("npm_token"))
        .collect();
    assert_eq!(npm.len(), 1, "only npm ci gets the npm token");
    let text = npm[0].to_string();
    assert!(
        text.contains("npm ci") && text.contains("_authToken=${NPM_TOKEN}"),
        "{text}"
    );

    let e = common::build_with(
        &web,
        "release",
        &amd,
        &common::args(&[("NPM_REGISTRY_URL", "https://u:p@npm.example/")]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("NPM_REGISTRY_URL") && e.contains("secrets"),
        "{e}"
    );
}

/// A team points every build at its private indexes with one set of build args (e.g. a bake
/// `args` block): every app must accept all of them, and every uv step gets the Python index's
/// credentials (which secrets the other steps get is checked per app above).
#[test]
fn every_app_accepts_every_private_index_at_once() {
    let amd = Platform::linux_amd64();
    let args = common::args(&[
        ("BASE_IMAGES", "local"),
        ("UV_INDEX_URL", "https://pypi.internal.example/simple"),
        ("NPM_REGISTRY_URL", "https://npm.internal.example/repo/"),
        (
            "CARGO_REGISTRY_INDEX",
            "sparse+https://crates.internal.example/index/",
        ),
        ("GOPROXY", "https://goproxy.internal.example"),
    ]);
    for app in common::APPS {
        let spec = common::spec(app);
        let img = common::build_with(&spec, "release", &amd, &args)
            .unwrap_or_else(|e| panic!("{app}: {e}"));
        for op in exec_ops(&img, &amd) {
            let ids = secret_ids(&op);
            let text = op.to_string();
            if installs_with_uv(&text) {
                assert!(
                    ids.contains("uv_index_username") && ids.contains("uv_index_password"),
                    "{app}: a uv step without the index credentials: {text}"
                );
            }
        }
    }
}

#[test]
fn unconfigured_private_indexes_add_no_secret() {
    let amd = Platform::linux_amd64();
    for app in common::APPS {
        for op in exec_ops(&common::build(app, "release", &amd), &amd) {
            let ids = secret_ids(&op);
            assert!(
                ids.iter().all(|i| i == "host_ca_bundle"),
                "{app}: {ids:?} in {}",
                op["name"]
            );
        }
    }
}

#[test]
fn caches_are_namespaced_and_listed() {
    let s = common::spec("patient-risk-python-api");
    let ids = llb_graphs::cache_ids(&s.spec, common::target(&s.spec, "release")).unwrap();
    for want in [
        "patient-risk/cargo-registry",
        "patient-risk/zig",
        "patient-risk/uv",
        "patient-risk/cargo-target-aarch64-unknown-linux-gnu",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} in {ids:?}");
    }
    let amd = Platform::linux_amd64();
    let args = common::args(&[
        ("BASE_IMAGES", "local"),
        ("BUILDKIT_CACHE_MOUNT_NS", "ci-7"),
    ]);
    let img = common::build_with(&s, "wheel", &amd, &args).unwrap();
    let dump = llb::dump(&common::marshal(&img, &amd));
    assert!(dump.contains("cache id=ci-7/patient-risk/zig"), "{dump}");
}

#[test]
fn required_bases_match_the_platform_roles() {
    use llb_graphs::BasePlatform::{Build, Target};
    let s = common::spec("patient-risk-python-api");
    let bases: Vec<(String, llb_graphs::BasePlatform)> =
        llb_graphs::required_bases(&s.spec, common::target(&s.spec, "release"))
            .unwrap()
            .into_iter()
            .map(|b| (b.name, b.platform))
            .collect();
    assert_eq!(
        bases,
        vec![
            ("python-builder".into(), Build),
            ("python-runtime".into(), Target),
            ("rust-builder".into(), Build)
        ]
    );
    let wheel = llb_graphs::required_bases(&s.spec, common::target(&s.spec, "wheel")).unwrap();
    assert_eq!(
        wheel.len(),
        1,
        "the wheel target needs only the rust builder: {wheel:?}"
    );
}

/// Registry mode: the Conan secrets reach exactly one step per platform, the
/// `conan install` of patient-signal-dsp for that platform's Conan arch from the
/// remote (never built: `--build=never`), on the host network for a loopback
/// remote, failing with the secret id when one is missing. In workspace mode no
/// step sees them and the package is built from the workspace recipe.
#[test]
fn conan_secrets_reach_only_the_conan_install_step() {
    let s = common::spec("patient-risk-python-api");
    let registry = common::args(&[
        ("BASE_IMAGES", "local"),
        ("PACKAGE_SOURCE", "registry"),
        ("UV_INDEX_URL", "http://127.0.0.1:5301/simple/"),
        (
            "CARGO_REGISTRY_INDEX",
            "sparse+http://127.0.0.1:5303/index/",
        ),
        ("CONAN_REMOTE_URL", "http://127.0.0.1:5304"),
    ]);
    for (platform, arch) in [
        (Platform::linux_amd64(), "x86_64"),
        (Platform::linux_arm64(), "armv8"),
    ] {
        let img = common::build_with(&s, "release", &platform, &registry).unwrap();
        let conan: Vec<Value> = exec_ops(&img, &platform)
            .into_iter()
            .filter(|o| {
                let ids = secret_ids(o);
                ids.contains("conan_login_username") || ids.contains("conan_password")
            })
            .collect();
        assert_eq!(conan.len(), 1, "{platform}: {conan:?}");
        let text = conan[0].to_string();
        assert!(
            text.contains(&format!(
                "conan install patient-signal-dsp/0.1.0 arch={arch} from remote private"
            )),
            "{text}"
        );
        assert!(text.contains("--build='never'"), "{text}");
        assert!(text.contains(&format!("profiles/linux-{arch} ")), "{text}");
        assert!(
            text.contains("secret conan_password is missing: build arg CONAN_REMOTE_URL"),
            "{text}"
        );
        assert_eq!(conan[0]["op"]["network"], "host", "{text}");
        assert!(
            !text.contains("patient-risk/conan-"),
            "no Conan cache mount in registry mode: {text}"
        );
    }

    let amd = Platform::linux_amd64();
    let workspace = common::args(&[("BASE_IMAGES", "local")]);
    let img = common::build_with(&s, "release", &amd, &workspace).unwrap();
    let ops = exec_ops(&img, &amd);
    assert!(ops
        .iter()
        .all(|o| !secret_ids(o).contains("conan_password")));
    let create: Vec<&Value> = ops
        .iter()
        .filter(|o| {
            o.to_string()
                .contains("conan create patient-signal-dsp/0.1.0 arch=x86_64")
        })
        .collect();
    assert_eq!(create.len(), 1);
    assert!(create[0]
        .to_string()
        .contains("--build='missing:patient-signal-dsp/0.1.0'"));
    assert!(create[0].to_string().contains("patient-risk/conan-x86_64"));
}
