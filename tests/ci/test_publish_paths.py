"""The container workflow's paths, run here end to end with the inputs a runner gives each job
(GITHUB_EVENT_NAME, GITHUB_REF, GITHUB_SHA, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY) against a
scratch registry of this test alone (its own docker-registry on 127.0.0.1:5013, storage under
STATE_DIR), so every catalog comparison is exact:

  pull_request  make ci/validate + ci/publish       → the catalog stays empty
  push main     make ci/validate + ci/publish-dev   → the frontend, then the app with exactly the
                                                      dev tags, built from the frontend's digest
  push v9.8.7   make ci/publish-release             → v9.8.7 + latest, handoff, evidence

One cheap app (dev-guide-docs, CI_APPS) keeps the tier short; the change → image selection has
its own tests (patient-risk-frontend affected)."""
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from workflows import REPO_ROOT

pytestmark = pytest.mark.engine

STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
PORT = int(os.environ.get("CI_SCRATCH_REGISTRY_PORT", "5013"))
HOST = f"127.0.0.1:{PORT}"
PREFIX = f"{HOST}/ci"
APP = "dev-guide-docs"
VERSION = "9.8.7"
HEAD = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
sys.path.insert(0, str(REPO_ROOT / "tools" / "release"))
import releaselib  # noqa: E402


def get(path: str) -> dict:
    with urllib.request.urlopen(f"http://{HOST}{path}", timeout=10) as r:
        return json.loads(r.read())


def catalog() -> dict[str, list[str]]:
    """Every repository of the scratch registry and its tags."""
    repos = get("/v2/_catalog?n=1000")["repositories"] or []
    return {r: sorted(get(f"/v2/{r}/tags/list")["tags"] or []) for r in repos}


@pytest.fixture(scope="module")
def registry():
    """A docker-registry of our own: fresh storage, loopback only, stopped by pid at the end."""
    base = STATE_DIR / "ci-registry"
    data = base / "data"
    subprocess.run(["rm", "-rf", str(data)], check=True)
    data.mkdir(parents=True)
    cfg = base / "registry.yml"
    cfg.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {data}\nhttp:\n  addr: {HOST}\n"
    )
    log = (base / "registry.log").open("w")
    proc = subprocess.Popen(["docker-registry", "serve", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            get("/v2/")
            break
        except OSError:
            assert proc.poll() is None, f"docker-registry exited (port {PORT} taken?); see {base / 'registry.log'}"
            assert time.monotonic() < deadline, "scratch registry did not answer in 30 s"
            time.sleep(0.3)
    yield PREFIX
    proc.terminate()
    proc.wait(timeout=30)
    subprocess.run(["rm", "-rf", str(data)], check=True)


def runner(tmp: Path, event: str, ref: str, payload: dict, **extra) -> dict:
    """The environment a runner gives a job of this event."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "event.json").write_text(json.dumps(payload))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "RUNNER_"))}
    return {
        **env, "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_REF": ref,
        "GITHUB_SHA": HEAD, "GITHUB_EVENT_PATH": str(tmp / "event.json"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"), "RUNNER_TEMP": str(tmp / "runner-temp"), **extra,
    }


def make(target: str, env: dict, out: Path, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(
        ["make", "-C", str(REPO_ROOT), target, f"REGISTRY={PREFIX}", f"CI_APPS={APP}", f"CI_OUT={out}"],
        env=env, capture_output=True, text=True, timeout=3600,
    )
    sys.stdout.write(p.stdout[-4000:])
    if check:
        assert p.returncode == 0, f"make {target} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


@pytest.fixture(scope="module")
def pr_run(registry, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pr")
    env = runner(tmp, "pull_request", "refs/pull/13/merge", {"pull_request": {"base": {"sha": HEAD}}})
    before = catalog()
    make("ci/validate", env, tmp / "out")
    publish = make("ci/publish", env, tmp / "out")
    refused = make("ci/publish-dev", env, tmp / "out", check=False)
    return tmp, before, publish, refused


def test_pull_request_pushes_nothing(pr_run):
    """The PR job builds both platforms and leaves the registry exactly as it was, even when a
    publish target is called in it."""
    tmp, before, publish, refused = pr_run
    assert before == {} and catalog() == {}
    assert "publishes nothing" in publish.stdout
    assert refused.returncode != 0 and "does not run for this event" in refused.stderr
    logs = sorted(p.name for p in (tmp / "out" / "logs").iterdir())
    assert logs == [f"{APP}-linux-amd64.log", f"{APP}-linux-arm64.log"]
    summary = (tmp / "summary.md").read_text()
    assert f"{APP}: linux/amd64, linux/arm64 built, nothing pushed" in summary


@pytest.fixture(scope="module")
def main_run(pr_run, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("main")
    env = runner(tmp, "push", "refs/heads/main", {"before": "0" * 40, "ref": "refs/heads/main"})
    make("ci/validate", env, tmp / "out")
    # The composite action's steps: credentials (canaries) → 0600 files → flags file → the
    # publish step gets only its path → cleanup, as publish-dev runs them.
    canaries = {sid: f"canary-{sid}-{os.urandom(8).hex()}" for sid in ("uv_index_username", "uv_index_password")}
    gh_output = tmp / "github_output"
    secret_env = {**env, "GITHUB_OUTPUT": str(gh_output),
                  **{f"REGISTRY_SECRET_{sid.upper()}": v for sid, v in canaries.items()}}
    make("ci/secrets/write", secret_env, tmp / "out")
    flags_file = gh_output.read_text().strip().removeprefix("flags-file=")
    assert Path(flags_file).parent == tmp / "runner-temp" / "registry-secrets"
    make("ci/publish-dev", {**env, "CI_SECRET_FLAGS_FILE": flags_file}, tmp / "out")
    make("ci/secrets/clean", env, tmp / "out")
    assert not (tmp / "runner-temp" / "registry-secrets").exists()
    (tmp / "canaries").write_text("".join(v + "\n" for v in canaries.values()))
    return tmp, catalog()


def test_main_publish_leaks_no_credential(main_run):
    """The credentials the composite action handed to the build appear in no attestation or
    config of the pushed image (tools/release/leakscan)."""
    tmp, _ = main_run
    tag = releaselib.compute_tags(None).tags[0]
    p = subprocess.run([str(REPO_ROOT / "tools" / "release" / "leakscan"), "--canaries", str(tmp / "canaries"),
                        f"{PREFIX}/{APP}:{tag}"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_main_pushes_exactly_the_dev_tags(main_run):
    """A main run adds the frontend and the app with dev, dev-<count>-g<sha>, sha-<sha> only."""
    tmp, after = main_run
    dev = releaselib.compute_tags(None)
    assert dev.kind == "dev"
    assert set(after) == {"ci/llb-frontend", f"ci/{APP}"}, after
    assert after[f"ci/{APP}"] == sorted(dev.tags)


def frontend_digest() -> str:
    tags = catalog()["ci/llb-frontend"]
    digests = {releaselib.index_of(f"{PREFIX}/llb-frontend:{t}")["digest"] for t in tags}
    assert len(digests) == 1, f"llb-frontend tags {tags} name {digests}"
    return digests.pop()


def test_main_app_is_built_by_the_pushed_frontend_digest(main_run):
    """The app's provenance names the frontend by the digest the same run pushed."""
    tag = releaselib.compute_tags(None).tags[0]
    prov = json.dumps(releaselib.imagetools(f"{PREFIX}/{APP}:{tag}", "{{json .Provenance}}"))
    digest = frontend_digest()
    assert f"{PREFIX}/llb-frontend@{digest}" in prov or digest in prov, "frontend digest not in the provenance"


def test_main_evidence(main_run):
    """Evidence (8-1) per image in the step summary and the artifact dir, from the handoff."""
    tmp, _ = main_run
    ev = json.loads((tmp / "out" / "evidence" / "evidence.json").read_text())
    (img,) = ev["images"]
    assert img["app"] == APP and img["tags"] == releaselib.compute_tags(None).tags
    assert img["index_digest"] == releaselib.index_of(f"{PREFIX}/{APP}:dev")["digest"]
    assert sorted(img["platform_digests"]) == ["linux/amd64", "linux/arm64"]
    assert all(img["provenance"].values()) and all(img["sbom"].values()) and img["revision"] == HEAD
    assert ev["frontend"]["ref"] == f"{PREFIX}/llb-frontend@{frontend_digest()}"
    assert f"### {APP}" in (tmp / "summary.md").read_text()


@pytest.fixture(scope="module")
def tag_run(main_run, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tag")
    ref = f"refs/tags/v{VERSION}"
    env = runner(tmp, "push", ref, {"ref": ref, "before": "0" * 40})
    before = catalog()
    make("ci/publish-release", env, tmp / "out")
    return tmp, before, catalog()


def test_tag_pushes_the_release_tags_and_the_handoff(tag_run):
    """A v* tag run adds exactly vX.Y.Z + latest to the app, and writes the CD handoff (8-3)."""
    tmp, before, after = tag_run
    assert set(after) == set(before)
    assert sorted(set(after[f"ci/{APP}"]) - set(before[f"ci/{APP}"])) == sorted([f"v{VERSION}", "latest"])
    rec = json.loads((tmp / "out" / "handoff" / f"{APP}.json").read_text())
    assert rec["tag"] == f"v{VERSION}" and rec["tags"] == [f"v{VERSION}", "latest"]
    assert rec["digest"] == releaselib.index_of(f"{PREFIX}/{APP}:v{VERSION}")["digest"]
    assert rec["platforms"] == ["linux/amd64", "linux/arm64"] and rec["platforms_verified"]
    assert rec["runtime"]["port"] and rec["runtime"]["probe_port"] and rec["runtime"]["readiness"]
    assert rec["migration_needed"] is False and rec["version"] == VERSION and rec["revision"] == HEAD
    ev = json.loads((tmp / "out" / "evidence" / "evidence.json").read_text())
    assert ev["tag"] == f"v{VERSION}" and ev["images"][0]["tags"] == [f"v{VERSION}", "latest"]


def test_pull_request_job_through_act(registry, tmp_path):
    """nektos/act runs the workflow's `validate` job itself on this host (runs-on self-hosted →
    host executor) for a pull_request event, from a fresh clone of HEAD as a runner checks it
    out: its make steps build dev-guide-docs for both platforms and the registry stays as it was.
    (publish-dev cannot run under act here: act fetches actions/upload-artifact from github.com
    before the job's first step, and this host has no route to GitHub; docs/release.md.)"""
    act = os.environ["ACT"]
    work = STATE_DIR / "ci-act"
    clone = work / "clone"
    subprocess.run(["rm", "-rf", str(clone)], check=True)
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", "--no-local", str(REPO_ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "--detach", HEAD], check=True)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 13, "pull_request": {"number": 13, "base": {"sha": HEAD}, "head": {"sha": HEAD}}}))
    before = catalog()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "RUNNER_", "MAKE"))}
    env["XDG_CACHE_HOME"] = str(work / "xdg-cache")
    p = subprocess.run(
        [act, "pull_request", "-j", "validate", "-W", ".github/workflows/container.yml", "-e", str(event),
         "-P", "self-hosted=-self-hosted", "--action-cache-path", str(work / "actions"),
         "--env", f"CI_APPS={APP}", "--env", f"REGISTRY={PREFIX}", "--env", f"STATE_DIR={STATE_DIR}"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=1800,
    )
    out = p.stdout + p.stderr
    sys.stdout.write(out[-4000:])
    assert p.returncode == 0, out[-5000:]
    assert "Success - Main validate" in out and "Job succeeded" in out
    assert f"ci/images: {APP} (linux/arm64), push: none" in out
    assert catalog() == before
    subprocess.run(["rm", "-rf", str(clone)], check=True)
