"""Alembic migrations of the PostgreSQL schema, run by `patient-risk-api migrate` (or on start
with PATIENT_RISK_MIGRATE_ON_START=true). No alembic.ini: the configuration is built here."""

from __future__ import annotations

import logging
import time
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy import exc as sa_exc

from ..config import Settings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
#: Serialises concurrent `migrate` runs (e.g. two replicas starting together).
ADVISORY_LOCK_ID = 0x7061_7469_656E_74  # "patient"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("version_locations", str(HERE / "versions"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration revisions found"
    return head


def current_revision(connection: Connection) -> str | None:
    try:
        return connection.execute(text("select version_num from alembic_version")).scalar()
    except sa_exc.ProgrammingError:
        connection.rollback()
        return None


def upgrade(settings: Settings, revision: str = "head") -> str | None:
    """Migrate to ``revision``, waiting up to settings.storage_wait_s for PostgreSQL to accept
    connections. Idempotent. Returns the revision the database is at afterwards."""
    from ..storage.postgres_redis import create_db_engine

    engine = create_db_engine(settings)
    deadline = time.monotonic() + settings.storage_wait_s
    try:
        while True:
            try:
                connection = engine.connect()
                break
            except sa_exc.OperationalError as err:
                if time.monotonic() >= deadline:
                    raise
                log.info("waiting for the database", extra={"error": str(err.orig).strip().splitlines()[0]})
                time.sleep(1)
        with connection:
            connection.execute(text("select pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
            connection.commit()
            try:
                before = current_revision(connection)
                command.upgrade(alembic_config(connection), revision)
                connection.commit()
                after = current_revision(connection)
                log.info("database migrated", extra={"from_revision": before, "to_revision": after})
                return after
            finally:
                connection.execute(text("select pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
                connection.commit()
    finally:
        engine.dispose()
