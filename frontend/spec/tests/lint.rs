//! Each lint rule: one case that fires (with the span or detail it must
//! give) and one near miss that must stay quiet.

use std::collections::BTreeMap;

use app_spec::{check, codes, lint, lint_with, parse, rules, LintInput, LintWarning, DOCS_URL};

const FILE: &str = "apps/patient-risk-web/Dockerfile";

const BASE: &str = r#"# syntax=ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0
app = "patient-risk-web"
graph = "web-spa"
description = "Test app"
image = "patient-risk-web"

[runtime]
port = 8080
health = "/healthz"
readiness = "/readyz"
migrations = false
user = 101

[build]
npm-workspace = "patient-risk-web"

[args]
API_BASE_PATH = { default = "/api", description = "API prefix" }

[secrets]
npm_token = "npm auth"
"#;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Lint `text` (a variant of BASE) with the given options; warnings of `rule` only.
fn run(
    text: &str,
    args: &[(&str, &str)],
    labels: &[(&str, &str)],
    contexts: &[(&str, &str)],
    rule: &str,
) -> Vec<LintWarning> {
    let spec = parse(FILE, text).unwrap_or_else(|d| panic!("{d}"));
    let (args, labels, contexts) = (map(args), map(labels), map(contexts));
    let input = LintInput {
        spec_text: text,
        spec: &spec,
        build_args: &args,
        labels: &labels,
        named_contexts: &contexts,
    };
    lint_with(&input)
        .into_iter()
        .filter(|w| w.rule == rule)
        .collect()
}

#[test]
fn registry_names_are_unique_documented_and_linkable() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/app-spec.md"
    ))
    .unwrap();
    let mut names: Vec<&str> = rules().iter().map(|r| r.name).collect();
    for rule in rules() {
        assert!(rule.url().starts_with(DOCS_URL), "{}", rule.url());
        assert!(
            docs.contains(&format!("\n### {}\n", rule.name)),
            "docs/app-spec.md has no `### {}` section",
            rule.name
        );
        assert!(!rule.description.is_empty());
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), rules().len());
    assert!(rules().len() >= 6);
}

#[test]
fn clean_spec_and_options_give_no_warning() {
    let spec = parse(FILE, BASE).unwrap();
    let args = map(&[
        ("API_BASE_PATH", "/api/v1"),
        ("VERSION", "1.2.3"),
        ("REVISION", "3f786850e387550fdab836ed7e6dc881de23001b"),
        ("BUILDKIT_SYNTAX", "x"),
        ("HTTPS_PROXY", "http://proxy:3128"),
    ]);
    let labels = map(&[
        ("org.opencontainers.image.authors", "team"),
        ("org.opencontainers.image.revision", "3f786850e387"),
    ]);
    assert_eq!(lint(BASE, &spec, &args, &labels), Vec::<LintWarning>::new());
}

#[test]
fn unknown_key() {
    let text = BASE.replacen("user = 101", "user = 101\nreadyness = \"/ready\"", 1);
    // The strict parser refuses it...
    assert_eq!(parse(FILE, &text).unwrap_err()[0].code, codes::UNKNOWN_KEY);
    // ...while --check recovers, lints and reports it as a warning at its line.
    let report = check(
        FILE,
        &text,
        &BTreeMap::new(),
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    assert!(report.errors.is_empty(), "{}", report.errors);
    assert_eq!(report.warnings.len(), 1, "{:#?}", report.warnings);
    let w = &report.warnings[0];
    assert_eq!(w.rule, "UnknownKey");
    assert_eq!(w.span.map(|s| (s.line, s.column)), Some((13, 1)));
    assert!(
        w.detail.contains("did you mean `readiness`?"),
        "{}",
        w.detail
    );
    assert!(w.url.ends_with("#unknownkey"));
    // With another error, check still reports the unknown key next to the error.
    let broken = text.replacen("port = 8080", "port = 1", 1);
    let report = check(
        FILE,
        &broken,
        &BTreeMap::new(),
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        report.warnings.iter().map(|w| w.rule).collect::<Vec<_>>(),
        ["UnknownKey"]
    );
    // Known keys only: nothing.
    assert!(run(BASE, &[], &[], &[], "UnknownKey").is_empty());
}

#[test]
fn credential_like_build_arg() {
    // Declared in the spec, by name: points at the declaration.
    let text = BASE.replacen(
        "[secrets]",
        "DB_PASSWORD = { description = \"db\" }\n\n[secrets]",
        1,
    );
    let found = run(&text, &[], &[], &[], "CredentialLikeBuildArg");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].span.map(|s| s.line), Some(20));
    assert!(found[0].detail.contains("`password`"));
    // Declared with a credential-looking default: points at the default.
    let text = BASE.replacen("\"/api\"", "\"https://deploy:hunter2@api.example.com\"", 1);
    let found = run(&text, &[], &[], &[], "CredentialLikeBuildArg");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].span.map(|s| (s.line, s.column)), Some((18, 19)));
    assert!(
        !found[0].detail.contains("hunter2"),
        "the value must not be echoed"
    );
    // Given on the command line: by name, and by value (random token).
    let found = run(
        BASE,
        &[
            ("GITHUB_TOKEN", "x"),
            ("API_BASE_PATH", "q8ZfT2rLx9WmB4vK7pYc3NdJ"),
        ],
        &[],
        &[],
        "CredentialLikeBuildArg",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found.iter().all(|w| w.span.is_none()));
    assert!(found.iter().any(|w| w.detail.contains("`GITHUB_TOKEN`")));
    assert!(found.iter().any(|w| w
        .detail
        .contains("value given for build arg `API_BASE_PATH`")));
    // Near misses: plain values, hex revisions, names with `key` in another sense.
    let quiet = run(
        BASE,
        &[
            ("REVISION", "3f786850e387550fdab836ed7e6dc881de23001b"),
            ("API_BASE_PATH", "/api"),
            ("KEYBOARD", "us"),
        ],
        &[],
        &[],
        "CredentialLikeBuildArg",
    );
    assert!(quiet.is_empty(), "{quiet:#?}");
}

#[test]
fn credential_like_label() {
    let found = run(
        BASE,
        &[],
        &[
            ("com.example.apiKey", "x"),
            ("com.example.mirror", "https://u:p@mirror.example.com"),
        ],
        &[],
        "CredentialLikeLabel",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].detail.contains("com.example.apiKey"));
    assert!(found[1].detail.contains("user name and password"));
    let quiet = run(
        BASE,
        &[],
        &[(
            "org.opencontainers.image.source",
            "https://github.com/tirosh-chain/guide",
        )],
        &[],
        "CredentialLikeLabel",
    );
    assert!(quiet.is_empty(), "{quiet:#?}");
}

#[test]
fn secret_declared_as_build_arg() {
    let text = BASE.replacen(
        "[secrets]",
        "NPM_TOKEN = { description = \"token\" }\n\n[secrets]",
        1,
    );
    let found = run(&text, &[], &[], &[], "SecretDeclaredAsBuildArg");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].span.map(|s| s.line), Some(20));
    assert!(found[0]
        .detail
        .contains("--secret id=npm_token,env=NPM_TOKEN"));
    assert!(found[0].detail.contains("already declared"));
    // The more specific rule wins: no CredentialLikeBuildArg for the same name.
    assert!(run(&text, &[], &[], &[], "CredentialLikeBuildArg").is_empty());
    // Given on the command line.
    let found = run(
        BASE,
        &[("UV_INDEX_PASSWORD", "x")],
        &[],
        &[],
        "SecretDeclaredAsBuildArg",
    );
    assert_eq!(found.len(), 1);
    assert!(found[0].detail.contains("declare it under [secrets]"));
    assert!(run(
        BASE,
        &[("API_BASE_PATH", "/x")],
        &[],
        &[],
        "SecretDeclaredAsBuildArg"
    )
    .is_empty());
}

#[test]
fn unknown_build_arg() {
    let found = run(
        BASE,
        &[("API_BASE_PTH", "/x"), ("FOO", "1")],
        &[],
        &[],
        "UnknownBuildArg",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].detail.contains("`API_BASE_PTH`")
            && found[0].detail.contains("did you mean `API_BASE_PATH`?")
    );
    assert!(
        found[1].detail.contains("`FOO`") && found[1].detail.contains("declare it under [args]")
    );
    let quiet = run(
        BASE,
        &[
            ("API_BASE_PATH", "/x"),
            ("SOURCE_DATE_EPOCH", "0"),
            ("BUILDKIT_CACHE_MOUNT_NS", "x"),
            ("no_proxy", "localhost"),
            // Registry conventions: every graph reads them where a step reaches a registry.
            ("PACKAGE_SOURCE", "registry"),
            ("NPM_REGISTRY_URL", "https://npm.example/"),
            ("CONAN_REMOTE_URL", "https://conan.example"),
        ],
        &[],
        &[],
        "UnknownBuildArg",
    );
    assert!(quiet.is_empty(), "{quiet:#?}");
}

#[test]
fn floating_base_override() {
    let contexts = [
        ("nginx-runtime", "docker-image://nginx:1.27"),
        ("python-runtime", "docker-image://python:3.13@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        ("context", "local://context"),
    ];
    let found = run(BASE, &[], &[], &contexts, "FloatingBaseOverride");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].detail.contains("`nginx-runtime`") && found[0].detail.contains("@sha256:"));
    // lint() (no named contexts) never runs into it.
    let spec = parse(FILE, BASE).unwrap();
    assert!(lint(BASE, &spec, &BTreeMap::new(), &BTreeMap::new()).is_empty());
}

#[test]
fn credential_in_spec() {
    let text = BASE.replacen(
        "[runtime]",
        "# mirror: https://ci:s3cr3t@pypi.internal.example/simple\n[runtime]",
        1,
    );
    let found = run(&text, &[], &[], &[], "CredentialInSpec");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].span.map(|s| (s.line, s.column)), Some((7, 1)));
    assert!(!found[0].detail.contains("s3cr3t"));
    let quiet = BASE.replacen(
        "[runtime]",
        "# mirror: https://pypi.internal.example/simple\n[runtime]",
        1,
    );
    assert!(run(&quiet, &[], &[], &[], "CredentialInSpec").is_empty());
}

#[test]
fn warnings_come_in_source_order_then_command_line_ones() {
    let text = BASE
        .replacen(
            "[secrets]",
            "NPM_TOKEN = { description = \"t\" }\n\n[secrets]",
            1,
        )
        .replacen("user = 101", "user = 101\nprot = 1", 1);
    let report = check(
        FILE,
        &text,
        &map(&[("FOO", "1")]),
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    let order: Vec<(&str, Option<usize>)> = report
        .warnings
        .iter()
        .map(|w| (w.rule, w.span.map(|s| s.line)))
        .collect();
    assert_eq!(
        order,
        [
            ("UnknownKey", Some(13)),
            ("SecretDeclaredAsBuildArg", Some(21)),
            ("UnknownBuildArg", None)
        ]
    );
    assert_eq!(
        report.warnings[0].to_string(),
        "13:1: warning[UnknownKey]: unknown key `prot` in [runtime] (did you mean `port`?)"
    );
}
