"""Shared helpers for the image acceptance tests (issue 7): the real engine, the
working-tree frontend, the local bases and the four app images built by
docker-bake.hcl.

Environment (set by `make test/integration/images`): REPO_ROOT, LOCAL_REGISTRY,
IMAGE_PREFIX, IMAGES_FRONTEND, HOST_CA_BUNDLE.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
LOCAL_REGISTRY = os.environ.get("LOCAL_REGISTRY", "127.0.0.1:5000")
IMAGE_PREFIX = os.environ.get("IMAGE_PREFIX", f"{LOCAL_REGISTRY}/patient-risk")
FRONTEND = os.environ.get("IMAGES_FRONTEND", "ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0")
HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
# One tag for the test images, so reruns on a warm machine are cache hits.
IMAGE_TAG = os.environ.get("IMAGES_TEST_TAG", "0.0.0-it")
PLATFORMS = ["linux/amd64", "linux/arm64"]
APPS = ["risk-monitor-operator", "patient-risk-python-api", "patient-risk-web", "dev-guide-docs"]


def run(cmd: list[str], timeout: float = 600, check: bool = True, env: dict | None = None, cwd: Path | None = None):
    """Run a command and capture its text output; on failure show both streams."""
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed (exit {result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
        )
    return result


def image_ref(app: str, tag: str = IMAGE_TAG) -> str:
    return f"{IMAGE_PREFIX}/{app}:{tag}"


def bake_env(**extra: str) -> dict:
    return {
        "IMAGE_TAG": IMAGE_TAG,
        "IMAGE_PREFIX": IMAGE_PREFIX,
        "PLATFORMS": ",".join(PLATFORMS),
        "FRONTEND_IMAGE": FRONTEND,
        "BASE_IMAGES": "local",
        "BASE_IMAGES_REGISTRY": f"{LOCAL_REGISTRY}/patient-risk/bases",
        "HOST_CA_BUNDLE": str(HOST_CA_BUNDLE),
        **extra,
    }


@dataclass
class Vertex:
    name: str
    started: bool = False
    completed: bool = False
    cached: bool = False
    error: str = ""


@dataclass
class BuildRecord:
    """What BuildKit reported about one build (from --progress=rawjson)."""

    vertexes: dict[str, Vertex] = field(default_factory=dict)
    stderr: str = ""

    def steps_run(self, app: str) -> list[str]:
        """The app's own graph steps (`[<app>] <step>`; bake shows `[<app> <app>] <step>`)
        that ran rather than being cache hits. buildx's own vertexes for the target
        (`[<app>] exporting to image`, image config resolution, pushes) are not steps."""
        prefixes = (f"[{app}] ", f"[{app} {app}] ")
        buildx_own = ("exporting ", "resolve image config", "resolving provenance", "pushing ", "docker-image://", "naming ")
        ran = []
        for v in self.vertexes.values():
            prefix = next((p for p in prefixes if v.name.startswith(p)), None)
            if prefix is None or v.name[len(prefix):].startswith(buildx_own):
                continue
            if v.started and not v.cached:
                ran.append(v.name[len(prefix):])
        return sorted(ran)

    def steps_seen(self, app: str) -> list[str]:
        """The app's own graph steps the progress stream reported at all, cache hits included:
        the positive control of steps_run (an empty list there proves nothing when the parser
        matched none of the app's vertexes)."""
        prefixes = (f"[{app}] ", f"[{app} {app}] ")
        buildx_own = ("exporting ", "resolve image config", "resolving provenance", "pushing ", "docker-image://", "naming ")
        seen = []
        for v in self.vertexes.values():
            prefix = next((p for p in prefixes if v.name.startswith(p)), None)
            if prefix is not None and not v.name[len(prefix):].startswith(buildx_own):
                seen.append(v.name[len(prefix):])
        return sorted(seen)

    def named(self, fragment: str) -> list[Vertex]:
        return [v for v in self.vertexes.values() if fragment in v.name]


def parse_rawjson(text: str) -> BuildRecord:
    record = BuildRecord(stderr=text)
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            status = json.loads(line)
        except json.JSONDecodeError:
            continue
        for v in status.get("vertexes") or []:
            entry = record.vertexes.setdefault(v["digest"], Vertex(name=v.get("name", "")))
            entry.started |= bool(v.get("started"))
            entry.completed |= bool(v.get("completed"))
            entry.cached |= bool(v.get("cached"))
            if v.get("error"):
                entry.error = v["error"]
    return record


def bake(targets: list[str], *flags: str, env: dict | None = None, timeout: float = 3600) -> BuildRecord:
    """`docker buildx bake` from the repo root with rawjson progress."""
    result = run(
        ["docker", "buildx", "bake", "-f", "docker-bake.hcl", "--progress=rawjson",
         f"--allow=fs.read={HOST_CA_BUNDLE}", *flags, *targets],
        timeout=timeout,
        env=bake_env(**(env or {})),
        cwd=REPO_ROOT,
    )
    return parse_rawjson(result.stderr)


def buildx(spec: str, *flags: str, timeout: float = 3600, secrets: dict[str, str] | None = None,
           ca_bundle: Path | None = None) -> BuildRecord:
    """`docker buildx build -f <spec> .` with the working-tree frontend and local bases
    (`ca_bundle` replaces HOST_CA_BUNDLE as the host_ca_bundle secret)."""
    cmd = [
        "docker", "buildx", "build", "--progress=rawjson", "-f", spec,
        "--build-arg", f"BUILDKIT_SYNTAX={FRONTEND}",
        "--build-arg", "BASE_IMAGES=local",
        "--build-arg", f"BASE_IMAGES_REGISTRY={LOCAL_REGISTRY}/patient-risk/bases",
        "--build-arg", f"VERSION={IMAGE_TAG}",
        "--secret", f"id=host_ca_bundle,src={ca_bundle or HOST_CA_BUNDLE}",
    ]
    env = {}
    for sid, value in (secrets or {}).items():
        var = f"PR_TEST_SECRET_{sid.upper()}"
        env[var] = value
        cmd += ["--secret", f"id={sid},env={var}"]
    result = run([*cmd, *flags, "."], timeout=timeout, cwd=REPO_ROOT, env=env)
    return parse_rawjson(result.stderr)


@pytest.fixture(scope="session")
def images() -> dict[str, str]:
    """Every app's release image for both platforms, pushed to the local registry."""
    bake(APPS, "--push")
    return {app: image_ref(app) for app in APPS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def wait_http(url: str, deadline_s: float, ok=(200,)) -> tuple[int, bytes]:
    """GET `url` until it answers one of `ok`, or fail with the last answer."""
    end = time.monotonic() + deadline_s
    last: object = None
    while time.monotonic() < end:
        try:
            status, body = http_get(url)
            if status in ok:
                return status, body
            last = (status, body[:300])
        except (urllib.error.URLError, ConnectionError, OSError) as err:
            last = err
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer {ok} within {deadline_s}s; last: {last!r}")


@contextlib.contextmanager
def container(image: str, *args: str, platform: str = "linux/amd64", run_args: list[str] | None = None):
    """A detached container, removed afterwards (its logs are shown on failure)."""
    name = f"pr-images-{uuid.uuid4().hex[:10]}"
    run(["docker", "run", "-d", "--name", name, "--platform", platform, *(run_args or []), image, *args], timeout=300)
    try:
        yield name
    except BaseException:
        logs = run(["docker", "logs", "--tail", "80", name], check=False)
        print(f"--- logs of {name} ({image})\n{logs.stdout}\n{logs.stderr}")
        raise
    finally:
        run(["docker", "rm", "-f", "-v", name], check=False)


@contextlib.contextmanager
def network():
    name = f"pr-images-{uuid.uuid4().hex[:10]}"
    run(["docker", "network", "create", name])
    try:
        yield name
    finally:
        run(["docker", "network", "rm", name], check=False)


def published_port(name: str, port: int) -> int:
    out = run(["docker", "port", name, f"{port}/tcp"]).stdout.strip().splitlines()[0]
    return int(out.rsplit(":", 1)[1])


def image_config(ref: str, platform: str) -> dict:
    out = run(["docker", "buildx", "imagetools", "inspect", ref, "--format", "{{json .Image}}"]).stdout
    doc = json.loads(out)
    key = platform
    if key in doc:
        return doc[key]
    if "architecture" in doc:
        return doc
    raise AssertionError(f"{ref}: no image config for {platform}: keys {list(doc)}")


def copy_out(ref: str, platform: str, path: str, dest: Path) -> Path:
    """Copies `path` out of the image for `platform` without running it."""
    created = run(["docker", "create", "--platform", platform, ref]).stdout.strip()
    try:
        run(["docker", "cp", "-L", f"{created}:{path}", str(dest)])
    finally:
        run(["docker", "rm", "-f", created], check=False)
    return dest


ELF_MACHINES = {"linux/amd64": 62, "linux/arm64": 183}


def elf_machine(path: Path) -> int:
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(head[18:20], "little")
