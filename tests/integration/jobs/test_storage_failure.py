"""A storage outage behind a jobs route is a 500 with the REST error body."""

from __future__ import annotations

from falcon.testing import TestClient

from apiserver.app import create_app
from apiserver.auth import Identity
from apiserver.embedded import free_port
from endpoints import build_runtime
from tests.conftest import make_config, token

API = Identity(user="u", company="c", role="api")


def test_a_document_store_outage_is_500_json(engines, compiled):
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
        client = TestClient(create_app(config, compiled=compiled, runtime=runtime))
        result = client.simulate_get("/api/jobs/",
                                     headers={"X-Auth-Token": token(API)})
        assert result.status_code == 500
        assert result.json == {"status": "Internal Server Error",
                               "error": "Database is temporarily unavailable (document store)"}
    finally:
        runtime.close()
