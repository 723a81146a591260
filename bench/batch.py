"""Benchmark ``formcheck batch`` (not a test: prints figures, one a line).

    .venv/bin/python bench/batch.py [--repeat 4] [--rounds 2] [--max-workers N] [--skip-loop]
        [CLIP ...]

For 1, 2, ... N workers (default N: the cores) the same batch (the sample clips,
each ``--repeat`` times under different names, exercises from their truth, as a
manifest gives them) runs through :func:`formcheck.batch.run_batch` on a
``LocalCluster`` of that many single-thread worker processes, connected by
address (the ``--scheduler`` path; ``formcheck batch`` without it makes the same
cluster itself, with the same settings: ``formcheck.batch.engine.EMBEDDED_CONFIG``).
The cluster's start (a few seconds) is timed apart. Figures:

- throughput in clips per minute and frames per second, and the scaling
  efficiency: throughput with n workers over n times that with one;
- CPU seconds per frame summed over the workers, and the peak RSS per worker
  (``ru_maxrss`` of each worker process);
- the machine's compute limit, ``cores / (decode + inference CPU s per frame)``
  measured as ``bench/extract.py`` does (on each clip, weighted by its frames),
  and the ratio of the batch's frames per second to it;
- the tail: from the first worker's last result to the batch's end, while some
  cores have no clip left (a short batch feels it; hundreds of clips do not);
- in the same run, the naive loop: ``formcheck analyze CLIP --exercise E --json``
  once per clip, in sequence, and the batch's speed-up over it.

Each worker imports MediaPipe and the analysis and runs a first inference before
the timing starts (its CPU printed apart): a one-off per worker, amortised over a
real batch's many clips, which a short bench batch would otherwise charge to its few.

The machine is shared: the load average is printed before and after, and the
CPU figures (which load does not change) say what idle cores would give.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
SAMPLES = REPO / "sample_videos"
DEFAULT_CLIPS = ("sit_to_stand_side.mp4", "trunk_flexion_side.mp4", "back_extension_side.mp4",
                 "five_times_sit_to_stand.mp4")  # fmt: skip


def _worker_usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of this worker process (its ``VmHWM``, see
    ``formcheck.batch.tasks._peak_rss_mb``: a worker forked from this bench, which holds
    frames for the compute limit, would otherwise read as big as the bench)."""
    from formcheck.batch.tasks import _peak_rss_mb

    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime, _peak_rss_mb()


def _warm() -> float:
    """Import what a clip's task imports (MediaPipe, PyAV, the analysis) and run a first
    inference (one-off native start-up); its CPU seconds."""
    before = _worker_usage()[0]
    import numpy as np

    import formcheck.exercise.analysis  # noqa: F401
    import formcheck.pose.extract  # noqa: F401
    from formcheck.pose.estimator import MediaPipePose

    with MediaPipePose(mode="image") as pose:
        pose.estimate(np.zeros((480, 640, 3), np.uint8), 0.0)
    return _worker_usage()[0] - before


def _manifest(folder: Path, clips: list[Path], repeat: int) -> tuple[Path, int]:
    """A manifest of each clip ``repeat`` times (symlinks, distinct names); total frames."""
    rows, frames = ["path,exercise,test"], 0
    for k in range(repeat):
        for clip in clips:
            truth = json.loads(clip.with_suffix(".json").read_text())
            link = folder / f"{clip.stem}_{k}{clip.suffix}"
            link.symlink_to(clip)
            rows.append(f"{link.name},{truth['exercise']},{truth.get('test') or ''}")
            frames += int(truth["frames"])
    path = folder / "batch.csv"
    path.write_text("\n".join(rows) + "\n")
    return path, frames


def bench_batch(manifest: Path, workers: int, outdir: Path) -> dict[str, Any]:
    """One batch on a fresh ``LocalCluster`` of ``workers`` processes."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    from formcheck.batch import Defaults, Settings, collect, run_batch
    from formcheck.batch.engine import EMBEDDED_CONFIG
    from formcheck.config import Config

    jobs = collect(manifest, Defaults())
    settings = Settings(config=Config(), model_path=os.environ.get("FORMCHECK_MODEL"))
    start = time.perf_counter()
    arrivals: dict[str, float] = {}  # worker -> when its last result arrived
    with dask.config.set(EMBEDDED_CONFIG), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:  # fmt: skip  (formcheck batch's own cluster settings)
        warm = max(client.run(_warm).values())
        started = time.perf_counter() - start
        before = client.run(_worker_usage)
        wall = time.perf_counter()
        summary = run_batch(jobs, outdir, settings, scheduler=cluster.scheduler_address,
                            progress=False, on_result=lambda r: arrivals.__setitem__(
                                r.worker, time.perf_counter()))  # fmt: skip
        end = time.perf_counter()
        tail = end - min(arrivals.values()) if len(arrivals) == workers else 0.0
        wall = end - wall
        after = client.run(_worker_usage)
    cpu = sum(after[w][0] - before[w][0] for w in after)
    failed = [r["clip"] for r in summary.rows if r["status"] != "done"]
    if failed:
        raise SystemExit(f"clips failed in the bench: {failed}")
    rss = max(a[1] for a in after.values())
    return {"workers": workers, "clips": summary.done, "frames": summary.frames, "wall": wall,
            "start": started, "warm": warm, "cpu": cpu, "rss": rss, "tail": tail}  # fmt: skip


def bench_loop(manifest: Path) -> tuple[int, float]:
    """(clips, wall s) of ``formcheck analyze`` once per clip, in sequence."""
    lines = manifest.read_text().splitlines()[1:]
    exe = Path(sys.executable).parent / "formcheck"
    wall = time.perf_counter()
    for line in lines:
        name, exercise, test = line.split(",")
        cmd = [str(exe), "analyze", str(manifest.parent / name), "--exercise", exercise, "--json"]
        if test:
            cmd += ["--test", test]
        subprocess.run(cmd, check=True, capture_output=True)
    return len(lines), time.perf_counter() - wall


def compute_limit(clips: list[Path], cores: int) -> tuple[float, float, float]:
    """(decode CPU s/frame, inference CPU s/frame, cores / their sum) as bench/extract.py
    measures them, for each clip (inference on up to 300 of its frames), weighted by its
    frames: inference costs differ from clip to clip by up to 10 %."""
    from extract import bench_decode, bench_inference

    total = dec = inf = 0.0
    for clip in clips:
        n, _, cpu_d = bench_decode(clip, None)
        m, _, cpu_i = bench_inference(clip, 300, None)
        total, dec, inf = total + n, dec + cpu_d, inf + n * cpu_i / m
    dec, inf = dec / total, inf / total
    return dec, inf, cores / (dec + inf)


def one_round(
    manifest: Path, folder: Path, clips: list[Path], cores: int, max_workers: int
) -> dict[str, Any]:
    """The batch at 1..``max_workers`` workers, then the compute limit, printed as they come."""
    runs = [bench_batch(manifest, n, folder / f"out{n}") for n in range(1, max_workers + 1)]
    one = runs[0]["frames"] / runs[0]["wall"]
    for run in runs:
        run["fps"] = fps = run["frames"] / run["wall"]
        print(
            f"{run['workers']} worker(s): {60 * run['clips'] / run['wall']:.1f} clips/min, "
            f"{fps:.1f} frames/s, scaling efficiency {fps / (run['workers'] * one):.2f}, "
            f"{1000 * run['cpu'] / run['frames']:.1f} ms CPU/frame, "
            f"peak RSS per worker {run['rss']:.0f} MB, cluster start {run['start']:.1f} s, "
            f"tail {run['tail']:.1f} s ({run['tail'] / run['wall']:.0%} of the run: "
            "from the first worker's last clip to the end, when cores go idle)"
        )
    dec, inf, limit = compute_limit(clips, cores)
    print(f"decode CPU: {1000 * dec:.2f} ms/frame, inference CPU: {1000 * inf:.2f} ms/frame,"
          f" compute limit ({cores} cores / (decode + inference)): {limit:.1f} frames/s")
    return {"runs": runs, "dec": dec, "inf": inf, "limit": limit}


def summarise(rounds: list[dict[str, Any]], cores: int) -> float:
    """Medians over the rounds (this VM's speed drifts by up to 10 % within minutes, so one
    round's batch and its limit can be measured at different speeds); the best batch's
    frames/s."""
    from statistics import median

    workers = len(rounds[0]["runs"])
    fps = [median(r["runs"][n]["fps"] for r in rounds) for n in range(workers)]
    cpu = [median(r["runs"][n]["cpu"] / r["runs"][n]["frames"] for r in rounds)
           for n in range(workers)]  # fmt: skip
    limit = median(r["limit"] for r in rounds)
    dec, inf = median(r["dec"] for r in rounds), median(r["inf"] for r in rounds)
    print(f"-- median of {len(rounds)} round(s)")
    for n in range(workers):
        print(f"{n + 1} worker(s): {fps[n]:.1f} frames/s, scaling efficiency "
              f"{fps[n] / ((n + 1) * fps[0]):.2f}, {1000 * cpu[n]:.1f} ms CPU/frame")  # fmt: skip
    print(f"compute limit ({cores} cores / (decode {1000 * dec:.2f} + inference "
          f"{1000 * inf:.2f} ms CPU/frame)): {limit:.1f} frames/s")  # fmt: skip
    print(f"batch ({workers} workers) / compute limit: {fps[-1] / limit:.2f}")
    print(f"CPU efficiency (decode + inference CPU / batch CPU per frame): "
          f"{(dec + inf) / cpu[-1]:.2f}")  # fmt: skip
    return fps[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=4, help="times each clip is in the batch")
    parser.add_argument("--max-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="rounds; medians are printed")
    parser.add_argument("--skip-loop", action="store_true")
    args = parser.parse_args(argv)
    clips = [c.resolve() for c in args.clips] or [SAMPLES / c for c in DEFAULT_CLIPS]
    cores = os.cpu_count() or 1
    print(f"cores: {cores}")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        folder = Path(tmp)
        manifest, frames = _manifest(folder, clips, args.repeat)
        print(f"batch: {len(clips) * args.repeat} clips, {frames} frames")
        rounds = [one_round(manifest, folder / f"round{r}", clips, cores, args.max_workers)
                  for r in range(args.rounds)]  # fmt: skip
        fps = summarise(rounds, cores)
        if not args.skip_loop:
            n, wall = bench_loop(manifest)
            loop_fps = frames / wall
            print(
                f"sequential `formcheck analyze` loop: {60 * n / wall:.1f} clips/min, "
                f"{loop_fps:.1f} frames/s"
            )
            print(f"batch speed-up over the loop: {fps / loop_fps:.2f}x")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
