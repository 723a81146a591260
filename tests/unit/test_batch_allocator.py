"""formcheck.batch.allocator: in Dask's worker environment, freed frames are reused.

Each case runs in a fresh Python process started with the variable Dask's nanny sets,
and counts the page faults of allocating and freeing a 640x480 RGB frame 200 times.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

_FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "kept":
    from formcheck.batch.allocator import keep_freed_frames
    assert keep_freed_frames()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    frame = np.ones((480, 640, 3), np.uint8)  # 900 KB, written: its pages are touched
    del frame
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")  # as distributed's nanny sets
    out = subprocess.run([sys.executable, "-c", _FAULTS, mode], env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return int(out.strip())


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_dask_worker_environment_faults_every_frame_and_keeping_freed_memory_stops_it() -> None:
    plain, kept = _faults("plain"), _faults("kept")
    assert plain > 200 * 100  # every frame's 225 pages faulted in again
    assert kept < plain / 20
