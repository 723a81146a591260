"""FHIR R4 export of a patient's record: a ``collection`` Bundle, validated by ``fhir.resources``.

The Bundle holds one pseudonymous Patient (the formcheck patient ID as its
identifier, gender and birth year; never the name or notes) and, per saved
session, Observations:

- 30-second chair stand: LOINC **66247-8** "Sit to stand frequency in 30
  seconds", or **93125-3** "Modified 30 seconds Sit to stand --with use of
  upper extremities" when the arms were used (formcheck scores that test 0;
  the export gives the stands counted in the 30 s instead, under 93125-3);
- five-times sit-to-stand time, trunk range of motion (flexion, extension),
  knee range of a sit-to-stand or squat, rep count and mean form score: no
  LOINC code was found for these, so they use formcheck's local code system
  :data:`LOCAL_CODES` (``urn:formcheck:fhir:observation``; codes and
  meanings in :data:`LOCAL_CODE_MEANINGS`, listed in the README).

Values carry UCUM units. A test's norm at the patient's age then is a
``referenceRange`` citing its source. The resources are built as
``fhir.resources.R4B`` models (R4B leaves Patient, Observation and Bundle as
they are in R4 4.0.1, and ``fhir.resources`` ships no R4 package), so building
the Bundle validates it; :func:`parse_bundle` reads one back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

from formcheck.exercise.definitions import EXERCISES
from formcheck.record.norms import test_norm
from formcheck.record.store import Patient, SavedSession

__all__ = [
    "LOCAL_CODES",
    "LOCAL_CODE_MEANINGS",
    "LOINC",
    "PATIENT_ID_SYSTEM",
    "bundle",
    "bundle_json",
    "parse_bundle",
]

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
LOCAL_CODES: Final = "urn:formcheck:fhir:observation"
PATIENT_ID_SYSTEM: Final = "urn:formcheck:patient-id"
SESSION_ID_SYSTEM: Final = "urn:formcheck:session"
CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
MODIFIED_CST: Final = "Modified 30 seconds Sit to stand --with use of upper extremities"
_NS: Final = uuid.UUID("6f1f7a52-5f0c-4a7e-9d0e-3c2b7f1c9a11")

LOCAL_CODE_MEANINGS: Final = {
    "five-times-sit-to-stand-time": "Five-times sit-to-stand test time (s), from rise onset",
    "trunk-flexion-rom": "Standing trunk flexion range of motion, mean per rep (deg), "
    "trunk inclination against the vertical",
    "back-extension-rom": "Standing back extension range of motion, mean per rep (deg)",
    "knee-rom": "Knee flexion range of a sit-to-stand or squat, mean per rep (deg)",
    "lateral-flexion-rom": "Standing side bending (trunk lateral flexion) range of motion, mean "
    "per rep to either side (deg)",
    "rep-count": "Number of complete repetitions counted in the session",
    "mean-form-score": "Mean formcheck form score per rep (0-100)",
}


def _uuid(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, ':'.join(str(p) for p in parts))}"


def _local(code: str, meaning: str | None = None) -> dict[str, Any]:
    """A local code; ``meaning`` for one a definition file brought (not in the table)."""
    display = LOCAL_CODE_MEANINGS.get(code, meaning or code)
    return {"coding": [{"system": LOCAL_CODES, "code": code, "display": display}],
            "text": display}  # fmt: skip


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def patient_resource(patient: Patient) -> dict[str, Any]:
    """The pseudonymous Patient: identifier, gender and birth year only."""
    out: dict[str, Any] = {"resourceType": "Patient",
                           "identifier": [{"system": PATIENT_ID_SYSTEM, "value": patient.code}]}
    if patient.sex:
        out["gender"] = "female" if patient.sex == "f" else "male"
    if patient.birth_year is not None:
        out["birthDate"] = f"{patient.birth_year:04d}"
    return out


def _observation(
    session: SavedSession, subject: str, key: str, code: dict[str, Any], value: dict[str, Any],
) -> dict[str, Any]:
    report = session.report
    return {
        "resourceType": "Observation",
        "identifier": [{"system": SESSION_ID_SYSTEM, "value": f"{session.id}:{key}"}],
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "exam", "display": "Exam"}]}],
        "code": code,
        "subject": {"reference": subject},
        "effectiveDateTime": session.recorded_utc.astimezone(UTC).isoformat(),
        "valueQuantity": value,
        "method": {"text": f"formcheck {session.formcheck_version} video pose analysis, "
                           f"{report.get('view', 'unknown')} camera view"},
    }  # fmt: skip


def _reference_range(test: dict[str, Any], norm: dict[str, Any]) -> list[dict[str, Any]]:
    ref = norm.get("reference")
    if test.get("test") == "5xsts" and norm.get("threshold_s") is not None:
        return [{"high": _quantity(float(norm["threshold_s"]), "s", "s"),
                 "text": f"at or faster than the average for age ({ref})"}]  # fmt: skip
    if test.get("test") == "30s_cst" and norm.get("below_average_if_fewer_than") is not None:
        low = float(norm["below_average_if_fewer_than"])
        return [{"low": _quantity(low, "stands/30 s", "{#}/(30.s)"),
                 "text": f"fewer is below average ({ref})"}]  # fmt: skip
    return []


def _stands_counted(report: dict[str, Any], duration_s: float = 30.0) -> int:
    """Stands reached within the 30 s from the first rise (for 93125-3, arms used)."""
    reps = report.get("reps") or []
    if not reps:
        return 0
    end = float(reps[0]["start_s"]) + duration_s
    return sum(1 for r in reps if float(r.get("extreme_s", r["end_s"])) <= end)


def _test_observation(
    session: SavedSession, patient: Patient, subject: str
) -> dict[str, Any] | None:
    test = session.report.get("test") or {}
    notes = [str(n) for n in test.get("notes", [])]
    arms = any("arms" in n.lower() for n in notes)
    if test.get("test") == "30s_cst" and test.get("stands") is not None:
        if arms:
            code = _loinc("93125-3", MODIFIED_CST)
            value = float(_stands_counted(session.report))
        else:
            code = _loinc("66247-8", "Sit to stand frequency in 30 seconds")
            value = float(test["stands"])
        obs = _observation(session, subject, "test", code,
                           _quantity(value, "stands/30 s", "{#}/(30.s)"))
    elif test.get("test") == "5xsts" and test.get("time_s") is not None:
        obs = _observation(session, subject, "test", _local("five-times-sit-to-stand-time"),
                           _quantity(float(test["time_s"]), "s", "s"))
    else:
        return None
    norm = test_norm(test, patient.age_on(session.recorded_utc), patient.sex)
    if (ranges := _reference_range(test, norm)) and not arms:
        obs["referenceRange"] = ranges
    if notes or not test.get("valid"):
        obs["note"] = [{"text": "; ".join(notes) or "not a valid test"}]
    return obs


def session_observations(
    session: SavedSession, patient: Patient, subject: str
) -> list[dict[str, Any]]:
    """The Observations of one saved session (test, range of motion, reps, score)."""
    out: list[dict[str, Any]] = []
    if (test := _test_observation(session, patient, subject)) is not None:
        out.append(test)
    summary = session.report.get("summary") or {}
    rom = summary.get("mean_rom_deg")
    spec = EXERCISES.get(session.exercise)
    if rom is not None and spec is not None and spec.rom_code:
        meaning = f"{spec.title} range of motion, mean per rep (deg)"
        out.append(_observation(session, subject, "rom", _local(spec.rom_code, meaning),
                                _quantity(float(rom), "deg", "deg")))
    out.append(_observation(session, subject, "reps", _local("rep-count"),
                            _quantity(float(session.report.get("rep_count") or 0), "reps", "1")))
    if summary.get("mean_score") is not None:
        out.append(_observation(session, subject, "score", _local("mean-form-score"),
                                _quantity(float(summary["mean_score"]), "score", "1")))
    return out


def bundle(patient: Patient, sessions: list[SavedSession]) -> Any:
    """The validated ``fhir.resources`` Bundle of a patient's record."""
    from fhir.resources.R4B.bundle import Bundle

    subject = _uuid("patient", patient.code)
    entries = [{"fullUrl": subject, "resource": patient_resource(patient)}]
    for session in sessions:
        for obs in session_observations(session, patient, subject):
            key = obs["identifier"][0]["value"]
            entries.append({"fullUrl": _uuid("observation", patient.code, key), "resource": obs})
    doc = {"resourceType": "Bundle", "type": "collection",
           "timestamp": datetime.now(UTC).isoformat(), "entry": entries}  # fmt: skip
    return Bundle.model_validate(doc)


def bundle_json(patient: Patient, sessions: list[SavedSession]) -> str:
    """The Bundle as FHIR JSON text."""
    return bundle(patient, sessions).model_dump_json(exclude_none=True, indent=2)


def parse_bundle(text: str | bytes) -> Any:
    """Read a Bundle back (raises pydantic's ValidationError when it is not valid FHIR)."""
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate_json(text)
