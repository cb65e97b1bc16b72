"""The app factory: configuration in, a ready Falcon app out. Importing starts nothing.

``create_app`` is also the composition root: unless a test hands it its own bindings, it asks
``endpoints.build_runtime`` for the project's stores, services and handler bindings.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import falcon

from apiserver.auth import Authenticator
from apiserver.config import DEFAULT_SCHEMAS_DIR, Config, load_config
from apiserver.dispatch import Dispatcher, DispatchSettings, ErrorTranslator
from apiserver.docs_page import add_doc_routes
from apiserver.errors import ConfigError
from apiserver.registry import Binding, EndpointRegistry
from apiserver.rest import RestRoute, add_rest_routes
from apiserver.schema.compiler import CompiledSchemaSet, compile_schemas
from apiserver.schema.loader import load_schemas
from apiserver.schema.model import SchemaSet

if TYPE_CHECKING:
    from endpoints import Runtime

BindingsFactory = Callable[[SchemaSet, Config], Iterable[Binding]]
UNDECLARED_MODES = ("drop", "reject")
RESPONSE_MODES = ("error", "log", "off")


def schemas_dir(config: Config) -> Path:
    """Return the configured schema folder, or the project's service_schemas/."""
    configured = config.get("apiserver.schemas_dir", "")
    return Path(configured) if configured else DEFAULT_SCHEMAS_DIR


def load_compiled(config: Config) -> CompiledSchemaSet:
    """Load and compile the configured schemas; raise a named StartupError if broken."""
    return compile_schemas(load_schemas(schemas_dir(config)))


def build_runtime(config: Config, compiled: CompiledSchemaSet) -> Runtime:
    """Build the project's stores, services and bindings (connections open lazily)."""
    from endpoints import build_runtime as build

    return build(config, compiled.schemas)


def check_bindings(
    config: Config, compiled: CompiledSchemaSet
) -> tuple[EndpointRegistry, list[RestRoute]]:
    """Bind the project's handlers to the schemas without serving; raise if they do not fit.

    Returns the registry and the REST routes, for commands that describe the API.
    """
    runtime = build_runtime(config, compiled)
    try:
        return EndpointRegistry(compiled, runtime.bindings()), runtime.rest_routes()
    finally:
        runtime.close()


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
    compiled: CompiledSchemaSet | None = None,
    bindings: BindingsFactory | None = None,
    authenticator: Authenticator | None = None,
    runtime: Runtime | None = None,
) -> falcon.App:
    """Build the WSGI app; schemas are compiled here (or handed in), once.

    The app serves the handlers of ``bindings`` when given (tests), else the project's
    handlers of ``runtime``; a runtime not handed in is built here from the configuration
    (and closed at process exit) unless ``bindings`` make it unnecessary. Authentication and
    storage-error translation come from the runtime when there is one.
    """
    config = config or load_config()
    compiled = compiled or load_compiled(config)
    if bindings is not None:
        handlers = list(bindings(compiled.schemas, config))
    else:
        if runtime is None:
            runtime = build_runtime(config, compiled)
            atexit.register(runtime.close)
        handlers = runtime.bindings()
    registry = EndpointRegistry(compiled, handlers)
    translate: ErrorTranslator | None = None
    if runtime is not None:
        authenticator = authenticator or runtime.authenticator
        translate = runtime.translate_error
    authenticator = authenticator or Authenticator(str(config.get("secure.auth.token_secret")))
    dispatcher = Dispatcher(registry, authenticator, dispatch_settings(config), translate)
    app = falcon.App(cors_enable=True)
    rest_routes = runtime.rest_routes() if runtime is not None else []
    add_doc_routes(app, registry, rest_routes)
    if rest_routes:
        add_rest_routes(app, registry, authenticator, rest_routes, translate,
                        dispatch_settings(config))
    app.add_sink(dispatcher, prefix="/")
    return app
