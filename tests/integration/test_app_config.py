"""The configuration reaches the pages: a file given at start-up, and thresholds changed
on the page (AppTest; the pose extraction is test_app's FakeExtraction, the scoring real)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_app import app, extraction  # noqa: F401  (fixtures)

from formcheck.config import Config
from formcheck.ui.settings import CONFIG_ENV, editable_thresholds, unit_of, with_overrides


def _reps(at: Any) -> str:
    return {m.label: m.value for m in at.metric}["Reps"]


def test_the_defaults_count_the_sample(app: Any) -> None:  # noqa: F811
    assert _reps(app.run()) == "2"


def test_a_config_file_given_at_start_up_reaches_the_review_page(
    app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """A floor no rep of the sample reaches: the page counts 0, as the CLI would."""
    cfg = tmp_path / "strict.toml"
    cfg.write_text("[sit_to_stand.counter]\nenter = 95.0\n")
    monkeypatch.setenv(CONFIG_ENV, str(cfg))
    at = app.run()
    assert not at.exception and not at.error
    assert _reps(at) == "0"


def test_a_bad_config_file_is_named_and_the_defaults_used(
    app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    cfg = tmp_path / "typo.toml"
    cfg.write_text("[sit_to_stand]\nmax_trunk_lean = 5\n")
    monkeypatch.setenv(CONFIG_ENV, str(cfg))
    at = app.run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("typo.toml: unknown config key")
    assert _reps(at) == "2"


def test_a_threshold_changed_on_the_page_re_scores(app: Any) -> None:  # noqa: F811
    at = app.run()
    field = at.number_input(key="sample_two_reps_thr_counter.enter")
    assert field.value == pytest.approx(Config().sit_to_stand.counter.enter)
    field.set_value(95.0).run()
    assert not at.exception
    assert _reps(at) == "0"
    assert any("sit_to_stand.counter.enter = 95" in c.value for c in at.caption)


def test_the_editable_thresholds_have_units() -> None:
    values = editable_thresholds(Config(), "trunk_flexion")
    assert values["counter.enter"] == Config().trunk_flexion.counter.enter
    assert unit_of("knee_bend_deg", "deg") == "deg"
    assert unit_of("max_velocity_deg_s", "deg") == "deg/s"
    assert unit_of("counter.enter", "% leg") == "% leg"
    assert unit_of("min_hold_s", "deg") == "s"


def test_a_bad_value_on_the_page_is_refused_with_its_key() -> None:
    config, problem = with_overrides(Config(), (("sit_to_stand.counter.rest", 500.0),))
    assert config == Config() and problem is not None and "counter" in problem


def test_the_live_page_uses_the_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same strict file on the live page: the fake camera's two reps are not counted."""
    from fractions import Fraction

    import av
    import numpy as np
    from test_app import FakeStreamer, _live_app, _texts

    cfg = tmp_path / "strict.toml"
    cfg.write_text("[sit_to_stand.counter]\nenter = 95.0\n")
    monkeypatch.setenv(CONFIG_ENV, str(cfg))
    streamer = FakeStreamer()
    at, seq = _live_app(monkeypatch, streamer)
    at.query_params["exercise"] = "sit_to_stand"
    at.run()
    assert not at.exception
    for t in seq.t:
        frame = av.VideoFrame.from_ndarray(np.zeros((480, 640, 3), np.uint8), format="rgb24")
        frame.pts, frame.time_base = round(t * 90_000), Fraction(1, 90_000)
        streamer.callback(frame)
    at.run()
    assert ">0</div>" in _texts(at)
