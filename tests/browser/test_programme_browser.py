"""The Patients page's programme builder in a real Chromium: build a programme, save it
to the patient's record, download the commented TOML file and load it as a patient's
machine would; a bad table gets one line per problem.

The app runs with ``FORMCHECK_DB`` pointing at a record in the test's temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import serve_app
from formcheck.programme import Programme, Step, load_programme
from formcheck.record.programmes import programme_summaries, programmes, save_programme_summary
from formcheck.record.store import Record
from support.browser_support import screenshot

pytestmark = pytest.mark.browser
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "back_pain_programme.toml"


def _idle(page: Any) -> None:
    """Wait until the app has finished rerunning (Streamlit's running indicator gone)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)
    page.wait_for_timeout(300)


def _type_into_cell(page: Any, row: int, column: int, value: str) -> None:
    """Type ``value`` into a data-editor cell (a glide grid drawn on a canvas): select the
    row's first cell by position (just right of the row-marker column), move ``column``
    cells right with the keyboard, type (which opens the cell's editor) and commit."""
    box = page.get_by_test_id("stDataFrame").first.bounding_box()
    header = row_height = 35  # Streamlit's default header and row heights
    page.mouse.click(box["x"] + 60, box["y"] + header + row_height * row + row_height / 2)
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    editor = page.locator("#portal input, #portal textarea").first
    page.keyboard.press("Enter")  # opens the cell's editor (an overlay in #portal)
    editor.wait_for(timeout=5_000)
    editor.fill(value)
    page.keyboard.press("Enter")
    _idle(page)  # the edit reruns the page; the grid redraws


def test_build_save_download_and_load(
    launch_chromium: Any, tmp_path: Path, pose_model: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    with Record.open(db) as record:
        record.add_patient("P-7", birth_year=1961, sex="f")
        # a programme session the live page saved (no programme stored yet: not linked)
        save_programme_summary(record, "P-7", {"title": "Trial session", "steps_done": 1,
                                               "steps_prescribed": 2, "reps_done": 7,
                                               "reps_prescribed": 8})  # fmt: skip
    env = {"FORMCHECK_DB": db, "FORMCHECK_MODEL": str(pose_model)}
    with serve_app("streamlit-programme.log", env=env) as url:
        browser = launch_chromium()
        page = browser.new_context(accept_downloads=True,
                                   viewport={"width": 1280, "height": 720}).new_page()  # fmt: skip
        page.goto(f"{url}/patients", wait_until="domcontentloaded")
        page.get_by_text("Home programme", exact=True).wait_for(timeout=60_000)
        page.get_by_text("No programme yet").wait_for()
        page.get_by_text("Programme sessions saved").wait_for()
        table = page.get_by_test_id("stTable")
        assert "Trial session" in table.inner_text() and "7/8" in table.inner_text()
        title = page.get_by_label("Title")
        title.wait_for()
        # a bad table: no title -> one line naming the field
        title.fill("")
        title.press("Enter")
        page.wait_for_timeout(800)
        page.get_by_role("button", name="Save programme to the record").click()
        page.get_by_text("title must not be empty").wait_for(timeout=20_000)
        # the real one: a title, the starter row's reps 10 -> 8 and a 45 deg target
        title.fill("Week 1 after surgery")
        title.press("Enter")
        _idle(page)
        grid = page.get_by_test_id("stDataFrame").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 60, box["y"] + 52)  # the first click focuses the grid
        page.keyboard.press("Escape")
        _idle(page)
        _type_into_cell(page, 0, 2, "8")  # reps
        _type_into_cell(page, 0, 4, "45")  # target_deg
        screenshot(page, "programme-builder")
        page.get_by_role("button", name="Save programme to the record").click()
        try:
            page.get_by_text("Saved as programme 1 in P-7's record (1 step).").wait_for(
                timeout=20_000)
            page.get_by_text("Step 1. 2 x 8 Standing trunk flexion to 45 deg, rest 60 s").wait_for()
        except Exception:
            screenshot(page, "programme-save-failed")
            raise
        page.set_viewport_size({"width": 1280, "height": 720})
        page.get_by_text("Home programme", exact=True).scroll_into_view_if_needed()
        screenshot(page, "programme-saved")
        with page.expect_download() as info:
            page.get_by_role("button", name="Download programme file (TOML)").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        # start from the example file: its steps, saved as programme 2
        steps = len(load_programme(EXAMPLE).steps)
        uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
        uploader.set_input_files(str(EXAMPLE))
        _idle(page)
        page.wait_for_function("() => [...document.querySelectorAll('input')].some("
                               "i => i.value.startsWith('Low back pain'))")  # fmt: skip
        page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
        screenshot(page, "programme-builder-example")
        page.get_by_role("button", name="Save programme to the record").click()
        page.get_by_text(f"Saved as programme 2 in P-7's record ({steps} steps).").wait_for(
            timeout=20_000)
        page.get_by_text("Step 4. 2 x 30 s Squat to 60 deg, rest 60 s").wait_for()
    assert path.name == "P-7-programme-1.toml"
    expected = Programme("Week 1 after surgery",
                         (Step("trunk_flexion", sets=2, reps=8, target_deg=45, rest_s=60),))
    assert load_programme(path) == expected  # the patient's machine: no database needed
    assert path.read_text(encoding="utf-8").startswith("# formcheck home programme.")
    with Record.open(db) as record:
        assert [p.programme for p in programmes(record, "P-7")] == [expected,
                                                                    load_programme(EXAMPLE)]
        assert [s.title for s in programme_summaries(record, "P-7")] == ["Trial session"]
