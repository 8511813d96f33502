//! Build-context slices. Every stage asks for exactly the paths it reads
//! (include patterns), so BuildKit transfers and hashes only those: a change
//! anywhere else in the repository leaves the stage's cache key alone.
//!
//! With a local context each slice is its own `local://context` source with
//! `local.includepattern` (and its own shared-key hint so slices never reuse
//! each other's incremental snapshots). With a FrontendInput context the slice
//! is a copy of the input filtered by the same patterns.

use llb::{Copy, FileOps, LocalOpts, State};

use super::Ctx;
use crate::error::Result;
use crate::request::ContextSource;

/// Paths never sent, whatever a stage includes: dependency trees and build
/// outputs that exist in a developer's checkout but are rebuilt in the graph.
pub(crate) const ALWAYS_EXCLUDED: &[&str] = &[
    "**/node_modules",
    "**/target",
    "**/dist",
    "**/site",
    "**/__pycache__",
    "**/*.pyc",
    "**/.venv",
    "**/.pytest_cache",
    "**/.ruff_cache",
    "**/*.egg-info",
    "**/.git",
];

impl Ctx<'_> {
    /// The build-context paths a stage reads. `stage` names the slice in
    /// progress output and keys its transfer snapshot; `patterns` are
    /// repository-relative include patterns (a directory includes its tree).
    pub(crate) fn context(&self, stage: &str, patterns: &[String]) -> Result<State> {
        let excludes: Vec<String> = ALWAYS_EXCLUDED.iter().map(|s| s.to_string()).collect();
        let label = format!("[context] {stage}: {}", patterns.join(" "));
        self.record_context(ContextRead {
            stage: stage.to_string(),
            include: patterns.to_vec(),
            exclude: excludes.clone(),
        });
        let state = match self.req.context {
            ContextSource::Local { name, session_id } => State::local(
                name.clone(),
                LocalOpts {
                    include_patterns: patterns.to_vec(),
                    exclude_patterns: excludes,
                    shared_key_hint: Some(format!("{name}:{}:{stage}", self.app())),
                    session_id: session_id.clone(),
                    ..LocalOpts::default()
                },
            )?,
            ContextSource::Input(input) => State::scratch().file(
                FileOps::new().copy(
                    Copy::new(input, "/", "/")
                        .dir_copy_contents(true)
                        .include_patterns(patterns.iter().cloned())
                        .exclude_patterns(excludes),
                ),
            )?,
        };
        Ok(state.with_custom_name(label))
    }
}

/// One build-context slice a graph reads: every path of the repository that
/// matches an `include` pattern (a directory includes its tree) and no
/// `exclude` pattern is sent to BuildKit and keys the stage's cache.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ContextRead {
    /// The stage that takes the slice (`[context] <stage>` in progress output).
    pub stage: String,
    /// Repository-relative include patterns.
    pub include: Vec<String>,
    /// Exclude patterns (dependency trees and build outputs).
    pub exclude: Vec<String>,
}
