"""``formcheck-synth``: render synthetic clips with ground truth (a contributor's tool).

- ``formcheck-synth samples --out sample_videos``: the committed sample set;
  ``--set robustness`` the robustness set (``sample_videos/robustness/``);
- ``formcheck-synth clip NAME --exercise E --seed N [...]``: one clip;
- ``formcheck-synth calibrate --out DIR``: fit the joint-centre estimate
  (``formcheck.kinematics.joint_centres``) on bodies the samples do not use.

The accuracy gate is a test (``tests/gate/``; re-record with ``python -m tests.gate record``).
Rendering needs this tool's ``render`` extra (torch, anny, pyrender) and OSMesa
(``apt-get install libosmesa6``): ``./dev synth ...`` sets both up (see ``tools/synth/README.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``formcheck-synth ACTION ...``; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ValueError as err:
        print(f"formcheck-synth: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck-synth", description="render synthetic exercise clips with ground truth"
    )
    sub = parser.add_subparsers(dest="synth_command", required=True, metavar="ACTION")
    samples = sub.add_parser("samples", help="render a sample set (sample_videos/)")
    samples.add_argument("--set", choices=("samples", "robustness"), default="samples",
                         help="samples: sample_videos/; robustness: recordings as people make "
                         "them, sample_videos/robustness/")  # fmt: skip
    samples.add_argument("--out", type=Path, default=None,
                         help="default: sample_videos, or sample_videos/robustness")  # fmt: skip
    samples.add_argument("--only", nargs="*", default=None, help="render only these clip names")
    samples.set_defaults(handler=_samples)
    clip = sub.add_parser("clip", help="render one random clip")
    from formcheck_synth.script import BODIES, CALIBRATION_BODIES, SCRIPTED, VIEWS

    clip.add_argument("name", help="file stem: writes NAME.mp4 and NAME.json")
    clip.add_argument("--exercise", required=True, choices=SCRIPTED)
    clip.add_argument("--seed", type=int, default=0, help="every free choice comes from it")
    clip.add_argument("--reps", type=int, default=3)
    clip.add_argument("--fault", action="append", default=[], metavar="REP:KIND",
                      help="label rep REP (0-based) with fault KIND; repeatable")  # fmt: skip
    clip.add_argument("--view", choices=VIEWS, default="side")
    clip.add_argument("--portrait", action="store_true", help="360x640 instead of 640x480")
    clip.add_argument("--body", default=None, choices=BODIES + CALIBRATION_BODIES,
                      help="default: drawn from the seed (from the sample bodies)")
    clip.add_argument("--fps", type=float, default=25.0)
    clip.add_argument("--out", type=Path, default=Path("."), help="output folder")
    clip.set_defaults(handler=_clip)
    cal = sub.add_parser(
        "calibrate", help="fit the joint-centre estimate on rendered calibration bodies"
    )
    cal.add_argument(
        "--out", type=Path, default=Path("calibration"), help="clips and poses go here"
    )
    cal.add_argument("--no-render", action="store_true", help="use the clips already in --out")
    cal.set_defaults(handler=_calibrate)
    return parser


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _samples(args: argparse.Namespace) -> int:
    from formcheck_synth.generate import render_clip, squash_clip
    from formcheck_synth.sample_sets import robustness_specs, sample_specs
    from formcheck_synth.script import SquashSpec

    robust = args.set == "robustness"
    specs = robustness_specs() if robust else sample_specs()
    out = args.out or Path("sample_videos/robustness" if robust else "sample_videos")
    by_name = {s.name: s for s in specs}
    if args.only:
        unknown = set(args.only) - set(by_name)
        if unknown:
            raise ValueError(f"unknown sample(s) {sorted(unknown)}; known: {list(by_name)}")
        specs = [s for s in specs if s.name in args.only]
    for spec in specs:
        if isinstance(spec, SquashSpec):
            source = by_name[spec.source]
            if not (out / f"{source.name}.mp4").is_file():
                raise ValueError(f"{spec.name} re-encodes {out / source.name}.mp4: render it first")
            squash_clip(spec, source, out, log=_log)  # type: ignore[arg-type]
        else:
            render_clip(spec, out, log=_log)
    return 0


def _parse_faults(items: list[str]) -> dict[int, str]:
    faults = {}
    for item in items:
        rep, sep, kind = item.partition(":")
        if not sep or not rep.isdigit():
            raise ValueError(f"--fault needs REP:KIND (e.g. 1:too_fast), got {item!r}")
        faults[int(rep)] = kind
    return faults


def _clip(args: argparse.Namespace) -> int:
    from formcheck_synth.generate import render_clip
    from formcheck_synth.script import random_clip

    spec = random_clip(args.name, args.exercise, args.seed, n_reps=args.reps,
                       faults=_parse_faults(args.fault), view=args.view,
                       portrait=args.portrait, body=args.body, fps=args.fps)  # fmt: skip
    video, truth = render_clip(spec, args.out, log=_log)
    print(video)
    print(truth)
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from formcheck_synth.calibrate import run_calibration

    model = run_calibration(args.out, render=not args.no_render, log=_log)
    print("[angles]                      # fitted by formcheck-synth calibrate")
    print('joint_centres = "estimated"')
    for key in ("along_standing", "along_seated", "anterior_standing", "anterior_seated"):
        print(f"hip_{key} = {getattr(model, key)}")
    print(f"knee_anterior = {model.knee_anterior}")
    return 0
