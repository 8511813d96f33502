//! `manylinux_wheel`: a PyO3 wheel for the target platform, cross-built on the
//! build platform by `maturin --zig --compatibility manylinux_2_28 --target
//! <triple>` and checked by `auditwheel show` inside the build (a wheel that is
//! not manylinux_2_28-compatible for the right architecture fails the step).
//!
//! Two steps:
//! 1. `cargo workspace` (once, arch-independent): the repository's Cargo
//!    workspace cut down to the wheel crate (its path dependencies join
//!    automatically) with `cargo fetch` pruning Cargo.lock to what it uses.
//!    Its output is mounted read-only into the compile step, so the compile's
//!    cache key is the content of that pruned workspace: a dependency added to
//!    an unrelated crate re-runs this cheap step and leaves the compile cached.
//! 2. `maturin build` per target triple, with cargo registry, target dir and
//!    zig caches as cache mounts. C/C++ packages a build script links come from
//!    Conan for the target's arch (`conan_package`), named to the build script
//!    by env var, and recorded in `/conan-packages.txt` beside the wheel. Never set
//!    `CARGO_TARGET_<TRIPLE>_LINKER` here: it overrides zig and brings glibc
//!    2.34+ symbols back.

use app_spec::SpecKey;
use llb::{Mount, Platform, State};

use super::conan_package::{conan_arch, conan_package, conan_record, ConanPackage};
use crate::error::{GraphError, Result};
use crate::sbom_inputs::BuildRecord;
use crate::toolkit::caches::Cache;
use crate::toolkit::registries::{PackageSource, Registry, CARGO_REGISTRY_INDEX_ARG};
use crate::toolkit::step::Step;
use crate::toolkit::toolchain::{Builder, Toolchain};
use crate::toolkit::Ctx;

/// The manylinux policy wheels are built for (and checked against).
pub(crate) const MANYLINUX: &str = "manylinux_2_28";
/// Its glibc minor version.
const MANYLINUX_GLIBC_MINOR: u32 = 28;

/// Rust target triple and wheel architecture of a platform.
pub(crate) fn rust_target(platform: &Platform) -> Option<(&'static str, &'static str)> {
    match platform.architecture() {
        "amd64" => Some(("x86_64-unknown-linux-gnu", "x86_64")),
        "arm64" => Some(("aarch64-unknown-linux-gnu", "aarch64")),
        _ => None,
    }
}

/// What to build.
#[derive(Debug, Clone)]
pub(crate) struct WheelCrate {
    /// Repository path of the PyO3 crate (Cargo.toml + pyproject.toml).
    pub(crate) path: String,
    /// Other packages the app consumes: their Rust sources are included in
    /// case the wheel crate depends on them (path dependencies).
    pub(crate) other_packages: Vec<String>,
    /// C/C++ packages a crate's build script links, installed by Conan for
    /// the target platform's arch (see `steps::conan_package`).
    pub(crate) conan: Vec<ConanLink>,
}

/// A Conan package handed to a build script: its deployed package folder for
/// the target arch goes in env `<env_prefix>_<TARGET TRIPLE>` (upper case, `_`).
#[derive(Debug, Clone)]
pub(crate) struct ConanLink {
    pub(crate) package: ConanPackage,
    pub(crate) env_prefix: String,
    /// The crate whose build script reads the env var and links the package (for the SBOM).
    pub(crate) linked_by: String,
}

/// The Rust target triple and wheel arch of the platform being built, or the error that
/// names the platforms a manylinux wheel is built for.
fn wheel_target(ctx: &Ctx<'_>) -> Result<(&'static str, &'static str)> {
    let target = ctx.target_platform();
    rust_target(target).ok_or_else(|| GraphError::UnsupportedPlatform {
        app: ctx.app().to_string(),
        requested: target.to_string(),
        allowed: "linux/amd64, linux/arm64 (the manylinux wheel targets)".to_string(),
        spec_file: ctx.req.spec_file.to_string(),
    })
}

/// The Rust builder (on the build platform) every step of the wheel runs in, and
/// its `CARGO_HOME` (the image's env, else `/root/.cargo`), below which the
/// steps' cargo registry and git caches are mounted.
struct RustBuilder {
    builder: Builder,
    cargo_home: String,
}

impl RustBuilder {
    fn open(ctx: &Ctx<'_>) -> Result<Self> {
        let builder = ctx.toolchain(Toolchain::Rust)?;
        let cargo_home = builder
            .image_env("CARGO_HOME")
            .unwrap_or_else(|| "/root/.cargo".to_string());
        Ok(Self { builder, cargo_home })
    }
}

/// Builds the wheel for the target platform; the result holds `/<name>.whl`.
pub(crate) fn manylinux_wheel(ctx: &Ctx<'_>, krate: &WheelCrate) -> Result<State> {
    let target = ctx.target_platform();
    let (triple, wheel_arch) = wheel_target(ctx)?;
    let rust = RustBuilder::open(ctx)?;
    let workspace = wheel_workspace(ctx, &rust, krate)?;

    // The C/C++ packages for the target's Conan arch (never the build platform's).
    let mut links = Vec::new();
    for link in &krate.conan {
        let arch = conan_arch(target).ok_or_else(|| GraphError::UnsupportedPlatform {
            app: ctx.app().to_string(),
            requested: target.to_string(),
            allowed: "linux/amd64, linux/arm64 (Conan arch=x86_64, arch=armv8)".to_string(),
            spec_file: ctx.req.spec_file.to_string(),
        })?;
        let deployed = conan_package(ctx, &link.package)?;
        let dir = format!("/deps/conan/{}", link.package.reference.replace('/', "-"));
        let var = format!(
            "{}_{}",
            link.env_prefix,
            triple.to_uppercase().replace('-', "_")
        );
        links.push((
            dir.clone(),
            var,
            format!("{dir}/{}", link.package.deployed_dir(arch)),
            deployed,
        ));
    }

    // 2. maturin with zig as linker, for the target triple, on the build platform.
    let manifest = format!("/src/{}/Cargo.toml", krate.path);
    let mut build = Step::new(ctx.name_for_target(&format!("maturin build {} ({triple})", krate.path)))
        .reaches(Registry::Crates)
        .at(SpecKey::BuildWheel)
        .mount(Mount::bind_ro("/src", &workspace)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .mount(Mount::tmpfs("/tmp")?)
        .cache(Cache::CargoRegistry { cargo_home: rust.cargo_home.clone() })
        .cache(Cache::CargoGit { cargo_home: rust.cargo_home.clone() })
        .cache(Cache::CargoTarget { triple: triple.to_string() })
        .cache(Cache::Zig)
        .cwd("/src")
        .sh(format!(
            "maturin build --release --locked --zig --compatibility {MANYLINUX} --target {triple} --manifest-path {manifest} --out /out"
        ))
        .sh("set -- /out/*.whl; [ \"$#\" -eq 1 ] && [ -f \"$1\" ] || { echo \"error: expected one wheel in /out, got: $*\" >&2; exit 1; }")
        .sh("auditwheel show \"$1\" | tee /tmp/auditwheel.txt")
        .sh(format!(
            "tag=$(tr '\\n' ' ' < /tmp/auditwheel.txt | sed -n 's/.*following platform tag: *\"\\([a-z0-9_]*\\)\".*/\\1/p'); \
             minor=${{tag#manylinux_2_}}; minor=${{minor%%_*}}; \
             case \"$tag\" in manylinux_2_*_{wheel_arch}) ;; *) minor=999 ;; esac; \
             [ \"$minor\" -le {MANYLINUX_GLIBC_MINOR} ] 2>/dev/null || {{ echo \"error: auditwheel says $1 is '$tag', not {MANYLINUX}_{wheel_arch} or older: the wheel links symbols newer than glibc 2.{MANYLINUX_GLIBC_MINOR} or has the wrong architecture (is a CARGO_TARGET_*_LINKER overriding zig?)\" >&2; exit 1; }}; \
             echo \"auditwheel: $1 is $tag\""
        ));
    for (dir, var, package_dir, deployed) in links {
        build = build
            .mount(Mount::bind_ro(&dir, &deployed)?)
            .env(var, package_dir)
            // Beside the wheel (the `wheel` target's output): which Conan binary it links.
            .sh(format!(
                "cat {dir}/conan-link.txt | tee -a /out/conan-packages.txt"
            ));
    }
    if let Some(t) = ctx.req.source_date_epoch {
        // maturin stamps the wheel's zip entries with it: byte-identical rebuilds.
        build = build.env("SOURCE_DATE_EPOCH", t.to_string());
    }
    Ok(ctx.run(rust.builder.state(), build)?.mount_output("/out")?)
}

/// The wheel's SBOM record: `cargo metadata` for the target triple, run in the
/// wheel's cut-down workspace (the state the compile above mounts), plus its
/// Cargo.lock. A state beside the image, never part of it.
pub(crate) fn cargo_record(ctx: &Ctx<'_>, krate: &WheelCrate) -> Result<BuildRecord> {
    let (triple, _) = wheel_target(ctx)?;
    let rust = RustBuilder::open(ctx)?;
    let workspace = wheel_workspace(ctx, &rust, krate)?;
    // Normally answered from the registry cache the fetch just filled;
    // the registry is reachable for when that cache mount was pruned.
    let step = Step::new(ctx.name_for_target(&format!("cargo metadata {} ({triple}) for the SBOM", krate.path)))
        .reaches(Registry::Crates)
        .at(SpecKey::BuildWheel)
        .mount(Mount::bind_ro("/src", &workspace)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cache(Cache::CargoRegistry { cargo_home: rust.cargo_home.clone() })
        .cwd("/src")
        .sh(format!(
            "cargo metadata --format-version 1 --locked --filter-platform {triple} --manifest-path /src/{}/Cargo.toml > /out/cargo-metadata.json",
            krate.path
        ))
        .sh("cp /src/Cargo.lock /out/Cargo.lock");
    let state = ctx.run(rust.builder.state(), step)?.mount_output("/out")?;
    Ok(BuildRecord::Cargo {
        state,
        metadata: "/cargo-metadata.json".to_string(),
        lock: "/Cargo.lock".to_string(),
    })
}

/// The SBOM records of the Conan packages the wheel links, for the target's arch.
pub(crate) fn conan_records(ctx: &Ctx<'_>, krate: &WheelCrate) -> Result<Vec<BuildRecord>> {
    krate
        .conan
        .iter()
        .map(|link| conan_record(ctx, &link.package, &link.linked_by))
        .collect()
}

/// Rewrites the wheel crate's path dependencies (`$WHEEL_CRATE/Cargo.toml`) into
/// registry dependencies pinned to the version of the crate at that path
/// (`version.workspace = true` resolves to the root's `[workspace.package]`),
/// and lists their names in /tmp/registry-crates.
const PATH_DEPS_TO_REGISTRY: &str = r#"python3 -c 'import os, re, tomllib
root = tomllib.load(open("Cargo.toml", "rb"))
crate = os.environ["WHEEL_CRATE"]
path = crate + "/Cargo.toml"
text = open(path).read()
names = []
def swap(m):
    key, rel = m.group(1), m.group(2)
    dep = tomllib.load(open(os.path.normpath(os.path.join(crate, rel, "Cargo.toml")), "rb"))["package"]
    ver = dep["version"]
    if isinstance(ver, dict):
        ver = root["workspace"]["package"]["version"]
    names.append(dep["name"])
    q = chr(34)
    return key + " = { version = " + q + "=" + ver + q + ", registry = " + q + "private" + q + " }"
new = re.sub(r"(?m)^([A-Za-z0-9_-]+)\s*=\s*\{\s*path\s*=\s*\x22([^\x22]+)\x22\s*\}", swap, text)
assert names, "no path dependency in " + path
open(path, "w").write(new)
open("/tmp/registry-crates", "w").write("\n".join(names) + "\n")
print("registry crates:", *names)'"#;

/// Step 1 alone: the repository's Cargo workspace cut down to the wheel
/// crate, fetched, with Cargo.lock pruned (`/` of the result). The SBOM's
/// `cargo metadata` step ([`cargo_record`]) reads the same state (identical ops: one build).
fn wheel_workspace(ctx: &Ctx<'_>, rust: &RustBuilder, krate: &WheelCrate) -> Result<State> {
    let cargo_home = &rust.cargo_home;
    let registry = ctx.package_source()? == PackageSource::Registry;
    if registry {
        ctx.registry_for_packages(CARGO_REGISTRY_INDEX_ARG, "the workspace's Rust crates")?;
    }
    let mut paths = vec![
        "Cargo.toml".to_string(),
        "Cargo.lock".to_string(),
        krate.path.clone(),
    ];
    for p in &krate.other_packages {
        paths.push(format!("{p}/Cargo.toml"));
        if !registry {
            paths.push(format!("{p}/**/*.rs"));
        }
    }
    let sources = ctx.context("rust-wheel-sources", &paths)?;

    // 1. The workspace cut down to the wheel crate, Cargo.lock pruned by cargo itself.
    // Python rewrites the members list (bash single quotes: no shell expansion inside).
    let subset = r#"python3 -c 'import os, re
s = open("Cargo.toml").read()
t = re.sub(r"(?ms)^members\s*=\s*\[.*?\]", "members = [\"" + os.environ["WHEEL_CRATE"] + "\"]", s, count=1)
assert t != s, "no [workspace] members list in Cargo.toml"
open("Cargo.toml", "w").write(t)'"#;
    let name = if registry {
        "cargo workspace for the wheel (path deps → registry `private`, fetch, re-lock them)"
    } else {
        "cargo workspace for the wheel (fetch, prune Cargo.lock)"
    };
    let mut workspace = Step::new(ctx.name(name))
        .reaches(Registry::Crates)
        .at(SpecKey::BuildWheel)
        .mount(Mount::bind_ro("/src", &sources)?)
        .mount(Mount::bind_rw("/out", &State::scratch())?)
        .cache(Cache::CargoRegistry {
            cargo_home: cargo_home.clone(),
        })
        .cache(Cache::CargoGit {
            cargo_home: cargo_home.clone(),
        })
        .sh(rust.builder.require_tools(&["cargo", "python3", "maturin", "auditwheel"]))
        .sh("cp -a /src/. /out/")
        .cwd("/out")
        .env("WHEEL_CRATE", &krate.path)
        .sh(subset);
    if registry {
        // Each path dependency of the wheel crate becomes `{ version = "=<its version>",
        // registry = "private" }`: the published crate of the same version; `cargo fetch`
        // then re-locks those crates alone (every other Cargo.lock entry stays as locked).
        // Their copies in the shared cargo cache are dropped first: fetched again, checksummed.
        workspace = workspace
            .sh(PATH_DEPS_TO_REGISTRY)
            .sh(format!(
                "for c in $(cat /tmp/registry-crates); do rm -rf \"{cargo_home}\"/registry/cache/*/\"$c\"-*.crate \"{cargo_home}\"/registry/src/*/\"$c\"-*; done"
            ))
            .mount(Mount::tmpfs("/tmp")?);
    }
    workspace = workspace.sh("cargo fetch");
    if registry {
        workspace = workspace.sh(
            "for c in $(cat /tmp/registry-crates); do grep -A2 \"^name = \\\"$c\\\"\" Cargo.lock | grep -q '^source = \"sparse+' \
             || { echo \"error: Cargo.lock does not take $c from registry private\" >&2; exit 1; }; done",
        );
    }
    Ok(ctx.run(rust.builder.state(), workspace)?.mount_output("/out")?)
}
