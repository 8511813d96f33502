"""Helpers for the Compose demo tests: the real `make` targets of mk/demo.mk against the real engine.

Every test uses its own Compose project names (DEMO_PROJECT / STORAGE_PROJECT below) and a free
loopback port for the web app, so a developer's running `make demo/run` is left alone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
COMPOSE_FILE = REPO_ROOT / "compose.demo.yml"
ARTIFACTS = REPO_ROOT / "artifacts" / "demo"
FIXTURE = json.loads((REPO_ROOT / "fixtures" / "low-spo2-trend.json").read_text("utf-8"))
# Distinct from the developer defaults (patient-risk-demo, patient-risk-storage).
DEMO_PROJECT = "patient-risk-demo-test"
# What `make demo/run` builds before the demo itself (made by test/integration/demo's prerequisites).
PREREQUISITES = ("engine/up", "demo/bases", "frontend/build")
STORAGE_PROJECT = "patient-risk-storage-test"


def run(cmd: list[str], timeout: float = 1800, check: bool = True, env: dict[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Runs a command from the repo root and captures text; a failure shows both streams."""
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, check=False,
                            env={**os.environ, **(env or {})}, input=input)
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed (exit {result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{result.stdout[-8000:]}\n--- stderr\n{result.stderr[-8000:]}"
        )
    return result


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Demo:
    """One test copy of the demo: its project name, web port and the make/compose commands."""

    project: str
    web_port: int
    extra: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def make_args(self) -> list[str]:
        args = [f"DEMO_PROJECT={self.project}", f"WEB_PORT={self.web_port}"]
        if self.extra:
            args.append(f"DEMO_COMPOSE_EXTRA={' '.join(self.extra)}")
        return args

    def make(self, *targets: str, check: bool = True, timeout: float = 3600, env: dict[str, str] | None = None,
             prerequisites: bool = True) -> subprocess.CompletedProcess[str]:
        """`make <targets>` for this project; prerequisites=False takes engine/up, demo/bases and
        frontend/build as done (make's -o), so a run measures the demo alone."""
        skip = [] if prerequisites else [arg for target in PREREQUISITES for arg in ("-o", target)]
        return run(["make", "--no-print-directory", *skip, *targets, *self.make_args()],
                   check=check, timeout=timeout, env=env)

    def compose(self, *args: str, check: bool = True, input: str | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return run(["docker", "compose", "--project-directory", str(REPO_ROOT), "-p", self.project,
                    "-f", str(COMPOSE_FILE), *args], check=check, input=input, timeout=timeout)

    def psql(self, sql: str, **variables: str) -> str:
        """Runs SQL with psql inside the postgres container (stdin, so :'var' interpolation works)."""
        cmd = ["exec", "-T", "postgres", "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
               "--username=patient_risk", "--dbname=patient_risk"]
        for name, value in variables.items():
            cmd += ["-v", f"{name}={value}"]
        return self.compose(*cmd, input=sql + "\n").stdout.strip()

    def redis(self, *args: str) -> str:
        return self.compose("exec", "-T", "redis", "redis-cli", "--raw", *args).stdout.strip()

    def logs(self, service: str) -> str:
        """The service container's output, from `docker logs` (compose 2.26's `logs` prefixes
        lines with ESC[2K)."""
        container = self.compose("ps", "--all", "--quiet", service).stdout.strip()
        assert container, f"{service} has no container in project {self.project}"
        result = run(["docker", "logs", container])
        return result.stdout + result.stderr

    def container_state(self, service: str) -> dict[str, Any]:
        """`docker compose ps --all` entry of a service ({} when it has no container)."""
        out = self.compose("ps", "--all", "--format", "json", service).stdout.strip()
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        if len(rows) == 1 and isinstance(rows[0], list):
            rows = rows[0]
        return rows[0] if rows else {}

    def volumes(self) -> set[str]:
        out = run(["docker", "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={self.project}"])
        return set(out.stdout.split())


def http(method: str, url: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    """One HTTP request; returns (status, parsed JSON body or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


# Tests marked `stage` build on the state the previous one left: after a failure in a module,
# the rest of that module's stages are skipped (their failures would only repeat it).
_failed_stage: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stage: needs the state left by the previous test of its module")


def pytest_runtest_setup(item: pytest.Item) -> None:
    module = item.nodeid.split("::")[0]
    if item.get_closest_marker("stage") and module in _failed_stage:
        pytest.skip(f"an earlier stage failed: {_failed_stage[module]}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when != "teardown" and item.get_closest_marker("stage"):
        _failed_stage.setdefault(item.nodeid.split("::")[0], item.name)
