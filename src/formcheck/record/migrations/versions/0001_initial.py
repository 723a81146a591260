"""First schema: patients and their saved sessions.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200)),
        sa.Column("birth_year", sa.Integer),
        sa.Column("sex", sa.String(1)),
        sa.Column("notes", sa.Text),
        sa.Column("created_utc", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer,
                  sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("recorded_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exercise", sa.String(32), nullable=False),
        sa.Column("test", sa.String(16)),
        sa.Column("thresholds", sa.JSON, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("curves", sa.LargeBinary),
        sa.Column("formcheck_version", sa.String(32), nullable=False),
        sa.Column("model_sha256", sa.String(64)),
        sa.Column("clip_name", sa.String(255)),
        sa.Column("clip_sha256", sa.String(64)),
    )
    op.create_index("ix_sessions_patient_id", "sessions", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_sessions_patient_id", "sessions")
    op.drop_table("sessions")
    op.drop_table("patients")
