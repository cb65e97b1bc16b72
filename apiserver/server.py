"""Serve the app with gunicorn, with the configuration built once in the CLI."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from apiserver.app import build_registry
from apiserver.config import Config
from apiserver.registry import EndpointRegistry


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
        from apiserver.app import create_app

        return create_app(self._config, registry=self._registry)


def serve(config: Config, host: str, port: int, workers: int) -> None:
    """Check the schemas and bindings, then serve until SIGINT/SIGTERM."""
    # NOTE: built once in the master (failing fast with a named error), inherited by the workers
    registry = build_registry(config)
    GunicornServer(config, registry, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": None,
        "timeout": 60,
    }).run()
