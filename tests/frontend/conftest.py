"""Helpers for the frontend integration tests: real dockerd + buildx, the frontend image built
by `make frontend/build`, the bases pushed by `make bases`.

Every build here is a plain `docker buildx build -f apps/<app>/Dockerfile .` from the repo root:
the `# syntax=` line selects the frontend, which resolves from the local image store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
FRONTEND_IMAGE = os.environ.get("FRONTEND_IMAGE", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0")
FRONTEND_REF = os.environ.get("FRONTEND_REF", f"{LOCAL_REGISTRY}/patient-risk/llb-frontend:dev")
HOST_CA_BUNDLE = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
# Empty: builds use the spec's `# syntax=` line (FRONTEND_IMAGE from the local store). Set it to
# run the build tests against another frontend image via BUILDKIT_SYNTAX.
FRONTEND_SYNTAX = os.environ.get("FRONTEND_SYNTAX", "")

# The app the tests build: the operator graph is small and fully offline with local bases.
APP = "risk-monitor-operator"
SPEC = f"apps/{APP}/Dockerfile"
LOCAL_BASES = [
    "--build-arg", "BASE_IMAGES=local",
    "--build-arg", f"BASE_IMAGES_REGISTRY={LOCAL_REGISTRY}/patient-risk/bases",
]
CA_SECRET = ["--secret", f"id=host_ca_bundle,src={HOST_CA_BUNDLE}"]


def run(cmd: list[str], timeout: float = 1800, check: bool = True, cwd: Path = REPO_ROOT):
    """Runs a command and captures text; a failure shows both streams."""
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed (exit {result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
        )
    return result


def buildx(*args: str, spec: str = SPEC, check: bool = True, timeout: float = 1800):
    """`docker buildx build --progress=plain -f <spec> <args> .` from the repo root."""
    syntax = ["--build-arg", f"BUILDKIT_SYNTAX={FRONTEND_SYNTAX}"] if FRONTEND_SYNTAX else []
    return run(
        ["docker", "buildx", "build", "--progress=plain", "-f", spec, *syntax, *args, "."],
        check=check,
        timeout=timeout,
    )


def call(name: str, *args: str, spec: str = SPEC, check: bool = True):
    """`--call <name>` (subrequest); returns the completed process."""
    return buildx(f"--call={name}", *args, spec=spec, check=check, timeout=600)


def call_json(name: str, *args: str, spec: str = SPEC):
    result = call(f"{name},format=json", *args, spec=spec)
    return json.loads(result.stdout)


@pytest.fixture(scope="session", autouse=True)
def frontend_image_present():
    """The tests need the working tree's frontend under the canonical syntax ref (on another
    builder, e.g. `make test/integration/buildkit`'s remote one, in the registry by digest)."""
    image = FRONTEND_SYNTAX or FRONTEND_IMAGE
    if os.environ.get("BUILDX_BUILDER"):
        result = run(["docker", "buildx", "imagetools", "inspect", image], check=False, timeout=60)
        if result.returncode != 0:
            pytest.fail(f"{image} is not in the registry: run `make frontend/build`")
        return
    result = run(["docker", "image", "inspect", image], check=False, timeout=60)
    if result.returncode != 0:
        pytest.fail(f"{image} is not in the local image store: run `make frontend/build`")


@pytest.fixture
def scratch_dir(tmp_path_factory):
    """A temporary directory for specs written by a test."""
    path = tmp_path_factory.mktemp("frontend")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def unique_tag():
    return f"it-{uuid.uuid4().hex[:10]}"


def spec_text() -> str:
    return (REPO_ROOT / SPEC).read_text()


def line_of(text: str, prefix: str) -> int:
    """1-based number of the first line starting with `prefix`."""
    for i, line in enumerate(text.splitlines(), start=1):
        if line.startswith(prefix):
            return i
    raise AssertionError(f"no line starts with {prefix!r}")
