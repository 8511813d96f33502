//! Supply-chain metadata of an image result (issue 9):
//!
//! - the frontend-owned SBOM: when `attest:sbom` is requested, for every
//!   platform the files the graph named in [`SbomInputs`] are read through
//!   the LLBBridge (from the solved image and from the build states beside
//!   it), `image-sbom` turns them into an SPDX 2.3 document, and the document
//!   is returned as an in-toto attestation (predicate `https://spdx.dev/Document`),
//!   which keeps BuildKit from running its own scanner;
//! - the OCI annotations of a multi-platform result: every
//!   `org.opencontainers.image.*` label of the configs becomes a manifest
//!   annotation of its platform, and those all platforms share become index
//!   annotations.
//!
//! All platforms are read concurrently once every platform's graph has been
//! solved (lazily), so reading one platform's image never delays the build
//! of the next.

use std::collections::{BTreeMap, BTreeSet};

use gateway_client::{
    Attestation, Client, Code, FrontendError, FrontendResult, RefId, SolveRequest,
};
use image_sbom::dpkg::{DpkgDatabase, OsRelease};
use image_sbom::golang::BuildInfoReader;
use image_sbom::python::DistInfo;
use image_sbom::{BaseImage, DocumentInfo, Ecosystem, ImageSbom, ImageSubject, Parent, SourceError, SBOM_PATH};
use llb::{FileOps, MarshalOpts, Mkfile, Platform, State};
use llb_graphs::{BuildRecord, ImageContent, SbomInputs};

use crate::gateway_error::short_cause;

/// Largest file read in one ReadFile (lock files, dpkg status, METADATA).
const MAX_FILE: i64 = 3 * 1024 * 1024;
/// OCI label and annotation prefix.
const OCI: &str = "org.opencontainers.image.";

/// One platform's solved image, waiting for its attestations.
#[derive(Debug, Clone)]
pub(crate) struct SolvedImage {
    pub(crate) platform: Platform,
    pub(crate) reference: RefId,
    pub(crate) config: llb::ImageConfig,
    pub(crate) sbom: SbomInputs,
}

/// What every platform's document shares.
#[derive(Debug, Clone)]
pub(crate) struct SbomContext {
    pub(crate) caps: BTreeSet<String>,
    pub(crate) no_cache: bool,
    /// `SOURCE_DATE_EPOCH`: the document's `created`.
    pub(crate) source_date_epoch: Option<i64>,
}

/// The SBOM attestation of every image, in order.
pub(crate) async fn attestations(
    client: &Client,
    ctx: &SbomContext,
    images: &[SolvedImage],
) -> Result<Vec<Vec<Attestation>>, FrontendError> {
    let mut jobs = tokio::task::JoinSet::new();
    for (i, image) in images.iter().enumerate() {
        let (client, ctx, image) = (client.clone(), ctx.clone(), image.clone());
        jobs.spawn(async move { (i, platform_attestation(&client, &ctx, &image).await) });
    }
    let mut out: Vec<Vec<Attestation>> = vec![Vec::new(); images.len()];
    while let Some(joined) = jobs.join_next().await {
        let (i, res) = joined.map_err(|e| FrontendError::new(Code::Internal, format!("SBOM task: {e}")))?;
        out[i] = vec![res?];
    }
    Ok(out)
}

fn sbom_error(platform: &Platform, what: impl std::fmt::Display) -> FrontendError {
    FrontendError::new(Code::FailedPrecondition, format!("SBOM for {platform}: {what}"))
}

fn source_error(platform: &Platform, e: SourceError) -> FrontendError {
    sbom_error(platform, format!("{e}"))
}

async fn read_text(client: &Client, platform: &Platform, r: &RefId, path: &str) -> Result<String, FrontendError> {
    let bytes = client
        .read_file(r, path, Some((0, MAX_FILE + 1)))
        .await
        .map_err(|e| sbom_error(platform, format!("cannot read {path}: {}", short_cause(&e))))?;
    if i64::try_from(bytes.len()).unwrap_or(i64::MAX) > MAX_FILE {
        return Err(sbom_error(platform, format!("{path} is larger than {MAX_FILE} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| sbom_error(platform, format!("{path} is not UTF-8: {e}")))
}

/// A file that may be absent.
async fn read_optional(client: &Client, r: &RefId, path: &str) -> Option<String> {
    let bytes = client.read_file(r, path, Some((0, MAX_FILE))).await.ok()?;
    String::from_utf8(bytes).ok()
}

fn label<'a>(config: &'a llb::ImageConfig, key: &str) -> &'a str {
    config.label(key)
}

async fn platform_attestation(
    client: &Client,
    ctx: &SbomContext,
    image: &SolvedImage,
) -> Result<Attestation, FrontendError> {
    let p = &image.platform;
    let cfg = &image.config;
    let vendor = label(cfg, &format!("{OCI}vendor"));
    let mut sbom = ImageSbom::new(ImageSubject {
        name: label(cfg, &format!("{OCI}title")).to_string(),
        version: label(cfg, &format!("{OCI}version")).to_string(),
        platform: p.id(),
        description: label(cfg, &format!("{OCI}description")).to_string(),
        license: label(cfg, &format!("{OCI}licenses")).to_string(),
        source: label(cfg, &format!("{OCI}source")).to_string(),
        revision: label(cfg, &format!("{OCI}revision")).to_string(),
        supplier: if vendor.is_empty() {
            String::new()
        } else {
            format!("Organization: {vendor}")
        },
    });
    if let Some(base) = &image.sbom.base {
        sbom.base_image(BaseImage {
            name: base.name.clone(),
            repository: base.image.repository(),
            tag: base.image.tag().unwrap_or_default().to_string(),
            digest: base.image.digest().map(ToString::to_string).unwrap_or_default(),
            arch: p.architecture().to_string(),
        });
    }
    for content in &image.sbom.image {
        read_image_content(client, image, content, &mut sbom).await?;
    }
    for record in &image.sbom.records {
        read_record(client, ctx, image, record, &mut sbom).await?;
    }
    let unresolved = sbom.unresolved_links();
    if !unresolved.is_empty() {
        return Err(sbom_error(
            p,
            format!(
                "a graph's SBOM record names a linking crate no other record lists ({}); fix the `linked_by` of its ConanLink in llb-graphs",
                unresolved.join(", ")
            ),
        ));
    }
    let created = ctx.source_date_epoch.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    let source = label(cfg, &format!("{OCI}source"));
    let mut creators = vec![format!("Tool: patient-risk-frontend-{}", env!("CARGO_PKG_VERSION"))];
    if !vendor.is_empty() {
        creators.push(format!("Organization: {vendor}"));
    }
    let info = DocumentInfo {
        namespace_prefix: format!(
            "{}/spdx",
            if source.is_empty() {
                "https://spdx.org/spdxdocs/patient-risk"
            } else {
                source
            }
        ),
        created: llb::rfc3339(created),
        creators,
    };
    let doc = sbom.document(&info);
    let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| sbom_error(p, e))?;
    let state = State::scratch()
        .file(
            FileOps::new()
                .mkfile(Mkfile::new(SBOM_PATH, 0o644, bytes).map_err(|e| sbom_error(p, e))?)
                .custom_name(format!(
                    "[internal] write SBOM ({p}, {} packages)",
                    sbom.component_count()
                )),
        )
        .map_err(|e| sbom_error(p, e))?;
    let def = state
        .marshal(&MarshalOpts {
            llb_caps: Some(ctx.caps.clone()),
            ..MarshalOpts::default()
        })
        .map_err(|e| sbom_error(p, e))?;
    let reference = client.solve(SolveRequest::new(def)).await?;
    Ok(Attestation::spdx_sbom(reference, SBOM_PATH))
}

async fn read_image_content(
    client: &Client,
    image: &SolvedImage,
    content: &ImageContent,
    sbom: &mut ImageSbom,
) -> Result<(), FrontendError> {
    let (p, r) = (&image.platform, &image.reference);
    match content {
        ImageContent::DpkgDatabase => {
            let mut db = DpkgDatabase::default();
            if let Some(text) = read_optional(client, r, image_sbom::dpkg::STATUS).await {
                db.status = Some((image_sbom::dpkg::STATUS.to_string(), text));
            }
            if let Ok(entries) = client.read_dir(r, image_sbom::dpkg::STATUS_D, None).await {
                let mut names: Vec<String> = entries
                    .iter()
                    .filter(|e| !e.is_dir())
                    .filter_map(|e| e.path.rsplit('/').next().map(str::to_string))
                    .filter(|n| image_sbom::dpkg::is_status_record(n))
                    .collect();
                names.sort();
                for n in names {
                    let path = format!("{}/{n}", image_sbom::dpkg::STATUS_D);
                    let text = read_text(client, p, r, &path).await?;
                    db.status_d.push((path, text));
                }
            }
            for path in image_sbom::dpkg::OS_RELEASE {
                if let Some(text) = read_optional(client, r, path).await {
                    db.os_release = Some(OsRelease::parse(&text));
                    break;
                }
            }
            if db.is_empty() {
                return Err(sbom_error(
                    p,
                    format!(
                        "the runtime base has no dpkg database ({} or {}/*): the SBOM cannot list its Debian packages",
                        image_sbom::dpkg::STATUS,
                        image_sbom::dpkg::STATUS_D
                    ),
                ));
            }
            sbom.add(db.components(Parent::BaseImage).map_err(|e| source_error(p, e))?);
        }
        ImageContent::PythonSitePackages { dir } => {
            let entries = client
                .read_dir(r, dir, Some("*.dist-info"))
                .await
                .map_err(|e| sbom_error(p, format!("cannot list {dir}: {}", short_cause(&e))))?;
            let mut dirs: Vec<String> = entries
                .iter()
                .filter(|e| e.is_dir())
                .filter_map(|e| e.path.rsplit('/').next().map(str::to_string))
                .filter(|n| n.ends_with(".dist-info"))
                .collect();
            dirs.sort();
            if dirs.is_empty() {
                return Err(sbom_error(p, format!("no *.dist-info directory in {dir}")));
            }
            let mut dists = Vec::new();
            for d in dirs {
                let path = format!("{}/{d}/METADATA", dir.trim_end_matches('/'));
                let text = read_text(client, p, r, &path).await?;
                dists.push(DistInfo { path, text });
            }
            sbom.add(image_sbom::python::site_packages(dir, &dists, Parent::Image).map_err(|e| source_error(p, e))?);
        }
        ImageContent::GoBinary { path } => {
            let mut reader = BuildInfoReader::new(path.clone());
            while let Some((offset, len)) = reader.next_read() {
                let (offset, len) = (
                    i64::try_from(offset).unwrap_or(i64::MAX),
                    i64::try_from(len).unwrap_or(i64::MAX),
                );
                let bytes = client
                    .read_file(r, path, Some((offset, len)))
                    .await
                    .map_err(|e| sbom_error(p, format!("cannot read {path}: {}", short_cause(&e))))?;
                reader.feed(&bytes).map_err(|e| source_error(p, e))?;
            }
            let info = reader.finish().map_err(|e| source_error(p, e))?;
            // Go records `(devel)` for what it built from a directory: those get the image's
            // version (the VERSION build arg).
            let version = label(&image.config, &format!("{OCI}version"));
            sbom.add(info.components(path, Parent::Image, version));
        }
    }
    Ok(())
}

async fn read_record(
    client: &Client,
    ctx: &SbomContext,
    image: &SolvedImage,
    record: &BuildRecord,
    sbom: &mut ImageSbom,
) -> Result<(), FrontendError> {
    let p = &image.platform;
    let state = match record {
        BuildRecord::Cargo { state, .. } | BuildRecord::NpmLock { state, .. } | BuildRecord::Conan { state, .. } => state,
    };
    let def = state
        .marshal(&MarshalOpts {
            platform: Some(p.clone()),
            llb_caps: Some(ctx.caps.clone()),
            ignore_cache: ctx.no_cache,
        })
        .map_err(|e| sbom_error(p, e))?;
    let r = client.solve(SolveRequest::new(def)).await?;
    match record {
        BuildRecord::Cargo { metadata, lock, .. } => {
            let md = read_text(client, p, &r, metadata).await?;
            let lock_text = read_text(client, p, &r, lock).await?;
            let set = image_sbom::cargo::linked_crates(metadata, &md, Some((lock, &lock_text)), None, Parent::Image)
                .map_err(|e| source_error(p, e))?;
            sbom.add(set);
        }
        BuildRecord::NpmLock {
            lock, root, workspace, ..
        } => {
            let text = read_text(client, p, &r, lock).await?;
            // The lock records no author: each bundled package's installed package.json does.
            let locations = image_sbom::npm::production_locations("package-lock.json", &text, workspace)
                .map_err(|e| source_error(p, e))?;
            let mut manifests = BTreeMap::new();
            for loc in locations {
                let path = format!("{}/{loc}/package.json", root.trim_end_matches('/'));
                // Absent only for an optional package npm skipped on the build platform.
                if let Some(manifest) = read_optional(client, &r, &path).await {
                    manifests.insert(loc, manifest);
                }
            }
            let set =
                image_sbom::npm::production_packages("package-lock.json", &text, workspace, &manifests, Parent::Image)
                    .map_err(|e| source_error(p, e))?;
            sbom.add(set);
        }
        BuildRecord::Conan { graph, linked_by, .. } => {
            let text = read_text(client, p, &r, graph).await?;
            let set = image_sbom::conan::packages(graph, &text, Parent::Image).map_err(|e| source_error(p, e))?;
            for c in &set.components {
                sbom.link((Ecosystem::Cargo, linked_by), (Ecosystem::Conan, &c.name));
            }
            sbom.add(set);
        }
    }
    Ok(())
}

/// Adds the OCI annotations of a multi-platform result: each platform's
/// `org.opencontainers.image.*` labels on its manifest, the ones every
/// platform shares on the index. Single-platform results get none (the
/// exporter may write a plain manifest there, which takes no index annotations).
pub(crate) fn annotate(result: &mut FrontendResult, multi_platform: bool, images: &[SolvedImage]) {
    if !multi_platform || images.is_empty() {
        return;
    }
    let oci_labels = |cfg: &llb::ImageConfig| -> BTreeMap<String, String> {
        cfg.config
            .labels
            .iter()
            .flatten()
            .filter(|(k, _)| k.starts_with(OCI))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let per_platform: Vec<(String, BTreeMap<String, String>)> = images
        .iter()
        .map(|i| (i.platform.id(), oci_labels(&i.config)))
        .collect();
    for (id, labels) in &per_platform {
        for (k, v) in labels {
            result.add_metadata(format!("annotation-manifest[{id}].{k}"), v.clone());
        }
    }
    let (_, first) = &per_platform[0];
    for (k, v) in first {
        if per_platform.iter().all(|(_, l)| l.get(k) == Some(v)) {
            result.add_metadata(format!("annotation-index.{k}"), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solved(p: Platform, digest: &str) -> SolvedImage {
        SolvedImage {
            platform: p,
            reference: RefId("r".into()),
            config: llb::ImageConfig {
                config: llb::image_config::RunConfig {
                    labels: Some(
                        [
                            ("org.opencontainers.image.title", "app"),
                            ("org.opencontainers.image.base.digest", digest),
                            ("io.github.x.runtime.port", "8080"),
                        ]
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    ),
                    ..Default::default()
                },
                ..Default::default()
            },
            sbom: SbomInputs::default(),
        }
    }

    #[test]
    fn annotations_per_manifest_and_shared_on_the_index() {
        let images = [
            solved(Platform::linux_amd64(), "sha256:a"),
            solved(Platform::linux_arm64(), "sha256:b"),
        ];
        let mut result = FrontendResult::images(true);
        annotate(&mut result, true, &images);
        let keys: Vec<(&str, &[u8])> = result
            .metadata()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        assert_eq!(
            keys,
            [
                ("annotation-index.org.opencontainers.image.title", b"app".as_slice()),
                (
                    "annotation-manifest[linux/amd64].org.opencontainers.image.base.digest",
                    b"sha256:a"
                ),
                (
                    "annotation-manifest[linux/amd64].org.opencontainers.image.title",
                    b"app"
                ),
                (
                    "annotation-manifest[linux/arm64].org.opencontainers.image.base.digest",
                    b"sha256:b"
                ),
                (
                    "annotation-manifest[linux/arm64].org.opencontainers.image.title",
                    b"app"
                ),
            ]
        );
        let mut single = FrontendResult::images(false);
        annotate(&mut single, false, &images[..1]);
        assert!(
            single.metadata().is_empty(),
            "no annotations on a single-platform result"
        );
    }
}
