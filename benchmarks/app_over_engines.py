"""The full app, in process, over the embedded engines: shared by the benchmarks."""

from __future__ import annotations

from typing import Any

from falcon.testing import TestClient

from apiserver.app import create_app, load_compiled
from apiserver.config import load_config
from endpoints import Runtime, build_runtime


def app_over_engines(engines: Any, prefix: str = "bench") -> tuple[TestClient, Runtime]:
    """Build the app as served (responses unchecked) over ``engines``; prepare its stores."""
    mongo = engines.url("mongo")
    config = load_config(environ={}, overrides={
        "mongo.backend.host": f"{mongo}/{prefix}_backend",
        "mongo.auth.host": f"{mongo}/{prefix}_auth",
        "redis.url": f"{engines.url('redis')}/0",
        "elastic.hosts": [engines.url("elastic")],
        "elastic.compat_content_type": False,
        "elastic.index_prefix": f"{prefix}_",
        "apiserver.validation.responses": "off",
    })
    compiled = load_compiled(config)
    runtime = build_runtime(config, compiled.schemas)
    runtime.prepare(environ={})
    return TestClient(create_app(config, compiled=compiled, runtime=runtime)), runtime
