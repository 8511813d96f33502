"""patients, packets and assessments

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.Text()),
        sa.Column("ward", sa.Text()),
        sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("latest_assessment_id", sa.String(36)),
        sa.Column("latest_score", sa.Integer()),
        sa.Column("latest_level", sa.String(8)),
        sa.Column("latest_assessed_at", sa.DateTime(timezone=True)),
        sa.Column("latest_packet_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "packets",
        sa.Column("packet_id", sa.String(64), primary_key=True),
        sa.Column("patient_id", sa.String(64), sa.ForeignKey("patients.patient_id"), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("body", postgresql.JSONB(), nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("assessment_id", sa.String(36), primary_key=True),
        sa.Column("packet_id", sa.String(64), sa.ForeignKey("packets.packet_id"), nullable=False, unique=True),
        sa.Column("patient_id", sa.String(64), sa.ForeignKey("patients.patient_id"), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", postgresql.JSONB(), nullable=False),
        sa.Column("previous_level", sa.String(8)),
        sa.Column("announced", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint("level in ('low', 'medium', 'high')", name="assessments_level_valid"),
    )
    op.create_index("assessments_patient_newest", "assessments", ["patient_id", "assessed_at"])


def downgrade() -> None:
    op.drop_index("assessments_patient_newest", table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("packets")
    op.drop_table("patients")
