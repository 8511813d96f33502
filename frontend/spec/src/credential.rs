//! Heuristics for "this looks like a credential": by name (build arg or
//! label key) and by value. They answer with the reason, which the lint
//! shows; they never echo the value itself.

/// Name words that mean "this holds a credential".
const SECRET_WORDS: [&str; 13] = [
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "tokens",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "auth",
];

/// Words that turn a following `key` into a credential (`API_KEY`, `ssh-key`).
const KEY_QUALIFIERS: [&str; 8] = [
    "api",
    "private",
    "access",
    "secret",
    "ssh",
    "signing",
    "encryption",
    "client",
];

/// Split a name into lower-case words at `_`, `-`, `.`, `/`, `:` and
/// lower→upper case changes (`apiKey` → `api`, `key`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Why `name` looks like it holds a credential, if it does.
pub(crate) fn suspicious_name(name: &str) -> Option<String> {
    let words = words(name);
    if let Some(word) = words.iter().find(|w| SECRET_WORDS.contains(&w.as_str())) {
        return Some(format!("its name contains `{word}`"));
    }
    let pair = words
        .windows(2)
        .find(|w| w[1] == "key" && KEY_QUALIFIERS.contains(&w[0].as_str()));
    pair.map(|w| format!("its name contains `{}_{}`", w[0], w[1]))
}

/// Why `value` looks like a credential, if it does: URL user info with a
/// password, a private key block, a well-known token format, or a long
/// random-looking string.
pub(crate) fn suspicious_value(value: &str) -> Option<&'static str> {
    if let Some(reason) = known_secret_format(value) {
        return Some(reason);
    }
    let v = value.trim();
    if looks_random(v) {
        return Some("its value is a long random-looking string (high entropy)");
    }
    None
}

/// Formats that are credentials wherever they appear (also in comments).
pub(crate) fn known_secret_format(text: &str) -> Option<&'static str> {
    if has_url_password(text) {
        return Some("it holds a URL with a user name and password (`scheme://user:pass@host`)");
    }
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY") {
        return Some("it holds a PEM private key");
    }
    const PREFIXES: [(&str, usize); 9] = [
        ("ghp_", 36),
        ("gho_", 36),
        ("ghs_", 36),
        ("github_pat_", 40),
        ("glpat-", 20),
        ("npm_", 36),
        ("xoxb-", 20),
        ("xoxp-", 20),
        ("sk_live_", 20),
    ];
    for token in
        text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ',' | '`'))
    {
        if PREFIXES.iter().any(|(prefix, len)| {
            token.starts_with(prefix) && token.len() >= *len && is_token_charset(token)
        }) {
            return Some("it holds a well-known access-token format");
        }
        if token.len() == 20
            && token.starts_with("AKIA")
            && token
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Some("it holds a cloud access key id");
        }
        if token.starts_with("eyJ")
            && token.split('.').filter(|p| !p.is_empty()).count() == 3
            && token.len() >= 30
        {
            return Some("it holds a JSON Web Token");
        }
    }
    None
}

fn has_url_password(text: &str) -> bool {
    text.match_indices("://").any(|(i, _)| {
        let rest = &text[i + 3..];
        let authority = rest
            .split(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .next()
            .unwrap_or("");
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                !host.is_empty()
                    && userinfo
                        .split_once(':')
                        .is_some_and(|(user, pass)| !user.is_empty() && !pass.is_empty())
            }
            None => false,
        }
    })
}

fn is_token_charset(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'.'))
}

/// A long string of token characters that mixes upper case, lower case and
/// digits, switches between them often (words and CamelCase don't) and has
/// high Shannon entropy. Hex digests and UUIDs (no upper case) do not match.
fn looks_random(s: &str) -> bool {
    if s.len() < 20
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'='))
    {
        return false;
    }
    let class = |b: u8| match b {
        b'a'..=b'z' => 0,
        b'A'..=b'Z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let bytes = s.as_bytes();
    let has = |k| bytes.iter().any(|&b| class(b) == k);
    if !(has(0) && has(1) && has(2)) {
        return false;
    }
    let switches = bytes
        .windows(2)
        .filter(|w| class(w[0]) != class(w[1]))
        .count();
    let switch_ratio = switches as f64 / (bytes.len() - 1) as f64;
    switch_ratio >= 0.35 && shannon_entropy(bytes) >= 3.5
}

/// Bits per byte.
fn shannon_entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for name in [
            "DB_PASSWORD",
            "npmToken",
            "GITHUB_TOKEN",
            "API_KEY",
            "com.example.apiKey",
            "ssh-private-key",
            "NPM_AUTH",
            "client_secret",
            "AWS_SECRET_ACCESS_KEY",
            "MY_APIKEY",
        ] {
            assert!(suspicious_name(name).is_some(), "{name} not flagged");
        }
        for name in [
            "VERSION",
            "REVISION",
            "API_BASE_PATH",
            "org.opencontainers.image.authors",
            "KEYBOARD_LAYOUT",
            "MONKEY",
            "SOURCE_DATE_EPOCH",
            "TOKENIZER_MODEL_X",
        ] {
            // TOKENIZER is one word, not `token`.
            assert!(
                suspicious_name(name).is_none(),
                "{name} flagged: {:?}",
                suspicious_name(name)
            );
        }
        assert_eq!(
            suspicious_name("apiKey").as_deref(),
            Some("its name contains `api_key`")
        );
    }

    #[test]
    fn values() {
        let flagged = [
            "https://deploy:hunter2@registry.example.com/simple",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nabc",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "AKIAIOSFODNN7EXAMPLE",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX3Zh",
            "q8ZfT2rLx9WmB4vK7pYc3NdJ",
        ];
        for v in flagged {
            assert!(suspicious_value(v).is_some(), "{v} not flagged");
        }
        let clean = [
            "/api",
            "0.1.0",
            "3f786850e387550fdab836ed7e6dc881de23001b",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "123e4567-e89b-12d3-a456-426614174000",
            "PatientRiskMonitor2024Build",
            "https://registry.example.com/simple",
            "127.0.0.1:5000/patient-risk/bases",
            "1700000000",
            "https://user@host/x",
        ];
        for v in clean {
            assert!(
                suspicious_value(v).is_none(),
                "{v} flagged: {:?}",
                suspicious_value(v)
            );
        }
    }

    #[test]
    fn entropy() {
        assert!(shannon_entropy(b"aaaa") < 0.01);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }
}
