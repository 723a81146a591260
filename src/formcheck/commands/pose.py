"""``formcheck pose CLIP -o out.npz``: extract pose landmarks from a clip and save them."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import TextIO

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pose`` to the CLI."""
    parser = subparsers.add_parser(
        "pose",
        help="extract pose landmarks from a video clip into a .npz file",
        description="Run MediaPipe pose on every frame of CLIP and save a PoseSequence (.npz).",
    )
    parser.add_argument("clip", type=Path, help="video file (MP4, MOV, MKV, WebM, GIF...)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .npz file")
    parser.add_argument(
        "--max-side",
        type=int,
        default=None,
        metavar="N",
        help="downscale frames so their longer side is at most N pixels before inference",
    )
    parser.add_argument(
        "--workers", type=int, choices=(1, 2), default=2, help="CPU cores to use (default 2)"
    )
    parser.add_argument("--model", type=Path, default=None, help="pose model .task file")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    parser.set_defaults(handler=_pose)


def _pose(args: argparse.Namespace) -> int:
    from formcheck.extract import extract_pose

    if args.max_side is not None and args.max_side < 16:
        raise ValueError(f"--max-side must be at least 16 pixels, got {args.max_side}")
    meter = None if args.quiet else _Progress(sys.stderr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seq = extract_pose(
            args.clip,
            model_path=args.model,
            progress=meter,
            max_side=args.max_side,
            workers=args.workers,
        )
    if meter is not None:
        meter.done()
    written = seq.save(args.output)
    for warning in caught:
        print(f"formcheck: warning: {warning.message}", file=sys.stderr)
    duration = float(seq.t[-1] - seq.t[0]) if len(seq) else 0.0
    crowded = float((seq.people >= 2).mean()) if len(seq) else 0.0
    people = f", 2+ people in {crowded:.0%} of frames" if crowded > 0 else ""
    truncated = ", TRUNCATED file" if seq.meta.truncated else ""
    print(
        f"{args.clip.name}: {len(seq)} frames, {duration:.1f} s, "
        f"person in {seq.detection_rate:.0%} of frames{people}{truncated} -> {written}"
    )
    return 0


class _Progress:
    """A progress line on a terminal (rewritten in place), every 20 % otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, fraction: float) -> None:
        percent = int(fraction * 100)
        step = 1 if self.tty else 20
        if percent // step == self.shown // step:
            return
        self.shown = percent
        end = "\r" if self.tty else "\n"
        print(f"formcheck: pose {percent:3d}%", end=end, file=self.stream, flush=True)

    def done(self) -> None:
        if self.tty:
            print(" " * 24, end="\r", file=self.stream, flush=True)
