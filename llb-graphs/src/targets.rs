//! The target registry: every (app, target) a graph can build, with its
//! description and platform policy. It drives `--call targets`, the docs table
//! in `docs/container-graphs.md` and the golden snapshot tests, so adding a
//! target here is the whole of registering it.

use app_spec::Graph;

/// Which platforms a target builds for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlatformPolicy {
    /// Every requested platform (default: the spec's `platforms`).
    Requested,
    /// Only the build (native) platform: images for local Compose runs.
    NativeOnly,
    /// The output has no architecture (a JS bundle, a static site): built once
    /// on the build platform and identical for every requested platform.
    ArchIndependent,
}

/// One registered target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TargetInfo {
    /// The app it belongs to (`apps/<app>`).
    pub app: &'static str,
    /// The graph that builds the app.
    pub graph: Graph,
    /// The target name (`--target`).
    pub name: &'static str,
    /// One line for `--call targets`.
    pub description: &'static str,
    /// Built when no `--target` is given.
    pub default: bool,
    /// Which platforms it builds for.
    pub platforms: PlatformPolicy,
}

/// The release image: default target of every app.
pub const RELEASE: &str = "release";
/// The native-only image tuned for Compose.
pub const LOCAL_RUNTIME: &str = "local-runtime";

const fn t(
    app: &'static str,
    graph: Graph,
    name: &'static str,
    default: bool,
    platforms: PlatformPolicy,
    description: &'static str,
) -> TargetInfo {
    TargetInfo {
        app,
        graph,
        name,
        description,
        default,
        platforms,
    }
}

use PlatformPolicy::{ArchIndependent, NativeOnly, Requested};

static TARGETS: &[TargetInfo] = &[
    // risk-monitor-operator (graph go-operator)
    t("risk-monitor-operator", Graph::GoOperator, RELEASE, true, Requested,
      "Release image: static Go binary cross-compiled on the build platform, on static-runtime, user 65532"),
    t("risk-monitor-operator", Graph::GoOperator, LOCAL_RUNTIME, false, NativeOnly,
      "Release image for the native platform only, for local Compose/kind runs"),
    t("risk-monitor-operator", Graph::GoOperator, "go-binary", false, Requested,
      "Debug: the statically linked manager binary alone, per platform"),
    // patient-risk-python-api (graph python-api)
    t("patient-risk-python-api", Graph::PythonApi, RELEASE, true, Requested,
      "Release image: FastAPI app + manylinux PyO3 wheel + locked deps on python-runtime, user 10001, port 8080"),
    t("patient-risk-python-api", Graph::PythonApi, LOCAL_RUNTIME, false, NativeOnly,
      "Native-platform image for Compose: runs Alembic migrations on start, then serves"),
    t("patient-risk-python-api", Graph::PythonApi, "wheel", false, Requested,
      "Debug: the manylinux_2_28 wheel of the PyO3 package, cross-built with maturin --zig, per platform"),
    t("patient-risk-python-api", Graph::PythonApi, "site-packages", false, Requested,
      "Debug: the target platform's site-packages (locked deps + wheel + app) installed by uv"),
    // patient-risk-web (graph web-spa)
    t("patient-risk-web", Graph::WebSpa, RELEASE, true, Requested,
      "Release image: Vite bundle built once on the build platform, served by non-root nginx on 8080"),
    t("patient-risk-web", Graph::WebSpa, LOCAL_RUNTIME, false, NativeOnly,
      "Native-platform image for Compose: nginx proxies /api/ to http://api:8080"),
    t("patient-risk-web", Graph::WebSpa, "web-bundle", false, ArchIndependent,
      "Debug: the static Vite bundle (dist/) alone"),
    // dev-guide-docs (graph mkdocs-site)
    t("dev-guide-docs", Graph::MkdocsSite, RELEASE, true, Requested,
      "Release image: MkDocs sites + portal page served by non-root nginx on 8080"),
    t("dev-guide-docs", Graph::MkdocsSite, LOCAL_RUNTIME, false, NativeOnly,
      "The docs image for the native platform only, for Compose"),
    t("dev-guide-docs", Graph::MkdocsSite, "docs-site", false, ArchIndependent,
      "Debug: the built static sites and portal page alone"),
];

/// Every registered target, grouped by app, default first.
pub fn targets() -> &'static [TargetInfo] {
    TARGETS
}

/// The targets of one graph, default first.
pub fn targets_for(graph: Graph) -> impl Iterator<Item = &'static TargetInfo> {
    TARGETS.iter().filter(move |t| t.graph == graph)
}

/// Looks a target up; an empty name means the default.
pub fn find(graph: Graph, name: &str) -> Option<&'static TargetInfo> {
    targets_for(graph).find(|t| {
        if name.is_empty() {
            t.default
        } else {
            t.name == name
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_graph_has_one_default_release_and_a_local_runtime() {
        for g in Graph::ALL {
            let defaults: Vec<_> = targets_for(g).filter(|t| t.default).collect();
            assert_eq!(defaults.len(), 1, "{g}");
            assert_eq!(defaults[0].name, RELEASE);
            assert_eq!(find(g, "").unwrap().name, RELEASE);
            assert_eq!(
                find(g, LOCAL_RUNTIME).unwrap().platforms,
                PlatformPolicy::NativeOnly
            );
            let apps: BTreeSet<_> = targets_for(g).map(|t| t.app).collect();
            assert_eq!(apps.len(), 1, "one app per graph: {apps:?}");
        }
    }

    #[test]
    fn names_are_unique_per_graph() {
        for g in Graph::ALL {
            let names: Vec<_> = targets_for(g).map(|t| t.name).collect();
            let set: BTreeSet<_> = names.iter().collect();
            assert_eq!(names.len(), set.len(), "{g}: {names:?}");
        }
        assert!(find(Graph::PythonApi, "nope").is_none());
    }
}
