"""What a batch is made of: :class:`ClipJob` rows from a folder, a glob or a CSV manifest.

- A folder is searched recursively for files with a video suffix (``VIDEO_SUFFIXES``);
  other files (reports, notes, truth ``.json``) are left alone.
- A glob (``clips/**/*.mp4``) takes every file it matches, whatever its suffix, so a
  file the user named explicitly is never ignored: a bad one is reported as failed.
- A CSV manifest (``.csv``) has a header with at least ``path``, and optionally
  ``exercise``, ``test``, ``age``, ``sex`` and ``patient_id``. Relative paths are
  relative to the manifest's folder; an empty cell takes the command's default.

Bad manifest cells (an unknown exercise, an age that is not a whole number) raise
``ValueError`` naming the manifest, its line and the column, before any work.
"""

from __future__ import annotations

import csv
import glob
import os
from dataclasses import dataclass, replace
from pathlib import Path

from formcheck.exercise.clinical_tests import TESTS
from formcheck.exercise.definitions import EXERCISES

__all__ = ["ClipJob", "Defaults", "VIDEO_SUFFIXES", "collect", "report_name"]

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".gif", ".mpg", ".mpeg", ".wmv", ".3gp"}
)
EXERCISE_CHOICES = (*EXERCISES, "auto")

SEXES = ("f", "m")
_COLUMNS = ("path", "exercise", "test", "age", "sex", "patient_id")


@dataclass(frozen=True)
class Defaults:
    """The command's options, used for every clip that has no value of its own."""

    exercise: str = "auto"
    test: str | None = None
    age: int | None = None
    sex: str | None = None


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse: its path and the settings that apply to it alone.

    ``name`` is the clip's path relative to the batch's root (posix separators):
    its row in the table and the name of its report.
    """

    path: Path
    name: str
    exercise: str = "auto"
    test: str | None = None
    age: int | None = None
    sex: str | None = None
    patient_id: str | None = None


def collect(source: str | Path, defaults: Defaults) -> list[ClipJob]:
    """The batch's clips, in a stable order (sorted by path for folders and globs).

    ``source`` is a folder, a ``.csv`` manifest, or a glob pattern. Raises
    ``ValueError`` (one line naming ``source``) when it gives no clip at all.
    """
    text = str(source)
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
        files = [p for p in files if p.is_file()]
        jobs = _plain(files, defaults)
    elif path.suffix.lower() == ".csv" and path.is_file():
        jobs = _manifest(path, defaults)
    elif glob.has_magic(text):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        jobs = _plain(files, defaults)
    elif path.exists():
        raise ValueError(f"{source}: not a folder, a .csv manifest or a glob pattern")
    else:
        raise ValueError(f"{source}: no such folder or file")
    if not jobs:
        raise ValueError(f"{source}: no clips found (video suffixes: {_suffix_list()})")
    return jobs


def _suffix_list() -> str:
    return ", ".join(sorted(VIDEO_SUFFIXES))


def _plain(files: list[Path], defaults: Defaults) -> list[ClipJob]:
    root = _root(files)
    return [
        ClipJob(p, report_name(p, root), defaults.exercise, defaults.test, defaults.age,
                defaults.sex)
        for p in files
    ]  # fmt: skip


def _root(files: list[Path]) -> Path:
    """The deepest folder holding every file (names in the table are relative to it)."""
    if not files:
        return Path(".")
    parents = [str(p.absolute().parent) for p in files]
    return Path(os.path.commonpath(parents))


def report_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (posix), or its absolute path when outside it.

    Symbolic links are not followed: the name is the one the user sees.
    """
    resolved = Path(os.path.abspath(path))
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix().lstrip("/")


def _manifest(manifest: Path, defaults: Defaults) -> list[ClipJob]:
    with open(manifest, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "path" not in header:
            raise ValueError(f"{manifest}: a manifest needs a 'path' column (got {header})")
        unknown = [h for h in header if h not in _COLUMNS]
        if unknown:
            raise ValueError(f"{manifest}: unknown column(s) {unknown}; known: {list(_COLUMNS)}")
        rows = []
        for line, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            if not row.get("path"):
                continue  # a blank line
            rows.append((line, row))
    paths = [_resolve(manifest, row["path"]) for _, row in rows]
    root = _root(paths)
    return [
        _job(manifest, line, row, path, root, defaults)
        for (line, row), path in zip(rows, paths, strict=True)
    ]


def _resolve(manifest: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else manifest.parent / path


def _job(
    manifest: Path, line: int, row: dict[str, str], path: Path, root: Path, defaults: Defaults
) -> ClipJob:
    where = f"{manifest}, line {line}"
    job = ClipJob(path, report_name(path, root), defaults.exercise, defaults.test,
                  defaults.age, defaults.sex)  # fmt: skip
    changes: dict[str, object] = {}
    if row.get("exercise"):
        changes["exercise"] = _choice(row["exercise"], EXERCISE_CHOICES, where, "exercise")
    if row.get("test"):
        changes["test"] = _choice(row["test"], TESTS, where, "test")
    if row.get("sex"):
        changes["sex"] = _choice(row["sex"].lower(), SEXES, where, "sex")
    if row.get("age"):
        try:
            changes["age"] = int(row["age"])
        except ValueError:
            raise ValueError(f"{where}: age {row['age']!r} is not a whole number") from None
    if row.get("patient_id"):
        changes["patient_id"] = row["patient_id"]
    return replace(job, **changes)  # type: ignore[arg-type]


def _choice(value: str, allowed: tuple[str, ...], where: str, column: str) -> str:
    if value not in allowed:
        raise ValueError(f"{where}: {column} {value!r} is not one of {', '.join(allowed)}")
    return value
