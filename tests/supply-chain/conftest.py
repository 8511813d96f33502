"""Supply-chain tests: pushes through `make container/push` to the local registry and reads the
results back the way a consumer would (`docker buildx imagetools inspect`, the registry API).

Markers: `engine` tests need dockerd, buildx, the registry, the bases and the frontend image
(`make test/integration/supply-chain` runs them after building those); the others run anywhere
(`make test/unit/supply-chain`).

Environment:
  SUPPLY_CHAIN_MAKE_FLAGS  extra make arguments for the pushes, e.g.
                           `IMAGES_FRONTEND=local/dev-frontend:1` to test a frontend under another name
  SUPPLY_CHAIN_REPRO       cold (default): the reproducibility rebuild ignores the build cache and
                           runs with empty cache mounts (a namespace of its own, dropped afterwards);
                           no-cache: ignores the build cache but reuses the cache mounts (package
                           downloads, Cargo target dirs, the Go build cache): faster; off: skip
  SUPPLY_CHAIN_DEV_APPS    apps of the dev-tag push (default: dev-guide-docs)
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(REPO_ROOT / "tools" / "release"))
import releaselib  # noqa: E402

LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
HOST_CA_BUNDLE = os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
PYSPDXTOOLS = os.environ.get("PYSPDXTOOLS", str(Path(sys.executable).with_name("pyspdxtools")))
MAKE_FLAGS = shlex.split(os.environ.get("SUPPLY_CHAIN_MAKE_FLAGS", ""))
RELEASE_VERSION = "0.1.0"
APPS = ["dev-guide-docs", "patient-risk-python-api", "patient-risk-web", "risk-monitor-operator"]
PLATFORMS = ["linux/amd64", "linux/arm64"]
# Every secret id the graphs know (app_spec::SecretId) except the real CA bundle.
SECRET_IDS = [
    "uv_index_username",
    "uv_index_password",
    "npm_token",
    "cargo_registry_token",
    "conan_login_username",
    "conan_password",
]


def run(cmd: list[str], timeout: float = 5400, check: bool = True, env: dict | None = None, cwd: Path = REPO_ROOT):
    # A parent make's command-line variables (MAKEFLAGS) must not leak into ours (e.g. IMAGE_TAG).
    base = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "IMAGE_TAG")}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False, env={**base, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed (exit {result.returncode}): {shlex.join(cmd)}\n"
            f"--- stdout\n{result.stdout[-8000:]}\n--- stderr\n{result.stderr[-8000:]}"
        )
    return result


def make(*args: str, env: dict | None = None, timeout: float = 5400):
    """`make` in the repo with the prerequisites the test target already built marked done."""
    return run(
        ["make", "--no-print-directory", "-o", "engine/up", "-o", "bases", "-o", "frontend/build", *MAKE_FLAGS, *args],
        env=env,
        timeout=timeout,
    )


def drop_cache_mounts(namespace: str) -> list[str]:
    """Remove the cache mounts whose id is under `namespace/` (BUILDKIT_CACHE_MOUNT_NS); returns
    their record ids. BuildKit lists a cache mount as an `exec.cachemount` record whose
    description ends with its id; prune filters can only select records by their own id."""
    listing = run(["docker", "buildx", "du", "--format", "json"]).stdout
    dropped = []
    for line in listing.splitlines():
        record = json.loads(line)
        if record.get("Type") == "exec.cachemount" and f'with id "{namespace}/' in record.get("Description", ""):
            run(["docker", "buildx", "prune", "--force", "--filter", f"id={record['ID']}"])
            dropped.append(record["ID"])
    return dropped


def inspect(ref: str, fmt: str):
    return releaselib.imagetools(ref, fmt)


def per_platform(doc, key: str) -> dict:
    """`{{json .SBOM}}` / `{{json .Provenance}}` of an index: platform -> the `SPDX`/`SLSA` document."""
    assert isinstance(doc, dict) and doc, f"empty {key}: {doc!r}"
    out = {}
    for platform, entry in doc.items():
        assert isinstance(entry, dict) and key in entry, f"{platform}: no {key} in {list(entry or {})}"
        out[platform] = entry[key]
    return out


class Push:
    """One `make container/push` and what it produced."""

    def __init__(self, registry: str, tags: releaselib.Tags, apps: list[str], output: str, canaries: dict[str, str]):
        self.registry, self.tags, self.apps, self.canaries = registry, tags, apps, canaries
        self.output = output
        self.contract = releaselib.load_contract()

    def ref(self, app: str, tag: str | None = None) -> str:
        return f"{self.contract.image_name(app, self.registry)}:{tag or self.tags.tags[0]}"

    def handoff(self, app: str) -> dict:
        return json.loads((Path(self.output) / f"{app}.json").read_text())


def canary_flags(canaries: dict[str, str]) -> tuple[str, dict]:
    """Bake --set flags passing every secret id (canaries + the real CA bundle), and their env."""
    flags = [f"--set=*.secrets=id=host_ca_bundle,src={HOST_CA_BUNDLE}"]
    env = {}
    for sid, value in canaries.items():
        var = f"SUPPLY_CHAIN_CANARY_{sid.upper()}"
        env[var] = value
        flags.append(f"--set=*.secrets=id={sid},env={var}")
    return " ".join(flags), env


def pinned(tags: releaselib.Tags) -> list[str]:
    """Make arguments pinning the commit and SOURCE_DATE_EPOCH stamped into a push (HEAD of a
    shared checkout may move while the tests run)."""
    return [f"RELEASE_REVISION={tags.revision}", f"RELEASE_SDE={tags.source_date_epoch}"]


@pytest.fixture(scope="session")
def canaries() -> dict[str, str]:
    return {sid: f"canary-{sid}-{secrets.token_hex(12)}" for sid in SECRET_IDS}


@pytest.fixture(scope="session")
def release_push(tmp_path_factory, canaries) -> Push:
    """`make container/push IMAGE_TAG=0.1.0 REGISTRY=<local registry>` of all four apps, with a
    canary value for every secret id."""
    out = tmp_path_factory.mktemp("release")
    flags, env = canary_flags(canaries)
    tags = releaselib.compute_tags(RELEASE_VERSION)  # before the push: HEAD could move meanwhile
    make(
        "container/push",
        f"IMAGE_TAG={RELEASE_VERSION}",
        f"REGISTRY={LOCAL_REGISTRY}",
        f"RELEASE_OUT={out}",
        f"RELEASE_BAKE_FLAGS={flags}",
        *pinned(tags),
        env=env,
    )
    return Push(LOCAL_REGISTRY, tags, APPS, str(out), canaries)


@pytest.fixture(scope="session")
def dev_push(tmp_path_factory, canaries) -> Push:
    """`make container/push REGISTRY=<local registry>` without IMAGE_TAG: dev tags."""
    apps = os.environ.get("SUPPLY_CHAIN_DEV_APPS", "dev-guide-docs").split()
    out = tmp_path_factory.mktemp("dev")
    flags, env = canary_flags(canaries)
    tags = releaselib.compute_tags(None)
    make(
        "container/push",
        f"REGISTRY={LOCAL_REGISTRY}",
        f"RELEASE_APPS={' '.join(apps)}",
        f"RELEASE_OUT={out}",
        f"RELEASE_BAKE_FLAGS={flags}",
        env=env,
    )
    return Push(LOCAL_REGISTRY, tags, apps, str(out), canaries)
