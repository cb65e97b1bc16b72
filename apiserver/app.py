"""The app factory: configuration in, a ready Falcon app out. Importing starts nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import falcon

from apiserver import __version__
from apiserver.auth import Authenticator
from apiserver.config import DEFAULT_SCHEMAS_DIR, Config, load_config
from apiserver.dispatch import Dispatcher, DispatchSettings
from apiserver.errors import ConfigError
from apiserver.registry import Binding, EndpointRegistry
from apiserver.schema.loader import load_schemas
from apiserver.schema.model import SchemaSet
from bll.server_info import ServerInfo

BindingsFactory = Callable[[SchemaSet, Config], Iterable[Binding]]
UNDECLARED_MODES = ("drop", "reject")
RESPONSE_MODES = ("error", "log", "off")


def schemas_dir(config: Config) -> Path:
    """Return the configured schema folder, or the project's service_schemas/."""
    configured = config.get("apiserver.schemas_dir", "")
    return Path(configured) if configured else DEFAULT_SCHEMAS_DIR


def default_bindings(schemas: SchemaSet, config: Config) -> list[Binding]:
    """Build the project's services and return every handler binding."""
    from endpoints import Services, all_bindings

    info = ServerInfo(
        server_version=__version__,
        api_version=str(schemas.latest_released_version()),
        build=str(config.get("apiserver.build", "dev")),
    )
    return all_bindings(Services(server_info=info))


def build_registry(config: Config, bindings: BindingsFactory | None = None) -> EndpointRegistry:
    """Load and compile the schemas and bind the handlers; raise StartupError if broken."""
    schemas = load_schemas(schemas_dir(config))
    return EndpointRegistry(schemas, (bindings or default_bindings)(schemas, config))


def dispatch_settings(config: Config) -> DispatchSettings:
    """Read the request-handling switches from the configuration."""
    undeclared = config.get("apiserver.validation.undeclared_fields", "drop")
    responses = config.get("apiserver.validation.responses", "log")
    if undeclared not in UNDECLARED_MODES:
        raise ConfigError(
            f"apiserver.validation.undeclared_fields must be one of {UNDECLARED_MODES}"
        )
    if responses not in RESPONSE_MODES:
        raise ConfigError(f"apiserver.validation.responses must be one of {RESPONSE_MODES}")
    if config.get("apiserver.dev_mode", False):
        responses = "error"
    return DispatchSettings(
        reject_undeclared=undeclared == "reject",
        response_check=responses,
        return_stack=bool(config.get("apiserver.return_stack", False)),
    )


def create_app(
    config: Config | None = None,
    *,
    bindings: BindingsFactory | None = None,
    authenticator: Authenticator | None = None,
    registry: EndpointRegistry | None = None,
) -> falcon.App:
    """Build the WSGI app: registry, validators and collaborators are made here, once.

    A ``registry`` built beforehand (e.g. in the gunicorn master, before forking) is used as
    is; otherwise one is built from the configuration and ``bindings``.
    """
    config = config or load_config()
    registry = registry or build_registry(config, bindings)
    authenticator = authenticator or Authenticator(str(config.get("secure.auth.token_secret")))
    dispatcher = Dispatcher(registry, authenticator, dispatch_settings(config))
    app = falcon.App(cors_enable=True)
    app.add_sink(dispatcher, prefix="/")
    return app
