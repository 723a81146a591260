"""The patient record's commands: ``patients``, ``history``, ``report``, ``fhir``,
``export``, ``import`` and ``delete-patient``.

Each takes ``--db URL`` (any SQLAlchemy URL, or a file path for SQLite;
default ``$FORMCHECK_DB``, else the SQLite file in the user's data folder).
``formcheck analyze CLIP --save --patient ID`` saves a session.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from formcheck.exercise.definitions import EXERCISES

__all__ = ["register"]

_EXERCISES = tuple(EXERCISES)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL",
                   help="database URL or SQLite file (default: $FORMCHECK_DB, else the "
                        "user's data folder)")  # fmt: skip


def register(subparsers: Any) -> None:
    """Add the record's subcommands."""
    p = subparsers.add_parser("patients", help="list the patients in the record (or add one)")
    _db(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--add", metavar="ID", help="add a patient with this pseudonymous ID")
    p.add_argument("--name", help="with --add: name (optional)")
    p.add_argument("--birth-year", type=int, help="with --add: birth year (for age norms)")
    p.add_argument("--sex", choices=("f", "m"), help="with --add: sex (for the norms)")
    p.set_defaults(handler=run_patients)

    p = subparsers.add_parser("history", help="a patient's saved sessions and progress")
    p.add_argument("patient", metavar="ID")
    p.add_argument("--exercise", choices=_EXERCISES)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _db(p)
    p.set_defaults(handler=run_history)

    p = subparsers.add_parser("report", help="the clinician's PDF: one session or progress")
    p.add_argument("patient", metavar="ID")
    p.add_argument("--session", type=int, metavar="N", help="one saved session (its number)")
    p.add_argument("--from", dest="start", metavar="DATE", help="progress from DATE (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", metavar="DATE", help="progress to DATE (inclusive)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    _db(p)
    p.set_defaults(handler=run_report)

    p = subparsers.add_parser("fhir", help="a patient's record as a FHIR R4 Bundle (JSON)")
    p.add_argument("patient", metavar="ID")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.json")
    _db(p)
    p.set_defaults(handler=run_fhir)

    p = subparsers.add_parser("export", help="one patient's whole record to a file (backup)")
    p.add_argument("patient", metavar="ID")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    _db(p)
    p.set_defaults(handler=run_export)

    p = subparsers.add_parser("import", help="add a patient from a file made by 'export'")
    p.add_argument("file", type=Path, metavar="FILE")
    _db(p)
    p.set_defaults(handler=run_import)

    p = subparsers.add_parser("delete-patient",
                              help="erase a patient: every session and kept clip")
    p.add_argument("patient", metavar="ID")
    p.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    _db(p)
    p.set_defaults(handler=run_delete)

    p = subparsers.add_parser("hash-password",
                              help="hash a sign-in password for the app's network mode")
    p.set_defaults(handler=run_hash_password)


def _open(args: argparse.Namespace) -> Any:
    from formcheck.record.store import Record

    return Record.open(args.db)


def run_patients(args: argparse.Namespace) -> int:
    with _open(args) as record:
        if args.add:
            patient = record.add_patient(args.add, name=args.name, birth_year=args.birth_year,
                                         sex=args.sex)  # fmt: skip
            print(f"added patient {patient.code} to {record.where}", file=sys.stderr)
        patients = record.patients()
        if args.json:
            _json({"db": record.where, "patients": [p.to_dict() for p in patients]})
            return 0
        if not patients:
            print(f"no patients in {record.where}")
        for p in patients:
            about = ", ".join(x for x in (p.name, f"born {p.birth_year}" if p.birth_year else None,
                                          p.sex) if x)  # fmt: skip
            print(f"{p.code}\t{p.sessions} session(s)" + (f"\t{about}" if about else ""))
    return 0


def _json(doc: Any) -> None:
    json.dump(doc, sys.stdout, allow_nan=False, default=str)
    sys.stdout.write("\n")


def run_history(args: argparse.Namespace) -> int:
    from formcheck.record import trends

    with _open(args) as record:
        patient = record.patient(args.patient)
        groups = trends.by_exercise(record.sessions(args.patient, args.exercise))
    doc: dict[str, Any] = {"patient": patient.to_dict(), "exercises": {}}
    for exercise, sessions in groups.items():
        trend = trends.points(sessions, patient)
        changes = [trends.compare(a, b) for a, b in zip(trend, trend[1:], strict=False)]
        doc["exercises"][exercise] = {
            "sessions": [p.to_dict() for p in trend],
            "changes": [{"session": b.session_id, "since_session": a.session_id, "changes": c}
                        for a, b, c in zip(trend, trend[1:], changes, strict=False)],
        }  # fmt: skip
    if args.json:
        _json(doc)
        return 0
    _print_history(patient, groups, doc)
    return 0


def _print_history(patient: Any, groups: dict[str, Any], doc: dict[str, Any]) -> None:
    from formcheck.record import trends

    print(f"patient {patient.code}: {patient.sessions} session(s)")
    for exercise, part in doc["exercises"].items():
        print(f"\n{exercise}:")
        for row in trends.summary_rows(trends.points(groups[exercise], patient)):
            print("  " + "  ".join(f"{k}: {'-' if v is None else v}" for k, v in row.items()))
        for change in part["changes"]:
            print(f"  session {change['session']}: " + "; ".join(change["changes"]))


def _day(text: str | None, end: bool) -> datetime | None:
    if text is None:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"date {text!r}: use YYYY-MM-DD") from None
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) - timedelta(microseconds=1) if end else start


def run_report(args: argparse.Namespace) -> int:
    from formcheck.record import pdf

    if args.session is not None and (args.start or args.end):
        raise ValueError("give --session N, or --from/--to for a progress summary, not both")
    start, end = _day(args.start, False), _day(args.end, True)
    with _open(args) as record:
        patient = record.patient(args.patient)
        if args.session is not None:
            data = pdf.session_pdf(patient, record.session(args.session, args.patient))
        else:
            data = pdf.progress_pdf(patient, record.sessions(args.patient, start=start, end=end),
                                    start, end)  # fmt: skip
    args.output.write_bytes(data)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def run_fhir(args: argparse.Namespace) -> int:
    from formcheck.record import fhir

    with _open(args) as record:
        text = fhir.bundle_json(record.patient(args.patient), record.sessions(args.patient))
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from formcheck.record.transfer import write_export

    with _open(args) as record:
        count = write_export(record, args.patient, args.output)
    print(f"wrote {args.output}: patient {args.patient}, {count} session(s)", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from formcheck.record.transfer import import_file

    with _open(args) as record:
        code, count = import_file(record, args.file)
        print(f"imported patient {code}, {count} session(s) into {record.where}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with _open(args) as record:
        patient = record.patient(args.patient)
        if not args.yes and sys.stdin.isatty():
            answer = input(f"erase patient {patient.code} and {patient.sessions} session(s) "
                           f"from {record.where}? [y/N] ")  # fmt: skip
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing erased")
                return 1
        count = record.delete_patient(args.patient)
        print(f"erased patient {args.patient} and {count} session(s) from {record.where}")
    return 0


def run_hash_password(_args: argparse.Namespace) -> int:
    """Read a password (hidden at a terminal, else one line of stdin); print its hash."""
    import getpass

    from formcheck.record.auth import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ValueError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    print(hash_password(password))
    return 0


# ---------------------------------------------------------------------- analyze --save


def add_save_arguments(p: argparse.ArgumentParser) -> None:
    """``analyze``'s options to save the session to a patient's record."""
    p.add_argument("--save", action="store_true",
                   help="save the session to the patient's record (prints its session ID)")
    p.add_argument("--patient", metavar="ID",
                   help="with --save: the patient's pseudonymous ID (added if new)")
    p.add_argument("--keep-video", action="store_true",
                   help="with --save: keep the clip itself in the record too")
    _db(p)


def check_save_arguments(args: argparse.Namespace) -> None:
    """Before any work: ``--save`` needs ``--patient`` (a valid ID), and the reverse."""
    from formcheck.record.store import check_code

    if args.save and not args.patient:
        raise ValueError("--save needs --patient ID (the patient's pseudonymous ID)")
    if args.patient and not args.save:
        raise ValueError("--patient is for --save: add --save to store the session")
    if args.patient:
        check_code(args.patient)


def save_if_asked(args: argparse.Namespace, report: Any) -> tuple[int | None, str | None]:
    """Save ``report`` of ``args.clip`` for ``args.patient`` when ``--save``:
    (session ID, None), or (None, the one-line failure). A new patient is added with
    ``--sex`` and the birth year from ``--age``."""
    from formcheck.errors import FormcheckError
    from formcheck.record.capture import from_report
    from formcheck.record.store import Record

    if not args.save:
        return None, None
    try:
        with Record.open(args.db) as record:
            if not record.has_patient(args.patient):
                year = datetime.now(UTC).year - args.age if args.age is not None else None
                record.add_patient(args.patient, birth_year=year, sex=args.sex)
                print(f"formcheck: added patient {args.patient} to {record.where}", file=sys.stderr)
            new = from_report(report, test=args.test, clip=args.clip, keep_video=args.keep_video)
            sid = record.save(args.patient, new)
            print(f"formcheck: saved as session {sid} of patient {args.patient} in "
                  f"{record.where}", file=sys.stderr)  # fmt: skip
            return sid, None
    except (FormcheckError, ValueError, OSError) as err:
        return None, f"{err}; the analysis was not saved"
