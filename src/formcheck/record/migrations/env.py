"""Alembic environment of the patient record: runs on the connection formcheck hands it.

formcheck calls Alembic through :func:`formcheck.record.database.upgrade`,
which puts an open connection in ``config.attributes["connection"]``; there
is no ``alembic.ini`` and no URL here.
"""

from __future__ import annotations

from alembic import context

from formcheck.record.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the record's migrations through formcheck.record.database.upgrade")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
