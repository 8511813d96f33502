"""The API load harness of `make bench/api-load` (bench/api_load.py + bench/api_load.lua) works
on the image this tier builds, and cannot pass vacuously.

Runs after test_demo.py (file order), whose first stage builds
patient-risk/patient-risk-python-api:local-runtime through the LLB frontend. A 3-second run
with wrk against that image, PostgreSQL and Redis on loopback must accept packets, store every
accepted one (the harness counts them by id in PostgreSQL), answer every resend as already
stored and report no error. The negative control posts the malformed fixture: every answer is
a 422, and the harness must fail and say so (a harness that ignored statuses would pass it)."""

from __future__ import annotations

import json

from conftest import REPO_ROOT, run

IMAGE = "patient-risk/patient-risk-python-api:local-runtime"
PYTHON = REPO_ROOT / "apps/patient-risk-python-api/.venv/bin/python"
HARNESS = REPO_ROOT / "bench/api_load.py"
OUT = REPO_ROOT / "artifacts/demo/api-load"


def _harness(out, **env: str):
    assert run(["docker", "image", "inspect", IMAGE], check=False).returncode == 0, (
        f"{IMAGE} is missing: test_demo.py's first stage builds it (make test/integration/demo runs both)")
    base = {"REPO_ROOT": str(REPO_ROOT), "API_LOAD_IMAGE": IMAGE, "API_LOAD_DURATION": "3",
            "API_LOAD_RESEND_S": "1", "API_LOAD_CONNECTIONS": "4", "API_LOAD_OUT": str(out)}
    return run([str(PYTHON), str(HARNESS)], check=False, timeout=300, env={**base, **env})


def test_a_short_load_run_stores_every_accepted_packet():
    result = _harness(OUT)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((OUT / "result.json").read_text())
    assert report["accepted"] > 0 and report["packets_per_s"] > 0
    assert report["statuses"] == {"201": report["accepted"]} or report["statuses"] == {201: report["accepted"]}
    assert not any(report["errors"].values()) and not report["problems"]
    # Every accepted id is a row (the harness checked by id); wrk may leave requests in flight.
    assert report["accepted"] <= report["stored_packets"] <= report["accepted"] + report["connections"]
    assert report["resend"]["requests"] > 0 and set(report["resend"]["statuses"]) in ({"200"}, {200})
    assert report["user"] == "10001:10001"
    assert "every accepted packet is in PostgreSQL" in result.stdout


def test_the_harness_fails_when_packets_are_rejected():
    result = _harness(OUT.with_name("api-load-negative"),
                      API_LOAD_FIXTURE=str(REPO_ROOT / "fixtures/malformed.json"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no packet was accepted (201)" in result.stderr
    assert "answers other than 201 to fresh packets: {422:" in result.stderr
