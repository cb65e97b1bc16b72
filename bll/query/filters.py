"""Request fields → MongoDB query (reference-behaviour §B1 to §B4 and search_text of §B6).

Every regular expression is sent as a ``{"$regex": ...}`` operator, never as a compiled
pattern: the embedded engine matches nothing when a compiled pattern meets an indexed field,
and the operator form means the same on MongoDB.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apiserver.errors import APIError

MULTI_FIELD_KEYS = {"_any_": "$or", "_or_": "$or", "_all_": "$and", "_and_": "$and"}
_DATE_OPS = {">=": "$gte", ">": "$gt", "<=": "$lte", "<": "$lt"}
_TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class QuerySpec:
    """Which request keys filter which stored fields, per kind (reference §B table)."""

    list_fields: frozenset[str] = frozenset()
    pattern_fields: frozenset[str] = frozenset()
    datetime_fields: frozenset[str] = frozenset()
    equality_fields: frozenset[str] = frozenset()
    text_fields: tuple[str, ...] = ()
    """Stored fields a ``search_text`` searches when the engine has no text index."""


def db_field(name: str) -> str:
    """Map an API field path to the stored one (``id`` is ``_id``); 400/14 if malformed.

    A path is dot-separated names, none empty and none starting with ``$`` (the store reads
    those as operators).
    """
    if not all(part and not part.startswith("$") and "\x00" not in part
               for part in name.split(".")):
        raise APIError("invalid_fields", "malformed field path", field=name)
    return "_id" if name == "id" else name


def all_of(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    """AND conditions together into one flat query where their keys do not collide.

    PERF: the embedded engine plans no index for a query with a top-level operator such as
    ``$and``; a flat ``{company: ..., status: ...}`` lets it look the company up in an index.
    """
    merged: dict[str, Any] = {}
    rest: list[dict[str, Any]] = []
    for condition in conditions:
        if not condition:
            continue
        if any(key in merged for key in condition):
            rest.append(condition)
        else:
            merged.update(condition)
    if rest:
        merged["$and"] = [*merged.get("$and", []), *rest]
    return merged


def any_of(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    """OR conditions together, without wrapping a single one."""
    return conditions[0] if len(conditions) == 1 else {"$or": conditions}


def build_query(data: Mapping[str, Any], spec: QuerySpec, text_indexes: bool) -> dict[str, Any]:
    """Build the query the request's filter fields describe (company scope not included)."""
    conditions: list[dict[str, Any]] = []
    for key, value in data.items():
        field = db_field(key)
        if key in spec.list_fields:
            conditions.append(list_condition(field, value))
        elif key in spec.pattern_fields:
            conditions.append({field: regex(value)})
        elif key in spec.datetime_fields:
            conditions.append(datetime_condition(field, value))
        elif key in spec.equality_fields:
            conditions.append({field: value})
        elif key in MULTI_FIELD_KEYS:
            conditions.append(multi_field_condition(value, MULTI_FIELD_KEYS[key]))
    search = data.get("search_text")
    if search:
        conditions.append(text_condition(search, spec.text_fields, text_indexes))
    return all_of(conditions)


def regex(pattern: str, options: str = "") -> dict[str, str]:
    """Return a ``$regex`` operator for a Python-syntax pattern; a bad pattern is 400/21."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise APIError("invalid_regex_error", str(exc), pattern=pattern) from None
    return {"$regex": pattern, "$options": options} if options else {"$regex": pattern}


def null_condition(field: str) -> dict[str, Any]:
    """Match documents whose field is missing, null or an empty list."""
    return {"$or": [{field: None}, {field: []}]}


def list_condition(field: str, value: Any) -> dict[str, Any]:
    """Build the condition of a list field: values, ``-`` exclusion, null, ``__$`` operators."""
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and v.startswith("__$") for v in values):
        return _operator_condition(field, values)
    include, exclude, with_null = [], [], False
    for item in values:
        if item is None:
            with_null = True
        elif not isinstance(item, str):
            raise APIError("fields_value_error", "list values must be strings", field=field)
        elif item.startswith("-"):
            if item == "-":
                raise APIError("fields_value_error", "'-' alone excludes nothing", field=field)
            exclude.append(item[1:])
        else:
            include.append(item)
    positive = ([{field: {"$in": _unique(include)}}] if include else []) + \
        ([null_condition(field)] if with_null else [])
    conditions = [any_of(positive)] if positive else []
    if exclude:
        conditions.append({field: {"$nin": _unique(exclude)}})
    return all_of(conditions)


def _operator_condition(field: str, values: list[Any]) -> dict[str, Any]:
    """``__$all``/``__$any``/``__$not``/``__$nop`` lists (reference §B1, HEAD)."""
    context, negate, first_op, legacy = "any", False, None, True
    parts: dict[tuple[str, bool], list[str]] = {}
    for item in values:
        if not isinstance(item, str):
            raise APIError("fields_value_error", "list values must be strings", field=field)
        if item in ("__$all", "__$and", "__$any", "__$or", "__$nop"):
            context = "all" if item in ("__$all", "__$and") else "any"
            legacy = item == "__$nop"
            first_op = first_op or context
        elif item == "__$not":
            negate = True
        elif item.startswith("__$"):
            raise APIError("fields_value_error", f"unknown operator {item}", field=field)
        else:
            if legacy and item.startswith("-") and len(item) > 1:
                item, negate = item[1:], True
            parts.setdefault((context, negate), []).append(item)
            negate = False
    if negate:
        raise APIError("fields_value_error", "__$not must be followed by a value", field=field)
    conditions = []
    for (context, negated), items in parts.items():
        items = _unique(items)
        if negated:
            conditions.append({field: {"$nin": items}})
        else:
            conditions.append({field: {"$all" if context == "all" else "$in": items}})
    if not conditions:
        return {}
    return any_of(conditions) if first_op == "any" and len(conditions) > 1 else all_of(conditions)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def parse_datetime(text: str) -> datetime | None:
    """Parse an ISO-8601 date or an epoch number leniently, as naive UTC; None if neither."""
    text = text.strip()
    try:
        return datetime.fromtimestamp(float(text), UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def datetime_condition(field: str, value: Any) -> dict[str, Any]:
    """Build a datetime constraint: ``[from, to]`` or ``<op><date>`` strings (§B4)."""
    values = value if isinstance(value, list) else [value]
    if len(values) == 2 and not any(
        isinstance(v, str) and v.strip()[:1] in "<>" for v in values
    ):
        low, high = (parse_datetime(v) if isinstance(v, str) else None for v in values)
        limits = {k: v for k, v in (("$gte", low), ("$lte", high)) if v is not None}
        if not limits:
            return {}
        return any_of([{field: limits}, {field: None}]) if low is None else {field: limits}
    bounds: dict[str, Any] = {}
    for item in values:
        if not isinstance(item, str):
            continue
        text, operator = item.strip(), "$eq"
        for prefix, op in _DATE_OPS.items():
            if text.startswith(prefix):
                text, operator = text[len(prefix):], op
                break
        parsed = parse_datetime(text)
        if parsed is not None:
            bounds[operator] = parsed
    return {field: bounds} if bounds else {}


def multi_field_condition(value: Any, operator: str) -> dict[str, Any]:
    """``{fields, pattern}``: a case-insensitive regex on each field, ORed or ANDed (§B3)."""
    if not isinstance(value, Mapping) or not isinstance(value.get("pattern"), str):
        raise APIError("fields_value_error", "failed parsing query field",
                       reason="a pattern is required")
    fields = [f for f in value.get("fields") or [] if isinstance(f, str)]
    if not fields:
        return {}
    pattern = regex(value["pattern"], "i")
    conditions = [{db_field(f): pattern} for f in fields]
    return conditions[0] if len(conditions) == 1 else {operator: conditions}


def text_condition(search: str, fields: tuple[str, ...], text_indexes: bool) -> dict[str, Any]:
    """Free-text search: the text index where the engine has one, else the same by regex.

    The fallback follows MongoDB's text search: a document matches when any term or quoted
    phrase occurs (case-insensitively) in any searched field, and no ``-`` term does.
    """
    if text_indexes:
        return {"$text": {"$search": search}}
    wanted: list[str] = []
    unwanted: list[str] = []
    for negated, phrase, word in _TERM.findall(search):
        term = phrase if phrase else word
        negated = bool(negated) or (not phrase and term.startswith("-") and len(term) > 1)
        term = term[1:] if (not phrase and negated) else term
        if term:
            (unwanted if negated else wanted).append(term)
    conditions = []
    if wanted:
        conditions.append({"$or": [
            {f: {"$regex": re.escape(t), "$options": "i"}} for t in wanted for f in fields
        ]})
    if unwanted:
        conditions.append({"$nor": [
            {f: {"$regex": re.escape(t), "$options": "i"}} for t in unwanted for f in fields
        ]})
    return all_of(conditions)
