"""``formcheck batch INPUT -o OUTDIR``: many clips at once, on every core or on a Dask cluster.

INPUT is a folder (searched recursively), a glob, or a CSV manifest
(:mod:`formcheck.batch.inputs`). The options of ``analyze`` apply to every
clip that has no value of its own in the manifest. Writes one JSON report per
clip, ``results.csv`` and ``results.parquet`` (one row per clip), per-frame
angles with ``--angles``, and prints a one-line summary. A clip that fails is
a row with status ``failed`` and its reason; the batch goes on. Run the same
command again to resume: finished clips are skipped (same content, same
settings). With ``--save`` the analysed clips go into their patients' record
(:mod:`formcheck.batch.saving`). Exit code 0 when the batch ran to its end, whatever its
clips did.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from formcheck.exercise.clinical_tests import TESTS
from formcheck.exercise.definitions import EXERCISES, ExerciseSpec

__all__ = ["register", "run"]

_EXERCISES = (*EXERCISES, "auto")  # every definition, not a copy of their names


def register(subparsers: Any) -> None:
    """Add the ``batch`` subcommand."""
    p = subparsers.add_parser(
        "batch", help="analyse many clips (folder, glob or CSV manifest) on all cores or Dask"
    )
    p.add_argument("input", help="folder (recursive), glob pattern, or .csv manifest")
    p.add_argument("-o", "--outdir", type=Path, required=True, help="output folder")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--exercise",
        default="auto",
        choices=_EXERCISES,
        help="exercise of clips the manifest does not name (default: auto)",
    )
    which.add_argument("--exercise-file", type=Path, metavar="FILE.toml",
                       help="an exercise definition file (formcheck exercise learn) for the"
                            " clips the manifest does not name")
    p.add_argument("--test", choices=TESTS, help="clinical test (on the exercise that runs it)")
    p.add_argument("--age", type=int, help="age in years, for the test norms")
    p.add_argument("--sex", choices=("f", "m"), help="sex, for the test norms")
    p.add_argument("--angles", action="store_true", help="write per-frame angles per clip")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. sit_to_stand.counter.enter=40 (repeatable)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster (e.g. tcp://10.0.0.5:8786)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"workers of the embedded cluster (default: cores, {os.cpu_count()})",
    )
    p.add_argument("--save", action="store_true",
                   help="save each analysed clip into its patient's record (manifest column "
                   "patient_id; the patient must exist)")  # fmt: skip
    p.add_argument("--db", metavar="URL",
                   help="with --save: database URL or SQLite file (default: $FORMCHECK_DB, "
                   "else the user's data folder)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Handler: collect the clips, run the batch, print the summary."""
    from formcheck.batch import Defaults, Settings, collect, run_batch
    from formcheck.config import load_config

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.workers is not None and args.scheduler is not None:
        raise ValueError("--workers sizes the embedded cluster: not with --scheduler")
    if args.db is not None and not args.save:
        raise ValueError("--db names the record for --save: add --save")
    config = load_config(args.config, args.set)
    definitions: tuple[ExerciseSpec, ...] = ()
    exercise = args.exercise
    if args.exercise_file is not None:  # read first: a bad file fails before any work
        from formcheck.exercise.definition_file import read

        definitions = (read(args.exercise_file),)
        exercise = definitions[0].name
    jobs = collect(args.input, Defaults(exercise, args.test, args.age, args.sex))
    _check_outdir(args.outdir)
    model = os.environ.get("FORMCHECK_MODEL") or None
    settings = Settings(config=config, model_path=model, angles=args.angles,
                        definitions=definitions)  # fmt: skip
    summary = run_batch(jobs, args.outdir, settings, scheduler=args.scheduler,
                        workers=args.workers, stream=sys.stderr,
                        progress=not args.quiet)  # fmt: skip
    for row in summary.rows:
        if row["status"] == "failed":
            reason = str(row["reason"])
            named = Path(str(row["clip"])).name in reason  # formcheck's messages name the file
            text = reason if named else f"{row['clip']}: {reason}"
            print(f"formcheck: failed: {text}", file=sys.stderr)
    print(f"formcheck: batch: {summary.line()}", file=sys.stderr)
    if args.save:
        _save(summary.rows, args.outdir, args.db)
    print(f"formcheck: results: {args.outdir / 'results.csv'}", file=sys.stderr)
    return 0


def _save(rows: list[dict[str, Any]], outdir: Path, db: str | None) -> None:
    """--save: the analysed rows into the record, each row not saved said with its reason."""
    from formcheck.batch.saving import save_rows

    saved = save_rows(rows, outdir, db)
    for clip, reason in saved.not_saved.items():
        if not reason.startswith("not analysed"):  # failures were said above
            print(f"formcheck: not saved: {clip}: {reason}", file=sys.stderr)
    print(f"formcheck: record: {saved.line()}", file=sys.stderr)


def _check_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise ValueError(f"-o {outdir}: this is a file, not a folder")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"-o {outdir}: cannot create it ({err.strerror})") from None
    if not os.access(outdir, os.W_OK):
        raise ValueError(f"-o {outdir}: cannot write there")
