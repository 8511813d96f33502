//! POSIX path helpers shared by the builders (Go's `path.Clean`/`path.Join`
//! semantics, which is what BuildKit applies on the other side).

/// Lexically cleans a slash-separated path (`path.Clean`).
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Resolves `p` against the directory `parent` (absolute `p` wins), cleaned.
pub(crate) fn resolve(parent: &str, p: &str) -> String {
    if p.starts_with('/') {
        clean(p)
    } else {
        clean(&format!("/{parent}/{p}"))
    }
}

/// Like [`resolve`] but keeps a trailing `/` or `/.`, which changes copy
/// semantics (BuildKit's `normalizePath(..., keepSlash=true)`).
pub(crate) fn resolve_keep_slash(parent: &str, p: &str) -> String {
    let mut out = resolve(parent, p);
    if p.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    } else if p.ends_with("/.") {
        if out != "/" {
            out.push('/');
        }
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            ("/", "/"),
            ("/a/b/../c/./d/", "/a/c/d"),
            ("a//b", "a/b"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("a/..", "."),
        ];
        for (i, want) in cases {
            assert_eq!(clean(i), want, "{i}");
        }
    }

    #[test]
    fn resolve_against_cwd() {
        assert_eq!(resolve("/app", "src"), "/app/src");
        assert_eq!(resolve("/app", "/etc"), "/etc");
        assert_eq!(resolve("/", "."), "/");
        assert_eq!(resolve_keep_slash("/app", "out/"), "/app/out/");
        assert_eq!(resolve_keep_slash("/app", "out/."), "/app/out/.");
        assert_eq!(resolve_keep_slash("/", "/."), "/.");
    }
}
