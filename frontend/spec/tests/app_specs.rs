//! The four real app specs of this repository parse, say what the apps
//! need, agree with the release contract and lint clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use app_spec::{parse, release, ArgOrigin, Graph, GraphSettings, Platform, SecretId};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const APPS: [&str; 4] = [
    "patient-risk-python-api",
    "patient-risk-web",
    "risk-monitor-operator",
    "dev-guide-docs",
];

fn load(app: &str) -> (String, String) {
    let file = format!("apps/{app}/Dockerfile");
    let text =
        std::fs::read_to_string(repo_root().join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    (file, text)
}

fn spec(app: &str) -> app_spec::AppSpec {
    let (file, text) = load(app);
    parse(&file, &text).unwrap_or_else(|d| panic!("{file} does not parse:\n{d}"))
}

#[test]
fn every_spec_parses_with_the_canonical_syntax_line_and_both_platforms() {
    for app in APPS {
        let spec = spec(app);
        assert_eq!(spec.app, app);
        assert_eq!(spec.syntax, app_spec::FRONTEND_IMAGE);
        assert_eq!(
            spec.platforms,
            vec![Platform::LinuxAmd64, Platform::LinuxArm64]
        );
        assert_ne!(spec.runtime.user, 0);
        assert_eq!(spec.runtime.health, "/healthz");
        assert_eq!(spec.runtime.readiness, "/readyz");
        assert!(
            spec.secret(SecretId::HostCaBundle).is_some(),
            "{app} must declare host_ca_bundle"
        );
        for common in [
            "VERSION",
            "REVISION",
            "SOURCE_DATE_EPOCH",
            "BASE_IMAGES",
            "BASE_IMAGES_REGISTRY",
        ] {
            assert_eq!(
                spec.build_arg(common).map(|a| a.origin),
                Some(ArgOrigin::Common),
                "{app}: {common}"
            );
        }
    }
}

#[test]
fn api_spec() {
    let spec = spec("patient-risk-python-api");
    assert_eq!(spec.graph, Graph::PythonApi);
    assert_eq!(
        (
            spec.runtime.port,
            spec.runtime.probe_port,
            spec.runtime.migrations,
            spec.runtime.user
        ),
        (8080, 8080, true, 10001)
    );
    assert_eq!(
        spec.packages,
        [
            "packages/patient-signal-rust-core",
            "packages/patient-signal-python-rust",
            "packages/patient-risk-python-core"
        ]
    );
    assert_eq!(
        spec.build,
        GraphSettings::PythonApi {
            wheel: "packages/patient-signal-python-rust".to_string(),
            smoke_imports: vec!["patient_signal".to_string()],
        }
    );
    let ids: Vec<SecretId> = spec.secrets.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        [
            SecretId::HostCaBundle,
            SecretId::UvIndexUsername,
            SecretId::UvIndexPassword,
            SecretId::CargoRegistryToken,
            // the Conan step that installs patient-signal-dsp from a private Conan server
            SecretId::ConanLoginUsername,
            SecretId::ConanPassword
        ]
    );
}

#[test]
fn web_spec() {
    let spec = spec("patient-risk-web");
    assert_eq!(spec.graph, Graph::WebSpa);
    assert_eq!(
        (
            spec.runtime.port,
            spec.runtime.migrations,
            spec.runtime.user,
            spec.runtime.group
        ),
        (8080, false, 101, 101)
    );
    assert_eq!(
        spec.packages,
        [
            "packages/patient-monitor-ui-core",
            "packages/patient-monitor-react-components"
        ]
    );
    let arg = spec
        .build_arg("API_BASE_PATH")
        .expect("API_BASE_PATH declared");
    assert_eq!(
        (arg.default.as_str(), arg.origin),
        ("/api", ArgOrigin::Spec)
    );
    assert_eq!(
        spec.build,
        GraphSettings::WebSpa {
            npm_workspace: "patient-risk-web".to_string()
        }
    );
    assert!(spec.secret(SecretId::NpmToken).is_some());
    // The span of the declaration points at its line in the file.
    let (_, text) = load("patient-risk-web");
    let line = text
        .lines()
        .position(|l| l.starts_with("API_BASE_PATH"))
        .unwrap()
        + 1;
    assert_eq!(
        spec.span("args.API_BASE_PATH").map(|s| (s.line, s.column)),
        Some((line, 1))
    );
}

#[test]
fn operator_spec() {
    let spec = spec("risk-monitor-operator");
    assert_eq!(spec.graph, Graph::GoOperator);
    assert_eq!(
        (
            spec.runtime.port,
            spec.runtime.probe_port,
            spec.runtime.user
        ),
        (8080, 8081, 65532)
    );
    assert_eq!(spec.runtime.exposed_ports(), [8080, 8081]);
    assert_eq!(spec.packages, ["packages/patient-risk-go-core"]);
    let GraphSettings::GoOperator { main_package } = &spec.build else {
        panic!("go settings expected")
    };
    let dir = repo_root()
        .join("apps/risk-monitor-operator")
        .join(main_package);
    assert!(
        dir.is_dir(),
        "main package {main_package} is not a directory of the operator"
    );
}

#[test]
fn docs_spec() {
    let spec = spec("dev-guide-docs");
    assert_eq!(spec.graph, Graph::MkdocsSite);
    assert_eq!(
        (
            spec.runtime.port,
            spec.runtime.migrations,
            spec.runtime.user
        ),
        (8080, false, 101)
    );
    let GraphSettings::MkdocsSite { configs, sources } = &spec.build else {
        panic!("mkdocs settings expected")
    };
    assert_eq!(configs.len(), 2);
    assert!(sources.iter().any(|s| s == "docs"));
}

#[test]
fn every_consumed_package_exists() {
    for app in APPS {
        for package in &spec(app).packages {
            assert!(
                repo_root().join(package).is_dir(),
                "{app} consumes {package}, which does not exist"
            );
        }
    }
}

#[test]
fn every_spec_image_is_declared_in_the_release_contract_file() {
    let text = std::fs::read_to_string(repo_root().join(release::RELEASE_CONTRACT_PATH)).unwrap();
    // The file on disk is the one compiled in.
    assert_eq!(text, release::EMBEDDED_TEXT);
    let contract = release::load(&text).unwrap_or_else(|d| panic!("{d}"));
    let mut specs_dirs: Vec<String> = std::fs::read_dir(repo_root().join("apps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    specs_dirs.sort();
    assert!(specs_dirs.len() >= 4, "apps/*/Dockerfile: {specs_dirs:?}");
    for app in &specs_dirs {
        let spec = spec(app);
        let entry = contract
            .app_for_repository(&spec.image)
            .unwrap_or_else(|| panic!("{} is not in the contract", spec.image));
        assert_eq!(&entry.app, app);
        assert_eq!(
            contract.image_name(app, None),
            Some(format!("ghcr.io/tirosh-chain/guide/{}", spec.image))
        );
    }
    // And every app of the contract has a spec.
    for app in contract.apps.keys() {
        assert!(
            specs_dirs.contains(app),
            "contract declares {app} but apps/{app}/Dockerfile is missing"
        );
    }
}

#[test]
fn real_specs_lint_clean() {
    let none = BTreeMap::new();
    for app in APPS {
        let (file, text) = load(app);
        let spec = parse(&file, &text).unwrap();
        let warnings = app_spec::lint(&text, &spec, &none, &none);
        assert!(warnings.is_empty(), "{app}: {warnings:#?}");
    }
}
