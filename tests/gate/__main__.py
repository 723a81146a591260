"""Re-record the accuracy gate's figures (a deliberate act): ``python -m tests.gate record``.

``record-new`` records only clips that have no figures yet (a clip added to the
set), leaving every recorded figure as it was. Without either it only compares,
like the test suite. Run from the repository root.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.gate.measure import run_gate

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    if argv not in ([], ["record"], ["record-new"]):
        print("usage: python -m tests.gate [record | record-new]", file=sys.stderr)
        return 2
    fails = run_gate(
        ROOT / "sample_videos",
        ROOT / "tests" / "gate" / "figures.json",
        record=bool(argv),
        only_new=argv == ["record-new"],
        log=lambda m: print(m, file=sys.stderr),
    )
    for line in fails:
        print(f"FAIL {line}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
