//! How the gateway mode words its failures: an LLB encoding error, and the cause
//! of a failed gateway call. Its own module so the request flow (`gateway_mode`)
//! and the build-context check (`context_check`) share them without importing
//! each other.

use gateway_client::{Code, FrontendError, GatewayError};

/// An error of describing or marshalling a graph: a cap the engine lacks is the
/// user's to fix (a message), anything else is a bug (internal).
pub(crate) fn llb_error(what: &str, err: llb::Error) -> FrontendError {
    match err {
        // the daemon is too old for what the graph needs: a message for people
        llb::Error::UnsupportedCap { .. } => FrontendError::message(format!("{what}: {err}")),
        // anything else is a bug in a graph or in the builder
        _ => FrontendError::new(Code::Internal, format!("{what}: {err}")),
    }
}

/// The cause of a failed gateway call, as the daemon said it (no RPC wrapping).
pub(crate) fn short_cause(err: &GatewayError) -> String {
    match err {
        GatewayError::Rpc { status, .. } => status.message().to_string(),
        other => other.to_string(),
    }
}
