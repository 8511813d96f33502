//! The readers on real inputs: this repository's Cargo workspace (through
//! the host's `cargo metadata`) and `package-lock.json`, METADATA headers
//! and dpkg records taken from the app's environment and the base images
//! (`tests/data`), the `package.json` files of the bundled npm packages as
//! their tarballs ship them (`tests/data/npm/installed`), Go binaries built
//! here; the whole document validated by `pyspdxtools -i` (spdx-tools) and
//! checked for the NTIA minimum elements by `sbomcheck`
//! (ntia-conformance-checker). `PYSPDXTOOLS`, `NTIA_CHECKER` and `go` on
//! PATH are required: without them the tests fail, naming what to install
//! (`make test/unit/supply-chain` provides all three).

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
    // Suppliers from `cargo metadata`'s `authors` / `repository` of the real crates.
    let supplier = |n: &str| set.components[set.find(n).unwrap()].supplier.clone();
    assert_eq!(supplier("pyo3").as_deref(), Some("Organization: PyO3 Project and Contributors"));
    assert_eq!(
        supplier("patient-signal-rust-core").as_deref(),
        Some("Organization: github.com/tirosh-chain"),
        "the workspace's `repository`"
    );
    assert!(set.components.iter().all(|c| c.supplier.is_some()), "{:?}", set.components);
}

/// The web bundle's packages, each with the `package.json` npm installed for it: the
/// registry packages' manifests as their tarballs ship them (`tests/data/npm/installed`, from
/// `npm pack` of the locked versions), the workspace packages' from this repository.
fn npm_set() -> ComponentSet {
    let lock = read(&repo().join("package-lock.json"));
    let ws = "apps/patient-risk-web";
    let mut manifests = std::collections::BTreeMap::new();
    for loc in image_sbom::npm::production_locations("package-lock.json", &lock, ws).unwrap() {
        let path = match loc.strip_prefix("node_modules/") {
            Some(name) => data(&format!("npm/installed/{name}/package.json")),
            None => repo().join(&loc).join("package.json"),
        };
        manifests.insert(loc, read(&path));
    }
    assert!(manifests.len() >= 8, "{:?}", manifests.keys());
    image_sbom::npm::production_packages("package-lock.json", &lock, ws, &manifests, Parent::Image).unwrap()
}

/// Suppliers from the installed package.json files: `author` as a string and as an object,
/// else the owner of `repository` (URL object and `owner/repo` shorthand); the repository's own
/// workspace packages name their repository.
#[test]
fn npm_suppliers_come_from_the_installed_manifests() {
    let set = npm_set();
    let supplier = |n: &str| set.components[set.find(n).unwrap()].supplier.clone().unwrap_or_default();
    assert_eq!(supplier("cookie"), "Person: Roman Shtylman (shtylman@gmail.com)");
    assert_eq!(supplier("set-cookie-parser"), "Person: Nathan Friedly");
    assert_eq!(supplier("react-router"), "Organization: Remix Software (hello@remix.run)");
    assert_eq!(supplier("react"), "Organization: github.com/react");
    assert_eq!(supplier("scheduler"), "Organization: github.com/react");
    for local in ["patient-risk-web", "patient-monitor-ui-core", "patient-monitor-react-components"] {
        assert_eq!(supplier(local), "Organization: github.com/tirosh-chain", "{local}");
    }
}

#[test]
fn the_web_bundle_gets_react_but_no_dev_tooling() {
    let set = npm_set();
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

/// Suppliers from the installed METADATA of the API's environment.
#[test]
fn site_packages_suppliers() {
    let set = site_packages();
    let supplier = |n: &str| set.components[set.find(n).unwrap()].supplier.clone().unwrap_or_default();
    assert_eq!(supplier("fastapi"), "Person: Sebastián Ramírez (tiangolo@gmail.com)");
    assert_eq!(supplier("h11"), "Person: Nathaniel J. Smith (njs@pobox.com)");
    assert_eq!(supplier("pydantic"), "Person: Samuel Colvin (s@muelcolvin.com)");
    assert_eq!(supplier("click"), "Organization: Pallets (contact@palletsprojects.com)");
    assert_eq!(
        supplier("opentelemetry-api"),
        "Organization: OpenTelemetry Authors (cncf-opentelemetry-contributors@lists.cncf.io)"
    );
    for local in ["patient-risk-api", "patient-risk-core", "patient-signal"] {
        assert_eq!(supplier(local), "Organization: github.com/tirosh-chain", "{local}: its Project-URL Source");
    }
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
    assert_eq!(
        libc.supplier.as_deref(),
        Some("Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)")
    );
    assert!(set.components.iter().all(|c| c.supplier.as_deref().is_some_and(|s| s != "Organization: Debian GNU/Linux")),
        "every record of the base names its Maintainer");

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

/// Builds a Go program with a replaced local module for `goarch`. Without a Go toolchain
/// this fails (it never skips): the ELF reader must be proven on real Go binaries.
fn go_binary(goarch: &str) -> (PathBuf, tempfile::TempDir) {
    if let Err(e) = Command::new("go").arg("version").output() {
        panic!(
            "`go` is not on PATH ({e}): these tests build Go binaries to read their embedded build info. \
             Install Go 1.22 or later (`make operator/toolchain` installs Debian's golang-1.24-go; \
             `make test/unit/supply-chain` puts it on PATH) and run again."
        );
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
    (out, dir)
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
        let (bin, _dir) = go_binary(arch);
        let info = read_buildinfo(&bin);
        let out = Command::new("go").args(["version", "-m"]).arg(&bin).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let expected = BuildInfo::parse("go version -m", &text).unwrap();
        assert_eq!(info, expected, "{arch}");
        assert_eq!(info.main.path, "example.com/op");
        assert_eq!(info.deps[0].replace.as_ref().unwrap().path, "./core");
        assert!(info.settings.contains(&("GOARCH".into(), arch.into())));
        // The replaced module is named by its module path, without a purl; what Go built from a
        // directory (it records `(devel)`) gets the release version the build was given.
        let set = info.components("/op", Parent::Image, "1.2.3");
        let core = set.components.iter().find(|c| c.name == "example.com/core").expect("example.com/core");
        assert_eq!((core.version.as_str(), core.purl.as_deref()), ("1.2.3", None), "{arch}");
        assert_eq!(set.components[0].version, "1.2.3", "{arch}: the main module");
        assert!(
            set.components.iter().all(|c| c.supplier.is_some() && !c.version.is_empty()),
            "{arch}: {:?}",
            set.components
        );
        assert_eq!(core.supplier.as_deref(), Some("Organization: example.com"), "{arch}");
        assert!(!set.components.iter().any(|c| c.name.starts_with('.')), "{arch}: a directory as a name");
    }
}

/// A tool of the supply-chain venv named by `var`; missing, the test fails (never skips).
fn tool(var: &str, what: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: it names the {what} binary this test runs. Run `make test/unit/supply-chain`, \
             which installs it (tests/supply-chain/requirements.txt, venv under STATE_DIR) and sets {var}."
        )
    })
}

/// Runs `cmd`; its output, and whether it exited 0.
fn run_tool(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// A whole document from every reader's real inputs: valid SPDX 2.3 (pyspdxtools) and meeting
/// the NTIA minimum elements for every component (ntia-conformance-checker's `sbomcheck`:
/// supplier, name, version, identifier, author, timestamp, relationships). Positive control:
/// the same document with one supplier removed is rejected, so the checker really looks.
#[test]
fn a_whole_document_passes_the_spdx_validator_and_the_ntia_checker() {
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
    sbom.add(npm_set());
    sbom.add(conan_set());
    let (bin, _dir) = go_binary("arm64");
    sbom.add(read_buildinfo(&bin).components("/usr/local/bin/op", Parent::Image, "0.1.0"));
    let info = DocumentInfo {
        namespace_prefix: "https://github.com/tirosh-chain/guide/spdx".into(),
        created: "2025-11-28T00:00:00Z".to_string(),
        creators: vec![
            "Tool: patient-risk-frontend-0.1.0".into(),
            "Organization: tirosh-chain".into(),
        ],
    };
    let doc = sbom.document(&info);
    assert_eq!(doc, sbom.document(&info));
    let validator = tool("PYSPDXTOOLS", "pyspdxtools (spdx-tools)");
    let checker = tool("NTIA_CHECKER", "sbomcheck (ntia-conformance-checker)");
    let packages = doc["packages"].as_array().unwrap();
    assert!(packages.len() > 50, "{} packages", packages.len());
    for p in packages {
        let supplier = p["supplier"].as_str().unwrap_or_default();
        assert!(
            supplier.starts_with("Person: ") || supplier.starts_with("Organization: "),
            "{}: supplier {supplier:?}",
            p["name"]
        );
        assert!(p["versionInfo"].as_str().is_some_and(|v| !v.is_empty()), "{}: no version", p["name"]);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sbom.spdx.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let (ok, said) = run_tool(Command::new(&validator).arg("-i").arg(&file));
    assert!(ok && !said.contains("ERROR"), "pyspdxtools rejected the document:\n{said}");
    let out = Command::new(&checker)
        .args(["--comply", "ntia", "--output", "json"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{checker}: {e}"));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "sbomcheck: not NTIA-conformant:\n{said}");
    let report: serde_json::Value = serde_json::from_str(&said).unwrap_or_else(|e| panic!("{e}: {said}"));
    assert_eq!(report["isConformant"], true, "{report}");
    // Every component is reachable from DESCRIBES, so the checker judged all of them.
    assert_eq!(report["graphValidation"]["floatingComponents"]["floatingComponentCount"], 0, "{report}");
    assert_eq!(report["totalNumberComponents"], packages.len(), "{report}");

    let mut broken = doc.clone();
    broken["packages"][3]["supplier"] = "NOASSERTION".into();
    let bad = dir.path().join("no-supplier.spdx.json");
    std::fs::write(&bad, serde_json::to_vec_pretty(&broken).unwrap()).unwrap();
    let (ok, said) = run_tool(Command::new(&checker).args(["--comply", "ntia"]).arg(&bad));
    assert!(!ok, "sbomcheck accepted a component without a supplier:\n{said}");
}

/// The frontend binary's embedded dependency record (what Dockerfile.frontend builds into it and
/// `sbom-scan` reads back) made from this workspace's real `cargo metadata` and Cargo.lock, for
/// both targets: compact, deterministic, and read back it gives exactly the crates the direct
/// reader gives (tokio, prost, serde_json with crates.io purls and Cargo.lock checksums), no
/// proc-macro crate (serde_derive, thiserror-impl), no crate of the wheel (pyo3); a record of
/// another format is refused naming the file.
#[test]
fn the_frontend_dependency_record_round_trips() {
    let lock = read(&repo().join("Cargo.lock"));
    for triple in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", triple])
            .current_dir(repo())
            .output()
            .expect("run cargo metadata");
        assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
        let md = std::str::from_utf8(&out.stdout).unwrap();
        let record = image_sbom::cargo::embedded_record(
            "cargo-metadata.json",
            md,
            Some(("Cargo.lock", &lock)),
            "patient-risk-frontend",
            triple,
        )
        .unwrap();
        assert_eq!(
            record,
            image_sbom::cargo::embedded_record("cargo-metadata.json", md, Some(("Cargo.lock", &lock)), "patient-risk-frontend", triple)
                .unwrap()
        );
        assert!(record.len() < md.len() / 4, "record {} bytes of {} metadata", record.len(), md.len());
        let direct = image_sbom::cargo::linked_crates(
            "/bin/patient-risk-frontend",
            md,
            Some(("/bin/patient-risk-frontend", &lock)),
            Some("patient-risk-frontend"),
            Parent::Image,
        )
        .unwrap();
        let (bin, set) =
            image_sbom::cargo::crates_from_record("/bin/patient-risk-frontend", record.as_bytes(), Parent::Image).unwrap();
        assert_eq!(set.components, direct.components, "{triple}: the record reads back as the direct reader's set");
        assert_eq!(set.depends_on, direct.depends_on, "{triple}");
        assert_eq!(set.source, format!("/bin/patient-risk-frontend (embedded dependency record, {triple})"));
        assert_eq!((bin.name.as_str(), bin.target.as_str()), ("patient-risk-frontend", triple));
        assert_eq!(bin.license, "Apache-2.0");
        let n = names(&set);
        for want in ["tokio", "prost", "serde_json", "image-sbom", "llb-graphs", "deps-record"] {
            assert!(n.contains(&want), "{triple}: {want} missing from {n:?}");
        }
        for never in ["serde_derive", "thiserror-impl", "pyo3", "prost-derive"] {
            assert!(!n.contains(&never), "{triple}: {never} is not linked into the frontend");
        }
        let tokio = set.components.iter().find(|c| c.name == "tokio").unwrap();
        assert!(tokio.purl.as_deref().is_some_and(|p| p.starts_with("pkg:cargo/tokio@")), "{tokio:?}");
        assert_eq!(tokio.checksums.len(), 1, "{tokio:?}");
        assert!(set.components.iter().all(|c| c.supplier.is_some() || c.purl.is_none()), "crates.io crates have suppliers");
    }
    let wrong = br#"{"format": "cargo-auditable/0"}"#;
    let err = image_sbom::cargo::crates_from_record("/bin/x", wrong, Parent::Image).unwrap_err();
    assert!(err.to_string().starts_with("/bin/x: section .patient-risk.cargo-deps has format"), "{err}");
}

fn conan_set() -> ComponentSet {
    image_sbom::conan::packages(
        "/conan-graph.json",
        &read(&data("conan/graph-info-armv8.json")),
        Parent::Image,
    )
    .unwrap()
}

/// patient-signal-dsp from a real `conan graph info --format json` of its recipe (Conan 2.33,
/// arm64 host profile; tests/data/conan/README.md): name, version, the recipe's license and
/// author as supplier, a `pkg:conan` purl with the recipe revision, the consumer node left out.
#[test]
fn conan_graph_of_patient_signal_dsp() {
    let set = conan_set();
    assert_eq!(names(&set), ["patient-signal-dsp"]);
    let dsp = &set.components[0];
    assert_eq!(dsp.version, "0.1.0");
    assert_eq!(dsp.license.as_str(), "Apache-2.0");
    assert_eq!(dsp.supplier.as_deref(), Some("Organization: patient-risk maintainers"));
    let purl = dsp.purl.as_deref().unwrap();
    assert!(purl.starts_with("pkg:conan/patient-signal-dsp@0.1.0?rrev="), "{purl}");
    assert!(dsp.comment.as_deref().unwrap().contains("arch=armv8"), "{:?}", dsp.comment);
}
