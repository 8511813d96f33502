"""Test helpers: fixture packets, a uvicorn server in a thread, an SSE reader."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from patient_risk_api.app import create_app
from patient_risk_api.config import Settings
from patient_risk_api.storage import Storage

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures"
CONTRACTS = REPO / "contracts"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def small_packet(packet_id: str, patient_id: str = "pt-test", spo2: float = 97.0, **extra: Any) -> dict[str, Any]:
    packet = {
        "packet_id": packet_id,
        "patient_id": patient_id,
        "device_id": "dev-1",
        "started_at": "2026-11-28T10:00:00Z",
        "samples": [{"offset_s": t, "spo2": spo2, "heart_rate": 75} for t in range(0, 60, 5)],
    }
    packet.update(extra)
    return packet


def renamed(packet: dict[str, Any], packet_id: str, patient_id: str | None = None) -> dict[str, Any]:
    copied = copy.deepcopy(packet)
    copied["packet_id"] = packet_id
    if patient_id:
        copied["patient_id"] = patient_id
    return copied


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(settings: Settings, storage: Storage | None = None) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields the base URL."""
    port = free_port()
    app = create_app(settings, storage)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="on", timeout_graceful_shutdown=3))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        app.state.loop.call_soon_threadsafe(app.state.shutdown.set)
        thread.join(timeout=15)


class SseReader:
    """Reads an event stream in a thread; `events` collects (event, data) pairs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.comments: list[str] = []
        self.subscribed = threading.Event()
        self.ended = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SseReader:
        self._thread.start()
        if not self.subscribed.wait(10):
            raise RuntimeError(f"no ': subscribed' from {self.url} within 10 s (error: {self.error})")
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join(timeout=0.1)

    def _run(self) -> None:
        event = None
        try:
            with httpx.stream("GET", self.url, timeout=httpx.Timeout(30, read=30)) as response:
                assert response.status_code == 200, response.status_code
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments.append(line[1:].strip())
                        if line.strip() == ": subscribed":
                            self.subscribed.set()
                    elif line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event:
                        self.events.append((event, json.loads(line.removeprefix("data:"))))
                        event = None
        except BaseException as err:  # noqa: BLE001 - reported to the test
            self.error = err
        finally:
            self.ended.set()

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[str, dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.events)
