"""What the subcommands share: output paths checked up front, warnings as plain lines, progress.

- :func:`check_writable` fails before any work (one line naming the path) when an
  output file could not be written: a missing folder, a folder in its place, no
  permission, a read-only file system.
- :func:`collect_warnings` records the warnings raised while it is open, in any
  thread (formcheck's own :class:`~formcheck.errors.FormcheckWarning` every time,
  others as Python's filters would show them), so that the command can put them
  in its report and print each as ``formcheck: warning: ...``: never Python's
  ``file:line: Category:`` form.
- :class:`Progress` draws a bar with the time left on a terminal, rewritten in
  place; when the stream is not a terminal it prints nothing (or, with
  ``piped_every``, a line every so many percent).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from formcheck.errors import FormcheckWarning

__all__ = ["Caught", "Progress", "check_writable", "collect_warnings", "print_warnings"]


def check_writable(path: Path, option: str) -> None:
    """Raise ``ValueError`` unless a file can be written at ``path``; leaves no file behind.

    ``option`` names the command-line option in the message (e.g. ``--angles-csv``).
    """
    folder = path.parent
    if path.is_dir():
        raise ValueError(f"{option} {path}: this is a folder, not a file")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ValueError(f"{option} {path}: the folder {folder} {what}")
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8"):  # "a": an existing file keeps its content
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ValueError(f"{option} {path}: cannot write there ({reason})") from None
    if not existed:
        path.unlink(missing_ok=True)


@dataclass
class Caught:
    """Warnings recorded by :func:`collect_warnings`, in order, each message once."""

    formcheck: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def add(self, warning: warnings.WarningMessage) -> None:
        if issubclass(warning.category, FormcheckWarning):
            target, text = self.formcheck, str(warning.message)
        else:
            target, text = self.other, f"{warning.category.__name__}: {warning.message}"
        text = " ".join(text.split())  # one line
        if text and text not in target:
            target.append(text)


@contextmanager
def collect_warnings() -> Iterator[Caught]:
    """Record the warnings raised inside the block (any thread) instead of printing them."""
    caught = Caught()
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", FormcheckWarning)
        try:
            yield caught
        finally:
            for record in records:
                caught.add(record)


def print_warnings(messages: list[str], stream: TextIO) -> None:
    """Each message as one ``formcheck: warning: ...`` line."""
    for message in messages:
        print(f"formcheck: warning: {message}", file=stream, flush=True)


class Progress:
    """``progress(fraction)`` callback drawing ``formcheck: LABEL [####....]  42%  0:35 left``.

    On a terminal the line is rewritten in place (at most every 0.2 s and each
    whole percent) and :meth:`done` clears it. Elsewhere nothing is printed,
    unless ``piped_every`` (percent) asks for a plain line at each such step.
    """

    WIDTH = 24  # characters of the bar

    def __init__(self, stream: TextIO, label: str, *, piped_every: int | None = None) -> None:
        self.stream = stream
        self.label = label
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.piped_every = piped_every
        self.started = time.monotonic()
        self.shown = -1
        self.drawn_at = -1.0
        self.width = 0

    @property
    def active(self) -> bool:
        """Whether anything will be printed at all."""
        return self.tty or self.piped_every is not None

    def __call__(self, fraction: float) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        percent = int(fraction * 100)
        if self.tty:
            now = time.monotonic()
            if percent == self.shown or (now - self.drawn_at < 0.2 and percent < 100):
                return
            self.shown, self.drawn_at = percent, now
            self._draw(fraction, percent, now - self.started)
        elif self.piped_every is not None:
            step = self.piped_every
            if percent // step != self.shown // step:
                self.shown = percent
                print(f"formcheck: {self.label} {percent:3d}%", file=self.stream, flush=True)

    def _draw(self, fraction: float, percent: int, elapsed: float) -> None:
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        left = ""
        if 0.02 <= fraction < 1.0 and elapsed > 1.0:
            seconds = round(elapsed / fraction * (1.0 - fraction))
            left = f"  {seconds // 60}:{seconds % 60:02d} left"
        line = f"formcheck: {self.label} [{bar}] {percent:3d}%{left}"
        pad = " " * max(0, self.width - len(line))
        self.width = len(line)
        print(f"\r{line}{pad}", end="", file=self.stream, flush=True)

    def done(self) -> None:
        """Clear the terminal line (nothing to do elsewhere)."""
        if self.tty and self.width:
            print("\r" + " " * self.width + "\r", end="", file=self.stream, flush=True)
            self.width = 0
