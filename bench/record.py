"""Speed of the patient record on SQLite: a save, a 50-session history, a 50-session PDF.

Run: ``.venv/bin/python bench/record.py [--db URL]``. Targets (issue #11): saving
one session < 100 ms and loading a 50-session history < 100 ms on SQLite; a
progress PDF of 50 sessions < 5 s (including vl-convert's first start in the
process). Sessions are real analyses of synthetic 16-20 s clips (30 fps),
curves included. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from formcheck.record import pdf, trends  # noqa: E402
from formcheck.record.capture import from_report  # noqa: E402
from formcheck.record.store import Record  # noqa: E402
from support.record_support import five_sts_report, flexion_report  # noqa: E402

N = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as folder:
        _run(args.db or f"sqlite:///{folder}/record.sqlite3")


def _run(url: str) -> None:
    reports = [flexion_report(35.0 + 0.5 * i) if i % 2 else five_sts_report(3.2 + 0.02 * i)
               for i in range(N)]  # fmt: skip
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with Record.open(url) as record:
        record.add_patient("BENCH-1", birth_year=1952, sex="f")
        saves = []
        for i, report in enumerate(reports):
            new = from_report(report, test=report.test.test if report.test else None,
                              recorded_utc=start + timedelta(days=2 * i))  # fmt: skip
            t0 = time.perf_counter()
            record.save("BENCH-1", new)
            saves.append(time.perf_counter() - t0)
        loads = []
        for _ in range(10):
            t0 = time.perf_counter()
            sessions = record.sessions("BENCH-1")
            trend = {k: trends.points(v, record.patient("BENCH-1"))
                     for k, v in trends.by_exercise(sessions).items()}  # fmt: skip
            loads.append(time.perf_counter() - t0)
        assert sum(len(v) for v in trend.values()) == N
        t0 = time.perf_counter()
        data = pdf.progress_pdf(record.patient("BENCH-1"), sessions)
        pdf_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf.progress_pdf(record.patient("BENCH-1"), sessions)
        pdf_warm_s = time.perf_counter() - t0
    print(f"database: {url}")
    print(f"save one session: median {1000 * statistics.median(saves):.1f} ms, "
          f"max {1000 * max(saves):.1f} ms (target < 100 ms)")
    print(f"load a {N}-session history with trends: median "
          f"{1000 * statistics.median(loads):.1f} ms, max {1000 * max(loads):.1f} ms "
          "(target < 100 ms)")
    print(f"progress PDF of {N} sessions: {pdf_s:.2f} s first in the process, "
          f"{pdf_warm_s:.2f} s after (target < 5 s); {len(data) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
