"""The OpenAPI export: generated from the registry, valid OpenAPI 3.1, served and printed."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from apiserver.app import load_compiled
from apiserver.cli import main
from apiserver.openapi import build_openapi
from apiserver.registry import Binding, EndpointRegistry
from apiserver.versions import Version
from tests.conftest import fixture_client, make_config
from tests.unit.test_dispatch import bindings


@pytest.fixture(scope="module")
def real_registry():
    compiled = load_compiled(make_config())

    def handler(call):
        return {}

    return EndpointRegistry(compiled, [
        Binding(action.name, str(action.versions[0].version), handler)
        for action in compiled.schemas.actions()
    ])


@pytest.mark.parametrize("version", [None, "2.4", "1.5", "999.0"])
def test_document_for_the_real_schemas_validates(real_registry, version):
    document = build_openapi(real_registry, Version.parse(version) if version else None)
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_document_lists_each_action_at_the_served_version(real_registry):
    latest = build_openapi(real_registry)
    assert "/v2.15/queues.get_all" in latest["paths"]
    request = latest["paths"]["/v2.15/queues.get_all"]["post"]["requestBody"]["content"]
    assert "scroll_id" in request["application/json"]["schema"]["properties"]
    old = build_openapi(real_registry, Version(2, 4))
    request = old["paths"]["/v2.4/queues.get_all"]["post"]["requestBody"]["content"]
    assert "scroll_id" not in request["application/json"]["schema"]["properties"]
    assert "/v2.4/queues.add_or_update_metadata" not in old["paths"]  # only from 2.13
    assert "/v2.15/workers.get_all" in latest["paths"]


def test_definitions_become_components_and_refs_follow(real_registry):
    document = build_openapi(real_registry, Version(2, 4))
    assert "queues.queue" in document["components"]["schemas"]
    text = json.dumps(document["paths"])
    assert "#/definitions/" not in text and "#/components/schemas/queues." in text


def test_actions_without_authorize_need_no_security(real_registry):
    document = build_openapi(real_registry)
    assert document["paths"]["/v2.15/debug.ping"]["post"]["security"] == []
    assert "security" not in document["paths"]["/v2.15/queues.get_all"]["post"]


def test_batch_actions_declare_json_lines(real_registry):
    operation = build_openapi(real_registry)["paths"]["/v2.15/events.add_batch"]["post"]
    assert "application/json-lines" in operation["requestBody"]["content"]


def test_openapi_json_and_docs_page_are_served():
    client = fixture_client("basic", bindings)
    result = client.simulate_get("/openapi.json")
    assert result.status_code == 200
    validate(result.json)
    assert "/v2.0/items.create" in result.json["paths"]
    assert "/v1.0/items.create" in client.simulate_get(
        "/openapi.json", params={"version": "1.0"}).json["paths"]
    assert client.simulate_get("/openapi.json", params={"version": "x"}).status_code == 400
    page = client.simulate_get("/docs")
    assert page.status_code == 200 and "openapi.json" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def test_cli_prints_the_document(capsys):
    assert main(["openapi", "--version", "2.4"]) == 0
    document = json.loads(capsys.readouterr().out)
    validate(document)
    assert document["info"]["version"] == "2.4"
