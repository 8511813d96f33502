//! `gateway-client`: what a BuildKit gateway frontend needs to talk to the
//! daemon that launched it, with wire types from `bollard-buildkit-proto`.
//!
//! - [`options`]: typed `BUILDKIT_FRONTEND_OPT_*` options, in three files:
//!   [`options::keys`] (every environment variable, option key and request id
//!   a constant), `values` ([`FrontendOptions`] and the option value types) and
//!   `parsers` (one parser per option, [`options::OptionError`]);
//! - [`transport`]: the one HTTP/2 connection over stdin/stdout and the
//!   prompt exit after `Return`;
//! - [`client`]: `Ping` caps, `Solve`, `ReadFile`, `StatFile`, `ReadDir`,
//!   `Evaluate`, `Inputs`, `Warn`, image resolution, `Return`; [`client::run`]
//!   wraps a whole frontend run;
//! - [`result`]: single- and multi-platform results, image configs,
//!   `refs.platforms`, attestations;
//! - [`error`]: typed errors, including the `errdefs.Source+json` detail that
//!   makes buildx print a snippet of the offending file;
//! - [`subrequests`]: one module per reply (`--call`, `--check`), each a
//!   `derive(Serialize)` wire struct plus its text: [`subrequests::describe`],
//!   [`subrequests::outline`], [`subrequests::targets`], [`subrequests::lint`];
//! - [`source`], [`caps`], [`workers`]: the small value types the rest is
//!   built from.
//!
//! Platforms, digests, image references and the LLB cap ids are the `llb`
//! crate's value types ([`llb::Platform`], [`llb::Digest`], [`llb::ImageRef`],
//! [`llb::caps`]), the way BuildKit's Go gateway client uses `client/llb`:
//! one parser, one set of names on both sides of the seam.
//!
//! Imports inside the crate run one way (no module imports one that imports
//! it back): `options::keys` and the value types at the bottom, then
//! `workers`, `error`, `subrequests`, `transport`, and `client` on top.
//!
//! The protocol facts this crate relies on are collected in
//! `docs/frontend.md` and the shared gateway-protocol reference.

pub mod caps;
pub mod client;
pub mod error;
pub mod options;
pub mod result;
pub mod source;
pub mod subrequests;
pub mod transport;
pub mod workers;

pub use caps::Caps;
pub use client::{run, Client, FileStat, ResolvedImage, SolveRequest, Warning, FSUTIL_METADATA_FILE};
pub use error::{Code, FrontendError, GatewayError};
pub use options::{FrontendOptions, NamedContext, ResolveMode, Subrequest};
pub use result::{Attestation, FrontendResult, RefId, ResultImage};
pub use source::{Location, SourceFile, SourceRange};

/// Wire types, re-exported so callers name the same crate version.
pub use bollard_buildkit_proto::pb;
