"""The live page tells the truth during the session, in a real Chromium with a fake camera.

- A Timed Up and Go (a real recording) plays as the webcam, started while the person is
  already rising, and loops: every pass is counted (the first version counted 0).
- A sit-to-stand with the legs cropped out of the picture: the page asks the patient to
  step back *before* STOP (the first version said so only in the summary).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
from test_live_browser import FPS, HEIGHT, WIDTH, _letterbox, _rep_count

from support.browser_support import SAMPLES, screenshot

TIMEOUT_S = 300.0


def _write_y4m(frames: list[np.ndarray], dest: Path) -> None:
    with av.open(str(dest), mode="w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for frame in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode(None))


def _frames(clip: Path, start_s: float = 0.0, keep_top: float = 1.0) -> list[np.ndarray]:
    """The clip resampled to ``FPS`` from ``start_s``, optionally only its top share."""
    from formcheck.pose.video import open_video

    frames, n = [], 0
    with open_video(clip) as reader:
        for t, rgb in reader:
            if t < start_s:
                continue
            if keep_top < 1.0:
                rgb = np.ascontiguousarray(rgb[: int(rgb.shape[0] * keep_top)])
            frame = _letterbox(rgb)
            while n / FPS <= t - start_s:
                frames.append(frame)
                n += 1
    return frames


def _start_live(launch_chromium: Any, app_url: str, y4m: Path, exercise: str) -> tuple[Any, Any]:
    browser = launch_chromium(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{app_url}/live?exercise={exercise}", wait_until="domcontentloaded")
    page.get_by_text("Live exercise").first.wait_for(timeout=60_000)
    frame = page.frame_locator("iframe[title*='webrtc']").first
    frame.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60_000)
    page.locator("#fc-rep-count").wait_for(timeout=60_000)
    return page, frame


def test_a_looped_tug_started_mid_rise_counts_every_pass(
    launch_chromium: Any, app_url: str, shared_data: Path, tmp_path: Path
) -> None:
    """From 1.0 s the person is already halfway up (README: rising 0.8-1.3 s). Starting
    standing, each pass completes when the next loop's rise ends: two within three loops."""
    y4m = tmp_path / "tug.y4m"
    _write_y4m(_frames(shared_data / "timed_up_and_go_side_1280x720.mp4", start_s=1.0), y4m)
    page, frame = _start_live(launch_chromium, app_url, y4m, "sit_to_stand")
    started, counts = time.monotonic(), []
    while time.monotonic() - started < TIMEOUT_S:
        counts.append(_rep_count(page))
        if (counts[-1] or 0) >= 2:
            break
        page.wait_for_timeout(500)
    screenshot(page, "live-tug-looped")
    seen = [c for c in counts if c is not None]
    print("counts seen:", sorted(set(seen)))
    assert seen and max(seen) >= 2, f"passes not counted: {sorted(set(seen))}"
    assert seen == sorted(seen), "the count went down"
    frame.get_by_role("button", name=re.compile("stop", re.I)).click()


def test_legs_out_of_view_asks_to_step_back_before_stop(
    launch_chromium: Any, app_url: str, tmp_path: Path
) -> None:
    y4m = tmp_path / "no-legs.y4m"
    frames = _frames(SAMPLES / "sit_to_stand_side.mp4", keep_top=0.55)
    _write_y4m(frames, y4m)
    page, frame = _start_live(launch_chromium, app_url, y4m, "sit_to_stand")
    cue = page.locator("#fc-cue")
    deadline, text = time.monotonic() + 120.0, ""
    while time.monotonic() < deadline:
        text = cue.first.inner_text() if cue.count() else ""
        if "Step back so your feet are in view" in text:
            break
        page.wait_for_timeout(500)
    screenshot(page, "live-legs-out-of-view")
    assert "Step back so your feet are in view" in text, text
    assert page.locator("#fc-summary-reps").count() == 0  # still streaming: before STOP
    frame.get_by_role("button", name=re.compile("stop", re.I)).click()
