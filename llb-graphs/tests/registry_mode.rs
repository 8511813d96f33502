//! `PACKAGE_SOURCE=registry`: the apps consume the repository's own packages
//! (Python core, npm UI packages, Rust signal core) from private registries.
//! Proves, on the graphs alone: the registry build args are required and
//! checked; the internal packages' sources leave the build context; the steps
//! that reach a loopback registry (and only those) get the host network; each
//! registry's secrets reach only the steps that declare that registry; and the
//! resolution steps pin the published versions. Golden dumps of the registry
//! mode sit next to the workspace-mode ones (`registry__*` snapshots).

mod common;

use llb::Platform;

const PYPI: &str = "http://127.0.0.1:5301/simple/";
const NPM: &str = "http://127.0.0.1:5302/";
const CARGO: &str = "sparse+http://127.0.0.1:5303/index/";
const CONAN: &str = "http://127.0.0.1:5304";

fn registry_args() -> std::collections::BTreeMap<String, String> {
    common::args(&[
        ("BASE_IMAGES", "local"),
        ("VERSION", "0.1.0"),
        ("PACKAGE_SOURCE", "registry"),
        ("UV_INDEX_URL", PYPI),
        ("NPM_REGISTRY_URL", NPM),
        ("CARGO_REGISTRY_INDEX", CARGO),
        ("CONAN_REMOTE_URL", CONAN),
    ])
}

/// The readable dump's ops, one string each.
fn ops(app: &str, platform: &Platform) -> Vec<String> {
    let s = common::spec(app);
    let img = common::build_with(&s, "release", platform, &registry_args())
        .unwrap_or_else(|e| panic!("{app}: {e}"));
    let text = llb::dump(&common::marshal(&img, platform));
    text.split("\n#")
        .map(str::to_string)
        .collect::<Vec<_>>()
}

fn is_exec(op: &str) -> bool {
    op.lines().next().unwrap_or("").contains(" exec ")
}

#[test]
fn registry_steps_and_only_they_get_the_host_network() {
    for app in common::APPS {
        for p in [Platform::linux_amd64(), Platform::linux_arm64()] {
            for op in ops(app, &p).iter().filter(|o| is_exec(o)) {
                let name = op.lines().find(|l| l.contains("name:")).unwrap_or("");
                let reaches = op.contains("id=host_ca_bundle");
                let declared_loopback = op.contains("127.0.0.1:530");
                if reaches && declared_loopback {
                    assert!(op.contains("network: host"), "{app} {p}: {name}: a loopback registry needs the host network");
                } else if reaches {
                    // Public registries (the operator's Go proxy) stay on the sandbox network.
                    assert!(!op.contains("network: host"), "{app} {p}: {name}");
                } else {
                    assert!(op.contains("network: none"), "{app} {p}: {name} reaches no registry: no network");
                }
            }
        }
    }
}

#[test]
fn internal_package_sources_leave_the_context() {
    let amd = Platform::linux_amd64();
    let api = ops("patient-risk-python-api", &amd).join("\n#");
    // Only the manifests of the published packages are read (version pins), never their code.
    assert!(api.contains("\"packages/patient-risk-python-core/pyproject.toml\""), "{api}");
    assert!(!api.contains("\"packages/patient-risk-python-core\""), "python core sources in the context");
    assert!(!api.contains("packages/patient-signal-rust-core/**/*.rs"), "rust core sources in the context");
    assert!(api.contains("\"packages/patient-signal-rust-core/Cargo.toml\""));
    assert!(api.contains("path deps → registry `private`"), "path deps become registry deps");
    assert!(api.contains("Cargo.lock does not take $c from registry private"));
    assert!(api.contains("--refresh --only-binary :all: -r /in/python/registry-requirements.txt"));
    let web = ops("patient-risk-web", &amd).join("\n#");
    let web_sources = web
        .split("\n#")
        .find(|o| o.contains("[context] web-sources"))
        .expect("web sources");
    assert!(!web_sources.contains("packages/patient-monitor"), "{web_sources}");
    assert!(web.contains("npm install --package-lock-only"));
    assert!(web.contains("PR_REGISTRY_WORKSPACES=packages/patient-monitor-ui-core packages/patient-monitor-react-components"));
}

#[test]
fn each_registry_secret_reaches_only_its_steps() {
    let amd = Platform::linux_amd64();
    for app in common::APPS {
        for op in ops(app, &amd).iter().filter(|o| is_exec(o)) {
            let name = op.lines().find(|l| l.contains("name:")).unwrap_or("");
            let uv = op.contains("uv pip install") || op.contains("uv export");
            // pip installing Conan + CMake into the builder (the Python index's secrets).
            let pip = op.contains("/opt/conan/bin/pip install");
            let npm = op.contains("npm ci");
            let cargo = op.contains("cargo fetch") || op.contains("maturin build");
            let conan = op.contains("conan install patient-signal-dsp/");
            assert_eq!(op.contains("uv_index_password"), uv || pip, "{app}: {name}");
            assert_eq!(op.contains("conan_password"), conan, "{app}: {name}");
            assert_eq!(op.contains("conan_login_username"), conan, "{app}: {name}");
            assert_eq!(op.contains("npm_token"), npm, "{app}: {name}");
            assert_eq!(op.contains("cargo_registry_token"), cargo, "{app}: {name}");
            if cargo {
                assert!(op.contains("CARGO_REGISTRIES_PRIVATE_CREDENTIAL_PROVIDER=cargo:token"), "{name}");
            }
        }
    }
}

#[test]
fn registry_mode_needs_its_registries_and_a_known_value() {
    let amd = Platform::linux_amd64();
    for (app, arg) in [
        ("patient-risk-python-api", "UV_INDEX_URL"),
        ("patient-risk-python-api", "CARGO_REGISTRY_INDEX"),
        ("patient-risk-python-api", "CONAN_REMOTE_URL"),
        ("patient-risk-web", "NPM_REGISTRY_URL"),
    ] {
        let mut args = registry_args();
        args.remove(arg);
        let e = common::build_with(&common::spec(app), "release", &amd, &args)
            .unwrap_err()
            .to_string();
        assert!(e.contains("PACKAGE_SOURCE=registry") && e.contains(arg), "{app} without {arg}: {e}");
    }
    let mut args = registry_args();
    args.insert("PACKAGE_SOURCE".into(), "regsitry".into());
    let e = common::build_with(&common::spec("patient-risk-web"), "release", &amd, &args)
        .unwrap_err()
        .to_string();
    assert!(e.contains("PACKAGE_SOURCE") && e.contains("workspace") && e.contains("registry"), "{e}");
    // Workspace mode (explicit) is the default graph, op for op.
    let mut ws = common::local_args();
    ws.insert("PACKAGE_SOURCE".into(), "workspace".into());
    for app in common::APPS {
        let s = common::spec(app);
        let a = common::build_with(&s, "release", &amd, &ws).unwrap();
        let b = common::build(app, "release", &amd);
        assert_eq!(llb::dump(&common::marshal(&a, &amd)), llb::dump(&common::marshal(&b, &amd)), "{app}");
    }
}

#[test]
fn registry_mode_goldens() {
    for app in ["patient-risk-python-api", "patient-risk-web"] {
        for p in [Platform::linux_amd64(), Platform::linux_arm64()] {
            let text = ops(app, &p).join("\n#");
            insta::assert_snapshot!(format!("registry__{app}__release__{}", p.architecture()), text);
        }
    }
}
