"""Shared helpers for the engine integration tests (real dockerd, buildx, registry, bases)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
ENGINE_SH = REPO_ROOT / "tools" / "engine" / "engine.sh"


def _load_bases_module():
    spec = importlib.util.spec_from_file_location("bases_builder", REPO_ROOT / "tools" / "engine" / "bases.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bases_builder"] = module
    spec.loader.exec_module(module)
    return module


bases_builder = _load_bases_module()


def run(cmd: list[str], timeout: float = 300, check: bool = True, env: dict | None = None, input: str | None = None):
    """Run a command, capture text output; on failure show both streams in the assertion."""
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        input=input,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed (exit {result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


def registry_get(path: str, accept: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://{LOCAL_REGISTRY}{path}")
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def registry_json(path: str, accept: str | None = None) -> dict:
    status, _, body = registry_get(path, accept)
    assert status == 200, f"GET {path} answered {status}: {body[:300]!r}"
    return json.loads(body)


@pytest.fixture(scope="session")
def catalog():
    return bases_builder.load_catalog()


@pytest.fixture(scope="session")
def base_ref(catalog):
    """base_ref(name) -> the moving :local ref of a built base (fails when it is not built)."""

    def ref(name: str) -> str:
        base = catalog[name]
        status, _, _ = registry_get(
            f"/v2/{base.repository}/manifests/local", accept=bases_builder.MANIFEST_ACCEPT
        )
        assert status == 200, f"{base.ref('local')} is not in the registry: run `make bases`"
        return base.ref("local")

    return ref
