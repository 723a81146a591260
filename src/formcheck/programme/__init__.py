"""Home programmes: prescribed steps as data (``plan``), their commented TOML file
(``programme_file``), the Config a step's targets give (``targets``), and adherence
(``adherence``): what a session did against what a step prescribed.
"""

from formcheck.programme.plan import Programme, Step
from formcheck.programme.programme_file import (
    ProgrammeFileError,
    dump_programme,
    load_programme,
    parse_programme,
    save_programme,
)

__all__ = [
    "Programme",
    "Step",
    "ProgrammeFileError",
    "dump_programme",
    "load_programme",
    "parse_programme",
    "save_programme",
]
