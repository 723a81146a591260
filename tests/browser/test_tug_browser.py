"""The Timed Up and Go in a real Chromium: the rendered TUG sample's review shows the test's
total, its phases and the norm (the clinical test preset from the sample's truth, listed from
the test definitions); the live page does not offer the offline-only TUG and says why."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import serve_app
from formcheck.exercise.clinical_tests import CLINICAL_TESTS
from support.browser_support import SAMPLES, screenshot

CLIP = "timed_up_and_go_side"
LOAD_TIMEOUT_MS = 240_000  # pose inference on 2 shared cores


@pytest.fixture(scope="module")
def tug_app(chromium: Path, pose_model: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[str]:  # fmt: skip
    """The app with the TUG sample as its only bundled clip (so it is the landing review)."""
    if not (SAMPLES / f"{CLIP}.mp4").is_file():
        pytest.skip(f"needs the bundled sample {CLIP}")
    folder = tmp_path_factory.mktemp("tug_samples")
    for suffix in (".mp4", ".json"):
        shutil.copy(SAMPLES / f"{CLIP}{suffix}", folder)
    env = {"FORMCHECK_MODEL": str(pose_model), "FORMCHECK_SAMPLES": str(folder)}
    with serve_app("streamlit-tug.log", env=env) as url:
        yield url


def test_tug_sample_review_shows_total_phases_and_norm(launch_chromium: Any,
                                                       tug_app: str) -> None:  # fmt: skip
    page = launch_chromium().new_page(viewport={"width": 1280, "height": 720})
    page.goto(tug_app, wait_until="domcontentloaded")
    title = CLINICAL_TESTS["tug"].title
    alert = page.get_by_test_id("stAlertContainer")
    result = alert.filter(has_text=re.compile(re.escape(title) + r": \d+\.\d s")).first
    result.wait_for(timeout=LOAD_TIMEOUT_MS)
    assert "fall risk 12s: no" in result.inner_text(), result.inner_text()
    table = page.get_by_test_id("stTable").filter(has_text="turn and sit").first
    table.wait_for(timeout=30_000)
    for phase in ("rise", "walk out", "turn", "walk back", "turn and sit"):
        assert phase in table.inner_text()
    result.scroll_into_view_if_needed()
    screenshot(page, "review-tug")
    assert page.get_by_text("Traceback").count() == 0


def test_live_page_does_not_offer_the_offline_tug(launch_chromium: Any, tug_app: str) -> None:
    page = launch_chromium().new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{tug_app}/live?exercise=sit_to_stand&test=tug", wait_until="domcontentloaded")
    reason = CLINICAL_TESTS["tug"].offline_reason
    page.get_by_text(reason[:40]).first.wait_for(timeout=60_000)
    box = page.get_by_test_id("stSelectbox").filter(has_text="Clinical test").first
    box.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    shown = [o.inner_text() for o in options.all()]
    assert CLINICAL_TESTS["tug"].title not in shown
    assert CLINICAL_TESTS["5xsts"].title in shown and "None" in shown  # ?test=tug not taken
    screenshot(page, "live-tug-offline")
