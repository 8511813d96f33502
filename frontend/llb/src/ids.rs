//! Identifier newtypes: secret ids, SSH agent ids and cache ids. Each is
//! validated when made, so a typo fails where it was written.

use std::fmt;

use crate::error::{Error, Result};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:expr, $reason:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an id.
            pub fn new(id: impl Into<String>) -> Result<Self> {
                let id = id.into();
                let check: fn(&str) -> bool = $check;
                if id.is_empty() || !check(&id) {
                    return Err(Error::InvalidName { what: $what, value: id, reason: $reason });
                }
                Ok(Self(id))
            }

            /// The id as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

fn simple_id(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

id_type!(
    /// A BuildKit secret id (`--secret id=<id>,...`), e.g. `host_ca_bundle`.
    SecretId,
    "secret id",
    simple_id,
    "use letters, digits, '_', '-' or '.' (e.g. host_ca_bundle)"
);

id_type!(
    /// An SSH agent id (`--ssh <id>=...`), e.g. `default`.
    SshId,
    "ssh id",
    simple_id,
    "use letters, digits, '_', '-' or '.' (e.g. default)"
);

id_type!(
    /// A cache mount id: mounts with one id share one cache directory.
    CacheId,
    "cache id",
    |s: &str| !s.chars().any(|c| c.is_whitespace() || c.is_control()),
    "must be non-empty without whitespace (e.g. cargo-registry)"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_validate() {
        assert_eq!(SecretId::new("host_ca_bundle").unwrap().as_str(), "host_ca_bundle");
        assert!(SecretId::new("").is_err());
        assert!(SecretId::new("a b").is_err());
        assert!(SecretId::new("a/b").is_err());
        assert_eq!(CacheId::new("patient-risk/cargo:registry").unwrap().to_string(), "patient-risk/cargo:registry");
        assert!(CacheId::new("x y").is_err());
        let e = SshId::new("").unwrap_err().to_string();
        assert!(e.contains("ssh id"), "{e}");
    }
}
