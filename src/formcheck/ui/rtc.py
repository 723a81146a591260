"""WebRTC configuration for the live page: no ICE servers on localhost, configurable for remote use.

On ``localhost`` (browser and app on the same machine) WebRTC needs no STUN
or TURN server, and formcheck uses none by default, so nothing is contacted.
For a remote deployment give the ICE servers, first found wins:

1. the environment variable ``FORMCHECK_ICE_SERVERS``: a JSON list, e.g.
   ``[{"urls": "stun:stun.example.org:3478"},
   {"urls": "turn:turn.example.org:3478", "username": "u", "credential": "p"}]``;
2. ``.streamlit/secrets.toml``::

       [[ice_servers]]
       urls = ["stun:stun.example.org:3478"]

       [[ice_servers]]
       urls = ["turn:turn.example.org:3478"]
       username = "user"
       credential = "secret"

Each entry is an RTCIceServer (``urls`` required; ``username`` and
``credential`` for TURN). An invalid value raises ``ValueError`` naming it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["ENV_VAR", "ice_servers_from", "rtc_configuration"]

ENV_VAR = "FORMCHECK_ICE_SERVERS"


def ice_servers_from(value: Any, source: str) -> list[dict[str, Any]]:
    """Validate a list of RTCIceServer mappings (from JSON or TOML) and return plain dicts."""
    if not isinstance(value, list):
        raise ValueError(f"{source}: ICE servers must be a list of {{urls, username, credential}}")
    servers = []
    for i, entry in enumerate(value):
        if not isinstance(entry, Mapping) or "urls" not in entry:
            raise ValueError(f"{source}: ICE server #{i + 1} must be a table with 'urls'")
        allowed = {k: entry[k] for k in ("urls", "username", "credential") if k in entry}
        urls = allowed["urls"]
        allowed["urls"] = list(urls) if isinstance(urls, list | tuple) else str(urls)
        servers.append(dict(allowed))
    return servers


def rtc_configuration(
    env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``{"iceServers": [...]}`` for ``webrtc_streamer``; an empty list unless configured."""
    env = os.environ if env is None else env
    raw = env.get(ENV_VAR, "").strip()
    if raw:
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ValueError(f"{ENV_VAR} is not valid JSON: {err.msg}") from None
        return {"iceServers": ice_servers_from(parsed, ENV_VAR)}
    if secrets is not None and "ice_servers" in secrets:
        return {"iceServers": ice_servers_from(list(secrets["ice_servers"]), "secrets.toml")}
    return {"iceServers": []}
