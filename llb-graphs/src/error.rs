//! The crate's error type: every failure names what was asked for, where it
//! came from (spec key, build arg, catalog entry) and what to write instead.

/// Result alias used throughout the crate.
pub type Result<T, E = GraphError> = std::result::Result<T, E>;

/// Everything that can go wrong while planning a graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// The requested target does not exist for this app.
    #[error("unknown target `{target}` for {app}: use one of {available} (list them with `docker buildx build --call targets -f {spec_file} .`)")]
    UnknownTarget {
        /// The app the spec describes.
        app: String,
        /// What was asked for.
        target: String,
        /// Comma-separated names of the app's targets.
        available: String,
        /// The spec file.
        spec_file: String,
    },
    /// A native-only target was asked for another platform.
    #[error("target {target:?} of {app} builds only for the build platform {build}, not {requested}: drop --platform, or build the `release` target for {requested}")]
    NativeOnlyTarget {
        /// The app.
        app: String,
        /// The target.
        target: String,
        /// The build (native) platform.
        build: String,
        /// The platform that was asked for.
        requested: String,
    },
    /// The platform is not one of the spec's release platforms.
    #[error("{app} is not built for {requested}: its spec lists {allowed} (key `platforms` in {spec_file})")]
    UnsupportedPlatform {
        /// The app.
        app: String,
        /// The platform asked for.
        requested: String,
        /// The platforms the spec allows.
        allowed: String,
        /// The spec file.
        spec_file: String,
    },
    /// A base image name is not in `bases/catalog.toml`.
    #[error("unknown base image {name:?}: bases/catalog.toml lists {known}")]
    UnknownBase {
        /// The logical name asked for.
        name: String,
        /// Names the catalog knows.
        known: String,
    },
    /// `bases/catalog.toml` could not be read.
    #[error("bases/catalog.toml:{}{reason}", if *line > 0 { format!("{line}: ") } else { " ".to_string() })]
    Catalog {
        /// 1-based line of the table at fault (0 when the parser's message has it).
        line: usize,
        /// Parser or validation message.
        reason: String,
    },
    /// A build arg has a value the graphs cannot use.
    #[error("build arg {name}={value:?} is invalid: {reason}")]
    InvalidBuildArg {
        /// The arg.
        name: String,
        /// Its value.
        value: String,
        /// What is accepted.
        reason: String,
    },
    /// A named context for a base is not an image.
    #[error("named context {name:?}={value:?} cannot replace a base image: use --build-context {name}=docker-image://REF")]
    InvalidNamedContext {
        /// The context name (a base's logical name).
        name: String,
        /// Its value.
        value: String,
    },
    /// The caller did not resolve a base the graph needs.
    #[error("base image {name:?} for {platform} was not resolved: resolve every entry of llb_graphs::required_bases() before llb_graphs::build()")]
    UnresolvedBase {
        /// The logical name.
        name: String,
        /// The platform it is needed for.
        platform: String,
    },
    /// A resolved base's image config is not usable.
    #[error("image config of base {name:?} ({platform}) is invalid: {reason}")]
    BaseConfig {
        /// The logical name.
        name: String,
        /// The platform.
        platform: String,
        /// Why.
        reason: String,
    },
    /// The spec's `[build]` settings do not match its graph.
    #[error("{spec_file}: {reason}")]
    Spec {
        /// The spec file.
        spec_file: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The LLB builder rejected a value the graph produced.
    #[error("building the LLB graph failed: {0}")]
    Llb(#[from] llb::Error),
}
