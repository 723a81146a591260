"""The review page (physiotherapist): a bundled sample or an uploaded clip -> measured review.

The bundled sample is analysed as soon as the page opens (cached with
``st.cache_data`` on the file's hash and the options, so later visits are
instant). An upload is checked by content, written to a private temporary
file only while it is analysed, and its result kept in this browser
session's state only (never in a cache shared with other sessions).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from formcheck.ui import results, upload
from formcheck.ui.boundary import page_guard
from formcheck.ui.options import AUTO, AnalysisOptions, choose_options
from formcheck.ui.pipeline import ReviewResult, analyse_clip
from formcheck.ui.samples import Sample, find_samples, samples_dir

__all__ = ["review_page"]

SAMPLE, UPLOAD = "A bundled sample clip", "Upload a clip"


def review_page(app_dir: Path) -> None:
    """Draw the review page."""
    st.title("Review a clip")
    st.caption("Measured reps, scores and cues for a recorded exercise. "
               "The clip is analysed on this computer and not kept.")
    samples = find_samples(samples_dir(app_dir))
    source = st.radio("Clip", [SAMPLE, UPLOAD] if samples else [UPLOAD], horizontal=True,
                      key="review_source")
    if source == SAMPLE:
        _sample_flow(samples)
    else:
        _upload_flow()


def _sample_flow(samples: list[Sample]) -> None:
    by_name = {s.path.name: s for s in samples}
    name = st.selectbox("Sample", list(by_name), format_func=lambda n: by_name[n].title,
                        key="review_sample")
    if name is None:
        return
    sample = by_name[name]
    # widgets per sample, so each opens preset to its own exercise and test
    options = choose_options(sample.exercise, sample.test, key=f"sample_{sample.path.stem}")
    digest = _file_hash(sample.path)
    result = _with_progress(
        lambda progress: _cached_sample(str(sample.path), digest, options, progress),
        "Analysing the sample clip (the first time takes a little while)...",
    )
    if sample.reps is not None:
        st.caption(f"This sample was made with **{sample.reps}** reps (its truth file).")
    results.show(result)


class _Progress:
    """Progress shared with the analysis thread: plain attributes, no Streamlit calls
    (a cached function must not touch elements created outside it). ``cancel`` is
    set when the script run that started the analysis ends (rerun, stop, closed tab)."""

    def __init__(self) -> None:
        self.fraction, self.text = 0.0, "Starting..."
        self.cancel = threading.Event()

    def __call__(self, fraction: float, text: str) -> None:
        self.fraction, self.text = min(1.0, max(0.0, fraction)), text


def _with_progress(work: Callable[[_Progress], ReviewResult], text: str) -> ReviewResult:
    """Run ``work`` in a thread while this script run draws its progress bar.

    If the script run ends first (Streamlit stops it at a widget change, rerun or
    closed tab by raising inside ``bar.progress``), ``progress.cancel`` tells the
    analysis to stop, so analyses do not pile up and an upload's temporary file
    goes at once.
    """
    progress = _Progress()
    results: list[ReviewResult] = []
    errors: list[BaseException] = []
    bar = st.progress(0.0, text=text)

    def target() -> None:
        try:
            results.append(work(progress))
        except BaseException as err:  # re-raised in the script thread below
            errors.append(err)

    thread = threading.Thread(target=target, name="formcheck-analysis", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.25)
            bar.progress(progress.fraction, text=progress.text)
    finally:
        progress.cancel.set()  # finished: no effect; left early: stop the analysis
    bar.empty()
    if errors:
        raise errors[0]
    return results[0]


@st.cache_data(show_spinner=False, max_entries=16)
def _cached_sample(
    path: str, digest: str, options: AnalysisOptions, _progress: _Progress
) -> ReviewResult:
    """The sample's analysis; cached on (path, content hash, options)."""
    return analyse_clip(Path(path), Path(path).name, options.exercise, test=options.test,
                        age=options.age, sex=options.sex, progress=_progress,
                        cancel=_progress.cancel)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _upload_flow() -> None:
    limit = upload.max_upload_mb(st.get_option("server.maxUploadSize"))
    file = st.file_uploader(
        f"Video clip (mp4, mov, webm or avi; up to {limit:.0f} MB)",
        type=list(upload.ACCEPTED_TYPES), key="review_upload",
    )  # fmt: skip
    options = choose_options(AUTO, None, key="upload", allow_auto=True)
    if file is None:
        st.info("Choose a clip filmed from the side, whole body in view, one person.")
        return
    data = file.getvalue()
    upload.check_upload(data, file.name, limit)  # by content, before anything else
    key = (hashlib.sha256(data).hexdigest(), options)
    stored = st.session_state.get("review_upload_result")
    if stored is not None and stored[0] == key:
        results.show(stored[1])
        return
    if st.button("Analyse", type="primary", key="review_analyse"):
        with page_guard("upload analysis"):
            result = _analyse_upload(data, file.name, limit, options)
            st.session_state["review_upload_result"] = (key, result)
            results.show(result)


def _analyse_upload(data: bytes, name: str, limit: float, options: AnalysisOptions) -> ReviewResult:
    def work(progress: _Progress) -> ReviewResult:
        with upload.temporary_clip(data, name) as path:
            return analyse_clip(path, name, options.exercise, test=options.test, age=options.age,
                                sex=options.sex, progress=progress, cancel=progress.cancel)

    return _with_progress(work, "Analysing...")
