"""Facts about the running server, reported by ``server.info``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Server software version, latest released API version and build identifier."""

    server_version: str
    api_version: str
    build: str

    def as_dict(self) -> dict[str, str]:
        """Return the facts as the ``server.info`` response."""
        return {
            "server_version": self.server_version,
            "api_version": self.api_version,
            "build": self.build,
        }
