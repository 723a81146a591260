"""Exercise definitions as TOML files: :func:`dumps` / :func:`loads` an :class:`ExerciseSpec`.

The format (``format = "formcheck-exercise"``, ``version = 1``) holds exactly the fields of
:class:`~formcheck.exercise.definitions.ExerciseSpec`, so a built-in exercise writes and
reads back equal to itself, and a learned one (:mod:`formcheck.exercise.demonstration`)
adds what it carries: its thresholds (``[settings]``, ``[settings.counter]``), its template
(``[template]``, ``[template.curves]``) and where it came from (``[demonstration]``).
The README ("Exercise definition files") documents every key.

A bad file raises :class:`DefinitionFileError` listing every problem, one line each, naming
the key and what is allowed (``exercise.direction: must be 1 or -1, got 2``).
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from formcheck.config import CounterConfig
from formcheck.errors import FormcheckError
from formcheck.exercise.clinical_tests import TESTS
from formcheck.exercise.cues import DEDUCTIONS
from formcheck.exercise.definitions import (
    ConfigSection,
    DefinitionSettings,
    ExerciseSpec,
    Recognition,
    Signal,
)
from formcheck.exercise.measures import MEASURE_GROUPS
from formcheck.exercise.template_match import Template
from formcheck.kinematics.signals import FEATURES

__all__ = ["FORMAT", "VERSION", "DefinitionFileError", "dumps", "loads", "read", "write"]

FORMAT: Final = "formcheck-exercise"
VERSION: Final = 1
VIEWS: Final = ("default", "side", "oblique", "frontal")
STARTS: Final = ("upright", "seated", "standing")
JOINTS: Final = ("shoulder", "hip", "knee", "ankle", "heel", "foot_index", "wrist", "elbow")
_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")


class DefinitionFileError(FormcheckError, ValueError):
    """A definition file that cannot be used; the message lists each problem on its line."""


# --- writing -------------------------------------------------------------------------------


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v} to a definition file")
        return repr(round(v, 4))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to a definition file")


def _table(name: str, items: Mapping[str, Any], out: list[str]) -> None:
    """``[name]`` with its plain keys, then its sub-tables (dicts) as ``[name.key]``."""
    out += ["", f"[{name}]"]
    out += [f"{k} = {_value(v)}" for k, v in items.items() if not isinstance(v, Mapping)]
    for k, v in items.items():
        if isinstance(v, Mapping):
            _table(f"{name}.{k}", v, out)


def _spec_dict(spec: ExerciseSpec) -> dict[str, Any]:
    return {
        "name": spec.name, "title": spec.title, "primary": spec.primary, "unit": spec.unit,
        "direction": spec.direction, "phases": list(spec.phases),
        "needs_side_view": spec.needs_side_view, "start": list(spec.start),
        "measurements": list(spec.measurements), "cues": list(spec.cues),
        "setup_joints": list(spec.setup_joints), "shown_angle": spec.shown_angle,
        "rom": spec.rom, "tests": list(spec.tests),
        "setup": spec.setup, "instructions": spec.instructions, "rom_word": spec.rom_word,
        "rom_code": spec.rom_code, "views": list(spec.views), "view_advice": spec.view_advice,
        "guide_view": spec.guide_view, "measure_groups": list(spec.measure_groups),
        **({"rom_views": list(spec.rom_views)} if spec.rom_views is not None else {}),
        **({"section": spec.section.key} if spec.section is not None else {}),
        **({"side": spec.side} if spec.side is not None else {}),
        **({"recognition": {k: list(v) if isinstance(v, tuple) else v
                            for k, v in dataclasses.asdict(spec.recognition).items()
                            if v is not None}}
           if spec.recognition is not None else {}),
    }  # fmt: skip


def dumps(spec: ExerciseSpec) -> str:
    """The definition file text of ``spec``."""
    out = [f"# formcheck exercise definition: {spec.title}",
           "# (format documented in formcheck's README, 'Exercise definition files')",
           f'format = "{FORMAT}"', f"version = {VERSION}"]  # fmt: skip
    _table("exercise", _spec_dict(spec), out)
    for view, sig in spec.signals.items():
        _table(f"signals.{view}", dataclasses.asdict(sig), out)
    if spec.settings is not None:
        _table("settings", dataclasses.asdict(spec.settings), out)
    if spec.template is not None:
        tpl = spec.template
        _table("template", {"joints": list(tpl.joints), "tolerance_deg": tpl.tolerance_deg,
                            "band": tpl.band, "warn_score": tpl.warn_score,
                            "curves": dict(zip(tpl.joints, map(list, tpl.curves), strict=True))},
               out)  # fmt: skip
    if spec.demonstration:
        _table("demonstration", dict(spec.demonstration), out)
    return "\n".join(out) + "\n"


def write(spec: ExerciseSpec, path: str | Path) -> Path:
    """Write ``spec`` to ``path`` (TOML); returns the path."""
    path = Path(path)
    path.write_text(dumps(spec), encoding="utf-8")
    return path


# --- reading -------------------------------------------------------------------------------


class _Checker:
    """Collects one message per problem while reading the tables."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def table(self, data: Mapping[str, Any], key: str, allowed: tuple[str, ...],
              required: tuple[str, ...] = ()) -> Mapping[str, Any]:  # fmt: skip
        """The table ``key`` of ``data`` ({} when absent), unknown and missing keys noted."""
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, Mapping):
            self.bad(key, f"must be a table ([{key}]), got {type(value).__name__}")
            return {}
        for k in value:
            if k not in allowed:
                self.bad(f"{key}.{k}", f"unknown key; allowed: {', '.join(allowed)}")
        for k in required:
            if k not in value:
                self.bad(f"{key}.{k}", "missing (required)")
        return value

    def get(self, table: Mapping[str, Any], prefix: str, key: str, check: Callable[[Any], str],
            default: Any = None) -> Any:  # fmt: skip
        """``table[key]`` when ``check`` finds nothing wrong (its message names the problem),
        else ``default`` (and the problem is noted)."""
        if key not in table:
            return default
        problem = check(table[key])
        if problem:
            self.bad(f"{prefix}.{key}", problem)
            return default
        return table[key]


def _text(v: Any) -> str:
    return "" if isinstance(v, str) and v.strip() else f"must be a non-empty string, got {v!r}"


def _one_of(allowed: tuple[Any, ...]) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        ok = v in allowed and type(v) in {type(a) for a in allowed}
        return "" if ok else f"must be one of {', '.join(map(repr, allowed))}, got {v!r}"
    return check


def _list_of(allowed: tuple[str, ...] | None, n: int | None = None,
             least: int = 0) -> Callable[[Any], str]:  # fmt: skip
    def check(v: Any) -> str:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return f"must be a list of strings, got {v!r}"
        if n is not None and len(v) != n:
            return f"must list exactly {n} names, got {len(v)}"
        if len(v) < least:
            return f"must list at least {least}, got {len(v)}"
        wrong = [x for x in v if allowed is not None and x not in allowed]
        return f"{wrong[0]!r} is not allowed; allowed: {', '.join(allowed or ())}" if wrong else ""
    return check


def _number(low: float, high: float, *, open_low: bool = False) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if isinstance(v, bool) or not isinstance(v, int | float):
            return f"must be a number, got {v!r}"
        ok = (v > low if open_low else v >= low) and v <= high
        bracket = "(" if open_low else "["
        return "" if ok else f"must be in {bracket}{low:g}, {high:g}], got {v!r}"
    return check


def _boolean(v: Any) -> str:
    return "" if isinstance(v, bool) else f"must be true or false, got {v!r}"


def _name(v: Any) -> str:
    if isinstance(v, str) and _NAME.fullmatch(v):
        return ""
    return f"must be 2-40 lower-case letters, digits and _, starting with a letter, got {v!r}"


_SPEC_KEYS: Final = (*_spec_dict(ExerciseSpec("x", "x", "x", "x", 1, ("a",) * 4, False, (), ())),  # type: ignore[arg-type]  # noqa: E501
                     "side", "section", "recognition", "rom_views")
_REQUIRED: Final = ("name", "title", "primary", "unit", "direction", "phases")


def _exercise(c: _Checker, data: Mapping[str, Any]) -> dict[str, Any]:
    ex = c.table(data, "exercise", _SPEC_KEYS, _REQUIRED)
    g = c.get
    return {
        "name": g(ex, "exercise", "name", _name, "unnamed"),
        "title": g(ex, "exercise", "title", _text, "Unnamed"),
        "primary": g(ex, "exercise", "primary", _one_of(FEATURES), FEATURES[0]),
        "unit": g(ex, "exercise", "unit", _text, "deg"),
        "direction": g(ex, "exercise", "direction", _one_of((1, -1)), 1),
        "phases": tuple(g(ex, "exercise", "phases", _list_of(None, 4), ["a"] * 4)),
        "needs_side_view": g(ex, "exercise", "needs_side_view", _boolean, False),
        "start": tuple(g(ex, "exercise", "start", _list_of(STARTS, least=1), ["upright"])),
        "measurements": tuple(g(ex, "exercise", "measurements", _list_of(None), [])),
        "cues": tuple(g(ex, "exercise", "cues", _list_of(tuple(DEDUCTIONS)), [])),
        "setup_joints": tuple(g(ex, "exercise", "setup_joints", _list_of(JOINTS), [])),
        "shown_angle": g(ex, "exercise", "shown_angle", _one_of(("", *FEATURES)),
                         "trunk_inclination"),  # "": no angle drawn
        "rom": g(ex, "exercise", "rom", _text, "peak_trunk_deg"),
        "tests": tuple(g(ex, "exercise", "tests", _list_of(TESTS), [])),
        "side": g(ex, "exercise", "side", _one_of(("left", "right"))),
        "setup": g(ex, "exercise", "setup", _text, "Stand side-on to the camera"),
        "instructions": g(ex, "exercise", "instructions", _string, ""),
        "rom_word": g(ex, "exercise", "rom_word", _text, "range of motion"),
        "rom_code": g(ex, "exercise", "rom_code", _string, ""),
        "views": tuple(g(ex, "exercise", "views", _list_of(_CAMERA_VIEWS, least=1), ["side"])),
        "view_advice": g(ex, "exercise", "view_advice", _text, "Turn side-on to the camera"),
        "guide_view": g(ex, "exercise", "guide_view", _boolean, False),
        "measure_groups": tuple(g(ex, "exercise", "measure_groups",
                                  _list_of(tuple(MEASURE_GROUPS)), [])),  # fmt: skip
        "rom_views": _optional_views(c, ex),
        "section": _section(c, ex),
        "recognition": _recognition(c, ex),
    }


_CAMERA_VIEWS: Final = ("side", "oblique", "frontal", "unknown")


def _optional_views(c: _Checker, ex: Mapping[str, Any]) -> tuple[str, ...] | None:
    """``rom_views``: the views where the ROM is measured (absent: every view)."""
    views = c.get(ex, "exercise", "rom_views", _list_of(_CAMERA_VIEWS))
    return None if views is None else tuple(views)


def _string(v: Any) -> str:
    return "" if isinstance(v, str) else f"must be a string, got {v!r}"


def _section(c: _Checker, ex: Mapping[str, Any]) -> ConfigSection | None:
    """A built-in's section of the configuration (``section = "squat"``), when named."""
    from formcheck.config import Config

    sections = tuple(f.name for f in dataclasses.fields(Config))
    key = c.get(ex, "exercise", "section", _one_of(sections))
    return None if key is None else ConfigSection(key)


def _recognition(c: _Checker, ex: Mapping[str, Any]) -> Recognition | None:
    if "recognition" not in ex:
        return None
    key = "exercise.recognition"
    r = c.table(ex, key, ("by", "order", "dominance", "views", "seated", "unless_reps_of"),
                ("by", "order"))  # fmt: skip
    by = c.get(r, key, "by", _one_of(("both_sides", "seated_start", "reps", "trunk")))
    order = c.get(r, key, "order", _number(0, 1000))
    dominance = c.get(r, key, "dominance", _number(0, 1000), 2.0)
    views = c.get(r, key, "views", _list_of(("side", "oblique", "frontal", "unknown")))
    seated = c.get(r, key, "seated", _boolean, False)
    unless = c.get(r, key, "unless_reps_of", _name)
    if by is None or order is None:
        return None
    return Recognition(by, int(order), float(dominance),
                       tuple(views) if views is not None else None, seated, unless)  # fmt: skip


def _signals(c: _Checker, data: Mapping[str, Any]) -> dict[str, Signal]:
    tables = c.table(data, "signals", VIEWS)
    out = {}
    for view, _ in tables.items():
        if view not in VIEWS:
            continue
        key = f"signals.{view}"
        s = c.table(tables, key, ("feature", "unit", "sign", "of_start", "counter", "two_sided"),
                    ("feature", "unit"))  # fmt: skip
        out[view] = Signal(c.get(s, key, "feature", _one_of(FEATURES), FEATURES[0]),
                           c.get(s, key, "unit", _text, "deg"),
                           c.get(s, key, "sign", _one_of((1, -1)), 1),
                           c.get(s, key, "of_start", _boolean, False),
                           c.get(s, key, "counter", _text, "counter"),
                           c.get(s, key, "two_sided", _boolean, False))  # fmt: skip
    return out


_COUNTER_KEYS: Final = tuple(f.name for f in dataclasses.fields(CounterConfig))


def _settings(c: _Checker, data: Mapping[str, Any]) -> DefinitionSettings | None:
    if "settings" not in data:
        return None
    s = c.table(data, "settings", ("counter", "end_range_share", "knee_bend_deg"), ("counter",))
    share = c.get(s, "settings", "end_range_share", _number(0, 1, open_low=True), 0.9)
    knee = c.get(s, "settings", "knee_bend_deg", _number(0, 180), 15.0)
    raw = c.table(s, "settings.counter", _COUNTER_KEYS, ("enter", "rest", "onset"))
    values = {k: c.get(raw, "settings.counter", k, _number(0, 1000)) for k in _COUNTER_KEYS}
    values = {k: float(v) for k, v in values.items() if v is not None}
    if not all(k in values for k in ("enter", "rest", "onset")):
        return DefinitionSettings(CounterConfig(1.0, 0.5, 0.1), share, knee)
    counter = CounterConfig(**values)
    from formcheck.exercise.reps import RepCounter

    try:
        RepCounter(**counter.counter_kwargs())
    except ValueError as err:  # the counter's own range check names the key and its range
        c.bad("settings.counter", str(err))
    return DefinitionSettings(counter, float(share), float(knee))


def _template(c: _Checker, data: Mapping[str, Any]) -> Template | None:
    if "template" not in data:
        return None
    t = c.table(data, "template", ("joints", "tolerance_deg", "band", "warn_score", "curves"),
                ("joints", "tolerance_deg", "curves"))  # fmt: skip
    joints = tuple(c.get(t, "template", "joints", _list_of(FEATURES, least=1), []))
    tolerance = c.get(t, "template", "tolerance_deg", _number(0, 1000, open_low=True), 10.0)
    band = c.get(t, "template", "band", _number(0, 1, open_low=True), 0.3)
    warn = c.get(t, "template", "warn_score", _number(0, 100), 70)
    raw = c.table(t, "template.curves", joints)
    curves = []
    for j in joints:
        curve = c.get(raw, "template.curves", j, _curve)
        if j not in raw:
            c.bad(f"template.curves.{j}", "missing: every joint in template.joints needs a curve")
        curves.append(tuple(float(v) for v in curve or ()))
    lengths = {len(x) for x in curves if x}
    if len(lengths) > 1:
        c.bad("template.curves", f"every curve must have the same length, got {sorted(lengths)}")
    if not joints or len(curves) != len(joints) or not all(curves) or len(lengths) != 1:
        return None
    return Template(joints, tuple(curves), float(tolerance), float(band), int(warn))


def _curve(v: Any) -> str:
    ok = isinstance(v, list) and len(v) >= 4 and all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in v)
    return "" if ok else "must be a list of at least 4 finite numbers (deg)"


_DEMO_KEYS: Final = ("source", "from_s", "to_s", "view", "side", "reps", "rep_times_s",
                     "start_posture")  # fmt: skip


def loads(text: str, source: str = "definition") -> ExerciseSpec:
    """The :class:`ExerciseSpec` of a definition file's ``text``; ``source`` names it in
    messages. Raises :class:`DefinitionFileError` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DefinitionFileError(f"{source}: not valid TOML ({err})") from None
    c = _Checker()
    for key in data:
        if key not in ("format", "version", "exercise", "signals", "settings", "template",
                       "demonstration"):  # fmt: skip
            c.bad(key, "unknown key; allowed: format, version, exercise, signals, settings,"
                  " template, demonstration")  # fmt: skip
    if data.get("format") != FORMAT:
        c.bad("format", f'must be "{FORMAT}", got {data.get("format")!r}')
    if data.get("version") != VERSION:
        c.bad("version", f"must be {VERSION} (the only version), got {data.get('version')!r}")
    fields = _exercise(c, data)
    signals, settings, template = _signals(c, data), _settings(c, data), _template(c, data)
    demo = c.table(data, "demonstration", _DEMO_KEYS)
    if c.problems:
        lines = "\n".join(f"  - {p}" for p in c.problems)
        count = f"{len(c.problems)} problem{'s' if len(c.problems) > 1 else ''}"
        raise DefinitionFileError(f"{source}: not a usable exercise definition ({count}):\n{lines}")
    return ExerciseSpec(**fields, signals=signals, settings=settings, template=template,
                        demonstration=dict(demo))  # fmt: skip


def read(path: str | Path) -> ExerciseSpec:
    """The definition in the TOML file at ``path`` (see :func:`loads`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DefinitionFileError(f"{path}: cannot read it ({err})") from None
    return loads(text, str(path))
