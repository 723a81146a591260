"""A two-step home programme run live in a real Chromium, by voice and in large type.

The fake camera plays two sample clips joined end to end (built here with PyAV):
trunk flexion (3 reps), 8 s with nobody in view (walking to the chair),
then sit-to-stand (3 reps), and a still tail. The programme prescribes 1 x 3 trunk
flexions to a target, a rest, then 1 x 3 sit-to-stands. Pressed START once, the
page must: show step 1 with its set, rep and target; count its reps and show
each rep's ROM against the target; count the rest down; change to step 2 by
itself and count its reps; speak cues through an audio element that plays
(``--autoplay-policy=no-user-gesture-required``); end with the summary (6/6
reps, ROM against target), which is saved to a throwaway record. Screenshots at
1280x720 go to ``test-artifacts/programme-live-*.png``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from conftest import serve_app
from support.browser_support import ARTIFACTS, SAMPLES

WIDTH, HEIGHT, FPS = 640, 480, 15
LEAD_S, HOLD_S, GAP_S, TAIL_S = 3.0, 1.5, 8.0, 12.0
TARGET_DEG = 55.0
HOLD_AT_TARGET_S = 0.3
REST_S = 8.0  # shorter than the gap: the next step's set-up starts with nobody in view
TIMEOUT_S = 300.0
# records, in the page, every play and end of an audio element (the spoken cues)
LISTEN = """
window.fcAudio = [];
for (const kind of ['play', 'ended']) {
  document.addEventListener(kind, (e) => window.fcAudio.push(
    [kind, e.target.dataset ? e.target.dataset.text : null, e.target.id]), true);
}
"""


def _letterbox(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    scale = min(WIDTH / w, HEIGHT / h)
    small = cv2.resize(rgb, (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    out = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    y, x = (HEIGHT - small.shape[0]) // 2, (WIDTH - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def build_camera(clips: list[Path], dest: Path) -> list[float]:
    """The clips end to end as a 640x480 y4m at ``FPS``: each clip's first frame held
    ``LEAD_S`` (the first clip: while WebRTC connects) and its last ``HOLD_S`` (the last
    rep settles), ``GAP_S`` of an empty (black) picture between them, the very last
    frame held ``TAIL_S``; returns each clip's start (s)."""
    from formcheck.pose.video import open_video

    starts: list[float] = []
    blank = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    with av.open(str(dest), mode="w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        n, last = 0, blank

        def put(rgb: np.ndarray) -> None:
            nonlocal n
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
            n += 1

        for k, clip in enumerate(clips):
            if k:
                for _ in range(round(GAP_S * FPS)):
                    put(blank)
            starts.append(n / FPS)
            begin = n
            with open_video(clip) as reader:
                for i, (t, rgb) in enumerate(reader):  # resampled to a constant FPS by time
                    last = _letterbox(rgb)
                    for _ in range(round(LEAD_S * FPS) if i == 0 else 0):
                        put(last)
                        begin += 1
                    while (n - begin) / FPS <= t:
                        put(last)
            for _ in range(round(HOLD_S * FPS) if k + 1 < len(clips) else 0):
                put(last)
        for _ in range(round(TAIL_S * FPS)):
            put(last)
        out.mux(stream.encode(None))
    return starts


def _programme(truth: list[dict[str, Any]]) -> str:
    return f"""format = 1
title = "Browser test programme"

[[step]]
exercise = "{truth[0]["exercise"]}"
sets = 1
reps = {truth[0]["rep_count"]}
target_deg = {TARGET_DEG}
hold_s = {HOLD_AT_TARGET_S}
rest_s = {REST_S}
notes = "Bend slowly."

[[step]]
exercise = "{truth[1]["exercise"]}"
sets = 1
reps = {truth[1]["rep_count"]}
"""


READ = """(() => Object.fromEntries(
  ['step', 'set', 'rep', 'target', 'rom', 'rest', 'next', 'set-done', 'hold'].map((k) => {
    const node = document.getElementById('fc-' + k);
    return [k, node ? node.innerText.trim() : null];
  })))()"""


def _text(page: Any, ident: str) -> str | None:
    node = page.locator(f"#{ident}")
    return node.first.inner_text().strip() if node.count() else None


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"programme-live-{name}.png"))  # the 1280x720 viewport


def _watch(page: Any, shots: dict[str, bool]) -> list[dict[str, Any]]:
    """Poll the status column until the summary shows; every distinct reading, in order
    (read in one evaluation, so a reading is one state of the page)."""
    seen: list[dict[str, Any]] = []
    started = time.monotonic()
    while time.monotonic() - started < TIMEOUT_S:
        stopped = page.get_by_text("Live analysis stopped")
        if stopped.count():
            _shot(page, "error")
            pytest.fail(stopped.first.inner_text())
        if page.locator("#fc-summary-reps").count():
            break
        now = page.evaluate(READ)
        if not seen or {k: v for k, v in seen[-1].items() if k != "s"} != now:
            seen.append({**now, "s": round(time.monotonic() - started, 1)})
        exercising = now["rest"] is None and now["rep"] is not None
        for name, when in (("step1", exercising and now["rom"] not in (None, "—")),
                           ("rest", now["rest"] is not None),
                           ("step2", exercising and (now["step"] or "").startswith("Sit"))):
            if when and not shots.get(name):
                shots[name] = True
                _shot(page, name)
        page.wait_for_timeout(200)
    return seen


def test_a_two_step_programme_runs_live_by_voice_and_large_type(
    launch_chromium: Any, pose_model: Path, tmp_path: Path
) -> None:
    from formcheck.speech.voice import find_espeak

    if find_espeak() is None:
        pytest.skip("the spoken cues need espeak-ng (apt-get install espeak-ng; .ci/run does)")
    names = ["trunk_flexion_side", "sit_to_stand_side"]
    truth = [json.loads((SAMPLES / f"{n}.json").read_text()) for n in names]
    camera = tmp_path / "camera.y4m"
    build_camera([SAMPLES / f"{n}.mp4" for n in names], camera)
    programme = tmp_path / "programme.toml"
    programme.write_text(_programme(truth))
    db = tmp_path / "record.sqlite3"
    env = {"FORMCHECK_DB": str(db), "FORMCHECK_MODEL": str(pose_model)}
    with serve_app("streamlit-programme.log", env=env) as url:
        browser = launch_chromium(
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
            "--autoplay-policy=no-user-gesture-required",
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.add_init_script(LISTEN)
        page.goto(f"{url}/live?mode=programme", wait_until="domcontentloaded")
        page.get_by_text("Your programme file").first.wait_for(timeout=60_000)
        page.locator("input[type='file']").set_input_files(str(programme))
        page.get_by_text("Your programme: Browser test programme").wait_for(timeout=30_000)
        _shot(page, "loaded")
        frame = page.frame_locator("iframe[title*='webrtc']").first
        frame.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60_000)
        page.locator("#fc-step").wait_for(timeout=90_000)
        shots: dict[str, bool] = {}
        try:
            seen = _watch(page, shots)
        finally:
            (ARTIFACTS / "programme-live-readings.json").write_text(json.dumps(
                locals().get("seen", []), indent=1))  # fmt: skip
        audio = page.evaluate("window.fcAudio")
        page.wait_for_timeout(1500)
        _shot(page, "summary")
        print("readings:", json.dumps(seen))
        print("audio events:", audio)

        step1 = [r for r in seen if (r["step"] or "").startswith("Standing trunk flexion")]
        step2 = [r for r in seen if (r["step"] or "").startswith("Sit-to-stand")]
        assert step1 and step2, f"the step never changed: {seen}"
        assert seen.index(step2[0]) > seen.index(step1[-1])  # step 1, then step 2
        reps1 = {r["rep"] for r in step1 if r["rest"] is None and r["rep"]}
        n1, n2 = truth[0]["rep_count"], truth[1]["rep_count"]
        assert {f"{k}/{n1}" for k in range(n1)} <= reps1, reps1  # 0/3, 1/3, 2/3 on screen
        assert all(r["set"] == "1/1" for r in step1 + step2 if r["rest"] is None and r["set"])
        assert {r["target"] for r in step1 if r["rest"] is None} == {f"{TARGET_DEG:.0f}°"}
        roms = {int(r["rom"].rstrip("°")) for r in step1 if r["rom"] and r["rom"] != "—"}
        assert roms and all(0.8 * TARGET_DEG - 15 < rom < TARGET_DEG + 20 for rom in roms), roms
        rests = [r["rest"] for r in seen if r["rest"]]
        counted = sorted({int(v.split()[0]) for v in rests}, reverse=True)
        assert len(counted) >= 2 and counted[0] >= REST_S - 1, f"no countdown: {rests}"
        # (a reading may fall between two of the page's updates: one element not yet drawn)
        assert {r["set-done"] for r in seen if r["rest"] and r["set-done"]} == {f"{n1}/{n1} reps"}
        assert {r["next"] for r in seen if r["rest"] and r["next"]} == {"Sit-to-stand"}
        holds = {r["hold"] for r in step1 if r["hold"]}
        assert any(h != f"Hold 0.0 / {HOLD_AT_TARGET_S:g} s" for h in holds), holds  # timed
        assert all(r["hold"] is None for r in step2 if r["rest"] is None), "step 2 has no hold"
        reps2 = {r["rep"] for r in step2 if r["rest"] is None and r["rep"]}
        assert {f"{k}/{n2}" for k in range(n2)} <= reps2, reps2

        ended = [text for kind, text, ident in audio if kind == "ended" and ident == "fc-speech"]
        started = [text for kind, text, ident in audio if kind == "play" and ident == "fc-speech"]
        assert started == ended, f"a phrase was cut short by the next: {audio}"  # one at a time
        assert any(t and t.startswith("Standing trunk flexion") for t in ended), audio
        assert any(t and "Rest. Next: Sit-to-stand" in t for t in ended), audio
        assert "1" in ended and "2" in ended, audio  # counts spoken
        played = page.evaluate("(() => { const a = document.getElementById('fc-speech');"
                               " return a ? [a.played.length, a.currentTime] : null; })()")
        assert played is None or played[0] >= 1  # the last cue element played too

        assert _text(page, "fc-summary-reps") == f"{n1 + n2}/{n1 + n2}"
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for(timeout=30_000)
        assert not db.exists()  # nothing stored before the patient saves
        _save(page)
        _shot(page, "saved")
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT exercise, report FROM sessions ORDER BY id").fetchall()
        summaries = con.execute("SELECT title, adherence FROM programme_sessions").fetchall()
    assert len(summaries) == 1 and summaries[0][0] == "Browser test programme"
    assert json.loads(summaries[0][1])["reps_done"] == n1 + n2
    assert [r[0] for r in rows] == [truth[0]["exercise"], truth[1]["exercise"]]
    saved = [json.loads(r[1]) for r in rows]
    assert [r["rep_count"] for r in saved] == [n1, n2]
    step1_adherence = saved[0]["programme"]["adherence"]
    assert step1_adherence["reps_done"] == n1 and step1_adherence["target_deg"] == TARGET_DEG
    held = sum(bool(rep["hold_reached"]) for rep in saved[0]["reps"])
    assert step1_adherence["holds_achieved"] == held
    assert step1_adherence["mean_rom_deg"] == pytest.approx(
        np.mean([rep["rom_deg"] for rep in saved[0]["reps"]]), abs=0.1)


def _save(page: Any) -> None:
    page.get_by_role("button", name="Save to a patient's record").click()
    page.get_by_label("Patient ID (a pseudonym, not the name)").fill("P-100")
    page.get_by_label("Patient ID (a pseudonym, not the name)").press("Enter")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(re.compile(r"Saved as sessions \d+, \d+ in patient P-100")).wait_for(
        timeout=30_000)
