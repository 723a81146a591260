"""Home programmes: prescribed steps as data (``plan``), their commented TOML file
(``programme_file``), the Config a step's targets give (``targets``), and adherence
(``adherence``): what a session did against what a step prescribed.
"""

from formcheck.programme.adherence import (
    ProgrammeAdherence,
    StepAdherence,
    format_adherence,
    step_adherence,
)
from formcheck.programme.plan import Programme, Step
from formcheck.programme.programme_file import (
    ProgrammeFileError,
    dump_programme,
    load_programme,
    parse_programme,
    programme_from_rows,
    programme_rows,
    save_programme,
)
from formcheck.programme.targets import step_config

__all__ = [
    "Programme",
    "Step",
    "ProgrammeFileError",
    "dump_programme",
    "load_programme",
    "parse_programme",
    "save_programme",
    "programme_from_rows",
    "programme_rows",
    "step_config",
    "StepAdherence",
    "ProgrammeAdherence",
    "step_adherence",
    "format_adherence",
]
