//! Pins the exact bytes of every subrequest reply (`result.json`,
//! `result.txt`, `version`, `result.statuscode`): buildx parses the JSON and
//! some clients print the text verbatim, so a refactor of how the replies are
//! built must not move a byte. The inputs cover every optional field both
//! present and absent (empty strings, `required`/`default` false, no
//! location, unknown location, a lint `buildError`, several sources).
//! A mismatch fails with the diff; review it and accept with `cargo insta`
//! only when the wire format is meant to change.

use gateway_client::subrequests::{
    describe_reply, LintReport, LintWarning, Outline, OutlineArg, OutlineCache, OutlineSecret, TargetEntry,
    TargetList,
};
use gateway_client::{FrontendResult, Location, SourceFile, SourceRange};

/// Every metadata entry, in key order, as `== key ==` followed by the bytes.
fn render(r: &FrontendResult) -> String {
    let mut out = String::new();
    for (k, v) in r.metadata() {
        out.push_str(&format!("== {k} ==\n{}\n", String::from_utf8(v.clone()).expect("replies are UTF-8")));
    }
    out
}

fn spec() -> SourceFile {
    SourceFile::new("Dockerfile", "toml", "# syntax=x\n[app]\nname = \"op\"\n[build-args]\nAPI_TOKEN = \"x\"\n")
}

fn other() -> SourceFile {
    SourceFile::new("bases/catalog.toml", "toml", "[go]\nref = \"golang:1.24\"\n")
}

#[test]
fn describe_reply_bytes() {
    insta::assert_snapshot!(render(&describe_reply()));
}

#[test]
fn outline_reply_bytes() {
    let full = Outline {
        name: "release".into(),
        description: "Operator image".into(),
        args: vec![
            OutlineArg {
                name: "BASE_IMAGES".into(),
                description: "upstream or local".into(),
                value: "upstream".into(),
                location: Some(Location::in_source(0, vec![SourceRange::line(4)])),
            },
            OutlineArg {
                name: "EMPTY".into(),
                description: String::new(),
                value: String::new(),
                location: None,
            },
        ],
        secrets: vec![
            OutlineSecret {
                name: "host_ca_bundle".into(),
                required: false,
                location: None,
            },
            OutlineSecret {
                name: "pypi_token".into(),
                required: true,
                location: Some(Location::in_source(0, vec![SourceRange::from_line_col(5, 1, 5, 10)])),
            },
        ],
        ssh: vec![OutlineSecret {
            name: "default".into(),
            required: true,
            location: Some(Location::unknown()),
        }],
        cache: vec![
            OutlineCache {
                id: "go-mod".into(),
                location: None,
            },
            OutlineCache {
                id: "go-build".into(),
                location: Some(Location::in_source(0, vec![SourceRange::line(2)])),
            },
        ],
        platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
        sources: vec![spec(), other()],
    };
    insta::assert_snapshot!("outline_full", render(&full.reply()));
    insta::assert_snapshot!("outline_empty", render(&Outline::default().reply()));
    let unnamed = Outline {
        description: "no name".into(),
        ..Default::default()
    };
    insta::assert_snapshot!("outline_unnamed", render(&unnamed.reply()));
}

#[test]
fn targets_reply_bytes() {
    let list = TargetList {
        targets: vec![
            TargetEntry {
                name: "release".into(),
                default: true,
                description: "Production image".into(),
                base: "distroless".into(),
                platform: "linux/amd64,linux/arm64".into(),
                location: Some(Location::in_source(0, vec![SourceRange::line(3)])),
            },
            TargetEntry {
                name: "local-runtime".into(),
                description: "Native-only dev image".into(),
                location: Some(Location::unknown()),
                ..Default::default()
            },
            TargetEntry {
                default: true,
                ..Default::default()
            },
        ],
        sources: vec![spec()],
    };
    insta::assert_snapshot!("targets_full", render(&list.reply()));
    insta::assert_snapshot!("targets_empty", render(&TargetList::default().reply()));
}

#[test]
fn lint_reply_bytes() {
    let mut rep = LintReport::default();
    let idx = rep.add_source(&spec());
    let second = rep.add_source(&other());
    rep.warnings.push(LintWarning {
        rule_name: "SecretsUsedInArgOrLabel".into(),
        description: "Credentials should not be passed as build args or labels".into(),
        url: "https://example.invalid/rules/secrets".into(),
        detail: "build arg `API_TOKEN` looks like a credential".into(),
        location: Location::in_source(idx, vec![SourceRange::from_line_col(5, 1, 5, 10)]),
    });
    rep.warnings.push(LintWarning {
        rule_name: "LabelLooksSecret".into(),
        description: String::new(),
        url: String::new(),
        detail: "label `password` looks like a credential".into(),
        location: Location::unknown(),
    });
    rep.warnings.push(LintWarning {
        rule_name: "UnpinnedBase".into(),
        description: "Bases should be pinned".into(),
        url: String::new(),
        detail: String::new(),
        location: Location::in_source(second, vec![SourceRange::line(2), SourceRange::line(1)]),
    });
    insta::assert_snapshot!("lint_warnings", render(&rep.reply()));

    let mut broken = LintReport::default();
    let idx = broken.add_source(&spec());
    broken.build_error = Some(("Dockerfile:3:1: bad".into(), Location::in_source(idx, vec![SourceRange::line(3)])));
    insta::assert_snapshot!("lint_build_error", render(&broken.reply()));
    insta::assert_snapshot!("lint_clean", render(&LintReport::default().reply()));
}
