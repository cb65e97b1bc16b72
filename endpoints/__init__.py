"""Thin handlers, one module per service, and the composition root that wires them.

:func:`build_runtime` builds the stores and business-logic services of one process and binds
every handler explicitly to its ``service.action`` and version.
"""

from __future__ import annotations

from dataclasses import dataclass

from apiserver import __version__
from apiserver.auth import Authenticator
from apiserver.config import Config
from apiserver.errors import APIError
from apiserver.registry import Binding
from apiserver.schema.model import SchemaSet
from apiserver.stores import Stores, connect_stores
from bll.auth import TokenService, UserStore
from bll.server_info import ServerInfo
from bll.storage_errors import translate_storage_error
from endpoints import auth, debug, server


@dataclass
class Runtime:
    """One process's stores and services, and the handlers bound to them."""

    stores: Stores
    users: UserStore
    tokens: TokenService
    authenticator: Authenticator
    server_info: ServerInfo

    def bindings(self) -> list[Binding]:
        """Return every handler binding of every service module."""
        return [
            *debug.bindings(),
            *server.bindings(self.server_info),
            *auth.bindings(self.tokens),
        ]

    def translate_error(self, exc: Exception) -> APIError | None:
        """Translate storage exceptions raised by handlers into catalogue errors."""
        return translate_storage_error(exc)

    def close(self) -> None:
        """Close the store clients."""
        self.stores.close()


def server_info(config: Config, schemas: SchemaSet) -> ServerInfo:
    """Return the facts ``server.info`` and tokens report."""
    return ServerInfo(
        server_version=__version__,
        api_version=str(schemas.latest_released_version()),
        build=str(config.get("apiserver.build", "dev")),
    )


def build_runtime(config: Config, schemas: SchemaSet) -> Runtime:
    """Build the stores and services of this process; connections open on first use."""
    stores = connect_stores(config)
    users = UserStore()
    info = server_info(config, schemas)
    tokens: TokenService | None = None

    def is_revoked(session_id: str) -> bool:
        return tokens is not None and tokens.is_revoked(session_id)

    authenticator = Authenticator(
        str(config.get("secure.auth.token_secret")),
        credentials=users.identify,
        is_revoked=is_revoked,
    )
    tokens = TokenService(
        authenticator,
        stores.redis,
        claims={
            "api_version": info.api_version,
            "server_version": info.server_version,
            "server_build": info.build,
            "feature_set": "basic",
        },
        default_expiration=int(config.get("apiserver.auth.default_expiration_sec")),
        max_expiration=int(config.get("apiserver.auth.max_expiration_sec")),
    )
    return Runtime(stores, users, tokens, authenticator, info)
