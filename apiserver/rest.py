"""REST routes served from the same registry: fixed paths and methods, no envelope.

A :class:`RestRoute` maps HTTP methods and a path template (e.g.
``POST /api/jobs/stop_job/{id}``) to a registry action and version. The request is built from
path parameters, query parameters and the JSON body, validated against the action's compiled
request schema like any RPC call, and the handler's result is answered as plain JSON with the
route's success status. Errors are ``{"status": <reason phrase>, "error": <message>}``, the
message of a client error being its specific detail (``APIError.extra``) when it has one.

The pipeline mirrors the RPC dispatcher's stages: route → authentication (a JWT in
``X-Auth-Token`` or ``Authorization: Bearer``; 401) → role (403) → path, query and body →
validation (400) → handler → response check.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import falcon
import orjson
from jsonschema.exceptions import ValidationError

from apiserver.auth import Authenticated, Authenticator
from apiserver.call import Call
from apiserver.dispatch import DispatchSettings, ErrorTranslator
from apiserver.errors import APIError, BindingError
from apiserver.openapi import _rewrite, _without_definitions  # the RPC paths' schema rewriting
from apiserver.parsing import coerce_text, describe, strip_nulls
from apiserver.registry import Endpoint, EndpointRegistry
from apiserver.schema.shape import Shape
from apiserver.versions import Version

log = logging.getLogger("apiserver.rest")

REST_ERROR = "RestError"
TOKEN_HEADER = "X-Auth-Token"
ERROR_STATUSES = (400, 401, 403, 404, 422, 500)
_FALSE = ("false", "0")


@dataclass(frozen=True, slots=True)
class RestRoute:
    """One REST operation bound to a registry action.

    ``path`` is a Falcon URI template in its canonical form (the form the API documents); the
    same path with or without its trailing slash is served too. ``path_params`` maps template
    fields to request fields. ``query``: the query string carries request fields (others are
    ignored). ``body``: a JSON body is required; an object supplies request fields, and any
    other JSON value goes to the request field ``body_field`` when that is set.
    """

    methods: tuple[str, ...]
    path: str
    action: str
    version: str
    success_status: int = 200
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: bool = False
    body: bool = False
    body_field: str | None = None


@dataclass(frozen=True, slots=True)
class RestOperation:
    """A route with the endpoint that serves it, resolved at start-up."""

    route: RestRoute
    endpoint: Endpoint


def resolve_route(registry: EndpointRegistry, route: RestRoute) -> Endpoint:
    """Return the endpoint serving a route; raise a BindingError when none does."""
    endpoint = registry.resolve(route.action, Version.parse(route.version))
    if endpoint is None:
        raise BindingError(
            f"REST route {'|'.join(route.methods)} {route.path} names {route.action} "
            f"version {route.version}, which no handler serves"
        )
    return endpoint


def error_body(error: APIError) -> bytes:
    """Render an error as the REST body ``{"status": <reason phrase>, "error": <message>}``.

    A client error's message is its specific detail (``extra``) when it has one, which is
    how handlers give the exact REST message; a server error's is the full catalogue message.
    """
    text = error.extra if error.extra and error.code < 500 else error.message
    return orjson.dumps({"status": HTTPStatus(error.code).phrase, "error": text})


class RestPipeline:
    """Serve one REST operation: authenticate, read and validate, call, answer."""

    def __init__(
        self,
        authenticator: Authenticator,
        settings: DispatchSettings,
        translate_error: ErrorTranslator | None = None,
    ) -> None:
        self._auth = authenticator
        self._settings = settings
        self._translate = translate_error

    def serve(self, operation: RestOperation, req: falcon.Request, resp: falcon.Response,
              params: Mapping[str, str]) -> None:
        """Serve the call; every failure becomes a JSON error body with its status."""
        call_id = os.urandom(16).hex()
        endpoint = operation.endpoint
        try:
            auth = self._authenticate(endpoint, req)
            data = read_request(operation.route, endpoint, req, params)
            call = Call(
                id=call_id, trx=call_id, endpoint=endpoint, requested_version=endpoint.version,
                identity=auth.identity if auth else None, data=data,
                session_id=auth.session_id if auth else None,
                session_expires=auth.expires if auth else None,
                remote_addr=req.remote_addr or "",
            )
            result = endpoint.handler(call)
            result = {} if result is None else result
            self._check_response(endpoint, result)
        except APIError as exc:
            self.fail(resp, exc)
            return
        except Exception as exc:  # the pipeline's last resort, logged below
            translated = self._translate(exc) if self._translate else None
            if translated is None:
                log.exception("REST call %s (%s) failed", call_id, endpoint.name)
                translated = APIError("general_error", call_id=call_id)
            elif translated.code >= 500:
                log.warning("REST call %s (%s): %s", call_id, endpoint.name, exc)
            self.fail(resp, translated)
            return
        resp.status = operation.route.success_status
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps(result)

    @staticmethod
    def fail(resp: falcon.Response, error: APIError) -> None:
        """Answer an error with its status and the REST error body."""
        resp.status = error.code
        resp.content_type = falcon.MEDIA_JSON
        resp.data = error_body(error)

    def _authenticate(self, endpoint: Endpoint, req: falcon.Request) -> Authenticated | None:
        """Verify the JWT (401) and the endpoint's roles (403)."""
        policy = endpoint.policy
        if not policy.authorize:
            return None
        token = req.get_header(TOKEN_HEADER)
        if not token:
            authorization = req.get_header("Authorization")
            if not authorization:
                raise APIError("no_credentials",
                               f"send {TOKEN_HEADER}: <token> or Authorization: Bearer <token>")
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise APIError("bad_auth_type", "expected Authorization: Bearer <token>")
            token = value
        auth = self._auth.verify_token(token.strip())
        if not policy.allows(auth.identity.role):
            raise APIError("role_not_allowed", "missing role: " + " or ".join(policy.allow_roles))
        return auth

    def _check_response(self, endpoint: Endpoint, data: Any) -> None:
        mode = self._settings.response_check
        if mode == "off":
            return
        error = endpoint.response.first_error(data)
        if error is None:
            return
        path, reason = describe(error)
        text = (f"response of {endpoint.name} {endpoint.version} violates its schema at "
                f"{path or '(root)'}: {reason}")
        if mode == "error":
            raise APIError("internal_error", text)
        log.warning(text)


def read_request(route: RestRoute, endpoint: Endpoint, req: falcon.Request,
                 params: Mapping[str, str]) -> dict[str, Any]:
    """Build the request from path, query and body; validate it and apply defaults (400)."""
    schema = endpoint.request
    shape = schema.shape
    data: dict[str, Any] = {}
    for name, request_field in route.path_params.items():
        data[request_field] = coerce_text(str(params.get(name, "")), shape.child(request_field))
    if route.query:
        data.update(_query(req.query_string, shape))
    if route.body:
        data.update(_body(route, req))
    data = strip_nulls(data)
    error = schema.first_error(data)
    if error is not None:
        raise _located(route, error)
    shape.apply(data, "", [])
    return data


def _query(query_string: str, shape: Shape) -> dict[str, Any]:
    """Read query parameters as typed request fields; unknown names are 400.

    A parameter declared as an array may repeat; others take their first value. A boolean
    parameter is true when present, unless its value is ``false`` or ``0``.
    """
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    declared = shape.properties or {}
    data: dict[str, Any] = {}
    for key, values in grouped.items():
        leaf = declared.get(key)
        if leaf is None:
            raise APIError("invalid_query_parameter", f"invalid query parameter: {key}")
        if "array" in leaf.types:
            data[key] = [coerce_text(v, leaf.items) for v in values]
        elif leaf.types == {"boolean"}:
            data[key] = values[0].strip().lower() not in _FALSE
        else:
            data[key] = coerce_text(values[0], leaf)
    return data


def _body(route: RestRoute, req: falcon.Request) -> dict[str, Any]:
    """Parse the JSON body (required) into request fields (400 on any problem)."""
    if req.get_header("Content-Encoding"):
        raise APIError("unsupported_media_type", "content encoding is not supported")
    raw = _read_body(req)
    if not raw.strip():
        raise APIError("invalid_rest_body", "parsing request body failed: empty body")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise APIError("invalid_rest_body", f"parsing request body failed: {exc}") from None
    if route.body_field:
        return {route.body_field: value}
    if not isinstance(value, dict):
        raise APIError("invalid_rest_body",
                       "parsing request body failed: expected a JSON object")
    for key in route.path_params.values():
        if key in value:
            raise APIError("invalid_rest_body",
                           f"parsing request body failed: unknown field {key!r}")
    return value


def _read_body(req: falcon.Request) -> bytes:
    length = req.content_length
    if length:
        return bytes(req.stream.read(length))
    if req.get_header("Transfer-Encoding"):
        return bytes(req.stream.read())
    return b""


def _located(route: RestRoute, error: ValidationError) -> APIError:
    """Turn a validation error into a message naming where it is: path, query or body."""
    path, reason = describe(error)
    parts = list(error.absolute_path)
    first = parts[0] if parts else None
    by_field = {request_field: name for name, request_field in route.path_params.items()}
    if isinstance(first, str) and first in by_field:
        return APIError("invalid_path_parameter",
                        f"integer expected in path for {by_field[first]}: {reason}")
    if route.query:
        return APIError("invalid_query_parameter",
                        f"invalid query parameter value: {first or path}: {reason}")
    if route.body_field and path.startswith(route.body_field):
        path = path[len(route.body_field):].lstrip(".")
    if error.validator == "required":
        return APIError("invalid_rest_body", f"the field {path!r} is required")
    where = f"{path}: " if path else ""
    return APIError("invalid_rest_body", f"parsing request body failed: {where}{reason}")


class RestResource:
    """A Falcon resource for one path: the methods it serves, 405 for every other."""

    def __init__(self, pipeline: RestPipeline, operations: Mapping[str, RestOperation]) -> None:
        self._pipeline = pipeline
        self._operations = dict(operations)
        self._allow = ", ".join(sorted({*operations, "OPTIONS"}))
        for method in falcon.COMBINED_METHODS:
            setattr(self, f"on_{method.lower()}", partial(self._serve, method))

    def _serve(self, method: str, req: falcon.Request, resp: falcon.Response,
               **params: str) -> None:
        resp.set_header("Allow", self._allow)
        if method == "OPTIONS":
            resp.status = 200
            return
        operation = self._operations.get(method)
        if operation is None:
            self._pipeline.fail(resp, APIError(
                "method_not_allowed", f"{method} is not allowed here; allowed: {self._allow}"))
            return
        self._pipeline.serve(operation, req, resp, params)


class RestNotFound:
    """Answer 404 with the REST error body for unknown paths under a REST prefix."""

    def __init__(self) -> None:
        for method in falcon.COMBINED_METHODS:
            setattr(self, f"on_{method.lower()}", self._serve)

    @staticmethod
    def _serve(req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        RestPipeline.fail(resp, APIError("not_found", f"no route {req.method} {req.path}"))


def add_rest_routes(
    app: falcon.App,
    registry: EndpointRegistry,
    authenticator: Authenticator,
    routes: Iterable[RestRoute],
    translate_error: ErrorTranslator | None,
    settings: DispatchSettings,
) -> None:
    """Route every REST path (with and without its trailing slash); routes win over sinks.

    Raises a BindingError at start-up when a route names an action no handler serves.
    """
    pipeline = RestPipeline(authenticator, settings, translate_error)
    by_path: dict[str, dict[str, RestOperation]] = {}
    for route in routes:
        operation = RestOperation(route, resolve_route(registry, route))
        methods = by_path.setdefault(route.path.rstrip("/") or "/", {})
        for method in route.methods:
            methods[method.upper()] = operation
    prefixes = set()
    for path, operations in by_path.items():
        resource = RestResource(pipeline, operations)
        app.add_route(path, resource)
        app.add_route(f"{path}/", resource)
        prefixes.add(path.strip("/").split("/")[0])
    for prefix in sorted(prefixes):
        app.add_route(f"/{prefix}", RestNotFound())
        app.add_route(f"/{prefix}/{{rest:path}}", RestNotFound())


def add_rest_operations(
    document: dict[str, Any], registry: EndpointRegistry, routes: Sequence[RestRoute]
) -> None:
    """Add the REST routes to an OpenAPI 3.1 document (paths, schemas, security)."""
    document["info"]["description"] += (
        " REST routes (the paths without a version) answer plain JSON without the envelope, "
        "with the documented status; their errors are {status, error}."
    )
    components = document["components"]
    components["schemas"].setdefault(REST_ERROR, {
        "type": "object",
        "required": ["status", "error"],
        "properties": {
            "status": {"type": "string", "description": "Reason phrase of the HTTP status"},
            "error": {"type": "string", "description": "Error message"},
        },
    })
    components["securitySchemes"]["authToken"] = {
        "type": "apiKey", "in": "header", "name": TOKEN_HEADER,
        "description": "A token from auth.login",
    }
    for route in routes:
        endpoint = resolve_route(registry, route)
        service = route.action.split(".")[0]
        spec = endpoint.compiled.spec
        for part in (spec.request, spec.response):
            for name, schema in part.get("definitions", {}).items():
                components["schemas"].setdefault(f"{service}.{name}", _rewrite(schema, service))
        item = document["paths"].setdefault(route.path, {})
        for method in route.methods:
            item[method.lower()] = _rest_operation(route, endpoint, service, method)


def _rest_operation(route: RestRoute, endpoint: Endpoint, service: str, method: str
                    ) -> dict[str, Any]:
    spec = endpoint.compiled.spec
    request = _rewrite(_without_definitions(spec.request), service)
    properties: dict[str, Any] = request.get("properties", {})
    required = list(request.get("required", []))
    path_fields = set(route.path_params.values())
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": properties[request_field]}
        for name, request_field in route.path_params.items()
    ]
    if route.query:
        for key, schema in properties.items():
            parameter = {"name": key, "in": "query", "required": key in required,
                         "schema": schema}
            if schema.get("type") == "array":
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
    operation: dict[str, Any] = {
        "operationId": f"rest.{route.action}.{method.lower()}",
        "summary": spec.description.split("\n")[0][:200] if spec.description else route.action,
        "description": spec.description,
        "tags": [f"{service} (REST)"],
        "parameters": parameters,
        "responses": {
            str(route.success_status): {
                "description": HTTPStatus(route.success_status).phrase,
                "content": {"application/json": {
                    "schema": _rewrite(_without_definitions(spec.response), service),
                }},
            },
            **{str(code): {
                "description": HTTPStatus(code).phrase,
                "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{REST_ERROR}"},
                }},
            } for code in ERROR_STATUSES},
        },
        "security": [{"authToken": []}, {"bearer": []}] if endpoint.policy.authorize else [],
    }
    if route.body:
        if route.body_field:
            body = properties[route.body_field]
        else:
            body = {k: v for k, v in request.items() if k not in ("properties", "required")}
            body["properties"] = {k: v for k, v in properties.items() if k not in path_fields}
            body_required = [r for r in required if r not in path_fields]
            if body_required:
                body["required"] = body_required
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    return operation
