"""The one response envelope: ``{meta: {...}, data: {...}}`` with HTTP status = result_code."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS
SUCCESS_MESSAGE = "OK"


def endpoint_meta(name: str, requested: object, actual: object) -> dict[str, str | None]:
    """Build ``meta.endpoint``: versions as strings, actual None when nothing was resolved."""
    return {
        "name": name,
        "requested_version": None if requested is None else str(requested),
        "actual_version": None if actual is None else str(actual),
    }


def render(
    call_id: str,
    trx: str,
    endpoint: dict[str, str | None],
    data: Any,
    code: int = 200,
    subcode: int = 0,
    message: str = SUCCESS_MESSAGE,
    error_data: dict[str, Any] | None = None,
    error_stack: str | None = None,
) -> bytes:
    """Serialise an envelope; raise TypeError when ``data`` is not JSON-serialisable."""
    return orjson.dumps(
        {
            "meta": {
                "id": call_id,
                "trx": trx,
                "endpoint": endpoint,
                "result_code": code,
                "result_subcode": subcode,
                "result_msg": message,
                "error_stack": error_stack,
                "error_data": error_data or {},
            },
            "data": data,
        },
        option=_OPTIONS,
    )
