"""The patient record in the app: the open record, and "Save to a patient's record".

:func:`save_panel` ends the review and live pages. Nothing is opened or
stored until the user asks: a first button shows the form (choose a patient
or create one by pseudonymous ID; optionally keep the clip), a second one
saves, in one transaction. A record that is locked, unreachable, read-only
or damaged gives its one-line message; the analysis above stays on the page
with its downloads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.record.capture import NewSession, from_review
from formcheck.record.database import describe, resolve_url
from formcheck.record.store import Record
from formcheck.ui.signin import require_sign_in

__all__ = ["NOT_LOST", "live_save", "open_record", "review_save", "save_panel"]

NOT_LOST = "The analysis on this page is not lost: download it with the buttons above."
NEW = "New patient"


@st.cache_resource(show_spinner=False)
def _cached_record(url: str) -> Record:
    return Record.open(url)


def open_record() -> Record:
    """The app's record (``$FORMCHECK_DB`` or the default file), opened once per process.
    Raises ``RecordUnavailable`` (not cached, so the next try opens it again)."""
    return _cached_record(resolve_url().render_as_string(hide_password=False))


def record_where() -> str:
    return describe(resolve_url())


def _sentence(err: Exception) -> str:
    """A one-line message as the start of a sentence."""
    text = str(err).rstrip(".")
    return text[:1].upper() + text[1:]


def _digest(report: Any) -> str:
    return hashlib.sha256(json.dumps(report, sort_keys=True, default=str).encode()).hexdigest()[:16]


Made = NewSession | list[NewSession]


def _reports(made: Made) -> Any:
    """The report (or reports, a programme's sets) of what ``make`` built."""
    return [m.report for m in made] if isinstance(made, list) else made.report


def save_panel(make: Callable[[bool], Made], key: str, *, can_keep_video: bool,
               also: Callable[[Record, str], Any] | None = None) -> None:  # fmt: skip
    """The page's last part: save this analysis to a patient's record.

    ``make(keep_video)`` builds what is saved (one session, or several: a programme's
    sets, saved one after the other); ``also(record, code)`` saves more with it (a
    programme session's summary); ``key`` tells the page's panels apart.
    """
    st.divider()
    st.subheader("Save to a patient's record")
    opened = f"{key}_save_open"
    if not st.session_state.get(opened):
        st.caption("Nothing is stored unless you save it here.")
        if st.button("Save to a patient's record", key=f"{key}_save_start"):
            st.session_state[opened] = True
            st.rerun()
        return
    if not require_sign_in("patient records"):
        return
    try:
        record = open_record()
        codes = [p.code for p in record.patients()]
    except FormcheckError as err:
        st.error(f"{_sentence(err)}. {NOT_LOST}")
        return
    _save_form(record, codes, make, key, can_keep_video, also)


def _save_form(record: Record, codes: list[str], make: Callable[[bool], Made], key: str,
               can_keep_video: bool,
               also: Callable[[Record, str], Any] | None) -> None:  # fmt: skip
    choice = st.selectbox("Patient", [NEW, *codes], key=f"{key}_patient",
                          index=1 if len(codes) == 1 else 0)  # fmt: skip
    info: dict[str, Any] = {}
    if choice == NEW:
        cols = st.columns([2, 1, 1, 2])
        code = cols[0].text_input("Patient ID (a pseudonym, not the name)", key=f"{key}_new_id",
                                  placeholder="e.g. K-0042")  # fmt: skip
        year = cols[1].number_input("Birth year (optional)", min_value=1900,
                                    max_value=datetime.now(UTC).year, value=None, step=1,
                                    key=f"{key}_new_year")  # fmt: skip
        sex = cols[2].selectbox("Sex (optional)", ["", "f", "m"], key=f"{key}_new_sex",
                                format_func=lambda s: {"": "-", "f": "female", "m": "male"}[s])
        name = cols[3].text_input("Name (optional)", key=f"{key}_new_name")
        info = {"birth_year": int(year) if year is not None else None, "sex": sex or None,
                "name": name or None}  # fmt: skip
    else:
        code = choice
    keep = can_keep_video and st.checkbox("Also keep the clip in the record", key=f"{key}_keep")
    if st.button("Save", type="primary", key=f"{key}_save"):
        _save(record, code.strip(), info if choice == NEW else None, make, keep, key, also)
    done = st.session_state.get(f"{key}_saved")
    if done and done[0] == _digest(_reports(make(False))):  # this analysis, not an earlier one
        st.success(done[1])


def _save(record: Record, code: str, new_patient: dict[str, Any] | None,
          make: Callable[[bool], Made], keep: bool, key: str,
          also: Callable[[Record, str], Any] | None = None) -> None:  # fmt: skip
    try:
        made = make(keep)
        marker = (code, _digest(_reports(made)))
        if st.session_state.get(f"{key}_saved_marker") == marker:
            return  # the same analysis, already saved for this patient
        if new_patient is not None:
            record.add_patient(code, **new_patient)
        ids = [record.save(code, m) for m in (made if isinstance(made, list) else [made])]
        if also is not None:
            also(record, code)
        sid = ", ".join(map(str, ids))
    except (FormcheckError, ValueError) as err:
        st.error(f"{_sentence(err)}. {NOT_LOST}")
        return
    st.session_state[f"{key}_saved_marker"] = marker
    sessions = "sessions" if len(ids) > 1 else "session"
    st.session_state[f"{key}_saved"] = (marker[1], f"Saved as {sessions} {sid} in patient {code}'s "
                                        f"record ({record.where}). See it on the Patients page.")
    st.rerun()


def review_save(result: Any, clip: Any) -> None:
    """The review page's save panel for ``result`` (a ``ReviewResult``) of ``clip`` (an
    ``upload.Clip``: a sample's ``path`` or an upload's ``data``, and its ``digest``)."""

    def clip_bytes() -> bytes:
        return bytes(clip.data) if clip.data else Path(clip.path).read_bytes()

    def make(keep: bool) -> NewSession:
        return from_review(result, clip_sha256=clip.digest, video=clip_bytes() if keep else None)

    save_panel(make, "review", can_keep_video=bool(clip.data) or clip.path is not None)


def live_save(report: dict[str, Any], curves: dict[str, Any] | None) -> None:
    """The live page's save panel for a finished session's ``report`` (``to_dict()``)."""

    def make(_keep: bool) -> NewSession:
        test = (report.get("test") or {}).get("test")
        return NewSession(exercise=str(report.get("exercise")), test=test, report=report,
                          curves=curves or {}, clip_name=None, source="live",
                          model_sha256=_model_sha())  # fmt: skip

    save_panel(make, "live", can_keep_video=False)


def _model_sha() -> str | None:
    from formcheck.record.capture import model_sha256

    return model_sha256()
