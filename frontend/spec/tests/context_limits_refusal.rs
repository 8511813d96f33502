//! Issue 16's spec checks: what a spec names must exist in the build context
//! (answered here from this repository on disk, as the frontend answers from
//! BuildKit's StatFile/ReadFile/ReadDir), every string and array is bounded,
//! invalid UTF-8 gets a position, and credential-like build args refuse a
//! build unless explicitly allowed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use app_spec::{
    check_context, codes, decode, limits, parse, refused_build_args, Answer, AppSpec, ContextCheck, ContextFacts,
    Diagnostic, LintInput, Need,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn answer(root: &Path, need: &Need) -> Answer {
    let path = root.join(need.path());
    match need {
        Need::Stat(_) if path.is_dir() => Answer::Dir,
        Need::Stat(_) if path.is_file() => Answer::File,
        Need::Read(_) => std::fs::read(&path).map(Answer::Bytes).unwrap_or(Answer::Missing),
        Need::ReadDir(_) => match std::fs::read_dir(&path) {
            Ok(rd) => {
                let mut names: Vec<String> = rd.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
                names.sort();
                Answer::Entries(names)
            }
            Err(_) => Answer::Missing,
        },
        _ => Answer::Missing,
    }
}

/// Runs the request/answer loop against `root`; also returns how many rounds it took.
fn context_problems(spec: &AppSpec, root: &Path) -> (Vec<Diagnostic>, usize) {
    let mut facts = ContextFacts::new();
    for round in 1..10 {
        match check_context(spec, &facts) {
            ContextCheck::Done(problems) => return (problems, round),
            ContextCheck::Need(needs) => {
                for need in needs {
                    let a = answer(root, &need);
                    facts.insert(need, a);
                }
            }
        }
    }
    panic!("the context check did not finish in 10 rounds");
}

fn spec_text(app: &str) -> (String, String) {
    let file = format!("apps/{app}/Dockerfile");
    let text = std::fs::read_to_string(repo().join(&file)).unwrap();
    (file, text)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("no `{needle}`")) + 1
}

#[test]
fn every_app_spec_names_only_what_the_repository_has() {
    for app in ["patient-risk-web", "patient-risk-python-api", "risk-monitor-operator", "dev-guide-docs"] {
        let (file, text) = spec_text(app);
        let spec = parse(&file, &text).unwrap();
        let (problems, _) = context_problems(&spec, &repo());
        assert!(problems.is_empty(), "{app}: {problems:?}");
    }
}

#[test]
fn a_missing_package_is_reported_at_its_list_element() {
    let (file, text) = spec_text("patient-risk-web");
    let text = text.replacen("\"packages/patient-monitor-ui-core\"", "\"packages/does-not-exist\"", 1);
    let spec = parse(&file, &text).unwrap();
    let (problems, _) = context_problems(&spec, &repo());
    assert_eq!(problems.len(), 1, "{problems:?}");
    let d = &problems[0];
    assert_eq!(d.code, codes::NOT_IN_CONTEXT);
    assert_eq!(d.line, line_of(&text, "packages/does-not-exist"));
    assert_eq!(d.column, text.lines().nth(d.line - 1).unwrap().find('"').unwrap() + 1);
    assert!(d.message.contains("`packages/does-not-exist` does not exist in the build context"), "{d}");
    assert!(d.to_string().starts_with(&format!("{file}:{}:", d.line)), "{d}");
}

#[test]
fn a_typo_in_a_package_gets_a_suggestion() {
    let (file, text) = spec_text("patient-risk-web");
    let text = text.replacen("\"packages/patient-monitor-ui-core\"", "\"packages/patient-monitor-ui-cor\"", 1);
    let spec = parse(&file, &text).unwrap();
    let (problems, _) = context_problems(&spec, &repo());
    assert_eq!(problems[0].help.as_deref(), Some("did you mean `packages/patient-monitor-ui-core`?"));
}

#[test]
fn a_missing_npm_workspace_is_reported_at_the_key() {
    let (file, text) = spec_text("patient-risk-web");
    let text = text.replacen("npm-workspace = \"patient-risk-web\"", "npm-workspace = \"patient-risk-wbe\"", 1);
    let spec = parse(&file, &text).unwrap();
    let (problems, rounds) = context_problems(&spec, &repo());
    assert!(rounds >= 3, "root package.json, then the workspace directories, then their package.json files");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let d = &problems[0];
    assert_eq!((d.code, d.line), (codes::NOT_IN_CONTEXT, line_of(&text, "npm-workspace")));
    assert!(d.message.contains("npm workspace `patient-risk-wbe` is not a workspace"), "{d}");
    assert_eq!(d.help.as_deref(), Some("did you mean `patient-risk-web`?"));
}

#[test]
fn a_context_without_the_files_reports_every_path() {
    let (file, text) = spec_text("dev-guide-docs");
    let spec = parse(&file, &text).unwrap();
    let empty = std::env::temp_dir().join(format!("app-spec-empty-context-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (problems, _) = context_problems(&spec, &empty);
    std::fs::remove_dir_all(&empty).unwrap();
    let expected = match &spec.build {
        app_spec::GraphSettings::MkdocsSite { configs, sources } => spec.packages.len() + configs.len() + sources.len(),
        _ => unreachable!(),
    };
    assert_eq!(problems.len(), expected, "{problems:?}");
    assert!(problems.windows(2).all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)));
}

#[test]
fn a_missing_go_main_package_is_reported() {
    let (file, text) = spec_text("risk-monitor-operator");
    let text = text.replacen("./cmd/risk-monitor-operator", "./cmd/nope", 1);
    let spec = parse(&file, &text).unwrap();
    let (problems, _) = context_problems(&spec, &repo());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, line_of(&text, "main-package"));
}

#[test]
fn a_five_megabyte_description_is_refused_at_its_position() {
    let (file, text) = spec_text("patient-risk-web");
    let long = "x".repeat(5 * 1024 * 1024);
    let start = text.find("description = \"").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}description = \"{long}\"{}", &text[..start], &text[end..]);
    let errors = parse(&file, &text).unwrap_err();
    let d = errors.iter().find(|d| d.code == codes::LIMIT).expect("a limit error");
    assert_eq!((d.line, d.column), (line_of(&text, "description = "), 15));
    assert!(d.message.contains(&format!("at most {} are allowed", limits::MAX_DESCRIPTION_CHARS)), "{d}");
    assert!(d.message.len() < 200, "the message must not repeat the value");
}

#[test]
fn long_strings_arrays_and_tables_are_bounded() {
    let (file, text) = spec_text("dev-guide-docs");
    // a string just over the limit
    let long_path = format!("docs/{}", "a".repeat(limits::MAX_STRING_BYTES));
    let t = text.clone();
    let t2 = t.replacen("sources = [", &format!("sources = [\"{long_path}\", "), 1);
    assert_ne!(t, t2, "the dev-guide-docs spec has a sources list");
    let errors = parse(&file, &t2).unwrap_err();
    assert!(errors.iter().any(|d| d.code == codes::LIMIT && d.message.contains("string of")), "{errors}");
    // an array over the limit: the error points at the first element beyond it
    let many: Vec<String> = (0..=limits::MAX_ARRAY_ITEMS).map(|i| format!("\"docs/d{i}\"")).collect();
    let t3 = t.replacen("sources = [", &format!("sources = [{}, ", many.join(", ")), 1);
    let errors = parse(&file, &t3).unwrap_err();
    let d = errors.iter().find(|d| d.code == codes::LIMIT).expect("a limit error");
    assert!(d.message.contains(&format!("{} elements", limits::MAX_ARRAY_ITEMS + 2)) || d.message.contains("elements"), "{d}");
    let line = line_of(&t3, "sources = [");
    let col = t3.lines().nth(line - 1).unwrap().find(&format!("\"docs/d{}\"", limits::MAX_ARRAY_ITEMS)).unwrap() + 1;
    assert_eq!((d.line, d.column), (line, col));
    // a table over the limit
    let args: String = (0..=limits::MAX_TABLE_KEYS).map(|i| format!("A{i} = {{ description = \"d\" }}\n")).collect();
    let t4 = format!("{text}\n[args]\n{args}");
    let t4 = if text.contains("\n[args]") { text.replacen("\n[args]\n", &format!("\n[args]\n{args}"), 1) } else { t4 };
    let errors = parse(&file, &t4).unwrap_err();
    assert!(errors.iter().any(|d| d.code == codes::LIMIT && d.message.contains("keys")), "{errors}");
    // the real specs are far inside every limit
    assert!(parse(&file, &text).is_ok());
}

#[test]
fn invalid_utf8_gets_a_line_and_column() {
    let (file, text) = spec_text("patient-risk-web");
    let line = line_of(&text, "description = ");
    let mut bytes = Vec::new();
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            bytes.extend_from_slice(b"description = \"caf");
            bytes.push(0xe9); // latin-1 é
            bytes.extend_from_slice(b"\"\n");
        } else {
            bytes.extend_from_slice(l.as_bytes());
        }
    }
    let errors = decode(&file, bytes).unwrap_err();
    let d = errors.iter().next().unwrap();
    assert_eq!((d.code, d.line, d.column), (codes::ENCODING, line, 19));
    assert!(d.to_string().starts_with(&format!("{file}:{line}:19: error[encoding]: byte 0xe9")), "{d}");
}

fn refused(args: &[(&str, &str)]) -> Vec<String> {
    let (file, text) = spec_text("patient-risk-web");
    let spec = parse(&file, &text).unwrap();
    let args: BTreeMap<String, String> = args.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let none = BTreeMap::new();
    let input = LintInput { spec_text: &text, spec: &spec, build_args: &args, labels: &none, named_contexts: &none };
    let lint: Vec<String> = app_spec::lint_with(&input).into_iter().map(|w| w.detail).collect();
    let refused: Vec<String> = refused_build_args(&input).into_iter().map(|w| w.detail).collect();
    // the build refuses with the very words --check warns with
    for r in &refused {
        assert!(lint.contains(r), "{r} is not a --check warning: {lint:?}");
    }
    refused
}

#[test]
fn credential_like_build_args_refuse_a_build_unless_explicitly_allowed() {
    assert!(refused(&[]).is_empty(), "the real spec is refused");
    assert!(refused(&[("API_BASE_PATH", "/api"), ("VERSION", "1.2.3")]).is_empty());
    let r = refused(&[("DB_PASSWORD", "x")]);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(r[0].contains("build arg `DB_PASSWORD` looks like a credential"), "{r:?}");
    let r = refused(&[("NPM_TOKEN", "npm_abc")]);
    assert!(r.iter().any(|d| d.contains("`--secret id=npm_token,env=NPM_TOKEN`")), "{r:?}");
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assert_eq!(refused(&[("API_BASE_PATH", jwt)]).len(), 1);
    // the opt-out names the args whose values only look like credentials...
    assert!(refused(&[("API_BASE_PATH", jwt), ("ALLOW_CREDENTIAL_LIKE_BUILD_ARGS", "API_BASE_PATH")]).is_empty());
    assert!(refused(&[("DB_PASSWORD", "x"), ("ALLOW_CREDENTIAL_LIKE_BUILD_ARGS", "OTHER, DB_PASSWORD")]).is_empty());
    // ...only those, and never an arg named after a secret id
    assert_eq!(refused(&[("DB_PASSWORD", "x"), ("ALLOW_CREDENTIAL_LIKE_BUILD_ARGS", "OTHER")]).len(), 1);
    assert!(!refused(&[("NPM_TOKEN", "x"), ("ALLOW_CREDENTIAL_LIKE_BUILD_ARGS", "NPM_TOKEN")]).is_empty());
}

#[test]
fn the_opt_out_arg_is_not_an_unknown_build_arg() {
    let (file, text) = spec_text("patient-risk-web");
    let spec = parse(&file, &text).unwrap();
    let args: BTreeMap<String, String> = [("ALLOW_CREDENTIAL_LIKE_BUILD_ARGS".to_string(), "X".to_string())].into();
    let warnings = app_spec::lint(&text, &spec, &args, &BTreeMap::new());
    assert!(warnings.is_empty(), "{warnings:?}");
}
