//! Package-registry access as typed helpers: a step that resolves packages
//! declares which registry it reaches, and gets exactly what that needs:
//!
//! - the network (every other step runs with `--network none`);
//! - the host CA bundle: secret `host_ca_bundle` mounted (optional) at
//!   `/etc/ssl/certs/ca-certificates.crt`, with the env vars that registry's clients
//!   read pointing at it (`SSL_CERT_FILE`, `PIP_CERT`, `REQUESTS_CA_BUNDLE`,
//!   `CARGO_HTTP_CAINFO`, `NODE_EXTRA_CA_CERTS`, `GIT_SSL_CAINFO`);
//! - for a private index named by a build arg (`UV_INDEX_URL`,
//!   `NPM_REGISTRY_URL`, `CARGO_REGISTRY_INDEX`): its
//!   secrets as secret env vars, turned into tool config only inside the step
//!   (a netrc or npmrc on a tmpfs, or the tool's own env var). The step fails
//!   with a message naming the missing secret id when the index is configured
//!   but the secret was not passed.
//!
//! Secret values never reach a layer, a label, an env default or a build arg:
//! only secret ids and env var names appear in the graph.

use llb::{Mount, SecretEnv, SecretId};

use super::Ctx;
use crate::error::{GraphError, Result};

/// The host CA bundle's secret id.
pub(crate) const HOST_CA_SECRET: &str = "host_ca_bundle";
/// Where the host CA bundle is mounted (and where every tool is told to look).
pub(crate) const HOST_CA_PATH: &str = "/etc/ssl/certs/ca-certificates.crt";
/// tmpfs for config files made from secrets inside a step.
pub(crate) const SECRET_TMPFS: &str = "/run/patient-risk-secrets";

/// The registries steps reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Registry {
    /// The Go module proxy (`GOPROXY` build arg moves it; no credentials).
    GoProxy,
    /// PyPI or a private Python index (`UV_INDEX_URL` + `uv_index_username`/`uv_index_password`).
    PyPi,
    /// The npm registry or a private one (`NPM_REGISTRY_URL` + `npm_token`).
    Npm,
    /// crates.io plus an optional private Cargo registry named `private`
    /// (`CARGO_REGISTRY_INDEX` + `cargo_registry_token`).
    Crates,
    /// A private Conan 2 remote named `private` (`CONAN_REMOTE_URL` +
    /// `conan_login_username`/`conan_password`, through Conan's own env vars).
    Conan,
}

/// Build arg choosing where the internal packages come from: `workspace`
/// (default: built from the repository) or `registry` (the published
/// versions, from the private indexes the build args below name).
pub(crate) const PACKAGE_SOURCE_ARG: &str = "PACKAGE_SOURCE";

/// Where a graph takes the repository's own packages from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageSource {
    /// From the build context (path dependencies, workspace members).
    Workspace,
    /// The published versions (the workspace's version numbers) from the
    /// private registries named by `UV_INDEX_URL`, `NPM_REGISTRY_URL`,
    /// `CARGO_REGISTRY_INDEX`.
    Registry,
}

/// Build args that configure private indexes.
pub(crate) const UV_INDEX_URL_ARG: &str = "UV_INDEX_URL";
pub(crate) const NPM_REGISTRY_URL_ARG: &str = "NPM_REGISTRY_URL";
pub(crate) const CARGO_REGISTRY_INDEX_ARG: &str = "CARGO_REGISTRY_INDEX";
pub(crate) const GOPROXY_ARG: &str = "GOPROXY";
pub(crate) const CONAN_REMOTE_URL_ARG: &str = "CONAN_REMOTE_URL";

/// What a step gets for the registries it reaches.
#[derive(Debug, Default)]
pub(crate) struct Access {
    pub(crate) mounts: Vec<Mount>,
    pub(crate) secret_env: Vec<SecretEnv>,
    pub(crate) env: Vec<(String, String)>,
    /// Shell lines run before the step's own (checks, config from secrets).
    pub(crate) prelude: Vec<String>,
    /// A configured index is on the build host's loopback (127.0.0.1, ::1,
    /// localhost): the step needs the host network (`network.host` entitlement).
    pub(crate) host_network: bool,
    has_tmpfs: bool,
}

impl Ctx<'_> {
    /// `PACKAGE_SOURCE` (build arg; `workspace` when unset).
    pub(crate) fn package_source(&self) -> Result<PackageSource> {
        match self.registry_arg(PACKAGE_SOURCE_ARG) {
            "" | "workspace" => Ok(PackageSource::Workspace),
            "registry" => Ok(PackageSource::Registry),
            other => Err(GraphError::InvalidBuildArg {
                name: PACKAGE_SOURCE_ARG.to_string(),
                value: other.to_string(),
                reason: "use workspace (build the repository's packages from the context) or registry \
                         (consume their published versions from the private registries)"
                    .to_string(),
            }),
        }
    }

    /// In registry mode, the URL build arg `arg` must name the registry the
    /// internal packages (`what`) are published to.
    pub(crate) fn registry_for_packages(&self, arg: &str, what: &str) -> Result<String> {
        let url = self.registry_arg(arg);
        if url.is_empty() {
            return Err(GraphError::Spec {
                spec_file: self.req.spec_file.to_string(),
                reason: format!(
                    "{PACKAGE_SOURCE_ARG}=registry consumes {what} from a private registry, but build arg {arg} is not set: \
                     pass --build-arg {arg}=<its URL> (make container/build PACKAGE_SOURCE=registry sets it)"
                ),
            });
        }
        Ok(url.to_string())
    }
}

/// Whether a registry URL's host is the build host's loopback.
fn is_loopback(url: &str) -> bool {
    let rest = url.strip_prefix("sparse+").unwrap_or(url);
    let rest = rest.split_once("://").map(|(_, r)| r).unwrap_or(rest);
    let host_port = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

impl Registry {
    /// Env vars that point this registry's clients at the CA bundle.
    fn ca_env(self) -> &'static [&'static str] {
        match self {
            // Go's crypto/x509 reads SSL_CERT_FILE; `go` shells out to git for direct VCS fetches.
            Registry::GoProxy => &["SSL_CERT_FILE", "GIT_SSL_CAINFO"],
            // uv reads SSL_CERT_FILE; pip and requests-based build backends read the other two.
            Registry::PyPi => &["SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"],
            Registry::Npm => &["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"],
            Registry::Crates => &["CARGO_HTTP_CAINFO", "SSL_CERT_FILE", "GIT_SSL_CAINFO"],
            // Conan's HTTP client is requests.
            Registry::Conan => &["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"],
        }
    }
}

impl Access {
    /// Adds secret `id` as env `var`; the spec must declare it (`arg` is the
    /// build arg that asked for it, for the error message).
    fn secret(&mut self, ctx: &Ctx<'_>, step: &str, id: &str, var: &str, arg: &str) -> Result<()> {
        if !ctx.declares_secret(id) {
            return Err(GraphError::Spec {
                spec_file: ctx.req.spec_file.to_string(),
                reason: format!(
                    "build arg {arg} configures a private index, whose credentials come from secret {id}, \
                     but the spec does not declare it: add `{id} = \"...\"` under [secrets]"
                ),
            });
        }
        ctx.record_secret(id, false, step);
        self.secret_env
            .push(SecretEnv::new(SecretId::new(id)?, var)?.optional());
        Ok(())
    }

    fn require(&mut self, var: &str, id: &str, arg: &str) {
        self.prelude.push(format!(
            ": \"${{{var}:?secret {id} is missing: build arg {arg} names a private index, so pass --secret id={id},env=VAR (or src=FILE)}}\""
        ));
    }

    /// Mounts the tmpfs for config files made from secrets (once per step).
    fn tmpfs(&mut self) -> Result<()> {
        if !self.has_tmpfs {
            self.mounts.push(Mount::tmpfs(SECRET_TMPFS)?.into());
            self.has_tmpfs = true;
        }
        Ok(())
    }

    /// Writes a config file on the tmpfs, readable by the step's user only
    /// (the umask applies to that file alone, not to what the step builds).
    fn write_private(&mut self, printf: String) {
        self.prelude.push(format!("(umask 077 && {printf})"));
    }
}

/// `scheme://[user@]host[:port]/path` → (host, host[:port]/path/ with a trailing slash).
fn split_url(arg: &str, url: &str) -> Result<(String, String)> {
    let bad = |reason: &str| GraphError::InvalidBuildArg {
        name: arg.to_string(),
        value: url.to_string(),
        reason: reason.to_string(),
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with https:// (or http://)"))?;
    if rest.contains('@') {
        return Err(bad(
            "must not contain credentials: pass them as BuildKit secrets",
        ));
    }
    if rest
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '\\' | '$' | '`'))
    {
        return Err(bad(
            "must not contain whitespace, quotes, '$', '`' or backslashes",
        ));
    }
    let host_port = rest.split('/').next().unwrap_or("");
    let host = host_port.split(':').next().unwrap_or("");
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    let mut path = rest.to_string();
    if !path.ends_with('/') {
        path.push('/');
    }
    Ok((host.to_string(), path))
}

/// Everything a step needs to reach `registries`.
pub(crate) fn access(ctx: &Ctx<'_>, step: &str, registries: &[Registry]) -> Result<Access> {
    let mut a = Access::default();
    if registries.is_empty() {
        return Ok(a);
    }
    if !ctx.declares_secret(HOST_CA_SECRET) {
        return Err(GraphError::Spec {
            spec_file: ctx.req.spec_file.to_string(),
            reason: format!(
                "step {step:?} reaches a package registry and mounts the host CA bundle (secret {HOST_CA_SECRET}), \
                 but the spec does not declare it: add `{HOST_CA_SECRET} = \"...\"` under [secrets]"
            ),
        });
    }
    ctx.record_secret(HOST_CA_SECRET, false, step);
    a.mounts.push(
        Mount::secret_at(HOST_CA_PATH, SecretId::new(HOST_CA_SECRET)?)?
            .mode(0o444)?
            .optional()
            .into(),
    );
    for r in registries {
        for var in r.ca_env() {
            if !a.env.iter().any(|(k, _)| k == var) {
                a.env.push((var.to_string(), HOST_CA_PATH.to_string()));
            }
        }
        match r {
            Registry::GoProxy => {
                let proxy = ctx.registry_arg(GOPROXY_ARG);
                if !proxy.is_empty() {
                    a.host_network |= proxy.split(',').any(is_loopback);
                    a.env.push(("GOPROXY".into(), proxy.to_string()));
                }
            }
            Registry::PyPi => {
                let url = ctx.registry_arg(UV_INDEX_URL_ARG);
                // Recorded even when unused, so `--call outline` lists what a step can use.
                ctx.record_declared_secret("uv_index_username", step);
                ctx.record_declared_secret("uv_index_password", step);
                if url.is_empty() {
                    continue;
                }
                let (host, _) = split_url(UV_INDEX_URL_ARG, url)?;
                a.host_network |= is_loopback(url);
                a.secret(
                    ctx,
                    step,
                    "uv_index_username",
                    "PR_UV_INDEX_USERNAME",
                    UV_INDEX_URL_ARG,
                )?;
                a.secret(
                    ctx,
                    step,
                    "uv_index_password",
                    "PR_UV_INDEX_PASSWORD",
                    UV_INDEX_URL_ARG,
                )?;
                a.env.push(("UV_DEFAULT_INDEX".into(), url.to_string()));
                a.env.push(("PIP_INDEX_URL".into(), url.to_string()));
                a.env
                    .push(("NETRC".into(), format!("{SECRET_TMPFS}/netrc")));
                a.require(
                    "PR_UV_INDEX_USERNAME",
                    "uv_index_username",
                    UV_INDEX_URL_ARG,
                );
                a.require(
                    "PR_UV_INDEX_PASSWORD",
                    "uv_index_password",
                    UV_INDEX_URL_ARG,
                );
                a.tmpfs()?;
                a.write_private(format!(
                    "printf 'machine {host}\\nlogin %s\\npassword %s\\n' \"$PR_UV_INDEX_USERNAME\" \"$PR_UV_INDEX_PASSWORD\" > \"$NETRC\""
                ));
                a.prelude
                    .push("unset PR_UV_INDEX_USERNAME PR_UV_INDEX_PASSWORD".into());
            }
            Registry::Npm => {
                let url = ctx.registry_arg(NPM_REGISTRY_URL_ARG);
                ctx.record_declared_secret("npm_token", step);
                if url.is_empty() {
                    continue;
                }
                let (_, scope) = split_url(NPM_REGISTRY_URL_ARG, url)?;
                a.host_network |= is_loopback(url);
                a.secret(ctx, step, "npm_token", "NPM_TOKEN", NPM_REGISTRY_URL_ARG)?;
                a.env.push(("NPM_CONFIG_REGISTRY".into(), url.to_string()));
                a.env.push((
                    "NPM_CONFIG_USERCONFIG".into(),
                    format!("{SECRET_TMPFS}/npmrc"),
                ));
                a.require("NPM_TOKEN", "npm_token", NPM_REGISTRY_URL_ARG);
                a.tmpfs()?;
                // npm expands ${NPM_TOKEN} itself: the file holds only the reference.
                a.write_private(format!("printf '%s\\n' '//{scope}:_authToken=${{NPM_TOKEN}}' > \"$NPM_CONFIG_USERCONFIG\""));
            }
            Registry::Crates => {
                let url = ctx.registry_arg(CARGO_REGISTRY_INDEX_ARG);
                ctx.record_declared_secret("cargo_registry_token", step);
                if url.is_empty() {
                    continue;
                }
                let plain = url.strip_prefix("sparse+").unwrap_or(url);
                split_url(CARGO_REGISTRY_INDEX_ARG, plain)?;
                a.host_network |= is_loopback(url);
                a.env
                    .push(("CARGO_REGISTRIES_PRIVATE_INDEX".into(), url.to_string()));
                // Cargo sends a token to a registry only through a credential provider;
                // `cargo:token` reads CARGO_REGISTRIES_PRIVATE_TOKEN (env, no credentials.toml).
                a.env.push((
                    "CARGO_REGISTRIES_PRIVATE_CREDENTIAL_PROVIDER".into(),
                    "cargo:token".into(),
                ));
                a.secret(
                    ctx,
                    step,
                    "cargo_registry_token",
                    "CARGO_REGISTRIES_PRIVATE_TOKEN",
                    CARGO_REGISTRY_INDEX_ARG,
                )?;
                a.require(
                    "CARGO_REGISTRIES_PRIVATE_TOKEN",
                    "cargo_registry_token",
                    CARGO_REGISTRY_INDEX_ARG,
                );
            }
            Registry::Conan => {
                let url = ctx.registry_arg(CONAN_REMOTE_URL_ARG);
                ctx.record_declared_secret("conan_login_username", step);
                ctx.record_declared_secret("conan_password", step);
                if url.is_empty() {
                    continue;
                }
                split_url(CONAN_REMOTE_URL_ARG, url)?;
                a.host_network |= is_loopback(url);
                // Conan logs in to remote `private` with these when the server asks
                // (its token stays in CONAN_HOME, which the step keeps on a tmpfs).
                a.secret(
                    ctx,
                    step,
                    "conan_login_username",
                    "CONAN_LOGIN_USERNAME_PRIVATE",
                    CONAN_REMOTE_URL_ARG,
                )?;
                a.secret(
                    ctx,
                    step,
                    "conan_password",
                    "CONAN_PASSWORD_PRIVATE",
                    CONAN_REMOTE_URL_ARG,
                )?;
                a.require(
                    "CONAN_LOGIN_USERNAME_PRIVATE",
                    "conan_login_username",
                    CONAN_REMOTE_URL_ARG,
                );
                a.require(
                    "CONAN_PASSWORD_PRIVATE",
                    "conan_password",
                    CONAN_REMOTE_URL_ARG,
                );
            }
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, split_url};

    #[test]
    fn loopback_urls_are_recognised() {
        for u in [
            "http://127.0.0.1:5301/simple/",
            "sparse+http://127.0.0.1:5303/index/",
            "http://localhost/",
            "http://[::1]:8080/x",
        ] {
            assert!(is_loopback(u), "{u}");
        }
        for u in [
            "https://pypi.org/simple",
            "sparse+https://crates.internal.example/index/",
            "http://10.0.0.1/",
            "http://127x.example/",
        ] {
            assert!(!is_loopback(u), "{u}");
        }
    }

    #[test]
    fn urls_are_checked_and_split() {
        let (host, scope) =
            split_url("NPM_REGISTRY_URL", "https://npm.example.com:8443/repo").unwrap();
        assert_eq!(host, "npm.example.com");
        assert_eq!(scope, "npm.example.com:8443/repo/");
        for bad in ["ftp://x", "https://u:p@x/", "https://x/$(id)", "https://"] {
            let e = split_url("UV_INDEX_URL", bad).unwrap_err().to_string();
            assert!(e.contains("UV_INDEX_URL"), "{bad}: {e}");
        }
    }
}
