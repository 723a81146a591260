"""Passwords for network mode, without Streamlit: scrypt hashes and their check.

A hash is ``scrypt$N$r$p$<salt b64>$<key b64>`` (hashlib's scrypt, N=2^15,
r=8, p=1, 16-byte salt, 32-byte key): ``formcheck hash-password`` makes one for
the app's configuration; :func:`verify` checks a password in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

__all__ = ["hash_password", "verify"]

_N, _R, _P = 2**15, 8, 1
_MAXMEM: Final = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (raises ValueError for an empty one)."""
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(key).decode()}"


def verify(password: str, stored: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (False for a malformed hash)."""
    try:
        kind, n, r, p, salt, key = stored.strip().split("$")
        if kind != "scrypt":
            return False
        want = base64.b64decode(key)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=_MAXMEM, dklen=len(want))  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)
