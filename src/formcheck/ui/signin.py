"""Sign-in for the patient pages when the app is open to the network.

The app listens on localhost by default; then the machine's user is the one
at the keyboard and no sign-in is asked. It is in **network mode** when
Streamlit's ``server.address`` is not a loopback address, or when
``FORMCHECK_NETWORK=1`` (for a reverse proxy in front of a localhost app).
In network mode the patient pages (the Patients page, and saving to a
record) ask for a sign-in first:

- with Streamlit's OIDC login when ``[auth]`` is set in ``.streamlit/secrets.toml``
  (the clinic's identity provider: ``st.login`` / ``st.user``);
- else with a password whose scrypt hash is in ``FORMCHECK_PASSWORD_HASH`` or
  ``[formcheck] password_hash`` in ``.streamlit/secrets.toml``
  (``formcheck hash-password`` makes the hash). With neither, the patient
  pages stay closed and say how to configure one.
"""

from __future__ import annotations

import ipaddress
import os
import time
from typing import Any

import streamlit as st

from formcheck.record.auth import verify

__all__ = ["network_mode", "require_sign_in"]

_SIGNED_IN = "record_signed_in"
_LOOPBACK_NAMES = ("", "localhost", "localhost.localdomain")


def _loopback(address: str) -> bool:
    address = address.strip().strip("[]")
    if address.lower() in _LOOPBACK_NAMES:
        return address != ""  # "" means every interface: Streamlit's own default
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def network_mode() -> bool:
    """True when the app may be reached from other machines."""
    if os.environ.get("FORMCHECK_NETWORK", "").strip() in ("1", "true", "yes"):
        return True
    return not _loopback(str(st.get_option("server.address") or ""))


def _secret(section: str, key: str) -> Any:
    try:
        return st.secrets.get(section, {}).get(key)
    except (FileNotFoundError, KeyError, AttributeError, Exception):  # no secrets file at all
        return None


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file
        return False


def _password_hash() -> str | None:
    return os.environ.get("FORMCHECK_PASSWORD_HASH") or _secret("formcheck", "password_hash")


def require_sign_in(what: str = "patient records") -> bool:
    """True when the user may see ``what``; else draws the sign-in and returns False."""
    if not network_mode():
        return True
    if _oidc_configured():
        if getattr(st.user, "is_logged_in", False):
            return True
        st.info(f"Sign in to see {what}.")
        st.button("Sign in", on_click=st.login, type="primary", key="record_oidc_login")
        return False
    if st.session_state.get(_SIGNED_IN):
        return True
    stored = _password_hash()
    if not stored:
        st.error("This app is open to the network and no sign-in is configured, so patient "
                 "records stay closed. Set FORMCHECK_PASSWORD_HASH (from `formcheck "
                 "hash-password`) or [auth] in .streamlit/secrets.toml.")  # fmt: skip
        return False
    return _password_form(stored, what)


def _password_form(stored: str, what: str) -> bool:
    with st.form("record_sign_in"):
        st.markdown(f"**Sign in to see {what}**")
        password = st.text_input("Password", type="password", key="record_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if verify(password, stored):
            st.session_state[_SIGNED_IN] = True
            st.rerun()
        time.sleep(1.0)  # slows guessing
        st.error("Wrong password.")
    return False
