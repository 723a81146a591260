"""Teaching formcheck an exercise by demonstration, in a real Chromium: on the "Teach an
exercise" page, the knee-raise sample (an exercise no built-in definition knows), its first
two reps as the demonstration; the proposal is shown, the definition downloaded (a file that
reads back) and put to use; then on the review page that exercise counts the sample's reps
exactly, the three not demonstrated among them, each scored against the demonstration."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from support.browser_support import SAMPLES, screenshot

LOAD_TIMEOUT_MS = 240_000
CLIP = SAMPLES / "knee_raise.mp4"


def _choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.wait_for(timeout=60_000)
    if box.get_by_text(option, exact=True).count():
        return  # already chosen
    try:
        box.click(timeout=60_000)
        page.get_by_role("option", name=option, exact=True).click()
    except Exception:
        screenshot(page, f"teach-failed-choosing-{label.lower()}")
        raise


def test_an_exercise_taught_on_the_page_counts_the_other_reps(
    launch_chromium: Any, app_url: str, tmp_path: Path
) -> None:
    if not CLIP.is_file():
        pytest.skip(f"needs the bundled sample {CLIP}")
    truth = json.loads(CLIP.with_suffix(".json").read_text())
    browser = launch_chromium()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{app_url}/teach", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Teach an exercise").wait_for(timeout=60_000)
    _choose(page, "Sample", "Knee raise")
    page.get_by_label("Title on the pages").fill("Standing knee raise")
    page.get_by_label("Title on the pages").press("Enter")
    page.get_by_text("Proposal: Standing knee raise").wait_for(timeout=LOAD_TIMEOUT_MS)
    reps = page.get_by_test_id("stMetric").filter(has_text="Reps in the demonstration").first
    assert reps.get_by_test_id("stMetricValue").inner_text().strip() == "2"
    page.get_by_text("Proposal: Standing knee raise").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the chart
    screenshot(page, "teach-proposal")
    page.locator("[data-testid='stVegaLiteChart']").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "teach-proposal-chart")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the definition (.toml)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    from formcheck.exercise.definition_file import read

    spec = read(saved)
    assert (spec.name, spec.title, spec.template is not None) == (
        "knee_raise", "Standing knee raise", True)
    page.get_by_role("button", name="Use it on the review and live pages").click()
    page.get_by_text(re.compile(r"Standing knee raise \(knee_raise\) is now an exercise")
                     ).wait_for(timeout=30_000)  # fmt: skip
    screenshot(page, "teach-confirmed")
    assert page.get_by_text("Traceback").count() == 0

    page.get_by_role("link", name="Review a clip").click()  # the same browser session
    page.get_by_role("heading", name="Review a clip").wait_for(timeout=60_000)
    _choose(page, "Sample", "Knee raise")
    _choose(page, "Exercise", "Standing knee raise")
    metric = page.get_by_test_id("stMetric").filter(has_text="Reps").first
    metric.wait_for(timeout=LOAD_TIMEOUT_MS)
    page.get_by_text("Standing knee raise: knee_raise.mp4").wait_for(timeout=LOAD_TIMEOUT_MS)
    assert metric.get_by_test_id("stMetricValue").inner_text().strip() == str(truth["rep_count"])
    page.get_by_text("Standing knee raise: knee_raise.mp4").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    screenshot(page, "teach-review-counted")
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=30_000)
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    screenshot(page, "teach-review-reps")
    assert page.get_by_text("Traceback").count() == 0
