"""Subcommands of the ``formcheck`` CLI, one module each.

A module here defines ``register(subparsers)`` which adds its parser and
sets ``handler`` (a function ``(argparse.Namespace) -> int`` exit code).
Heavy imports belong inside the handler, so ``formcheck --help`` stays fast.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["COMMANDS"]

_NAMES = ("model", "pose", "analyze", "programme", "record", "batch")


def _load() -> tuple[ModuleType, ...]:
    modules = []
    for name in _NAMES:
        try:
            modules.append(importlib.import_module(f"formcheck.commands.{name}"))
        except ModuleNotFoundError as err:
            if err.name != f"formcheck.commands.{name}":
                raise
    return tuple(modules)


COMMANDS: tuple[ModuleType, ...] = _load()
