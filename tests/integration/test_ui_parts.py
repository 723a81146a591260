"""The Streamlit-free parts of the UI: live engine, frame callback, upload checks, ICE config."""

from __future__ import annotations

import os
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.errors import FormcheckError, VideoUnreadable
from formcheck.pose.estimator import FramePose
from formcheck.pose.sequence import PoseSequence
from formcheck.ui import rtc, upload
from formcheck.ui.engine import LiveEngine, make_engine
from formcheck.ui.review_data import series_csv
from support.builders import build_sequence, sit_to_stand_curves, uniform_times
from support.fake_estimators import ReplayFakeEstimator, SlowFakeEstimator
from support.videos import write_clip

H, W = 480, 640


def _sts_clip() -> PoseSequence:
    t = uniform_times(16.0, 30.0)
    reps = [(2.0, 3.0, 4.0, 5.0), (6.5, 7.5, 8.5, 9.5), (11.0, 12.0, 13.0, 14.0)]
    return build_sequence(t, *sit_to_stand_curves(t, reps), width=W, height=H)


def _run(engine: LiveEngine, times: np.ndarray, base: float = 100.0) -> None:
    frame = np.zeros((H, W, 3), np.uint8)
    for t in times:
        engine.process(frame, base + float(t))  # a camera clock that does not start at 0


def test_engine_counts_like_offline_analysis_even_when_frames_are_dropped() -> None:
    from formcheck.exercise.analysis import analyze

    seq = _sts_clip()
    truth = analyze(seq, "sit_to_stand").rep_count
    assert truth == 3
    rng = np.random.default_rng(1)
    kept = seq.t[np.sort(rng.choice(len(seq), size=len(seq) // 2, replace=False))]
    fake = ReplayFakeEstimator(seq, offset=0.0)
    engine = make_engine("sit_to_stand", estimator_factory=lambda: fake)
    _run(engine, kept, base=0.0)
    assert engine.latest is not None and engine.latest.overlay.reps == truth
    assert len(engine.latest.rep_scores) == truth
    report = engine.finish()
    assert report is not None and report.rep_count == truth


def test_engine_times_come_from_timestamps_and_never_go_back() -> None:
    seq = _sts_clip()
    fake = ReplayFakeEstimator(seq)
    engine = make_engine("sit_to_stand", estimator_factory=lambda: fake)
    frame = np.zeros((H, W, 3), np.uint8)
    for t in (50.0, 50.1, 50.1, 50.05, 50.2):  # a repeated and a late frame are skipped
        engine.process(frame, t)
    assert engine.frames == 3
    assert engine.latest is not None and engine.latest.t == pytest.approx(0.2)
    engine.process(frame, 3.0)  # the browser restarted its clock: time keeps increasing
    engine.finish()
    engine.process(frame, 1.0)  # a new stream after STOP: the estimator's clock still grows
    assert np.all(np.diff(fake.times) > 0)
    engine.close()
    assert fake.closed


def test_engine_queue_keeps_only_the_newest_updates() -> None:
    seq = _sts_clip()
    engine = make_engine("sit_to_stand", estimator_factory=lambda: ReplayFakeEstimator(seq))
    _run(engine, seq.t[:20])
    assert engine.results.qsize() == engine.results.maxsize
    newest = [engine.results.get_nowait().t for _ in range(engine.results.qsize())]
    assert newest[-1] == pytest.approx(seq.t[19])


def test_callback_keeps_timestamps_and_reports_failures() -> None:
    from formcheck.ui.live import make_callback

    seq = _sts_clip()
    engine = make_engine("sit_to_stand", estimator_factory=lambda: ReplayFakeEstimator(seq))
    callback = make_callback(engine)
    frame = av.VideoFrame.from_ndarray(np.zeros((H, W, 3), np.uint8), format="rgb24")
    frame.pts, frame.time_base = 90_000 * 3, Fraction(1, 90_000)
    out = callback(frame)
    assert out.pts == frame.pts and out.time_base == frame.time_base
    assert out.to_ndarray(format="rgb24").any()  # something was drawn

    class Broken(ReplayFakeEstimator):
        def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
            raise RuntimeError("camera frame could not be read")

    broken = make_engine("sit_to_stand", estimator_factory=lambda: Broken(seq))
    assert make_callback(broken)(frame) is frame
    assert broken.results.get_nowait().error == "camera frame could not be read"


def test_make_engine_rejects_bad_options_at_once() -> None:
    with pytest.raises(ValueError, match="unknown exercise"):
        make_engine("jumping_jacks", estimator_factory=lambda: ReplayFakeEstimator(_sts_clip()))


def _mp4_bytes(tmp_path: Path) -> bytes:
    clip = write_clip(tmp_path / "clip.mp4", [np.zeros((48, 64, 3), np.uint8)] * 3, fps=10)
    return clip.read_bytes()


def test_upload_is_checked_by_content_not_name(tmp_path: Path) -> None:
    info = upload.check_upload(_mp4_bytes(tmp_path), "clip.avi", limit_mb=5)
    assert (info.width, info.height, info.codec) == (64, 48, "h264")
    with pytest.raises(VideoUnreadable, match="holiday.mp4: not a video file"):
        upload.check_upload(os.urandom(50_000), "holiday.mp4", limit_mb=5)
    with pytest.raises(VideoUnreadable, match="empty"):
        upload.check_upload(b"", "x.mp4", limit_mb=5)
    with pytest.raises(VideoUnreadable, match="limit is 1 MB"):
        upload.check_upload(b"\0" * 1_500_000, "big.mp4", limit_mb=1)


def test_temporary_clip_is_deleted_even_on_error() -> None:
    with pytest.raises(RuntimeError), upload.temporary_clip(b"abc", "a.mp4") as path:
        assert path.read_bytes() == b"abc" and path.suffix == ".mp4"
        kept = path
        raise RuntimeError("analysis failed")
    assert not kept.exists()


def test_upload_limit_from_env_or_streamlit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(upload.ENV_MAX_UPLOAD_MB, raising=False)
    assert upload.max_upload_mb(400) == upload.DEFAULT_MAX_UPLOAD_MB == 200
    assert upload.max_upload_mb(50) == 50  # never more than the browser may send
    monkeypatch.setenv(upload.ENV_MAX_UPLOAD_MB, "12.5")
    assert upload.max_upload_mb(50) == 12.5
    monkeypatch.setenv(upload.ENV_MAX_UPLOAD_MB, "lots")
    with pytest.raises(ValueError, match="FORMCHECK_MAX_UPLOAD_MB"):
        upload.max_upload_mb(50)


def test_ice_servers_none_by_default_configurable_by_env_or_secrets() -> None:
    assert rtc.rtc_configuration(env={}, secrets=None) == {"iceServers": []}
    stun = "stun:stun.example.org:3478"
    env = {rtc.ENV_VAR: f'[{{"urls": "{stun}"}}]'}
    assert rtc.rtc_configuration(env=env) == {"iceServers": [{"urls": stun}]}
    turn = {"urls": ["turn:t.example.org"], "username": "u", "credential": "p"}
    got = rtc.rtc_configuration(env={}, secrets={"ice_servers": [turn]})["iceServers"]
    assert got == [turn]
    with pytest.raises(ValueError, match="not valid JSON"):
        rtc.rtc_configuration(env={rtc.ENV_VAR: "[{"})
    with pytest.raises(ValueError, match="urls"):
        rtc.rtc_configuration(env={rtc.ENV_VAR: '[{"url": "stun:x"}]'})


def test_series_csv_leaves_nan_cells_empty() -> None:
    nan = float("nan")
    text = series_csv({"t_s": [0.0, 0.5], "rep": [nan, 1.0], "knee_flexion_deg": [90.0, nan]})
    assert text.decode().splitlines() == ["t_s,rep,knee_flexion_deg", "0.0000,,90.00", "0.5000,1,"]


def test_warm_up_loads_the_model_before_the_first_frame() -> None:
    seq = _sts_clip()
    made: list[ReplayFakeEstimator] = []
    engine = make_engine("sit_to_stand", estimator_factory=lambda: made.append(
        ReplayFakeEstimator(seq)) or made[-1])  # fmt: skip
    engine.warm_up()
    engine.warm_up()  # idempotent
    engine.process(np.zeros((H, W, 3), np.uint8), 0.0)
    assert len(made) == 1 and made[0].times == [0.0]
    engine.close()
    assert made[0].closed


def test_chair_stand_test_shows_time_left_from_the_first_rise() -> None:
    seq = _sts_clip()
    engine = make_engine(
        "sit_to_stand", "30s_cst", estimator_factory=lambda: ReplayFakeEstimator(seq)
    )
    _run(engine, seq.t, base=0.0)
    update = engine.latest
    assert update is not None and update.timer_label == "time left"
    elapsed = update.state.test_elapsed_s
    assert 10.0 < elapsed < 15.0  # first rise near 2 s, last frame near 16 s
    assert update.overlay.timer_s == pytest.approx(30.0 - elapsed)


def test_overlays_and_series_follow_the_report_reps() -> None:
    from formcheck.exercise.analysis import analyze
    from formcheck.ui.review_data import frame_overlays, frame_series

    seq = _sts_clip()
    report = analyze(seq, "sit_to_stand")
    overlays = frame_overlays(seq, report)
    series = frame_series(seq, report)
    assert len(overlays) == len(seq) == len(series["t_s"]) == len(series["rep"])
    for rep in report.reps:
        before = int(np.searchsorted(seq.t, rep.end_s)) - 1
        after = int(np.searchsorted(seq.t, rep.end_s + 0.1))
        assert overlays[before].reps == rep.index - 1 and overlays[after].reps == rep.index
        assert overlays[after].score == rep.score and overlays[after].cue
        inside = (seq.t > rep.start_s) & (seq.t < rep.end_s)
        assert np.all(np.asarray(series["rep"])[inside] == rep.index)
    assert overlays[-1].angle_label == "knee" and np.isfinite(overlays[-1].angle_deg)


def test_review_pipeline_detects_the_exercise_and_keeps_warnings(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import json
    import warnings

    import formcheck.pose.extract
    from formcheck.errors import FormcheckWarning
    from formcheck.ui.pipeline import analyse_clip

    def fake_extract_pose(path, *, model_path=None, progress=None, cancel=None):  # no inference
        message = "clip.mp4 ended early: 15.9 of 16.0 s decoded"
        warnings.warn(message, FormcheckWarning, stacklevel=2)
        return _sts_clip()

    monkeypatch.setattr(formcheck.pose.extract, "extract_pose", fake_extract_pose)
    result = analyse_clip(tmp_path / "clip.mp4", "clip.mp4", "auto", render=False)
    assert result.exercise == "sit_to_stand" and result.extra["exercise_detected"]
    assert result.report["rep_count"] == 3
    assert result.warnings[0] == "clip.mp4 ended early: 15.9 of 16.0 s decoded"
    summary = json.loads(result.summary_json())
    assert summary["exercise_detected"] is True and summary["report"]["rep_count"] == 3
    assert result.frames_csv().decode().startswith("t_s,rep,")
    timed = analyse_clip(tmp_path / "clip.mp4", "clip.mp4", "auto", test="5xsts", render=False)
    assert timed.exercise == "sit_to_stand" and timed.report["test"]["test"] == "5xsts"


def test_engine_after_close_makes_no_estimator_and_draws_nothing() -> None:
    seq = _sts_clip()
    made: list[ReplayFakeEstimator] = []
    engine = make_engine("sit_to_stand", estimator_factory=lambda: made.append(
        ReplayFakeEstimator(seq)) or made[-1])  # fmt: skip
    _run(engine, seq.t[:3])
    engine.close()
    assert len(made) == 1 and made[0].closed
    frame = np.full((H, W, 3), 7, np.uint8)
    out = engine.process(frame, 500.0)  # a frame still in flight on the old callback
    assert len(made) == 1  # no landmarker nobody would close
    assert out is frame and (out == 7).all() and engine.frames == 3


def test_cancel_stops_extraction_early_with_a_clear_error(tmp_path: Path) -> None:
    from formcheck.pose.extract import extract_pose

    path = write_clip(tmp_path / "c.mp4", [np.full((48, 64, 3), 99, np.uint8)] * 150, fps=30)
    cancel = threading.Event()
    made: list[SlowFakeEstimator] = []
    threading.Timer(0.3, cancel.set).start()
    with pytest.raises(FormcheckError, match="^analysis cancelled$"):
        extract_pose(path, estimator_factory=lambda: made.append(SlowFakeEstimator()) or made[-1],
                     workers=1, cancel=cancel)  # fmt: skip
    time.sleep(0.2)  # frames in flight when it stopped
    assert 0 < len(made[0].times) < 150


def test_cancel_stops_the_render(tmp_path: Path) -> None:
    from formcheck.render.annotated_clip import render_annotated

    path = write_clip(tmp_path / "c.mp4", [np.zeros((48, 64, 3), np.uint8)] * 30, fps=30)
    seq = build_sequence(uniform_times(1.0, 30.0), *sit_to_stand_curves(
        uniform_times(1.0, 30.0), []), width=64, height=48)  # fmt: skip
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(FormcheckError, match="^analysis cancelled$"):
        render_annotated(path, seq, [None] * len(seq), cancel=cancel)


def test_uploads_live_in_a_private_dir_and_dead_servers_dirs_go(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(upload.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(upload, "_upload_dir", None)
    stale = tmp_path / "formcheck-uploads-999999999-abc"  # no such process
    stale.mkdir()
    (stale / "formcheck-upload-x.mp4").write_bytes(b"left by a killed server")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))  # untouched for two hours
    with upload.temporary_clip(b"abc", "a.mp4") as path:
        assert path.parent == upload.upload_dir()
        assert path.parent.name.startswith(f"formcheck-uploads-{os.getpid()}-")
        assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert not path.exists() and not stale.exists()


def test_the_user_name_replaces_the_temporary_one_in_every_message() -> None:
    from formcheck.ui.pipeline import in_user_words

    temp = Path("/tmp/formcheck-uploads-1-x/formcheck-upload-1r5pf9p5.mp4")
    said = f"{temp.name}: no person was detected; see {temp}"
    assert in_user_words(said, temp, "Frau Müller.mp4") == (
        "Frau Müller.mp4: no person was detected; see Frau Müller.mp4")
    sample = Path("sample_videos/a.mp4")
    assert in_user_words("a.mp4: truncated", sample, "a.mp4") == "a.mp4: truncated"


def test_age_sex_and_test_leave_the_annotated_frames_alone_the_exercise_does_not() -> None:
    """The video key (what decides whether the annotated clip is drawn again) changes
    exactly when the frames' overlays do."""
    from formcheck.ui.pipeline import Extraction, score_clip

    extraction = Extraction("clip.mp4", _sts_clip())
    plain = score_clip(extraction, "sit_to_stand")
    same = [score_clip(extraction, "sit_to_stand", age=72, sex="f"),
            score_clip(extraction, "sit_to_stand", test="5xsts", age=80, sex="m"),
            score_clip(extraction, "sit_to_stand", test="30s_cst")]  # fmt: skip
    other = score_clip(extraction, "trunk_flexion")
    for scored in same:
        assert scored.video_key == plain.video_key and scored.overlays() == plain.overlays()
    assert other.video_key != plain.video_key and other.overlays() != plain.overlays()
    assert plain.result.report["rep_count"] == 3
    assert plain.result.extra["score_s"] < 1.0  # a re-score: no pose extraction


def test_upload_check_names_still_images_text_and_unfinished_recordings(tmp_path: Path) -> None:
    from support.videos import write_still

    png = write_still(tmp_path / "a.png").read_bytes()
    with pytest.raises(VideoUnreadable, match=r"^knee\.mp4: this is a still image \(PNG\)"):
        upload.check_upload(png, "knee.mp4", limit_mb=5)
    with pytest.raises(VideoUnreadable, match=r"^notes\.txt: this is a text file"):
        upload.check_upload(b"reps: 5\n" * 100, "notes.txt", limit_mb=5)
    one = write_clip(tmp_path / "one.mp4", [np.zeros((48, 64, 3), np.uint8)]).read_bytes()
    with pytest.raises(VideoUnreadable, match=r"^one\.mp4: this is a still image \(a single"):
        upload.check_upload(one, "one.mp4", limit_mb=5)
    frames = [np.zeros((48, 64, 3), np.uint8)] * 5
    late = write_clip(tmp_path / "late.mp4", frames, faststart=False).read_bytes()
    unfinished = late[: late.index(b"moov") - 4]  # the index, written last, never was
    with pytest.raises(VideoUnreadable, match=r"^rec\.mp4: the MP4 is incomplete"):
        upload.check_upload(unfinished, "rec.mp4", limit_mb=5)
    with pytest.raises(VideoUnreadable, match=r"is 0\.06 MB; the limit is 0\.05 MB"):
        upload.check_upload(b"\1" * 60_000, "big.mp4", limit_mb=0.05)


def test_a_long_clip_numbers_only_every_nth_rep_on_the_charts() -> None:
    from formcheck.ui.charts import MAX_REP_LABELS, rep_labels

    reps = [{"index": i + 1, "start_s": 3.0 * i, "end_s": 3.0 * i + 2} for i in range(208)]
    labels = rep_labels(reps)
    assert len(labels) <= MAX_REP_LABELS and labels["label"].iloc[0] == "1"
    assert list(rep_labels(reps[:5])["label"]) == [f"rep {i}" for i in range(1, 6)]


@pytest.mark.parametrize("exercise", ["sit_to_stand", "squat", "trunk_flexion"])
def test_the_rep_signal_chart_has_its_counted_signal(exercise: str) -> None:
    """The counted signal is a curve of its own (hip height over the leg's length for
    sit-to-stand), so the chart of the rep signal and its thresholds is drawn."""
    from formcheck.exercise.analysis import analyze
    from formcheck.ui.charts import primary_chart
    from formcheck.ui.review_data import frame_series
    from support.builders import build_sequence, sit_to_stand_curves, squat_curves, uniform_times

    t = uniform_times(12.0, 30.0)
    curves = (squat_curves(t, [2.0, 6.0]) if exercise != "sit_to_stand"
              else sit_to_stand_curves(t, [(1.5, 2.5, 3.5, 4.5), (6.0, 7.0, 8.0, 9.0)]))
    report = analyze(build_sequence(t, *curves), exercise)
    series = frame_series(build_sequence(t, *curves), report)
    data = report.to_dict()
    assert any(c.startswith(f"{data['primary']}_") for c in series), list(series)
    assert primary_chart(series, data) is not None
