//! What every reply shares: metadata keys, format versions, the metadata-only
//! result, serde helpers and the `text/tabwriter` layout.

use serde::Serialize;

use crate::result::FrontendResult;

/// Version of the targets, lint and describe replies (BuildKit's formats).
pub const VERSION: &str = "1.0.0";
/// Version of our outline reply: BuildKit's 1.0.0 format plus a `platforms`
/// field. buildx renders outline versions it knows (1.0.0) itself, which would
/// hide platforms and cache ids; for a newer minor version it prints our
/// `result.txt`, which shows them. `format=json` is unaffected.
pub const OUTLINE_VERSION: &str = "1.1.0";

/// Metadata key of the JSON reply.
pub const META_RESULT_JSON: &str = "result.json";
/// Metadata key of the text reply.
pub const META_RESULT_TXT: &str = "result.txt";
/// Metadata key of the reply format version.
pub const META_VERSION: &str = "version";
/// Metadata key of the exit status buildx uses for `--check`.
pub const META_STATUS_CODE: &str = "result.statuscode";

/// A metadata-only result: `json` pretty-printed as `result.json`, `text` as
/// `result.txt`, `version`, plus `extra` entries.
pub(super) fn reply(json: &impl Serialize, text: String, version: &str, extra: &[(&str, String)]) -> FrontendResult {
    let mut r = FrontendResult::metadata_only();
    r.add_metadata(META_RESULT_JSON, serde_json::to_vec_pretty(json).unwrap_or_default());
    r.add_metadata(META_RESULT_TXT, text);
    r.add_metadata(META_VERSION, version);
    for (k, v) in extra {
        r.add_metadata(*k, v.clone());
    }
    r
}

/// `skip_serializing_if` for flags that BuildKit omits when false.
pub(super) fn is_false(b: &bool) -> bool {
    !*b
}

/// Source files as the base64 strings of their bytes (outline and targets
/// replies carry `[][]byte`, not `SourceInfo`).
pub(super) mod base64_sources {
    use base64::Engine as _;
    use serde::ser::SerializeSeq as _;

    use crate::source::SourceFile;

    pub(in crate::subrequests) fn serialize<S: serde::Serializer>(sources: &[SourceFile], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(sources.len()))?;
        for f in sources {
            seq.serialize_element(&base64::engine::general_purpose::STANDARD.encode(&f.data))?;
        }
        seq.end()
    }
}

/// Aligns cells like Go's `text/tabwriter` with `padding` spaces: every cell
/// but the last of a row is padded to its column's widest cell.
pub fn tabwrite(rows: &[Vec<String>], padding: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] + padding - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

pub(super) fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabwrite_pads_all_but_the_last_cell() {
        let t = tabwrite(&[row(["TARGET", "DESCRIPTION"]), row(["release (default)", "Image"])], 1);
        assert_eq!(t, "TARGET            DESCRIPTION\nrelease (default) Image\n");
    }
}
