//! Daemon-free commands: `plan` (print the graph a build would produce),
//! `targets` (the registry) and `lint` (check a spec file).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gateway_client::subrequests::tabwrite;
use llb::MarshalOpts;
use llb_graphs::{BuildRequest, ContextSource, PlatformPolicy, ResolvedBases};

use crate::cli_error::CliError;
use crate::replies;
use crate::spec_source::{span_range, SpecSource};

/// Usage text.
pub const USAGE: &str = "\
patient-risk-frontend: the patient-risk BuildKit frontend

Run by BuildKit (gateway mode) when a build names it in `# syntax=` or
BUILDKIT_SYNTAX. By hand:

  patient-risk-frontend plan --app APP [--target T] [--platform P] [--build-platform P]
                             [--build-arg K=V]... [--build-context NAME=docker-image://REF]...
                             [--repo DIR] [--json | --bench RUNS]
      Print the LLB graph (and image config) a build of APP would produce,
      with catalog base refs (no digest resolution, no daemon); --bench times
      graph generation + marshal instead.
  patient-risk-frontend targets [--json]
      List every app's targets from the registry.
  patient-risk-frontend catalog [--file PATH] [--json]
      The base catalog (bases/catalog.toml, compiled in, or PATH) validated as the
      graphs read it; --json prints it as written (tools/engine/bases.py reads this).
  patient-risk-frontend lint FILE [--build-arg K=V]... [--label K=V]... [--json]
      Check an app spec; exit 1 on problems or warnings.
  patient-risk-frontend affected --base REV [--head REV] [--repo DIR] [--json]
      List the apps whose images the change BASE...HEAD touches (one per line),
      from the context slices every target's graph reads; --json adds the
      changed paths, the reason per app, `all` and `demo_smoke`.
  patient-risk-frontend sbom-scan [--image-name NAME]
      SBOM generator (BuildKit `--sbom=generator=IMAGE`): SPDX 2.3 in-toto statement of
      the crates recorded in the binaries under $BUILDKIT_SCAN_SOURCE, written to
      $BUILDKIT_SCAN_DESTINATION.
  patient-risk-frontend deps-record
      Print the dependency record embedded in this binary (empty in a dev build).
";

#[derive(Debug)]
struct Args {
    flags: BTreeMap<&'static str, Vec<String>>,
    switches: BTreeSet<&'static str>,
    positional: Vec<String>,
}

fn parse_args(
    args: &[String],
    valued: &[&'static str],
    switches: &[&'static str],
) -> Result<Args, CliError> {
    let mut out = Args {
        flags: BTreeMap::new(),
        switches: BTreeSet::new(),
        positional: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(sw) = switches.iter().find(|s| **s == a.as_str()) {
            out.switches.insert(sw);
            continue;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        if let Some(flag) = valued.iter().find(|f| **f == name) {
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| CliError::usage(format!("{flag} needs a value\n\n{USAGE}")))?,
            };
            out.flags.entry(flag).or_default().push(value);
        } else if a.starts_with('-') {
            return Err(CliError::usage(format!("unknown option `{a}`\n\n{USAGE}")));
        } else {
            out.positional.push(a.clone());
        }
    }
    Ok(out)
}

impl Args {
    fn one(&self, flag: &str) -> Option<&str> {
        self.flags.get(flag).and_then(|v| v.last()).map(String::as_str)
    }

    fn pairs(&self, flag: &str) -> Result<BTreeMap<String, String>, CliError> {
        let mut out = BTreeMap::new();
        for item in self.flags.get(flag).into_iter().flatten() {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| CliError::usage(format!("{flag} takes KEY=VALUE, got `{item}`")))?;
            out.insert(k.to_string(), v.to_string());
        }
        Ok(out)
    }
}

/// The repository root: `--repo`, else the nearest ancestor of the current
/// directory that has an `apps/` directory.
fn repo_root(explicit: Option<&str>) -> Result<PathBuf, CliError> {
    if let Some(r) = explicit {
        return Ok(PathBuf::from(r));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::failed(format!("current directory: {e}")))?;
    cwd.ancestors()
        .find(|d| d.join("apps").is_dir())
        .map(Path::to_path_buf)
        .ok_or_else(|| CliError::usage("no apps/ directory here or above: run from the repository or pass --repo DIR"))
}

/// The spec as text; bytes that are not UTF-8 are an `encoding` error at their line and
/// column, as in gateway mode.
fn read_spec(path: &Path, shown: &str) -> Result<SpecSource, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::failed(format!("{}: {e}", path.display())))?;
    let text = app_spec::decode(shown, bytes).map_err(|diags| CliError::failed(diags.to_string()))?;
    Ok(SpecSource::new(shown, text))
}

fn platform(value: &str) -> Result<llb::Platform, CliError> {
    llb::Platform::parse(value).map_err(|e| CliError::usage(e.to_string()))
}

/// `plan`: prints `llb::dump` of the graph (plus the image config), or JSON.
pub fn plan(args: &[String]) -> Result<String, CliError> {
    let a = parse_args(
        args,
        &["--app", "--target", "--platform", "--build-platform", "--build-arg", "--build-context", "--repo", "--bench"],
        &["--json"],
    )?;
    if let Some(extra) = a.positional.first() {
        return Err(CliError::usage(format!("unexpected argument `{extra}`\n\n{USAGE}")));
    }
    let app = a.one("--app").ok_or_else(|| CliError::usage(format!("plan needs --app APP\n\n{USAGE}")))?;
    let root = repo_root(a.one("--repo"))?;
    let shown = format!("apps/{app}/Dockerfile");
    let path = root.join(&shown);
    if !path.is_file() {
        let known: Vec<String> = std::fs::read_dir(root.join("apps"))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("Dockerfile").is_file())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        return Err(CliError::usage(format!(
            "no spec at {}: known apps are {}",
            path.display(),
            known.join(", ")
        )));
    }
    let src = read_spec(&path, &shown)?;
    let spec = src.parse().map_err(|e| CliError::failed(e.message))?;
    let target = replies::target_info(&spec, a.one("--target")).map_err(|e| CliError::usage(e.message))?;
    let build_platform = platform(a.one("--build-platform").unwrap_or("linux/amd64"))?;
    let target_platform = match a.one("--platform") {
        Some(p) => platform(p)?,
        None => build_platform.clone(),
    };
    let build_args = a.pairs("--build-arg")?;
    let named = a.pairs("--build-context")?;
    let required = llb_graphs::required_bases(&spec, target).map_err(|e| CliError::failed(e.to_string()))?;
    let bases = ResolvedBases::unpinned(
        &required,
        &build_platform,
        std::slice::from_ref(&target_platform),
        &build_args,
        &named,
    )
    .map_err(|e| CliError::failed(e.to_string()))?;
    let labels = BTreeMap::new();
    let context = ContextSource::local(None);
    let req = BuildRequest {
        spec: &spec,
        spec_file: &shown,
        spec_text: &src.text,
        target,
        build_platform,
        target_platform: target_platform.clone(),
        build_args: &build_args,
        bases: &bases,
        context: &context,
        source_date_epoch: None,
        labels: &labels,
        no_cache: false,
    };
    let caps: BTreeSet<String> = llb::caps::BUILDKIT_V0_13.iter().map(|c| c.to_string()).collect();
    let marshal_opts = MarshalOpts {
        platform: Some(target_platform.clone()),
        llb_caps: Some(caps),
        ignore_cache: false,
    };
    let generate = || -> Result<(llb_graphs::ImageGraph, llb::pb::Definition), CliError> {
        let image = llb_graphs::build(&req).map_err(|e| CliError::failed(e.to_string()))?;
        let def = image
            .state
            .marshal(&marshal_opts)
            .map_err(|e| CliError::failed(format!("marshal: {e}")))?;
        Ok((image, def))
    };
    if let Some(n) = a.one("--bench") {
        let runs: usize = n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| CliError::usage(format!("--bench takes a positive run count, got `{n}`")))?;
        return bench(runs, &generate, &spec.app, target.name, &target_platform);
    }
    let (image, def) = generate()?;
    if a.switches.contains("--json") {
        let out = serde_json::json!({
            "app": spec.app,
            "target": target.name,
            "platform": target_platform.to_string(),
            "build_platform": req.build_platform.to_string(),
            "llb": llb::dump_json(&def),
            "config": image.config.to_value(),
        });
        return serde_json::to_string_pretty(&out)
            .map(|s| s + "\n")
            .map_err(|e| CliError::failed(e.to_string()));
    }
    let mut out = format!(
        "# plan: app {} target {} platform {} (build platform {}); bases unpinned\n",
        spec.app, target.name, target_platform, req.build_platform
    );
    out.push_str(&llb::dump(&def));
    out.push_str("\n# image config\n");
    // Keys sorted at every level, as the exporter's bytes and the golden snapshots have them.
    out.push_str(&serde_json::to_string_pretty(&image.config.to_value()).map_err(|e| CliError::failed(e.to_string()))?);
    out.push('\n');
    Ok(out)
}

/// Times graph generation + marshal `runs` times; one line of figures.
fn bench(
    runs: usize,
    generate: &dyn Fn() -> Result<(llb_graphs::ImageGraph, llb::pb::Definition), CliError>,
    app: &str,
    target: &str,
    platform: &llb::Platform,
) -> Result<String, CliError> {
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    let mut ops = 0;
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let (_, def) = generate()?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        size = def.def.iter().map(Vec::len).sum::<usize>();
        ops = def.def.len();
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(format!(
        "{app} {target} {platform}: graph+marshal median {median:.3} ms, min {:.3} ms, max {:.3} ms over {runs} runs; {ops} ops, {size} bytes of ops\n",
        times[0],
        times[times.len() - 1],
    ))
}

fn policy_name(p: PlatformPolicy) -> &'static str {
    match p {
        PlatformPolicy::Requested => "requested",
        PlatformPolicy::NativeOnly => "native-only",
        PlatformPolicy::ArchIndependent => "arch-independent",
    }
}

/// `targets`: the whole registry.
/// `catalog [--file PATH] [--json]`: the base catalog (`bases/catalog.toml`,
/// compiled in, or the file `--file` names) validated by the code the graphs
/// use. `--json` prints it as written (`llb_graphs::catalog::source_json`):
/// what `tools/engine/bases.py` reads instead of validating the file again.
pub fn catalog(args: &[String]) -> Result<String, CliError> {
    let a = parse_args(args, &["--file"], &["--json"])?;
    let (shown, text) = match a.one("--file") {
        Some(path) => (
            path.to_string(),
            std::fs::read_to_string(path).map_err(|e| CliError::failed(format!("{path}: {e}")))?,
        ),
        None => ("bases/catalog.toml".to_string(), llb_graphs::catalog::CATALOG_TOML.to_string()),
    };
    let json = llb_graphs::catalog::source_json(&text).map_err(|e| {
        let msg = e.to_string();
        CliError::failed(match msg.strip_prefix("bases/catalog.toml") {
            Some(rest) => format!("{shown}{rest}"),
            None => msg,
        })
    })?;
    if a.switches.contains("--json") {
        return serde_json::to_string_pretty(&json)
            .map(|s| s + "\n")
            .map_err(|e| CliError::failed(e.to_string()));
    }
    let mut rows = vec![vec!["BASE".to_string(), "PLATFORMS".into(), "UPSTREAM".into()]];
    for b in json["bases"].as_array().into_iter().flatten() {
        let field = |k: &str| b[k].as_str().unwrap_or_default().to_string();
        let platforms: Vec<&str> = b["platforms"].as_array().into_iter().flatten().filter_map(|p| p.as_str()).collect();
        rows.push(vec![field("name"), platforms.join(","), field("upstream")]);
    }
    Ok(tabwrite(&rows, 2))
}

pub fn targets(args: &[String]) -> Result<String, CliError> {
    let a = parse_args(args, &[], &["--json"])?;
    let all = llb_graphs::targets();
    if a.switches.contains("--json") {
        let list: Vec<serde_json::Value> = all
            .iter()
            .map(|t| {
                serde_json::json!({
                    "app": t.app, "graph": t.graph.name(), "name": t.name, "default": t.default,
                    "platforms": policy_name(t.platforms), "description": t.description,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&list)
            .map(|s| s + "\n")
            .map_err(|e| CliError::failed(e.to_string()));
    }
    let mut rows = vec![vec!["APP".to_string(), "TARGET".into(), "PLATFORMS".into(), "DESCRIPTION".into()]];
    for t in all {
        let name = if t.default {
            format!("{} (default)", t.name)
        } else {
            t.name.to_string()
        };
        rows.push(vec![t.app.to_string(), name, policy_name(t.platforms).into(), t.description.into()]);
    }
    Ok(tabwrite(&rows, 2))
}

/// `affected`: the apps a change touches (see [`crate::affected`]).
pub fn affected(args: &[String]) -> Result<String, CliError> {
    let a = parse_args(args, &["--base", "--head", "--repo"], &["--json"])?;
    if let Some(extra) = a.positional.first() {
        return Err(CliError::usage(format!("unexpected argument `{extra}`\n\n{USAGE}")));
    }
    let base = a
        .one("--base")
        .filter(|b| !b.is_empty())
        .ok_or_else(|| CliError::usage(format!("affected needs --base REV (e.g. origin/main)\n\n{USAGE}")))?;
    let head = a.one("--head").filter(|h| !h.is_empty()).unwrap_or("HEAD");
    let root = repo_root(a.one("--repo"))?;
    crate::affected::run(base, head, &root, a.switches.contains("--json"))
}

/// `lint FILE`: the same checks as `--check`, printed for a terminal.
/// Returns the report and whether anything was found.
pub fn lint(args: &[String]) -> Result<(String, bool), CliError> {
    let a = parse_args(args, &["--build-arg", "--label"], &["--json"])?;
    let [file] = a.positional.as_slice() else {
        return Err(CliError::usage(format!("lint takes exactly one spec file\n\n{USAGE}")));
    };
    let src = read_spec(Path::new(file), file)?;
    let build_args = a.pairs("--build-arg")?;
    let labels = a.pairs("--label")?;
    let report = app_spec::check(file, &src.text, &build_args, &labels, &BTreeMap::new());
    let found = !report.warnings.is_empty() || !report.errors.is_empty();
    if a.switches.contains("--json") {
        let s = serde_json::to_string_pretty(&report).map_err(|e| CliError::failed(e.to_string()))?;
        return Ok((s + "\n", found));
    }
    let mut out = String::new();
    for d in report.errors.iter() {
        let _ = writeln!(out, "{d}");
        out.push_str(&src.file.snippet(&[span_range(d.span())]));
    }
    for w in &report.warnings {
        let _ = write!(out, "{file}:{w}");
        let _ = writeln!(out, "\n  {} ({})", w.description, w.url);
        if let Some(span) = w.span {
            out.push_str(&src.file.snippet(&[span_range(span)]));
        }
    }
    if !found {
        out.push_str("no problems found\n");
    }
    Ok((out, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn repo() -> String {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..").to_string()
    }

    #[test]
    fn parses_valued_flags_switches_and_inline_values() {
        let a = parse_args(
            &s(&["--app", "x", "--build-arg=A=1", "--build-arg", "B=2", "--json", "pos"]),
            &["--app", "--build-arg"],
            &["--json"],
        )
        .unwrap();
        assert_eq!(a.one("--app"), Some("x"));
        let pairs = a.pairs("--build-arg").unwrap();
        assert_eq!(pairs["A"], "1");
        assert_eq!(pairs["B"], "2");
        assert!(a.switches.contains("--json"));
        assert_eq!(a.positional, ["pos"]);
        assert_eq!(parse_args(&s(&["--nope"]), &[], &[]).unwrap_err().code, 2);
        assert_eq!(parse_args(&s(&["--app"]), &["--app"], &[]).unwrap_err().code, 2);
    }

    #[test]
    fn plan_prints_a_dump_for_each_platform_and_is_deterministic() {
        let amd = plan(&s(&["--app", "risk-monitor-operator", "--repo", &repo()])).unwrap();
        assert!(amd.contains("target release platform linux/amd64"), "{amd}");
        assert!(amd.contains("terminal"), "{amd}");
        assert!(amd.contains("# image config"), "{amd}");
        let arm = plan(&s(&["--app", "risk-monitor-operator", "--platform", "linux/arm64", "--repo", &repo()])).unwrap();
        assert!(arm.contains("[linux/arm64]"), "{arm}");
        assert_ne!(amd, arm);
        let again = plan(&s(&["--app", "risk-monitor-operator", "--repo", &repo()])).unwrap();
        assert_eq!(amd, again);
    }

    /// `plan` prints the image config with its keys sorted at every level (the
    /// order of the bytes the exporter gets and of the golden snapshots), not in
    /// the typed struct's field order.
    #[test]
    fn plan_prints_the_image_config_with_sorted_keys() {
        let text = plan(&s(&["--app", "patient-risk-python-api", "--repo", &repo()])).unwrap();
        let config = text.split("\n# image config\n").nth(1).expect("an image config section").trim_end();
        let sorted: serde_json::Value = serde_json::from_str(config).unwrap();
        assert_eq!(config, serde_json::to_string_pretty(&sorted).unwrap());
        assert!(config.find("\"architecture\"") < config.find("\"config\""), "{config}");
    }

    /// `plan --platform` and a build's `platform` option go through the one
    /// parser (`llb::Platform`): every spelling a build accepts plans the same
    /// graph as its normalized id (issue 17: `plan --platform arm64` failed
    /// where a build succeeded).
    #[test]
    fn plan_and_build_agree_on_platform_spellings() {
        let canonical = plan(&s(&["--app", "risk-monitor-operator", "--platform", "linux/arm64", "--repo", &repo()])).unwrap();
        for spelling in ["arm64", "aarch64", "linux/aarch64", "linux/arm64/v8", "Linux/ARM64"] {
            let opts = gateway_client::FrontendOptions::from_pairs([("platform", spelling)]).unwrap();
            assert_eq!(opts.platforms, [llb::Platform::linux_arm64()], "build: {spelling}");
            let out = plan(&s(&["--app", "risk-monitor-operator", "--platform", spelling, "--repo", &repo()]))
                .unwrap_or_else(|e| panic!("plan --platform {spelling}: {}", e.message));
            assert_eq!(out, canonical, "plan --platform {spelling}");
        }
        for bad in ["linux", "i686", "linx/arm64"] {
            let build = gateway_client::FrontendOptions::from_pairs([("platform", bad)]).unwrap_err();
            let planned = plan(&s(&["--app", "risk-monitor-operator", "--platform", bad, "--repo", &repo()])).unwrap_err();
            assert_eq!(planned.code, 2);
            assert!(build.to_string().contains(&planned.message), "{bad}: build says `{build}`, plan says `{}`", planned.message);
        }
    }

    #[test]
    fn plan_json_and_local_bases() {
        let out = plan(&s(&[
            "--app", "risk-monitor-operator", "--json", "--build-arg", "BASE_IMAGES=local", "--repo", &repo(),
        ]))
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["app"], "risk-monitor-operator");
        assert_eq!(v["config"]["architecture"], "amd64");
        assert!(v["llb"]["ops"].as_array().is_some_and(|o| !o.is_empty()));
        assert!(out.contains("127.0.0.1:5000/patient-risk/bases/"), "local bases are used");
    }

    #[test]
    fn plan_errors_are_clear() {
        let e = plan(&s(&["--app", "nope", "--repo", &repo()])).unwrap_err();
        assert!(e.message.contains("known apps are"), "{}", e.message);
        let e = plan(&s(&["--app", "risk-monitor-operator", "--target", "zzz", "--repo", &repo()])).unwrap_err();
        assert!(e.message.contains("unknown target `zzz`"), "{}", e.message);
        let e = plan(&s(&["--app", "risk-monitor-operator", "--platform", "linux/s390x", "--repo", &repo()])).unwrap_err();
        assert!(e.message.contains("linux/s390x"), "{}", e.message);
        assert_eq!(plan(&s(&[])).unwrap_err().code, 2);
    }

    #[test]
    fn plan_bench_reports_timings() {
        let out = plan(&s(&["--app", "risk-monitor-operator", "--bench", "3", "--repo", &repo()])).unwrap();
        assert!(out.contains("graph+marshal median") && out.contains("over 3 runs"), "{out}");
        assert_eq!(plan(&s(&["--app", "risk-monitor-operator", "--bench", "0", "--repo", &repo()])).unwrap_err().code, 2);
    }

    #[test]
    fn catalog_prints_the_validated_catalog_and_names_the_file_on_errors() {
        let text = catalog(&[]).unwrap();
        assert!(text.contains("python-runtime") && text.contains("linux/amd64,linux/arm64"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&catalog(&s(&["--json"])).unwrap()).unwrap();
        assert_eq!(v["suite"], "trixie");
        let dir = std::env::temp_dir().join(format!("prf-catalog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("catalog.toml");
        let broken = llb_graphs::catalog::CATALOG_TOML.replacen("upstream = ", "upstreem = ", 1);
        std::fs::write(&bad, broken).unwrap();
        let e = catalog(&s(&["--json", "--file", bad.to_str().unwrap()])).unwrap_err();
        assert!(e.message.starts_with(bad.to_str().unwrap()) && e.message.contains("upstreem"), "{}", e.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn targets_lists_every_registry_entry() {
        let text = targets(&[]).unwrap();
        assert_eq!(text.lines().count(), llb_graphs::targets().len() + 1);
        assert!(text.contains("risk-monitor-operator") && text.contains("release (default)"));
        let v: serde_json::Value = serde_json::from_str(&targets(&s(&["--json"])).unwrap()).unwrap();
        assert_eq!(v.as_array().unwrap().len(), llb_graphs::targets().len());
    }

    #[test]
    fn lint_reports_typos_with_a_snippet() {
        let dir = std::env::temp_dir().join(format!("prf-lint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = std::fs::read_to_string(format!("{}/apps/risk-monitor-operator/Dockerfile", repo())).unwrap();
        let bad = dir.join("Dockerfile");
        std::fs::write(&bad, good.replace("\nport = ", "\nprot = ")).unwrap();
        let (out, found) = lint(&s(&[bad.to_str().unwrap()])).unwrap();
        assert!(found);
        assert!(out.contains("did you mean `port`"), "{out}");
        assert!(out.contains(">>> prot = "), "{out}");
        let okf = dir.join("ok");
        std::fs::write(&okf, &good).unwrap();
        let (out, found) = lint(&s(&[okf.to_str().unwrap()])).unwrap();
        assert!(!found, "{out}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lint_names_the_line_and_column_of_a_byte_that_is_not_utf8() {
        let dir = std::env::temp_dir().join(format!("lint-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = std::fs::read_to_string(format!("{}/apps/risk-monitor-operator/Dockerfile", repo())).unwrap();
        let line = good.lines().position(|l| l.starts_with("description")).unwrap() + 1;
        let mut bytes = Vec::new();
        for (i, l) in good.lines().enumerate() {
            bytes.extend_from_slice(l.as_bytes());
            if i + 1 == line {
                bytes.extend_from_slice(b" # caf\xe9");
            }
            bytes.push(b'\n');
        }
        let bad = dir.join("Dockerfile");
        std::fs::write(&bad, &bytes).unwrap();
        let err = lint(&s(&[bad.to_str().unwrap()])).unwrap_err();
        let column = good.lines().nth(line - 1).unwrap().chars().count() + " # caf".len() + 1;
        let want = format!("{}:{line}:{column}: error[encoding]: byte 0xe9", bad.display());
        assert!(err.message.contains(&want), "{}\nwanted {want}", err.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
