"""Exercise definitions taught by demonstration: one row per named definition.

A definition is kept as its TOML file text (``formcheck.exercise.definition_file``), so
the record holds exactly what ``formcheck exercise learn -o`` writes, readable by any
later formcheck that knows the file's format version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise_definitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("definition_toml", sa.Text, nullable=False),
        sa.Column("source_clip", sa.String(255)),
        sa.Column("saved_utc", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exercise_definitions")
