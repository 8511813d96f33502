//! The build-context check: does the build context hold what the spec names
//! (packages, the npm workspace, the Go main package, MkDocs configs and
//! sources)? Asked under `--check` and before every build, so a missing path
//! fails at the spec's line (`app_spec::check_context` words it) rather than
//! minutes later inside the graph.
//!
//! `app_spec::check_context` asks in rounds (what to look at next can depend on
//! a file just read, e.g. a `package.json`'s workspaces); each round is answered
//! by small solves of the context local that send only the paths asked about,
//! never the whole context: stats and listings send directories without their
//! content, reads send just those files. On an engine that declares
//! `source.local.metadatatransfer` a round is one metadata-only transfer (the
//! stats of every path, content only for the files to read), one solve fewer
//! and no file content the check does not read; on BuildKit v0.13, which lacks
//! the cap, it is a transfer of the paths (StatFile/ReadDir) and one of the
//! files (ReadFile). docs/scale.md ("Used: `source.local.metadatatransfer`")
//! has the measurements.

use std::collections::BTreeSet;

use app_spec::AppSpec;
use gateway_client::{Client, Code, FrontendError, FrontendOptions, SolveRequest};
use llb::{LocalDiffer, LocalOpts, MarshalOpts, State};

use crate::gateway_error::{llb_error, short_cause};

/// The spec's problems with the build context (none when all it names is
/// there), answering each round of `app_spec::check_context` with the
/// transfers of [`plan_context_transfers`]; `caps` decides which (module comment).
pub(crate) async fn context_problems(
    client: &Client,
    opts: &FrontendOptions,
    caps: &BTreeSet<String>,
    spec: &AppSpec,
) -> Result<Vec<app_spec::Diagnostic>, FrontendError> {
    use app_spec::{Answer, ContextCheck, Need};
    let metadata = caps.contains(llb::caps::SOURCE_LOCAL_METADATA_TRANSFER);
    let mut facts = app_spec::ContextFacts::new();
    for _ in 0..6 {
        let needs = match app_spec::check_context(spec, &facts) {
            ContextCheck::Done(problems) => return Ok(problems),
            ContextCheck::Need(needs) => needs,
        };
        let (reads, looks): (Vec<Need>, Vec<Need>) = needs.into_iter().partition(|n| matches!(n, Need::Read(_)));
        for transfer in plan_context_transfers(&looks, &reads, metadata) {
            let reference = solve_context(client, opts, caps, &transfer).await?;
            let answers_looks = transfer.answers_looks();
            let stats = match &transfer.kind {
                TransferKind::Metadata { .. } => {
                    let bytes = client.read_file(&reference, gateway_client::FSUTIL_METADATA_FILE, None).await.map_err(|e| {
                        FrontendError::new(
                            Code::Internal,
                            format!("the metadata-only transfer of the build context left no readable stats: {}", short_cause(&e)),
                        )
                    })?;
                    Some(gateway_client::FileStat::decode_metadata_stream(&bytes).map_err(|e| FrontendError::new(Code::Internal, e.to_string()))?)
                }
                _ => None,
            };
            if answers_looks {
                for need in &looks {
                    let answer = match &stats {
                        Some(stats) => metadata_answer(need, stats),
                        None => match need {
                            Need::ReadDir(p) => match client.read_dir(&reference, p, None).await {
                                Ok(entries) => Answer::Entries(entries.into_iter().map(|e| e.path).collect()),
                                Err(_) => Answer::Missing,
                            },
                            _ => match client.stat_file(&reference, need.path()).await {
                                Ok(st) if st.is_dir() => Answer::Dir,
                                Ok(_) => Answer::File,
                                Err(_) => Answer::Missing,
                            },
                        },
                    };
                    facts.insert(need.clone(), answer);
                }
            }
            if transfer.answers_reads() {
                for need in &reads {
                    let max = app_spec::context::MAX_PACKAGE_JSON_BYTES;
                    let answer = match client.read_file(&reference, need.path(), Some((0, max))).await {
                        Ok(bytes) => Answer::Bytes(bytes),
                        Err(_) => Answer::Missing,
                    };
                    facts.insert(need.clone(), answer);
                }
            }
        }
    }
    Err(FrontendError::new(Code::Internal, "the build-context check of the spec did not settle"))
}

/// What one transfer of the check sends, and so which needs it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TransferKind {
    /// Stats and listings (v0.13): directories without their content.
    Paths,
    /// The files to read (v0.13), with their content.
    Files,
    /// Both in one metadata-only transfer; only `with_content` is sent with content.
    Metadata { with_content: Vec<String> },
}

impl TransferKind {
    /// The name in the transfer's shared key hint and progress line.
    fn as_str(&self) -> &'static str {
        match self {
            TransferKind::Paths => "paths",
            TransferKind::Files => "files",
            TransferKind::Metadata { .. } => "metadata",
        }
    }
}

/// One local transfer of the build-context check.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ContextTransfer {
    kind: TransferKind,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl ContextTransfer {
    fn answers_looks(&self) -> bool {
        self.kind != TransferKind::Files
    }

    fn answers_reads(&self) -> bool {
        self.kind != TransferKind::Paths
    }

    /// `LocalOpts::metadata_only`: the paths sent with content, for a metadata-only transfer.
    fn metadata_only(&self) -> Option<Vec<String>> {
        match &self.kind {
            TransferKind::Metadata { with_content } => Some(with_content.clone()),
            _ => None,
        }
    }

    fn name(&self) -> String {
        match &self.kind {
            TransferKind::Metadata { .. } => {
                "[internal] check the app spec's paths and files in the build context (metadata only)".to_string()
            }
            kind => format!("[internal] check the app spec's {} in the build context", kind.as_str()),
        }
    }
}

/// The transfers that answer one round of needs. Stats and listings send
/// directories without their content (`dir` minus `dir/*`, `dir/*` minus
/// `dir/*/*`). Without `metadata` (BuildKit v0.13): one transfer for those
/// and one for the files to read, as the bridge's StatFile/ReadDir/ReadFile
/// read them. With it: one metadata-only transfer of both, the files to read
/// as its exceptions (sent with content), every other file as a stat only.
fn plan_context_transfers(looks: &[app_spec::Need], reads: &[app_spec::Need], metadata: bool) -> Vec<ContextTransfer> {
    use app_spec::Need;
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for need in looks {
        let (inc, exc) = match need {
            Need::ReadDir(p) => (format!("{p}/*"), format!("{p}/*/*")),
            _ => (need.path().to_string(), format!("{}/*", need.path())),
        };
        include.push(inc);
        exclude.push(exc);
    }
    let read_paths: Vec<String> = reads.iter().map(|n| n.path().to_string()).collect();
    if metadata {
        if looks.is_empty() && reads.is_empty() {
            return Vec::new();
        }
        include.extend(read_paths.iter().cloned());
    }
    // A directory's `dir/*` exclude must not hide another need below it (a spec whose
    // `sources` names `apps/x` and whose configs name `apps/x/mkdocs.yml`).
    exclude.retain(|e| {
        let prefix = &e[..e.find('*').unwrap_or(e.len())];
        !include.iter().any(|i| i.starts_with(prefix) && !i.ends_with("/*"))
    });
    if metadata {
        return vec![ContextTransfer { kind: TransferKind::Metadata { with_content: read_paths }, include, exclude }];
    }
    let mut transfers = Vec::new();
    if !looks.is_empty() {
        transfers.push(ContextTransfer { kind: TransferKind::Paths, include, exclude });
    }
    if !reads.is_empty() {
        transfers.push(ContextTransfer { kind: TransferKind::Files, include: read_paths, exclude: Vec::new() });
    }
    transfers
}

/// A stat or a listing answered from a metadata-only transfer's stats (paths
/// relative to the context root, as fsutil walked them).
fn metadata_answer(need: &app_spec::Need, stats: &[gateway_client::FileStat]) -> app_spec::Answer {
    use app_spec::{Answer, Need};
    let clean = |p: &str| p.trim_start_matches("./").trim_matches('/').to_string();
    let path = clean(need.path());
    let Some(stat) = stats.iter().find(|s| clean(&s.path) == path) else {
        return Answer::Missing;
    };
    match need {
        Need::ReadDir(_) if !stat.is_dir() => Answer::Missing,
        Need::ReadDir(_) => Answer::Entries(
            stats
                .iter()
                .filter_map(|s| {
                    let p = clean(&s.path);
                    let (parent, name) = p.rsplit_once('/').unwrap_or(("", &p));
                    (parent == path).then(|| name.to_string())
                })
                .collect(),
        ),
        _ if stat.is_dir() => Answer::Dir,
        _ => Answer::File,
    }
}

/// The context local with only what `transfer` names sent.
async fn solve_context(
    client: &Client,
    opts: &FrontendOptions,
    caps: &BTreeSet<String>,
    transfer: &ContextTransfer,
) -> Result<gateway_client::RefId, FrontendError> {
    let local = &opts.context_local;
    let session = opts.local_session(local, client.session_id());
    let state = State::local(
        local.clone(),
        LocalOpts {
            include_patterns: transfer.include.clone(),
            exclude_patterns: transfer.exclude.clone(),
            shared_key_hint: Some(format!("{local}:spec-check-{}", transfer.kind.as_str())),
            session_id: Some(session.to_string()).filter(|s| !s.is_empty()),
            differ: Some(LocalDiffer::None),
            metadata_only: transfer.metadata_only(),
            ..LocalOpts::default()
        },
    )
    .map_err(|e| llb_error("cannot describe the build context check", e))?
    .with_custom_name(transfer.name());
    let def = state
        .marshal(&MarshalOpts {
            llb_caps: Some(caps.clone()),
            ..MarshalOpts::default()
        })
        .map_err(|e| llb_error("cannot check the build context", e))?;
    Ok(client.solve(SolveRequest::new(def)).await?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn v0_13() -> BTreeSet<String> {
        llb::caps::BUILDKIT_V0_13.iter().map(|c| c.to_string()).collect()
    }

    /// A v0.34-like engine: the v0.13 caps plus every newer one.
    pub(crate) fn v0_34() -> BTreeSet<String> {
        let mut caps = v0_13();
        caps.extend(llb::caps::NEWER_THAN_V0_13.iter().map(|c| c.to_string()));
        caps
    }

    fn needs() -> (Vec<app_spec::Need>, Vec<app_spec::Need>) {
        use app_spec::Need;
        let looks = vec![Need::Stat("packages/ui-core".into()), Need::ReadDir("packages".into()), Need::Stat("apps/site".into())];
        let reads = vec![Need::Read("apps/site/mkdocs.yml".into())];
        (looks, reads)
    }

    /// Without `source.local.metadatatransfer` (v0.13) a round with stats and reads takes two
    /// transfers, the LLB of today: plain local sources that marshal for a v0.13 engine.
    #[test]
    fn context_check_without_the_cap_keeps_two_plain_transfers() {
        let (looks, reads) = needs();
        let plan = plan_context_transfers(&looks, &reads, false);
        assert_eq!(
            plan,
            [
                ContextTransfer {
                    kind: TransferKind::Paths,
                    include: vec!["packages/ui-core".into(), "packages/*".into(), "apps/site".into()],
                    // `packages/*/*` would hide `packages/ui-core`'s own entry: dropped, as `apps/site/*` below
                    exclude: vec!["packages/ui-core/*".into(), "apps/site/*".into()],
                },
                ContextTransfer { kind: TransferKind::Files, include: vec!["apps/site/mkdocs.yml".into()], exclude: vec![] },
            ]
        );
        for t in &plan {
            let opts = LocalOpts { include_patterns: t.include.clone(), metadata_only: t.metadata_only(), ..LocalOpts::default() };
            let def = State::local("context", opts)
                .unwrap()
                .marshal(&MarshalOpts { llb_caps: Some(v0_13()), ..MarshalOpts::default() })
                .unwrap();
            assert!(def.metadata.values().all(|m| !m.caps.contains_key(llb::caps::SOURCE_LOCAL_METADATA_TRANSFER)));
        }
        assert_eq!(plan_context_transfers(&looks, &[], false).len(), 1);
        assert_eq!(plan_context_transfers(&[], &reads, false)[0].kind, TransferKind::Files);
    }

    /// With the cap, the same round is one metadata-only transfer: stats and listings as stats,
    /// the file to read as its one exception (sent with content). Its source needs the cap, so it
    /// cannot reach a v0.13 engine by mistake: marshal names the cap.
    #[test]
    fn context_check_with_the_cap_is_one_metadata_transfer() {
        let (looks, reads) = needs();
        let plan = plan_context_transfers(&looks, &reads, true);
        assert_eq!(
            plan,
            [ContextTransfer {
                kind: TransferKind::Metadata { with_content: vec!["apps/site/mkdocs.yml".into()] },
                include: vec!["packages/ui-core".into(), "packages/*".into(), "apps/site".into(), "apps/site/mkdocs.yml".into()],
                // the read below `apps/site` keeps `apps/site/*` from being excluded
                exclude: vec!["packages/ui-core/*".into()],
            }]
        );
        assert!(plan[0].answers_looks() && plan[0].answers_reads());
        assert!(plan[0].name().contains("metadata only"));
        let state = State::local("context", LocalOpts { metadata_only: plan[0].metadata_only(), ..LocalOpts::default() }).unwrap();
        let err = state.marshal(&MarshalOpts { llb_caps: Some(v0_13()), ..MarshalOpts::default() }).unwrap_err();
        assert!(llb_error("cannot check the build context", err).to_string().contains(llb::caps::SOURCE_LOCAL_METADATA_TRANSFER));
        let def = state.marshal(&MarshalOpts { llb_caps: Some(v0_34()), ..MarshalOpts::default() }).unwrap();
        assert!(def.metadata.values().any(|m| m.caps.contains_key(llb::caps::SOURCE_LOCAL_METADATA_TRANSFER)));
        assert!(plan_context_transfers(&[], &[], true).is_empty());
    }

    /// Stats and listings answered from the metadata stream give what StatFile and ReadDir give
    /// on a transfer of the same paths: directory, file (a symlink is not a directory), missing,
    /// and a directory's direct entries by name.
    #[test]
    fn metadata_answers_match_stat_and_readdir() {
        use app_spec::{Answer, Need};
        let stat = |path: &str, mode: u32| gateway_client::FileStat {
            path: path.into(),
            mode,
            uid: 0,
            gid: 0,
            size: 0,
            mod_time: 0,
            linkname: String::new(),
        };
        let dir = (1 << 31) | 0o755;
        let stats = [
            stat("apps", dir),
            stat("apps/site", dir),
            stat("apps/site/mkdocs.yml", 0o644),
            stat("packages", dir),
            stat("packages/ui-core", dir),
            stat("packages/ui-core/src", dir),
            stat("packages/link", (1 << 27) | 0o777),
        ];
        assert_eq!(metadata_answer(&Need::Stat("apps/site".into()), &stats), Answer::Dir);
        assert_eq!(metadata_answer(&Need::Stat("./apps/site/".into()), &stats), Answer::Dir);
        assert_eq!(metadata_answer(&Need::Stat("apps/site/mkdocs.yml".into()), &stats), Answer::File);
        assert_eq!(metadata_answer(&Need::Stat("packages/link".into()), &stats), Answer::File);
        assert_eq!(metadata_answer(&Need::Stat("apps/web".into()), &stats), Answer::Missing);
        assert_eq!(
            metadata_answer(&Need::ReadDir("packages".into()), &stats),
            Answer::Entries(vec!["ui-core".into(), "link".into()])
        );
        assert_eq!(metadata_answer(&Need::ReadDir("apps/site/mkdocs.yml".into()), &stats), Answer::Missing);
        assert_eq!(metadata_answer(&Need::ReadDir("nope".into()), &stats), Answer::Missing);
    }
}
