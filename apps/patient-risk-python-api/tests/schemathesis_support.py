"""Schemathesis against contracts/openapi.yaml, shared by the memory and postgres-redis tiers.

Bounded and deterministic: a fixed number of examples per operation, derandomized. The SSE
endpoint is excluded (an endless stream); it has its own tests.
"""

from __future__ import annotations

import schemathesis
from helpers import CONTRACTS
from hypothesis import HealthCheck, settings

MAX_EXAMPLES = 40

schema = schemathesis.openapi.from_path(CONTRACTS / "openapi.yaml").exclude(path="/v1/events/risk")

bounded = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
