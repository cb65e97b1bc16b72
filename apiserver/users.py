"""Operator tooling: create users and credentials against the configured or embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apiserver.config import Config
from apiserver.embedded import running_engines, start_engines
from apiserver.errors import ConfigError
from apiserver.stores import connect_stores, missing_stores
from bll.auth import AUTH_DOCUMENTS, NewCredential, UserStore
from bll.bootstrap import ensure_indexes


@contextmanager
def auth_store(config: Config, data_dir: Path | None) -> Iterator[Config]:
    """Yield a configuration whose document store is reachable.

    A configured MongoDB is used as is. Otherwise the embedded store of ``data_dir`` is used:
    through the running server's engine when it runs, else by starting the engine briefly.
    """
    if "mongo" not in missing_stores(config):
        yield config
        return
    directory = Path(data_dir or config.get("embedded.data_dir", "./data")).resolve()
    running = running_engines(directory)
    if running:
        yield _pointed(config, running["mongo"])
        return
    if not (directory / "mongo").is_dir():
        raise ConfigError(f"no MongoDB configured and no embedded data directory at {directory}")
    engines = start_engines(directory, names=("mongo",))
    try:
        yield _pointed(config, str(engines.url("mongo")))
    finally:
        engines.stop()


def _pointed(config: Config, mongo_url: str) -> Config:
    return config.with_overrides({
        "mongo.backend.host": f"{mongo_url}/backend",
        "mongo.auth.host": f"{mongo_url}/auth",
        # NOTE: only the document store is used here; the others are never contacted.
        "redis.url": config.get("redis.url", "") or "redis://127.0.0.1:6379/0",
        "elastic.hosts": config.get("elastic.hosts", []) or ["http://127.0.0.1:9200"],
        "mongo.text_indexes": False,
    })


def create_user(
    config: Config, company: str, name: str, role: str, data_dir: Path | None
) -> NewCredential:
    """Create a user (and company on demand) with a new credential."""
    with auth_store(config, data_dir) as reachable:
        stores = connect_stores(reachable)
        try:
            ensure_indexes(AUTH_DOCUMENTS, text_indexes=False)
            return UserStore().create_credential(company, name, role)
        finally:
            stores.close()
