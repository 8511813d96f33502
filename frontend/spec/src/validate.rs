//! Stage 2: positioned nodes → validated [`AppSpec`].
//!
//! Reads every key it knows, reports every problem it finds (it does not
//! stop at the first), and builds the spec only when nothing but unknown
//! keys went wrong.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::checker::{is_kebab_name, is_repo_path, is_repository_name, Checker, Scope};
use crate::diagnostic::{codes, Diagnostic, Span};
use crate::node::{parse_source, SourceError};
use crate::release;
use crate::spec::{
    AppSpec, ArgOrigin, BuildArg, Graph, GraphSettings, Platform, Runtime, SecretDecl, SecretId,
    COMMON_BUILD_ARGS,
};
use crate::suggest;

const TOP_KEYS: [&str; 10] = [
    "app",
    "graph",
    "description",
    "image",
    "platforms",
    "packages",
    "runtime",
    "build",
    "args",
    "secrets",
];
const RUNTIME_KEYS: [&str; 7] = [
    "port",
    "probe-port",
    "health",
    "readiness",
    "migrations",
    "user",
    "group",
];
const ARG_KEYS: [&str; 2] = ["default", "description"];

/// Keys that are valid in a table other than the one they were written in.
const ELSEWHERE: [(&str, &str); 13] = [
    ("port", "runtime"),
    ("probe-port", "runtime"),
    ("health", "runtime"),
    ("readiness", "runtime"),
    ("migrations", "runtime"),
    ("user", "runtime"),
    ("group", "runtime"),
    ("wheel", "build"),
    ("smoke-imports", "build"),
    ("npm-workspace", "build"),
    ("main-package", "build"),
    ("configs", "build"),
    ("sources", "build"),
];

/// The outcome of one validation: the spec when it could be built, the
/// errors, and the unknown keys (kept apart so `--check` can treat them as
/// recoverable).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub spec: Option<AppSpec>,
    pub errors: Vec<Diagnostic>,
    pub unknown: Vec<Diagnostic>,
}

pub(crate) fn validate(file: &str, text: &str) -> Outcome {
    let mut c = Checker::new(file, text);
    let source = match parse_source(text) {
        Ok(source) => source,
        Err(e) => {
            source_error(&mut c, text, e);
            return Outcome {
                spec: None,
                errors: c.errors,
                unknown: c.unknown,
            };
        }
    };
    crate::limits::check(&mut c, &source.root);
    let syntax_span = c.span(source.syntax_span.clone());
    c.spans.insert("syntax".to_string(), syntax_span);
    let anchor = source
        .root
        .entries
        .first()
        .map_or(source.syntax_span.clone(), |e| e.key_span.clone());
    let top = Scope {
        table: &source.root,
        path: String::new(),
        label: "the top level".to_string(),
        anchor,
    };
    c.unknown_keys(&top, &TOP_KEYS, &ELSEWHERE);

    let app = app_name(&mut c, &top);
    let graph = graph(&mut c, &top);
    let description = c
        .text(&top, "description", Some("description = \"<one line>\""))
        .map(|(d, _)| d.to_string());
    let image = image(&mut c, &top, app.as_ref());
    let platforms = platforms(&mut c, &top);
    let packages = packages(&mut c, &top);
    let runtime = c
        .table(
            &top,
            "runtime",
            Some("[runtime] with port, health, readiness, migrations and user"),
        )
        .and_then(|scope| runtime(&mut c, &scope));
    let build = c
        .table(
            &top,
            "build",
            Some("[build] with the settings of the graph"),
        )
        .and_then(|scope| {
            graph.and_then(|g| build_settings(&mut c, &scope, g, packages.as_deref()))
        });
    let build_args = build_args(&mut c, &top);
    let secrets = secrets(&mut c, &top);

    let spec = match (
        app,
        graph,
        description,
        image,
        platforms,
        packages,
        runtime,
        build,
        build_args,
        secrets,
    ) {
        (
            Some((app, _)),
            Some(graph),
            Some(description),
            Some(image),
            Some(platforms),
            Some(packages),
            Some(runtime),
            Some(build),
            Some(build_args),
            Some(secrets),
        ) if c.errors.is_empty() => Some(AppSpec {
            file: file.to_string(),
            syntax: source.syntax,
            app,
            graph,
            description,
            image,
            platforms,
            packages,
            runtime,
            build,
            build_args,
            secrets,
            spans: std::mem::take(&mut c.spans),
        }),
        _ => None,
    };
    Outcome {
        spec,
        errors: c.errors,
        unknown: c.unknown,
    }
}

fn source_error(c: &mut Checker<'_>, text: &str, error: SourceError) {
    let example = "# syntax=ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0";
    match error {
        SourceError::SyntaxLine {
            found_at: Some(line),
        } => {
            let span = Span::line_of(text, line);
            c.errors.push(
                Diagnostic::new(c.file, span, codes::SYNTAX_LINE, format!("the `# syntax=` line must be line 1, found on line {line}"))
                    .with_help("move it to the top of the file: BuildKit reads the frontend reference from line 1 only"),
            );
        }
        SourceError::SyntaxLine { found_at: None } => {
            c.errors.push(
                Diagnostic::new(
                    c.file,
                    Span::line_of(text, 1),
                    codes::SYNTAX_LINE,
                    "missing `# syntax=` line: an app spec must start with it",
                )
                .with_help(format!("add `{example}` as line 1")),
            );
        }
        SourceError::EmptySyntax => {
            c.errors.push(
                Diagnostic::new(
                    c.file,
                    Span::line_of(text, 1),
                    codes::SYNTAX_LINE,
                    "the `# syntax=` line names no frontend image",
                )
                .with_help(format!("write `{example}`")),
            );
        }
        SourceError::Toml { message, span } => {
            c.error(span, codes::TOML, format!("invalid TOML: {message}"), None);
        }
    }
}

fn app_name(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<(String, Range<usize>)> {
    let (app, range) = c.string(top, "app", Some("app = \"<directory name under apps/>\""))?;
    if !is_kebab_name(app) {
        c.invalid(
            range,
            format!("app name `{app}` is not a lower-case dashed name"),
            "use the directory name under apps/, e.g. `patient-risk-web`",
        );
        return None;
    }
    if let Some(dir) = app_dir_of(c.file) {
        if dir != app {
            c.invalid(
                range,
                format!("app `{app}` is declared in the spec of `apps/{dir}`"),
                format!("set `app = \"{dir}\"` or move the spec to apps/{app}/"),
            );
            return None;
        }
    }
    Some((app.to_string(), range))
}

/// `<dir>` when `file` is `.../apps/<dir>/<name>`.
fn app_dir_of(file: &str) -> Option<&str> {
    let parts: Vec<&str> = file.split('/').collect();
    match parts.as_slice() {
        [.., "apps", dir, _name] => Some(dir),
        _ => None,
    }
}

fn graph(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<Graph> {
    let (name, range) = c.string(top, "graph", Some("graph = \"<graph>\""))?;
    let graph = Graph::from_name(name);
    if graph.is_none() {
        let help = suggest::help_for(name, Graph::ALL.iter().map(|g| g.name()));
        c.invalid(range, format!("unknown graph `{name}`"), help);
    }
    graph
}

fn image(
    c: &mut Checker<'_>,
    top: &Scope<'_>,
    app: Option<&(String, Range<usize>)>,
) -> Option<String> {
    let (image, range) = c.string(
        top,
        "image",
        Some("image = \"<repository from contracts/release.toml>\""),
    )?;
    if !is_repository_name(image) {
        c.invalid(range, format!("`{image}` is not a valid image repository name"), "use lower-case letters, digits and single `.`, `_`, `-` separators, without registry or tag");
        return None;
    }
    let contract = match release::embedded() {
        Ok(contract) => contract,
        Err(problems) => {
            let d = release::broken_contract(c.file, c.span(range), problems);
            c.errors.push(d);
            return None;
        }
    };
    let path = release::RELEASE_CONTRACT_PATH;
    let (app, app_range) = app?;
    match contract.app(app) {
        None => {
            c.invalid(
                app_range.clone(),
                format!("app `{app}` is not declared in {path}"),
                format!("add `[apps.{app}]` with `repository = \"{image}\"` to {path}"),
            );
            None
        }
        Some(entry) if entry.repository != image => {
            c.invalid(
                range,
                format!(
                    "image `{image}` is not the repository {path} declares for app `{app}` (`{}`)",
                    entry.repository
                ),
                format!("set `image = \"{}\"`, or change {path}", entry.repository),
            );
            None
        }
        Some(_) => Some(image.to_string()),
    }
}

fn platforms(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<Vec<Platform>> {
    if top.table.get("platforms").is_none() {
        return Some(Platform::ALL.to_vec());
    }
    let empty =
        "list at least one, e.g. `[\"linux/amd64\", \"linux/arm64\"]`, or remove the key for both";
    let names = c.list(top, "platforms", None, Some(empty), |name| {
        let help = suggest::help_for(name, Platform::ALL.iter().map(|p| p.name()));
        Platform::from_name(name)
            .is_none()
            .then(|| (format!("unknown platform `{name}`"), help))
    })?;
    names.into_iter().map(Platform::from_name).collect()
}

fn packages(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<Vec<String>> {
    let paths = c.list(top, "packages", None, None, |path| {
        let name = path.strip_prefix("packages/").unwrap_or("");
        let bad = !is_repo_path(path) || name.is_empty() || name.contains('/');
        bad.then(|| {
            let help = "write `packages/<name>`: a directory directly under packages/";
            (format!("`{path}` is not a package path"), help.to_string())
        })
    })?;
    Some(owned(paths))
}

fn owned(items: Vec<&str>) -> Vec<String> {
    items.into_iter().map(str::to_string).collect()
}

fn runtime(c: &mut Checker<'_>, scope: &Scope<'_>) -> Option<Runtime> {
    c.unknown_keys(scope, &RUNTIME_KEYS, &[]);
    let main_port = port(c, scope, "port", Some("port = 8080"));
    let probe_port = if scope.table.get("probe-port").is_some() {
        port(c, scope, "probe-port", None)
    } else {
        main_port
    };
    let health = http_path(c, scope, "health", "health = \"/healthz\"");
    let readiness = http_path(c, scope, "readiness", "readiness = \"/readyz\"");
    let migrations = c.boolean(scope, "migrations", Some("migrations = false"));
    let user = id(c, scope, "user", Some("user = 10001"), 1);
    let group = if scope.table.get("group").is_some() {
        id(c, scope, "group", None, 0)
    } else {
        user
    };
    Some(Runtime {
        port: main_port?,
        probe_port: probe_port?,
        health: health?,
        readiness: readiness?,
        migrations: migrations?,
        user: user?,
        group: group?,
    })
}

fn port(c: &mut Checker<'_>, scope: &Scope<'_>, key: &str, required: Option<&str>) -> Option<u16> {
    let (value, range) = c.integer(scope, key, required)?;
    match u16::try_from(value) {
        Ok(p) if p >= 1024 => Some(p),
        Ok(p) if p > 0 => {
            c.invalid(range, format!("{key} {p} is a privileged port: the image runs as a non-root user without capabilities and cannot bind it"), "use a port from 1024 up, e.g. 8080");
            None
        }
        _ => {
            c.invalid(
                range,
                format!("{key} {value} is not a TCP port"),
                "use a port from 1024 to 65535, e.g. 8080",
            );
            None
        }
    }
}

fn http_path(c: &mut Checker<'_>, scope: &Scope<'_>, key: &str, example: &str) -> Option<String> {
    let (path, range) = c.string(scope, key, Some(example))?;
    let clean = path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#');
    if !clean {
        let help = if !path.starts_with('/') && !path.is_empty() {
            format!("start it with `/`: `\"/{}\"`", path.trim())
        } else {
            format!("write an absolute URL path without query or spaces, e.g. `{example}`")
        };
        c.invalid(
            range,
            format!("{key} path `{path}` is not an absolute URL path"),
            help,
        );
        return None;
    }
    Some(path.to_string())
}

fn id(
    c: &mut Checker<'_>,
    scope: &Scope<'_>,
    key: &str,
    required: Option<&str>,
    min: u32,
) -> Option<u32> {
    let (value, range) = c.integer(scope, key, required)?;
    match u32::try_from(value) {
        Ok(v) if v >= min && v <= i32::MAX as u32 => Some(v),
        Ok(0) => {
            c.invalid(range, format!("{key} 0 is root: images run as a non-root user"), "pick a numeric id such as 10001 (or the base image's unprivileged user, e.g. 101 for nginx, 65532 for distroless)");
            None
        }
        _ => {
            c.invalid(
                range,
                format!("{key} {value} is not a valid numeric id"),
                "use a number from 1 to 2147483647",
            );
            None
        }
    }
}

fn build_settings(
    c: &mut Checker<'_>,
    scope: &Scope<'_>,
    graph: Graph,
    packages: Option<&[String]>,
) -> Option<GraphSettings> {
    let allowed = graph.build_keys();
    c.unknown_keys(scope, allowed, &[]);
    // Name the graph in unknown-key messages: the allowed keys depend on it.
    for d in c
        .unknown
        .iter_mut()
        .filter(|d| d.message.ends_with("in [build]"))
    {
        d.message = format!("{} for graph `{graph}`", d.message);
    }
    match graph {
        Graph::PythonApi => python_api(c, scope, packages),
        Graph::WebSpa => web_spa(c, scope),
        Graph::GoOperator => go_operator(c, scope),
        Graph::MkdocsSite => mkdocs_site(c, scope),
    }
}

fn python_api(
    c: &mut Checker<'_>,
    scope: &Scope<'_>,
    packages: Option<&[String]>,
) -> Option<GraphSettings> {
    let wheel = c
        .string(scope, "wheel", Some("wheel = \"packages/<pyo3 package>\""))
        .and_then(|(wheel, range)| {
            if packages.is_some_and(|p| !p.iter().any(|p| p == wheel)) {
                let message = format!("wheel package `{wheel}` is not listed in `packages`");
                c.invalid(range, message, format!("add \"{wheel}\" to `packages`"));
                return None;
            }
            Some(wheel.to_string())
        });
    let example = Some("smoke-imports = [\"<module>\"]");
    let empty = Some("name at least the wheel's module, e.g. `[\"patient_signal\"]`");
    let imports = c.list(scope, "smoke-imports", example, empty, |module| {
        let help = "use a dotted name of identifiers, e.g. `patient_signal`";
        (!is_python_module(module)).then(|| {
            (
                format!("`{module}` is not a Python module name"),
                help.to_string(),
            )
        })
    });
    Some(GraphSettings::PythonApi {
        wheel: wheel?,
        smoke_imports: owned(imports?),
    })
}

fn web_spa(c: &mut Checker<'_>, scope: &Scope<'_>) -> Option<GraphSettings> {
    let (name, range) = c.string(
        scope,
        "npm-workspace",
        Some("npm-workspace = \"<package name>\""),
    )?;
    if !is_npm_name(name) {
        let help = "use the `name` of the workspace's package.json, e.g. `patient-risk-web`";
        c.invalid(range, format!("`{name}` is not an npm package name"), help);
        return None;
    }
    Some(GraphSettings::WebSpa {
        npm_workspace: name.to_string(),
    })
}

fn go_operator(c: &mut Checker<'_>, scope: &Scope<'_>) -> Option<GraphSettings> {
    let (pkg, range) = c.string(
        scope,
        "main-package",
        Some("main-package = \"./cmd/manager\""),
    )?;
    let rest = pkg.strip_prefix("./").unwrap_or("");
    if !(pkg == "." || is_repo_path(rest)) {
        let help = "write it as `go build` takes it from the app directory, e.g. `./cmd/manager`";
        c.invalid(
            range,
            format!("`{pkg}` is not a Go package path relative to the app"),
            help,
        );
        return None;
    }
    Some(GraphSettings::GoOperator {
        main_package: pkg.to_string(),
    })
}

fn mkdocs_site(c: &mut Checker<'_>, scope: &Scope<'_>) -> Option<GraphSettings> {
    let example = Some("configs = [\"<path>/mkdocs.yml\"]");
    let configs = c.list(scope, "configs", example, Some("list the mkdocs.yml of every site"), |path| {
        let yaml = path.ends_with(".yml") || path.ends_with(".yaml");
        (!is_repo_path(path) || !yaml).then(|| {
            let help = "write a path from the repo root ending in .yml, e.g. `apps/dev-guide-docs/mkdocs.yml`";
            (format!("`{path}` is not a repository path of a mkdocs YAML file"), help.to_string())
        })
    });
    let sources = c.list(scope, "sources", None, None, |path| {
        (!is_repo_path(path)).then(|| {
            let help = "write a relative path from the repo root without `..` or a trailing `/`, e.g. `docs`";
            (format!("`{path}` is not a repository path"), help.to_string())
        })
    });
    Some(GraphSettings::MkdocsSite {
        configs: owned(configs?),
        sources: owned(sources?),
    })
}

fn is_python_module(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn is_npm_name(name: &str) -> bool {
    let ok_part = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && !part.starts_with('_')
            && part.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'-' | b'.' | b'_' | b'~')
            })
    };
    match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(scope, pkg)| ok_part(scope) && ok_part(pkg)),
        None => ok_part(name) && name.len() <= 214,
    }
}

/// `[A-Z][A-Z0-9_]*`
pub(crate) fn is_build_arg_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_uppercase())
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn build_args(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<Vec<BuildArg>> {
    let mut args: BTreeMap<String, BuildArg> = COMMON_BUILD_ARGS
        .iter()
        .map(|(name, default, description)| {
            let arg = BuildArg {
                name: name.to_string(),
                default: default.to_string(),
                description: description.to_string(),
                origin: ArgOrigin::Common,
            };
            (name.to_string(), arg)
        })
        .collect();
    if top.table.get("args").is_none() {
        return Some(args.into_values().collect());
    }
    let scope = c.table(top, "args", None)?;
    let mut ok = true;
    for entry in &scope.table.entries {
        let name = entry.key.as_str();
        if !is_build_arg_name(name) {
            let upper = name.to_ascii_uppercase().replace(['-', '.'], "_");
            let help = if is_build_arg_name(&upper) {
                format!("write it as `{upper}`")
            } else {
                "use upper-case letters, digits and `_`, starting with a letter".to_string()
            };
            c.invalid(
                entry.key_span.clone(),
                format!("build arg name `{name}` does not match [A-Z][A-Z0-9_]*"),
                help,
            );
            ok = false;
            continue;
        }
        if name.starts_with("BUILDKIT_") || name.starts_with("BUILDX_") {
            c.invalid(
                entry.key_span.clone(),
                format!("`{name}` is reserved for BuildKit and buildx"),
                "pick a name without the BUILDKIT_/BUILDX_ prefix",
            );
            ok = false;
            continue;
        }
        if let Some(common) = args.get(name).filter(|a| a.origin == ArgOrigin::Common) {
            let message = format!(
                "`{name}` is a build arg every app already has (default `{}`)",
                common.default
            );
            c.invalid(
                entry.key_span.clone(),
                message,
                "remove it from [args]; see docs/app-spec.md#common-build-args",
            );
            ok = false;
            continue;
        }
        let Some(arg_scope) = c.table(&scope, name, None) else {
            ok = false;
            continue;
        };
        c.unknown_keys(&arg_scope, &ARG_KEYS, &[]);
        let default = if arg_scope.table.get("default").is_some() {
            c.string(&arg_scope, "default", None)
                .map(|(d, _)| d.to_string())
        } else {
            Some(String::new())
        };
        let description = c
            .text(
                &arg_scope,
                "description",
                Some("description = \"<what it changes>\""),
            )
            .map(|(d, _)| d.to_string());
        match (default, description) {
            (Some(default), Some(description)) => {
                let arg = BuildArg {
                    name: name.to_string(),
                    default,
                    description,
                    origin: ArgOrigin::Spec,
                };
                args.insert(name.to_string(), arg);
            }
            _ => ok = false,
        }
    }
    ok.then(|| args.into_values().collect())
}

fn secrets(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<Vec<SecretDecl>> {
    if top.table.get("secrets").is_none() {
        return Some(Vec::new());
    }
    let scope = c.table(top, "secrets", None)?;
    let mut out = Vec::new();
    let mut ok = true;
    for entry in &scope.table.entries {
        let Some(id) = SecretId::from_id(&entry.key) else {
            let help = suggest::help_for(&entry.key, SecretId::ALL.iter().map(|s| s.as_str()));
            c.invalid(
                entry.key_span.clone(),
                format!("unknown secret id `{}`", entry.key),
                help,
            );
            ok = false;
            continue;
        };
        match c.text(&scope, &entry.key, None) {
            Some((description, _)) => out.push(SecretDecl {
                id,
                description: description.to_string(),
            }),
            None => ok = false,
        }
    }
    out.sort_by_key(|s| s.id);
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert!(is_build_arg_name("API_BASE_PATH"));
        assert!(is_build_arg_name("V2"));
        assert!(!is_build_arg_name("api_base"));
        assert!(!is_build_arg_name("_X"));
        assert!(!is_build_arg_name("2X"));
        assert!(is_python_module("patient_signal._native"));
        assert!(!is_python_module("patient-signal"));
        assert!(!is_python_module("a..b"));
        assert!(is_npm_name("patient-risk-web"));
        assert!(is_npm_name("@scope/pkg"));
        assert!(!is_npm_name("Patient"));
        assert!(!is_npm_name("@scope"));
        assert_eq!(
            app_dir_of("apps/patient-risk-web/Dockerfile"),
            Some("patient-risk-web")
        );
        assert_eq!(app_dir_of("/work/main/apps/x/Dockerfile"), Some("x"));
        assert_eq!(app_dir_of("Dockerfile"), None);
    }
}
