"""The storage interface the API needs, and the two failures every backend may report."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from ..models import Assessment, Level, PatientSummary, RiskChangedEvent, RiskSnapshot, SignalPacket


class StorageUnavailable(Exception):
    """Storage cannot be reached right now; the client should retry (HTTP 503 + Retry-After)."""


class PacketConflict(Exception):
    """A packet with this id was stored before with different content (HTTP 409)."""

    def __init__(self, packet_id: str) -> None:
        super().__init__(
            f"packet_id {packet_id!r} was already used for a packet with different content; "
            "send new readings under a new packet_id"
        )
        self.packet_id = packet_id


@dataclass(frozen=True)
class Saved:
    assessment: Assessment
    #: False when the packet had been stored before (an idempotent resend).
    created: bool
    #: The assessment's JSON (``assessment.model_dump_json()``) when the backend made it
    #: already (the PostgreSQL document): the answer's body, so it is not encoded twice.
    json: bytes | None = None


def snapshot(assessment: Assessment) -> RiskSnapshot:
    return RiskSnapshot(
        score=assessment.score,
        level=assessment.level,
        assessed_at=assessment.assessed_at,
        packet_id=assessment.packet_id,
    )


def risk_event(assessment: Assessment, previous_level: Level | None) -> RiskChangedEvent:
    return RiskChangedEvent(
        patient_id=assessment.patient_id,
        level=assessment.level,
        previous_level=previous_level,
        score=assessment.score,
        assessed_at=assessment.assessed_at,
        packet_id=assessment.packet_id,
    )


class Storage(abc.ABC):
    """Packets, assessments, per-patient latest risk and the stream of risk changes.

    Synchronous methods are called from worker threads; ``subscribe`` runs on the event loop.
    """

    name: str

    @abc.abstractmethod
    def save(self, packet: SignalPacket, digest: str, assess: Callable[[], Assessment], body: dict[str, Any]) -> Saved:
        """Store the packet and its assessment exactly once. ``body`` is the packet's
        JSON document (``packet.model_dump(mode="json", exclude_none=True)``), already made by
        the caller for its digest.

        A new packet: ``assess()`` is called, both are stored, the patient's latest risk is
        updated and a risk-changed event published. A resend (same packet_id, same digest):
        the stored assessment comes back with ``created=False``. Same id, other digest:
        PacketConflict.
        """

    @abc.abstractmethod
    def patients(self) -> list[PatientSummary]: ...

    @abc.abstractmethod
    def patient(self, patient_id: str) -> PatientSummary | None: ...

    @abc.abstractmethod
    def latest_risk(self, patient_id: str) -> RiskSnapshot | None: ...

    @abc.abstractmethod
    def assessments(self, patient_id: str, limit: int) -> list[Assessment]:
        """Newest first."""

    @abc.abstractmethod
    def readiness(self) -> dict[str, str]:
        """One entry per dependency: "ok" or what is wrong."""

    @abc.abstractmethod
    def subscribe(self) -> AsyncIterator[RiskChangedEvent | None]:
        """Risk changes from now on. The first item is None, once the subscription is live (so
        a client can be told it will miss nothing posted after that); then one event per new
        assessment. Ends, or raises StorageUnavailable, when the stream breaks."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
