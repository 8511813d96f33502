use std::fmt;

/// Why a packet could not be analysed at all. Problems with single readings are not errors:
/// they are reported as [`crate::Rejection`]s in the features.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisError {
    /// The packet has no samples.
    NoSamples,
    /// The packet has more samples than [`crate::Config::max_samples`].
    TooManySamples { count: usize, max: usize },
    /// A threshold in [`crate::Config`] is unusable.
    InvalidConfig {
        field: &'static str,
        message: String,
    },
}

impl AnalysisError {
    pub(crate) fn invalid_config(field: &'static str, message: String) -> Self {
        Self::InvalidConfig { field, message }
    }
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSamples => f.write_str("the packet has no samples; send at least one"),
            Self::TooManySamples { count, max } => {
                write!(f, "the packet has {count} samples, more than the limit of {max}; split it into smaller packets")
            }
            Self::InvalidConfig { field, message } => {
                write!(f, "invalid analysis config: {field} {message}")
            }
        }
    }
}

impl std::error::Error for AnalysisError {}
