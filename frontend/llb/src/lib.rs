//! # `llb`: a typed, deterministic BuildKit LLB builder
//!
//! Build a graph of BuildKit operations as immutable [`State`] values, then
//! [`State::marshal`] it into the `pb::Definition` a gateway `Solve` takes.
//! Modelled on BuildKit's Go `client/llb`; wire types come from
//! `bollard-buildkit-proto` (re-exported as [`pb`]).
//!
//! ```
//! use llb::{CacheId, Copy, Exec, FileOps, ImageRef, LocalOpts, MarshalOpts, Mount, Platform, SecretId, State};
//!
//! # fn main() -> llb::Result<()> {
//! let platform = Platform::parse("linux/arm64")?;
//! let base = State::image(ImageRef::parse("golang:1.24")?).with_cwd("/src");
//! let src = State::local("context", LocalOpts { include_patterns: vec!["go.*".into(), "cmd/".into()], ..Default::default() })?;
//! let build = base
//!     .run(
//!         Exec::shell("go build -o /out/app ./cmd/app")?
//!             .mount(Mount::bind_ro("/src", &src)?)
//!             .mount(Mount::bind_rw("/out", &State::scratch())?)
//!             .mount(Mount::cache("/root/.cache/go-build", CacheId::new("go-build")?)?)
//!             .mount(Mount::secret(SecretId::new("host_ca_bundle")?).optional())
//!             .custom_name("go build"),
//!     )?
//!     .mount_output("/out")?;
//! let image = State::image(ImageRef::parse("gcr.io/distroless/static")?)
//!     .file(FileOps::new().copy(Copy::new(&build, "/app", "/usr/local/bin/app").chmod(0o755)?))?;
//! let def = image.marshal(&MarshalOpts::for_platform(platform))?;
//! assert!(llb::dump(&def).contains("go build"));
//! # Ok(())
//! # }
//! ```
//!
//! ## Map of the crate
//! - [`state`](State): `State` (one op output + env/cwd/user/platform/network), [`NetMode`], [`SecurityMode`].
//! - `source`: [`State::image`], [`State::local`], [`State::git`], [`State::http`], [`State::oci_layout`], [`State::scratch`].
//! - `exec`: [`Exec`], [`Mount`] (bind / cache / tmpfs / secret / ssh), [`SecretEnv`], [`ExecState`].
//! - `file`: [`FileOps`] chains of [`Copy`](struct@Copy), [`Mkdir`], [`Mkfile`], [`Rm`]; [`Chown`], [`Timestamp`].
//! - `merge`: [`State::merge`], [`State::diff`].
//! - `definition`: [`State::from_definition`] — a received definition (e.g. a frontend input) as a state.
//! - `op_options`: [`OpOptions`] — custom names, [`ProgressGroup`], cache bypass, source locations.
//! - `sourcemap`: [`SourceMap`], [`SourceLocation`], [`SourceRange`].
//! - `marshal`: [`MarshalOpts`], [`State::marshal`], [`result_digest`].
//! - `dump`: [`dump`], [`dump_json`] for golden tests and `plan`.
//! - [`image_config`]: the OCI image config, typed ([`ImageConfig`], canonical JSON), and [`rfc3339`].
//! - [`Platform`], [`ImageRef`], [`Digest`], ids ([`SecretId`], [`SshId`], [`CacheId`]), [`caps`], [`Error`]:
//!   the value types of the whole frontend. The gateway client (`gateway-client`) and the
//!   cli use these too: [`Platform::parse`] is the one platform parser (containerd's
//!   `Parse` + `Normalize`), [`caps`] the one home of the LLB cap ids.

pub use bollard_buildkit_proto::pb;

pub mod caps;
mod definition;
mod digest;
mod dump;
mod error;
mod exec;
mod file;
mod ids;
pub mod image_config;
mod image_ref;
mod marshal;
mod merge;
mod op_options;
mod path;
mod platform;
mod source;
mod sourcemap;
mod state;

pub use digest::Digest;
pub use dump::{dump, dump_json, validate};
pub use error::{Error, Result};
pub use exec::{
    BindMount, CacheMount, CacheSharing, Exec, ExecState, Mount, ProxyEnv, SecretEnv, SecretMount, SshMount,
    TmpfsMount, Ulimit, DEFAULT_LINUX_PATH,
};
pub use file::{Chown, Copy, FileAction, FileOps, Mkdir, Mkfile, Rm, Timestamp, UserSpec};
pub use ids::{CacheId, SecretId, SshId};
pub use image_config::{rfc3339, ImageConfig};
pub use image_ref::ImageRef;
pub use marshal::{result_digest, MarshalOpts};
pub use op_options::{OpOptions, ProgressGroup, CUSTOM_NAME_KEY};
pub use platform::Platform;
pub use source::{GitOpts, HttpOpts, ImageOpts, LocalDiffer, LocalOpts, OciLayoutOpts, RecordType, ResolveMode};
pub use sourcemap::{SourceLocation, SourceMap, SourceRange};
pub use state::{NetMode, SecurityMode, State};
