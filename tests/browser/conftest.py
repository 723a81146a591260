"""Real-browser fixtures: the app as a subprocess and Debian's Chromium driven by Playwright.

``app_url`` starts ``streamlit run app.py`` on a free port (waits for
``/_stcore/health``, always terminates it); ``launch_chromium(*extra_args)``
starts Chromium with the flags this machine's closed network needs. Tests
skip with a clear reason when ``/usr/bin/chromium`` or Playwright is absent.
Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from support.browser_support import ARTIFACTS, REPO

CHROMIUM = Path(os.environ.get("FORMCHECK_CHROMIUM", "/usr/bin/chromium"))
BASE_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
STARTUP_TIMEOUT_S = 60.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path,
                  timeout_s: float = STARTUP_TIMEOUT_S) -> None:  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text()[-2000:]
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {tail}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy in {timeout_s:.0f} s")


@contextmanager
def serve_app(log_name: str, *, prefix: Sequence[str] = (), script_args: Sequence[str] = (),
              env: Mapping[str, str] | None = None, timeout_s: float = STARTUP_TIMEOUT_S,
              host: str = "127.0.0.1") -> Iterator[str]:  # fmt: skip
    """``streamlit run app.py`` on a free port (``prefix``: a wrapper such as strace;
    ``script_args``: the app's own, after ``--``), logged to ``test-artifacts/<log_name>``;
    yields its URL once healthy and always stops it."""
    ARTIFACTS.mkdir(exist_ok=True)
    port, log = _free_port(), ARTIFACTS / log_name
    command = [
        *prefix, sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", host, "--browser.gatherUsageStats", "false",
        *(("--", *script_args) if script_args else ()),
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})}, start_new_session=True)
    url = f"http://{host}:{port}"
    try:
        _wait_healthy(url, proc, log, timeout_s)
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def app_url(chromium: Path, pose_model: Path) -> Iterator[str]:
    """URL of the app started as ``streamlit run app.py`` on a free port (stopped afterwards)."""
    with serve_app("streamlit-server.log", env={"FORMCHECK_MODEL": str(pose_model)}) as url:
        yield url


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def playwright_instance(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def launch_chromium(playwright_instance: Any, chromium: Path) -> Iterator[Callable[..., Any]]:
    """``launch_chromium(*extra_args)`` -> a Playwright Browser (closed after the test)."""
    browsers: list[Any] = []

    def launch(*extra_args: str) -> Any:
        browser = playwright_instance.chromium.launch(
            executable_path=str(chromium), args=[*BASE_ARGS, *extra_args], headless=True
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()
