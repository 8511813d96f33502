//! The frontend's answer: image refs per platform, their configs, attestations
//! and metadata, encoded the way BuildKit's exporters read them.
//!
//! - single platform: `Result.ref` + unsuffixed `containerimage.config` (the
//!   moby exporter reads only that key when a single ref is set);
//! - multi-platform: `Result.refs` keyed by platform id +
//!   `containerimage.config/<id>`;
//! - both: `refs.platforms` (`{"Platforms":[{"ID","Platform"}]}`) and
//!   `attestations[<id>]`;
//! - metadata-only (subrequests): no ref at all.

use std::collections::{BTreeMap, HashMap};

use bollard_buildkit_proto::moby::buildkit::v1::frontend as fpb;
use llb::Platform;
use serde_json::json;

/// Metadata key of a single-ref image config.
pub const META_IMAGE_CONFIG: &str = "containerimage.config";
/// Metadata key of the base image config.
pub const META_BASE_IMAGE_CONFIG: &str = "containerimage.base.config";
/// Metadata key of the platform mapping.
pub const META_REFS_PLATFORMS: &str = "refs.platforms";
/// Predicate type of SPDX documents.
pub const SPDX_PREDICATE_TYPE: &str = "https://spdx.dev/Document";
/// Predicate type prefix BuildKit rejects from frontends.
pub const SLSA_PROVENANCE_PREFIX: &str = "https://slsa.dev/provenance/";

/// A ref id returned by `Solve`; the empty id is the empty (scratch) filesystem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RefId(pub String);

impl RefId {
    /// The empty filesystem.
    pub fn scratch() -> Self {
        RefId(String::new())
    }

    /// Whether this is the empty filesystem.
    pub fn is_scratch(&self) -> bool {
        self.0.is_empty()
    }

    /// The id string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn to_pb(&self) -> fpb::Ref {
        fpb::Ref {
            id: self.0.clone(),
            def: None,
        }
    }
}

/// An attestation attached to one platform's image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// In-toto predicate file (`false`) or a bundle directory of statements (`true`).
    pub bundle: bool,
    /// The solved filesystem holding the predicate file or bundle.
    pub reference: RefId,
    /// Path of the predicate file (or bundle dir) inside `reference`.
    pub path: String,
    /// In-toto predicate type.
    pub predicate_type: String,
    /// Attestation metadata (`reason`, `sbom-core`, `inline-only`).
    pub metadata: BTreeMap<String, Vec<u8>>,
}

impl Attestation {
    /// A frontend-owned SPDX SBOM: the predicate JSON at `path` in `reference`,
    /// with `reason=sbom` and `sbom-core=sbom`. BuildKit wraps it into an
    /// in-toto statement whose subjects are the exported image, and skips its
    /// own scanner because an SPDX attestation is present.
    pub fn spdx_sbom(reference: RefId, path: impl Into<String>) -> Self {
        Self {
            bundle: false,
            reference,
            path: path.into(),
            predicate_type: SPDX_PREDICATE_TYPE.to_string(),
            metadata: BTreeMap::from([
                ("reason".to_string(), b"sbom".to_vec()),
                ("sbom-core".to_string(), b"sbom".to_vec()),
            ]),
        }
    }

    fn to_pb(&self) -> fpb::Attestation {
        fpb::Attestation {
            kind: if self.bundle {
                fpb::AttestationKind::Bundle as i32
            } else {
                fpb::AttestationKind::InToto as i32
            },
            metadata: self.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            r#ref: Some(self.reference.to_pb()),
            path: self.path.clone(),
            in_toto_predicate_type: self.predicate_type.clone(),
            in_toto_subjects: Vec::new(),
        }
    }
}

/// One platform's image in a [`FrontendResult`]: the solved ref, its OCI
/// config and attestations, keyed by the platform id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultImage {
    /// The platform (its id keys the result).
    pub platform: Platform,
    /// The solved root filesystem.
    pub reference: RefId,
    /// The OCI image config (sent as its canonical JSON, [`llb::ImageConfig::to_json`]).
    pub config: llb::ImageConfig,
    /// The base image's config, when known.
    pub base_config: Option<llb::ImageConfig>,
    /// Attestations for this platform.
    pub attestations: Vec<Attestation>,
}

/// A result that BuildKit would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultError {
    /// Two images for one platform.
    #[error("two images for platform {0}")]
    DuplicatePlatform(String),
    /// A single-platform result needs exactly one image.
    #[error("a single-platform result needs exactly one image, got {0}")]
    NotSingle(usize),
    /// Frontends may not set SLSA provenance.
    #[error("frontends may not attach provenance attestations ({0}); BuildKit produces provenance itself")]
    Provenance(String),
    /// An in-toto attestation needs a path.
    #[error("attestation `{0}` has no path")]
    NoPath(String),
}

/// Builds a `Result` for `Return`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrontendResult {
    multi_platform: bool,
    images: Vec<ResultImage>,
    metadata: BTreeMap<String, Vec<u8>>,
}

impl FrontendResult {
    /// An image result; `multi_platform` selects the `refs` form.
    pub fn images(multi_platform: bool) -> Self {
        Self {
            multi_platform,
            ..Self::default()
        }
    }

    /// A result with metadata only (subrequest replies).
    pub fn metadata_only() -> Self {
        Self::default()
    }

    /// Adds one platform's image.
    pub fn add_image(&mut self, image: ResultImage) -> Result<(), ResultError> {
        if self.images.iter().any(|i| i.platform == image.platform) {
            return Err(ResultError::DuplicatePlatform(image.platform.id()));
        }
        for a in &image.attestations {
            if a.predicate_type.starts_with(SLSA_PROVENANCE_PREFIX) {
                return Err(ResultError::Provenance(a.predicate_type.clone()));
            }
            if a.path.is_empty() {
                return Err(ResultError::NoPath(a.predicate_type.clone()));
            }
        }
        self.images.push(image);
        Ok(())
    }

    /// Adds a metadata entry (later entries with the same key win).
    pub fn add_metadata(&mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) {
        self.metadata.insert(key.into(), value.into());
    }

    /// The images added so far.
    pub fn image_list(&self) -> &[ResultImage] {
        &self.images
    }

    /// The metadata so far (without the keys [`Self::to_pb`] derives).
    pub fn metadata(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.metadata
    }

    /// The `refs.platforms` JSON for the images, in insertion order.
    pub fn platforms_json(&self) -> Vec<u8> {
        let list: Vec<_> = self
            .images
            .iter()
            .map(|i| json!({"ID": i.platform.id(), "Platform": i.platform.to_oci_json()}))
            .collect();
        serde_json::to_vec(&json!({ "Platforms": list })).unwrap_or_default()
    }

    /// Encodes the wire `Result`.
    pub fn to_pb(&self) -> Result<fpb::Result, ResultError> {
        let mut metadata: HashMap<String, Vec<u8>> =
            self.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut attestations = HashMap::new();
        for img in &self.images {
            if !img.attestations.is_empty() {
                attestations.insert(
                    img.platform.id(),
                    fpb::Attestations {
                        attestation: img.attestations.iter().map(Attestation::to_pb).collect(),
                    },
                );
            }
        }
        let result = if self.images.is_empty() {
            None
        } else if self.multi_platform {
            let mut refs = HashMap::new();
            for img in &self.images {
                let id = img.platform.id();
                refs.insert(id.clone(), img.reference.to_pb());
                metadata.insert(format!("{META_IMAGE_CONFIG}/{id}"), img.config.to_json());
                if let Some(base) = &img.base_config {
                    metadata.insert(format!("{META_BASE_IMAGE_CONFIG}/{id}"), base.to_json());
                }
            }
            Some(fpb::result::Result::Refs(fpb::RefMap { refs }))
        } else {
            let [img] = self.images.as_slice() else {
                return Err(ResultError::NotSingle(self.images.len()));
            };
            metadata.insert(META_IMAGE_CONFIG.to_string(), img.config.to_json());
            if let Some(base) = &img.base_config {
                metadata.insert(META_BASE_IMAGE_CONFIG.to_string(), base.to_json());
            }
            Some(fpb::result::Result::Ref(img.reference.to_pb()))
        };
        if !self.images.is_empty() {
            metadata.insert(META_REFS_PLATFORMS.to_string(), self.platforms_json());
        }
        Ok(fpb::Result {
            metadata,
            attestations,
            result,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(p: Platform, id: &str) -> ResultImage {
        ResultImage {
            config: llb::ImageConfig {
                architecture: p.architecture().to_string(),
                os: "linux".to_string(),
                ..Default::default()
            },
            platform: p,
            reference: RefId(id.into()),
            base_config: None,
            attestations: Vec::new(),
        }
    }

    #[test]
    fn single_platform_uses_ref_and_unsuffixed_config() {
        let mut r = FrontendResult::images(false);
        r.add_image(image(Platform::linux_amd64(), "r1")).unwrap();
        let pb = r.to_pb().unwrap();
        match pb.result {
            Some(fpb::result::Result::Ref(ref x)) => assert_eq!(x.id, "r1"),
            other => panic!("want a single ref, got {other:?}"),
        }
        assert_eq!(
            pb.metadata["containerimage.config"],
            br#"{"architecture":"amd64","config":{},"history":[],"os":"linux","rootfs":{"diff_ids":[],"type":"layers"}}"#,
            "the canonical JSON of the typed config"
        );
        assert!(!pb.metadata.contains_key("containerimage.config/linux/amd64"));
        let plats: serde_json::Value = serde_json::from_slice(&pb.metadata["refs.platforms"]).unwrap();
        assert_eq!(
            plats,
            serde_json::json!({"Platforms":[{"ID":"linux/amd64","Platform":{"architecture":"amd64","os":"linux"}}]})
        );
    }

    #[test]
    fn multi_platform_uses_refs_map_and_suffixed_configs() {
        let mut r = FrontendResult::images(true);
        r.add_image(image(Platform::linux_amd64(), "a")).unwrap();
        let mut arm = image(Platform::linux_arm64(), "b");
        arm.attestations.push(Attestation::spdx_sbom(RefId("sbom-b".into()), "/sbom.spdx.json"));
        arm.base_config = Some(llb::ImageConfig::default());
        r.add_image(arm).unwrap();
        r.add_metadata("annotation.org.opencontainers.image.title", "x");
        let pb = r.to_pb().unwrap();
        let Some(fpb::result::Result::Refs(refs)) = pb.result else {
            panic!("want a refs map")
        };
        assert_eq!(refs.refs["linux/amd64"].id, "a");
        assert_eq!(refs.refs["linux/arm64"].id, "b");
        assert!(pb.metadata.contains_key("containerimage.config/linux/amd64"));
        assert!(pb.metadata.contains_key("containerimage.config/linux/arm64"));
        assert!(pb.metadata.contains_key("containerimage.base.config/linux/arm64"));
        assert!(!pb.metadata.contains_key("containerimage.config"));
        assert_eq!(pb.metadata["annotation.org.opencontainers.image.title"], b"x");
        let plats: serde_json::Value = serde_json::from_slice(&pb.metadata["refs.platforms"]).unwrap();
        assert_eq!(plats["Platforms"][1]["ID"], "linux/arm64");
        assert!(!pb.attestations.contains_key("linux/amd64"));
        let att = &pb.attestations["linux/arm64"].attestation[0];
        assert_eq!(att.kind, fpb::AttestationKind::InToto as i32);
        assert_eq!(att.path, "/sbom.spdx.json");
        assert_eq!(att.in_toto_predicate_type, "https://spdx.dev/Document");
        assert_eq!(att.metadata["reason"], b"sbom");
        assert_eq!(att.metadata["sbom-core"], b"sbom");
        assert_eq!(att.r#ref.as_ref().unwrap().id, "sbom-b");
    }

    #[test]
    fn rejects_what_buildkit_would_reject() {
        let mut r = FrontendResult::images(false);
        r.add_image(image(Platform::linux_amd64(), "a")).unwrap();
        assert_eq!(
            r.add_image(image(Platform::linux_amd64(), "b")).unwrap_err(),
            ResultError::DuplicatePlatform("linux/amd64".into())
        );
        r.add_image(image(Platform::linux_arm64(), "c")).unwrap();
        assert_eq!(r.to_pb().unwrap_err(), ResultError::NotSingle(2));

        let mut prov = image(Platform::linux_amd64(), "p");
        prov.attestations.push(Attestation {
            predicate_type: "https://slsa.dev/provenance/v1".into(),
            ..Attestation::spdx_sbom(RefId::scratch(), "/p.json")
        });
        assert!(matches!(
            FrontendResult::images(false).add_image(prov),
            Err(ResultError::Provenance(_))
        ));
    }

    #[test]
    fn metadata_only_has_no_ref() {
        let mut r = FrontendResult::metadata_only();
        r.add_metadata("result.json", "{}");
        let pb = r.to_pb().unwrap();
        assert!(pb.result.is_none());
        assert!(!pb.metadata.contains_key("refs.platforms"));
        assert_eq!(pb.metadata["result.json"], b"{}");
    }
}
