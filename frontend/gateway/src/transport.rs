//! The gRPC channel to BuildKit over the process's stdin (frames from
//! BuildKit) and stdout (frames to BuildKit): cleartext HTTP/2 with prior
//! knowledge, authority `localhost`, exactly one connection.
//!
//! Two pitfalls live here: stdout is the transport, so nothing else may
//! write to it; and tokio's stdin is a blocking read on a helper thread, so
//! after `Return` the process must exit by itself ([`exit_now`]).

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::error::GatewayError;

type StdioStream = tokio::io::Join<tokio::io::Stdin, tokio::io::Stdout>;

/// Largest message we accept from BuildKit (big `ReadFile`/`ReadDir` replies).
pub const MAX_DECODE_BYTES: usize = 64 * 1024 * 1024;
/// Largest message we send. BuildKit 0.13 accepts 4 MiB, 0.14+ 16 MiB; the
/// daemon rejects anything over its own limit with a clear gRPC error.
pub const MAX_ENCODE_BYTES: usize = 16 * 1024 * 1024;

/// Opens the channel over stdin/stdout. The connector hands out the stdio
/// stream once; a reconnect attempt fails instead of reading the pipes twice.
pub async fn connect_stdio() -> Result<Channel, GatewayError> {
    let stream: StdioStream = tokio::io::join(tokio::io::stdin(), tokio::io::stdout());
    connect_stream(stream).await
}

/// Opens a channel over any byte stream (tests use an in-memory duplex pipe).
pub async fn connect_stream<S>(stream: S) -> Result<Channel, GatewayError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let slot = Arc::new(Mutex::new(Some(stream)));
    let connector = tower::service_fn(move |_: Uri| {
        let slot = Arc::clone(&slot);
        async move {
            let taken = slot.lock().ok().and_then(|mut s| s.take());
            match taken {
                Some(s) => Ok(TokioIo::new(s)),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::NotConnected,
                    "the stdio gateway connection is gone and cannot be reopened",
                )),
            }
        }
    });
    Endpoint::from_static("http://localhost")
        .initial_stream_window_size(Some(8 * 1024 * 1024))
        .initial_connection_window_size(Some(16 * 1024 * 1024))
        .tcp_nodelay(true)
        .connect_with_connector(connector)
        .await
        .map_err(GatewayError::Connect)
}

/// Flushes stderr and ends the process with `code`, without waiting for the
/// runtime's blocking stdin reader. Call it once `Return` has been answered.
pub fn exit_now(code: i32) -> ! {
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

/// How long `Ping` may take before we give up (the Go client uses 15 s).
pub const PING_TIMEOUT: Duration = Duration::from_secs(15);
