"""Speech synthesis with the real espeak-ng (skipped with a message where it is absent)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from formcheck.speech.voice import (
    MISSING,
    SpeechUnavailable,
    Voice,
    data_url,
    find_espeak,
    wav_duration_s,
    with_volume,
)

needs_espeak = pytest.mark.skipif(
    find_espeak() is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


def _samples(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


@needs_espeak
def test_a_phrase_is_spoken_once_and_cached_then_cleaned_up() -> None:
    voice = Voice()
    try:
        data = voice.wav("Next: back extension")
        assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
        assert 0.8 < wav_duration_s(data) < 4.0
        assert np.abs(_samples(data)).max() > 1000  # sound, not silence
        assert voice.duration_s("Next:  back extension") == pytest.approx(wav_duration_s(data))
        assert voice.wav("Next: back extension") is data  # from the cache
        assert list(voice._dir.iterdir()) == []  # noqa: SLF001 - nothing left on disk
        longer = voice.wav("Next: back extension, then sit to stand, ten times")
        assert wav_duration_s(longer) > wav_duration_s(data)
    finally:
        voice.close()
    assert not voice._dir.exists()  # noqa: SLF001


@needs_espeak
def test_volume_scales_the_samples() -> None:
    voice = Voice()
    try:
        data = voice.wav("Hold")
    finally:
        voice.close()
    quiet = with_volume(data, 0.25)
    assert wav_duration_s(quiet) == wav_duration_s(data)
    loud, soft = _samples(data).astype(float), _samples(quiet).astype(float)
    assert np.abs(soft).max() == pytest.approx(0.25 * np.abs(loud).max(), abs=1)
    assert not _samples(with_volume(data, 0.0)).any()
    assert data_url(data).startswith("data:audio/wav;base64,UklGR")
    with pytest.raises(ValueError, match="volume must be 0 to 1"):
        with_volume(data, 1.5)


def test_without_espeak_the_message_says_so(tmp_path, monkeypatch) -> None:
    missing = tmp_path / "espeak-ng"
    with pytest.raises(SpeechUnavailable, match="could not say"):
        Voice(executable=str(missing)).wav("Hold")
    import formcheck.speech.voice as voice_module

    monkeypatch.setattr(voice_module, "find_espeak", lambda: None)
    with pytest.raises(SpeechUnavailable) as err:
        Voice()
    assert str(err.value) == MISSING


@needs_espeak
def test_the_silence_around_a_phrase_is_trimmed() -> None:
    voice = Voice()
    try:
        samples = _samples(voice.wav("Rest"))
    finally:
        voice.close()
    loud = np.nonzero(np.abs(samples.astype(int)) > 200)[0]
    assert len(samples) - loud[-1] <= 0.06 * 22050 and loud[0] <= 0.06 * 22050
