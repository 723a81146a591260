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

This module does not import streamlit; it is tested without a browser.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck.annotate import Overlay, PoseAnnotator
from formcheck.pose_backend import FramePose, PoseEstimator

__all__ = ["LiveEngine", "LiveUpdate", "StreamingSession"]

LOG = logging.getLogger("formcheck.ui")
_RESTART_GAP_S = 2.0  # a timestamp jump back by more than this is a new stream


class StreamingSession(Protocol):
    """What the engine needs from :class:`formcheck.session.Session`."""

    def update(
        self,
        t: float,
        image_lm: NDArray[np.float32] | None,
        world_lm: NDArray[np.float32] | None,
        width: int,
        height: int,
    ) -> Any: ...

    def finish(self) -> Any: ...


@dataclass(frozen=True)
class LiveUpdate:
    """What the page shows after one processed frame.

    ``t`` is the session time in seconds; ``rep_scores`` holds every finished
    rep's score (0..100) so far, so losing intermediate updates loses nothing;
    ``setup`` lists the set-up instructions still to follow (empty once live);
    ``frame_ms`` is the processing time of this frame in milliseconds.
    """

    t: float
    overlay: Overlay
    setup: tuple[str, ...] = ()
    rep_scores: tuple[float, ...] = ()
    frame_ms: float = float("nan")
    person: bool = False
    state: Any = field(default=None, compare=False, repr=False)


class LiveEngine:
    """Per-frame processing for the live page (thread-safe; one stream at a time).

    ``estimator_factory`` makes the pose estimator (lazily, on the first frame,
    in the video thread); ``session_factory`` makes a fresh streaming session;
    ``to_update`` turns the session's state into a :class:`LiveUpdate`.
    """

    def __init__(
        self,
        estimator_factory: Callable[[], PoseEstimator],
        session_factory: Callable[[], StreamingSession],
        to_update: Callable[[Any, FramePose, float], LiveUpdate],
        *,
        annotator: PoseAnnotator | None = None,
        queue_size: int = 4,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be >= 1, got {queue_size}")
        self._estimator_factory = estimator_factory
        self._session_factory = session_factory
        self._to_update = to_update
        self.annotator = annotator or PoseAnnotator()
        self.results: queue.Queue[LiveUpdate] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._estimator: PoseEstimator | None = None
        self._session: StreamingSession | None = None
        self._offset = 0.0
        self._last_raw: float | None = None
        self._last_t = -np.inf
        self._epoch = 0.0  # added to session times for the estimator, which never goes back
        self.frames = 0
        self.latest: LiveUpdate | None = None

    def process(self, rgb: NDArray[np.uint8], t_raw: float) -> NDArray[np.uint8]:
        """Estimate, update the session, draw; returns the annotated (H, W, 3) RGB frame.

        ``t_raw`` is the frame's timestamp in seconds. A frame whose time is not
        after the previous one is returned unannotated and not counted.
        """
        start = time.perf_counter()
        with self._lock:
            t = self._session_time(t_raw)
            if t is None:
                return rgb
            estimator, session = self._ensure_started()
            pose = estimator.estimate(rgb, t + self._epoch)
            state = session.update(t, pose.image, pose.world, rgb.shape[1], rgb.shape[0])
            update = self._to_update(state, pose, (time.perf_counter() - start) * 1000)
            out = self.annotator.annotate(rgb, pose.image, update.overlay)
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

    def _ensure_started(self) -> tuple[PoseEstimator, StreamingSession]:
        if self._estimator is None:
            self._estimator = self._estimator_factory()
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

    def finish(self) -> Any | None:
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
        if session is None or frames == 0:
            return None
        return session.finish()

    def close(self) -> None:
        """Release the estimator (idempotent)."""
        with self._lock:
            estimator, self._estimator, self._session = self._estimator, None, None
        if estimator is not None:
            estimator.close()
