"""formcheck's web app: ``streamlit run app.py`` (opens on a bundled sample clip, no webcam needed).

Everything lives in :mod:`formcheck.ui`; this file only starts it. The guard
keeps a ``multiprocessing`` child (which re-imports the main module as
``__mp_main__``) from starting the app. The app serves this machine only
(``.streamlit/config.toml``); served on a network, it says so once on the
terminal.
"""

import os
import sys
from pathlib import Path

import streamlit as st

from formcheck.ui.shell import main

_LOCAL = ("localhost", "127.", "::1", "unix://")


@st.cache_resource(show_spinner=False)
def _warn_if_served_on_network() -> None:
    """One warning per server process when it listens beyond this machine."""
    address = str(st.get_option("server.address") or "0.0.0.0")
    if not address.startswith(_LOCAL):
        print(
            f"formcheck: WARNING: serving on {address}, not this machine only: anyone who can "
            "reach it on the network can open the app and its clips and camera (README, Privacy)",
            file=sys.stderr,
            flush=True,
        )


def _config_from_args(argv: list[str]) -> None:
    """``streamlit run app.py -- --config FILE`` (``./dev app -- --config FILE``): the pages
    use FILE's settings, as ``formcheck analyze --config FILE`` does (FORMCHECK_CONFIG)."""
    if "--config" in argv[:-1]:
        path = Path(argv[argv.index("--config") + 1]).expanduser().resolve()
        os.environ["FORMCHECK_CONFIG"] = str(path)


if __name__ == "__main__":
    _config_from_args(sys.argv[1:])
    _warn_if_served_on_network()
    main(Path(__file__).resolve().parent)
