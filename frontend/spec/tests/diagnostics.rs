//! Table-driven: spec snippets → the (line, column, code) of every
//! diagnostic, in source order, plus the help a user gets.

use app_spec::{codes, parse, parse_lenient};

const FILE: &str = "apps/patient-risk-web/Dockerfile";

/// A valid spec; each case edits it. Line numbers below refer to it.
const BASE: &str = r#"# syntax=ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0
app = "patient-risk-web"
graph = "web-spa"
description = "Test app"
image = "patient-risk-web"
platforms = ["linux/amd64", "linux/arm64"]
packages = ["packages/patient-monitor-ui-core"]

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

struct Case {
    name: &'static str,
    /// Replace the first occurrence of `from` by `to` in BASE.
    from: &'static str,
    to: &'static str,
    expect: &'static [(usize, usize, &'static str)],
    /// A fragment the first diagnostic's help must contain.
    help: Option<&'static str>,
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "typo in a runtime key", from: "port = 8080", to: "prot = 8080", expect: &[(9, 1, codes::MISSING_KEY), (10, 1, codes::UNKNOWN_KEY)], help: Some("add `port = 8080`") },
    Case { name: "privileged port", from: "port = 8080", to: "port = 80", expect: &[(10, 8, codes::INVALID_VALUE)], help: Some("1024") },
    Case { name: "port out of range", from: "port = 8080", to: "port = 70000", expect: &[(10, 8, codes::INVALID_VALUE)], help: Some("65535") },
    Case { name: "quoted port", from: "port = 8080", to: "port = \"8080\"", expect: &[(10, 8, codes::WRONG_TYPE)], help: Some("remove the quotes: `port = 8080`") },
    Case { name: "float port", from: "port = 8080", to: "port = 8080.0", expect: &[(10, 8, codes::WRONG_TYPE)], help: Some("`port = 8080`") },
    Case { name: "relative health path", from: "\"/healthz\"", to: "\"healthz\"", expect: &[(11, 10, codes::INVALID_VALUE)], help: Some("start it with `/`") },
    Case { name: "path with a space", from: "\"/readyz\"", to: "\"/ready z\"", expect: &[(12, 13, codes::INVALID_VALUE)], help: None },
    Case { name: "root user", from: "user = 101", to: "user = 0", expect: &[(14, 8, codes::INVALID_VALUE)], help: Some("10001") },
    Case { name: "quoted boolean", from: "migrations = false", to: "migrations = \"no\"", expect: &[(13, 14, codes::WRONG_TYPE)], help: Some("`migrations = false`") },
    Case { name: "unknown platform", from: "\"linux/arm64\"]", to: "\"linux/arm\"]", expect: &[(6, 29, codes::INVALID_VALUE)], help: Some("did you mean `linux/arm64`?") },
    Case { name: "duplicate platform", from: "\"linux/arm64\"]", to: "\"linux/amd64\"]", expect: &[(6, 29, codes::DUPLICATE)], help: None },
    Case { name: "empty platforms", from: "[\"linux/amd64\", \"linux/arm64\"]", to: "[]", expect: &[(6, 13, codes::INVALID_VALUE)], help: None },
    Case { name: "unknown graph", from: "graph = \"web-spa\"", to: "graph = \"web\"", expect: &[(3, 9, codes::INVALID_VALUE)], help: Some("did you mean `web-spa`?") },
    Case { name: "graph typo", from: "graph = \"web-spa\"", to: "graph = \"web-sap\"", expect: &[(3, 9, codes::INVALID_VALUE)], help: Some("did you mean `web-spa`?") },
    Case { name: "unknown secret id", from: "npm_token =", to: "npm_tokn =", expect: &[(23, 1, codes::INVALID_VALUE)], help: Some("did you mean `npm_token`?") },
    Case { name: "empty secret description", from: "\"npm auth\"", to: "\"\"", expect: &[(23, 13, codes::INVALID_VALUE)], help: None },
    Case { name: "lower-case build arg", from: "API_BASE_PATH =", to: "api_base_path =", expect: &[(20, 1, codes::INVALID_VALUE)], help: Some("write it as `API_BASE_PATH`") },
    Case { name: "build arg default not a string", from: "default = \"/api\"", to: "default = 1", expect: &[(20, 29, codes::WRONG_TYPE)], help: Some("quote it") },
    Case { name: "build arg without description", from: ", description = \"API prefix\"", to: "", expect: &[(20, 1, codes::MISSING_KEY)], help: Some("description") },
    Case { name: "unknown build arg key", from: "default = \"/api\"", to: "defualt = \"/api\"", expect: &[(20, 19, codes::UNKNOWN_KEY)], help: Some("did you mean `default`?") },
    Case { name: "common build arg redeclared", from: "API_BASE_PATH =", to: "VERSION =", expect: &[(20, 1, codes::INVALID_VALUE)], help: Some("remove it") },
    Case { name: "reserved build arg", from: "API_BASE_PATH =", to: "BUILDKIT_X =", expect: &[(20, 1, codes::INVALID_VALUE)], help: None },
    Case { name: "no syntax line", from: "# syntax=ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0\n", to: "", expect: &[(1, 1, codes::SYNTAX_LINE)], help: Some("add `# syntax=") },
    Case { name: "syntax line not first", from: "# syntax=ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0\n", to: "# a comment\n# syntax=x\n", expect: &[(2, 1, codes::SYNTAX_LINE)], help: Some("move it") },
    Case { name: "empty syntax line", from: "# syntax=ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0", to: "# syntax=", expect: &[(1, 1, codes::SYNTAX_LINE)], help: None },
    Case { name: "invalid TOML", from: "description = \"Test app\"", to: "description = \"Test app", expect: &[(4, 24, codes::TOML)], help: None },
    Case { name: "missing top-level key", from: "image = \"patient-risk-web\"\n", to: "", expect: &[(2, 1, codes::MISSING_KEY)], help: Some("image = ") },
    Case { name: "image not in the release contract", from: "image = \"patient-risk-web\"", to: "image = \"web\"", expect: &[(5, 9, codes::INVALID_VALUE)], help: Some("set `image = \"patient-risk-web\"`") },
    Case { name: "image with a tag", from: "image = \"patient-risk-web\"", to: "image = \"patient-risk-web:1\"", expect: &[(5, 9, codes::INVALID_VALUE)], help: None },
    Case { name: "app does not match its directory", from: "app = \"patient-risk-web\"", to: "app = \"patient-risk-api\"", expect: &[(2, 7, codes::INVALID_VALUE)], help: Some("apps/patient-risk-api/") },
    Case { name: "duplicate package", from: "[\"packages/patient-monitor-ui-core\"]", to: "[\"packages/patient-monitor-ui-core\", \"packages/patient-monitor-ui-core\"]", expect: &[(7, 49, codes::DUPLICATE)], help: None },
    Case { name: "package outside packages/", from: "[\"packages/patient-monitor-ui-core\"]", to: "[\"apps/x\"]", expect: &[(7, 13, codes::INVALID_VALUE)], help: Some("packages/<name>") },
    Case { name: "packages as a string", from: "[\"packages/patient-monitor-ui-core\"]", to: "\"packages/patient-monitor-ui-core\"", expect: &[(7, 12, codes::WRONG_TYPE)], help: Some("make it a list") },
    Case { name: "runtime key at the top level", from: "packages = [\"packages/patient-monitor-ui-core\"]", to: "port = 8080", expect: &[(7, 1, codes::UNKNOWN_KEY)], help: Some("belongs in the [runtime] table") },
    Case { name: "misspelt table", from: "[build]", to: "[biuld]", expect: &[(2, 1, codes::MISSING_KEY), (16, 2, codes::UNKNOWN_KEY)], help: Some("[build]") },
    Case { name: "build key of another graph", from: "npm-workspace = \"patient-risk-web\"", to: "npm-workspace = \"patient-risk-web\"\nwheel = \"x\"", expect: &[(18, 1, codes::UNKNOWN_KEY)], help: Some("npm-workspace") },
    Case { name: "bad npm name", from: "npm-workspace = \"patient-risk-web\"", to: "npm-workspace = \"Patient Web\"", expect: &[(17, 17, codes::INVALID_VALUE)], help: None },
    Case { name: "runtime as an array of tables", from: "[runtime]", to: "[[runtime]]", expect: &[(9, 1, codes::WRONG_TYPE)], help: None },
    Case { name: "key written twice", from: "user = 101", to: "user = 101\nport = 8081", expect: &[(15, 1, codes::TOML)], help: None },
    Case { name: "probe port privileged", from: "port = 8080", to: "port = 8080\nprobe-port = 81", expect: &[(11, 14, codes::INVALID_VALUE)], help: None },
];

#[test]
fn the_base_spec_is_valid() {
    let spec = parse(FILE, BASE).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(spec.app, "patient-risk-web");
}

#[test]
fn each_snippet_reports_its_position_and_code() {
    let mut failures = Vec::new();
    for case in CASES {
        assert!(
            BASE.contains(case.from),
            "{}: `{}` is not in BASE",
            case.name,
            case.from
        );
        let text = BASE.replacen(case.from, case.to, 1);
        let diagnostics = match parse(FILE, &text) {
            Ok(_) => {
                failures.push(format!("{}: parsed without error", case.name));
                continue;
            }
            Err(d) => d,
        };
        let got: Vec<(usize, usize, &str)> = diagnostics
            .iter()
            .map(|d| (d.line, d.column, d.code))
            .collect();
        if got != case.expect {
            failures.push(format!(
                "{}: expected {:?}, got {:?}\n{diagnostics}",
                case.name, case.expect, got
            ));
            continue;
        }
        if let Some(fragment) = case.help {
            let help = diagnostics[0].help.clone().unwrap_or_default();
            if !help.contains(fragment) {
                failures.push(format!("{}: help {help:?} lacks {fragment:?}", case.name));
            }
        }
        for d in diagnostics.iter() {
            assert_eq!(d.file, FILE);
            assert!(
                d.end_line > d.line || (d.end_line == d.line && d.end_column >= d.column),
                "{}: bad range {d:?}",
                case.name
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn all_problems_are_reported_in_source_order() {
    let text = BASE
        .replacen("graph = \"web-spa\"", "graph = \"wbe-spa\"", 1)
        .replacen("port = 8080", "port = 80", 1)
        .replacen("user = 101", "usr = 101", 1)
        .replacen("npm_token =", "npm_tokn =", 1);
    let diagnostics = parse(FILE, &text).unwrap_err();
    let got: Vec<(usize, &str)> = diagnostics.iter().map(|d| (d.line, d.code)).collect();
    assert_eq!(
        got,
        [
            (3, codes::INVALID_VALUE),
            (9, codes::MISSING_KEY),
            (10, codes::INVALID_VALUE),
            (14, codes::UNKNOWN_KEY),
            (23, codes::INVALID_VALUE),
        ]
    );
    let rendered = diagnostics.to_string();
    assert!(rendered.starts_with(
        "apps/patient-risk-web/Dockerfile:3:9: error[invalid-value]: unknown graph `wbe-spa`\n  help: did you mean `web-spa`?\n"
    ));
    assert!(rendered.contains("apps/patient-risk-web/Dockerfile:14:1: error[unknown-key]: unknown key `usr` in [runtime]\n  help: did you mean `user`?"));
}

#[test]
fn lenient_parsing_skips_only_unknown_keys() {
    let typo = BASE.replacen(
        "readiness = \"/readyz\"",
        "readiness = \"/readyz\"\nreadyness = \"/x\"",
        1,
    );
    let strict = parse(FILE, &typo).unwrap_err();
    assert_eq!(strict.len(), 1);
    assert_eq!(strict[0].code, codes::UNKNOWN_KEY);
    let spec = parse_lenient(FILE, &typo).expect("unknown keys are recoverable");
    assert_eq!(spec.runtime.readiness, "/readyz");
    // Other errors still fail a lenient parse.
    let bad = typo.replacen("port = 8080", "port = 0", 1);
    let errors = parse_lenient(FILE, &bad).unwrap_err();
    assert_eq!(
        errors.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::INVALID_VALUE]
    );
}

#[test]
fn spans_point_at_keys_and_values() {
    let spec = parse(FILE, BASE).unwrap();
    let at = |path: &str| {
        spec.span(path)
            .map(|s| (s.line, s.column, s.end_line, s.end_column))
    };
    assert_eq!(at("syntax"), Some((1, 1, 1, 55)));
    assert_eq!(at("app"), Some((2, 1, 2, 25)));
    assert_eq!(at("runtime"), Some((9, 1, 9, 10)));
    assert_eq!(at("runtime.port"), Some((10, 1, 10, 12)));
    assert_eq!(at("platforms[1]"), Some((6, 29, 6, 42)));
    assert_eq!(at("args.API_BASE_PATH.default"), Some((20, 19, 20, 35)));
    assert_eq!(at("secrets.npm_token"), Some((23, 1, 23, 23)));
    assert_eq!(at("build.npm-workspace").map(|s| s.0), Some(17));
    assert_eq!(at("nope"), None);
}

/// The error example in docs/app-spec.md is what the parser really prints.
#[test]
fn the_documented_error_example_is_current() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/app-spec.md"
    ))
    .unwrap();
    let find = |from: usize, needle: &str| {
        from + docs[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("docs/app-spec.md lacks {needle:?}"))
    };
    let block = |after: &str, fence: &str| {
        let open = find(find(0, after), fence) + fence.len();
        docs[open..find(open, "```")].to_string()
    };
    let spec = block("this spec with several mistakes:", "```toml\n");
    let expected = block("gives:", "```text\n");
    let actual = parse(FILE, &spec).unwrap_err().to_string();
    assert_eq!(actual.trim_end(), expected.trim_end());
}

/// A minimal spec of `app` built by `graph`, with `build` as its [build] body.
/// Line 10 is the first line of the [build] body.
fn spec_of(app: &str, graph: &str, packages: &str, build: &str) -> (String, String) {
    let text = format!(
        "# syntax=x\napp = \"{app}\"\ngraph = \"{graph}\"\ndescription = \"d\"\nimage = \"{app}\"\npackages = {packages}\n\
         runtime = {{ port = 8080, health = \"/h\", readiness = \"/r\", migrations = false, user = 1 }}\n\n[build]\n{build}\n"
    );
    (format!("apps/{app}/Dockerfile"), text)
}

/// (app, graph, packages, [build] body, expected (line, column, code)).
type GraphCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(usize, usize, &'static str)],
);

#[rustfmt::skip]
const GRAPH_CASES: &[GraphCase] = &[
    ("patient-risk-python-api", "python-api", "[\"packages/a\"]", "wheel = \"packages/b\"\nsmoke-imports = [\"m\"]", &[(10, 9, codes::INVALID_VALUE)]),
    ("patient-risk-python-api", "python-api", "[\"packages/a\"]", "wheel = \"packages/a\"\nsmoke-imports = [\"patient-signal\"]", &[(11, 18, codes::INVALID_VALUE)]),
    ("patient-risk-python-api", "python-api", "[\"packages/a\"]", "wheel = \"packages/a\"\nsmoke-imports = []", &[(11, 17, codes::INVALID_VALUE)]),
    ("patient-risk-python-api", "python-api", "[\"packages/a\"]", "wheel = \"packages/a\"", &[(9, 1, codes::MISSING_KEY)]),
    ("risk-monitor-operator", "go-operator", "[]", "main-package = \"cmd/manager\"", &[(10, 16, codes::INVALID_VALUE)]),
    ("risk-monitor-operator", "go-operator", "[]", "main-package = \"./cmd/../x\"", &[(10, 16, codes::INVALID_VALUE)]),
    ("dev-guide-docs", "mkdocs-site", "[]", "configs = [\"a/mkdocs.yml\", \"a/mkdocs.yml\"]", &[(10, 28, codes::DUPLICATE)]),
    ("dev-guide-docs", "mkdocs-site", "[]", "configs = [\"a/mkdocs.toml\"]\nsources = [\"/docs\"]", &[(10, 12, codes::INVALID_VALUE), (11, 12, codes::INVALID_VALUE)]),
    ("dev-guide-docs", "mkdocs-site", "[]", "configs = []", &[(10, 11, codes::INVALID_VALUE)]),
];

#[test]
fn every_graph_validates_its_build_settings() {
    for (app, graph, packages, build, expect) in GRAPH_CASES {
        let (file, text) = spec_of(app, graph, packages, build);
        let got: Vec<(usize, usize, &str)> = match parse(&file, &text) {
            Ok(_) => panic!("{graph} `{build}` parsed"),
            Err(d) => d.iter().map(|d| (d.line, d.column, d.code)).collect(),
        };
        assert_eq!(&got, expect, "{graph} `{build}`");
    }
    // And each graph's minimal valid form parses into its own settings.
    let (file, text) = spec_of(
        "dev-guide-docs",
        "mkdocs-site",
        "[]",
        "configs = [\"a/mkdocs.yml\"]",
    );
    let spec = parse(&file, &text).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(
        spec.build,
        app_spec::GraphSettings::MkdocsSite {
            configs: vec!["a/mkdocs.yml".into()],
            sources: vec![]
        }
    );
}
