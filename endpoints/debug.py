"""``debug`` service: liveness."""

from __future__ import annotations

from apiserver.call import Call
from apiserver.registry import Binding

PING_MESSAGE = "ClearML server"


def ping(call: Call) -> dict[str, str]:
    """Answer that the server is alive."""
    return {"msg": PING_MESSAGE}


def bindings() -> list[Binding]:
    """Bind the debug handlers."""
    return [Binding("debug.ping", "1.0", ping)]
