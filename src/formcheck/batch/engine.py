"""The batch on Dask: one code path for an embedded ``LocalCluster`` and a remote scheduler.

:func:`run_batch` hashes the clips (:class:`~formcheck.batch.results.Index`),
skips those whose report holds for their content and settings, submits the rest
(largest first, so the longest clip does not start last), and writes each
result as it arrives: the report and angle CSV at once, the results table at
the end (and on interruption). With no ``scheduler`` it starts a
``LocalCluster`` of processes, one worker per core and one thread per worker
(MediaPipe's graphs stay in one thread; ``formcheck.batch.tasks``); with one it
connects to that cluster, whose workers must see the clips at the same paths.

A worker that dies (killed, out of memory) takes its clip with it; the
scheduler puts the clip on another worker, and after ``ALLOWED_FAILURES``
deaths (on the embedded cluster; a remote scheduler uses its own
``distributed.scheduler.allowed-failures``) the clip is marked failed with the
reason "worker died ...". Such a failure is retried by the next run; a clip
that failed on its own (unreadable, nobody in it) is not.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from formcheck.batch.inputs import ClipJob
from formcheck.batch.results import (
    Index,
    atomic_write,
    finished,
    report_path,
    settings_key,
    write_table,
)
from formcheck.batch.tasks import ROW_COLUMNS, ClipResult, Settings, failed_result, run_clip

__all__ = ["ALLOWED_FAILURES", "EMBEDDED_CONFIG", "Summary", "clip_key", "run_batch"]

ALLOWED_FAILURES = 1
"""Worker deaths a clip may cause on the embedded cluster before it is marked failed
(1: it is retried once, on another worker)."""

EMBEDDED_CONFIG: dict[str, Any] = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    # Dask's monitoring, sized for the dashboard, costs the embedded cluster's own
    # process (scheduler, nannies, client) 4.4 % of a core through a 2-worker batch on
    # 2 cores (3.1 CPU s in 70 s), cores the workers need; with these, 1.1 % (0.8 s).
    # Nothing here changes a result: memory is still watched (every second, not ten
    # times a second), and the workers' statistical profiler only feeds the dashboard.
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "500ms",
}
"""Dask settings of the embedded ``LocalCluster`` (a remote cluster keeps its own)."""


@dataclass
class Summary:
    """What a batch did: counts, rows (one per clip, input order), throughput."""

    rows: list[dict[str, Any]]
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    frames: int = 0
    workers: int = 0
    dashboard: str | None = None
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def clips_per_minute(self) -> float:
        ran = self.done + self.failed
        return 60.0 * ran / self.seconds if self.seconds > 0 else 0.0

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.total} clip(s): {self.done} done, {self.failed} failed, "
            f"{self.skipped} skipped in {self.seconds:.1f} s "
            f"({self.clips_per_minute:.1f} clips/min, {self.frames_per_second:.1f} frames/s, "
            f"{self.workers} worker(s))"
        )


def clip_key(job: ClipJob, settings: Settings) -> str:
    """The settings key of one clip: everything that changes its result."""
    from formcheck import __version__
    from formcheck.exercise.definition_file import dumps

    return settings_key({
        "formcheck": __version__,
        "config": settings.config.to_dict(),
        "model": Path(settings.model_path).name if settings.model_path else "full",
        "angles": settings.angles,
        "exercise": job.exercise,
        "definitions": [dumps(d) for d in settings.definitions if d.name == job.exercise],
        "test": job.test,
        "age": job.age,
        "sex": job.sex,
        "patient_id": job.patient_id,
    })  # fmt: skip


def run_batch(
    jobs: list[ClipJob],
    outdir: Path,
    settings: Settings,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    stream: TextIO = sys.stderr,
    progress: bool = True,
    on_result: Callable[[ClipResult], None] | None = None,
) -> Summary:
    """Analyse ``jobs`` into ``outdir``; see the module docstring.

    ``workers`` (embedded cluster only) defaults to the machine's cores.
    ``on_result`` is called in this process for every clip that ran.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    index = Index(outdir / "index.json")
    keyed = [(job, index.sha256(job.path), clip_key(job, settings)) for job in jobs]
    index.save()
    rows: dict[str, dict[str, Any]] = {}
    todo = []
    for job, sha, key in keyed:
        row = finished(outdir, job.name, sha, key)
        if row is None:
            todo.append((job, sha, key))
        else:
            rows[job.name] = row
    summary = Summary(rows=[], skipped=len(rows))
    started = time.monotonic()
    try:
        if todo:
            _run(todo, outdir, settings, scheduler, workers, stream, progress, summary, rows,
                 on_result)  # fmt: skip
    finally:
        summary.seconds = time.monotonic() - started
        summary.rows = [rows[job.name] for job, _, _ in keyed if job.name in rows]
        write_table(outdir, summary.rows, ROW_COLUMNS)
    return summary


def _run(
    todo: list[tuple[ClipJob, str, str]],
    outdir: Path,
    settings: Settings,
    scheduler: str | None,
    workers: int | None,
    stream: TextIO,
    progress: bool,
    summary: Summary,
    rows: dict[str, dict[str, Any]],
    on_result: Callable[[ClipResult], None] | None,
) -> None:
    from distributed import as_completed

    order = sorted(todo, key=lambda item: -_size(item[0].path))
    with _client(scheduler, workers) as client:
        summary.workers = len(client.scheduler_info(n_workers=-1)["workers"])
        summary.dashboard = _dashboard(client)
        if summary.dashboard and progress:
            print(f"formcheck: Dask dashboard: {summary.dashboard}", file=stream, flush=True)
        futures = {
            client.submit(run_clip, job, sha, key, settings, key=f"clip-{i}-{key}-{sha[:12]}",
                          pure=False): (job, sha, key)
            for i, (job, sha, key) in enumerate(order)
        }  # fmt: skip
        with _bar(stream, [_size(job.path) for job, _, _ in order], progress) as advance:
            for future in as_completed(futures):
                job, sha, key = futures[future]
                result = _outcome(future, job, sha, key)
                _store(outdir, result)
                rows[job.name] = result.row
                _count(summary, result)
                if on_result is not None:
                    on_result(result)
                advance(summary, _size(job.path))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _outcome(future: Any, job: ClipJob, sha: str, key: str) -> ClipResult:
    """The clip's result, or a failed one when its worker (or the cluster) gave up on it."""
    from distributed.scheduler import KilledWorker

    try:
        return future.result()  # type: ignore[no-any-return]
    except KilledWorker:
        return failed_result(job, sha, key, "worker died (killed or out of memory) while "
                             "analysing this clip, on every worker that tried it")  # fmt: skip
    except Exception as err:  # noqa: BLE001 - one clip's trouble must not stop the batch
        reason = " ".join(str(err).split()) or type(err).__name__
        return failed_result(job, sha, key, f"worker died or failed: {reason}")


def _store(outdir: Path, result: ClipResult) -> None:
    """The clip's angle CSV, then its report (the report marks it done: written last)."""
    import json

    name = str(result.row["clip"])
    if result.angles_csv is not None:
        atomic_write(report_path(outdir, name, "angles", ".csv"), result.angles_csv)
    report = {**result.report, "row": result.row}
    atomic_write(
        report_path(outdir, name),
        json.dumps(report, indent=1, allow_nan=False, default=_json_default),
    )


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _count(summary: Summary, result: ClipResult) -> None:
    if result.row["status"] == "done":
        summary.done += 1
        summary.frames += int(result.row.get("frames") or 0)
    else:
        summary.failed += 1
    if result.worker:
        previous = summary.peak_rss_mb.get(result.worker, 0.0)
        summary.peak_rss_mb[result.worker] = max(previous, result.peak_rss_mb)


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client: of the cluster at ``scheduler``, or of an embedded ``LocalCluster``."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as err:
            raise ValueError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        with client:
            yield client
        return
    count = workers or os.cpu_count() or 1
    dashboard = ":0" if importlib.util.find_spec("bokeh") else None
    # set for the cluster's life: a worker the nanny restarts (one killed) takes it too
    with dask.config.set(EMBEDDED_CONFIG):
        cluster = LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=dashboard,
            silence_logs=logging.CRITICAL,
        )
        with cluster, Client(cluster) as client:
            yield client


def _dashboard(client: Any) -> str | None:
    if not importlib.util.find_spec("bokeh"):
        return None
    try:
        return str(client.dashboard_link)
    except (KeyError, AttributeError):
        return None


@contextlib.contextmanager
def _bar(
    stream: TextIO, sizes: list[int], enabled: bool
) -> Iterator[Callable[[Summary, int], None]]:
    """A rich progress bar on a terminal: clips done of total, frames/s, time left.

    The bar and the time left follow the bytes of the clips done (``sizes``, bytes
    per clip), not their number: a bad file fails at once, a long clip takes long.
    """
    tty = enabled and bool(getattr(stream, "isatty", lambda: False)())
    if not tty:
        yield lambda summary, size: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    started = time.monotonic()
    columns = (
        TextColumn("formcheck: batch"),
        BarColumn(),
        TextColumn(
            "{task.fields[clips]}/" + f"{len(sizes)} clips" + "  {task.fields[fps]:.1f} frames/s"
        ),
        TimeRemainingColumn(),
        TextColumn("left"),
    )
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        task = bar.add_task("batch", total=max(sum(sizes), 1), clips=0, fps=0.0)

        def advance(summary: Summary, size: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(task, advance=size, clips=summary.done + summary.failed,
                       fps=summary.frames / elapsed)  # fmt: skip

        yield advance
