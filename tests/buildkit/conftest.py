"""Helpers for the newest-BuildKit tier: the standalone daemons started by `make buildkit/up`
(tools/buildkit/buildkit.sh), reached by buildx through the `remote` driver.

A remote builder cannot see Docker's image store, so every build names the frontend by its
registry digest (BUILDKIT_SYNTAX) and pulls the local bases from the local registry, exactly as
a team's remote or CI builder would.

Environment (set by `make test/integration/buildkit`): REPO_ROOT, LOCAL_REGISTRY, STATE_DIR,
FRONTEND_REF, HOST_CA_BUNDLE, NEXT_BUILDER, MULTI_BUILDER, FRESH_BUILDER.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.request
import uuid
from pathlib import Path

import pytest

# The images tier's rawjson progress parser (one parser for every tier that counts steps).
_spec = importlib.util.spec_from_file_location("images_helpers", Path(__file__).resolve().parents[1] / "images" / "conftest.py")
images = importlib.util.module_from_spec(_spec)
sys.modules["images_helpers"] = images  # its dataclasses look their module up
_spec.loader.exec_module(images)

REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
FRONTEND_REF = os.environ.get("FRONTEND_REF", f"{LOCAL_REGISTRY}/patient-risk/llb-frontend:dev")
HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
NEXT_BUILDER = os.environ.get("NEXT_BUILDER", "patient-risk-next")
MULTI_BUILDER = os.environ.get("MULTI_BUILDER", "patient-risk-multi")
FRESH_BUILDER = os.environ.get("FRESH_BUILDER", "patient-risk-fresh")
# Where this tier pushes: a repository prefix of its own in the local registry.
PREFIX = f"{LOCAL_REGISTRY}/patient-risk-it/buildkit"
PLATFORMS = ["linux/amd64", "linux/arm64"]
APPS = ["risk-monitor-operator", "patient-risk-python-api", "patient-risk-web", "dev-guide-docs"]
# A fixed timestamp: with rewrite-timestamp every layer file gets it, so rebuilds are byte-equal.
SOURCE_DATE_EPOCH = "1764892800"


def run(cmd: list[str], timeout: float = 2400, check: bool = True, env: dict | None = None):
    """Run a command from the repo root and capture its text; a failure shows both streams."""
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT,
                            env={**os.environ, **(env or {})}, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed (exit {result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-8000:]}"
        )
    return result


@pytest.fixture(scope="session")
def frontend_syntax() -> str:
    """The frontend of this tree, by digest, as pushed by `make frontend/build`."""
    result = run(["docker", "buildx", "imagetools", "inspect", FRONTEND_REF, "--format", "{{json .Manifest}}"],
                 timeout=120, check=False)
    assert result.returncode == 0, f"{FRONTEND_REF} is not in the registry: run `make frontend/build`\n{result.stderr}"
    digest = json.loads(result.stdout)["digest"]
    return f"{FRONTEND_REF.split('@')[0]}@{digest}"


def build(builder: str, app: str, syntax: str, *args: str, platforms: list[str] = PLATFORMS,
          secret_bundle: Path = HOST_CA_BUNDLE, timeout: float = 2400):
    """`docker buildx build` of one app on one of the standalone builders, local bases, the
    frontend by digest, rawjson progress (so tests can count what ran)."""
    return run([
        "docker", "buildx", "build", "--builder", builder, "--progress=rawjson",
        "-f", f"apps/{app}/Dockerfile",
        "--platform", ",".join(platforms),
        "--build-arg", f"BUILDKIT_SYNTAX={syntax}",
        "--build-arg", "BASE_IMAGES=local",
        "--build-arg", f"BASE_IMAGES_REGISTRY={LOCAL_REGISTRY}/patient-risk/bases",
        "--build-arg", f"SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}",
        "--secret", f"id=host_ca_bundle,src={secret_bundle}",
        *args, ".",
    ], timeout=timeout)


def push_output(ref: str) -> str:
    """The image exporter with the newest engine's reproducibility switch: every file of every
    layer gets SOURCE_DATE_EPOCH (Docker 26.1's exporter refuses this, see docs/supply-chain.md)."""
    return f"type=image,name={ref},push=true,oci-mediatypes=true,rewrite-timestamp=true"


# Vertexes that are not build steps: the frontend image and base images being resolved or
# pulled, build-context transfers, cache import and the export itself.
NOT_A_STEP = ("[internal]", "[auth]", "[base]", "[context]", "resolve image config", "docker-image://",
              "importing cache manifest", "exporting", "load metadata")


def executed_steps(progress: str) -> list[str]:
    """Names of the graph's steps (exec and file ops) that really ran: started and not a cache
    hit. Sources, context transfers, cache import and export are left out."""
    names = []
    for v in images.parse_rawjson(progress).vertexes.values():
        if v.cached or not v.started or any(marker in v.name for marker in NOT_A_STEP):
            continue
        names.append(v.name)
    return names


def cached_steps(progress: str) -> list[str]:
    """Names of the vertexes answered from the cache."""
    return [v.name for v in images.parse_rawjson(progress).vertexes.values() if v.cached]


def index_of(ref: str) -> dict:
    return json.loads(run(["docker", "buildx", "imagetools", "inspect", ref, "--raw"], timeout=120).stdout)


def platform_manifests(ref: str) -> dict[str, str]:
    """{os/arch: manifest digest} of an index, attestation manifests left out."""
    return {
        f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
        for m in index_of(ref)["manifests"]
        if m.get("platform", {}).get("os") != "unknown"
    }


def registry_blob(repo: str, digest: str) -> bytes:
    with urllib.request.urlopen(f"http://{LOCAL_REGISTRY}/v2/{repo}/blobs/{digest}", timeout=120) as r:
        return r.read()


def registry_manifest(repo: str, digest: str) -> dict:
    req = urllib.request.Request(
        f"http://{LOCAL_REGISTRY}/v2/{repo}/manifests/{digest}",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json,"
                           "application/vnd.oci.image.index.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def decompressed_blobs(ref: str):
    """Yield (digest, bytes) of every blob of an image index (configs, layers, attestation
    layers) with gzip layers decompressed: a leak hides from grep inside a gzip stream."""
    name, _, _ = ref.rpartition(":")
    repo = name.split("/", 1)[1]
    for m in index_of(ref)["manifests"]:
        manifest = registry_manifest(repo, m["digest"])
        yield m["digest"], json.dumps(manifest).encode()
        for desc in [manifest["config"], *manifest.get("layers", [])]:
            data = registry_blob(repo, desc["digest"])
            if "gzip" in desc.get("mediaType", ""):
                data = gzip.decompress(data)
            yield desc["digest"], data


@pytest.fixture(scope="session")
def canary_ca_bundle(tmp_path_factory) -> tuple[Path, bytes, bytes]:
    """A CA made for this run, appended to the host bundle: the secret the builds get. Its
    base64 body is unique to this run, so finding it anywhere in an image proves a leak, on any
    machine (whether or not the host bundle has a CA of its own)."""
    tmp = tmp_path_factory.mktemp("ca")
    key, cert = tmp / "ca.key", tmp / "ca.pem"
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", f"/CN=buildkit-tier canary {uuid.uuid4().hex[:16]}"], timeout=60)
    pem = cert.read_text()
    bundle = tmp / "bundle.pem"
    bundle.write_text(HOST_CA_BUNDLE.read_text() + "\n" + pem)
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    needle = base64.b64decode(body)[:48]  # DER prefix: also caught if re-encoded
    return bundle, body[20:80].encode(), needle


def layer_files(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()
