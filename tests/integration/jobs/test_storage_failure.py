"""A storage outage behind a jobs route is a 500 with the REST error body."""

from __future__ import annotations

from apiserver.auth import Identity
from tests.conftest import token
from tests.integration.conftest import app_without_document_store

API = Identity(user="u", company="c", role="api")


def test_a_document_store_outage_is_500_json(engines, compiled):
    with app_without_document_store(engines, compiled) as client:
        result = client.simulate_get("/api/jobs/", headers={"X-Auth-Token": token(API)})
    assert result.status_code == 500
    assert result.json == {"status": "Internal Server Error",
                           "error": "Database is temporarily unavailable (document store)"}
