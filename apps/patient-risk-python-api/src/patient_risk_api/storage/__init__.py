"""Storage backends, chosen by PATIENT_RISK_STORAGE_BACKEND."""

from __future__ import annotations

from ..config import Settings
from .base import PacketConflict, Saved, Storage, StorageUnavailable

__all__ = ["PacketConflict", "Saved", "Storage", "StorageUnavailable", "create_storage"]


def create_storage(settings: Settings) -> Storage:
    if settings.storage_backend == "memory":
        from .memory import MemoryStorage

        return MemoryStorage()
    from .postgres_redis import PostgresRedisStorage

    return PostgresRedisStorage(settings)
