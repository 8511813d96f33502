//! The validated, typed app spec (stage 2's output) and its closed sets:
//! graphs, platforms, secret ids and the build args every app has.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::diagnostic::Span;

/// A validated `apps/<app>/Dockerfile`.
///
/// Equality compares everything, including [`AppSpec::spans`]; compare
/// [`AppSpec::without_spans`] to ask "does it say the same thing?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppSpec {
    /// The file name it was parsed from (as given to [`crate::parse`]).
    pub file: String,
    /// The frontend image reference from the `# syntax=` line.
    pub syntax: String,
    /// App name, e.g. `patient-risk-python-api`; its sources are under `apps/<app>/`.
    pub app: String,
    pub graph: Graph,
    /// One line; also the `org.opencontainers.image.description` label.
    pub description: String,
    /// Image repository name (without registry prefix), as declared for this
    /// app in `contracts/release.toml`.
    pub image: String,
    /// Platforms a release build produces, in the order written.
    pub platforms: Vec<Platform>,
    /// Repository paths (`packages/<name>`) of the packages the app consumes.
    pub packages: Vec<String>,
    pub runtime: Runtime,
    /// The per-graph settings of the `[build]` table.
    pub build: GraphSettings,
    /// Every build arg the app accepts: the [`COMMON_BUILD_ARGS`] and the
    /// spec's own `[args]`, sorted by name.
    pub build_args: Vec<BuildArg>,
    /// The optional secrets the app may use, sorted by id.
    pub secrets: Vec<SecretDecl>,
    /// Where each key was written; see [`Spans`].
    pub spans: Spans,
}

impl AppSpec {
    /// The app's source directory in the build context: `apps/<app>`.
    pub fn app_dir(&self) -> String {
        format!("apps/{}", self.app)
    }

    pub fn build_arg(&self, name: &str) -> Option<&BuildArg> {
        self.build_args.iter().find(|a| a.name == name)
    }

    /// The value of every declared build arg: the given value when present,
    /// else the declared default. Undeclared names in `given` are dropped
    /// (the `UnknownBuildArg` lint reports them).
    pub fn resolve_build_args(&self, given: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.build_args
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    given.get(&a.name).unwrap_or(&a.default).clone(),
                )
            })
            .collect()
    }

    pub fn secret(&self, id: SecretId) -> Option<&SecretDecl> {
        self.secrets.iter().find(|s| s.id == id)
    }

    /// Where `key` was written; `key` is a path as described on [`Spans`].
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key)
    }

    /// Where a [`SpecKey`] was written (`None` for an optional key the spec leaves out).
    pub fn span_of(&self, key: SpecKey) -> Option<Span> {
        self.spans.get(key.path())
    }

    /// The same spec with every span removed: two specs that say the same
    /// thing in a different layout or key order compare equal this way.
    pub fn without_spans(&self) -> AppSpec {
        AppSpec {
            spans: Spans::default(),
            ..self.clone()
        }
    }
}

/// Which Rust graph in `llb-graphs` builds the app. A closed set: the
/// parser rejects any other name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Graph {
    /// FastAPI app + a maturin-built PyO3 wheel, uv-installed site-packages, Python runtime.
    PythonApi,
    /// npm workspace built by Vite once, served by a non-root nginx.
    WebSpa,
    /// Static Go binary (controller-runtime manager) on a minimal base.
    GoOperator,
    /// MkDocs sites + portal page served by a non-root nginx.
    MkdocsSite,
}

impl Graph {
    pub const ALL: [Graph; 4] = [
        Graph::PythonApi,
        Graph::WebSpa,
        Graph::GoOperator,
        Graph::MkdocsSite,
    ];

    /// The name written in a spec's `graph` key.
    pub fn name(self) -> &'static str {
        match self {
            Graph::PythonApi => "python-api",
            Graph::WebSpa => "web-spa",
            Graph::GoOperator => "go-operator",
            Graph::MkdocsSite => "mkdocs-site",
        }
    }

    pub fn from_name(name: &str) -> Option<Graph> {
        Graph::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The keys its `[build]` table accepts.
    pub fn build_keys(self) -> &'static [&'static str] {
        match self {
            Graph::PythonApi => &["wheel", "smoke-imports"],
            Graph::WebSpa => &["npm-workspace"],
            Graph::GoOperator => &["main-package"],
            Graph::MkdocsSite => &["configs", "sources"],
        }
    }
}

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Per-graph settings from the `[build]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "graph", rename_all = "kebab-case")]
pub enum GraphSettings {
    PythonApi {
        /// Repository path of the PyO3 package maturin builds (one of `packages`).
        wheel: String,
        /// Python modules imported in the runtime as an in-build smoke check.
        smoke_imports: Vec<String>,
    },
    WebSpa {
        /// The npm workspace (package name) whose `build` script makes the bundle.
        npm_workspace: String,
    },
    GoOperator {
        /// Go main package, relative to the app directory (e.g. `./cmd/manager`).
        main_package: String,
    },
    MkdocsSite {
        /// Repository paths of the `mkdocs.yml` files to build, one site each.
        configs: Vec<String>,
        /// Repository paths (directories or files) the sites read.
        sources: Vec<String>,
    },
}

/// The runtime contract of the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Runtime {
    /// The port the image serves on (EXPOSE, release handoff).
    pub port: u16,
    /// The port answering `health` and `readiness` (defaults to `port`).
    pub probe_port: u16,
    /// Liveness path, e.g. `/healthz`.
    pub health: String,
    /// Readiness path, e.g. `/readyz`.
    pub readiness: String,
    /// Whether the app runs database migrations before serving.
    pub migrations: bool,
    /// Numeric non-root user id the image runs as.
    pub user: u32,
    /// Numeric group id (defaults to `user`).
    pub group: u32,
}

impl Runtime {
    /// Every port the image listens on, ascending, without duplicates.
    pub fn exposed_ports(&self) -> Vec<u16> {
        let mut ports = vec![self.port, self.probe_port];
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// `user:group` as an image config `User` value.
    pub fn user_spec(&self) -> String {
        format!("{}:{}", self.user, self.group)
    }
}

/// A platform a release image is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Platform {
    #[serde(rename = "linux/amd64")]
    LinuxAmd64,
    #[serde(rename = "linux/arm64")]
    LinuxArm64,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::LinuxAmd64, Platform::LinuxArm64];

    pub fn from_name(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.name() == name)
    }

    /// `os/architecture`, as written in a spec and in BuildKit options.
    pub fn name(self) -> &'static str {
        match self {
            Platform::LinuxAmd64 => "linux/amd64",
            Platform::LinuxArm64 => "linux/arm64",
        }
    }

    pub fn os(self) -> &'static str {
        "linux"
    }

    /// OCI architecture (`amd64`, `arm64`).
    pub fn architecture(self) -> &'static str {
        match self {
            Platform::LinuxAmd64 => "amd64",
            Platform::LinuxArm64 => "arm64",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a build arg was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArgOrigin {
    /// One of [`COMMON_BUILD_ARGS`]: every app has it.
    Common,
    /// The spec's `[args]` table.
    Spec,
}

/// A build arg the app accepts. Build args are never secret: their values
/// end up in provenance and may end up in labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildArg {
    /// `[A-Z][A-Z0-9_]*`
    pub name: String,
    pub default: String,
    pub description: String,
    pub origin: ArgOrigin,
}

/// Build args every app accepts without declaring them: `(name, default, description)`.
pub const COMMON_BUILD_ARGS: &[(&str, &str, &str)] = &[
    ("VERSION", "0.0.0-dev", "Image version: the org.opencontainers.image.version label"),
    ("REVISION", "", "Source revision (git commit): the org.opencontainers.image.revision label; empty leaves it out"),
    (
        "SOURCE_DATE_EPOCH",
        "",
        "Unix seconds for the created label, history and file timestamps (reproducible builds); empty = not set",
    ),
    ("BASE_IMAGES", "upstream", "`upstream` (the catalog's default refs) or `local` (bases pushed by `make bases`)"),
    (
        "BASE_IMAGES_REGISTRY",
        "127.0.0.1:5000/patient-risk/bases",
        "Repository prefix of the local bases when BASE_IMAGES=local",
    ),
];

/// Build args the graphs read by convention in every step that reaches a package
/// registry (`PACKAGE_SOURCE` and the private registry URLs, docs/private-registries.md).
pub const REGISTRY_BUILD_ARGS: [&str; 6] = [
    "PACKAGE_SOURCE",
    "UV_INDEX_URL",
    "NPM_REGISTRY_URL",
    "CARGO_REGISTRY_INDEX",
    "CONAN_REMOTE_URL",
    "GOPROXY",
];

/// Build args that BuildKit, buildx, the proxy conventions or the registry
/// conventions pass and that no spec declares: never reported as unknown.
pub fn is_reserved_build_arg(name: &str) -> bool {
    const PROXIES: [&str; 5] = [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "FTP_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
    ];
    name.starts_with("BUILDKIT_")
        || name.starts_with("BUILDX_")
        || PROXIES.iter().any(|p| p.eq_ignore_ascii_case(name))
        || REGISTRY_BUILD_ARGS.contains(&name)
}

/// The BuildKit secret ids a spec may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretId {
    HostCaBundle,
    UvIndexUsername,
    UvIndexPassword,
    NpmToken,
    CargoRegistryToken,
    ConanLoginUsername,
    ConanPassword,
}

impl SecretId {
    pub const ALL: [SecretId; 7] = [
        SecretId::HostCaBundle,
        SecretId::UvIndexUsername,
        SecretId::UvIndexPassword,
        SecretId::NpmToken,
        SecretId::CargoRegistryToken,
        SecretId::ConanLoginUsername,
        SecretId::ConanPassword,
    ];

    /// The id passed to `--secret id=...`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretId::HostCaBundle => "host_ca_bundle",
            SecretId::UvIndexUsername => "uv_index_username",
            SecretId::UvIndexPassword => "uv_index_password",
            SecretId::NpmToken => "npm_token",
            SecretId::CargoRegistryToken => "cargo_registry_token",
            SecretId::ConanLoginUsername => "conan_login_username",
            SecretId::ConanPassword => "conan_password",
        }
    }

    pub fn from_id(id: &str) -> Option<SecretId> {
        SecretId::ALL.into_iter().find(|s| s.as_str() == id)
    }

    /// What the secret is for, in general (a spec's own description says
    /// how that app uses it).
    pub fn purpose(self) -> &'static str {
        match self {
            SecretId::HostCaBundle => {
                "PEM CA bundle trusted by steps that reach package registries"
            }
            SecretId::UvIndexUsername => "user name for a private Python package index (uv)",
            SecretId::UvIndexPassword => "password for a private Python package index (uv)",
            SecretId::NpmToken => "auth token for a private npm registry",
            SecretId::CargoRegistryToken => "token for a private Cargo registry",
            SecretId::ConanLoginUsername => "user name for a private Conan remote",
            SecretId::ConanPassword => "password for a private Conan remote",
        }
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An optional secret the app's build may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretDecl {
    pub id: SecretId,
    pub description: String,
}

/// A spec key that graph ops point their source location at (BuildKit shows
/// that line when the op fails). A closed set: a graph names a key by variant,
/// never by a string, so a key renamed here fails to compile in every graph
/// that names it, and `tests/locations.rs` of `llb-graphs` checks that every key
/// a graph names resolves in every shipped spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SpecKey {
    /// `app`: the app's directory `apps/<app>/` (files a graph copies from it).
    App,
    /// `packages`.
    Packages,
    /// The `[runtime]` table (its header): the image's runtime contract.
    Runtime,
    /// `build.wheel` (graph `python-api`).
    BuildWheel,
    /// `build.smoke-imports` (graph `python-api`).
    BuildSmokeImports,
    /// `build.npm-workspace` (graph `web-spa`).
    BuildNpmWorkspace,
    /// `build.main-package` (graph `go-operator`).
    BuildMainPackage,
    /// `build.configs` (graph `mkdocs-site`).
    BuildConfigs,
}

impl SpecKey {
    /// Every key.
    pub const ALL: [SpecKey; 8] = [
        SpecKey::App,
        SpecKey::Packages,
        SpecKey::Runtime,
        SpecKey::BuildWheel,
        SpecKey::BuildSmokeImports,
        SpecKey::BuildNpmWorkspace,
        SpecKey::BuildMainPackage,
        SpecKey::BuildConfigs,
    ];

    /// Its path in [`Spans`].
    pub const fn path(self) -> &'static str {
        match self {
            SpecKey::App => "app",
            SpecKey::Packages => "packages",
            SpecKey::Runtime => "runtime",
            SpecKey::BuildWheel => "build.wheel",
            SpecKey::BuildSmokeImports => "build.smoke-imports",
            SpecKey::BuildNpmWorkspace => "build.npm-workspace",
            SpecKey::BuildMainPackage => "build.main-package",
            SpecKey::BuildConfigs => "build.configs",
        }
    }
}

impl fmt::Display for SpecKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// Source positions of the spec's keys, by key path.
///
/// Paths: top-level keys by name (`app`, `graph`, `platforms`, ...), table
/// keys dotted (`runtime`, `runtime.port`, `build.wheel`, `args.API_BASE_PATH`,
/// `args.API_BASE_PATH.default`, `secrets.npm_token`), array elements with
/// an index (`packages[0]`, `platforms[1]`, `build.configs[0]`), and
/// `syntax` for line 1. A key's span runs from the key to the end of its
/// value; a `[table]`'s span is its header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Spans(BTreeMap<String, Span>);

impl Spans {
    pub fn get(&self, path: &str) -> Option<Span> {
        self.0.get(path).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Span)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    pub(crate) fn insert(&mut self, path: String, span: Span) {
        self.0.insert(path, span);
    }
}
