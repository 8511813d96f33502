from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api_suite import ApiSuite


class TestMemoryBackend(ApiSuite):
    @pytest.fixture
    def client(self, memory_client: TestClient) -> Iterator[TestClient]:
        yield memory_client
