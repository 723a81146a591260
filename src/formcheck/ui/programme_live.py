"""The live page running a home programme: load it, press START once, be guided through it.

The patient loads the programme file their physiotherapist gave them (or the
bundled example), sets the voice (mute, volume) and presses START. The engine
(:func:`formcheck.ui.engine.make_programme_engine`) takes every step and set in
turn with no click: the status column shows the step, the set and the rep
against the prescription and the target in large type (readable at 3 m), the
set-up guidance of the step's exercise, the hold and the rest countdown. At the
end (or at STOP) comes the summary with the adherence, and an explicit "Save to
a patient's record".

Spoken cues: the video callback thread decides what to say (the announcer, one
phrase at a time) and puts it on a queue; this page's loop synthesises it with
espeak-ng (:class:`formcheck.speech.Voice`, cached per phrase, about 10 ms) and
plays it through an ``<audio autoplay>`` element fed by a data URL, replaced per
phrase. The callback never waits for any of this. Without espeak-ng the page
says so and the cues stay on screen.
"""

from __future__ import annotations

import html
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from formcheck.config import Config
from formcheck.errors import FormcheckError
from formcheck.exercise.definitions import EXERCISES
from formcheck.programme import (
    Programme,
    ProgrammeAdherence,
    ProgrammeFileError,
    parse_programme,
    step_adherence,
)
from formcheck.programme.runner import (
    DONE,
    REST,
    ProgrammeResult,
    RunnerState,
    programme_phrases,
)
from formcheck.record.capture import NewSession, report_series
from formcheck.speech.announcer import Phrase, estimate_duration_s
from formcheck.speech.voice import MISSING, SpeechUnavailable, Voice, data_url, with_volume
from formcheck.ui import record_panel
from formcheck.ui.engine import LiveEngine, LiveUpdate, make_programme_engine

__all__ = ["programme_page", "EXAMPLE"]

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "back_pain_programme.toml"
_LIVE, _SUMMARY, _POLL_S = "programme_live", "programme_summary", 0.25
_FROM_RECORD = "programme_from_record_id"  # (saved programme number, patient) when loaded


@st.cache_resource(show_spinner=False)
def _voice(name: str, words_per_minute: int) -> Voice:
    """One voice per process: phrases are the programme's words, never the patient's."""
    return Voice(name, words_per_minute)


@dataclass
class _Live:
    """This browser session's programme engine and the phrases it wants said."""

    programme: Programme
    config: Config
    engine: LiveEngine[RunnerState, ProgrammeResult]
    phrases: queue.Queue[Phrase] = field(default_factory=lambda: queue.Queue(maxsize=8))
    done: bool = False  # the programme ended: frames pass through untouched until STOP
    speaking_until: float = 0.0  # time.monotonic() when the phrase playing ends (across reruns)
    said: int = 0  # phrases played so far

    def callback(self, make_callback: Any) -> Any:
        inner = make_callback(self.engine)
        return lambda frame: frame if self.done else inner(frame)


def _voice_or_problem(config: Config) -> tuple[Voice | None, str | None]:
    try:
        return _voice(config.speech.voice, config.speech.words_per_minute), None
    except SpeechUnavailable as err:
        return None, str(err) or MISSING


def _live_for(programme: Programme, config: Config, voice: Voice | None) -> _Live:
    held: _Live | None = st.session_state.get(_LIVE)
    if held is not None and (held.programme, held.config) == (programme, config):
        return held
    if held is not None:
        held.engine.close()
    phrases: queue.Queue[Phrase] = queue.Queue(maxsize=8)

    def duration(text: str) -> float:
        known = voice.duration_s(text) if voice is not None else None
        return known if known is not None else estimate_duration_s(text)

    engine = make_programme_engine(programme, phrases.put_nowait, config=config,
                                   duration_s=duration)  # fmt: skip
    engine.warm_up()
    if voice is not None:  # say the fixed words once now, so their lengths are known
        threading.Thread(target=_prepare, args=(voice, programme), daemon=True).start()
    live = _Live(programme, config, engine, phrases)
    st.session_state[_LIVE] = live
    return live


def _prepare(voice: Voice, programme: Programme) -> None:
    for text in programme_phrases(programme):
        try:
            voice.wav(text)
        except (SpeechUnavailable, ValueError):
            return


# -- choosing the programme ------------------------------------------------------------
def _choose() -> Programme | None:
    """The programme to run: an uploaded file, else one from the record or the bundled
    example if chosen. The record is opened only when asked."""
    left, right = st.columns([3, 2])
    upload = left.file_uploader("Your programme file (.toml, from your physiotherapist)",
                                type=["toml"], key="programme_file")  # fmt: skip
    from_record = right.checkbox("From a patient's record", key="programme_from_record",
                                 disabled=upload is not None)  # fmt: skip
    use_example = right.checkbox("Use the example programme (low back pain)",
                                 key="programme_example",
                                 disabled=upload is not None or from_record)  # fmt: skip
    st.session_state[_FROM_RECORD] = None
    if upload is not None:
        return _parse(upload.getvalue(), upload.name)
    if from_record:
        return _from_record()
    if use_example and EXAMPLE.is_file():
        return _parse(EXAMPLE.read_bytes(), EXAMPLE.name)
    st.info("Load the programme file your physiotherapist gave you, or try the example.")
    return None


def _from_record() -> Programme | None:
    """The chosen patient's current programme from the record (None: none, or no record)."""
    from formcheck.record.programmes import latest_programme
    from formcheck.ui.signin import require_sign_in

    if not require_sign_in("patient records"):
        return None
    try:
        record = record_panel.open_record()
        codes = [p.code for p in record.patients()]
        if not codes:
            st.info(f"No patient in the record ({record.where}) yet.")
            return None
        code = st.selectbox("Patient", codes, key="programme_record_patient")
        saved = latest_programme(record, str(code))
    except FormcheckError as err:
        st.error(f"{err}. Load the programme file instead.")
        return None
    if saved is None:
        st.info(f"Patient {code} has no programme in the record: the physiotherapist "
                "builds one on the Patients page.")  # fmt: skip
        return None
    st.session_state[_FROM_RECORD] = (saved.id, saved.patient)
    return saved.programme


def _parse(data: bytes, name: str) -> Programme | None:
    try:
        return parse_programme(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        st.error(f"{name}: not a text file; a programme is a .toml text file")
    except ProgrammeFileError as err:
        st.error(f"{name} cannot be used:  \n" + "  \n".join(f"- {p}" for p in err.problems))
    return None


def _speech_controls(problem: str | None) -> tuple[bool, float]:
    """(muted, volume 0..1) from the page's switch and slider."""
    if problem:
        st.warning(problem)
        return True, 0.0
    left, right = st.columns([1, 3])
    muted = left.toggle("Mute the voice", key="programme_mute")
    volume = right.slider("Voice volume", 0, 100, 80, step=5, key="programme_volume",
                          disabled=muted, format="%d %%")  # fmt: skip
    return muted, volume / 100


# -- the page ---------------------------------------------------------------------------
def programme_page(config: Config, streamer: Any, make_callback: Any) -> None:
    """The live page in programme mode (``streamer(callback)``: the webcam widget).

    The video and the large status come first, so that they fill a laptop screen
    seen from 3 m; the programme file and the voice controls follow below them.
    """
    st.markdown(_COMPACT, unsafe_allow_html=True)
    top, below = st.container(), st.container()
    with below:
        programme = _choose()
        if programme is None:
            return
        voice, problem = _voice_or_problem(config)
        muted, volume = _speech_controls(problem)
        n = len(programme.steps)
        with st.expander(f"Your programme: {programme.title} ({n} step{'s' * (n != 1)})"):
            _plan(programme)
    live = _live_for(programme, config, voice)
    with top:
        video_col, status_col = st.columns([2, 3])
        with video_col:
            ctx = streamer(live.callback(make_callback))
            speech_slot = st.empty()
        with status_col:
            status = st.empty()
    summary = st.session_state.get(_SUMMARY)
    if ctx.state.playing and (summary is None or summary["stopped"]):
        st.session_state.pop(_SUMMARY, None)
        live.done = False
        speaker = _Speaker(live, voice, muted, volume, speech_slot)
        _follow(live, status, speaker)
        return
    if not ctx.state.playing:
        _stopped(live)
    with status.container():
        _summary_or_intro(programme)


# less white space above the page's title: the status must fit a 1280x720 screen
_COMPACT = ("<style>.block-container, [data-testid='stMainBlockContainer'] "
            "{padding-top: 1.5rem}</style>")


def _plan(programme: Programme) -> None:
    if programme.notes:
        st.markdown(html.escape(programme.notes))
    for n, step in enumerate(programme.steps, 1):
        notes = f" — {html.escape(step.notes)}" if step.notes else ""
        st.markdown(f"**{n}.** {html.escape(step.describe())}{notes}")


class _Speaker:
    """Plays the engine's phrases one after the other (page thread). When the phrase
    playing ends is kept on ``live`` (a rerun of the page must not cut it short)."""

    def __init__(self, live: _Live, voice: Voice | None, muted: bool, volume: float,
                 slot: Any) -> None:  # fmt: skip
        self.live, self.phrases = live, live.phrases
        self.voice, self.muted, self.volume = voice, muted, volume
        self.slot = slot
        self.waiting: Phrase | None = None
        self.failed = False

    @property
    def busy_until(self) -> float:
        return self.live.speaking_until

    def tick(self) -> None:
        """Start the next phrase if the last one has ended (never cuts one short)."""
        if self.waiting is None:
            try:
                self.waiting = self.phrases.get_nowait()
            except queue.Empty:
                return
        if self.muted or self.voice is None or self.failed:
            self.waiting = None  # dropped: the cue is on screen anyway
            return
        now = time.monotonic()
        if now < self.busy_until:
            return
        phrase, self.waiting = self.waiting, None
        try:
            wav = with_volume(self.voice.wav(phrase.text), self.volume)
        except SpeechUnavailable as err:
            self.failed = True
            self.slot.warning(f"{err}. The cues stay on screen.")
            return
        self.live.said += 1
        self.live.speaking_until = now + (self.voice.duration_s(phrase.text) or 1.0) + 0.15
        self.slot.markdown(
            f'<audio id="fc-speech" data-seq="{self.live.said}" data-text="'
            f'{html.escape(phrase.text)}" autoplay src="{data_url(wav)}"></audio>'
            f'<div style="color:#555">Said: {html.escape(phrase.text)}</div>',
            unsafe_allow_html=True,
        )


def _follow(live: _Live, status: Any, speaker: _Speaker) -> None:
    """Show the newest update and speak, until the stream stops or the programme ends.

    As on the one-exercise page, every pass makes an ``st`` call so that a stop
    request (STOP, a closed tab) ends this run.
    """
    with status.container():
        slots = _Slots()
    slots.cue.info("Waiting for the camera picture...")
    while True:
        try:
            update = live.engine.results.get(timeout=_POLL_S)
        except queue.Empty:
            slots.beat.empty()
            speaker.tick()
            continue
        while not live.engine.results.empty():
            update = live.engine.results.get_nowait()
        slots.show(update)
        speaker.tick()
        state = update.programme
        if state is not None and state.stage == DONE:
            live.done = True
            _finish_speaking(speaker)
            _keep_summary(live.engine.finish(), stopped=False)
            st.rerun()
        time.sleep(_POLL_S)


def _finish_speaking(speaker: _Speaker) -> None:
    """Let the last words ("Programme complete") be said before the page changes."""
    deadline = time.monotonic() + 6.0
    while time.monotonic() < deadline and (speaker.waiting is not None
                                           or not speaker.phrases.empty()):  # fmt: skip
        speaker.tick()
        time.sleep(0.1)
    while time.monotonic() < min(speaker.busy_until, deadline):
        time.sleep(0.1)


def _big(label: str, value: str, ident: str, size: float = 4.6) -> str:
    return (f'<div style="font-size:1.3rem;color:#444;margin-top:0.4rem">{label}</div>'
            f'<div id="{ident}" data-fc="{ident}" style="font-size:{size}rem;font-weight:800;'
            f'line-height:1.05">{value}</div>')  # fmt: skip


def _cue_html(text: str, level: str) -> str:
    from formcheck.render.overlay import CUE_COLOURS

    r, g, b = CUE_COLOURS.get(level, CUE_COLOURS["info"])
    return (f'<div id="fc-cue" data-fc="fc-cue" style="background:rgb({r},{g},{b});color:white;'
            f'font-size:2.4rem;font-weight:700;padding:0.5rem 1rem;border-radius:0.6rem;'
            f'margin:0.6rem 0">{html.escape(text)}</div>')  # fmt: skip


class _Slots:
    """The status column's placeholders, updated in place."""

    def __init__(self) -> None:
        self.step = st.empty()
        left, right = st.columns(2)
        self.set, self.rep = left.empty(), right.empty()
        left, right = st.columns(2)
        self.target, self.rom = left.empty(), right.empty()
        self.extra, self.cue = st.empty(), st.empty()
        self.setup, self.notes = st.empty(), st.empty()
        self.beat = st.empty()

    def show(self, update: LiveUpdate) -> None:
        if update.error:
            self.cue.error(f"Live analysis stopped: {update.error}")
            return
        s = update.programme
        if s is None:
            return
        self.step.markdown(_big(f"Step {s.step} of {s.steps}", html.escape(s.title),
                                "fc-step", 3.0), unsafe_allow_html=True)  # fmt: skip
        if s.stage == REST:
            self._rest(s)
        else:
            self._exercise(s, update)
        self.notes.caption(html.escape(s.notes))

    def _exercise(self, s: Any, update: LiveUpdate) -> None:
        self.set.markdown(_big("Set", f"{s.set_number}/{s.sets}", "fc-set"),
                          unsafe_allow_html=True)  # fmt: skip
        if s.reps_per_set is not None:
            rep = f"{s.reps}/{s.reps_per_set}"
        else:
            rep = f"{s.reps} · {s.set_remaining_s or 0:.0f} s left"
        self.rep.markdown(_big("Rep", rep, "fc-rep"), unsafe_allow_html=True)
        target = f"{s.target_deg:.0f}°" if s.target_deg is not None else "—"
        self.target.markdown(_big("Target", target, "fc-target"), unsafe_allow_html=True)
        self.rom.markdown(_big("Last rep", _rom_text(s), "fc-rom"), unsafe_allow_html=True)
        self.extra.markdown(_hold_text(s), unsafe_allow_html=True)
        ov = update.overlay
        cue = ov.cue or ("Step into view" if not update.person else "")
        level = ov.cue_level if ov.cue else ("warn" if not update.person else "good")
        self.cue.markdown(_cue_html(cue, level) if cue else "", unsafe_allow_html=True)
        self.setup.caption("  \n".join(update.setup[1:]) or _instructions(s.exercise))

    def _rest(self, s: Any) -> None:
        self.set.markdown(_big("Rest", f"{s.rest_remaining_s:.0f} s", "fc-rest"),
                          unsafe_allow_html=True)  # fmt: skip
        nxt = s.next_title if s.set_number == 1 else f"set {s.set_number} of {s.sets}"
        self.rep.markdown(_big("Next", html.escape(str(nxt)), "fc-next", 2.6),
                          unsafe_allow_html=True)  # fmt: skip
        reps, of = s.last_set or (0, None)
        done = f"{reps}" if of is None else f"{reps}/{of}"
        self.target.markdown(_big("Set done", f"{done} reps", "fc-set-done", 2.6),
                             unsafe_allow_html=True)  # fmt: skip
        self.rom.markdown(_big("Last rep", _rom_text(s), "fc-rom", 2.6), unsafe_allow_html=True)
        self.extra.empty()
        self.cue.markdown(_cue_html(f"Rest · next: {nxt}", "info"), unsafe_allow_html=True)
        self.setup.caption(_instructions(s.exercise))


def _rom_text(s: Any) -> str:
    if s.last_rom_deg is None:
        return "—"
    reached = s.target_deg is None or s.last_rom_deg >= s.target_deg
    colour = "#1b7f3b" if reached else "#b45309"
    return f'<span style="color:{colour}">{s.last_rom_deg:.0f}°</span>'


def _hold_text(s: Any) -> str:
    if not s.hold_s:
        return ""
    held = s.hold_elapsed_s or 0.0
    return (f'<div id="fc-hold" style="font-size:2.4rem;font-weight:700">Hold '
            f"{min(held, s.hold_s):.1f} / {s.hold_s:g} s</div>")  # fmt: skip


def _instructions(exercise: str) -> str:
    spec = EXERCISES[exercise]
    return (f"{spec.title}: {spec.setup[:1].lower()}{spec.setup[1:]}, 2-3 m away, whole body "
            "in view (feet too); formcheck finds your posture as you come into view, so you "
            "can start at once.")


# -- the end ----------------------------------------------------------------------------
def _stopped(live: _Live) -> None:
    """After STOP: the programme so far as the summary (unless it ended by itself)."""
    summary = st.session_state.get(_SUMMARY)
    if live.engine.frames == 0:
        if summary is not None:
            summary["stopped"] = True
        return
    result = live.engine.finish()
    if summary is None and result is not None:
        _keep_summary(result, stopped=True)
    elif summary is not None:
        summary["stopped"] = True


def _keep_summary(result: ProgrammeResult | None, *, stopped: bool) -> None:
    if result is None:
        return
    steps = [step_adherence(step, reports, n)
             for n, (step, reports) in enumerate(zip(result.programme.steps, result.reports,
                                                     strict=False), 1)]  # fmt: skip
    adherence = ProgrammeAdherence.of(result.programme, steps)
    sets = [(n, k, report) for n, reports in enumerate(result.reports, 1)
            for k, report in enumerate(reports, 1)]  # fmt: skip
    st.session_state[_SUMMARY] = {
        "adherence": adherence.to_dict(),
        "sets": [(n, k, r.to_dict(), report_series(r)) for n, k, r in sets],
        "title": result.programme.title,
        "stopped": stopped,
    }


def _summary_or_intro(programme: Programme) -> None:
    summary = st.session_state.get(_SUMMARY)
    if summary is None:
        st.markdown(_big("Programme", html.escape(programme.title), "fc-programme", 2.4),
                    unsafe_allow_html=True)  # fmt: skip
        st.info("Press START. formcheck takes you through every step by voice and on "
                "screen; there is nothing to click until the end.")
        return
    adherence = summary["adherence"]
    if not summary["stopped"]:
        st.success("Programme complete. Press STOP to turn the camera off.")
    st.subheader("Programme summary")
    st.markdown(_big("Reps", f"{adherence['reps_done']}/{adherence['reps_prescribed']}",
                     "fc-summary-reps", 3.6), unsafe_allow_html=True)  # fmt: skip
    st.dataframe([_row(s) for s in adherence["steps"]], hide_index=True)
    payload = json.dumps({"adherence": adherence,
                          "sets": [r for _, _, r, _ in summary["sets"]]}, indent=2)  # fmt: skip
    st.download_button("Programme summary (JSON)", payload.encode("utf-8"),
                       file_name="formcheck-programme.json", mime="application/json")
    record_panel.save_panel(lambda _keep: _to_record(summary), "programme", can_keep_video=False,
                            also=lambda record, code: _save_summary(record, code, summary))


def _save_summary(record: Any, code: str, summary: dict[str, Any]) -> None:
    """The programme session's summary beside its sets (listed on the Patients page),
    linked to the saved programme it followed when it came from this patient's record."""
    from formcheck.record.programmes import save_programme_summary

    loaded = st.session_state.get(_FROM_RECORD)
    programme_id = loaded[0] if loaded is not None and loaded[1] == code else None
    save_programme_summary(record, code, summary["adherence"], programme_id=programme_id)


def _row(step: dict[str, Any]) -> dict[str, Any]:
    title = EXERCISES[step["exercise"]].title
    reps = (f"{step['reps_done']}/{step['reps_prescribed']}" if step["reps_prescribed"]
            else f"{step['reps_done']} in {step['duration_done_s']:.0f} s")  # fmt: skip
    rom = "—" if step["mean_rom_deg"] is None else f"{step['mean_rom_deg']:.0f}°"
    if step["best_rom_deg"] is not None:
        rom += f" (best {step['best_rom_deg']:.0f}°)"
    target = "—" if step["target_deg"] is None else (
        f"{step['target_deg']:.0f}° ({step['reps_at_target']} reached)")  # fmt: skip
    holds = "—" if step["holds_achieved"] is None else (
        f"{step['holds_achieved']}/{step['reps_done']} held {step['hold_s']:g} s")  # fmt: skip
    return {"step": step["step"], "exercise": title,
            "sets": f"{step['sets_recorded']}/{step['sets_prescribed']}", "reps": reps,
            "ROM": rom, "target": target, "holds": holds}  # fmt: skip


def _to_record(summary: dict[str, Any]) -> list[NewSession]:
    """One record session per set done, each report carrying its step's adherence."""
    from formcheck.record.capture import model_sha256

    by_step = {s["step"]: s for s in summary["adherence"]["steps"]}
    made = []
    for n, k, report, curves in summary["sets"]:
        report = {**report, "programme": {"title": summary["title"], "step": n, "set": k,
                                          "adherence": by_step.get(n)}}  # fmt: skip
        made.append(NewSession(exercise=str(report.get("exercise")), test=None, report=report,
                               curves=curves, source="live", model_sha256=model_sha256()))
    if not made:
        raise FormcheckError("no set was done: nothing to save")
    return made
