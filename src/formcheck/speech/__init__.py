"""Spoken cues: what to say and when (``announcer``, pure), and saying it (``voice``:
Debian's ``espeak-ng`` to WAV on this machine, cached per phrase, no network)."""

from formcheck.speech.announcer import PRIORITY, Announcer, Phrase
from formcheck.speech.voice import SpeechUnavailable, Voice, find_espeak, with_volume

__all__ = ["PRIORITY", "Announcer", "Phrase", "SpeechUnavailable", "Voice", "find_espeak",
           "with_volume"]
