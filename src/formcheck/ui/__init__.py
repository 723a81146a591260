"""formcheck's Streamlit app (the only package besides ``app.py`` that imports streamlit).

Pages: :mod:`~formcheck.ui.review` (a clip -> measured review) and
:mod:`~formcheck.ui.live` (webcam, live feedback). Streamlit-free parts
(:mod:`~formcheck.ui.engine`, :mod:`~formcheck.ui.pipeline`,
:mod:`~formcheck.ui.upload`, :mod:`~formcheck.ui.rtc`) are tested without a
browser. Nothing is imported here, so importing the package has no cost.
"""

__all__: list[str] = []
