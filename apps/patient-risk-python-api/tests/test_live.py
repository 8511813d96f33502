"""The API served for real (uvicorn on loopback): the SSE stream, graceful shutdown, JSON logs,
and the simulator command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from helpers import FIXTURES, SseReader, fixture, free_port, live_server, renamed
from patient_risk_api.config import Settings
from patient_risk_api.storage.memory import MemoryStorage

BIN = Path(sys.executable).parent


def test_risk_changes_stream_as_server_sent_events():
    with live_server(Settings(), MemoryStorage()) as url, SseReader(f"{url}/v1/events/risk") as stream:
        assert httpx.post(f"{url}/v1/signal-packets", json=fixture("normal.json")).status_code == 201
        assert httpx.post(f"{url}/v1/signal-packets", json=renamed(fixture("normal.json"), "n-2", "pt-1001")).status_code == 201
        assert httpx.post(f"{url}/v1/signal-packets", json=fixture("low-spo2-trend.json")).status_code == 201
        # A resend changes nothing, so it publishes nothing.
        assert httpx.post(f"{url}/v1/signal-packets", json=fixture("low-spo2-trend.json")).status_code == 200
        events = stream.wait_for(3)
        time.sleep(0.3)
        assert len(stream.events) == 3
    assert [name for name, _ in events] == ["risk-changed"] * 3
    data = [d for _, d in events]
    assert (data[0]["patient_id"], data[0]["level"], data[0]["previous_level"]) == ("pt-1002", "low", None)
    assert (data[2]["patient_id"], data[2]["level"], data[2]["previous_level"]) == ("pt-1001", "high", "low")
    assert data[2]["packet_id"] == "pkt-low-spo2-0001" and data[2]["score"] >= 7


def _serve(port: int, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PATIENT_RISK_PORT": str(port), "PATIENT_RISK_HOST": "127.0.0.1",
                   "PATIENT_RISK_SSE_HEARTBEAT_S": "1", **env}
    return subprocess.Popen([str(BIN / "patient-risk-api"), "serve"], env=environment, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_ready(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("API not ready in 30 s")


def test_sigterm_ends_streams_and_exits_cleanly_with_json_logs():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(port)
    try:
        _wait_ready(url, process)
        with SseReader(f"{url}/v1/events/risk") as stream:
            time.sleep(1.5)
            assert "keep-alive" in stream.comments
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            assert stream.ended.wait(8), "the event stream did not end on SIGTERM"
            _, stderr = process.communicate(timeout=15)
            assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    records = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    messages = [r["msg"] for r in records]
    assert "shutdown requested" in messages and "stopped" in messages
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    requests = [r for r in records if r["msg"] == "request" and r["path"] == "/v1/events/risk"]
    assert requests and requests[0]["status"] == 200


def test_simulator_waits_posts_and_reports():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Start the simulator first: it must wait for the API to come up.
    simulator = subprocess.Popen(
        [str(BIN / "patient-risk-simulator"), "--api", url, "--fixture", str(FIXTURES / "low-spo2-trend.json"),
         "--fixture", str(FIXTURES / "low-spo2-trend.json"), "--wait-ready", "--timeout", "60", "--expect-level", "high"],
        text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    time.sleep(1.0)
    process = _serve(port)
    try:
        out, err = simulator.communicate(timeout=90)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert simulator.returncode == 0, (out, err)
    assert "api ready" in out
    assert "posted low-spo2-trend.json: packet pkt-low-spo2-0001 for patient pt-1001 (235 samples)" in out
    assert "-> 201 stored" in out and "-> 200 already stored (idempotent resend)" in out
    assert "level HIGH" in out and "spo2_falling" in out


def test_simulator_reports_a_rejected_packet():
    with live_server(Settings(), MemoryStorage()) as url:
        result = subprocess.run(
            [str(BIN / "patient-risk-simulator"), "--api", url, "--fixture", str(FIXTURES / "malformed.json")],
            text=True, capture_output=True, timeout=60,
        )
    assert result.returncode == 1
    assert "422" in result.stdout and "started_at" in result.stdout and "samples[1].spo2" in result.stdout
