"""PostgreSQL (packets, assessments, patients) + Redis (latest-risk cache, change stream).

PostgreSQL is the record: a packet and its assessment are committed in one transaction that
holds the patient's row lock, so a resend can never be stored twice. Redis is told afterwards
("announced"): the latest-risk cache is written compare-and-set on the patient's revision and
the change is published on a pub/sub channel. If Redis fails at that point the client gets a
503, and its resend finds the packet stored but not announced and announces it then.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import redis
import redis.asyncio
import redis.exceptions
from sqlalchemy import Engine, create_engine, insert, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .. import migrations
from ..config import Settings
from ..models import Assessment, PatientSummary, RiskChangedEvent, RiskSnapshot, SignalPacket
from .base import PacketConflict, Saved, Storage, StorageUnavailable, risk_event, snapshot
from .tables import assessments, packets, patients

log = logging.getLogger(__name__)

CHANNEL = "patient-risk:risk-changed"
CACHE_PREFIX = "patient-risk:latest:"
# Write the cached snapshot only if its revision is newer than the cached one.
_SET_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'revision')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'revision', ARGV[1], 'snapshot', ARGV[2])
return 1
"""
_UNDEFINED_TABLE = "42P01"


class _AlreadyStored(Exception):
    """Another request stored this packet first (rolls the transaction back)."""


def _first_line(err: BaseException) -> str:
    cause = getattr(err, "orig", None) or err
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


@contextmanager
def _guard() -> Iterator[None]:
    """Turn "cannot reach storage" failures into StorageUnavailable; let real bugs through."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as err:
        raise StorageUnavailable(f"database unavailable: {_first_line(err)}") from err
    except sa_exc.DBAPIError as err:
        if err.connection_invalidated:
            raise StorageUnavailable(f"database connection lost: {_first_line(err)}") from err
        if getattr(err.orig, "sqlstate", None) == _UNDEFINED_TABLE:
            raise StorageUnavailable("database schema is not migrated: run `patient-risk-api migrate`") from err
        raise
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
        raise StorageUnavailable(f"redis unavailable: {_first_line(err)}") from err


def create_db_engine(settings: Settings) -> Engine:
    return create_engine(
        settings.sqlalchemy_url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=5,
        connect_args={
            "connect_timeout": max(1, math.ceil(settings.db_connect_timeout_s)),
            "options": "-c statement_timeout=15000 -c lock_timeout=10000",
            "application_name": "patient-risk-api",
        },
    )


class PostgresRedisStorage(Storage):
    name = "postgres-redis"

    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url is not None
        self._engine = create_db_engine(settings)
        self._redis_url = settings.redis_url
        self._redis = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=10
        )
        self._set_if_newer = self._redis.register_script(_SET_IF_NEWER)

    # -- writes ---------------------------------------------------------------------------

    def save(self, packet: SignalPacket, digest: str, assess: Callable[[], Assessment]) -> Saved:
        with _guard():
            existing = self._stored(packet.packet_id)
            if existing is not None:
                return self._resend(packet.packet_id, digest, existing)
            assessment = assess()
            try:
                assessment, previous_level, revision = self._insert(packet, digest, assessment)
            except _AlreadyStored:
                stored = self._stored(packet.packet_id)
                assert stored is not None
                return self._resend(packet.packet_id, digest, stored)
            self._announce(assessment, previous_level, revision)
            return Saved(assessment, created=True)

    def _insert(self, packet: SignalPacket, digest: str, assessment: Assessment) -> tuple[Assessment, Any, int]:
        with self._engine.begin() as conn:
            conn.execute(pg_insert(patients).values(patient_id=packet.patient_id).on_conflict_do_nothing())
            row = conn.execute(
                select(patients.c.revision, patients.c.latest_level)
                .where(patients.c.patient_id == packet.patient_id)
                .with_for_update()
            ).one()
            stored = conn.execute(
                pg_insert(packets)
                .values(
                    packet_id=packet.packet_id,
                    patient_id=packet.patient_id,
                    device_id=packet.device_id,
                    digest=digest,
                    started_at=packet.started_at,
                    body=packet.model_dump(mode="json", exclude_none=True),
                )
                .on_conflict_do_nothing()
                .returning(packets.c.packet_id)
            ).first()
            if stored is None:
                raise _AlreadyStored
            # Under the patient's row lock, so assessed_at orders this patient's assessments.
            assessment = assessment.model_copy(update={"assessed_at": datetime.now(UTC)})
            conn.execute(
                insert(assessments).values(
                    assessment_id=assessment.assessment_id,
                    packet_id=assessment.packet_id,
                    patient_id=assessment.patient_id,
                    score=assessment.score,
                    level=assessment.level,
                    assessed_at=assessment.assessed_at,
                    document=assessment.model_dump(mode="json"),
                    previous_level=row.latest_level,
                )
            )
            revision = row.revision + 1
            demographics = {}
            if packet.patient is not None:
                demographics = {
                    key: value
                    for key, value in (("display_name", packet.patient.display_name), ("ward", packet.patient.ward))
                    if value is not None
                }
            conn.execute(
                update(patients)
                .where(patients.c.patient_id == packet.patient_id)
                .values(
                    revision=revision,
                    latest_assessment_id=assessment.assessment_id,
                    latest_score=assessment.score,
                    latest_level=assessment.level,
                    latest_assessed_at=assessment.assessed_at,
                    latest_packet_id=assessment.packet_id,
                    updated_at=text("now()"),
                    **demographics,
                )
            )
        return assessment, row.latest_level, revision

    def _stored(self, packet_id: str) -> Any:
        with self._engine.connect() as conn:
            return conn.execute(
                select(packets.c.digest, assessments.c.document, assessments.c.announced, assessments.c.previous_level)
                .join(assessments, assessments.c.packet_id == packets.c.packet_id)
                .where(packets.c.packet_id == packet_id)
            ).first()

    def _resend(self, packet_id: str, digest: str, stored: Any) -> Saved:
        if stored.digest != digest:
            raise PacketConflict(packet_id)
        assessment = Assessment.model_validate(stored.document)
        if not stored.announced:
            with self._engine.connect() as conn:
                patient = conn.execute(
                    select(patients.c.revision, patients.c.latest_assessment_id).where(
                        patients.c.patient_id == assessment.patient_id
                    )
                ).one()
            if patient.latest_assessment_id == assessment.assessment_id:
                self._announce(assessment, stored.previous_level, patient.revision)
            else:  # a newer assessment was announced since: this one is history only
                self._mark_announced(assessment.assessment_id)
        return Saved(assessment, created=False)

    def _announce(self, assessment: Assessment, previous_level: Any, revision: int) -> None:
        key = CACHE_PREFIX + assessment.patient_id
        self._set_if_newer(keys=[key], args=[revision, snapshot(assessment).model_dump_json()])
        self._redis.publish(CHANNEL, risk_event(assessment, previous_level).model_dump_json())
        self._mark_announced(assessment.assessment_id)

    def _mark_announced(self, assessment_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(assessments).where(assessments.c.assessment_id == assessment_id).values(announced=True)
            )

    # -- reads ----------------------------------------------------------------------------

    @staticmethod
    def _summary(row: Any) -> PatientSummary:
        latest = None
        if row.latest_assessment_id is not None:
            latest = RiskSnapshot(
                score=row.latest_score,
                level=row.latest_level,
                assessed_at=row.latest_assessed_at,
                packet_id=row.latest_packet_id,
            )
        return PatientSummary(patient_id=row.patient_id, display_name=row.display_name, ward=row.ward, latest=latest)

    def patients(self) -> list[PatientSummary]:
        with _guard(), self._engine.connect() as conn:
            rows = conn.execute(select(patients).order_by(patients.c.patient_id)).all()
        return [self._summary(row) for row in rows]

    def patient(self, patient_id: str) -> PatientSummary | None:
        with _guard(), self._engine.connect() as conn:
            row = conn.execute(select(patients).where(patients.c.patient_id == patient_id)).first()
        return self._summary(row) if row is not None else None

    def latest_risk(self, patient_id: str) -> RiskSnapshot | None:
        key = CACHE_PREFIX + patient_id
        try:
            cached = self._redis.hget(key, "snapshot")
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
            log.warning("latest-risk cache unavailable, reading the database", extra={"error": _first_line(err)})
            cached = None
        if cached is not None:
            return RiskSnapshot.model_validate_json(cached)
        with _guard(), self._engine.connect() as conn:
            row = conn.execute(select(patients).where(patients.c.patient_id == patient_id)).first()
        if row is None:
            return None
        summary = self._summary(row)
        if summary.latest is not None:
            try:
                self._set_if_newer(keys=[key], args=[row.revision, summary.latest.model_dump_json()])
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                pass  # the cache is refilled on the next read or write
        return summary.latest

    def assessments(self, patient_id: str, limit: int) -> list[Assessment]:
        with _guard(), self._engine.connect() as conn:
            rows = conn.execute(
                select(assessments.c.document)
                .where(assessments.c.patient_id == patient_id)
                .order_by(assessments.c.assessed_at.desc())
                .limit(limit)
            ).all()
        return [Assessment.model_validate(row.document) for row in rows]

    # -- health ---------------------------------------------------------------------------

    def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        head = migrations.head_revision()
        try:
            with self._engine.connect() as conn:
                version = conn.execute(text("select version_num from alembic_version")).scalar()
            checks["database"] = "ok"
            checks["schema"] = (
                "ok" if version == head else f"at revision {version or 'none'}, head is {head}: run `patient-risk-api migrate`"
            )
        except sa_exc.ProgrammingError as err:
            if getattr(err.orig, "sqlstate", None) != _UNDEFINED_TABLE:
                raise
            checks["database"] = "ok"
            checks["schema"] = f"not migrated (head is {head}): run `patient-risk-api migrate`"
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DBAPIError) as err:
            checks["database"] = f"unreachable: {_first_line(err)}"
            checks["schema"] = "unknown (database unreachable)"
        try:
            self._redis.ping()
            checks["redis"] = "ok"
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
            checks["redis"] = f"unreachable: {_first_line(err)}"
        return checks

    async def subscribe(self) -> AsyncIterator[RiskChangedEvent | None]:
        client = redis.asyncio.Redis.from_url(self._redis_url, socket_connect_timeout=2)
        pubsub = client.pubsub()
        try:
            try:
                await pubsub.subscribe(CHANNEL)
                # Live only once Redis confirms the subscription.
                deadline = asyncio.get_running_loop().time() + 5
                while True:
                    confirmation = await pubsub.get_message(timeout=1.0)
                    if confirmation is not None and confirmation.get("type") == "subscribe":
                        break
                    if asyncio.get_running_loop().time() > deadline:
                        raise StorageUnavailable("redis did not confirm the subscription within 5 s")
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
                raise StorageUnavailable(f"redis unavailable: {_first_line(err)}") from err
            yield None
            while True:
                try:
                    message = await pubsub.get_message(timeout=1.0)
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
                    raise StorageUnavailable(f"redis stream lost: {_first_line(err)}") from err
                if message is not None and message.get("type") == "message":
                    yield RiskChangedEvent.model_validate_json(message["data"])
        finally:
            try:
                await pubsub.aclose()
                await client.aclose()
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                pass

    def close(self) -> None:
        self._engine.dispose()
        self._redis.close()
