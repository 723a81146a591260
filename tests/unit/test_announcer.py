"""The announcer: one phrase at a time, most important first, cooldown, stale phrases dropped."""

from __future__ import annotations

import pytest

from formcheck.speech.announcer import MAX_WAIT_S, Announcer, Phrase


def _fixed(seconds: float):  # every phrase takes this long to say
    return lambda text: seconds


def test_most_important_first_then_oldest() -> None:
    a = Announcer(duration_s=_fixed(0.5))
    a.offer(0.0, "Keep your knees straight", "correction")
    a.offer(0.1, "3", "count")
    a.offer(0.2, "Rest", "transition")
    assert a.take(0.2).text == "Rest"
    assert a.take(0.3) is None  # "Rest" is still being said (0.5 s + gap)
    assert a.take(1.0).text == "3"
    assert a.take(2.0).text == "Keep your knees straight"
    assert a.take(3.0) is None


def test_same_correction_not_repeated_within_the_cooldown() -> None:
    a = Announcer(cooldown_s=5.0, duration_s=_fixed(0.5))
    said = []
    for i in range(100):  # a correction that holds for 10 s, offered every frame
        t = i * 0.1
        a.offer(t, "Keep your knees straight", "correction")
        if a.take(t) is not None:
            said.append(round(t, 1))
    assert said == [0.0, 5.0]


def test_a_phrase_waiting_too_long_is_dropped() -> None:
    a = Announcer(duration_s=_fixed(3.0))
    a.offer(0.0, "Next: back extension", "transition")
    a.offer(0.0, "1", "count")
    assert a.take(0.0).text == "Next: back extension"
    assert a.take(3.0 + 0.3) is None  # the count waited longer than MAX_WAIT_S["count"]
    assert MAX_WAIT_S["count"] < 3.3


def test_pending_is_bounded_keeping_the_important() -> None:
    a = Announcer(max_pending=2, duration_s=_fixed(10.0))
    a.offer(0.0, "busy", "transition")
    a.take(0.0)
    for n, kind in enumerate(("correction", "count", "transition", "correction")):
        a.offer(0.1, f"p{n}", kind)
    assert [p.text for p in a.pending] == ["p2", "p1"]


def test_bad_phrases_and_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        Phrase("x", "shout")
    with pytest.raises(ValueError, match="needs words"):
        Phrase("  ", "count")
    with pytest.raises(ValueError, match="cooldown_s"):
        Announcer(cooldown_s=-1)
