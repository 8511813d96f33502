//! Bounds on everything a spec may hold (docs/app-spec.md#limits), and the
//! position of the first byte that is not UTF-8.
//!
//! A spec is a short file: no string, list or table in it needs to be large,
//! and whatever it holds may become an image label, an LLB op or a log line.
//! A 5 MB `description` would become a 5 MB label; these bounds stop that at
//! the value's position instead.

use crate::checker::Checker;
use crate::diagnostic::{codes, Diagnostic, Diagnostics, Span};
use crate::node::{Node, NodeValue, Table};

/// Longest string value, in bytes (paths, names, URLs paths, defaults).
pub const MAX_STRING_BYTES: usize = 1024;
/// Longest `description` (the top-level one becomes the OCI description label; build-arg and
/// secret descriptions are shown by `--call outline`), in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Most elements of one array (`platforms`, `packages`, `smoke-imports`, `configs`, `sources`).
pub const MAX_ARRAY_ITEMS: usize = 64;
/// Most keys in one table (`[args]`, `[secrets]`, an arg's inline table, ...).
pub const MAX_TABLE_KEYS: usize = 64;

/// Reports every value beyond the limits above, at its position.
pub(crate) fn check(c: &mut Checker<'_>, root: &Table) {
    table(c, root, "the top level");
}

fn table(c: &mut Checker<'_>, t: &Table, label: &str) {
    if t.entries.len() > MAX_TABLE_KEYS {
        let at = t.entries[MAX_TABLE_KEYS].key_span.clone();
        c.error(
            at,
            codes::LIMIT,
            format!("{label} has {} keys; at most {MAX_TABLE_KEYS} are allowed", t.entries.len()),
            Some("see docs/app-spec.md#limits".to_string()),
        );
    }
    for e in &t.entries {
        if e.key.len() > MAX_KEY_BYTES {
            c.error(
                e.key_span.clone(),
                codes::LIMIT,
                format!("key of {} bytes; at most {MAX_KEY_BYTES} are allowed", e.key.len()),
                Some("use a short key; see docs/app-spec.md#limits".to_string()),
            );
            continue;
        }
        node(c, &e.node, &e.key, label);
    }
}

fn node(c: &mut Checker<'_>, n: &Node, key: &str, label: &str) {
    match &n.value {
        NodeValue::String(s) if key == "description" => {
            let chars = s.chars().count();
            if chars > MAX_DESCRIPTION_CHARS || s.len() > MAX_STRING_BYTES {
                c.error(
                    n.span.clone(),
                    codes::LIMIT,
                    format!("`description` in {label} has {chars} characters; at most {MAX_DESCRIPTION_CHARS} are allowed"),
                    Some("keep it to one short line; longer text belongs in docs/".to_string()),
                );
            }
        }
        NodeValue::String(s) if s.len() > MAX_STRING_BYTES => {
            c.error(
                n.span.clone(),
                codes::LIMIT,
                format!("`{key}` in {label} is a string of {} bytes; at most {MAX_STRING_BYTES} are allowed", s.len()),
                Some("see docs/app-spec.md#limits".to_string()),
            );
        }
        NodeValue::Array(items) => {
            if items.len() > MAX_ARRAY_ITEMS {
                c.error(
                    items[MAX_ARRAY_ITEMS].span.clone(),
                    codes::LIMIT,
                    format!("`{key}` in {label} has {} elements; at most {MAX_ARRAY_ITEMS} are allowed", items.len()),
                    Some("see docs/app-spec.md#limits".to_string()),
                );
            }
            for item in items.iter().take(MAX_ARRAY_ITEMS) {
                node(c, item, key, label);
            }
        }
        NodeValue::Table(t) => table(c, t, &format!("[{key}]")),
        _ => {}
    }
}

/// The spec's bytes as text, or an `encoding` error at the line and column
/// of the first byte that is not UTF-8 (columns count characters).
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostics> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let byte = bytes[at];
            let d = Diagnostic::new(
                file,
                Span { line, column, end_line: line, end_column: column + 1 },
                codes::ENCODING,
                format!("byte 0x{byte:02x} at offset {at} is not UTF-8: an app spec must be UTF-8 text"),
            )
            .with_help("save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`), or remove the character");
            Err(Diagnostics::sorted(vec![d]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_points_at_the_first_bad_byte() {
        let mut bytes = b"# syntax=x\napp = \"ab".to_vec();
        bytes.push(0xff);
        bytes.extend_from_slice(b"\"\n");
        let d = decode("apps/a/Dockerfile", bytes).unwrap_err();
        let d = d.iter().next().unwrap();
        assert_eq!((d.line, d.column, d.code), (2, 10, codes::ENCODING));
        assert!(d.to_string().starts_with("apps/a/Dockerfile:2:10: error[encoding]: byte 0xff at offset 20"), "{d}");
        // a multi-byte character before the bad byte counts as one column
        let d = decode("f", "é".bytes().chain([0xc3]).collect()).unwrap_err();
        assert_eq!(d.iter().next().unwrap().column, 2);
        assert_eq!(decode("f", b"ok".to_vec()).unwrap(), "ok");
    }
}
