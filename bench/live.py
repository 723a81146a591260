"""Benchmark the live path per 640x480 frame (not a test: prints figures, one a line).

    .venv/bin/python bench/live.py [CLIP] [--exercise NAME] [--frames 450]
    .venv/bin/python bench/live.py --programme [FILE.toml]   # a home programme, speaking

What is timed is exactly what the webcam callback does for one frame
(``formcheck.ui.live.make_callback``): av.VideoFrame -> RGB array, pose
estimate (MediaPipe, video mode), ``Session.update``, annotate, RGB array ->
av.VideoFrame. The clip (default: the first bundled sample with a truth file)
is letterboxed to 640x480 and held in memory first, so decoding the file is
not counted (a webcam delivers decoded frames). Frames are fed back to back
with their own timestamps, as fast as they are processed.

Prints: machine load and cores, p50/p95/max per-frame wall time (ms) of the
callback and of each stage, the share of frames over 33.3 ms, and whether
30 fps is sustained (p95 under 33.3 ms). Other processes on the machine raise
every figure: note the load average printed first.

``--programme``: the same frames through the programme engine instead (the
live page's "My home programme": the runner, a Session per set, the announcer
in the callback), with speech running as on the page: a second thread takes
the phrases off the queue, synthesises them with espeak-ng and scales them to
the volume while the frames are timed. Without FILE, a programme of the
clip's exercise: 2 sets of 2 reps with a 1 s rest, so sets, rests and several
Sessions all happen within the clip. Prints what was said.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 640, 480
BUDGET_MS = 1000 / 30


def letterbox(rgb: np.ndarray) -> np.ndarray:
    """(480, 640, 3): ``rgb`` scaled to fit, keeping its aspect ratio, on black."""
    h, w = rgb.shape[:2]
    scale = min(WIDTH / w, HEIGHT / h)
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    out = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    y, x = (HEIGHT - size[1]) // 2, (WIDTH - size[0]) // 2
    out[y : y + size[1], x : x + size[0]] = small
    return out


def load_frames(clip: Path, limit: int) -> list[av.VideoFrame]:
    """Up to ``limit`` frames as 640x480 av.VideoFrames with pts in a 90 kHz clock."""
    from formcheck.pose.video import open_video

    frames = []
    with open_video(clip) as reader:
        for t, rgb in reader:
            frame = av.VideoFrame.from_ndarray(letterbox(rgb), format="rgb24")
            frame.pts, frame.time_base = round(t * 90_000), Fraction(1, 90_000)
            frames.append(frame)
            if len(frames) >= limit:
                break
    return frames


class Timed:
    """Wraps a method of ``obj`` so each call's wall time (ms) is recorded in ``times``."""

    def __init__(self, obj: Any, name: str) -> None:
        self.times: list[float] = []
        inner: Callable[..., Any] = getattr(obj, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.times.append((time.perf_counter() - start) * 1000)

        setattr(obj, name, timed)


def default_clip() -> tuple[Path, str]:
    """A fault-free sit-to-stand sample in a landscape frame, else any sample."""
    from formcheck.ui.bundled_samples import find_samples

    samples = [s for s in find_samples(REPO / "sample_videos") if s.exercise and not s.test]
    samples.sort(key=lambda s: (bool(s.truth.get("faults")), s.exercise != "sit_to_stand",
                                s.truth.get("width", 0) < WIDTH))  # fmt: skip
    if not samples:
        sys.exit("bench/live.py: no bundled sample found; give CLIP and --exercise")
    return samples[0].path, str(samples[0].exercise)


def stats(label: str, values: list[float]) -> None:
    a = np.asarray(values)
    p50, p95 = np.percentile(a, [50, 95])
    print(f"{label:<16} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   max {a.max():6.1f} ms")


class Speaking:
    """The page's side of speech, in a thread: phrases off the queue -> espeak-ng -> volume."""

    def __init__(self) -> None:
        import queue
        import threading

        from formcheck.speech.voice import Voice

        self.phrases: queue.Queue[Any] = queue.Queue(maxsize=8)
        self.voice = Voice()
        self.said: list[tuple[str, float]] = []  # (text, synthesis ms)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        import queue

        from formcheck.speech.voice import with_volume

        while not self._stop.is_set():
            try:
                phrase = self.phrases.get(timeout=0.1)
            except queue.Empty:
                continue
            start = time.perf_counter()
            with_volume(self.voice.wav(phrase.text), 0.8)
            self.said.append((phrase.text, (time.perf_counter() - start) * 1000))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.voice.close()


def bench_programme(path: Path | None, exercise: str) -> Any:
    from formcheck.programme import Programme, Step, load_programme

    if path is not None:
        return load_programme(path)
    return Programme("bench", (Step(exercise, sets=2, reps=2, rest_s=1.0),))


def run(clip: Path, exercise: str, limit: int, num_poses: int | None,
        programme: Any = None) -> None:  # fmt: skip
    from formcheck.ui.engine import make_engine, make_programme_engine
    from formcheck.ui.live import make_callback

    load1, load5, _ = os.getloadavg()
    print(f"load average {load1:.2f} (1 min) {load5:.2f} (5 min) on {os.cpu_count()} cores")
    frames = load_frames(clip, limit)
    speaking = Speaking() if programme is not None else None
    if speaking is not None:
        engine = make_programme_engine(programme, speaking.phrases.put_nowait,
                                       num_poses=num_poses)  # fmt: skip
    else:
        engine = make_engine(exercise, num_poses=num_poses)
    callback = make_callback(engine)
    callback(frames[0])  # warm-up: loads the model (not timed)
    estimator, session = engine._estimator, engine._session  # noqa: SLF001 - measuring them
    stages = {"pose estimate": Timed(estimator, "estimate"),
              ("programme update" if speaking else "Session.update"): Timed(session, "update"),
              "annotate": Timed(engine.annotator, "annotate")}  # fmt: skip
    total = []
    cpu_start = time.process_time()
    for frame in frames[1:]:
        start = time.perf_counter()
        callback(frame)
        total.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / len(total)
    what = f"programme {programme.title!r}" if programme is not None else f"exercise {exercise}"
    print(f"clip {clip.name}: {len(total)} frames at {WIDTH}x{HEIGHT}, {what}, "
          f"num_poses {num_poses or 'default'}")
    stats("whole callback", total)
    print(f"CPU time per frame (all threads): {cpu_ms:.1f} ms")
    for label, timed in stages.items():
        stats(label, timed.times)
    over = float(np.mean(np.asarray(total) > BUDGET_MS))
    p95 = float(np.percentile(total, 95))
    print(f"frames over {BUDGET_MS:.1f} ms: {100 * over:.1f} %")
    print(f"30 fps sustained (p95 < {BUDGET_MS:.1f} ms): {'yes' if p95 < BUDGET_MS else 'no'}")
    print(f"reps counted: {engine.latest.overlay.reps if engine.latest else 0}")
    if speaking is not None:
        state = engine.latest.programme if engine.latest else None
        print(f"programme at the end: {state.stage if state else '-'}, step "
              f"{state.step if state else '-'}, set {state.set_number if state else '-'}")
        time.sleep(0.5)
        speaking.close()
        ms = [m for _, m in speaking.said]
        print(f"phrases spoken: {len(ms)}; synthesis (other thread) max "
              f"{max(ms, default=0):.0f} ms: {[t for t, _ in speaking.said]}")
    engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clip", nargs="?", type=Path)
    parser.add_argument("--exercise")
    parser.add_argument("--frames", type=int, default=450)
    parser.add_argument("--programme", nargs="?", type=Path, const=False, default=None,
                        metavar="FILE.toml", help="time the programme engine with speech "
                        "(FILE: a programme whose first step is the clip's exercise)")
    parser.add_argument("--num-poses", type=int, default=None,
                        help="people MediaPipe looks for (default: the live page's, as offline)")
    args = parser.parse_args()
    clip, exercise = (args.clip, args.exercise) if args.clip else default_clip()
    if exercise is None:
        parser.error("--exercise is needed with CLIP")
    exercise = args.exercise or exercise
    programme = None
    if args.programme is not None:
        programme = bench_programme(args.programme or None, exercise)
    run(clip, exercise, args.frames, args.num_poses, programme)


if __name__ == "__main__":
    main()
