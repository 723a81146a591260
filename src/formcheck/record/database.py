"""Where the patient record lives, how to connect, and what a failure says.

The record is any SQLAlchemy database; by default an SQLite file in the
user's data folder (``platformdirs``: ``~/.local/share/formcheck/record.sqlite3``
on Linux). ``--db URL`` beats ``FORMCHECK_DB``, which beats the default.
:func:`connect` opens it and brings its schema to the latest Alembic
revision (an older database is upgraded in place, keeping every record).

Every database failure becomes one :class:`RecordUnavailable` whose message
says what is wrong (locked, unreachable, read-only, damaged, newer than this
formcheck) and where, in one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    OperationalError,
    SQLAlchemyError,
)

from formcheck.errors import FormcheckError

__all__ = [
    "ENV_VAR",
    "RecordUnavailable",
    "connect",
    "default_path",
    "describe",
    "guard",
    "resolve_url",
    "schema_revision",
]

ENV_VAR: Final = "FORMCHECK_DB"
FILE_NAME: Final = "record.sqlite3"
MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"


class RecordUnavailable(FormcheckError):
    """The patient record cannot be read or written; ``str(err)`` says why, in one line."""


def default_path() -> Path:
    """The default SQLite file in the user's data folder (platform conventions)."""
    from platformdirs import user_data_path

    return user_data_path("formcheck", appauthor=False) / FILE_NAME


def resolve_url(db: str | None = None) -> URL:
    """``db`` (a URL or a file path), else ``$FORMCHECK_DB``, else the default file."""
    text = db or os.environ.get(ENV_VAR) or ""
    if not text:
        return make_url(f"sqlite:///{default_path()}")
    if "://" not in text:  # a plain file path means SQLite
        return make_url(f"sqlite:///{Path(text).expanduser().resolve()}")
    try:
        return make_url(text)
    except ArgumentError as err:
        raise RecordUnavailable(f"{text!r} is not a database URL ({err})") from None


def describe(url: URL) -> str:
    """How a message names the record: the file for SQLite, the URL without password else."""
    if url.get_backend_name() == "sqlite":
        return str(url.database or ":memory:")
    return url.render_as_string(hide_password=True)


def _sqlite_engine(url: URL, timeout_s: float) -> Engine:
    path = url.database or ""
    if path and path != ":memory:" and not url.query.get("mode"):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise RecordUnavailable(
                f"cannot create the folder of the patient record {path}: {err.strerror}"
            ) from None
    engine = create_engine(url, connect_args={"timeout": timeout_s})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def make_engine(url: URL, timeout_s: float = 5.0) -> Engine:
    """An engine for ``url``; SQLite waits up to ``timeout_s`` for a lock and enforces
    foreign keys; other servers get a connect timeout of ``timeout_s``."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeout_s)
    try:
        if url.get_backend_name() == "postgresql":
            return create_engine(url, pool_pre_ping=True,
                                 connect_args={"connect_timeout": max(1, int(timeout_s))})
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ModuleNotFoundError) as err:
        raise RecordUnavailable(f"cannot use the database {describe(url)}: {err}") from None


def translate(err: SQLAlchemyError, url: URL) -> RecordUnavailable:
    """One line for a database failure: locked, read-only, damaged, unreachable, other."""
    where = describe(url)
    text = str(getattr(err, "orig", None) or err).strip().splitlines()[0] if str(err) else ""
    low = text.lower()
    if "locked" in low or "could not obtain lock" in low:
        return RecordUnavailable(
            f"the patient record {where} is locked by another program; nothing was saved, "
            "try again in a moment")
    if "readonly" in low or "read-only" in low or "read only" in low:
        return RecordUnavailable(
            f"the patient record {where} is read-only; nothing was saved")
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return RecordUnavailable(
            f"the patient record {where} is damaged or not a formcheck database ({text})")
    if "unable to open" in low:
        return RecordUnavailable(f"cannot open the patient record {where} ({text})")
    if isinstance(err, OperationalError) and url.get_backend_name() != "sqlite":
        return RecordUnavailable(f"cannot reach the patient record at {where} ({text})")
    kind = "database error" if isinstance(err, DatabaseError | DBAPIError) else "error"
    return RecordUnavailable(f"patient record {where}: {kind}: {text}")


@contextmanager
def guard(url: URL) -> Iterator[None]:
    """Turn any SQLAlchemy failure inside the block into :class:`RecordUnavailable`."""
    try:
        yield
    except SQLAlchemyError as err:
        raise translate(err, url) from None


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The latest schema revision this formcheck knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:
        raise RuntimeError("formcheck's record migrations have no head revision")
    return head


def schema_revision(engine: Engine) -> str | None:
    """The database's current Alembic revision (None: an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction (tests use older revisions)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def connect(db: str | URL | None = None, *, timeout_s: float = 5.0) -> tuple[Engine, URL]:
    """Open the record at ``db`` (see :func:`resolve_url`) at the latest schema revision."""
    from alembic.script import ScriptDirectory

    url = db if isinstance(db, URL) else resolve_url(db)
    engine = make_engine(url, timeout_s)
    with guard(url):
        current = schema_revision(engine)
        head = head_revision()
        if current != head:
            known = {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
            if current is not None and current not in known:
                raise RecordUnavailable(
                    f"the patient record {describe(url)} was made by a newer formcheck "
                    f"(schema {current}); upgrade formcheck to open it")
            upgrade(engine)
    return engine, url
