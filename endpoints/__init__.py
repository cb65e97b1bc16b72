"""Thin handlers, one module per service, bound explicitly to ``service.action`` + version."""

from __future__ import annotations

from dataclasses import dataclass

from apiserver.registry import Binding
from bll.server_info import ServerInfo
from endpoints import debug, server


@dataclass(frozen=True, slots=True)
class Services:
    """The business-logic objects handlers delegate to, built by the app factory."""

    server_info: ServerInfo


def all_bindings(services: Services) -> list[Binding]:
    """Return every handler binding of every service module."""
    return [
        *debug.bindings(),
        *server.bindings(services.server_info),
    ]
