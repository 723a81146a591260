"""A programme step's targets as configuration: the one typed path of every threshold.

:func:`step_config` returns the :class:`~formcheck.config.Config` that analyses a
step: its ``[target]`` section (``deg``, ``hold_s``) set from the step. The
precedence is: defaults, a config file, the step, then ``--set`` flags, so a
per-patient override (``--set target.count_share=0.6``, a gentler share after
surgery) still wins over the programme.
"""

from __future__ import annotations

from collections.abc import Iterable

from formcheck.config import Config, apply_overrides, parse_set
from formcheck.programme.plan import Step

__all__ = ["step_config"]


def step_config(config: Config, step: Step, overrides: Iterable[str] = ()) -> Config:
    """``config`` with ``step``'s target and hold, then the ``key=value`` ``overrides``."""
    target = {"deg": step.target_deg or 0.0, "hold_s": step.hold_s or 0.0}
    config = apply_overrides(config, {"target": target})
    sets = parse_set(overrides)
    return apply_overrides(config, sets) if sets else config
