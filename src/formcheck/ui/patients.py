"""The Patients page: patients, their saved sessions, progress per exercise, documents.

Per exercise: the test times or counts over the age- and sex-specific norm
band, range of motion, reps and mean score across sessions (the charts of
:mod:`formcheck.record.charts`, the same the PDF renders); a session compared
with the previous one in words; a session opened to its saved report and
charts; the patient's home programme, built here, kept in the record and
downloaded as its TOML file (:mod:`formcheck.ui.programme_builder`). Downloads: the
session's PDF, a progress PDF over a date range, the
FHIR R4 Bundle and a backup export. In network mode the page asks for a
sign-in first (:mod:`formcheck.ui.signin`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.record import charts as trend_charts
from formcheck.record import trends
from formcheck.record.store import Patient, Record, SavedSession
from formcheck.ui import charts, review_data
from formcheck.ui.options import exercise_title
from formcheck.ui.programme_builder import programme_section
from formcheck.ui.record_panel import open_record, record_where
from formcheck.ui.signin import require_sign_in

__all__ = ["patients_page"]


def patients_page() -> None:
    """Draw the Patients page."""
    st.title("Patients")
    st.caption("Saved sessions and progress. Sessions are saved from the review and live "
               "pages; nothing is stored otherwise.")  # fmt: skip
    if not require_sign_in("patient records"):
        return
    try:
        record = open_record()
        patients = record.patients()
    except FormcheckError as err:
        st.error(str(err))
        return
    st.caption(f"Record: {record_where()}")
    _add_patient(record)
    if not patients:
        st.info("No patient yet. Analyse a clip on the review page and save it to a new "
                "patient, or add one above.")  # fmt: skip
        return
    by_code = {p.code: p for p in patients}
    code = st.selectbox("Patient", list(by_code), key="patients_choice",
                        format_func=lambda c: _label(by_code[c]))  # fmt: skip
    if code is not None:
        _patient_view(record, by_code[code])


def _label(p: Patient) -> str:
    extra = ", ".join(x for x in (p.name, f"born {p.birth_year}" if p.birth_year else None,
                                  {"f": "female", "m": "male"}.get(p.sex or "")) if x)  # fmt: skip
    return f"{p.code} ({p.sessions} session{'s' if p.sessions != 1 else ''})" + (
        f" - {extra}" if extra else "")


def _add_patient(record: Record) -> None:
    with st.expander("Add a patient"):
        with st.form("patients_add", clear_on_submit=True):
            cols = st.columns([2, 1, 1, 2])
            code = cols[0].text_input("Patient ID (a pseudonym, not the name)")
            year = cols[1].number_input("Birth year", min_value=1900,
                                        max_value=datetime.now(UTC).year, value=None, step=1)
            sex = cols[2].selectbox("Sex", ["", "f", "m"],
                                    format_func=lambda s: {"": "-", "f": "female", "m": "male"}[s])
            name = cols[3].text_input("Name (optional)")
            notes = st.text_area("Notes (optional)", height=68)
            if st.form_submit_button("Add patient"):
                try:
                    record.add_patient(code, name=name, birth_year=int(year) if year else None,
                                       sex=sex or None, notes=notes)  # fmt: skip
                except (FormcheckError, ValueError) as err:
                    st.error(str(err))
                else:
                    st.session_state["patients_choice"] = code.strip()
                    st.rerun()


def _patient_view(record: Record, patient: Patient) -> None:
    try:
        sessions = record.sessions(patient.code)
    except FormcheckError as err:
        st.error(str(err))
        return
    if patient.notes:
        st.caption(f"Notes: {patient.notes}")
    if not sessions:
        st.info("No saved session for this patient yet.")
    groups = trends.by_exercise(sessions)
    if groups:
        tabs = st.tabs([exercise_title(e) for e in groups])
        for tab, (exercise, group) in zip(tabs, groups.items(), strict=True):
            with tab:
                _exercise_view(record, patient, exercise, group)
    programme_section(record, patient)
    _documents(record, patient, sessions)
    _erase(record, patient)


def _exercise_view(record: Record, patient: Patient, exercise: str,
                   group: list[SavedSession]) -> None:  # fmt: skip
    trend = trends.points(group, patient)
    st.dataframe(pd.DataFrame(trends.summary_rows(trend)), hide_index=True, width="stretch")
    made = trend_charts.trend_charts(trend)
    cols = st.columns(2)
    for i, chart in enumerate(made):
        with cols[i % 2]:
            st.altair_chart(chart, width="stretch")
    ids = [p.session_id for p in trend]
    labels = {p.session_id: f"Session {p.session_id}: {p.when:%d %b %Y %H:%M} UTC" for p in trend}
    chosen = st.selectbox("Open a session", ids[::-1], format_func=labels.__getitem__,
                          key=f"patients_session_{patient.code}_{exercise}")  # fmt: skip
    if chosen is None:
        return
    index = ids.index(chosen)
    if index > 0:
        prev = trend[index - 1]
        words = "; ".join(trends.compare(prev, trend[index])) or "no change"
        st.markdown(f"**Compared with the previous session:** {words}")
    else:
        st.caption("The first saved session of this exercise: nothing to compare with yet.")
    _session_view(record, patient, chosen)


def _session_view(record: Record, patient: Patient, session_id: int) -> None:
    from formcheck.record import pdf
    from formcheck.ui.pipeline import ReviewResult
    from formcheck.ui.results import show_summary, show_test

    try:
        saved = record.session(session_id, patient.code)
        video = record.video(session_id)
    except FormcheckError as err:
        st.error(str(err))
        return
    report = saved.report
    series = {k: [float(x) for x in v] for k, v in saved.curves.items()}
    result = ReviewResult(name=saved.clip_name or f"session {saved.id}", exercise=saved.exercise,
                          test=saved.test, report=report, series=series,
                          warnings=review_data.report_warnings(report),
                          detection_rate=float(report.get("detection_rate") or 0.0),
                          duration_s=float(report.get("duration_s") or 0.0))  # fmt: skip
    with st.container(border=True):
        show_summary(result)
        for message in result.warnings:
            st.warning(message)
        if report.get("test"):
            show_test(_test_at_age(report["test"], patient, saved))
        rows = review_data.rep_rows(report)
        if rows:
            st.dataframe(pd.DataFrame(rows).round(2), hide_index=True, width="stretch")
        if series:
            for make in (charts.primary_chart, charts.angles_chart):
                chart = make(series, report)
                if chart is not None:
                    st.altair_chart(chart, width="stretch")
        if video is not None:
            st.video(video[2], format=video[1])
        st.caption(f"formcheck {saved.formcheck_version}; clip {saved.clip_name or '-'} "
                   f"(SHA-256 {saved.clip_sha256 or '-'}); model SHA-256 "
                   f"{saved.model_sha256 or '-'}")  # fmt: skip
        st.download_button(
            "Session report (PDF)", lambda: pdf.session_pdf(patient, saved),
            file_name=f"{patient.code}-session-{saved.id}.pdf", mime="application/pdf",
            key=f"patients_pdf_{saved.id}", on_click="ignore", type="primary",
        )  # fmt: skip


def _test_at_age(test: dict[str, Any], patient: Patient, saved: SavedSession) -> dict[str, Any]:
    """The saved test result with its norm at the patient's age in the session's year."""
    from formcheck.record.norms import test_norm

    return {**test, "norm": test_norm(test, patient.age_on(saved.recorded_utc), patient.sex)}


def _documents(record: Record, patient: Patient, sessions: list[SavedSession]) -> None:
    from formcheck.record import fhir, pdf
    from formcheck.record.transfer import export_patient

    st.subheader("Documents")
    if not sessions:
        return
    first, last = sessions[0].recorded_utc.date(), sessions[-1].recorded_utc.date()
    cols = st.columns([2, 1, 1, 1])
    span = cols[0].date_input("Progress summary period", (first, last),
                              key=f"patients_span_{patient.code}")  # fmt: skip
    start, end = _span(span, first, last)
    chosen = [s for s in sessions if start <= s.recorded_utc <= end]
    with cols[1]:
        st.download_button(
            f"Progress PDF ({len(chosen)})",
            lambda: pdf.progress_pdf(patient, record.sessions(patient.code, start=start, end=end),
                                     start, end),
            file_name=f"{patient.code}-progress.pdf", mime="application/pdf",
            key=f"patients_progress_{patient.code}", on_click="ignore", disabled=not chosen,
        )  # fmt: skip
    with cols[2]:
        st.download_button(
            "FHIR R4 (JSON)",
            lambda: fhir.bundle_json(patient, record.sessions(patient.code)).encode(),
            file_name=f"{patient.code}-fhir.json", mime="application/fhir+json",
            key=f"patients_fhir_{patient.code}", on_click="ignore",
        )  # fmt: skip
    with cols[3]:
        st.download_button(
            "Backup export",
            lambda: json.dumps(export_patient(record, patient.code)).encode(),
            file_name=f"{patient.code}.formcheck.json", mime="application/json",
            key=f"patients_export_{patient.code}", on_click="ignore",
        )  # fmt: skip


def _span(value: Any, first: date, last: date) -> tuple[datetime, datetime]:
    """The date input's (start, end) as UTC datetimes, the end day included."""
    days = tuple(value) if isinstance(value, tuple | list) else (value,)
    lo = days[0] if days and days[0] else first
    hi = days[1] if len(days) > 1 and days[1] else lo if len(days) == 1 else last
    start = datetime.combine(lo, time(0), tzinfo=UTC)
    return start, datetime.combine(hi, time(0), tzinfo=UTC) + timedelta(days=1, microseconds=-1)


def _erase(record: Record, patient: Patient) -> None:
    with st.expander("Erase this patient"):
        st.caption("Right to erasure: every session, curve and kept clip of this patient is "
                   "deleted from the record. This cannot be undone.")  # fmt: skip
        sure = st.checkbox(f"Yes, erase {patient.code}", key=f"patients_erase_ok_{patient.code}")
        if st.button("Erase patient", disabled=not sure, key=f"patients_erase_{patient.code}"):
            try:
                count = record.delete_patient(patient.code)
            except FormcheckError as err:
                st.error(str(err))
                return
            st.session_state.pop("patients_choice", None)
            st.toast(f"Erased {patient.code} and {count} session(s).")
            st.rerun()
