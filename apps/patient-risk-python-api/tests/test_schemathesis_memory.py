from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import live_server
from patient_risk_api.config import Settings
from patient_risk_api.storage.memory import MemoryStorage
from schemathesis_support import bounded, schema


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with live_server(Settings(), MemoryStorage()) as url:
        yield url


@schema.parametrize()
@bounded
def test_contract_memory_backend(case, base_url):
    # Every default check: no 5xx, documented status codes, content types and bodies.
    case.call_and_validate(base_url=base_url)
