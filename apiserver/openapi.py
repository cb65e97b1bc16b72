"""An OpenAPI 3.1 description of the served API, generated from the registry.

Every action served at the chosen version becomes ``POST /v<version>/<service>.<action>``
with its request schema and the envelope around its response schema. Service definitions
become ``components/schemas/<service>.<name>``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from apiserver import __version__
from apiserver.registry import Endpoint, EndpointRegistry
from apiserver.versions import Version

if TYPE_CHECKING:
    from apiserver.rest import RestRoute

OPENAPI_VERSION = "3.1.0"
ENVELOPE = "Envelope"
META = "Meta"


def build_openapi(
    registry: EndpointRegistry,
    version: Version | None = None,
    title: str = "apiserver",
    rest_routes: Sequence[RestRoute] = (),
) -> dict[str, Any]:
    """Describe every action served at ``version`` (default: the latest released one).

    ``rest_routes`` (e.g. the jobs API under ``/api``) are added with their own paths.
    """
    version = version or registry.latest_released
    components: dict[str, Any] = {META: _meta_schema(), ENVELOPE: _envelope_schema()}
    paths: dict[str, Any] = {}
    for status in registry.status():
        endpoint = registry.resolve(status.name, version)
        if endpoint is None:
            continue
        service = status.name.split(".")[0]
        for name, schema in endpoint.compiled.spec.request.get("definitions", {}).items():
            components.setdefault(f"{service}.{name}", _rewrite(schema, service))
        for name, schema in endpoint.compiled.spec.response.get("definitions", {}).items():
            components.setdefault(f"{service}.{name}", _rewrite(schema, service))
        paths[f"/v{version}/{status.name}"] = {"post": _operation(endpoint, service)}
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": str(version),
            "description": (
                f"Server {__version__}. RPC actions served at API version {version}; every "
                "response is the envelope {meta, data} and its HTTP status equals "
                "meta.result_code. Unversioned paths (/<service>.<action>) are served at the "
                "latest released version."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        "security": [{"bearer": []}, {"basic": []}],
    }
    if rest_routes:
        from apiserver.rest import add_rest_operations  # NOTE: rest builds on this module

        add_rest_operations(document, registry, rest_routes)
    return document


def _operation(endpoint: Endpoint, service: str) -> dict[str, Any]:
    spec = endpoint.compiled.spec
    request = _rewrite(_without_definitions(spec.request), service)
    content: dict[str, Any] = {"application/json": {"schema": request}}
    if endpoint.batch_item is not None:
        item = _rewrite(_without_definitions(endpoint.batch_item.schema), service)
        content = {
            "application/json-lines": {
                "schema": {"type": "string",
                           "description": "One JSON object per line, each as below"},
            },
            "application/json": {"schema": item},
        }
    response = _rewrite(_without_definitions(spec.response), service)
    operation: dict[str, Any] = {
        "operationId": f"{endpoint.name}",
        "summary": spec.description.split("\n")[0][:200] if spec.description else endpoint.name,
        "description": spec.description,
        "tags": [service],
        "requestBody": {"required": False, "content": content},
        "responses": {
            "200": {
                "description": "Success",
                "content": {"application/json": {"schema": {
                    "allOf": [{"$ref": f"#/components/schemas/{ENVELOPE}"}],
                    "properties": {"data": response},
                }}},
            },
            "default": {
                "description": "Error: meta.result_code, result_subcode and result_msg say which",
                "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{ENVELOPE}"},
                }},
            },
        },
    }
    if not endpoint.policy.authorize:
        operation["security"] = []
    return operation


def _without_definitions(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "definitions"}


def _rewrite(schema: Any, service: str) -> Any:
    """Copy a schema, pointing ``#/definitions/x`` at ``#/components/schemas/<service>.x``."""
    if isinstance(schema, Mapping):
        copied = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
                copied[key] = f"#/components/schemas/{service}.{value[len('#/definitions/'):]}"
            else:
                copied[key] = _rewrite(value, service)
        return copied
    if isinstance(schema, list):
        return [_rewrite(item, service) for item in schema]
    return copy.copy(schema)


def _meta_schema() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": ["id", "trx", "endpoint", "result_code", "result_subcode", "result_msg"],
        "properties": {
            "id": text,
            "trx": text,
            "endpoint": {
                "type": "object",
                "properties": {
                    "name": text,
                    "requested_version": {"type": ["string", "null"]},
                    "actual_version": {"type": ["string", "null"]},
                },
            },
            "result_code": {"type": "integer"},
            "result_subcode": {"type": "integer"},
            "result_msg": text,
            "error_stack": {"type": ["string", "null"]},
            "error_data": {"type": "object"},
        },
    }


def _envelope_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["meta", "data"],
        "properties": {
            "meta": {"$ref": f"#/components/schemas/{META}"},
            "data": {"type": "object"},
        },
    }
