"""Placeholder."""
from __future__ import annotations

import streamlit as st

__all__ = ["live_page"]
def live_page() -> None:
    st.title("Live")
