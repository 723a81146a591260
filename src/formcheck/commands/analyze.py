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
from formcheck.exercise.clinical_tests import TESTS, get_test
from formcheck.exercise.definitions import EXERCISES

__all__ = ["register", "run"]

_EXERCISES = (*EXERCISES, "auto")  # every definition, not a copy of their names


def register(subparsers: Any) -> None:
    """Add the ``analyze`` subcommand."""
    p = subparsers.add_parser("analyze", help="analyse an exercise clip (video or .npz pose file)")
    p.add_argument("clip", type=Path, help="video file, or .npz pose sequence")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--exercise", choices=_EXERCISES,
                       help="required unless --exercise-file or --programme gives it")
    which.add_argument("--exercise-file", type=Path, metavar="FILE.toml",
                       help="an exercise definition file (formcheck exercise learn)")
    p.add_argument("--programme", type=Path, metavar="FILE.toml",
                   help="analyse the clip as a step of this home programme (see --step)")
    p.add_argument("--step", type=int, metavar="N",
                   help="with --programme: the step (from 1) whose exercise, target and hold apply;"
                   " the report gets its adherence")  # fmt: skip
    p.add_argument("--test", choices=TESTS, help="clinical test (on the exercise that runs it)")
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
    args.programme_step = None
    if args.programme is not None or args.step is not None:
        config = _programme_step(args, config)
    elif args.exercise is None and args.exercise_file is None:
        raise ValueError("give --exercise NAME, --exercise-file FILE.toml, or --programme "
                         "FILE.toml --step N")  # fmt: skip
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


def _programme_step(args: argparse.Namespace, config: Any) -> Any:
    """``--programme FILE --step N``: the step's exercise into ``args.exercise``, the step
    into ``args.programme_step``; the config with its target (``--set`` still wins)."""
    from formcheck.programme import load_programme, step_config

    if args.programme is None or args.step is None:
        raise ValueError("--programme and --step go together: --programme FILE.toml --step N")
    programme = load_programme(args.programme)
    step = programme.step(args.step)
    if args.exercise_file is not None:
        raise ValueError("--programme gives the exercise: not with --exercise-file")
    if args.exercise not in (None, step.exercise):
        raise ValueError(f"--exercise {args.exercise} differs from step {args.step}'s exercise "
                         f"{step.exercise}; leave --exercise out")  # fmt: skip
    args.exercise, args.programme_step = step.exercise, (programme, step)
    return step_config(config, step, args.set)


def _adherence(args: argparse.Namespace, report: Any) -> Any:
    """The step's adherence for ``report`` (None without ``--programme``)."""
    if args.programme_step is None:
        return None
    from formcheck.programme import step_adherence

    return step_adherence(args.programme_step[1], [report], args.step)


def _analyse(args: argparse.Namespace, config: Any) -> Any:
    """Load (extract) and analyse the clip: the :class:`~formcheck.exercise.report.Report`."""
    from formcheck.exercise.analysis import analyze, detect_exercise

    exercise: Any = args.exercise
    if args.exercise_file is not None:  # read before the (slow) extraction: a bad file fails now
        from formcheck.exercise.definition_file import read

        exercise = read(args.exercise_file)
    seq = _load(args.clip, Progress(sys.stderr, "pose"))
    if exercise == "auto":  # a test is run as its own exercise (ClinicalTest.exercise)
        exercise = get_test(args.test).exercise if args.test else detect_exercise(seq, config)
    return analyze(seq, exercise, test=args.test, config=config, age=args.age, sex=args.sex)


def _write(args: argparse.Namespace, report: Any) -> int:
    """The angle CSV, then JSON or text on stdout (warnings went to stderr), then the save
    (``--save``) after the analysis is out; the exit code."""
    from formcheck.exercise.report import format_text

    if args.angles_csv is not None:
        if report.angle_curves is None:
            raise ValueError("no angles to write: no person found")
        report.angle_curves.write_csv(args.angles_csv)
    adherence = _adherence(args, report)
    if args.json:
        out = report.to_dict()
        if args.exercise == "auto":
            out["exercise_detected"] = True
        if adherence is not None:
            programme, step = args.programme_step
            out["programme"] = {"title": programme.title, "step": args.step,
                                "prescription": step.describe()}  # fmt: skip
            out["adherence"] = adherence.to_dict()
        saved, failure = record.save_if_asked(args, report)
        if args.save:
            out["saved_session"] = saved
        json.dump(out, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(format_text(dataclasses.replace(report, warnings=[])))
        if adherence is not None:
            from formcheck.programme import format_adherence

            print(f"programme: {args.programme_step[0].title}, step {args.step}: "
                  f"{args.programme_step[1].describe()}")  # fmt: skip
            print(format_adherence(adherence))
        saved, failure = record.save_if_asked(args, report)
        if saved is not None:
            print(saved)  # the last line: the saved session's ID, for scripts
    if failure is not None:
        print(f"formcheck: {failure}", file=sys.stderr)
        return 2
    return 0
