"""The analysis options both pages offer: exercise, clinical test, patient age and sex."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from formcheck.config import Config
from formcheck.exercise.clinical_tests import CLINICAL_TESTS, TEST_TITLES
from formcheck.exercise.definitions import EXERCISES

__all__ = [
    "AUTO",
    "AnalysisOptions",
    "SEXES",
    "TEST_TITLES",
    "choose_options",
    "exercise_title",
    "offline_only_tests",
    "test_choices",
]

SEXES = {"": "Not given", "f": "Female", "m": "Male"}  # codes of formcheck.exercise.clinical


@dataclass(frozen=True)
class AnalysisOptions:
    """What to analyse: ``exercise`` (an ``EXERCISES`` name), ``test``, age (years), sex,
    and the thresholds changed on the page (``--set``-style pairs, this session only)."""

    exercise: str
    test: str | None = None
    age: int | None = None
    sex: str | None = None
    overrides: tuple[tuple[str, float], ...] = ()




def test_choices(exercise: str | None = None, *, live: bool = False) -> dict[str, str]:
    """Clinical test name -> title: the tests run as ``exercise`` (every test for ``None``);
    with ``live``, only those the live page can run (``ClinicalTest.live``)."""
    return {name: test.title for name, test in CLINICAL_TESTS.items()
            if (exercise is None or test.exercise == exercise)
            and (test.live or not live)}  # fmt: skip


def offline_only_tests(exercise: str) -> list[str]:
    """Why each test of ``exercise`` that the live page cannot run is offline only
    (``ClinicalTest.live`` and ``offline_reason``)."""
    return [test.offline_reason for test in CLINICAL_TESTS.values()
            if not test.live and test.exercise == exercise]  # fmt: skip


AUTO = "auto"
"""Exercise choice meaning "detect it from the clip" (review uploads only)."""


def exercise_title(name: str) -> str:
    if name == AUTO:
        return "Detect automatically"
    spec = EXERCISES.get(name)
    return spec.title if spec is not None else name.replace("_", " ")


def choose_options(
    exercise: str | None,
    test: str | None,
    *,
    key: str,
    ask_patient: bool = True,
    from_query: bool = False,
    allow_auto: bool = False,
    config: Config | None = None,
    live: bool = False,
) -> AnalysisOptions:
    """Widgets for the options, preset to ``exercise``/``test`` (or, with ``from_query``, the
    page address's ``?exercise=...&test=...``); ``key`` keeps widget sets apart. With
    ``config``, the exercise's thresholds can be changed too (:mod:`formcheck.ui.settings`).
    With ``live``, only the tests the live page can run are offered."""
    names = ([AUTO] if allow_auto else []) + list(EXERCISES)
    if from_query:
        exercise = st.query_params.get("exercise", exercise)
        test = st.query_params.get("test", test)
    cols = st.columns(4 if ask_patient else 2)
    chosen = cols[0].selectbox(
        "Exercise", names, index=names.index(exercise) if exercise in names else 0,
        format_func=exercise_title, key=f"{key}_exercise",
    )  # fmt: skip
    offered = test_choices(None if chosen == AUTO else chosen, live=live)  # auto: test decides
    tests = {"": "None", **offered}
    test_names = list(tests)
    picked = cols[1].selectbox(
        "Clinical test", test_names, index=test_names.index(test) if test in test_names else 0,
        format_func=tests.__getitem__, key=f"{key}_test", disabled=len(tests) == 1,
    )  # fmt: skip
    age = sex = None
    if ask_patient:
        raw_age = cols[2].number_input("Patient age (years, optional)", min_value=1,
                                       max_value=120, value=None, step=1, key=f"{key}_age")
        age = int(raw_age) if raw_age is not None else None
        sex = cols[3].selectbox("Patient sex (optional)", list(SEXES),
                                format_func=SEXES.__getitem__, key=f"{key}_sex") or None
    overrides: tuple[tuple[str, float], ...] = ()
    if config is not None and chosen in EXERCISES and EXERCISES[chosen].settings is None:
        from formcheck.ui.settings import threshold_editor

        overrides = threshold_editor(config, chosen, EXERCISES[chosen].unit, key=key)
    return AnalysisOptions(chosen, picked or None, age, sex, overrides)
