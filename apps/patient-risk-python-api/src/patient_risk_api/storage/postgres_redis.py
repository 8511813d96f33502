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
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import psycopg.errors
import redis
import redis.asyncio
import redis.exceptions
from sqlalchemy import Connection, Engine, create_engine, select, text, update
from sqlalchemy import exc as sa_exc

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


# The write path of a new packet: two statements in one transaction (PostgresRedisStorage._insert).
# 1. The patient's row, created when missing, locked either way (ON CONFLICT DO UPDATE locks the
#    existing row like SELECT ... FOR UPDATE) and its revision and latest level returned.
_LOCK_PATIENT = """
INSERT INTO patients (patient_id) VALUES (%(patient_id)s)
ON CONFLICT (patient_id) DO UPDATE SET revision = patients.revision
RETURNING revision, latest_level
"""
# 2. Under that lock: the packet (nothing when its id is stored already: then nothing else is
#    written and the count is 0), its assessment, and the patient's latest risk (demographics
#    only where the packet has them). Foreign keys are checked at the end of the statement, when
#    the packet row exists.
_INSERT_PACKET = """
WITH packet AS (
  INSERT INTO packets (packet_id, patient_id, device_id, digest, started_at, body)
  VALUES (%(packet_id)s, %(patient_id)s, %(device_id)s, %(digest)s, %(started_at)s, %(body)s::jsonb)
  ON CONFLICT DO NOTHING
  RETURNING packet_id
), assessment AS (
  INSERT INTO assessments (assessment_id, packet_id, patient_id, score, level, assessed_at, document, previous_level)
  SELECT %(assessment_id)s, packet_id, %(patient_id)s, %(score)s, %(level)s, %(assessed_at)s, %(document)s::jsonb,
         %(previous_level)s
  FROM packet
  RETURNING assessment_id
), patient AS (
  UPDATE patients SET revision = %(revision)s, latest_assessment_id = %(assessment_id)s, latest_score = %(score)s,
         latest_level = %(level)s, latest_assessed_at = %(assessed_at)s, latest_packet_id = %(packet_id)s,
         display_name = coalesce(%(display_name)s, display_name), ward = coalesce(%(ward)s, ward),
         updated_at = now()
  WHERE patient_id = %(patient_id)s AND EXISTS (SELECT 1 FROM packet)
  RETURNING patient_id
)
SELECT (SELECT count(*) FROM packet) + (SELECT count(*) FROM assessment) + (SELECT count(*) FROM patient)
"""


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
        # Up to 20 per worker process, opened when needed and then kept: requests run in up to
        # 40 threads, and overflow connections (closed again when returned) cost a PostgreSQL
        # backend fork per request once the concurrency passes the pool's size (seen in
        # bench/api-load with 10 + 10 overflow). Workers x 20 must stay below max_connections.
        pool_size=20,
        max_overflow=0,
        pool_timeout=5,
        json_deserializer=orjson.loads,
        connect_args={
            "connect_timeout": max(1, math.ceil(settings.db_connect_timeout_s)),
            "options": "-c statement_timeout=15000 -c lock_timeout=10000",
            "application_name": "patient-risk-api",
        },
    )


class _DeferredMarks:
    """Assessments announced to Redis whose ``announced`` flag is still false in PostgreSQL.

    One background thread writes the flags in batches (one UPDATE for everything announced
    meanwhile) instead of one transaction per packet. The flag only tells a resend whether it
    must announce again, so a flag written late, or never (the process died, the database
    was down), costs at most a repeated announcement: the cache write is compare-and-set on
    the patient's revision and events are at-least-once. close() writes what is pending."""

    MAX_PENDING = 10_000

    def __init__(self, write: Callable[[list[str]], None], gather_s: float = 0.02) -> None:
        self._write = write
        self._gather_s = gather_s
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="announced-marks", daemon=True)
        self._thread.start()

    def add(self, assessment_id: str) -> None:
        with self._lock:
            self._pending.append(assessment_id)
        self._wake.set()

    def _flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._wake.clear()
        if not batch:
            return
        try:
            self._write(batch)
        except (sa_exc.SQLAlchemyError, OSError) as err:
            log.warning("announced flags not written yet; retrying", extra={"count": len(batch), "error": _first_line(err)})
            with self._lock:
                self._pending[:0] = batch[-self.MAX_PENDING:]
            time.sleep(0.5)

    def _run(self) -> None:
        while not self._closing:
            self._wake.wait()
            time.sleep(self._gather_s)
            self._flush()

    def close(self) -> None:
        self._closing = True
        self._wake.set()
        self._thread.join(timeout=5)
        with self._lock:
            self._wake.clear()
        self._flush()


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
        self._marks = _DeferredMarks(self._mark_announced)

    # -- writes ---------------------------------------------------------------------------

    def save(self, packet: SignalPacket, digest: str, assess: Callable[[], Assessment], body: dict[str, Any]) -> Saved:
        with _guard():
            # A new packet costs one connection checkout, one transaction and two statements:
            # assessed first (CPU only, no lock held), then inserted; a packet id that is
            # stored already inserts nothing (its lock-only transaction commits) and the stored row
            # answers (the resend path: 200 with the stored assessment, or 409).
            fresh = assess()
            try:
                with self._engine.connect() as conn:
                    assessment, document, previous_level, revision = self._insert(conn, packet, digest, fresh, body)
            except _AlreadyStored:
                stored = self._stored(packet.packet_id)
                if stored is None:  # cannot happen: packets and assessments are never deleted
                    raise StorageUnavailable(f"packet {packet.packet_id!r} is stored but could not be read") from None
                return self._resend(packet.packet_id, digest, stored)
            self._announce(assessment, previous_level, revision, deferred_mark=True)
            return Saved(assessment, created=True, json=document.encode("utf-8"))

    def _insert(self, conn: Connection, packet: SignalPacket, digest: str, assessment: Assessment,
                body: dict[str, Any]) -> tuple[Assessment, str, Any, int]:
        """The write on the pooled connection's psycopg connection, in pipeline mode: BEGIN and
        the lock in one round trip, the insert and COMMIT in a second one (SQLAlchemy's own
        transaction would cost a round trip for BEGIN and one for COMMIT). Driver errors are
        mapped as _guard maps SQLAlchemy's: a lost connection is dropped from the pool."""
        raw = conn.connection.driver_connection
        try:
            return self._insert_pipelined(raw, packet, digest, assessment, body)
        except psycopg.errors.UndefinedTable as err:
            raise StorageUnavailable("database schema is not migrated: run `patient-risk-api migrate`") from err
        except psycopg.OperationalError as err:
            if raw.closed or raw.broken:
                conn.invalidate(err)
            raise StorageUnavailable(f"database unavailable: {_first_line(err)}") from err

    @staticmethod
    def _insert_pipelined(raw: psycopg.Connection[Any], packet: SignalPacket, digest: str, assessment: Assessment,
                          body: dict[str, Any]) -> tuple[Assessment, str, Any, int]:
        body_text = orjson.dumps(body)
        # Autocommit with an explicit BEGIN: psycopg waits for its implicit BEGIN on its own.
        raw.autocommit = True
        try:
            with raw.pipeline():
                lock, write = raw.cursor(), raw.cursor()
                raw.execute("BEGIN")
                lock.execute(_LOCK_PATIENT, {"patient_id": packet.patient_id})
                row = lock.fetchone()
                assert row is not None
                revision, previous_level = row
                # Under the patient's row lock, so assessed_at orders this patient's assessments.
                assessment = assessment.model_copy(update={"assessed_at": datetime.now(UTC)})
                # Encoded once: the JSONB document and the answer's body (Saved.json).
                document = assessment.model_dump_json()
                revision += 1
                info = packet.patient
                write.execute(_INSERT_PACKET, {
                    "packet_id": packet.packet_id,
                    "patient_id": packet.patient_id,
                    "device_id": packet.device_id,
                    "digest": digest,
                    "started_at": packet.started_at,
                    "body": body_text.decode("utf-8"),
                    "assessment_id": assessment.assessment_id,
                    "score": assessment.score,
                    "level": assessment.level,
                    "assessed_at": assessment.assessed_at,
                    "document": document,
                    "previous_level": previous_level,
                    "revision": revision,
                    "display_name": info.display_name if info is not None else None,
                    "ward": info.ward if info is not None else None,
                })
                # A stored packet id wrote nothing: committing the lock-only transaction is
                # harmless (the upsert set revision to itself).
                raw.execute("COMMIT")
            counted = write.fetchone()
        except BaseException:
            if not raw.closed and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                with suppress(psycopg.Error):
                    raw.rollback()
            raise
        finally:
            if not raw.closed and raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                raw.autocommit = False
        written = counted[0] if counted is not None else None
        if written == 0:
            raise _AlreadyStored
        if written != 3:
            raise RuntimeError(f"storing packet {packet.packet_id!r} wrote {written} of 3 rows")
        return assessment, document, previous_level, revision

    def _stored(self, packet_id: str) -> Any:
        query = (
            select(packets.c.digest, assessments.c.document, assessments.c.announced, assessments.c.previous_level)
            .join(assessments, assessments.c.packet_id == packets.c.packet_id)
            .where(packets.c.packet_id == packet_id)
        )
        with self._engine.connect() as conn:
            return conn.execute(query).first()

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
                self._mark_announced([assessment.assessment_id])
        return Saved(assessment, created=False)

    def _announce(self, assessment: Assessment, previous_level: Any, revision: int, deferred_mark: bool = False) -> None:
        key = CACHE_PREFIX + assessment.patient_id
        # The cache write and the event in one round trip to Redis.
        pipe = self._redis.pipeline(transaction=False)
        self._set_if_newer(keys=[key], args=[revision, snapshot(assessment).model_dump_json()], client=pipe)
        pipe.publish(CHANNEL, risk_event(assessment, previous_level).model_dump_json())
        pipe.execute()
        if deferred_mark:
            self._marks.add(assessment.assessment_id)
        else:
            self._mark_announced([assessment.assessment_id])

    def _mark_announced(self, assessment_ids: list[str]) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(assessments).where(assessments.c.assessment_id.in_(assessment_ids)).values(announced=True)
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
        self._marks.close()
        self._engine.dispose()
        self._redis.close()
