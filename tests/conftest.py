"""Shared fixtures: the real clips beside the repo, and the real pose model."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"
SHARED_DATA = Path(os.environ.get("FORMCHECK_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real clips with ground truth); skips when absent."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.skip(f"real clips not available: {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pose_model() -> Path:
    """Path of the real pose model (provisioned by the README's test command)."""
    from formcheck.pose.model_file import ensure_model

    return ensure_model("full")


class _Extractions(dict):  # type: ignore[type-arg]
    """Real MediaPipe extractions by clip path, made on first use (one per session)."""

    def __init__(self, model: Path) -> None:
        super().__init__()
        self.model = model

    def __missing__(self, path: Path):  # type: ignore[no-untyped-def]
        from formcheck.pose.extract import extract_pose

        self[path] = extract_pose(path, model_path=self.model)
        return self[path]


@pytest.fixture(scope="session")
def extractions(pose_model: Path) -> _Extractions:
    """The one session-wide cache of real extractions: ``extractions[path]`` is the
    clip's ``PoseSequence``; the gate, the real-clip and robustness tests share it."""
    return _Extractions(pose_model)


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Streamlit's ``AppTest`` leaves its generated script as ``__main__``; a process
    spawned later in the run (multiprocessing, a Dask worker) re-runs ``__main__`` and
    fails on that script's arguments. Every test gets the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
