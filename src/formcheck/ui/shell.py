"""The app's frame: page setup, navigation (review first, live one click away), privacy note."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from formcheck.ui.boundary import page_guard

__all__ = ["PRIVACY_NOTE", "main"]

_ICON = Path(__file__).with_name("favicon.png")

PRIVACY_NOTE = (
    "**Privacy.** Video is processed on the computer running this app. Nothing is sent "
    "anywhere else, and nothing is saved unless you download it or save it to a patient's "
    "record. An uploaded clip is "
    "written to disk only while it is analysed; it and its measurements stay in memory "
    "for this browser session only, so that changing an option is instant."
)


def main(app_dir: Path) -> None:
    """Run one script pass of the app whose ``app.py`` lives in ``app_dir``."""
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("formcheck").setLevel(logging.INFO)
    # a bundled PNG, served by this app: an emoji or ":material/...:" icon makes the page
    # fetch the icon from fonts.gstatic.com
    st.set_page_config(page_title="formcheck", page_icon=str(_ICON), layout="wide")
    st.session_state.setdefault("app_dir", str(app_dir))
    pages = [
        st.Page(_review, title="Review a clip", icon=":material/video_library:",
                url_path="review", default=True),
        st.Page(_live, title="Live exercise (webcam)", icon=":material/videocam:",
                url_path="live"),
        st.Page(_patients, title="Patients", icon=":material/folder_shared:",
                url_path="patients"),
        st.Page(_teach, title="Teach an exercise", icon=":material/school:", url_path="teach"),
    ]
    current = st.navigation(pages, position="top")
    with st.sidebar:
        st.markdown("### formcheck")
        st.caption("Movement checker for back-pain rehabilitation.")
        st.info(PRIVACY_NOTE)
    with page_guard(current.title):
        current.run()


def _review() -> None:
    from formcheck.ui.review import review_page

    review_page(Path(st.session_state["app_dir"]))


def _patients() -> None:
    from formcheck.ui.patients import patients_page

    patients_page()


def _teach() -> None:
    from formcheck.ui.teach import teach_page

    teach_page(Path(st.session_state["app_dir"]))


def _live() -> None:
    from formcheck.ui.live import live_page

    live_page()
