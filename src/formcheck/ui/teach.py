"""The "Teach an exercise" page: an exercise defined by demonstration.

The physiotherapist picks a clip (a bundled sample or an upload), the span that shows one
or two good reps, and a name. The page proposes the definition
(:func:`formcheck.exercise.demonstration.learn`): the counted signal, its direction, the
rep thresholds and the start posture, with a chart of what moved. They may change the
signal and the thresholds, then download the definition (a TOML file), save it in the
patient record, and use it: it is then one of the exercises on the review and live
pages (registered for this app process until it restarts; a downloaded file, or the
definitions saved in the record, bring it back). A demonstration that cannot work is
refused with the reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.exercise import definition_file
from formcheck.exercise.definitions import EXERCISES, ExerciseSpec, register_exercise
from formcheck.exercise.demonstration import DemonstrationRefused, Proposal, learn
from formcheck.ui import upload
from formcheck.ui.boundary import page_guard
from formcheck.ui.bundled_samples import find_samples, samples_dir
from formcheck.ui.pipeline import Extraction
from formcheck.ui.upload import Clip

__all__ = ["teach_page", "use_definition"]

SAMPLE, UPLOAD = "A bundled sample clip", "Upload a clip"
_DEFAULT_SPAN_S = 6.5


def teach_page(app_dir: Path) -> None:
    """Draw the page."""
    st.title("Teach an exercise")
    st.caption("Show formcheck one or two good repetitions of an exercise it does not know. "
               "It finds what moved and proposes how to count it; you check, adjust and save. "
               "The clip is analysed on this computer and not kept.")  # fmt: skip
    _load_file()
    extraction = _clip(app_dir)
    if extraction is None:
        return
    seq = extraction.seq
    end = float(seq.t[-1]) if len(seq) else 0.0
    cols = st.columns(2)
    name = cols[0].text_input("Name (lower case, e.g. knee_raise)", "knee_raise", key="teach_name")
    title = cols[1].text_input("Title on the pages", "", key="teach_title",
                               placeholder="e.g. Standing knee raise")  # fmt: skip
    span = st.slider("The demonstration: one or two good reps (seconds of the clip)", 0.0,
                     round(end, 1), (0.0, round(min(end, _DEFAULT_SPAN_S), 1)), 0.1,
                     key=f"teach_span_{extraction.name}")  # fmt: skip
    with page_guard("demonstration"):
        proposal = _propose(extraction, name.strip(), title.strip() or None, span)
        if proposal is not None:
            _show(proposal)
            _confirm(proposal)


def _load_file() -> None:
    """An existing definition file: read it and offer its exercise on the pages."""
    with st.expander("Use a definition file you already have"):
        file = st.file_uploader("Definition file (.toml)", type=["toml"], key="teach_file")
        if file is not None:
            _use_file(file)
    with st.expander("Use the definitions saved in the patient record"):
        if st.button("Load them", key="teach_record_load"):
            _load_from_record()


def _use_file(file: Any) -> None:
    try:
        spec = definition_file.loads(file.getvalue().decode("utf-8", "replace"), file.name)
    except FormcheckError as err:
        st.error(str(err))
        return
    if st.button(f"Use {spec.title} on the review and live pages", key="teach_file_use"):
        use_definition(spec)


def _load_from_record() -> None:
    """Every definition in the record, offered on the pages."""
    from formcheck.record.definitions import load_definitions
    from formcheck.ui.record_panel import open_record
    from formcheck.ui.signin import require_sign_in

    if not require_sign_in("patient records"):
        return
    try:
        specs = load_definitions(open_record())
    except FormcheckError as err:
        st.error(f"{err}; no definition was loaded")
        return
    if not specs:
        st.info("The record holds no exercise definition yet.")
    for spec in specs:
        use_definition(spec)


def _clip(app_dir: Path) -> Extraction | None:
    from formcheck.ui.review import _extract_upload, _file_hash, _sample_poses, _with_progress

    samples = find_samples(samples_dir(app_dir))
    source = st.radio("Demonstration clip", [SAMPLE, UPLOAD] if samples else [UPLOAD],
                      horizontal=True, key="teach_source")  # fmt: skip
    if source == SAMPLE:
        by_name = {s.path.name: s for s in samples}
        unknown = [n for n, s in by_name.items() if s.exercise not in EXERCISES] or list(by_name)
        name = st.selectbox("Sample", unknown + [n for n in by_name if n not in unknown],
                            format_func=lambda n: by_name[n].title, key="teach_sample")  # fmt: skip
        if name is None:
            return None
        path = by_name[name].path
        digest = _file_hash(path)
        return _with_progress(lambda p: _sample_poses(str(path), digest, p),
                              "Finding the pose in the sample clip...")  # fmt: skip
    limit = upload.max_upload_mb(st.get_option("server.maxUploadSize"))
    file = st.file_uploader(f"Video clip of the demonstration, up to {limit:g} MB",
                            type=None, key="teach_upload")  # fmt: skip
    if file is None:
        st.info("Film the whole body, one person, from where the patient's camera will be.")
        return None
    data = file.getvalue()
    with page_guard("upload check"):
        upload.check_upload(data, file.name, limit)
        digest = hashlib.sha256(data).hexdigest()
        kept: dict[str, Extraction] = st.session_state.setdefault("teach_poses", {})
        if digest not in kept:
            clip = Clip(file.name, digest, data=data, file_id=file.file_id)
            kept.clear()  # one uploaded demonstration at a time
            kept[digest] = _with_progress(lambda p: _extract_upload(clip, p), "Analysing...")
        return kept[digest]
    return None


def _propose(extraction: Extraction, name: str, title: str | None,
             span: tuple[float, float]) -> Proposal | None:  # fmt: skip
    """The proposal for the span, with the adjustments chosen on the page (if any)."""
    kwargs: dict[str, Any] = {"title": title, "start_s": span[0], "end_s": span[1],
                              "source": extraction.name}  # fmt: skip
    try:
        first = learn(extraction.seq, name, **kwargs)
    except (DemonstrationRefused, ValueError) as err:
        st.error(f"No exercise can be defined from this: {err}")
        return None
    moved = [m.feature for m in first.movements if m.strength >= 1.0 and m.seen >= 0.8]
    with st.expander("Adjust the proposal", expanded=False):
        cols = st.columns(3)
        primary = cols[0].selectbox("Counted signal", moved, index=moved.index(first.spec.primary)
                                    if first.spec.primary in moved else 0,
                                    format_func=_words, key="teach_primary")  # fmt: skip
        base = first if primary == first.spec.primary else learn(extraction.seq, name,
                                                                  primary=primary, **kwargs)
        c = base.spec.settings.counter if base.spec.settings else None
        enter = cols[1].number_input("A rep goes at least (from the start)", 0.5, 500.0,
                                     float(c.enter if c else 10.0), 0.5,
                                     key=f"teach_enter_{primary}")  # fmt: skip
        rest = cols[2].number_input("and comes back within", 0.1, 500.0,
                                    float(c.rest if c else 5.0), 0.5,
                                    key=f"teach_rest_{primary}")  # fmt: skip
    if c is not None and (enter, rest) == (c.enter, c.rest):
        return base
    try:
        return learn(extraction.seq, name, primary=primary, enter=enter, rest=rest, **kwargs)
    except (DemonstrationRefused, ValueError) as err:
        st.error(f"With these settings the exercise cannot work: {err}")
        return None


def _words(feature: str) -> str:
    return feature.replace("_world", " (3-D)").replace("_", " ")


def _show(proposal: Proposal) -> None:
    spec, primary = proposal.spec, proposal.primary
    assert spec.settings is not None and spec.template is not None
    st.subheader(f"Proposal: {spec.title}")
    way = "increases" if spec.direction > 0 else "decreases"
    c = spec.settings.counter
    cols = st.columns(4)
    cols[0].metric("Reps in the demonstration", len(proposal.reps))
    cols[1].metric(f"Moved ({primary.unit})", f"{primary.excursion:.0f}")
    cols[2].metric("A rep goes at least", f"{c.enter:g}")
    cols[3].metric("and returns within", f"{c.rest:g}")
    posture = spec.demonstration.get("start_posture", {})
    st.markdown(
        f"Counted on the **{_words(spec.primary)}** of the {spec.side or 'camera-facing'} side: "
        f"it {way} away from the start posture and comes back. "
        f"A rep must move it at least **{c.enter:g} {spec.unit}** and return within "
        f"**{c.rest:g} {spec.unit}** of the start. Start posture: "
        + ", ".join(f"{_words(k)} {v:g}" for k, v in posture.items()) + ". Each rep is "
        f"compared with the demonstration on: {', '.join(map(_words, spec.template.joints))} "
        f"(0/100 at {spec.template.tolerance_deg:g} deg mean difference).")
    st.altair_chart(_chart(proposal), width="stretch")
    st.dataframe(pd.DataFrame([{"signal": _words(m.feature), "moved": round(m.excursion, 1),
                                "unit": m.unit, "seen": f"{m.seen:.0%}",
                                "counts as moving from": m.threshold}
                               for m in proposal.movements]),
                 hide_index=True, width="stretch")  # fmt: skip


def _chart(proposal: Proposal) -> alt.LayerChart:
    """The signals that moved over the demonstration, its reps shaded, the thresholds drawn."""
    spec = proposal.spec
    shown = [m.feature for m in proposal.movements if m.unit == "deg" and m.strength >= 1.0][:4]
    wide = pd.DataFrame({"t": proposal.t, **{_words(f): proposal.curves[f] for f in shown}})
    long = wide.melt("t", var_name="signal", value_name="deg").dropna()
    lines = alt.Chart(long).mark_line(strokeWidth=2).encode(
        x=alt.X("t:Q", title="time (s)"), y=alt.Y("deg:Q", title="angle (deg)"),
        color=alt.Color("signal:N", title="signal"))  # fmt: skip
    reps = pd.DataFrame({"start": [a for a, _ in proposal.reps],
                         "end": [b for _, b in proposal.reps]})  # fmt: skip
    bands = alt.Chart(reps).mark_rect(opacity=0.12, color="#1f77b4").encode(x="start:Q", x2="end:Q")
    base = proposal.primary.start
    assert spec.settings is not None
    levels = pd.DataFrame({"level": [base + spec.direction * spec.settings.counter.enter,
                                     base + spec.direction * spec.settings.counter.rest],
                           "threshold": ["rep starts", "back at rest"]})  # fmt: skip
    rules = alt.Chart(levels).mark_rule(strokeDash=[6, 4]).encode(
        y="level:Q", color=alt.Color("threshold:N", title="threshold"))  # fmt: skip
    return (bands + lines + rules).properties(
        height=280, title="What moved in the demonstration (reps shaded; thresholds on the "
        "counted signal)")  # fmt: skip


def _confirm(proposal: Proposal) -> None:
    spec = proposal.spec
    st.subheader("Confirm and save")
    text = definition_file.dumps(spec)
    cols = st.columns(3)
    cols[0].download_button("Download the definition (.toml)", text, f"{spec.name}.toml",
                            mime="application/toml", key="teach_download")  # fmt: skip
    used = cols[1].button("Use it on the review and live pages", type="primary", key="teach_use")
    if used:
        use_definition(spec)
    if cols[2].button("Save it in the patient record", key="teach_save"):
        _save(spec)
    if not used and spec.name in EXERCISES and EXERCISES[spec.name] == spec:
        st.caption(f"{spec.title} is an exercise on the review and live pages now.")


def use_definition(spec: ExerciseSpec) -> None:
    """Offer ``spec`` as an exercise on every page of this app (until it restarts)."""
    try:
        register_exercise(spec)
    except ValueError as err:
        st.error(str(err))
        return
    st.success(f"{spec.title} ({spec.name}) is now an exercise on the review and live pages.")


def _save(spec: ExerciseSpec) -> None:
    from formcheck.record.definitions import save_definition
    from formcheck.ui.record_panel import open_record, record_where
    from formcheck.ui.signin import require_sign_in

    if not require_sign_in("patient records"):
        return
    try:
        save_definition(open_record(), spec)
    except FormcheckError as err:
        st.error(f"{err}; the definition was not saved (download it instead)")
        return
    st.success(f"Saved {spec.title} in the record ({record_where()}).")
