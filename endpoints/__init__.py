"""Thin handlers, one module per service, and the composition root that wires them.

:func:`build_runtime` builds the stores and business-logic services of one process and binds
every handler explicitly to its ``service.action`` and version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from mongoengine import Document

from apiserver import __version__
from apiserver.auth import Authenticator
from apiserver.config import Config
from apiserver.errors import APIError
from apiserver.registry import Binding
from apiserver.rest import RestRoute
from apiserver.schema.model import SchemaSet
from apiserver.stores import Stores, connect_stores
from bll.auth import AUTH_DOCUMENTS, TokenService, UserStore
from bll.bootstrap import Prepared, prepare_storage
from bll.server_info import ServerInfo
from bll.storage_errors import translate_storage_error
from endpoints import auth, debug, events_domain, jobs_domain, server, tasks_domain


@dataclass
class Domain:
    """What one business domain contributes: handlers, documents and store preparation."""

    bindings: list[Binding]
    documents: tuple[type[Document], ...] = ()
    prepare: Callable[[Stores], None] | None = None
    rest_routes: list[RestRoute] = field(default_factory=list)


@dataclass
class Runtime:
    """One process's stores and services, and the handlers bound to them."""

    config: Config
    stores: Stores
    users: UserStore
    tokens: TokenService
    authenticator: Authenticator
    server_info: ServerInfo
    domains: list[Domain] = field(default_factory=list)

    def bindings(self) -> list[Binding]:
        """Return every handler binding of every service module."""
        return [
            *debug.bindings(),
            *server.bindings(self.server_info),
            *auth.bindings(self.tokens),
            *(binding for domain in self.domains for binding in domain.bindings),
        ]

    def rest_routes(self) -> list[RestRoute]:
        """Return the REST routes every domain serves beside its RPC actions."""
        return [route for domain in self.domains for route in domain.rest_routes]

    def prepare(
        self, environ: Mapping[str, str], create_development_credential: bool = False
    ) -> Prepared:
        """Create indexes and index templates and the well-known credentials (idempotent)."""
        documents = AUTH_DOCUMENTS + tuple(d for dom in self.domains for d in dom.documents)
        for domain in self.domains:
            if domain.prepare is not None:
                domain.prepare(self.stores)
        return prepare_storage(self.config, self.stores, environ, documents=documents,
                               create_development_credential=create_development_credential)

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
    runtime = Runtime(config, stores, users, tokens, authenticator, info)
    # NOTE: events first: tasks.reset/delete remove a task's events through it.
    events = events_domain.build(stores, config)
    runtime.domains.append(events.domain)
    runtime.domains.append(tasks_domain.build(stores, config, events.delete_task_events))
    runtime.domains.append(jobs_domain.build(stores, config))
    return runtime
