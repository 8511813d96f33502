//! What the reply modules' unit tests share: reading a reply's metadata, and a small spec file.

use crate::result::FrontendResult;
use crate::source::SourceFile;

/// The reply's metadata value under `k`, as text.
pub(crate) fn meta(r: &FrontendResult, k: &str) -> String {
    String::from_utf8(r.metadata()[k].clone()).unwrap()
}

/// A five-line spec with a credential-like build arg on line 5.
pub(crate) fn spec() -> SourceFile {
    SourceFile::new("Dockerfile", "toml", "# syntax=x\n[app]\nname = \"op\"\n[build-args]\nAPI_TOKEN = \"x\"\n")
}
