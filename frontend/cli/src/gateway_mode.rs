//! Gateway mode: what runs when BuildKit starts the frontend image.
//!
//! Ping → load the spec from the build-file local → answer a subrequest, or
//! resolve and pin every base image → build the graph per target platform →
//! Solve → Return the (multi-)platform result.

use std::collections::{BTreeMap, BTreeSet};

use app_spec::{AppSpec, Diagnostics};
use gateway_client::options::{keys, NamedContext, Subrequest};
use gateway_client::{
    subrequests, Client, Code, FrontendError, FrontendOptions, FrontendResult, ResultImage, SolveRequest,
    Warning,
};
use llb::{LocalDiffer, LocalOpts, MarshalOpts, Platform, State};
use llb_graphs::{BasePlatform, BuildRequest, ContextSource, ResolvedBase, ResolvedBases, TargetInfo};

use crate::context_check::context_problems;
use crate::gateway_error::{llb_error, short_cause};
use crate::replies;
use crate::sbom::{self, SbomContext, SolvedImage};
use crate::spec_source::{span_range, SpecSource};

/// Largest spec file we read.
const MAX_SPEC_BYTES: i64 = 1024 * 1024;

/// Runs the frontend over stdio and exits.
pub fn run() -> ! {
    gateway_client::run(serve)
}

async fn serve(client: Client) -> Result<FrontendResult, FrontendError> {
    let opts = FrontendOptions::from_env()?;
    match &opts.request {
        Some(Subrequest::Describe) => return Ok(subrequests::describe_reply()),
        Some(Subrequest::Other(id)) => return Err(subrequests::unknown_request_error(id)),
        _ => {}
    }
    let caps = engine_caps(client.caps().enabled_llb(), &opts)?;
    let loaded = load_spec(&client, &opts, &caps).await?;
    if opts.request == Some(Subrequest::Lint) {
        let mut report = replies::lint(&loaded.src, &opts);
        // --check also fails on what the spec names but the build context lacks.
        if report.build_error.is_none() && opts.remote_context.is_none() {
            if let Ok(spec) = app_spec::parse_lenient(loaded.src.filename(), &loaded.src.text) {
                let problems = context_problems(&client, &opts, &caps, &spec).await?;
                if let Some(first) = problems.first() {
                    let location = loaded.src.location(Some(first.span()));
                    report.build_error = Some((Diagnostics::from_problems(problems).to_string(), location));
                }
            }
        }
        return Ok(report.reply());
    }
    let spec = loaded.src.parse()?;
    let target = replies::target_info(&spec, opts.target.as_deref())?;
    let build_platform = client.build_platform();
    match opts.request {
        Some(Subrequest::Targets) => {
            return Ok(replies::targets(&spec, &loaded.src, &build_platform.id()).reply());
        }
        Some(Subrequest::Outline) => {
            return Ok(replies::outline(&spec, &loaded.src, target, &opts, &build_platform.id())?.reply());
        }
        _ => {}
    }
    warn_lint(&client, &opts, &loaded, &spec).await;
    refuse_credential_like_build_args(&loaded.src, &opts, &spec)?;
    Build {
        client: &client,
        opts: &opts,
        caps: &caps,
        src: &loaded.src,
        spec: &spec,
        target,
        build_platform,
    }
    .run()
    .await
}

/// The build arg that caps the engine at the LLB caps of BuildKit v0.13
/// (`BUILDKIT_ENGINE_CAPS=v0.13`): a newer engine then gets exactly the LLB
/// Docker 26.1's BuildKit gets, e.g. to compare its output with the fallback's
/// (docs/scale.md, "What differs on the newer engine").
const ENGINE_CAPS_ARG: &str = "BUILDKIT_ENGINE_CAPS";

/// The LLB caps the graphs and the frontend's own solves may use: what Ping
/// declares, less the caps newer than v0.13 when `BUILDKIT_ENGINE_CAPS=v0.13`.
fn engine_caps<'a>(declared: impl IntoIterator<Item = &'a str>, opts: &FrontendOptions) -> Result<BTreeSet<String>, FrontendError> {
    let mut caps: BTreeSet<String> = declared.into_iter().map(str::to_string).collect();
    match opts.build_args.get(ENGINE_CAPS_ARG).map(String::as_str) {
        None | Some("") => {}
        Some("v0.13") => caps.retain(|c| !llb::caps::NEWER_THAN_V0_13.contains(&c.as_str())),
        Some(other) => {
            return Err(FrontendError::message(format!(
                "build arg {ENGINE_CAPS_ARG}=`{other}` is not a cap set: write `--build-arg {ENGINE_CAPS_ARG}=v0.13` to use only \
                 the LLB caps BuildKit v0.13 has, or leave it out to use what the engine declares \
                 (docs/scale.md#what-differs-on-the-newer-engine)"
            )))
        }
    }
    Ok(caps)
}

/// The spec as loaded through the gateway, plus the digest of the op that
/// loaded it (a vertex buildx has shown, so warnings can attach to it).
struct Loaded {
    src: SpecSource,
    vertex: Option<llb::Digest>,
}

async fn load_spec(client: &Client, opts: &FrontendOptions, caps: &BTreeSet<String>) -> Result<Loaded, FrontendError> {
    let local = &opts.dockerfile_local;
    let filename = &opts.filename;
    let session = opts.local_session(local, client.session_id());
    let state = State::local(
        local.clone(),
        LocalOpts {
            follow_paths: vec![filename.clone()],
            shared_key_hint: Some(local.clone()),
            session_id: Some(session.to_string()).filter(|s| !s.is_empty()),
            differ: Some(LocalDiffer::None),
            ..LocalOpts::default()
        },
    )
    .map_err(|e| llb_error("cannot describe the app spec source", e))?
    .with_custom_name(format!("[internal] load app spec from {filename}"));
    let def = state
        .marshal(&MarshalOpts {
            llb_caps: Some(caps.clone()),
            ..MarshalOpts::default()
        })
        .map_err(|e| llb_error("cannot load the app spec", e))?;
    let vertex = llb::result_digest(&def);
    let reference = client.solve(SolveRequest::new(def)).await?;
    let data = client
        .read_file(&reference, filename, Some((0, MAX_SPEC_BYTES + 1)))
        .await
        .map_err(|e| {
            FrontendError::message(format!(
                    "cannot read the app spec `{filename}` from the build-file directory (the directory of -f): {}",
                    short_cause(&e)
                ),
            )
        })?;
    if i64::try_from(data.len()).unwrap_or(i64::MAX) > MAX_SPEC_BYTES {
        return Err(FrontendError::message(format!(
            "the app spec `{filename}` is larger than {MAX_SPEC_BYTES} bytes: is -f pointing at the right file?"
        )));
    }
    let text = app_spec::decode(filename, data.clone()).map_err(|diags| {
        SpecSource::new(filename, String::from_utf8_lossy(&data).into_owned()).diagnostics_error(&diags)
    })?;
    Ok(Loaded {
        src: SpecSource::new(filename, text),
        vertex,
    })
}

/// Sends each lint finding as a build warning (shown under the build output).
async fn warn_lint(client: &Client, opts: &FrontendOptions, loaded: &Loaded, spec: &AppSpec) {
    let Some(vertex) = &loaded.vertex else {
        return;
    };
    for w in app_spec::lint(&loaded.src.text, spec, &opts.build_args, &opts.labels) {
        let warning = Warning {
            vertex: vertex.clone(),
            short: format!("{}: {}", w.rule, w.detail),
            detail: vec![w.description.to_string()],
            url: w.url.clone(),
            source: w.span.map(|s| (loaded.src.file.clone(), vec![span_range(s)])),
        };
        if let Err(e) = client.warn(warning).await {
            eprintln!("patient-risk frontend: Warn failed: {e}");
        }
    }
}

/// A build refuses the build args `--check` reports as credentials (same
/// words), unless `ALLOW_CREDENTIAL_LIKE_BUILD_ARGS` names the ones whose
/// values only look like credentials (docs/app-spec.md).
fn refuse_credential_like_build_args(src: &SpecSource, opts: &FrontendOptions, spec: &AppSpec) -> Result<(), FrontendError> {
    let named = replies::named_context_values(opts);
    let input = app_spec::LintInput {
        spec_text: &src.text,
        spec,
        build_args: &opts.build_args,
        labels: &opts.labels,
        named_contexts: &named,
    };
    let refused = app_spec::refused_build_args(&input);
    if refused.is_empty() {
        return Ok(());
    }
    let mut message = format!("build refused: {} build arg finding(s) that --check reports:\n", refused.len());
    for w in &refused {
        message.push_str(&format!("  {}: {}\n", w.rule, w.detail));
    }
    message.push_str(&format!(
        "  help: pass credentials with --secret; if a value only looks like a credential, allow it with \
         --build-arg {}=NAME[,NAME] (docs/app-spec.md#credential-like-build-args-refuse-a-build)",
        app_spec::ALLOW_CREDENTIAL_LIKE_BUILD_ARGS
    ));
    let err = FrontendError::message(message);
    let ranges: Vec<_> = refused.iter().filter_map(|w| w.span).map(span_range).collect();
    Err(if ranges.is_empty() { err } else { err.with_source(&src.file, &ranges[..1]) })
}

struct Build<'a> {
    client: &'a Client,
    opts: &'a FrontendOptions,
    caps: &'a BTreeSet<String>,
    src: &'a SpecSource,
    spec: &'a AppSpec,
    target: &'static TargetInfo,
    build_platform: Platform,
}

impl Build<'_> {
    async fn run(self) -> Result<FrontendResult, FrontendError> {
        self.refuse_remote_context().await?;
        let platforms: Vec<Platform> = if self.opts.platforms.is_empty() {
            vec![self.build_platform.clone()]
        } else {
            self.opts.platforms.clone()
        };
        // Start-up: the context check (local transfers) and the base lookups (registry round
        // trips) are independent, so they overlap; a context problem still wins over a base
        // error, as when they ran one after the other.
        let (problems, bases) = both(
            context_problems(self.client, self.opts, self.caps, self.spec),
            self.resolve_bases(&platforms),
        )
        .await;
        let problems = problems?;
        if !problems.is_empty() {
            return Err(self.src.diagnostics_error(&Diagnostics::from_problems(problems)));
        }
        let bases = bases?;
        let context = ContextSource::Local {
            name: self.opts.context_local.clone(),
            session_id: Some(self.opts.local_session(&self.opts.context_local, self.client.session_id()).to_string())
                .filter(|s| !s.is_empty()),
        };
        let no_cache = self.opts.no_cache.applies_to(self.target.name);
        let mut solved = Vec::new();
        for platform in &platforms {
            let req = BuildRequest {
                spec: self.spec,
                spec_file: self.src.filename(),
                spec_text: &self.src.text,
                target: self.target,
                build_platform: self.build_platform.clone(),
                target_platform: platform.clone(),
                build_args: &self.opts.build_args,
                bases: &bases,
                context: &context,
                source_date_epoch: self.opts.source_date_epoch,
                labels: &self.opts.labels,
                no_cache,
            };
            let image = llb_graphs::build(&req).map_err(|e| self.graph_error(e))?;
            let def = image
                .state
                .marshal(&MarshalOpts {
                    platform: Some(platform.clone()),
                    llb_caps: Some(self.caps.clone()),
                    ignore_cache: no_cache,
                })
                .map_err(|e| llb_error(&format!("cannot encode the {} graph for {platform}", self.target.name), e))?;
            let reference = self
                .client
                .solve(SolveRequest::new(def).cache_imports(&self.opts.cache_imports))
                .await?;
            let (config, sbom) = (image.config, image.sbom);
            solved.push(SolvedImage { platform: platform.clone(), reference, config, sbom });
        }
        // Frontend-owned SBOMs and OCI annotations (sbom.rs): all platforms at once.
        let attestations = match &self.opts.attests.sbom {
            Some(_) => {
                let ctx = SbomContext { caps: self.caps.clone(), no_cache, source_date_epoch: self.opts.source_date_epoch };
                sbom::attestations(self.client, &ctx, &solved).await?
            }
            None => vec![Vec::new(); solved.len()],
        };
        let mut result = FrontendResult::images(self.opts.multi_platform);
        sbom::annotate(&mut result, self.opts.multi_platform, &solved);
        for (image, attestations) in solved.into_iter().zip(attestations) {
            result
                .add_image(ResultImage {
                    platform: image.platform,
                    reference: image.reference,
                    config: image.config,
                    base_config: None,
                    attestations,
                })
                .map_err(|e| FrontendError::new(Code::Internal, e.to_string()))?;
        }
        Ok(result)
    }

    /// The graphs read the build context from the client's local `context`;
    /// a remote (git/https) or LLB-input context has no such local.
    async fn refuse_remote_context(&self) -> Result<(), FrontendError> {
        if let Some(url) = &self.opts.remote_context {
            return Err(FrontendError::message(format!(
                "remote build contexts are not supported ({url}): run `docker buildx build -f {} .` from a checkout of the repository",
                self.spec.file
            )));
        }
        let inputs = self.client.inputs().await?;
        if inputs.contains_key(keys::DEFAULT_LOCAL_CONTEXT) {
            return Err(FrontendError::message(
                "the build context arrived as an LLB input (a remote or bake-linked context), which the patient-risk graphs cannot read: build from a local checkout with `.` as the context",
            ));
        }
        Ok(())
    }

    fn graph_error(&self, err: llb_graphs::GraphError) -> FrontendError {
        let span = match &err {
            llb_graphs::GraphError::UnsupportedPlatform { .. } => self.spec.span("platforms"),
            _ => None,
        };
        let fe = FrontendError::message(err.to_string());
        match span {
            Some(s) => fe.with_source(&self.src.file, &[span_range(s)]),
            None => fe,
        }
    }

    /// `context:NAME` values for `platform` (a `NAME::os/arch` entry wins).
    fn named_contexts(&self, platform: &Platform) -> BTreeMap<String, String> {
        let mut out = replies::named_context_values(self.opts);
        let suffix = format!("::{}", platform.id());
        for (k, v) in &self.opts.raw {
            if let Some(name) = k.strip_prefix(keys::CONTEXT_PREFIX).and_then(|n| n.strip_suffix(&suffix)) {
                out.insert(name.to_string(), v.clone());
            }
        }
        out
    }

    /// Resolves every base the graph needs (per platform) to a digest and config.
    async fn resolve_bases(&self, targets: &[Platform]) -> Result<ResolvedBases, FrontendError> {
        let required = llb_graphs::required_bases(self.spec, self.target).map_err(|e| self.graph_error(e))?;
        let mut wanted: BTreeMap<(String, Platform), llb::ImageRef> = BTreeMap::new();
        for req in &required {
            let platforms: Vec<&Platform> = match req.platform {
                BasePlatform::Build => vec![&self.build_platform],
                BasePlatform::Target => targets.iter().collect(),
            };
            for p in platforms {
                let named = self.named_contexts(p);
                if let Some(NamedContext::DockerImage(r)) = self.opts.named_context(&req.name, Some(p)) {
                    if r == "scratch" {
                        return Err(FrontendError::message(format!(
                            "--build-context {}=docker-image://scratch: base `{}` needs a real image",
                            req.name, req.name
                        )));
                    }
                }
                let image = llb_graphs::base_ref(&req.name, &self.opts.build_args, &named)
                    .map_err(|e| self.graph_error(e))?;
                wanted.insert((req.name.clone(), p.clone()), image);
            }
        }
        let mut jobs = tokio::task::JoinSet::new();
        for ((name, platform), image) in wanted {
            let client = self.client.clone();
            let mode = self.opts.image_resolve_mode;
            jobs.spawn(async move {
                let log = format!("[internal] load metadata for {image} ({name}, {platform})");
                let res = client.resolve_image(&image, &platform, mode, &log).await;
                (name, platform, image, res)
            });
        }
        let mut bases = ResolvedBases::new();
        let mut failures = Vec::new();
        while let Some(joined) = jobs.join_next().await {
            let (name, platform, image, res) =
                joined.map_err(|e| FrontendError::new(Code::Internal, format!("base resolution task: {e}")))?;
            match res {
                Ok(resolved) => {
                    bases.insert(
                        name,
                        platform.clone(),
                        ResolvedBase {
                            image: resolved.pinned(),
                            config: resolved.config,
                        },
                    );
                }
                Err(e) => failures.push(format!(
                    "cannot resolve base image `{name}` = {image} for {platform}: {}",
                    short_cause(&e)
                )),
            }
        }
        if !failures.is_empty() {
            failures.sort();
            return Err(FrontendError::message(format!(
                    "{}\n  help: with no registry access, run `make bases` and build with --build-arg BASE_IMAGES=local; \
                     to replace one base use --build-context <name>=docker-image://REF",
                    failures.join("\n")
                ),
            ));
        }
        Ok(bases)
    }
}

/// Runs two futures on the current task at once and waits for both (what `tokio::join!`
/// does, without the `macros` feature).
async fn both<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::task::Poll;
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context_check::tests::{v0_13, v0_34};

    /// `both` polls its two futures together: the first one only finishes once the second has
    /// run (awaiting them one after the other would give up after 1000 polls and return 0).
    #[test]
    fn both_runs_the_two_futures_together() {
        use std::task::Poll;
        let (flag, polls) = (std::cell::Cell::new(false), std::cell::Cell::new(0));
        let waits = std::future::poll_fn(|cx| {
            polls.set(polls.get() + 1);
            if flag.get() {
                Poll::Ready(1)
            } else if polls.get() > 1000 {
                Poll::Ready(0)
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        });
        let sets = async {
            flag.set(true);
            2
        };
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(rt.block_on(both(waits, sets)), (1, 2));
    }

    fn options(pairs: &[(&str, &str)]) -> FrontendOptions {
        FrontendOptions::from_pairs(pairs.iter().copied()).unwrap()
    }

    /// `BUILDKIT_ENGINE_CAPS=v0.13` drops exactly the caps newer than v0.13 from what the engine
    /// declares (a v0.34 engine then gets v0.13's LLB); unset keeps them; any other value is an
    /// error naming the build arg and the fix.
    #[test]
    fn engine_caps_arg_masks_the_newer_caps() {
        let declared = v0_34();
        let all = engine_caps(declared.iter().map(String::as_str), &options(&[])).unwrap();
        assert_eq!(all, declared);
        let capped = engine_caps(declared.iter().map(String::as_str), &options(&[("build-arg:BUILDKIT_ENGINE_CAPS", "v0.13")])).unwrap();
        assert_eq!(capped, v0_13());
        // On a v0.13 engine the mask changes nothing.
        let same = engine_caps(v0_13().iter().map(String::as_str), &options(&[("build-arg:BUILDKIT_ENGINE_CAPS", "v0.13")])).unwrap();
        assert_eq!(same, v0_13());
        let err = engine_caps(declared.iter().map(String::as_str), &options(&[("build-arg:BUILDKIT_ENGINE_CAPS", "0.13")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("BUILDKIT_ENGINE_CAPS=`0.13`") && err.contains("--build-arg BUILDKIT_ENGINE_CAPS=v0.13"), "{err}");
    }
}
