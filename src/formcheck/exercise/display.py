"""What a person is shown, decided in one place: phases and cues that do not flicker.

A live phase or cue computed frame by frame flips whenever a noisy signal
crosses a threshold; on a screen 3 m away that is a flashing word nobody can
read. :class:`Debounced` shows a new value only once it has held for
``hold_s`` seconds of frame time, and keeps a shown value for at least
``min_show_s``. The live session and the annotated clip use the same holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, Generic, Literal, TypeVar

__all__ = [
    "CueLevel",
    "Debounced",
    "PHASE_HOLD_S",
    "CUE_HOLD_S",
    "CUE_MIN_SHOW_S",
    "REP_CUE_SHOW_S",
    "rep_feedback",
    "rep_phase",
    "worst_cue",
]

CueLevel = Literal["good", "warn", "bad", "info"]
"""How a shown cue is coloured: good form, a warning, a fault, or an instruction."""

PHASE_HOLD_S: Final = 0.3
"""A phase shows once it has lasted this long (s)."""
CUE_HOLD_S: Final = 0.4
"""A live form cue shows once its condition has held this long (s)."""
CUE_MIN_SHOW_S: Final = 1.5
"""A cue, once shown, stays at least this long (s)."""
REP_CUE_SHOW_S: Final = 3.0
"""A finished rep's cue (or "Good rep") shows this long after the rep ends (s)."""

T = TypeVar("T")
_NONE: Final = object()  # "no candidate" (None may be a value)


class Debounced(Generic[T]):
    """A displayed value that changes only after the new value has held ``hold_s``
    seconds, and not sooner than ``min_show_s`` after the last change (except from
    ``idle``, the "nothing to show" value, which gives way as soon as a value holds).

    ``update(t, value)`` takes the frame time in seconds (increasing) and the
    value computed for that frame; it returns the value to show. The first
    value shows at once.
    """

    def __init__(self, hold_s: float, min_show_s: float = 0.0, idle: T | None = None) -> None:
        if not (hold_s >= 0.0 and min_show_s >= 0.0):
            raise ValueError(f"hold_s and min_show_s must be >= 0, got {hold_s}, {min_show_s}")
        self.hold_s, self.min_show_s = float(hold_s), float(min_show_s)
        self.idle = idle
        self._shown: T | None = None
        self._shown_since = -math.inf
        self._candidate: object = _NONE
        self._candidate_since = math.nan
        self._started = False

    @property
    def shown(self) -> T | None:
        """The value on screen (None before the first update)."""
        return self._shown

    def update(self, t: float, value: T) -> T:
        if not self._started:
            self._started, self._shown, self._shown_since = True, value, t
            return value
        if value == self._shown:
            self._candidate, self._candidate_since = _NONE, math.nan
            return value
        if value != self._candidate:
            self._candidate, self._candidate_since = value, t
        held = t - self._candidate_since >= self.hold_s
        shown_enough = self._shown == self.idle or t - self._shown_since >= self.min_show_s
        if held and shown_enough:
            self._shown, self._shown_since = value, t
            self._candidate, self._candidate_since = _NONE, math.nan
        return self._shown  # type: ignore[return-value]


def worst_cue(cues: Sequence[Any]) -> Any | None:
    """The cue to show for a rep: the first "bad" one, else the first (None if none)."""
    bad = [c for c in cues if c.level == "bad"]
    ordered = bad or list(cues)
    return ordered[0] if ordered else None


def rep_feedback(cues: Sequence[Any]) -> tuple[str, CueLevel]:
    """(patient words, level) shown for a finished rep: its worst cue, or "Good rep"."""
    worst = worst_cue(cues)
    return (worst.patient, worst.level) if worst is not None else ("Good rep", "good")


def rep_phase(phases: Sequence[str], t: float, start_s: float, extreme_s: float,
              end_s: float) -> str:  # fmt: skip
    """The exercise's phase name at time ``t`` (s) of one rep (``phases``: rest, out, end
    range, back, as in ``Plan.phases``): out before the extreme, back after it."""
    rest, out, _, back = phases
    if not start_s <= t <= end_s:
        return rest
    return out if t < extreme_s else back
