//! The one error type of the command line: what to print and the exit code.
//! Its own module so the commands (`commands`, `affected`, `sbom_scan`) share it
//! without importing each other.

/// A command-line failure: message for stderr and exit code.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong and how to fix it.
    pub message: String,
    /// Process exit code.
    pub code: i32,
}

impl CliError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }

    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }
}
