"""The errors and warnings formcheck raises for its own failures.

Every message is one line a person can act on; the CLI and the UI show it
as it is, never with a traceback. Bad arguments raise ``ValueError`` or
``TypeError`` as usual; these classes are for failures of the inputs and
the environment.
"""

from __future__ import annotations

__all__ = [
    "FormcheckError",
    "FormcheckWarning",
    "ModelUnavailable",
    "NoPersonFound",
    "VideoUnreadable",
]


class FormcheckError(Exception):
    """Base class of formcheck's own failures; ``str(err)`` is a one-line message."""


class VideoUnreadable(FormcheckError):
    """The file is missing, empty, not a video, or has no decodable frame."""


class NoPersonFound(FormcheckError):
    """No person was detected in any frame of the clip."""


class ModelUnavailable(FormcheckError):
    """No pose model could be found, downloaded or built; the message names what was tried."""


class FormcheckWarning(UserWarning):
    """Something the user should know that does not stop the analysis
    (a truncated file, several people in view, a poor camera view)."""
