"""The configuration the pages use: the file given at start-up, and the thresholds a
physiotherapist may change on the page.

``./dev app -- --config FILE`` (or ``FORMCHECK_CONFIG=FILE``) gives both pages the
same :class:`~formcheck.config.Config` as ``formcheck analyze --config FILE``.
:func:`threshold_editor` shows an exercise's thresholds with their units; a change
applies to this browser session only, as ``--set key=value`` does on the command line.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import streamlit as st

from formcheck.config import Config, apply_overrides, load_config, parse_set
from formcheck.exercise.definitions import EXERCISES

__all__ = [
    "CONFIG_ENV",
    "Overrides",
    "app_config",
    "describe",
    "editable_thresholds",
    "threshold_editor",
    "unit_of",
    "with_overrides",
]

CONFIG_ENV = "FORMCHECK_CONFIG"
Overrides = tuple[tuple[str, float], ...]
_UNITS = (  # name ending -> unit shown beside the number
    ("_deg_s", "deg/s"), ("_deg", "deg"), ("_s", "s"), ("_share", "share, 0-1"),
    ("_ratio", "x"), ("_distance", "thigh lengths"), ("_rise", "shank lengths"),
    ("_peaks", "peaks"),
)  # fmt: skip


def unit_of(key: str, exercise_unit: str) -> str:
    """The unit of a threshold named ``key`` (``counter.*`` thresholds are in the unit of
    the exercise's counted signal, ``exercise_unit``)."""
    if key.startswith("counter.") and key.split(".")[-1] in ("enter", "rest", "onset"):
        return exercise_unit
    for ending, unit in _UNITS:
        if key.endswith(ending):
            return unit
    return ""


@st.cache_resource(show_spinner=False)
def _load(path: str, mtime: float) -> Config:
    return load_config(path)


def app_config() -> tuple[Config, str | None]:
    """The start-up configuration (``FORMCHECK_CONFIG``), or the defaults, and a message
    naming the file when it cannot be used (the pages then run on the defaults)."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        return Config(), None
    try:
        return _load(path, Path(path).stat().st_mtime), None
    except FileNotFoundError:
        return Config(), f"{Path(path).name}: configuration file not found; using the defaults"
    except ValueError as err:
        return Config(), f"{Path(path).name}: {err}; using the defaults"


def editable_thresholds(config: Config, exercise: str) -> dict[str, float]:
    """The exercise's numeric thresholds as ``key -> value`` (keys relative to its section,
    ``counter.enter`` for the first counter): what the page lets a physiotherapist change."""
    spec = EXERCISES.get(exercise)
    if spec is None or spec.section is None:  # a learned definition carries its own
        return {}
    section = spec.section(config)
    out: dict[str, float] = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if f.name == "counter":
            out["counter.enter"] = float(value.enter)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f.name] = float(value)
    return out


def threshold_editor(config: Config, exercise: str, unit: str, *, key: str) -> Overrides:
    """An expander with the exercise's thresholds; the changed ones as ``--set`` pairs."""
    values = editable_thresholds(config, exercise)
    changed: list[tuple[str, float]] = []
    if not values:
        return ()
    prefix = config.section_key(EXERCISES[exercise].settings_in(config))  # a built-in's
    with st.expander("Thresholds (this session only)"):
        st.caption("From formcheck's configuration; a change re-scores this review at once "
                   "and applies to this browser session only.")  # fmt: skip
        cols = st.columns(3)
        for i, (name, value) in enumerate(values.items()):
            label = f"{name.replace('_', ' ')} ({unit_of(name, unit)})".replace(" ()", "")
            new = cols[i % 3].number_input(label, value=value, key=f"{key}_thr_{name}",
                                           format="%g")  # fmt: skip
            if new is not None and float(new) != value:
                changed.append((f"{prefix}.{name}", float(new)))
    return tuple(changed)


def with_overrides(config: Config, overrides: Overrides) -> tuple[Config, str | None]:
    """``config`` with the page's changes; the defaults kept and a message on a bad value."""
    if not overrides:
        return config, None
    try:
        return apply_overrides(config, parse_set(f"{k}={v}" for k, v in overrides)), None
    except ValueError as err:
        return config, f"Threshold not applied: {err}"


def describe(overrides: Overrides) -> str:
    """One line naming the changed thresholds, for the page."""
    return ", ".join(f"{k} = {v:g}" for k, v in overrides)
