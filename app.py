"""formcheck's web app: ``streamlit run app.py`` (opens on a bundled sample clip, no webcam needed).

Everything lives in :mod:`formcheck.ui`; this file only starts it. The guard
keeps a ``multiprocessing`` child (which re-imports the main module as
``__mp_main__``) from starting the app.
"""

from pathlib import Path

from formcheck.ui.shell import main

if __name__ == "__main__":
    main(Path(__file__).resolve().parent)
