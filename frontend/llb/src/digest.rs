//! Content digests (`sha256:<hex>`): op identity in a definition and image pins.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// A validated `sha256:<64 lowercase hex>` digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`.
    pub fn parse(input: &str) -> Result<Self> {
        let hex_part = input
            .strip_prefix("sha256:")
            .ok_or_else(|| Error::InvalidDigest { input: input.to_string() })?;
        if hex_part.len() != 64 || !hex_part.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(Error::InvalidDigest { input: input.to_string() });
        }
        Ok(Self(input.to_string()))
    }

    /// The sha256 digest of `bytes` (how BuildKit names an op: the digest of its exact bytes).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    /// The full `sha256:...` string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part without the algorithm prefix.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// The first `n` hex characters (for readable dumps).
    pub fn short(&self, n: usize) -> &str {
        let h = self.hex();
        &h[..n.min(h.len())]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_bytes_is_the_known_value() {
        assert_eq!(
            Digest::of_bytes(b"").as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parse_validates() {
        let good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(Digest::parse(good).unwrap().short(12), "e3b0c44298fc");
        for bad in ["", "sha256:", "md5:abcd", &good.to_uppercase(), &good[..70]] {
            assert!(Digest::parse(bad).is_err(), "{bad}");
        }
    }
}
