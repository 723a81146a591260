"""The review page in a real Chromium: a bundled sample's review, bad uploads' messages (random
bytes named .mp4, a PNG: refused by content, on the page, naming the file), and a change of the
patient's age after a result (re-scored at once, the result stays, no new extraction)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from support.browser_support import SAMPLES, screenshot
from support.videos import write_still

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
    from formcheck.ui.bundled_samples import find_samples

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


def test_a_refused_png_gets_a_visible_error_naming_it(
    launch_chromium: Any, app_url: str, tmp_path: Path
) -> None:
    """Not refused by its name in the browser (a red (!) with a tooltip) but by its content,
    with the message where every other error goes."""
    png = write_still(tmp_path / "knee photo.png")
    page = _open(launch_chromium, app_url)
    page.get_by_text("Upload a clip").click()
    page.locator("input[type='file']").set_input_files(str(png))
    alert = page.get_by_test_id("stAlertContainer").filter(has_text="knee photo.png")
    alert.wait_for(timeout=60_000)
    assert alert.is_visible()
    assert alert.inner_text().strip() == "knee photo.png: this is a still image (PNG), not a video"
    screenshot(page, "review-refused-png")
    assert page.get_by_text("formcheck-upload-").count() == 0


def test_changing_the_age_after_a_result_rescores_without_extracting(
    launch_chromium: Any, app_url: str
) -> None:
    clip = SAMPLES / "five_times_sit_to_stand.mp4"
    if not clip.is_file():
        pytest.skip(f"needs the bundled sample {clip}")
    page = _open(launch_chromium, app_url, height=2000)
    page.get_by_text("Upload a clip").click()
    page.locator("input[type='file']").set_input_files(str(clip))
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text(f"Pose found in {clip.name}").wait_for(timeout=LOAD_TIMEOUT_MS)
    page.get_by_test_id("stVideo").first.wait_for(timeout=120_000)
    reps = page.get_by_test_id("stMetric").filter(has_text="Reps").first
    before = reps.get_by_test_id("stMetricValue").inner_text().strip()
    age = page.get_by_label("Patient age (years, optional)")
    age.fill("72")
    start = time.monotonic()
    age.press("Enter")
    rescored = page.get_by_text(re.compile(r"Re-scored in \d+ ms from the pose already found in "
                                           + re.escape(clip.name)))
    rescored.wait_for(timeout=30_000)
    elapsed = time.monotonic() - start
    assert elapsed < 5.0, f"the re-score took {elapsed:.1f} s to show"
    assert int(re.search(r"Re-scored in (\d+) ms", rescored.inner_text())[1]) < 1000
    assert reps.get_by_test_id("stMetricValue").inner_text().strip() == before
    assert page.get_by_text("Pose found in").count() == 0  # no new extraction
    page.get_by_test_id("stVideo").first.wait_for(timeout=5_000)  # the clip did not change
    page.wait_for_timeout(1500)
    screenshot(page, "review-rescored-age")
