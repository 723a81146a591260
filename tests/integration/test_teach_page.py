"""The Teach page's logic with Streamlit's AppTest: the proposal from a sample's
demonstration, its use on the pages, saving it in the record and loading it back, a bad
span refused with the reason.

``FakeExtraction`` stands in for the pose extraction (built knee raises, no video or
inference): the point is the page; the learning and counting are real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from formcheck.exercise.definitions import EXERCISES
from formcheck.ui.pipeline import Extraction
from support.builders import build_sequence, keyframes, uniform_times
from support.videos import write_clip

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
RAISES = [(1.0, 1.9, 2.3, 3.2), (3.8, 4.7, 5.1, 6.0), (6.6, 7.5, 7.9, 8.8)]


def _raises(path: Path, name: str, **_: Any) -> Extraction:
    t = uniform_times(10.0, 25.0)
    pts = [(-1.0, 0.0)]
    for a, b, c, d in RAISES:
        pts += [(a, 0.0), (b, 75.0), (c, 75.0), (d, 0.0)]
    curve = keyframes(t, pts + [(11.0, 0.0)])
    return Extraction(name, build_sequence(t, 0.0 * curve, curve, curve, noise=0.001, seed=4))


def _page() -> None:
    from pathlib import Path as P

    from formcheck.ui.teach import teach_page

    teach_page(P("."))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    import streamlit as st

    import formcheck.ui.review as review

    write_clip(tmp_path / "raises.mp4", [np.zeros((48, 64, 3), np.uint8)] * 3, fps=10)
    (tmp_path / "raises.json").write_text('{"exercise": "knee_raise", "rep_count": 3}')
    monkeypatch.setenv("FORMCHECK_SAMPLES", str(tmp_path))
    monkeypatch.setenv("FORMCHECK_DB", f"sqlite:///{tmp_path / 'record.sqlite3'}")
    monkeypatch.setattr(review, "extract_clip", _raises)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_function(_page, default_timeout=60)  # __main__: tests/conftest.py
    EXERCISES.pop("knee_raise", None)


def _texts(at: Any) -> str:
    parts = [m.value for m in at.markdown] + [s.value for s in at.subheader]
    parts += [e.value for e in at.error] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def test_propose_use_save_and_load_back(app: Any) -> None:
    at = app.run()
    assert not at.exception
    at.text_input(key="teach_title").input("Standing knee raise").run()
    assert "Proposal: Standing knee raise" in _texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reps in the demonstration"] == "2"  # 0-6.5 s: the first two raises
    assert "knee_raise" not in EXERCISES
    at.button(key="teach_use").click().run()
    assert EXERCISES["knee_raise"].title == "Standing knee raise"
    assert "is now an exercise on the review and live pages" in _texts(at)
    at.button(key="teach_save").click().run()
    assert "Saved Standing knee raise in the record" in _texts(at)
    EXERCISES.pop("knee_raise")
    at.button(key="teach_record_load").click().run()
    assert EXERCISES["knee_raise"].title == "Standing knee raise"


def test_a_span_too_short_is_refused_with_the_reason(app: Any) -> None:
    at = app.run()
    at.slider(key="teach_span_raises.mp4").set_value((2.0, 2.3)).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("No exercise can be defined from this: too few frames") for e in errors)
    assert not [b for b in at.button if b.key == "teach_use"]

