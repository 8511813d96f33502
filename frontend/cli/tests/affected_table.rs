//! The guide's change → image table (section 5-1) as a test: every row runs
//! `patient-risk-frontend affected` against a scratch git repository made of
//! this repository's committed tree (git archive HEAD), with one commit that
//! changes the row's path. Proves that the binary, from the real specs and
//! graphs, selects exactly the row's apps and the demo smoke, through real git.

use std::path::{Path, PathBuf};
use std::process::Command;

const ALL: [&str; 4] = ["dev-guide-docs", "patient-risk-python-api", "patient-risk-web", "risk-monitor-operator"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=affected-test", "-c", "user.email=affected@test.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A scratch repository holding HEAD's tree as one commit on `main`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("affected-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let archive = Command::new("git")
        .arg("-C")
        .arg(repo_root())
        .args(["archive", "--format=tar", "HEAD"])
        .output()
        .unwrap();
    assert!(archive.status.success());
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    tar.stdin.take().unwrap().write_all(&archive.stdout).unwrap();
    assert!(tar.wait().unwrap().success());
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    dir
}

fn affected(dir: &Path, base: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_patient-risk-frontend"))
        .args(["affected", "--base", base, "--json", "--repo"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "affected: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn apps(v: &serde_json::Value) -> Vec<String> {
    v["apps"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

/// Appends a line to `path` (creating it), commits on a branch off `main`,
/// returns the result of `affected --base main`.
fn change(dir: &Path, branch: &str, paths: &[&str]) -> serde_json::Value {
    git(dir, &["checkout", "-q", "-B", branch, "main"]);
    for path in paths {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let mut text = std::fs::read_to_string(&file).unwrap_or_default();
        text.push_str(if path.ends_with(".json") { " \n" } else { "\n" });
        std::fs::write(&file, text).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", branch]);
    affected(dir, "main")
}

#[test]
fn the_guide_table_row_by_row() {
    let dir = scratch("table");
    // (row, changed paths, expected apps, demo smoke)
    let rows: &[(&str, &[&str], &[&str], bool)] = &[
        ("ui-core", &["packages/patient-monitor-ui-core/src/index.ts"], &["patient-risk-web"], true),
        ("react-components", &["packages/patient-monitor-react-components/package.json"], &["patient-risk-web"], true),
        ("python-core", &["packages/patient-risk-python-core/pyproject.toml"], &["patient-risk-python-api"], true),
        ("python-rust", &["packages/patient-signal-python-rust/src/lib.rs"], &["patient-risk-python-api"], true),
        ("rust-core", &["packages/patient-signal-rust-core/src/lib.rs"], &["patient-risk-python-api"], true),
        ("go-core", &["packages/patient-risk-go-core/api/types.go"], &["risk-monitor-operator"], true),
        ("app-operator", &["apps/risk-monitor-operator/cmd/risk-monitor-operator/main.go"], &["risk-monitor-operator"], true),
        ("app-api", &["apps/patient-risk-python-api/src/patient_risk_api/app.py"], &["patient-risk-python-api"], true),
        ("app-web", &["apps/patient-risk-web/src/main.tsx"], &["patient-risk-web"], true),
        ("app-docs", &["apps/dev-guide-docs/mkdocs.yml"], &["dev-guide-docs"], true),
        // contracts/ and fixtures/: demo smoke + the apps whose read files name them
        // (package contract/fixture tests, the API's schema copy; Markdown aside).
        ("contracts", &["contracts/openapi.yaml"], &["patient-risk-python-api", "patient-risk-web", "risk-monitor-operator"], true),
        ("fixtures", &["fixtures/normal.json"], &["patient-risk-python-api", "patient-risk-web", "risk-monitor-operator"], true),
        // Docs no graph reads build nothing; docs/ is the docs image's content (and a
        // package's README is part of the package directory its app's build sends).
        ("docs-only", &["README.md", "CONTRIBUTING.md"], &[], false),
        ("docs-site", &["docs/index.md"], &["dev-guide-docs"], true),
        // The frontend, graphs, bases and toolchain rebuild every app.
        ("frontend", &["frontend/gateway/src/lib.rs"], &ALL, true),
        ("llb-graphs", &["llb-graphs/src/lib.rs"], &ALL, true),
        ("bases", &["bases/catalog.toml"], &ALL, true),
        ("cargo-lock", &["Cargo.lock"], &ALL, true),
        ("toolchain", &["rust-toolchain.toml"], &ALL, true),
    ];
    let mut failures = Vec::new();
    for (row, paths, want, demo) in rows {
        let v = change(&dir, row, paths);
        let got = apps(&v);
        if got != *want || v["demo_smoke"] != *demo {
            failures.push(format!("{row}: {paths:?} → apps {got:?} demo {} (want {want:?} demo {demo})", v["demo_smoke"]));
        }
        let want_all = ["frontend", "llb-graphs", "bases", "cargo-lock", "toolchain"].contains(row);
        if v["all"] != want_all {
            failures.push(format!("{row}: all = {} (want {want_all})", v["all"]));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn head_rename_text_output_and_errors() {
    let dir = scratch("misc");
    // A rename counts both sides: moving a file out of a package touches that package's app.
    git(&dir, &["checkout", "-q", "-B", "mv", "main"]);
    git(&dir, &["mv", "packages/patient-risk-go-core/doc.go", "notes-doc.go.txt"]);
    git(&dir, &["commit", "-q", "-m", "mv"]);
    let v = affected(&dir, "main");
    assert_eq!(apps(&v), ["risk-monitor-operator"], "{v}");
    // --head picks the other side; text output is one app per line.
    git(&dir, &["checkout", "-q", "main"]);
    let out = Command::new(env!("CARGO_BIN_EXE_patient-risk-frontend"))
        .args(["affected", "--base", "main", "--head", "mv", "--repo"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "risk-monitor-operator\n");
    // No change: nothing.
    let v = affected(&dir, "main");
    assert!(apps(&v).is_empty() && v["changed"].as_array().unwrap().is_empty());
    // A revision that does not exist is a usage error naming it.
    let out = Command::new(env!("CARGO_BIN_EXE_patient-risk-frontend"))
        .args(["affected", "--base", "no-such-rev", "--repo"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--base no-such-rev: not a commit"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_patient-risk-frontend")).args(["affected"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
