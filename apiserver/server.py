"""Serve the app with gunicorn: embedded engines for unconfigured stores, then the workers."""

from __future__ import annotations

import atexit
import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import falcon
from gunicorn.app.base import BaseApplication

from apiserver.app import build_runtime, create_app, load_compiled
from apiserver.config import Config, load_config
from apiserver.embedded import Engines, start_engines
from apiserver.registry import EndpointRegistry
from apiserver.schema.compiler import CompiledSchemaSet
from apiserver.stores import missing_stores

log = logging.getLogger("apiserver.server")


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

    Every store must be configured. Usage:
    ``gunicorn -w 4 -b 0.0.0.0:8008 'apiserver.server:wsgi_app()'``.
    """
    config = load_config()
    compiled = load_compiled(config)
    config = prepare(config, compiled, create_development_credential=False)
    app = create_app(config, compiled=compiled)
    freeze_heap()
    return app


class GunicornServer(BaseApplication):
    """A gunicorn application whose workers each build the app from one configuration."""

    def __init__(
        self, config: Config, compiled: CompiledSchemaSet, options: dict[str, Any]
    ) -> None:
        self._config = config
        self._compiled = compiled
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the WSGI app in the worker, with its own store connections."""
        runtime = build_runtime(self._config, self._compiled)
        atexit.register(runtime.close)
        app = create_app(self._config, compiled=self._compiled, runtime=runtime)
        freeze_heap()
        return app


@contextmanager
def embedded_engines(config: Config, data_dir: Path | None) -> Iterator[Config]:
    """Start engines for the stores the configuration lacks; yield the completed config."""
    missing = missing_stores(config)
    if not missing:
        yield config
        return
    directory = Path(data_dir or config.get("embedded.data_dir", "./data")).resolve()
    engines: Engines = start_engines(
        directory,
        names=missing,
        redis_mode=str(config.get("embedded.redis", "auto")),
        timeout=float(config.get("embedded.start_timeout_sec", 60)),
    )
    try:
        engines.write_state()
        if "elastic" in missing:
            log.warning("events are kept in memory only in this mode (embedded osmem): "
                        "they are lost when the server stops")
        yield config.with_overrides(engines.config_overrides())
    finally:
        engines.stop()


def prepare(
    config: Config, compiled: CompiledSchemaSet, create_development_credential: bool
) -> Config:
    """Check the bindings, then prepare the stores once (indexes, credentials).

    Returns the configuration with the facts probed from the stores.
    """
    runtime = build_runtime(config, compiled)
    try:
        EndpointRegistry(compiled, runtime.bindings())  # NOTE: fail fast, before any store work
        prepared = runtime.prepare(os.environ, create_development_credential)
    finally:
        runtime.close()
    credential = prepared.development_credential
    if credential is not None:
        banner = (
            "\n" + "=" * 72 + "\n"
            "Development credential (shown once; `apiserver users create` makes more):\n"
            f"    access key: {credential.access_key}\n"
            f"    secret key: {credential.secret_key}\n"
            f"    company: {credential.company_name}, user: {credential.user_name} (admin)\n"
            + "=" * 72
        )
        print(banner, flush=True)
    return config.with_overrides({"mongo.text_indexes": prepared.text_indexes})


def serve(config: Config, host: str, port: int, workers: int, data_dir: Path | None) -> None:
    """Start what is missing, prepare the stores, then serve until SIGINT/SIGTERM."""
    compiled = load_compiled(config)  # NOTE: once, in the master; inherited by the workers
    with embedded_engines(config, data_dir) as served:
        embedded = served is not config
        served = prepare(served, compiled, create_development_credential=embedded)
        freeze_heap()
        GunicornServer(served, compiled, {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "accesslog": None,
            "timeout": 60,
        }).run()
