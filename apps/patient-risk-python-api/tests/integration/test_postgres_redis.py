"""The postgres-redis backend against real PostgreSQL and Redis servers on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import redis
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from api_suite import ApiSuite
from fastapi.testclient import TestClient
from helpers import SseReader, fixture, live_server, small_packet
from patient_risk_api import migrations
from patient_risk_api.app import create_app
from patient_risk_api.config import Settings
from patient_risk_api.storage.tables import assessments, metadata, packets, patients
from sqlalchemy import create_engine, func, inspect, select

from .services import Postgres, Redis


def _engine(settings: Settings):
    return create_engine(settings.sqlalchemy_url)


@pytest.fixture
def migrated(pg_settings: Settings) -> Settings:
    migrations.upgrade(pg_settings)
    return pg_settings


@pytest.fixture
def pg_client(migrated: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as client:
        yield client


class TestPostgresRedisBackend(ApiSuite):
    @pytest.fixture
    def client(self, pg_client: TestClient) -> Iterator[TestClient]:
        yield pg_client


def test_migrations_apply_from_empty_and_are_idempotent(pg_settings: Settings):
    engine = _engine(pg_settings)
    assert inspect(engine).get_table_names() == []
    head = migrations.head_revision()
    assert migrations.upgrade(pg_settings) == head
    assert migrations.upgrade(pg_settings) == head  # second run: no-op
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "patients", "packets", "assessments"}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], f"migrations and storage/tables.py disagree: {diff}"
    engine.dispose()


def test_concurrent_migrations_serialise(pg_settings: Settings):
    results: list[str | None] = []
    threads = [threading.Thread(target=lambda: results.append(migrations.upgrade(pg_settings))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [migrations.head_revision()] * 3


def test_unmigrated_database_is_unready_and_posts_get_503(pg_settings: Settings):
    with TestClient(create_app(pg_settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "ok"
        assert "not migrated" in ready.json()["checks"]["schema"]
        response = client.post("/v1/signal-packets", json=small_packet("p-early"))
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "migrate" in response.json()["detail"]
        migrations.upgrade(pg_settings)
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/signal-packets", json=small_packet("p-early")).status_code == 201


def test_latest_risk_is_cached_in_redis(pg_client: TestClient, migrated: Settings):
    body = pg_client.post("/v1/signal-packets", json=fixture("low-spo2-trend.json")).json()
    cache = redis.Redis.from_url(migrated.redis_url)
    cached = cache.hgetall("patient-risk:latest:pt-1001")
    assert cached[b"revision"] == b"1"
    assert b'"level":"high"' in cached[b"snapshot"]
    # The cache is what /risk serves: change it behind the API's back and see it come through.
    cache.hset("patient-risk:latest:pt-1001", "snapshot", cached[b"snapshot"].replace(b'"high"', b'"medium"'))
    assert pg_client.get("/v1/patients/pt-1001/risk").json()["level"] == "medium"
    # Dropped from the cache: read from PostgreSQL and cached again.
    cache.delete("patient-risk:latest:pt-1001")
    assert pg_client.get("/v1/patients/pt-1001/risk").json()["packet_id"] == body["packet_id"]
    assert cache.hget("patient-risk:latest:pt-1001", "revision") == b"1"
    cache.close()


def test_sse_over_redis_pubsub(migrated: Settings):
    with live_server(migrated) as url, SseReader(f"{url}/v1/events/risk") as stream:
        assert httpx.post(f"{url}/v1/signal-packets", json=fixture("low-spo2-trend.json")).status_code == 201
        (event,) = stream.wait_for(1)
    assert event[0] == "risk-changed"
    assert event[1]["patient_id"] == "pt-1001" and event[1]["level"] == "high" and event[1]["previous_level"] is None


def test_redis_outage_gives_503_and_the_resend_completes(pg_client: TestClient, migrated: Settings,
                                                         redis_server: Redis):
    packet = small_packet("p-redis", patient_id="pt-redis", spo2=88)
    redis_server.stop()
    try:
        response = pg_client.post("/v1/signal-packets", json=packet)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        ready = pg_client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("unreachable")
        # The packet is in PostgreSQL (not yet announced); /risk falls back to PostgreSQL.
        assert pg_client.get("/v1/patients/pt-redis/risk").status_code == 200
    finally:
        redis_server.start()
    engine = _engine(migrated)
    with engine.connect() as conn:
        assert conn.execute(select(assessments.c.announced).where(assessments.c.packet_id == "p-redis")).scalar() is False
    again = pg_client.post("/v1/signal-packets", json=packet)
    assert again.status_code == 200
    with engine.connect() as conn:
        stored = conn.execute(select(assessments.c.assessment_id, assessments.c.announced)
                              .where(assessments.c.packet_id == "p-redis")).one()
        assert stored.announced is True and stored.assessment_id == again.json()["assessment_id"]
        assert conn.execute(select(func.count()).select_from(assessments)).scalar() == 1
    engine.dispose()
    assert pg_client.get("/readyz").status_code == 200


def test_database_outage_gives_503_never_500(pg_client: TestClient, postgres_server: Postgres):
    assert pg_client.post("/v1/signal-packets", json=small_packet("p-before")).status_code == 201
    postgres_server.stop()
    try:
        for call in (lambda: pg_client.post("/v1/signal-packets", json=small_packet("p-during")),
                     lambda: pg_client.get("/v1/patients"),
                     lambda: pg_client.get("/v1/patients/pt-test/assessments")):
            response = call()
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            assert response.headers["content-type"].startswith("application/problem+json")
        ready = pg_client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unreachable")
    finally:
        postgres_server.start()
    assert pg_client.post("/v1/signal-packets", json=small_packet("p-during")).status_code == 201
    assert pg_client.get("/readyz").status_code == 200


def test_postgres_restart_during_a_stream_of_posts_loses_no_packet(migrated: Settings, postgres_server: Postgres):
    """A device posts 40 packets one after another, retrying on 503 and connection errors, while
    PostgreSQL is restarted. Every packet ends up stored exactly once; the API answers 503 with
    Retry-After while the database is down and never 500."""
    total = 40
    sent = [small_packet(f"stream-{i:03d}", patient_id=f"pt-s{i % 4}", spo2=96 - i % 7) for i in range(total)]
    outcomes: dict[str, tuple[int, str]] = {}
    statuses: list[int | str] = []
    stop = threading.Event()

    with live_server(migrated) as url:
        def device() -> None:
            with httpx.Client(base_url=url, timeout=15) as client:
                for packet in sent:
                    while not stop.is_set():
                        try:
                            response = client.post("/v1/signal-packets", json=packet)
                        except httpx.TransportError as err:
                            statuses.append(type(err).__name__)
                            time.sleep(0.2)
                            continue
                        statuses.append(response.status_code)
                        if response.status_code == 503:
                            assert response.headers.get("retry-after") == "1"
                            time.sleep(0.2)
                            continue
                        outcomes[packet["packet_id"]] = (response.status_code, response.json().get("assessment_id"))
                        break
                    time.sleep(0.05)

        thread = threading.Thread(target=device)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while len(outcomes) < 10 and time.monotonic() < deadline:
                time.sleep(0.05)
            postgres_server.stop()
            time.sleep(2.0)
            postgres_server.start()
            thread.join(timeout=120)
        finally:
            stop.set()
            thread.join(timeout=10)

    assert 500 not in statuses, statuses
    assert 503 in statuses, "the restart was not noticed: the test did not test anything"
    assert sorted(outcomes) == sorted(p["packet_id"] for p in sent)
    assert all(status in (200, 201) for status, _ in outcomes.values())
    engine = _engine(migrated)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(packets)).scalar() == total
        rows = conn.execute(select(assessments.c.packet_id, assessments.c.assessment_id)).all()
        assert len(rows) == total
        assert {r.packet_id: r.assessment_id for r in rows} == {k: v for k, (_, v) in outcomes.items()}
        assert conn.execute(select(func.sum(patients.c.revision))).scalar() == total
    engine.dispose()
