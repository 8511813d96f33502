//! Toolchain stages: the builder bases, always on the build platform. Compile
//! steps cross-compile from there (GOOS/GOARCH, cargo `--target` with zig,
//! uv `--python-platform`); nothing compiles under emulation.

use llb::State;

use super::{Base, Ctx};
use crate::error::Result;
use crate::request::BasePlatform;

/// The builder bases of `bases/catalog.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Toolchain {
    /// go-builder: Go 1.24.
    Go,
    /// rust-builder: rustc 1.85 + arm64 std + maturin/zig/auditwheel.
    Rust,
    /// node-builder: Node.js 20 + npm.
    Node,
    /// python-builder: Python 3.13 + uv.
    Python,
}

impl Toolchain {
    fn base_name(self) -> &'static str {
        match self {
            Toolchain::Go => "go-builder",
            Toolchain::Rust => "rust-builder",
            Toolchain::Node => "node-builder",
            Toolchain::Python => "python-builder",
        }
    }
}

/// A builder opened on the build platform.
#[derive(Debug, Clone)]
pub(crate) struct Builder {
    pub(crate) base: Base,
}

impl Builder {
    /// The builder's filesystem.
    pub(crate) fn state(&self) -> &State {
        &self.base.state
    }

    /// An env var of the builder image (e.g. `CARGO_HOME`), if set.
    pub(crate) fn image_env(&self, key: &str) -> Option<String> {
        self.base.config.env(key).map(str::to_string)
    }

    /// A script line that fails with a clear message when the builder lacks a
    /// tool the step needs (e.g. an upstream base without the local recipe's extras).
    pub(crate) fn require_tools(&self, tools: &[&str]) -> String {
        format!(
            "for tool in {}; do command -v \"$tool\" >/dev/null || {{ echo \"error: base {} ({}) has no $tool on PATH; build with BASE_IMAGES=local (make bases) or pass --build-context {}=docker-image://<an image with $tool>\" >&2; exit 1; }}; done",
            tools.join(" "),
            self.base.name,
            self.base.image,
            self.base.name,
        )
    }
}

impl Ctx<'_> {
    /// Opens `toolchain`'s builder base on the build platform.
    pub(crate) fn toolchain(&self, toolchain: Toolchain) -> Result<Builder> {
        let base = self.base(toolchain.base_name(), BasePlatform::Build)?;
        let base = Base {
            state: base.state.with_platform(self.build_platform().clone()),
            ..base
        };
        Ok(Builder { base })
    }
}
