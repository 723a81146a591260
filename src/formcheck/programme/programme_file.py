"""A programme as a commented TOML file: :func:`load_programme`, :func:`dump_programme`.

The file (see ``examples/back_pain_programme.toml``)::

    format = 1
    title = "Low back pain, weeks 1-2"
    notes = "Stop if the pain spreads down a leg."

    [[step]]
    exercise = "trunk_flexion"   # a name from formcheck's exercise registry
    sets = 2                     # 1 to 20
    reps = 10                    # per set, 1 to 100 (or duration_s: seconds per set)
    target_deg = 60              # optional: the range of motion to reach, deg
    hold_s = 5                   # optional: seconds to hold at the target
    rest_s = 60                  # between sets, seconds
    notes = "Bend slowly, knees straight."

A bad file raises :class:`ProgrammeFileError`, whose ``problems`` are every
problem found, one line each, naming the field and its allowed values.
:func:`dump_programme` writes the same format back with a comment on each line,
so ``parse_programme(dump_programme(p)) == p``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from formcheck.errors import FormcheckError
from formcheck.exercise.definitions import EXERCISES
from formcheck.programme.plan import (
    FORMAT,
    LIMITS,
    Programme,
    Step,
    programme_problems,
    step_problems,
)

__all__ = [
    "ProgrammeFileError",
    "load_programme",
    "parse_programme",
    "dump_programme",
    "save_programme",
    "STEP_KEYS",
    "TOP_KEYS",
    "programme_from_rows",
    "programme_rows",
]

STEP_KEYS: Final = tuple(Step.__dataclass_fields__)
TOP_KEYS: Final = ("format", "title", "notes", "step")
_FLOATS: Final = ("duration_s", "target_deg", "hold_s", "rest_s")

ROM_WORDS: Final[dict[str, str]] = {
    "peak_trunk_deg": "forward trunk inclination at the deepest point of the bend",
    "peak_extension_deg": "backward trunk inclination at the furthest point",
    "knee_range_deg": "knee range from sitting to standing",
    "knee_bottom_deg": "knee flexion at the bottom",
}
"""What ``target_deg`` measures, by the exercise's ROM measurement (``ExerciseSpec.rom``)."""


class ProgrammeFileError(FormcheckError):
    """A programme file that cannot be used; ``problems``: one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))


def load_programme(path: str | Path) -> Programme:
    """Read the programme file at ``path``; raises :class:`ProgrammeFileError` listing
    every problem (an unreadable file is one problem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM from Windows Notepad is no problem
    except FileNotFoundError:
        raise ProgrammeFileError(str(path), ["no such file"]) from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or type(err).__name__
        raise ProgrammeFileError(str(path), [f"cannot read it ({reason})"]) from None
    return parse_programme(text, str(path))


def parse_programme(text: str, source: str = "programme") -> Programme:
    """The programme in TOML ``text``; ``source`` names it in the messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProgrammeFileError(source, [f"not valid TOML ({err})"]) from None
    problems = _top_problems(data)
    raw_steps = data.get("step", [])
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        problems.append("step must be a list of [[step]] tables")
        raw_steps = []
    problems += programme_problems(data, len(raw_steps))
    for number, raw in enumerate(raw_steps, start=1):
        problems += _step_table_problems(raw, f"step {number}: ")
    if problems:
        raise ProgrammeFileError(source, problems)
    steps = tuple(Step(**_step_kwargs(raw)) for raw in raw_steps)
    return Programme(data["title"], steps, data.get("notes", ""))


def _top_problems(data: Mapping[str, Any]) -> list[str]:
    problems = [f"unknown key {key!r}; allowed: {', '.join(TOP_KEYS)}"
                for key in data if key not in TOP_KEYS]  # fmt: skip
    version = data.get("format", FORMAT)
    if version != FORMAT or isinstance(version, bool):
        problems.append(f"format must be {FORMAT}, got {version!r}")
    if "title" not in data:
        problems.append('title is missing; give the programme a title, e.g. title = "Week 1"')
    return problems


def _step_table_problems(raw: Mapping[str, Any], where: str) -> list[str]:
    problems = [f"{where}unknown key {key!r}; allowed: {', '.join(STEP_KEYS)}"
                for key in raw if key not in STEP_KEYS]  # fmt: skip
    return problems + step_problems(raw, where)


def _step_kwargs(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: float(value) if key in _FLOATS else value for key, value in raw.items()}


# -- a table of steps (the Patients page's builder) ----------------------------------------
def _cell(key: str, value: Any) -> Any:
    """An editor cell as a step value: blank (None, NaN, "") -> None; whole numbers of
    ``sets`` / ``reps`` -> int."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str) and key != "notes":
        value = value.strip()
        if not value:
            return None
    if key in ("sets", "reps") and isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # a NumPy scalar from a data frame
        return _cell(key, value.item())
    return value


def programme_from_rows(title: str, notes: str, rows: list[Mapping[str, Any]]
                        ) -> tuple[Programme | None, list[str]]:  # fmt: skip
    """A programme from a table of steps (one mapping per row, keys of :data:`STEP_KEYS`,
    blank cells None/NaN/""), or None and every problem (one line each, as a file's).
    Rows with every cell blank are left out; blank ``sets`` and ``rest_s`` take
    :class:`Step`'s defaults."""
    steps_raw = []
    for row in rows:
        raw = {k: _cell(k, row.get(k)) for k in STEP_KEYS}
        if all(v in (None, "") for v in raw.values()):
            continue
        raw["notes"] = raw["notes"] or ""
        steps_raw.append({k: v for k, v in raw.items() if v is not None})
    top = {"title": title.strip(), "notes": notes or ""}
    problems = programme_problems(top, len(steps_raw))
    for number, raw in enumerate(steps_raw, start=1):
        problems += step_problems(raw, f"step {number}: ")
    if problems:
        return None, problems
    steps = tuple(Step(**_step_kwargs(raw)) for raw in steps_raw)
    return Programme(top["title"], steps, top["notes"]), []


def programme_rows(programme: Programme) -> list[dict[str, Any]]:
    """The programme's steps as table rows (the inverse of :func:`programme_from_rows`)."""
    return [{k: getattr(step, k) for k in STEP_KEYS} for step in programme.steps]


# -- writing ------------------------------------------------------------------------------
def _value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return repr(value)


def _line(key: str, value: Any, comment: str) -> str:
    return f"{f'{key} = {_value(value)}':<28} # {comment}"


def _step_lines(number: int, step: Step) -> list[str]:
    spec = EXERCISES[step.exercise]
    rom = ROM_WORDS.get(spec.rom, spec.rom.replace("_", " "))
    lines = [f"# Step {number}: {step.describe()}", "[[step]]",
             _line("exercise", step.exercise, spec.title),
             _line("sets", step.sets, "sets, 1 to 20")]  # fmt: skip
    if step.reps is not None:
        lines.append(_line("reps", step.reps, "repetitions per set, 1 to 100"))
    else:
        lines.append(_line("duration_s", step.duration_s, "seconds per set (instead of reps)"))
    if step.target_deg is not None:
        lines.append(_line("target_deg", step.target_deg, f"target, deg: {rom}"))
    else:
        lines.append(f"# target_deg = ...            # no target: any full rep counts ({rom})")
    if step.hold_s is not None:
        lines.append(_line("hold_s", step.hold_s, "seconds to hold at the target (end range)"))
    lines.append(_line("rest_s", step.rest_s, "rest between sets, seconds"))
    lines.append(_line("notes", step.notes, "read to the patient"))
    return lines


def dump_programme(programme: Programme) -> str:
    """The programme as a commented TOML file (the format :func:`parse_programme` reads)."""
    allowed = ", ".join(EXERCISES)
    lo, hi = LIMITS["target_deg"]
    header = [
        "# formcheck home programme. Edit with any text editor; check it with",
        "#   formcheck programme check FILE.toml",
        "# Each [[step]] is one exercise, done in order. Keys of a step:",
        f"#   exercise    one of: {allowed}",
        "#   sets        how many sets (1 to 20); rest_s: seconds of rest between them",
        "#   reps        repetitions per set (1 to 100), or duration_s: seconds per set",
        f"#   target_deg  optional range of motion to reach ({lo:g} to {hi:g} deg); a rep",
        "#               counts once it reaches a share of it (config [target] count_share)",
        "#   hold_s      optional seconds to hold, timed only while within the target band",
        "#   notes       words for the patient",
        "",
        _line("format", FORMAT, "file format version"),
        _line("title", programme.title, "shown to the patient"),
        _line("notes", programme.notes, "general advice for the patient"),
    ]
    body = [line for n, s in enumerate(programme.steps, 1) for line in ["", *_step_lines(n, s)]]
    return "\n".join(header + body) + "\n"


def save_programme(programme: Programme, path: str | Path) -> None:
    """Write :func:`dump_programme` to ``path`` (UTF-8)."""
    Path(path).write_text(dump_programme(programme), encoding="utf-8")
