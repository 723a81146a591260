"""Home programmes and programme-session summaries (issue #12).

``programmes`` keeps each programme prescribed to a patient as its commented TOML
file; ``programme_sessions`` keeps the adherence summary of a programme session the
user chose to save. Existing rows are untouched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id", ondelete="CASCADE"),
                  nullable=False),  # fmt: skip
        sa.Column("created_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
    )
    op.create_index("ix_programmes_patient_id", "programmes", ["patient_id"])
    op.create_table(
        "programme_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id", ondelete="CASCADE"),
                  nullable=False),  # fmt: skip
        sa.Column("programme_id", sa.Integer,
                  sa.ForeignKey("programmes.id", ondelete="SET NULL")),  # fmt: skip
        sa.Column("recorded_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("adherence", sa.JSON, nullable=False),
        sa.Column("formcheck_version", sa.String(32), nullable=False),
    )
    op.create_index("ix_programme_sessions_patient_id", "programme_sessions", ["patient_id"])
    op.create_index("ix_programme_sessions_programme_id", "programme_sessions", ["programme_id"])


def downgrade() -> None:
    op.drop_table("programme_sessions")
    op.drop_table("programmes")
