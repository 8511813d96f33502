//! The release contract (`contracts/release.toml`): the image repository of
//! every app, declared in one place.
//!
//! ```toml
//! [registry]
//! default-prefix = "ghcr.io/tirosh-chain/guide"
//!
//! [image]            # optional: OCI labels every app image carries
//! vendor = "tirosh-chain"
//! licenses = "Apache-2.0"
//! source = "https://github.com/tirosh-chain/guide"
//! url = "https://github.com/tirosh-chain/guide/tree/main/apps/{app}"
//!
//! [apps.patient-risk-web]
//! repository = "patient-risk-web"
//! ```
//!
//! The full image name of an app is `<prefix>/<repository>`, where the
//! prefix is `default-prefix` unless the caller moves it (`REGISTRY=` in the
//! Makefile). The copy compiled into this crate ([`embedded`]) is what the
//! spec parser checks each spec's `image` against.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::checker::{is_kebab_name, is_repository_name, Checker, Scope};
use crate::diagnostic::{codes, Diagnostic, Diagnostics, Span};
use crate::node::{parse_toml, SourceError};

/// Where the contract lives in the repository (used in diagnostics).
pub const RELEASE_CONTRACT_PATH: &str = "contracts/release.toml";

/// The contract text this crate was compiled with.
pub const EMBEDDED_TEXT: &str = include_str!("../../../contracts/release.toml");

/// A loaded, validated release contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseContract {
    /// Registry + namespace every repository lives under by default.
    pub default_prefix: String,
    /// By app name.
    pub apps: BTreeMap<String, ReleaseApp>,
    /// `[image]`: the project-wide OCI labels, when declared.
    pub image: Option<ImageLabels>,
}

/// `[image]`: values of `org.opencontainers.image.{vendor,licenses,source,url}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageLabels {
    pub vendor: String,
    /// SPDX expression of the project's own code.
    pub licenses: String,
    /// Source repository URL.
    pub source: String,
    /// Home page of an app's image; `{app}` is replaced by the app name.
    pub url: String,
}

impl ImageLabels {
    /// [`ImageLabels::url`] for `app`.
    pub fn url_for(&self, app: &str) -> String {
        self.url.replace("{app}", app)
    }
}

/// One app's release entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseApp {
    pub app: String,
    /// Repository name under the prefix, e.g. `patient-risk-web`.
    pub repository: String,
    /// Where `[apps.<app>]` was written.
    pub span: Span,
}

impl ReleaseContract {
    pub fn app(&self, app: &str) -> Option<&ReleaseApp> {
        self.apps.get(app)
    }

    /// The app that publishes `repository`, if any.
    pub fn app_for_repository(&self, repository: &str) -> Option<&ReleaseApp> {
        self.apps.values().find(|a| a.repository == repository)
    }

    /// `<prefix>/<repository>` for `app`, with `prefix` defaulting to
    /// [`ReleaseContract::default_prefix`] (a trailing `/` is ignored).
    pub fn image_name(&self, app: &str, prefix: Option<&str>) -> Option<String> {
        let entry = self.apps.get(app)?;
        let prefix = prefix.unwrap_or(&self.default_prefix).trim_end_matches('/');
        Some(format!("{prefix}/{}", entry.repository))
    }
}

/// Parse and validate a release contract. Diagnostics name
/// [`RELEASE_CONTRACT_PATH`].
pub fn load(text: &str) -> Result<ReleaseContract, Diagnostics> {
    let file = RELEASE_CONTRACT_PATH;
    let root = match parse_toml(text) {
        Ok(root) => root,
        Err(SourceError::Toml { message, span }) => {
            let mut c = Checker::new(file, text);
            c.error(span, codes::TOML, format!("invalid TOML: {message}"), None);
            return Err(Diagnostics::sorted(c.errors));
        }
        Err(other) => unreachable!("parse_toml reads no directive line: {other:?}"),
    };
    let mut c = Checker::new(file, text);
    let top = Scope {
        table: &root,
        path: String::new(),
        label: "the top level".to_string(),
        anchor: 0..0,
    };
    c.unknown_keys(&top, &["registry", "image", "apps"], &[]);

    let mut default_prefix = None;
    if let Some(registry) = c.table(
        &top,
        "registry",
        Some("[registry] default-prefix = \"ghcr.io/<owner>/<repo>\""),
    ) {
        c.unknown_keys(&registry, &["default-prefix"], &[]);
        if let Some((prefix, range)) = c.string(
            &registry,
            "default-prefix",
            Some("default-prefix = \"ghcr.io/<owner>/<repo>\""),
        ) {
            if let Some(problem) = prefix_problem(prefix) {
                c.invalid(
                    range,
                    format!("default-prefix `{prefix}` {problem}"),
                    "write `host[:port]/path`, e.g. `ghcr.io/tirosh-chain/guide`",
                );
            } else {
                default_prefix = Some(prefix.to_string());
            }
        }
    }

    let image = image_labels(&mut c, &top);

    let mut apps = BTreeMap::new();
    if let Some(apps_scope) = c.table(&top, "apps", Some("[apps.<app>] repository = \"<name>\"")) {
        let mut repositories: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
        for entry in &apps_scope.table.entries {
            let app = entry.key.as_str();
            if !is_kebab_name(app) {
                c.invalid(
                    entry.key_span.clone(),
                    format!("app name `{app}` is not a lower-case dashed name"),
                    "use the directory name under apps/, e.g. `patient-risk-web`",
                );
                continue;
            }
            let Some(scope) = c.table(&apps_scope, app, None) else {
                continue;
            };
            c.unknown_keys(&scope, &["repository"], &[]);
            let Some((repository, range)) =
                c.string(&scope, "repository", Some("repository = \"<name>\""))
            else {
                continue;
            };
            if !is_repository_name(repository) {
                c.invalid(
                    range,
                    format!("`{repository}` is not a valid image repository name"),
                    "use lower-case letters, digits and single `.`, `_`, `-` separators",
                );
                continue;
            }
            repositories.push((repository, range));
            let span = c.span(entry.full_span());
            apps.insert(
                app.to_string(),
                ReleaseApp {
                    app: app.to_string(),
                    repository: repository.to_string(),
                    span,
                },
            );
        }
        if apps.is_empty() && c.errors.is_empty() {
            c.invalid(
                apps_scope.anchor.clone(),
                "no app is declared".to_string(),
                "add `[apps.<app>]` with `repository = \"<name>\"`",
            );
        }
        c.duplicates("repository", &repositories);
    }

    let mut problems = c.errors;
    problems.extend(c.unknown);
    match default_prefix {
        Some(default_prefix) if problems.is_empty() => Ok(ReleaseContract {
            default_prefix,
            apps,
            image,
        }),
        _ => Err(Diagnostics::sorted(problems)),
    }
}

/// The optional `[image]` table (every key required once it is there).
fn image_labels(c: &mut Checker<'_>, top: &Scope<'_>) -> Option<ImageLabels> {
    let scope = c.table(top, "image", None)?;
    c.unknown_keys(&scope, &["vendor", "licenses", "source", "url"], &[]);
    let mut get = |key: &str, example: &str| {
        let (value, range) = c.string(&scope, key, Some(example))?;
        if value.trim().is_empty() || value.contains('\n') {
            c.invalid(
                range,
                format!("`{key}` must be a non-empty single line"),
                format!("write `{example}`"),
            );
            return None;
        }
        Some((value.to_string(), range))
    };
    let vendor = get("vendor", "vendor = \"<organization>\"");
    let licenses = get("licenses", "licenses = \"Apache-2.0\"");
    let source = get("source", "source = \"https://github.com/<owner>/<repo>\"");
    let url = get(
        "url",
        "url = \"https://github.com/<owner>/<repo>/tree/main/apps/{app}\"",
    );
    for (value, range) in [&source, &url].into_iter().flatten() {
        if !value.starts_with("https://") {
            c.invalid(
                range.clone(),
                format!("`{value}` is not an https:// URL"),
                "write the full https:// address",
            );
            return None;
        }
    }
    if let Some((u, range)) = &url {
        if u.replace("{app}", "").contains(['{', '}']) {
            c.invalid(
                range.clone(),
                format!("`{u}` has a placeholder other than {{app}}"),
                "use only `{app}`",
            );
            return None;
        }
    }
    Some(ImageLabels {
        vendor: vendor?.0,
        licenses: licenses?.0,
        source: source?.0,
        url: url?.0,
    })
}

fn prefix_problem(prefix: &str) -> Option<&'static str> {
    if prefix.is_empty() {
        Some("is empty")
    } else if prefix.contains("://") {
        Some("has a URL scheme")
    } else if prefix.ends_with('/') {
        Some("ends with `/`")
    } else if prefix
        .chars()
        .any(|c| c.is_whitespace() || c.is_ascii_uppercase())
    {
        Some("has spaces or upper-case letters")
    } else {
        None
    }
}

/// The contract compiled into this crate ([`EMBEDDED_TEXT`]), loaded once.
pub fn embedded() -> Result<&'static ReleaseContract, &'static Diagnostics> {
    static CONTRACT: OnceLock<Result<ReleaseContract, Diagnostics>> = OnceLock::new();
    CONTRACT.get_or_init(|| load(EMBEDDED_TEXT)).as_ref()
}

/// A diagnostic for a spec whose `image` cannot be checked because the
/// embedded contract itself is broken.
pub(crate) fn broken_contract(file: &str, span: Span, problems: &Diagnostics) -> Diagnostic {
    let first = problems
        .first()
        .map_or_else(String::new, ToString::to_string);
    Diagnostic::new(
        file,
        span,
        codes::INVALID_VALUE,
        "the release contract compiled into the frontend is invalid",
    )
    .with_help(format!(
        "fix {RELEASE_CONTRACT_PATH} and rebuild the frontend: {first}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[registry]\ndefault-prefix = \"ghcr.io/o/r\"\n\n[apps.web]\nrepository = \"web\"\n\n[apps.api]\nrepository = \"api-server\"\n";

    #[test]
    fn loads_apps_and_builds_image_names() {
        let contract = load(GOOD).unwrap();
        assert_eq!(contract.default_prefix, "ghcr.io/o/r");
        assert_eq!(contract.apps.len(), 2);
        assert_eq!(
            contract.image_name("api", None).as_deref(),
            Some("ghcr.io/o/r/api-server")
        );
        assert_eq!(
            contract
                .image_name("api", Some("127.0.0.1:5000/"))
                .as_deref(),
            Some("127.0.0.1:5000/api-server")
        );
        assert_eq!(contract.image_name("nope", None), None);
        assert_eq!(
            contract.app_for_repository("web").map(|a| a.app.as_str()),
            Some("web")
        );
        assert_eq!(contract.app("web").unwrap().span.line, 4);
    }

    fn codes_of(text: &str) -> Vec<(usize, usize, &'static str)> {
        load(text)
            .unwrap_err()
            .iter()
            .map(|d| (d.line, d.column, d.code))
            .collect()
    }

    #[test]
    fn rejects_bad_contracts_with_positions() {
        let dup = GOOD.replace("api-server", "web");
        assert_eq!(codes_of(&dup), vec![(8, 14, codes::DUPLICATE)]);
        let typo = GOOD.replace("repository = \"web\"", "repo = \"web\"");
        let found = load(&typo).unwrap_err();
        assert_eq!(found[0].code, codes::MISSING_KEY);
        assert_eq!(found[1].code, codes::UNKNOWN_KEY);
        assert_eq!(found[1].help.as_deref(), Some("did you mean `repository`?"));
        let scheme = GOOD.replace("ghcr.io/o/r", "https://ghcr.io/o");
        assert_eq!(codes_of(&scheme), vec![(2, 18, codes::INVALID_VALUE)]);
        let upper = GOOD.replace("api-server", "Api");
        assert_eq!(codes_of(&upper), vec![(8, 14, codes::INVALID_VALUE)]);
        assert_eq!(codes_of("[registry\n"), vec![(1, 10, codes::TOML)]);
        let no_registry = "[apps.web]\nrepository = \"web\"\n";
        assert_eq!(codes_of(no_registry), vec![(1, 1, codes::MISSING_KEY)]);
    }

    #[test]
    fn the_embedded_contract_is_valid() {
        let contract = embedded().expect("contracts/release.toml must load");
        assert_eq!(contract.default_prefix, "ghcr.io/tirosh-chain/guide");
        let image = contract
            .image
            .as_ref()
            .expect("contracts/release.toml declares [image]");
        assert_eq!(image.source, "https://github.com/tirosh-chain/guide");
        assert!(image
            .url_for("patient-risk-web")
            .ends_with("/apps/patient-risk-web"));
    }

    #[test]
    fn image_labels_are_optional_but_complete_when_given() {
        assert_eq!(load(GOOD).unwrap().image, None);
        let with = format!(
            "{GOOD}\n[image]\nvendor = \"o\"\nlicenses = \"MIT\"\nsource = \"https://x.org/r\"\nurl = \"https://x.org/r/{{app}}\"\n"
        );
        let image = load(&with).unwrap().image.unwrap();
        assert_eq!(image.url_for("web"), "https://x.org/r/web");
        let missing = with.replace("vendor = \"o\"\n", "");
        assert_eq!(codes_of(&missing), vec![(10, 1, codes::MISSING_KEY)]);
        let http = with.replace("https://x.org/r\"", "http://x.org/r\"");
        assert_eq!(codes_of(&http)[0].2, codes::INVALID_VALUE);
        let placeholder = with.replace("{app}", "{name}");
        assert_eq!(codes_of(&placeholder)[0].2, codes::INVALID_VALUE);
    }
}
