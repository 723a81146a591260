"""Fixtures of the patient-record tests: real databases and real analyses to save.

- ``db_url`` runs a test against a real SQLite file and, where one can be
  started, a real PostgreSQL server: a throwaway cluster made with Debian's
  ``initdb``/``pg_ctl`` (``/usr/lib/postgresql/*/bin``) in a temporary folder,
  listening on a free loopback port (as the ``postgres`` user when run as
  root, since PostgreSQL refuses to run as root), one fresh database per
  test. Where that cannot be done, the PostgreSQL case skips with the reason.
- ``flexion_report``, ``five_sts_report``, ``cst_report``: reports made by the
  real analysis (``formcheck.exercise.analysis.analyze``) of synthetic pose sequences
  with known angles (``builders``), so the saved numbers are real outputs.

Import the fixtures a test module uses: ``from record_support import db_url``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from formcheck.exercise.analysis import analyze
from formcheck.exercise.report import Report
from support.builders import build_sequence, flexion_curves, sit_to_stand_curves, uniform_times

__all__ = ["cst_report", "db_url", "five_sts_report", "flexion_report", "postgres_server"]

_COUNTER = itertools.count()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class _Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1:``port`` (trust auth, user postgres)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="formcheck-pg-"))
        self.data, self.port = self.dir / "data", _free_port()
        self.runas: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user") from None
            self.runas = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.runas, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout)[-400:]
            raise RuntimeError(f"{Path(args[0]).name} failed: {tail}")

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust",
                  "-U", "postgres", "--no-sync", "-E", "UTF8")  # fmt: skip
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"formcheck_test_{os.getpid()}_{next(_COUNTER)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[_Cluster]:
    """One throwaway PostgreSQL cluster for the session; skips with the reason if impossible."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL tests need Debian's postgresql (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg (pip install 'psycopg[binary]')")
    try:
        cluster = _Cluster(bindir)
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        pytest.skip(f"cannot start a throwaway PostgreSQL cluster: {err}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty record: a real SQLite file, or a new database on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'record.sqlite3'}"
    cluster = request.getfixturevalue("postgres_server")
    return cluster.create_database()


def flexion_report(peak: float = 60.0, exercise: str = "trunk_flexion") -> Report:
    """Three trunk-flexion reps to ``peak`` deg, analysed for real."""
    t = uniform_times(16.0, 30.0)
    reps = [(1.5, 3.0, 4.0, 5.5), (7.0, 8.0, 9.0, 10.5), (11.5, 12.5, 13.9, 15.0)]
    return analyze(build_sequence(t, *flexion_curves(t, reps, peak=peak)), exercise)


def five_sts_report(period_s: float = 3.2, age: int | None = 72, sex: str | None = "f") -> Report:
    """A five-times sit-to-stand, one stand every ``period_s`` s, analysed for real."""
    t = uniform_times(5 * period_s + 4.0, 30.0)
    reps = [(1.0 + period_s * i, 2.0 + period_s * i, 2.6 + period_s * i, 3.9 + period_s * i)
            for i in range(5)]  # fmt: skip
    seq = build_sequence(t, *sit_to_stand_curves(t, reps))
    return analyze(seq, "sit_to_stand", test="5xsts", age=age, sex=sex)


def cst_report(arms: bool = False, age: int = 67, sex: str = "m") -> Report:
    """A 30-second chair stand of 10 stands (with the arms on the thighs if ``arms``)."""
    t = uniform_times(33.0, 30.0)
    reps = [(1.0 + 3.0 * i, 2.0 + 3.0 * i, 2.5 + 3.0 * i, 3.8 + 3.0 * i) for i in range(10)]
    extra: dict[str, Any] = {"arms": "thighs"} if arms else {}
    seq = build_sequence(t, *sit_to_stand_curves(t, reps), **extra)
    return analyze(seq, "sit_to_stand", test="30s_cst", age=age, sex=sex)
