//! Frontend options: what BuildKit hands a gateway frontend in its environment.
//!
//! Two stages, as in BuildKit's `dockerui`: the raw `key=value` pairs from
//! `BUILDKIT_FRONTEND_OPT_<n>` (split at the first `=`), then a typed
//! [`FrontendOptions`] with one field per option. Every key is a constant in
//! [`keys`]; unknown keys are kept in [`FrontendOptions::raw`] and never fail a
//! build (BuildKit and buildx add keys over time).
//!
//! - [`keys`]: the names (environment variables, option keys, request ids);
//! - `values`: what a parsed option is ([`FrontendOptions`], [`NamedContext`],
//!   [`NoCache`], ...);
//! - `parsers`: [`FrontendOptions::from_env`] / [`FrontendOptions::from_pairs`],
//!   one parser per option, each failing with an [`OptionError`].
//!
//! Imports run one way: keys <- values <- parsers; this file only re-exports.

pub mod keys;
mod parsers;
mod values;

pub use keys::{ENV_EXPORTED_PRODUCT, ENV_OPT_PREFIX, ENV_SESSION_ID, ENV_WORKERS};
pub use parsers::{raw_pairs_from_env, OptionError};
pub use values::{
    AttestRequest, Attestations, CacheImport, FrontendOptions, NamedContext, NetworkMode, NoCache, ResolveMode,
    Subrequest, Ulimit,
};

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use llb::Platform;

    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Result<FrontendOptions, OptionError> {
        FrontendOptions::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn env_values_split_at_first_equals_and_sort_by_index() {
        let vars = vec![
            ("BUILDKIT_FRONTEND_OPT_1".to_string(), "build-arg:X=a=b".to_string()),
            ("BUILDKIT_FRONTEND_OPT_0".to_string(), "no-cache".to_string()),
            ("BUILDKIT_FRONTEND_OPT_10".to_string(), "target=release".to_string()),
            ("BUILDKIT_FRONTEND_OPT_x".to_string(), "ignored=1".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        let pairs = raw_pairs_from_env(vars);
        assert_eq!(
            pairs,
            vec![
                ("no-cache".to_string(), String::new()),
                ("build-arg:X".to_string(), "a=b".to_string()),
                ("target".to_string(), "release".to_string()),
            ]
        );
        let o = FrontendOptions::from_pairs(pairs).unwrap();
        assert_eq!(o.build_args.get("X").map(String::as_str), Some("a=b"));
        assert_eq!(o.no_cache, NoCache::All);
        assert_eq!(o.target.as_deref(), Some("release"));
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let o = opts(&[]).unwrap();
        assert_eq!(o.filename, "Dockerfile");
        assert_eq!(o.dockerfile_local, "dockerfile");
        assert!(!o.dockerfile_key_forced);
        assert_eq!(o.context_local, "context");
        assert!(o.platforms.is_empty());
        assert!(!o.multi_platform);
        assert_eq!(o.image_resolve_mode, ResolveMode::Default);
        assert_eq!(o.no_cache, NoCache::Off);
        assert!(o.request.is_none());
        assert!(o.target.is_none());
        assert_eq!(o.attests, Attestations::default());
    }

    #[test]
    fn platforms_and_multi_platform() {
        let o = opts(&[("platform", "linux/amd64,linux/aarch64")]).unwrap();
        let ids: Vec<String> = o.platforms.iter().map(Platform::id).collect();
        assert_eq!(ids, ["linux/amd64", "linux/arm64"]);
        assert!(o.multi_platform);

        let one = opts(&[("platform", "linux/arm64")]).unwrap();
        assert!(!one.multi_platform);
        let forced = opts(&[("platform", "linux/arm64"), ("multi-platform", "true")]).unwrap();
        assert!(forced.multi_platform);
        let by_arg = opts(&[("build-arg:BUILDKIT_MULTI_PLATFORM", "1")]).unwrap();
        assert!(by_arg.multi_platform);

        let err = opts(&[("platform", "linux/amd64,linux/arm64"), ("multi-platform", "false")]).unwrap_err();
        assert_eq!(err.key, "multi-platform");
        let err = opts(&[("platform", "linux/amd64,bogus/x")]).unwrap_err();
        assert_eq!(err.key, "platform");
        assert!(err.to_string().contains("bogus/x"), "{err}");
    }

    #[test]
    fn build_args_labels_and_epoch() {
        let o = opts(&[
            ("build-arg:BASE_IMAGES", "local"),
            ("build-arg:SOURCE_DATE_EPOCH", "1700000000"),
            ("label:org.opencontainers.image.version", "1.2.3"),
            ("label:", "ignored-empty-name"),
        ])
        .unwrap();
        assert_eq!(o.build_args.get("BASE_IMAGES").map(String::as_str), Some("local"));
        assert_eq!(o.source_date_epoch, Some(1_700_000_000));
        assert_eq!(o.labels.len(), 1);
        assert_eq!(o.labels["org.opencontainers.image.version"], "1.2.3");

        let err = opts(&[("build-arg:SOURCE_DATE_EPOCH", "yesterday")]).unwrap_err();
        assert_eq!(err.key, "build-arg:SOURCE_DATE_EPOCH");
    }

    #[test]
    fn named_contexts_by_kind_and_platform_lookup() {
        let o = opts(&[
            ("context:python-runtime", "docker-image://127.0.0.1:5000/x/py:local"),
            ("context:python-runtime::linux/arm64", "docker-image://example.com/py-arm:1"),
            ("context:docs", "local:_docs"),
            ("context:pkg", "input:pkg"),
            ("context:repo", "https://example.com/r.git#main"),
            ("context:file", "https://example.com/f.tar.gz"),
        ])
        .unwrap();
        let amd = Platform::linux_amd64();
        let arm = Platform::linux_arm64();
        assert_eq!(
            o.named_context("python-runtime", Some(&amd)),
            Some(&NamedContext::DockerImage("127.0.0.1:5000/x/py:local".into()))
        );
        assert_eq!(
            o.named_context("python-runtime", Some(&arm)),
            Some(&NamedContext::DockerImage("example.com/py-arm:1".into()))
        );
        assert_eq!(o.named_context("docs", None), Some(&NamedContext::Local("_docs".into())));
        assert_eq!(o.named_context("pkg", None), Some(&NamedContext::Input("pkg".into())));
        assert!(matches!(o.named_context("repo", None), Some(NamedContext::Git(_))));
        assert!(matches!(o.named_context("file", None), Some(NamedContext::Http(_))));
        assert_eq!(o.named_context("missing", None), None);

        let err = opts(&[("context:x", "docker-image://")]).unwrap_err();
        assert_eq!(err.key, "context:x");
        let err = opts(&[("context:x", "/some/dir")]).unwrap_err();
        assert!(err.reason.contains("docker-image://"), "{err}");
    }

    #[test]
    fn attestations_from_opts_and_build_args() {
        let o = opts(&[
            ("attest:sbom", "type=sbom,generator=example/scanner:1"),
            ("attest:provenance", "mode=min,inline-only=true"),
        ])
        .unwrap();
        let sbom = o.attests.sbom.unwrap();
        assert_eq!(sbom.params.get("generator").map(String::as_str), Some("example/scanner:1"));
        assert!(!sbom.params.contains_key("type"));
        let prov = o.attests.provenance.unwrap();
        assert_eq!(prov.params.get("mode").map(String::as_str), Some("min"));
        assert_eq!(prov.params.get("inline-only").map(String::as_str), Some("true"));

        let disabled = opts(&[("attest:sbom", "type=sbom,disabled=true")]).unwrap();
        assert!(disabled.attests.sbom.is_none());
        let by_arg = opts(&[("build-arg:BUILDKIT_ATTEST_SBOM", "")]).unwrap();
        assert!(by_arg.attests.sbom.is_some());
        let quoted = opts(&[("attest:sbom", "\"generator=a,b\"")]).unwrap();
        assert_eq!(quoted.attests.sbom.unwrap().params["generator"], "a,b");

        let err = opts(&[("attest:signature", "")]).unwrap_err();
        assert!(err.reason.contains("unknown attestation type"), "{err}");
    }

    #[test]
    fn no_cache_resolve_mode_and_cache_imports() {
        let o = opts(&[
            ("no-cache", "release, debug"),
            ("image-resolve-mode", "local"),
            (
                "cache-imports",
                r#"[{"Type":"registry","Attrs":{"ref":"127.0.0.1:5000/cache:x"}},{"Type":"local","Attrs":{"src":"/c"}}]"#,
            ),
        ])
        .unwrap();
        assert!(o.no_cache.applies_to("release"));
        assert!(o.no_cache.applies_to("debug"));
        assert!(!o.no_cache.applies_to("local-runtime"));
        assert_eq!(o.image_resolve_mode, ResolveMode::Local);
        assert_eq!(o.image_resolve_mode.as_str(), "local");
        assert_eq!(o.cache_imports.len(), 2);
        assert_eq!(o.cache_imports[0].kind, "registry");
        assert_eq!(o.cache_imports[0].attrs["ref"], "127.0.0.1:5000/cache:x");

        let legacy = opts(&[("cache-from", "a/b:c,d/e:f")]).unwrap();
        assert_eq!(legacy.cache_imports.len(), 2);
        assert_eq!(legacy.cache_imports[1].attrs["ref"], "d/e:f");

        assert_eq!(opts(&[("image-resolve-mode", "always")]).unwrap_err().key, "image-resolve-mode");
        assert_eq!(opts(&[("cache-imports", "{")]).unwrap_err().key, "cache-imports");
    }

    #[test]
    fn request_files_caps_and_forwarding_keys() {
        let o = opts(&[
            ("requestid", "frontend.outline"),
            ("filename", "spec.toml"),
            ("dockerfilekey", "dockerfile2"),
            ("frontend.caps", "moby.buildkit.frontend.subrequests+forward,moby.buildkit.frontend.contexts"),
            ("source", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0"),
            ("cmdline", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0"),
            ("contextkey", "ctxurl"),
            ("ctxurl", "https://example.com/repo.git"),
            ("local-sessionid:context", "sess-2"),
        ])
        .unwrap();
        assert_eq!(o.request, Some(Subrequest::Outline));
        assert_eq!(o.request.as_ref().unwrap().id(), "frontend.outline");
        assert_eq!(o.filename, "spec.toml");
        assert_eq!(o.dockerfile_local, "dockerfile2");
        assert!(o.dockerfile_key_forced);
        assert!(o.frontend_caps.contains("moby.buildkit.frontend.subrequests"));
        assert!(o.frontend_caps.contains("moby.buildkit.frontend.contexts"));
        assert!(o.cmdline.is_some() && o.source.is_some());
        assert_eq!(o.remote_context.as_deref(), Some("https://example.com/repo.git"));
        assert_eq!(o.local_session("context", "sess-1"), "sess-2");
        assert_eq!(o.local_session("dockerfile", "sess-1"), "sess-1");
        assert_eq!(
            opts(&[("requestid", "frontend.convertllb")]).unwrap().request,
            Some(Subrequest::Other("frontend.convertllb".into()))
        );
        for (id, want) in [
            ("frontend.subrequests.describe", Subrequest::Describe),
            ("frontend.targets", Subrequest::Targets),
            ("frontend.lint", Subrequest::Lint),
        ] {
            assert_eq!(Subrequest::parse(id), want);
        }
    }

    #[test]
    fn sandbox_options() {
        let o = opts(&[
            ("add-hosts", "db=10.0.0.2,v6=[::1]"),
            ("force-network-mode", "none"),
            ("hostname", "h1"),
            ("build-arg:BUILDKIT_SANDBOX_HOSTNAME", "h2"),
            ("shm-size", "67108864"),
            ("ulimit", "nofile=1024:2048,nproc=512"),
            ("cgroup-parent", "/builds"),
        ])
        .unwrap();
        assert_eq!(o.extra_hosts.len(), 2);
        assert_eq!(o.extra_hosts[0], ("db".to_string(), "10.0.0.2".parse().unwrap()));
        assert_eq!(o.extra_hosts[1].1, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(o.network_mode, Some(NetworkMode::None));
        assert_eq!(o.hostname.as_deref(), Some("h2"));
        assert_eq!(o.shm_size, Some(67_108_864));
        assert_eq!(o.ulimits[0], Ulimit { name: "nofile".into(), soft: 1024, hard: 2048 });
        assert_eq!(o.ulimits[1], Ulimit { name: "nproc".into(), soft: 512, hard: 512 });
        assert_eq!(o.cgroup_parent.as_deref(), Some("/builds"));

        assert_eq!(opts(&[("add-hosts", "db=notanip")]).unwrap_err().key, "add-hosts");
        assert_eq!(opts(&[("ulimit", "nofile=10:5")]).unwrap_err().key, "ulimit");
        assert_eq!(opts(&[("force-network-mode", "bridge")]).unwrap_err().key, "force-network-mode");
        assert_eq!(opts(&[("shm-size", "64m")]).unwrap_err().key, "shm-size");
    }
}
