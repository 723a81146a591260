"""Exercise definition files: every built-in writes and reads back equal, a learned
definition (thresholds, template, demonstration) too, and each problem of a bad file gets
its own line naming the key and what is allowed; the registry takes run-time definitions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from formcheck.config import CounterConfig
from formcheck.exercise.definition_file import DefinitionFileError, dumps, loads, read, write
from formcheck.exercise.definitions import (
    EXERCISES,
    DefinitionSettings,
    ExerciseSpec,
    Signal,
    get_exercise,
    register_exercise,
)
from formcheck.exercise.template_match import Template

LEARNED = ExerciseSpec(
    name="knee_raise", title="Standing knee raise", primary="hip_flexion", unit="deg",
    direction=1, phases=("start", "moving", "end_range", "returning"), needs_side_view=False,
    measurements=("start_s", "excursion"), cues=(),
    signals={"default": Signal("hip_flexion", "deg", 1)}, shown_angle="hip_flexion",
    rom="excursion", settings=DefinitionSettings(CounterConfig(30.0, 18.5, 4.6), 0.9, 100.0),
    template=Template(("hip_flexion", "trunk_inclination"),
                      ((0.0, 30.5, 70.25, 30.0, 0.0), (0.0, -1.0, -2.0, -1.0, 0.0)), 35.0),
    demonstration={"source": "demo.mp4", "from_s": 0.0, "to_s": 6.5, "view": "side",
                   "rep_times_s": [[1.0, 3.2], [3.8, 6.0]],
                   "start_posture": {"hip_flexion": -1.2}},
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_built_in_reads_back_equal(name: str) -> None:
    assert loads(dumps(EXERCISES[name])) == EXERCISES[name]


def test_a_learned_definition_reads_back_equal(tmp_path: Path) -> None:
    path = write(LEARNED, tmp_path / "knee_raise.toml")
    assert read(path) == LEARNED
    assert 'format = "formcheck-exercise"' in path.read_text() and "version = 1" in dumps(LEARNED)


def _bad(text: str) -> list[str]:
    with pytest.raises(DefinitionFileError) as info:
        loads(text, "bad.toml")
    head, *lines = str(info.value).splitlines()
    assert head.startswith("bad.toml: not a usable exercise definition")
    assert head.endswith(f"({len(lines)} problem{'s' if len(lines) > 1 else ''}):")
    return [line.removeprefix("  - ") for line in lines]


def test_each_problem_is_one_line_naming_the_key_and_what_is_allowed() -> None:
    text = dumps(LEARNED)
    text = text.replace("direction = 1", "direction = 2").replace('rom = "excursion"', "rom = 3")
    text = text.replace('primary = "hip_flexion"', 'primary = "elbow_flexion"', 1)
    text = text.replace("rest = 18.5", "rest = 40.0").replace("version = 1", "version = 7")
    text += "\n[extra]\nx = 1\n"
    problems = _bad(text)
    assert "exercise.direction: must be one of 1, -1, got 2" in problems
    assert any(p.startswith("exercise.primary: must be one of 'trunk_inclination'") and
               p.endswith("got 'elbow_flexion'") for p in problems)  # fmt: skip
    assert "exercise.rom: must be a non-empty string, got 3" in problems
    assert "settings.counter: rest must be in (0, enter) = (0, 30), got 40.0" in problems
    assert "version: must be 1 (the only version), got 7" in problems
    assert any(p.startswith("extra: unknown key; allowed: format, version") for p in problems)
    assert len(problems) == 6


def test_missing_and_misshapen_parts_are_named() -> None:
    problems = _bad('format = "formcheck-exercise"\nversion = 1\n[exercise]\nname = "k"\n'
                    'title = "K"\nphases = ["a", "b"]\ncues = ["shouting"]\n'
                    '[template]\njoints = ["hip_flexion", "knee_flexion"]\ntolerance_deg = 0\n'
                    '[template.curves]\nhip_flexion = [0, 1, 2, 3]\n'
                    'knee_flexion = [0, 1]\n')  # fmt: skip
    assert "exercise.primary: missing (required)" in problems
    assert "exercise.name: must be 2-40 lower-case letters, digits and _, starting with a" \
           " letter, got 'k'" in problems  # fmt: skip
    assert "exercise.phases: must list exactly 4 names, got 2" in problems
    assert any(p.startswith("exercise.cues: 'shouting' is not allowed; allowed:") for p in problems)
    assert "template.tolerance_deg: must be in (0, 1000], got 0" in problems
    assert "template.curves.knee_flexion: must be a list of at least 4 finite numbers (deg)" \
           in problems  # fmt: skip


def test_not_toml_and_no_file_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(DefinitionFileError, match=r"^x.toml: not valid TOML \("):
        loads("[exercise\n", "x.toml")
    with pytest.raises(DefinitionFileError, match="no such file"):
        read(tmp_path / "absent.toml")


def test_the_registry_takes_a_run_time_definition_but_no_built_in_name() -> None:
    spec = replace(LEARNED, name="knee_raise_test")
    try:
        register_exercise(spec)
        assert get_exercise("knee_raise_test") is spec
        with pytest.raises(ValueError, match="'squat' is a built-in exercise"):
            register_exercise(replace(LEARNED, name="squat"))
        with pytest.raises(ValueError, match=r"has no thresholds \(\[settings\]\)"):
            register_exercise(replace(LEARNED, name="other", settings=None))
    finally:
        EXERCISES.pop("knee_raise_test", None)
