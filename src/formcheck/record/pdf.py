"""The clinician's PDF report (fpdf2): one session, or a progress summary over dates.

A session report holds the patient and date; the exercise and the protocol
followed; the summary and the reps table; the rep-signal and joint-angle
charts with rep bands and thresholds (``formcheck.ui.charts``' own Altair
specifications, rendered by vl-convert); the test result against its norm at
the patient's age then, with the source cited; the cues; the measurement
conditions (view, detection rate, the accuracy figures for that view) and
provenance (formcheck version, model and clip SHA-256). A progress summary
holds, per exercise, the trend table, the comparisons in words and the trend
charts of the Patients page.

Text uses the PDF core fonts (Latin-1): no font file is needed on any machine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from fpdf import FPDF
from fpdf.fonts import FontFace

from formcheck.exercise.clinical_tests import CLINICAL_TESTS
from formcheck.exercise.definitions import EXERCISES
from formcheck.record import charts as trend_charts
from formcheck.record.norms import accuracy_lines, test_norm, test_value
from formcheck.record.store import Patient, SavedSession
from formcheck.record.trends import TEST_TITLES, compare, points, short_date, summary_rows

__all__ = ["CITATIONS", "PROTOCOLS", "progress_pdf", "session_pdf"]

CITATIONS: Final = {
    "Bohannon 2006": "Bohannon RW. Reference values for the five-repetition sit-to-stand test: "
    "a descriptive meta-analysis of data from elders. Percept Mot Skills 2006;103:215-222.",
    "Klukowska 2021": "Klukowska AM et al. Five-repetition sit-to-stand test performance in "
    "healthy individuals: reference values. Neurospine 2021;18(4).",
    "Buatois 2008": "Buatois S et al. Five times sit to stand test is a predictor of recurrent "
    "falls in healthy community-living subjects aged 65 and older. J Am Geriatr Soc "
    "2008;56:1575-1577.",
    "Lusardi 2017": "Lusardi MM et al. Determining risk of falls in community dwelling older "
    "adults: a systematic review and meta-analysis. J Geriatr Phys Ther 2017.",
    "CDC STEADI": "CDC STEADI: Assessment - 30-Second Chair Stand (after Rikli & Jones 1999).",
}

PROTOCOLS: Final = {
    "5xsts": "Five-times sit-to-stand: arms folded across the chest, back against the chair; "
    "stand up and sit down 5 times as quickly as possible. Timing starts at rise onset and "
    "stops {stop}. Using the arms, or not standing fully, fails the test.",
    "30s_cst": "30-second chair stand (CDC STEADI): arms crossed, hands on opposite shoulders; "
    "full stands counted in 30 s from rise onset; a stand more than halfway up at 30 s "
    "counts; using the arms scores 0.",
}
_STOP = {"seat": "when the buttocks touch the seat after the 5th stand",
         "stand": "at the 5th stand"}  # fmt: skip
_PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2192": "->",
                        "\u2265": ">=", "\u2264": "<=", "\u2019": "'", "\u201c": '"',
                        "\u201d": '"', "\u2026": "...", "\u00d7": "x"})  # fmt: skip
_HEAD = FontFace(emphasis="BOLD", fill_color=(230, 236, 245))


def exercise_title(name: str) -> str:
    """An exercise's title from its definition (a name the registry lacks, as it is)."""
    spec = EXERCISES.get(name)
    return spec.title if spec is not None else name


def _t(text: Any) -> str:
    """Text the core fonts can draw (Latin-1); other characters become '?'."""
    return str(text).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Doc(FPDF):
    """A4 portrait, a running footer with the page number."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.set_title(_t(title))
        self.set_creator("formcheck")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 5, _t(f"{self.doc_title} - page {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0)

    def h1(self, text: str) -> None:
        self.set_font("Helvetica", "B", 16)
        self.multi_cell(0, 8, _t(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def h2(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.set_font("Helvetica", "B", 12)
        self.multi_cell(0, 6.5, _t(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9.5)

    def para(self, text: str, size: float = 9.5, style: str = "") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, 4.8, _t(text), new_x="LMARGIN", new_y="NEXT", align="L")

    def bullets(self, lines: Sequence[str]) -> None:
        self.set_font("Helvetica", size=9.5)
        for line in lines:
            self.multi_cell(0, 4.8, _t(f"- {line}"), new_x="LMARGIN", new_y="NEXT", align="L")

    def table_of(self, rows: Sequence[dict[str, Any]], widths: Sequence[float] | None = None,
                 size: float = 8.5) -> None:
        if not rows:
            return
        self.set_font("Helvetica", size=size)
        names = list(rows[0])
        with self.table(col_widths=widths, headings_style=_HEAD, line_height=4.6,
                        text_align="LEFT", padding=0.8) as table:  # fmt: skip
            head = table.row()
            for name in names:
                head.cell(_t(name))
            for r in rows:
                row = table.row()
                for name in names:
                    row.cell(_t(_fmt(r.get(name))))
        self.ln(1)

    def chart(self, chart: Any, height_px: int | None = None, scale: float = 2.0) -> None:
        """An Altair chart across the text width (``height_px``: override its height)."""
        if height_px is not None:
            chart = chart.properties(height=height_px)
        png = trend_charts.to_png(chart, width=720, scale=scale)
        width = self.w - self.l_margin - self.r_margin
        from PIL import Image

        with Image.open(io.BytesIO(png)) as img:
            height = width * img.height / img.width
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin, w=width)
        self.ln(2)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _patient_lines(patient: Patient, when: datetime | None) -> list[str]:
    parts = [f"Patient ID: {patient.code}"]
    if patient.name:
        parts.append(f"Name: {patient.name}")
    if patient.birth_year is not None:
        age = f" (age {patient.age_on(when)} in {when.year})" if when else ""
        parts.append(f"Born: {patient.birth_year}{age}")
    if patient.sex:
        parts.append(f"Sex: {'female' if patient.sex == 'f' else 'male'}")
    return parts


# ---------------------------------------------------------------------- session report


def _protocol(session: SavedSession) -> str:
    test = session.report.get("test") or {}
    name = test.get("test") or session.test
    if name == "5xsts":
        return PROTOCOLS["5xsts"].format(stop=_STOP.get(test.get("stop_rule") or "seat", "-"))
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    if name in CLINICAL_TESTS:  # a test that carries its own protocol
        return CLINICAL_TESTS[name].protocol
    spec = EXERCISES.get(session.exercise)
    return spec.instructions if spec is not None and spec.instructions else session.exercise


def _rep_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for rep in report.get("reps", []):
        m = rep.get("measurements", {})
        cues = "; ".join(c.get("message", "") for c in rep.get("cues", [])) or "good form"
        rows.append({"rep": rep["index"], "start s": rep.get("start_s"), "end s": rep.get("end_s"),
                     "duration s": m.get("duration_s"), "ROM deg": rep.get("rom_deg"),
                     "peak deg/s": m.get("peak_velocity_deg_s"), "score": rep.get("score"),
                     "cues": cues})  # fmt: skip
    return rows


def _norm_lines(test: dict[str, Any], norm: dict[str, Any]) -> list[str]:
    out = []
    ref = norm.get("reference")
    if norm.get("threshold_s") is not None:
        verdict = "slower than" if norm.get("worse_than_average") else "at or faster than"
        out.append(f"{verdict} the norm of {norm['threshold_s']} s ({ref})")
    if norm.get("below_average_if_fewer_than") is not None:
        verdict = "below average" if norm.get("below_average") else "average or better"
        out.append(f"{verdict}: below average is fewer than "
                   f"{norm['below_average_if_fewer_than']} stands ({ref})")  # fmt: skip
    if "fall_risk_12s" in norm:
        flag = "yes" if norm["fall_risk_12s"] else "no"
        source = norm.get("fall_risk_reference", "Lusardi 2017")  # a test naming its own
        out.append(f"fall-risk marker >= 12 s ({source}): {flag}")
    if "recurrent_fall_risk_15s" in norm:
        flag = "yes" if norm["recurrent_fall_risk_15s"] else "no"
        out.append(f"recurrent-fall marker >= 15 s, age >= 65 (Buatois 2008): {flag}")
    if norm.get("comparison"):
        out.append(str(norm["comparison"]))
    out += [str(n) for n in test.get("notes", [])]
    return out


def _cited(norm: dict[str, Any]) -> list[str]:
    text = " ".join(str(v) for v in norm.values()) + " " + " ".join(norm)
    keys = [k for k in CITATIONS if k.split()[0] in text]
    if "fall_risk_12s" in norm:
        keys.append("Lusardi 2017")
    if "recurrent_fall_risk_15s" in norm:
        keys.append("Buatois 2008")
    return [CITATIONS[k] for k in dict.fromkeys(keys)]


def _test_section(doc: _Doc, session: SavedSession, patient: Patient) -> None:
    test = session.report.get("test")
    if not test:
        return
    age = patient.age_on(session.recorded_utc)
    norm = test_norm(test, age, patient.sex)
    value, unit = test_value(test)
    title = TEST_TITLES.get(test.get("test", ""), test.get("test", "test"))
    shown = "not completed" if value is None else f"{value:g} {unit}"
    valid = "valid" if test.get("valid") else "NOT VALID"
    doc.h2(f"Test result: {title}")
    doc.para(f"{title}: {shown} ({valid})", size=11, style="B")
    who = f"age {age} in {session.recorded_utc.year}" if age is not None else "age not recorded"
    if patient.sex:
        who += f", {'female' if patient.sex == 'f' else 'male'}"
    doc.para(f"Compared with the norm for {who}:")
    doc.bullets(_norm_lines(test, norm))
    definition = CLINICAL_TESTS.get(str(test.get("test")))
    cites = list(definition.citations) if definition and definition.citations else _cited(norm)
    if cites:
        doc.para("Sources: " + " ".join(cites), size=8)


def _cue_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for rep in report.get("reps", []):
        for cue in rep.get("cues", []):
            lines.append(f"rep {rep['index']}: {cue.get('message', '')}")
    unfinished = report.get("incomplete_rep")
    if unfinished:
        for cue in unfinished.get("cues", []):
            lines.append(f"unfinished movement: {cue.get('message', '')}")
    return lines or ["No cue: every rep was done with good form."]


def _conditions(session: SavedSession) -> list[str]:
    r = session.report
    points_used = ("estimated hip and knee joint centres" if r.get("joint_points") ==
                   "estimated_centres" else "MediaPipe's landmarks")  # fmt: skip
    rate = r.get("detection_rate")
    lines = [
        f"Camera view: {r.get('view', '?')} (side facing the camera: {r.get('side') or '-'})",
        f"Person detected in {100 * rate:.0f}% of frames" if rate is not None else "Detection: -",
        f"Clip length {r.get('duration_s', 0):.1f} s; angles through {points_used}; trunk angle "
        f"from {'3-D world' if r.get('trunk_source') == 'world' else 'image'} landmarks",
    ]
    lines += list(accuracy_lines(r.get("view")))
    lines += [f"Warning: {w}" for w in r.get("warnings", [])]
    return lines


def _provenance(session: SavedSession) -> list[str]:
    return [
        f"formcheck {session.formcheck_version}; pose model SHA-256 {session.model_sha256 or '-'}",
        f"Source clip: {session.clip_name or '-'} (SHA-256 {session.clip_sha256 or '-'})",
        f"Saved session {session.id}, recorded {session.recorded_utc:%Y-%m-%d %H:%M} UTC "
        f"from a {session.source}",
    ]


def _session_charts(session: SavedSession) -> list[Any]:
    from formcheck.ui import charts

    series = {k: [float(x) for x in v] for k, v in session.curves.items()}
    if "t_s" not in series:
        return []
    out = [make(series, session.report) for make in (charts.primary_chart, charts.angles_chart)]
    return [c for c in out if c is not None]


def _session_body(doc: _Doc, session: SavedSession, patient: Patient) -> None:
    r = session.report
    summary = r.get("summary") or {}
    title = exercise_title(session.exercise)
    doc.h2(f"Exercise: {title}" + (f" - {TEST_TITLES.get(session.test, session.test)}"
                                  if session.test else ""))  # fmt: skip
    doc.para("Protocol: " + _protocol(session))
    th = session.thresholds
    unit = r.get("primary_unit", "")
    if th:
        doc.para(f"Rep thresholds on {str(r.get('primary', '')).replace('_', ' ')} ({unit}): "
                 + ", ".join(f"{k} {v:.1f}" for k, v in th.items() if v is not None))
    doc.h2("Summary")
    mean_score, rom = summary.get("mean_score"), summary.get("mean_rom_deg")
    doc.para(f"Reps: {r.get('rep_count', 0)}   Mean score: "
             f"{'-' if mean_score is None else f'{mean_score:.0f}/100'}   Mean range of motion: "
             f"{'-' if rom is None else f'{rom:.1f} deg'}   Clip: {r.get('duration_s', 0):.1f} s")
    _test_section(doc, session, patient)
    doc.h2("Reps")
    rows = _rep_rows(r)
    if rows:
        doc.table_of(rows, widths=(8, 12, 12, 14, 13, 15, 11, 95))
    else:
        doc.para("No complete rep was found.")
    doc.h2("Cues")
    doc.bullets(_cue_lines(r))
    charts = _session_charts(session)
    if charts:
        doc.h2("Charts (shaded: reps; dashed: rep thresholds)")
        for chart in charts:
            doc.chart(chart, height_px=220)
    doc.h2("Measurement conditions")
    doc.bullets(_conditions(session))
    doc.para("Provenance: " + " | ".join(_provenance(session)), size=7.5)


def session_pdf(patient: Patient, session: SavedSession) -> bytes:
    """The PDF of one saved session (``session`` with its curves)."""
    doc = _Doc(f"formcheck session report - {patient.code} - {session.recorded_utc:%Y-%m-%d}")
    doc.add_page()
    doc.h1("formcheck - session report")
    doc.para("   ".join(_patient_lines(patient, session.recorded_utc)), size=10.5, style="B")
    doc.para(f"Session {session.id}: {session.recorded_utc:%d %B %Y, %H:%M} UTC")
    _session_body(doc, session, patient)
    return bytes(doc.output())


# ---------------------------------------------------------------------- progress summary


def progress_pdf(
    patient: Patient, sessions: Sequence[SavedSession],
    start: datetime | None = None, end: datetime | None = None,
) -> bytes:
    """A progress summary of ``sessions`` (any order; grouped by exercise)."""
    from formcheck.record.trends import by_exercise

    span = (f"{short_date(start) if start else 'first session'} to "
            f"{short_date(end) if end else 'last session'}")  # fmt: skip
    doc = _Doc(f"formcheck progress summary - {patient.code}")
    doc.add_page()
    doc.h1("formcheck - progress summary")
    latest = max((s.recorded_utc for s in sessions), default=None)
    doc.para("   ".join(_patient_lines(patient, latest)), size=10.5, style="B")
    doc.para(f"Period: {span}; {len(sessions)} session(s).")
    if not sessions:
        doc.para("No saved session in this period.")
    for exercise, group in by_exercise(sessions).items():
        _exercise_summary(doc, exercise, group, patient)
    return bytes(doc.output())


def _exercise_summary(
    doc: _Doc, exercise: str, group: list[SavedSession], patient: Patient
) -> None:
    trend = points(group, patient)
    doc.h2(f"{exercise_title(exercise)}: {len(trend)} session(s)")
    if len(trend) >= 2:
        first, prev, last = trend[0], trend[-2], trend[-1]
        lines = ["Since the first session: " + "; ".join(compare(first, last))]
        if prev is not first:
            lines.append("Since the previous session: " + "; ".join(compare(prev, last)))
        doc.bullets(lines)
    doc.table_of(summary_rows(trend))
    for chart in trend_charts.trend_charts(trend):
        doc.chart(chart, height_px=150, scale=1.5)
    refs = {p.band.reference for p in trend if p.band and p.band.reference}
    if refs:
        norm = {"reference": " ".join(sorted(refs))}
        doc.para("Norm sources: " + " ".join(_cited(norm)), size=8)
