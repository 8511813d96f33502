from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from patient_risk_api.config import Settings

from .services import Postgres, Redis


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    server = Postgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = Redis()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_settings(postgres_server: Postgres, redis_server: Redis) -> Settings:
    """A fresh, empty database and an empty Redis for each test."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    database = postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    return Settings(storage_backend="postgres-redis", database_url=database, redis_url=redis_server.url(),
                    db_connect_timeout_s=2, storage_wait_s=20, retry_after_s=1)
