"""The record's trend charts (Altair): the Patients page shows them, the PDF renders them.

- :func:`metric_chart`: reps, mean range of motion or mean score per session;
- :func:`test_chart`: the test's time or count per session over the norm band
  at the patient's age in that session's year (shaded: at or better than the
  norm; each session's band spans half-way to its neighbours).

:func:`to_png` renders any Altair chart (these and ``formcheck.ui.charts``)
with vl-convert, so the PDF's charts are the app's specifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final

import altair as alt
import pandas as pd

from formcheck.record.trends import TEST_TITLES, TrendPoint

__all__ = ["METRICS", "metric_chart", "test_chart", "to_png", "trend_charts"]

METRICS: Final = {
    "mean_rom_deg": ("Mean range of motion (deg)", "ROM (deg)"),
    "reps": ("Reps per session", "reps"),
    "mean_score": ("Mean score (0-100)", "score"),
}
_DAY = timedelta(days=1)

def _x(trend: Sequence[TrendPoint]) -> alt.X:
    """The session-date axis; with the time of day when the sessions span under two days."""
    span = trend[-1].when - trend[0].when if trend else timedelta(0)
    fmt = "%d %b %H:%M" if span < 2 * _DAY else "%d %b %Y"
    return alt.X("when:T", title="session date", axis=alt.Axis(format=fmt, labelAngle=-30))


def metric_chart(trend: Sequence[TrendPoint], metric: str) -> alt.Chart | None:
    """One measure per session (``metric``: a key of :data:`METRICS`)."""
    title, axis = METRICS[metric]
    rows = [{"when": p.when.isoformat(), "value": getattr(p, metric), "session": p.session_id}
            for p in trend if getattr(p, metric) is not None]  # fmt: skip
    if not rows:
        return None
    data = pd.DataFrame(rows)
    base = alt.Chart(data).encode(
        x=_x(trend), y=alt.Y("value:Q", title=axis, scale=alt.Scale(zero=metric == "reps"),
                             axis=alt.Axis(format="d" if metric == "reps" else "~g")),
        tooltip=["session:Q", alt.Tooltip("when:T", format="%d %b %Y %H:%M"), "value:Q"],
    )
    chart = base.mark_line(strokeWidth=2.5) + base.mark_point(size=70, filled=True)
    return chart.properties(height=220, title=title)


def _band_rows(trend: Sequence[TrendPoint], top: float) -> list[dict[str, Any]]:
    """One rectangle per session: from half-way to the previous session to half-way to
    the next (a day either side when alone), between the band's low and high."""
    rows = []
    for i, p in enumerate(trend):
        if p.band is None:
            continue
        left = (p.when - (p.when - trend[i - 1].when) / 2) if i else p.when - _DAY
        right = (p.when + (trend[i + 1].when - p.when) / 2) if i + 1 < len(trend) else p.when + _DAY
        rows.append({"x": left.isoformat(), "x2": right.isoformat(),
                     "low": p.band.low if p.band.low is not None else 0.0,
                     "high": p.band.high if p.band.high is not None else top,
                     "norm": p.band.reference})  # fmt: skip
    return rows


def test_chart(trend: Sequence[TrendPoint]) -> Any:
    """The test values over the age- and sex-specific norm band (an Altair layer chart);
    None without a value."""
    values = [p for p in trend if p.test_value is not None]
    if not values:
        return None
    test = values[-1].test or ""
    unit = values[-1].test_unit or ""
    highs = [p.band.high or p.band.low or 0.0 for p in trend if p.band]
    highs += [p.test_value or 0.0 for p in values]
    top = max(highs) * 1.25 + 1
    data = pd.DataFrame([{"when": p.when.isoformat(), "value": p.test_value,
                          "valid": "valid" if p.test_valid else "not valid",
                          "session": p.session_id} for p in values])  # fmt: skip
    base = alt.Chart(data).encode(x=_x(trend), y=alt.Y("value:Q", title=f"result ({unit})",
                                                  scale=alt.Scale(zero=True)))  # fmt: skip
    line = base.mark_line(strokeWidth=2.5, color="#1f77b4")
    dots = base.mark_point(size=80, filled=True).encode(
        color=alt.Color("valid:N", title="result",
                        scale=alt.Scale(domain=["valid", "not valid"],
                                        range=["#1f77b4", "#d62728"])),
        tooltip=["session:Q", alt.Tooltip("when:T", format="%d %b %Y"), "value:Q", "valid:N"],
    )  # fmt: skip
    layers: list[Any] = [line, dots]
    bands = _band_rows(trend, top)
    if bands:
        band = alt.Chart(pd.DataFrame(bands)).mark_rect(opacity=0.18, color="#2ca02c").encode(
            x="x:T", x2="x2:T", y="low:Q", y2="high:Q", tooltip=["norm:N"],
        )
        layers.insert(0, band)
    good = "at or under the norm time" if test == "5xsts" else "at or above the norm count"
    title = f"{TEST_TITLES.get(test, test)} (green: {good} for age and sex)"
    return alt.layer(*layers).properties(height=240, title=title)


def trend_charts(trend: Sequence[TrendPoint]) -> list[Any]:
    """The charts of one exercise's trend: the test (if any), ROM, reps, mean score."""
    charts = [test_chart(trend)] + [metric_chart(trend, m) for m in METRICS]
    return [c for c in charts if c is not None]


def to_png(chart: Any, width: int = 720, scale: float = 2.0) -> bytes:
    """PNG bytes of an Altair chart at ``width`` CSS pixels (times ``scale``)."""
    import vl_convert as vlc

    spec = chart.properties(width=width).to_dict()
    return bytes(vlc.vegalite_to_png(spec, scale=scale))
