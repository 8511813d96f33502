"""In-process storage: the default for a plain local run and the fast test tier."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from ..models import Assessment, PatientSummary, RiskChangedEvent, RiskSnapshot, SignalPacket
from .base import PacketConflict, Saved, Storage, risk_event, snapshot


@dataclass
class _Patient:
    display_name: str | None = None
    ward: str | None = None
    latest: RiskSnapshot | None = None
    assessments: list[Assessment] = field(default_factory=list)


def _offer(queue: asyncio.Queue[RiskChangedEvent], event: RiskChangedEvent) -> None:
    """A subscriber that fell 1000 events behind misses events rather than growing forever."""
    if not queue.full():
        queue.put_nowait(event)


class MemoryStorage(Storage):
    name = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._packets: dict[str, tuple[str, Assessment]] = {}
        self._patients: dict[str, _Patient] = defaultdict(_Patient)
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[RiskChangedEvent]]] = set()

    def save(self, packet: SignalPacket, digest: str, assess: Callable[[], Assessment], body: dict[str, Any]) -> Saved:
        with self._lock:
            stored = self._packets.get(packet.packet_id)
            if stored is not None:
                if stored[0] != digest:
                    raise PacketConflict(packet.packet_id)
                return Saved(stored[1], created=False)
            assessment = assess()
            patient = self._patients[packet.patient_id]
            if packet.patient is not None:
                patient.display_name = packet.patient.display_name or patient.display_name
                patient.ward = packet.patient.ward or patient.ward
            previous = patient.latest.level if patient.latest else None
            patient.latest = snapshot(assessment)
            patient.assessments.append(assessment)
            self._packets[packet.packet_id] = (digest, assessment)
            event = risk_event(assessment, previous)
            for loop, queue in list(self._subscribers):
                loop.call_soon_threadsafe(_offer, queue, event)
        return Saved(assessment, created=True)

    def _summary(self, patient_id: str, patient: _Patient) -> PatientSummary:
        return PatientSummary(
            patient_id=patient_id, display_name=patient.display_name, ward=patient.ward, latest=patient.latest
        )

    def patients(self) -> list[PatientSummary]:
        with self._lock:
            return [self._summary(pid, p) for pid, p in sorted(self._patients.items())]

    def patient(self, patient_id: str) -> PatientSummary | None:
        with self._lock:
            found = self._patients.get(patient_id)
            return self._summary(patient_id, found) if found else None

    def latest_risk(self, patient_id: str) -> RiskSnapshot | None:
        with self._lock:
            found = self._patients.get(patient_id)
            return found.latest if found else None

    def assessments(self, patient_id: str, limit: int) -> list[Assessment]:
        with self._lock:
            found = self._patients.get(patient_id)
            return list(reversed(found.assessments[-limit:])) if found else []

    def readiness(self) -> dict[str, str]:
        return {"storage": "ok"}

    async def subscribe(self) -> AsyncIterator[RiskChangedEvent | None]:
        queue: asyncio.Queue[RiskChangedEvent] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield None
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subscribers.discard(entry)
