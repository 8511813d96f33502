//! Capabilities from `Ping`: the gateway API caps decide which RPCs we may
//! call, the LLB caps decide which op features a definition may declare.
//!
//! The gateway API cap ids live here ([`api`]); the LLB cap ids have one home,
//! [`llb::caps`], next to the ops that declare them.

use std::collections::BTreeMap;

use bollard_buildkit_proto::moby::buildkit::v1::apicaps::ApiCap;

/// Gateway (frontend API) cap ids (BuildKit `frontend/gateway/pb/caps.go`).
pub mod api {
    /// `Solve`.
    pub const SOLVE_BASE: &str = "solve.base";
    /// `ResolveImageConfig`.
    pub const RESOLVE_IMAGE: &str = "resolveimage";
    /// `ResolveImageConfig.ResolveMode`.
    pub const RESOLVE_IMAGE_RESOLVE_MODE: &str = "resolveimage.resolvemode";
    /// `ReadFile`.
    pub const READ_FILE: &str = "readfile";
    /// `Return`.
    pub const RETURN: &str = "return";
    /// `ReadDir`.
    pub const READ_DIR: &str = "readdir";
    /// `StatFile`.
    pub const STAT_FILE: &str = "statfile";
    /// `SolveRequest.CacheImports`.
    pub const IMPORT_CACHES: &str = "importcaches";
    /// `Result.ref` / `Result.refs` (instead of the deprecated string ids).
    pub const PROTO_REF_ARRAY: &str = "proto.refarray";
    /// `Inputs`.
    pub const FRONTEND_INPUTS: &str = "frontend.inputs";
    /// Frontend caps in solve opts (subrequest forwarding).
    pub const FRONTEND_CAPS: &str = "frontend.caps";
    /// `SolveRequest.Evaluate`.
    pub const SOLVE_EVALUATE: &str = "gateway.solve.evaluate";
    /// `Evaluate`.
    pub const EVALUATE: &str = "gateway.evaluate";
    /// `Warn`.
    pub const WARNINGS: &str = "gateway.warnings";
    /// `Result.attestations`.
    pub const ATTESTATIONS: &str = "reference.attestations";
    /// `ResolveSourceMeta`.
    pub const SOURCE_META_RESOLVER: &str = "source.metaresolver";
}

/// One cap as the daemon reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapState {
    /// Whether the daemon enables it.
    pub enabled: bool,
    /// The daemon's reason when disabled.
    pub disabled_reason: Option<String>,
}

/// Caps reported by `Ping`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caps {
    /// Gateway API caps by id.
    pub frontend_api: BTreeMap<String, CapState>,
    /// LLB caps by id.
    pub llb: BTreeMap<String, CapState>,
}

fn to_map(caps: &[ApiCap]) -> BTreeMap<String, CapState> {
    caps.iter()
        .map(|c| {
            let reason = [&c.disabled_reason_msg, &c.disabled_reason]
                .into_iter()
                .find(|s| !s.is_empty())
                .cloned();
            (
                c.id.clone(),
                CapState {
                    enabled: c.enabled,
                    disabled_reason: reason,
                },
            )
        })
        .collect()
}

impl Caps {
    /// From `Pong.FrontendAPICaps` and `Pong.LLBCaps`.
    pub fn from_pong(frontend_api: &[ApiCap], llb: &[ApiCap]) -> Self {
        Self {
            frontend_api: to_map(frontend_api),
            llb: to_map(llb),
        }
    }

    /// Builds caps from enabled ids (tests and daemon-free planning).
    pub fn from_enabled<'a>(
        frontend_api: impl IntoIterator<Item = &'a str>,
        llb: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let on = |ids: &mut dyn Iterator<Item = &'a str>| {
            ids.map(|id| {
                (
                    id.to_string(),
                    CapState {
                        enabled: true,
                        disabled_reason: None,
                    },
                )
            })
            .collect()
        };
        Self {
            frontend_api: on(&mut frontend_api.into_iter()),
            llb: on(&mut llb.into_iter()),
        }
    }

    /// Whether the gateway API cap `id` is enabled.
    pub fn supports(&self, id: &str) -> bool {
        self.frontend_api.get(id).is_some_and(|c| c.enabled)
    }

    /// Whether the LLB cap `id` is enabled.
    pub fn supports_llb(&self, id: &str) -> bool {
        self.llb.get(id).is_some_and(|c| c.enabled)
    }

    /// Every enabled LLB cap id (what a definition's metadata may declare).
    pub fn enabled_llb(&self) -> impl Iterator<Item = &str> {
        self.llb
            .iter()
            .filter(|(_, c)| c.enabled)
            .map(|(id, _)| id.as_str())
    }

    /// Why a gateway API cap is unusable, for error messages.
    pub fn why_not(&self, id: &str) -> String {
        match self.frontend_api.get(id) {
            None => format!("the BuildKit daemon does not offer `{id}`"),
            Some(CapState { enabled: true, .. }) => format!("`{id}` is enabled"),
            Some(CapState {
                disabled_reason: Some(r),
                ..
            }) => format!("`{id}` is disabled by the daemon: {r}"),
            Some(_) => format!("`{id}` is disabled by the daemon"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_disabled_and_missing_caps() {
        let caps = Caps::from_pong(
            &[
                ApiCap {
                    id: api::SOURCE_META_RESOLVER.into(),
                    enabled: true,
                    ..Default::default()
                },
                ApiCap {
                    id: api::WARNINGS.into(),
                    enabled: false,
                    disabled_reason_msg: "too old".into(),
                    ..Default::default()
                },
            ],
            &[ApiCap {
                id: llb::caps::EXEC_SECRET_ENV.into(),
                enabled: true,
                ..Default::default()
            }],
        );
        assert!(caps.supports(api::SOURCE_META_RESOLVER));
        assert!(!caps.supports(api::WARNINGS));
        assert!(!caps.supports(api::RESOLVE_IMAGE));
        assert!(caps.supports_llb(llb::caps::EXEC_SECRET_ENV));
        assert!(!caps.supports_llb(llb::caps::MERGE_OP));
        assert_eq!(caps.enabled_llb().collect::<Vec<_>>(), [llb::caps::EXEC_SECRET_ENV]);
        assert!(caps.why_not(api::WARNINGS).contains("too old"));
        assert!(caps.why_not(api::RESOLVE_IMAGE).contains("does not offer"));
    }
}
