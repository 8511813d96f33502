"""tools/ci/ci.py without the engine: the event → mode/tags decision a runner's inputs lead to,
the credential files of the composite action, the stage a failing image build is reported as
(matched against the vertex names the real graph of the API app gives its steps), evidence."""
import json
import os
import stat
import subprocess
import sys

import pytest

import ci_tool
from workflows import REPO_ROOT

CI = [sys.executable, str(REPO_ROOT / "tools" / "ci" / "ci.py")]
HEAD = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


def ci(*args, env=None, check=True):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "REGISTRY_SECRET_"))}
    p = subprocess.run([*CI, *args], capture_output=True, text=True, env={**base, "REPO_ROOT": str(REPO_ROOT), **(env or {})})
    if check:
        assert p.returncode == 0, p.stderr
    return p


def plan(**env):
    return json.loads(ci("plan", env={"CI_APPS": "dev-guide-docs", "GITHUB_SHA": HEAD, **env}).stdout)


def test_pull_request_validates_and_pushes_nothing():
    """A PR run is `validate`: no tags, nothing pushed."""
    p = plan(GITHUB_EVENT_NAME="pull_request", GITHUB_REF="refs/pull/3/merge")
    assert (p["mode"], p["pushes"], p["tags"]) == ("validate", False, "")


def test_main_push_is_dev_with_the_dev_tags():
    """A push to main publishes dev, dev-<count>-g<sha>, sha-<sha> (tools/release/tags)."""
    p = plan(GITHUB_EVENT_NAME="push", GITHUB_REF="refs/heads/main")
    tags = p["tags"].split()
    suffix = "-dirty" if tags[0].endswith("-dirty") else ""
    assert p["mode"] == "dev" and tags[2] == "dev" and tags[0].startswith("dev-") and tags[1] == f"sha-{HEAD[:12]}{suffix}"


def test_tag_push_is_release_of_that_version():
    """refs/tags/v2.3.4 → release 2.3.4 with v2.3.4 + latest, every app when CI_APPS is unset."""
    p = json.loads(ci("plan", env={"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v2.3.4"}).stdout)
    assert (p["mode"], p["version"], p["tags"]) == ("release", "2.3.4", "v2.3.4 latest")
    assert p["apps"].split() == sorted(ci_tool.releaselib.load_contract().repositories)


@pytest.mark.parametrize("publish,version,mode", [("dev", "", "dev"), ("release", "v1.0.0", "release")])
def test_dispatch_publishes_what_is_chosen(publish, version, mode):
    p = plan(GITHUB_EVENT_NAME="workflow_dispatch", GITHUB_REF="refs/heads/main", CI_PUBLISH=publish, CI_VERSION=version)
    assert p["mode"] == mode and (p["version"] == "1.0.0") == (mode == "release")


@pytest.mark.parametrize("env,message", [
    ({"GITHUB_EVENT_NAME": "workflow_dispatch", "CI_PUBLISH": "release"}, "needs the `version` input"),
    ({"GITHUB_EVENT_NAME": "workflow_dispatch", "CI_PUBLISH": "release", "CI_VERSION": "1.2"}, "not a release version"),
    ({"GITHUB_EVENT_NAME": "workflow_dispatch", "CI_PUBLISH": "prod"}, "choose dev or release"),
    ({"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/vfoo"}, "not a release version"),
    ({"GITHUB_EVENT_NAME": "pull_request_target"}, "never used"),
    ({"GITHUB_EVENT_NAME": ""}, "expected pull_request, push, or workflow_dispatch"),
    ({"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "0" * 40}, "but the checkout's HEAD is"),
    ({"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "CI_APPS": "nope"}, "unknown app"),
])
def test_bad_inputs_are_refused_with_the_fix(env, message):
    p = ci("plan", env={"GITHUB_SHA": HEAD, **env}, check=False)
    assert p.returncode == 2 and message in p.stderr, p.stderr


@pytest.mark.parametrize("event,ref", [("pull_request", "refs/pull/1/merge"), ("push", "refs/tags/v1.0.0")])
def test_publish_dev_refuses_other_events(event, ref):
    """`make ci/publish-dev` under a PR (or a tag) event stops before anything is built."""
    p = ci("plan", "--expect", "dev", env={"GITHUB_EVENT_NAME": event, "GITHUB_REF": ref, "CI_APPS": "dev-guide-docs"}, check=False)
    assert p.returncode == 2 and "does not run for this event" in p.stderr


def test_base_revision_comes_from_the_event_payload():
    """PRs compare with the base branch's sha, pushes with `before` (a new branch has none)."""
    assert ci_tool.base_rev("pull_request", {"pull_request": {"base": {"sha": "abc"}}}) == "abc"
    assert ci_tool.base_rev("push", {"before": "def"}) == "def"
    assert ci_tool.base_rev("push", {"before": "0" * 40}) == ""


def test_secret_files_are_0600_flags_match_and_cleanup_removes_them(tmp_path):
    """The composite action's files: one per given credential, 0600 in a 0700 dir, a flags
    file naming them by secret id, the flags-file output, and nothing left after cleanup."""
    d = tmp_path / "registry-secrets"
    out = tmp_path / "github_output"
    env = {ci_tool.env_secret_var("uv_index_username"): "u", ci_tool.env_secret_var("uv_index_password"): "p@ss",
           ci_tool.env_secret_var("npm_token"): "npm-t", "GITHUB_OUTPUT": str(out)}
    ci("secrets-write", "--dir", str(d), env=env)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    files = sorted(p.name for p in d.iterdir())
    assert files == ["npm_token", "secret-flags", "uv_index_password", "uv_index_username"]
    for f in d.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert (d / "uv_index_password").read_text() == "p@ss"
    flags = (d / "secret-flags").read_text().splitlines()
    assert flags == [f"--secret id={i},src={d / i}" for i in ("uv_index_username", "uv_index_password", "npm_token")]
    assert out.read_text() == f"flags-file={d / 'secret-flags'}\n"
    bake = ci("secret-bake-flags", env={"CI_SECRET_FLAGS_FILE": str(d / "secret-flags"), "HOST_CA_BUNDLE": "/ca"}).stdout.split()
    assert bake == ["--set=*.secrets=id=host_ca_bundle,src=/ca"] + [f"--set=*.secrets=id={i},src={d / i}" for i in ("uv_index_username", "uv_index_password", "npm_token")]
    ci("secrets-clean", "--dir", str(d))
    assert not d.exists()
    p = ci("secret-bake-flags", env={"CI_SECRET_FLAGS_FILE": str(d / "secret-flags")}, check=False)
    assert p.returncode == 2


def test_half_a_credential_pair_is_refused(tmp_path):
    p = ci("secrets-write", "--dir", str(tmp_path / "s"), env={ci_tool.env_secret_var("conan_login_username"): "u"}, check=False)
    assert p.returncode == 2 and "conan-password" in p.stderr


def test_flags_file_with_an_unknown_id_names_the_line(tmp_path):
    f = tmp_path / "flags"
    f.write_text(f"--secret id=aws_key,src={f}\n")
    p = ci("secret-bake-flags", env={"CI_SECRET_FLAGS_FILE": str(f)}, check=False)
    assert p.returncode == 2 and f"{f}:1:" in p.stderr


@pytest.fixture(scope="module")
def api_step_names():
    """The vertex names of the API app's real release graph (the frontend's `plan` command)."""
    p = subprocess.run(
        ["cargo", "run", "-q", "--locked", "-p", "patient-risk-frontend", "--", "plan", "--app", "patient-risk-python-api"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    names = [line.strip()[len('name: "'):-1] for line in p.stdout.splitlines() if line.strip().startswith('name: "')]
    assert names
    return names


@pytest.mark.parametrize("stage", ["wheel build", "wheel install", "app start"])
def test_failing_step_names_its_stage(api_step_names, stage):
    """For each 5-2 stage, a plain-progress log in which one real step of that stage fails is
    reported as that stage (so a renamed graph step breaks this test, not the CI message)."""
    ours = [n for n in api_step_names if ci_tool.classify(f"#5 {n}\n#5 ERROR: boom\n")[0] == stage]
    assert ours, f"no step of the API graph maps to {stage}: {api_step_names}"
    for n in ours:
        log = "\n".join(f"#{i} {x}" for i, x in enumerate(api_step_names, 1))
        num = api_step_names.index(n) + 1
        log += f"\n#{num} ERROR: process \"/bin/sh -c x\" did not complete successfully: exit code: 1\nERROR: failed to solve\n"
        assert ci_tool.classify(log)[:2] == (stage, n)


def test_graph_error_without_a_failed_step():
    assert ci_tool.classify("#1 [internal] load\nERROR: failed to solve: spec error\n") == ("graph (frontend)", "", "ERROR: failed to solve: spec error")


def test_evidence_from_a_handoff_record(tmp_path):
    """Evidence rows come from the handoff records as written; a missing SBOM or a revision
    other than GITHUB_SHA fails the step after the files are written."""
    rec = {
        "app": "dev-guide-docs", "repository": "r/dev-guide-docs", "tag": "v1.0.0", "tags": ["v1.0.0", "latest"],
        "digest": "sha256:" + "a" * 64, "platforms": ["linux/amd64", "linux/arm64"], "platforms_verified": True,
        "revision": HEAD,
        "platform_manifests": {
            "linux/amd64": {"manifest": "sha256:" + "b" * 64, "provenance": True, "sbom": True},
            "linux/arm64": {"manifest": "sha256:" + "c" * 64, "provenance": True, "sbom": False},
        },
    }
    h = tmp_path / "handoff"
    h.mkdir()
    (h / "handoff.json").write_text(json.dumps({"tag": "v1.0.0", "apps": [rec]}))
    summary = tmp_path / "summary.md"
    p = ci("evidence", "--handoff", str(h), "--out", str(tmp_path / "ev"), env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SHA": HEAD}, check=False)
    assert p.returncode == 2 and "linux/arm64: no SBOM attestation" in p.stderr
    ev = json.loads((tmp_path / "ev" / "evidence.json").read_text())["images"][0]
    assert ev["platform_digests"] == {"linux/amd64": "sha256:" + "b" * 64, "linux/arm64": "sha256:" + "c" * 64}
    assert "`sha256:" + "c" * 64 + "` | ✔ | ✘ |" in summary.read_text()


def test_push_uses_the_change_to_image_mapping():
    """Without CI_APPS a push asks `patient-risk-frontend affected` about before..HEAD (the
    event payload's `before`): a push that changes nothing builds and publishes no app."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump({"before": HEAD}, f)
        f.flush()
        env = {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": HEAD,
               "GITHUB_EVENT_PATH": f.name, "CI_AFFECTED": "cargo run -q --locked -p patient-risk-frontend -- affected"}
        p = json.loads(ci("plan", env=env).stdout)
    assert (p["mode"], p["apps"], p["base"]) == ("dev", "", HEAD), p
    assert p["apps_reason"] == f"affected by {HEAD[:12]}..HEAD"
