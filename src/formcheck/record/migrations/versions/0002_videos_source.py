"""Kept clips, the session's source (clip or live) and a patient-and-time index.

A version-1 session keeps its row; it gets ``source = 'clip'`` (version 1
only saved reviewed clips) and no video.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("source", sa.String(8), nullable=False, server_default="clip")
        )
    op.create_index("ix_sessions_patient_time", "sessions", ["patient_id", "recorded_utc"])
    op.create_table(
        "session_videos",
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("mime", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("session_videos")
    op.drop_index("ix_sessions_patient_time", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("source")
