"""Adherence: what was done against what a programme step prescribed.

:func:`step_adherence` takes a :class:`~formcheck.programme.plan.Step` and the
:class:`~formcheck.exercise.report.Report` of each set done (one report may
also hold a whole step) and counts: reps done against prescribed (sets x reps;
a timed step prescribes seconds instead), the reps short of the target (not
counted), the ROM achieved against the target (mean and best, deg, and how
many reps reached it), and the holds achieved (reps held for ``hold_s`` within
the target band). :class:`ProgrammeAdherence` gathers the steps of a session.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from formcheck.exercise.report import Report, RepResult
from formcheck.programme.plan import Programme, Step

__all__ = ["StepAdherence", "ProgrammeAdherence", "step_adherence", "format_adherence"]


def _round(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 1)


@dataclass(frozen=True)
class StepAdherence:
    """One step: ``number`` (from 1), the prescription and what the reports show.

    ``reps_prescribed`` is sets x reps (None for a timed step, which prescribes
    ``duration_prescribed_s`` instead); ``reps_short``: movements that went
    out but not far enough to count (below the configured share of the target);
    ``mean_rom_deg`` / ``best_rom_deg`` over the counted reps (None without reps);
    ``reps_at_target`` (None without a target); ``holds_achieved`` (None without a
    hold)."""

    number: int
    exercise: str
    sets_prescribed: int
    sets_recorded: int
    reps_prescribed: int | None
    reps_done: int
    reps_short: int
    duration_prescribed_s: float | None
    duration_done_s: float
    target_deg: float | None
    mean_rom_deg: float | None
    best_rom_deg: float | None
    reps_at_target: int | None
    hold_s: float | None
    holds_achieved: int | None

    @property
    def done_share(self) -> float:
        """Share of the prescription done, 0..1 (reps, or seconds for a timed step)."""
        if self.reps_prescribed:
            return min(1.0, self.reps_done / self.reps_prescribed)
        if self.duration_prescribed_s:
            return min(1.0, self.duration_done_s / self.duration_prescribed_s)
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "exercise": self.exercise,
            "sets_prescribed": self.sets_prescribed,
            "sets_recorded": self.sets_recorded,
            "reps_prescribed": self.reps_prescribed,
            "reps_done": self.reps_done,
            "reps_short_of_target": self.reps_short,
            "duration_prescribed_s": self.duration_prescribed_s,
            "duration_done_s": _round(self.duration_done_s),
            "target_deg": self.target_deg,
            "mean_rom_deg": _round(self.mean_rom_deg),
            "best_rom_deg": _round(self.best_rom_deg),
            "reps_at_target": self.reps_at_target,
            "hold_s": self.hold_s,
            "holds_achieved": self.holds_achieved,
            "done_share": round(self.done_share, 3),
        }

    def describe(self) -> str:
        """One line, e.g. "step 1 trunk_flexion: 18/20 reps, ROM 57 deg (target 60,
        12 reached), holds 10/18"."""
        done = (f"{self.reps_done}/{self.reps_prescribed} reps" if self.reps_prescribed
                else f"{self.reps_done} reps in {self.duration_done_s:.0f}/"
                     f"{self.duration_prescribed_s or 0:g} s")  # fmt: skip
        parts = [f"step {self.number} {self.exercise}: {done}"]
        if self.mean_rom_deg is not None:
            rom = f"ROM {self.mean_rom_deg:.0f} deg"
            if self.target_deg is not None:
                rom += f" (target {self.target_deg:g}, {self.reps_at_target} reached)"
            parts.append(rom)
        if self.reps_short:
            parts.append(f"{self.reps_short} short of the target, not counted")
        if self.holds_achieved is not None:
            parts.append(f"holds {self.holds_achieved}/{self.reps_done}")
        return ", ".join(parts)


def _held(rep: RepResult) -> bool:
    return bool(rep.hold_reached)


def step_adherence(step: Step, reports: Sequence[Report], number: int = 1) -> StepAdherence:
    """Adherence of ``step`` (number ``number``) from the reports of its sets."""
    reps = [r for rep_list in (rep.reps for rep in reports) for r in rep_list]
    short = sum(len(report.short_reps) for report in reports)
    roms = [r.rom_deg for r in reps if math.isfinite(r.rom_deg)]
    at_target = None if step.target_deg is None else sum(bool(r.target_reached) for r in reps)
    holds = None if not step.hold_s else sum(_held(r) for r in reps)
    return StepAdherence(
        number,
        step.exercise,
        step.sets,
        len(reports),
        step.prescribed_reps,
        len(reps),
        short,
        None if step.duration_s is None else step.sets * step.duration_s,
        float(sum(report.duration_s for report in reports)),
        step.target_deg,
        sum(roms) / len(roms) if roms else None,
        max(roms) if roms else None,
        at_target,
        step.hold_s or None,
        holds,
    )


@dataclass(frozen=True)
class ProgrammeAdherence:
    """The adherence of each step done in one programme session."""

    title: str
    steps: tuple[StepAdherence, ...]
    steps_prescribed: int

    @classmethod
    def of(cls, programme: Programme, done: Sequence[StepAdherence]) -> ProgrammeAdherence:
        return cls(programme.title, tuple(done), len(programme.steps))

    @property
    def reps_done(self) -> int:
        return sum(s.reps_done for s in self.steps)

    @property
    def reps_prescribed(self) -> int:
        return sum(s.reps_prescribed or 0 for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "steps_prescribed": self.steps_prescribed,
            "steps_done": len(self.steps),
            "reps_done": self.reps_done,
            "reps_prescribed": self.reps_prescribed,
            "steps": [s.to_dict() for s in self.steps],
        }


def format_adherence(adherence: StepAdherence | ProgrammeAdherence) -> str:
    """Readable lines (``adherence: ...`` for a step; a title line and one per step)."""
    if isinstance(adherence, StepAdherence):
        return f"adherence: {adherence.describe()}"
    lines = [f"{adherence.title}: {len(adherence.steps)}/{adherence.steps_prescribed} steps, "
             f"{adherence.reps_done}/{adherence.reps_prescribed} reps"]  # fmt: skip
    return "\n".join(lines + [f"  {s.describe()}" for s in adherence.steps])
