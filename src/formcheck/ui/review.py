"""The review page (physiotherapist): a bundled sample or an uploaded clip -> measured review.

What costs time is finding the pose in every frame; everything the options
change (exercise, test, age, sex) is a re-score of those landmarks in
milliseconds. So the page keeps the extractions: a bundled sample's in
``st.cache_data`` (keyed on the file's hash; shared by sessions, the samples are
public), an upload's in this browser session's state only, the last
``POSES_KEPT`` clips keyed by content hash. A change of option re-scores; only a
change of clip extracts again. The annotated clip is drawn again only when its
frames would differ (:func:`~formcheck.ui.pipeline.video_key`).

An upload is checked by content (any name, any extension), refused with a
message on the page naming the user's file, and kept in the session (one clip)
so that switching to a sample and back finds it again. It is written to a
private temporary file only while it is analysed or drawn.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from formcheck.errors import FormcheckError
from formcheck.ui import record_panel, results, upload
from formcheck.ui.boundary import page_guard
from formcheck.ui.bundled_samples import Sample, find_samples, samples_dir
from formcheck.ui.options import AUTO, AnalysisOptions, choose_options
from formcheck.ui.pipeline import Extraction, Scored, extract_clip, render_clip, score_clip
from formcheck.ui.settings import app_config, describe, with_overrides
from formcheck.ui.upload import Clip

__all__ = ["POSES_KEPT", "VIDEOS_KEPT", "review_page"]

SAMPLE, UPLOAD = "A bundled sample clip", "Upload a clip"
POSES_KEPT = 3
"""Uploaded clips whose landmarks a browser session keeps (about 1 KB a frame each)."""
VIDEOS_KEPT = 2
"""Annotated clips of uploads a browser session keeps."""
_CLIP, _POSES, _VIDEOS = "review_clip", "review_poses", "review_videos"
_SHOW_BROWSER_REFUSAL = """<style>
[data-testid="stFileChip"][aria-invalid="true"] span[role="alert"] {
  position: static !important; width: auto !important; height: auto !important;
  clip: auto !important; clip-path: none !important; overflow: visible !important;
  white-space: normal !important; margin: 0 0.25rem 0 0.5rem; align-self: center;
  color: rgb(125, 53, 59); font-size: 0.875rem;
}
</style>"""
"""A file over Streamlit's ``server.maxUploadSize`` is refused by the browser, unseen by us;
Streamlit puts its reason ("File must be ... or smaller") in a screen-reader-only note
beside the file's name. This shows that note."""
T = TypeVar("T")


def review_page(app_dir: Path) -> None:
    """Draw the review page."""
    _preload_models()
    st.title("Review a clip")
    if (problem := app_config()[1]) is not None:
        st.error(problem)
    st.caption("Measured reps, scores and cues for a recorded exercise. "
               "The clip is analysed on this computer and not kept.")
    samples = find_samples(samples_dir(app_dir))
    source = st.radio("Clip", [SAMPLE, UPLOAD] if samples else [UPLOAD], horizontal=True,
                      key="review_source")
    if source == SAMPLE:
        _sample_flow(samples)
    else:
        _upload_flow()


@st.cache_resource(show_spinner=False)
def _preload_models() -> threading.Thread:
    """From the page's first opening on, keep fresh pose landmarkers ready in this server
    process (made in the background now, and again after each clip): a clip's analysis then
    starts estimating at once instead of waiting for its chunks' landmarkers."""

    def load() -> None:
        from formcheck.pose.extract import preload_estimators

        try:
            preload_estimators()
        except FormcheckError:  # no model: the analysis says so, naming it, when it runs
            pass

    thread = threading.Thread(target=load, name="formcheck-preload", daemon=True)
    thread.start()
    return thread


# -- samples -------------------------------------------------------------------


def _sample_flow(samples: list[Sample]) -> None:
    by_name = {s.path.name: s for s in samples}
    name = st.selectbox("Sample", list(by_name), format_func=lambda n: by_name[n].title,
                        key="review_sample")
    if name is None:
        return
    sample = by_name[name]
    # widgets per sample, so each opens preset to its own exercise and test
    options = choose_options(sample.exercise, sample.test, key=f"sample_{sample.path.stem}",
                             config=app_config()[0])
    clip = Clip(sample.path.name, _file_hash(sample.path), path=sample.path)
    progress = _Progress()
    extraction = _with_progress(
        lambda p: _sample_poses(str(sample.path), clip.digest, p),
        "Finding the pose in the sample clip (the first time takes a little while)...", progress,
    )
    if sample.reps is not None:
        st.caption(f"This sample was made with **{sample.reps}** reps (its truth file).")
    _review(clip, extraction, options, fresh=progress.ran)


@st.cache_data(show_spinner=False, max_entries=16)
def _sample_poses(path: str, digest: str, _progress: _Progress) -> Extraction:
    """The sample's landmarks; cached on (path, content hash)."""
    _progress.ran = True
    return extract_clip(Path(path), Path(path).name, progress=_progress, cancel=_progress.cancel)


@st.cache_data(show_spinner=False, max_entries=16)
def _sample_video(
    path: str, digest: str, key: str, _scored: Scored, _progress: _Progress
) -> bytes:
    """The sample's annotated clip; cached on (path, content hash, video key)."""
    return render_clip(Path(path), Path(path).name, _scored.seq, _scored.overlays(),
                       progress=_progress, cancel=_progress.cancel)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- uploads -------------------------------------------------------------------


def _upload_flow() -> None:
    limit = upload.max_upload_mb(st.get_option("server.maxUploadSize"))
    st.html(_SHOW_BROWSER_REFUSAL)
    file = st.file_uploader(
        f"Video clip: mp4, mov, webm, avi, mkv or an animated GIF, up to {limit:g} MB "
        "(the content is checked, not the name)",
        type=None, key="review_upload", on_change=_upload_changed,
    )  # fmt: skip
    options = choose_options(AUTO, None, key="upload", allow_auto=True,
                             config=app_config()[0])
    clip = None
    with page_guard("upload check"):  # a refusal shows here, like any other error
        clip = _current_upload(file, limit)
    if clip is None:
        if file is None:
            st.info("Choose a clip filmed from the side, whole body in view, one person.")
        return
    poses = _session_lru(_POSES, POSES_KEPT)
    extraction, fresh = poses.get((clip.digest, clip.name)), False
    if extraction is None:
        if not st.button("Analyse", type="primary", key="review_analyse"):
            return
        with page_guard("upload analysis"):
            extraction = _with_progress(lambda p: _extract_upload(clip, p), "Analysing...")
            poses.put((clip.digest, clip.name), extraction)
            fresh = True
        if not fresh:
            return
    _review(clip, extraction, options, fresh=fresh)


def _upload_changed() -> None:
    """The user changed the upload widget: a removed file forgets the kept clip."""
    if st.session_state.get("review_upload") is None:
        st.session_state.pop(_CLIP, None)


def _current_upload(file: Any, limit_mb: float) -> Clip | None:
    """The upload the review is about: the widget's file (checked once), or, when the
    widget is empty after a visit to the samples, the clip kept from earlier."""
    kept: Clip | None = st.session_state.get(_CLIP)
    if file is None:
        if kept is not None:
            st.caption(f"Clip: **{kept.name}** (uploaded earlier in this session; "
                       "upload another to replace it).")
        return kept
    if kept is not None and kept.file_id == file.file_id:
        return kept
    st.session_state.pop(_CLIP, None)
    data = file.getvalue()
    upload.check_upload(data, file.name, limit_mb)  # by content, before anything else
    clip = Clip(file.name, hashlib.sha256(data).hexdigest(), data=data, file_id=file.file_id)
    st.session_state[_CLIP] = clip
    return clip


def _extract_upload(clip: Clip, progress: _Progress) -> Extraction:
    with clip.on_disk() as path:
        return extract_clip(path, clip.name, progress=progress, cancel=progress.cancel)


# -- one review ----------------------------------------------------------------


def _review(clip: Clip, extraction: Extraction, options: AnalysisOptions, *, fresh: bool) -> None:
    """Score ``extraction`` with ``options`` and show it; the annotated clip from its cache."""
    with page_guard("scoring"):
        config, problem = with_overrides(app_config()[0], options.overrides)
        if problem:
            st.error(problem)
        elif options.overrides:
            st.caption(f"Thresholds changed on this page: {describe(options.overrides)}")
        scored = score_clip(extraction, options.exercise, test=options.test, age=options.age,
                            sex=options.sex, config=config)
        ms = 1000 * scored.result.extra["score_s"]
        if fresh:
            st.caption(f"Pose found in {clip.name} in {extraction.seconds:.1f} s; "
                       f"scored in {ms:.0f} ms.")
        else:
            st.caption(f"Re-scored in {ms:.0f} ms from the pose already found in {clip.name} "
                       "(the clip was not analysed again).")
        results.show(scored.result, video=lambda: _video(clip, scored))
        record_panel.review_save(scored.result, clip)  # "Save to a patient's record"


def _video(clip: Clip, scored: Scored) -> bytes:
    key = scored.video_key
    text = "Drawing the annotated clip..."
    if clip.path is not None:
        path = str(clip.path)
        return _with_progress(lambda p: _sample_video(path, clip.digest, key, scored, p), text)
    videos = _session_lru(_VIDEOS, VIDEOS_KEPT)
    video = videos.get((clip.digest, key))
    if video is None:
        video = _with_progress(lambda p: _render_upload(clip, scored, p), text)
        videos.put((clip.digest, key), video)
    return video


def _render_upload(clip: Clip, scored: Scored, progress: _Progress) -> bytes:
    with clip.on_disk() as path:
        return render_clip(path, clip.name, scored.seq, scored.overlays(), progress=progress,
                           cancel=progress.cancel)


# -- plumbing ------------------------------------------------------------------


class _Lru:
    """At most ``size`` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
        return self.items.get(key)

    def put(self, key: Any, value: Any) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


def _session_lru(name: str, size: int) -> _Lru:
    """This browser session's cache ``name`` (made on first use)."""
    if name not in st.session_state:
        st.session_state[name] = _Lru(size)
    cache: _Lru = st.session_state[name]
    return cache


BAR_EVERY_S = 0.5
"""Seconds between progress-bar updates. Each update re-renders the page in the browser,
which shares the machine with the analysis: while a 9 s clip's pose was found, Chromium took
0.15 of a core at an update every 0.25 s, 0.12 every 0.5 s, 0.08 every 1 s (sampled from
``/proc`` as in ``bench/review_page.py``). Twice a second keeps the time left current."""


class _Progress:
    """Progress shared with the analysis thread: plain attributes, no Streamlit calls
    (a cached function must not touch elements created outside it). ``cancel`` is
    set when the script run that started the analysis ends (rerun, stop, closed tab);
    ``ran`` when a cached function's body ran (a cache miss)."""

    def __init__(self) -> None:
        self.fraction, self.text = 0.0, ""
        self.cancel = threading.Event()
        self.ran = False

    def __call__(self, fraction: float, text: str) -> None:
        self.fraction, self.text = min(1.0, max(0.0, fraction)), text


def _with_progress(
    work: Callable[[_Progress], T], text: str, progress: _Progress | None = None
) -> T:
    """Run ``work`` in a thread while this script run draws its progress bar.

    If the script run ends first (Streamlit stops it at a widget change, rerun or
    closed tab by raising inside ``bar.progress``), ``progress.cancel`` tells the
    work to stop, so analyses do not pile up and an upload's temporary file
    goes at once.
    """
    progress = progress or _Progress()
    done: list[T] = []
    errors: list[BaseException] = []
    bar = st.empty()

    def target() -> None:
        try:
            done.append(work(progress))
        except BaseException as err:  # re-raised in the script thread below
            errors.append(err)

    thread = threading.Thread(target=target, name="formcheck-analysis", daemon=True)
    thread.start()
    try:
        thread.join(0.05)  # a cache hit: no bar at all
        while thread.is_alive():
            bar.progress(progress.fraction, text=progress.text or text)
            thread.join(BAR_EVERY_S)
    finally:
        progress.cancel.set()  # finished: no effect; left early: stop the work
    bar.empty()
    if errors:
        raise errors[0]
    return done[0]
