"""The programme file: round trip, the example, and every bad-input message."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from formcheck.exercise.definitions import EXERCISES
from formcheck.programme import (
    Programme,
    ProgrammeFileError,
    Step,
    dump_programme,
    load_programme,
    parse_programme,
    programme_from_rows,
    programme_rows,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "back_pain_programme.toml"

GOOD_STEP = 'exercise = "trunk_flexion"\nsets = 2\nreps = 10\n'


def _problems(text: str) -> list[str]:
    with pytest.raises(ProgrammeFileError) as caught:
        parse_programme(text, "p.toml")
    assert str(caught.value).startswith("p.toml: ")
    assert "\n" not in str(caught.value)
    return caught.value.problems


def _one_step(body: str) -> list[str]:
    return _problems(f'title = "T"\n[[step]]\n{body}')


def test_round_trip_every_field() -> None:
    programme = Programme(
        "Week 1: \"gentle\" \\ start",
        (
            Step("trunk_flexion", sets=2, reps=10, target_deg=55.5, hold_s=2, rest_s=45,
                 notes="Knees straight.\nSlowly."),  # fmt: skip
            Step("sit_to_stand", sets=1, duration_s=30, rest_s=0),
            Step("back_extension", reps=8, hold_s=5, notes="Hände auf die Hüften"),
        ),
        notes="Stop if the pain spreads down a leg.",
    )
    text = dump_programme(programme)
    assert parse_programme(text) == programme
    assert dump_programme(parse_programme(text)) == text
    # commented: the header lists the exercises, each step line says what it is
    assert all(name in text for name in EXERCISES)
    assert "# target_deg = ..." in text  # the step without a target says so
    assert text.count("\n[[step]]\n") == 3


def test_dumped_file_is_plain_toml() -> None:
    data = tomllib.loads(dump_programme(Programme("T", (Step("squat", reps=5),))))
    assert data == {"format": 1, "title": "T", "notes": "",
                    "step": [{"exercise": "squat", "sets": 1, "reps": 5, "rest_s": 60.0,
                              "notes": ""}]}  # fmt: skip


def test_example_loads_and_uses_every_registered_exercise() -> None:
    """An exercise added to the registry must be added to the example programme too."""
    programme = load_programme(EXAMPLE)
    used = [s.exercise for s in programme.steps]
    assert sorted(set(used)) == sorted(EXERCISES), "add the new exercise to " + EXAMPLE.name
    assert any(s.duration_s for s in programme.steps) and any(s.hold_s for s in programme.steps)
    assert all(s.notes for s in programme.steps)
    # a physiotherapist can follow it: every step is preceded by a comment on what it targets
    text = EXAMPLE.read_text(encoding="utf-8")
    for block in text.split("[[step]]")[:-1]:
        assert block.rstrip().splitlines()[-1].startswith("#")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title = \n", "p.toml: not valid TOML"),
        ('title = "T"\n', "no steps: add at least one step ([[step]] in a file)"),
        ('[[step]]\n' + GOOD_STEP, "title is missing; give the programme a title"),
        ('title = ""\n[[step]]\n' + GOOD_STEP, "title must not be empty"),
        ('title = 3\n[[step]]\n' + GOOD_STEP, "title must be text in quotes, got 3"),
        ('title = "T"\nformat = 2\n[[step]]\n' + GOOD_STEP, "format must be 1, got 2"),
        ('title = "T"\nauthor = "me"\n[[step]]\n' + GOOD_STEP,
         "unknown key 'author'; allowed: format, title, notes, step"),
        ('title = "T"\nstep = 3\n', "step must be a list of [[step]] tables"),
        ('title = "T"\nnotes = "' + "x" * 501 + '"\n[[step]]\n' + GOOD_STEP,
         "notes must be at most 500 characters, got 501"),
    ],
)
def test_programme_level_messages(text: str, expected: str) -> None:
    with pytest.raises(ProgrammeFileError) as caught:
        parse_programme(text, "p.toml")
    assert any(expected in p for p in caught.value.problems) or expected in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("sets = 1\nreps = 3\n", "step 1: exercise is missing; allowed: " + ", ".join(EXERCISES)),
        ('exercise = "jumping_jack"\nreps = 3\n',
         "step 1: exercise 'jumping_jack' is not known; allowed: " + ", ".join(EXERCISES)),
        ('exercise = "squat"\n', "step 1: give reps (per set) or duration_s (seconds per set)"),
        ('exercise = "squat"\nreps = 3\nduration_s = 30\n',
         "step 1: give reps or duration_s, not both"),
        ('exercise = "squat"\nreps = 3\nsets = 0\n',
         "step 1: sets must be a whole number from 1 to 20, got 0"),
        ('exercise = "squat"\nreps = 2.5\n',
         "step 1: reps must be a whole number from 1 to 100, got 2.5"),
        ('exercise = "squat"\nreps = true\n',
         "step 1: reps must be a whole number from 1 to 100, got True"),
        ('exercise = "squat"\nreps = "ten"\n',
         "step 1: reps must be a whole number from 1 to 100, got 'ten'"),
        ('exercise = "squat"\nduration_s = 0\n',
         "step 1: duration_s must be a number from 1 to 600, got 0"),
        ('exercise = "squat"\nreps = 3\ntarget_deg = 200\n',
         "step 1: target_deg must be a number from 1 to 180, got 200"),
        ('exercise = "squat"\nreps = 3\ntarget_deg = nan\n',
         "step 1: target_deg must be a number from 1 to 180, got nan"),
        ('exercise = "squat"\nreps = 3\nhold_s = -1\n',
         "step 1: hold_s must be a number from 0 to 120, got -1"),
        ('exercise = "squat"\nreps = 3\nrest_s = 900\n',
         "step 1: rest_s must be a number from 0 to 600, got 900"),
        ('exercise = "squat"\nreps = 3\nnotes = 5\n',
         "step 1: notes must be text in quotes, got 5"),
        ('exercise = "squat"\nreps = 3\nrepetitions = 3\n',
         "step 1: unknown key 'repetitions'; allowed: exercise, sets, reps, duration_s,"
         " target_deg, hold_s, rest_s, notes"),
    ],
)
def test_step_messages_name_field_and_allowed_values(body: str, expected: str) -> None:
    assert expected in _one_step(body)


def test_every_problem_is_reported_once_per_line() -> None:
    text = ('title = ""\n'
            '[[step]]\nexercise = "trunk_flexion"\nreps = 10\n'
            '[[step]]\nexercise = "squatt"\nsets = 0\nreps = 5\n'
            '[[step]]\nexercise = "squat"\nreps = 5\ntarget_deg = 0\n')  # fmt: skip
    problems = _problems(text)
    assert problems == [
        "title must not be empty",
        "step 2: exercise 'squatt' is not known; allowed: " + ", ".join(EXERCISES),
        "step 2: sets must be a whole number from 1 to 20, got 0",
        "step 3: target_deg must be a number from 1 to 180, got 0",
    ]


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeFileError, match="no such file"):
        load_programme(tmp_path / "missing.toml")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(ProgrammeFileError, match="cannot read it"):
        load_programme(binary)


def test_types_check_themselves_when_built() -> None:
    with pytest.raises(ValueError, match="exercise 'nope' is not known"):
        Step("nope", reps=3)
    with pytest.raises(ValueError, match="no steps"):
        Programme("T", ())
    programme = Programme("T", [Step("squat", reps=3, target_deg=60)])  # a list becomes a tuple
    assert programme.steps[0].target_deg == 60.0 and isinstance(programme.steps, tuple)
    assert programme.step(1).prescribed_reps == 3
    with pytest.raises(ValueError, match="step must be 1 to 1, got 2"):
        programme.step(2)


def test_a_table_of_steps_from_the_patients_page() -> None:
    nan = float("nan")
    rows = [
        {"exercise": "trunk_flexion", "sets": 2.0, "reps": 10.0, "duration_s": nan,
         "target_deg": 50.0, "hold_s": None, "rest_s": 45.0, "notes": None},
        {"exercise": None, "sets": None, "reps": nan, "notes": ""},  # an empty added row
        {"exercise": "squat", "sets": None, "reps": None, "duration_s": 30.0, "rest_s": None,
         "notes": "Heels down"},
    ]  # fmt: skip
    programme, problems = programme_from_rows("  Week 1 ", "", rows)
    assert problems == []
    assert programme == Programme("Week 1", (
        Step("trunk_flexion", sets=2, reps=10, target_deg=50, rest_s=45),
        Step("squat", duration_s=30, notes="Heels down"),  # blank sets / rest: the defaults
    ))  # fmt: skip
    assert programme_from_rows("Week 1", "", programme_rows(programme)) == (programme, [])


def test_a_bad_table_gets_the_file_messages() -> None:
    rows = [{"exercise": "squat", "sets": 2.5, "reps": 5}, {"exercise": None, "reps": 3}]
    programme, problems = programme_from_rows("", "", rows)
    assert programme is None
    assert problems == [
        "title must not be empty",
        "step 1: sets must be a whole number from 1 to 20, got 2.5",
        "step 2: exercise is missing; allowed: " + ", ".join(EXERCISES),
    ]
    assert programme_from_rows("T", "", [{"exercise": None}])[1] == [
        "no steps: add at least one step ([[step]] in a file)"]


def test_a_file_saved_by_windows_notepad_loads(tmp_path: Path) -> None:
    path = tmp_path / "notepad.toml"
    text = dump_programme(Programme("T", (Step("squat", reps=5),))).replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # BOM and CRLF
    assert load_programme(path) == Programme("T", (Step("squat", reps=5),))
