"""No secret reaches an image. Every app is built with a canary value for every
private-registry secret id, with the private indexes its spec declares configured
(pointing at the public registries, which ignore the fake credentials), and the real
host CA bundle. Every blob of the exported OCI layout (each platform's layers, after
decompression, configs with their history, manifests, attestations) is then searched
for the canaries and for the host CA's own certificate."""

from __future__ import annotations

import gzip
import json
import tarfile
import uuid
from pathlib import Path

import pytest

from conftest import APPS, HOST_CA_BUNDLE, PLATFORMS, LOCAL_REGISTRY, buildx, run

# Private indexes per app, limited to what each spec declares under [secrets].
PRIVATE_INDEXES = {
    "patient-risk-python-api": {
        "UV_INDEX_URL": "https://pypi.org/simple",
        "CARGO_REGISTRY_INDEX": "sparse+https://index.crates.io/",
    },
    "patient-risk-web": {"NPM_REGISTRY_URL": "https://registry.npmjs.org/"},
}
SECRET_IDS = ["uv_index_username", "uv_index_password", "npm_token", "cargo_registry_token",
              "conan_login_username", "conan_password"]


def host_only_ca_lines() -> list[bytes]:
    """Base64 lines of the host CA bundle that Debian's public bundle lacks: the
    build machine's own (TLS-intercepting) CA, which must never enter an image."""
    runtime = f"{LOCAL_REGISTRY}/patient-risk/bases/python-runtime:local"
    public = run(["docker", "run", "--rm", "--network", "none", runtime, "cat", "/etc/ssl/certs/ca-certificates.crt"]).stdout
    public_lines = set(public.splitlines())
    own = [l for l in HOST_CA_BUNDLE.read_text().splitlines()
           if len(l) >= 60 and not l.startswith("-----") and l not in public_lines]
    return [l.encode() for l in own[:8]]


def blobs(layout: Path):
    for blob in sorted((layout / "blobs" / "sha256").iterdir()):
        data = blob.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        yield blob.name, data


@pytest.mark.parametrize("app", APPS)
def test_no_secret_in_any_exported_blob(images, app, tmp_path):
    canaries = {sid: f"canary-{sid}-{uuid.uuid4().hex}" for sid in SECRET_IDS}
    flags = ["--platform", ",".join(PLATFORMS), "-o", f"type=oci,dest={tmp_path / 'image.tar'}",
             "--provenance", "mode=max"]
    for arg, value in PRIVATE_INDEXES.get(app, {}).items():
        flags += ["--build-arg", f"{arg}={value}"]
    record = buildx(f"apps/{app}/Dockerfile", *flags, secrets=canaries)

    if app in PRIVATE_INDEXES:
        # The configured indexes really were used: their steps ran with the secrets.
        ran = record.executed(f"[{app}]")
        assert ran, f"{app}: the private-index steps re-ran with their secrets"

    layout = tmp_path / "layout"
    with tarfile.open(tmp_path / "image.tar") as tar:
        tar.extractall(layout, filter="data")
    index = json.loads((layout / "index.json").read_text())
    assert index["manifests"], "an OCI index"
    needles = [c.encode() for c in canaries.values()] + host_only_ca_lines()
    scanned = 0
    for name, data in blobs(layout):
        scanned += 1
        for needle in needles:
            assert needle not in data, f"{app}: blob {name} contains {needle[:40]!r}"
    assert scanned >= 2 * 3, f"{app}: layers, configs and manifests of both platforms ({scanned} blobs)"
