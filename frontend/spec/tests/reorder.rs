//! Property: the order (and the table layout) in which a spec writes its
//! keys does not change what it says. Only the spans move.

use std::path::Path;

use app_spec::{parse, AppSpec};
use toml_edit::{DocumentMut, Item, Table, Value};

const APPS: [&str; 4] = [
    "patient-risk-python-api",
    "patient-risk-web",
    "risk-monitor-operator",
    "dev-guide-docs",
];
const SEEDS: u64 = 40;

fn read(app: &str) -> (String, String) {
    let file = format!("apps/{app}/Dockerfile");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(&file),
    )
    .unwrap();
    (file, text)
}

/// A deterministic rank of `key` under `seed` (FNV-1a), used as a sort key
/// to permute entries.
fn rank(seed: u64, key: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in key.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn shuffle_table(table: &mut Table, seed: u64) {
    table.sort_values_by(|a, _, b, _| rank(seed, a.get()).cmp(&rank(seed, b.get())));
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(sub) => shuffle_table(sub, seed),
            Item::Value(Value::InlineTable(inline)) => {
                inline.sort_values_by(|a, _, b, _| rank(seed, a.get()).cmp(&rank(seed, b.get())));
            }
            _ => {}
        }
    }
}

/// The spec with keys of every table and the tables themselves in an order
/// picked by `seed`. Line 1 (the syntax directive) stays first.
fn shuffled(text: &str, seed: u64) -> String {
    let (first, rest) = text.split_once('\n').unwrap();
    let mut doc: DocumentMut = rest.parse().unwrap();
    let root = doc.as_table_mut();
    let mut tables: Vec<String> = root
        .iter()
        .filter(|(_, i)| i.is_table())
        .map(|(k, _)| k.to_string())
        .collect();
    tables.sort_by_key(|name| rank(seed ^ 0x5555, name));
    for (position, name) in tables.iter().enumerate() {
        root[name.as_str()]
            .as_table_mut()
            .unwrap()
            .set_position(Some(position as isize));
    }
    shuffle_table(root, seed);
    format!("{first}\n{doc}")
}

fn parsed(file: &str, text: &str) -> AppSpec {
    parse(file, text)
        .unwrap_or_else(|d| panic!("{file} rewritten does not parse:\n{d}\n---\n{text}"))
}

#[test]
fn reordering_keys_and_tables_does_not_change_the_spec() {
    for app in APPS {
        let (file, text) = read(app);
        let original = parsed(&file, &text);
        let mut distinct = std::collections::BTreeSet::new();
        for seed in 0..SEEDS {
            let rewritten = shuffled(&text, seed);
            let spec = parsed(&file, &rewritten);
            assert_eq!(
                spec.without_spans(),
                original.without_spans(),
                "{app} seed {seed}:\n{rewritten}"
            );
            // The spans follow the keys to their new lines.
            let port = spec.span("runtime.port").unwrap();
            let line = rewritten.lines().nth(port.line - 1).unwrap();
            assert!(
                line.trim_start().starts_with("port"),
                "{app} seed {seed}: runtime.port span at {line:?}"
            );
            distinct.insert(rewritten);
        }
        // The property was exercised on really different layouts.
        assert!(
            distinct.len() > SEEDS as usize / 2,
            "{app}: only {} distinct orders",
            distinct.len()
        );
    }
}

#[test]
fn inline_and_header_tables_say_the_same() {
    let (file, text) = read("patient-risk-web");
    let original = parsed(&file, &text);
    let mut doc: DocumentMut = text.split_once('\n').unwrap().1.parse().unwrap();
    // [runtime] header table -> inline table; inline args -> [args.NAME] header tables.
    let runtime = doc
        .remove("runtime")
        .unwrap()
        .into_table()
        .unwrap()
        .into_inline_table();
    doc.insert("runtime", Item::Value(Value::InlineTable(runtime)));
    let args = doc["args"].as_table_mut().unwrap();
    let Ok(Value::InlineTable(inline)) = args.remove("API_BASE_PATH").unwrap().into_value() else {
        panic!("API_BASE_PATH is an inline table in the web spec")
    };
    args.insert("API_BASE_PATH", Item::Table(inline.into_table()));
    let rewritten = format!("{}\n{doc}", text.lines().next().unwrap());
    assert!(rewritten.contains("[args.API_BASE_PATH]"), "{rewritten}");
    assert!(rewritten.contains("runtime = {"), "{rewritten}");
    assert_eq!(
        parsed(&file, &rewritten).without_spans(),
        original.without_spans()
    );
}

#[test]
fn changing_a_value_does_change_the_spec() {
    // Guards the property above against a comparison that ignores content.
    let (file, text) = read("patient-risk-web");
    let changed = text.replacen("default = \"/api\"", "default = \"/api/v2\"", 1);
    assert_ne!(
        parsed(&file, &changed).without_spans(),
        parsed(&file, &text).without_spans()
    );
}
