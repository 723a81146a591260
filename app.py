"""formcheck's web app: ``streamlit run app.py`` (opens on a bundled sample clip, no webcam needed).

Everything lives in :mod:`formcheck.ui`; this file only starts it.
"""

from pathlib import Path

from formcheck.ui.shell import main

main(Path(__file__).resolve().parent)
