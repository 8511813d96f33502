//! SPDX license expressions: what package metadata declares, normalized to
//! an expression every SPDX 2.3 validator accepts, or `NOASSERTION`.
//!
//! Identifiers are checked against the SPDX License List (`data/*.txt`);
//! an unknown identifier or a `LicenseRef-` (which would need an extracted
//! licensing info entry) makes the whole expression `NOASSERTION`, and the
//! original text goes to the package's `licenseComments`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const LICENSE_IDS: &str = include_str!("../data/spdx-licenses.txt");
const EXCEPTION_IDS: &str = include_str!("../data/spdx-exceptions.txt");

/// A declared license: a valid SPDX expression, or no assertion.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum License {
    /// A normalized SPDX expression (canonical identifier case, upper-case operators).
    Spdx(String),
    /// `NOASSERTION`: unknown, or not expressible with SPDX identifiers.
    NoAssertion,
}

impl License {
    /// The SPDX JSON value (`NOASSERTION` or the expression).
    pub fn as_str(&self) -> &str {
        match self {
            License::Spdx(e) => e,
            License::NoAssertion => "NOASSERTION",
        }
    }

    /// Parses `text` as an SPDX expression; `None` when it is not one.
    /// Accepts lower-case operators and the old Cargo `MIT/Apache-2.0` form.
    pub fn parse(text: &str) -> Option<License> {
        normalize(text).map(License::Spdx)
    }

    /// [`License::parse`], or [`License::NoAssertion`].
    pub fn parse_or_noassertion(text: &str) -> License {
        License::parse(text).unwrap_or(License::NoAssertion)
    }
}

fn table(text: &'static str) -> BTreeMap<String, &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|id| (id.to_ascii_lowercase(), id))
        .collect()
}

fn licenses() -> &'static BTreeMap<String, &'static str> {
    static T: OnceLock<BTreeMap<String, &'static str>> = OnceLock::new();
    T.get_or_init(|| table(LICENSE_IDS))
}

fn exceptions() -> &'static BTreeMap<String, &'static str> {
    static T: OnceLock<BTreeMap<String, &'static str>> = OnceLock::new();
    T.get_or_init(|| table(EXCEPTION_IDS))
}

/// The canonical spelling of a license identifier, if SPDX lists it.
pub fn license_id(id: &str) -> Option<&'static str> {
    licenses().get(&id.to_ascii_lowercase()).copied()
}

/// The canonical spelling of a license exception identifier, if SPDX lists it.
pub fn exception_id(id: &str) -> Option<&'static str> {
    exceptions().get(&id.to_ascii_lowercase()).copied()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    With,
    Word(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if word.is_empty() {
            return;
        }
        let w = std::mem::take(word);
        out.push(match w.to_ascii_uppercase().as_str() {
            "AND" => Token::And,
            "OR" => Token::Or,
            "WITH" => Token::With,
            _ => Token::Word(w),
        });
    };
    for c in text.chars() {
        match c {
            '(' | ')' => {
                flush(&mut word, &mut out);
                out.push(if c == '(' { Token::Open } else { Token::Close });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Recursive-descent check of the SPDX expression grammar, re-emitting the
/// tokens with canonical identifiers.
struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    out: Vec<String>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn expr(&mut self) -> Option<()> {
        self.and_expr()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            self.out.push("OR".into());
            self.and_expr()?;
        }
        Some(())
    }

    fn and_expr(&mut self) -> Option<()> {
        self.with_expr()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            self.out.push("AND".into());
            self.with_expr()?;
        }
        Some(())
    }

    fn with_expr(&mut self) -> Option<()> {
        self.primary()?;
        if self.peek() == Some(&Token::With) {
            self.pos += 1;
            let Some(Token::Word(w)) = self.peek().cloned() else {
                return None;
            };
            self.pos += 1;
            self.out.push("WITH".into());
            self.out.push(exception_id(&w)?.to_string());
        }
        Some(())
    }

    fn primary(&mut self) -> Option<()> {
        match self.peek().cloned()? {
            Token::Open => {
                self.pos += 1;
                self.out.push("(".into());
                self.expr()?;
                if self.peek() != Some(&Token::Close) {
                    return None;
                }
                self.pos += 1;
                self.out.push(")".into());
                Some(())
            }
            Token::Word(w) => {
                self.pos += 1;
                let (id, plus) = match w.strip_suffix('+') {
                    Some(stem) if license_id(&w).is_none() => (stem, "+"),
                    _ => (w.as_str(), ""),
                };
                self.out.push(format!("{}{plus}", license_id(id)?));
                Some(())
            }
            _ => None,
        }
    }
}

fn join(tokens: &[String]) -> String {
    let mut s = String::new();
    for t in tokens {
        if !(s.is_empty() || s.ends_with('(') || t == ")") {
            s.push(' ');
        }
        s.push_str(t);
    }
    s
}

fn normalize(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.lines().count() > 1 {
        return None;
    }
    // Cargo's deprecated `MIT/Apache-2.0` means OR.
    let text = if text.contains('/') && !text.contains(' ') {
        text.split('/').collect::<Vec<_>>().join(" OR ")
    } else {
        text.to_string()
    };
    let mut p = Parser {
        tokens: tokenize(&text),
        pos: 0,
        out: Vec::new(),
    };
    p.expr()?;
    (p.pos == p.tokens.len()).then(|| join(&p.out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_valid_expressions() {
        let ok =
            |input: &str, want: &str| assert_eq!(License::parse(input), Some(License::Spdx(want.into())), "{input}");
        ok("MIT", "MIT");
        ok("mit OR apache-2.0", "MIT OR Apache-2.0");
        ok(
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            "(MIT OR Apache-2.0) AND Unicode-3.0",
        );
        ok("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception");
        ok("MIT/Apache-2.0", "MIT OR Apache-2.0");
        ok("GPL-2.0+", "GPL-2.0+");
        ok("BSD-3-Clause", "BSD-3-Clause");
        ok("PSF-2.0", "PSF-2.0");
    }

    #[test]
    fn rejects_what_is_not_an_spdx_expression() {
        for bad in [
            "",
            "BSD",
            "Apache 2.0",
            "MIT License",
            "LicenseRef-Proprietary",
            "MIT AND",
            "(MIT",
            "MIT WITH Apache-2.0",
            "Copyright (c) 2020 someone\nPermission is hereby granted",
        ] {
            assert_eq!(License::parse(bad), None, "{bad:?}");
            assert_eq!(License::parse_or_noassertion(bad).as_str(), "NOASSERTION");
        }
    }
}
