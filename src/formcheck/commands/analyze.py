"""``formcheck analyze CLIP``: reps, measurements, cues, scores and clinical tests of a clip.

CLIP is a video (pose extracted with ``formcheck.pose.extract.extract_pose``) or a
``.npz`` PoseSequence saved by ``formcheck pose``.

For scripts: the output paths are checked before any work (a missing folder or
an unwritable path: one line, exit 2); every warning, the extraction's
(truncated file, several people, damaged packets) as well as the analysis',
goes into the report (``--json``: ``"warnings": [...]``) and to stderr as one
``formcheck: warning: ...`` line; a progress bar is drawn only when stderr is a
terminal.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from formcheck.commands import record
from formcheck.commands._shared import Progress, check_writable, collect_warnings, print_warnings
from formcheck.exercise.definitions import EXERCISES

__all__ = ["register", "run"]

_EXERCISES = (*EXERCISES, "auto")  # every definition, not a copy of their names


def register(subparsers: Any) -> None:
    """Add the ``analyze`` subcommand."""
    p = subparsers.add_parser("analyze", help="analyse an exercise clip (video or .npz pose file)")
    p.add_argument("clip", type=Path, help="video file, or .npz pose sequence")
    p.add_argument("--exercise", required=True, choices=_EXERCISES)
    p.add_argument("--test", choices=("5xsts", "30s_cst"), help="clinical test (sit_to_stand)")
    p.add_argument("--age", type=int, help="age in years, for the test norms")
    p.add_argument("--sex", choices=("f", "m"), help="sex, for the test norms")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--angles-csv", type=Path, metavar="PATH", help="write per-frame angles")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override one setting, e.g. sit_to_stand.counter.enter=40 (repeatable)",
    )  # fmt: skip
    record.add_save_arguments(p)  # --save --patient ID [--db URL]: the patient record
    p.set_defaults(handler=run)


def _load(clip: Path, progress: Progress | None = None) -> Any:
    from formcheck.errors import VideoUnreadable
    from formcheck.pose.sequence import PoseSequence

    if not clip.exists():
        raise VideoUnreadable(f"{clip}: no such file")
    if clip.suffix.lower() == ".npz":
        return PoseSequence.load(clip)
    try:
        from formcheck.pose.extract import extract_pose
    except ImportError as err:
        raise VideoUnreadable(f"{clip}: video input needs formcheck.pose.extract ({err})") from err
    meter = progress if progress is not None and progress.active else None
    try:
        return extract_pose(clip, progress=meter)
    finally:
        if meter is not None:
            meter.done()


def run(args: argparse.Namespace) -> int:
    """Handler: analyse, print text or JSON, optionally write the angle CSV."""
    from formcheck.config import load_config

    if args.angles_csv is not None:
        check_writable(args.angles_csv, "--angles-csv")
    record.check_save_arguments(args)
    config = load_config(args.config, args.set)
    try:
        with collect_warnings() as caught:
            report = _analyse(args, config)
    except BaseException:  # what was said before the failure still matters
        print_warnings([*caught.formcheck, *caught.other], sys.stderr)
        raise
    warnings = [*caught.formcheck, *(w for w in report.warnings if w not in caught.formcheck)]
    report = dataclasses.replace(report, warnings=warnings)
    print_warnings([*warnings, *caught.other], sys.stderr)
    return _write(args, report)


def _analyse(args: argparse.Namespace, config: Any) -> Any:
    """Load (extract) and analyse the clip: the :class:`~formcheck.exercise.report.Report`."""
    from formcheck.exercise.analysis import analyze, detect_exercise

    seq = _load(args.clip, Progress(sys.stderr, "pose"))
    exercise = args.exercise
    if exercise == "auto":
        exercise = detect_exercise(seq, config)
    return analyze(seq, exercise, test=args.test, config=config, age=args.age, sex=args.sex)


def _write(args: argparse.Namespace, report: Any) -> int:
    """The angle CSV, then JSON or text on stdout (warnings went to stderr), then the save
    (``--save``) after the analysis is out; the exit code."""
    from formcheck.exercise.report import format_text

    if args.angles_csv is not None:
        if report.angle_curves is None:
            raise ValueError("no angles to write: no person found")
        report.angle_curves.write_csv(args.angles_csv)
    if args.json:
        out = report.to_dict()
        if args.exercise == "auto":
            out["exercise_detected"] = True
        saved, failure = record.save_if_asked(args, report)
        if args.save:
            out["saved_session"] = saved
        json.dump(out, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(format_text(dataclasses.replace(report, warnings=[])))
        saved, failure = record.save_if_asked(args, report)
        if saved is not None:
            print(saved)  # the last line: the saved session's ID, for scripts
    if failure is not None:
        print(f"formcheck: {failure}", file=sys.stderr)
        return 2
    return 0
