"""The project's own services, served through the real app over real stores."""

from __future__ import annotations

import pytest

from apiserver import __version__

pytestmark = pytest.mark.integration


def test_debug_ping_needs_no_credentials_at_any_version(server):
    for path in ("/debug.ping", "/v1.5/debug.ping", "/v2.4/debug.ping", "/v999.0/debug.ping"):
        result = server.client.simulate_get(path)
        assert result.status_code == 200, path
        assert result.json["data"] == {"msg": "ClearML server"}


def test_server_info_reports_versions_without_credentials(server):
    result = server.client.simulate_post("/server.info", json={})
    assert result.status_code == 200
    assert result.json["data"] == {"server_version": __version__, "api_version": "2.15",
                                   "build": "dev"}
    assert result.json["meta"]["endpoint"] == {"name": "server.info",
                                               "requested_version": "2.15",
                                               "actual_version": "1.0"}


def test_unknown_action_is_404_before_authentication(server):
    result = server.client.simulate_post("/v2.4/queues.get_nothing", json={})
    assert result.status_code == 404
    assert result.json["meta"]["endpoint"] == {"name": "queues.get_nothing",
                                               "requested_version": "2.4",
                                               "actual_version": None}


def test_version_below_an_actions_first_is_404_before_authentication(server):
    result = server.client.simulate_post("/v2.3/queues.get_all", json={})
    assert result.status_code == 404


def test_storage_outage_is_answered_as_database_unavailable(engines, compiled):
    from falcon.testing import TestClient

    from apiserver.app import create_app
    from apiserver.embedded import free_port
    from endpoints import build_runtime
    from tests.conftest import make_config

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
        result = client.simulate_get("/auth.login", headers={"Authorization": "Basic azpz"})
        assert (result.status_code, result.json["meta"]["result_subcode"]) == (500, 102)
        assert "document store" in result.json["meta"]["result_msg"]
    finally:
        runtime.close()
