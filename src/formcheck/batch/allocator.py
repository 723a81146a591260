"""The C allocator in a batch worker: freed frames kept for the next one, not unmapped.

Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
``distributed.nanny.pre-spawn-environ``), so that freed memory goes back to the
operating system at once. Setting it also switches off glibc's adaptive mmap
threshold: every buffer over 128 KB (a decoded frame, its RGB copy, MediaPipe's
input image and resized tensors) is then mmap'd, faulted in page by page and
unmapped, several times a frame. Measured with ``extract_pose`` on a 640x480
sample: 1,520 page faults and 3.3 ms of system CPU a frame (0.5 ms without the
variable), 22.4 ms CPU a frame against 18.4 — the batch's "per-worker overhead".

:func:`keep_freed_frames` sets both thresholds to 32 MB (the ceiling glibc's own
adaptive threshold reaches) in the worker process itself, so it holds for the
embedded ``LocalCluster`` and for workers a user started with ``dask worker``
alike: 35-48 faults and 0.4-0.5 ms of system CPU a frame again. A worker then
keeps up to 32 MB of freed heap for reuse instead of returning it.
"""

from __future__ import annotations

import ctypes
import threading

__all__ = ["KEEP_BYTES", "keep_freed_frames"]

KEEP_BYTES = 32 << 20
"""Freed memory a worker keeps (trim threshold), and the size from which buffers are mmap'd."""
_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_DONE = False
_LOCK = threading.Lock()


def keep_freed_frames() -> bool:
    """Set glibc's trim and mmap thresholds to :data:`KEEP_BYTES` (once per process).

    True when set; False where the C library has no ``mallopt`` (not glibc: macOS,
    musl), which leaves the allocator as it is.
    """
    global _DONE
    with _LOCK:
        if _DONE:
            return True
        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):
            return False
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        _DONE = bool(mallopt(_M_TRIM_THRESHOLD, KEEP_BYTES)) and bool(
            mallopt(_M_MMAP_THRESHOLD, KEEP_BYTES)
        )
        return _DONE
