"""The Patients page's home programme: build one, keep it in the record, download it.

A physiotherapist edits the steps in a table (exercise from the registry, sets, reps
or seconds, target, hold, rest, notes), saves the programme to the patient's record
(:mod:`formcheck.record.programmes`) and downloads it as the commented TOML file a
patient's own machine loads with no database. A bad table gets one line per problem,
as a bad file does. Saved programme-session summaries (adherence) are listed below.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.exercise.definitions import EXERCISES
from formcheck.programme import (
    Programme,
    ProgrammeFileError,
    Step,
    parse_programme,
    programme_from_rows,
    programme_rows,
)
from formcheck.programme.plan import LIMITS
from formcheck.record import programmes as stored
from formcheck.record.store import Patient, Record

__all__ = ["programme_section", "summary_rows"]

_FLASH = "programme_saved_message"
_STARTER = Programme("Home programme", (Step("trunk_flexion", sets=2, reps=10, rest_s=60),))


def _columns() -> dict[str, Any]:
    cc = st.column_config

    def number(label: str, key: str, help_: str, step: float = 1.0) -> Any:
        low, high = LIMITS[key]
        return cc.NumberColumn(label, min_value=low, max_value=high, step=step, help=help_,
                               width="small")  # fmt: skip

    return {
        "exercise": cc.SelectboxColumn("Exercise", options=list(EXERCISES), required=True,
                                       width="medium",
                                       format_func=lambda n: EXERCISES[str(n)].title,
                                       help="What formcheck measures"),  # fmt: skip
        "sets": number("Sets", "sets", "How many sets"),
        "reps": number("Reps", "reps", "Repetitions per set (or leave empty and give seconds)"),
        "duration_s": number("Seconds", "duration_s", "Seconds per set, instead of reps"),
        "target_deg": number("Target (deg)", "target_deg",
                             "Range of motion to reach (optional)", 0.5),  # fmt: skip
        "hold_s": number("Hold (s)", "hold_s", "Seconds to hold at the target (optional)", 0.5),
        "rest_s": number("Rest (s)", "rest_s", "Rest between sets"),
        "notes": cc.TextColumn("Notes for the patient", max_chars=500, width="large"),
    }


def programme_section(record: Record, patient: Patient) -> None:
    """The patient's current programme (download), the builder, and saved summaries."""
    st.subheader("Home programme")
    try:
        current = stored.latest_programme(record, patient.code)
        summaries = stored.programme_summaries(record, patient.code)
    except FormcheckError as err:
        st.error(str(err))
        return
    if (flash := st.session_state.pop(_FLASH, None)) is not None:
        st.success(flash)
    if current is not None:
        _current(current)
    else:
        st.caption("No programme yet: build one below. It is stored in this patient's record "
                   "and downloads as a file the patient's own computer loads.")  # fmt: skip
    _builder(record, patient, current.programme if current is not None else _STARTER)
    if summaries:
        st.markdown("**Programme sessions saved**")
        st.table(pd.DataFrame(summary_rows(summaries)).set_index("when (UTC)"))


def _current(saved: stored.SavedProgramme) -> None:
    programme = saved.programme
    with st.container(border=True):
        st.markdown(f"**{programme.title}** (saved {saved.created_utc:%d %b %Y %H:%M} UTC)")
        if programme.notes:
            st.caption(programme.notes)
        for number, step in enumerate(programme.steps, start=1):
            line = f"**Step {number}.** {step.describe()}"
            st.markdown(line + (f"  \n   *{step.notes}*" if step.notes else ""))
        st.download_button("Download programme file (TOML)", saved.toml.encode("utf-8"),
                           file_name=saved.file_name, mime="application/toml",
                           key=f"programme_download_{saved.id}", on_click="ignore",
                           type="primary")  # fmt: skip


def _builder(record: Record, patient: Patient, start: Programme) -> None:
    key = f"programme_{patient.code}"
    with st.container(border=True):
        st.markdown("**Build or change the programme**")
        upload = st.file_uploader("Start from a programme file (optional)", type=["toml"],
                                  key=f"{key}_file",
                                  help="e.g. examples/back_pain_programme.toml")  # fmt: skip
        if upload is not None:
            loaded = _loaded(upload.name, upload.getvalue())
            if loaded is None:
                return
            start, key = loaded, f"{key}_{upload.file_id}"  # fresh widgets for the file
        cols = st.columns([2, 3])
        title = cols[0].text_input("Title", start.title, key=f"{key}_title", max_chars=500)
        notes = cols[1].text_input("Notes for the patient", start.notes, key=f"{key}_notes",
                                   max_chars=500)  # fmt: skip
        table = st.data_editor(
            _frame(start), num_rows="dynamic", hide_index=True,
            column_config=_columns(), key=f"{key}_steps", width="stretch", placeholder="",
        )  # fmt: skip
        st.caption("One row per step, done in order. Give reps or seconds per set. A rep "
                   "counts from 80 % of the target; a hold is timed only within 5 deg of it.")
        if st.button("Save programme to the record", key=f"{key}_save"):
            _save(record, patient, title, notes, table)


def _loaded(name: str, data: bytes) -> Programme | None:
    """The uploaded programme file, or None with one error line per problem."""
    try:
        return parse_programme(data.decode("utf-8-sig"), name)
    except UnicodeDecodeError:
        st.error(f"{name}: not a text file")
    except ProgrammeFileError as err:
        for problem in err.problems:
            st.error(f"{name}: {problem}")
    return None


def _frame(programme: Programme) -> pd.DataFrame:
    """The steps as a typed table: blank numbers are empty cells, not "None"."""
    frame = pd.DataFrame(programme_rows(programme), columns=list(_columns()))
    whole = {k: "Int64" for k in ("sets", "reps")}
    return frame.astype({**whole, **{k: "float64" for k in ("duration_s", "target_deg",
                                                              "hold_s", "rest_s")}})  # fmt: skip


def _save(record: Record, patient: Patient, title: str, notes: str, table: pd.DataFrame) -> None:
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    programme, problems = programme_from_rows(title, notes, rows)
    if programme is None:
        for problem in problems:
            st.error(problem)
        return
    try:
        number = stored.save_programme(record, patient.code, programme)
    except (FormcheckError, ValueError) as err:
        st.error(str(err))
        return
    steps = len(programme.steps)
    st.session_state[_FLASH] = (f"Saved as programme {number} in {patient.code}'s record "
                                f"({steps} step{'s' if steps > 1 else ''}).")  # fmt: skip
    st.rerun()  # the current programme (and its download) shows the saved one


def summary_rows(summaries: list[stored.SavedProgrammeSummary]) -> list[dict[str, Any]]:
    """One table row per saved programme session: when, title, steps and reps done."""
    rows = []
    for s in summaries[::-1]:
        a = s.adherence
        rows.append({"when (UTC)": f"{s.recorded_utc:%d %b %Y %H:%M}", "programme": s.title,
                     "steps": f"{a.get('steps_done', 0)}/{a.get('steps_prescribed', 0)}",
                     "reps": f"{a.get('reps_done', 0)}/{a.get('reps_prescribed', 0)}"})  # fmt: skip
    return rows
