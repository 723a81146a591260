"""The patient record in a real Chromium: save two reviews to one patient, see the trend
and the comparison, download the PDF; the record's failure message keeps the review;
in network mode no record can be read without signing in.

Each test starts its own ``streamlit run app.py`` with ``FORMCHECK_DB`` pointing at a
record in the test's temporary folder (never the user's own record).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import serve_app
from support.browser_support import ARTIFACTS, REPO, screenshot

ANALYSIS_TIMEOUT_MS = 240_000  # a sample's first analysis: pose inference on 2 shared cores


@contextmanager
def _app(env: dict[str, str], name: str) -> Iterator[str]:
    """The app on a free loopback port with ``env`` added; stopped afterwards."""
    with serve_app(f"streamlit-{name}.log", env=env) as url:
        yield url


def _page(launch_chromium: Callable[..., Any], url: str, height: int = 2600) -> Any:
    browser = launch_chromium()
    page = browser.new_context(accept_downloads=True,
                               viewport={"width": 1400, "height": height}).new_page()  # fmt: skip
    page.goto(url, wait_until="domcontentloaded")
    return page


def _wait_review(page: Any) -> None:
    page.get_by_test_id("stMetric").filter(has_text="Reps").first.wait_for(
        timeout=ANALYSIS_TIMEOUT_MS)


def _choose(page: Any, label: str, option: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def _save(page: Any, number: int, patient: str | None, new: dict[str, str] | None = None) -> str:
    """Save the review on screen; wait for "Saved as session ``number``"."""
    try:
        return _save_steps(page, number, patient, new)
    except Exception:
        screenshot(page, "record-save-failed")
        (ARTIFACTS / "record-save-failed.html").write_text(page.content())
        raise


def _save_steps(page: Any, number: int, patient: str | None, new: dict[str, str] | None) -> str:
    start = page.get_by_role("button", name="Save to a patient's record")
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Patient", exact=True))
    start.or_(box).first.wait_for(timeout=60_000)
    if start.count():  # the panel stays open once opened in this browser session
        start.click()
    box.first.wait_for(timeout=30_000)
    if new is not None:
        page.get_by_label("Patient ID (a pseudonym, not the name)").fill(new["id"])
        page.get_by_label("Birth year (optional)").fill(new["year"])
        page.get_by_label("Birth year (optional)").press("Enter")
        page.wait_for_timeout(1500)  # the number is committed: the page reruns
        _choose(page, "Sex (optional)", "female")
    else:
        _choose(page, "Patient", patient or "")
    page.get_by_role("button", name="Save", exact=True).click()
    done = page.get_by_text(re.compile(f"Saved as session {number} in patient"))
    done.wait_for(timeout=30_000)
    return str(done.inner_text())


def _has_value(page: Any, label: str, value: str) -> None:
    """Wait until the select box ``label`` shows ``value`` (held in its input's value)."""
    page.locator(f'input[role="combobox"][aria-label="{label}"][value="{value}"]').wait_for(
        timeout=30_000)


def _metric(page: Any, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label).first
    return str(metric.get_by_test_id("stMetricValue").inner_text()).strip()


def test_save_two_reviews_see_trend_and_download_pdf(
    launch_chromium: Callable[..., Any], chromium: Path, pose_model: Path, tmp_path: Path
) -> None:
    db = tmp_path / "record.sqlite3"
    env = {"FORMCHECK_DB": str(db), "FORMCHECK_MODEL": str(pose_model)}
    with _app(env, "record-flow") as url:
        page = _page(launch_chromium, url)
        _wait_review(page)  # the landing sample: Back extension faults
        assert not db.exists()  # nothing stored before the user saves
        first_rom = _metric(page, "Mean range of motion")
        said = _save(page, 1, None, {"id": "K-001", "year": "1953"})
        assert "Saved as session 1 in patient K-001" in said
        screenshot(page, "record-saved-first")

        _choose(page, "Sample", "Back extension side")
        page.wait_for_timeout(1000)
        _wait_review(page)
        page.get_by_text(re.compile(r": back_extension_side\.mp4$")).first.wait_for(
            timeout=ANALYSIS_TIMEOUT_MS)
        second_rom = _metric(page, "Mean range of motion")
        assert "Saved as session 2 in patient K-001" in _save(page, 2, "K-001")

        screenshot(page, "record-saved-second")
        page.get_by_role("link", name="Patients").click()
        _has_value(page, "Patient", "K-001 (2 sessions) - born 1953, female")
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for(timeout=30_000)
        compared = page.locator("p", has_text="Compared with the previous session:").first
        compared.wait_for(timeout=30_000)
        words = compared.inner_text()
        delta = int(second_rom.split()[0]) - int(first_rom.split()[0])
        assert re.search(r"extension [+-]\d+ deg since \d+ \w{3}", words), words
        shown = int(re.search(r"extension ([+-]\d+) deg", words).group(1))  # type: ignore[union-attr]
        assert abs(shown - delta) <= 1  # the page's rounded means against the words
        page.wait_for_timeout(2000)  # charts drawn
        screenshot(page, "record-patients-trend")
        assert page.get_by_test_id("stVegaLiteChart").count() >= 4  # trends + the session's

        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Session report (PDF)").click()
        pdf_path = tmp_path / "session.pdf"
        info.value.save_as(pdf_path)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=re.compile(r"Progress PDF \(2\)")).click()
        progress = tmp_path / "progress.pdf"
        info.value.save_as(progress)
        assert page.get_by_text("Traceback").count() == 0

    from formcheck.record.store import Record

    with Record.open(str(db)) as record:
        s1, s2 = record.sessions("K-001")
        assert record.patient("K-001").birth_year == 1953 and record.patient("K-001").sex == "f"
    assert f"{s2.report['summary']['mean_rom_deg']:.0f} deg" == second_rom  # page == record
    assert f"{s1.report['summary']['mean_rom_deg']:.0f} deg" == first_rom
    if shutil.which("pdftotext") is None:
        pytest.skip("reading the PDF needs poppler-utils (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Patient ID: K-001" in text and f"Session {s2.id}:" in text
    assert f"Mean range of motion: {s2.report['summary']['mean_rom_deg']:.1f} deg" in text
    for rep in s2.report["reps"]:
        assert f"{rep['rom_deg']:.1f}" in text
    ptext = subprocess.run(["pdftotext", str(progress), "-"], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    assert "2 session(s)" in ptext and "extension" in ptext
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf_path), str(ARTIFACTS / "record-pdf")],
                   check=True)  # fmt: skip


def test_record_failure_keeps_the_review(
    launch_chromium: Callable[..., Any], chromium: Path, pose_model: Path, tmp_path: Path
) -> None:
    db = tmp_path / "record.sqlite3"
    db.write_bytes(b"this file was damaged " * 200)
    env = {"FORMCHECK_DB": str(db), "FORMCHECK_MODEL": str(pose_model)}
    with _app(env, "record-failure") as url:
        page = _page(launch_chromium, url)
        _wait_review(page)
        page.get_by_role("button", name="Save to a patient's record").click()
        damaged = "The patient record .* is damaged or not a formcheck database"
        alert = page.get_by_text(re.compile(damaged))
        alert.wait_for(timeout=30_000)
        assert "The analysis on this page is not lost" in alert.inner_text()
        screenshot(page, "record-failure")
        # the review is still there, with its downloads
        assert _metric(page, "Reps") == "3"
        download = page.get_by_role("button", name="Summary (JSON)")
        with page.expect_download(timeout=30_000) as info:
            download.click()
        assert b'"rep_count": 3' in Path(info.value.path()).read_bytes()
        assert page.get_by_text("Traceback").count() == 0


def test_network_mode_needs_sign_in(
    launch_chromium: Callable[..., Any], chromium: Path, tmp_path: Path
) -> None:
    from formcheck.record.auth import hash_password
    from formcheck.record.capture import from_report
    from formcheck.record.store import Record
    from support.record_support import flexion_report

    db = tmp_path / "record.sqlite3"
    with Record.open(str(db)) as record:
        record.add_patient("SECRET-7", name="Agatha Secretname", birth_year=1940)
        record.save("SECRET-7", from_report(flexion_report(48.0),
                                            recorded_utc=datetime(2026, 2, 1, tzinfo=UTC)))
    env = {"FORMCHECK_DB": str(db), "FORMCHECK_NETWORK": "1",
           "FORMCHECK_PASSWORD_HASH": hash_password("correct horse")}  # fmt: skip
    with _app(env, "record-network") as url:
        page = _page(launch_chromium, f"{url}/patients", height=1400)
        form = page.get_by_text("Sign in to see patient records")
        form.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)

        def leaked() -> bool:
            html = page.content()
            return "SECRET-7" in html or "Secretname" in html

        assert not leaked()
        page.get_by_label("Password", exact=True).fill("wrong guess")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Wrong password.").wait_for(timeout=30_000)
        assert not leaked()
        screenshot(page, "record-sign-in")
        # another browser (no sign-in) gets nothing either, on any page that shows records
        other = _page(launch_chromium, f"{url}/patients", height=1400)
        other.get_by_text("Sign in to see patient records").wait_for(timeout=60_000)
        assert "SECRET-7" not in other.content()

        page.get_by_label("Password", exact=True).fill("correct horse")
        page.get_by_role("button", name="Sign in").click()
        _has_value(page, "Patient", "SECRET-7 (1 session) - Agatha Secretname, born 1940")
        screenshot(page, "record-signed-in")
        other.reload()
        other.get_by_text("Sign in to see patient records").wait_for(timeout=60_000)
        other.wait_for_timeout(1500)
        assert "SECRET-7" not in other.content()


@pytest.fixture(autouse=True)
def _tests_on_path() -> None:
    """``record_support`` lives in tests/ (one level up)."""
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
