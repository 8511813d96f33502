"""`make storage/up storage/check storage/down`: PostgreSQL and Redis alone, checked with real
queries, then removed with their volumes."""

from __future__ import annotations

import json
import socket

import pytest

from conftest import STORAGE_PROJECT, run

ARGS = [f"STORAGE_PROJECT={STORAGE_PROJECT}"]
# In order: each test needs the state the previous one left.
pytestmark = pytest.mark.stage


def make(*targets: str, check: bool = True):
    return run(["make", "--no-print-directory", *targets, *ARGS], check=check, timeout=1800)


def compose(*args: str, check: bool = True):
    return run(["docker", "compose", "-p", STORAGE_PROJECT, "-f", "compose.demo.yml", *args], check=check)


@pytest.fixture(scope="module", autouse=True)
def clean_storage():
    make("storage/down")
    yield
    make("storage/down")


def services_running() -> dict[str, str]:
    out = compose("ps", "--all", "--format", "json").stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    if len(rows) == 1 and isinstance(rows[0], list):
        rows = rows[0]
    return {row["Service"]: f"{row['State']}/{row.get('Health', '')}" for row in rows}


def test_storage_check_fails_when_nothing_runs() -> None:
    result = make("storage/check", check=False)
    assert result.returncode != 0
    assert "start it with make storage/up" in result.stderr


def test_storage_up_starts_postgres_and_redis_alone_on_loopback() -> None:
    result = make("storage/up")
    assert services_running() == {"postgres": "running/healthy", "redis": "running/healthy"}
    urls = dict(line.removeprefix("storage: ").split("=", 1)
                for line in result.stdout.splitlines() if line.startswith("storage: PATIENT_RISK_"))
    assert urls["PATIENT_RISK_DATABASE_URL"].startswith("postgresql://patient_risk:")
    assert urls["PATIENT_RISK_REDIS_URL"].startswith("redis://127.0.0.1:")
    for name, url in urls.items():
        host_port = url.split("@")[-1].split("//")[-1].split("/")[0]
        host, port = host_port.rsplit(":", 1)
        assert host == "127.0.0.1", (name, url)
        with socket.create_connection((host, int(port)), timeout=5):
            pass


def test_storage_check_runs_real_queries() -> None:
    result = make("storage/check")
    out = result.stdout
    assert "postgres: SELECT 1 = 1; wrote and read back check-" in out
    assert "redis: PING = PONG; SET/GET round trip of check-" in out
    assert "redis_version:" in out
    assert "host: postgres reachable at 127.0.0.1:" in out
    assert "host: redis reachable at 127.0.0.1:" in out
    assert out.rstrip().endswith("storage/check: ok")


def test_storage_check_notices_a_broken_redis() -> None:
    # Redis that refuses writes: the SET/GET round trip must fail the check.
    compose("exec", "-T", "redis", "redis-cli", "CONFIG", "SET", "maxmemory", "1")
    compose("exec", "-T", "redis", "redis-cli", "CONFIG", "SET", "maxmemory-policy", "noeviction")
    try:
        result = make("storage/check", check=False)
        assert result.returncode != 0
        assert "storage/check: Redis SET answered" in result.stderr
    finally:
        compose("exec", "-T", "redis", "redis-cli", "CONFIG", "SET", "maxmemory", "0")


def test_storage_down_removes_containers_and_volumes() -> None:
    make("storage/down")
    assert services_running() == {}
    volumes = run(["docker", "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={STORAGE_PROJECT}"])
    assert volumes.stdout.split() == []
