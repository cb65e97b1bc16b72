"""Serve the app with gunicorn, with the configuration built once in the CLI."""

from __future__ import annotations

import gc
from typing import Any

import falcon
from gunicorn.app.base import BaseApplication

from apiserver.app import build_registry, create_app
from apiserver.config import Config, load_config
from apiserver.registry import EndpointRegistry


def freeze_heap() -> None:
    """Move everything built so far out of the garbage collector's sight.

    PERF: the compiled schemas are a large, long-lived heap; without this, every full
    collection walks it again (about 10 % of debug.ping throughput), and after a fork the
    walk also un-shares the memory pages the workers inherited.
    """
    gc.collect()
    gc.freeze()


def wsgi_app() -> falcon.App:
    """Build the app from the default layers (env included) for a gunicorn command line.

    Usage: ``gunicorn -w 4 -b 0.0.0.0:8008 'apiserver.server:wsgi_app()'``.
    """
    app = create_app(load_config())
    freeze_heap()
    return app


class GunicornServer(BaseApplication):
    """A gunicorn application whose workers each build the app from one configuration."""

    def __init__(self, config: Config, registry: EndpointRegistry, options: dict[str, Any]) -> None:
        self._config = config
        self._registry = registry
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the WSGI app in the worker."""
        app = create_app(self._config, registry=self._registry)
        freeze_heap()
        return app


def serve(config: Config, host: str, port: int, workers: int) -> None:
    """Check the schemas and bindings, then serve until SIGINT/SIGTERM."""
    # NOTE: built once in the master (failing fast with a named error), inherited by the workers
    registry = build_registry(config)
    freeze_heap()
    GunicornServer(config, registry, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": None,
        "timeout": 60,
    }).run()
