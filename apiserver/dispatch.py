"""The call pipeline: path → endpoint → authentication → body → validation → handler → envelope.

One Falcon sink serves every RPC path. Each stage is a small method; every stage raises
:class:`APIError` on failure and :meth:`Dispatcher.__call__` turns any error into the envelope.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import falcon

from apiserver.auth import Authenticated, Authenticator
from apiserver.call import Call, RawResponse
from apiserver.envelope import endpoint_meta, render
from apiserver.errors import APIError
from apiserver.parsing import (
    describe,
    merge_query,
    parse_json_lines,
    parse_json_object,
    parse_path,
    strip_nulls,
    validate_batch,
    validate_request,
)
from apiserver.registry import Endpoint, EndpointRegistry
from apiserver.versions import Version

log = logging.getLogger("apiserver.dispatch")

JSON_LINES = "application/json-lines"
FORM = "application/x-www-form-urlencoded"
TOKEN_COOKIE = "clearml_token_basic"


ErrorTranslator = Callable[[Exception], APIError | None]
"""Turn an exception raised by a handler (e.g. a storage error) into a catalogue error."""


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """Request-handling switches taken from the configuration."""

    reject_undeclared: bool = False
    response_check: str = "log"  # "error" | "log" | "off"
    return_stack: bool = False


def _header(env: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = env.get(name)
        if value:
            return str(value)
    return None


class Dispatcher:
    """A Falcon sink that serves ``/[v<major>.<minor>/]<service>.<action>``."""

    def __init__(
        self,
        registry: EndpointRegistry,
        authenticator: Authenticator,
        settings: DispatchSettings,
        translate_error: ErrorTranslator | None = None,
    ) -> None:
        self._registry = registry
        self._auth = authenticator
        self._settings = settings
        self._translate = translate_error

    def __call__(self, req: falcon.Request, resp: falcon.Response, **_: Any) -> None:
        """Serve one call; every failure becomes an enveloped error with its status."""
        env = req.env
        if req.method == "OPTIONS":
            resp.status = 200
            return
        call_id = os.urandom(16).hex()
        trx = _header(env, "HTTP_X_CLEARML_TRX", "HTTP_X_TRAINS_TRX") or call_id
        name, requested, endpoint = "", None, None
        try:
            if env.get("HTTP_CONTENT_ENCODING"):
                raise APIError("unsupported_media_type", "content encoding is not supported")
            name, version = parse_path(req.path)
            requested = version or self._registry.latest_released
            endpoint = self._registry.resolve(name, requested)
            if endpoint is None:
                raise APIError("not_found", f"no endpoint {name} at version {requested}")
            auth = self._authenticate(endpoint, req)
            call = self._read_call(req, env, endpoint, requested, auth, call_id, trx)
            data = endpoint.handler(call)
            if isinstance(data, RawResponse):
                _send_raw(resp, data)
                return
            data = {} if data is None else data
            self._check_response(endpoint, data)
            meta = endpoint_meta(name, requested, endpoint.version)
            body = render(call_id, trx, meta, data)
            resp.status = 200
        except APIError as exc:
            resp.status, body = self._error(exc, call_id, trx, name, requested, endpoint)
        except Exception as exc:  # noqa: BLE001 - the pipeline's last resort, logged below
            translated = self._translate(exc) if self._translate else None
            if translated is None:
                translated = self._unexpected(exc, call_id, name)
            elif translated.code >= 500:
                log.warning("call %s (%s): %s", call_id, name, exc)
            resp.status, body = self._error(translated, call_id, trx, name, requested, endpoint)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = body

    def _error(
        self,
        error: APIError,
        call_id: str,
        trx: str,
        name: str,
        requested: Version | None,
        endpoint: Endpoint | None,
    ) -> tuple[int, bytes]:
        """Render an error envelope; return the HTTP status and the body."""
        meta = endpoint_meta(name, requested, endpoint.version if endpoint else None)
        body = render(call_id, trx, meta, {}, error.code, error.subcode, error.message,
                      error_data=error.fields, error_stack=error.stack)
        return error.code, body

    def _unexpected(self, exc: Exception, call_id: str, name: str) -> APIError:
        """Log an unexpected failure and return the 500 answered without internals."""
        log.exception("call %s (%s) failed", call_id, name)
        reason = "Error serializing response data" \
            if isinstance(exc, TypeError) and "serializ" in str(exc) else None
        error = APIError("general_error", reason, call_id=call_id)
        if self._settings.return_stack:
            error.stack = traceback.format_exc()
        return error


    def _authenticate(self, endpoint: Endpoint, req: falcon.Request) -> Authenticated | None:
        policy = endpoint.policy
        if not policy.authorize:
            return None
        authorization = req.env.get("HTTP_AUTHORIZATION")
        cookie = None if authorization else req.cookies.get(TOKEN_COOKIE)
        auth = self._auth.authenticate(authorization, cookie)
        role = auth.identity.role
        if not policy.allows(role):
            raise APIError("role_not_allowed", f"role {role!r}", endpoint=endpoint.name)
        return auth

    def _read_call(
        self,
        req: falcon.Request,
        env: dict[str, Any],
        endpoint: Endpoint,
        requested: Version,
        auth: Authenticated | None,
        call_id: str,
        trx: str,
    ) -> Call:
        raw = _read_body(req)
        content_type = (req.content_type or "").split(";")[0].strip().lower()
        call = Call(
            id=call_id,
            trx=trx,
            endpoint=endpoint,
            requested_version=requested,
            identity=auth.identity if auth else None,
            session_id=auth.session_id if auth else None,
            session_expires=auth.expires if auth else None,
            data={},
            worker=_header(env, "HTTP_X_CLEARML_WORKER", "HTTP_X_TRAINS_WORKER") or "<unknown>",
            client=_header(env, "HTTP_X_CLEARML_CLIENT", "HTTP_X_TRAINS_CLIENT") or "",
            remote_addr=_remote_addr(req),
        )
        reject = self._settings.reject_undeclared
        if endpoint.batch_item is not None:
            lines = self._batch_lines(raw, content_type)
            if not lines:
                raise APIError("batch_contains_no_items")
            call.batch, call.batch_errors = validate_batch(endpoint.batch_item, lines, reject)
            return call
        if content_type == JSON_LINES:
            raise APIError("bad_request", f"{endpoint.name} does not accept json-lines batches")
        # NOTE: tools like curl label JSON bodies as form data; a body opening with "{" is JSON.
        is_form = content_type == FORM and not raw.lstrip().startswith(b"{")
        data = {} if is_form else parse_json_object(raw)
        query = req.query_string
        if is_form and raw:
            query = f"{query}&{raw.decode('utf-8', 'replace')}" if query else raw.decode()
        if query:
            data = merge_query(data, query, endpoint.request.shape)
        data = strip_nulls(data)
        validate_request(endpoint.request, data, reject)
        call.data = data
        return call

    @staticmethod
    def _batch_lines(raw: bytes, content_type: str) -> list[tuple[int, dict[str, Any]]]:
        """Read a batch body: json-lines, or one JSON object as a batch of one."""
        if content_type == JSON_LINES:
            return parse_json_lines(raw)
        if not raw.strip():
            return []
        return [(1, parse_json_object(raw))]

    def _check_response(self, endpoint: Endpoint, data: Any) -> None:
        mode = self._settings.response_check
        if mode == "off":
            return
        if not isinstance(data, dict):
            raise TypeError(f"handler of {endpoint.name} returned {type(data).__name__}")
        error = endpoint.response.first_error(data)
        if error is None:
            return
        path, reason = describe(error)
        text = f"response of {endpoint.name} {endpoint.version} violates its schema at " \
               f"{path or '(root)'}: {reason}"
        if mode == "error":
            raise APIError("internal_error", text)
        log.warning(text)


def _send_raw(resp: falcon.Response, raw: RawResponse) -> None:
    """Send a raw handler result: no envelope, an attachment, never cached."""
    resp.status = 200
    resp.content_type = raw.content_type
    resp.cache_control = ["no-store"]
    if raw.filename:
        resp.downloadable_as = raw.filename
    if isinstance(raw.body, bytes):
        resp.data = raw.body
    else:
        resp.stream = iter(raw.body)  # falcon streams an iterable of byte blocks


def _read_body(req: falcon.Request) -> bytes:
    """Read the whole request body (sized, or chunked without a length)."""
    length = req.content_length
    if length:
        return bytes(req.stream.read(length))
    if req.env.get("HTTP_TRANSFER_ENCODING"):
        return bytes(req.stream.read())  # the WSGI server de-chunks the body
    # PERF: no length and no chunking means no body; skip the stream wrapper.
    return b""


def _remote_addr(req: falcon.Request) -> str:
    forwarded = req.env.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return str(forwarded).split(",")[0].strip()
    return str(req.env.get("HTTP_X_REAL_IP") or req.remote_addr or "")
