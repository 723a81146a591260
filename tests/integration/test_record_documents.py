"""The documents that leave the app: the clinician's PDF (read back with poppler's
``pdftotext`` and rendered with ``pdftoppm``) and the FHIR R4 Bundle (parsed back by
``fhir.resources``), their numbers checked against the saved reports."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from formcheck.config import CounterConfig
from formcheck.exercise.clinical import CST_BELOW_AVERAGE
from formcheck.exercise.definitions import DefinitionSettings
from formcheck.record import fhir, pdf
from formcheck.record.capture import from_report
from formcheck.record.store import Record
from support.record_support import cst_report, five_sts_report, flexion_report

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("PDF tests need poppler-utils (apt-get install poppler-utils)")


def _text(data: bytes, tmp: Path) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def _pages(data: bytes, tmp: Path) -> list[Image.Image]:
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp / "page")], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp.glob("page-*.png"))]


@pytest.fixture
def record(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Record.open(f"sqlite:///{tmp_path / 'r.sqlite3'}") as rec:
        rec.add_patient("K-001", name="Mrs K", birth_year=1953, sex="f")
        yield rec


def test_session_pdf_numbers_match_the_report(record: Record, tmp_path: Path) -> None:
    _poppler()
    report = five_sts_report(age=None, sex=None)  # analysed without age: no norm then
    assert "threshold_s" not in report.to_dict()["test"]["norm"]
    sid = record.save("K-001", from_report(report, test="5xsts", recorded_utc=START))
    data = pdf.session_pdf(record.patient("K-001"), record.session(sid))
    text = _text(data, tmp_path)
    d = report.to_dict()
    assert "Patient ID: K-001" in text and "Born: 1953 (age 73 in 2026)" in text
    assert "Five-times sit-to-stand" in text and "stops when the buttocks touch the seat" in text
    assert f"Reps: {d['rep_count']}" in text
    assert f"Mean range of motion: {d['summary']['mean_rom_deg']:.1f} deg" in text
    for rep in d["reps"]:  # the reps table, rep by rep
        line = next(ln for ln in text.splitlines() if ln.split()[:1] == [str(rep["index"])])
        assert f"{rep['start_s']:.1f}" in line and f"{rep['rom_deg']:.1f}" in line
        assert str(rep["score"]) in line
    # the norm at the patient's age in the session's year, with its source
    assert f"{d['test']['time_s']:g} s (valid)" in text
    assert "norm of 12.6 s (Bohannon 2006, age 70-79)" in text
    assert "Percept Mot Skills 2006;103:215-222" in " ".join(text.split())  # the source cited
    assert "Camera view: side" in text and "Person detected in 100% of frames" in text
    assert "trunk 0.3-1.7 deg" in text  # the side view's accuracy figures
    pages = _pages(data, tmp_path)
    assert len(pages) >= 1
    # the charts are drawn: a page has many non-white pixels beyond its text
    assert max(int((np.asarray(p) < 200).sum()) for p in pages) > 5000


def test_progress_pdf_trends_and_comparisons(record: Record, tmp_path: Path) -> None:
    _poppler()
    for week, peak in enumerate((35.0, 45.0, 60.0)):
        record.save("K-001", from_report(flexion_report(peak),
                                         recorded_utc=START + timedelta(weeks=week)))
    for week, period in enumerate((4.0, 3.2)):
        record.save("K-001", from_report(five_sts_report(period, age=None), test="5xsts",
                                         recorded_utc=START + timedelta(weeks=week, days=1)))
    sessions = record.sessions("K-001")
    text = _text(pdf.progress_pdf(record.patient("K-001"), sessions), tmp_path)
    roms = [s.report["summary"]["mean_rom_deg"] for s in sessions if s.exercise == "trunk_flexion"]
    for rom in roms:
        assert f"{rom:.1f}" in text
    assert f"flexion {roms[2] - roms[0]:+.0f} deg since 2 Mar" in " ".join(text.split())
    times = [s.report["test"]["time_s"] for s in sessions if s.test == "5xsts"]
    assert times[1] < times[0]
    flat = " ".join(text.split())
    assert f"{times[0]:.1f} s -> {times[1]:.1f} s" in flat and "faster" in flat
    assert "Norm sources: Bohannon RW" in flat and "5 session(s)" in flat


def _entries(bundle_json: str) -> list[dict]:  # type: ignore[type-arg]
    parsed = fhir.parse_bundle(bundle_json)  # fhir.resources validates it
    assert parsed.type == "collection"
    return [e["resource"] for e in json.loads(bundle_json)["entry"]]


def test_fhir_bundle_codes_and_values(record: Record) -> None:
    five = five_sts_report(age=None)
    cst, arms = cst_report(), cst_report(arms=True)
    flex = flexion_report(55.0)
    for i, (rep, test) in enumerate(((five, "5xsts"), (cst, "30s_cst"), (arms, "30s_cst"),
                                     (flex, None))):  # fmt: skip
        record.save("K-001", from_report(rep, test=test, recorded_utc=START + timedelta(days=i)))
    resources = _entries(fhir.bundle_json(record.patient("K-001"), record.sessions("K-001")))
    patient = resources[0]
    assert patient == {"resourceType": "Patient", "gender": "female", "birthDate": "1953",
                       "identifier": [{"system": fhir.PATIENT_ID_SYSTEM, "value": "K-001"}]}
    assert "Mrs K" not in json.dumps(resources)  # pseudonymous: no name leaves
    obs = [r for r in resources if r["resourceType"] == "Observation"]

    def coded(code: str) -> list[dict]:  # type: ignore[type-arg]
        return [o for o in obs if o["code"]["coding"][0]["code"] == code]

    (chair,) = coded("66247-8")
    assert chair["code"]["coding"][0]["system"] == "http://loinc.org"
    assert chair["valueQuantity"]["value"] == cst.test.stands == 10  # type: ignore[union-attr]
    # analysed as a man of 67; the record's patient is a woman of 73 in 2026: STEADI 70-74, women
    assert chair["referenceRange"][0]["low"]["value"] == CST_BELOW_AVERAGE[(70, 74)][1] == 10
    (with_arms,) = coded("93125-3")
    assert with_arms["valueQuantity"]["value"] == 10 and "Arms used" in with_arms["note"][0]["text"]
    (timed,) = coded("five-times-sit-to-stand-time")
    assert timed["code"]["coding"][0]["system"] == fhir.LOCAL_CODES
    assert timed["valueQuantity"] == {"value": five.test.time_s, "unit": "s",  # type: ignore[union-attr]
                                      "system": "http://unitsofmeasure.org", "code": "s"}
    assert timed["referenceRange"][0]["high"]["value"] == 12.6  # age 73 in 2026
    (rom,) = coded("trunk-flexion-rom")
    assert rom["valueQuantity"]["value"] == pytest.approx(flex.summary()["mean_rom_deg"])
    assert rom["effectiveDateTime"].startswith("2026-03-05T10:00:00")
    assert all(o["subject"]["reference"] == json.loads(
        fhir.bundle_json(record.patient("K-001"), []))["entry"][0]["fullUrl"] for o in obs)


def test_fhir_rom_of_a_taught_exercise_with_its_own_code(record: Record) -> None:
    """A definition file may bring a range-of-motion code the local table lacks: it is
    exported with a meaning from the exercise's title, not refused."""
    from dataclasses import replace

    from formcheck.exercise.definitions import EXERCISES, register_exercise

    flex = flexion_report(55.0)
    taught = replace(EXERCISES["trunk_flexion"], name="forward_reach", title="Forward reach",
                     rom_code="forward-reach-rom", section=None,
                     settings=DefinitionSettings(CounterConfig(20.0, 10.0, 5.0)))  # fmt: skip
    try:
        register_exercise(taught)
        record.save("K-001", replace(from_report(flex, recorded_utc=START),
                                     exercise="forward_reach"))  # fmt: skip
        resources = _entries(fhir.bundle_json(record.patient("K-001"), record.sessions("K-001")))
    finally:
        EXERCISES.pop("forward_reach", None)
    (rom,) = [r for r in resources if r["resourceType"] == "Observation"
              and r["code"]["coding"][0]["code"] == "forward-reach-rom"]  # fmt: skip
    assert rom["code"]["text"] == "Forward reach range of motion, mean per rep (deg)"
    assert rom["valueQuantity"]["value"] == pytest.approx(flex.summary()["mean_rom_deg"])


def test_a_saved_tug_has_its_own_protocol_norm_and_sources(record: Record,
                                                           tmp_path: Path) -> None:  # fmt: skip
    """A TUG analysed without an age is compared at the patient's age in the PDF (73 in
    2026: Bohannon's 70-79 band), with the TUG's protocol and sources, not the 5xSTS's."""
    _poppler()
    from formcheck.exercise.analysis import analyze
    from support.builders import JOINT_CENTRES, TugScript, tug_sequence, uniform_times

    seq = tug_sequence(uniform_times(12.0, 30.0), TugScript())
    report = analyze(seq, "sit_to_stand", test="tug", config=JOINT_CENTRES)
    assert report.test is not None and report.test.valid and "threshold_s" not in report.test.norm
    sid = record.save("K-001", from_report(report, test="tug", recorded_utc=START))
    text = " ".join(_text(pdf.session_pdf(record.patient("K-001"), record.session(sid)),
                          tmp_path).split())  # fmt: skip
    assert "Timed Up and Go" in text and "walk 3 m at a normal pace, turn" in text
    assert f"{report.test.time_s:g} s (valid)" in text
    assert "norm of 10.2 s (Bohannon 2006, age 70-79: mean 9.2 s)" in text
    assert "fall-risk marker >= 12 s (CDC STEADI (older adults): 12 s or more): no" in text
    assert "J Geriatr Phys Ther 2006;29(2):64-68" in text and "Podsiadlo D" in text
    assert "Percept Mot Skills" not in text and "Lusardi" not in text
