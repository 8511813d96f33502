"""The console entrypoints the container and the Compose demo use, on the postgres-redis backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from helpers import FIXTURES, free_port
from patient_risk_api import migrations
from patient_risk_api.config import Settings

BIN = Path(sys.executable).parent


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    assert settings.database_url and settings.redis_url
    return {**os.environ, "PATIENT_RISK_STORAGE_BACKEND": "postgres-redis",
            "PATIENT_RISK_DATABASE_URL": settings.database_url, "PATIENT_RISK_REDIS_URL": settings.redis_url, **extra}


def test_migrate_command_is_idempotent(pg_settings: Settings):
    for _ in range(2):
        result = subprocess.run([str(BIN / "patient-risk-api"), "migrate"], env=_env(pg_settings),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert f"database schema at revision {migrations.head_revision()}" in result.stdout


def test_serve_with_migrate_on_start_then_simulate(pg_settings: Settings):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "patient-risk-api"), "serve"],
        env=_env(pg_settings, PATIENT_RISK_MIGRATE_ON_START="true", PATIENT_RISK_PORT=str(port),
                 PATIENT_RISK_HOST="127.0.0.1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        simulated = subprocess.run(
            [str(BIN / "patient-risk-simulator"), "--api", url, "--fixture", str(FIXTURES / "low-spo2-trend.json"),
             "--fixture", str(FIXTURES / "normal.json"), "--wait-ready", "--timeout", "90"],
            capture_output=True, text=True, timeout=120,
        )
        assert simulated.returncode == 0, (simulated.stdout, simulated.stderr)
        assert "level HIGH" in simulated.stdout and "level LOW" in simulated.stdout
        ready = httpx.get(f"{url}/readyz").json()
        assert ready == {"status": "ready", "checks": {"database": "ok", "schema": "ok", "redis": "ok"}}
        levels = {p["patient_id"]: p["latest"]["level"] for p in httpx.get(f"{url}/v1/patients").json()["patients"]}
        assert levels == {"pt-1001": "high", "pt-1002": "low"}
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert '"msg": "database migrated"' in stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_serve_with_worker_processes(pg_settings: Settings):
    """PATIENT_RISK_WORKERS=2: two forked workers serve one port (posts and the event stream
    work across them through PostgreSQL and Redis); SIGTERM reaches both, each stops cleanly,
    the server exits 0."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "patient-risk-api"), "serve"],
        env=_env(pg_settings, PATIENT_RISK_MIGRATE_ON_START="true", PATIENT_RISK_PORT=str(port),
                 PATIENT_RISK_HOST="127.0.0.1", PATIENT_RISK_WORKERS="2"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        simulated = subprocess.run(
            [str(BIN / "patient-risk-simulator"), "--api", url, "--fixture", str(FIXTURES / "low-spo2-trend.json"),
             "--wait-ready", "--timeout", "90", "--fresh", "--repeat", "6", "--interval", "0"],
            capture_output=True, text=True, timeout=120,
        )
        assert simulated.returncode == 0, (simulated.stdout, simulated.stderr)
        assert len(_children(server.pid)) == 2
        with httpx.Client(base_url=url) as client:
            assert client.get("/readyz").status_code == 200
            history = client.get("/v1/patients/pt-1001/assessments", params={"limit": 100}).json()["assessments"]
        assert len(history) == 6
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert '"workers": 2' in stderr and stderr.count('"msg": "stopped"') == 2, stderr[-3000:]
