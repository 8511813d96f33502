"""PostgreSQL tables (SQLAlchemy Core). The Alembic revisions in ../migrations create them;
a test checks that the migrated schema matches this metadata."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

patients = Table(
    "patients",
    metadata,
    Column("patient_id", String(64), primary_key=True),
    Column("display_name", Text),
    Column("ward", Text),
    # Bumped on every new assessment; orders the Redis latest-risk cache writes.
    Column("revision", BigInteger, nullable=False, server_default="0"),
    Column("latest_assessment_id", String(36)),
    Column("latest_score", Integer),
    Column("latest_level", String(8)),
    Column("latest_assessed_at", DateTime(timezone=True)),
    Column("latest_packet_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

packets = Table(
    "packets",
    metadata,
    Column("packet_id", String(64), primary_key=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("device_id", String(64), nullable=False),
    # sha256 of the canonical packet JSON: same id + same digest = idempotent resend.
    Column("digest", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("body", JSONB, nullable=False),
)

assessments = Table(
    "assessments",
    metadata,
    Column("assessment_id", String(36), primary_key=True),
    Column("packet_id", String(64), ForeignKey("packets.packet_id"), nullable=False, unique=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("score", Integer, nullable=False),
    Column("level", String(8), nullable=False),
    Column("assessed_at", DateTime(timezone=True), nullable=False),
    Column("document", JSONB, nullable=False),
    Column("previous_level", String(8)),
    # Set once the Redis cache and the change stream have been told; a resend retries it.
    Column("announced", Boolean, nullable=False, server_default="false"),
    CheckConstraint("level in ('low', 'medium', 'high')", name="assessments_level_valid"),
    Index("assessments_patient_newest", "patient_id", "assessed_at"),
)
