//! What each release graph tells the frontend to read for its SBOM: the
//! runtime base and its dpkg database always, plus what the app installs
//! (site-packages + the wheel's crates and its Conan package, the npm lock, the Go binary).

mod common;

use llb::{MarshalOpts, Platform};
use llb_graphs::{BuildRecord, ImageContent, ImageGraph};

fn release(app: &str, p: &Platform) -> ImageGraph {
    common::build(app, "release", p)
}

fn dump(state: &llb::State, p: &Platform) -> String {
    llb::dump(
        &state
            .marshal(&MarshalOpts::for_platform(p.clone()))
            .unwrap(),
    )
}

#[test]
fn every_runtime_image_names_its_base_and_dpkg_database() {
    for app in common::APPS {
        let img = release(app, &Platform::linux_arm64());
        let base = img
            .sbom
            .base
            .as_ref()
            .unwrap_or_else(|| panic!("{app}: no base"));
        assert!(
            base.image
                .repository()
                .ends_with(&format!("/{}", base.name)),
            "{app}: {}",
            base.image
        );
        assert_eq!(
            img.sbom.image.first(),
            Some(&ImageContent::DpkgDatabase),
            "{app}"
        );
    }
}

#[test]
fn the_api_reads_site_packages_cargo_metadata_and_the_conan_graph_for_the_target() {
    for (p, triple) in [
        (Platform::linux_amd64(), "x86_64-unknown-linux-gnu"),
        (Platform::linux_arm64(), "aarch64-unknown-linux-gnu"),
    ] {
        let img = release("patient-risk-python-api", &p);
        assert!(img.sbom.image.contains(&ImageContent::PythonSitePackages {
            dir: "/opt/patient-risk-python-api/site-packages".to_string()
        }));
        let [BuildRecord::Cargo {
            state,
            metadata,
            lock,
        }, BuildRecord::Conan {
            state: conan,
            graph,
            linked_by,
        }] = img.sbom.records.as_slice()
        else {
            panic!("a cargo record and a conan record: {:?}", img.sbom.records);
        };
        // patient-signal-dsp: the graph of the Conan install for the target's arch, the same
        // state the wheel compile mounts, linked by the Rust signal core's build script.
        assert_eq!(
            (graph.as_str(), linked_by.as_str()),
            ("/conan-graph.json", "patient-signal-rust-core")
        );
        let conan_text = dump(conan, &p);
        let arch = if triple.starts_with("x86_64") { "x86_64" } else { "armv8" };
        assert!(
            conan_text.contains("conan install --requires=patient-signal-dsp/")
                && conan_text.contains(&format!("linux-{arch} ")),
            "{conan_text}"
        );
        let install = conan_text
            .lines()
            .find(|l| l.contains("conan install --requires="))
            .unwrap();
        assert!(
            dump(&img.state, &p).contains(install),
            "the image's wheel links the same install: {install}"
        );
        assert_eq!(
            (metadata.as_str(), lock.as_str()),
            ("/cargo-metadata.json", "/Cargo.lock")
        );
        let text = dump(state, &p);
        assert!(
            text.contains(&format!("--filter-platform {triple}")),
            "{text}"
        );
        assert!(
            text.contains("--manifest-path /src/packages/patient-signal-python-rust/Cargo.toml"),
            "{text}"
        );
        assert!(
            text.contains("cargo fetch"),
            "reads the wheel's own pruned workspace: {text}"
        );
        // The SBOM step is not part of the image.
        assert!(!dump(&img.state, &p).contains("cargo metadata"));
    }
}

/// The web's record is the tree `npm ci` installed for the bundle (lock + every installed
/// package.json, where the suppliers come from), not a second install.
#[test]
fn the_web_reads_the_npm_lock_and_the_operator_its_binary() {
    let p = Platform::linux_amd64();
    let web = release("patient-risk-web", &p);
    let [BuildRecord::NpmLock {
        state,
        lock,
        root,
        workspace,
    }] = web.sbom.records.as_slice()
    else {
        panic!("one npm record: {:?}", web.sbom.records);
    };
    assert_eq!(
        (lock.as_str(), root.as_str(), workspace.as_str()),
        ("/work/package-lock.json", "/work", "apps/patient-risk-web")
    );
    let text = dump(state, &p);
    assert!(text.contains("npm ci --ignore-scripts"), "{text}");
    assert!(
        dump(&web.state, &p).contains("npm ci --ignore-scripts"),
        "the image's bundle was built on the same install"
    );

    let op = release("risk-monitor-operator", &p);
    let binary = ImageContent::GoBinary {
        path: "/usr/local/bin/risk-monitor-operator".to_string(),
    };
    assert!(op.sbom.image.contains(&binary), "{:?}", op.sbom.image);
    assert!(op.sbom.records.is_empty());

    let docs = release("dev-guide-docs", &p);
    assert_eq!(
        docs.sbom.image,
        vec![ImageContent::DpkgDatabase],
        "a static site: the base's packages"
    );
}

#[test]
fn debug_artifacts_have_no_base() {
    let wheel = common::build("patient-risk-python-api", "wheel", &Platform::linux_amd64());
    assert!(
        wheel.sbom.base.is_none() && wheel.sbom.image.is_empty() && wheel.sbom.records.is_empty()
    );
}
