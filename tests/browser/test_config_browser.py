"""The app started with a configuration file behaves as the file says, on both pages
(a real server started as ``streamlit run app.py -- --config FILE``, real Chromium).

The file raises every exercise's rep floor beyond what any sample reaches: the landing
review and the live page (fake camera playing a sample that the default counts, see
test_live_browser) must then count 0, and the review page shows the configured value.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_live_browser import _rep_count, to_y4m

from conftest import serve_app
from support.browser_support import SAMPLES, screenshot

STRICT = """# no rep of any sample reaches these floors
[trunk_flexion.counter]
enter = 150.0
[back_extension.counter]
enter = 150.0
[sit_to_stand.counter]
enter = 99.0
[sit_to_stand.squat_counter]
enter = 99.0
[sit_to_stand.knee_counter]
enter = 170.0
[sit_to_stand.knee_squat_counter]
enter = 170.0
[sit_to_stand.frontal_counter]
enter = 500.0
[sit_to_stand.frontal_squat_counter]
enter = 500.0
[squat.counter]
enter = 99.0
"""


@pytest.fixture(scope="module")
def strict_app(chromium: Path, pose_model: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[str]:  # fmt: skip
    cfg = tmp_path_factory.mktemp("cfg") / "strict.toml"
    cfg.write_text(STRICT)
    env = {"FORMCHECK_MODEL": str(pose_model), "FORMCHECK_CONFIG": ""}  # only the argument
    with serve_app("streamlit-config-server.log", script_args=("--config", str(cfg)),
                   env=env) as url:  # fmt: skip
        yield url


def test_the_review_page_uses_the_config_file(launch_chromium: Any, strict_app: str) -> None:
    page = launch_chromium().new_page(viewport={"width": 1400, "height": 1100})
    page.goto(strict_app, wait_until="domcontentloaded")
    page.get_by_text("Review a clip").first.wait_for(timeout=60_000)
    reps = page.get_by_test_id("stMetric").filter(has_text="Reps").first
    reps.wait_for(timeout=240_000)
    page.get_by_text("Thresholds (this session only)").first.click()
    page.wait_for_timeout(1000)
    screenshot(page, "review-strict-config")
    assert re.search(r"Reps\s*0\b", reps.inner_text()), reps.inner_text()
    assert page.get_by_label(re.compile(r"counter\.enter")).first.input_value() in ("99", "150")


def test_the_live_page_uses_the_config_file(
    launch_chromium: Any, strict_app: str, tmp_path: Path
) -> None:
    y4m = tmp_path / "camera.y4m"
    played_s = to_y4m(SAMPLES / "sit_to_stand_side.mp4", y4m, tail_s=2.0)
    browser = launch_chromium("--use-fake-device-for-media-stream",
                              "--use-fake-ui-for-media-stream",
                              f"--use-file-for-fake-video-capture={y4m}")  # fmt: skip
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{strict_app}/live?exercise=sit_to_stand", wait_until="domcontentloaded")
    page.get_by_text("Live exercise").first.wait_for(timeout=60_000)
    frame = page.frame_locator("iframe[title*='webrtc']").first
    frame.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60_000)
    page.locator("#fc-rep-count").wait_for(timeout=60_000)
    started, counts = time.monotonic(), []
    while time.monotonic() - started < max(40.0, 3 * played_s):  # the whole clip, under load
        counts.append(_rep_count(page))
        page.wait_for_timeout(500)
    screenshot(page, "live-strict-config")
    frame.get_by_role("button", name=re.compile("stop", re.I)).click()
    summary = page.locator("#fc-summary-reps")
    summary.wait_for(timeout=60_000)
    assert set(c for c in counts if c is not None) == {0}
    assert summary.inner_text().strip() == "0"
