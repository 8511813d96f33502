//! Subrequests (`docker buildx build --call NAME`, `--check`): replies carry no
//! ref, only `result.json`, `result.txt`, `version` and, for lint,
//! `result.statuscode`.
//!
//! The JSON shapes are BuildKit's (`frontend/subrequests/...`), which buildx
//! re-renders itself; `result.txt` is our own rendering of the same data, in
//! the same table layout, for clients that print it verbatim. `location` is
//! always present where buildx dereferences it (`sourceIndex: -1` when unknown).
//!
//! One module per reply, each a `derive(Serialize)` wire struct plus its text:
//! [`describe`], [`outline`], [`targets`], [`lint`]. Wire fields are declared
//! in key order, so the JSON bytes do not depend on serde_json's map order
//! (`frontend/gateway/tests/reply_bytes.rs` pins them). What they share (the
//! metadata keys, versions, the table writer) is in `reply`; imports run from
//! the reply modules to `reply`, never back up to this file.

pub mod describe;
pub mod lint;
pub mod outline;
mod reply;
pub mod targets;
#[cfg(test)]
mod test_support;

pub use crate::options::keys::{REQUEST_DESCRIBE, REQUEST_LINT, REQUEST_OUTLINE, REQUEST_TARGETS};
pub use describe::{describe_reply, supported_ids, unknown_request_error};
pub use reply::{
    tabwrite, META_RESULT_JSON, META_RESULT_TXT, META_STATUS_CODE, META_VERSION, OUTLINE_VERSION, VERSION,
};
pub use lint::{LintReport, LintWarning};
pub use outline::{Outline, OutlineArg, OutlineCache, OutlineSecret};
pub use targets::{TargetEntry, TargetList};
