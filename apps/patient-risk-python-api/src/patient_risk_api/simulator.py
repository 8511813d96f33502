"""`patient-risk-simulator`: a bedside device that posts fixture packets to the API.

    patient-risk-simulator --api http://api:8080 --fixture fixtures/low-spo2-trend.json --wait-ready

Waits for /readyz (with --wait-ready), posts each fixture, retries on 503 and connection errors
(honouring Retry-After) until --timeout, and prints what it posted and the assessment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx


class Failed(Exception):
    pass


def _log(message: str) -> None:
    print(message, flush=True)


def wait_ready(client: httpx.Client, deadline: float) -> None:
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            response = client.get("/readyz")
            if response.status_code == 200:
                _log(f"api ready: {response.json().get('checks')}")
                return
            last = f"{response.status_code} {response.text.strip()[:200]}"
        except httpx.TransportError as err:
            last = f"{type(err).__name__}: {err}"
        time.sleep(1)
    raise Failed(f"the API did not become ready before the timeout; last answer: {last}")


def post(client: httpx.Client, packet: dict[str, Any], deadline: float) -> httpx.Response:
    attempt = 0
    while True:
        attempt += 1
        try:
            response = client.post("/v1/signal-packets", json=packet)
        except httpx.TransportError as err:
            reason, delay = f"{type(err).__name__}: {err}", 1.0
        else:
            if response.status_code != 503:
                return response
            retry_after = response.headers.get("Retry-After", "1")
            reason, delay = f"503 {response.json().get('detail', '')}", float(retry_after) if retry_after.isdigit() else 1.0
        if time.monotonic() + delay >= deadline:
            raise Failed(f"gave up on {packet.get('packet_id')} after {attempt} attempts: {reason}")
        _log(f"  retrying {packet.get('packet_id')} in {delay:g} s (attempt {attempt}: {reason})")
        time.sleep(delay)


def freshen(packet: dict[str, Any]) -> dict[str, Any]:
    """A new packet id and started_at = now minus the packet's duration, for repeated demos."""
    fresh = dict(packet)
    suffix = uuid.uuid4().hex[:8]
    fresh["packet_id"] = f"{packet['packet_id'][: 64 - len(suffix) - 1]}-{suffix}"
    duration = max((s.get("offset_s", 0) for s in packet.get("samples", [])), default=0)
    fresh["started_at"] = datetime.fromtimestamp(time.time() - duration, UTC).isoformat(timespec="seconds")
    return fresh


def describe(response: httpx.Response) -> str:
    body = response.json()
    if response.status_code in (200, 201):
        lines = [
            f"  -> {response.status_code} {'stored' if response.status_code == 201 else 'already stored (idempotent resend)'}",
            f"  assessment {body['assessment_id']}: score {body['score']}, level {body['level'].upper()}",
        ]
        lines += [f"    {r['points']:+d} {r['code']}: {r['message']}" for r in body["reasons"]]
        return "\n".join(lines)
    errors = "".join(f"\n    {e['field']}: {e['message']}" for e in body.get("errors") or [])
    return f"  -> {response.status_code} {body.get('title', '')}: {body.get('detail', '')}{errors}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="patient-risk-simulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", default=os.environ.get("PATIENT_RISK_API_URL", "http://127.0.0.1:8080"),
                        help="API base URL (default $PATIENT_RISK_API_URL or http://127.0.0.1:8080)")
    parser.add_argument("--fixture", action="append", required=True, type=Path,
                        help="signal-packet JSON file to post (repeatable)")
    parser.add_argument("--wait-ready", action="store_true", help="wait until GET /readyz answers 200 first")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for waiting plus retrying (default 120)")
    parser.add_argument("--fresh", action="store_true", help="post under a new packet_id with started_at = now")
    parser.add_argument("--repeat", type=int, default=1, help="post the fixtures this many rounds (default 1)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default 5)")
    parser.add_argument("--expect-level", choices=["low", "medium", "high"],
                        help="exit 3 unless the last fixture's assessment has this level")
    args = parser.parse_args(argv)

    packets = []
    for path in args.fixture:
        try:
            packets.append((path, json.loads(path.read_text("utf-8"))))
        except (OSError, ValueError) as err:
            print(f"patient-risk-simulator: cannot read fixture {path}: {err}", file=sys.stderr)
            return 2
    deadline = time.monotonic() + args.timeout
    level = None
    failed = False
    try:
        with httpx.Client(base_url=args.api, timeout=10.0) as client:
            if args.wait_ready:
                _log(f"waiting for {args.api}/readyz")
                wait_ready(client, deadline)
            for round_number in range(args.repeat):
                if round_number:
                    time.sleep(args.interval)
                for path, packet in packets:
                    body = freshen(packet) if args.fresh else packet
                    samples = len(body.get("samples", [])) if isinstance(body.get("samples"), list) else "?"
                    _log(f"posted {path.name}: packet {body.get('packet_id')} for patient {body.get('patient_id')} "
                         f"({samples} samples) to {args.api}/v1/signal-packets")
                    response = post(client, body, deadline)
                    _log(describe(response))
                    failed |= response.status_code not in (200, 201)
                    level = response.json().get("level") if response.status_code in (200, 201) else None
    except Failed as err:
        print(f"patient-risk-simulator: {err}", file=sys.stderr)
        return 1
    if args.expect_level and level != args.expect_level:
        print(f"patient-risk-simulator: expected level {args.expect_level}, got {level}", file=sys.stderr)
        return 3
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
