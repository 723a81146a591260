"""The live page's programme mode with Streamlit's AppTest (the webcam widget is a fake:
``FakeStreamer`` only records the callback; the real stream runs in the browser test)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


class FakeStreamer:
    """Stands in for the webcam widget (which needs a browser), never playing."""

    def __init__(self) -> None:
        self.callback: Any = None

    def __call__(self, callback: Any) -> Any:
        self.callback = callback
        return SimpleNamespace(state=SimpleNamespace(playing=False))


def _app(monkeypatch: pytest.MonkeyPatch) -> Any:
    import formcheck.ui.live as live

    monkeypatch.setattr(live, "_streamer", FakeStreamer())

    def page() -> None:
        from formcheck.ui.live import live_page

        live_page()

    return AppTest.from_function(page, default_timeout=60)


def test_programme_mode_loads_the_example_and_waits_for_start(monkeypatch) -> None:
    at = _app(monkeypatch)
    at.query_params["mode"] = "programme"
    at.run()
    assert not at.exception
    assert any("Load the programme file" in i.value for i in at.info)
    at.checkbox(key="programme_example").check().run()
    assert not at.exception
    assert any("Press START" in i.value for i in at.info)
    from formcheck.speech.voice import find_espeak

    if find_espeak() is not None:
        assert at.toggle(key="programme_mute").value is False
        assert at.slider(key="programme_volume").value == 80
    texts = " ".join(m.value for m in at.markdown)
    assert "Standing trunk flexion" in texts  # the plan, step by step
    at.radio(key="live_mode").set_value("One exercise").run()  # the one-exercise page is intact
    assert not at.exception and any("Press START" in i.value for i in at.info)


def test_without_espeak_the_page_says_so_and_keeps_the_cues_visual(monkeypatch) -> None:
    import formcheck.speech.voice as voice
    import formcheck.ui.programme_live as programme_live

    monkeypatch.setattr(voice, "find_espeak", lambda: None)
    programme_live._voice.clear()  # noqa: SLF001 - the cached voice of an earlier test
    at = _app(monkeypatch)
    at.query_params["mode"] = "programme"
    at.run()
    at.checkbox(key="programme_example").check().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [voice.MISSING]
    assert not at.toggle  # no voice controls without a voice
    programme_live._voice.clear()  # noqa: SLF001


def test_the_patients_programme_loads_from_the_record(monkeypatch, tmp_path) -> None:
    from formcheck.programme import Programme, Step
    from formcheck.record.programmes import save_programme
    from formcheck.record.store import Record
    from formcheck.ui import record_panel

    db = tmp_path / "record.sqlite3"
    week = Programme("Week 3", (Step("back_extension", sets=2, reps=8, target_deg=15),))
    with Record.open(f"sqlite:///{db}") as record:
        record.add_patient("P-7")
        save_programme(record, "P-7", week)
    monkeypatch.setenv("FORMCHECK_DB", str(db))
    record_panel._cached_record.clear()  # noqa: SLF001 - a record of an earlier test
    at = _app(monkeypatch)
    at.query_params["mode"] = "programme"
    at.run()
    at.checkbox(key="programme_from_record").check().run()
    assert not at.exception
    assert at.selectbox(key="programme_record_patient").value == "P-7"
    assert any("Your programme: Week 3 (1 step)" in e.label for e in at.expander)
    record_panel._cached_record.clear()  # noqa: SLF001
