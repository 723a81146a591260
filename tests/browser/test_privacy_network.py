"""Privacy, measured: the app contacts no host but the browser's, and serves only this machine.

The server runs as ``streamlit run app.py`` with the repository's own
``.streamlit/config.toml`` (no address given on the command line) under
``strace -f -e trace=network``; Chromium opens the review page (a bundled
sample analysed), then the live page and a short webcam session from a fake
camera. Every ``connect``/``sendto``/``sendmsg`` of the server and its threads
must go to loopback (127.0.0.0/8, ::1), a Unix socket, or an address of this
machine's own interfaces (the WebRTC media between the browser and the server:
Chromium offers no loopback ICE candidates, and the kernel delivers packets to a
local address through loopback: they never leave the machine). The listening
socket must be bound to loopback, and every request the page makes (every
frame, including the WebRTC component's) must go to the app's own address.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import _free_port, _stop, _wait_healthy
from support.browser_support import ARTIFACTS, REPO, SAMPLES, screenshot
from support.netcheck import foreign_contacts, is_loopback, own_addresses, socket_addresses


@pytest.fixture
def traced_app(chromium: Path, pose_model: Path) -> Iterator[tuple[str, Path]]:
    """(url, strace log) of ``streamlit run app.py`` with the repo's config, under strace."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("the network test needs strace (apt-get install -y strace)")
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    trace = ARTIFACTS / "privacy-strace.log"
    log = ARTIFACTS / "privacy-server.log"
    command = [
        strace, "-f", "-qq", "-e", "trace=network", "-o", str(trace),
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true", "--server.port", str(port),
    ]  # fmt: skip
    env = {**os.environ, "FORMCHECK_MODEL": str(pose_model)}
    env.pop("FORMCHECK_ICE_SERVERS", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        _wait_healthy(url, proc, log, timeout_s=90.0)  # strace slows the start
        yield url, trace
    finally:
        _stop(proc)


def _camera_clip(tmp_path: Path) -> Path:
    from test_live_browser import to_y4m

    clip = next(iter(sorted(SAMPLES.glob("sit_to_stand_side.mp4"))), None)
    if clip is None:
        pytest.skip(f"no bundled sample in {SAMPLES}")
    y4m = tmp_path / "camera.y4m"
    to_y4m(clip, y4m, tail_s=1.0)
    return y4m


def _visit(page: Any, url: str) -> None:
    """Review (the landing sample analysed), then the live page with a short webcam session."""
    page.goto(url, wait_until="domcontentloaded")
    metric = page.get_by_test_id("stMetric").filter(has_text="Reps").first
    metric.wait_for(timeout=240_000)
    screenshot(page, "privacy-review")
    page.goto(f"{url}/live?exercise=sit_to_stand", wait_until="domcontentloaded")
    page.get_by_text("Live exercise").first.wait_for(timeout=60_000)
    frame = page.frame_locator("iframe[title*='webrtc']").first
    frame.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60_000)
    page.locator("#fc-rep-count").wait_for(timeout=90_000)
    page.wait_for_timeout(5000)
    screenshot(page, "privacy-live")
    frame.get_by_role("button", name=re.compile("stop", re.I)).click()
    page.wait_for_timeout(3000)


def test_no_contact_beyond_loopback_from_server_or_page(
    traced_app: tuple[str, Path], launch_chromium: Any, tmp_path: Path
) -> None:
    url, trace = traced_app
    y4m = _camera_clip(tmp_path)
    browser = launch_chromium(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda ws: requested.append(ws.url))
    _visit(page, url)
    context.close()
    time.sleep(1.0)  # let the server notice the closed session before the trace is read
    log = trace.read_text()
    hosts = {urllib.parse.urlsplit(u).hostname for u in requested if "://" in u}
    foreign_pages = sorted(h for h in hosts if h not in {"localhost", "127.0.0.1", "::1"})
    assert requested, "the page made no request at all: the test saw nothing"
    assert foreign_pages == [], f"the page asked other hosts: {foreign_pages}"
    port = int(urllib.parse.urlsplit(url).port or 0)
    listening = [a for call, a, p in socket_addresses(log) if call == "bind" and p == port]
    assert listening and all(is_loopback(a) for a in listening), (
        f"the server listens on {listening}, not on loopback only"
    )
    contacts = foreign_contacts(log, frozenset(own_addresses()))
    assert contacts == [], "the server contacted other hosts:\n" + "\n".join(contacts[:20])
