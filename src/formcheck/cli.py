"""The ``formcheck`` command: a thin dispatcher over ``formcheck.commands``.

Each subcommand lives in its own module with ``register(subparsers)``; the
handler it sets returns an exit code. Our own failures (``FormcheckError``)
and bad arguments print one line on stderr and exit non-zero, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from formcheck.commands import COMMANDS
from formcheck.errors import FormcheckError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Movement checker for back-pain rehabilitation exercises.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except FormcheckError as err:
        print(f"formcheck: {err}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as err:
        print(f"formcheck: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
