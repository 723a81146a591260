"""Showing a review: summary, reps, charts, annotated clip, downloads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.ui import charts, review_data
from formcheck.ui.options import TEST_TITLES, exercise_title
from formcheck.ui.pipeline import ReviewResult

__all__ = ["show", "show_summary", "show_test"]


def show(result: ReviewResult, video: Callable[[], bytes] | None = None) -> None:
    """The whole review of one clip; ``video()`` gives the annotated clip when it is
    not in ``result`` (called where the clip goes, so the rest shows first)."""
    report = result.report
    show_summary(result)
    for message in result.warnings:
        st.warning(message)
    if report.get("test"):
        show_test(report["test"])
    st.subheader("Reps")
    rows = review_data.rep_rows(report)
    if rows:
        st.dataframe(pd.DataFrame(rows).round(2), hide_index=True, width="stretch")
    else:
        st.info("No complete rep was found in this clip.")
    _incomplete(report)
    clip = _charts_and_clip(result, video)
    _downloads(result, clip)


def show_summary(result: ReviewResult) -> None:
    report, summary = result.report, result.report.get("summary", {})
    detected = " (detected)" if result.extra.get("exercise_detected") else ""
    st.subheader(f"{exercise_title(result.exercise)}{detected}: {result.name}")
    cols = st.columns(5)
    cols[0].metric("Reps", report.get("rep_count", 0))
    mean = summary.get("mean_score")
    cols[1].metric("Mean score", f"{mean:.0f}/100" if mean is not None else "-")
    rom = summary.get("mean_rom_deg")
    cols[2].metric("Mean range of motion", f"{rom:.0f} deg" if rom is not None else "-")
    points = ("estimated hip and knee joint centres"
              if report.get("joint_points") == "estimated_centres" else "MediaPipe's landmarks")
    cols[3].metric("Camera view", str(report.get("view", "?")),
                   help=f"Angles are measured in the image through {points}; "
                   "2-D angles are reliable in a side view")  # fmt: skip
    cols[4].metric("Person detected", f"{100 * result.detection_rate:.0f}%",
                   help="Share of frames in which a person was found")
    if (sides := review_data.sides_text(summary.get("sides"))) is not None:
        st.markdown(sides)
    counts = summary.get("cue_counts") or {}
    if counts:
        st.caption("Cues: " + ", ".join(f"{k.replace('_', ' ')} x{v}" for k, v in counts.items()))


def show_test(test: dict[str, Any]) -> None:
    """The clinical test result against its norms."""
    title = TEST_TITLES.get(test.get("test", ""), test.get("test", "test"))
    if test.get("time_s") is not None:
        value = f"{test['time_s']:.1f} s"
    elif test.get("stands") is not None:
        value = f"{test['stands']} stands"
    else:
        value = "not completed"
    norm = test.get("norm") or {}
    norm_text = "; ".join(_norm_item(k, v) for k, v in norm.items())
    text = f"**{title}: {value}**" + ("" if test.get("valid") else " (not valid)")
    (st.success if test.get("valid") else st.warning)(
        text + (f"  \n{norm_text}" if norm_text else "")
        + "".join(f"  \n{n}" for n in test.get("notes", []))
    )
    if test.get("phases"):
        st.table(phase_rows(test["phases"]))


def phase_rows(phases: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A test's phases (``TestResult.to_dict()["phases"]``) as table rows: phase, from,
    to and duration in seconds, a dash where a bound was not seen."""
    def s(x: Any) -> str:
        return "-" if x is None else f"{x:.2f}"

    return [{"phase": p["name"].replace("_", " "), "from (s)": s(p["start_s"]),
             "to (s)": s(p["end_s"]), "duration (s)": s(p["duration_s"])}
            for p in phases]  # fmt: skip


def _norm_item(key: str, value: Any) -> str:
    """``threshold_s: 12.6`` -> ``threshold: 12.6 s``; booleans as yes/no."""
    unit = ""
    if key.endswith("_s") and isinstance(value, int | float) and not isinstance(value, bool):
        key, unit = key[:-2], " s"
    shown = ("yes" if value else "no") if isinstance(value, bool) else f"{value}{unit}"
    return f"{key.replace('_', ' ')}: {shown}"


def _incomplete(report: dict[str, Any]) -> None:
    rep = report.get("incomplete_rep")
    if rep:
        cues = "; ".join(c["message"] for c in rep.get("cues", []))
        start = rep["start_s"]
        st.warning(f"Unfinished movement at the end of the clip (from {start:.1f} s): {cues}")


def _charts_and_clip(result: ReviewResult, video: Callable[[], bytes] | None) -> bytes:
    """Charts on the left, the annotated clip on the right; returns the clip's MP4 bytes."""
    left, right = st.columns([3, 2])
    with left:
        for make in (charts.primary_chart, charts.angles_chart):
            chart = make(result.series, result.report)
            if chart is not None:
                st.altair_chart(chart, width="stretch")
    with right:
        st.markdown("**Annotated clip**")
        clip, why = result.video_mp4, ""
        if not clip and video is not None:
            try:
                clip = video()
            except FormcheckError as err:
                why = f": {err}"
        if clip:
            st.video(clip, format="video/mp4")
        else:
            st.caption(f"The annotated clip could not be made for this file{why}.")
    return clip


def _downloads(result: ReviewResult, clip: bytes) -> None:
    stem = Path(result.name).stem
    cols = st.columns(3)
    cols[0].download_button("Per-frame angles (CSV)", result.frames_csv(),
                            file_name=f"{stem}-angles.csv", mime="text/csv")
    cols[1].download_button("Summary (JSON)", result.summary_json(),
                            file_name=f"{stem}-summary.json", mime="application/json")
    cols[2].download_button("Annotated clip (MP4)", clip or b"",
                            file_name=f"{stem}-annotated.mp4", mime="video/mp4",
                            disabled=not clip)
