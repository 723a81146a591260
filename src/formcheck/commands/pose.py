"""``formcheck pose CLIP -o out.npz``: extract pose landmarks from a clip and save them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from formcheck.commands._shared import (
    Caught,
    Progress,
    check_writable,
    collect_warnings,
    print_warnings,
)

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
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress")
    parser.set_defaults(handler=_pose)


def _pose(args: argparse.Namespace) -> int:
    from formcheck.pose.extract import extract_pose

    if args.max_side is not None and args.max_side < 16:
        raise ValueError(f"--max-side must be at least 16 pixels, got {args.max_side}")
    check_writable(_npz(args.output), "-o")
    # a bar on a terminal; piped, a line every 20 % (a log shows the run is alive)
    meter = None if args.quiet else Progress(sys.stderr, "pose", piped_every=20)
    caught: Caught | None = None
    try:
        with collect_warnings() as caught:
            seq = extract_pose(
                args.clip,
                model_path=args.model,
                progress=meter,
                max_side=args.max_side,
                workers=args.workers,
            )
    finally:
        if meter is not None:
            meter.done()
        if caught is not None:  # also when the extraction failed
            print_warnings([*caught.formcheck, *caught.other], sys.stderr)
    written = seq.save(args.output)
    duration = float(seq.t[-1] - seq.t[0]) if len(seq) else 0.0
    crowded = float((seq.people >= 2).mean()) if len(seq) else 0.0
    people = f", 2+ people in {crowded:.0%} of frames" if crowded > 0 else ""
    truncated = ", TRUNCATED file" if seq.meta.truncated else ""
    print(
        f"{args.clip.name}: {len(seq)} frames, {duration:.1f} s, "
        f"person in {seq.detection_rate:.0%} of frames{people}{truncated} -> {written}"
    )
    return 0


def _npz(path: Path) -> Path:
    """The file ``PoseSequence.save`` writes for ``path`` (``.npz`` appended if missing)."""
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
