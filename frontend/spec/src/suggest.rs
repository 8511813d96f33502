//! "Did you mean ...?" suggestions by edit distance.

/// Edit distance (optimal string alignment: insertions, deletions,
/// substitutions and swaps of two neighbours each count one), by characters,
/// ignoring ASCII case and treating `-` and `_` as the same character.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let norm = |c: char| {
        if c == '_' {
            '-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let a: Vec<char> = a.chars().map(norm).collect();
    let b: Vec<char> = b.chars().map(norm).collect();
    // d[i][j] = distance between a[..i] and b[..j]
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible
/// typo (at most a third of the word's length, and at least one edit
/// allowed), else a candidate that `word` abbreviates (`repo` → `repository`).
pub(crate) fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).max(1);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|&c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c);
    let lower = word.to_ascii_lowercase();
    near.or_else(|| {
        (lower.chars().count() >= 3)
            .then(|| candidates.iter().copied().find(|c| c.starts_with(&lower)))
            .flatten()
    })
}

/// `help` text for an unknown name: the closest candidate, else the list.
pub(crate) fn help_for<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    match closest(word, candidates.clone()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let list: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            format!("expected one of {}", list.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("port", "port"), 0);
        assert_eq!(edit_distance("prot", "port"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("readyness", "readiness"), 1);
        assert_eq!(edit_distance("smoke_import", "smoke-import"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_prefers_the_nearest_and_rejects_far_words() {
        let keys = ["port", "probe-port", "health", "readiness", "user"];
        assert_eq!(closest("prt", keys), Some("port"));
        assert_eq!(closest("readines", keys), Some("readiness"));
        assert_eq!(closest("probe_port", keys), Some("probe-port"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(closest("read", keys), Some("readiness"));
        assert_eq!(closest("re", keys), None);
        assert_eq!(help_for("helth", keys), "did you mean `health`?");
        assert_eq!(help_for("zzz", ["a", "b"]), "expected one of `a`, `b`");
    }
}
