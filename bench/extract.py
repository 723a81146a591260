"""Benchmark video → pose extraction (not a test: prints figures, one a line).

    .venv/bin/python bench/extract.py CLIP [--frames 300] [--max-side N] [--workers 2] \
        [--warm] [--repeat 5]
    .venv/bin/python bench/extract.py --make-1080p SRC -o /tmp/clip_1080p.mp4 [--seconds 30]
    .venv/bin/python bench/extract.py --make-long MINUTES --from /tmp/clip_1080p.mp4 \
        -o /tmp/long.mp4

Figures for CLIP:
- decode-only frames/s (PyAV decode + RGB conversion, every frame) and its CPU s/frame;
- inference-only frames/s on pre-decoded frames (at most ``--frames`` held in
  memory) and its CPU s/frame;
- end-to-end ``extract_pose`` frames/s, wall and CPU seconds;
- the two-core limit ``2 / (decode CPU + inference CPU per frame)`` and the
  ratio of end-to-end throughput to it;
- inference with two landmarkers at once (two threads, each on half the held
  frames) against twice one alone, and the two-core ceiling that gives,
  ``2 / (decode CPU + 2 / their frames/s)``: on a VM whose two vCPUs slow each other
  down, what both cores really give inference; the ratio to it too;
- load-independent figures, since the machine is shared: the extraction's
  core demand (mean number of its threads runnable, capped at 2, sampled
  every 25 ms), its CPU efficiency (decode + inference CPU over its CPU a
  frame), and their product over 2, the ratio expected on idle cores;
- peak RSS in MB of the extraction, run first, in a fresh child process
  (its ``VmHWM``), so the frames held for the inference-only figure do not
  count.

CPU seconds include every thread and, for children, every waited-for child
process (``resource.getrusage``). Note the load average printed first: other
processes on the machine lower all figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> tuple[float, float]:
    """(this process, largest child) peak resident set size in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def bench_decode(clip: Path, max_side: int | None) -> tuple[int, float, float]:
    """(frames, wall s, CPU s) decoding every frame to upright RGB."""
    from formcheck.pose.video import open_video

    wall, cpu = time.perf_counter(), cpu_seconds()
    with open_video(clip, max_side=max_side) as reader:
        n = sum(1 for _ in reader.frames(warn=False))
    return n, time.perf_counter() - wall, cpu_seconds() - cpu


def held_frames(clip: Path, limit: int, max_side: int | None) -> Iterator[tuple[float, np.ndarray]]:
    from formcheck.pose.video import open_video

    with open_video(clip, max_side=max_side) as reader:
        for i, pair in enumerate(reader.frames(warn=False)):
            if i >= limit:
                break
            yield pair


def bench_inference(clip: Path, limit: int, max_side: int | None) -> tuple[int, float, float]:
    """(frames, wall s, CPU s) of VIDEO-mode inference on up to ``limit`` pre-decoded frames."""
    from formcheck.pose.estimator import MediaPipePose

    frames = list(held_frames(clip, limit, max_side))
    with MediaPipePose(mode="video") as estimator:
        estimator.estimate(frames[0][1], 0.0)  # warm up (graph start) outside the timing
        wall, cpu = time.perf_counter(), cpu_seconds()
        for t, rgb in frames[1:]:
            estimator.estimate(rgb, t)
        return len(frames) - 1, time.perf_counter() - wall, cpu_seconds() - cpu


def bench_inference_pair(clip: Path, limit: int, max_side: int | None) -> tuple[int, float]:
    """(frames, wall s) of two VIDEO-mode landmarkers at once, in two threads, each on one
    half of up to ``limit`` pre-decoded frames: what both cores give inference together."""
    import threading

    from formcheck.pose.estimator import MediaPipePose

    frames = list(held_frames(clip, limit, max_side))
    middle = len(frames) // 2
    halves = [frames[1:middle], frames[middle + 1 :]]
    estimators = [MediaPipePose(mode="video") for _ in halves]
    try:
        for estimator, (t, rgb) in zip(estimators, (frames[0], frames[middle]), strict=True):
            estimator.estimate(rgb, t)  # graph start, outside the timing

        def run(estimator: MediaPipePose, half: list[tuple[float, np.ndarray]]) -> None:
            for t, rgb in half:
                estimator.estimate(rgb, t)

        pairs = zip(estimators, halves, strict=True)
        threads = [threading.Thread(target=run, args=pair) for pair in pairs]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(map(len, halves)), time.perf_counter() - wall
    finally:
        for estimator in estimators:
            estimator.close()


def bench_extract(
    clip: Path, max_side: int | None, workers: int, min_split_s: float | None = None
) -> tuple[int, float, float]:
    """(frames, wall s, CPU s) of the whole ``extract_pose``; prints where the time went."""
    import warnings

    from formcheck.pose.extract import ExtractTimings, extract_pose

    timings = ExtractTimings()
    extra = {} if min_split_s is None else {"min_split_s": min_split_s}
    wall, cpu = time.perf_counter(), cpu_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seq = extract_pose(clip, max_side=max_side, workers=workers, timings=timings, **extra)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print_timings(timings)
    return len(seq), wall, cpu


def print_timings(timings: object) -> None:
    """One line per chunk (wall seconds), then the plan and the join."""
    for i, c in enumerate(timings.chunks):  # type: ignore[attr-defined]
        print(
            f"  chunk {i} [{c.warm_from:.2f}|{c.start:.2f}..{c.stop:.2f} s]: total {c.total_s:.2f}"
            f" = load {c.load_s:.2f} + seek/first frame {c.first_frame_s:.2f}"
            f" + inference {c.infer_s:.2f} ({c.frames} frames, of it warm-up"
            f" {c.warm_infer_s:.2f} on {c.warm_frames}) + waiting for decode {c.wait_s:.2f}"
        )
    print(
        f"  plan {timings.plan_s:.2f} s, chunks {timings.chunks_s:.2f} s,"  # type: ignore[attr-defined]
        f" join {timings.join_s:.3f} s"  # type: ignore[attr-defined]
    )


SAMPLE_EVERY_S = 0.025
"""A sample reads /proc for each of the process's 15-20 threads, about 0.5 ms of CPU: every
5 ms that took 8-10 % of a core, which slowed the wall clock it measured by 4-5 %."""


class RunnableSampler:
    """Samples how many of this process's threads are runnable (state R) every 25 ms.

    On a shared machine wall-clock throughput measures the neighbours as much
    as the code. The number of runnable threads does not: it is how many
    cores the process would use if they were free. ``demand()`` is the mean
    of ``min(runnable, 2)``: 2.0 means both cores could be kept busy.
    """

    def __init__(self) -> None:
        import threading

        self.counts: list[int] = []
        self.cpu_s = 0.0  # CPU seconds of the sampling itself, taken off the extraction's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RunnableSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import threading

        me = str(threading.get_native_id())
        began = time.thread_time()
        while not self._stop.wait(SAMPLE_EVERY_S):
            running = 0
            for tid in os.listdir("/proc/self/task"):
                if tid == me:
                    continue
                try:
                    with open(f"/proc/self/task/{tid}/stat") as stat:
                        state = stat.read().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                running += state == "R"
            self.counts.append(running)
            self.cpu_s = time.thread_time() - began

    def demand(self) -> float:
        counts = np.minimum(np.array(self.counts or [0]), 2)
        return float(counts.mean())


def extract_in_child(args: argparse.Namespace) -> tuple[int, float, float, float, float]:
    """``extract_pose`` in a fresh process: (frames, wall s, CPU s, peak MB, core demand)."""
    import subprocess

    command = [sys.executable, __file__, str(args.clip), "--extract-only"]
    command += ["--workers", str(args.workers)]
    if args.max_side:
        command += ["--max-side", str(args.max_side)]
    if args.min_split_s is not None:
        command += ["--min-split-s", str(args.min_split_s)]
    if args.warm:
        command += ["--warm"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    lines = out.strip().splitlines()
    print("\n".join(["where the extraction's time went (wall s):", *lines[:-1]]))
    k, wall, cpu, rss, demand = lines[-1].split()
    return int(k), float(wall), float(cpu), float(rss), float(demand)


def extract_only(args: argparse.Namespace) -> None:
    """The child's side of :func:`extract_in_child`: ``frames wall cpu rss_mb demand``.

    The peak is the kernel's ``VmHWM`` of this process (it has no children).
    ``ru_maxrss`` would not do: Linux carries the parent's resident size at
    fork over into the child's ``ru_maxrss`` across ``exec``.
    """
    if args.warm:  # as in a process that has extracted before (the page, a batch worker)
        from formcheck.pose.extract import preload_estimators

        preload_estimators(count=args.workers)
    with RunnableSampler() as sampler:
        k, wall, cpu = bench_extract(args.clip, args.max_side, args.workers, args.min_split_s)
    print(f"  sampling threads cost {sampler.cpu_s:.2f} CPU s (not counted)")
    print(k, wall, cpu - sampler.cpu_s, vm_hwm_mb(), sampler.demand())


def vm_hwm_mb() -> float:
    """Peak resident set size of this process in MB (its ``VmHWM``, as a batch worker
    reports it: ``formcheck.batch.tasks._peak_rss_mb``)."""
    from formcheck.batch.tasks import _peak_rss_mb

    return _peak_rss_mb()


def run(args: argparse.Namespace) -> None:
    """``--repeat`` rounds of the figures below, then their medians (the figures of one
    round on a 2-core machine vary by 5-10 % from round to round, even when it is idle)."""
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rounds = []
    for i in range(args.repeat):
        if args.repeat > 1:
            print(f"-- round {i + 1} of {args.repeat}")
        rounds.append(one_round(args))
    if args.repeat > 1:
        print(f"-- median of {args.repeat} rounds (min..max)")
        for key in rounds[0]:
            values = [r[key] for r in rounds]
            print(f"{key}: {np.median(values):.2f} ({min(values):.2f}..{max(values):.2f})")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def one_round(args: argparse.Namespace) -> dict[str, float]:
    """One extraction (in a child), decode-only and inference-only: prints the figures and
    returns the headline ones."""
    if not args.skip_extract:
        k, wall, cpu, rss, demand = extract_in_child(args)
    n, wall_d, cpu_d = bench_decode(args.clip, args.max_side)
    dec_cpu = cpu_d / n
    print(f"decode-only: {n / wall_d:.1f} frames/s ({n} frames)")
    print(f"decode CPU: {1000 * dec_cpu:.2f} ms/frame")
    m, wall_i, cpu_i = bench_inference(args.clip, args.frames, args.max_side)
    inf_cpu = cpu_i / m
    print(f"inference-only: {m / wall_i:.1f} frames/s ({m} pre-decoded frames)")
    print(f"inference CPU: {1000 * inf_cpu:.2f} ms/frame")
    limit = 2.0 / (dec_cpu + inf_cpu)
    print(f"two-core limit: {limit:.1f} frames/s")
    p, wall_p = bench_inference_pair(args.clip, args.frames, args.max_side)
    scaling = (p / wall_p) / (2 * m / wall_i)
    ceiling = 2.0 / (dec_cpu + 2 * wall_p / p)
    print(f"inference, two landmarkers at once: {p / wall_p:.1f} frames/s "
          f"({scaling:.2f} of twice one alone)")  # fmt: skip
    print(f"two-core ceiling (inference as two at once give it): {ceiling:.1f} frames/s")
    figures = {"two-core limit (frames/s)": limit, "two at once / twice one": scaling}
    if args.skip_extract:
        return figures
    fps = k / wall
    efficiency = (dec_cpu + inf_cpu) / (cpu / k)
    print(f"end-to-end (workers={args.workers}): {fps:.1f} frames/s ({k} frames, {wall:.1f} s)")
    print(f"end-to-end CPU: {1000 * cpu / k:.2f} ms/frame")
    print(f"ratio to two-core limit: {fps / limit:.2f}")
    print(f"ratio to the two-core ceiling: {fps / ceiling:.2f}")
    print(f"core demand (mean runnable threads, max 2): {demand:.2f}")
    print(f"CPU efficiency (decode + inference CPU / end-to-end CPU): {efficiency:.2f}")
    print(f"ratio expected on idle cores (demand / 2 x efficiency): {demand / 2 * efficiency:.2f}")
    print(f"peak RSS of the extraction: {rss:.0f} MB")
    print(f"models loaded before timing (--warm): {'yes' if args.warm else 'no'}")
    figures |= {"end-to-end (frames/s)": fps, "wall (s)": wall, "ratio to two-core limit":
                fps / limit, "ratio to the two-core ceiling": fps / ceiling,
                "core demand": demand, "CPU efficiency": efficiency}  # fmt: skip
    return figures


# -- making long 1080p clips -------------------------------------------------


def make_1080p(
    source: Path, dest: Path, seconds: float, grain: float = 4.0, size: str = "1920x1080"
) -> None:
    """Upscale ``source`` to ``size`` (1920x1080; 1080x1920 for a phone held upright) H.264
    (looping it) for ``seconds``, keeping its frame times; x264's default keyframe interval.

    Gaussian grain (std ``grain`` grey levels) brings the bitrate near a phone's
    (about 15-20 Mbit/s), so decoding costs what it would on a real 1080p clip.
    """
    from formcheck.pose.video import open_video

    width, height = (int(v) for v in size.split("x"))
    rng = np.random.default_rng(0)
    noise = [rng.normal(0, grain, (height, width, 1)).astype(np.int16) for _ in range(7)]
    with open_video(source) as reader:
        pairs = [(t, rgb) for t, rgb in reader]
    step = pairs[-1][0] + (pairs[-1][0] - pairs[-2][0])
    base = Fraction(1, 90_000)
    with av.open(str(dest), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = base
        stream.options = {"preset": "veryfast", "crf": "21"}
        loop = 0
        while loop * step < seconds:
            for t, rgb in pairs:
                when = loop * step + t
                if when >= seconds:
                    break
                big = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(width, height)
                grainy = big.to_ndarray().astype(np.int16) + noise[int(when * 30) % 7]
                frame = av.VideoFrame.from_ndarray(
                    np.clip(grainy, 0, 255).astype(np.uint8), format="rgb24"
                )
                frame.pts, frame.time_base = round(when / base), base
                out.mux(stream.encode(frame))
            loop += 1
        out.mux(stream.encode(None))


def make_long(source: Path, dest: Path, minutes: float) -> None:
    """Loop ``source``'s packets (no re-encoding) until ``minutes`` long, shifting their times."""
    with av.open(str(source)) as src:
        ins = src.streams.video[0]
        packets = [p for p in src.demux(ins) if p.size]
        span = max(p.pts + (p.duration or 0) for p in packets) - min(p.pts for p in packets)
        total = minutes * 60 / float(ins.time_base)
        with av.open(str(dest), "w", options={"movflags": "faststart"}) as out:
            outs = out.add_stream_from_template(ins)
            offset = 0
            while offset < total:
                for p in packets:
                    p.pts += offset if offset else 0
                    p.dts += offset if offset else 0
                    p.stream = outs
                    out.mux(p)
                    p.pts -= offset if offset else 0
                    p.dts -= offset if offset else 0
                offset += span


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path, nargs="?")
    parser.add_argument("--frames", type=int, default=300, help="frames held for inference-only")
    parser.add_argument("--max-side", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-split-s", type=float, default=None, help="extract_pose's")
    parser.add_argument("--skip-extract", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are printed")
    parser.add_argument("--warm", action="store_true", help="models loaded before the timing")
    parser.add_argument("--extract-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--make-1080p", type=Path, metavar="SRC", help="upscale SRC to 1080p")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="1920x1080", help="WxH for --make-1080p")
    parser.add_argument("--grain", type=float, default=4.0, help="noise std for --make-1080p")
    parser.add_argument("--make-long", type=float, metavar="MINUTES", help="loop --from")
    parser.add_argument("--from", dest="source", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    if args.make_1080p:
        make_1080p(args.make_1080p, args.output, args.seconds, args.grain, args.size)
    elif args.make_long:
        make_long(args.source, args.output, args.make_long)
    elif args.clip and args.extract_only:
        extract_only(args)
    elif args.clip:
        run(args)
    else:
        parser.error("give a CLIP, --make-1080p or --make-long")
    return 0


if __name__ == "__main__":
    sys.exit(main())
