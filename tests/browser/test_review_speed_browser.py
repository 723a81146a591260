"""Time to the result on the review page, in a real Chromium (#16): a short real clip's reps,
table and charts show before the clip has had time to play through, and the annotated
clip follows. Prints the figures (run with ``-s``) and the load average they were taken at.

On a shared machine the wall clock measures the neighbours too: the bound is the clip's
duration on a quiet machine (1-minute load under 1.0), and that duration scaled by half the
load above it otherwise, so the test still fails when the result waits for the video.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from formcheck.pose.video import open_video
from support.browser_support import screenshot

CLIPS = ["timed_up_and_go_side_1280x720.mp4", "stand_up_then_walk_handheld_1280x720.mp4"]


def _bound(duration_s: float, load: float) -> float:
    """Seconds allowed to the result: the clip's duration, scaled when the machine is busy."""
    return duration_s * max(1.0, load / 2)


@pytest.mark.slow
@pytest.mark.parametrize("name", CLIPS)
def test_short_real_clip_shows_its_result_within_its_duration(
    launch_chromium: Any, app_url: str, shared_data: Path, name: str
) -> None:
    clip = shared_data / name
    with open_video(clip) as reader:
        duration = reader.duration_s
    browser = launch_chromium()
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Upload a clip").first.click()
    page.locator("input[type='file']").set_input_files(str(clip))
    analyse = page.get_by_role("button", name="Analyse")
    analyse.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # the landing sample's analysis (if any) is over
    load = os.getloadavg()[0]
    start = time.monotonic()
    analyse.click()
    estimate = page.get_by_text(re.compile(r"Finding the pose in .*about \d+ s left"))
    estimate.first.wait_for(timeout=30_000)  # the progress bar says how long is left
    screenshot(page, f"review-speed-progress-{Path(name).stem}")
    reps = page.get_by_test_id("stMetric").filter(has_text="Reps").first
    reps.wait_for(timeout=240_000)
    table = page.get_by_test_id("stDataFrame").first
    table.or_(page.get_by_text("No complete rep was found in this clip.")).wait_for(timeout=10_000)
    page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first.wait_for(timeout=10_000)
    to_result = time.monotonic() - start
    video_shown_with_result = page.get_by_test_id("stVideo").count() > 0
    page.get_by_test_id("stVideo").first.wait_for(timeout=240_000)
    to_video = time.monotonic() - start
    screenshot(page, f"review-speed-{Path(name).stem}")
    print(
        f"\n{name} ({duration:.1f} s): result on the page in {to_result:.1f} s, "
        f"annotated clip in {to_video:.1f} s (load {load:.2f} at the click)"
    )
    assert page.get_by_text("Traceback").count() == 0
    assert not video_shown_with_result  # the numbers first, the annotated clip after them
    assert to_result < _bound(duration, load), (
        f"{name}: the result took {to_result:.1f} s, the clip lasts {duration:.1f} s "
        f"(load {load:.2f})"
    )
