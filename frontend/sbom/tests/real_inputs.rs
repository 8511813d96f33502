//! The readers on real inputs: this repository's Cargo workspace (through
//! the host's `cargo metadata`) and `package-lock.json`, METADATA headers
//! and dpkg records taken from the app's environment and the base images
//! (`tests/data`), Go binaries built here; the whole document validated by
//! `pyspdxtools -i` (spdx-tools) when `PYSPDXTOOLS` names it.

use std::path::{Path, PathBuf};
use std::process::Command;

use image_sbom::dpkg::{DpkgDatabase, OsRelease};
use image_sbom::golang::{BuildInfo, BuildInfoReader};
use image_sbom::python::DistInfo;
use image_sbom::{BaseImage, ComponentSet, DocumentInfo, ImageSbom, ImageSubject, Parent};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn names(set: &ComponentSet) -> Vec<&str> {
    set.components.iter().map(|c| c.name.as_str()).collect()
}

fn cargo_set(triple: &str) -> ComponentSet {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            triple,
        ])
        .current_dir(repo())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lock = read(&repo().join("Cargo.lock"));
    image_sbom::cargo::linked_crates(
        "cargo-metadata.json",
        std::str::from_utf8(&out.stdout).unwrap(),
        Some(("Cargo.lock", &lock)),
        Some("patient-signal-python-rust"),
        Parent::Image,
    )
    .unwrap()
}

#[test]
fn the_wheel_links_pyo3_but_no_proc_macro_or_dev_crate() {
    let set = cargo_set("aarch64-unknown-linux-gnu");
    let n = names(&set);
    for want in [
        "patient-signal-python-rust",
        "patient-signal-rust-core",
        "pyo3",
        "pyo3-ffi",
        "libc",
    ] {
        assert!(n.contains(&want), "{want} missing from {n:?}");
    }
    for never in ["pyo3-macros", "syn", "proc-macro2", "proptest", "criterion"] {
        assert!(!n.contains(&never), "{never} is not linked into the wheel: {n:?}");
    }
    let pyo3 = &set.components[set.find("pyo3").unwrap()];
    assert_eq!(pyo3.license.as_str(), "MIT OR Apache-2.0");
    assert_eq!(pyo3.checksums.len(), 1, "crates.io checksum from Cargo.lock");
    assert!(pyo3.purl.as_deref().unwrap().starts_with("pkg:cargo/pyo3@0."));
}

#[test]
fn the_web_bundle_gets_react_but_no_dev_tooling() {
    let lock = read(&repo().join("package-lock.json"));
    let set = image_sbom::npm::production_packages("package-lock.json", &lock, "apps/patient-risk-web", Parent::Image)
        .unwrap();
    let n = names(&set);
    for want in [
        "patient-risk-web",
        "patient-monitor-ui-core",
        "patient-monitor-react-components",
        "react",
        "react-dom",
        "react-router",
    ] {
        assert!(n.contains(&want), "{want} missing from {n:?}");
    }
    for never in [
        "vite",
        "vitest",
        "typescript",
        "eslint",
        "jsdom",
        "@testing-library/react",
    ] {
        assert!(!n.contains(&never), "{never} is a dev dependency: {n:?}");
    }
    for c in set.components.iter().filter(|c| c.purl.is_some()) {
        assert_ne!(
            c.license.as_str(),
            "NOASSERTION",
            "{} declares a license in the lock",
            c.name
        );
        assert_eq!(c.checksums.len(), 1, "{} has an integrity hash", c.name);
    }
}

fn site_packages() -> ComponentSet {
    let mut dists = Vec::new();
    for entry in std::fs::read_dir(data("site-packages")).unwrap() {
        let dir = entry.unwrap().path();
        let rel = format!(
            "/opt/app/site-packages/{}/METADATA",
            dir.file_name().unwrap().to_string_lossy()
        );
        dists.push(DistInfo {
            path: rel,
            text: read(&dir.join("METADATA")),
        });
    }
    dists.sort_by(|a, b| a.path.cmp(&b.path));
    image_sbom::python::site_packages("/opt/app/site-packages", &dists, Parent::Image).unwrap()
}

#[test]
fn site_packages_licenses_and_requirements() {
    let set = site_packages();
    let get = |n: &str| &set.components[set.find(n).unwrap_or_else(|| panic!("{n}"))];
    assert_eq!(get("fastapi").license.as_str(), "MIT");
    assert_eq!(get("psycopg").license.as_str(), "LGPL-3.0-only");
    assert_eq!(get("six").license.as_str(), "MIT");
    assert_eq!(get("SQLAlchemy").purl.as_deref(), Some("pkg:pypi/sqlalchemy@2.1.9"));
    let edge = |a: &str, b: &str| set.depends_on.contains(&(set.find(a).unwrap(), set.find(b).unwrap()));
    assert!(edge("fastapi", "starlette") && edge("fastapi", "pydantic") && edge("pydantic", "pydantic_core"));
    assert!(edge("patient-risk-api", "patient-signal"));
    assert!(
        edge("psycopg", "psycopg-binary"),
        "patient-risk-api asks for psycopg[binary]"
    );
}

fn dpkg_set() -> ComponentSet {
    let db = DpkgDatabase {
        status: Some(("/var/lib/dpkg/status".into(), read(&data("dpkg/status")))),
        status_d: Vec::new(),
        os_release: Some(OsRelease::parse(&read(&data("dpkg/os-release")))),
    };
    db.components(Parent::BaseImage).unwrap()
}

#[test]
fn debian_status_and_distroless_records() {
    let set = dpkg_set();
    assert_eq!(set.components.len(), 14);
    let libc = &set.components[set.find("libc6").unwrap()];
    assert!(
        libc.purl.as_deref().unwrap().starts_with("pkg:deb/debian/libc6@2.41-"),
        "{:?}",
        libc.purl
    );
    assert!(libc
        .purl
        .as_deref()
        .unwrap()
        .contains("arch=amd64&distro=debian-13&upstream=glibc"));
    let edge = |a: &str, b: &str| set.depends_on.contains(&(set.find(a).unwrap(), set.find(b).unwrap()));
    assert!(edge("libc6", "libgcc-s1") && edge("openssl", "libssl3t64"));

    let mut records = Vec::new();
    for entry in std::fs::read_dir(data("dpkg/status.d")).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        assert!(image_sbom::dpkg::is_status_record(&name));
        records.push((format!("/var/lib/dpkg/status.d/{name}"), read(&p)));
    }
    assert!(!image_sbom::dpkg::is_status_record("tzdata.md5sums"));
    records.sort();
    let db = DpkgDatabase {
        status: None,
        status_d: records,
        os_release: None,
    };
    let set = db.components(Parent::BaseImage).unwrap();
    assert_eq!(names(&set), ["base-files", "ca-certificates", "netbase", "tzdata"]);
}

/// Builds a Go program with a replaced local module for `goarch`, or `None` without a Go toolchain.
fn go_binary(goarch: &str) -> Option<(PathBuf, tempfile::TempDir)> {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!("skipping: no `go` on PATH");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, s).unwrap();
    };
    w(
        "go.mod",
        "module example.com/op\n\ngo 1.22\n\nrequire example.com/core v0.0.0\n\nreplace example.com/core => ./core\n",
    );
    w(
        "main.go",
        "package main\n\nimport \"example.com/core\"\n\nfunc main() { println(core.Name) }\n",
    );
    w("core/go.mod", "module example.com/core\n\ngo 1.22\n");
    w("core/core.go", "package core\n\nconst Name = \"core\"\n");
    let out = dir.path().join("op");
    let status = Command::new("go")
        .args(["build", "-trimpath", "-ldflags=-s -w", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(dir.path())
        .envs([
            ("GOOS", "linux"),
            ("GOARCH", goarch),
            ("CGO_ENABLED", "0"),
            ("GOFLAGS", "-mod=mod"),
            ("GOPROXY", "off"),
            ("GOWORK", "off"),
            ("GOTOOLCHAIN", "local"),
        ])
        .status()
        .unwrap();
    assert!(status.success(), "go build failed");
    Some((out, dir))
}

fn read_buildinfo(bin: &Path) -> BuildInfo {
    let bytes = std::fs::read(bin).unwrap();
    let mut r = BuildInfoReader::new(bin.display().to_string());
    let mut reads = 0;
    while let Some((off, len)) = r.next_read() {
        let (off, len) = (off as usize, len as usize);
        r.feed(&bytes[off..(off + len).min(bytes.len())]).unwrap();
        reads += 1;
    }
    assert_eq!(reads, 4, "header, section table, names, .go.buildinfo");
    r.finish().unwrap()
}

#[test]
fn go_build_info_from_the_elf_matches_go_version_m() {
    for arch in ["amd64", "arm64"] {
        let Some((bin, _dir)) = go_binary(arch) else { return };
        let info = read_buildinfo(&bin);
        let out = Command::new("go").args(["version", "-m"]).arg(&bin).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let expected = BuildInfo::parse("go version -m", &text).unwrap();
        assert_eq!(info, expected, "{arch}");
        assert_eq!(info.main.path, "example.com/op");
        assert_eq!(info.deps[0].replace.as_ref().unwrap().path, "./core");
        assert!(info.settings.contains(&("GOARCH".into(), arch.into())));
        // The replaced module is named by its module path, unversioned, without a purl.
        let set = info.components("/op", Parent::Image);
        let core = set.components.iter().find(|c| c.name == "example.com/core").expect("example.com/core");
        assert_eq!((core.version.as_str(), core.purl.as_deref()), ("", None), "{arch}");
        assert!(!set.components.iter().any(|c| c.name.starts_with('.')), "{arch}: a directory as a name");
    }
}

/// A whole document, validated by pyspdxtools when `PYSPDXTOOLS` names the tool.
#[test]
fn a_whole_document_passes_the_spdx_validator() {
    let mut sbom = ImageSbom::new(ImageSubject {
        name: "patient-risk-python-api".into(),
        version: "0.1.0".into(),
        platform: "linux/arm64".into(),
        description: "test document".into(),
        license: "Apache-2.0".into(),
        source: "https://github.com/tirosh-chain/guide".into(),
        revision: "0123abc".into(),
        supplier: "Organization: tirosh-chain".into(),
    });
    sbom.base_image(BaseImage {
        name: "python-runtime".into(),
        repository: "127.0.0.1:5000/patient-risk/bases/python-runtime".into(),
        tag: "local".into(),
        digest: format!("sha256:{}", "a".repeat(64)),
        arch: "arm64".into(),
    });
    sbom.add(dpkg_set());
    sbom.add(site_packages());
    sbom.add(cargo_set("aarch64-unknown-linux-gnu"));
    let lock = read(&repo().join("package-lock.json"));
    sbom.add(
        image_sbom::npm::production_packages("package-lock.json", &lock, "apps/patient-risk-web", Parent::Image)
            .unwrap(),
    );
    if let Some((bin, _dir)) = go_binary("arm64") {
        sbom.add(read_buildinfo(&bin).components("/usr/local/bin/op", Parent::Image));
    }
    let info = DocumentInfo {
        namespace_prefix: "https://github.com/tirosh-chain/guide/spdx".into(),
        created: 1_764_288_000,
        creators: vec![
            "Tool: patient-risk-frontend-0.1.0".into(),
            "Organization: tirosh-chain".into(),
        ],
    };
    let doc = sbom.document(&info);
    assert_eq!(doc, sbom.document(&info));
    let Ok(tool) = std::env::var("PYSPDXTOOLS") else {
        eprintln!(
            "skipping the validator: set PYSPDXTOOLS to the pyspdxtools binary (make test/unit/supply-chain does)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sbom.spdx.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = Command::new(&tool)
        .arg("-i")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && !said.contains("ERROR"),
        "pyspdxtools rejected the document:\n{said}"
    );
}
