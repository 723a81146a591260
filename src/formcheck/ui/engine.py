"""The live engine behind the webcam page: pose estimate, ``Session.update``, annotate.

One :class:`LiveEngine` per browser session and exercise choice; it is kept in
``st.session_state`` so that the video callback (which every Streamlit rerun
replaces on the running stream) always reaches the same engine and the rep
count survives reruns. The callback stays thin: frame -> ``engine.process``
-> frame. Results reach the page through ``engine.results``, a small
``queue.Queue`` of :class:`LiveUpdate` that keeps only the newest entries.

Time comes from the frames' own timestamps (``pts * time_base``), so frames
dropped under load (streamlit-webrtc's async mode skips frames the engine
cannot keep up with) shorten nothing and cannot corrupt the counts.

Memory comes back: an engine whose camera has sent no frame for
``idle_release_s`` seconds (STOP pressed, tab closed: Streamlit keeps a closed
tab's session, and so its engine, for minutes) closes its pose estimator, and
glibc is asked to return the freed heap to the system (``malloc_trim``). One
daemon thread watches all engines through weak references; the next frame
loads the model again (about a second, before the set-up's still baseline).

This module does not import streamlit; it is tested without a browser.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from formcheck.config import Config
from formcheck.exercise.report import Report
from formcheck.exercise.session import LiveState
from formcheck.pose.estimator import FramePose, PoseEstimator
from formcheck.pose.landmarks import INDEX
from formcheck.render.overlay import Overlay, PoseAnnotator
from formcheck.ui.review_data import ANGLE_JOINT, angle_points, display_angle

if TYPE_CHECKING:  # the programme modules load only with a programme
    from formcheck.programme.runner import ProgrammeResult, ProgrammeRunner, RunnerState
    from formcheck.speech.announcer import Announcer, Phrase

__all__ = [
    "LiveEngine",
    "LiveUpdate",
    "ProgrammeStream",
    "StreamingSession",
    "make_engine",
    "make_programme_engine",
    "programme_to_update",
    "state_to_update",
]

LOG = logging.getLogger("formcheck.ui")
_RESTART_GAP_S = 2.0  # a timestamp jump back by more than this is a new stream
IDLE_RELEASE_S = 15.0  # no frame for this long: the estimator is closed (reloaded when needed)


StateT = TypeVar("StateT", covariant=True)
ResultT = TypeVar("ResultT", covariant=True)
State = TypeVar("State")
Result = TypeVar("Result")


class StreamingSession(Protocol[StateT, ResultT]):
    """What the engine needs from :class:`formcheck.exercise.session.Session` (states
    :class:`~formcheck.exercise.session.LiveState`, result a ``Report``) or a programme
    (:class:`ProgrammeStream`: ``RunnerState``, ``ProgrammeResult``)."""

    def update(
        self,
        t: float,
        image_lm: NDArray[np.float32] | None,
        world_lm: NDArray[np.float32] | None,
        width: int,
        height: int,
        *,
        people: int = 1,
    ) -> StateT: ...

    def finish(self) -> ResultT: ...


@dataclass(frozen=True)
class LiveUpdate:
    """What the page shows after one processed frame.

    ``t`` is the session time in seconds; ``rep_scores`` holds every finished
    rep's score (0..100) so far, so losing intermediate updates loses nothing;
    ``setup`` lists the set-up instructions still to follow (empty once live);
    ``frame_ms`` is the processing time of this frame in milliseconds;
    ``programme`` is the :class:`~formcheck.programme.runner.RunnerState` when a
    programme runs (None for one exercise).
    """

    t: float
    overlay: Overlay
    setup: tuple[str, ...] = ()
    rep_scores: tuple[float, ...] = ()
    frame_ms: float = float("nan")
    person: bool = False
    new_rep_score: float | None = None
    timer_label: str = ""
    error: str | None = None
    state: LiveState | None = field(default=None, compare=False, repr=False)
    programme: RunnerState | None = field(default=None, compare=False, repr=False)


class LiveEngine(Generic[State, Result]):
    """Per-frame processing for the live page (thread-safe; one stream at a time).

    ``estimator_factory`` makes the pose estimator (lazily, on the first frame,
    in the video thread); ``session_factory`` makes a fresh streaming session;
    ``to_update`` turns the session's state into a :class:`LiveUpdate`.
    ``idle_release_s``: close the estimator after this many seconds without a
    frame (None: keep it until :meth:`close`); the session and its counts stay.
    """

    def __init__(
        self,
        estimator_factory: Callable[[], PoseEstimator],
        session_factory: Callable[[], StreamingSession[State, Result]],
        to_update: Callable[[State, FramePose, float], LiveUpdate],
        *,
        annotator: PoseAnnotator | None = None,
        queue_size: int = 4,
        idle_release_s: float | None = IDLE_RELEASE_S,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be >= 1, got {queue_size}")
        if idle_release_s is not None and not idle_release_s > 0:
            raise ValueError(f"idle_release_s must be > 0 s or None, got {idle_release_s}")
        self._estimator_factory = estimator_factory
        self._session_factory = session_factory
        self._to_update = to_update
        self.annotator = annotator or PoseAnnotator()
        self.results: queue.Queue[LiveUpdate] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._estimator: PoseEstimator | None = None
        self._warming: threading.Thread | None = None
        self._warm_error: Exception | None = None
        self._session: StreamingSession[State, Result] | None = None
        self._offset = 0.0
        self._last_raw: float | None = None
        self._last_t = -np.inf
        self._epoch = 0.0  # added to session times for the estimator, which never goes back
        self.frames = 0
        self._size: tuple[int, ...] = ()
        self.rep_scores: list[float] = []
        self.latest: LiveUpdate | None = None
        self._closed = False
        self.idle_release_s = idle_release_s
        self._active_at = time.monotonic()  # last frame or model load (monotonic s)
        self.releases = 0  # estimators closed for idleness so far

    def process(self, rgb: NDArray[np.uint8], t_raw: float) -> NDArray[np.uint8]:
        """Estimate, update the session, draw; returns the annotated (H, W, 3) RGB frame.

        The drawing goes onto ``rgb`` itself (pass a fresh array, as the
        callback's ``frame_to_rgb`` makes).

        ``t_raw`` is the frame's timestamp in seconds. A frame whose time is not
        after the previous one, or any frame once the engine is closed (a frame
        still in flight on the old callback), is returned unannotated and not
        counted.
        """
        start = time.perf_counter()
        with self._lock:
            t = None if self._closed else self._session_time(t_raw)
            if t is None:
                return rgb
            estimator, session = self._ensure_started()
            if rgb.shape[:2] != self._size:
                LOG.info("live frames are now %dx%d at t=%.2f s", rgb.shape[1], rgb.shape[0], t)
                self._size = rgb.shape[:2]
            self._active_at = time.monotonic()
            pose = estimator.estimate(rgb, t + self._epoch)
            state = session.update(t, pose.image, pose.world, rgb.shape[1], rgb.shape[0],
                                   people=pose.people)
            update = self._to_update(state, pose, (time.perf_counter() - start) * 1000)
            if update.new_rep_score is not None:
                self.rep_scores.append(update.new_rep_score)
                LOG.info("live rep %d ended at t=%.2f s (frame %d), score %.0f",
                         len(self.rep_scores), t, self.frames, update.new_rep_score)
            update = replace(update, rep_scores=tuple(self.rep_scores))
            if update.overlay.score is None and self.rep_scores:  # keep the last score shown
                update = replace(update, overlay=replace(update.overlay, score=self.rep_scores[-1]))
            # the caller's array is fresh (frame_to_rgb): draw on it, no copy
            out = self.annotator.annotate(rgb, pose.image, update.overlay, copy=False)
            self.frames += 1
            self.latest = update
        self._publish(update)
        return out

    def _session_time(self, t_raw: float) -> float | None:
        """Seconds since the stream began, strictly increasing; None to skip the frame."""
        if t_raw is None or not np.isfinite(t_raw):
            return None
        if self._last_raw is None:
            self._offset = -float(t_raw)
        elif t_raw < self._last_raw - _RESTART_GAP_S:  # the browser restarted its clock
            self._offset = self._last_t - float(t_raw) + 1 / 30
        self._last_raw = float(t_raw)
        t = float(t_raw) + self._offset
        if not t > self._last_t:
            return None
        self._last_t = t
        return t

    def warm_up(self) -> None:
        """Load the pose model now, in a background thread, so that the first camera
        frames are not dropped while it loads (the set-up needs them)."""
        with self._lock:
            if self._closed or self._estimator is not None or self._warming is not None:
                return
            self._warming = threading.Thread(target=self._load, name="formcheck-model", daemon=True)
            self._warming.start()

    def _load(self) -> None:
        try:
            self._estimator = self._new_estimator()
        except Exception as err:  # raised again on the first frame
            self._warm_error = err

    def _new_estimator(self) -> PoseEstimator:
        estimator = self._estimator_factory()
        self._active_at = time.monotonic()
        if self.idle_release_s is not None:
            _watch(self)
        return estimator

    def release_if_idle(self, now: float | None = None) -> bool:
        """Close the estimator if no frame came for ``idle_release_s`` seconds (True if closed).

        Called by the watcher thread; ``now`` is ``time.monotonic()`` seconds.
        """
        if self.idle_release_s is None or self._estimator is None or self._warming is not None:
            return False
        now = time.monotonic() if now is None else now
        with self._lock:  # not while a frame is being processed
            if self._estimator is None or now - self._active_at < self.idle_release_s:
                return False
            estimator, self._estimator = self._estimator, None
            self.releases += 1
        estimator.close()
        LOG.info("live engine idle for %.0f s: pose model released", now - self._active_at)
        return_freed_memory()
        return True

    def _join_warm_up(self) -> None:
        if self._warming is not None:
            self._warming.join()
            self._warming = None
        if self._warm_error is not None:
            err, self._warm_error = self._warm_error, None
            raise err

    def _ensure_started(self) -> tuple[PoseEstimator, StreamingSession]:
        if self._closed:  # never load a model nobody would close
            raise RuntimeError("the live engine is closed")
        self._join_warm_up()
        if self._estimator is None:
            self._estimator = self._new_estimator()
        if self._session is None:
            self._session = self._session_factory()
        return self._estimator, self._session

    def _publish(self, update: LiveUpdate) -> None:
        """Put ``update`` on the queue, dropping the oldest entry when it is full."""
        while True:
            try:
                self.results.put_nowait(update)
                return
            except queue.Full:
                try:
                    self.results.get_nowait()
                except queue.Empty:
                    pass

    def report_error(self, message: str) -> None:
        """Tell the page that processing failed (shown instead of the live figures)."""
        self._publish(LiveUpdate(t=self._last_t, overlay=Overlay(), error=message))

    def finish(self) -> Result | None:
        """End the current session: its report (None if no frame was processed).

        The estimator is kept for the next stream (its clock keeps increasing);
        session times start again at 0.
        """
        with self._lock:
            session, self._session = self._session, None
            if np.isfinite(self._last_t):
                self._epoch += self._last_t + 1.0
            self._last_raw, self._last_t, self._offset = None, -np.inf, 0.0
            frames, self.frames = self.frames, 0
            self.rep_scores, self.latest = [], None
        if session is None or frames == 0:
            return None
        return session.finish()

    def close(self) -> None:
        """Release the estimator (idempotent); the engine processes no frame afterwards."""
        with self._lock:
            self._closed = True
            if self._warming is not None:
                self._warming.join()
                self._warming = None
            estimator, self._estimator, self._session = self._estimator, None, None
        if estimator is not None:
            estimator.close()
            return_freed_memory()


_WATCHED: weakref.WeakSet[LiveEngine] = weakref.WeakSet()
_WATCH_LOCK = threading.Lock()
_WATCH_EVERY_S = 1.0
_watcher: threading.Thread | None = None


def _watch(engine: LiveEngine) -> None:
    """Have the (one, lazily started) watcher thread release ``engine``'s idle estimator."""
    global _watcher
    with _WATCH_LOCK:
        _WATCHED.add(engine)
        if _watcher is None or not _watcher.is_alive():
            _watcher = threading.Thread(target=_watch_loop, name="formcheck-idle", daemon=True)
            _watcher.start()


def _watch_loop() -> None:
    while True:
        time.sleep(_WATCH_EVERY_S)
        with _WATCH_LOCK:
            engines = list(_WATCHED)
        for engine in engines:  # an engine gone (its session ended) has left the weak set
            try:
                engine.release_if_idle()
            except Exception:  # never let one engine stop the watcher
                LOG.exception("releasing an idle live engine failed")
        del engines


def return_freed_memory() -> None:
    """Ask glibc to give freed heap pages back to the system (``malloc_trim(0)``; no-op elsewhere).

    Closing a MediaPipe landmarker frees its buffers to malloc's arenas, which
    otherwise keep them: the process's resident memory would not come down.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _libc() -> Any:
    global _LIBC
    if _LIBC is False:
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name) if name else None
            _LIBC = lib if lib is not None and hasattr(lib, "malloc_trim") else None
        except OSError:
            _LIBC = None
    return _LIBC


_LIBC: Any = False  # not looked up yet


def _timer(state: LiveState, test: str | None) -> tuple[float | None, str]:
    """The clock to show for a test: time left (30s CST) or elapsed (5xSTS)."""
    if test is None:
        return None, ""
    if state.test_remaining_s is not None:
        return float(state.test_remaining_s), "time left"
    elapsed = state.test_elapsed_s
    return (float(elapsed), "time") if elapsed is not None else (None, "")


def state_to_update(
    state: LiveState, pose: FramePose, frame_ms: float, *, exercise: str, test: str | None = None
) -> LiveUpdate:
    """A :class:`formcheck.exercise.session.LiveState` as the overlay and figures the page shows."""
    angle_name = display_angle(exercise)
    angle = state.angles.get(angle_name) if state.angles else None
    joint = INDEX.get(f"{state.side}_{ANGLE_JOINT.get(angle_name)}") if state.side else None
    setup = tuple(state.setup_messages) if state.phase == "setup" else ()
    cue, level = state.cue, state.cue_level
    guidance = state.guidance or (setup[0] if setup else None)
    if guidance:  # what the person must do for the count to work comes first, in large words
        cue, level = guidance, "info"
    timer, label = _timer(state, test)
    last = state.last_rep
    overlay = Overlay(
        reps=state.rep_count, phase="Set-up" if setup else state.phase.replace("_", " "),
        cue=cue, cue_level=level if level in ("good", "warn", "bad", "info") else "warn",
        score=float(last.score) if last is not None else None, timer_s=timer,
        angle_deg=angle, angle_at=joint, angle_label=angle_name.split("_")[0],
        angle_points=angle_points(state.points, angle_name),
        angle_vertical=angle_name in ("trunk_inclination", "side_bend"),
    )  # fmt: skip
    return LiveUpdate(
        t=state.t, overlay=overlay, setup=setup, frame_ms=frame_ms,
        person=pose.image is not None, timer_label=label,
        new_rep_score=float(last.score) if last is not None else None, state=state,
    )  # fmt: skip


def make_engine(
    exercise: str,
    test: str | None = None,
    *,
    age: int | None = None,
    sex: str | None = None,
    estimator_factory: Callable[[], PoseEstimator] | None = None,
    num_poses: int | None = None,
    idle_release_s: float | None = IDLE_RELEASE_S,
    config: Config | None = None,
) -> LiveEngine[LiveState, Report]:
    """An engine running MediaPipe (or ``estimator_factory``) and a fresh ``Session`` per stream.

    ``num_poses=None`` keeps :class:`~formcheck.pose.estimator.MediaPipePose`'s
    default, the same as offline extraction, so a motion seen live gives the
    numbers the review page gives for the same frames: with ``num_poses=1``
    MediaPipe's own tracker moves landmarks by 0.2-0.5 % of the frame diagonal
    (median) against the offline run, enough to shift flexion/extension rep
    start and end times by up to 1 s on the samples. It also keeps the
    several-people check live. It costs about 19 ms CPU a 640x480 frame
    instead of 12.5 (bench/live.py). ``idle_release_s``: see :class:`LiveEngine`.
    ``config``: the :class:`~formcheck.config.Config` of the session (defaults if None).
    """
    from formcheck.exercise.session import Session

    Session(exercise, test=test, age=age, sex=sex, config=config)  # bad options fail here
    return LiveEngine(
        estimator_factory or _mediapipe(num_poses),
        lambda: Session(exercise, test=test, age=age, sex=sex, config=config),
        lambda state, pose, ms: state_to_update(state, pose, ms, exercise=exercise, test=test),
        idle_release_s=idle_release_s,
    )


def _mediapipe(num_poses: int | None) -> Callable[[], PoseEstimator]:
    """The live page's estimator factory: MediaPipe in video mode (its default
    ``num_poses`` unless given, as offline extraction; see :func:`make_engine`)."""

    def real_estimator() -> PoseEstimator:
        from formcheck.pose.estimator import MediaPipePose

        if num_poses is None:
            return MediaPipePose(mode="video")
        return MediaPipePose(mode="video", num_poses=num_poses)

    return real_estimator


class ProgrammeStream:
    """A programme as the engine's streaming session: the runner per frame, and the
    words to speak handed to ``say`` one at a time (from the announcer).

    Runs in the video callback thread and never waits: ``say`` must not block
    (``queue.Queue.put_nowait``; the page synthesises and plays).
    """

    def __init__(self, runner: ProgrammeRunner, announcer: Announcer,
                 say: Callable[[Phrase], None]) -> None:  # fmt: skip
        self.runner, self.announcer, self._say = runner, announcer, say

    def update(self, t: float, image_lm: NDArray[np.float32] | None,
               world_lm: NDArray[np.float32] | None, width: int, height: int, *,
               people: int = 1) -> RunnerState:  # fmt: skip
        from formcheck.programme.runner import announcements

        state = self.runner.update(t, image_lm, world_lm, width, height, people=people)
        if "step_started" in state.events:  # the last step's cues no longer apply
            self.announcer.clear()
        for text, kind, key in announcements(state):
            self.announcer.offer(state.t, text, kind, key)
        phrase = self.announcer.take(state.t)
        if phrase is not None:
            try:
                self._say(phrase)
            except queue.Full:  # the page is not listening: nothing waits for it
                pass
        return state

    def finish(self) -> ProgrammeResult:
        return self.runner.finish()


def programme_to_update(state: RunnerState, pose: FramePose, frame_ms: float) -> LiveUpdate:
    """A :class:`~formcheck.programme.runner.RunnerState` as the figures the page shows:
    the set's own live figures while exercising; a rest's countdown as its cue."""
    if state.live is not None:
        update = state_to_update(state.live, pose, frame_ms, exercise=state.exercise)
        return replace(update, programme=state)
    if state.stage == "rest":
        cue = f"Rest {state.rest_remaining_s:.0f} s · next: {state.next_title}"
    else:
        cue = "Programme complete"
    overlay = Overlay(reps=state.reps, phase=state.stage, cue=cue, cue_level="info")
    return LiveUpdate(t=state.t, overlay=overlay, frame_ms=frame_ms,
                      person=pose.image is not None, programme=state)  # fmt: skip


def make_programme_engine(
    programme: Any,
    say: Callable[[Any], None],
    *,
    config: Any = None,
    config_for: Callable[[Any], Any] | None = None,
    duration_s: Callable[[str], float] | None = None,
    estimator_factory: Callable[[], PoseEstimator] | None = None,
    num_poses: int | None = None,
    idle_release_s: float | None = IDLE_RELEASE_S,
) -> LiveEngine[RunnerState, ProgrammeResult]:
    """An engine taking ``programme`` (a :class:`~formcheck.programme.plan.Programme`)
    step by step: a fresh ``Session`` per set with ``config_for(step)`` (default:
    ``config`` for every step), the phrases to speak handed to ``say``;
    ``duration_s(text)``: how long a phrase takes (default: estimated from its words).
    The cooldown is ``config.speech.cooldown_s``.
    """
    from formcheck.config import Config
    from formcheck.exercise.session import Session
    from formcheck.programme.runner import ProgrammeRunner
    from formcheck.programme.targets import step_config as targets_config
    from formcheck.speech.announcer import Announcer, estimate_duration_s

    base = config or Config()
    step_config = config_for or (lambda step: targets_config(base, step))
    for step in programme.steps:  # bad options fail here, not on the first frame
        Session(step.exercise, config=step_config(step))

    def stream() -> ProgrammeStream:
        runner = ProgrammeRunner(programme, lambda s: Session(s.exercise, config=step_config(s)))
        announcer = Announcer(base.speech.cooldown_s, duration_s or estimate_duration_s)
        return ProgrammeStream(runner, announcer, say)

    return LiveEngine(estimator_factory or _mediapipe(num_poses), stream, programme_to_update,
                      idle_release_s=idle_release_s)  # fmt: skip
