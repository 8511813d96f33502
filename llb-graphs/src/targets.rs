//! The target registry: every (app, target) a graph can build, with its
//! description and platform policy. It drives `--call targets`, the docs table
//! in `docs/container-graphs.md` and the golden snapshot tests, so adding a
//! target here is the whole of registering it.

use app_spec::{AppSpec, Graph};

use crate::error::{GraphError, Result};

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

/// How a runtime image is tuned: every graph builds both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// The release image: default target of every app.
    Release,
    /// The native-only image tuned for Compose.
    LocalRuntime,
}

/// Where the `go-operator` graph stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoOperatorStop {
    /// The runtime image.
    Image(Flavor),
    /// The statically linked binary alone.
    GoBinary,
}

/// Where the `python-api` graph stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PythonApiStop {
    /// The runtime image.
    Image(Flavor),
    /// The manylinux wheel alone.
    Wheel,
    /// The target platform's site-packages alone.
    SitePackages,
}

/// Where the `web-spa` graph stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebSpaStop {
    /// The runtime image.
    Image(Flavor),
    /// The static bundle alone.
    WebBundle,
}

/// Where the `mkdocs-site` graph stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MkdocsSiteStop {
    /// The runtime image.
    Image(Flavor),
    /// The built sites alone.
    DocsSite,
}

/// A registered target as the graphs see it: which graph, and where it stops.
/// Each graph matches its own stop exhaustively, so a target added here
/// does not compile until its graph says what it builds; the name a user
/// types exists only in [`Stop::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stop {
    /// `graph = "go-operator"`.
    GoOperator(GoOperatorStop),
    /// `graph = "python-api"`.
    PythonApi(PythonApiStop),
    /// `graph = "web-spa"`.
    WebSpa(WebSpaStop),
    /// `graph = "mkdocs-site"`.
    MkdocsSite(MkdocsSiteStop),
}

impl Flavor {
    /// The target name (`--target`).
    pub const fn name(self) -> &'static str {
        match self {
            Flavor::Release => "release",
            Flavor::LocalRuntime => "local-runtime",
        }
    }
}

impl Stop {
    /// Every stop of every graph (the registry registers each exactly once).
    pub const ALL: [Stop; 13] = [
        Stop::GoOperator(GoOperatorStop::Image(Flavor::Release)),
        Stop::GoOperator(GoOperatorStop::Image(Flavor::LocalRuntime)),
        Stop::GoOperator(GoOperatorStop::GoBinary),
        Stop::PythonApi(PythonApiStop::Image(Flavor::Release)),
        Stop::PythonApi(PythonApiStop::Image(Flavor::LocalRuntime)),
        Stop::PythonApi(PythonApiStop::Wheel),
        Stop::PythonApi(PythonApiStop::SitePackages),
        Stop::WebSpa(WebSpaStop::Image(Flavor::Release)),
        Stop::WebSpa(WebSpaStop::Image(Flavor::LocalRuntime)),
        Stop::WebSpa(WebSpaStop::WebBundle),
        Stop::MkdocsSite(MkdocsSiteStop::Image(Flavor::Release)),
        Stop::MkdocsSite(MkdocsSiteStop::Image(Flavor::LocalRuntime)),
        Stop::MkdocsSite(MkdocsSiteStop::DocsSite),
    ];

    /// The graph that builds it.
    pub const fn graph(self) -> Graph {
        match self {
            Stop::GoOperator(_) => Graph::GoOperator,
            Stop::PythonApi(_) => Graph::PythonApi,
            Stop::WebSpa(_) => Graph::WebSpa,
            Stop::MkdocsSite(_) => Graph::MkdocsSite,
        }
    }

    /// The runtime image's flavor, or `None` for a debug artifact.
    pub const fn flavor(self) -> Option<Flavor> {
        match self {
            Stop::GoOperator(GoOperatorStop::Image(f))
            | Stop::PythonApi(PythonApiStop::Image(f))
            | Stop::WebSpa(WebSpaStop::Image(f))
            | Stop::MkdocsSite(MkdocsSiteStop::Image(f)) => Some(f),
            Stop::GoOperator(GoOperatorStop::GoBinary)
            | Stop::PythonApi(PythonApiStop::Wheel | PythonApiStop::SitePackages)
            | Stop::WebSpa(WebSpaStop::WebBundle)
            | Stop::MkdocsSite(MkdocsSiteStop::DocsSite) => None,
        }
    }

    /// The target name (`--target`): the one place it is spelled.
    pub const fn name(self) -> &'static str {
        match self {
            Stop::GoOperator(GoOperatorStop::Image(f))
            | Stop::PythonApi(PythonApiStop::Image(f))
            | Stop::WebSpa(WebSpaStop::Image(f))
            | Stop::MkdocsSite(MkdocsSiteStop::Image(f)) => f.name(),
            Stop::GoOperator(GoOperatorStop::GoBinary) => "go-binary",
            Stop::PythonApi(PythonApiStop::Wheel) => "wheel",
            Stop::PythonApi(PythonApiStop::SitePackages) => "site-packages",
            Stop::WebSpa(WebSpaStop::WebBundle) => "web-bundle",
            Stop::MkdocsSite(MkdocsSiteStop::DocsSite) => "docs-site",
        }
    }
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
    /// Built when no `--target` is given (the release image).
    pub default: bool,
    /// Which platforms it builds for.
    pub platforms: PlatformPolicy,
    /// Where its graph stops.
    #[serde(skip)]
    pub stop: Stop,
}

/// The release image's target name.
pub const RELEASE: &str = Flavor::Release.name();
/// The native-only Compose image's target name.
pub const LOCAL_RUNTIME: &str = Flavor::LocalRuntime.name();

const fn t(
    app: &'static str,
    stop: Stop,
    platforms: PlatformPolicy,
    description: &'static str,
) -> TargetInfo {
    TargetInfo {
        app,
        graph: stop.graph(),
        name: stop.name(),
        description,
        default: matches!(stop.flavor(), Some(Flavor::Release)),
        platforms,
        stop,
    }
}

use Flavor::{LocalRuntime, Release};
use PlatformPolicy::{ArchIndependent, NativeOnly, Requested};

static TARGETS: &[TargetInfo] = &[
    t("risk-monitor-operator", Stop::GoOperator(GoOperatorStop::Image(Release)), Requested,
      "Release image: static Go binary cross-compiled on the build platform, on static-runtime, user 65532"),
    t("risk-monitor-operator", Stop::GoOperator(GoOperatorStop::Image(LocalRuntime)), NativeOnly,
      "Release image for the native platform only, for local Compose/kind runs"),
    t("risk-monitor-operator", Stop::GoOperator(GoOperatorStop::GoBinary), Requested,
      "Debug: the statically linked manager binary alone, per platform"),
    t("patient-risk-python-api", Stop::PythonApi(PythonApiStop::Image(Release)), Requested,
      "Release image: FastAPI app + manylinux PyO3 wheel + locked deps on python-runtime, user 10001, port 8080"),
    t("patient-risk-python-api", Stop::PythonApi(PythonApiStop::Image(LocalRuntime)), NativeOnly,
      "Native-platform image for Compose: runs Alembic migrations on start, then serves"),
    t("patient-risk-python-api", Stop::PythonApi(PythonApiStop::Wheel), Requested,
      "Debug: the manylinux_2_28 wheel of the PyO3 package, cross-built with maturin --zig, per platform"),
    t("patient-risk-python-api", Stop::PythonApi(PythonApiStop::SitePackages), Requested,
      "Debug: the target platform's site-packages (locked deps + wheel + app) installed by uv"),
    t("patient-risk-web", Stop::WebSpa(WebSpaStop::Image(Release)), Requested,
      "Release image: Vite bundle built once on the build platform, served by non-root nginx on 8080"),
    t("patient-risk-web", Stop::WebSpa(WebSpaStop::Image(LocalRuntime)), NativeOnly,
      "Native-platform image for Compose: nginx proxies /api/ to http://api:8080"),
    t("patient-risk-web", Stop::WebSpa(WebSpaStop::WebBundle), ArchIndependent,
      "Debug: the static Vite bundle (dist/) alone"),
    t("dev-guide-docs", Stop::MkdocsSite(MkdocsSiteStop::Image(Release)), Requested,
      "Release image: MkDocs sites + portal page served by non-root nginx on 8080"),
    t("dev-guide-docs", Stop::MkdocsSite(MkdocsSiteStop::Image(LocalRuntime)), NativeOnly,
      "The docs image for the native platform only, for Compose"),
    t("dev-guide-docs", Stop::MkdocsSite(MkdocsSiteStop::DocsSite), ArchIndependent,
      "Debug: the built sites and portal page alone"),
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

/// The user's `--target` for `spec`, parsed once at the edge (`None` or `""` =
/// the default target); an unknown name is an error naming the app's targets.
pub fn parse(spec: &AppSpec, name: Option<&str>) -> Result<&'static TargetInfo> {
    let name = name.unwrap_or("");
    find(spec.graph, name).ok_or_else(|| GraphError::UnknownTarget {
        app: spec.app.clone(),
        target: name.to_string(),
        available: targets_for(spec.graph)
            .map(|t| t.name)
            .collect::<Vec<_>>()
            .join(", "),
        spec_file: spec.file.clone(),
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

    /// Every stop of every graph is registered exactly once, under its own
    /// graph; a stop added to an enum without a registry row fails here.
    #[test]
    fn every_stop_is_registered_once() {
        for stop in Stop::ALL {
            let rows: Vec<_> = TARGETS.iter().filter(|t| t.stop == stop).collect();
            assert_eq!(rows.len(), 1, "{stop:?}");
            assert_eq!(rows[0].graph, stop.graph(), "{stop:?}");
            assert_eq!(find(stop.graph(), stop.name()).unwrap().stop, stop);
        }
        assert_eq!(TARGETS.len(), Stop::ALL.len());
    }

    /// `--target` is parsed once, against the spec's graph: a name of another
    /// graph's target is as unknown as a typo, and the error lists the app's targets.
    #[test]
    fn parse_names_the_known_targets() {
        let file = "apps/risk-monitor-operator/Dockerfile";
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../apps/risk-monitor-operator/Dockerfile"
        ))
        .unwrap();
        let spec = app_spec::parse(file, &text).unwrap();
        assert_eq!(parse(&spec, None).unwrap().stop, Stop::GoOperator(GoOperatorStop::Image(Flavor::Release)));
        assert_eq!(parse(&spec, Some("go-binary")).unwrap().stop, Stop::GoOperator(GoOperatorStop::GoBinary));
        let err = parse(&spec, Some("wheel")).unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown target `wheel` for risk-monitor-operator: use one of release, local-runtime, go-binary \
             (list them with `docker buildx build --call targets -f apps/risk-monitor-operator/Dockerfile .`)"
        );
    }
}
