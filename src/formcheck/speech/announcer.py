"""What to say, one phrase at a time, the most important first (pure; frame time in s).

The programme runner and the live session offer phrases as they happen (a rep
counted, "Hold", "Rest", "Next: back extension", a form correction);
:class:`Announcer` keeps them pending and :meth:`Announcer.take` hands out one
only when the previous one has had time to be spoken. Of the pending phrases
the one of highest priority (:data:`PRIORITY`, lowest number first) goes first,
then the oldest. A phrase not spoken within its kind's ``max_wait_s`` is
dropped (a rep count said three seconds late misleads), and a phrase with the
same ``key`` as one spoken less than ``cooldown_s`` ago is not offered again
(``[speech] cooldown_s`` in the configuration): a correction that holds for
ten seconds is said once, not every frame.

Not thread-safe: one caller (the video callback thread) offers and takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

__all__ = ["PRIORITY", "MAX_WAIT_S", "Phrase", "Announcer", "estimate_duration_s"]

PRIORITY: Final[dict[str, int]] = {
    "transition": 0,  # "Rest", "Next: back extension", "Set 2", "Programme complete"
    "hold": 1,  # "Hold", "Release": their moment passes quickly
    "count": 2,  # "3": the rep just counted
    "guidance": 3,  # what to do for the count to work ("Step back so your feet are in view")
    "correction": 4,  # a form correction ("Keep your knees straight")
}
"""Kinds of phrase, most important first."""

MAX_WAIT_S: Final[dict[str, float]] = {
    "transition": 8.0, "hold": 1.5, "count": 2.0, "guidance": 4.0, "correction": 3.0,
}  # fmt: skip
"""Seconds a phrase of each kind may wait to be spoken before it is dropped."""

_WORDS_PER_S: Final = 2.2  # espeak-ng at 160 words a minute, with pauses (on the long side)
_GAP_S: Final = 0.3  # silence between two phrases


def estimate_duration_s(text: str) -> float:
    """A spoken phrase's length in seconds, estimated from its words (for unsynthesised text)."""
    return 0.25 + len(text.split()) / _WORDS_PER_S


@dataclass(frozen=True)
class Phrase:
    """Words to say: ``kind`` (a key of :data:`PRIORITY`), ``key`` (phrases with the same
    key share a cooldown; the text by default), ``offered_s`` (frame time it was offered)."""

    text: str
    kind: str
    key: str = ""
    offered_s: float = math.nan

    def __post_init__(self) -> None:
        if self.kind not in PRIORITY:
            raise ValueError(f"kind must be one of {', '.join(PRIORITY)}, got {self.kind!r}")
        if not self.text.strip():
            raise ValueError("a phrase needs words")
        if not self.key:
            object.__setattr__(self, "key", self.text)

    @property
    def priority(self) -> int:
        return PRIORITY[self.kind]


class Announcer:
    """Pending phrases and the one-at-a-time rule; see the module docstring.

    ``cooldown_s``: seconds before a phrase with the same key may be said again;
    ``duration_s(text)``: how long a phrase takes to say (the voice's real WAV
    length when it has one); ``max_pending``: phrases kept waiting at most (the
    least important go first).
    """

    def __init__(self, cooldown_s: float = 5.0,
                 duration_s: Callable[[str], float] = estimate_duration_s,
                 max_pending: int = 4) -> None:  # fmt: skip
        if not (math.isfinite(cooldown_s) and cooldown_s >= 0):
            raise ValueError(f"cooldown_s must be a number of seconds >= 0, got {cooldown_s}")
        if max_pending < 1:
            raise ValueError(f"max_pending must be >= 1, got {max_pending}")
        self.cooldown_s = float(cooldown_s)
        self._duration = duration_s
        self.max_pending = max_pending
        self._pending: list[Phrase] = []
        self._said_at: dict[str, float] = {}
        self.busy_until = -math.inf
        self.spoken: list[Phrase] = []  # what take() handed out, in order (kept short)

    def offer(self, t: float, text: str, kind: str, key: str = "") -> bool:
        """Offer words at frame time ``t`` s; False when dropped (cooldown or already pending)."""
        phrase = Phrase(text, kind, key, float(t))
        if t - self._said_at.get(phrase.key, -math.inf) < self.cooldown_s:
            return False
        if any(p.key == phrase.key for p in self._pending):
            return False
        self._pending.append(phrase)
        if len(self._pending) > self.max_pending:
            self._pending.sort(key=lambda p: (p.priority, p.offered_s))
            del self._pending[self.max_pending :]
        return True

    def take(self, t: float) -> Phrase | None:
        """The phrase to say now (frame time ``t`` s), or None while one is being said or
        nothing waits; what is returned counts as said from ``t``."""
        self._pending = [p for p in self._pending if t - p.offered_s <= MAX_WAIT_S[p.kind]]
        if t < self.busy_until or not self._pending:
            return None
        best = min(self._pending, key=lambda p: (p.priority, p.offered_s))
        self._pending.remove(best)
        self._said_at[best.key] = t
        self.busy_until = t + self._duration(best.text) + _GAP_S
        self.spoken = [*self.spoken[-19:], best]
        return best

    def clear(self) -> None:
        """Forget what waits (a new step starts: its old cues no longer apply)."""
        self._pending.clear()

    @property
    def pending(self) -> tuple[Phrase, ...]:
        return tuple(self._pending)
