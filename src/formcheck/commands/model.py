"""``formcheck model fetch``: provision the pose model and say how."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]

_HOW = {
    "override": "using FORMCHECK_MODEL",
    "existing": "already present and verified",
    "download": "downloaded the official release and verified it",
    "built": "built offline from the mediapipe 0.10.21 wheel",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``model`` (with its ``fetch`` action) to the CLI."""
    parser = subparsers.add_parser("model", help="provision the MediaPipe pose model")
    actions = parser.add_subparsers(dest="model_action", required=True, metavar="ACTION")
    fetch = actions.add_parser(
        "fetch",
        help="make sure models/pose_landmarker_<variant>.task exists and is verified",
    )
    fetch.add_argument("--variant", choices=("lite", "full", "heavy"), default="full")
    fetch.add_argument("--force", action="store_true", help="ignore an existing file")
    fetch.set_defaults(handler=_fetch)


def _fetch(args: argparse.Namespace) -> int:
    from formcheck.pose.model_file import provision

    result = provision(args.variant, force=args.force, log=_say)
    print(f"{result.path}: {_HOW[result.source]} (sha256 {result.sha256})")
    return 0


def _say(message: str) -> None:
    print(f"formcheck: {message}", file=sys.stderr, flush=True)
