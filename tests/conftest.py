"""Shared fixtures: the real clips beside the repo, and the real pose model."""

from __future__ import annotations

import os
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
    from formcheck.model import ensure_model

    return ensure_model("full")
