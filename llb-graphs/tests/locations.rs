//! Source locations: every spec key a graph points an op at resolves in every
//! shipped spec (each `apps/*/Dockerfile`, found on disk, not from a list), for
//! every target of the spec's graph on every platform. A key renamed in the spec
//! parser, or a graph naming a key its spec does not have, fails here instead
//! of silently dropping the location BuildKit shows when that op fails.

mod common;

use app_spec::SpecKey;

/// Every `apps/<app>/Dockerfile` in the repository, sorted.
fn shipped_specs() -> Vec<String> {
    let mut apps: Vec<String> = std::fs::read_dir(common::repo_root().join("apps"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Dockerfile").is_file())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    apps.sort();
    apps
}

#[test]
fn every_location_key_resolves_in_every_shipped_spec() {
    let apps = shipped_specs();
    assert!(apps.len() >= common::APPS.len(), "{apps:?}");
    let mut checked = 0;
    for app in &apps {
        let s = common::spec(app);
        for target in llb_graphs::targets::targets_for(s.spec.graph) {
            let used = llb_graphs::location_keys(&s.spec, target)
                .unwrap_or_else(|e| panic!("{app} {}: {e}", target.name));
            assert!(!used.is_empty(), "{app} {}: no op points at the spec", target.name);
            for key in used {
                assert!(
                    s.spec.span_of(key).is_some(),
                    "{app} {}: the graph points ops at `{key}`, which {} does not have",
                    target.name,
                    s.file
                );
                checked += 1;
            }
        }
    }
    assert!(checked > apps.len());
}

/// The keys are the spec's: each resolves in at least one shipped spec, so
/// no variant of [`SpecKey`] names a path the parser never records.
#[test]
fn every_spec_key_is_written_in_some_shipped_spec() {
    let specs: Vec<_> = shipped_specs().iter().map(|a| common::spec(a)).collect();
    for key in SpecKey::ALL {
        assert!(
            specs.iter().any(|s| s.spec.span_of(key).is_some()),
            "no shipped spec writes `{key}`"
        );
    }
}

/// The runtime image's layers (every file op named for the target platform)
/// and its smoke check carry a spec location, not only the build steps.
#[test]
fn runtime_copies_and_smoke_checks_point_at_the_spec() {
    let amd = llb::Platform::linux_amd64();
    for app in common::APPS {
        let img = common::build(app, "release", &amd);
        let dump = llb::dump(&common::marshal(&img, &amd));
        let mut seen = 0;
        for op in dump.split("\n#").skip(1) {
            let mut lines = op.lines();
            let head = lines.next().unwrap_or("");
            let name = lines.next().unwrap_or("");
            let layer = head.contains(" file ") && name.ends_with("(linux/amd64)\"");
            if layer || name.contains("smoke check:") {
                assert!(
                    op.lines().any(|l| l.starts_with("  at apps/")),
                    "{app}: no spec location on #{head} {name}"
                );
                seen += 1;
            }
        }
        // At least one copied layer and the smoke check.
        assert!(seen >= 2, "{app}: {seen}");
    }
}
