"""Placeholder: filled in once the analysis core lands."""
from __future__ import annotations

from typing import Any

__all__ = ["frame_overlays", "frame_series", "report_warnings", "series_csv"]
def frame_overlays(seq: Any, report: Any) -> list[Any]:
    return [None] * len(seq)
def frame_series(seq: Any, report: Any) -> dict[str, list[float]]:
    return {"t_s": seq.t.tolist()}
def report_warnings(report: dict[str, Any]) -> tuple[str, ...]:
    return ()
def series_csv(series: dict[str, list[float]]) -> bytes:
    return b""
