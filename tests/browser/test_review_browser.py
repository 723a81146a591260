"""The review page in a real Chromium: a bundled sample's review, and a bad upload's message."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import SAMPLES, screenshot

LOAD_TIMEOUT_MS = 240_000  # first analysis of a sample: pose inference on 2 shared cores


def _open(launch_chromium: Any, url: str, height: int = 1000) -> Any:
    browser = launch_chromium()
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Review a clip").first.wait_for(timeout=60_000)
    return page


def test_bad_upload_shows_a_clear_message(
    launch_chromium: Any, app_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "holiday.mp4"
    bad.write_bytes(os.urandom(200_000))
    page = _open(launch_chromium, app_url)
    page.get_by_text("Upload a clip").click()
    page.locator("input[type='file']").set_input_files(str(bad))
    alert = page.get_by_text(re.compile("holiday.mp4: not a video file formcheck can read"))
    alert.wait_for(timeout=60_000)
    screenshot(page, "review-bad-upload")
    assert page.get_by_text("Traceback").count() == 0
    # the app keeps working, and a second browser session does not share this one's state
    other = page.context.browser.new_context().new_page()
    other.goto(app_url, wait_until="domcontentloaded")
    other.get_by_text("A bundled sample clip").first.wait_for(timeout=60_000)
    other.wait_for_timeout(2000)
    assert other.get_by_text("holiday.mp4").count() == 0
    assert page.get_by_text(re.compile("holiday.mp4: not a video file")).count() == 1


def test_sample_review_shows_true_rep_count_and_rep_table(
    launch_chromium: Any, app_url: str
) -> None:
    from formcheck.ui.samples import find_samples

    samples = [s for s in find_samples(SAMPLES) if s.reps is not None]
    if not samples:
        pytest.skip(f"no bundled sample with a truth file in {SAMPLES}")
    sample = samples[0]  # the landing view: analysed as the page opens
    page = _open(launch_chromium, app_url, height=2400)  # tall: the whole review on screen
    metric = page.get_by_test_id("stMetric").filter(has_text="Reps").first
    metric.wait_for(timeout=LOAD_TIMEOUT_MS)
    value = metric.get_by_test_id("stMetricValue").inner_text().strip()
    assert value == str(sample.reps)
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=30_000)
    page.get_by_test_id("stVideo").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # let the charts draw before the screenshot
    screenshot(page, "review-sample")
    assert page.get_by_text("Traceback").count() == 0
