"""``formcheck programme check FILE.toml``: is a home programme file usable?

A good file: a short summary (title, then one line per step), exit 0. A bad file:
one line per problem on stderr (``FILE: step 2: sets must be ...``), exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "run_check"]


def register(subparsers: Any) -> None:
    """Add ``programme`` with its ``check`` subcommand."""
    p = subparsers.add_parser("programme", help="home programmes: check a programme file")
    sub = p.add_subparsers(dest="programme_command", required=True, metavar="ACTION")
    check = sub.add_parser("check", help="check a programme file: one line per problem")
    check.add_argument("file", type=Path, metavar="FILE.toml")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Handler: the summary (exit 0) or every problem, one per line (exit 2)."""
    from formcheck.programme import ProgrammeFileError, load_programme

    try:
        programme = load_programme(args.file)
    except ProgrammeFileError as err:
        for problem in err.problems:
            print(f"{err.source}: {problem}", file=sys.stderr)
        return 2
    steps = programme.steps
    print(f"{args.file}: OK: {programme.title!r}, {len(steps)} step(s)")
    for number, step in enumerate(steps, start=1):
        print(f"  {number}. {step.describe()}")
    return 0
