//! One graph per app. Each `graph()` reads top to bottom: base → deps →
//! build → runtime → image config, and returns the image for the requested
//! target (the release image, `local-runtime`, or a debug artifact).

mod dev_guide_docs;
mod patient_risk_python_api;
mod patient_risk_web;
mod risk_monitor_operator;

use crate::error::{GraphError, Result};
use crate::request::ImageGraph;
use crate::targets::Stop;
use crate::toolkit::Ctx;

/// Builds the target that stops at `stop`, with the graph it belongs to.
pub(crate) fn graph(ctx: &Ctx<'_>, stop: Stop) -> Result<ImageGraph> {
    match stop {
        Stop::GoOperator(stop) => risk_monitor_operator::graph(ctx, stop),
        Stop::PythonApi(stop) => patient_risk_python_api::graph(ctx, stop),
        Stop::WebSpa(stop) => patient_risk_web::graph(ctx, stop),
        Stop::MkdocsSite(stop) => dev_guide_docs::graph(ctx, stop),
    }
}

/// The error for a spec whose `[build]` table belongs to another graph (the
/// spec parser prevents it; this keeps the match total).
fn settings_mismatch(ctx: &Ctx<'_>) -> GraphError {
    GraphError::Spec {
        spec_file: ctx.req.spec_file.to_string(),
        reason: format!(
            "the [build] table does not match graph = \"{}\"",
            ctx.req.spec.graph
        ),
    }
}

/// A build arg that is pasted into a command line must be a plain token.
fn plain_arg<'a>(ctx: &'a Ctx<'_>, name: &str) -> Result<&'a str> {
    let v = ctx.arg(name);
    if v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '/'))
    {
        Ok(v)
    } else {
        Err(GraphError::InvalidBuildArg {
            name: name.to_string(),
            value: v.to_string(),
            reason: "use letters, digits and . _ + - / only".to_string(),
        })
    }
}
