"""Integration tier of PACKAGE_SOURCE=registry (issue 15a), against the real engine,
the working-tree frontend, the local bases and the authenticated loopback
registries of `make registries/up` (packages published by `make registries/publish`).

Proves:
- each registry refuses anonymous and wrong credentials (401/403) and serves the
  published packages with the generated ones;
- every app builds for linux/amd64 and linux/arm64 from the registries, its
  resolution steps taking the internal packages from them (not the workspace);
- without a secret the build fails at the step that needs it, naming the secret id;
  with a wrong one the registry's 401/403 reaches the user;
- no credential value (raw or base64) is in any blob of the pushed images (every
  layer decompressed, configs, manifests, SBOM and provenance, both platforms),
  tools/release/leakscan finds nothing in the attestations, no layer holds a
  credential file (.npmrc, .netrc, credentials.toml, credentials.json).
- no credential value is anywhere in the engine's storage: every snapshot of the containerd
  snapshotter (image layers, the graphs' BuildKit cache mounts, exec scratch space) is
  searched after the registry builds, with a positive control proving the search reaches the
  content of a cache mount.
"""

from __future__ import annotations

import base64
import gzip
import importlib.machinery
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("images_helpers", HERE.parent / "images" / "conftest.py")
H = importlib.util.module_from_spec(_spec)
sys.modules["images_helpers"] = H  # dataclasses look their module up
_spec.loader.exec_module(H)

REPO_ROOT = H.REPO_ROOT
STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
CREDS = STATE_DIR / "registries" / "credentials"
SECRET_IDS = ["uv_index_username", "uv_index_password", "npm_token", "cargo_registry_token",
              "conan_login_username", "conan_password"]
TAG = "0.0.0-registry-it"
CREDENTIAL_FILES = {".npmrc", ".netrc", "netrc", "npmrc", "credentials.toml", "credentials.json"}


def registries() -> dict[str, str]:
    out = subprocess.run([sys.executable, str(REPO_ROOT / "tools/registries/registries.py"), "status"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"registries not up (make registries/up):\n{out.stdout}{out.stderr}"
    return {line.split()[0]: line.split()[1] for line in out.stdout.splitlines()}


def registry_args(urls: dict[str, str]) -> dict[str, str]:
    return {
        "PACKAGE_SOURCE": "registry",
        "UV_INDEX_URL": urls["pypi"],
        "NPM_REGISTRY_URL": urls["npm"],
        "CARGO_REGISTRY_INDEX": urls["cargo"],
        "CONAN_REMOTE_URL": urls["conan"],
    }


def credentials() -> dict[str, str]:
    return {sid: (CREDS / sid).read_text().strip() for sid in SECRET_IDS}


def build_one(app: str, target: str, urls: dict, secrets_dir: Path | None, omit=(), platform="linux/amd64"):
    """`docker buildx build` of one target (cache only) in registry mode; returns the result.
    --no-cache: a secret is not part of a step's cache key, so a cached step would hide it."""
    cmd = ["docker", "buildx", "build", "--progress=plain", "-f", f"apps/{app}/Dockerfile",
           "--target", target, "--platform", platform, "--output", "type=cacheonly", "--no-cache",
           "--allow", "network.host",
           "--build-arg", f"BUILDKIT_SYNTAX={H.FRONTEND}",
           "--build-arg", "BASE_IMAGES=local",
           "--build-arg", f"BASE_IMAGES_REGISTRY={H.LOCAL_REGISTRY}/patient-risk/bases",
           "--secret", f"id=host_ca_bundle,src={H.HOST_CA_BUNDLE}"]
    for k, v in registry_args(urls).items():
        cmd += ["--build-arg", f"{k}={v}"]
    for sid in SECRET_IDS:
        if sid not in omit:
            cmd += ["--secret", f"id={sid},src={(secrets_dir or CREDS) / sid}"]
    return subprocess.run([*cmd, "."], capture_output=True, text=True, timeout=1800, cwd=REPO_ROOT)


# ------------------------------------------------------------------ registries


def _status(url: str, auth: str | None = None) -> int:
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_registries_refuse_anonymous_and_wrong_credentials():
    """Each printed URL (or the package path under it) answers 401/403 without
    credentials and with wrong ones, and 200 with the generated ones."""
    urls = registries()
    assert set(urls) == {"pypi", "npm", "cargo", "conan"}
    c = credentials()
    basic = lambda u, p: "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()  # noqa: E731
    cargo = urls["cargo"].removeprefix("sparse+")
    cases = [
        (urls["pypi"] + "patient-risk-core/", basic(c["uv_index_username"], c["uv_index_password"]),
         basic(c["uv_index_username"], "wrong")),
        (urls["npm"] + "patient-monitor-ui-core", f"Bearer {c['npm_token']}", "Bearer wrong"),
        (cargo + "config.json", c["cargo_registry_token"], "wrong"),
        (cargo + "pa/ti/patient-signal-rust-core", c["cargo_registry_token"], "wrong"),
        (urls["conan"] + "/v2/users/authenticate", basic(c["conan_login_username"], c["conan_password"]),
         basic(c["conan_login_username"], "wrong")),
    ]
    for url, good, bad in cases:
        assert _status(url) in (401, 403), f"{url} without credentials"
        assert _status(url, bad) in (401, 403), f"{url} with wrong credentials"
        assert _status(url, good) == 200, f"{url} with the generated credentials"
    for f in CREDS.iterdir():
        assert f.stat().st_mode & 0o077 == 0, f"{f} is readable by others"


# ------------------------------------------------------------------ builds


@pytest.fixture(scope="module")
def registry_images():
    """Every app, both platforms, PACKAGE_SOURCE=registry, pushed with SBOM + provenance."""
    urls = registries()
    env = {**registry_args(urls), "REGISTRY_CREDENTIALS": str(CREDS), "IMAGE_TAG": TAG}
    record = H.bake(H.APPS, "--push", "--allow=network.host", "--provenance=mode=max", "--sbom=true",
                    env=env, timeout=3600)
    return record, {app: H.image_ref(app, TAG) for app in H.APPS}


def test_every_app_builds_from_the_registries(registry_images):
    """Both platforms of every app are pushed, and the resolution steps took the internal
    packages from the registries: npm locks them to the npm registry, cargo re-locks the
    signal core from registry `private`, uv installs the pinned Python core from the index."""
    record, refs = registry_images
    for app, ref in refs.items():
        index = json.loads(H.run(["docker", "buildx", "imagetools", "inspect", ref, "--raw"]).stdout)
        platforms = {f"{m['platform']['os']}/{m['platform']['architecture']}"
                     for m in index["manifests"] if m.get("platform", {}).get("os") != "unknown"}
        assert platforms == set(H.PLATFORMS), f"{app}: {platforms}"
    names = [v.name for v in record.vertexes.values()]
    assert any("npm ci (workspace packages from the registry)" in n for n in names), names
    assert any("path deps → registry `private`" in n for n in names), names
    assert any("members from the index" in n for n in names), names


def _needles(values: list[str]) -> list[bytes]:
    """Each value raw and base64-encoded at every alignment (tools/release/leakscan's needles)."""
    loader = importlib.machinery.SourceFileLoader("leakscan", str(REPO_ROOT / "tools/release/leakscan"))
    leakscan = importlib.util.module_from_spec(importlib.util.spec_from_loader("leakscan", loader))
    loader.exec_module(leakscan)
    return [n.encode() for v in values for n in leakscan.needles(v)]


def _registry_get(path: str, accept: str = "") -> bytes:
    req = urllib.request.Request(f"http://{H.LOCAL_REGISTRY}/v2/{path}")
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


MANIFEST_TYPES = ",".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])


def test_no_credential_in_any_blob_of_any_app(registry_images):
    """Every blob reachable from each app's index (both platforms' manifests, configs with
    history, every layer decompressed, the SBOM and provenance attestations) is free of every
    credential value (raw and base64 at any alignment) and of credential files."""
    _, refs = registry_images
    values = list(credentials().values())
    needles = _needles(values)
    for app, ref in refs.items():
        repo = ref.split("/", 1)[1].rsplit(":", 1)[0]
        index = _registry_get(f"{repo}/manifests/{TAG}", MANIFEST_TYPES)
        seen, todo, layers = set(), [index], 0
        platforms = 0
        while todo:
            doc = todo.pop()
            for needle in needles:
                assert needle not in doc, f"{app}: a manifest contains a credential"
            m = json.loads(doc)
            for child in m.get("manifests", []):
                platforms += child.get("platform", {}).get("os") == "linux"
                todo.append(_registry_get(f"{repo}/manifests/{child['digest']}", MANIFEST_TYPES))
            for blob in [m.get("config")] + m.get("layers", []):
                if not blob or blob["digest"] in seen:
                    continue
                seen.add(blob["digest"])
                data = _registry_get(f"{repo}/blobs/{blob['digest']}")
                if data[:2] == b"\x1f\x8b":
                    data = gzip.decompress(data)
                for needle in needles:
                    assert needle not in data, f"{app}: blob {blob['digest']} contains a credential"
                if "tar" in blob.get("mediaType", ""):
                    layers += 1
                    with tarfile.open(fileobj=io.BytesIO(data)) as t:
                        bad = [n for n in t.getnames() if n.rsplit("/", 1)[-1] in CREDENTIAL_FILES]
                    assert not bad, f"{app}: layer {blob['digest']} has credential files {bad}"
        assert platforms == 2 and layers >= 2, f"{app}: {platforms} platforms, {layers} layers scanned"
    canaries = Path(os.environ.get("TMPDIR", "/tmp")) / f"registry-it-canaries-{os.getpid()}"
    fd = os.open(canaries, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(values) + "\n")
    try:
        res = H.run([str(REPO_ROOT / "tools/release/leakscan"), "--canaries", str(canaries), *refs.values()],
                    check=False)
        assert res.returncode == 0, f"leakscan found credentials:\n{res.stdout}\n{res.stderr}"
    finally:
        canaries.unlink()


def _snapshot_roots() -> list[Path]:
    """Where the engine keeps layer and cache-mount contents: the containerd snapshotter of
    Docker's containerd image store (and BuildKit's own, where present)."""
    root = Path(H.run(["docker", "info", "--format", "{{.DockerRootDir}}"], timeout=60).stdout.strip())
    roots = [p for p in (root / "containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots",
                         root / "buildkit/containerd-overlayfs") if p.is_dir()]
    assert roots, f"no snapshot storage found under {root}: is the containerd image store on (make engine/up)?"
    return roots


def _grep_storage(needles: list[bytes], roots: list[Path], tmp_path: Path) -> set[bytes]:
    """The needles found anywhere under the roots (one grep -F pass over every file, binary
    too)."""
    patterns = tmp_path / "needles"
    fd = os.open(patterns, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"\n".join(needles) + b"\n")
    try:
        res = subprocess.run(["grep", "-rhoaF", "-f", str(patterns), *map(str, roots)],
                             capture_output=True, timeout=1200, check=False)
    finally:
        patterns.unlink()
    # The engine is live: a snapshot can vanish between grep listing and reading it. That is
    # the only error tolerated; any other (unreadable storage) fails the test.
    errors = [line for line in res.stderr.decode(errors="replace").splitlines()
              if not line.endswith("No such file or directory")]
    assert res.returncode in (0, 1) or (res.returncode == 2 and not errors), \
        f"grep failed (exit {res.returncode}):\n" + "\n".join(errors[-20:])
    return set(res.stdout.splitlines()) & set(needles)


def test_no_credential_in_the_engines_storage_not_even_in_cache_mounts(registry_images, tmp_path):
    """After the authenticated builds, no password or token is in any snapshot the engine holds:
    the image layers, every BuildKit cache mount the graphs use (npm, uv, Cargo, Conan caches)
    and exec scratch space. Credentials live only in tmpfs files and env of their step.
    Positive control in the same search: a canary written into a cache mount by a build is
    found, so finding no credential means the cache mounts were searched."""
    import uuid
    canary = f"cache-mount-canary-{uuid.uuid4().hex}"
    control = tmp_path / "control"
    control.mkdir()
    (control / "Dockerfile").write_text(
        f"FROM {H.LOCAL_REGISTRY}/patient-risk/bases/python-runtime:local\n"
        f"RUN --mount=type=cache,id=patient-risk-registries-scan-control,target=/cache "
        f"echo {canary} > /cache/canary\n")
    H.run(["docker", "buildx", "build", "--progress=plain", "--no-cache", "--output", "type=cacheonly",
           str(control)], timeout=600)

    # Usernames are left out: they are ordinary words; passwords and tokens are random.
    secrets = [v for k, v in credentials().items() if not k.endswith("username")]
    assert len(secrets) == 4, secrets
    needles = _needles(secrets)
    found = _grep_storage([canary.encode(), *needles], _snapshot_roots(), tmp_path)
    assert canary.encode() in found, "the positive control's cache-mount canary was not found: the search misses cache mounts"
    leaks = found - {canary.encode()}
    assert not leaks, f"{len(leaks)} credential needle(s) found in the engine's storage"


# ------------------------------------------------------------------ failures


@pytest.mark.parametrize("app,target,secret", [
    ("patient-risk-web", "web-bundle", "npm_token"),
    ("dev-guide-docs", "docs-site", "uv_index_password"),
    ("patient-risk-python-api", "wheel", "cargo_registry_token"),
])
def test_a_missing_secret_fails_at_its_step_naming_the_id(app, target, secret):
    """Without the secret, the step that needs it fails and says which id to pass."""
    urls = registries()
    res = build_one(app, target, urls, None, omit=(secret,))
    assert res.returncode != 0, f"{app} built without {secret}"
    assert f"secret {secret} is missing" in res.stderr, res.stderr[-3000:]


@pytest.mark.parametrize("app,target,secret,expect", [
    ("patient-risk-web", "web-bundle", "npm_token", "E401"),
    ("dev-guide-docs", "docs-site", "uv_index_password", "403 Forbidden"),
    ("patient-risk-python-api", "wheel", "cargo_registry_token", "invalid token for this registry"),
])
def test_a_wrong_secret_reports_the_registrys_refusal(app, target, secret, expect, tmp_path):
    """With a wrong credential the registry's 401/403 reaches the build output."""
    urls = registries()
    for sid in SECRET_IDS:
        fd = os.open(tmp_path / sid, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("wrong-value" if sid == secret else (CREDS / sid).read_text())
    res = build_one(app, target, urls, tmp_path)
    assert res.returncode != 0, f"{app} built with a wrong {secret}"
    assert expect in res.stderr, res.stderr[-3000:]
