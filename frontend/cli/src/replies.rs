//! Answers to `--call targets`, `--call outline` and `--check`, built from the
//! spec, the target registry and what the graphs report about themselves.

use std::collections::BTreeMap;

use app_spec::AppSpec;
use gateway_client::subrequests::{
    LintReport, LintWarning, Outline, OutlineArg, OutlineCache, OutlineSecret, TargetEntry, TargetList,
};
use gateway_client::{FrontendError, FrontendOptions, Location};
use llb_graphs::{PlatformPolicy, TargetInfo};

use crate::spec_source::{span_range, SpecSource};

/// The target `name` of the spec's graph (`None` = the default target): the
/// user's `--target`, parsed once, here at the edge.
pub fn target_info(spec: &AppSpec, name: Option<&str>) -> Result<&'static TargetInfo, FrontendError> {
    llb_graphs::targets::parse(spec, name).map_err(graph_error)
}

/// The platforms a target builds for, as shown in replies.
pub fn policy_platforms(spec: &AppSpec, target: &TargetInfo, build_platform: &str) -> Vec<String> {
    match target.platforms {
        PlatformPolicy::Requested => spec.platforms.iter().map(|p| p.name().to_string()).collect(),
        PlatformPolicy::NativeOnly => vec![build_platform.to_string()],
        PlatformPolicy::ArchIndependent => vec![format!("{build_platform} (architecture-independent)")],
    }
}

/// `frontend.targets`: every target of the spec's app, default first.
pub fn targets(spec: &AppSpec, src: &SpecSource, build_platform: &str) -> TargetList {
    let location = Some(src.location(spec.span("graph")));
    TargetList {
        targets: llb_graphs::targets::targets_for(spec.graph)
            .map(|t| TargetEntry {
                name: t.name.to_string(),
                default: t.default,
                description: t.description.to_string(),
                base: String::new(),
                platform: policy_platforms(spec, t, build_platform).join(","),
                location: location.clone(),
            })
            .collect(),
        sources: vec![src.file.clone()],
    }
}

fn graph_error(err: llb_graphs::GraphError) -> FrontendError {
    FrontendError::message(err.to_string())
}

/// `frontend.outline`: the target's build args (with effective values),
/// secrets, cache ids and platforms.
pub fn outline(
    spec: &AppSpec,
    src: &SpecSource,
    target: &TargetInfo,
    opts: &FrontendOptions,
    build_platform: &str,
) -> Result<Outline, FrontendError> {
    let located = |key: String| spec.span(&key).map(|s| Location::in_source(0, vec![span_range(s)]));
    let args = spec
        .build_args
        .iter()
        .map(|a| OutlineArg {
            name: a.name.clone(),
            description: a.description.clone(),
            value: opts.build_args.get(&a.name).unwrap_or(&a.default).clone(),
            location: located(format!("args.{}", a.name)),
        })
        .collect();
    let secrets = llb_graphs::secrets_used(spec, target)
        .map_err(graph_error)?
        .into_iter()
        .map(|s| OutlineSecret {
            location: located(format!("secrets.{}", s.id)),
            name: s.id,
            required: s.required,
        })
        .collect();
    let cache = llb_graphs::cache_ids(spec, target)
        .map_err(graph_error)?
        .into_iter()
        .map(|id| OutlineCache { id, location: None })
        .collect();
    let platforms = if opts.platforms.is_empty() {
        policy_platforms(spec, target, build_platform)
    } else {
        opts.platforms.iter().map(|p| p.id()).collect()
    };
    Ok(Outline {
        name: target.name.to_string(),
        description: target.description.to_string(),
        args,
        secrets,
        ssh: Vec::new(),
        cache,
        platforms,
        sources: vec![src.file.clone()],
    })
}

/// The `context:*` options as name → value (platform-specific entries left out).
pub fn named_context_values(opts: &FrontendOptions) -> BTreeMap<String, String> {
    let prefix = gateway_client::options::keys::CONTEXT_PREFIX;
    opts.raw
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|n| (n, v)))
        .filter(|(n, _)| !n.is_empty() && !n.contains("::"))
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect()
}

/// `frontend.lint`: lint warnings with locations, plus the spec's errors as
/// `buildError` when it does not parse.
pub fn lint(src: &SpecSource, opts: &FrontendOptions) -> LintReport {
    let named = named_context_values(opts);
    let report = app_spec::check(src.filename(), &src.text, &opts.build_args, &opts.labels, &named);
    let mut out = LintReport::default();
    out.add_source(&src.file);
    out.warnings = report
        .warnings
        .iter()
        .map(|w| LintWarning {
            rule_name: w.rule.to_string(),
            description: w.description.to_string(),
            url: w.url.clone(),
            detail: w.detail.clone(),
            location: src.location(w.span),
        })
        .collect();
    if let Some(first) = report.errors.iter().next() {
        out.build_error = Some((report.errors.to_string(), src.location(Some(first.span()))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPERATOR: &str = include_str!("../../../apps/risk-monitor-operator/Dockerfile");

    fn opts(pairs: &[(&str, &str)]) -> FrontendOptions {
        FrontendOptions::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    fn operator() -> (AppSpec, SpecSource) {
        let src = SpecSource::new("Dockerfile", OPERATOR.to_string());
        (src.parse().unwrap(), src)
    }

    #[test]
    fn targets_lists_the_apps_registry_entries_default_first() {
        let (spec, src) = operator();
        let list = targets(&spec, &src, "linux/amd64");
        let names: Vec<&str> = list.targets.iter().map(|t| t.name.as_str()).collect();
        let registry: Vec<&str> = llb_graphs::targets::targets_for(spec.graph).map(|t| t.name).collect();
        assert_eq!(names, registry);
        assert!(list.targets[0].default && list.targets[0].name == "release");
        assert_eq!(list.targets[0].platform, "linux/amd64,linux/arm64");
        let native = list.targets.iter().find(|t| t.name == "local-runtime").unwrap();
        assert_eq!(native.platform, "linux/amd64");
        assert!(list.targets.iter().all(|t| !t.description.is_empty()));
        let json = list.to_json();
        assert_eq!(json["targets"][0]["location"]["sourceIndex"], 0);
        assert!(list.to_text().contains("release (default)"));
    }

    #[test]
    fn unknown_target_names_the_available_ones() {
        let (spec, _) = operator();
        let err = target_info(&spec, Some("relaese")).unwrap_err();
        assert!(err.message.contains("release, "), "{}", err.message);
        assert_eq!(target_info(&spec, None).unwrap().name, "release");
    }

    #[test]
    fn outline_reports_args_secrets_caches_and_platforms() {
        let (spec, src) = operator();
        let t = target_info(&spec, None).unwrap();
        let o = outline(&spec, &src, t, &opts(&[("build-arg:BASE_IMAGES", "local")]), "linux/amd64").unwrap();
        assert_eq!(o.name, "release");
        let base = o.args.iter().find(|a| a.name == "BASE_IMAGES").expect("BASE_IMAGES is a common arg");
        assert_eq!(base.value, "local");
        assert!(o.secrets.iter().any(|s| s.name == "host_ca_bundle"), "{:?}", o.secrets);
        let ca = o.secrets.iter().find(|s| s.name == "host_ca_bundle").unwrap();
        assert_eq!(ca.location.as_ref().unwrap().source_index, 0);
        assert!(!o.cache.is_empty());
        assert_eq!(o.platforms, ["linux/amd64", "linux/arm64"]);
        let text = o.to_text();
        assert!(text.contains("BUILD ARG") && text.contains("SECRET"), "{text}");

        let one = outline(&spec, &src, t, &opts(&[("platform", "linux/arm64")]), "linux/amd64").unwrap();
        assert_eq!(one.platforms, ["linux/arm64"]);
    }

    #[test]
    fn lint_flags_credentials_and_reports_parse_errors_as_build_error() {
        let src = SpecSource::new("Dockerfile", OPERATOR.to_string());
        let rep = lint(&src, &opts(&[("build-arg:API_PASSWORD", "hunter2hunter2")]));
        assert!(rep.warnings.iter().any(|w| w.rule_name == "CredentialLikeBuildArg"), "{:?}", rep.warnings);
        assert!(rep.build_error.is_none());
        assert_eq!(rep.status_code(), 1);

        let clean = lint(&src, &opts(&[]));
        assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
        assert_eq!(clean.status_code(), 0);

        let bad = SpecSource::new("Dockerfile", OPERATOR.replace("\nport = ", "\nport = \"eighty\"\nportx = "));
        let rep = lint(&bad, &opts(&[]));
        let (msg, loc) = rep.build_error.clone().expect("a spec that does not parse is a build error");
        assert!(msg.contains("Dockerfile:"), "{msg}");
        assert_eq!(loc.source_index, 0);
        assert_eq!(rep.to_json()["buildError"]["location"]["sourceIndex"], 0);
    }

    /// Every metadata entry of a reply, in key order, as `== key ==` + bytes.
    fn render(r: &gateway_client::FrontendResult) -> String {
        let mut out = String::new();
        for (k, v) in r.metadata() {
            out.push_str(&format!("== {k} ==\n{}\n", String::from_utf8(v.clone()).unwrap()));
        }
        out
    }

    /// Pins the exact reply bytes for a shipped spec (the operator's): the
    /// targets list, the outline of every target, a lint with a warning and
    /// the describe list, as buildx receives them. A change to how replies are
    /// built must leave these files alone; a change to the operator spec or
    /// its targets moves them on purpose (review, then `cargo insta accept`).
    #[test]
    fn operator_reply_bytes() {
        let (spec, src) = operator();
        let mut out = String::from("### describe\n");
        out.push_str(&render(&gateway_client::subrequests::describe_reply()));
        out.push_str("### targets\n");
        out.push_str(&render(&targets(&spec, &src, "linux/amd64").reply()));
        for t in llb_graphs::targets::targets_for(spec.graph) {
            out.push_str(&format!("### outline {}\n", t.name));
            out.push_str(&render(&outline(&spec, &src, t, &opts(&[]), "linux/amd64").unwrap().reply()));
        }
        out.push_str("### lint\n");
        out.push_str(&render(&lint(&src, &opts(&[("build-arg:API_PASSWORD", "hunter2hunter2")])).reply()));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn named_contexts_keep_plain_names_only() {
        let o = opts(&[
            ("context:go-builder", "docker-image://127.0.0.1:5000/x/go:1"),
            ("context:go-builder::linux/arm64", "docker-image://y/go:1"),
        ]);
        let m = named_context_values(&o);
        assert_eq!(m.len(), 1);
        assert_eq!(m["go-builder"], "docker-image://127.0.0.1:5000/x/go:1");
    }
}
