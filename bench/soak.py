"""Soak the app server: does its memory come back after sessions end? (Not a test: prints figures.)

    .venv/bin/python bench/soak.py [--live 20] [--reviews 20] [--live-s 8] [--settle-s 4]

Starts the real server (``streamlit run app.py`` on a free loopback port,
the repository's ``.streamlit/config.toml``) and drives it with Playwright and
Debian's Chromium (``/usr/bin/chromium``), alternating two kinds of browser
session, each in a fresh browser context that is closed afterwards (a tab
closed):

- **live**: the live page with Chromium's fake camera playing a bundled sample
  (``--use-file-for-fake-video-capture``, a y4m made here), START, ``--live-s``
  seconds of counting, STOP, the summary;
- **review**: the review page, whose landing sample is analysed (cached after
  the first time, as it is for a clinic's repeated reviews).

After each session it prints the server's resident memory (VmRSS) and thread
count from ``/proc/PID/status`` twice: 2 s after the tab closed, and settled,
``--settle-s`` seconds later (default 20: longer than the live engine's 15 s
idle release, after which a session that ended holds no pose model). The last
line compares the settled RSS after all sessions with the settled RSS after the
first five (the issue's target: within 10 %). Traffic stays on loopback; every
wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("FORMCHECK_CHROMIUM", "/usr/bin/chromium"))
WIDTH, HEIGHT, FPS = 640, 480, 15
CLIP = REPO / "sample_videos" / "sit_to_stand_side.mp4"
BASE_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def proc_status(pid: int) -> tuple[float, int]:
    """(resident memory in MB, thread count) of process ``pid`` from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def make_y4m(clip: Path, dest: Path) -> Path:
    """``clip`` letterboxed to 640x480 at 15 fps as the raw y4m Chromium's fake camera loops."""
    import cv2

    from formcheck.pose.video import open_video

    with av.open(str(dest), mode="w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        n = 0
        with open_video(clip) as reader:
            for t, rgb in reader:
                h, w = rgb.shape[:2]
                scale = min(WIDTH / w, HEIGHT / h)
                size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
                small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
                frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
                y, x = (HEIGHT - size[1]) // 2, (WIDTH - size[0]) // 2
                frame[y : y + size[1], x : x + size[0]] = small
                while n / FPS <= t:
                    out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
                    n += 1
        out.mux(stream.encode(None))
    return dest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
               "--server.headless", "true", "--server.port", str(port)]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"soak: the server exited: {log.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit("soak: the server did not start within 90 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def live_session(browser: Any, url: str, seconds: float) -> str:
    """One live session: START, ``seconds`` of counting, STOP, summary; returns the rep count."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{url}/live?exercise=sit_to_stand", wait_until="domcontentloaded")
        page.get_by_text("Live exercise").first.wait_for(timeout=60_000)
        frame = page.frame_locator("iframe[title*='webrtc']").first
        frame.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60_000)
        page.locator("#fc-rep-count").wait_for(timeout=90_000)
        page.wait_for_timeout(seconds * 1000)
        frame.get_by_role("button", name=re.compile("stop", re.I)).click(timeout=30_000)
        summary = page.locator("#fc-summary-reps")
        try:
            summary.wait_for(timeout=30_000)
            return summary.inner_text().strip()
        except Exception:  # no rep finished: the page says so instead
            return "-"
    finally:
        context.close()


def review_session(browser: Any, url: str) -> str:
    """One review of the landing sample; returns the rep count shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        metric = page.get_by_test_id("stMetric").filter(has_text="Reps").first
        metric.wait_for(timeout=300_000)
        page.get_by_test_id("stVideo").first.wait_for(timeout=60_000)
        return metric.get_by_test_id("stMetricValue").inner_text().strip()
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=int, default=20, help="live sessions (default 20)")
    parser.add_argument("--reviews", type=int, default=20, help="review sessions (default 20)")
    parser.add_argument("--live-s", type=float, default=8.0, help="seconds of each live session")
    parser.add_argument("--settle-s", type=float, default=20.0,
                        help="seconds between a session's end and its settled reading")  # fmt: skip
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        print(f"soak: needs Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    kinds = []  # alternating while both kinds remain
    for i in range(max(args.live, args.reviews)):
        kinds += ["live"] * (i < args.live) + ["review"] * (i < args.reviews)
    with tempfile.TemporaryDirectory(prefix="formcheck-soak-") as tmp:
        y4m = make_y4m(CLIP, Path(tmp) / "camera.y4m")
        port = free_port()
        server = start_server(port, Path(tmp) / "server.log")
        url = f"http://localhost:{port}"
        try:
            return _drive(server.pid, url, y4m, kinds, args, sync_playwright)
        finally:
            stop_server(server)


def _drive(pid: int, url: str, y4m: Path, kinds: list[str], args: Any, sync_playwright: Any) -> int:
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
    rss0, threads0 = proc_status(pid)
    print(f"server pid {pid} started: RSS {rss0:.0f} MB, {threads0} threads")
    readings: list[float] = []
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=[*BASE_ARGS, "--use-fake-device-for-media-stream",
                  "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"],
        )  # fmt: skip
        try:
            for i, kind in enumerate(kinds, start=1):
                t0 = time.monotonic()
                reps = live_session(browser, url, args.live_s) if kind == "live" else \
                    review_session(browser, url)  # fmt: skip
                took = time.monotonic() - t0
                time.sleep(2.0)
                rss_now, threads_now = proc_status(pid)
                time.sleep(max(0.0, args.settle_s - 2.0))
                rss, threads = proc_status(pid)
                readings.append(rss)
                print(f"session {i:2d} {kind:6s} reps {reps:>2s} ({took:4.1f} s): "
                      f"RSS {rss_now:4.0f} MB, {threads_now:2d} threads at the end; "
                      f"settled {rss:4.0f} MB, {threads:2d} threads", flush=True)  # fmt: skip
        finally:
            browser.close()
    time.sleep(args.settle_s)
    rss, threads = proc_status(pid)
    print(f"idle after the browser closed: RSS {rss:.0f} MB, {threads} threads")
    print(f"settled RSS over the run: min {min(readings):.0f}, max {max(readings):.0f} MB")
    if len(readings) >= 5:
        base, last = readings[4], readings[-1]
        change = (last - base) / base * 100
        verdict = "within" if abs(change) <= 10 else "NOT within"
        print(
            f"settled RSS after {len(readings)} sessions {last:.0f} MB vs {base:.0f} MB after 5: "
            f"{change:+.1f} % ({verdict} 10 %), {time.monotonic() - started:.0f} s in all"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
