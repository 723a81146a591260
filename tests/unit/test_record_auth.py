"""Network mode and its password: when the patient pages ask for a sign-in, and the hash check."""

from __future__ import annotations

import pytest

from formcheck.record.auth import hash_password, verify


def test_password_hash_round_trip() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify("correct horse", stored)
    assert not verify("correct hors", stored)
    assert hash_password("correct horse") != stored  # salted
    assert not verify("x", "not a hash") and not verify("x", "md5$1$2$3$4$5")
    with pytest.raises(ValueError, match="empty"):
        hash_password("")


@pytest.mark.parametrize(
    ("address", "env", "network"),
    [
        ("localhost", "", False),
        ("127.0.0.1", "", False),
        ("::1", "", False),
        ("[::1]", "", False),
        ("", "", True),  # Streamlit's own default: every interface
        ("0.0.0.0", "", True),
        ("192.0.2.10", "", True),
        ("clinic-server", "", True),
        ("127.0.0.1", "1", True),  # behind a reverse proxy
    ],
)
def test_network_mode(address: str, env: str, network: bool, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import streamlit as st

    from formcheck.ui import signin

    monkeypatch.setenv("FORMCHECK_NETWORK", env)
    # a stand-in for Streamlit's option lookup: the point here is the decision, not Streamlit
    monkeypatch.setattr(st, "get_option", lambda name: address if name == "server.address" else 0)
    assert signin.network_mode() is network


def test_hash_password_command(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from formcheck.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert main(["hash-password"]) == 0
    assert verify("s3cret", capsys.readouterr().out.strip())
