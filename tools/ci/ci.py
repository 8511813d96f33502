#!/usr/bin/env python3
"""CI gates of .github/workflows/container.yml, callable here with a runner's inputs (mk/ci.mk).

Subcommands (Python 3.11+, stdlib only):
  plan [--field F] [--expect MODE]  what this event does, from GITHUB_EVENT_NAME, GITHUB_REF,
                                   GITHUB_SHA, GITHUB_EVENT_PATH, CI_PUBLISH, CI_VERSION, CI_APPS:
                                   mode validate (pull_request), dev (main push, dispatch dev) or
                                   release (v* tag, dispatch release); apps; tags.
  images                           build CI_APPS one platform at a time with CI_BAKE (no push);
                                   a failure names its stage (wheel build / wheel install / app start)
  evidence --handoff D --out D     publish evidence (guide 8-1) from the handoff records
  secrets-write --dir D            REGISTRY_SECRET_<ID> env → 0600 files + `--secret` flags file
  secrets-clean --dir D            remove them
  secret-bake-flags                CI_SECRET_FLAGS_FILE → bake `--set=*.secrets=…` flags
  registry-login --registry P      docker login with REGISTRY_USER/REGISTRY_PASSWORD (not loopback)
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = Path(os.environ.get("REPO_ROOT") or HERE.parents[1])
sys.path.insert(0, str(REPO_ROOT / "tools" / "release"))
import releaselib  # noqa: E402
from releaselib import RELEASE_RE, ReleaseError  # noqa: E402

MAIN_REF = "refs/heads/main"
TAG_PREFIX = "refs/tags/"
ZERO_SHA = re.compile(r"^0+$")

# Secret ids the graphs read (llb-graphs/src/toolkit/registries.rs) plus Conan's, and the env var
# the composite action hands each one to `make ci/secrets/write` in.
SECRET_IDS = (
    "uv_index_username",
    "uv_index_password",
    "npm_token",
    "cargo_registry_token",
    "conan_login_username",
    "conan_password",
)
# Credentials that only work together.
SECRET_PAIRS = (("uv_index_username", "uv_index_password"), ("conan_login_username", "conan_password"))
FLAGS_FILE = "secret-flags"
FLAG_RE = re.compile(r"^--secret id=(?P<id>[a-z_]+),src=(?P<src>/[^,\s]+)$")

# Build stages a failing image build is reported as (guide 5-2): the first pattern matching the
# failing step's name (the LLB vertex name the graphs give it) names the stage.
STAGES = (
    ("wheel build", re.compile(r"maturin build|cargo workspace for the wheel|build pure-Python wheels|auditwheel")),
    ("wheel install", re.compile(r"uv pip install|copy site-packages")),
    ("app start", re.compile(r"smoke check|healthcheck|start-up|startup")),
)


def env_secret_var(sid: str) -> str:
    return f"REGISTRY_SECRET_{sid.upper()}"


class CiError(Exception):
    """A problem with the inputs; the message says how to fix it."""


# --- plan ----------------------------------------------------------------------------------------

def event_payload() -> dict:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CiError(f"GITHUB_EVENT_PATH={path}: {e}") from e


def version_of(text: str, what: str) -> str:
    m = RELEASE_RE.match(text.strip())
    if not m:
        raise CiError(f"{what}={text!r} is not a release version: use vX.Y.Z (e.g. v0.1.0)")
    return m.group("version")


def mode_of(event: str, ref: str) -> tuple[str, str]:
    """(mode, version) of an event: validate | dev | release."""
    if event == "pull_request":
        return "validate", ""
    if event == "push":
        if ref == MAIN_REF:
            return "dev", ""
        if ref.startswith(TAG_PREFIX + "v"):
            return "release", version_of(ref[len(TAG_PREFIX):], "GITHUB_REF tag")
        return "validate", ""
    if event == "workflow_dispatch":
        publish = os.environ.get("CI_PUBLISH", "").strip()
        if publish == "dev":
            return "dev", ""
        if publish == "release":
            version = os.environ.get("CI_VERSION", "").strip()
            if not version:
                raise CiError("workflow_dispatch with publish=release needs the `version` input (vX.Y.Z)")
            return "release", version_of(version, "version input")
        raise CiError(f"workflow_dispatch input publish={publish!r}: choose dev or release")
    if event == "pull_request_target":
        raise CiError("pull_request_target is never used: it runs with secrets on untrusted code")
    raise CiError(
        f"GITHUB_EVENT_NAME={event!r}: expected pull_request, push, or workflow_dispatch "
        "(set GITHUB_EVENT_NAME, GITHUB_REF and GITHUB_SHA as a runner does)"
    )


def base_rev(event: str, payload: dict) -> str:
    if os.environ.get("CI_BASE"):
        return os.environ["CI_BASE"]
    if event == "pull_request":
        return ((payload.get("pull_request") or {}).get("base") or {}).get("sha", "")
    if event == "push":
        before = payload.get("before", "")
        return "" if ZERO_SHA.match(before or "0") else before
    return ""


def parse_affected(out: str) -> list[str]:
    data = json.loads(out)
    if isinstance(data, dict):
        data = data.get("apps", data.get("affected", []))
    apps = []
    for item in data:
        apps.append(item["app"] if isinstance(item, dict) else str(item))
    return apps


def affected_apps(base: str) -> list[str]:
    cmd = os.environ.get("CI_AFFECTED", "").strip()
    if not cmd:
        raise CiError("CI_AFFECTED is empty: set it to the change → image command (mk/ci.mk)")
    argv = [*shlex.split(cmd), "--base", base, "--head", "HEAD", "--json"]
    p = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise CiError(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    try:
        return parse_affected(p.stdout)
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise CiError(f"{' '.join(argv)}: unexpected output ({e}): {p.stdout[:500]}") from e


def plan() -> dict:
    event = os.environ.get("GITHUB_EVENT_NAME", "").strip()
    ref = os.environ.get("GITHUB_REF", "").strip()
    sha = os.environ.get("GITHUB_SHA", "").strip()
    mode, version = mode_of(event, ref)
    head = releaselib.git("rev-parse", "HEAD")
    if sha and sha != head:
        raise CiError(f"GITHUB_SHA={sha} but the checkout's HEAD is {head}: check out the commit the event is for")
    contract = releaselib.load_contract()
    known = sorted(contract.repositories)
    explicit = os.environ.get("CI_APPS", "").split()
    base = ""
    if explicit:
        unknown = [a for a in explicit if a not in known]
        if unknown:
            raise CiError(f"CI_APPS names unknown app(s) {', '.join(unknown)}; known (contracts/release.toml): {', '.join(known)}")
        apps, why = explicit, "CI_APPS"
    elif mode == "release" or event == "workflow_dispatch":
        apps, why = known, f"every app ({'release' if mode == 'release' else 'manual run'})"
    else:
        base = base_rev(event, event_payload())
        if not base:
            apps, why = known, "every app (no base revision in the event)"
        else:
            apps, why = affected_apps(base), f"affected by {base[:12]}..HEAD"
    tags = releaselib.compute_tags(version or None) if mode != "validate" else None
    return {
        "event": event,
        "ref": ref,
        "sha": head,
        "mode": mode,
        "version": version,
        "apps": " ".join(a for a in known if a in apps),
        "apps_reason": why,
        "base": base,
        "tags": " ".join(tags.tags) if tags else "",
        "pushes": mode != "validate",
    }


def cmd_plan(a: argparse.Namespace) -> int:
    p = plan()
    if a.expect and p["mode"] != a.expect:
        raise CiError(
            f"publish-{a.expect} does not run for this event ({p['event']} {p['ref']}: mode {p['mode']}); "
            "it runs on " + ("a push to main or workflow_dispatch publish=dev" if a.expect == "dev"
                             else "a v* tag or workflow_dispatch publish=release with a version")
        )
    if a.field:
        print(p[a.field])
    else:
        print(json.dumps(p, indent=2))
    return 0


# --- images --------------------------------------------------------------------------------------

VERTEX_RE = re.compile(r"^#(\d+) (\[.*)$")
ERROR_RE = re.compile(r"^#(\d+) ERROR: (.*)$")


def classify(log: str) -> tuple[str, str, str]:
    """(stage, step name, error) of a failed plain-progress build log."""
    names: dict[str, str] = {}
    failed: list[tuple[str, str]] = []
    for line in log.splitlines():
        m = VERTEX_RE.match(line)
        if m and m.group(1) not in names:
            names[m.group(1)] = m.group(2)
        m = ERROR_RE.match(line)
        if m:
            failed.append((m.group(1), m.group(2)))
    for num, err in failed:
        name = names.get(num, f"#{num}")
        for stage, pattern in STAGES:
            if pattern.search(name):
                return stage, name, err
    if failed:
        num, err = failed[0]
        return "image assembly", names.get(num, f"#{num}"), err
    last = next((l for l in reversed(log.splitlines()) if l.startswith("ERROR")), "no error line")
    return "graph (frontend)", "", last


def cmd_images(a: argparse.Namespace) -> int:
    bake = os.environ.get("CI_BAKE", "").strip()
    if not bake:
        raise CiError("CI_BAKE is empty: run through `make ci/images`")
    apps = os.environ.get("CI_APPS", "").split()
    platforms = [p for p in os.environ.get("IMAGE_PLATFORMS", "linux/amd64,linux/arm64").split(",") if p]
    logs = Path(os.environ.get("CI_OUT", REPO_ROOT / "artifacts" / "ci")) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for app in apps:
        for platform in platforms:
            log = logs / f"{app}-{platform.replace('/', '-')}.log"
            cmd = f"{bake} --set '*.platform={platform}' --set '*.output=type=cacheonly' {shlex.quote(app)}"
            print(f"ci/images: {app} ({platform}), push: none", flush=True)
            with log.open("w") as f:
                p = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for line in p.stdout:
                    sys.stdout.write(line)
                    f.write(line)
                rc = p.wait()
            if rc != 0:
                stage, step, err = classify(log.read_text())
                msg = f"image build of {app} ({platform}) failed at stage: {stage}" + (f" (step {step})" if step else "") + f": {err}"
                summary(f"### ✘ {msg}\n\nlog: `{log}`\n")
                raise CiError(f"{msg}; log {log}")
    summary("".join(f"- ✔ {a}: {', '.join(platforms)} built, nothing pushed\n" for a in apps) or "- no app affected\n")
    return 0


def summary(text: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")


# --- evidence ------------------------------------------------------------------------------------

def evidence_rows(handoff: dict) -> list[dict]:
    rows = []
    for r in handoff["apps"]:
        plats = r.get("platform_manifests", {})
        rows.append({
            "app": r["app"],
            "repository": r["repository"],
            "tags": r["tags"],
            "index_digest": r["digest"],
            "platform_digests": {p: v["manifest"] for p, v in sorted(plats.items())},
            "provenance": {p: bool(v.get("provenance")) for p, v in sorted(plats.items())},
            "sbom": {p: bool(v.get("sbom")) for p, v in sorted(plats.items())},
            "revision": r.get("revision"),
            "platforms": r["platforms"],
            "platforms_verified": r["platforms_verified"],
        })
    return rows


def evidence_problems(rows: list[dict], sha: str) -> list[str]:
    out = []
    for e in rows:
        for p in e["platform_digests"]:
            if not e["provenance"][p]:
                out.append(f"{e['app']} {p}: no provenance attestation")
            if not e["sbom"][p]:
                out.append(f"{e['app']} {p}: no SBOM attestation")
        if not e["platforms_verified"]:
            out.append(f"{e['app']}: platforms not verified")
        if sha and e["revision"] != sha:
            out.append(f"{e['app']}: revision label {e['revision']} is not GITHUB_SHA {sha}")
    return out


def evidence_markdown(tag: str, rows: list[dict]) -> str:
    yes = lambda b: "✔" if b else "✘"  # noqa: E731
    lines = [f"## Publish evidence ({tag})", ""]
    for e in rows:
        lines += [
            f"### {e['app']}", "",
            f"- repository: `{e['repository']}`",
            f"- tags: {', '.join(f'`{t}`' for t in e['tags'])}",
            f"- index digest: `{e['index_digest']}`",
            f"- revision label: `{e['revision']}`",
            f"- platforms: {', '.join(e['platforms'])} ({'verified' if e['platforms_verified'] else 'NOT verified'})",
            "",
            "| Platform | Manifest digest | Provenance | SBOM |",
            "|---|---|---|---|",
        ]
        for p, d in e["platform_digests"].items():
            lines.append(f"| {p} | `{d}` | {yes(e['provenance'][p])} | {yes(e['sbom'][p])} |")
        lines.append("")
    return "\n".join(lines)


def cmd_evidence(a: argparse.Namespace) -> int:
    src = Path(a.handoff) / "handoff.json"
    try:
        handoff = json.loads(src.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CiError(f"{src}: {e} (run `make release/handoff` or a publish first)") from e
    rows = evidence_rows(handoff)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    md = evidence_markdown(handoff["tag"], rows)
    doc = {"tag": handoff["tag"], "images": rows}
    fe = Path(a.handoff) / "llb-frontend.json"
    if fe.exists():
        # The frontend the apps were built by (make frontend/push's record).
        doc["frontend"] = json.loads(fe.read_text())
        md += (f"\n### llb-frontend (BUILDKIT_SYNTAX of the images above)\n\n- reference: `{doc['frontend']['ref']}`\n"
               f"- tags: {', '.join(f'`{t}`' for t in doc['frontend']['tags'])}\n"
               f"- platforms: {', '.join(doc['frontend']['platforms'])}\n- revision: `{doc['frontend']['revision']}`\n")
    (out / "evidence.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out / "evidence.md").write_text(md)
    for name in [f"{r['app']}.json" for r in handoff["apps"]] + ["handoff.json", "handoff.md", "llb-frontend.json"]:
        if (Path(a.handoff) / name).exists():
            (out / name).write_text((Path(a.handoff) / name).read_text())
    summary(md)
    print(md)
    problems = evidence_problems(rows, os.environ.get("GITHUB_SHA", ""))
    if problems:
        raise CiError("evidence incomplete: " + "; ".join(problems))
    print(f"evidence in {out}")
    return 0


# --- secrets -------------------------------------------------------------------------------------

def cmd_secrets_write(a: argparse.Namespace) -> int:
    d = Path(a.dir)
    given = {sid: os.environ.get(env_secret_var(sid), "") for sid in SECRET_IDS}
    for x, y in SECRET_PAIRS:
        if bool(given[x]) != bool(given[y]):
            missing = y if given[x] else x
            raise CiError(f"registry-secrets: {x} and {y} go together; input `{missing.replace('_', '-')}` is empty")
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    flags = []
    for sid, value in given.items():
        path = d / sid
        path.unlink(missing_ok=True)
        if not value:
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value)
        flags.append(f"--secret id={sid},src={path}")
    flags_file = d / FLAGS_FILE
    flags_file.write_text("".join(f + "\n" for f in flags))
    os.chmod(flags_file, 0o600)
    out = os.environ.get("GITHUB_OUTPUT")
    if out:
        with open(out, "a") as f:
            f.write(f"flags-file={flags_file}\n")
    print(f"registry-secrets: {len(flags)} secret file(s) ({', '.join(f.split(',')[0][12:] for f in flags) or 'none'}); flags in {flags_file}")
    return 0


def cmd_secrets_clean(a: argparse.Namespace) -> int:
    d = Path(a.dir)
    removed = 0
    for name in (*SECRET_IDS, FLAGS_FILE):
        p = d / name
        if p.exists():
            p.unlink()
            removed += 1
    if d.exists() and not any(d.iterdir()):
        d.rmdir()
    print(f"registry-secrets: removed {removed} file(s) from {d}")
    return 0


def secret_flags(path: str) -> list[tuple[str, str]]:
    out = []
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise CiError(f"CI_SECRET_FLAGS_FILE={path}: {e.strerror} (the registry-secrets action writes it; was it cleaned up before the build?)") from e
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = FLAG_RE.match(line.strip())
        if not m or m.group("id") not in SECRET_IDS:
            raise CiError(f"{path}:{n}: expected `--secret id=<one of {', '.join(SECRET_IDS)}>,src=/abs/file`, got {line!r}")
        if not Path(m.group("src")).is_file():
            raise CiError(f"{path}:{n}: secret file {m.group('src')} is missing (was it cleaned up before the build?)")
        out.append((m.group("id"), m.group("src")))
    return out


def cmd_secret_bake_flags(a: argparse.Namespace) -> int:
    path = os.environ.get("CI_SECRET_FLAGS_FILE", "").strip()
    if not path:
        return 0
    pairs = secret_flags(path)
    if pairs:
        ca = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        # A --set of a list replaces the target's list, so the CA bundle comes first again.
        flags = [f"--set=*.secrets=id=host_ca_bundle,src={ca}"] + [f"--set=*.secrets=id={i},src={s}" for i, s in pairs]
        print(" ".join(flags))
    return 0


# --- registry --------------------------------------------------------------------------

def is_loopback(registry: str) -> bool:
    host = registry.split("/")[0].rsplit(":", 1)[0].strip("[]")
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


def cmd_registry_login(a: argparse.Namespace) -> int:
    host = a.registry.split("/")[0]
    if is_loopback(a.registry):
        print(f"registry-login: {host} is a loopback registry without auth; no login")
        return 0
    user, password = os.environ.get("REGISTRY_USER", ""), os.environ.get("REGISTRY_PASSWORD", "")
    if not user or not password:
        raise CiError(f"registry-login: REGISTRY_USER and REGISTRY_PASSWORD must be set on the step to log in to {host}")
    p = subprocess.run(["docker", "login", host, "-u", user, "--password-stdin"], input=password, text=True)
    return p.returncode


def main() -> int:
    ap = argparse.ArgumentParser(usage=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--field", choices=["event", "ref", "sha", "mode", "version", "apps", "apps_reason", "base", "tags", "pushes"])
    p.add_argument("--expect", choices=["dev", "release"])
    sub.add_parser("images")
    p = sub.add_parser("evidence")
    p.add_argument("--handoff", required=True)
    p.add_argument("--out", required=True)
    for name in ("secrets-write", "secrets-clean"):
        sub.add_parser(name).add_argument("--dir", required=True)
    sub.add_parser("secret-bake-flags")
    sub.add_parser("registry-login").add_argument("--registry", required=True)
    a = ap.parse_args()
    fn = {
        "plan": cmd_plan, "images": cmd_images, "evidence": cmd_evidence, "secrets-write": cmd_secrets_write,
        "secrets-clean": cmd_secrets_clean, "secret-bake-flags": cmd_secret_bake_flags,
"registry-login": cmd_registry_login,
    }[a.cmd]
    try:
        return fn(a)
    except (CiError, ReleaseError) as e:
        print(f"ci: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
