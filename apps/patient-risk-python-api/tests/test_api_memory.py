from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_suite import ApiSuite
from fastapi.testclient import TestClient


class TestMemoryBackend(ApiSuite):
    @pytest.fixture
    def client(self, memory_client: TestClient) -> Iterator[TestClient]:
        yield memory_client
