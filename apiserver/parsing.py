"""Request parsing and validation: path, JSON body, json-lines, query string, schema checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from jsonschema.exceptions import ValidationError

from apiserver.call import LineError
from apiserver.errors import APIError
from apiserver.schema.compiler import CompiledSchema
from apiserver.schema.shape import Shape
from apiserver.versions import Version

_PATH = re.compile(r"^/*(?:v(?P<version>[^/]*)/)?(?P<name>[^/]+?)/?$")
_NAME = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")
_VERSION = re.compile(r"^\d+\.\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_BOOLEANS = {"true": True, "false": False}


def parse_path(path: str) -> tuple[str, Version | None]:
    """Split ``/v2.4/queues.get_all/`` into (``queues.get_all``, 2.4); 400 when malformed."""
    match = _PATH.match(path)
    if match is None or not _NAME.match(match.group("name")):
        raise APIError("bad_request", f"invalid request path {path}")
    raw_version = match.group("version")
    if raw_version is None:
        return match.group("name"), None
    if not _VERSION.match(raw_version):
        raise APIError(
            "request_path_has_invalid_version",
            f"expected v<major>.<minor>, got v{raw_version}",
        )
    return match.group("name"), Version.parse(raw_version)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Parse a JSON object body (empty → ``{}``); 400 naming the problem otherwise."""
    if not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise APIError("bad_request", f"malformed JSON body: {exc}") from None
    if not isinstance(value, dict):
        raise APIError("validation_error", f"the body must be a JSON object, got {_kind(value)}")
    return value


def parse_json_lines(raw: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Parse a json-lines body into (line number, object) pairs; blank lines are skipped."""
    items = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise APIError("batch_validation_error", f"line {number} is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise APIError(
                "batch_validation_error",
                f"line {number} must be a JSON object, got {_kind(value)}",
            )
        items.append((number, value))
    return items


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def strip_nulls(value: Any) -> Any:
    """Remove null-valued keys from every object, recursively (nulls mean absent)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def merge_query(data: dict[str, Any], query_string: str, shape: Shape) -> dict[str, Any]:
    """Merge query-string (or form) arguments over the body, typed by the request schema.

    Repeated keys and keys ending in ``[]`` become lists; dotted keys nest (``a.b=1``);
    values take the type the schema declares, else numbers and booleans are recognised.
    """
    grouped: dict[str, list[str]] = {}
    forced_lists = set()
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if key.endswith("[]"):
            key = key[:-2]
            forced_lists.add(key)
        grouped.setdefault(key, []).append(value)
    for key, values in grouped.items():
        target: dict[str, Any] = data
        child: Shape | None = shape
        parts = key.split(".")
        for part in parts[:-1]:
            node = target.get(part)
            if not isinstance(node, dict):
                node = target[part] = {}
            target = node
            child = child.child(part) if child else None
        leaf = child.child(parts[-1]) if child else None
        as_list = key in forced_lists or len(values) > 1 or (
            leaf is not None and leaf.types == {"array"}
        )
        if as_list:
            items = leaf.items if leaf is not None else None
            target[parts[-1]] = [coerce_text(v, items) for v in values]
        else:
            target[parts[-1]] = coerce_text(values[0], leaf)
    return data


def coerce_text(text: str, shape: Shape | None) -> Any:
    """Convert a query-string value to the JSON type its schema declares."""
    types = shape.types if shape is not None else frozenset()
    if "string" in types:
        return text
    lowered = text.lower()
    if ("boolean" in types or not types) and lowered in _BOOLEANS:
        return _BOOLEANS[lowered]
    if (types & {"integer", "number"} or not types) and _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def validate_request(schema: CompiledSchema, data: dict[str, Any], reject_undeclared: bool) -> None:
    """Validate in place: raise 400 on errors, then apply defaults and drop undeclared fields."""
    error = schema.first_error(data)
    if error is not None:
        raise _validation_error(error)
    _apply_shape(schema.shape, data, reject_undeclared)


def _apply_shape(shape: Shape, data: dict[str, Any], reject_undeclared: bool) -> None:
    undeclared: list[str] = []
    shape.apply(data, "", undeclared)
    if undeclared and reject_undeclared:
        raise APIError("invalid_fields", "not declared by this version", fields=undeclared)


def validate_batch(
    schema: CompiledSchema, lines: Iterable[tuple[int, dict[str, Any]]], reject_undeclared: bool
) -> tuple[list[dict[str, Any]], list[LineError]]:
    """Validate each line on its own; return the valid items and the per-line errors."""
    valid, errors = [], []
    for number, item in lines:
        item = strip_nulls(item)
        error = schema.first_error(item)
        if error is not None:
            path, reason = describe(error)
            errors.append(LineError(number, f"{path}: {reason}" if path else reason, path))
            continue
        try:
            _apply_shape(schema.shape, item, reject_undeclared)
        except APIError as exc:
            errors.append(LineError(number, exc.message))
            continue
        valid.append(item)
    return valid, errors


def describe(error: ValidationError) -> tuple[str, str]:
    """Return (field path, problem) for a validation error; a missing field names itself."""
    path = _path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [f for f in error.validator_value if f not in error.instance]
        if missing:
            field = f"{path}.{missing[0]}" if path else missing[0]
            return field, "required field is missing"
    return path, error.message


def _validation_error(error: ValidationError) -> APIError:
    path, reason = describe(error)
    if error.validator == "required":
        return APIError("missing_required_fields", f"field {path!r}", missing=[path])
    return APIError("validation_error", f"field {path!r}: {reason}" if path else reason)


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
