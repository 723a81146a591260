"""The live page in a real Chromium whose fake camera plays a sample clip.

Chromium loops a ``.y4m`` file, so the clip is converted with a still tail
(its last frame held for ``TAIL_S``): the on-screen count must reach the
clip's true count during the first pass and then stay there for ``HOLD_S``
(no double counting), which falls within the tail, before the loop starts
again. Under load Chromium plays the file slower than real time (frames keep
their wall-clock timestamps), so the wait is generous.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from support.browser_support import screenshot

WIDTH, HEIGHT, FPS = 640, 480, 15  # 15 fps keeps the raw y4m (and the CPU load) small
TAIL_S = 12.0
HOLD_S = 5.0
TIMEOUT_S = 240.0


def _letterbox(rgb: np.ndarray) -> np.ndarray:
    """Fit into 640x480 keeping the aspect ratio (black bars)."""
    import cv2

    h, w = rgb.shape[:2]
    scale = min(WIDTH / w, HEIGHT / h)
    small = cv2.resize(rgb, (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2),
                       interpolation=cv2.INTER_AREA)
    out = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    y, x = (HEIGHT - small.shape[0]) // 2, (WIDTH - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def to_y4m(clip: Path, dest: Path, tail_s: float = TAIL_S) -> float:
    """Write ``clip`` as a 640x480 30 fps y4m with a still tail; returns the clip's duration (s)."""
    from formcheck.pose.video import open_video

    with av.open(str(dest), mode="w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        last, n = None, 0
        with open_video(clip) as reader:
            for t, rgb in reader:  # resample to a constant 30 fps by time
                frame = _letterbox(rgb)
                while n / FPS <= t:
                    out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
                    n += 1
                last = frame
        for _ in range(round(tail_s * FPS)):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(last, format="rgb24")))
        out.mux(stream.encode(None))
    return n / FPS


def _rep_count(page: Any) -> int | None:
    node = page.locator("#fc-rep-count")
    if node.count() == 0:
        return None
    text = node.first.inner_text().strip()
    return int(text) if re.fullmatch(r"\d+", text) else None


def test_live_count_reaches_the_clips_true_count(
    launch_chromium: Any, app_url: str, live_sample: tuple[Path, str, int], tmp_path: Path
) -> None:
    clip, exercise, truth = live_sample
    y4m = tmp_path / "camera.y4m"
    to_y4m(clip, y4m)
    browser = launch_chromium(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/live?exercise={exercise}", wait_until="domcontentloaded")
    page.get_by_text("Live exercise").first.wait_for(timeout=60_000)
    frame = page.frame_locator("iframe[title*='webrtc']").first
    frame.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60_000)
    page.locator("#fc-rep-count").wait_for(timeout=60_000)
    screenshot(page, "live-started")
    started = time.monotonic()
    counts: list[tuple[float, int | None]] = []
    reached = None
    while time.monotonic() - started < TIMEOUT_S:
        now = time.monotonic()
        count = _rep_count(page)
        stopped = page.get_by_text("Live analysis stopped")
        if stopped.count():
            screenshot(page, "live-error")
            pytest.fail(stopped.first.inner_text())
        counts.append((now - started, count))
        if reached is None and count == truth:
            reached = now
            screenshot(page, "live-true-count")
        if (count is not None and count > truth) or (reached and now - reached > HOLD_S):
            break
        page.wait_for_timeout(250)
    screenshot(page, "live-end")
    seen = sorted({c for _, c in counts if c is not None})
    changes = [(round(t, 1), c) for i, (t, c) in enumerate(counts)
               if i == 0 or c != counts[i - 1][1]]  # fmt: skip
    print("count changes (s after first status, count):", changes)
    assert reached is not None, f"count never reached {truth}; counts seen: {seen}"
    assert max(seen) == truth, f"count went past {truth} within {HOLD_S} s: {changes}"
    frame.get_by_role("button", name=re.compile("stop", re.I)).click()
    summary = page.locator("#fc-summary-reps")
    summary.wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    screenshot(page, "live-summary")
    assert int(summary.inner_text().strip()) >= truth  # STOP may land after the loop restarted


@pytest.fixture
def live_sample() -> tuple[Path, str, int]:
    """(clip, exercise, true rep count) of a bundled sample for the live test."""
    from formcheck.ui.bundled_samples import find_samples
    from support.browser_support import SAMPLES

    usable = [s for s in find_samples(SAMPLES)
              if s.exercise and s.reps and not s.test and not s.truth.get("faults")]
    # the most webcam-like: a sit-to-stand in a landscape frame
    usable.sort(key=lambda s: (s.exercise != "sit_to_stand", s.truth.get("width", 0) < 640))
    if usable:
        return usable[0].path, str(usable[0].exercise), int(usable[0].reps or 0)
    pytest.skip(f"no bundled sample with a truth file in {SAMPLES}")
