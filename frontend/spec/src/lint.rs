//! Lint rules for `docker buildx build --check` (the `frontend.lint`
//! subrequest) and for warnings during a build.
//!
//! Every rule sits in one registry, [`RULES`]: its name, a one-line
//! description, the section of docs/app-spec.md that explains it, and the
//! function that checks it. A rule never fails a build; it returns
//! [`LintWarning`]s that point at the spec line when there is one.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::credential::{known_secret_format, suspicious_name, suspicious_value};
use crate::diagnostic::Span;
use crate::spec::{is_reserved_build_arg, AppSpec, ArgOrigin, SecretId};
use crate::suggest;
use crate::validate::validate;

/// Where the rules are documented; each rule's URL adds `#<name in lower case>`.
pub const DOCS_URL: &str = "https://github.com/tirosh-chain/guide/blob/main/docs/app-spec.md";

/// Everything a lint run looks at.
#[derive(Debug, Clone, Copy)]
pub struct LintInput<'a> {
    /// The spec file's text (some rules read comments, which the parsed spec drops).
    pub spec_text: &'a str,
    pub spec: &'a AppSpec,
    /// `build-arg:*` options of the build.
    pub build_args: &'a BTreeMap<String, String>,
    /// `label:*` options of the build.
    pub labels: &'a BTreeMap<String, String>,
    /// `context:<name>` options: name → source (e.g. `docker-image://python:3.13`).
    pub named_contexts: &'a BTreeMap<String, String>,
}

/// One rule of the registry.
#[derive(Clone, Copy)]
pub struct Rule {
    /// CamelCase name, e.g. `CredentialLikeBuildArg`.
    pub name: &'static str,
    pub description: &'static str,
    check: fn(&LintInput<'_>) -> Vec<Finding>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("name", &self.name)
            .field("description", &self.description)
            .finish()
    }
}

impl Rule {
    /// The rule's section in docs/app-spec.md.
    pub fn url(&self) -> String {
        format!("{DOCS_URL}#{}", self.name.to_ascii_lowercase())
    }

    /// Run this rule alone.
    pub fn check(&self, input: &LintInput<'_>) -> Vec<LintWarning> {
        self.warnings((self.check)(input))
    }

    fn warnings(&self, findings: Vec<Finding>) -> Vec<LintWarning> {
        findings
            .into_iter()
            .map(|f| LintWarning {
                rule: self.name,
                description: self.description,
                url: self.url(),
                detail: f.detail,
                span: f.span,
            })
            .collect()
    }
}

/// What one rule found at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintWarning {
    /// The rule's name.
    pub rule: &'static str,
    /// The rule's one-line description.
    pub description: &'static str,
    /// The rule's documentation.
    pub url: String,
    /// What exactly is wrong here and how to fix it. Never contains the
    /// value of something that looks like a credential.
    pub detail: String,
    /// Where in the spec, when the finding is about a spec line (build args
    /// and labels given on the command line have none).
    pub span: Option<Span>,
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.span {
            Some(span) => write!(f, "{}: warning[{}]: {}", span, self.rule, self.detail),
            None => write!(f, "warning[{}]: {}", self.rule, self.detail),
        }
    }
}

#[derive(Debug)]
struct Finding {
    detail: String,
    span: Option<Span>,
    /// The build arg the finding is about (for the credential refusal's opt-out).
    arg: Option<String>,
}

/// The registry, in the order rules run and are documented.
pub const RULES: &[Rule] = &[
    Rule {
        name: "UnknownKey",
        description:
            "The spec has a key the format does not know; builds reject it, --check ignores it",
        check: unknown_key,
    },
    Rule {
        name: "CredentialLikeBuildArg",
        description:
            "A build arg whose name or value looks like a credential; build args are not secret",
        check: credential_like_build_arg,
    },
    Rule {
        name: "CredentialLikeLabel",
        description:
            "A label whose name or value looks like a credential; labels are public image metadata",
        check: credential_like_label,
    },
    Rule {
        name: "SecretDeclaredAsBuildArg",
        description:
            "A build arg named after a BuildKit secret id; pass the value with --secret instead",
        check: secret_declared_as_build_arg,
    },
    Rule {
        name: "UnknownBuildArg",
        description: "A build arg the spec does not declare; nothing reads it",
        check: unknown_build_arg,
    },
    Rule {
        name: "FloatingBaseOverride",
        description: "A base image override without a digest; the build is not reproducible later",
        check: floating_base_override,
    },
    Rule {
        name: "CredentialInSpec",
        description:
            "The spec text (comments included) contains something that looks like a credential",
        check: credential_in_spec,
    },
];

/// The rule registry (same as [`RULES`]).
pub fn rules() -> &'static [Rule] {
    RULES
}

/// Run every rule over a spec and a build's options (the contract's
/// signature; no named contexts). See [`lint_with`].
pub fn lint(
    spec_text: &str,
    spec: &AppSpec,
    build_args: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> Vec<LintWarning> {
    let none = BTreeMap::new();
    lint_with(&LintInput {
        spec_text,
        spec,
        build_args,
        labels,
        named_contexts: &none,
    })
}

/// Run every rule. Warnings come in source order, then those without a
/// spec position in registry order.
pub fn lint_with(input: &LintInput<'_>) -> Vec<LintWarning> {
    let mut out: Vec<(usize, LintWarning)> = Vec::new();
    for (order, rule) in RULES.iter().enumerate() {
        out.extend(rule.check(input).into_iter().map(|w| (order, w)));
    }
    out.sort_by_key(|(order, w)| (w.span.is_none(), w.span, *order));
    out.into_iter().map(|(_, w)| w).collect()
}

/// The build arg that lists (comma-separated) the build args whose values
/// only look like credentials, so that a build does not refuse them:
/// `--build-arg ALLOW_CREDENTIAL_LIKE_BUILD_ARGS=CHECKSUM_SEED`. It never
/// waives `SecretDeclaredAsBuildArg` (`NPM_TOKEN` and the like always carry
/// a secret). See docs/app-spec.md#credential-like-build-args-refuse-a-build.
pub const ALLOW_CREDENTIAL_LIKE_BUILD_ARGS: &str = "ALLOW_CREDENTIAL_LIKE_BUILD_ARGS";

/// The findings that refuse a build: every `SecretDeclaredAsBuildArg`, and
/// every `CredentialLikeBuildArg` whose arg is not listed in
/// [`ALLOW_CREDENTIAL_LIKE_BUILD_ARGS`]. Same wording as `--check`.
pub fn refused_build_args(input: &LintInput<'_>) -> Vec<LintWarning> {
    let allowed: Vec<&str> = input
        .build_args
        .get(ALLOW_CREDENTIAL_LIKE_BUILD_ARGS)
        .map(|v| v.split(',').map(str::trim).filter(|n| !n.is_empty()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for rule in RULES {
        let findings = match rule.name {
            "SecretDeclaredAsBuildArg" => (rule.check)(input),
            "CredentialLikeBuildArg" => (rule.check)(input)
                .into_iter()
                .filter(|f| !f.arg.as_deref().is_some_and(|a| allowed.contains(&a)))
                .collect(),
            _ => continue,
        };
        out.extend(rule.warnings(findings));
    }
    out.sort_by_key(|w| (w.span.is_none(), w.span));
    out
}

fn unknown_key(input: &LintInput<'_>) -> Vec<Finding> {
    unknown_key_findings(&input.spec.file, input.spec_text)
}

/// The `UnknownKey` warnings of a spec text, whether or not the rest of it
/// is valid (for `--check` on a spec that does not parse).
pub(crate) fn unknown_key_warnings(file: &str, text: &str) -> Vec<LintWarning> {
    let rule = RULES
        .iter()
        .find(|r| r.name == "UnknownKey")
        .expect("UnknownKey is registered");
    rule.warnings(unknown_key_findings(file, text))
}

fn unknown_key_findings(file: &str, text: &str) -> Vec<Finding> {
    validate(file, text)
        .unknown
        .into_iter()
        .map(|d| {
            let detail = match &d.help {
                Some(help) => format!("{} ({help})", d.message),
                None => d.message.clone(),
            };
            Finding {
                detail,
                span: Some(d.span()),
                arg: None,
            }
        })
        .collect()
}

/// The secret id a build arg name carries, if any (`NPM_TOKEN` → `npm_token`).
fn secret_in_name(name: &str) -> Option<SecretId> {
    let lower = name.to_ascii_lowercase();
    SecretId::ALL
        .into_iter()
        .find(|id| lower.contains(id.as_str()))
}

const AS_SECRET: &str = "build args are recorded in provenance and image history: pass it with `--secret id=<id>` and declare the id under [secrets]";

fn credential_like_build_arg(input: &LintInput<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let spec = input.spec;
    for arg in spec
        .build_args
        .iter()
        .filter(|a| a.origin == ArgOrigin::Spec)
    {
        let path = format!("args.{}", arg.name);
        if secret_in_name(&arg.name).is_none() {
            if let Some(why) = suspicious_name(&arg.name) {
                let detail = format!(
                    "declared build arg `{}` looks like a credential: {why}; {AS_SECRET}",
                    arg.name
                );
                out.push(Finding {
                    detail,
                    span: spec.span(&path),
                    arg: Some(arg.name.clone()),
                });
            }
        }
        if let Some(why) = suspicious_value(&arg.default) {
            let detail = format!(
                "the default of build arg `{}` looks like a credential: {why}; {AS_SECRET}",
                arg.name
            );
            out.push(Finding {
                detail,
                span: spec.span(&format!("{path}.default")).or(spec.span(&path)),
                arg: Some(arg.name.clone()),
            });
        }
    }
    for (name, value) in input.build_args {
        if name == ALLOW_CREDENTIAL_LIKE_BUILD_ARGS {
            continue; // a list of build-arg names, not a credential
        }
        let declared_in_spec = spec
            .build_arg(name)
            .is_some_and(|a| a.origin == ArgOrigin::Spec);
        if !declared_in_spec && secret_in_name(name).is_none() {
            if let Some(why) = suspicious_name(name) {
                out.push(Finding {
                    detail: format!(
                        "build arg `{name}` looks like a credential: {why}; {AS_SECRET}"
                    ),
                    span: None,
                    arg: Some(name.clone()),
                });
                continue;
            }
        }
        if let Some(why) = suspicious_value(value) {
            let detail = format!("the value given for build arg `{name}` looks like a credential: {why}; {AS_SECRET}");
            out.push(Finding { detail, span: None, arg: Some(name.clone()) });
        }
    }
    out
}

fn credential_like_label(input: &LintInput<'_>) -> Vec<Finding> {
    let fix = "labels are readable by anyone who can pull the image: remove it";
    input
        .labels
        .iter()
        .filter_map(|(name, value)| {
            let why = match suspicious_name(name) {
                Some(why) => why,
                None => suspicious_value(value)?.to_string(),
            };
            Some(Finding {
                detail: format!("label `{name}` looks like a credential: {why}; {fix}"),
                span: None,
                arg: None,
            })
        })
        .collect()
}

fn secret_declared_as_build_arg(input: &LintInput<'_>) -> Vec<Finding> {
    let spec = input.spec;
    let advice = |name: &str, id: SecretId| {
        let declared = if spec.secret(id).is_some() {
            "already declared"
        } else {
            "declare it"
        };
        format!(
            "build arg `{name}` carries what the BuildKit secret `{id}` is for; pass it with `--secret id={id},env={name}` instead ({declared} under [secrets]); build args end up in provenance"
        )
    };
    let mut out = Vec::new();
    for arg in spec
        .build_args
        .iter()
        .filter(|a| a.origin == ArgOrigin::Spec)
    {
        if let Some(id) = secret_in_name(&arg.name) {
            out.push(Finding {
                detail: advice(&arg.name, id),
                span: spec.span(&format!("args.{}", arg.name)),
                arg: Some(arg.name.clone()),
            });
        }
    }
    for name in input.build_args.keys() {
        let declared_in_spec = spec
            .build_arg(name)
            .is_some_and(|a| a.origin == ArgOrigin::Spec);
        if let (false, Some(id)) = (declared_in_spec, secret_in_name(name)) {
            out.push(Finding {
                detail: advice(name, id),
                span: None,
                arg: Some(name.clone()),
            });
        }
    }
    out
}

fn unknown_build_arg(input: &LintInput<'_>) -> Vec<Finding> {
    let spec = input.spec;
    let declared: Vec<&str> = spec.build_args.iter().map(|a| a.name.as_str()).collect();
    input
        .build_args
        .keys()
        .filter(|name| {
            !declared.contains(&name.as_str())
                && !is_reserved_build_arg(name)
                && name.as_str() != ALLOW_CREDENTIAL_LIKE_BUILD_ARGS
        })
        .map(|name| {
            let help = match suggest::closest(name, declared.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "declare it under [args] in {} if the graph should read it",
                    spec.file
                ),
            };
            Finding {
                detail: format!(
                    "build arg `{name}` is not declared by app `{}`: nothing reads it ({help})",
                    spec.app
                ),
                span: None,
                arg: None,
            }
        })
        .collect()
}

fn floating_base_override(input: &LintInput<'_>) -> Vec<Finding> {
    input
        .named_contexts
        .iter()
        .filter_map(|(name, source)| {
            let reference = source.strip_prefix("docker-image://")?;
            if reference.contains("@sha256:") {
                return None;
            }
            Some(Finding {
                arg: None,
                detail: format!(
                    "named context `{name}` overrides a base with `{reference}`, which has no digest: it is resolved to whatever the tag points at today; append `@sha256:<digest>` to pin it"
                ),
                span: None,
            })
        })
        .collect()
}

fn credential_in_spec(input: &LintInput<'_>) -> Vec<Finding> {
    input
        .spec_text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let why = known_secret_format(line)?;
            Some(Finding {
                arg: None,
                detail: format!("line {} looks like it contains a credential: {why}; remove it from the spec and rotate it", i + 1),
                span: Some(Span::line_of(input.spec_text, i + 1)),
            })
        })
        .collect()
}
