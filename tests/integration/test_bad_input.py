"""The tester's corpus (issue #15, ``tests/corpus.py``): every file gets a visible message
naming the user's own file, never the temporary one, on the review page (Streamlit's
AppTest, real checks and real MediaPipe) or, for what a browser cannot upload (a missing
file, a folder), from ``formcheck analyze``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.corpus import CASES, PERSON_SOURCE, Case, build

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
REPO = Path(__file__).resolve().parents[2]
TEMP_PREFIX = "formcheck-upload-"  # how the upload's temporary file is named
PAGE = [pytest.param(c, id=c.label, marks=[pytest.mark.slow] if c.inference else [])
        for c in CASES if c.page]  # fmt: skip


def _visible(at: Any) -> dict[str, list[str]]:
    """What the page shows, by kind of element."""
    kinds = ("error", "warning", "subheader", "caption", "info", "success")
    return {k: [str(e.value) for e in getattr(at, k)] for k in kinds}


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pose_model: Path) -> Any:
    """The real app with no bundled samples (so it opens on the upload)."""
    empty = tmp_path / "no-samples"
    empty.mkdir()
    monkeypatch.setenv("FORMCHECK_SAMPLES", str(empty))
    monkeypatch.setenv("FORMCHECK_MODEL", str(pose_model))
    monkeypatch.delenv("FORMCHECK_MAX_UPLOAD_MB", raising=False)
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=300)


@pytest.mark.parametrize("case", PAGE)
def test_review_page_names_the_users_file(
    case: Case, page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case.inference and not PERSON_SOURCE.is_file():
        pytest.skip(f"the person clips are cut from {PERSON_SOURCE}, which is absent")
    if case.limit_mb is not None:
        monkeypatch.setenv("FORMCHECK_MAX_UPLOAD_MB", str(case.limit_mb))
    path = build(case, tmp_path)
    at = page.run()
    at.file_uploader(key="review_upload").upload(case.file_name, path.read_bytes(), "video/mp4")
    at.run()
    if not at.error:
        at.button(key="review_analyse").click().run()
    assert not at.exception
    shown = _visible(at)
    everything = "\n".join(sum(shown.values(), []))
    assert TEMP_PREFIX not in everything and "Traceback" not in everything
    if case.outcome == "refused":
        assert len(shown["error"]) == 1, shown
        error = shown["error"][0]
        assert error.startswith(f"{case.file_name}: ") and case.expect in error, error
        assert not at.metric  # nothing analysed
        return
    assert not shown["error"], shown
    assert any(s.endswith(f": {case.file_name}") for s in shown["subheader"]), shown
    assert any(f"Pose found in {case.file_name}" in c for c in shown["caption"]), shown
    if case.outcome == "warned":
        named = [w for w in shown["warning"] if w.startswith(f"{case.file_name}: ")]
        assert named and any(case.expect in w for w in named), shown["warning"]


@pytest.mark.parametrize("case", [c for c in CASES if not c.page], ids=lambda c: c.label)
def test_cli_names_what_a_browser_cannot_upload(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], pose_model: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from formcheck.cli import main

    monkeypatch.setenv("FORMCHECK_MODEL", str(pose_model))  # the CLI looks for it first

    path = build(case, tmp_path)
    assert main(["analyze", str(path), "--exercise", "sit_to_stand"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and case.file_name in err and case.expect in err, err


@pytest.mark.slow
def test_downloads_carry_the_users_name_not_the_temporary_one(
    tmp_path: Path, pose_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A truncated clip's warning goes into the summary JSON: with the user's name."""
    from formcheck.ui import upload
    from formcheck.ui.pipeline import extract_clip, score_clip

    monkeypatch.setenv("FORMCHECK_MODEL", str(pose_model))
    case = next(c for c in CASES if c.file_name == "cut_off.mp4")
    data = build(case, tmp_path).read_bytes()
    with upload.temporary_clip(data, case.file_name) as temporary:
        assert TEMP_PREFIX in temporary.name
        extraction = extract_clip(temporary, case.file_name)
    result = score_clip(extraction, "sit_to_stand").result
    summary = result.summary_json().decode("utf-8")
    assert f'"source": "{case.file_name}"' in summary
    assert f"{case.file_name}: the file is truncated" in summary
    assert TEMP_PREFIX not in summary and TEMP_PREFIX not in result.frames_csv().decode()
    assert extraction.seq.meta.source == case.file_name
