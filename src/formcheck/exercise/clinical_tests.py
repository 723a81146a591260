"""The clinical tests formcheck runs, as data: ``CLINICAL_TESTS: dict[str, ClinicalTest]``.

Each test names the exercise it is run as, the start postures it allows, how it is
scored from the session (:class:`formcheck.exercise.clinical.TestInputs`), the
``[tests]`` settings of its stop rule or duration, and whether the live page can run
it. The session, the command line and the pages read this table; none of them names
a test.
"""

from __future__ import annotations

from typing import Final

from formcheck.exercise.clinical import ClinicalTest, score_chair_stand, score_five_times
from formcheck.exercise.tug import score_tug, tug_norm

__all__ = ["CLINICAL_TESTS", "TESTS", "TEST_TITLES", "get_test"]

CLINICAL_TESTS: Final[dict[str, ClinicalTest]] = {
    "5xsts": ClinicalTest(
        name="5xsts",
        title="Five-times sit-to-stand (5xSTS)",
        exercise="sit_to_stand",
        score=score_five_times,
        stop_rule="five_stop",
        protocol="Five-times sit-to-stand: arms folded across the chest, back against the "
        "chair; stand up and sit down 5 times as quickly as possible.",
    ),
    "30s_cst": ClinicalTest(
        name="30s_cst",
        title="30-second chair stand",
        exercise="sit_to_stand",
        score=score_chair_stand,
        duration="chair_stand_s",
        protocol="30-second chair stand (CDC STEADI): arms crossed, hands on opposite "
        "shoulders; count full stands in 30 s.",
    ),
    "tug": ClinicalTest(
        name="tug",
        title="Timed Up and Go (TUG)",
        exercise="sit_to_stand",
        score=score_tug,
        live=False,
        offline_reason="The Timed Up and Go is timed from a clip (Review page or "
        "`formcheck analyze CLIP --test tug`): its phases are found over the whole walk.",
        protocol="Timed Up and Go (CDC STEADI): from sitting, stand up, walk 3 m at a normal "
        "pace, turn, walk back and sit down; timed from rise onset to seat contact, filmed "
        "from the side.",
        norm=lambda value, age, _sex: tug_norm(value, age),
        citations=(
            "Bohannon RW. Reference values for the timed up and go test: a descriptive "
            "meta-analysis. J Geriatr Phys Ther 2006;29(2):64-68.",
            "CDC STEADI: Assessment - Timed Up & Go (TUG).",
            "Podsiadlo D, Richardson S. The timed \"Up & Go\": a test of basic functional "
            "mobility for frail elderly persons. J Am Geriatr Soc 1991;39(2):142-148.",
        ),
    ),
}

TESTS: Final = tuple(CLINICAL_TESTS)
"""The test names, in the order the pages list them."""
TEST_TITLES: Final = {name: test.title for name, test in CLINICAL_TESTS.items()}
"""Test name -> title, as the pages and documents show it."""


def get_test(name: str) -> ClinicalTest:
    """The test called ``name``; an unknown name raises ``ValueError`` listing the valid ones."""
    try:
        return CLINICAL_TESTS[name]
    except KeyError:
        raise ValueError(f"unknown test {name!r}; valid: {', '.join(TESTS)}") from None
