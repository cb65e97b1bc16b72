"""Integration fixtures: embedded engines for the session, a fresh app and stores per test."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from falcon.testing import TestClient

from apiserver.app import create_app, load_compiled
from apiserver.config import DEFAULT_SCHEMAS_DIR, Config
from apiserver.embedded import Engines, free_port, start_engines
from bll.auth import NewCredential
from endpoints import Runtime, build_runtime
from tests.conftest import FIXTURES, make_config
from tests.integration import notes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """Start SecantusDB, osmem and Redis once for the whole session."""
    started = start_engines(tmp_path_factory.mktemp("engines"), mongo_storage=":memory:")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def schemas_with_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's schemas plus the notes fixture service."""
    folder = tmp_path_factory.mktemp("schemas")
    for path in DEFAULT_SCHEMAS_DIR.glob("*.conf"):
        shutil.copy(path, folder / path.name)
    shutil.copy(FIXTURES / "schemas" / "notes" / "notes.conf", folder / "notes.conf")
    return folder


@pytest.fixture(scope="session")
def compiled(schemas_with_notes: Path) -> Any:
    return load_compiled(make_config(apiserver__schemas_dir=str(schemas_with_notes)))


def store_config(engines: Engines, schemas: Path, **overrides: Any) -> Config:
    """Point a configuration at the session engines, with databases unique to one test."""
    tag = uuid.uuid4().hex[:12]
    mongo = engines.url("mongo")
    return make_config(
        apiserver__schemas_dir=str(schemas),
        mongo__backend__host=f"{mongo}/t{tag}_backend",
        mongo__auth__host=f"{mongo}/t{tag}_auth",
        redis__url=f"{engines.url('redis')}/0",
        elastic__hosts=[engines.url("elastic")],
        elastic__compat_content_type=False,
        elastic__index_prefix=f"t{tag}_",
        **overrides,
    )


@contextmanager
def app_without_document_store(engines: Engines, compiled: Any) -> Iterator[TestClient]:
    """A real app whose MongoDB address answers nothing (an outage), the rest working."""
    dead = f"mongodb://127.0.0.1:{free_port()}"
    config = make_config(
        mongo__backend__host=f"{dead}/b?serverSelectionTimeoutMS=300",
        mongo__auth__host=f"{dead}/a?serverSelectionTimeoutMS=300",
        redis__url=f"{engines.url('redis')}/0",
        elastic__hosts=[engines.url("elastic")],
        mongo__text_indexes=False,
    )
    runtime = build_runtime(config, compiled.schemas)
    try:
        yield TestClient(create_app(config, compiled=compiled, runtime=runtime))
    finally:
        runtime.close()


@dataclass
class Server:
    """A test app over real stores, with its runtime and a credential per company."""

    client: TestClient
    runtime: Runtime
    config: Config

    def credential(self, company: str = "acme", name: str = "ann",
                   role: str = "user") -> NewCredential:
        return self.runtime.users.create_credential(company, name, role)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def live(server: Server) -> Iterator[str]:
    """Serve the test app over real HTTP on a loopback port (threads); yield its URL."""
    httpd = make_server("127.0.0.1", 0, server.client.app, server_class=_ThreadingServer,
                        handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture
def server(engines: Engines, schemas_with_notes: Path, compiled: Any) -> Iterator[Server]:
    """A fresh app over fresh databases."""
    config = store_config(engines, schemas_with_notes)
    runtime = build_runtime(config, compiled.schemas)
    runtime.stores.redis.flushdb()
    runtime.prepare(environ={})
    notes.Note.ensure_indexes()

    def bindings(schemas: Any, cfg: Config) -> list[Any]:
        return [*runtime.bindings(), *notes.bindings()]

    app = create_app(config, compiled=compiled, runtime=runtime, bindings=bindings)
    yield Server(TestClient(app), runtime, config)
    for alias in ("backend", "auth"):
        db = runtime.stores.mongo(alias)
        db.client.drop_database(db.name)
    runtime.close()
