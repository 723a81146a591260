"""Shared constants and helpers of the browser tests (imported by conftest and the tests)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SAMPLES = Path(os.environ.get("FORMCHECK_SAMPLES") or REPO / "sample_videos")


def screenshot(page: Any, name: str) -> Path:
    """Full-page screenshot into ``test-artifacts/<name>.png`` (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
