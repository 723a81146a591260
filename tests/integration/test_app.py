"""Page logic with Streamlit's AppTest: landing review, upload errors, the page guard, live page.

Most tests replace the pose extraction by ``FakeExtraction`` (a synthetic pose
sequence, no video or inference; it counts its calls) and the drawing of the
annotated clip by ``fake_render``: their point is the page, and the scoring
(``analyze``) is real. ``test_sample_review_with_real_inference`` runs the
real pipeline on a bundled sample; ``tests/test_bad_input.py`` the tester's
corpus of bad files through the real pipeline.
"""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import av
import numpy as np
import pytest

from formcheck.errors import FormcheckError, NoPersonFound
from formcheck.ui.boundary import APOLOGY
from formcheck.ui.pipeline import Extraction
from support.builders import build_sequence, sit_to_stand_curves, uniform_times
from support.videos import write_clip

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_videos"
TIMEOUT = 60


def _tiny_mp4(path: Path) -> None:
    write_clip(path, [np.zeros((48, 64, 3), np.uint8)] * 3, fps=10)


class FakeExtraction:
    """Stands in for the pose extraction: a synthetic 2-rep sit-to-stand sequence
    (no video decoding, no inference); ``calls`` lists the names it was asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, path: Path, name: str, **_: Any) -> Extraction:
        self.calls.append(name)
        t = uniform_times(9.0, 30.0)
        reps = [(1.5, 2.5, 3.5, 4.5), (5.5, 6.5, 7.2, 8.2)]
        return Extraction(name, build_sequence(t, *sit_to_stand_curves(t, reps)), seconds=0.1)


def fake_render(*_: Any, **__: Any) -> bytes:
    """Stands in for drawing the annotated clip (its own tests are in test_ui_parts)."""
    return b""


@pytest.fixture
def extraction() -> FakeExtraction:
    return FakeExtraction()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extraction: FakeExtraction) -> Any:
    """The app with one tiny sample clip (truth: sit-to-stand, 2 reps) and the fake extraction."""
    import streamlit as st

    import formcheck.ui.review as review

    _tiny_mp4(tmp_path / "two_reps.mp4")
    (tmp_path / "two_reps.json").write_text('{"exercise": "sit_to_stand", "rep_count": 2}')
    monkeypatch.setenv("FORMCHECK_SAMPLES", str(tmp_path))
    monkeypatch.setattr(review, "extract_clip", extraction)
    monkeypatch.setattr(review, "render_clip", fake_render)
    st.cache_data.clear()
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)


def _texts(at: Any) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def test_landing_page_reviews_the_bundled_sample(app: Any) -> None:
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Review a clip"
    assert at.radio(key="review_source").value.startswith("A bundled sample")
    assert at.selectbox(key="sample_two_reps_exercise").value == "sit_to_stand"  # truth file
    reps = {m.label: m.value for m in at.metric}
    assert reps["Reps"] == "2"
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2
    assert "made with **2** reps" in _texts(at)
    assert "Privacy" in _texts(at) or any("Privacy" in i.value for i in at.info)


def test_each_sample_opens_with_its_own_exercise_and_test(app: Any, tmp_path: Path) -> None:
    _tiny_mp4(tmp_path / "timed.mp4")
    (tmp_path / "timed.json").write_text(
        '{"exercise": "sit_to_stand", "test": "5xsts", "rep_count": 5}'
    )
    at = app.run()
    at.selectbox(key="review_sample").set_value("timed.mp4").run()
    assert not at.exception
    assert at.selectbox(key="sample_timed_exercise").value == "sit_to_stand"
    assert at.selectbox(key="sample_timed_test").value == "5xsts"
    assert "made with **5** reps" in _texts(at)


def test_bad_upload_shows_one_line_and_page_survives(app: Any) -> None:
    at = app.run()
    at.radio(key="review_source").set_value("Upload a clip").run()
    noise = np.random.default_rng(0).bytes(20_000)  # seeded: some random bytes probe oddly
    at.file_uploader(key="review_upload").upload("holiday.mp4", noise, "video/mp4")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "holiday.mp4: not a video file formcheck can read "
        "(invalid data found when processing input); "
        "use a video clip (mp4, mov, webm, avi, mkv or an animated GIF)"
    ]
    at.radio(key="review_source").set_value("A bundled sample clip").run()
    assert not at.exception and not at.error


def _upload_and_analyse(at: Any, tmp_path: Path) -> Any:
    clip = tmp_path / "patient.mp4"
    _tiny_mp4(clip)
    at.radio(key="review_source").set_value("Upload a clip").run()
    at.file_uploader(key="review_upload").upload("patient.mp4", clip.read_bytes(), "video/mp4")
    at.run()
    at.button(key="review_analyse").click().run()
    return at


def test_upload_is_analysed_and_kept_for_this_session_only(app: Any, tmp_path: Path) -> None:
    at = _upload_and_analyse(app.run(), tmp_path)
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Reps"] == "2"
    other = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    other.radio(key="review_source").set_value("Upload a clip").run()
    assert not other.metric and "review_clip" not in other.session_state
    assert "patient.mp4" not in _texts(other)


def test_changing_an_option_rescores_without_extracting_again(
    app: Any, tmp_path: Path, extraction: FakeExtraction
) -> None:
    at = _upload_and_analyse(app.run(), tmp_path)
    assert extraction.calls == ["two_reps.mp4", "patient.mp4"]  # the landing sample, the upload
    at.number_input(key="upload_age").set_value(72).run()
    at.selectbox(key="upload_sex").set_value("f").run()
    at.selectbox(key="upload_test").set_value("30s_cst").run()
    assert not at.exception and not at.error
    assert extraction.calls == ["two_reps.mp4", "patient.mp4"]  # no new extraction
    assert {m.label: m.value for m in at.metric}["Reps"] == "2"  # the result stays
    assert "Re-scored in" in _texts(at) and "patient.mp4" in _texts(at)
    assert any("30-second chair stand" in s.value for s in [*at.success, *at.warning])


def test_an_upload_survives_a_visit_to_the_samples(
    app: Any, tmp_path: Path, extraction: FakeExtraction
) -> None:
    at = _upload_and_analyse(app.run(), tmp_path)
    at.radio(key="review_source").set_value("A bundled sample clip").run()
    assert "two_reps.mp4" in _texts(at) or any("two_reps" in s.value for s in at.subheader)
    at.radio(key="review_source").set_value("Upload a clip").run()
    assert not at.exception and not at.error
    assert "uploaded earlier in this session" in _texts(at)
    assert any(s.value.endswith("patient.mp4") for s in at.subheader)
    assert {m.label: m.value for m in at.metric}["Reps"] == "2"
    assert extraction.calls.count("patient.mp4") == 1


def test_the_session_keeps_only_the_last_few_extractions(
    app: Any, tmp_path: Path, extraction: FakeExtraction
) -> None:
    from formcheck.ui.review import POSES_KEPT

    at = app.run()
    at.radio(key="review_source").set_value("Upload a clip").run()
    for i in range(POSES_KEPT + 2):
        clip = tmp_path / f"clip{i}.mp4"
        write_clip(clip, [np.full((48, 64, 3), 10 * i, np.uint8)] * 3, fps=10)  # distinct bytes
        at.file_uploader(key="review_upload").upload(clip.name, clip.read_bytes(), "video/mp4")
        at.run()
        at.button(key="review_analyse").click().run()
        assert not at.exception and not at.error
    kept = at.session_state["review_poses"].items
    assert len(kept) == POSES_KEPT
    assert [name for _, name in kept] == [f"clip{i}.mp4" for i in range(2, POSES_KEPT + 2)]


@pytest.mark.parametrize(
    ("raised", "shown"),
    [
        (NoPersonFound("patient.mp4: no person found in any frame"),
         "patient.mp4: no person found in any frame"),
        (RuntimeError("index 3 is out of bounds"), APOLOGY),
    ],
)  # fmt: skip
def test_failures_become_a_message_never_a_traceback(
    app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: Exception, shown: str
) -> None:
    import formcheck.ui.review as review

    def failing(*_: Any, **__: Any) -> Extraction:
        raise raised

    monkeypatch.setattr(review, "extract_clip", failing)
    at = _upload_and_analyse(app.run(), tmp_path)
    assert not at.exception
    assert [e.value for e in at.error] == [shown]
    assert "Traceback" not in _texts(at)


class FakeStreamer:
    """Stands in for the webcam widget (which needs a browser): records the frame callback."""

    def __init__(self) -> None:
        self.callback: Any = None
        self.playing = False

    def __call__(self, callback: Any) -> Any:
        self.callback = callback
        return SimpleNamespace(state=SimpleNamespace(playing=self.playing))


def _live_app(monkeypatch: pytest.MonkeyPatch, streamer: FakeStreamer) -> Any:
    import formcheck.ui.live as live
    from support.fake_estimators import ReplayFakeEstimator

    t = uniform_times(9.0, 30.0)
    seq = build_sequence(t, *sit_to_stand_curves(t, [(1.5, 2.5, 3.5, 4.5), (5.5, 6.5, 7.2, 8.2)]))
    real_make_engine = live.make_engine
    monkeypatch.setattr(live, "_streamer", streamer)
    monkeypatch.setattr(live, "make_engine", lambda *a, **k: real_make_engine(
        *a, **k, estimator_factory=lambda: ReplayFakeEstimator(seq)))  # fmt: skip

    def page() -> None:
        from formcheck.ui.live import live_page

        live_page()

    return AppTest.from_function(page, default_timeout=TIMEOUT), seq


def test_live_page_counts_through_the_callback_and_summarises_at_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    streamer = FakeStreamer()
    at, seq = _live_app(monkeypatch, streamer)
    at.query_params["exercise"] = "sit_to_stand"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Live exercise"
    assert any("Press START" in i.value for i in at.info)
    first_callback = streamer.callback
    at.run()  # a rerun replaces the callback on the running stream ...
    assert streamer.callback is not first_callback
    for i, t in enumerate(seq.t):  # ... and frames reach the same engine either way
        frame = av.VideoFrame.from_ndarray(np.zeros((480, 640, 3), np.uint8), format="rgb24")
        frame.pts, frame.time_base = round(t * 90_000), Fraction(1, 90_000)
        (first_callback if i % 2 else streamer.callback)(frame)
    at.run()  # not playing any more: the session summary
    assert not at.exception
    assert "fc-summary-reps" in _texts(at) and ">2</div>" in _texts(at)
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2
    assert [b.label for b in at.get("download_button")] == ["Session summary (JSON)"]


@pytest.mark.slow
def test_sample_review_with_real_inference(
    pose_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's landing view, for real: the first bundled sample is analysed on opening."""
    import streamlit as st

    from formcheck.ui.bundled_samples import find_samples

    samples = [s for s in find_samples(SAMPLES) if s.reps is not None]
    if not samples:
        pytest.skip(f"no bundled sample with a truth file in {SAMPLES}")
    monkeypatch.delenv("FORMCHECK_SAMPLES", raising=False)
    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600).run()
    at.selectbox(key="review_sample").set_value(samples[0].path.name).run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Reps"] == str(samples[0].reps)


def test_live_polling_ends_when_streamlit_stops_a_run_that_gets_no_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import formcheck.ui.live as live

    streamer = FakeStreamer()
    streamer.playing = True  # START pressed, but no frame ever comes (or the tab is gone)
    at, _ = _live_app(monkeypatch, streamer)
    engines: list[Any] = []
    make = live.make_engine
    monkeypatch.setattr(live, "make_engine", lambda *a, **k: engines.append(make(*a, **k))
                        or engines[-1])  # fmt: skip
    at.query_params["exercise"] = "sit_to_stand"
    ended = threading.Event()

    def run() -> None:
        try:
            at.run(timeout=1.0)  # times out, then asks the run to stop and waits for it
        except RuntimeError:
            pass
        finally:
            ended.set()

    threading.Thread(target=run, daemon=True).start()
    stopped = ended.wait(30)
    if not stopped:  # the run ignored the stop: one update lets it see it, so the suite goes on
        engines[0].report_error("test over")
        ended.wait(30)
    assert stopped, "the live page kept polling after Streamlit asked it to stop"


def test_leaving_an_upload_analysis_cancels_it_and_deletes_the_clip(
    app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formcheck.ui.review as review

    seen: dict[str, Any] = {}
    done = threading.Event()

    def slow_analysis(path: Path, name: str, **kw: Any) -> Extraction:
        seen["path"], seen["exists"] = path, path.exists()
        try:
            seen["cancelled"] = kw["cancel"].wait(30)  # a long analysis, until cancelled
            raise FormcheckError("analysis cancelled")
        finally:
            done.set()

    at = app.run()  # the landing sample, with the quick fake analysis
    clip = tmp_path / "patient.mp4"
    _tiny_mp4(clip)
    at.radio(key="review_source").set_value("Upload a clip").run()
    at.file_uploader(key="review_upload").upload("patient.mp4", clip.read_bytes(), "video/mp4")
    at.run()
    monkeypatch.setattr(review, "extract_clip", slow_analysis)
    with pytest.raises(RuntimeError, match="timed out"):  # the user leaves mid-analysis
        at.button(key="review_analyse").click().run(timeout=1.0)
    assert done.wait(30) and seen["exists"] and seen["cancelled"]
    for _ in range(100):  # the temporary file goes as the analysis thread unwinds
        if not seen["path"].exists():
            break
        time.sleep(0.05)
    assert not seen["path"].exists()
