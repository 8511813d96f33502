//! Shared test helpers: the real app specs from apps/<app>/Dockerfile and a
//! request with bases standing in unresolved (tag refs, minimal configs).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use llb::{MarshalOpts, Platform};
use llb_graphs::{
    BuildRequest, ContextSource, ImageGraph, PlatformPolicy, ResolvedBases, TargetInfo,
};

pub const APPS: [&str; 4] = [
    "risk-monitor-operator",
    "patient-risk-python-api",
    "patient-risk-web",
    "dev-guide-docs",
];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub struct Spec {
    pub file: String,
    pub text: String,
    pub spec: app_spec::AppSpec,
}

pub fn spec(app: &str) -> Spec {
    let file = format!("apps/{app}/Dockerfile");
    let text = std::fs::read_to_string(repo_root().join(&file)).unwrap();
    let spec = app_spec::parse(&file, &text).unwrap_or_else(|d| panic!("{d}"));
    Spec { file, text, spec }
}

pub fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The registered target `name` of the spec's app, parsed as the frontend does.
pub fn target(spec: &app_spec::AppSpec, name: &str) -> &'static TargetInfo {
    llb_graphs::targets::parse(spec, Some(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Builds one (app, target, platform) with unpinned local bases; build platform linux/amd64.
pub fn build_with(
    s: &Spec,
    target: &str,
    platform: &Platform,
    build_args: &BTreeMap<String, String>,
) -> llb_graphs::Result<ImageGraph> {
    let build = Platform::linux_amd64();
    let target = llb_graphs::targets::parse(&s.spec, Some(target))?;
    let reqs = llb_graphs::required_bases(&s.spec, target)?;
    let none = BTreeMap::new();
    let bases = ResolvedBases::unpinned(
        &reqs,
        &build,
        std::slice::from_ref(platform),
        build_args,
        &none,
    )?;
    build_on(
        s,
        target,
        platform,
        build_args,
        &bases,
        Some(1_764_288_000),
        &BTreeMap::new(),
    )
}

/// Builds one (app, target, platform) on the given resolved bases, from a local context;
/// build platform linux/amd64.
pub fn build_on(
    s: &Spec,
    target: &'static TargetInfo,
    platform: &Platform,
    build_args: &BTreeMap<String, String>,
    bases: &ResolvedBases,
    source_date_epoch: Option<i64>,
    labels: &BTreeMap<String, String>,
) -> llb_graphs::Result<ImageGraph> {
    let context = ContextSource::local(Some("session-for-tests".to_string()));
    let req = BuildRequest {
        spec: &s.spec,
        spec_file: &s.file,
        spec_text: &s.text,
        target,
        build_platform: Platform::linux_amd64(),
        target_platform: platform.clone(),
        build_args,
        bases,
        context: &context,
        source_date_epoch,
        labels,
        no_cache: false,
    };
    llb_graphs::build(&req)
}

/// The platforms a target is built for in the tests: both for a per-platform target, amd64
/// for the others.
pub fn platforms(policy: PlatformPolicy) -> Vec<Platform> {
    match policy {
        PlatformPolicy::Requested => vec![Platform::linux_amd64(), Platform::linux_arm64()],
        PlatformPolicy::NativeOnly | PlatformPolicy::ArchIndependent => {
            vec![Platform::linux_amd64()]
        }
    }
}

pub fn local_args() -> BTreeMap<String, String> {
    args(&[("BASE_IMAGES", "local"), ("VERSION", "0.1.0")])
}

pub fn build(app: &str, target: &str, platform: &Platform) -> ImageGraph {
    let s = spec(app);
    build_with(&s, target, platform, &local_args())
        .unwrap_or_else(|e| panic!("{app} {target} {platform}: {e}"))
}

pub fn marshal(img: &ImageGraph, platform: &Platform) -> llb::pb::Definition {
    img.state
        .marshal(&MarshalOpts::for_platform(platform.clone()))
        .unwrap()
}
