"""Time to the result on the review page, clip by clip, in a real Chromium (not a test:
prints figures, one line a clip, then a Markdown table).

    .venv/bin/python bench/review_page.py [CLIP ...] [--rounds 2]

Without CLIP: every bundled sample (``sample_videos/``) and every clip in
``../shared/data/``. One app server (``streamlit run app.py``) serves every clip, as on a
physiotherapist's machine: it keeps its pose landmarkers ready between clips. For each clip
and round a fresh page uploads it, clicks "Analyse" and times, from the click:

- the result: the "Reps" figure, the table (or "No complete rep") and a chart on screen;
- the annotated clip: the video element, drawn after the result in the background;
- the CPU seconds the app server and Chromium spent from the click to the result;

and reads what the page says of its own work ("Pose found in ... in 3.4 s; scored in 40 ms"),
so the page's overhead (upload, drawing) shows as the rest of the time to the result.

The clip's duration is its last frame's timestamp (PyAV). Medians over ``--rounds`` are
printed; the machine's 1-minute load average is printed before each clip, since other
processes lengthen every figure. Needs Chromium at ``/usr/bin/chromium`` (or
``FORMCHECK_CHROMIUM``) and Playwright (``./dev`` installs it).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the browser tests' app server and Chromium flags
SHARED = REPO.parent / "shared" / "data"
CLIP_SUFFIXES = {".mp4", ".mov", ".gif", ".webm", ".mkv", ".avi"}
PAGE_SAYS = re.compile(r"Pose found in .+ in ([0-9.]+) s; scored in ([0-9]+) ms")
CLK_TCK = os.sysconf("SC_CLK_TCK")
SETTLE_S = 3.0
"""Seconds between the upload and the click: the page's first run (and the landing sample's
analysis, if any) is over, so the click times this clip alone."""


@dataclass(frozen=True)
class Timing:
    """One clip's times from the click, in seconds, and the load average at the click."""

    result_s: float
    video_s: float
    load: float
    pose_s: float
    score_s: float
    cpu_s: dict[str, float]


def default_clips() -> list[Path]:
    """The bundled samples, then the shared data's clips (those present)."""
    folders = [REPO / "sample_videos", SHARED]
    found = [p for f in folders if f.is_dir() for p in sorted(f.iterdir())]
    return [p for p in found if p.suffix.lower() in CLIP_SUFFIXES]


def duration_s(clip: Path) -> float:
    from formcheck.pose.video import open_video

    with open_video(clip) as reader:
        return float(reader.duration_s)


def cpu_by_program() -> dict[str, float]:
    """CPU seconds (user + system) so far of the app server and of Chromium's processes."""
    totals = {"server": 0.0, "browser": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        who = "server" if b"streamlit" in command else "browser" if b"chromium" in command else None
        if who:
            totals[who] += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return totals


def time_clip(browser: Any, url: str, clip: Path) -> Timing:
    """Upload ``clip`` on a fresh page, click "Analyse" and time the result and the video."""
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Upload a clip").first.click()
        page.locator("input[type='file']").set_input_files(str(clip))
        analyse = page.get_by_role("button", name="Analyse")
        analyse.wait_for(timeout=60_000)
        page.wait_for_timeout(SETTLE_S * 1000)
        load = os.getloadavg()[0]
        start, cpu = time.monotonic(), cpu_by_program()
        analyse.click()
        page.get_by_test_id("stMetric").filter(has_text="Reps").first.wait_for(timeout=300_000)
        table = page.get_by_test_id("stDataFrame").first
        table.or_(page.get_by_text("No complete rep was found in this clip.")).wait_for(
            timeout=30_000
        )
        page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first.wait_for(
            timeout=30_000
        )
        result = time.monotonic() - start
        spent = {k: v - cpu[k] for k, v in cpu_by_program().items()}
        said = page.get_by_text(PAGE_SAYS).first
        said.wait_for(timeout=30_000)
        pose_s, score_ms = PAGE_SAYS.search(said.inner_text()).groups()  # type: ignore[union-attr]
        page.get_by_test_id("stVideo").first.wait_for(timeout=300_000)
        video = time.monotonic() - start
        if page.get_by_text("Traceback").count():
            raise RuntimeError(f"{clip.name}: a traceback is on the page")
        return Timing(result, video, load, float(pose_s), float(score_ms) / 1000, spent)
    finally:
        page.close()


def table_row(clip: Path, seconds: float, timings: list[Timing]) -> str:
    result = statistics.median(t.result_s for t in timings)
    pose = statistics.median(t.pose_s for t in timings)
    video = statistics.median(t.video_s for t in timings)
    loads = ", ".join(f"{t.load:.1f}" for t in timings)
    folder = clip.resolve().parent
    where = {REPO / "sample_videos": "sample", SHARED.resolve(): "shared data"}.get(folder, "other")
    ratio = result / seconds if seconds > 0 else float("nan")
    return (
        f"| `{clip.name}` ({where}) | {seconds:.1f} s | {pose:.1f} s | **{result:.1f} s** "
        f"| {ratio:.2f} | {video:.1f} s | {loads} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=2, help="timings a clip; medians printed")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from browser.conftest import BASE_ARGS, CHROMIUM, serve_app

    if not CHROMIUM.is_file():
        print(f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return 2
    clips = args.clips or default_clips()
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    with serve_app("bench-review-page.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(BASE_ARGS))
        for clip in clips:
            seconds = duration_s(clip)
            timings = [time_clip(browser, url, clip) for _ in range(args.rounds)]
            for t in timings:
                print(
                    f"{clip.name} ({seconds:.1f} s): result {t.result_s:.1f} s (pose "
                    f"{t.pose_s:.1f} s, scoring {t.score_s:.2f} s), annotated clip "
                    f"{t.video_s:.1f} s (load {t.load:.2f}); CPU to the result: server "
                    f"{t.cpu_s['server']:.1f} s, browser {t.cpu_s['browser']:.1f} s",
                    flush=True,
                )
            rows.append(table_row(clip, seconds, timings))
        browser.close()
    print("\n| clip | duration | pose found in | result on the page | result / duration "
          "| annotated clip | load at the clicks |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
