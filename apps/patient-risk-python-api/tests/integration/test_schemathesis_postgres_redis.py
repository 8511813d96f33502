from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import live_server
from patient_risk_api import migrations
from patient_risk_api.config import Settings
from schemathesis_support import bounded, schema


@pytest.fixture(scope="module")
def base_url(postgres_server, redis_server) -> Iterator[str]:
    database = postgres_server.create_database("schemathesis")
    settings = Settings(storage_backend="postgres-redis", database_url=database, redis_url=redis_server.url())
    migrations.upgrade(settings)
    with live_server(settings) as url:
        yield url


@schema.parametrize()
@bounded
def test_contract_postgres_redis_backend(case, base_url):
    case.call_and_validate(base_url=base_url)
