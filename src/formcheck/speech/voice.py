"""Saying a phrase: Debian's ``espeak-ng`` synthesises it to WAV on this machine.

No network, no model download: ``espeak-ng`` is a local program (``apt-get
install espeak-ng``). Each phrase is synthesised once, into a private
temporary directory (mode 0700) that :meth:`Voice.close` (or the end of the
process) removes, and kept in memory, most recently used first, up to
``max_phrases``. The phrases are the programme's words ("3", "Hold", "Next:
back extension"), never anything about the patient.

Where ``espeak-ng`` is missing, :class:`Voice` raises :class:`SpeechUnavailable`
with one sentence the page shows; the cues then stay visual.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import io
import shutil
import subprocess
import tempfile
import threading
import wave
from collections import OrderedDict
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError

__all__ = ["SpeechUnavailable", "Voice", "find_espeak", "with_volume", "wav_duration_s",
           "data_url", "trim_silence", "MISSING"]

MISSING = ("Spoken cues need espeak-ng, which is not installed here "
           "(apt-get install espeak-ng): the cues stay on screen.")  # fmt: skip
_TIMEOUT_S = 10.0


class SpeechUnavailable(FormcheckError):
    """Speech cannot be synthesised here (espeak-ng missing or failing)."""


def find_espeak() -> str | None:
    """The path of ``espeak-ng`` on PATH, or None."""
    return shutil.which("espeak-ng")


class Voice:
    """Phrase -> WAV bytes (mono 16-bit PCM) through espeak-ng, cached; thread-safe.

    ``voice``: an espeak-ng voice name; ``words_per_minute``: speaking rate
    (espeak-ng's ``-s``, 80..450); ``executable``: the program (default: found on PATH).
    """

    def __init__(self, voice: str = "en", words_per_minute: int = 160, *,
                 executable: str | None = None, max_phrases: int = 256) -> None:  # fmt: skip
        if not 80 <= words_per_minute <= 450:
            raise ValueError(f"words_per_minute must be 80 to 450, got {words_per_minute}")
        program = executable or find_espeak()
        if program is None:
            raise SpeechUnavailable(MISSING)
        self.program, self.voice, self.rate = program, voice, int(words_per_minute)
        self.max_phrases = max_phrases
        self._dir = Path(tempfile.mkdtemp(prefix="formcheck-speech-"))
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        atexit.register(self.close)

    def wav(self, text: str) -> bytes:
        """``text`` spoken, as WAV bytes (synthesised on first use; raises SpeechUnavailable)."""
        text = " ".join(text.split()).lstrip("-")
        if not text:
            raise ValueError("nothing to say: the phrase is empty")
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        data = self._synthesise(text)
        with self._lock:
            self._cache[text] = data
            while len(self._cache) > self.max_phrases:
                self._cache.popitem(last=False)
        return data

    def duration_s(self, text: str) -> float | None:
        """How long ``text`` takes to say (s), if already synthesised; else None."""
        with self._lock:
            data = self._cache.get(" ".join(text.split()).lstrip("-"))
        return None if data is None else wav_duration_s(data)

    def _synthesise(self, text: str) -> bytes:
        if not self._dir.is_dir():
            raise SpeechUnavailable("speech is closed")
        out = self._dir / (hashlib.sha256(text.encode()).hexdigest()[:20] + ".wav")
        command = [self.program, "-v", self.voice, "-s", str(self.rate), "-w", str(out), text]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=_TIMEOUT_S)
            data = out.read_bytes()
        except (OSError, subprocess.SubprocessError) as err:
            detail = getattr(err, "stderr", b"") or b""
            reason = detail.decode(errors="replace").strip() or type(err).__name__
            raise SpeechUnavailable(f"espeak-ng could not say {text!r}: {reason}") from None
        finally:
            out.unlink(missing_ok=True)  # the bytes are kept in memory, not on disk
        return trim_silence(data)  # a broken file fails here, not in the browser

    def close(self) -> None:
        """Forget the phrases and remove the temporary directory (idempotent)."""
        with self._lock:
            self._cache.clear()
        shutil.rmtree(self._dir, ignore_errors=True)


def _read(data: bytes) -> tuple[wave._wave_params, bytes]:
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getparams(), w.readframes(w.getnframes())
    except (wave.Error, EOFError) as err:
        raise SpeechUnavailable(f"not a WAV file: {err}") from None


def wav_duration_s(data: bytes) -> float:
    """Length of WAV ``data`` in seconds."""
    params, _ = _read(data)
    return params.nframes / params.framerate


def with_volume(data: bytes, volume: float) -> bytes:
    """WAV ``data`` (16-bit PCM) with its samples scaled by ``volume`` (0..1)."""
    if not 0.0 <= volume <= 1.0:
        raise ValueError(f"volume must be 0 to 1, got {volume}")
    params, frames = _read(data)
    if params.sampwidth != 2:
        raise SpeechUnavailable(f"expected 16-bit samples, got {8 * params.sampwidth}-bit")
    if volume == 1.0:
        return data
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) * volume
    return _write(params, np.clip(np.round(samples), -32768, 32767))


def trim_silence(data: bytes, threshold: int = 200, pad_s: float = 0.05) -> bytes:
    """WAV ``data`` without its leading and trailing near-silence (samples under
    ``threshold`` of 32767), keeping ``pad_s`` seconds each side: espeak-ng ends
    each phrase with about 0.3 s of silence, which would delay the next cue."""
    params, frames = _read(data)
    if params.sampwidth != 2 or params.nchannels != 1:
        return data
    samples = np.frombuffer(frames, dtype="<i2")
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > threshold)[0]
    if len(loud) == 0:
        return data
    pad = round(pad_s * params.framerate)
    kept = samples[max(0, loud[0] - pad) : loud[-1] + pad + 1]
    return _write(params, kept)


def _write(params: wave._wave_params, samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(params.sampwidth)
        w.setframerate(params.framerate)
        w.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def data_url(data: bytes) -> str:
    """WAV bytes as a ``data:audio/wav;base64,...`` URL (played by the browser, stored nowhere)."""
    return "data:audio/wav;base64," + base64.b64encode(data).decode("ascii")
