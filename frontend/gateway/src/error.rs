//! Errors: [`GatewayError`] for talking to BuildKit, [`FrontendError`] for what
//! the frontend reports back through `Return` as a `google.rpc.Status`.
//!
//! BuildKit's typed error details travel as `Any` values whose type URL ends in
//! `+json` and whose value is **JSON**, not protobuf. A [`FrontendError`] with a
//! source attaches `github.com/moby/buildkit/errdefs.Source+json`, which buildx
//! prints as a snippet of the file with the bad lines marked.

use bollard_buildkit_proto::google::{protobuf::Any, rpc::Status};
use prost::Message as _;
use serde_json::json;

use crate::options::OptionError;
use crate::source::{SourceFile, SourceRange};
use crate::workers::WorkersError;

/// Type URL of BuildKit's source-location error detail.
pub const SOURCE_DETAIL_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";

/// A failure talking to BuildKit.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The stdio transport could not be set up.
    #[error("cannot open the gateway connection over stdin/stdout: {0}")]
    Connect(#[source] tonic::transport::Error),
    /// `Ping` did not answer in time.
    #[error("BuildKit did not answer Ping within {0} s")]
    PingTimeout(u64),
    /// An RPC failed; the status keeps BuildKit's own typed details.
    #[error("{method}: {}", .status.message())]
    Rpc {
        /// The LLBBridge method.
        method: &'static str,
        /// What BuildKit answered.
        status: Box<tonic::Status>,
    },
    /// The daemon lacks a capability this call needs.
    #[error("cannot {action}: {why}")]
    Unsupported {
        /// What we tried.
        action: &'static str,
        /// Why the daemon cannot.
        why: String,
    },
    /// BuildKit's answer broke the protocol's shape.
    #[error("unexpected {method} reply: {what}")]
    Protocol {
        /// The LLBBridge method.
        method: &'static str,
        /// What was wrong.
        what: String,
    },
    /// A frontend option was invalid.
    #[error(transparent)]
    Options(#[from] OptionError),
    /// `BUILDKIT_WORKERS` was invalid.
    #[error(transparent)]
    Workers(#[from] WorkersError),
}

impl GatewayError {
    pub(crate) fn rpc(method: &'static str, status: tonic::Status) -> Self {
        GatewayError::Rpc {
            method,
            status: Box::new(status),
        }
    }
}

/// A gRPC status code (the subset a frontend reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Anything else.
    Unknown,
    /// Bad input: spec errors, bad options.
    InvalidArgument,
    /// Something named does not exist (a base image, a file).
    NotFound,
    /// A precondition is missing (a daemon capability).
    FailedPrecondition,
    /// An internal bug.
    Internal,
    /// A code passed through from BuildKit.
    Other(i32),
}

impl Code {
    /// The numeric gRPC code.
    pub fn as_i32(self) -> i32 {
        match self {
            Code::Unknown => 2,
            Code::InvalidArgument => 3,
            Code::NotFound => 5,
            Code::FailedPrecondition => 9,
            Code::Internal => 13,
            Code::Other(n) => n,
        }
    }
}

/// The error a frontend returns through `Return`.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontendError {
    /// gRPC code.
    pub code: Code,
    /// The message buildx prints after `ERROR:`.
    pub message: String,
    /// Typed details, in order.
    pub details: Vec<Any>,
}

impl std::fmt::Display for FrontendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FrontendError {}

impl FrontendError {
    /// An error with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// An error meant for people, with code `Unknown`. BuildKit prefixes the
    /// message with the code's name at every hop for any other code (buildx
    /// then shows `InvalidArgument: InvalidArgument: ...`), so user-facing
    /// errors use this.
    pub fn message(message: impl Into<String>) -> Self {
        Self::new(Code::Unknown, message)
    }

    /// Bad input, with code `InvalidArgument` (for programs that branch on
    /// codes; prefer [`Self::message`] for what people read).
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    /// Attaches an `errdefs.Source+json` detail so buildx prints a snippet of
    /// `file` around `ranges`.
    pub fn with_source(mut self, file: &SourceFile, ranges: &[SourceRange]) -> Self {
        let detail = json!({
            "info": file.to_json(),
            "ranges": ranges.iter().map(SourceRange::to_json).collect::<Vec<_>>(),
        });
        self.details.push(Any {
            type_url: SOURCE_DETAIL_TYPE_URL.to_string(),
            value: serde_json::to_vec(&detail).unwrap_or_default(),
        });
        self
    }

    /// The wire form for `ReturnRequest.error`.
    pub fn to_status(&self) -> Status {
        Status {
            code: self.code.as_i32(),
            message: self.message.clone(),
            details: self.details.clone(),
        }
    }
}

impl From<GatewayError> for FrontendError {
    /// Keeps BuildKit's own status (code, message and typed details such as
    /// `errdefs.Solve+json`) so a failed step reaches the user as BuildKit
    /// reported it; other failures become plain messages.
    fn from(err: GatewayError) -> Self {
        match err {
            GatewayError::Rpc { status, .. } => {
                let decoded = Status::decode(status.details()).ok().filter(|s| s.code != 0);
                match decoded {
                    Some(s) => FrontendError {
                        code: Code::Other(s.code),
                        message: s.message,
                        details: s.details,
                    },
                    None => FrontendError {
                        code: Code::Other(status.code() as i32),
                        message: status.message().to_string(),
                        details: Vec::new(),
                    },
                }
            }
            other => FrontendError::message(other.to_string()),
        }
    }
}

impl From<OptionError> for FrontendError {
    fn from(err: OptionError) -> Self {
        FrontendError::message(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn source_detail_is_json_with_one_based_lines() {
        let file = SourceFile::new("Dockerfile", "toml", "# syntax=x\n[runtime]\nprot = 1\n");
        let err = FrontendError::invalid_argument("Dockerfile:3:1: unknown key `prot`\n  help: did you mean `port`?")
            .with_source(&file, &[SourceRange::from_line_col(3, 1, 3, 5)]);
        let status = err.to_status();
        assert_eq!(status.code, 3);
        assert!(status.message.contains("did you mean `port`?"));
        assert_eq!(status.details.len(), 1);
        assert_eq!(status.details[0].type_url, "github.com/moby/buildkit/errdefs.Source+json");
        let v: serde_json::Value = serde_json::from_slice(&status.details[0].value).unwrap();
        assert_eq!(v["info"]["filename"], "Dockerfile");
        assert_eq!(v["info"]["language"], "toml");
        let data = base64::engine::general_purpose::STANDARD
            .decode(v["info"]["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(data, file.data);
        assert_eq!(v["ranges"][0]["start"]["line"], 3);
        assert_eq!(v["ranges"][0]["start"]["character"], 0);
        assert_eq!(v["ranges"][0]["end"]["character"], 4);
    }

    #[test]
    fn status_round_trips_through_protobuf() {
        let file = SourceFile::new("f", "toml", "a\n");
        let status = FrontendError::new(Code::NotFound, "no such image").with_source(&file, &[SourceRange::line(1)]).to_status();
        let bytes = status.encode_to_vec();
        assert_eq!(Status::decode(bytes.as_slice()).unwrap(), status);
    }

    #[test]
    fn rpc_errors_keep_buildkit_details() {
        let inner = Status {
            code: 2,
            message: "process \"/bin/sh -c false\" did not complete successfully: exit code: 1".into(),
            details: vec![Any {
                type_url: "github.com/moby/buildkit/errdefs.Solve+json".into(),
                value: br#"{"inputIDs":["x"]}"#.to_vec(),
            }],
        };
        let status = tonic::Status::with_details(
            tonic::Code::Unknown,
            inner.message.clone(),
            inner.encode_to_vec().into(),
        );
        let fe = FrontendError::from(GatewayError::rpc("ReadFile", status));
        assert_eq!(fe.to_status(), inner);

        let plain = FrontendError::from(GatewayError::rpc("Solve", tonic::Status::not_found("no such ref")));
        assert_eq!(plain.code.as_i32(), 5);
        assert_eq!(plain.message, "no such ref");
        assert!(plain.details.is_empty());

        let unsupported = FrontendError::from(GatewayError::Unsupported {
            action: "read files",
            why: "the BuildKit daemon does not offer `readfile`".into(),
        });
        assert_eq!(unsupported.code, Code::Unknown, "people read it: no code prefix");
        assert_eq!(unsupported.to_status().code, 2);
        assert!(unsupported.message.contains("readfile"));
    }
}
