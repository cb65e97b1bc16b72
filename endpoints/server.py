"""``server`` service: facts about this server."""

from __future__ import annotations

from apiserver.call import Call
from apiserver.registry import Binding
from bll.server_info import ServerInfo


def bindings(info: ServerInfo) -> list[Binding]:
    """Bind the server handlers to the server facts."""

    def server_info(call: Call) -> dict[str, str]:
        """Report server version, latest released API version and build."""
        return info.as_dict()

    return [Binding("server.info", "1.0", server_info)]
