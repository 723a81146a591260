"""The patient record: saved sessions, progress over weeks, the clinician's PDF and FHIR.

- :mod:`~formcheck.record.database`: where the record is (SQLite file by
  default, any SQLAlchemy URL), Alembic migrations, one-line failures;
- :mod:`~formcheck.record.store`: :class:`Record` (patients, saves, histories);
- :mod:`~formcheck.record.capture`: what a save stores (:class:`NewSession`);
- :mod:`~formcheck.record.trends`: progress across sessions, norms at the
  session's age, comparisons in words;
- :mod:`~formcheck.record.charts`: the trend charts (Altair, as in the app);
- :mod:`~formcheck.record.pdf`: the clinician's PDF report;
- :mod:`~formcheck.record.fhir`: the FHIR R4 export;
- :mod:`~formcheck.record.transfer`: export/import of a patient (backup, moving);
- :mod:`~formcheck.record.programmes`: home programmes (stored as their TOML
  file) and the saved summaries of programme sessions.

Nothing here imports Streamlit; nothing is stored unless a caller saves it.
Submodules are imported on use, so ``import formcheck.record`` is light.
"""

from __future__ import annotations

__all__: list[str] = []
