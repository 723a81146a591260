"""Altair charts of a review: the rep-driving signal with thresholds, and the joint angles.

Both share the time axis (seconds) and shade each rep (start to end) with its
number on top, so a physiotherapist can see which movement each row of the
rep table is. A long clip (more than ``MAX_REP_LABELS`` reps) numbers every
n-th rep only, so the numbers stay legible; the time axis zooms and pans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["MAX_REP_LABELS", "angles_chart", "primary_chart", "rep_labels"]

MAX_REP_LABELS = 12
"""At most this many rep numbers on a chart (every n-th rep beyond it)."""

_ANGLES = {"trunk_inclination_deg": "trunk", "hip_flexion_deg": "hip", "knee_flexion_deg": "knee"}
_THRESHOLD_NAMES = {"baseline": "baseline", "enter": "rep starts", "rest": "back at rest"}


def rep_labels(reps: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """``start`` (s) and ``label`` of the reps that get a number: all, or every n-th so
    that at most ``MAX_REP_LABELS`` do."""
    step = max(1, -(-len(reps) // MAX_REP_LABELS))  # ceiling division
    shown = list(reps)[::step]
    return pd.DataFrame({"start": [r["start_s"] for r in shown],
                         "label": [f"rep {r['index']}" if step == 1 else str(r["index"])
                                   for r in shown]})  # fmt: skip


def _rep_bands(reps: Sequence[Mapping[str, Any]]) -> alt.LayerChart | None:
    if not reps:
        return None
    frame = pd.DataFrame({"start": [r["start_s"] for r in reps], "end": [r["end_s"] for r in reps]})
    bands = alt.Chart(frame).mark_rect(opacity=0.12, color="#1f77b4").encode(
        x="start:Q", x2="end:Q")
    labels = alt.Chart(rep_labels(reps)).mark_text(
        dy=-6, baseline="bottom", align="left", fontSize=13
    ).encode(x="start:Q", y=alt.value(12), text="label:N")
    return bands + labels


def _layer(main: alt.Chart, reps: Sequence[Mapping[str, Any]]) -> alt.LayerChart | alt.Chart:
    bands = _rep_bands(reps)
    return (bands + main) if bands is not None else main


def primary_chart(
    series: Mapping[str, Sequence[float]], report: Mapping[str, Any]
) -> alt.LayerChart | alt.Chart | None:
    """The primary signal (the one reps are counted on) with its threshold lines."""
    primary, unit = report.get("primary"), report.get("primary_unit", "")
    column = next((c for c in series if c.startswith(f"{primary}_")), None)
    if column is None:
        return None
    data = pd.DataFrame({"t": series["t_s"], "value": series[column]}).dropna()
    title = f"{str(primary).replace('_', ' ')} ({unit})"
    line = alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=alt.X("t:Q", title="time (s)"),
        y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
    )
    levels = [(name, v) for k, name in _THRESHOLD_NAMES.items()
              if (v := report.get("thresholds", {}).get(k)) is not None]  # fmt: skip
    chart = _layer(line, report.get("reps", []))
    if levels:
        rules = pd.DataFrame({"level": [v for _, v in levels], "threshold": [n for n, _ in levels]})
        chart = chart + alt.Chart(rules).mark_rule(strokeDash=[6, 4]).encode(
            y="level:Q", color=alt.Color("threshold:N", title="threshold")
        )
    return chart.properties(height=260, title="Rep signal with rep thresholds").interactive(
        bind_y=False)


def angles_chart(
    series: Mapping[str, Sequence[float]], report: Mapping[str, Any]
) -> alt.LayerChart | alt.Chart | None:
    """Trunk, hip and knee angles (filtered, deg) over time, reps shaded."""
    present = {c: n for c, n in _ANGLES.items() if c in series}
    if not present:
        return None
    wide = pd.DataFrame({"t": series["t_s"], **{n: series[c] for c, n in present.items()}})
    long = wide.melt("t", var_name="angle", value_name="deg").dropna()
    lines = alt.Chart(long).mark_line(strokeWidth=2).encode(
        x=alt.X("t:Q", title="time (s)"), y=alt.Y("deg:Q", title="angle (deg)"),
        color=alt.Color("angle:N", title="angle"),
    )  # fmt: skip
    chart = _layer(lines, report.get("reps", [])).properties(height=260, title="Joint angles")
    return chart.interactive(bind_y=False)
