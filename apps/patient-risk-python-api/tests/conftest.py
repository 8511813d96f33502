from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from patient_risk_api.app import create_app  # noqa: E402
from patient_risk_api.config import Settings  # noqa: E402
from patient_risk_api.storage.memory import MemoryStorage  # noqa: E402


@pytest.fixture
def memory_client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), MemoryStorage())) as client:
        yield client
