"""Placeholder."""
from __future__ import annotations

import streamlit as st

__all__ = ["show"]
def show(result) -> None:
    st.json(result.report)
