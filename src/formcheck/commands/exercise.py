"""``formcheck exercise``: exercises defined by demonstration, as definition files.

- ``formcheck exercise learn CLIP --name NAME [--from S --to S] -o FILE.toml``: learn the
  exercise shown in CLIP (a video or a ``.npz`` pose file; one or two good reps, or the
  span ``--from``..``--to`` of a longer clip) and write its definition. With ``--save``
  it also goes into the patient record (``--db``). A demonstration that cannot work is
  refused with the reason (exit 2), and nothing is written.
- ``formcheck exercise check FILE.toml``: read a definition file and say what it defines,
  or list every problem in it.

``formcheck analyze CLIP --exercise-file FILE.toml`` counts and scores with a definition.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from formcheck.commands._shared import Progress, check_writable

__all__ = ["register", "describe_spec"]


def register(subparsers: Any) -> None:
    """Add the ``exercise`` subcommand and its actions."""
    p = subparsers.add_parser("exercise", help="define an exercise by demonstration (a file)")
    sub = p.add_subparsers(dest="exercise_command", required=True, metavar="ACTION")
    learn = sub.add_parser("learn", help="learn an exercise from a clip of one or two good reps")
    learn.add_argument("clip", type=Path, help="video file, or .npz pose sequence")
    learn.add_argument("--name", required=True, help="the exercise's name, e.g. knee_raise")
    learn.add_argument("--title", help="its title on the pages (default: from the name)")
    learn.add_argument("--from", dest="start", type=float, metavar="S",
                       help="the demonstration starts at S seconds (default: the clip's start)")
    learn.add_argument("--to", dest="end", type=float, metavar="S",
                       help="the demonstration ends at S seconds (default: the clip's end)")
    learn.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.toml")
    learn.add_argument("--json", action="store_true", help="print the proposal as JSON")
    learn.add_argument("--save", action="store_true",
                       help="also save the definition in the patient record")
    learn.add_argument("--db", metavar="URL", help="with --save: database URL or SQLite file")
    learn.set_defaults(handler=run_learn)
    check = sub.add_parser("check", help="read a definition file: what it defines, or its problems")
    check.add_argument("file", type=Path, metavar="FILE.toml")
    check.set_defaults(handler=run_check)  # fmt: skip


def describe_spec(spec: Any) -> list[str]:
    """Lines saying what a definition counts and how."""
    lines = [f"{spec.name}: {spec.title}",
             f"  counts {spec.primary} ({spec.unit}), away from the start "
             f"{'increasing' if spec.direction > 0 else 'decreasing'}"]  # fmt: skip
    if spec.settings is not None:
        c = spec.settings.counter
        lines.append(f"  a rep goes {c.enter:g} {spec.unit} from the start posture and comes "
                     f"back within {c.rest:g}")  # fmt: skip
    posture = spec.demonstration.get("start_posture") if spec.demonstration else None
    if posture:
        pose = ", ".join(f"{k} {v:g}" for k, v in posture.items())
        side = spec.side or "camera-facing"
        lines.append(f"  measured on the {side} side; start posture: {pose}")
    if spec.template is not None:
        t = spec.template
        lines.append(f"  each rep compared with the demonstration: {', '.join(t.joints)}"
                     f" (0/100 at {t.tolerance_deg:g} deg mean difference)")  # fmt: skip
    return lines


def _load(clip: Path) -> Any:
    from formcheck.commands.analyze import _load as load_clip

    return load_clip(clip, Progress(sys.stderr, "pose"))


def run_learn(args: argparse.Namespace) -> int:
    """Handler of ``exercise learn``."""
    from formcheck.exercise import definition_file
    from formcheck.exercise.demonstration import learn

    if args.output.suffix.lower() != ".toml":
        raise ValueError(f"-o {args.output}: a definition file ends in .toml")
    check_writable(args.output, "-o")
    seq = _load(args.clip)
    proposal = learn(seq, args.name, title=args.title, start_s=args.start, end_s=args.end,
                     source=args.clip.name)  # fmt: skip
    definition_file.write(proposal.spec, args.output)
    if args.json:
        doc = {"file": str(args.output), "name": proposal.spec.name,
               "primary": proposal.spec.primary, "direction": proposal.spec.direction,
               "reps": [list(r) for r in proposal.reps],
               "movements": [m.__dict__ for m in proposal.movements]}  # fmt: skip
        json.dump(doc, sys.stdout, default=float)
        sys.stdout.write("\n")
    else:
        print("\n".join(describe_spec(proposal.spec)))
        print(f"  learned from {len(proposal.reps)} rep(s); written to {args.output}")
    if args.save:
        from formcheck.record.definitions import save_definition
        from formcheck.record.store import Record

        with Record.open(args.db) as record:
            save_definition(record, proposal.spec)
            print(f"formcheck: saved {proposal.spec.name} in {record.where}", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Handler of ``exercise check``."""
    from formcheck.exercise import definition_file

    spec = definition_file.read(args.file)
    print("\n".join(describe_spec(spec)))
    return 0
