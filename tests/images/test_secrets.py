"""No secret reaches an image. Every app is built with a canary value for every
private-registry secret id, with the private indexes its spec declares configured
(pointing at the public registries, which ignore the fake credentials), and the real
host CA bundle. Every blob of the exported OCI layout (each platform's layers, after
decompression, configs with their history, manifests, attestations) is then searched
for the canaries and for the host CA's own certificate."""

from __future__ import annotations

import gzip
import json
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from conftest import APPS, HOST_CA_BUNDLE, PLATFORMS, buildx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from own_ca import own_ca_bundle  # noqa: E402  (tests/engine/own_ca.py, shared with the engine tier)

# Private indexes per app, limited to what each spec declares under [secrets].
PRIVATE_INDEXES = {
    "patient-risk-python-api": {
        "UV_INDEX_URL": "https://pypi.org/simple",
        "CARGO_REGISTRY_INDEX": "sparse+https://index.crates.io/",
    },
    "patient-risk-web": {"NPM_REGISTRY_URL": "https://registry.npmjs.org/"},
    "dev-guide-docs": {"UV_INDEX_URL": "https://pypi.org/simple"},
}
# The secret ids those private indexes bring into their steps.
EXPECTED_SECRETS = {
    "patient-risk-python-api": ["uv_index_username", "uv_index_password", "cargo_registry_token"],
    "patient-risk-web": ["npm_token"],
    "dev-guide-docs": ["uv_index_username", "uv_index_password"],
}
SECRET_IDS = ["uv_index_username", "uv_index_password", "npm_token", "cargo_registry_token",
              "conan_login_username", "conan_password"]


def host_only_ca_lines() -> list[bytes]:
    """Base64 lines of the host CA bundle that no public (Mozilla) CA shares: the
    build machine's own CAs (e.g. a TLS-intercepting proxy's), which must never
    enter an image. Debian builds the bundle from /usr/share/ca-certificates
    (public) plus /usr/local/share/ca-certificates (local additions)."""
    public: set[str] = set()
    for crt in Path("/usr/share/ca-certificates").rglob("*.crt"):
        public.update(crt.read_text(errors="replace").splitlines())
    own = [l for l in HOST_CA_BUNDLE.read_text().splitlines()
           if len(l) >= 60 and not l.startswith("-----") and l not in public]
    return [l.encode() for l in own[:16]]


def blobs(layout: Path):
    for blob in sorted((layout / "blobs" / "sha256").iterdir()):
        data = blob.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        yield blob.name, data


@pytest.mark.parametrize("app", APPS)
def test_no_secret_in_any_exported_blob(images, app, tmp_path):
    # The host_ca_bundle secret is the host bundle plus a CA made for this test (openssl), so the
    # CA search has needles on every machine; the host's own CA lines are searched for as an extra.
    ca = own_ca_bundle(tmp_path / "ca", HOST_CA_BUNDLE)
    canaries = {sid: f"canary-{sid}-{uuid.uuid4().hex}" for sid in SECRET_IDS}
    flags = ["--platform", ",".join(PLATFORMS), "-o", f"type=oci,dest={tmp_path / 'image.tar'}",
             "--provenance", "mode=max"]
    for arg, value in PRIVATE_INDEXES.get(app, {}).items():
        flags += ["--build-arg", f"{arg}={value}"]
    buildx(f"apps/{app}/Dockerfile", *flags, secrets=canaries, ca_bundle=ca.bundle)

    layout = tmp_path / "layout"
    with tarfile.open(tmp_path / "image.tar") as tar:
        tar.extractall(layout, filter="data")
    index = json.loads((layout / "index.json").read_text())
    assert index["manifests"], "an OCI index"
    needles = [c.encode() for c in canaries.values()] + ca.needles + host_only_ca_lines()
    scanned = 0
    provenance = b""
    for name, data in blobs(layout):
        scanned += 1
        for needle in needles:
            assert needle not in data, f"{app}: blob {name} contains {needle[:40]!r}"
        if b"https://slsa.dev/provenance/" in data:
            provenance += data
    assert scanned >= 2 * 3, f"{app}: layers, configs and manifests of both platforms ({scanned} blobs)"
    # The provenance (mode=max) records which secret ids the build's steps mounted:
    # the private-index steps really had their secrets, and only their ids are there.
    assert provenance, f"{app}: a provenance attestation per platform"
    assert b'"host_ca_bundle"' in provenance, f"{app}: registry steps mount the host CA"
    for arg_secret in EXPECTED_SECRETS.get(app, []):
        assert f'"{arg_secret}"'.encode() in provenance, f"{app}: {arg_secret} mounted by its private-index step"
