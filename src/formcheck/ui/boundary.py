"""The page boundary: no stack trace ever reaches the page.

Our own failures (:class:`~formcheck.errors.FormcheckError`) are shown as
their one-line message; anything unexpected becomes a short apology on the
page while the traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from formcheck.errors import FormcheckError

__all__ = ["APOLOGY", "page_guard"]

LOG = logging.getLogger("formcheck.ui")

APOLOGY = (
    "Sorry, something went wrong on our side and this step could not finish. "
    "Your data was not kept. Please try again, or try another clip."
)


@contextmanager
def page_guard(what: str = "page") -> Iterator[None]:
    """Run a page or a step; show FormcheckError messages, apologise for anything else.

    Streamlit's own rerun/stop signals are BaseExceptions and pass through.
    """
    try:
        yield
    except FormcheckError as err:
        st.error(str(err))
    except Exception:  # the page must survive anything
        LOG.exception("unexpected error in %s", what)
        st.error(APOLOGY)
