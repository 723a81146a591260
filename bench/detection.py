"""Detection rate on awkward frames (not a test: prints a table).

    PYTHONPATH=src .venv/bin/python bench/detection.py [CLIP ...] [--variants a,b] [--before]
        [--stop-s S] [--work /tmp/formcheck-awkward]

For each clip (default: two rendered samples and two real clips from
``../shared/data``) and each variant of ``tests/support/awkward.py`` (squashed,
anamorphic, boxed, small and off-centre, upside down), the variant is written
to ``--work`` (made once, reused), the pose is extracted with
``formcheck.pose.extract.extract_pose`` and the table gives, per variant:

- ``frames``: frames decoded;
- ``visible``: frames where the person is found in the untouched clip (the
  denominator: a person who walks out of the original is not "visible");
- ``detected %``: share of the visible frames in which the variant finds the
  person;
- ``size``: the frame size the sequence reports (after any aspect correction);
- ``reps``: the analysis' rep count / the truth (rendered samples, with a truth
  JSON beside the clip; real clips: the README's count).

``--before`` runs the extraction with the awkward-frame handling switched off
(``extract_pose(..., awkward=False)``), i.e. the behaviour before it existed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.awkward import VARIANTS, make_variant  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
DEFAULT_CLIPS = [
    REPO / "sample_videos" / "sit_to_stand_portrait.mp4",
    REPO / "sample_videos" / "five_times_sit_to_stand.mp4",
    SHARED / "squat_6reps_front_oblique_720x1280.mov",
    SHARED / "timed_up_and_go_side_1280x720.mp4",
]
REAL_TRUTH = {  # the real clips' counts (../shared/data/README.md; formcheck has no squat)
    "timed_up_and_go_side_1280x720.mp4": ("sit_to_stand", None, 1),
    "sit_to_stand_1rep_side_264x470.gif": ("sit_to_stand", None, 1),
}


def truth_of(clip: Path) -> tuple[str, str | None, int] | None:
    """(exercise, test, reps) for ``clip``, or None when unknown."""
    beside = clip.with_suffix(".json")
    if beside.is_file():
        data = json.loads(beside.read_text())
        return data["exercise"], data.get("test"), len(data["reps"])
    return REAL_TRUTH.get(clip.name)


def extract(path: Path, before: bool):  # -> PoseSequence
    """The clip's PoseSequence; all-NaN rows when nobody is found anywhere."""
    from formcheck.errors import NoPersonFound
    from formcheck.pose.extract import extract_pose
    from formcheck.pose.sequence import PoseSequence
    from formcheck.pose.video import open_video

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return extract_pose(path, awkward=not before)
        except NoPersonFound:
            with open_video(path) as reader:
                t = np.array([t for t, _ in reader.frames(warn=False)])
                size = reader.frame_size
            n = len(t)
            return PoseSequence(t=t, image=np.full((n, 33, 4), np.nan, np.float32),
                                world=np.full((n, 33, 3), np.nan, np.float32),
                                width=size[0], height=size[1])


def rep_count(seq, truth: tuple[str, str | None, int] | None) -> str:
    from formcheck.errors import NoPersonFound
    from formcheck.exercise.analysis import analyze

    if truth is None:
        return "-"
    exercise, test, reps = truth
    try:
        counted = analyze(seq, exercise, test=test).rep_count
    except NoPersonFound:
        counted = 0
    return f"{counted}/{reps}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--before", action="store_true", help="awkward-frame handling off")
    parser.add_argument("--stop-s", type=float, default=float("inf"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/formcheck-awkward"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    clips = [c for c in (args.clips or DEFAULT_CLIPS) if c.is_file()]
    names = args.variants.split(",")
    if "original" not in names:
        names.insert(0, "original")
    print(f"# {'before' if args.before else 'after'}: awkward-frame handling "
          f"{'off' if args.before else 'on'}")
    print(f"{'clip':40s} {'variant':14s} {'frames':>6s} {'visible':>7s} {'detected %':>10s} "
          f"{'size':>10s} {'reps':>5s} {'s':>5s}")
    for clip in clips:
        truth = truth_of(clip)
        visible = None
        for name in names:
            dest = args.work / f"{clip.stem}.{name}.mp4"
            if not dest.is_file():
                make_variant(clip, name, dest, stop_s=args.stop_s)
            wall = time.perf_counter()
            seq = extract(dest, args.before)
            wall = time.perf_counter() - wall
            if name == "original":
                visible = seq.detected
            n = min(len(seq), len(visible))
            seen = visible[:n]
            rate = float(seq.detected[:n][seen].mean()) if seen.any() else float("nan")
            print(f"{clip.name[:40]:40s} {name:14s} {len(seq):6d} {int(seen.sum()):7d} "
                  f"{100 * rate:10.1f} {f'{seq.width}x{seq.height}':>10s} "
                  f"{rep_count(seq, truth):>5s} {wall:5.1f}", flush=True)


if __name__ == "__main__":
    main()
