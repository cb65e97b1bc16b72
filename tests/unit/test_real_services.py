"""The project's own schemas and handlers, served through the real app."""

from __future__ import annotations

import pytest
from falcon.testing import TestClient

from apiserver import __version__
from apiserver.app import create_app
from tests.conftest import authenticator, bearer, make_config


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(make_config(), authenticator=authenticator()))


def test_debug_ping_needs_no_credentials_at_any_version(client):
    for path in ("/debug.ping", "/v1.5/debug.ping", "/v2.4/debug.ping", "/v999.0/debug.ping"):
        result = client.simulate_get(path)
        assert result.status_code == 200, path
        assert result.json["data"] == {"msg": "ClearML server"}


def test_server_info_reports_versions(client):
    result = client.simulate_post("/server.info", json={}, headers=bearer())
    assert result.status_code == 200
    assert result.json["data"] == {"server_version": __version__, "api_version": "2.15",
                                   "build": "dev"}
    assert result.json["meta"]["endpoint"] == {"name": "server.info",
                                               "requested_version": "2.15",
                                               "actual_version": "1.0"}


def test_server_info_needs_no_credentials(client):
    assert client.simulate_post("/server.info", json={}).status_code == 200


def test_schema_only_seed_action_is_404_before_authentication(client):
    result = client.simulate_post("/v2.4/queues.get_all", json={})
    assert result.status_code == 404
    assert result.json["meta"]["endpoint"] == {"name": "queues.get_all",
                                               "requested_version": "2.4",
                                               "actual_version": None}
