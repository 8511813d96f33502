//! App specs: the `apps/<app>/Dockerfile` files the patient-risk LLB
//! frontend reads.
//!
//! A spec is a `# syntax=<frontend image>` line followed by a short TOML
//! document that says *what* an app is (which graph builds it, its runtime
//! contract, the packages it consumes, its build args and optional secrets);
//! *how* it is built lives in the Rust graphs of `llb-graphs`. The format is
//! documented in `docs/app-spec.md`.
//!
//! - [`parse`]: text → validated [`AppSpec`], or every problem as
//!   [`Diagnostics`] (file:line:col, code, message, help) in source order.
//!   Two stages: [`node`] keeps what the user wrote with positions,
//!   [`validate`] turns it into the typed spec.
//! - [`parse_lenient`]: the same, except unknown keys are ignored (what
//!   `--check` needs to still lint a spec with a typo).
//! - [`lint`] / [`lint_with`]: the rule registry ([`RULES`]) run over a spec
//!   and a build's options; [`check`] = lenient parse + lint, the
//!   `frontend.lint` subrequest in one call.
//! - [`release`]: the release contract (`contracts/release.toml`), which
//!   every spec's `image` must match.
//! - [`AppSpec::spans`]: where each key was written, so graphs can attach
//!   source locations to the ops a key produces; graphs name keys as
//!   [`SpecKey`]s ([`AppSpec::span_of`]), never as strings.

mod checker;
pub mod context;
mod credential;
pub mod diagnostic;
pub mod limits;
mod lint;
mod node;
pub mod release;
mod spec;
mod suggest;
mod validate;

use std::collections::BTreeMap;

use serde::Serialize;

pub use context::{check_context, Answer, ContextCheck, ContextFacts, Need};
pub use diagnostic::{codes, Diagnostic, Diagnostics, Span};
pub use limits::decode;
pub use lint::{
    lint, lint_with, refused_build_args, rules, LintInput, LintWarning, Rule, ALLOW_CREDENTIAL_LIKE_BUILD_ARGS,
    DOCS_URL, RULES,
};
pub use release::ReleaseContract;
pub use spec::{
    is_reserved_build_arg, AppSpec, ArgOrigin, BuildArg, Graph, GraphSettings, Platform, Runtime,
    SecretDecl, SecretId, SpecKey, Spans, COMMON_BUILD_ARGS,
};

/// The frontend image every spec's `# syntax=` line names.
pub const FRONTEND_IMAGE: &str = "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0";

/// Parse and validate a spec. `file_name` is only used in diagnostics and
/// to check that `app` matches the `apps/<app>/` directory when the name
/// has that shape. Unknown keys are errors.
pub fn parse(file_name: &str, text: &str) -> Result<AppSpec, Diagnostics> {
    let outcome = validate::validate(file_name, text);
    let mut problems = outcome.errors;
    problems.extend(outcome.unknown);
    match outcome.spec {
        Some(spec) if problems.is_empty() => Ok(spec),
        _ => Err(Diagnostics::sorted(problems)),
    }
}

/// Like [`parse`], but unknown keys are skipped instead of failing: for
/// `--check`, which reports them through the `UnknownKey` lint rule.
pub fn parse_lenient(file_name: &str, text: &str) -> Result<AppSpec, Diagnostics> {
    let outcome = validate::validate(file_name, text);
    match outcome.spec {
        Some(spec) if outcome.errors.is_empty() => Ok(spec),
        _ => Err(Diagnostics::sorted(outcome.errors)),
    }
}

/// The answer to `--check`: lint warnings, plus the errors that make the
/// spec unbuildable (then the rules that need a parsed spec did not run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub warnings: Vec<LintWarning>,
    pub errors: Diagnostics,
}

/// Lenient parse + every lint rule. Unknown keys come back as `UnknownKey`
/// warnings (also when other errors stop the parse).
pub fn check(
    file_name: &str,
    text: &str,
    build_args: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
    named_contexts: &BTreeMap<String, String>,
) -> CheckReport {
    match parse_lenient(file_name, text) {
        Ok(spec) => {
            let input = LintInput {
                spec_text: text,
                spec: &spec,
                build_args,
                labels,
                named_contexts,
            };
            CheckReport {
                warnings: lint_with(&input),
                errors: Diagnostics::default(),
            }
        }
        Err(errors) => {
            let warnings = lint::unknown_key_warnings(file_name, text);
            CheckReport { warnings, errors }
        }
    }
}
