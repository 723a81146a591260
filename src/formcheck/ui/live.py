"""The live page (patient): webcam -> skeleton, angle, reps, phase, big coloured cue, scores.

The video callback is thin (convert, ``engine.process``, convert back) and
never calls ``st.*``; the :class:`~formcheck.ui.engine.LiveEngine` lives in
``st.session_state`` (one per browser session and choice of exercise), and
the page reads its results from ``engine.results`` (a ``queue.Queue``) with a
timeout. Time is the frames' own timestamps (``frame.time``: pts x
time_base); frames dropped under load (async processing) cost nothing but
smoothness. WebRTC runs without any STUN/TURN server unless configured
(see :mod:`formcheck.ui.rtc`).
"""

from __future__ import annotations

import html
import json
import logging
import queue
import time
from collections.abc import Callable
from typing import Any

import av
import streamlit as st

from formcheck.exercise.definitions import EXERCISES
from formcheck.pose.video import frame_to_rgb
from formcheck.record.capture import report_series
from formcheck.render.overlay import CUE_COLOURS
from formcheck.ui import record_panel, review_data, rtc
from formcheck.ui.engine import LiveEngine, LiveUpdate, make_engine
from formcheck.ui.options import AnalysisOptions, choose_options, offline_only_tests
from formcheck.ui.results import show_test
from formcheck.ui.settings import app_config, with_overrides

__all__ = ["live_page", "make_callback", "score_line"]

LOG = logging.getLogger("formcheck.ui")
_ENGINE, _REPORT = "live_engine", "live_report"
_POLL_S = 0.25  # page refresh interval while streaming


def make_callback(engine: LiveEngine) -> Callable[[av.VideoFrame], av.VideoFrame]:
    """The webcam frame callback: nothing but conversion and ``engine.process``."""
    failed: list[str] = []

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        if failed:
            return frame
        try:
            rgb = frame_to_rgb(frame)  # the conversion files get too: same pixels, same numbers
            out = engine.process(rgb, frame.time)
        except Exception as err:  # keep the stream alive; the page shows the message
            LOG.exception("live processing failed")
            failed.append(str(err))
            engine.report_error(str(err))
            return frame
        new = av.VideoFrame.from_ndarray(out, format="rgb24")
        new.pts, new.time_base = frame.pts, frame.time_base
        return new

    return callback


def _engine_for(options: AnalysisOptions) -> LiveEngine:
    """This browser session's engine for ``options`` (a new one when the options change)."""
    held = st.session_state.get(_ENGINE)
    if held is not None and held[0] == options:
        return held[1]
    if held is not None:
        held[1].close()
    config, _ = with_overrides(app_config()[0], options.overrides)
    engine = make_engine(options.exercise, options.test, age=options.age, sex=options.sex,
                         config=config)
    engine.warm_up()
    st.session_state[_ENGINE] = (options, engine)
    return engine


def live_page() -> None:
    """Draw the live page."""
    st.title("Live exercise")
    st.caption("Your camera picture is processed on this computer only; nothing is recorded.")
    config, problem = app_config()
    if problem:
        st.error(problem)
    if _mode() == PROGRAMME:
        from formcheck.ui.programme_live import programme_page

        programme_page(config, _streamer, make_callback)
        return
    options = choose_options(None, None, key="live", from_query=True, config=config, live=True)
    for reason in offline_only_tests(options.exercise):
        st.caption(reason)
    engine = _engine_for(options)
    _instructions(options)
    video_col, status_col = st.columns([3, 2])
    with video_col:
        ctx = _streamer(make_callback(engine))
    with status_col:
        status = st.empty()
    if ctx.state.playing:
        st.session_state.pop(_REPORT, None)
        _follow(engine, status)
    else:
        _finish(engine)
        with status.container():
            _summary()


PROGRAMME = "My home programme"


def _mode() -> str:
    """One exercise, or the patient's home programme (``/live?mode=programme``)."""
    modes = ["One exercise", PROGRAMME]
    start = 1 if st.query_params.get("mode") == "programme" else 0
    return str(st.radio("What to do", modes, index=start, horizontal=True, key="live_mode"))


def _streamer(callback: Callable[[av.VideoFrame], av.VideoFrame]) -> Any:
    """The webcam widget (streamlit-webrtc, async processing: frames are dropped, not queued)."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    try:
        rtc_configuration = rtc.rtc_configuration(secrets=_secrets())
    except ValueError as err:  # a configuration mistake the operator can fix: say which
        st.error(f"WebRTC configuration: {err}")
        rtc_configuration = {"iceServers": []}
    return webrtc_streamer(
        key="formcheck-live",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration,
        media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
        video_frame_callback=callback,
        async_processing=True,
    )


def _secrets() -> Any:
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else None
    except Exception:  # no or unreadable secrets.toml: no ICE servers
        return None


def _instructions(options: AnalysisOptions) -> None:
    spec = EXERCISES.get(options.exercise)
    taught = spec.demonstration.get("view") if spec is not None else None  # taught by example
    side = (f"Stand as in the demonstration ({taught} view)" if taught
            else spec.setup if spec is not None else "Stand side-on to the camera")  # fmt: skip
    st.markdown(f"1. {side}, about 2-3 m away, whole body in view (feet too).  \n"
                "2. Press **START**. formcheck finds your posture in the first moments you "
                "are in view; you can start moving at once. If something is in the way, "
                "the large box says what to do.  \n3. Exercise; press **STOP** for your "
                "summary.")


class _StatusSlots:
    """Fixed placeholders of the live status column, updated in place (no stale elements)."""

    def __init__(self) -> None:
        left, right = st.columns(2)
        self.reps, self.phase = left.empty(), right.empty()
        self.timer, self.cue, self.setup = st.empty(), st.empty(), st.empty()
        self.scores, self.detail = st.empty(), st.empty()
        self.beat = st.empty()  # redrawn empty while no update comes (see _follow)

    def show(self, update: LiveUpdate) -> None:
        ov = update.overlay
        if update.error:
            self.cue.error(f"Live analysis stopped: {update.error}")
            return
        self.reps.markdown(_big("Reps", str(ov.reps or 0), "fc-rep-count"), unsafe_allow_html=True)
        self.phase.markdown(_big("Phase", html.escape(ov.phase or "-"), "fc-phase"),
                            unsafe_allow_html=True)
        if ov.timer_s is not None:
            label = update.timer_label.capitalize() or "Time"
            self.timer.markdown(_big(label, f"{ov.timer_s:.1f} s", "fc-timer"),
                                unsafe_allow_html=True)
        cue = ov.cue or ("Step into view" if not update.person else "")
        level = ov.cue_level if ov.cue else ("warn" if not update.person else "good")
        self.cue.markdown(_cue_html(cue, level) if cue else "", unsafe_allow_html=True)
        self.setup.caption("  \n".join(update.setup[1:]))
        if update.rep_scores:
            self.scores.markdown(score_line(update.rep_scores))
        if ov.angle_deg is not None and ov.angle_deg == ov.angle_deg:
            self.detail.caption(f"{ov.angle_label} angle {ov.angle_deg:.0f} deg; "
                                f"frame processed in {update.frame_ms:.0f} ms")


_SHOWN_SCORES = 5


def score_line(scores: tuple[float, ...]) -> str:
    """The live score list, kept short: the last few reps' scores and the mean of all."""
    first = max(1, len(scores) - _SHOWN_SCORES + 1)
    last = "  ".join(f"{i}: **{s:.0f}**" for i, s in enumerate(scores[-_SHOWN_SCORES:], first))
    more = "... " if first > 1 else ""
    return f"**Rep scores:** {more}{last} · mean **{sum(scores) / len(scores):.0f}**"


def _follow(engine: LiveEngine, status: Any) -> None:
    """Show the newest update until the stream stops (a rerun ends this loop).

    Streamlit stops a script run only inside an ``st.*`` call, so every pass
    makes one, even when no frame came (STOP pressed, tab closed): otherwise the
    old run would poll forever, holding its engine.
    """
    with status.container():
        slots = _StatusSlots()
    slots.cue.info("Waiting for the camera picture...")
    while True:
        try:
            update = engine.results.get(timeout=_POLL_S)
        except queue.Empty:
            slots.beat.empty()  # a cheap st call: here a stop request ends the run
            continue
        while not engine.results.empty():  # only the newest matters
            update = engine.results.get_nowait()
        slots.show(update)
        time.sleep(_POLL_S)


def _big(label: str, value: str, ident: str) -> str:
    return (f'<div style="font-size:1rem;color:#555">{label}</div>'
            f'<div id="{ident}" data-fc="{ident}" style="font-size:3.2rem;font-weight:700;'
            f'line-height:1.1">{value}</div>')


def _cue_html(text: str, level: str) -> str:
    r, g, b = CUE_COLOURS.get(level, CUE_COLOURS["info"])
    return (f'<div id="fc-cue" data-fc="fc-cue" style="background:rgb({r},{g},{b});color:white;'
            f'font-size:2.4rem;font-weight:700;padding:0.6rem 1rem;border-radius:0.6rem;'
            f'margin:0.8rem 0">{html.escape(text)}</div>')


def _finish(engine: LiveEngine) -> None:
    """After STOP: end the session and keep its report for the summary."""
    if engine.frames == 0:
        return
    report = engine.finish()
    if report is not None:
        st.session_state[_REPORT] = report.to_dict()
        st.session_state[_REPORT + "_curves"] = report_series(report)  # for a save


def _summary() -> None:
    report = st.session_state.get(_REPORT)
    if report is None:
        st.info("Press START to begin. Your live count, cues and scores appear here.")
        return
    st.subheader("Session summary")
    summary = report.get("summary", {})
    mean = summary.get("mean_score")
    st.markdown(_big("Reps", str(report.get("rep_count", 0)), "fc-summary-reps"),
                unsafe_allow_html=True)
    st.metric("Mean score", f"{mean:.0f}/100" if mean is not None else "-")
    if report.get("test"):
        show_test(report["test"])
    rows = review_data.rep_rows(report)
    if rows:
        st.dataframe([{k: r[k] for k in ("rep", "score", "cues")} for r in rows],
                     hide_index=True)
    for warning in report.get("warnings", []):
        st.warning(warning)
    st.download_button("Session summary (JSON)", json.dumps(report, indent=2).encode("utf-8"),
                       file_name="formcheck-live-session.json", mime="application/json")
    record_panel.live_save(report, st.session_state.get(_REPORT + "_curves"))
