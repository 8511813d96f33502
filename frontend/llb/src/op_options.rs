//! Per-op metadata that is not part of the op's bytes (so it never changes a
//! digest): the vertex name shown in progress, progress groups, cache bypass and
//! source locations. It lands in `Definition.metadata[<op digest>]` and
//! `Definition.source`.

use std::collections::BTreeMap;

use crate::sourcemap::SourceLocation;

/// Key of the custom vertex name in `OpMetadata.description`.
pub const CUSTOM_NAME_KEY: &str = "llb.customname";

/// Groups vertices in the progress UI (`OpMetadata.progress_group`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProgressGroup {
    /// Stable group id.
    pub id: String,
    /// Name shown for the group.
    pub name: String,
    /// A weak group is only shown while one of its vertices is running.
    pub weak: bool,
}

impl ProgressGroup {
    /// A (non-weak) progress group.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self { id: id.into(), name: name.into(), weak: false }
    }
}

/// Metadata attached to one op. Builders ([`crate::Exec`], [`crate::FileOps`])
/// carry one; [`crate::State`] can set it on the op that produced it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpOptions {
    pub(crate) description: BTreeMap<String, String>,
    pub(crate) progress_group: Option<ProgressGroup>,
    pub(crate) ignore_cache: bool,
    pub(crate) locations: Vec<SourceLocation>,
}

impl OpOptions {
    /// No metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the vertex name shown in build progress (`llb.customname`).
    pub fn custom_name(mut self, name: impl Into<String>) -> Self {
        self.description.insert(CUSTOM_NAME_KEY.to_string(), name.into());
        self
    }

    /// Sets another description key (e.g. `com.docker.dockerfile.v1.command`).
    pub fn description(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.description.insert(key.into(), value.into());
        self
    }

    /// Puts the op in a progress group.
    pub fn progress_group(mut self, group: ProgressGroup) -> Self {
        self.progress_group = Some(group);
        self
    }

    /// Forces the op to re-run instead of using the cache (`--no-cache`).
    pub fn ignore_cache(mut self, ignore: bool) -> Self {
        self.ignore_cache = ignore;
        self
    }

    /// Adds a source location (several may be added).
    pub fn location(mut self, loc: SourceLocation) -> Self {
        self.locations.push(loc);
        self
    }

    /// The custom name, if set.
    pub fn get_custom_name(&self) -> Option<&str> {
        self.description.get(CUSTOM_NAME_KEY).map(String::as_str)
    }
}

/// Generates the op-metadata builder methods on a type with an `opts: OpOptions` field.
macro_rules! op_option_methods {
    () => {
        /// Sets the vertex name shown in build progress (`llb.customname`).
        pub fn custom_name(mut self, name: impl Into<String>) -> Self {
            self.opts = self.opts.custom_name(name);
            self
        }

        /// Puts the op in a progress group.
        pub fn progress_group(mut self, group: $crate::ProgressGroup) -> Self {
            self.opts = self.opts.progress_group(group);
            self
        }

        /// Forces the op to re-run instead of using the cache.
        pub fn ignore_cache(mut self, ignore: bool) -> Self {
            self.opts = self.opts.ignore_cache(ignore);
            self
        }

        /// Adds a source location so errors in this op point at the spec.
        pub fn location(mut self, loc: $crate::SourceLocation) -> Self {
            self.opts = self.opts.location(loc);
            self
        }

        /// Replaces all op metadata at once.
        pub fn op_options(mut self, opts: $crate::OpOptions) -> Self {
            self.opts = opts;
            self
        }
    };
}
pub(crate) use op_option_methods;
