"""The project's own services, served through the real app over real stores."""

from __future__ import annotations

import pytest

from apiserver import __version__
from tests.integration.conftest import app_without_document_store

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
    with app_without_document_store(engines, compiled) as client:
        result = client.simulate_get("/auth.login", headers={"Authorization": "Basic azpz"})
    assert (result.status_code, result.json["meta"]["result_subcode"]) == (500, 102)
    assert "document store" in result.json["meta"]["result_msg"]
